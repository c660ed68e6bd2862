/* market_quote.h — sizing and pricing of marketplace jobs (pure functions).
 *
 * POST /marketplace/jobs accepts two forms:
 *  - the kind-level contract (market.h, it has "kind"): taken as it is, the
 *    quote only shows its budget;
 *  - the platform specification's high-level form (it has "type"):
 *      {"type":"ml_training","framework":"pytorch","dataset_size":"500GB",
 *       "model_params":"70B","priority":"high","max_budget":1000}
 *    optional: "replication" (1..9, default 1), "gpu_model".
 *    max_budget is in CPC (decimals allowed, number or string).
 *
 * Sizing of the high-level form (every number is an integer; all products are
 * overflow-checked):
 *   vram_gb  = ceil(params x 2 bytes (fp16) x 1.2 overhead / 1e9)
 *              (no model_params: the workload's default VRAM)
 *   minutes  = ceil(dataset_bytes x 60 / (workload GB per GPU-hour x 1e9)), >= 1
 *   Heavy    vram_gb > 80:            gpus = ceil(vram_gb / 80), tasks = gpus, each
 *                                     shard on an 80 GB GPU for `minutes`
 *   Parallel splittable workload and minutes > 60: tasks = ceil(minutes / 60)
 *                                     (at most CPC_DEFAULT_JOB_CREATE_MAX_TASKS: one
 *                                     JOB_CREATE within the block gas), each on one GPU
 *   Light    vram_gb <= 24 and minutes < 60: one 24 GB GPU
 *   Medium   otherwise (vram_gb <= 80): one 80 GB GPU
 *   gpu_minutes = tasks x minutes_per_task
 *   base  = ceil(gpu_minutes x tier price per GPU-hour / 60)
 *   cost  = ceil(base x priority multiplier)   (low 0.8, normal 1.0, high 1.5)
 *   reward per task = ceil(cost / (tasks x replication))
 *   budget = tasks x replication x reward; commission = 10% of budget;
 *   total = budget + commission must be <= max_budget.
 * The result is an `exec` contract: app = SHA256("framework:type"), no inputs,
 * timeout_s = 2 x minutes per task (<= 86400), memory_mb from the VRAM need,
 * requirements.min_vram_gb = per-task VRAM, deadline from the wall time.
 */
#ifndef CPC_NODE_MARKET_QUOTE_H
#define CPC_NODE_MARKET_QUOTE_H

#include <jansson.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/market.h"

#define CPC_MQ_NAME_MAX 32
#define CPC_MQ_MAX_PARAMS 10000000000000ULL        /* 10T parameters */
#define CPC_MQ_MAX_DATASET 100000000000000000ULL   /* 100 PB */
#define CPC_MQ_LIGHT_VRAM_GB 24
#define CPC_MQ_GPU_VRAM_GB 80
#define CPC_MQ_DEFAULT_PARALLELISM 64              /* the scheduler's per-job default */

enum cpc_mq_tier { CPC_MQ_LIGHT = 0, CPC_MQ_MEDIUM, CPC_MQ_HEAVY, CPC_MQ_PARALLEL, CPC_MQ_TIERS };

/* One known workload type. */
struct cpc_mq_workload {
    const char *type;             /* "ml_training" */
    uint64_t gb_per_gpu_hour;     /* dataset GB one GPU processes per hour */
    uint32_t default_vram_gb;     /* when model_params is absent */
    int splittable;               /* dataset splits into independent tasks */
};

/* The parsed high-level form. */
struct cpc_mq_request {
    const struct cpc_mq_workload *w;
    char framework[CPC_MQ_NAME_MAX + 1];
    uint64_t dataset_bytes;       /* default 1 GB */
    uint64_t model_params;        /* 0 = absent */
    enum cpc_priority priority;
    uint64_t max_budget;          /* base units */
    uint8_t replication;          /* 1..CPC_MAX_REPLICATION */
    char gpu_model[CPC_GPU_MODEL_MAX + 1];
};

/* The sizing and the estimate (amounts in base units). */
struct cpc_mq_quote {
    enum cpc_mq_tier tier;
    uint64_t vram_gb;             /* total need */
    uint64_t minutes;             /* one GPU (or one model replica) over the whole dataset */
    uint32_t tasks;               /* GPUs (Heavy) or independent tasks (Parallel), else 1 */
    uint64_t minutes_per_task;
    uint64_t gpu_minutes;
    uint64_t wall_minutes;        /* expected elapsed time */
    uint32_t vram_per_task_gb;
    uint64_t price_per_gpu_hour;  /* tier price */
    uint32_t multiplier_pct;      /* priority multiplier x 100 */
    uint64_t base_cost, cost;
    uint64_t reward;              /* per task per replica */
    uint64_t budget, commission, total;
    uint64_t deadline_blocks;
    char rule[160];               /* the rule that fired, in words */
};

/* Workload table (static storage); *n receives its length. */
const struct cpc_mq_workload *cpc_mq_workloads(size_t *n);
const char *cpc_mq_tier_name(enum cpc_mq_tier t);           /* "Light" ... */
uint64_t cpc_mq_tier_price(enum cpc_mq_tier t);             /* base units per GPU-hour */
uint32_t cpc_mq_priority_pct(enum cpc_priority p);          /* 80 / 100 / 150 */

/* "70B", "1.5B", "350M", "125K", "7e9"-free decimals with K/M/B/T suffix, or a JSON
 * integer. 0 or CPC_ERR_INVALID / CPC_ERR_TOO_LARGE naming "model_params". */
int cpc_mq_parse_count(const json_t *v, const char *field, uint64_t max, uint64_t *out,
                       struct cpc_err *err);
/* "500GB", "1.5TB", "200MB", "10KiB", "42" (bytes) or a JSON integer (bytes). */
int cpc_mq_parse_size(const json_t *v, const char *field, uint64_t max, uint64_t *out,
                      struct cpc_err *err);
/* CPC amount as a JSON integer, real or decimal string -> base units. */
int cpc_mq_parse_cpc(const json_t *v, const char *field, uint64_t *out, struct cpc_err *err);

/* Strictly parse the high-level form (a JSON object with "type"). Unknown keys, wrong
 * types, unknown workload types and out-of-range values -> CPC_ERR_INVALID (or
 * CPC_ERR_TOO_LARGE / CPC_ERR_OVERFLOW) naming the field. */
int cpc_mq_parse(struct cpc_mq_request *r, const json_t *j, struct cpc_err *err);

/* Size and price a parsed request. block_time_ms (> 0) turns wall time into a deadline.
 * Returns 0, CPC_ERR_OVERFLOW (the estimate does not fit an amount) or CPC_ERR_INVALID
 * ("estimate ... exceeds max_budget ..."; q is still filled so it can be shown). */
int cpc_mq_quote(const struct cpc_mq_request *r, uint64_t block_time_ms,
                 struct cpc_mq_quote *q, struct cpc_err *err);

/* The exec contract of a quoted request (checked with cpc_contract_check). */
int cpc_mq_contract(const struct cpc_mq_request *r, const struct cpc_mq_quote *q,
                    struct cpc_contract *c, struct cpc_err *err);

/* JSON of a high-level quote: tier, rule, every number and the steps in words.
 * New reference, NULL on OOM. */
json_t *cpc_mq_quote_to_json(const struct cpc_mq_request *r, const struct cpc_mq_quote *q);
/* JSON quote of a kind-level contract (its budget, commission and total). */
json_t *cpc_mq_contract_quote_json(const struct cpc_contract *c);
/* The pricing table: tiers, prices, multipliers, commission, workloads. */
json_t *cpc_mq_pricing_json(void);

/* One call for a POST body: a JSON object with "kind" (kind-level) or "type"
 * (high-level). Fills *contract and a new *quote (caller decrefs). On a budget
 * error of the high-level form *quote is still set (may be shown), else NULL. */
int cpc_mq_draft(const json_t *body, uint64_t block_time_ms, struct cpc_contract *contract,
                 json_t **quote, struct cpc_err *err);

#endif

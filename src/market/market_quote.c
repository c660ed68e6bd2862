/* market_quote.c — sizing and pricing of marketplace jobs (market_quote.h).
 *
 * Design note: pure functions over integers. Every product that could leave
 * u64 is computed in 128 bits or with the checked helpers of amount.h, so an
 * absurd request ("100PB", "10T" params, max_budget near the u64 limit) ends
 * in a clean CPC_ERR_OVERFLOW / CPC_ERR_INVALID message rather than a wrap.
 * The common case is a small request, parsed and quoted in microseconds; the
 * rule that fired and each step are kept as text so the quote explains itself.
 */
#include "market_quote.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/amount.h"
#include "../core/genesis.h"
#include "../core/hash.h"

__extension__ typedef unsigned __int128 u128;

#define AMOUNT_MAX ((uint64_t)INT64_MAX) /* amounts stored as JSON / SQLite integers */
#define GB 1000000000ULL
#define EXEC_MAX_TIMEOUT 86400u
#define EXEC_MAX_MEMORY 1048576u

static const struct cpc_mq_workload WORKLOADS[] = {
    {"ml_training", 100, 16, 0},
    {"fine_tuning", 200, 16, 0},
    {"inference", 1000, 8, 1},
    {"rendering", 50, 12, 1},
    {"data_processing", 500, 4, 1},
    {"hashpow", 1000, 1, 1},
};
#define N_WORKLOADS (sizeof WORKLOADS / sizeof WORKLOADS[0])

static const char *const TIER_NAMES[CPC_MQ_TIERS] = {"Light", "Medium", "Heavy", "Parallel"};
/* base units per GPU-hour: 0.5, 2, 3 (per 80 GB GPU), 1 CPC */
static const uint64_t TIER_PRICE[CPC_MQ_TIERS] = {500000000ULL, 2000000000ULL, 3000000000ULL,
                                                  1000000000ULL};
static const char *const PRIORITY_NAMES[] = {"low", "normal", "high"};

const struct cpc_mq_workload *cpc_mq_workloads(size_t *n)
{
    *n = N_WORKLOADS;
    return WORKLOADS;
}

const char *cpc_mq_tier_name(enum cpc_mq_tier t)
{
    return (int)t >= 0 && t < CPC_MQ_TIERS ? TIER_NAMES[t] : "unknown";
}

uint64_t cpc_mq_tier_price(enum cpc_mq_tier t)
{
    return (int)t >= 0 && t < CPC_MQ_TIERS ? TIER_PRICE[t] : 0;
}

uint32_t cpc_mq_priority_pct(enum cpc_priority p)
{
    switch (p) {
    case CPC_PRIORITY_LOW: return 80;
    case CPC_PRIORITY_HIGH: return 150;
    default: return 100;
    }
}

static uint64_t ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

/* ------------------------------------------------------------------ */
/* value parsers                                                       */

/* "12.5" (at most 6 decimals) times mult -> *out, floor. 0, -1 (syntax) or -2 (too large). */
static int scaled(const char *s, size_t len, uint64_t mult, uint64_t *out)
{
    size_t i = 0;
    u128 ip = 0, frac = 0, den = 1;
    if (len == 0 || s[0] < '0' || s[0] > '9')
        return -1;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        ip = ip * 10 + (unsigned)(s[i] - '0');
        if (ip > UINT64_MAX)
            return -2;
    }
    if (i < len && s[i] == '.') {
        size_t nd = 0;
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
            if (nd >= 6)
                return -1;
            frac = frac * 10 + (unsigned)(s[i] - '0');
            den *= 10;
        }
        if (nd == 0)
            return -1;
    }
    if (i != len)
        return -1;
    u128 v = ip * mult + frac * mult / den;
    if (v > UINT64_MAX)
        return -2;
    *out = (uint64_t)v;
    return 0;
}

struct unit {
    const char *name;
    uint64_t mult;
};

/* Split "<number><unit>" at the first letter (spaces before the unit allowed). */
static int split_unit(const char *s, size_t *numlen, const char **unit)
{
    size_t i = 0;
    while (s[i] && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
        i++;
    *numlen = i;
    while (s[i] == ' ')
        i++;
    *unit = s + i;
    return 0;
}

static int parse_with_units(const json_t *v, const char *field, uint64_t max,
                            const struct unit *units, size_t n_units, const char *what,
                            const char *example, uint64_t *out, struct cpc_err *err)
{
    uint64_t x = 0;
    if (json_is_integer(v)) {
        if (json_integer_value(v) <= 0)
            return cpc_err_set(err, CPC_ERR_INVALID, "request.%s: must be greater than 0", field);
        x = (uint64_t)json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t slen = json_string_length(v);
        if (slen == 0 || slen > 32 || strlen(s) != slen)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "request.%s: expected %s such as \"%s\"", field, what, example);
        size_t nl = 0;
        const char *u = NULL;
        split_unit(s, &nl, &u);
        uint64_t mult = 0;
        for (size_t k = 0; k < n_units; k++)
            if (strcasecmp(u, units[k].name) == 0) {
                mult = units[k].mult;
                break;
            }
        if (mult == 0)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "request.%s: \"%.32s\" is not %s such as \"%s\"", field, s, what,
                               example);
        int rc = scaled(s, nl, mult, &x);
        if (rc == -1)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "request.%s: \"%.32s\" is not %s such as \"%s\" (at most 6 "
                               "decimals)",
                               field, s, what, example);
        if (rc == -2)
            x = UINT64_MAX;
        if (x == 0)
            return cpc_err_set(err, CPC_ERR_INVALID, "request.%s: must be greater than 0", field);
    } else {
        return cpc_err_set(err, CPC_ERR_INVALID, "request.%s: expected %s such as \"%s\"", field,
                           what, example);
    }
    if (x > max)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "request.%s: at most %llu", field,
                           (unsigned long long)max);
    *out = x;
    return 0;
}

int cpc_mq_parse_count(const json_t *v, const char *field, uint64_t max, uint64_t *out,
                       struct cpc_err *err)
{
    static const struct unit U[] = {{"", 1}, {"K", 1000ULL}, {"M", 1000000ULL},
                                    {"B", 1000000000ULL}, {"T", 1000000000000ULL}};
    int rc = parse_with_units(v, field, max, U, sizeof U / sizeof U[0], "a count", "70B", out,
                              err);
    if (rc == CPC_ERR_TOO_LARGE && max == CPC_MQ_MAX_PARAMS)
        cpc_err_set(err, rc, "request.%s: at most 10T parameters", field);
    return rc;
}

int cpc_mq_parse_size(const json_t *v, const char *field, uint64_t max, uint64_t *out,
                      struct cpc_err *err)
{
    static const struct unit U[] = {
        {"", 1},           {"B", 1},
        {"KB", 1000ULL},   {"MB", 1000000ULL},
        {"GB", GB},        {"TB", 1000ULL * GB},
        {"PB", 1000000ULL * GB},
        {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20},
        {"GiB", 1ULL << 30}, {"TiB", 1ULL << 40},
        {"PiB", 1ULL << 50},
    };
    int rc = parse_with_units(v, field, max, U, sizeof U / sizeof U[0], "a size", "500GB", out,
                              err);
    if (rc == CPC_ERR_TOO_LARGE && max == CPC_MQ_MAX_DATASET)
        cpc_err_set(err, rc, "request.%s: at most 100PB", field);
    return rc;
}

int cpc_mq_parse_cpc(const json_t *v, const char *field, uint64_t *out, struct cpc_err *err)
{
    uint64_t x = 0;
    int rc = 0;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i <= 0)
            return cpc_err_set(err, CPC_ERR_INVALID, "request.%s: must be greater than 0 CPC",
                               field);
        if (!cpc_mul_u64(&x, (uint64_t)i, CPC_BASE_PER_CPC))
            rc = CPC_ERR_OVERFLOW;
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d > 0) || !isfinite(d))
            return cpc_err_set(err, CPC_ERR_INVALID, "request.%s: must be greater than 0 CPC",
                               field);
        if (d >= 18446744073.0)
            rc = CPC_ERR_OVERFLOW;
        else {
            char text[64];
            snprintf(text, sizeof text, "%.9f", d);
            rc = cpc_amount_parse(&x, text);
        }
    } else if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)) {
        rc = cpc_amount_parse(&x, json_string_value(v));
        if (rc == CPC_ERR_INVALID)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "request.%s: \"%.40s\" is not a CPC amount (at most 9 decimals)",
                               field, json_string_value(v));
    } else {
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "request.%s: expected a CPC amount (number or decimal string)", field);
    }
    if (rc == CPC_ERR_OVERFLOW || (rc == 0 && x > AMOUNT_MAX))
        return cpc_err_set(err, CPC_ERR_OVERFLOW,
                           "request.%s: too large (at most 9223372036 CPC)", field);
    if (rc)
        return cpc_err_set(err, CPC_ERR_INVALID, "request.%s: not a CPC amount", field);
    if (x == 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "request.%s: must be greater than 0 CPC", field);
    *out = x;
    return 0;
}

/* 1..CPC_MQ_NAME_MAX of [A-Za-z0-9._+-] */
static int name_ok(const json_t *v)
{
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n > CPC_MQ_NAME_MAX || strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '+' || c == '-'))
            return 0;
    }
    return 1;
}

int cpc_mq_parse(struct cpc_mq_request *r, const json_t *j, struct cpc_err *err)
{
    static const char *const KEYS[] = {"type",     "framework",   "dataset_size",
                                       "model_params", "priority", "max_budget",
                                       "replication",  "gpu_model", NULL};
    struct cpc_mq_request t;
    memset(&t, 0, sizeof t);
    if (!json_is_object(j))
        return cpc_err_set(err, CPC_ERR_INVALID, "request: expected a JSON object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)j, key, val) {
        int known = 0;
        for (int i = 0; KEYS[i]; i++)
            known |= strcmp(key, KEYS[i]) == 0;
        if (!known)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "request.%.40s: unknown key (the high-level form takes type, "
                               "framework, dataset_size, model_params, priority, max_budget, "
                               "replication, gpu_model)",
                               key);
    }
    /* type */
    json_t *v = json_object_get(j, "type");
    if (!json_is_string(v))
        return cpc_err_set(err, CPC_ERR_INVALID, "request.type: expected a string");
    for (size_t i = 0; i < N_WORKLOADS; i++)
        if (strlen(json_string_value(v)) == json_string_length(v) &&
            strcmp(json_string_value(v), WORKLOADS[i].type) == 0)
            t.w = &WORKLOADS[i];
    if (!t.w)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "request.type: unknown type \"%.32s\" (known: ml_training, "
                           "fine_tuning, inference, rendering, data_processing, hashpow)",
                           json_string_value(v));
    /* framework */
    snprintf(t.framework, sizeof t.framework, "generic");
    if ((v = json_object_get(j, "framework"))) {
        if (!name_ok(v))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "request.framework: 1..%d characters of A-Z a-z 0-9 . _ + -",
                               CPC_MQ_NAME_MAX);
        snprintf(t.framework, sizeof t.framework, "%s", json_string_value(v));
    }
    int rc;
    t.dataset_bytes = GB;
    if ((v = json_object_get(j, "dataset_size")) &&
        (rc = cpc_mq_parse_size(v, "dataset_size", CPC_MQ_MAX_DATASET, &t.dataset_bytes, err)))
        return rc;
    if ((v = json_object_get(j, "model_params")) &&
        (rc = cpc_mq_parse_count(v, "model_params", CPC_MQ_MAX_PARAMS, &t.model_params, err)))
        return rc;
    t.priority = CPC_PRIORITY_NORMAL;
    if ((v = json_object_get(j, "priority"))) {
        int p = -1;
        for (int i = 0; i < 3 && json_is_string(v); i++)
            if (strcmp(json_string_value(v), PRIORITY_NAMES[i]) == 0 &&
                strlen(json_string_value(v)) == json_string_length(v))
                p = i;
        if (p < 0)
            return cpc_err_set(err, CPC_ERR_INVALID, "request.priority: must be low, normal or high");
        t.priority = (enum cpc_priority)p;
    }
    if (!(v = json_object_get(j, "max_budget")))
        return cpc_err_set(err, CPC_ERR_INVALID, "request.max_budget: missing (CPC you accept to "
                                                 "pay at most, commission included)");
    if ((rc = cpc_mq_parse_cpc(v, "max_budget", &t.max_budget, err)))
        return rc;
    t.replication = 1;
    if ((v = json_object_get(j, "replication"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > CPC_MAX_REPLICATION)
            return cpc_err_set(err, CPC_ERR_INVALID, "request.replication: must be 1..%d",
                               CPC_MAX_REPLICATION);
        t.replication = (uint8_t)json_integer_value(v);
    }
    if ((v = json_object_get(j, "gpu_model"))) {
        if (!name_ok(v))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "request.gpu_model: 1..%d characters of A-Z a-z 0-9 . _ + -",
                               CPC_MQ_NAME_MAX);
        snprintf(t.gpu_model, sizeof t.gpu_model, "%s", json_string_value(v));
    }
    *r = t;
    return 0;
}

/* ------------------------------------------------------------------ */
/* sizing and pricing                                                  */

static int too_big(struct cpc_err *err, const char *what)
{
    return cpc_err_set(err, CPC_ERR_OVERFLOW,
                       "estimate: %s does not fit an amount; reduce dataset_size or model_params",
                       what);
}

int cpc_mq_quote(const struct cpc_mq_request *r, uint64_t block_time_ms,
                 struct cpc_mq_quote *q, struct cpc_err *err)
{
    memset(q, 0, sizeof *q);
    if (!r || !r->w || r->replication < 1 || block_time_ms == 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_mq_quote: bad arguments");
    if (r->model_params > CPC_MQ_MAX_PARAMS || r->dataset_bytes > CPC_MQ_MAX_DATASET)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "request: model_params or dataset_size too large");
    /* needs */
    if (r->model_params)
        q->vram_gb = ceil_div(r->model_params * 12, 5 * GB); /* x 2 bytes x 1.2, in GB */
    else
        q->vram_gb = r->w->default_vram_gb;
    if (q->vram_gb == 0)
        q->vram_gb = 1;
    u128 m = ((u128)r->dataset_bytes * 60 + (u128)r->w->gb_per_gpu_hour * GB - 1) /
             ((u128)r->w->gb_per_gpu_hour * GB);
    if (m > AMOUNT_MAX)
        return too_big(err, "the run time");
    q->minutes = m ? (uint64_t)m : 1;

    /* the rule */
    if (q->vram_gb > CPC_MQ_GPU_VRAM_GB) {
        q->tier = CPC_MQ_HEAVY;
        uint64_t gpus = ceil_div(q->vram_gb, CPC_MQ_GPU_VRAM_GB);
        if (gpus > CPC_DEFAULT_JOB_CREATE_MAX_TASKS)
            return cpc_err_set(err, CPC_ERR_TOO_LARGE,
                               "estimate: %llu GPUs exceed the %llu tasks one JOB_CREATE may hold",
                               (unsigned long long)gpus,
                               (unsigned long long)CPC_DEFAULT_JOB_CREATE_MAX_TASKS);
        q->tasks = (uint32_t)gpus;
        q->minutes_per_task = q->minutes;
        q->vram_per_task_gb = CPC_MQ_GPU_VRAM_GB;
        q->wall_minutes = q->minutes;
        snprintf(q->rule, sizeof q->rule,
                 "Heavy: needs %llu GB of VRAM > %d GB, so ceil(%llu/%d) = %u GPUs of %d GB",
                 (unsigned long long)q->vram_gb, CPC_MQ_GPU_VRAM_GB,
                 (unsigned long long)q->vram_gb, CPC_MQ_GPU_VRAM_GB, q->tasks,
                 CPC_MQ_GPU_VRAM_GB);
    } else if (r->w->splittable && q->minutes > 60) {
        q->tier = CPC_MQ_PARALLEL;
        uint64_t n = ceil_div(q->minutes, 60);
        if (n > CPC_DEFAULT_JOB_CREATE_MAX_TASKS) /* one JOB_CREATE within the block gas */
            n = CPC_DEFAULT_JOB_CREATE_MAX_TASKS;
        q->tasks = (uint32_t)n;
        q->minutes_per_task = ceil_div(q->minutes, n);
        q->vram_per_task_gb = (uint32_t)q->vram_gb;
        uint64_t waves = ceil_div(n, CPC_MQ_DEFAULT_PARALLELISM);
        q->wall_minutes = q->minutes_per_task * waves;
        snprintf(q->rule, sizeof q->rule,
                 "Parallel: %s splits, %llu min > 60 min, so %u independent tasks of %llu min",
                 r->w->type, (unsigned long long)q->minutes, q->tasks,
                 (unsigned long long)q->minutes_per_task);
    } else if (q->vram_gb <= CPC_MQ_LIGHT_VRAM_GB && q->minutes < 60) {
        q->tier = CPC_MQ_LIGHT;
        q->tasks = 1;
        q->minutes_per_task = q->wall_minutes = q->minutes;
        q->vram_per_task_gb = (uint32_t)q->vram_gb;
        snprintf(q->rule, sizeof q->rule,
                 "Light: %llu GB of VRAM fits one %d GB GPU and %llu min < 60 min",
                 (unsigned long long)q->vram_gb, CPC_MQ_LIGHT_VRAM_GB,
                 (unsigned long long)q->minutes);
    } else {
        q->tier = CPC_MQ_MEDIUM;
        q->tasks = 1;
        q->minutes_per_task = q->wall_minutes = q->minutes;
        q->vram_per_task_gb = (uint32_t)q->vram_gb;
        snprintf(q->rule, sizeof q->rule,
                 "Medium: %llu GB of VRAM fits one %d GB GPU; %s",
                 (unsigned long long)q->vram_gb, CPC_MQ_GPU_VRAM_GB,
                 q->vram_gb > CPC_MQ_LIGHT_VRAM_GB ? "more than 24 GB"
                                                   : "runs 60 min or more");
    }

    /* price */
    u128 gm = (u128)q->tasks * q->minutes_per_task;
    if (gm > AMOUNT_MAX)
        return too_big(err, "the GPU time");
    q->gpu_minutes = (uint64_t)gm;
    q->price_per_gpu_hour = TIER_PRICE[q->tier];
    q->multiplier_pct = cpc_mq_priority_pct(r->priority);
    u128 base = (gm * q->price_per_gpu_hour + 59) / 60;
    if (base > AMOUNT_MAX)
        return too_big(err, "the cost");
    q->base_cost = (uint64_t)base;
    u128 cost = (base * q->multiplier_pct + 99) / 100;
    if (cost > AMOUNT_MAX)
        return too_big(err, "the cost");
    q->cost = (uint64_t)cost;
    uint64_t units = (uint64_t)q->tasks * r->replication;
    q->reward = ceil_div(q->cost, units);
    if (q->reward == 0)
        q->reward = 1;
    u128 budget = (u128)units * q->reward;
    if (budget > AMOUNT_MAX)
        return too_big(err, "the budget");
    q->budget = (uint64_t)budget;
    q->commission = cpc_commission_of(q->budget);
    if (!cpc_add_u64(&q->total, q->budget, q->commission) || q->total > AMOUNT_MAX)
        return too_big(err, "the budget with its commission");
    /* deadline: 3x the expected wall time in blocks, at least 100 */
    u128 dl = (u128)q->wall_minutes * 60000 * 3 / block_time_ms + 100;
    q->deadline_blocks = dl > CPC_MAX_DEADLINE_BLOCKS ? CPC_MAX_DEADLINE_BLOCKS : (uint64_t)dl;

    if (q->total > r->max_budget) {
        char t[CPC_AMOUNT_STR_MAX], b[CPC_AMOUNT_STR_MAX], c[CPC_AMOUNT_STR_MAX],
            mb[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(t, q->total);
        cpc_amount_format(b, q->budget);
        cpc_amount_format(c, q->commission);
        cpc_amount_format(mb, r->max_budget);
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "estimate %s CPC (budget %s + 10%% commission %s) exceeds max_budget "
                           "%s CPC",
                           t, b, c, mb);
    }
    return 0;
}

int cpc_mq_contract(const struct cpc_mq_request *r, const struct cpc_mq_quote *q,
                    struct cpc_contract *c, struct cpc_err *err)
{
    memset(c, 0, sizeof *c);
    c->kind = CPC_KIND_EXEC;
    char app[2 * CPC_MQ_NAME_MAX + 2];
    int n = snprintf(app, sizeof app, "%s:%s", r->framework, r->w->type);
    cpc_sha256(c->p.exec.app, app, (size_t)n);
    c->p.exec.n_inputs = 0;
    uint64_t to = q->minutes_per_task * 120;
    c->p.exec.timeout_s = (uint32_t)(to < 60 ? 60 : to > EXEC_MAX_TIMEOUT ? EXEC_MAX_TIMEOUT : to);
    uint64_t mem = (uint64_t)q->vram_per_task_gb * 1024;
    c->p.exec.memory_mb = (uint32_t)(mem < 1024 ? 1024 : mem > EXEC_MAX_MEMORY ? EXEC_MAX_MEMORY : mem);
    c->tasks = q->tasks;
    c->reward = q->reward;
    c->replication = r->replication;
    c->deadline_blocks = q->deadline_blocks;
    c->priority = r->priority;
    c->max_budget = r->max_budget;
    c->req.min_vram_gb = q->vram_per_task_gb;
    snprintf(c->req.gpu_model, sizeof c->req.gpu_model, "%s", r->gpu_model);
    return cpc_contract_check(c, err);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

static json_t *cpc_str(uint64_t v)
{
    char s[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(s, v);
    return json_string(s);
}

/* "12.5" from minutes / 60 with up to 2 decimals */
static json_t *hours_str(uint64_t minutes)
{
    uint64_t h = minutes / 60, rem = minutes % 60;
    uint64_t cents = (rem * 100 + 30) / 60;
    if (cents >= 100) {
        h++;
        cents -= 100;
    }
    if (!cents)
        return json_sprintf("%llu", (unsigned long long)h);
    if (cents % 10 == 0)
        return json_sprintf("%llu.%llu", (unsigned long long)h, (unsigned long long)(cents / 10));
    return json_sprintf("%llu.%02llu", (unsigned long long)h, (unsigned long long)cents);
}

static int set(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set_new(o, k, v) : -1;
}

json_t *cpc_mq_quote_to_json(const struct cpc_mq_request *r, const struct cpc_mq_quote *q)
{
    char a[CPC_AMOUNT_STR_MAX], b[CPC_AMOUNT_STR_MAX], c[CPC_AMOUNT_STR_MAX];
    json_t *o = json_object(), *steps = json_array();
    if (!o || !steps)
        goto oom;
    /* steps, in words */
    json_t *s[8];
    size_t ns = 0;
    if (r->model_params)
        s[ns++] = json_sprintf("VRAM: %llu params x 2 bytes (fp16) x 1.2 overhead = %llu GB",
                               (unsigned long long)r->model_params,
                               (unsigned long long)q->vram_gb);
    else
        s[ns++] = json_sprintf("VRAM: no model_params, %s default %llu GB", r->w->type,
                               (unsigned long long)q->vram_gb);
    s[ns++] = json_sprintf("time: %llu bytes at %llu GB per GPU-hour = %llu min",
                           (unsigned long long)r->dataset_bytes,
                           (unsigned long long)r->w->gb_per_gpu_hour,
                           (unsigned long long)q->minutes);
    s[ns++] = json_string(q->rule);
    cpc_amount_format(a, q->price_per_gpu_hour);
    cpc_amount_format(b, q->base_cost);
    s[ns++] = json_sprintf("base: %u x %llu min = %llu GPU-min at %s CPC per GPU-hour (%s) = %s CPC",
                           q->tasks, (unsigned long long)q->minutes_per_task,
                           (unsigned long long)q->gpu_minutes, a, TIER_NAMES[q->tier], b);
    cpc_amount_format(a, q->cost);
    s[ns++] = json_sprintf("priority %s: x %u.%02u = %s CPC", PRIORITY_NAMES[r->priority],
                           q->multiplier_pct / 100, q->multiplier_pct % 100, a);
    cpc_amount_format(a, q->reward);
    cpc_amount_format(b, q->budget);
    s[ns++] = json_sprintf("reward: ceil(cost / (%u tasks x %u replicas)) = %s CPC per task; "
                           "budget %s CPC",
                           q->tasks, (unsigned)r->replication, a, b);
    cpc_amount_format(a, q->commission);
    cpc_amount_format(b, q->total);
    cpc_amount_format(c, r->max_budget);
    s[ns++] = json_sprintf("commission 10%% = %s CPC; total %s CPC (max_budget %s CPC)", a, b, c);
    for (size_t i = 0; i < ns; i++)
        if (!s[i] || json_array_append_new(steps, s[i]) != 0) {
            for (size_t k = i + 1; k < ns; k++)
                json_decref(s[k]);
            goto oom;
        }
    if (set(o, "form", json_string("high-level")) || set(o, "type", json_string(r->w->type)) ||
        set(o, "framework", json_string(r->framework)) ||
        set(o, "job_type", json_string(TIER_NAMES[q->tier])) ||
        set(o, "rule", json_string(q->rule)) ||
        set(o, "model_params", json_integer((json_int_t)r->model_params)) ||
        set(o, "dataset_bytes", json_integer((json_int_t)r->dataset_bytes)) ||
        set(o, "vram_gb", json_integer((json_int_t)q->vram_gb)) ||
        set(o, "gb_per_gpu_hour", json_integer((json_int_t)r->w->gb_per_gpu_hour)) ||
        set(o, "minutes", json_integer((json_int_t)q->minutes)) ||
        set(o, "hours", hours_str(q->minutes)) ||
        set(o, "gpus", json_integer(q->tier == CPC_MQ_PARALLEL ? 1 : (json_int_t)q->tasks)) ||
        set(o, "tasks", json_integer(q->tasks)) ||
        set(o, "minutes_per_task", json_integer((json_int_t)q->minutes_per_task)) ||
        set(o, "vram_per_task_gb", json_integer(q->vram_per_task_gb)) ||
        set(o, "gpu_minutes", json_integer((json_int_t)q->gpu_minutes)) ||
        set(o, "gpu_hours", hours_str(q->gpu_minutes)) ||
        set(o, "wall_hours", hours_str(q->wall_minutes)) ||
        set(o, "price_per_gpu_hour", json_integer((json_int_t)q->price_per_gpu_hour)) ||
        set(o, "price_per_gpu_hour_cpc", cpc_str(q->price_per_gpu_hour)) ||
        set(o, "base_cost", json_integer((json_int_t)q->base_cost)) ||
        set(o, "priority", json_string(PRIORITY_NAMES[r->priority])) ||
        set(o, "priority_multiplier", json_real(q->multiplier_pct / 100.0)) ||
        set(o, "cost", json_integer((json_int_t)q->cost)) ||
        set(o, "replication", json_integer(r->replication)) ||
        set(o, "reward_per_task", json_integer((json_int_t)q->reward)) ||
        set(o, "budget", json_integer((json_int_t)q->budget)) ||
        set(o, "commission", json_integer((json_int_t)q->commission)) ||
        set(o, "total", json_integer((json_int_t)q->total)) ||
        set(o, "total_cpc", cpc_str(q->total)) ||
        set(o, "estimate_cpc", cpc_str(q->total)) ||
        set(o, "max_budget", json_integer((json_int_t)r->max_budget)) ||
        set(o, "deadline_blocks", json_integer((json_int_t)q->deadline_blocks)) ||
        set(o, "currency", json_string("amounts in base units (1 CPC = 10^9); *_cpc in CPC")))
        goto oom;
    if (json_object_set_new(o, "steps", steps) != 0) {
        steps = NULL;
        goto oom;
    }
    return o;
oom:
    json_decref(steps);
    json_decref(o);
    return NULL;
}

json_t *cpc_mq_contract_quote_json(const struct cpc_contract *c)
{
    uint64_t budget = 0, commission = 0, total = 0;
    struct cpc_err e = {0};
    int rc = cpc_contract_budget(c, &budget, &commission, &e);
    if (rc == CPC_ERR_OVERFLOW)
        return NULL;
    (void)cpc_add_u64(&total, budget, commission);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "form",
                          "kind", "kind", cpc_kind_name(c->kind), "rule",
                          "kind-level contract, taken as it is: budget = tasks x replication x "
                          "(reward + early_bonus), commission 10%",
                          "tasks", (json_int_t)c->tasks, "replication",
                          (json_int_t)c->replication, "reward_per_task", (json_int_t)c->reward,
                          "budget", (json_int_t)budget, "commission", (json_int_t)commission,
                          "total", (json_int_t)total, "max_budget", (json_int_t)c->max_budget,
                          "currency", "amounts in base units (1 CPC = 10^9); *_cpc in CPC");
    if (o && set(o, "total_cpc", cpc_str(total))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *cpc_mq_pricing_json(void)
{
    json_t *tiers = json_array(), *loads = json_array();
    static const char *const WHEN[CPC_MQ_TIERS] = {
        "VRAM need <= 24 GB and < 60 min: one 24 GB GPU",
        "VRAM need <= 80 GB (or >= 60 min): one 80 GB GPU",
        "VRAM need > 80 GB: ceil(VRAM / 80) GPUs of 80 GB, one task each",
        "splittable workload over 60 min: ceil(min / 60) independent tasks (at most 4998)",
    };
    for (int t = 0; tiers && t < CPC_MQ_TIERS; t++)
        json_array_append_new(tiers, json_pack("{s:s, s:I, s:o, s:s}", "job_type", TIER_NAMES[t],
                                               "price_per_gpu_hour", (json_int_t)TIER_PRICE[t],
                                               "price_per_gpu_hour_cpc", cpc_str(TIER_PRICE[t]),
                                               "when", WHEN[t]));
    for (size_t i = 0; loads && i < N_WORKLOADS; i++)
        json_array_append_new(loads, json_pack("{s:s, s:I, s:I, s:b}", "type", WORKLOADS[i].type,
                                               "gb_per_gpu_hour",
                                               (json_int_t)WORKLOADS[i].gb_per_gpu_hour,
                                               "default_vram_gb",
                                               (json_int_t)WORKLOADS[i].default_vram_gb,
                                               "splittable", WORKLOADS[i].splittable));
    return json_pack("{s:o, s:o, s:{s:f, s:f, s:f}, s:f, s:s, s:s, s:s}", "tiers", tiers,
                     "workloads", loads, "priority_multipliers", "low", 0.8, "normal", 1.0,
                     "high", 1.5, "commission", 0.1, "vram_rule",
                     "params x 2 bytes (fp16) x 1.2 overhead", "time_rule",
                     "dataset_size / workload GB per GPU-hour", "currency",
                     "amounts in base units (1 CPC = 10^9); *_cpc in CPC");
}

int cpc_mq_draft(const json_t *body, uint64_t block_time_ms, struct cpc_contract *contract,
                 json_t **quote, struct cpc_err *err)
{
    *quote = NULL;
    if (!json_is_object(body))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "request: expected a JSON object (a contract with \"kind\" or the "
                           "high-level form with \"type\")");
    if (json_object_get(body, "kind")) {
        int rc = cpc_contract_from_json(contract, body, err);
        if (rc)
            return rc;
        *quote = cpc_mq_contract_quote_json(contract);
        return *quote ? 0 : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    if (!json_object_get(body, "type"))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "request: needs \"kind\" (a kind-level contract: hashpow, matmul, "
                           "vanity, exec) or \"type\" (the high-level form, e.g. ml_training)");
    struct cpc_mq_request r;
    struct cpc_mq_quote q;
    int rc = cpc_mq_parse(&r, body, err);
    if (rc)
        return rc;
    rc = cpc_mq_quote(&r, block_time_ms, &q, err);
    if (rc == CPC_ERR_INVALID) /* over max_budget: the quote is still worth showing */
        *quote = cpc_mq_quote_to_json(&r, &q);
    if (rc)
        return rc;
    if ((rc = cpc_mq_contract(&r, &q, contract, err)))
        return rc;
    *quote = cpc_mq_quote_to_json(&r, &q);
    return *quote ? 0 : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
}

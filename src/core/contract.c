/* contract.c — job contracts: strict JSON codec, canonical binary codec,
 * range/consistency checks and the budget (see market.h).
 *
 * One set of range rules serves both doors: from_json reads every integer
 * as a u64 (a negative JSON integer reads as UINT64_MAX so it fails every
 * range), checks it with the same helper cpc_contract_check uses, narrows it
 * into the struct, then runs cpc_contract_check for the cross-field rules
 * (challenges <= m, replication per kind, early bonus pair, budget). So a
 * value gets the same message ("contract.params.m: must be 1..16384")
 * whether it came from a user's JSON or from a record read from the state.
 * The field helpers shared with the other market files are in market_priv.c.
 *
 * Binary layout (big-endian, codec.h):
 *   u8 kind | params | u32 tasks | u64 reward | u8 replication | u64 deadline |
 *   u8 priority | u64 max_budget | var gpu_model | u32 min_vram_gb |
 *   u32 min_cpu_cores | u64 early_bonus | u64 early_blocks
 * params: hashpow u8 bits | matmul u32 m,k,n u16 challenges |
 *         vanity pubkey[33] var prefix | exec app[32] u8 n x input[32] u32 timeout u32 memory
 */
#include <stdio.h>
#include <string.h>

#include "amount.h"
#include "hex.h"
#include "ledger_json.h"
#include "market.h"
#include "market_priv.h"

#define EXEC_MAX_TIMEOUT 86400u
#define EXEC_MAX_MEMORY 1048576u

/* ================= names ================= */

static const char *const KIND_NAMES[] = {
    [CPC_KIND_HASHPOW] = "hashpow",
    [CPC_KIND_MATMUL] = "matmul",
    [CPC_KIND_VANITY] = "vanity",
    [CPC_KIND_EXEC] = "exec",
};

static const char *const PRIORITY_NAMES[] = {
    [CPC_PRIORITY_LOW] = "low",
    [CPC_PRIORITY_NORMAL] = "normal",
    [CPC_PRIORITY_HIGH] = "high",
};

const char *cpc_kind_name(enum cpc_job_kind k)
{
    if ((int)k >= CPC_KIND_HASHPOW && (int)k <= CPC_KIND_EXEC)
        return KIND_NAMES[k];
    return "unknown";
}

enum cpc_job_kind cpc_kind_from_name(const char *name)
{
    if (!name)
        return CPC_KIND_NONE;
    for (int k = CPC_KIND_HASHPOW; k <= CPC_KIND_EXEC; k++)
        if (strcmp(name, KIND_NAMES[k]) == 0)
            return (enum cpc_job_kind)k;
    return CPC_KIND_NONE;
}

static int priority_from_name(const char *name)
{
    for (int p = CPC_PRIORITY_LOW; p <= CPC_PRIORITY_HIGH; p++)
        if (strcmp(name, PRIORITY_NAMES[p]) == 0)
            return p;
    return -1;
}

/* ================= checks ================= */

/* "contract.<key>: must be min..max" unless v is in range. */
static int rng(struct cpc_err *err, const char *key, uint64_t v, uint64_t min, uint64_t max)
{
    if (v >= min && v <= max)
        return 0;
    char path[CPC__PATH_MAX];
    snprintf(path, sizeof path, "contract.%s", key);
    return cpc__mkt_range_err(err, path, min, max);
}

static int check_replication(enum cpc_job_kind kind, uint64_t v, struct cpc_err *err)
{
    if (kind == CPC_KIND_EXEC)
        return rng(err, "replication", v, 1, CPC_MAX_REPLICATION);
    if (v != 1)
        return cpc_err_set(err, CPC_ERR_INVALID, "contract.replication: must be 1 for %s",
                           cpc_kind_name(kind));
    return 0;
}

/* a * b, UINT64_MAX on overflow */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

uint64_t cpc_matmul_reveal_work(uint64_t m, uint64_t k, uint64_t n, uint64_t challenges)
{
    uint64_t kn = mul_sat(k, n), depth = 0;
    while (depth < 64 && (1ULL << depth) < m)
        depth++; /* ceil(log2 m): the proof nodes of a row */
    uint64_t w = mul_sat(challenges, kn);
    w = add_sat(w, mul_sat(CPC_VERIFY_GEN_WEIGHT, add_sat(kn, mul_sat(challenges, k))));
    w = add_sat(w, mul_sat(CPC_VERIFY_LEAF_WEIGHT, mul_sat(challenges, n)));
    return add_sat(w, mul_sat(CPC_VERIFY_NODE_WEIGHT, mul_sat(challenges, depth + 1)));
}

static int check_challenges(uint64_t ch, uint64_t m, struct cpc_err *err)
{
    int rc = rng(err, "params.challenges", ch, 1, CPC_MATMUL_MAX_CHALLENGES);
    if (rc)
        return rc;
    if (ch > m)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "contract.params.challenges: must not exceed m (%llu)",
                           (unsigned long long)m);
    return 0;
}

static int check_early(uint64_t bonus, uint64_t blocks, struct cpc_err *err)
{
    int rc;
    if ((rc = rng(err, "early_bonus", bonus, 0, CPC__MKT_U64_MAX)) ||
        (rc = rng(err, "early_blocks", blocks, 0, CPC_MAX_DEADLINE_BLOCKS)))
        return rc;
    if ((bonus == 0) != (blocks == 0))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "contract.early_bonus: early_bonus and early_blocks must both be "
                           "zero or both be positive");
    return 0;
}

static int check_params(const struct cpc_contract *c, struct cpc_err *err)
{
    int rc = 0;
    switch (c->kind) {
    case CPC_KIND_HASHPOW:
        return rng(err, "params.bits", c->p.hashpow.bits, 1, CPC_HASHPOW_MAX_BITS);
    case CPC_KIND_MATMUL:
        if ((rc = rng(err, "params.m", c->p.matmul.m, 1, CPC_MATMUL_MAX_DIM)) ||
            (rc = rng(err, "params.k", c->p.matmul.k, 1, CPC_MATMUL_MAX_DIM)) ||
            (rc = rng(err, "params.n", c->p.matmul.n, 1, CPC_MATMUL_MAX_DIM)))
            return rc;
        if (cpc_matmul_reveal_work(c->p.matmul.m, c->p.matmul.k, c->p.matmul.n,
                                   c->p.matmul.challenges) > CPC_MATMUL_MAX_REVEAL_WORK)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "contract.params: a reveal of m=%u k=%u n=%u with %u challenges needs "
                               "%llu verification work units, more than the %llu one block "
                               "verifies at least (challenges x k x n plus the generated B)",
                               (unsigned)c->p.matmul.m, (unsigned)c->p.matmul.k,
                               (unsigned)c->p.matmul.n, (unsigned)c->p.matmul.challenges,
                               (unsigned long long)cpc_matmul_reveal_work(
                                   c->p.matmul.m, c->p.matmul.k, c->p.matmul.n,
                                   c->p.matmul.challenges),
                               (unsigned long long)CPC_MATMUL_MAX_REVEAL_WORK);
        return check_challenges(c->p.matmul.challenges, c->p.matmul.m, err);
    case CPC_KIND_VANITY: {
        if (cpc_pubkey_check(c->p.vanity.pubkey) != 0)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "contract.params.pubkey: not a valid compressed secp256k1 public key");
        const char *pre = c->p.vanity.prefix;
        if (strnlen(pre, sizeof c->p.vanity.prefix) >= sizeof c->p.vanity.prefix)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "contract.params.prefix: longer than %d characters",
                               CPC_VANITY_MAX_PREFIX);
        if ((rc = cpc_vanity_check_prefix(pre, err)) != 0) {
            if (!err)
                return rc;
            /* keep the kind module's words, but name the field instead of "vanity" */
            char msg[CPC_ERR_MSG_MAX];
            const char *m = err->msg;
            if (strncmp(m, "vanity: ", 8) == 0)
                m += 8;
            snprintf(msg, sizeof msg, "%s", m);
            return cpc_err_set(err, rc, "contract.params.prefix: %s", msg);
        }
        return 0;
    }
    case CPC_KIND_EXEC:
        if (c->p.exec.n_inputs > CPC_MAX_EXEC_INPUTS)
            return cpc_err_set(err, CPC_ERR_INVALID, "contract.params.inputs: at most %d inputs",
                               CPC_MAX_EXEC_INPUTS);
        if ((rc = rng(err, "params.timeout_s", c->p.exec.timeout_s, 1, EXEC_MAX_TIMEOUT)) ||
            (rc = rng(err, "params.memory_mb", c->p.exec.memory_mb, 1, EXEC_MAX_MEMORY)))
            return rc;
        return 0;
    default:
        return cpc_err_set(err, CPC_ERR_INVALID, "contract.kind: unknown kind %d", (int)c->kind);
    }
}

uint64_t cpc_commission_of(uint64_t amount)
{
    /* floor(amount * BPS / 10000) without the overflow of amount * BPS */
    return (amount / 10000) * CPC_COMMISSION_BPS + (amount % 10000) * CPC_COMMISSION_BPS / 10000;
}

int cpc_contract_budget(const struct cpc_contract *c, uint64_t *budget, uint64_t *commission,
                        struct cpc_err *err)
{
    uint64_t per = 0, units = 0, b = 0, total = 0;
    if (!cpc_add_u64(&per, c->reward, c->early_bonus) ||
        !cpc_mul_u64(&units, (uint64_t)c->tasks, (uint64_t)c->replication) ||
        !cpc_mul_u64(&b, units, per))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "contract: budget overflows");
    uint64_t com = cpc_commission_of(b);
    if (!cpc_add_u64(&total, b, com))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "contract: budget overflows");
    if (budget)
        *budget = b;
    if (commission)
        *commission = com;
    if (total > c->max_budget) {
        char sb[CPC_AMOUNT_STR_MAX], sc[CPC_AMOUNT_STR_MAX], sm[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(sb, b);
        cpc_amount_format(sc, com);
        cpc_amount_format(sm, c->max_budget);
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "contract: budget %s CPC + commission %s CPC exceeds max_budget %s CPC",
                           sb, sc, sm);
    }
    return 0;
}

int cpc_contract_check(const struct cpc_contract *c, struct cpc_err *err)
{
    int rc;
    if ((rc = check_params(c, err)))
        return rc;
    if ((rc = rng(err, "tasks", c->tasks, 1, CPC_MAX_TASKS)) ||
        (rc = rng(err, "reward", c->reward, 1, CPC__MKT_U64_MAX)) ||
        (rc = check_replication(c->kind, c->replication, err)) ||
        (rc = rng(err, "deadline", c->deadline_blocks, 1, CPC_MAX_DEADLINE_BLOCKS)))
        return rc;
    if ((int)c->priority < CPC_PRIORITY_LOW || (int)c->priority > CPC_PRIORITY_HIGH)
        return cpc_err_set(err, CPC_ERR_INVALID, "contract.priority: must be low, normal or high");
    if ((rc = rng(err, "max_budget", c->max_budget, 0, CPC__MKT_U64_MAX)))
        return rc;
    size_t glen = strnlen(c->req.gpu_model, sizeof c->req.gpu_model);
    if (glen >= sizeof c->req.gpu_model)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "contract.requirements.gpu_model: longer than %d characters",
                           CPC_GPU_MODEL_MAX);
    if (!cpc__mkt_label_ok(c->req.gpu_model, glen))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "contract.requirements.gpu_model: must be printable ASCII");
    if ((rc = check_early(c->early_bonus, c->early_blocks, err)))
        return rc;
    return cpc_contract_budget(c, NULL, NULL, err);
}

/* ================= JSON ================= */

static int params_from_json(struct cpc_contract *c, const json_t *p, struct cpc_err *err)
{
    static const char *const K_HASHPOW[] = {"bits", NULL};
    static const char *const K_MATMUL[] = {"m", "k", "n", "challenges", NULL};
    static const char *const K_VANITY[] = {"pubkey", "prefix", NULL};
    static const char *const K_EXEC[] = {"app", "inputs", "timeout_s", "memory_mb", NULL};
    const char *P = "contract.params";
    uint64_t a = 0, b = 0, d = 0, e = 0;
    int rc;

    switch (c->kind) {
    case CPC_KIND_HASHPOW:
        if ((rc = cpc__json_check_object(p, P, K_HASHPOW, CPC_ERR_INVALID, err)) ||
            (rc = cpc__mkt_uint(p, P, "bits", true, 0, 1, CPC_HASHPOW_MAX_BITS, &a, err)))
            return rc;
        c->p.hashpow.bits = (uint8_t)a;
        return 0;
    case CPC_KIND_MATMUL:
        if ((rc = cpc__json_check_object(p, P, K_MATMUL, CPC_ERR_INVALID, err)) ||
            (rc = cpc__mkt_uint(p, P, "m", true, 0, 1, CPC_MATMUL_MAX_DIM, &a, err)) ||
            (rc = cpc__mkt_uint(p, P, "k", true, 0, 1, CPC_MATMUL_MAX_DIM, &b, err)) ||
            (rc = cpc__mkt_uint(p, P, "n", true, 0, 1, CPC_MATMUL_MAX_DIM, &d, err)))
            return rc;
        e = a < CPC_DEFAULT_CHALLENGES ? a : CPC_DEFAULT_CHALLENGES;
        if ((rc = cpc__mkt_uint(p, P, "challenges", false, e, 0, UINT64_MAX, &e, err)) ||
            (rc = check_challenges(e, a, err)))
            return rc;
        c->p.matmul.m = (uint32_t)a;
        c->p.matmul.k = (uint32_t)b;
        c->p.matmul.n = (uint32_t)d;
        c->p.matmul.challenges = (uint16_t)e;
        return 0;
    case CPC_KIND_VANITY: {
        if ((rc = cpc__json_check_object(p, P, K_VANITY, CPC_ERR_INVALID, err)) ||
            (rc = cpc__json_hex_exact(p, P, "pubkey", c->p.vanity.pubkey, CPC_PUBKEY_LEN,
                                      CPC_ERR_INVALID, err)))
            return rc;
        const char *s = NULL;
        size_t len = 0;
        if ((rc = cpc__json_str(p, P, "prefix", CPC_VANITY_MAX_PREFIX, &s, &len,
                                CPC_ERR_INVALID, err)))
            return rc;
        memcpy(c->p.vanity.prefix, s, len);
        c->p.vanity.prefix[len] = '\0';
        return 0;
    }
    case CPC_KIND_EXEC: {
        if ((rc = cpc__json_check_object(p, P, K_EXEC, CPC_ERR_INVALID, err)) ||
            (rc = cpc__json_hex_exact(p, P, "app", c->p.exec.app, 32, CPC_ERR_INVALID, err)))
            return rc;
        const json_t *in = NULL;
        if ((rc = cpc__json_req(p, P, "inputs", &in, CPC_ERR_INVALID, err)))
            return rc;
        if (!json_is_array(in))
            return cpc_err_set(err, CPC_ERR_INVALID, "contract.params.inputs: expected an array");
        size_t n = json_array_size(in);
        if (n > CPC_MAX_EXEC_INPUTS)
            return cpc_err_set(err, CPC_ERR_INVALID, "contract.params.inputs: at most %d inputs",
                               CPC_MAX_EXEC_INPUTS);
        for (size_t i = 0; i < n; i++) {
            char path[CPC__PATH_MAX];
            snprintf(path, sizeof path, "contract.params.inputs[%zu]", i);
            if ((rc = cpc__mkt_hex_value(json_array_get(in, i), path, c->p.exec.inputs[i], 32,
                                         err)))
                return rc;
        }
        c->p.exec.n_inputs = (uint8_t)n;
        if ((rc = cpc__mkt_uint(p, P, "timeout_s", true, 0, 1, EXEC_MAX_TIMEOUT, &a, err)) ||
            (rc = cpc__mkt_uint(p, P, "memory_mb", true, 0, 1, EXEC_MAX_MEMORY, &b, err)))
            return rc;
        c->p.exec.timeout_s = (uint32_t)a;
        c->p.exec.memory_mb = (uint32_t)b;
        return 0;
    }
    default:
        return cpc_err_set(err, CPC_ERR_INVALID, "contract.kind: unknown kind %d", (int)c->kind);
    }
}

static int requirements_from_json(struct cpc_contract *c, const json_t *r, struct cpc_err *err)
{
    static const char *const K_REQ[] = {"gpu_model", "min_vram_gb", "min_cpu_cores", NULL};
    const char *P = "contract.requirements";
    uint64_t vram = 0, cores = 0;
    int rc;
    if ((rc = cpc__json_check_object(r, P, K_REQ, CPC_ERR_INVALID, err)) ||
        (rc = cpc__mkt_label(r, P, "gpu_model", c->req.gpu_model, err)) ||
        (rc = cpc__mkt_uint(r, P, "min_vram_gb", false, 0, 0, UINT32_MAX, &vram, err)) ||
        (rc = cpc__mkt_uint(r, P, "min_cpu_cores", false, 0, 0, UINT32_MAX, &cores, err)))
        return rc;
    c->req.min_vram_gb = (uint32_t)vram;
    c->req.min_cpu_cores = (uint32_t)cores;
    return 0;
}

int cpc_contract_from_json(struct cpc_contract *c, const json_t *j, struct cpc_err *err)
{
    static const char *const KEYS[] = {"kind",     "params",     "tasks",        "reward",
                                       "replication", "deadline", "priority",   "max_budget",
                                       "requirements", "early_bonus", "early_blocks", NULL};
    const char *P = "contract";
    struct cpc_contract t;
    uint64_t v = 0, bonus = 0, blocks = 0;
    const json_t *x = NULL;
    const char *s = NULL;
    int rc;

    memset(&t, 0, sizeof t);
    if ((rc = cpc__json_check_object(j, P, KEYS, CPC_ERR_INVALID, err)))
        return rc;
    if ((rc = cpc__json_req(j, P, "kind", &x, CPC_ERR_INVALID, err)))
        return rc;
    if (!json_is_string(x))
        return cpc_err_set(err, CPC_ERR_INVALID, "contract.kind: expected a string");
    s = json_string_value(x);
    t.kind = cpc_kind_from_name(s);
    if (t.kind == CPC_KIND_NONE || strlen(s) != json_string_length(x))
        return cpc_err_set(err, CPC_ERR_INVALID, "contract.kind: unknown kind %.32s", s);
    if ((rc = cpc__json_req(j, P, "params", &x, CPC_ERR_INVALID, err)) ||
        (rc = params_from_json(&t, x, err)))
        return rc;

    if ((rc = cpc__mkt_uint(j, P, "tasks", true, 0, 1, CPC_MAX_TASKS, &v, err)))
        return rc;
    t.tasks = (uint32_t)v;
    if ((rc = cpc__mkt_uint(j, P, "reward", true, 0, 1, CPC__MKT_U64_MAX, &t.reward, err)))
        return rc;
    if ((rc = cpc__mkt_uint(j, P, "replication", false, 1, 0, UINT64_MAX, &v, err)) ||
        (rc = check_replication(t.kind, v, err)))
        return rc;
    t.replication = (uint8_t)v;
    if ((rc = cpc__mkt_uint(j, P, "deadline", true, 0, 1, CPC_MAX_DEADLINE_BLOCKS,
                            &t.deadline_blocks, err)))
        return rc;

    t.priority = CPC_PRIORITY_NORMAL;
    if ((x = json_object_get(j, "priority"))) {
        int pr = json_is_string(x) && strlen(json_string_value(x)) == json_string_length(x)
                     ? priority_from_name(json_string_value(x))
                     : -1;
        if (pr < 0)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "contract.priority: must be low, normal or high");
        t.priority = (enum cpc_priority)pr;
    }
    if ((rc = cpc__mkt_uint(j, P, "max_budget", true, 0, 0, CPC__MKT_U64_MAX, &t.max_budget,
                            err)))
        return rc;
    if ((x = json_object_get(j, "requirements")) && (rc = requirements_from_json(&t, x, err)))
        return rc;
    if ((rc = cpc__mkt_uint(j, P, "early_bonus", false, 0, 0, CPC__MKT_U64_MAX, &bonus, err)) ||
        (rc = cpc__mkt_uint(j, P, "early_blocks", false, 0, 0, CPC_MAX_DEADLINE_BLOCKS, &blocks,
                            err)) ||
        (rc = check_early(bonus, blocks, err)))
        return rc;
    t.early_bonus = bonus;
    t.early_blocks = blocks;

    if ((rc = cpc_contract_check(&t, err)))
        return rc;
    *c = t;
    return 0;
}

static json_t *params_to_json(const struct cpc_contract *c)
{
    switch (c->kind) {
    case CPC_KIND_HASHPOW:
        return json_pack("{s:i}", "bits", (int)c->p.hashpow.bits);
    case CPC_KIND_MATMUL:
        return json_pack("{s:I, s:I, s:I, s:i}", "m", (json_int_t)c->p.matmul.m, "k",
                         (json_int_t)c->p.matmul.k, "n", (json_int_t)c->p.matmul.n, "challenges",
                         (int)c->p.matmul.challenges);
    case CPC_KIND_VANITY: {
        char pub[2 * CPC_PUBKEY_LEN + 1];
        cpc_hex_encode(pub, c->p.vanity.pubkey, CPC_PUBKEY_LEN);
        return json_pack("{s:s, s:s%}", "pubkey", pub, "prefix", c->p.vanity.prefix,
                         strnlen(c->p.vanity.prefix, CPC_VANITY_MAX_PREFIX));
    }
    case CPC_KIND_EXEC: {
        json_t *o = json_object();
        json_t *in = json_array();
        if (!o || !in)
            goto fail;
        unsigned n = c->p.exec.n_inputs <= CPC_MAX_EXEC_INPUTS ? c->p.exec.n_inputs
                                                                : CPC_MAX_EXEC_INPUTS;
        for (unsigned i = 0; i < n; i++)
            if (json_array_append_new(in, cpc_hex_json(c->p.exec.inputs[i], 32)) != 0)
                goto fail;
        if (cpc__json_set(o, "app", cpc_hex_json(c->p.exec.app, 32)))
            goto fail;
        json_t *moved = in; /* stolen by the object, even on failure */
        in = NULL;
        if (json_object_set_new(o, "inputs", moved) != 0 ||
            cpc__json_set(o, "timeout_s", json_integer(c->p.exec.timeout_s)) ||
            cpc__json_set(o, "memory_mb", json_integer(c->p.exec.memory_mb)))
            goto fail;
        return o;
    fail:
        json_decref(in);
        json_decref(o);
        return NULL;
    }
    default:
        return NULL;
    }
}

json_t *cpc_contract_to_json(const struct cpc_contract *c)
{
    json_t *params = params_to_json(c);
    if (!params)
        return NULL;
    int prio = (int)c->priority;
    const char *pname = prio >= CPC_PRIORITY_LOW && prio <= CPC_PRIORITY_HIGH
                            ? PRIORITY_NAMES[prio]
                            : "unknown";
    return json_pack("{s:s, s:o, s:I, s:I, s:i, s:I, s:s, s:I, s:{s:s%, s:I, s:I}, s:I, s:I}",
                     "kind", cpc_kind_name(c->kind), "params", params, "tasks",
                     (json_int_t)c->tasks, "reward", (json_int_t)c->reward, "replication",
                     (int)c->replication, "deadline", (json_int_t)c->deadline_blocks,
                     "priority", pname, "max_budget", (json_int_t)c->max_budget, "requirements",
                     "gpu_model", c->req.gpu_model,
                     strnlen(c->req.gpu_model, CPC_GPU_MODEL_MAX), "min_vram_gb",
                     (json_int_t)c->req.min_vram_gb, "min_cpu_cores",
                     (json_int_t)c->req.min_cpu_cores, "early_bonus",
                     (json_int_t)c->early_bonus, "early_blocks", (json_int_t)c->early_blocks);
}

/* ================= binary ================= */

void cpc_contract_encode(const struct cpc_contract *c, struct cpc_buf *b)
{
    cpc_buf_put_u8(b, (uint8_t)c->kind);
    switch (c->kind) {
    case CPC_KIND_HASHPOW:
        cpc_buf_put_u8(b, c->p.hashpow.bits);
        break;
    case CPC_KIND_MATMUL:
        cpc_buf_put_u32(b, c->p.matmul.m);
        cpc_buf_put_u32(b, c->p.matmul.k);
        cpc_buf_put_u32(b, c->p.matmul.n);
        cpc__mkt_put_u16(b, c->p.matmul.challenges);
        break;
    case CPC_KIND_VANITY:
        cpc_buf_put(b, c->p.vanity.pubkey, CPC_PUBKEY_LEN);
        cpc_buf_put_var(b, c->p.vanity.prefix,
                        strnlen(c->p.vanity.prefix, CPC_VANITY_MAX_PREFIX));
        break;
    case CPC_KIND_EXEC: {
        uint8_t n = c->p.exec.n_inputs <= CPC_MAX_EXEC_INPUTS ? c->p.exec.n_inputs
                                                               : CPC_MAX_EXEC_INPUTS;
        cpc_buf_put(b, c->p.exec.app, 32);
        cpc_buf_put_u8(b, n);
        for (uint8_t i = 0; i < n; i++)
            cpc_buf_put(b, c->p.exec.inputs[i], 32);
        cpc_buf_put_u32(b, c->p.exec.timeout_s);
        cpc_buf_put_u32(b, c->p.exec.memory_mb);
        break;
    }
    default:
        break;
    }
    cpc_buf_put_u32(b, c->tasks);
    cpc_buf_put_u64(b, c->reward);
    cpc_buf_put_u8(b, c->replication);
    cpc_buf_put_u64(b, c->deadline_blocks);
    cpc_buf_put_u8(b, (uint8_t)c->priority);
    cpc_buf_put_u64(b, c->max_budget);
    cpc__mkt_put_label(b, c->req.gpu_model);
    cpc_buf_put_u32(b, c->req.min_vram_gb);
    cpc_buf_put_u32(b, c->req.min_cpu_cores);
    cpc_buf_put_u64(b, c->early_bonus);
    cpc_buf_put_u64(b, c->early_blocks);
}

static int truncated(struct cpc_reader *r, struct cpc_err *err)
{
    r->failed = 1;
    return cpc_err_set(err, CPC_ERR_INVALID, "contract: truncated or malformed encoding");
}

int cpc_contract_decode(struct cpc_contract *c, struct cpc_reader *r, struct cpc_err *err)
{
    struct cpc_contract t;
    memset(&t, 0, sizeof t);
    uint8_t kind = cpc_read_u8(r);
    if (r->failed)
        return truncated(r, err);
    if (kind < CPC_KIND_HASHPOW || kind > CPC_KIND_EXEC)
        return cpc_err_set(err, CPC_ERR_INVALID, "contract.kind: unknown kind %u", kind);
    t.kind = (enum cpc_job_kind)kind;
    switch (t.kind) {
    case CPC_KIND_HASHPOW:
        t.p.hashpow.bits = cpc_read_u8(r);
        break;
    case CPC_KIND_MATMUL:
        t.p.matmul.m = cpc_read_u32(r);
        t.p.matmul.k = cpc_read_u32(r);
        t.p.matmul.n = cpc_read_u32(r);
        t.p.matmul.challenges = cpc__mkt_read_u16(r);
        break;
    case CPC_KIND_VANITY: {
        cpc_read_bytes(r, t.p.vanity.pubkey, CPC_PUBKEY_LEN);
        size_t n = cpc_read_var(r, t.p.vanity.prefix, CPC_VANITY_MAX_PREFIX);
        if (r->failed)
            return truncated(r, err);
        t.p.vanity.prefix[n] = '\0';
        if (strlen(t.p.vanity.prefix) != n)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "contract.params.prefix: contains a NUL character");
        break;
    }
    case CPC_KIND_EXEC:
        cpc_read_bytes(r, t.p.exec.app, 32);
        t.p.exec.n_inputs = cpc_read_u8(r);
        if (r->failed)
            return truncated(r, err);
        if (t.p.exec.n_inputs > CPC_MAX_EXEC_INPUTS)
            return cpc_err_set(err, CPC_ERR_INVALID, "contract.params.inputs: at most %d inputs",
                               CPC_MAX_EXEC_INPUTS);
        for (uint8_t i = 0; i < t.p.exec.n_inputs; i++)
            cpc_read_bytes(r, t.p.exec.inputs[i], 32);
        t.p.exec.timeout_s = cpc_read_u32(r);
        t.p.exec.memory_mb = cpc_read_u32(r);
        break;
    default:
        break;
    }
    t.tasks = cpc_read_u32(r);
    t.reward = cpc_read_u64(r);
    t.replication = cpc_read_u8(r);
    t.deadline_blocks = cpc_read_u64(r);
    uint8_t prio = cpc_read_u8(r);
    t.max_budget = cpc_read_u64(r);
    bool label_ok = cpc__mkt_read_label(r, t.req.gpu_model);
    t.req.min_vram_gb = cpc_read_u32(r);
    t.req.min_cpu_cores = cpc_read_u32(r);
    t.early_bonus = cpc_read_u64(r);
    t.early_blocks = cpc_read_u64(r);
    if (r->failed)
        return truncated(r, err);
    if (!label_ok)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "contract.requirements.gpu_model: must be printable ASCII");
    if (prio > CPC_PRIORITY_HIGH)
        return cpc_err_set(err, CPC_ERR_INVALID, "contract.priority: must be low, normal or high");
    t.priority = (enum cpc_priority)prio;
    int rc = cpc_contract_check(&t, err);
    if (rc)
        return rc;
    *c = t;
    return 0;
}

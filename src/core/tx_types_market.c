/* tx_types_market.c — dispatch-table entries of the market's tx types:
 * JOB_CREATE, JOB_CANCEL, JOB_EXTEND, WORKER_REGISTER, WORKER_DEREGISTER, REVEAL, VERDICT,
 * RESULT_REVEAL (see tx_types.h).
 * Codecs come from market_codec.c, state effects from market_apply.h; this
 * file only binds them to a type, a name and a declared gas.
 *
 *   JOB_CREATE       100,000 gas + CPC_GAS_PER_TASK per task + CPC_GAS_PER_CONTRACT_BYTE per
 *                    byte of the canonical contract (the records it creates: one per task,
 *                    the job record); value = budget + commission (escrowed)
 *   JOB_CANCEL        50,000 gas
 *   JOB_EXTEND        50,000 gas + CPC_GAS_PER_TASK per added task; value = 0 here: the
 *                                  escrow of added tasks depends on the job's reward
 *                                  (state), so apply checks that balance
 *   WORKER_REGISTER   60,000 gas   value = stake locked
 *   WORKER_DEREGISTER 50,000 gas   payload {} (no bytes); starts the unbonding period
 *   REVEAL           200,000 gas   (the verifier recomputes the challenged rows)
 *   VERDICT           50,000 gas   (validator only)
 *   RESULT_REVEAL     80,000 gas   (one hash to open the commitment; the last reveal of a
 *                                  task settles its quorum, as the last SUBMIT_RESULT did)
 */
#include <stdlib.h>
#include <string.h>

#include "market.h"
#include "market_apply.h"
#include "tx_types.h"

/* ---- JOB_CREATE ---- */
static void job_create_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_job_create_encode(&tx->u.job_create, b);
}
static int job_create_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    return cpc_payload_job_create_from_json(&tx->u.job_create, p, err);
}
static json_t *job_create_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_job_create_to_json(&tx->u.job_create);
}
static int job_create_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    uint64_t budget, commission;
    int rc = cpc_contract_check(&tx->u.job_create.contract, err);
    if (rc == 0)
        rc = cpc_contract_budget(&tx->u.job_create.contract, &budget, &commission, err);
    return rc;
}
/* 100,000 + per task (+ a matmul task's reveal verification) + per contract
 * byte (market.h); UINT64_MAX (never includable) on OOM or overflow. */
static uint64_t job_create_gas(const struct cpc_tx *tx)
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_contract_encode(&tx->u.job_create.contract, &b);
    uint64_t bytes = b.failed ? UINT64_MAX / 2 : b.len;
    cpc_buf_free(&b);
    if (bytes > UINT32_MAX)
        return UINT64_MAX;
    const struct cpc_contract *c = &tx->u.job_create.contract;
    uint64_t per_task = CPC_GAS_PER_TASK;
    if (c->kind == CPC_KIND_MATMUL) {
        uint64_t work = cpc_matmul_reveal_work(c->p.matmul.m, c->p.matmul.k, c->p.matmul.n,
                                               c->p.matmul.challenges);
        if (work > CPC_MATMUL_MAX_REVEAL_WORK)
            return UINT64_MAX; /* an illegal contract: check() rejects it anyway */
        per_task += (work + CPC_VERIFY_WORK_PER_GAS - 1) / CPC_VERIFY_WORK_PER_GAS;
    }
    return CPC_GAS_JOB_CREATE + (uint64_t)c->tasks * per_task + bytes * CPC_GAS_PER_CONTRACT_BYTE;
}
static uint64_t job_create_value(const struct cpc_tx *tx)
{
    uint64_t budget = 0, commission = 0;
    if (cpc_contract_budget(&tx->u.job_create.contract, &budget, &commission, NULL) != 0)
        return UINT64_MAX; /* unaffordable by construction; check() rejects it anyway */
    return budget + commission;
}

/* ---- JOB_CANCEL ---- */
static void job_cancel_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_job_cancel_encode(&tx->u.job_cancel, b);
}
static int job_cancel_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    return cpc_payload_job_cancel_from_json(&tx->u.job_cancel, p, err);
}
static json_t *job_cancel_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_job_cancel_to_json(&tx->u.job_cancel);
}

/* ---- JOB_EXTEND ---- */
static void job_extend_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_job_extend_encode(&tx->u.job_extend, b);
}
static int job_extend_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    return cpc_payload_job_extend_from_json(&tx->u.job_extend, p, err);
}
static json_t *job_extend_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_job_extend_to_json(&tx->u.job_extend);
}
static int job_extend_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_job_extend *p = &tx->u.job_extend;
    if (p->add_blocks == 0 && p->add_tasks == 0)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "payload: add_blocks and add_tasks cannot both be 0");
    if (p->add_blocks > CPC_MAX_DEADLINE_BLOCKS)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.add_blocks: must be 0..%llu",
                           (unsigned long long)CPC_MAX_DEADLINE_BLOCKS);
    if (p->add_tasks > CPC_MAX_TASKS)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.add_tasks: must be 0..%d", CPC_MAX_TASKS);
    return 0;
}

static uint64_t job_extend_gas(const struct cpc_tx *tx)
{
    return CPC_GAS_JOB_EXTEND + (uint64_t)tx->u.job_extend.add_tasks * CPC_GAS_PER_TASK;
}

/* ---- WORKER_REGISTER ---- */
static void worker_register_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_worker_register_encode(&tx->u.worker_register, b);
}
static int worker_register_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    return cpc_payload_worker_register_from_json(&tx->u.worker_register, p, err);
}
static json_t *worker_register_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_worker_register_to_json(&tx->u.worker_register);
}
static int worker_register_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    if (tx->u.worker_register.stake > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.stake: too large");
    return 0;
}
static uint64_t worker_register_value(const struct cpc_tx *tx)
{
    return tx->u.worker_register.stake;
}

/* ---- WORKER_DEREGISTER ---- */
static void worker_deregister_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    (void)tx;
    (void)b; /* no payload bytes */
}
static int worker_deregister_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    (void)tx;
    return cpc_payload_empty_from_json(p, err);
}
static json_t *worker_deregister_to_json(const struct cpc_tx *tx)
{
    (void)tx;
    return json_object();
}

/* ---- REVEAL ---- */
static void reveal_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_reveal_encode(&tx->u.reveal, tx->ext, tx->ext_len, b);
}
static int reveal_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    free(tx->ext);
    tx->ext = NULL;
    tx->ext_len = 0;
    return cpc_payload_reveal_from_json(&tx->u.reveal, &tx->ext, &tx->ext_len, p, err);
}
static json_t *reveal_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_reveal_to_json(&tx->u.reveal, tx->ext, tx->ext_len);
}
static int reveal_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_reveal *p = &tx->u.reveal;
    if (p->count == 0 || p->count > CPC_MATMUL_MAX_CHALLENGES)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.proofs: 1..%d proofs",
                           CPC_MATMUL_MAX_CHALLENGES);
    struct cpc_merkle_proof pr;
    for (uint16_t i = 0; i < p->count; i++)
        if (cpc_reveal_proof(tx->ext, tx->ext_len, p->count, i, &pr) != 0)
            return cpc_err_set(err, CPC_ERR_INVALID, "payload.proofs[%u]: malformed", i);
    return 0;
}

/* ---- VERDICT ---- */
static void verdict_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_verdict_encode(&tx->u.verdict, b);
}
static int verdict_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    return cpc_payload_verdict_from_json(&tx->u.verdict, p, err);
}
static json_t *verdict_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_verdict_to_json(&tx->u.verdict);
}

/* ---- RESULT_REVEAL ---- */
static void result_reveal_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_result_reveal_encode(&tx->u.result_reveal, b);
}
static int result_reveal_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    return cpc_payload_result_reveal_from_json(&tx->u.result_reveal, p, err);
}
static json_t *result_reveal_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_result_reveal_to_json(&tx->u.result_reveal);
}
static int result_reveal_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    uint8_t n = tx->u.result_reveal.result_len;
    if (n == 0 || n > 64)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.result: expected 1..64 bytes of hex");
    return 0;
}

static uint64_t no_value(const struct cpc_tx *tx)
{
    (void)tx;
    return 0;
}

static const struct cpc_tx_kind MARKET_KINDS[] = {
    {CPC_TX_JOB_CREATE, "JOB_CREATE", CPC_GAS_JOB_CREATE, job_create_encode, job_create_from_json,
     job_create_to_json, job_create_check, job_create_value, NULL, cpc_market_apply_job_create},
    {CPC_TX_JOB_CANCEL, "JOB_CANCEL", 50000, job_cancel_encode, job_cancel_from_json,
     job_cancel_to_json, NULL, no_value, NULL, cpc_market_apply_job_cancel},
    {CPC_TX_JOB_EXTEND, "JOB_EXTEND", CPC_GAS_JOB_EXTEND, job_extend_encode, job_extend_from_json,
     job_extend_to_json, job_extend_check, no_value, NULL, cpc_market_apply_job_extend},
    {CPC_TX_REVEAL, "REVEAL", 200000, reveal_encode, reveal_from_json, reveal_to_json, reveal_check,
     no_value, NULL, cpc_market_apply_reveal},
    {CPC_TX_VERDICT, "VERDICT", 50000, verdict_encode, verdict_from_json, verdict_to_json, NULL,
     no_value, NULL, cpc_market_apply_verdict},
    {CPC_TX_RESULT_REVEAL, "RESULT_REVEAL", 80000, result_reveal_encode, result_reveal_from_json,
     result_reveal_to_json, result_reveal_check, no_value, NULL, cpc_market_apply_result_reveal},
    {CPC_TX_WORKER_REGISTER, "WORKER_REGISTER", 60000, worker_register_encode,
     worker_register_from_json, worker_register_to_json, worker_register_check,
     worker_register_value, NULL, cpc_market_apply_worker_register},
    {CPC_TX_WORKER_DEREGISTER, "WORKER_DEREGISTER", 50000, worker_deregister_encode,
     worker_deregister_from_json, worker_deregister_to_json, NULL, no_value, NULL,
     cpc_market_apply_worker_deregister},
};

uint64_t cpc__tx_kind_gas(const struct cpc_tx_kind *k, const struct cpc_tx *tx)
{
    switch (tx->type) {
    case CPC_TX_JOB_CREATE:
        return job_create_gas(tx);
    case CPC_TX_JOB_EXTEND:
        return job_extend_gas(tx);
    default:
        return k->gas;
    }
}

const struct cpc_tx_kind *cpc__market_tx_kind(enum cpc_tx_type t)
{
    for (size_t i = 0; i < sizeof MARKET_KINDS / sizeof MARKET_KINDS[0]; i++)
        if (MARKET_KINDS[i].type == t)
            return &MARKET_KINDS[i];
    return NULL;
}

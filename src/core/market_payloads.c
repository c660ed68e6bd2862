/* market_payloads.c — payload codecs of the market's transactions
 * (JOB_CREATE, JOB_CANCEL, JOB_EXTEND, WORKER_REGISTER, REVEAL, VERDICT,
 * RESULT_REVEAL): canonical
 * binary encoding (what the signature covers) and strict JSON (the wire),
 * plus packing and unpacking of REVEAL's Merkle proofs.
 *
 * Binary payloads (big-endian, codec.h; var = u32 length + bytes):
 *   JOB_CREATE       contract (contract.c)
 *   JOB_CANCEL       job_id[32]
 *   JOB_EXTEND       job_id[32] | u64 add_blocks | u32 add_tasks
 *   WORKER_REGISTER  u64 stake | u32 cpu_cores | u32 ram_gb | var gpu_model |
 *                    u32 vram_gb | u32 gpu_count
 *   REVEAL           task_id[16] | u16 count | var ext
 *   VERDICT          task_id[16] | u8 accept | var result_hash (0..64 bytes)
 *   RESULT_REVEAL    task_id[16] | var result (1..64 bytes) | salt[32]
 * REVEAL ext: count x (u8 depth | depth x sibling[32]), depth <= CPC_MERKLE_MAX_DEPTH,
 * consumed exactly; count is 1..CPC_MATMUL_MAX_CHALLENGES.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount.h"
#include "hash.h"
#include "hex.h"
#include "ledger_json.h"
#include "market.h"
#include "market_priv.h"

/* ================= JOB_CREATE ================= */

void cpc_payload_job_create_encode(const struct cpc_payload_job_create *p, struct cpc_buf *b)
{
    cpc_contract_encode(&p->contract, b);
}

int cpc_payload_job_create_from_json(struct cpc_payload_job_create *p, const json_t *j,
                                     struct cpc_err *err)
{
    return cpc_contract_from_json(&p->contract, j, err);
}

json_t *cpc_payload_job_create_to_json(const struct cpc_payload_job_create *p)
{
    return cpc_contract_to_json(&p->contract);
}

/* ================= JOB_CANCEL ================= */

void cpc_payload_job_cancel_encode(const struct cpc_payload_job_cancel *p, struct cpc_buf *b)
{
    cpc_buf_put(b, p->job_id, 32);
}

int cpc_payload_job_cancel_from_json(struct cpc_payload_job_cancel *p, const json_t *j,
                                     struct cpc_err *err)
{
    static const char *const KEYS[] = {"job_id", NULL};
    int rc = cpc__json_check_object(j, "payload", KEYS, CPC_ERR_INVALID, err);
    if (rc)
        return rc;
    return cpc__json_hex_exact(j, "payload", "job_id", p->job_id, 32, CPC_ERR_INVALID, err);
}

json_t *cpc_payload_job_cancel_to_json(const struct cpc_payload_job_cancel *p)
{
    json_t *o = json_object();
    if (o && cpc__json_set(o, "job_id", cpc_hex_json(p->job_id, 32))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ================= JOB_EXTEND ================= */

void cpc_payload_job_extend_encode(const struct cpc_payload_job_extend *p, struct cpc_buf *b)
{
    cpc_buf_put(b, p->job_id, 32);
    cpc_buf_put_u64(b, p->add_blocks);
    cpc_buf_put_u32(b, p->add_tasks);
}

int cpc_payload_job_extend_from_json(struct cpc_payload_job_extend *p, const json_t *j,
                                     struct cpc_err *err)
{
    static const char *const KEYS[] = {"job_id", "add_blocks", "add_tasks", NULL};
    const char *P = "payload";
    struct cpc_payload_job_extend t;
    uint64_t tasks = 0;
    int rc;
    memset(&t, 0, sizeof t);
    if ((rc = cpc__json_check_object(j, P, KEYS, CPC_ERR_INVALID, err)) ||
        (rc = cpc__json_hex_exact(j, P, "job_id", t.job_id, 32, CPC_ERR_INVALID, err)) ||
        (rc = cpc__mkt_uint(j, P, "add_blocks", false, 0, 0, CPC_MAX_DEADLINE_BLOCKS,
                            &t.add_blocks, err)) ||
        (rc = cpc__mkt_uint(j, P, "add_tasks", false, 0, 0, CPC_MAX_TASKS, &tasks, err)))
        return rc;
    t.add_tasks = (uint32_t)tasks;
    if (t.add_blocks == 0 && t.add_tasks == 0)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "payload: add_blocks and add_tasks cannot both be 0");
    *p = t;
    return 0;
}

json_t *cpc_payload_job_extend_to_json(const struct cpc_payload_job_extend *p)
{
    json_t *o = json_pack("{s:I, s:I}", "add_blocks", (json_int_t)p->add_blocks, "add_tasks",
                          (json_int_t)p->add_tasks);
    if (o && cpc__json_set(o, "job_id", cpc_hex_json(p->job_id, 32))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int cpc_job_extend_cost(const struct cpc_contract *c, uint32_t add_tasks, uint64_t *total,
                        struct cpc_err *err)
{
    uint64_t per = 0, units = 0, b = 0, t = 0;
    if (!cpc_add_u64(&per, c->reward, c->early_bonus) ||
        !cpc_mul_u64(&units, (uint64_t)add_tasks, (uint64_t)c->replication) ||
        !cpc_mul_u64(&b, units, per) || !cpc_add_u64(&t, b, cpc_commission_of(b)))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "job extension: budget overflows");
    *total = t;
    return 0;
}

/* ================= WORKER_REGISTER ================= */

void cpc_payload_worker_register_encode(const struct cpc_payload_worker_register *p,
                                        struct cpc_buf *b)
{
    cpc_buf_put_u64(b, p->stake);
    cpc_buf_put_u32(b, p->cpu_cores);
    cpc_buf_put_u32(b, p->ram_gb);
    cpc__mkt_put_label(b, p->gpu_model);
    cpc_buf_put_u32(b, p->vram_gb);
    cpc_buf_put_u32(b, p->gpu_count);
}

int cpc_payload_worker_register_from_json(struct cpc_payload_worker_register *p, const json_t *j,
                                          struct cpc_err *err)
{
    static const char *const KEYS[] = {"stake",   "cpu_cores", "ram_gb", "gpu_model",
                                       "vram_gb", "gpu_count", NULL};
    const char *P = "payload";
    struct cpc_payload_worker_register t;
    uint64_t cpu = 0, ram = 0, vram = 0, gpus = 0;
    int rc;
    memset(&t, 0, sizeof t);
    if ((rc = cpc__json_check_object(j, P, KEYS, CPC_ERR_INVALID, err)) ||
        (rc = cpc__mkt_uint(j, P, "stake", true, 0, 0, CPC__MKT_U64_MAX, &t.stake, err)) ||
        (rc = cpc__mkt_uint(j, P, "cpu_cores", false, 0, 0, UINT32_MAX, &cpu, err)) ||
        (rc = cpc__mkt_uint(j, P, "ram_gb", false, 0, 0, UINT32_MAX, &ram, err)) ||
        (rc = cpc__mkt_label(j, P, "gpu_model", t.gpu_model, err)) ||
        (rc = cpc__mkt_uint(j, P, "vram_gb", false, 0, 0, UINT32_MAX, &vram, err)) ||
        (rc = cpc__mkt_uint(j, P, "gpu_count", false, 0, 0, UINT32_MAX, &gpus, err)))
        return rc;
    t.cpu_cores = (uint32_t)cpu;
    t.ram_gb = (uint32_t)ram;
    t.vram_gb = (uint32_t)vram;
    t.gpu_count = (uint32_t)gpus;
    *p = t;
    return 0;
}

json_t *cpc_payload_worker_register_to_json(const struct cpc_payload_worker_register *p)
{
    return json_pack("{s:I, s:I, s:I, s:s%, s:I, s:I}", "stake", (json_int_t)p->stake,
                     "cpu_cores", (json_int_t)p->cpu_cores, "ram_gb", (json_int_t)p->ram_gb,
                     "gpu_model", p->gpu_model, strnlen(p->gpu_model, CPC_GPU_MODEL_MAX),
                     "vram_gb", (json_int_t)p->vram_gb, "gpu_count", (json_int_t)p->gpu_count);
}

/* ================= WORKER_DEREGISTER ================= */

int cpc_payload_empty_from_json(const json_t *j, struct cpc_err *err)
{
    static const char *const KEYS[] = {NULL};
    return cpc__json_check_object(j, "payload", KEYS, CPC_ERR_INVALID, err);
}

/* ================= REVEAL ================= */

/* Walk ext: count proofs, each depth <= max, consuming ext exactly. When want < count,
 * *at and *depth give proof `want`'s siblings. Returns 0 or CPC_ERR_INVALID. */
static int reveal_scan(const uint8_t *ext, size_t ext_len, uint16_t count, uint16_t want,
                       const uint8_t **at, size_t *depth)
{
    if (count == 0 || count > CPC_MATMUL_MAX_CHALLENGES || (ext_len && !ext))
        return CPC_ERR_INVALID;
    size_t off = 0;
    for (uint16_t i = 0; i < count; i++) {
        if (off >= ext_len)
            return CPC_ERR_INVALID;
        size_t d = ext[off++];
        if (d > CPC_MERKLE_MAX_DEPTH || d * 32 > ext_len - off)
            return CPC_ERR_INVALID;
        if (i == want) {
            *at = ext + off;
            *depth = d;
        }
        off += d * 32;
    }
    return off == ext_len ? 0 : CPC_ERR_INVALID;
}

int cpc_reveal_proof(const uint8_t *ext, size_t ext_len, uint16_t count, uint16_t i,
                     struct cpc_merkle_proof *out)
{
    const uint8_t *at = NULL;
    size_t depth = 0;
    if (i >= count || reveal_scan(ext, ext_len, count, i, &at, &depth) != 0)
        return CPC_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->depth = depth;
    if (depth)
        memcpy(out->siblings, at, depth * 32);
    return 0;
}

int cpc_reveal_pack(const struct cpc_merkle_proof *proofs, uint16_t count, uint8_t **ext,
                    size_t *ext_len)
{
    if (!proofs || !ext || !ext_len || count == 0 || count > CPC_MATMUL_MAX_CHALLENGES)
        return CPC_ERR_INVALID;
    size_t total = 0;
    for (uint16_t i = 0; i < count; i++) {
        if (proofs[i].depth > CPC_MERKLE_MAX_DEPTH)
            return CPC_ERR_INVALID;
        total += 1 + proofs[i].depth * 32;
    }
    uint8_t *buf = malloc(total);
    if (!buf)
        return CPC_ERR_NOMEM;
    size_t off = 0;
    for (uint16_t i = 0; i < count; i++) {
        buf[off++] = (uint8_t)proofs[i].depth;
        memcpy(buf + off, proofs[i].siblings, proofs[i].depth * 32);
        off += proofs[i].depth * 32;
    }
    *ext = buf;
    *ext_len = total;
    return 0;
}

void cpc_payload_reveal_encode(const struct cpc_payload_reveal *p, const uint8_t *ext,
                               size_t ext_len, struct cpc_buf *b)
{
    cpc_buf_put(b, p->task_id, 16);
    cpc__mkt_put_u16(b, p->count);
    cpc_buf_put_var(b, ext, ext ? ext_len : 0);
}

int cpc_payload_reveal_from_json(struct cpc_payload_reveal *p, uint8_t **ext, size_t *ext_len,
                                 const json_t *j, struct cpc_err *err)
{
    static const char *const KEYS[] = {"task_id", "proofs", NULL};
    struct cpc_payload_reveal t;
    const json_t *proofs = NULL;
    uint8_t *buf = NULL;
    int rc;
    memset(&t, 0, sizeof t);
    if ((rc = cpc__json_check_object(j, "payload", KEYS, CPC_ERR_INVALID, err)) ||
        (rc = cpc__mkt_uuid(j, "payload", "task_id", t.task_id, err)) ||
        (rc = cpc__json_req(j, "payload", "proofs", &proofs, CPC_ERR_INVALID, err)))
        return rc;
    if (!json_is_array(proofs))
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.proofs: expected an array");
    size_t count = json_array_size(proofs);
    if (count < 1 || count > CPC_MATMUL_MAX_CHALLENGES)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.proofs: must hold 1..%d proofs",
                           CPC_MATMUL_MAX_CHALLENGES);
    /* sizes first, so one allocation holds everything */
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        const json_t *pr = json_array_get(proofs, i);
        if (!json_is_array(pr))
            return cpc_err_set(err, CPC_ERR_INVALID, "payload.proofs[%zu]: expected an array", i);
        if (json_array_size(pr) > CPC_MERKLE_MAX_DEPTH)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "payload.proofs[%zu]: at most %d siblings", i,
                               CPC_MERKLE_MAX_DEPTH);
        total += 1 + 32 * json_array_size(pr);
    }
    buf = malloc(total);
    if (!buf)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    size_t off = 0;
    for (size_t i = 0; i < count; i++) {
        const json_t *pr = json_array_get(proofs, i);
        size_t depth = json_array_size(pr);
        buf[off++] = (uint8_t)depth;
        for (size_t k = 0; k < depth; k++, off += 32) {
            char path[CPC__PATH_MAX];
            snprintf(path, sizeof path, "payload.proofs[%zu][%zu]", i, k);
            if ((rc = cpc__mkt_hex_value(json_array_get(pr, k), path, buf + off, 32, err)))
                goto fail;
        }
    }
    t.count = (uint16_t)count;
    *p = t;
    *ext = buf;
    *ext_len = total;
    return 0;
fail:
    free(buf);
    return rc;
}

json_t *cpc_payload_reveal_to_json(const struct cpc_payload_reveal *p, const uint8_t *ext,
                                   size_t ext_len)
{
    const uint8_t *at = NULL;
    size_t depth = 0;
    if (reveal_scan(ext, ext_len, p->count, UINT16_MAX, &at, &depth) != 0)
        return NULL; /* not what from_json / cpc_reveal_pack produce */
    json_t *o = json_object();
    json_t *arr = json_array();
    if (!o || !arr)
        goto fail;
    size_t off = 0;
    for (uint16_t i = 0; i < p->count; i++) {
        json_t *pr = json_array();
        if (json_array_append_new(arr, pr) != 0)
            goto fail;
        size_t d = ext[off++];
        for (size_t k = 0; k < d; k++, off += 32)
            if (json_array_append_new(pr, cpc_hex_json(ext + off, 32)) != 0)
                goto fail;
    }
    if (cpc__json_set(o, "task_id", cpc__mkt_uuid_json(p->task_id)))
        goto fail;
    json_t *moved = arr; /* stolen by the object, even on failure */
    arr = NULL;
    if (cpc__json_set(o, "proofs", moved))
        goto fail;
    return o;
fail:
    json_decref(arr);
    json_decref(o);
    return NULL;
}

/* ================= RESULT_REVEAL ================= */

void cpc_payload_result_reveal_encode(const struct cpc_payload_result_reveal *p, struct cpc_buf *b)
{
    cpc_buf_put(b, p->task_id, 16);
    cpc_buf_put_var(b, p->result, p->result_len <= 64 ? p->result_len : 64);
    cpc_buf_put(b, p->salt, 32);
}

int cpc_payload_result_reveal_from_json(struct cpc_payload_result_reveal *p, const json_t *j,
                                        struct cpc_err *err)
{
    static const char *const KEYS[] = {"task_id", "result", "salt", NULL};
    struct cpc_payload_result_reveal t;
    const json_t *v = NULL;
    int rc;
    memset(&t, 0, sizeof t);
    if ((rc = cpc__json_check_object(j, "payload", KEYS, CPC_ERR_INVALID, err)) ||
        (rc = cpc__mkt_uuid(j, "payload", "task_id", t.task_id, err)) ||
        (rc = cpc__json_req(j, "payload", "result", &v, CPC_ERR_INVALID, err)))
        return rc;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    size_t len = s ? json_string_length(v) : 0, got = 0;
    if (!s || strlen(s) != len || len > 2 + 2 * sizeof t.result ||
        cpc_hex_decode(t.result, sizeof t.result, &got, s, len) != 0 || got == 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.result: expected 1..64 bytes of hex");
    t.result_len = (uint8_t)got;
    if ((rc = cpc__json_req(j, "payload", "salt", &v, CPC_ERR_INVALID, err)) ||
        (rc = cpc__mkt_hex_value(v, "payload.salt", t.salt, 32, err)))
        return rc;
    *p = t;
    return 0;
}

json_t *cpc_payload_result_reveal_to_json(const struct cpc_payload_result_reveal *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    size_t n = p->result_len <= 64 ? p->result_len : 64;
    if (cpc__json_set(o, "task_id", cpc__mkt_uuid_json(p->task_id)) ||
        cpc__json_set(o, "result", cpc_hex_json(p->result, n)) ||
        cpc__json_set(o, "salt", cpc_hex_json(p->salt, 32))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void cpc_exec_commitment(uint8_t out[32], const uint8_t *result, size_t result_len,
                         const uint8_t worker[CPC_ADDR_HASH_LEN], const uint8_t salt[32])
{
    static const char TAG[] = "cpc-exec-commit";
    struct cpc_sha256_ctx c;
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, TAG, sizeof TAG - 1);
    cpc_sha256_update(&c, result, result_len);
    cpc_sha256_update(&c, worker, CPC_ADDR_HASH_LEN);
    cpc_sha256_update(&c, salt, 32);
    cpc_sha256_final(&c, out);
}

/* ================= VERDICT ================= */

void cpc_payload_verdict_encode(const struct cpc_payload_verdict *p, struct cpc_buf *b)
{
    cpc_buf_put(b, p->task_id, 16);
    cpc_buf_put_u8(b, p->accept ? 1 : 0);
    cpc_buf_put_var(b, p->result_hash, p->result_hash_len <= 64 ? p->result_hash_len : 64);
}

int cpc_payload_verdict_from_json(struct cpc_payload_verdict *p, const json_t *j,
                                  struct cpc_err *err)
{
    static const char *const KEYS[] = {"task_id", "accept", "result_hash", NULL};
    struct cpc_payload_verdict t;
    const json_t *v = NULL;
    int rc;
    memset(&t, 0, sizeof t);
    if ((rc = cpc__json_check_object(j, "payload", KEYS, CPC_ERR_INVALID, err)) ||
        (rc = cpc__mkt_uuid(j, "payload", "task_id", t.task_id, err)) ||
        (rc = cpc__json_req(j, "payload", "accept", &v, CPC_ERR_INVALID, err)))
        return rc;
    if (!json_is_boolean(v))
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.accept: expected true or false");
    t.accept = json_is_true(v) ? 1 : 0;
    if ((v = json_object_get(j, "result_hash"))) {
        if (!t.accept)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "payload.result_hash: only allowed when accept is true");
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        size_t len = s ? json_string_length(v) : 0, got = 0;
        if (!s || strlen(s) != len || len > 2 + 2 * sizeof t.result_hash ||
            cpc_hex_decode(t.result_hash, sizeof t.result_hash, &got, s, len) != 0 || got == 0)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "payload.result_hash: expected 1..64 bytes of hex");
        t.result_hash_len = (uint8_t)got;
    }
    *p = t;
    return 0;
}

json_t *cpc_payload_verdict_to_json(const struct cpc_payload_verdict *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    size_t n = p->result_hash_len <= 64 ? p->result_hash_len : 64;
    if (cpc__json_set(o, "task_id", cpc__mkt_uuid_json(p->task_id)) ||
        cpc__json_set(o, "accept", json_boolean(p->accept)) ||
        (n && cpc__json_set(o, "result_hash", cpc_hex_json(p->result_hash, n)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* tx_types.c — the per-type dispatch table (see tx_types.h).
 *
 * Each tx type lives here as one table entry: name, declared gas (the only
 * place gas numbers appear), canonical payload codec, strict JSON codec,
 * stateless checks, spent value and state effects. The ledger (tx.c,
 * apply.c) only goes through cpc_tx_kind_of(), so the market issue adds
 * its types by adding entries.
 *
 * Payload encodings (big-endian, codec.h):
 *   TRANSFER       to[20] | u64 amount
 *   STAKE/UNSTAKE  u64 amount
 *   SUBMIT_RESULT  task_id[16] | var result_hash | worker[20] | u8 has_lease
 *                  [| u64 lease_expires | lease_sig[64]]   (when has_lease = 1 or 2)
 *                  [| u16 index | u16 size | u8 depth | path[depth * 32]] (when 2:
 *                  a member of a lease set, market.h)
 *
 * State effects run after the fee and nonce were charged, on a child
 * overlay; each checks everything before its first write.
 */
#include "tx_types.h"

#include <stdint.h>
#include <string.h>

#include "amount.h"
#include "apply.h"
#include "hex.h"
#include "ledger_json.h"
#include "market_apply.h"
#include "uuid.h"

#define RESULT_PREFIX "Invalid ComputeResult: "

/* ---- shared amount helpers ---- */

static int amount_check(uint64_t amount, struct cpc_err *err)
{
    if (amount == 0 || amount > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "payload.amount: must be between 1 and %lld base units",
                           (long long)INT64_MAX);
    return 0;
}

static int insufficient(int code, const char *what, uint64_t have, uint64_t need,
                        struct cpc_err *err)
{
    char h[CPC_AMOUNT_STR_MAX], n[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(h, have);
    cpc_amount_format(n, need);
    return cpc_err_set(err, code, "Insufficient %s: have %s CPC, need %s CPC", what, h, n);
}

/* ---- TRANSFER ---- */

static void transfer_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_buf_put(b, tx->u.transfer.to, CPC_ADDR_HASH_LEN);
    cpc_buf_put_u64(b, tx->u.transfer.amount);
}

static int transfer_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    static const char *const keys[] = {"to", "amount", NULL};
    int rc = cpc__json_check_object(p, "payload", keys, CPC_ERR_INVALID, err);
    if (rc)
        return rc;
    if ((rc = cpc__json_addr(p, "payload", "to", tx->u.transfer.to, CPC_ERR_INVALID, err)))
        return rc;
    return cpc__json_u64(p, "payload", "amount", 1, INT64_MAX, &tx->u.transfer.amount,
                         CPC_ERR_INVALID, err);
}

static json_t *transfer_to_json(const struct cpc_tx *tx)
{
    char to[CPC_ADDR_STR_MAX];
    cpc_address_encode(to, tx->u.transfer.to);
    return json_pack("{s:s, s:I}", "to", to, "amount", (json_int_t)tx->u.transfer.amount);
}

static int transfer_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    return amount_check(tx->u.transfer.amount, err);
}

static uint64_t transfer_value(const struct cpc_tx *tx)
{
    return tx->u.transfer.amount;
}

static bool transfer_recipient(const struct cpc_tx *tx, uint8_t out[CPC_ADDR_HASH_LEN])
{
    memcpy(out, tx->u.transfer.to, CPC_ADDR_HASH_LEN);
    return true;
}

static int transfer_apply(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                          const struct cpc_tx *tx, struct cpc_err *err)
{
    (void)ctx;
    uint64_t amount = tx->u.transfer.amount;
    struct cpc_account from, to;
    cpc_overlay_get(ov, tx->from, &from);
    if (from.balance < amount)
        return insufficient(CPC_ERR_INSUFFICIENT_BALANCE, "balance", from.balance, amount, err);
    if (memcmp(tx->from, tx->u.transfer.to, CPC_ADDR_HASH_LEN) == 0)
        return 0; /* to self: nothing moves */
    cpc_overlay_get(ov, tx->u.transfer.to, &to);
    uint64_t new_to;
    if (!cpc_add_u64(&new_to, to.balance, amount))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "Recipient balance would overflow");
    from.balance -= amount;
    to.balance = new_to;
    int rc = cpc_overlay_put(ov, tx->from, &from);
    if (rc == 0)
        rc = cpc_overlay_put(ov, tx->u.transfer.to, &to);
    if (rc)
        return cpc_err_set(err, rc, "out of memory");
    return 0;
}

/* ---- STAKE / UNSTAKE ---- */

static void stake_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_buf_put_u64(b, tx->u.stake.amount);
}

static int stake_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    static const char *const keys[] = {"amount", NULL};
    int rc = cpc__json_check_object(p, "payload", keys, CPC_ERR_INVALID, err);
    if (rc)
        return rc;
    return cpc__json_u64(p, "payload", "amount", 1, INT64_MAX, &tx->u.stake.amount,
                         CPC_ERR_INVALID, err);
}

static json_t *stake_to_json(const struct cpc_tx *tx)
{
    return json_pack("{s:I}", "amount", (json_int_t)tx->u.stake.amount);
}

static int stake_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    return amount_check(tx->u.stake.amount, err);
}

static uint64_t stake_value(const struct cpc_tx *tx)
{
    return tx->u.stake.amount;
}

static uint64_t zero_value(const struct cpc_tx *tx)
{
    (void)tx;
    return 0;
}

static int stake_apply(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                       const struct cpc_tx *tx, struct cpc_err *err)
{
    (void)ctx;
    uint64_t amount = tx->u.stake.amount;
    struct cpc_account a;
    cpc_overlay_get(ov, tx->from, &a);
    if (a.balance < amount)
        return insufficient(CPC_ERR_INSUFFICIENT_BALANCE, "balance", a.balance, amount, err);
    uint64_t st;
    if (!cpc_add_u64(&st, a.stake, amount))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "Stake would overflow");
    a.balance -= amount;
    a.stake = st;
    int rc = cpc_overlay_put(ov, tx->from, &a);
    return rc ? cpc_err_set(err, rc, "out of memory") : 0;
}

static int unstake_apply(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                         const struct cpc_tx *tx, struct cpc_err *err)
{
    uint64_t amount = tx->u.stake.amount;
    struct cpc_account a;
    cpc_overlay_get(ov, tx->from, &a);
    if (a.stake < amount)
        return insufficient(CPC_ERR_INSUFFICIENT_STAKE, "stake", a.stake, amount, err);
    uint64_t bal;
    if (!cpc_add_u64(&bal, a.balance, amount))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "Balance would overflow");
    /* a worker's locked stake stays bonded until its lock ends */
    int rc = cpc_market_unstake_lock(ov, ctx, tx->from, a.stake - amount, err);
    if (rc)
        return rc;
    a.stake -= amount;
    a.balance = bal;
    rc = cpc_overlay_put(ov, tx->from, &a);
    return rc ? cpc_err_set(err, rc, "out of memory") : 0;
}

/* ---- SUBMIT_RESULT ---- */

static void result_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    const struct cpc_payload_submit_result *r = &tx->u.result;
    size_t n = r->result_hash_len <= CPC_RESULT_HASH_MAX ? r->result_hash_len : CPC_RESULT_HASH_MAX;
    cpc_buf_put(b, r->task_id, sizeof r->task_id);
    cpc_buf_put_var(b, r->result_hash, n);
    cpc_buf_put(b, r->worker, CPC_ADDR_HASH_LEN);
    cpc_buf_put_u8(b, r->has_lease);
    if (r->has_lease) {
        cpc_buf_put_u64(b, r->lease_expires);
        cpc_buf_put(b, r->lease_sig, sizeof r->lease_sig);
    }
    if (r->has_lease == 2) {
        const struct cpc_lease_set_ref *ls = &r->lease_set;
        size_t depth = ls->depth <= CPC_LEASE_PATH_MAX ? ls->depth : CPC_LEASE_PATH_MAX;
        uint8_t hdr[5] = {(uint8_t)(ls->index >> 8), (uint8_t)ls->index, (uint8_t)(ls->size >> 8),
                          (uint8_t)ls->size, ls->depth};
        cpc_buf_put(b, hdr, sizeof hdr);
        cpc_buf_put(b, ls->path, depth * 32);
    }
}

/* Optional "lease":{"expires":N,"signature":"hex128"[,"index":I,"size":N,"path":"hex"]}
 * (the last three for a member of a lease set, market.h). */
static int lease_from_json(struct cpc_payload_submit_result *r, const json_t *p,
                           struct cpc_err *err)
{
    static const char *const keys[] = {"expires", "signature", "index", "size", "path", NULL};
    const int E = CPC_ERR_INVALID_RESULT;
    const json_t *l = json_object_get(p, "lease");
    int rc, in_set = 0;
    if (!l)
        return 0;
    if ((rc = cpc__json_check_object(l, "lease", keys, E, err)) ||
        (rc = cpc__json_u64(l, "lease", "expires", 0, INT64_MAX, &r->lease_expires, E, err)) ||
        (rc = cpc__json_hex_exact(l, "lease", "signature", r->lease_sig, sizeof r->lease_sig, E,
                                  err)) ||
        (rc = cpc_lease_set_from_json(&r->lease_set, &in_set, l, "lease", E, err))) {
        cpc_err_prefix(err, "Invalid ComputeResult");
        return rc;
    }
    r->has_lease = in_set ? 2 : 1;
    return 0;
}

/* Every problem with a SUBMIT_RESULT payload is an invalid ComputeResult. */
static int result_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    static const char *const keys[] = {"task_id", "result_hash", "worker_address", "lease", NULL};
    struct cpc_payload_submit_result *r = &tx->u.result;
    int rc = cpc__json_check_object(p, "payload", keys, CPC_ERR_INVALID_RESULT, err);
    if (rc) {
        cpc_err_prefix(err, "Invalid ComputeResult");
        return rc;
    }
    const json_t *v = NULL;

    v = json_object_get(p, "task_id");
    if (!v)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, RESULT_PREFIX "task_id is missing");
    if (!json_is_string(v) || json_string_length(v) != CPC_UUID_STR_LEN ||
        strlen(json_string_value(v)) != CPC_UUID_STR_LEN ||
        cpc_uuid_parse(r->task_id, json_string_value(v)) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, RESULT_PREFIX "task_id is not a UUID");

    v = json_object_get(p, "result_hash");
    if (!v)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, RESULT_PREFIX "result_hash is missing");
    if (!json_is_string(v))
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           RESULT_PREFIX "result_hash is not hex");
    {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (strlen(s) != len)
            return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                               RESULT_PREFIX "result_hash is not hex");
        if (len > 2 + 2 * CPC_RESULT_HASH_MAX)
            return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                               RESULT_PREFIX "result_hash is longer than %d bytes",
                               CPC_RESULT_HASH_MAX);
        size_t prefix = (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 2 : 0;
        if (len == prefix)
            return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                               RESULT_PREFIX "result_hash is empty");
        int hrc = cpc_hex_decode(r->result_hash, CPC_RESULT_HASH_MAX, &r->result_hash_len, s, len);
        if (hrc == CPC_ERR_TOO_LARGE)
            return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                               RESULT_PREFIX "result_hash is longer than %d bytes",
                               CPC_RESULT_HASH_MAX);
        if (hrc != 0 || r->result_hash_len == 0)
            return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                               RESULT_PREFIX "result_hash is not hex");
    }

    v = json_object_get(p, "worker_address");
    if (!v)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           RESULT_PREFIX "worker_address is missing");
    if (!json_is_string(v) || json_string_length(v) >= CPC_ADDR_STR_MAX ||
        strlen(json_string_value(v)) != json_string_length(v) ||
        cpc_address_decode(r->worker, json_string_value(v)) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           RESULT_PREFIX "worker_address is not a valid cpc1 address");
    return lease_from_json(r, p, err);
}

static json_t *result_to_json(const struct cpc_tx *tx)
{
    const struct cpc_payload_submit_result *r = &tx->u.result;
    char uuid[CPC_UUID_STR_LEN + 1];
    char worker[CPC_ADDR_STR_MAX];
    char hash[2 * CPC_RESULT_HASH_MAX + 1];
    size_t n = r->result_hash_len <= CPC_RESULT_HASH_MAX ? r->result_hash_len : CPC_RESULT_HASH_MAX;
    cpc_uuid_format(uuid, r->task_id);
    cpc_address_encode(worker, r->worker);
    cpc_hex_encode(hash, r->result_hash, n);
    json_t *o = json_pack("{s:s, s:s, s:s}", "task_id", uuid, "result_hash", hash,
                          "worker_address", worker);
    if (o && r->has_lease) {
        json_t *sig = cpc_hex_json(r->lease_sig, sizeof r->lease_sig);
        json_t *l = sig ? json_pack("{s:I, s:o}", "expires", (json_int_t)r->lease_expires,
                                    "signature", sig)
                        : NULL; /* "o" steals sig, also on failure */
        if (l && r->has_lease == 2 && cpc_lease_set_to_json(l, &r->lease_set) != 0) {
            json_decref(l);
            l = NULL;
        }
        if (cpc__json_set(o, "lease", l)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static int result_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_submit_result *r = &tx->u.result;
    /* The task id must be a well-formed RFC 4122 UUID: round-trip its text form. */
    char uuid[CPC_UUID_STR_LEN + 1];
    uint8_t back[16];
    cpc_uuid_format(uuid, r->task_id);
    if (cpc_uuid_parse(back, uuid) != 0 || memcmp(back, r->task_id, 16) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, RESULT_PREFIX "task_id is not a UUID");
    if (r->result_hash_len == 0)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, RESULT_PREFIX "result_hash is empty");
    if (r->result_hash_len > CPC_RESULT_HASH_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           RESULT_PREFIX "result_hash is longer than %d bytes",
                           CPC_RESULT_HASH_MAX);
    if (memcmp(r->worker, tx->from, CPC_ADDR_HASH_LEN) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           RESULT_PREFIX "worker_address must equal the sender");
    if (r->has_lease > 2)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, RESULT_PREFIX "lease flag must be 0, 1 or 2");
    if (r->has_lease == 2 && cpc_lease_set_ref_check(&r->lease_set) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           RESULT_PREFIX "lease index, size or path is malformed");
    if (r->has_lease != 2) {
        static const struct cpc_lease_set_ref none;
        if (memcmp(&r->lease_set, &none, sizeof none) != 0)
            return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                               RESULT_PREFIX "lease set fields are set but the lease is not a set");
    }
    if (r->has_lease && r->lease_expires > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           RESULT_PREFIX "lease.expires must not exceed %lld", (long long)INT64_MAX);
    if (!r->has_lease) {
        static const uint8_t zero[64];
        if (r->lease_expires != 0 || memcmp(r->lease_sig, zero, sizeof zero) != 0)
            return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                               RESULT_PREFIX "lease fields are set but has_lease is 0");
    }
    return 0;
}

static int result_apply(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                        const struct cpc_tx *tx, struct cpc_err *err)
{
    /* settlement of a market task; no effect for a task id the chain does not know */
    return cpc_market_apply_result(ov, ctx, tx, err);
}

/* ---- the table ---- */

static const struct cpc_tx_kind KINDS[CPC_TX_TYPE_COUNT] = {
    [CPC_TX_TRANSFER] = {CPC_TX_TRANSFER, "TRANSFER", 21000, transfer_encode, transfer_from_json,
                         transfer_to_json, transfer_check, transfer_value, transfer_recipient,
                         transfer_apply},
    [CPC_TX_STAKE] = {CPC_TX_STAKE, "STAKE", 50000, stake_encode, stake_from_json, stake_to_json,
                      stake_check, stake_value, NULL, stake_apply},
    [CPC_TX_UNSTAKE] = {CPC_TX_UNSTAKE, "UNSTAKE", 50000, stake_encode, stake_from_json,
                        stake_to_json, stake_check, zero_value, NULL, unstake_apply},
    [CPC_TX_SUBMIT_RESULT] = {CPC_TX_SUBMIT_RESULT, "SUBMIT_RESULT", 80000, result_encode,
                              result_from_json, result_to_json, result_check, zero_value, NULL,
                              result_apply},
};

const struct cpc_tx_kind *cpc_tx_kind_of(enum cpc_tx_type t)
{
    if ((int)t <= 0 || (int)t >= CPC_TX_TYPE_COUNT)
        return NULL;
    const struct cpc_tx_kind *k = &KINDS[t];
    if (k->name)
        return k;
    const struct cpc_tx_kind *m = cpc__market_tx_kind(t);
    return m ? m : cpc__rental_tx_kind(t);
}

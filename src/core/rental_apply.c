/* rental_apply.c — rentals' state effects (rental.h): RENTAL_OPEN, RENTAL_END,
 * RENTAL_EXTEND, the validator's COMMISSION_SET and the settlement of due
 * rentals at block end, all from block timestamps.
 *
 * Commission: RENTAL_OPEN fixes the record's commission_bps to the provider's
 * override ('C' | provider, set by COMMISSION_SET) or CPC_COMMISSION_BPS; a
 * later COMMISSION_SET never changes an open rental's rate. RENTAL_EXTEND
 * only adds to the escrow (and the record's deposit, the total funded): the
 * rental's due entry stays as it is, so the settlement simply lasts longer.
 *
 * Minutes (60000 ms below is the chain's billing minute, params.rental_minute_ms,
 * which a test chain's genesis may shorten; cpc_rental_minute_ms):
 * a rental's minute k covers [opened + k*60000, opened + (k+1)*60000).
 * Block end pays the minutes that ended: floor((time - settled_ms) / 60000),
 * at most what the escrow covers. RENTAL_END pays those and the minute in
 * progress, which counts whole: floor((time - settled_ms) / 60000) + 1 (a
 * rental ended in its opening block pays one minute). The rental ends for
 * funds when the escrow cannot pay the next minute; every end refunds the
 * rest of the escrow to the customer.
 *
 * The due index (key prefix 'M', rental.h):
 *   'M'                          -> cursor: u64 minute | u32 entry, the first entry not
 *                                   yet processed (every minute below is done)
 *   'M' | u64 minute             -> u32 count of entries filed at that minute
 *   'M' | u64 minute | u32 bucket-> entries bucket*B .. bucket*B+B-1 (B = CPC_RENTAL_BUCKET)
 * An entry is id[32] | u64 settled_ms: the rental falls due at the first block
 * whose time reaches minute*60000, where minute = ceil((settled_ms + 60000) /
 * 60000), so that block pays at least one minute. An entry whose rental ended
 * or was settled since (settled_ms differs) is stale and skipped. Block end
 * walks minutes from the cursor up to the block's minute, within
 * CPC_RENTAL_SETTLE_WORK entries and CPC_RENTAL_MINUTE_STEPS minutes; the
 * rest carries over in order. Filing rewrites one bucket of at most B entries;
 * processed buckets and counts are deleted, so the index holds only what is
 * pending (one live entry per open rental).
 */
#include "rental.h"

#include <string.h>

#include "amount.h"
#include "apply.h"
#include "bytes.h"
#include "due_index.h"
#include "market_apply.h"
#include "tx.h"

#define ENTRY_LEN 40

static size_t key_count(uint8_t key[CPC_KEY_MAX], uint64_t minute)
{
    key[0] = CPC_KEY_RENTAL_DUE;
    cpc_put_u64be(key + 1, minute);
    return 9;
}

static size_t key_bucket(uint8_t key[CPC_KEY_MAX], uint64_t minute, uint32_t bucket)
{
    key_count(key, minute);
    cpc_put_u32be(key + 9, bucket);
    return 13;
}

/* The settlement index: slot = minute ('M' keys). */
static const struct cpc_due_index RENTALS_DUE = {
    .cursor_key = CPC_KEY_RENTAL_DUE,
    .bucket = CPC_RENTAL_BUCKET,
    .count_key = key_count,
    .bucket_key = key_bucket,
    .what = "rental due",
};

int cpc_rental_get(const struct cpc_overlay *ov, const uint8_t id[32], struct cpc_rental *out)
{
    uint8_t key[33];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_overlay_obj_get(ov, key, cpc_key_rental(key, id), &b);
    if (rc == 0)
        rc = cpc_rental_decode(out, id, b.data, b.len);
    cpc_buf_free(&b);
    return rc;
}

static int rental_put(struct cpc_overlay *ov, const struct cpc_rental *r, struct cpc_err *err)
{
    uint8_t key[33];
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_rental_encode(r, &b);
    return cpc__market_put_encoded(ov, key, cpc_key_rental(key, r->id), &b, err);
}

/* The minute at whose start a rental settled up to settled_ms owes a full minute. */
static uint64_t due_minute(uint64_t settled_ms, uint64_t minute_ms)
{
    return (settled_ms + 2 * minute_ms - 1) / minute_ms;
}

/* File the rental's next due entry. The cursor is created at the block's minute
 * by the first filing; an entry for a minute the cursor passed goes to the
 * cursor's minute (it cannot happen: entries lie after the block's minute). */
static int due_add(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                   const struct cpc_rental *r, struct cpc_err *err)
{
    struct cpc_due_cursor cur;
    uint32_t count;
    int rc = cpc_due_cursor_get(ov, &RENTALS_DUE, &cur, err);
    if (rc != 0)
        return rc;
    if (!cur.present) {
        cur.slot = ctx->time_ms / cpc_rental_minute_ms(ctx->params);
        cur.entry = 0;
        if ((rc = cpc_due_cursor_put(ov, &RENTALS_DUE, &cur, err)) != 0)
            return rc;
    }
    uint64_t minute = due_minute(r->settled_ms, cpc_rental_minute_ms(ctx->params));
    if (minute < cur.slot)
        minute = cur.slot;
    if ((rc = cpc_due_count_get(ov, &RENTALS_DUE, minute, &count, err)) != 0)
        return rc;
    if (count == UINT32_MAX)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "too many rentals due at minute %llu",
                           (unsigned long long)minute);
    uint8_t key[CPC_KEY_MAX];
    size_t klen = key_bucket(key, minute, count / CPC_RENTAL_BUCKET);
    struct cpc_buf b;
    cpc_buf_init(&b);
    rc = count % CPC_RENTAL_BUCKET ? cpc_overlay_obj_get(ov, key, klen, &b) : CPC_ERR_NOT_FOUND;
    if (rc != 0 && rc != CPC_ERR_NOT_FOUND) {
        cpc_buf_free(&b);
        return cpc_err_set(err, rc, "cannot read a rental due bucket");
    }
    if (rc == CPC_ERR_NOT_FOUND)
        b.len = 0;
    cpc_buf_put(&b, r->id, 32);
    cpc_buf_put_u64(&b, r->settled_ms);
    if ((rc = cpc__market_put_encoded(ov, key, klen, &b, err)) != 0)
        return rc;
    cpc_buf_init(&b);
    cpc_buf_put_u32(&b, count + 1);
    return cpc__market_put_encoded(ov, key, key_count(key, minute), &b, err);
}

/* Pay up to `minutes` minutes from the escrow (as many as it covers): rate to
 * the provider, commission to the treasury. *short_paid = 1 when it covered fewer. */
static int settle(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, struct cpc_rental *r,
                  uint64_t minutes, int *short_paid, struct cpc_err *err)
{
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
    cpc_rental_escrow_address(escrow, r->id);
    cpc_overlay_get(ov, escrow, &acc);
    uint64_t cost = cpc_rental_minute_cost(r->rate_per_minute, r->commission_bps);
    uint64_t can = acc.balance / cost;
    uint64_t pay = minutes < can ? minutes : can;
    *short_paid = pay < minutes;
    if (pay == 0)
        return 0;
    int rc = cpc__market_move(ov, escrow, r->provider, pay * r->rate_per_minute, err);
    if (rc == 0)
        rc = cpc__market_move(ov, escrow, ctx->params->treasury,
                              pay * cpc_rental_commission(r->rate_per_minute, r->commission_bps),
                              err);
    if (rc != 0)
        return rc;
    r->paid_minutes += pay;
    r->settled_ms += pay * cpc_rental_minute_ms(ctx->params);
    return 0;
}

/* End the rental: refund what is left of the escrow to the customer. */
static int finish(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, struct cpc_rental *r,
                  uint8_t reason, struct cpc_err *err)
{
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
    cpc_rental_escrow_address(escrow, r->id);
    cpc_overlay_get(ov, escrow, &acc);
    int rc = cpc__market_move(ov, escrow, r->customer, acc.balance, err);
    if (rc != 0)
        return rc;
    r->status = CPC_RENTAL_ENDED;
    r->end_reason = reason;
    r->ended_ms = ctx->time_ms;
    return rental_put(ov, r, err);
}

/* True when the escrow cannot pay the rental's next minute. */
static bool out_of_funds(const struct cpc_overlay *ov, const struct cpc_rental *r)
{
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
    cpc_rental_escrow_address(escrow, r->id);
    cpc_overlay_get(ov, escrow, &acc);
    return acc.balance < cpc_rental_minute_cost(r->rate_per_minute, r->commission_bps);
}

int cpc_rental_commission_of(const struct cpc_overlay *ov,
                             const uint8_t provider[CPC_ADDR_HASH_LEN], uint32_t *bps)
{
    uint8_t key[1 + CPC_ADDR_HASH_LEN];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_overlay_obj_get(ov, key, cpc_key_commission(key, provider), &b);
    if (rc == 0)
        rc = cpc_commission_decode(b.data, b.len, bps);
    else if (rc == CPC_ERR_NOT_FOUND) {
        *bps = CPC_COMMISSION_BPS;
        rc = 0;
    }
    cpc_buf_free(&b);
    return rc;
}

/* The deposit of an opening must cover one minute at the commission it gets. */
static int deposit_covers(uint64_t deposit, uint64_t rate, uint32_t bps, struct cpc_err *err)
{
    uint64_t minute = cpc_rental_minute_cost(rate, bps);
    if (deposit >= minute)
        return 0;
    char have[CPC_AMOUNT_STR_MAX], need[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(have, deposit);
    cpc_amount_format(need, minute);
    return cpc_err_set(err, CPC_ERR_INVALID,
                       "payload.deposit: %s CPC does not cover one minute (%s CPC: rate + "
                       "commission of %u bps)",
                       have, need, bps);
}

int cpc_rental_apply_open(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                          const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_rental_open *p = &tx->u.rental_open;
    uint32_t bps;
    if (cpc_rental_commission_of(ov, p->offer.provider, &bps) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt commission override");
    int rc = deposit_covers(p->deposit, p->offer.rate_per_minute, bps, err);
    if (rc != 0)
        return rc;
    if (ctx->time_ms > p->offer.expires_ms)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "payload.offer.expires_ms: the offer expired at %llu, block time is %llu",
                           (unsigned long long)p->offer.expires_ms,
                           (unsigned long long)ctx->time_ms);
    struct cpc_rental r;
    if (cpc_rental_get(ov, tx->hash, &r) != CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_DUPLICATE, "rental already exists");
    memset(&r, 0, sizeof r);
    memcpy(r.id, tx->hash, 32);
    memcpy(r.customer, tx->from, CPC_ADDR_HASH_LEN);
    memcpy(r.provider, p->offer.provider, CPC_ADDR_HASH_LEN);
    memcpy(r.server_id, p->offer.server_id, 16);
    r.rate_per_minute = p->offer.rate_per_minute;
    r.commission_bps = bps;
    r.deposit = p->deposit;
    r.opened_ms = r.settled_ms = ctx->time_ms;
    r.status = CPC_RENTAL_OPEN;
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    cpc_rental_escrow_address(escrow, r.id);
    rc = cpc__market_move(ov, tx->from, escrow, p->deposit, err);
    if (rc == 0)
        rc = rental_put(ov, &r, err);
    return rc != 0 ? rc : due_add(ov, ctx, &r, err);
}

int cpc_rental_apply_end(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                         const struct cpc_tx *tx, struct cpc_err *err)
{
    struct cpc_rental r;
    int rc = cpc_rental_get(ov, tx->u.rental_end.rental_id, &r);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "payload.rental_id: no such rental");
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt rental record");
    uint8_t reason;
    if (memcmp(tx->from, r.customer, CPC_ADDR_HASH_LEN) == 0)
        reason = CPC_RENTAL_END_CUSTOMER;
    else if (memcmp(tx->from, r.provider, CPC_ADDR_HASH_LEN) == 0)
        reason = CPC_RENTAL_END_PROVIDER;
    else
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           "only the rental's customer or provider may end it");
    if (r.status != CPC_RENTAL_OPEN)
        return cpc_err_set(err, CPC_ERR_INVALID, "rental already ended");
    /* the full minutes since the last settlement and the minute in progress */
    uint64_t elapsed = ctx->time_ms > r.settled_ms ? ctx->time_ms - r.settled_ms : 0;
    int short_paid;
    rc = settle(ov, ctx, &r, elapsed / cpc_rental_minute_ms(ctx->params) + 1, &short_paid, err);
    return rc != 0 ? rc : finish(ov, ctx, &r, reason, err);
}

int cpc_rental_apply_extend(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const struct cpc_tx *tx, struct cpc_err *err)
{
    (void)ctx;
    const struct cpc_payload_rental_extend *p = &tx->u.rental_extend;
    struct cpc_rental r;
    int rc = cpc_rental_get(ov, p->rental_id, &r);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "payload.rental_id: no such rental");
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt rental record");
    if (memcmp(tx->from, r.customer, CPC_ADDR_HASH_LEN) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "only the rental's customer may extend it");
    if (r.status != CPC_RENTAL_OPEN)
        return cpc_err_set(err, CPC_ERR_INVALID, "rental already ended");
    uint64_t minute = cpc_rental_minute_cost(r.rate_per_minute, r.commission_bps);
    if (p->amount < minute) {
        char have[CPC_AMOUNT_STR_MAX], need[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(have, p->amount);
        cpc_amount_format(need, minute);
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "payload.amount: %s CPC does not cover one minute (%s CPC)", have,
                           need);
    }
    uint64_t total;
    if (!cpc_add_u64(&total, r.deposit, p->amount) || total > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "payload.amount: the rental's deposit overflows");
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    cpc_rental_escrow_address(escrow, r.id);
    if ((rc = cpc__market_move(ov, tx->from, escrow, p->amount, err)) != 0)
        return rc;
    r.deposit = total;
    return rental_put(ov, &r, err);
}

int cpc_rental_apply_commission_set(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                    const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_commission_set *p = &tx->u.commission_set;
    uint8_t vaddr[CPC_ADDR_HASH_LEN], key[1 + CPC_ADDR_HASH_LEN];
    if (cpc_pubkey_hash(vaddr, ctx->validator_pub) != 0 ||
        memcmp(vaddr, tx->from, CPC_ADDR_HASH_LEN) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "COMMISSION_SET is for the validator only");
    if (p->bps > CPC_COMMISSION_MAX_BPS)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.bps: must be 0..%u",
                           CPC_COMMISSION_MAX_BPS);
    size_t klen = cpc_key_commission(key, p->provider);
    if (p->bps == CPC_COMMISSION_BPS) { /* the default: no override to keep */
        if (cpc_overlay_obj_del(ov, key, klen) != 0)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        return 0;
    }
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_buf_put_u32(&b, p->bps);
    return cpc__market_put_encoded(ov, key, klen, &b, err);
}

/* One due entry: settle the rental when it is live, then file its next entry
 * or end it for funds. */
static int due_entry(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, const uint8_t id[32],
                     uint64_t settled_ms, struct cpc_err *err)
{
    struct cpc_rental r;
    if (cpc_rental_get(ov, id, &r) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "a due entry names a missing rental");
    if (r.status != CPC_RENTAL_OPEN || r.settled_ms != settled_ms)
        return 0; /* stale: ended, or settled since */
    uint64_t minutes = ctx->time_ms > r.settled_ms
                           ? (ctx->time_ms - r.settled_ms) / cpc_rental_minute_ms(ctx->params)
                           : 0;
    int short_paid;
    int rc = settle(ov, ctx, &r, minutes, &short_paid, err);
    if (rc != 0)
        return rc;
    if (short_paid || out_of_funds(ov, &r))
        return finish(ov, ctx, &r, CPC_RENTAL_END_FUNDS, err);
    if ((rc = rental_put(ov, &r, err)) != 0)
        return rc;
    return due_add(ov, ctx, &r, err);
}

/* Process the entries of cur->slot from cur->entry on, while *work lasts. */
static int walk_minute(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                       struct cpc_due_cursor *cur, uint32_t count, uint64_t *work, struct cpc_err *err)
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = 0;
    while (rc == 0 && cur->entry < count && *work < CPC_RENTAL_SETTLE_WORK) {
        uint8_t key[CPC_KEY_MAX];
        uint32_t bk = cur->entry / CPC_RENTAL_BUCKET;
        if (cpc_overlay_obj_get(ov, key, key_bucket(key, cur->slot, bk), &b) != 0) {
            rc = cpc_err_set(err, CPC_ERR_INTERNAL, "rental due bucket %u of minute %llu missing",
                             bk, (unsigned long long)cur->slot);
            break;
        }
        uint32_t base = bk * CPC_RENTAL_BUCKET;
        uint32_t n = (uint32_t)(b.len / ENTRY_LEN);
        if (b.len % ENTRY_LEN || (n < CPC_RENTAL_BUCKET && base + n < count)) {
            rc = cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt rental due bucket");
            break;
        }
        for (uint32_t i = cur->entry - base; i < n && *work < CPC_RENTAL_SETTLE_WORK; i++) {
            const uint8_t *e = b.data + (size_t)i * ENTRY_LEN;
            if ((rc = due_entry(ov, ctx, e, cpc_get_u64be(e + 32), err)) != 0)
                break;
            ++*work;
            cur->entry = base + i + 1;
        }
    }
    cpc_buf_free(&b);
    return rc;
}

int cpc_rental_end_block(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                         struct cpc_err *err)
{
    struct cpc_due_cursor cur;
    int rc = cpc_due_cursor_get(ov, &RENTALS_DUE, &cur, err);
    if (rc != 0 || !cur.present)
        return rc;
    struct cpc_due_cursor start = cur;
    uint64_t now = ctx->time_ms / cpc_rental_minute_ms(ctx->params), work = 0, steps = 0;
    while (cur.slot <= now && work < CPC_RENTAL_SETTLE_WORK && steps < CPC_RENTAL_MINUTE_STEPS) {
        uint32_t count, first = cur.entry;
        if ((rc = cpc_due_count_get(ov, &RENTALS_DUE, cur.slot, &count, err)) != 0 ||
            (rc = walk_minute(ov, ctx, &cur, count, &work, err)) != 0)
            return rc;
        if (cur.entry < count) { /* out of work: drop the buckets fully done */
            uint32_t done = cur.entry / CPC_RENTAL_BUCKET * CPC_RENTAL_BUCKET;
            if (done > first / CPC_RENTAL_BUCKET * CPC_RENTAL_BUCKET)
                rc = cpc_due_drop(ov, &RENTALS_DUE, cur.slot, first, done, 0, err);
            break;
        }
        if ((rc = cpc_due_drop(ov, &RENTALS_DUE, cur.slot, first, count, count > 0, err)) != 0)
            return rc;
        steps++;
        cur.slot++;
        cur.entry = 0;
    }
    if (rc != 0 || (cur.slot == start.slot && cur.entry == start.entry))
        return rc;
    return cpc_due_cursor_put(ov, &RENTALS_DUE, &cur, err);
}

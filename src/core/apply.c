/* apply.c — the pure state transition (see apply.h).
 *
 * cpc_apply_tx: inclusion checks (type, chain, gas price, payload, exact
 * nonce, fee affordable), then fee sender -> proposer and nonce++ on the
 * caller's overlay, then the type's effects on a child overlay that is
 * committed only when they succeed (so a failed tx still pays its fee).
 * cpc_block_build runs candidates through cpc_apply_tx on one overlay and
 * signs the result; cpc_apply_block re-runs a received block the same way
 * and compares every commitment. Both are deterministic in their inputs.
 * Both call the market's block hooks (market_apply.h) on the block-level
 * overlay before the first tx and after the last, so they agree on them;
 * after the market's block end, the rentals' settlement (rental.h).
 * Only the builder may carry an oracle of its own lease signatures
 * (cpc_block_assemble); cpc_apply_block leaves ctx.lease_sigs NULL, so a
 * received or replayed block has every lease signature verified, once per
 * (digest, signature) pair per block: both give the block a lease memo, so a
 * lease set's one signature is not verified again for each of its results.
 * Both also give the block a counter of the verification work its REVEALs
 * spend (ctx.verify_used, bounded by params->max_block_verify): the builder
 * leaves a REVEAL that does not fit out of the block (it stays in the pool),
 * cpc_apply_tx refuses it, so a received block over the budget is invalid.
 */
#include "apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount.h"
#include "hash.h"
#include "hex.h"
#include "market_apply.h"
#include "rental.h"
#include "tx_types.h"

static size_t memo_slot(const uint8_t digest[32])
{
    return ((size_t)digest[0] | (size_t)digest[1] << 8) % CPC_LEASE_MEMO_SLOTS;
}

bool cpc_lease_memo_has(const struct cpc_lease_memo *m, const uint8_t digest[32],
                        const uint8_t sig[CPC_SIG_LEN])
{
    if (!m)
        return false;
    size_t i = memo_slot(digest);
    return m->used[i] && memcmp(m->pair[i], digest, 32) == 0 &&
           memcmp(m->pair[i] + 32, sig, CPC_SIG_LEN) == 0;
}

void cpc_lease_memo_add(struct cpc_lease_memo *m, const uint8_t digest[32],
                        const uint8_t sig[CPC_SIG_LEN])
{
    if (!m)
        return;
    size_t i = memo_slot(digest);
    m->used[i] = 1;
    memcpy(m->pair[i], digest, 32);
    memcpy(m->pair[i] + 32, sig, CPC_SIG_LEN);
}

int cpc_apply_tx(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                 const struct cpc_tx *tx, struct cpc_tx_result *res,
                 struct cpc_err *err)
{
    const struct cpc_chain_params *p = ctx->params;
    const struct cpc_tx_kind *k = cpc_tx_kind_of(tx->type);
    struct cpc_err sub;
    int rc;

    if (!k)
        return cpc_err_set(err, CPC_ERR_UNKNOWN_TYPE, "Unknown tx type %d", (int)tx->type);
    if (strncmp(tx->chain_id, p->chain_id, CPC_CHAIN_ID_MAX + 1) != 0)
        return cpc_err_set(err, CPC_ERR_WRONG_CHAIN, "Wrong chain id: expected %s, got %.64s",
                           p->chain_id, tx->chain_id);
    if (tx->gas_price < p->min_gas_price)
        return cpc_err_set(err, CPC_ERR_FEE_TOO_LOW, "Gas price %llu is below the minimum %llu",
                           (unsigned long long)tx->gas_price,
                           (unsigned long long)p->min_gas_price);
    if ((rc = cpc_tx_check_payload(tx, err)) != 0)
        return rc;

    uint64_t fee, gas = cpc_tx_gas(tx);
    if (p->max_block_gas && gas > p->max_block_gas)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE,
                           "Transaction gas %llu exceeds the block gas limit %llu",
                           (unsigned long long)gas, (unsigned long long)p->max_block_gas);
    if (cpc_tx_fee(tx, &fee) != 0)
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "Fee (gas x gas price) overflows");

    struct cpc_account sender;
    cpc_overlay_get(ov, tx->from, &sender);
    if (tx->nonce < sender.nonce)
        return cpc_err_set(err, CPC_ERR_NONCE_REPLAYED, "Nonce %llu already used (account nonce is %llu)",
                           (unsigned long long)tx->nonce, (unsigned long long)sender.nonce);
    if (tx->nonce > sender.nonce)
        return cpc_err_set(err, CPC_ERR_NONCE_GAP, "Nonce %llu is ahead of the account nonce %llu",
                           (unsigned long long)tx->nonce, (unsigned long long)sender.nonce);
    if (sender.balance < fee) {
        char have[CPC_AMOUNT_STR_MAX], need[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(have, sender.balance);
        cpc_amount_format(need, fee);
        return cpc_err_set(err, CPC_ERR_INSUFFICIENT_BALANCE,
                           "Insufficient balance: have %s CPC, need %s CPC for the fee", have, need);
    }
    if (sender.nonce == UINT64_MAX)
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "Account nonce would overflow");
    if (tx->type == CPC_TX_RESULT_REVEAL &&
        (rc = cpc_market_result_reveal_includable(ov, ctx, tx, err)) != 0)
        return rc; /* it carries an exec result: not in a block while commitments may come */
    /* A REVEAL's gas is constant, its verification is not: the block's budget
     * of verification work bounds what its REVEALs make every node redo. */
    uint64_t work = tx->type == CPC_TX_REVEAL ? cpc_market_reveal_work(ov, ctx, tx) : 0;
    if (work && ctx->verify_used && p->max_block_verify &&
        (*ctx->verify_used > p->max_block_verify ||
         work > p->max_block_verify - *ctx->verify_used))
        return cpc_err_set(err, CPC_ERR_TOO_LARGE,
                           "REVEAL needs %llu verification work units, the block has %llu of "
                           "%llu left (params.max_block_verify): it fits a later block",
                           (unsigned long long)work,
                           (unsigned long long)(*ctx->verify_used > p->max_block_verify
                                                    ? 0
                                                    : p->max_block_verify - *ctx->verify_used),
                           (unsigned long long)p->max_block_verify);

    /* Fee and nonce: compute both accounts fully before the first write. */
    bool self = memcmp(tx->from, ctx->proposer, CPC_ADDR_HASH_LEN) == 0;
    struct cpc_account prop;
    sender.nonce++;
    if (!self) {
        cpc_overlay_get(ov, ctx->proposer, &prop);
        if (!cpc_add_u64(&prop.balance, prop.balance, fee))
            return cpc_err_set(err, CPC_ERR_OVERFLOW, "Proposer balance would overflow");
        sender.balance -= fee;
    }

    /* The fee, nonce and the type's own effects go into a child overlay, kept
     * whole when the effects succeed. One exception: a rejected compute result
     * (CPC_ERR_INVALID_RESULT from the market) is a penalty, not a no-op: its
     * slash is kept and the tx reports the reason. Any other error of the
     * effects, whatever its code, is the tx's own failure: the child is dropped
     * and only fee and nonce are written into ov. An allocation failure inside
     * the child leaves ov untouched (CPC_ERR_NOMEM: the tx is not included);
     * only a failed write into ov itself is fatal (CPC_ERR_INTERNAL). */
    struct cpc_overlay child;
    if ((rc = cpc_overlay_init(&child, NULL, ov)) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory for the tx's overlay");
    if (cpc_overlay_put(&child, tx->from, &sender) != 0 ||
        (!self && cpc_overlay_put(&child, ctx->proposer, &prop) != 0)) {
        cpc_overlay_free(&child);
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory for the tx's overlay");
    }
    cpc_err_clear(&sub);
    rc = k->apply(&child, ctx, tx, &sub);
    if (rc == CPC_ERR_NOMEM) {
        cpc_overlay_free(&child);
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory while applying the tx: %s", sub.msg);
    }
    int wrc;
    if (rc == 0 || rc == CPC_ERR_INVALID_RESULT)
        wrc = cpc_overlay_commit(ov, &child);
    else
        wrc = (cpc_overlay_put(ov, tx->from, &sender) != 0 ||
               (!self && cpc_overlay_put(ov, ctx->proposer, &prop) != 0))
                  ? CPC_ERR_NOMEM
                  : 0;
    cpc_overlay_free(&child);
    if (wrc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "out of memory writing the block's state");

    if (ctx->verify_used)
        *ctx->verify_used += work; /* spent whether the proofs were right or not */
    memset(res, 0, sizeof *res);
    res->code = rc;
    res->gas_used = gas;
    res->fee = fee;
    if (rc != 0)
        snprintf(res->error, sizeof res->error, "%s", sub.msg[0] ? sub.msg : cpc_errcode_name(rc));
    return 0;
}

static void short_hex(char out[17], const uint8_t *h)
{
    cpc_hex_encode(out, h, 8);
}

static bool results_equal(const struct cpc_tx_result *a, const struct cpc_tx_result *b)
{
    if ((a->code == 0) != (b->code == 0))
        return false;
    if (a->gas_used != b->gas_used || a->fee != b->fee)
        return false;
    return a->code == 0 || strncmp(a->error, b->error, sizeof a->error) == 0;
}

#define BLOCK_FAIL(...)                                                    \
    do {                                                                   \
        rc = cpc_err_set(err, CPC_ERR_INVALID_BLOCK, __VA_ARGS__);         \
        goto out;                                                          \
    } while (0)

int cpc_apply_block(const struct cpc_state *state, const struct cpc_block_header *prev,
                    const struct cpc_block *b, const struct cpc_chain_params *params,
                    const uint8_t validator_pub[CPC_PUBKEY_LEN], bool verify_sigs,
                    struct cpc_state **delta_out, struct cpc_tx_result **results_out,
                    struct cpc_err *err)
{
    const struct cpc_block_header *h = &b->header;
    struct cpc_overlay ov = {0};
    struct cpc_tx_result *results = NULL;
    struct cpc_lease_memo *memo = NULL; /* NULL on OOM: every lease is then verified */
    struct cpc_err e = {0};
    uint8_t root[32], prev_hash[32];
    int rc = 0;

    *delta_out = NULL;
    if (results_out)
        *results_out = NULL;
    if (!prev)
        BLOCK_FAIL("Invalid block: no previous header");
    if (strncmp(h->chain_id, params->chain_id, CPC_CHAIN_ID_MAX + 1) != 0)
        BLOCK_FAIL("Invalid block: wrong chain id: expected %s, got %.64s", params->chain_id,
                   h->chain_id);
    if (prev->height == UINT64_MAX || h->height != prev->height + 1)
        BLOCK_FAIL("Invalid block: height %llu does not follow %llu",
                   (unsigned long long)h->height, (unsigned long long)prev->height);
    if ((rc = cpc_block_header_hash(prev, prev_hash)) != 0)
        BLOCK_FAIL("Invalid block: out of memory");
    if (memcmp(prev_hash, h->prev_hash, 32) != 0)
        BLOCK_FAIL("Invalid block: prev_hash does not match block %llu",
                   (unsigned long long)prev->height);
    if (h->time_ms < prev->time_ms)
        BLOCK_FAIL("Invalid block: time %llu is before the previous block's %llu",
                   (unsigned long long)h->time_ms, (unsigned long long)prev->time_ms);
    if (b->n_txs != h->n_txs)
        BLOCK_FAIL("Invalid block: header says %u txs, body has %zu", (unsigned)h->n_txs,
                   b->n_txs);
    if (h->n_txs > params->max_block_txs)
        BLOCK_FAIL("Invalid block: %u txs exceed the maximum %u", (unsigned)h->n_txs,
                   (unsigned)params->max_block_txs);
    if (memcmp(h->proposer, validator_pub, CPC_PUBKEY_LEN) != 0)
        BLOCK_FAIL("Invalid block: proposer is not the validator");
    if (cpc_block_verify_sig(h, &e) != 0)
        BLOCK_FAIL("Invalid block: %s", e.msg);

    uint64_t verify_used = 0;
    struct cpc_block_ctx ctx = {.params = params, .height = h->height, .time_ms = h->time_ms,
                                .validator_pub = validator_pub,
                                .lease_memo = memo = calloc(1, sizeof *memo),
                                .verify_used = &verify_used};
    memcpy(ctx.prev_hash, prev_hash, 32);
    if (cpc_pubkey_hash(ctx.proposer, h->proposer) != 0)
        BLOCK_FAIL("Invalid block: cannot hash the proposer key");

    if (b->n_txs) {
        results = calloc(b->n_txs, sizeof *results);
        if (!results)
            BLOCK_FAIL("Invalid block: out of memory");
    }
    if (cpc_overlay_init(&ov, state, NULL) != 0)
        BLOCK_FAIL("Invalid block: out of memory");
    if (cpc_market_begin_block(&ov, &ctx, &e) != 0)
        BLOCK_FAIL("Invalid block: %s", e.msg);
    uint64_t block_gas = 0;
    for (size_t i = 0; i < b->n_txs; i++) {
        uint64_t g = cpc_tx_gas(&b->txs[i]);
        if (!cpc_add_u64(&block_gas, block_gas, g) ||
            (params->max_block_gas && block_gas > params->max_block_gas))
            BLOCK_FAIL("Invalid block: its txs' gas exceeds the block gas limit %llu",
                       (unsigned long long)params->max_block_gas);
    }
    for (size_t i = 0; i < b->n_txs; i++) {
        const struct cpc_tx *tx = &b->txs[i];
        char hx[17];
        uint8_t txh[32];
        /* the tx hash is committed by tx_root: recompute it */
        if (cpc_tx_hash_of(tx, txh) != 0)
            BLOCK_FAIL("Invalid block: out of memory");
        short_hex(hx, txh);
        if (memcmp(txh, tx->hash, 32) != 0)
            BLOCK_FAIL("Invalid block: tx %zu (%s...) carries a wrong hash", i, hx);
        if (verify_sigs && cpc_tx_check(tx, params->chain_id, params->min_gas_price, &e) != 0)
            BLOCK_FAIL("Invalid block: tx %zu (%s...): %s", i, hx, e.msg);
        if (cpc_apply_tx(&ov, &ctx, tx, &results[i], &e) != 0)
            BLOCK_FAIL("Invalid block: tx %zu (%s...) cannot be included: %s", i, hx, e.msg);
        if (b->results && !results_equal(&results[i], &b->results[i]))
            BLOCK_FAIL("Invalid block: tx %zu (%s...) result differs from the recomputed one (%s%s)",
                       i, hx, results[i].code ? "failed: " : "success", results[i].error);
    }
    if (cpc_market_end_block(&ov, &ctx, &e) != 0 || cpc_rental_end_block(&ov, &ctx, &e) != 0)
        BLOCK_FAIL("Invalid block: %s", e.msg);
    if (cpc_block_tx_root(b->txs, b->n_txs, root) != 0)
        BLOCK_FAIL("Invalid block: out of memory");
    if (memcmp(root, h->tx_root, 32) != 0)
        BLOCK_FAIL("Invalid block: tx_root mismatch");
    if (cpc_block_compute_root(b->txs, b->n_txs, root) != 0)
        BLOCK_FAIL("Invalid block: out of memory");
    if (memcmp(root, h->compute_root, 32) != 0)
        BLOCK_FAIL("Invalid block: compute_root mismatch");
    if (cpc_overlay_root(&ov, root) != 0)
        BLOCK_FAIL("Invalid block: out of memory");
    if (memcmp(root, h->state_root, 32) != 0)
        BLOCK_FAIL("Invalid block: state_root mismatch");

    *delta_out = cpc_overlay_take_delta(&ov);
    if (!*delta_out)
        BLOCK_FAIL("Invalid block: out of memory");
    if (results_out) {
        *results_out = results;
        results = NULL;
    }
out:
    cpc_overlay_free(&ov);
    free(results);
    free(memo);
    return rc;
}

int cpc_block_build(const struct cpc_state *state, const struct cpc_block_header *prev,
                    const struct cpc_chain_params *params, uint64_t time_ms,
                    const struct cpc_tx *const *candidates, size_t n_candidates,
                    const struct cpc_signer *signer, const uint8_t validator_sk[CPC_SECKEY_LEN],
                    struct cpc_block *out, struct cpc_state **delta_out,
                    size_t **skipped, int **skipped_codes, size_t *n_skipped,
                    struct cpc_err *err)
{
    struct cpc_block_request req = {.state = state, .prev = prev, .params = params,
                                    .time_ms = time_ms, .candidates = candidates,
                                    .n_candidates = n_candidates, .signer = signer,
                                    .validator_sk = validator_sk};
    struct cpc_block_built r;
    int rc = cpc_block_assemble(&req, &r, err);
    *out = r.block;
    *delta_out = r.delta;
    if (n_skipped)
        *n_skipped = r.n_skipped;
    if (skipped)
        *skipped = r.skipped;
    else
        free(r.skipped);
    if (skipped_codes)
        *skipped_codes = r.skipped_codes;
    else
        free(r.skipped_codes);
    return rc;
}

void cpc_block_built_clear(struct cpc_block_built *r)
{
    cpc_block_clear(&r->block);
    cpc_state_free(r->delta);
    free(r->skipped);
    free(r->skipped_codes);
    memset(r, 0, sizeof *r);
}

/* One block under construction: the request, the block-level overlay and the
 * ctx its txs apply under (ctx points into this struct: it must not move). */
struct builder {
    const struct cpc_block_request *req;
    struct cpc_block_built *out;
    struct cpc_block_ctx ctx;
    struct cpc_overlay ov;
    uint64_t verify_used;
    size_t cap;    /* room in out->block.txs and .results */
    size_t sk_cap; /* room in out->skipped and .skipped_codes */
};

/* Header fields known before any tx (chain, height, time, parent, proposer)
 * and the ctx the txs apply under. */
static int build_start(struct builder *bl, struct cpc_err *err)
{
    const struct cpc_block_request *q = bl->req;
    struct cpc_block_header *h = &bl->out->block.header;
    int rc;

    snprintf(h->chain_id, sizeof h->chain_id, "%s", q->params->chain_id);
    h->height = q->prev->height + 1;
    /* block time never goes backwards: clamp to the previous block's time */
    h->time_ms = q->time_ms < q->prev->time_ms ? q->prev->time_ms : q->time_ms;
    if ((rc = cpc_block_header_hash(q->prev, h->prev_hash)) != 0)
        return cpc_err_set(err, rc, "out of memory");
    if ((rc = cpc_pubkey_from_seckey(q->signer, h->proposer, q->validator_sk)) != 0)
        return cpc_err_set(err, rc, "Invalid validator secret key");
    bl->ctx = (struct cpc_block_ctx){.params = q->params, .height = h->height,
                                     .time_ms = h->time_ms, .validator_pub = h->proposer,
                                     .lease_sigs = q->lease_sigs,
                                     .lease_memo = calloc(1, sizeof *bl->ctx.lease_memo),
                                     .verify_used = &bl->verify_used};
    memcpy(bl->ctx.prev_hash, h->prev_hash, 32);
    if ((rc = cpc_pubkey_hash(bl->ctx.proposer, h->proposer)) != 0)
        return cpc_err_set(err, rc, "Cannot hash the validator key");

    struct cpc_block *b = &bl->out->block;
    size_t max_txs = q->params->max_block_txs;
    bl->cap = q->n_candidates < max_txs ? q->n_candidates : max_txs;
    if (bl->cap) {
        b->txs = malloc(bl->cap * sizeof *b->txs);
        b->results = malloc(bl->cap * sizeof *b->results);
        if (!b->txs || !b->results)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    if ((rc = cpc_overlay_init(&bl->ov, q->state, NULL)) != 0)
        return cpc_err_set(err, rc, "out of memory");
    return 0;
}

/* Record candidate i as skipped with code. */
static int note_skipped(struct builder *bl, size_t i, int code, struct cpc_err *err)
{
    struct cpc_block_built *r = bl->out;
    if (r->n_skipped == bl->sk_cap) {
        size_t ncap = bl->sk_cap ? bl->sk_cap * 2 : 16;
        size_t *ni = realloc(r->skipped, ncap * sizeof *ni);
        if (ni)
            r->skipped = ni;
        int *nc = ni ? realloc(r->skipped_codes, ncap * sizeof *nc) : NULL;
        if (nc)
            r->skipped_codes = nc;
        if (!ni || !nc)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        bl->sk_cap = ncap;
    }
    r->skipped[r->n_skipped] = i;
    r->skipped_codes[r->n_skipped] = code;
    r->n_skipped++;
    return 0;
}

/* Run the candidates, in order, through cpc_apply_tx on the block's overlay:
 * include what applies, leave out what fits a later block, skip the rest. */
static int build_fill(struct builder *bl, struct cpc_err *err)
{
    const struct cpc_block_request *q = bl->req;
    const struct cpc_chain_params *params = q->params;
    struct cpc_block *b = &bl->out->block;
    struct cpc_err e = {0};
    uint64_t gas_max = params->max_block_gas ? params->max_block_gas : UINT64_MAX;
    uint64_t gas_left = gas_max;
    int rc;

    for (size_t i = 0; i < q->n_candidates && b->n_txs < bl->cap; i++) {
        const struct cpc_tx *tx = q->candidates[i];
        uint64_t g = cpc_tx_gas(tx);
        if (g <= gas_max && g > gas_left)
            continue; /* fits a later block: neither included nor skipped */
        if (params->max_block_verify && tx->type == CPC_TX_REVEAL) {
            uint64_t w = cpc_market_reveal_work(&bl->ov, &bl->ctx, tx);
            if (w <= params->max_block_verify && w > params->max_block_verify - bl->verify_used)
                continue; /* its verification fits a later block: left in the pool */
        }
        int trc = cpc_apply_tx(&bl->ov, &bl->ctx, tx, &b->results[b->n_txs], &e);
        if (trc == CPC_ERR_INTERNAL) {
            /* the block's own overlay is half written: nothing built on it is sound */
            return cpc_err_set(err, CPC_ERR_NOMEM, "%s", e.msg);
        }
        if (trc != 0) {
            if ((rc = note_skipped(bl, i, trc, err)) != 0)
                return rc;
            continue;
        }
        gas_left -= b->results[b->n_txs].gas_used;
        if (cpc_tx_copy(&b->txs[b->n_txs], tx) != 0)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        b->n_txs++;
    }
    return 0;
}

/* Commitments, signature and delta of the filled block. */
static int build_finish(struct builder *bl, struct cpc_err *err)
{
    const struct cpc_block_request *q = bl->req;
    struct cpc_block *b = &bl->out->block;
    struct cpc_block_header *h = &b->header;
    int rc;

    h->n_txs = (uint32_t)b->n_txs;
    if ((rc = cpc_block_tx_root(b->txs, b->n_txs, h->tx_root)) != 0 ||
        (rc = cpc_block_compute_root(b->txs, b->n_txs, h->compute_root)) != 0 ||
        (rc = cpc_overlay_root(&bl->ov, h->state_root)) != 0)
        return cpc_err_set(err, rc, "out of memory");
    if ((rc = cpc_block_sign(h, q->signer, q->validator_sk, err)) != 0)
        return rc;
    bl->out->delta = cpc_overlay_take_delta(&bl->ov);
    if (!bl->out->delta)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (b->n_txs == 0) {
        free(b->txs);
        free(b->results);
        b->txs = NULL;
        b->results = NULL;
    }
    return 0;
}

int cpc_block_assemble(const struct cpc_block_request *req, struct cpc_block_built *out,
                       struct cpc_err *err)
{
    memset(out, 0, sizeof *out);
    if (!req->prev || req->prev->height == UINT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "Cannot build a block without a previous header");

    struct builder bl = {.req = req, .out = out};
    uint64_t height = req->prev->height + 1;
    int rc = build_start(&bl, err);
    if (rc == 0 && (rc = cpc_market_begin_block(&bl.ov, &bl.ctx, err)) != 0)
        cpc_err_prefix(err, "Cannot build block %llu", (unsigned long long)height);
    if (rc == 0)
        rc = build_fill(&bl, err);
    if (rc == 0 && ((rc = cpc_market_end_block(&bl.ov, &bl.ctx, err)) != 0 ||
                    (rc = cpc_rental_end_block(&bl.ov, &bl.ctx, err)) != 0))
        cpc_err_prefix(err, "Cannot build block %llu", (unsigned long long)height);
    if (rc == 0)
        rc = build_finish(&bl, err);
    cpc_overlay_free(&bl.ov);
    free(bl.ctx.lease_memo);
    if (rc != 0)
        cpc_block_built_clear(out);
    return rc;
}

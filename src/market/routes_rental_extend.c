/* routes_rental_extend.c — POST /rentals/{id}/extend {"hours": 1..720}: the
 * customer's RENTAL_EXTEND, signed by its custodial key (routes_rentals.h).
 *
 * Design note. The amount is hours x 60 x the minute's cost at the record's
 * own commission (rate + floor(rate x commission_bps / 10000), the bps fixed
 * at opening), so the chain buys exactly those minutes. Who may call: the
 * rental's customer, with a session token or an API key with the account
 * scope; another user's rental answers 404 like a missing one. Only an open
 * rental (409 not_open / already_ended, or ending while its RENTAL_END is
 * pending: that would fail on the chain and cost a fee). 402
 * insufficient_funds when the committed balance cannot pay the amount and
 * the fee. Cost to the node: one chain record read, one custodial signature
 * and one admission under the custody lock, the per-token request limit;
 * the customer pays the tx fee. The answer is 202 with the tx hash and what
 * the rental will look like once a block takes it (escrow_after,
 * funded_until_ms), and the rental's current view under "rental".
 */
#include "routes_rentals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/amount.h"
#include "../core/hex.h"
#include "../core/state.h"
#include "../node/mempool.h"
#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/custody.h"
#include "../platform/platform.h"
#include "../platform/routes_wallet.h"
#include "rental_bodies.h"
#include "routes_rentals_internal.h"

/* hours x 60 x cost, or 0 when above INT64_MAX. */
static uint64_t amount_for(uint32_t hours, uint64_t cost)
{
    uint64_t a;
    if (__builtin_mul_overflow((uint64_t)hours * 60u, cost, &a) || a > (uint64_t)INT64_MAX)
        return 0;
    return a;
}

/* 402 unless the committed balance of w pays amount and the fee of tx. 0 or -1 answered. */
static int affordable(struct cpc_node *n, struct cpc_http_res *res, const struct cpc_pwallet *w,
                      struct cpc_tx *tx, uint64_t amount)
{
    uint8_t from[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
    uint64_t fee = 0, need;
    tx->gas_price = n->params.min_gas_price;
    if (cpc_address_decode(from, w->custodial_address) != 0 || cpc_tx_fee(tx, &fee) != 0 ||
        __builtin_add_overflow(fee, amount, &need)) {
        cpc_http_res_error(res, 500, "internal_error", "bad custodial address or fee");
        return -1;
    }
    cpc_node_account(n, from, &acc);
    if (acc.balance >= need)
        return 0;
    char need_s[CPC_AMOUNT_STR_MAX], have_s[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(need_s, need);
    cpc_amount_format(have_s, acc.balance);
    cpc_http_res_error(res, 402, "insufficient_funds",
                       "the extension and the fee cost %s CPC; your balance is %s CPC", need_s,
                       have_s);
    return -1;
}

/* The 202 answer: the tx, the amount and the rental once extended, and its view now. */
static void answer(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                   const struct cpc_prental *r, const struct cpc_rental *rec, uint64_t escrow,
                   uint64_t amount, uint32_t hours, const char *hash)
{
    struct cpc_err err = {0};
    json_t *view = cpc__rental_json(req->app, p, r, &err);
    if (!view) {
        cpc__auth_internal(res, &err);
        return;
    }
    uint64_t cost = cpc_rental_minute_cost(rec->rate_per_minute, rec->commission_bps);
    uint64_t after = escrow + amount; /* both <= INT64_MAX */
    const struct cpc_node *n = req->app;
    uint64_t until = rec->settled_ms + after / cost * cpc_rental_minute_ms(&n->params);
    cpc_http_res_json(
        res, 202,
        json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:o}", "id", r->id, "tx_hash", hash,
                  "status", "extending", "hours", (int)hours, "amount", (json_int_t)amount,
                  "minutes_added", (json_int_t)(amount / cost), "escrow_after",
                  (json_int_t)after, "funded_until_ms",
                  (json_int_t)until, "rental",
                  view));
}

/* Under the custody lock: the row re-read, the chain record, the checks, the tx. */
static void extend_locked(struct cpc_http_req *req, struct cpc_http_res *res,
                          struct cpc_platform *p, int64_t user, struct cpc_prental *r,
                          uint32_t hours)
{
    struct cpc_node *n = req->app;
    struct cpc_err err = {0};
    struct cpc_pwallet w;
    struct cpc_rental rec;
    uint64_t escrow = 0, amount = 0;
    int found = -1;
    if (cpc_pstore_rental_get(p->store, r->id, r, &err) != 0 ||
        (found = cpc__rental_chain_record(n, r->id, &rec, &escrow, &err)) < 0 ||
        (found && cpc__wallet_ensure(p, user, &w, &err) != 0))
        return cpc__auth_internal(res, &err);
    if (!found)
        return cpc_http_res_error(res, 409, "not_open",
                                  "the rental is not open yet (no block took it)");
    if (rec.status == CPC_RENTAL_ENDED)
        return cpc_http_res_error(res, 409, "already_ended", "the rental has ended");
    if (r->end_tx[0] && cpc__rental_tx_pending(n, r->end_tx))
        return cpc_http_res_error(res, 409, "ending", "a RENTAL_END of this rental is pending");
    if (w.linked_address[0])
        return cpc_http_res_error(res, 409, "wallet_linked",
                                  "your wallet is linked: send the RENTAL_EXTEND yourself "
                                  "(POST /tx)");
    amount = amount_for(hours, cpc_rental_minute_cost(rec.rate_per_minute, rec.commission_bps));
    if (!amount)
        return cpc_http_res_error(res, 400, "too_large", "that many hours is too much CPC");
    struct cpc_tx tx;
    char hash[65];
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_RENTAL_EXTEND;
    memcpy(tx.u.rental_extend.rental_id, rec.id, 32);
    tx.u.rental_extend.amount = amount;
    if (affordable(n, res, &w, &tx, amount) == 0 &&
        cpc_custody_sign_admit(n, res, &w, &tx, hash) == 0) {
        char d[128];
        snprintf(d, sizeof d, "id=%s hours=%u tx=%s", r->id, hours, hash);
        cpc__auth_audit(p, user, "rental_extended", d);
        answer(req, res, p, r, &rec, escrow, amount, hours, hash);
    }
    cpc_tx_clear(&tx);
}

void cpc_h_rental_extend(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_prental *r = malloc(sizeof *r);
    struct cpc_err err = {0};
    if (!r) {
        cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        return cpc__auth_internal(res, &err);
    }
    struct cpc_platform *p = cpc__rental_own(req, res, CPC_SCOPE_ACCOUNT, &u, r);
    json_t *j = p ? cpc__auth_body(req, res) : NULL;
    struct cpc_rental_body_err e;
    uint32_t hours = 0;
    if (j && cpc_rental_extend_body_parse(j, &hours, &e) != 0)
        cpc_http_res_error(res, 400, e.code, "%s", e.msg);
    else if (j) {
        int locked = cpc_custody_lock(req->app);
        extend_locked(req, res, p, u.id, r, hours);
        if (locked)
            cpc_custody_unlock(req->app);
    }
    json_decref(j);
    free(r);
}

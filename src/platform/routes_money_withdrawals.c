/* routes_money_withdrawals.c — POST/GET /provider/withdrawals and
 * POST /admin/withdrawals/{id}/approve, /reject (routes_money.h).
 *
 * Design note. A provider asks to be paid out: the request locks the amount
 * (a pending row; GET /account/balance shows it as locked and no longer
 * available) and moves nothing on the ledger. The insert carries its own
 * guard (pending sum + amount <= the committed balance, fewer than
 * CPC_WITHDRAWALS_PENDING_MAX pending), run under the custody lock, so
 * concurrent requests cannot lock more than the balance (402
 * insufficient_funds) or flood the table (409 too_many_pending). An admin
 * then decides once: approve claims the row (conditional UPDATE pending ->
 * approved), signs a custodial TRANSFER of the amount from the user's wallet
 * to the payout account ([platform] payout_address, default the genesis
 * treasury) and records its hash; when the mempool refuses the transfer
 * (say the fee is not covered) the claim is undone and the row stays
 * pending, with the refusal answered as POST /tx answers it. Only then is
 * the payout provider called (payout.h; `manual` writes
 * HOME/payouts/<id>.json), whose failure is logged and audited but leaves
 * the approval standing. Reject unlocks (pending -> rejected, with a
 * reason). Every decision runs under the custody lock, so approve and
 * reject of one row cannot both win; a second decision answers 409
 * already_decided. Each step leaves an audit row for the user naming the
 * admin. A linked (self-custody) wallet cannot withdraw through the node:
 * the node holds no key for it.
 */
#include "routes_money.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../core/amount.h"
#include "../core/bech32.h"
#include "../core/tx.h"
#include "../core/uuid.h"
#include "../node/node.h"
#include "../store/platform_store.h"
#include "auth_http.h"
#include "custody.h"
#include "payout.h"
#include "platform.h"
#include "webhooks.h"
#include "routes_wallet.h"
#include "withdrawal_body.h"

#define LIST_MAX 100u

json_t *cpc__withdrawal_json(const struct cpc_pwithdrawal *w)
{
    char amt[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(amt, w->amount);
    json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:I}", "id", w->id, "user_id",
                          (json_int_t)w->user, "amount", (json_int_t)w->amount, "amount_cpc", amt,
                          "method", w->method, "destination", w->destination, "status",
                          w->status, "created_ms", (json_int_t)w->created_ms);
    if (!j)
        return NULL;
    json_object_set_new(j, "tx_hash", w->tx_hash[0] ? json_string(w->tx_hash) : json_null());
    json_object_set_new(j, "reason", w->reason[0] ? json_string(w->reason) : json_null());
    json_object_set_new(j, "decided_ms",
                        w->decided_ms ? json_integer((json_int_t)w->decided_ms) : json_null());
    json_object_set_new(j, "decided_by",
                        w->decided_by ? json_integer((json_int_t)w->decided_by) : json_null());
    return j;
}

/* The caller as a provider: 0, or -1 answered. */
static int provider(struct cpc_http_req *req, struct cpc_http_res *res, uint32_t scope,
                    struct cpc_puser *u)
{
    return cpc__auth_provider(req, res, cpc__auth_plat(req), u, scope);
}

/* Under the custody lock: insert w against the committed balance, or answer why not. */
static int request_locked(struct cpc_node *n, struct cpc_http_res *res, struct cpc_pwithdrawal *w)
{
    struct cpc_platform *p = n->platform;
    struct cpc_pwallet wal;
    struct cpc_err err = {0};
    const char *addr = NULL;
    uint64_t balance = 0, locked = 0;
    uint32_t count = 0;
    int added = 0;
    if (cpc__money_account(n, res, w->user, &wal, &addr, &balance) != 0)
        return -1;
    if (wal.linked_address[0]) {
        cpc_http_res_error(res, 400, "linked_wallet",
                           "your wallet is linked to %s, whose key this node does not hold",
                           wal.linked_address);
        return -1;
    }
    if (cpc_pstore_withdrawal_add(p->store, w, balance, CPC_WITHDRAWALS_PENDING_MAX, &added,
                                  &err) != 0 ||
        (!added && cpc_pstore_withdrawal_locked(p->store, w->user, &locked, &count, &err) != 0)) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    if (added)
        return 0;
    if (count >= CPC_WITHDRAWALS_PENDING_MAX) {
        cpc_http_res_error(res, 409, "too_many_pending",
                           "%u withdrawals are pending already; wait for a decision",
                           CPC_WITHDRAWALS_PENDING_MAX);
        return -1;
    }
    char have[CPC_AMOUNT_STR_MAX], want[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(have, balance > locked ? balance - locked : 0);
    cpc_amount_format(want, w->amount);
    cpc_http_res_error(res, 402, "insufficient_funds",
                       "asked %s CPC, available %s CPC (balance less pending withdrawals)", want,
                       have);
    return -1;
}

void cpc_h_provider_withdrawals_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (provider(req, res, CPC_SCOPE_ACCOUNT, &u) == 0)
        cpc__h_provider_withdrawals_post_as(req, res, &u);
}

void cpc__h_provider_withdrawals_post_as(struct cpc_http_req *req, struct cpc_http_res *res,
                                         const struct cpc_puser *user)
{
    struct cpc_node *n = req->app;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u = *user;
    struct cpc_withdrawal_req r;
    struct cpc_err err = {0};
    int status = 0;
    const char *code = NULL;
    if (cpc_withdrawal_parse(req->body, req->body_len, &r, &status, &code, &err) != 0)
        return cpc_http_res_error(res, status, code, "%s", err.msg);
    struct cpc_pwithdrawal w;
    memset(&w, 0, sizeof w);
    uint8_t id[16];
    randombytes_buf(id, sizeof id);
    id[6] = (uint8_t)((id[6] & 0x0f) | 0x40); /* version 4 */
    id[8] = (uint8_t)((id[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    cpc_uuid_format(w.id, id);
    w.user = u.id;
    w.amount = r.amount;
    snprintf(w.method, sizeof w.method, "%s", r.method);
    snprintf(w.destination, sizeof w.destination, "%s", r.destination);
    snprintf(w.status, sizeof w.status, "pending");
    w.created_ms = cpc_platform_now(p);
    int locked = cpc_custody_lock(n);
    int rc = request_locked(n, res, &w);
    if (locked)
        cpc_custody_unlock(n);
    if (rc != 0)
        return;
    char amt[CPC_AMOUNT_STR_MAX], d[256];
    cpc_amount_format(amt, w.amount);
    snprintf(d, sizeof d, "%s %s CPC via %s", w.id, amt, w.method);
    cpc__auth_audit(p, u.id, "withdrawal_requested", d);
    cpc_http_res_json(res, 201, cpc__withdrawal_json(&w));
}

void cpc_h_provider_withdrawals_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    uint32_t limit = 0, offset = 0;
    if (provider(req, res, CPC_SCOPE_READ, &u) != 0 ||
        cpc__auth_paging(req, res, 50, LIST_MAX, &limit, &offset) != 0)
        return;
    struct cpc_pwithdrawal *rows = calloc(limit, sizeof *rows);
    struct cpc_err err = {0};
    size_t cnt = 0;
    if (!rows)
        return cpc_http_res_error(res, 500, "internal_error", "out of memory");
    if (cpc_pstore_withdrawal_list(p->store, u.id, offset, rows, limit, &cnt, &err) != 0) {
        free(rows);
        return cpc__auth_internal(res, &err);
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < cnt; i++)
        json_array_append_new(arr, cpc__withdrawal_json(&rows[i]));
    free(rows);
    cpc_http_res_json(res, 200,
                      json_pack("{s:o, s:i, s:i}", "withdrawals", arr, "limit", (int)limit,
                                "offset", (int)offset));
}

/* ---- decisions ---- */

/* The admin and the pending-or-not row {id} into *w; -1 once answered. */
static int decision_target(struct cpc_http_req *req, struct cpc_http_res *res,
                           struct cpc_puser *admin, const char **id)
{
    uint8_t u[16];
    if (cpc__auth_admin(req, res, cpc__auth_plat(req), admin) != 0)
        return -1;
    *id = req->n_params ? req->params[0] : "";
    if (strlen(*id) != CPC_UUID_STR_LEN || cpc_uuid_parse(u, *id) != 0) {
        cpc_http_res_error(res, 404, "not_found", "no such withdrawal");
        return -1;
    }
    return 0;
}

/* Read the row id; when it is not pending answer 409 (or 404) and return -1. */
static int load_pending(struct cpc_platform *p, struct cpc_http_res *res, const char *id,
                        struct cpc_pwithdrawal *w)
{
    struct cpc_err err = {0};
    int rc = cpc_pstore_withdrawal_get(p->store, id, w, &err);
    if (rc == CPC_ERR_NOT_FOUND)
        cpc_http_res_error(res, 404, "not_found", "no such withdrawal");
    else if (rc != 0)
        cpc__auth_internal(res, &err);
    else if (strcmp(w->status, "pending") != 0)
        cpc_http_res_error(res, 409, "already_decided", "withdrawal %s is %s already", id,
                           w->status);
    else
        return 0;
    return -1;
}

/* The payout account's address hash. */
static int payout_to(struct cpc_node *n, uint8_t to[CPC_ADDR_HASH_LEN])
{
    if (n->platform->payout_address[0])
        return cpc_address_decode(to, n->platform->payout_address);
    memcpy(to, n->params.treasury, CPC_ADDR_HASH_LEN);
    return 0;
}

/* Under the custody lock: claim the row, sign the transfer, record it. 0 or -1 answered. */
static int approve_locked(struct cpc_node *n, struct cpc_http_res *res, const char *id,
                          int64_t admin, struct cpc_pwithdrawal *w)
{
    struct cpc_platform *p = n->platform;
    struct cpc_pwallet wal;
    struct cpc_err err = {0};
    struct cpc_tx tx;
    char hash[65];
    int changed = 0, rc = -1;
    if (load_pending(p, res, id, w) != 0)
        return -1;
    memset(&wal, 0, sizeof wal);
    memset(&tx, 0, sizeof tx);
    if (cpc__wallet_ensure(p, w->user, &wal, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (wal.linked_address[0]) {
        cpc_http_res_error(res, 409, "linked_wallet",
                           "the user's wallet is linked to %s, whose key this node does not "
                           "hold: reject the withdrawal",
                           wal.linked_address);
        goto out;
    }
    tx.type = CPC_TX_TRANSFER;
    tx.u.transfer.amount = w->amount;
    if (payout_to(n, tx.u.transfer.to) != 0 ||
        cpc_pstore_withdrawal_decide(p->store, id, "approved", "", admin, cpc_platform_now(p),
                                     &changed, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (!changed) {
        cpc_http_res_error(res, 409, "already_decided", "withdrawal %s is decided already", id);
        goto out;
    }
    if (cpc_custody_sign_admit_payout(n, res, &wal, &tx, hash) != 0) {
        if (cpc_pstore_withdrawal_undo(p->store, id, &err) != 0)
            CPC_LOGE("money: undoing the approval of %s: %s", id, err.msg);
        goto out;
    }
    if (cpc_pstore_withdrawal_set_tx(p->store, id, hash, &err) != 0 ||
        cpc_pstore_withdrawal_get(p->store, id, w, &err) != 0) {
        CPC_LOGE("money: withdrawal %s sent as %s but not recorded: %s", id, hash, err.msg);
        cpc__auth_internal(res, &err);
        goto out;
    }
    rc = 0;
out:
    cpc_tx_clear(&tx);
    sodium_memzero(&wal, sizeof wal);
    return rc;
}

void cpc_h_admin_withdrawal_approve(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = req->app;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin;
    struct cpc_pwithdrawal w;
    struct cpc_err err = {0};
    const char *id = NULL;
    if (decision_target(req, res, &admin, &id) != 0)
        return;
    int locked = cpc_custody_lock(n);
    int rc = approve_locked(n, res, id, admin.id, &w);
    if (locked)
        cpc_custody_unlock(n);
    if (rc != 0)
        return;
    char amt[CPC_AMOUNT_STR_MAX], d[256];
    cpc_amount_format(amt, w.amount);
    snprintf(d, sizeof d, "%s %s CPC by admin %lld tx %s", w.id, amt, (long long)admin.id,
             w.tx_hash);
    cpc__auth_audit(p, w.user, "withdrawal_approved", d);
    json_t *j = cpc__withdrawal_json(&w);
    if (p->payout->submit(p->home, &w, &err) != 0) {
        CPC_LOGE("money: payout of withdrawal %s (%s): %s", w.id, p->payout->name, err.msg);
        snprintf(d, sizeof d, "%s via %s", w.id, p->payout->name);
        cpc__auth_audit(p, w.user, "payout_failed", d);
        json_object_set_new(j, "payout", json_pack("{s:s, s:s}", "provider", p->payout->name,
                                                   "status", "failed"));
    } else {
        json_object_set_new(j, "payout", json_pack("{s:s, s:s}", "provider", p->payout->name,
                                                   "status", "submitted"));
        if (cpc_webhook_emit(p, w.user, "payout.sent",
                             json_pack("{s:s, s:I, s:s, s:s}", "withdrawal_id", w.id, "amount",
                                       (json_int_t)w.amount, "method", w.method, "tx_hash",
                                       w.tx_hash),
                             &err) != 0)
            CPC_LOGE("money: webhook of withdrawal %s: %s", w.id, err.msg);
    }
    cpc_http_res_json(res, 200, j);
}

void cpc_h_admin_withdrawal_reject(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = req->app;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin;
    struct cpc_pwithdrawal w;
    struct cpc_err err = {0};
    const char *id = NULL, *reason = NULL;
    size_t reason_len = 0;
    json_error_t je;
    if (decision_target(req, res, &admin, &id) != 0)
        return;
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%}", "reason", &reason, &reason_len) != 0) {
        cpc__auth_bad_fields(res, &je, "{\"reason\": string of 1-500 bytes}");
        goto out;
    }
    if (reason_len < 1 || reason_len > CPC_PWITHDRAWAL_REASON_MAX || strlen(reason) != reason_len) {
        cpc_http_res_error(res, 400, "invalid_argument", "reason must be 1-%d bytes",
                           CPC_PWITHDRAWAL_REASON_MAX);
        goto out;
    }
    int locked = cpc_custody_lock(n), changed = 0, rc = 0;
    int answered = load_pending(p, res, id, &w) != 0;
    if (!answered &&
        (rc = cpc_pstore_withdrawal_decide(p->store, id, "rejected", reason, admin.id,
                                           cpc_platform_now(p), &changed, &err)) == 0 &&
        changed)
        rc = cpc_pstore_withdrawal_get(p->store, id, &w, &err);
    if (locked)
        cpc_custody_unlock(n);
    if (answered)
        goto out;
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (!changed) {
        cpc_http_res_error(res, 409, "already_decided", "withdrawal %s is decided already", id);
        goto out;
    }
    char d[160];
    snprintf(d, sizeof d, "%s by admin %lld", w.id, (long long)admin.id);
    cpc__auth_audit(p, w.user, "withdrawal_rejected", d);
    cpc_http_res_json(res, 200, cpc__withdrawal_json(&w));
out:
    json_decref(j);
}

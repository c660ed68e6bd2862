/* routes_marketplace_auth.c — who calls the Marketplace, and custodial
 * signing (routes_marketplace_internal.h).
 *
 * Design note. The Marketplace accepts two kinds of caller. A signed request
 * (the worker protocol's X-CPC-* headers) names a ledger address directly.
 * A platform user (access token, or an API key with the `jobs` scope) is
 * known by the ledger address of their wallet (routes_wallet.c): the
 * custodial key made for them, or the address they linked. Draft ownership
 * compares those addresses, so a user and their own key are the same owner.
 *
 * The chain only takes signed txs, and the node never holds a customer's
 * key except the custodial one. So a user whose wallet is custodial may
 * confirm, cancel or extend without sending a tx: the node builds it from
 * the draft, signs it with that key and admits it like POST /tx (custody.c:
 * the key is opened for one signature and wiped; every such tx leaves an
 * audit row). The custody lock is held from reading the draft to recording
 * the outcome, so concurrent requests take consecutive nonces and a
 * double-click confirms (or cancels) a draft once: the second request reads
 * the new status. A user with a linked wallet signs with their own key and
 * sends {"tx": ...} as before (the node cannot, and says so).
 */
#include <string.h>

#include "../common/req_sign.h"
#include "../core/hex.h"
#include "../store/store_market.h"
#include "../platform/auth_http.h"
#include "../platform/custody.h"
#include "../node/node.h"
#include "../platform/platform.h"
#include "../node/routes_chain.h"
#include "routes_marketplace_internal.h"
#include "../platform/routes_wallet.h"
#include "worker_auth.h"
#include "../common/clock.h"

/* The X-CPC-* signed request: c->addr = its signer. 0 or -1 with the answer set. */
static int signed_caller(struct cpc_http_req *req, struct cpc_http_res *res, const char *pk,
                         const char *ts, const char *sg, struct cpc__mp_caller *c)
{
    struct cpc_node *n = req->app;
    uint8_t addr[CPC_ADDR_HASH_LEN];
    struct cpc_err err = {0};
    int rc = cpc_worker_auth_check(n->worker_auth, req->method, req->path, req->body,
                                   req->body_len, pk, ts, sg, cpc_clock_wall_ms(), NULL, addr, &err);
    if (rc == CPC_ERR_TOO_LARGE) {
        cpc_http_res_error(res, 503, "unavailable", "%s", err.msg);
        return -1;
    }
    if (rc != 0) {
        cpc_http_res_error(res, 401, "unauthorized", "signed request: %s", err.msg);
        return -1;
    }
    cpc_address_encode(c->addr, addr);
    return 0;
}

int cpc__mp_caller(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc__mp_caller *c)
{
    memset(c, 0, sizeof *c);
    const char *pk = cpc_http_req_header(req, CPC_REQ_HDR_PUBKEY);
    const char *ts = cpc_http_req_header(req, CPC_REQ_HDR_TIMESTAMP);
    const char *sg = cpc_http_req_header(req, CPC_REQ_HDR_SIGNATURE);
    int is_signed = pk || ts || sg;
    int has_token = cpc_http_req_header(req, "Authorization") || cpc_http_req_header(req, "X-API-Key");
    if (is_signed && has_token) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "authenticate with either a signed request or a session token / API "
                           "key, not both");
        return -1;
    }
    if (is_signed)
        return signed_caller(req, res, pk, ts, sg, c);
    if (!has_token)
        return 0;
    struct cpc_platform *p = cpc__auth_plat(req);
    if (!p) {
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
        return -1;
    }
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_JOBS) != 0)
        return -1;
    struct cpc_err err = {0};
    if (cpc__wallet_ensure(p, u.id, &c->wallet, &err) != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    c->user = u.id;
    c->custodial = c->wallet.linked_address[0] == '\0';
    snprintf(c->addr, sizeof c->addr, "%s",
             c->custodial ? c->wallet.custodial_address : c->wallet.linked_address);
    return 0;
}

bool cpc__mp_custody_intent(const struct cpc__mp_caller *c, const json_t *body)
{
    return c->user && c->custodial && !(body && json_object_get(body, "tx"));
}

int cpc__mp_custodial_admit(struct cpc_node *n, struct cpc_http_res *res,
                            const struct cpc__mp_caller *c, struct cpc_tx *tx, char hash[65])
{
    if (!c->user || !c->custodial) {
        cpc_http_res_error(res, 500, "internal_error", "no custodial key for this caller");
        return -1;
    }
    return cpc_custody_sign_admit(n, res, &c->wallet, tx, hash);
}

int cpc__mp_wants_custody(struct cpc_http_res *res, const json_t *body,
                         const struct cpc__mp_caller *c, const char *what)
{
    if (body && json_object_get(body, "tx"))
        return 0;
    if (!c->user) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "body must be {\"tx\": a signed %s transaction (wire JSON)}, or "
                           "authenticate with a session token or API key to have the node sign "
                           "with your custodial wallet",
                           what);
        return -1;
    }
    if (!c->custodial) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "your wallet is linked to %s, whose key this node does not hold: sign "
                           "the %s with it and send {\"tx\": ...}",
                           c->addr, what);
        return -1;
    }
    return 1;
}

int cpc__mp_custodial_job_tx(struct cpc_node *n, struct cpc_http_res *res, const struct cpc_draft *d,
                            json_t *body, const struct cpc__mp_caller *c, enum cpc_tx_type want,
                            struct cpc_tx *tx, int *have_tx, char hash[65])
{
    uint8_t job[32];
    json_int_t add_blocks = 0, add_tasks = 0;
    json_error_t je;
    if (cpc__mp_owner_check(res, d, c->addr, c->addr) != 0)
        return -1;
    if (want == CPC_TX_JOB_CANCEL ? body && json_object_size(body) != 0
                                  : !body || json_unpack_ex(body, &je, JSON_STRICT, "{s?I, s?I}",
                                                            "add_blocks", &add_blocks,
                                                            "add_tasks", &add_tasks) != 0) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           want == CPC_TX_JOB_CANCEL
                               ? "body must be empty (the node signs) or {\"tx\": ...}"
                               : "body must be {\"add_blocks\":N,\"add_tasks\":N} (the node "
                                 "signs) or {\"tx\": ...}");
        return -1;
    }
    if (add_blocks < 0 || add_tasks < 0 || add_tasks > UINT32_MAX) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "add_blocks and add_tasks must not be negative");
        return -1;
    }
    if (cpc_hex_decode_exact(job, 32, d->job_id) != 0) {
        cpc_http_res_error(res, 500, "internal_error", "draft %s has no job id", d->id);
        return -1;
    }
    memset(tx, 0, sizeof *tx);
    tx->type = want;
    if (want == CPC_TX_JOB_CANCEL) {
        memcpy(tx->u.job_cancel.job_id, job, 32);
    } else {
        memcpy(tx->u.job_extend.job_id, job, 32);
        tx->u.job_extend.add_blocks = (uint64_t)add_blocks;
        tx->u.job_extend.add_tasks = (uint32_t)add_tasks;
    }
    *have_tx = 1;
    return cpc__mp_custodial_admit(n, res, c, tx, hash);
}

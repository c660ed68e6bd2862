/* routes_rental_ops.c — a running rental's reboot and logs (routes_rental_ops.h).
 *
 * Design note. Who may call: the customer owning the rental (a session token
 * or an API key: account scope to reboot, read for the logs; another user's
 * rental answers 404 like a missing one), and for the upload the worker bound
 * to the rental's server (a signed request, common/req_sign.h; a rental of
 * another server answers 404, so a worker learns nothing of others'
 * rentals). A reboot only adds one to the rental's reboot_seq: the worker
 * sees it in its next heartbeat answer and reboots once (docs/worker.md), so
 * a double click costs one row update and at most one extra reboot. Only an
 * open rental reboots (409 not_open before its RENTAL_OPEN is in a block or
 * after its end). Cost to the node: one row per rental (rental_orders), the
 * log tail overwritten in place, at most CPC_PORDER_LOG_MAX bytes.
 */
#include "routes_rental_ops.h"

#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/req_sign.h"
#include "../core/bech32.h"
#include "../core/hex.h"
#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "rental_orders.h"
#include "routes_rentals_internal.h"
#include "worker_auth.h"

void cpc_h_rental_reboot(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_prental *r = malloc(sizeof *r);
    struct cpc_puser u;
    struct cpc_err err = {0};
    struct cpc_platform *p = r ? cpc__rental_own(req, res, CPC_SCOPE_ACCOUNT, &u, r) : NULL;
    struct cpc_rental rec;
    uint64_t seq = 0;
    int found = p ? cpc__rental_chain_record(req->app, r->id, &rec, NULL, &err) : 0;
    if (!r) {
        cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        cpc__auth_internal(res, &err);
    } else if (!p) {
        /* answered */
    } else if (found < 0) {
        cpc__auth_internal(res, &err);
    } else if (!found || rec.status != CPC_RENTAL_OPEN || r->ended_ms) {
        cpc_http_res_error(res, 409, "not_open", "only an open rental can be rebooted");
    } else if (cpc_pstore_orders_reboot(p->store, r->id, &seq, &err) != 0) {
        cpc__auth_internal(res, &err);
    } else {
        cpc_http_res_json(res, 202, json_pack("{s:s, s:I, s:s}", "id", r->id, "reboot_seq",
                                              (json_int_t)seq, "status", "rebooting"));
    }
    free(r);
}

void cpc_h_rental_logs(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_prental *r = malloc(sizeof *r);
    struct cpc_puser u;
    struct cpc_err err = {0};
    struct cpc_platform *p = r ? cpc__rental_own(req, res, CPC_SCOPE_READ, &u, r) : NULL;
    struct cpc_porder_state o;
    char *tail = NULL;
    int rc = p ? cpc_pstore_orders_get(p->store, r->id, &o, &tail, &err) : 0;
    if (!r) {
        cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        cpc__auth_internal(res, &err);
    } else if (p && rc != 0 && rc != CPC_ERR_NOT_FOUND) {
        cpc__auth_internal(res, &err);
    } else if (p) {
        int has = rc == 0 && o.has_log;
        cpc_http_res_json(res, 200,
                          json_pack("{s:s, s:s?, s:o}", "id", r->id, "tail", has ? tail : NULL,
                                    "updated_ms",
                                    has ? json_integer((json_int_t)o.log_ms) : json_null()));
    }
    free(tail);
    free(r);
}

int cpc_rental_log_body_parse(const void *body, size_t len, char **tail, bool *bad_json,
                              struct cpc_err *err)
{
    *tail = NULL;
    *bad_json = false;
    json_error_t je;
    json_t *j = len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!j || !json_is_object(j)) {
        json_decref(j);
        *bad_json = true;
        return cpc_err_set(err, CPC_ERR_INVALID, "body must be a JSON object");
    }
    const char *t = NULL;
    size_t tlen = 0;
    int rc = 0;
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%}", "tail", &t, &tlen) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "logs: %s", je.text);
    else if (tlen > CPC_PORDER_LOG_MAX)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "logs: tail is at most %d bytes",
                         CPC_PORDER_LOG_MAX);
    else if (!(*tail = strdup(t)))
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    json_decref(j);
    return rc;
}

/* POST /worker/rentals/{id}/logs {"tail"} (signed by the worker bound to its server). */
void cpc_h_worker_rental_logs(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = req->app;
    uint8_t addr[CPC_ADDR_HASH_LEN];
    struct cpc_err err = {0};
    int rc = cpc_worker_auth_check(n->worker_auth, req->method, req->path, req->body,
                                   req->body_len, cpc_http_req_header(req, CPC_REQ_HDR_PUBKEY),
                                   cpc_http_req_header(req, CPC_REQ_HDR_TIMESTAMP),
                                   cpc_http_req_header(req, CPC_REQ_HDR_SIGNATURE),
                                   cpc_clock_wall_ms(), NULL, addr, &err);
    if (rc == CPC_ERR_TOO_LARGE)
        return cpc_http_res_error(res, 503, "unavailable", "%s", err.msg);
    if (rc != 0)
        return cpc_http_res_error(res, 401, "unauthorized", "%s", err.msg);
    if (!n->platform)
        return cpc_http_res_error(res, 503, "unavailable", "this node has no platform");
    const char *id = req->n_params ? req->params[0] : "";
    char *tail = NULL;
    bool bad_json = false;
    if (cpc_rental_log_body_parse(req->body, req->body_len, &tail, &bad_json, &err) != 0) {
        if (err.code == CPC_ERR_NOMEM)
            return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
        return cpc_http_res_error(res, 400, bad_json ? "invalid_json" : "invalid_argument", "%s",
                                  err.msg);
    }
    char waddr[CPC_ADDR_STR_MAX];
    cpc_address_encode(waddr, addr);
    int applied = 0;
    uint8_t raw[32];
    if (strlen(id) == 64 && cpc_hex_decode_exact(raw, 32, id) == 0)
        rc = cpc_pstore_orders_logs(n->platform->store, waddr, id, tail,
                                    cpc_platform_now(n->platform), &applied, &err);
    free(tail);
    if (rc != 0)
        return cpc__auth_internal(res, &err);
    if (!applied)
        return cpc_http_res_error(res, 404, "not_found",
                                  "no such rental on the server bound to this worker");
    cpc_http_res_json(res, 200, json_pack("{s:s, s:b}", "id", id, "ok", 1));
}

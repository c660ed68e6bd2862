/* routes_webhooks.c — the webhook routes (routes_webhooks.h, docs/webhooks.md).
 *
 * Design note. Every route acts on the caller's own webhooks: an access
 * token, or an API key with the account scope. Another user's webhook
 * answers 404 like a missing one. Creation checks the body (webhook_body.h),
 * then the target (webhook_send.h: https, or http to an allowed host;
 * every resolved address public unless allowed): a refused URL is 400
 * invalid_url with the reason. At most CPC_WEBHOOKS_PER_USER webhooks (409).
 * The secret is made here, answered once ("secret") and wiped; the store
 * holds it sealed and no answer or log line carries it again.
 */
#include "routes_webhooks.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "auth_apikey.h"
#include "auth_http.h"
#include "platform.h"
#include "webhook_body.h"
#include "webhook_send.h"
#include "webhooks.h"

#define DELIVERIES_PAGE_MAX 100u
#define ATTEMPTS_SHOWN 10u

static json_t *events_json(uint32_t mask)
{
    json_t *a = json_array();
    for (int i = 0; cpc_webhook_event_names[i]; i++)
        if (mask & (1u << i))
            json_array_append_new(a, json_string(cpc_webhook_event_names[i]));
    return a;
}

static json_t *hook_json(const struct cpc_pwebhook *h)
{
    char when[32];
    cpc__auth_iso_time(when, h->created_ms);
    return json_pack("{s:I, s:s, s:o, s:s}", "id", (json_int_t)h->id, "url", h->url, "events",
                     events_json(h->events), "created_at", when);
}

/* The positive integer path parameter i, or 400 and -1. */
static int int_param(struct cpc_http_req *req, struct cpc_http_res *res, size_t i, int64_t *out)
{
    const char *v = req->n_params > i ? req->params[i] : NULL;
    char *end = NULL;
    errno = 0;
    long long id = v ? strtoll(v, &end, 10) : 0;
    if (!v || !*v || *end || errno != 0 || id <= 0 || v[0] == '+' || v[0] == ' ') {
        cpc_http_res_error(res, 400, "invalid_argument", "ids are positive integers");
        return -1;
    }
    *out = id;
    return 0;
}

/* Authenticate and read the {id} webhook of the caller into *h; -1 when answered. */
static int own_hook(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_puser *u,
                    struct cpc_pwebhook *h)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    int64_t id;
    struct cpc_err err = {0};
    if (cpc__auth_bearer(req, res, p, u, CPC_SCOPE_ACCOUNT) != 0 ||
        int_param(req, res, 0, &id) != 0)
        return -1;
    int rc = cpc_pstore_webhook_get(p->store, u->id, id, h, &err);
    if (rc == CPC_ERR_NOT_FOUND)
        cpc_http_res_error(res, 404, "not_found", "no webhook %lld of yours", (long long)id);
    else if (rc != 0)
        cpc__auth_internal(res, &err);
    return rc == 0 ? 0 : -1;
}

void cpc_h_webhooks_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_ACCOUNT) != 0)
        return;
    struct cpc_webhook_req *b = malloc(sizeof *b);
    struct cpc_pwebhook *h = calloc(1, sizeof *h);
    struct cpc_err err = {0};
    int status = 0;
    const char *code = NULL;
    char addr[CPC__WH_ADDR_MAX], secret[CPC_WEBHOOK_SECRET_LEN + 1] = {0};
    if (!b || !h) {
        cpc_http_res_error(res, 503, "unavailable", "out of memory");
        goto out;
    }
    if (cpc_webhook_body_parse(req->body ? req->body : "", req->body_len, b, &status, &code,
                               &err) != 0) {
        cpc_http_res_error(res, status, code, "%s", err.msg);
        goto out;
    }
    if (cpc__webhook_target(cpc_webhooks_allow(p->webhooks), &b->parts, addr, &err) != 0) {
        cpc_http_res_error(res, 400, "invalid_url", "%s", err.msg);
        goto out;
    }
    h->user = u.id;
    snprintf(h->url, sizeof h->url, "%s", b->url);
    h->events = b->events;
    h->created_ms = cpc_platform_now(p);
    cpc_webhook_secret_new(p, u.id, secret, h->sealed, &h->sealed_len);
    int rc = cpc_pstore_webhook_insert(p->store, h, CPC_WEBHOOKS_PER_USER, &h->id, &err);
    if (rc == CPC_ERR_TOO_LARGE) {
        cpc_http_res_error(res, 409, "too_many_webhooks", "at most %u webhooks per user",
                           CPC_WEBHOOKS_PER_USER);
    } else if (rc != 0) {
        cpc__auth_internal(res, &err);
    } else {
        char d[48];
        snprintf(d, sizeof d, "id=%lld", (long long)h->id);
        cpc__auth_audit(p, u.id, "webhook_created", d);
        json_t *o = hook_json(h);
        json_object_set_new(o, "secret", json_string(secret));
        cpc_http_res_json(res, 201, o);
    }
out:
    sodium_memzero(secret, sizeof secret);
    free(b);
    free(h);
}

void cpc_h_webhooks_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_ACCOUNT) != 0)
        return;
    struct cpc_pwebhook *rows = calloc(CPC_WEBHOOKS_PER_USER, sizeof *rows);
    if (!rows)
        return cpc_http_res_error(res, 503, "unavailable", "out of memory");
    size_t n = 0;
    struct cpc_err err = {0};
    if (cpc_pstore_webhook_list(p->store, u.id, rows, CPC_WEBHOOKS_PER_USER, &n, &err) != 0) {
        cpc__auth_internal(res, &err);
    } else {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, hook_json(&rows[i]));
        cpc_http_res_json(res, 200, json_pack("{s:o}", "webhooks", a));
    }
    free(rows);
}

void cpc_h_webhooks_delete(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    int64_t id;
    int deleted = 0;
    struct cpc_err err = {0};
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_ACCOUNT) != 0 ||
        int_param(req, res, 0, &id) != 0)
        return;
    if (cpc_pstore_webhook_delete(p->store, u.id, id, &deleted, &err) != 0)
        return cpc__auth_internal(res, &err);
    if (!deleted)
        return cpc_http_res_error(res, 404, "not_found", "no webhook %lld of yours",
                                  (long long)id);
    char d[48];
    snprintf(d, sizeof d, "id=%lld", (long long)id);
    cpc__auth_audit(p, u.id, "webhook_deleted", d);
    cpc_http_res_json(res, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
}

static const char *state_name(int s)
{
    return s == CPC_WH_DELIVERED ? "delivered" : s == CPC_WH_FAILED ? "failed" : "pending";
}

static json_t *delivery_json(struct cpc_platform *p, const struct cpc_pwh_delivery *d)
{
    struct cpc_pwh_attempt at[ATTEMPTS_SHOWN];
    size_t n = 0;
    struct cpc_err err = {0};
    json_t *log = json_array();
    if (cpc_pstore_webhook_attempts(p->store, d->id, at, ATTEMPTS_SHOWN, &n, &err) == 0)
        for (size_t i = 0; i < n; i++)
            json_array_append_new(log, json_pack("{s:I, s:i, s:s, s:I}", "at_ms",
                                                 (json_int_t)at[i].at_ms, "status",
                                                 at[i].status, "error", at[i].error,
                                                 "duration_ms", (json_int_t)at[i].duration_ms));
    json_t *data = json_loads(d->data, 0, NULL);
    return json_pack("{s:I, s:s, s:s, s:I, s:s, s:i, s:I, s:i, s:s, s:I, s:o, s:o}", "id",
                     (json_int_t)d->id, "event_id", d->event_id, "type", d->type, "created_ms",
                     (json_int_t)d->created_ms, "state", state_name(d->state), "attempts",
                     (int)d->attempts, "next_attempt_ms",
                     (json_int_t)(d->state == CPC_WH_PENDING ? d->next_ms : 0), "last_status",
                     d->last_status, "last_error", d->last_error, "done_ms",
                     (json_int_t)d->done_ms, "data", data ? data : json_null(), "log", log);
}

void cpc_h_webhook_deliveries(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    struct cpc_pwebhook h;
    uint32_t limit, offset;
    if (own_hook(req, res, &u, &h) != 0 ||
        cpc__auth_paging(req, res, 20, DELIVERIES_PAGE_MAX, &limit, &offset) != 0)
        return;
    struct cpc_pwh_delivery *rows = calloc(limit, sizeof *rows);
    if (!rows)
        return cpc_http_res_error(res, 503, "unavailable", "out of memory");
    size_t n = 0;
    struct cpc_err err = {0};
    if (cpc_pstore_webhook_deliveries(p->store, h.id, offset, rows, limit, &n, &err) != 0) {
        cpc__auth_internal(res, &err);
    } else {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, delivery_json(p, &rows[i]));
        cpc_http_res_json(res, 200, json_pack("{s:o, s:i, s:i}", "deliveries", a, "limit",
                                              (int)limit, "offset", (int)offset));
    }
    for (size_t i = 0; i < n; i++)
        cpc_pwh_delivery_clear(&rows[i]);
    free(rows);
}

void cpc_h_webhook_redeliver(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    struct cpc_pwebhook h;
    int64_t did;
    int changed = 0;
    struct cpc_err err = {0};
    if (own_hook(req, res, &u, &h) != 0 || int_param(req, res, 1, &did) != 0)
        return;
    if (cpc_pstore_webhook_redeliver(p->store, h.id, did, cpc_clock_wall_ms(), &changed,
                                     &err) != 0)
        return cpc__auth_internal(res, &err);
    if (!changed)
        return cpc_http_res_error(res, 404, "not_found", "no delivery %lld of webhook %lld",
                                  (long long)did, (long long)h.id);
    cpc_http_res_json(res, 202, json_pack("{s:I, s:s}", "id", (json_int_t)did, "state",
                                          "pending"));
}

void cpc_h_webhook_test(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    struct cpc_pwebhook h;
    char event_id[64];
    struct cpc_err err = {0};
    if (own_hook(req, res, &u, &h) != 0)
        return;
    if (cpc_webhook_emit_test(p, u.id, h.id, event_id, &err) != 0)
        return cpc__auth_internal(res, &err);
    cpc_http_res_json(res, 202, json_pack("{s:s, s:s}", "event_id", event_id, "type",
                                          "webhook.test"));
}

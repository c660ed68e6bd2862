/* routes_dc.c — the data-center API's fleet routes: POST /dc/servers/batch,
 * GET /dc/servers, PUT/DELETE /dc/servers/{id}, POST /dc/servers/status
 * (routes_dc.h; docs/api.md, "Data-center API").
 *
 * Design note. Who may call: an API key with the dc scope (or a session
 * access token, which holds every scope) of a user with the provider role;
 * the key's IP whitelist and rate (default 1000 a minute) are enforced by
 * cpc__auth_bearer before anything else. The servers are the same
 * gpu_servers rows as /provider/servers, validated by the same code
 * (server_body.c); PUT and DELETE are the /provider handlers themselves,
 * called for the dc scope.
 * Batch: at most CPC_PSERVER_BATCH_MAX servers and CPC_DC_BATCH_BODY_MAX
 * bytes (the route's body limit, 413 beyond), one store transaction: when
 * any item is bad the answer is 422 invalid_items with every bad item
 * (index, field, code, message) and nothing is created; the owner's cap
 * (max_servers_per_user) counts the whole batch (409). Cost to the node per
 * call: one parse of at most 1 MiB, one row of about 1 KiB per item, one
 * commit.
 * Status: a provider sets "maintenance" or "active" on many servers at once
 * (one transaction, all or none; an id not theirs is 422 not_found at its
 * index). A server in maintenance reads as status "maintenance" everywhere,
 * is left out of the catalogue (GET /market/gpu) and cannot be rented (409);
 * open rentals go on. The list reads the owner's rows (at most
 * max_servers_per_user), filters in memory, and pages.
 */
#include "routes_dc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "dc_batch_body.h"
#include "rental_orders.h"
#include "routes_servers.h"
#include "server_body.h"

int cpc__dc_caller(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_puser *u)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    if (!p) {
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
        return -1;
    }
    return cpc__auth_provider(req, res, p, u, CPC_SCOPE_DC);
}

/* 422 invalid_items with the list (stolen). */
static void items_refused(struct cpc_http_res *res, json_t *errors, const char *what)
{
    char msg[160];
    snprintf(msg, sizeof msg, "%zu item(s) are invalid; %s", json_array_size(errors), what);
    cpc_http_res_json(res, 422,
                      json_pack("{s:{s:s, s:s}, s:o}", "error", "code", "invalid_items",
                                "message", msg, "errors", errors));
}

/* Fill the server-side fields of the validated rows and store them in one transaction. */
static int batch_store(struct cpc_http_res *res, struct cpc_platform *p, int64_t owner,
                       struct cpc_pserver *rows, size_t n)
{
    uint64_t now = cpc_platform_now(p);
    for (size_t i = 0; i < n; i++) {
        cpc__server_new_id(rows[i].id);
        rows[i].owner = owner;
        rows[i].created_ms = rows[i].updated_ms = now;
        cpc_server_derive(&rows[i]);
    }
    struct cpc_err err = {0};
    int rc = cpc_pstore_server_add_batch(p->store, rows, n, p->max_servers_per_user, &err);
    if (rc == CPC_ERR_TOO_LARGE)
        cpc_http_res_error(res, 409, "too_many_servers", "%s; nothing was added", err.msg);
    else if (rc != 0)
        cpc__auth_internal(res, &err);
    return rc;
}

void cpc_h_dc_servers_batch(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__dc_caller(req, res, &u) != 0)
        return;
    struct cpc_platform *p = cpc__auth_plat(req);
    if (req->body_len > CPC_DC_BATCH_BODY_MAX)
        return cpc_http_res_error(res, 413, "too_large", "body is at most %u bytes",
                                  CPC_DC_BATCH_BODY_MAX);
    struct cpc_pserver *rows = NULL;
    size_t n = 0;
    json_t *errors = NULL;
    struct cpc_server_body_err e;
    int rc = cpc_dc_batch_parse(req->body, req->body_len, &rows, &n, &errors, &e);
    if (rc < 0)
        return cpc_http_res_error(res, e.status ? e.status : 400, e.code, "%s", e.msg);
    if (rc > 0)
        return items_refused(res, errors, "nothing was added");
    if (batch_store(res, p, u.id, rows, n) == 0) {
        json_t *ids = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(ids, json_string(rows[i].id));
        char d[64];
        snprintf(d, sizeof d, "count=%zu", n);
        cpc__auth_audit(p, u.id, "servers_added", d);
        cpc_http_res_json(res, 201, json_pack("{s:I, s:o}", "created", (json_int_t)n, "ids", ids));
    }
    free(rows);
}

void cpc_h_dc_server_put(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc__server_put_as(req, res, CPC_SCOPE_DC);
}

void cpc_h_dc_server_delete(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc__server_delete_as(req, res, CPC_SCOPE_DC);
}

void cpc_h_dc_servers_status(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__dc_caller(req, res, &u) != 0)
        return;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_dc_status s;
    json_t *errors = NULL;
    struct cpc_server_body_err e;
    int rc = cpc_dc_status_parse(req->body, req->body_len, &s, &errors, &e);
    if (rc < 0)
        return cpc_http_res_error(res, e.status ? e.status : 400, e.code, "%s", e.msg);
    if (rc > 0)
        return items_refused(res, errors, "nothing was changed");
    size_t bad = 0;
    struct cpc_err err = {0};
    rc = cpc_pstore_server_set_maintenance(p->store, u.id, (const char (*)[37])s.ids, s.maint,
                                           s.n, cpc_platform_now(p), &bad, &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        json_t *errs = json_array();
        json_array_append_new(errs, json_pack("{s:I, s:s, s:s, s:s}", "index", (json_int_t)bad,
                                              "field", "id", "code", "not_found", "message",
                                              "no such server of yours"));
        items_refused(res, errs, "nothing was changed");
    } else if (rc != 0) {
        cpc__auth_internal(res, &err);
    } else {
        size_t maint = 0;
        for (size_t i = 0; i < s.n; i++)
            maint += s.maint[i] != 0;
        char d[64];
        snprintf(d, sizeof d, "count=%zu maintenance=%zu", s.n, maint);
        cpc__auth_audit(p, u.id, "servers_status", d);
        cpc_http_res_json(res, 200, json_pack("{s:I, s:I, s:I}", "updated", (json_int_t)s.n,
                                              "maintenance", (json_int_t)maint, "active",
                                              (json_int_t)(s.n - maint)));
    }
    cpc_dc_status_free(&s);
}

/* ---- GET /dc/servers ---- */

struct fleet {
    struct cpc_pserver *rows;
    size_t n, cap;
    int oom;
};

static int keep_row(void *arg, const struct cpc_pserver *r)
{
    struct fleet *fl = arg;
    if (fl->n == fl->cap) {
        size_t cap = fl->cap ? 2 * fl->cap : 64;
        void *g = realloc(fl->rows, cap * sizeof *fl->rows);
        if (!g)
            return fl->oom = 1;
        fl->rows = g;
        fl->cap = cap;
    }
    fl->rows[fl->n++] = *r;
    return 0;
}

int cpc__dc_fleet(struct cpc_platform *p, int64_t owner, struct cpc_pserver **rows, size_t *n,
                  struct cpc_err *err)
{
    struct fleet fl = {0};
    int rc = cpc_pstore_server_list_owner(p->store, owner, keep_row, &fl, err);
    if (rc == 0 && fl.oom)
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (rc != 0) {
        free(fl.rows);
        return rc;
    }
    *rows = fl.rows;
    *n = fl.n;
    return 0;
}

struct list_filter {
    const char *model, *status, *country;
    int bound; /* -1 any, 0 unbound, 1 bound */
    uint32_t limit, offset;
};

static int list_query(struct cpc_http_req *req, struct cpc_http_res *res, struct list_filter *f)
{
    f->model = cpc_http_req_query(req, "model");
    f->status = cpc_http_req_query(req, "status");
    f->country = cpc_http_req_query(req, "country");
    const char *b = cpc_http_req_query(req, "bound");
    f->bound = !b ? -1 : !strcmp(b, "true") ? 1 : !strcmp(b, "false") ? 0 : -2;
    if (f->bound == -2) {
        cpc_http_res_error(res, 400, "invalid_argument", "bound is true or false");
        return -1;
    }
    if (f->status && strcmp(f->status, "online") != 0 && strcmp(f->status, "offline") != 0 &&
        strcmp(f->status, "busy") != 0 && strcmp(f->status, "maintenance") != 0) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "status is online, offline, busy or maintenance");
        return -1;
    }
    return cpc__auth_paging(req, res, 100, CPC_PSERVER_BATCH_MAX, &f->limit, &f->offset);
}

void cpc_h_dc_servers_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct list_filter f;
    if (cpc__dc_caller(req, res, &u) != 0 || list_query(req, res, &f) != 0)
        return;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_pserver *rows = NULL;
    size_t n = 0, total = 0;
    struct cpc_err err = {0};
    if (cpc__dc_fleet(p, u.id, &rows, &n, &err) != 0)
        return cpc__auth_internal(res, &err);
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        const struct cpc_pserver *r = &rows[i];
        if ((f.model && strcmp(r->gpu_model, f.model) != 0) ||
            (f.country && strcmp(r->country, f.country) != 0) ||
            (f.bound >= 0 && (r->worker_addr[0] != 0) != f.bound))
            continue;
        const char *st = cpc__server_view_status(req->app, r);
        if (f.status && strcmp(st, f.status) != 0)
            continue;
        if (total++ >= f.offset && json_array_size(arr) < f.limit)
            json_array_append_new(arr, cpc__server_json(r, st, 1));
    }
    free(rows);
    cpc_http_res_json(res, 200,
                      json_pack("{s:o, s:I, s:i, s:i}", "servers", arr, "total",
                                (json_int_t)total, "limit", (int)f.limit, "offset",
                                (int)f.offset));
}

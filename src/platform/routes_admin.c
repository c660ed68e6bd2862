/* routes_admin.c — POST /admin/users/{id}/block, /unblock, /kyc and
 * GET /admin/audit.
 *
 * Design note. Every route needs a Bearer token of a user with the admin
 * role (401 without a valid token, 403 without the role). A block takes
 * effect at once: every refresh token of the user is revoked and Bearer
 * authentication re-reads `blocked` on each request, so live access tokens
 * stop too; an admin cannot block themself (that would lock the last admin
 * out). Unblocking restores the account but not the revoked sessions. KYC
 * decisions are verified or rejected. Each change is audit-logged with the
 * acting admin's id in the detail.
 */
#include "routes_admin.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../store/platform_store.h"
#include "auth_http.h"
#include "platform.h"

#define AUDIT_MAX 200u

/* Load the target user {id}; -1 once answered. */
static int load_target(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                       struct cpc_puser *t)
{
    int64_t id = 0;
    struct cpc_err err = {0};
    if (cpc__auth_id_param(req, res, &id) != 0)
        return -1;
    int rc = cpc_pstore_user_by_id(p->store, id, t, &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        cpc_http_res_error(res, 404, "not_found", "no user %lld", (long long)id);
        return -1;
    }
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    return 0;
}

/* Authenticate the admin and load the target user {id}; -1 once answered. */
static int target(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                  struct cpc_puser *admin, struct cpc_puser *t)
{
    if (cpc__auth_admin(req, res, p, admin) != 0)
        return -1;
    return load_target(req, res, p, t);
}

static void set_blocked(struct cpc_http_req *req, struct cpc_http_res *res, int blocked)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin, t;
    if (target(req, res, p, &admin, &t) != 0)
        return;
    if (blocked && t.id == admin.id) {
        cpc_http_res_error(res, 400, "invalid_argument", "an admin cannot block themself");
        return;
    }
    struct cpc_err err = {0};
    int n = 0;
    if (cpc_pstore_user_set_blocked(p->store, t.id, blocked, &err) != 0 ||
        (blocked && cpc_pstore_refresh_revoke_user(p->store, t.id, &n, &err) != 0))
        return cpc__auth_internal(res, &err);
    char d[48];
    snprintf(d, sizeof d, "by admin %lld", (long long)admin.id);
    cpc__auth_audit(p, t.id, blocked ? "user_blocked" : "user_unblocked", d);
    cpc_http_res_json(res, 200,
                      json_pack("{s:I, s:b, s:i}", "id", (json_int_t)t.id, "blocked", blocked,
                                "sessions_revoked", n));
}

void cpc_h_admin_block(struct cpc_http_req *req, struct cpc_http_res *res)
{
    set_blocked(req, res, 1);
}

void cpc_h_admin_unblock(struct cpc_http_req *req, struct cpc_http_res *res)
{
    set_blocked(req, res, 0);
}

void cpc_h_admin_kyc(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser admin;
    if (cpc__auth_admin(req, res, cpc__auth_plat(req), &admin) == 0)
        cpc__h_admin_kyc_as(req, res, &admin);
}

void cpc__h_admin_kyc_as(struct cpc_http_req *req, struct cpc_http_res *res,
                         const struct cpc_puser *admin)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser t;
    if (load_target(req, res, p, &t) != 0)
        return;
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *status = NULL;
    json_error_t je;
    struct cpc_err err = {0};
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s}", "status", &status) != 0) {
        cpc__auth_bad_fields(res, &je, "{\"status\": \"verified\"|\"rejected\"}");
        goto out;
    }
    if (strcmp(status, "verified") != 0 && strcmp(status, "rejected") != 0) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "status must be \"verified\" or \"rejected\"");
        goto out;
    }
    if (cpc_pstore_user_set_kyc(p->store, t.id, status, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    char d[64];
    snprintf(d, sizeof d, "%s -> %s by admin %lld", t.kyc_status, status, (long long)admin->id);
    cpc__auth_audit(p, t.id, "kyc_decided", d);
    cpc_http_res_json(res, 200, json_pack("{s:I, s:s}", "id", (json_int_t)t.id, "kyc_status",
                                          status));
out:
    json_decref(j);
}

void cpc_h_admin_audit(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin;
    uint32_t limit = 0, offset = 0;
    if (cpc__auth_admin(req, res, p, &admin) != 0 ||
        cpc__auth_paging(req, res, 50, AUDIT_MAX, &limit, &offset) != 0)
        return;
    struct cpc_paudit rows[AUDIT_MAX];
    size_t n = 0;
    struct cpc_err err = {0};
    if (cpc_pstore_audit_list(p->store, offset, rows, limit, &n, &err) != 0)
        return cpc__auth_internal(res, &err);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        char when[32];
        cpc__auth_iso_time(when, rows[i].ms);
        json_t *row = json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)rows[i].id, "ms",
                                (json_int_t)rows[i].ms, "time", when, "event", rows[i].event);
        json_object_set_new(row, "user", rows[i].user ? json_integer(rows[i].user) : json_null());
        json_object_set_new(row, "detail", rows[i].detail[0] ? json_string(rows[i].detail)
                                                             : json_null());
        json_array_append_new(a, row);
    }
    cpc_http_res_json(res, 200,
                      json_pack("{s:o, s:i, s:i}", "events", a, "limit", (int)limit, "offset",
                                (int)offset));
}

/* routes_admin_users.c — user search, email verification by an operator and
 * the withdrawal queue (routes_admin_users.h).
 *
 * Design note. An admin's session only (API keys get 403, as on every admin
 * route). A user row shows id, email, roles, verification, KYC, block and
 * 2FA flags and times: never the password hash, codes, tokens or keys. q is
 * an email substring (lower-cased, as emails are stored) or a user id;
 * status is active (not blocked), blocked or unverified. The verification is
 * audit-logged with the acting admin. Cost: one indexed SELECT of at most
 * 200 ids and a row read each.
 */
#include "routes_admin_users.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/platform_admin_store.h"
#include "auth_http.h"
#include "platform.h"
#include "routes_money.h"

#define USERS_PAGE_MAX 200u
#define WITHDRAWALS_PAGE_MAX 200u

static json_t *user_json(const struct cpc_puser *u)
{
    char when[32];
    cpc__auth_iso_time(when, u->created_ms);
    json_t *o = json_pack("{s:I, s:s, s:o, s:b, s:s, s:b, s:b, s:s}", "id", (json_int_t)u->id,
                          "email", u->email, "roles", cpc__auth_roles_json(u->roles),
                          "email_verified", u->email_verified, "kyc_status", u->kyc_status,
                          "blocked", u->blocked, "totp_enabled", u->totp_enabled, "created_at",
                          when);
    if (o)
        json_object_set_new(o, "display_name",
                            u->display_name[0] ? json_string(u->display_name) : json_null());
    return o;
}

/* The filters of the query string into *f (q copied into qbuf): 0, or -1 answered 400. */
static int user_filter(struct cpc_http_req *req, struct cpc_http_res *res,
                       struct cpc_puser_filter *f, char qbuf[CPC_PUSER_EMAIL_MAX + 1])
{
    const char *q = cpc_http_req_query(req, "q"), *role = cpc_http_req_query(req, "role"),
               *status = cpc_http_req_query(req, "status");
    *f = (struct cpc_puser_filter){.q = qbuf, .blocked = -1, .verified = -1};
    size_t n = q ? strlen(q) : 0;
    if (n > CPC_PUSER_EMAIL_MAX) {
        cpc_http_res_error(res, 400, "invalid_argument", "q is at most %d bytes",
                           CPC_PUSER_EMAIL_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        qbuf[i] = (char)tolower((unsigned char)q[i]);
    qbuf[n] = 0;
    if (n && n <= 18 && strspn(qbuf, "0123456789") == n)
        f->q_id = strtoll(qbuf, NULL, 10);
    if (role) {
        f->role = !strcmp(role, "provider")   ? CPC_ROLE_PROVIDER
                  : !strcmp(role, "customer") ? CPC_ROLE_CUSTOMER
                  : !strcmp(role, "admin")    ? CPC_ROLE_ADMIN
                                              : 0;
        if (!f->role) {
            cpc_http_res_error(res, 400, "invalid_argument",
                               "role must be provider, customer or admin");
            return -1;
        }
    }
    if (status && !strcmp(status, "active"))
        f->blocked = 0;
    else if (status && !strcmp(status, "blocked"))
        f->blocked = 1;
    else if (status && !strcmp(status, "unverified"))
        f->verified = 0;
    else if (status) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "status must be active, blocked or unverified");
        return -1;
    }
    return cpc__auth_paging(req, res, 50, USERS_PAGE_MAX, &f->limit, &f->offset);
}

void cpc_h_admin_users_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin, u;
    struct cpc_puser_filter f;
    char q[CPC_PUSER_EMAIL_MAX + 1];
    if (!p)
        return cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
    if (cpc__auth_admin(req, res, p, &admin) != 0 || user_filter(req, res, &f, q) != 0)
        return;
    int64_t ids[USERS_PAGE_MAX];
    size_t n = 0;
    struct cpc_err err = {0};
    int rc = cpc_pstore_user_search_ids(p->store, &f, ids, f.limit, &n, &err);
    json_t *arr = json_array();
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = cpc_pstore_user_by_id(p->store, ids[i], &u, &err);
        if (rc == CPC_ERR_NOT_FOUND) { /* deleted meanwhile */
            rc = 0;
            continue;
        }
        if (rc == 0)
            json_array_append_new(arr, user_json(&u));
    }
    memset(&u, 0, sizeof u); /* the password hash */
    if (rc != 0) {
        json_decref(arr);
        return cpc__auth_internal(res, &err);
    }
    cpc_http_res_json(res, 200, json_pack("{s:o, s:i, s:i}", "users", arr, "limit",
                                          (int)f.limit, "offset", (int)f.offset));
}

void cpc_h_admin_user_verify(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin, t;
    int64_t id = 0;
    if (!p)
        return cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
    if (cpc__auth_admin(req, res, p, &admin) != 0 || cpc__auth_id_param(req, res, &id) != 0)
        return;
    struct cpc_err err = {0};
    int rc = cpc_pstore_user_by_id(p->store, id, &t, &err);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_http_res_error(res, 404, "not_found", "no user %lld", (long long)id);
    if (rc != 0 || (!t.email_verified && cpc_pstore_user_set_verified(p->store, id, &err) != 0))
        return cpc__auth_internal(res, &err);
    char d[48];
    snprintf(d, sizeof d, "by admin %lld", (long long)admin.id);
    if (!t.email_verified)
        cpc__auth_audit(p, id, "email_verified_by_admin", d);
    cpc_http_res_json(res, 200, json_pack("{s:I, s:b, s:b}", "id", (json_int_t)id,
                                          "email_verified", 1, "changed", !t.email_verified));
}

void cpc_h_admin_withdrawals_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin;
    uint32_t limit = 0, offset = 0;
    if (!p)
        return cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
    if (cpc__auth_admin(req, res, p, &admin) != 0)
        return;
    const char *status = cpc_http_req_query(req, "status");
    status = status ? status : "pending";
    if (strcmp(status, "pending") && strcmp(status, "approved") && strcmp(status, "rejected"))
        return cpc_http_res_error(res, 400, "invalid_argument",
                                  "status must be pending, approved or rejected");
    if (cpc__auth_paging(req, res, 50, WITHDRAWALS_PAGE_MAX, &limit, &offset) != 0)
        return;
    char(*ids)[37] = calloc(limit, sizeof *ids);
    struct cpc_pwithdrawal w;
    size_t n = 0;
    struct cpc_err err = {0};
    int rc = ids ? cpc_pstore_withdrawal_admin_ids(p->store, status, limit, offset, ids, limit,
                                                   &n, &err)
                 : cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
    json_t *arr = json_array();
    for (size_t i = 0; rc == 0 && i < n; i++)
        if ((rc = cpc_pstore_withdrawal_get(p->store, ids[i], &w, &err)) == 0)
            json_array_append_new(arr, cpc__withdrawal_json(&w));
    free(ids);
    if (rc != 0) {
        json_decref(arr);
        return cpc__auth_internal(res, &err);
    }
    cpc_http_res_json(res, 200, json_pack("{s:s, s:o, s:i, s:i}", "status", status,
                                          "withdrawals", arr, "limit", (int)limit, "offset",
                                          (int)offset));
}

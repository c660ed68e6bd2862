/* routes_profile.c — GET /auth/history, PATCH /me, POST /me/kyc.
 *
 * Design note. All three act on the Bearer user only. History lists that
 * user's login attempts (by their normalised email: attempts are recorded
 * before an account is known), newest first, paged with limit (1..100,
 * default 20) and offset. PATCH /me changes display_name (at most 100 bytes,
 * no control characters) and the provider/customer roles; the admin role can
 * be neither taken nor dropped here (403): admins come from `cpcd admin
 * create`. POST /me/kyc moves KYC from none or rejected to pending; an admin
 * decides (routes_admin.c). Role and KYC changes are audit-logged.
 */
#include "routes_profile.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../store/platform_store.h"
#include "auth_http.h"
#include "platform.h"

#define HISTORY_MAX 100u

void cpc_h_auth_history(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    uint32_t limit = 0, offset = 0;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_READ) != 0 ||
        cpc__auth_paging(req, res, 20, HISTORY_MAX, &limit, &offset) != 0)
        return;
    struct cpc_pattempt rows[HISTORY_MAX];
    size_t n = 0;
    struct cpc_err err = {0};
    if (cpc_pstore_attempt_list(p->store, u.email, offset, rows, limit, &n, &err) != 0)
        return cpc__auth_internal(res, &err);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        char when[32];
        cpc__auth_iso_time(when, rows[i].ms);
        for (char *c = rows[i].user_agent; *c; c++) /* any bytes came in: keep JSON valid */
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                *c = '?';
        json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:s, s:b}", "ip", rows[i].ip, "ms",
                                           (json_int_t)rows[i].ms, "time", when, "user_agent",
                                           rows[i].user_agent, "success", rows[i].success));
    }
    cpc_http_res_json(res, 200,
                      json_pack("{s:o, s:i, s:i}", "attempts", a, "limit", (int)limit, "offset",
                                (int)offset));
}

/* Role names -> bits; -1 with a 400 answered on an unknown name. */
static int roles_arg(struct cpc_http_res *res, json_t *arr, uint32_t *out)
{
    size_t i;
    json_t *v;
    *out = 0;
    json_array_foreach(arr, i, v) {
        const char *r = json_string_value(v);
        if (r && !strcmp(r, "provider"))
            *out |= CPC_ROLE_PROVIDER;
        else if (r && !strcmp(r, "customer"))
            *out |= CPC_ROLE_CUSTOMER;
        else if (r && !strcmp(r, "admin"))
            *out |= CPC_ROLE_ADMIN;
        else {
            cpc_http_res_error(res, 400, "invalid_argument",
                               "roles must be an array of \"provider\", \"customer\"");
            return -1;
        }
    }
    return 0;
}

static int name_ok(const char *s, size_t len)
{
    if (len > CPC_PUSER_NAME_MAX || memchr(s, 0, len))
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static void roles_detail(char out[48], uint32_t roles)
{
    snprintf(out, 48, "%s%s%s", roles & CPC_ROLE_PROVIDER ? "provider " : "",
             roles & CPC_ROLE_CUSTOMER ? "customer " : "", roles & CPC_ROLE_ADMIN ? "admin" : "");
}

void cpc_h_me_patch(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, cpc__auth_plat(req), &u, CPC_SCOPE_ACCOUNT) == 0)
        cpc__h_me_patch_as(req, res, &u);
}

void cpc__h_me_patch_as(struct cpc_http_req *req, struct cpc_http_res *res,
                        const struct cpc_puser *u)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *name = NULL;
    size_t name_len = 0;
    json_t *roles = NULL;
    json_error_t je;
    struct cpc_err err = {0};
    uint32_t want = u->roles;
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s?s%, s?o}", "display_name", &name, &name_len,
                       "roles", &roles) != 0) {
        cpc__auth_bad_fields(res, &je,
                             "{\"display_name\"?: string, \"roles\"?: [\"provider\"|\"customer\"]}");
        goto out;
    }
    if (roles && !json_is_array(roles)) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "roles must be an array of \"provider\", \"customer\"");
        goto out;
    }
    if (name && !name_ok(name, name_len)) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "display_name is at most %d bytes without control characters",
                           CPC_PUSER_NAME_MAX);
        goto out;
    }
    if (roles && roles_arg(res, roles, &want) != 0)
        goto out;
    if ((want & CPC_ROLE_ADMIN) != (u->roles & CPC_ROLE_ADMIN)) {
        cpc_http_res_error(res, 403, "forbidden",
                           "the admin role cannot be changed here (cpcd admin create)");
        goto out;
    }
    if (name && cpc_pstore_user_set_display_name(p->store, u->id, name, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (roles && want != u->roles) {
        char d[48];
        if (cpc_pstore_user_set_roles(p->store, u->id, want, &err) != 0) {
            cpc__auth_internal(res, &err);
            goto out;
        }
        roles_detail(d, want);
        cpc__auth_audit(p, u->id, "roles_changed", d);
    }
    cpc_http_res_json(res, 200,
                      json_pack("{s:I, s:s, s:o}", "id", (json_int_t)u->id, "display_name",
                                name ? name : u->display_name, "roles",
                                cpc__auth_roles_json(want)));
out:
    json_decref(j);
}

void cpc_h_me_kyc(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_ACCOUNT) != 0)
        return;
    if (req->body_len) { /* {} or nothing: KYC documents are not accepted yet */
        json_t *j = cpc__auth_body(req, res);
        if (!j)
            return;
        json_error_t je;
        int bad = json_unpack_ex(j, &je, JSON_STRICT, "{}") != 0;
        json_decref(j);
        if (bad)
            return cpc__auth_bad_fields(res, &je, "{}");
    }
    if (strcmp(u.kyc_status, "none") != 0 && strcmp(u.kyc_status, "rejected") != 0) {
        cpc_http_res_error(res, 409, "kyc_state", "KYC is already %s", u.kyc_status);
        return;
    }
    struct cpc_err err = {0};
    if (cpc_pstore_user_set_kyc(p->store, u.id, "pending", &err) != 0)
        return cpc__auth_internal(res, &err);
    cpc__auth_audit(p, u.id, "kyc_submitted", NULL);
    cpc_http_res_json(res, 200, json_pack("{s:s}", "kyc_status", "pending"));
}

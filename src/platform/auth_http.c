/* auth_http.c — helpers shared by the platform account routes (auth_http.h).
 *
 * Design note. Every account route file uses these. Bearer authentication
 * reads the user row on every request, so a block, a password reset or
 * logout-all (token version) stops an access token at once. The same helper takes
 * an API key ("Bearer cpc_..." or X-API-Key: cpc_..., looked up by its keyed
 * hash), checks the key's IP whitelist and scopes, and counts every
 * authenticated request in the platform limiter (a key's rate_per_min, or
 * CPC_TOKEN_RATE_PER_MIN per access-token subject), answering the
 * X-RateLimit-* headers, and 429 with Retry-After over the limit.
 */
#include "auth_http.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"
#include "auth_apikey.h"
#include "auth_tokens.h"
#include "../node/node.h"
#include "platform.h"

#define REFRESH_IDLE_MS (24ull * 3600u * 1000u)
#define REFRESH_REMEMBER_MS (30ull * 24u * 3600u * 1000u)

struct cpc_platform *cpc__auth_plat(struct cpc_http_req *req)
{
    return ((struct cpc_node *)req->app)->platform;
}

void cpc__auth_internal(struct cpc_http_res *res, const struct cpc_err *err)
{
    CPC_LOGE("auth: %s", err->msg);
    cpc_http_res_error(res, 500, "internal", "internal error; see the node log");
}

void cpc__auth_unauthorized(struct cpc_http_res *res, const char *msg)
{
    cpc_http_res_error(res, 401, "invalid_token", "%s", msg);
    cpc_http_res_header(res, "WWW-Authenticate", "Bearer");
}

json_t *cpc__auth_body(struct cpc_http_req *req, struct cpc_http_res *res)
{
    if (req->body_len == 0) {
        cpc_http_res_error(res, 400, "invalid_json", "request body is empty");
        return NULL;
    }
    if (req->body_len > CPC_AUTH_BODY_MAX) {
        cpc_http_res_error(res, 413, "too_large", "body is at most %d bytes", CPC_AUTH_BODY_MAX);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        cpc_http_res_error(res, 400, "invalid_json", "body is not valid JSON: %s", je.text);
    return j;
}

void cpc__auth_bad_fields(struct cpc_http_res *res, const json_error_t *je, const char *shape)
{
    cpc_http_res_error(res, 400, "invalid_argument", "body must be %s: %s", shape, je->text);
}

/* Normalise into out or answer 400. */
int cpc__auth_email_arg(struct cpc_http_res *res, const char *email, size_t len, char *out,
                     size_t cap)
{
    if (cpc_auth_email_normalise(email, len, out, cap) != 0) {
        cpc_http_res_error(res, 400, "invalid_email",
                           "not a valid email address (one @, a domain with a dot, no spaces "
                           "or <>()[]\\,;:\" characters, at most 254 bytes)");
        return -1;
    }
    return 0;
}

const char *cpc__auth_ip(struct cpc_http_req *req)
{
    return req->remote_ip ? req->remote_ip : "";
}

/* The User-Agent cut to what the store keeps (so comparisons are exact). */
void cpc__auth_ua(struct cpc_http_req *req, char out[CPC_PREFRESH_UA_MAX + 1])
{
    const char *ua = cpc_http_req_header(req, "User-Agent");
    snprintf(out, CPC_PREFRESH_UA_MAX + 1, "%s", ua ? ua : "");
}

void cpc__auth_iso_time(char out[32], uint64_t ms)
{
    time_t t = (time_t)(ms / 1000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cpc__auth_query_ms(struct cpc_http_req *req, struct cpc_http_res *res, const char *key,
                       uint64_t def, uint64_t *out)
{
    const char *v = cpc_http_req_query(req, key);
    *out = def;
    if (!v)
        return 0;
    uint64_t x = 0;
    size_t n = strlen(v);
    int ok = n >= 1 && n <= 15 && strspn(v, "0123456789") == n;
    for (size_t i = 0; ok && i < n; i++)
        x = x * 10 + (uint64_t)(v[i] - '0');
    if (!ok || x > CPC_QUERY_TIME_MAX_MS) {
        cpc_http_res_error(res, 400, "invalid_argument", "%s must be unix milliseconds 0..%llu",
                           key, (unsigned long long)CPC_QUERY_TIME_MAX_MS);
        return -1;
    }
    *out = x;
    return 0;
}

void cpc__auth_json_time(json_t *o, const char *key, uint64_t ms)
{
    char t[32];
    if (!ms) {
        json_object_set_new(o, key, json_null());
        return;
    }
    cpc__auth_iso_time(t, ms);
    json_object_set_new(o, key, json_string(t));
}

void cpc__auth_json_u64(json_t *o, const char *key, uint64_t v)
{
    json_object_set_new(o, key, json_integer((json_int_t)v));
}

void cpc__auth_audit(struct cpc_platform *p, int64_t user, const char *event, const char *detail)
{
    struct cpc_err err = {0};
    if (cpc_pstore_audit(p->store, cpc_platform_now(p), user, event, detail, &err) != 0)
        CPC_LOGE("auth: audit %s: %s", event, err.msg);
}

json_t *cpc__auth_roles_json(uint32_t roles)
{
    json_t *a = json_array();
    if (roles & CPC_ROLE_PROVIDER)
        json_array_append_new(a, json_string("provider"));
    if (roles & CPC_ROLE_CUSTOMER)
        json_array_append_new(a, json_string("customer"));
    if (roles & CPC_ROLE_ADMIN)
        json_array_append_new(a, json_string("admin"));
    return a;
}


/* Issue a refresh token in family (new one when family is NULL) and an access
 * token; fill res with the login answer. */
int cpc__auth_issue_tokens(struct cpc_platform *p, struct cpc_http_req *req,
                        const struct cpc_puser *u, int remember_me, json_t **out,
                        struct cpc_err *err)
{
    struct cpc_prefresh r;
    memset(&r, 0, sizeof r);
    char token[CPC_REFRESH_HEX_LEN + 1];
    cpc_auth_refresh_new(token, r.token_hash);
    cpc_auth_family_new(r.family);
    uint64_t now = cpc_platform_now(p);
    r.user = u->id;
    snprintf(r.ip, sizeof r.ip, "%s", cpc__auth_ip(req));
    cpc__auth_ua(req, r.user_agent);
    r.created_ms = r.last_used_ms = now;
    r.remember_me = remember_me;
    r.expires_ms = now + (remember_me ? REFRESH_REMEMBER_MS : REFRESH_IDLE_MS);
    char *access = NULL;
    int rc = cpc_pstore_refresh_insert(p->store, &r, NULL, err);
    if (rc == 0)
        rc = cpc_auth_jwt_issue(p, u->id, u->token_version, &access, err);
    if (rc == 0)
        *out = json_pack("{s:s, s:s, s:i, s:s, s:I}", "access_token", access, "token_type",
                         "Bearer", "expires_in", (int)CPC_ACCESS_TTL_S, "refresh_token", token,
                         "refresh_expires_in", (json_int_t)((r.expires_ms - now) / 1000u));
    free(access);
    sodium_memzero(token, sizeof token);
    return rc;
}


void cpc__auth_retry_after(struct cpc_http_res *res, uint64_t reset_ms, uint64_t now,
                           char out[24])
{
    uint64_t wait = reset_ms > now ? (reset_ms - now + 999u) / 1000u : 1u;
    snprintf(out, 24, "%llu", (unsigned long long)(wait ? wait : 1u));
    cpc_http_res_header(res, "Retry-After", out);
}

/* The rate-limit headers of an authenticated answer; 429 when over. */
static int rate_limit(struct cpc_http_res *res, struct cpc_platform *p, uint64_t key,
                      uint32_t limit)
{
    uint64_t now = cpc_platform_now(p);
    struct cpc_rl_verdict v;
    cpc_ratelimit_hit(&p->limiter, key, limit, CPC_RL_WINDOW_MS, now, &v);
    char b[32];
    snprintf(b, sizeof b, "%u", v.limit);
    cpc_http_res_header(res, "X-RateLimit-Limit", b);
    snprintf(b, sizeof b, "%u", v.remaining);
    cpc_http_res_header(res, "X-RateLimit-Remaining", b);
    snprintf(b, sizeof b, "%llu", (unsigned long long)((v.reset_ms + 999u) / 1000u));
    cpc_http_res_header(res, "X-RateLimit-Reset", b);
    if (v.allowed)
        return 0;
    cpc__auth_retry_after(res, v.reset_ms, now, b);
    cpc_http_res_error(res, 429, "rate_limited", "at most %u requests per minute; retry in %s s",
                       v.limit, b);
    return -1;
}

/* The user of u_id into *u, or answer 401 (blocked, gone). */
static int load_user(struct cpc_http_res *res, struct cpc_platform *p, int64_t id,
                     struct cpc_puser *u, const char *msg)
{
    struct cpc_err err = {0};
    int rc = cpc_pstore_user_by_id(p->store, id, u, &err);
    if (rc != 0 && rc != CPC_ERR_NOT_FOUND) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    if (rc != 0 || u->blocked) {
        cpc__auth_unauthorized(res, msg);
        return -1;
    }
    return 0;
}

/* Authenticate an API key (cpc_...) into *u: whitelist, rate, scope. */
static int key_auth(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                    const char *key, struct cpc_puser *u, uint32_t scope)
{
    uint8_t hash[32];
    struct cpc_papikey k;
    struct cpc_err err = {0};
    if (cpc_apikey_hash(p, key, hash) != 0) {
        cpc__auth_unauthorized(res, "malformed API key");
        return -1;
    }
    int rc = cpc_pstore_apikey_by_hash(p->store, hash, &k, &err);
    if (rc != 0 && rc != CPC_ERR_NOT_FOUND) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    if (rc != 0) {
        cpc__auth_unauthorized(res, "unknown or deleted API key");
        return -1;
    }
    if (load_user(res, p, k.user, u, "API key of a blocked or removed account") != 0)
        return -1;
    if (!cpc_cidr_list_allows(k.ip_whitelist, cpc__auth_ip(req))) {
        cpc_http_res_error(res, 403, "ip_not_allowed",
                           "this API key is not allowed from %.64s (see its ip_whitelist)",
                           cpc__auth_ip(req));
        return -1;
    }
    if (rate_limit(res, p, CPC_RL_KIND_APIKEY | (uint64_t)k.id, k.rate_per_min) != 0)
        return -1;
    if (!(k.scopes & scope)) {
        json_t *need = cpc_scopes_json(scope);
        const char *name = json_string_value(json_array_get(need, 0));
        cpc_http_res_error(res, 403, "insufficient_scope",
                           scope == CPC_SCOPE_SESSION
                               ? "this route needs an access token, not an API key"
                               : "this API key lacks the \"%s\" scope",
                           name ? name : "");
        json_decref(need);
        return -1;
    }
    return 0;
}

/* Authenticate the Bearer access token or API key into *u, or answer 401/403/429. */
int cpc__auth_bearer(struct cpc_http_req *req, struct cpc_http_res *res,
                     struct cpc_platform *p, struct cpc_puser *u, uint32_t scope)
{
    const char *h = cpc_http_req_header(req, "Authorization");
    const char *tok = NULL;
    if (h && strncmp(h, "Bearer ", 7) == 0)
        tok = h + 7;
    else if (!h)
        tok = cpc_http_req_header(req, "X-API-Key");
    if (!tok) {
        cpc__auth_unauthorized(res, "missing Authorization: Bearer <access token or API key>");
        return -1;
    }
    if (strncmp(tok, "cpc_", 4) == 0)
        return key_auth(req, res, p, tok, u, scope);
    struct cpc_err err = {0};
    int64_t id = 0;
    uint32_t ver = 0;
    if (cpc_auth_jwt_verify(p, tok, &id, &ver, &err) != 0) {
        cpc__auth_unauthorized(res, err.msg);
        return -1;
    }
    if (load_user(res, p, id, u, "access token revoked; log in again") != 0)
        return -1;
    if (u->token_version != ver) {
        cpc__auth_unauthorized(res, "access token revoked; log in again");
        return -1;
    }
    return rate_limit(res, p, CPC_RL_KIND_TOKEN | (uint64_t)id, CPC_TOKEN_RATE_PER_MIN);
}

int cpc__auth_admin(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                    struct cpc_puser *u)
{
    if (cpc__auth_bearer(req, res, p, u, CPC_SCOPE_SESSION) != 0)
        return -1;
    if (!(u->roles & CPC_ROLE_ADMIN)) {
        cpc_http_res_error(res, 403, "forbidden", "this route needs the admin role");
        return -1;
    }
    return 0;
}

int cpc__auth_provider(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                       struct cpc_puser *u, uint32_t scope)
{
    if (cpc__auth_bearer(req, res, p, u, scope) != 0)
        return -1;
    if (!(u->roles & CPC_ROLE_PROVIDER)) {
        cpc_http_res_error(res, 403, "forbidden",
                           "this route needs the provider role (PATCH /me {\"roles\": "
                           "[\"provider\"]})");
        return -1;
    }
    return 0;
}

static int u32_query(struct cpc_http_req *req, struct cpc_http_res *res, const char *key,
                     uint32_t def, uint32_t lo, uint32_t hi, uint32_t *out)
{
    const char *v = cpc_http_req_query(req, key);
    *out = def;
    if (!v)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (!*v || *end || v[0] == '-' || errno != 0 || n < lo || n > hi) {
        cpc_http_res_error(res, 400, "invalid_argument", "%s must be an integer in %u..%u", key,
                           lo, hi);
        return -1;
    }
    *out = (uint32_t)n;
    return 0;
}

int cpc__auth_paging(struct cpc_http_req *req, struct cpc_http_res *res, uint32_t def,
                     uint32_t max, uint32_t *limit, uint32_t *offset)
{
    if (u32_query(req, res, "limit", def, 1, max, limit) != 0 ||
        u32_query(req, res, "offset", 0, 0, 1000000000u, offset) != 0)
        return -1;
    return 0;
}

int cpc__auth_id_param(struct cpc_http_req *req, struct cpc_http_res *res, int64_t *id)
{
    const char *v = req->n_params ? req->params[0] : NULL;
    char *end = NULL;
    errno = 0;
    long long n = v ? strtoll(v, &end, 10) : 0;
    if (!v || !*v || *end || errno != 0 || n <= 0) {
        cpc_http_res_error(res, 400, "invalid_argument", "the user id must be a positive integer");
        return -1;
    }
    *id = n;
    return 0;
}

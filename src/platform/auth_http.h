/* auth_http.h — helpers shared by the platform account routes
 * (routes_auth.c, routes_password.c, routes_2fa.c, routes_profile.c,
 * routes_admin.c): body parsing, the error answers, Bearer authentication,
 * client IP/User-Agent and the audit log.
 *
 * Design note. Internal to src/platform (cpc__ prefix). Every helper that fails
 * has already written the answer into res, so a handler just returns. Bearer
 * authentication re-reads the user on every request and refuses a blocked
 * user or a stale token version, so blocks and logout-all act at once; it
 * also takes API keys, limited by their scopes, IP whitelist and rate.
 */
#ifndef CPC_NODE_AUTH_HTTP_H
#define CPC_NODE_AUTH_HTTP_H

#include <jansson.h>
#include <stdint.h>

#include "../store/platform_store.h"
#include "auth_apikey.h"
#include "../http/httpd.h"

struct cpc_platform;

#define CPC_AUTH_BODY_MAX 8192

/* The node's platform context (borrowed). */
struct cpc_platform *cpc__auth_plat(struct cpc_http_req *req);
/* 500 with a generic message; err->msg goes to the log only. */
void cpc__auth_internal(struct cpc_http_res *res, const struct cpc_err *err);
/* 401 invalid_token with WWW-Authenticate: Bearer. */
void cpc__auth_unauthorized(struct cpc_http_res *res, const char *msg);
/* Parse the JSON body (caller decrefs), or answer 400/413 and return NULL. */
json_t *cpc__auth_body(struct cpc_http_req *req, struct cpc_http_res *res);
/* 400 invalid_argument naming the expected shape. */
void cpc__auth_bad_fields(struct cpc_http_res *res, const json_error_t *je, const char *shape);
/* Normalise an email into out, or answer 400 invalid_email and return -1. */
int cpc__auth_email_arg(struct cpc_http_res *res, const char *email, size_t len, char *out,
                        size_t cap);
/* The peer address ("" when unknown; borrowed from req). */
const char *cpc__auth_ip(struct cpc_http_req *req);
/* The User-Agent cut to what the store keeps (caller's buffer). */
void cpc__auth_ua(struct cpc_http_req *req, char out[CPC_PREFRESH_UA_MAX + 1]);
/* ISO 8601 UTC of a unix-ms time (caller's buffer). */
void cpc__auth_iso_time(char out[32], uint64_t ms);
/* Latest time a ?from= / ?to= may name: 9999-12-31T23:59:59.999Z. */
#define CPC_QUERY_TIME_MAX_MS 253402300799999ULL
/* ?key= as unix milliseconds (digits only, at most CPC_QUERY_TIME_MAX_MS) into *out, def
 * when absent: 0, or -1 answered 400 naming key. Nothing to free. */
int cpc__auth_query_ms(struct cpc_http_req *req, struct cpc_http_res *res, const char *key,
                       uint64_t def, uint64_t *out);
/* o[key] = the ISO 8601 UTC string of ms, or null when ms is 0 (o is the caller's). */
void cpc__auth_json_time(json_t *o, const char *key, uint64_t ms);
/* o[key] = v as a JSON integer (amounts and counts are <= INT64_MAX; o is the caller's). */
void cpc__auth_json_u64(json_t *o, const char *key, uint64_t v);
/* Append an audit row at the platform clock; failures are logged, not returned. */
void cpc__auth_audit(struct cpc_platform *p, int64_t user, const char *event, const char *detail);
/* A new JSON array of the role names in roles (caller owns it). */
json_t *cpc__auth_roles_json(uint32_t roles);
/* Add Retry-After: whole seconds (at least 1) from now until reset_ms (unix ms); out (caller's
 * buffer) gets the value for the message. */
void cpc__auth_retry_after(struct cpc_http_res *res, uint64_t reset_ms, uint64_t now,
                           char out[24]);
#define CPC_TOKEN_RATE_PER_MIN 100u /* requests per minute per access-token subject */

/* Authenticate the Bearer access token or API key (Authorization: Bearer cpc_..., or
 * X-API-Key) into *u (caller's struct) for a route needing scope (a CPC_SCOPE_* bit of
 * auth_apikey.h; access tokens hold every scope), count the request in the limiter and
 * add the X-RateLimit-* headers; or answer 401/403/429 and return -1. */
int cpc__auth_bearer(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                     struct cpc_puser *u, uint32_t scope);
/* cpc__auth_bearer (access token only), then 403 forbidden unless the user is an admin. */
int cpc__auth_admin(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                    struct cpc_puser *u);
/* cpc__auth_bearer for scope, then 403 forbidden unless the user has the provider role. */
int cpc__auth_provider(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                       struct cpc_puser *u, uint32_t scope);
/* Parse ?limit (1..max, default def) and ?offset (>= 0, default 0), or answer 400. */
int cpc__auth_paging(struct cpc_http_req *req, struct cpc_http_res *res, uint32_t def,
                     uint32_t max, uint32_t *limit, uint32_t *offset);
/* Parse the {id} path parameter (a positive integer), or answer 400. */
int cpc__auth_id_param(struct cpc_http_req *req, struct cpc_http_res *res, int64_t *id);
/* Issue a refresh token (new family) and an access token for u; *out gets the login
 * answer (caller owns it). */
int cpc__auth_issue_tokens(struct cpc_platform *p, struct cpc_http_req *req,
                           const struct cpc_puser *u, int remember_me, json_t **out,
                           struct cpc_err *err);

#endif

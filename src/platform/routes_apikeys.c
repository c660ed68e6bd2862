/* routes_apikeys.c — POST /api-keys, GET /api-keys, DELETE /api-keys/{id}.
 *
 * Design note. All three act on the Bearer user's own keys and need an
 * access token (CPC_SCOPE_SESSION): an API key, whatever its scopes, can
 * never create, list or delete keys, so a key cannot mint a key with more
 * scopes than its own (an `account` key minting a `jobs` key that spends
 * the custodial wallet), hide a key from its owner, or delete the others.
 * Creation validates everything before any write: name 1..64 bytes
 * without control characters, scopes a non-empty array of read / jobs /
 * account / dc (dc only for a user with the provider role: 403 otherwise), ip_whitelist at most 16 strict CIDRs (auth_apikey.h),
 * rate_per_min 1..100000 (default 1000). The key is made here, answered
 * once in "key" and wiped; the store gets only its keyed hash and the
 * display prefix, and the list never holds a secret. Deleting another
 * user's key answers 404 exactly like a missing one, so ids reveal nothing.
 * Creation and deletion are audit-logged (id and prefix only).
 */
#include "routes_apikeys.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/platform_store.h"
#include "auth_apikey.h"
#include "auth_http.h"
#include "platform.h"

static json_t *key_json(const struct cpc_papikey *k)
{
    char when[32];
    cpc__auth_iso_time(when, k->created_ms);
    return json_pack("{s:I, s:s, s:s, s:o, s:o, s:i, s:I, s:s}", "id", (json_int_t)k->id,
                     "name", k->name, "prefix", k->prefix, "scopes", cpc_scopes_json(k->scopes),
                     "ip_whitelist", cpc_cidr_list_json(k->ip_whitelist), "rate_per_min",
                     (int)k->rate_per_min, "created_ms", (json_int_t)k->created_ms,
                     "created_at", when);
}

static int name_ok(const char *s, size_t len)
{
    if (len == 0 || len > CPC_PAPIKEY_NAME_MAX || memchr(s, 0, len))
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* Validate the body into *k (caller's struct) for user u; -1 with a 400 (403 for a dc key
 * of a non-provider) answered. */
static int parse_body(struct cpc_http_res *res, json_t *j, struct cpc_papikey *k,
                      const struct cpc_puser *u)
{
    const char *name = NULL, *why = NULL;
    size_t name_len = 0;
    json_t *scopes = NULL, *ips = NULL;
    json_int_t rate = CPC_APIKEY_RATE_DEFAULT;
    json_error_t je;
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%, s:o, s?o, s?I}", "name", &name, &name_len,
                       "scopes", &scopes, "ip_whitelist", &ips, "rate_per_min", &rate) != 0) {
        cpc__auth_bad_fields(res, &je,
                             "{\"name\": string, \"scopes\": "
                             "[\"read\"|\"jobs\"|\"account\"|\"dc\"], "
                             "\"ip_whitelist\"?: [CIDR], \"rate_per_min\"?: integer}");
        return -1;
    }
    if (!name_ok(name, name_len)) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "name is 1..%d bytes without control characters",
                           CPC_PAPIKEY_NAME_MAX);
        return -1;
    }
    if (cpc_scopes_parse(scopes, &k->scopes) != 0) {
        cpc_http_res_error(res, 400, "invalid_scope",
                           "scopes must be a non-empty array of \"read\", \"jobs\", \"account\", "
                           "\"dc\"");
        return -1;
    }
    if ((k->scopes & CPC_SCOPE_DC) && !(u->roles & CPC_ROLE_PROVIDER)) {
        cpc_http_res_error(res, 403, "forbidden",
                           "only a provider may hold a \"dc\" key (the fleet is its servers)");
        return -1;
    }
    if (ips && cpc_cidr_list_parse(ips, k->ip_whitelist, &why) != 0) {
        cpc_http_res_error(res, 400, "invalid_cidr", "%s", why);
        return -1;
    }
    if (rate < 1 || rate > (json_int_t)CPC_APIKEY_RATE_MAX) {
        cpc_http_res_error(res, 400, "invalid_argument", "rate_per_min must be 1..%u",
                           CPC_APIKEY_RATE_MAX);
        return -1;
    }
    memcpy(k->name, name, name_len);
    k->name[name_len] = 0;
    k->rate_per_min = (uint32_t)rate;
    return 0;
}

void cpc__h_apikeys_post_as(struct cpc_http_req *req, struct cpc_http_res *res,
                            const struct cpc_puser *u)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    struct cpc_papikey k;
    memset(&k, 0, sizeof k);
    char key[CPC_APIKEY_LEN + 1] = {0};
    uint8_t hash[32];
    struct cpc_err err = {0};
    if (parse_body(res, j, &k, u) != 0)
        goto out;
    k.user = u->id;
    k.created_ms = cpc_platform_now(p);
    cpc_apikey_new(key, k.prefix);
    if (cpc_apikey_hash(p, key, hash) != 0) {
        cpc_err_set(&err, CPC_ERR_INTERNAL, "a new API key does not parse");
        cpc__auth_internal(res, &err);
        goto out;
    }
    int rc = cpc_pstore_apikey_insert(p->store, &k, hash, CPC_APIKEYS_PER_USER, &k.id, &err);
    if (rc == CPC_ERR_TOO_LARGE) {
        cpc_http_res_error(res, 409, "too_many_keys", "at most %u API keys per user; delete one",
                           CPC_APIKEYS_PER_USER);
        goto out;
    }
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    char d[64];
    snprintf(d, sizeof d, "id=%lld prefix=%s", (long long)k.id, k.prefix);
    cpc__auth_audit(p, u->id, "apikey_created", d);
    json_t *out = key_json(&k);
    json_object_set_new(out, "key", json_string(key));
    cpc_http_res_json(res, 201, out);
out:
    sodium_memzero(key, sizeof key);
    json_decref(j);
}

void cpc_h_apikeys_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, cpc__auth_plat(req), &u, CPC_SCOPE_SESSION) == 0)
        cpc__h_apikeys_post_as(req, res, &u);
}

void cpc_h_apikeys_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_SESSION) != 0)
        return;
    struct cpc_papikey *rows = calloc(CPC_APIKEYS_PER_USER, sizeof *rows);
    if (!rows)
        return cpc_http_res_error(res, 503, "unavailable", "out of memory");
    size_t n = 0;
    struct cpc_err err = {0};
    if (cpc_pstore_apikey_list(p->store, u.id, rows, CPC_APIKEYS_PER_USER, &n, &err) != 0) {
        cpc__auth_internal(res, &err);
    } else {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, key_json(&rows[i]));
        cpc_http_res_json(res, 200, json_pack("{s:o}", "keys", a));
    }
    free(rows);
}

void cpc_h_apikeys_delete(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_SESSION) != 0)
        return;
    const char *v = req->n_params ? req->params[0] : NULL;
    char *end = NULL;
    errno = 0;
    long long id = v ? strtoll(v, &end, 10) : 0;
    if (!v || !*v || *end || errno != 0 || id <= 0 || v[0] == '+' || v[0] == ' ')
        return cpc_http_res_error(res, 400, "invalid_argument",
                                  "the key id must be a positive integer");
    int deleted = 0;
    struct cpc_err err = {0};
    if (cpc_pstore_apikey_delete(p->store, u.id, id, &deleted, &err) != 0)
        return cpc__auth_internal(res, &err);
    if (!deleted)
        return cpc_http_res_error(res, 404, "not_found", "no API key %lld of yours", id);
    char d[32];
    snprintf(d, sizeof d, "id=%lld", id);
    cpc__auth_audit(p, u.id, "apikey_deleted", d);
    cpc_http_res_json(res, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
}

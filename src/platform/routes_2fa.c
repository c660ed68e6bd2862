/* routes_2fa.c — TOTP 2FA: setup, enable, disable, and the second factor of
 * a login.
 *
 * Design note. /setup makes a secret (auth_totp.h) and stores it sealed and
 * inactive, replacing an earlier pending one; the answer shows it once, as
 * base32 and as an otpauth:// URI for authenticator apps. /enable proves the
 * user's app has it (one valid code), activates it and answers 10 recovery
 * codes, shown once and stored hashed. /disable needs the password and a code
 * (TOTP or recovery). A TOTP time step is accepted once per user (the store
 * keeps the last used step), so a code seen over a shoulder cannot be
 * replayed within its 90-second window; a recovery code is spent by the
 * UPDATE that accepts it. Every change is audit-logged; secrets and codes
 * never are.
 */
#include "routes_2fa.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "../store/platform_store.h"
#include "auth_http.h"
#include "auth_tokens.h"
#include "auth_totp.h"
#include "platform.h"

int cpc__auth_second_factor(struct cpc_platform *p, int64_t user, const char *code, int *ok,
                            struct cpc_err *err)
{
    *ok = 0;
    if (!cpc_auth_code_format_ok(code)) {
        uint8_t hash[32];
        if (cpc_recovery_hash(p, user, code, hash) != 0)
            return 0;
        int rc = cpc_pstore_recovery_use(p->store, user, hash, ok, err);
        if (rc == 0 && *ok)
            cpc__auth_audit(p, user, "recovery_code_used", NULL);
        return rc;
    }
    uint8_t sealed[CPC_PTOTP_SEALED_MAX], raw[CPC_TOTP_SECRET_BYTES];
    size_t len = 0;
    int enabled = 0;
    uint64_t last = 0, step = 0;
    int rc = cpc_pstore_totp_get(p->store, user, sealed, sizeof sealed, &len, &enabled, &last,
                                 err);
    if (rc == CPC_ERR_NOT_FOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (!enabled)
        return 0;
    if (cpc_totp_open(p, user, sealed, len, raw) != 0) {
        CPC_LOGE("auth: the TOTP secret of user %lld does not open (platform key changed?)",
                 (long long)user);
        return 0;
    }
    if (cpc_totp_check(raw, cpc_platform_now(p), code, &step) == 0)
        rc = cpc_pstore_totp_use_step(p->store, user, step, ok, err);
    sodium_memzero(raw, sizeof raw);
    return rc;
}

/* otpauth://totp/ComputeChain:EMAIL?secret=S&issuer=ComputeChain (the email
 * percent-encoded but for unreserved characters and '@'). */
static void otpauth_uri(char *out, size_t cap, const char *email, const char *secret)
{
    char label[3 * CPC_PUSER_EMAIL_MAX + 1];
    size_t o = 0;
    for (const unsigned char *c = (const unsigned char *)email; *c && o + 4 < sizeof label; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~@", *c))
            label[o++] = (char)*c;
        else
            o += (size_t)snprintf(label + o, sizeof label - o, "%%%02X", *c);
    }
    label[o] = 0;
    snprintf(out, cap, "otpauth://totp/ComputeChain:%s?secret=%s&issuer=ComputeChain", label,
             secret);
}

void cpc_h_auth_2fa_setup(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_SESSION) != 0)
        return;
    if (u.totp_enabled) {
        cpc_http_res_error(res, 409, "totp_enabled",
                           "two-factor authentication is already on: POST /auth/2fa/disable "
                           "first to change the secret");
        return;
    }
    uint8_t raw[CPC_TOTP_SECRET_BYTES], sealed[CPC_TOTP_SEALED_LEN];
    char b32[CPC_TOTP_B32_LEN + 1], uri[1024];
    struct cpc_err err = {0};
    cpc_totp_secret_new(raw, b32);
    cpc_totp_seal(p, u.id, raw, sealed);
    sodium_memzero(raw, sizeof raw);
    int rc = cpc_pstore_totp_put(p->store, u.id, sealed, sizeof sealed, cpc_platform_now(p), &err);
    if (rc == CPC_ERR_DUPLICATE) {
        cpc_http_res_error(res, 409, "totp_enabled", "two-factor authentication is already on");
    } else if (rc != 0) {
        cpc__auth_internal(res, &err);
    } else {
        otpauth_uri(uri, sizeof uri, u.email, b32);
        cpc__auth_audit(p, u.id, "2fa_setup", cpc__auth_ip(req));
        cpc_http_res_json(res, 200,
                          json_pack("{s:s, s:s, s:s}", "secret", b32, "otpauth_uri", uri, "next",
                                    "add it to an authenticator app, then POST /auth/2fa/enable "
                                    "{\"code\": \"<6 digits>\"}"));
    }
    sodium_memzero(b32, sizeof b32);
    sodium_memzero(uri, sizeof uri);
}

void cpc_h_auth_2fa_enable(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, cpc__auth_plat(req), &u, CPC_SCOPE_SESSION) == 0)
        cpc__h_auth_2fa_enable_as(req, res, &u);
}

void cpc__h_auth_2fa_enable_as(struct cpc_http_req *req, struct cpc_http_res *res,
                               const struct cpc_puser *u)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *code = NULL;
    json_error_t je;
    uint8_t sealed[CPC_PTOTP_SEALED_MAX], raw[CPC_TOTP_SECRET_BYTES];
    uint8_t hashes[CPC_RECOVERY_CODES][32];
    char codes[CPC_RECOVERY_CODES][CPC_RECOVERY_LEN + 2];
    size_t len = 0;
    int enabled = 0;
    uint64_t last = 0, step = 0;
    struct cpc_err err = {0};
    memset(raw, 0, sizeof raw);
    memset(codes, 0, sizeof codes);
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s}", "code", &code) != 0) {
        cpc__auth_bad_fields(res, &je, "{\"code\": \"six digits\"}");
        goto out;
    }
    if (!cpc_auth_code_format_ok(code)) {
        cpc_http_res_error(res, 400, "invalid_argument", "code must be six digits");
        goto out;
    }
    int rc = cpc_pstore_totp_get(p->store, u->id, sealed, sizeof sealed, &len, &enabled, &last,
                                 &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        cpc_http_res_error(res, 409, "totp_not_set_up", "POST /auth/2fa/setup first");
        goto out;
    }
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (enabled) {
        cpc_http_res_error(res, 409, "totp_enabled", "two-factor authentication is already on");
        goto out;
    }
    if (cpc_totp_open(p, u->id, sealed, len, raw) != 0 ||
        cpc_totp_check(raw, cpc_platform_now(p), code, &step) != 0) {
        cpc_http_res_error(res, 400, "invalid_code",
                           "wrong code: check the authenticator app and the device clock");
        goto out;
    }
    json_t *list = json_array();
    for (int i = 0; i < CPC_RECOVERY_CODES; i++) {
        cpc_recovery_new(codes[i]);
        cpc_recovery_hash(p, u->id, codes[i], hashes[i]);
        json_array_append_new(list, json_string(codes[i]));
    }
    rc = cpc_pstore_totp_enable(p->store, u->id, step, (const uint8_t(*)[32])hashes, &err);
    if (rc != 0) {
        json_decref(list);
        if (rc == CPC_ERR_NOT_FOUND)
            cpc_http_res_error(res, 409, "totp_enabled", "two-factor authentication is already on");
        else
            cpc__auth_internal(res, &err);
        goto out;
    }
    cpc__auth_audit(p, u->id, "2fa_enabled", cpc__auth_ip(req));
    cpc_http_res_json(res, 200,
                      json_pack("{s:b, s:o, s:s}", "enabled", 1, "recovery_codes", list, "note",
                                "each recovery code works once in place of a TOTP code; they "
                                "are shown only now"));
out:
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(codes, sizeof codes);
    json_decref(j);
}

void cpc_h_auth_2fa_disable(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, cpc__auth_plat(req), &u, CPC_SCOPE_SESSION) == 0)
        cpc__h_auth_2fa_disable_as(req, res, &u);
}

void cpc__h_auth_2fa_disable_as(struct cpc_http_req *req, struct cpc_http_res *res,
                                const struct cpc_puser *u)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *pw = NULL, *code = NULL;
    size_t pw_len = 0;
    json_error_t je;
    struct cpc_err err = {0};
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%, s:s}", "password", &pw, &pw_len, "code",
                       &code) != 0) {
        cpc__auth_bad_fields(res, &je,
                             "{\"password\": string, \"code\": \"TOTP or recovery code\"}");
        goto out;
    }
    if (!u->totp_enabled) {
        cpc_http_res_error(res, 409, "totp_not_enabled", "two-factor authentication is off");
        goto out;
    }
    if (crypto_pwhash_str_verify(u->password_hash, pw, pw_len) != 0) {
        cpc__auth_audit(p, u->id, "2fa_disable_failed", cpc__auth_ip(req));
        cpc_http_res_error(res, 401, "invalid_credentials", "wrong password");
        goto out;
    }
    int ok = 0;
    if (cpc__auth_second_factor(p, u->id, code, &ok, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (!ok) {
        cpc__auth_audit(p, u->id, "2fa_disable_failed", cpc__auth_ip(req));
        cpc_http_res_error(res, 401, "invalid_totp", "wrong, reused or spent code");
        goto out;
    }
    if (cpc_pstore_totp_disable(p->store, u->id, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    cpc__auth_audit(p, u->id, "2fa_disabled", cpc__auth_ip(req));
    cpc_http_res_json(res, 200, json_pack("{s:b}", "enabled", 0));
out:
    json_decref(j);
}

/* routes_password.c — forgot / reset / change password.
 *
 * Design note. /forgot is limited per IP and per email, counted the same for
 * unknown emails (auth_mail_limit.c: 429 + Retry-After over the limit). Within
 * the limits it answers 202 whatever the email: for a known account
 * it stores a fresh reset token (32 random bytes as 64 hex characters; the
 * store keeps only its keyed BLAKE2b, and a new token voids the previous
 * one) and queues the mail; for an unknown one it makes and hashes a token
 * just the same and drops it, so both paths cost about the same and the mail
 * leaves from the background thread either way. A token is valid one hour
 * and is spent by the UPDATE that claims it (single use even under races).
 * /reset applies the register rules to the new password, clears any
 * lockout, marks the email verified (the mail proved ownership) and ends
 * every session: all refresh tokens are revoked and the token version is
 * bumped, so access tokens die too. /change needs a Bearer token and the old
 * password (401 when wrong); the sessions stay. The argon2 work runs outside
 * every lock; tokens and passwords are never logged.
 */
#include "routes_password.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "../core/hex.h"
#include "../store/platform_store.h"
#include "auth_http.h"
#include "auth_mail_limit.h"
#include "auth_tokens.h"
#include "mailer.h"
#include "platform.h"

#define RESET_TTL_MS (3600u * 1000u)
#define RESET_HEX_LEN 64

/* A fresh reset token (hex) and its keyed hash. */
static void reset_token_new(const struct cpc_platform *p, char hex[RESET_HEX_LEN + 1],
                            uint8_t hash[32])
{
    uint8_t raw[RESET_HEX_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    cpc_hex_encode(hex, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    cpc_auth_code_hash(p, 0, CPC_PCODE_RESET, hex, hash);
}

static int mail_reset(struct cpc_platform *p, const char *email, const char *token,
                      struct cpc_err *err)
{
    char body[768];
    snprintf(body, sizeof body,
             "Someone (hopefully you) asked to reset the password of your ComputeChain\n"
             "account.\n\n"
             "Your password reset token is: %s\n\n"
             "It is valid for 1 hour and works once. Send\n"
             "POST /auth/password/reset {\"token\": \"%s\", \"password\": \"<new password>\"}\n\n"
             "Resetting the password signs out every session. If you did not ask for\n"
             "this, ignore this message: your password is unchanged.\n",
             token, token);
    int rc = cpc_mailer_send(p->mailer, email, "Reset your ComputeChain password", body, err);
    sodium_memzero(body, sizeof body);
    return rc;
}

void cpc_h_auth_password_forgot(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *email_in = NULL;
    size_t email_len = 0;
    json_error_t je;
    char email[CPC_PUSER_EMAIL_MAX + 1], token[RESET_HEX_LEN + 1];
    uint8_t hash[32];
    struct cpc_err err = {0};
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%}", "email", &email_in, &email_len) != 0) {
        cpc__auth_bad_fields(res, &je, "{\"email\": string}");
        goto out;
    }
    if (cpc__auth_email_arg(res, email_in, email_len, email, sizeof email) != 0)
        goto out;
    /* per IP and per email, known or not (before the lookup: a 429 tells nothing) */
    if (cpc__auth_mail_limit(req, res, p, CPC_MAIL_FORGOT, email) != 0)
        goto out;
    struct cpc_puser u;
    int known = cpc_pstore_user_by_email(p->store, email, &u, &err) == 0 && !u.blocked;
    reset_token_new(p, token, hash); /* for an unknown email too: the same work */
    if (known) {
        if (cpc_pstore_code_put(p->store, u.id, CPC_PCODE_RESET, hash,
                                cpc_platform_now(p) + RESET_TTL_MS, &err) != 0 ||
            mail_reset(p, u.email, token, &err) != 0)
            CPC_LOGE("auth: password reset mail: %s", err.msg);
        else
            cpc__auth_audit(p, u.id, "password_reset_requested", cpc__auth_ip(req));
    }
    sodium_memzero(token, sizeof token);
    cpc_http_res_json(res, 202,
                      json_pack("{s:s}", "status",
                                "if an account exists for this email, a reset token was sent"));
out:
    json_decref(j);
}

/* 0 if s is exactly RESET_HEX_LEN lowercase hex characters. */
static int token_format_ok(const char *s)
{
    if (!s || strlen(s) != RESET_HEX_LEN)
        return 0;
    for (size_t i = 0; i < RESET_HEX_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

void cpc_h_auth_password_reset(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *token = NULL, *pw = NULL;
    size_t pw_len = 0;
    json_error_t je;
    char pwhash[CPC_PLATFORM_HASH_STR];
    struct cpc_err err = {0};
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s, s:s%}", "token", &token, "password", &pw,
                       &pw_len) != 0) {
        cpc__auth_bad_fields(res, &je, "{\"token\": string, \"password\": string}");
        goto out;
    }
    if (!token_format_ok(token)) {
        cpc_http_res_error(res, 400, "invalid_token",
                           "a reset token is the 64 hex characters from the email");
        goto out;
    }
    const char *why = cpc_auth_password_problem(pw, pw_len);
    if (why) {
        cpc_http_res_error(res, 400, "weak_password", "%s", why);
        goto out;
    }
    uint8_t hash[32];
    cpc_auth_code_hash(p, 0, CPC_PCODE_RESET, token, hash);
    int64_t code_id = 0, user = 0;
    int won = 0;
    int rc = cpc_pstore_code_by_hash(p->store, CPC_PCODE_RESET, hash, cpc_platform_now(p),
                                     &code_id, &user, &err);
    if (rc == 0 && crypto_pwhash_str(pwhash, pw, pw_len, p->pw_ops, p->pw_mem) != 0) {
        cpc_http_res_error(res, 503, "unavailable", "out of memory hashing the password");
        goto out;
    }
    if (rc == 0)
        rc = cpc_pstore_code_claim(p->store, code_id, &won, &err);
    if (rc != 0 && rc != CPC_ERR_NOT_FOUND) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (rc == CPC_ERR_NOT_FOUND || !won) {
        cpc_http_res_error(res, 400, "invalid_token",
                           "unknown, expired or already used reset token (a token works once, "
                           "for 1 hour: ask POST /auth/password/forgot for a new one)");
        goto out;
    }
    int n = 0;
    if ((rc = cpc_pstore_user_set_password(p->store, user, pwhash, &err)) != 0 ||
        (rc = cpc_pstore_user_set_verified(p->store, user, &err)) != 0 ||
        (rc = cpc_pstore_refresh_revoke_user(p->store, user, &n, &err)) != 0 ||
        (rc = cpc_pstore_user_bump_token_version(p->store, user, &err)) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    cpc__auth_audit(p, user, "password_reset", cpc__auth_ip(req));
    cpc_http_res_json(res, 200,
                      json_pack("{s:b, s:i}", "password_reset", 1, "sessions_revoked", n));
out:
    sodium_memzero(pwhash, sizeof pwhash);
    json_decref(j);
}

void cpc_h_auth_password_change(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, cpc__auth_plat(req), &u, CPC_SCOPE_SESSION) == 0)
        cpc__h_auth_password_change_as(req, res, &u);
}

void cpc__h_auth_password_change_as(struct cpc_http_req *req, struct cpc_http_res *res,
                                    const struct cpc_puser *u)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *old_pw = NULL, *pw = NULL;
    size_t old_len = 0, pw_len = 0;
    json_error_t je;
    char pwhash[CPC_PLATFORM_HASH_STR];
    struct cpc_err err = {0};
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%, s:s%}", "old_password", &old_pw, &old_len,
                       "new_password", &pw, &pw_len) != 0) {
        cpc__auth_bad_fields(res, &je, "{\"old_password\": string, \"new_password\": string}");
        goto out;
    }
    const char *why = cpc_auth_password_problem(pw, pw_len);
    if (why) {
        cpc_http_res_error(res, 400, "weak_password", "%s", why);
        goto out;
    }
    if (crypto_pwhash_str_verify(u->password_hash, old_pw, old_len) != 0) {
        cpc__auth_audit(p, u->id, "password_change_failed", cpc__auth_ip(req));
        cpc_http_res_error(res, 401, "invalid_credentials", "the old password is wrong");
        goto out;
    }
    if (crypto_pwhash_str(pwhash, pw, pw_len, p->pw_ops, p->pw_mem) != 0) {
        cpc_http_res_error(res, 503, "unavailable", "out of memory hashing the password");
        goto out;
    }
    if (cpc_pstore_user_set_password(p->store, u->id, pwhash, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    cpc__auth_audit(p, u->id, "password_changed", cpc__auth_ip(req));
    cpc_http_res_json(res, 200, json_pack("{s:b}", "password_changed", 1));
out:
    sodium_memzero(pwhash, sizeof pwhash);
    json_decref(j);
}

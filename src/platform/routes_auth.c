/* routes_auth.c — HTTP handlers of platform accounts: sign-up, email
 * verification, sign-in, refresh-token rotation, logout and GET /me.
 *
 * Design note. Handlers run on the HTTP pool; the store serialises its own
 * connection, and argon2 (the slow part) runs outside any lock. The rules
 * (docs/platform.md): 5 login attempts per IP per minute (429 + Retry-After),
 * 5 wrong passwords lock the account 15 min (423), an unknown email still
 * costs one argon2 verification against a dummy hash and is locked the same
 * way after 5 failures (counted under a keyed hash of the email, never the
 * email, in a bounded table: at most UNKNOWN_ROWS rows, each kept
 * UNKNOWN_KEEP_MS after its last failure), so the lockout answer (status,
 * body, Retry-After, one commit per failure) tells nobody whether an
 * account exists; every attempt is
 * recorded and logins, lockouts and registrations are audit-logged. Secrets
 * (passwords, codes, tokens) are never logged, never in an error message and
 * reach the store only hashed. Refresh tokens rotate on every use within a
 * family; presenting a rotated one revokes the family. Time is the platform
 * clock (cpc_platform_now) throughout. Register and resend send mail, so
 * they are limited per IP (and resend per email; auth_mail_limit.c) with
 * 429 + Retry-After. A user with 2FA must also send
 * "totp" (routes_2fa.c checks it; a wrong one counts as a failed login).
 * Shared helpers live in auth_http.c.
 */
#include "routes_auth.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"
#include "../store/platform_store.h"
#include "auth_http.h"
#include "auth_mail_limit.h"
#include "auth_tokens.h"
#include "mailer.h"
#include "routes_2fa.h"
#include "../node/node.h"
#include "platform.h"

#define MAX_FAILS 5u
#define LOCK_MS (15u * 60u * 1000u)
#define RATE_N 5u
#define RATE_WINDOW_MS 60000u
#define CODE_TTL_MS (24u * 3600u * 1000u)
#define CODE_TRIES 5u
#define REFRESH_IDLE_MS (24ull * 3600u * 1000u)
#define REFRESH_REMEMBER_MS (30ull * 24u * 3600u * 1000u)
#define UNKNOWN_ROWS 100000u                           /* failure rows of unknown emails */
#define UNKNOWN_KEEP_MS (30ull * 24u * 3600u * 1000u)  /* kept after their last failure */

/* New code for user, stored hashed, mailed to email. */
static int send_code(struct cpc_platform *p, int64_t user, const char *email, struct cpc_err *err)
{
    char code[7], body[1024], qemail[3 * CPC_PUSER_EMAIL_MAX + 1];
    uint8_t hash[32];
    cpc_auth_code_new(code);
    cpc_auth_code_hash(p, user, CPC_PCODE_VERIFY, code, hash);
    int rc = cpc_pstore_code_put(p->store, user, CPC_PCODE_VERIFY, hash,
                                 cpc_platform_now(p) + CODE_TTL_MS, err);
    if (rc == 0) {
        /* percent-encode the email for the link (RFC 3986 unreserved kept) */
        char *q = qemail;
        for (const unsigned char *e = (const unsigned char *)email; *e; e++) {
            if ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9') ||
                *e == '-' || *e == '.' || *e == '_' || *e == '~')
                *q++ = (char)*e;
            else
                q += sprintf(q, "%%%02X", *e);
        }
        *q = 0;
        snprintf(body, sizeof body,
                 "Welcome to ComputeChain.\n\n"
                 "Your confirmation code is: %s\n\n"
                 "It is valid for 24 hours. Open this link to confirm:\n"
                 "%s/auth/verify?email=%s&code=%s\n\n"
                 "or enter the code in the app, or send\n"
                 "POST /auth/verify {\"email\": \"%s\", \"code\": \"%s\"}\n\n"
                 "If you did not sign up, ignore this message.\n",
                 code, p->public_url, qemail, code, email, code);
        rc = cpc_mailer_send(p->mailer, email, "Your ComputeChain confirmation code", body, err);
        sodium_memzero(body, sizeof body);
    }
    sodium_memzero(code, sizeof code);
    return rc;
}

void cpc_h_auth_register(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *email_in = NULL, *pw = NULL;
    size_t email_len = 0, pw_len = 0;
    json_error_t je;
    char email[CPC_PUSER_EMAIL_MAX + 1], hash[CPC_PLATFORM_HASH_STR];
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%, s:s%}", "email", &email_in, &email_len,
                       "password", &pw, &pw_len) != 0) {
        cpc__auth_bad_fields(res, &je, "{\"email\": string, \"password\": string}");
        goto out;
    }
    if (cpc__auth_email_arg(res, email_in, email_len, email, sizeof email) != 0)
        goto out;
    const char *why = cpc_auth_password_problem(pw, pw_len);
    if (why) {
        cpc_http_res_error(res, 400, "weak_password", "%s", why);
        goto out;
    }
    /* before argon2 and the mail: at most register_limit_ip sign-ups per IP */
    if (cpc__auth_mail_limit(req, res, p, CPC_MAIL_REGISTER, NULL) != 0)
        goto out;
    if (crypto_pwhash_str(hash, pw, pw_len, p->pw_ops, p->pw_mem) != 0) {
        cpc_http_res_error(res, 503, "unavailable", "out of memory hashing the password");
        goto out;
    }
    struct cpc_err err = {0};
    int64_t id = 0;
    uint64_t now = cpc_platform_now(p);
    int rc = cpc_pstore_user_create(p->store, email, hash, CPC_ROLE_CUSTOMER, now, &id, &err);
    if (rc == CPC_ERR_DUPLICATE) {
        cpc_http_res_error(res, 409, "email_taken", "an account with this email already exists");
        goto out;
    }
    if (rc != 0 || (rc = send_code(p, id, email, &err)) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    cpc__auth_audit(p, id, "register", NULL);
    cpc_http_res_json(res, 201,
                      json_pack("{s:I, s:s, s:b, s:s}", "id", (json_int_t)id, "email", email,
                                "email_verified", 0, "next",
                                "a confirmation code was sent by email: POST /auth/verify"));
out:
    json_decref(j);
}

/* The check behind both forms of verify: the email's active code is `code`. */
static void verify_code(struct cpc_http_req *req, struct cpc_http_res *res, const char *email_in,
                        size_t email_len, const char *code)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    char email[CPC_PUSER_EMAIL_MAX + 1];
    struct cpc_err err = {0};
    if (cpc__auth_email_arg(res, email_in, email_len, email, sizeof email) != 0)
        goto out;
    if (!cpc_auth_code_format_ok(code)) {
        cpc_http_res_error(res, 400, "invalid_argument", "code must be six digits");
        goto out;
    }
    struct cpc_puser u;
    int rc = cpc_pstore_user_by_email(p->store, email, &u, &err);
    if (rc == 0 && u.email_verified) {
        cpc_http_res_json(res, 200, json_pack("{s:b}", "email_verified", 1));
        goto out;
    }
    int64_t code_id = 0;
    uint8_t want[32], got[32];
    if (rc == 0)
        rc = cpc_pstore_code_active(p->store, u.id, CPC_PCODE_VERIFY, cpc_platform_now(p),
                                    &code_id, want, &err);
    if (rc != 0 && rc != CPC_ERR_NOT_FOUND) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (rc == 0) {
        cpc_auth_code_hash(p, u.id, CPC_PCODE_VERIFY, code, got);
        if (sodium_memcmp(want, got, 32) != 0) {
            cpc_pstore_code_fail(p->store, code_id, CODE_TRIES, &err);
            rc = CPC_ERR_NOT_FOUND;
        }
    }
    if (rc == CPC_ERR_NOT_FOUND) {
        cpc_http_res_error(res, 400, "invalid_code",
                           "wrong or expired code (after %u wrong tries a code is void: ask "
                           "POST /auth/verify/resend for a new one)",
                           CODE_TRIES);
        goto out;
    }
    if ((rc = cpc_pstore_code_use(p->store, code_id, &err)) != 0 ||
        (rc = cpc_pstore_user_set_verified(p->store, u.id, &err)) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    cpc__auth_audit(p, u.id, "email_verified", NULL);
    cpc_http_res_json(res, 200, json_pack("{s:b}", "email_verified", 1));
out:;
}

/* POST /auth/verify {"email","code"} */
void cpc_h_auth_verify(struct cpc_http_req *req, struct cpc_http_res *res)
{
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *email_in = NULL, *code = NULL;
    size_t email_len = 0;
    json_error_t je;
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%, s:s}", "email", &email_in, &email_len, "code",
                       &code) != 0)
        cpc__auth_bad_fields(res, &je, "{\"email\": string, \"code\": \"six digits\"}");
    else
        verify_code(req, res, email_in, email_len, code);
    json_decref(j);
}

/* GET /auth/verify?email=E&code=C: the link in the confirmation mail. */
void cpc_h_auth_verify_link(struct cpc_http_req *req, struct cpc_http_res *res)
{
    const char *email = cpc_http_req_query(req, "email"), *code = cpc_http_req_query(req, "code");
    if (!email || !code)
        return cpc_http_res_error(res, 400, "invalid_argument",
                                  "the link needs ?email=ADDRESS&code=SIX_DIGITS");
    verify_code(req, res, email, strlen(email), code);
}

void cpc_h_auth_verify_resend(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *email_in = NULL;
    size_t email_len = 0;
    json_error_t je;
    char email[CPC_PUSER_EMAIL_MAX + 1];
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%}", "email", &email_in, &email_len) != 0) {
        cpc__auth_bad_fields(res, &je, "{\"email\": string}");
        goto out;
    }
    if (cpc__auth_email_arg(res, email_in, email_len, email, sizeof email) != 0)
        goto out;
    /* counted for unknown emails too, before the lookup: a 429 tells nothing either */
    if (cpc__auth_mail_limit(req, res, p, CPC_MAIL_RESEND, email) != 0)
        goto out;
    struct cpc_puser u;
    struct cpc_err err = {0};
    /* 202 whatever happens: the answer must not tell whether the email exists */
    if (cpc_pstore_user_by_email(p->store, email, &u, &err) == 0 && !u.email_verified) {
        if (send_code(p, u.id, u.email, &err) != 0)
            CPC_LOGE("auth: resend: %s", err.msg);
        else
            cpc__auth_audit(p, u.id, "verify_resend", NULL);
    }
    cpc_http_res_json(res, 202,
                      json_pack("{s:s}", "status",
                                "if the account exists and is unconfirmed, a new code was sent"));
out:
    json_decref(j);
}

/* 429 with Retry-After when ip already made RATE_N attempts in the window. */
static int rate_limited(struct cpc_platform *p, struct cpc_http_res *res, const char *ip,
                        uint64_t now, int *limited, struct cpc_err *err)
{
    int found = 0;
    uint64_t nth = 0;
    uint64_t since = now >= RATE_WINDOW_MS ? now - RATE_WINDOW_MS + 1 : 0;
    *limited = 0;
    int rc = cpc_pstore_attempt_nth(p->store, ip, since, RATE_N, &found, &nth, err);
    if (rc != 0 || !found)
        return rc;
    uint64_t free_at = nth + RATE_WINDOW_MS;
    uint64_t wait_s = free_at > now ? (free_at - now + 999u) / 1000u : 1;
    char ra[24];
    snprintf(ra, sizeof ra, "%llu", (unsigned long long)(wait_s ? wait_s : 1));
    cpc_http_res_error(res, 429, "rate_limited",
                       "too many login attempts from this address: at most %u per minute; "
                       "retry in %s s",
                       RATE_N, ra);
    cpc_http_res_header(res, "Retry-After", ra);
    *limited = 1;
    return 0;
}

static void locked_answer(struct cpc_http_res *res, uint64_t until, uint64_t now)
{
    char when[32], ra[24];
    cpc__auth_iso_time(when, until);
    snprintf(ra, sizeof ra, "%llu", (unsigned long long)((until - now + 999u) / 1000u));
    cpc_http_res_error(res, 423, "account_locked",
                       "account locked until %s after %u failed logins", when, MAX_FAILS);
    cpc_http_res_header(res, "Retry-After", ra);
}

/* The failure-count key of a (normalised) email: BLAKE2b-256 keyed with the
 * platform's limit key, in its own domain. */
static void unknown_email_key(const struct cpc_platform *p, const char *email, uint8_t key[32])
{
    static const char domain[] = "cpc login failures";
    crypto_generichash_state st;
    crypto_generichash_init(&st, p->limit_key, sizeof p->limit_key, 32);
    crypto_generichash_update(&st, (const uint8_t *)domain, sizeof domain);
    crypto_generichash_update(&st, (const uint8_t *)email, strlen(email));
    crypto_generichash_final(&st, key, 32);
}

/* One argon2id verification of pw against hash, counted in p->login_pw_verifies. */
static int login_pw_verify(struct cpc_platform *p, const char *hash, const char *pw, size_t len)
{
    atomic_fetch_add(&p->login_pw_verifies, 1);
    return crypto_pwhash_str_verify(hash, pw, len);
}

/* One login attempt as its phases see it. */
struct login_try {
    struct cpc_platform *p;
    struct cpc_http_req *req;
    struct cpc_http_res *res;
    const char *email; /* normalised */
    const char *ip;
    const char *ua;
    uint64_t now;
    int known;          /* the email names an account: u is it */
    struct cpc_puser u;
    uint8_t ekey[32];   /* unknown_email_key of email */
};

/* 2FA, after the password, so totp_required reveals nothing to a guesser; a
 * wrong code counts as a failed login (lockout). Returns 0 with *good and
 * *totp_bad updated, or -1 when the answer is given (code missing, error). */
static int login_second_factor(struct login_try *t, const char *totp, int *good, int *totp_bad,
                               struct cpc_err *err)
{
    if (!*good || !t->u.totp_enabled)
        return 0;
    if (!totp) {
        cpc__auth_audit(t->p, t->u.id, "login_totp_required", t->ip);
        cpc_http_res_error(t->res, 401, "totp_required",
                           "this account uses two-factor authentication: send \"totp\" "
                           "(the 6-digit code, or a recovery code)");
        return -1;
    }
    int ok = 0;
    if (cpc__auth_second_factor(t->p, t->u.id, totp, &ok, err) != 0) {
        cpc__auth_internal(t->res, err);
        return -1;
    }
    *good = ok;
    *totp_bad = !ok;
    return 0;
}

/* A wrong password or second factor: the attempt row and the failure count
 * commit together, in one commit, for a known email (the account's count) as
 * for an unknown one (its keyed hash's); then 423 when this failure locks,
 * else 401. Returns 1 when the attempt row was written, 0 when not. */
static int login_failed(struct login_try *t, int totp_bad, struct cpc_err *err)
{
    struct cpc_platform *p = t->p;
    int locked = 0;
    const struct cpc_punknown_limits lim = {
        .max_failures = MAX_FAILS,
        .lock_until_ms = t->now + LOCK_MS,
        .keep_since_ms = t->now > UNKNOWN_KEEP_MS ? t->now - UNKNOWN_KEEP_MS : 0,
        .max_rows = UNKNOWN_ROWS,
    };
    int frc = t->known ? cpc_pstore_login_failed_record(p->store, t->u.id, t->email, t->ip, t->now,
                                                        t->ua, MAX_FAILS, t->now + LOCK_MS,
                                                        &locked, err)
                       : cpc_pstore_unknown_login_failed_record(p->store, t->ekey, t->email,
                                                                t->ip, t->now, t->ua, &lim,
                                                                &locked, err);
    if (frc != 0) {
        cpc__auth_internal(t->res, err);
        return 0;
    }
    int64_t uid = t->known ? t->u.id : 0;
    if (locked) {
        cpc__auth_audit(p, uid, "lockout", t->ip);
        if (t->known)
            CPC_LOGW("auth: account %lld locked for 15 min after %u failed logins",
                     (long long)t->u.id, MAX_FAILS);
        else
            CPC_LOGW("auth: an unknown email locked for 15 min after %u failed logins "
                     "(from %.64s)",
                     MAX_FAILS, t->ip);
        locked_answer(t->res, t->now + LOCK_MS, t->now);
        return 1;
    }
    cpc__auth_audit(p, uid, totp_bad ? "login_totp_failed" : "login_failed", t->ip);
    if (totp_bad)
        cpc_http_res_error(t->res, 401, "invalid_totp", "wrong, reused or spent two-factor code");
    else
        cpc_http_res_error(t->res, 401, "invalid_credentials", "wrong email or password");
    return 1;
}

/* Good credentials: refuse a blocked or unverified account, else issue the
 * tokens (200). Returns 1 when the login succeeded. */
static int login_admit(struct login_try *t, int remember, struct cpc_err *err)
{
    if (t->u.blocked) {
        cpc_http_res_error(t->res, 403, "account_blocked", "this account is blocked");
        return 0;
    }
    if (!t->u.email_verified) {
        cpc_http_res_error(t->res, 403, "email_not_verified",
                           "confirm your email first: POST /auth/verify with the code we sent "
                           "(POST /auth/verify/resend sends a new one)");
        return 0;
    }
    json_t *ans = NULL;
    if (cpc_pstore_user_login_ok(t->p->store, t->u.id, err) != 0 ||
        cpc__auth_issue_tokens(t->p, t->req, &t->u, remember, &ans, err) != 0) {
        cpc__auth_internal(t->res, err);
        return 0;
    }
    cpc__auth_audit(t->p, t->u.id, "login", t->ip);
    cpc_http_res_json(t->res, 200, ans);
    return 1;
}

/* Password, lock and second factor of t (the user already looked up).
 * Returns 1 on a login, else 0 with the answer given; *recorded as login_failed. */
static int login_check(struct login_try *t, const char *pw, size_t pw_len, const char *totp,
                       int remember, int *recorded, struct cpc_err *err)
{
    /* the unknown-email lock is read for every email, so both paths run the same reads */
    uint64_t unknown_until = 0;
    unknown_email_key(t->p, t->email, t->ekey);
    if (cpc_pstore_unknown_login_locked_until(t->p->store, t->ekey, &unknown_until, err) != 0) {
        cpc__auth_internal(t->res, err);
        return 0;
    }
    /* an unknown email costs the same argon2 verification as a known one */
    int good = login_pw_verify(t->p, t->known ? t->u.password_hash : t->p->dummy_hash, pw,
                               pw_len) == 0 &&
               t->known;
    uint64_t locked_until = t->known ? t->u.locked_until_ms : unknown_until;
    if (locked_until > t->now) {
        locked_answer(t->res, locked_until, t->now);
        return 0;
    }
    int totp_bad = 0;
    if (login_second_factor(t, totp, &good, &totp_bad, err) != 0)
        return 0;
    if (!good) {
        *recorded = login_failed(t, totp_bad, err);
        return 0;
    }
    return login_admit(t, remember, err);
}

void cpc_h_auth_login(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *email_in = NULL, *pw = NULL, *totp = NULL;
    size_t email_len = 0, pw_len = 0;
    int remember = 0;
    json_error_t je;
    char email[CPC_PUSER_EMAIL_MAX + 1], ua[CPC_PREFRESH_UA_MAX + 1];
    struct cpc_err err = {0};
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%, s:s%, s?b, s?s}", "email", &email_in,
                       &email_len, "password", &pw, &pw_len, "remember_me", &remember, "totp",
                       &totp) != 0) {
        cpc__auth_bad_fields(res, &je,
                             "{\"email\": string, \"password\": string, \"remember_me\"?: "
                             "boolean, \"totp\"?: string}");
        goto out;
    }
    if (cpc__auth_email_arg(res, email_in, email_len, email, sizeof email) != 0)
        goto out;
    cpc__auth_ua(req, ua);
    struct login_try t = {.p = p, .req = req, .res = res, .email = email,
                          .ip = cpc__auth_ip(req), .ua = ua, .now = cpc_platform_now(p)};
    int limited = 0, success = 0, recorded = 0;
    int rc = rate_limited(p, res, t.ip, t.now, &limited, &err);
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (limited) {
        cpc__auth_audit(p, 0, "login_rate_limited", t.ip);
    } else {
        rc = cpc_pstore_user_by_email(p->store, email, &t.u, &err);
        t.known = rc == 0;
        if (rc != 0 && rc != CPC_ERR_NOT_FOUND)
            cpc__auth_internal(res, &err);
        else
            success = login_check(&t, pw, pw_len, totp, remember, &recorded, &err);
    }
    /* every attempt is recorded; those refused by the rate limit do not extend the
     * window, so Retry-After is exact */
    if (!recorded &&
        cpc_pstore_attempt_add(p->store, email, t.ip, success, limited, t.now, ua, &err) != 0)
        CPC_LOGE("auth: recording a login attempt: %s", err.msg);
out:
    json_decref(j);
}

/* Parse {"refresh_token": hex} into its hash, or answer. */
static int refresh_arg(struct cpc_http_req *req, struct cpc_http_res *res, uint8_t hash[32])
{
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return -1;
    const char *tok = NULL;
    json_error_t je;
    int rc = json_unpack_ex(j, &je, JSON_STRICT, "{s:s}", "refresh_token", &tok);
    if (rc != 0)
        cpc__auth_bad_fields(res, &je, "{\"refresh_token\": string}");
    else if ((rc = cpc_auth_refresh_hash(tok, hash)) != 0)
        cpc__auth_unauthorized(res, "unknown refresh token");
    json_decref(j);
    return rc;
}

/* A rotated token came back: someone holds a copy. Revoke its whole family. */
static void reuse_detected(struct cpc_platform *p, struct cpc_http_req *req,
                           struct cpc_http_res *res, const struct cpc_prefresh *r)
{
    struct cpc_err err = {0};
    if (cpc_pstore_refresh_revoke_family(p->store, r->family, NULL, &err) != 0)
        CPC_LOGE("auth: revoking a token family: %s", err.msg);
    cpc__auth_audit(p, r->user, "refresh_reuse", cpc__auth_ip(req));
    CPC_LOGW("auth: a rotated refresh token of user %lld was presented again; its session "
             "family is revoked",
             (long long)r->user);
    cpc__auth_unauthorized(res, "refresh token reuse detected: this session was revoked; log in again");
}

void cpc_h_auth_refresh(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    uint8_t hash[32];
    if (refresh_arg(req, res, hash) != 0)
        return;
    struct cpc_err err = {0};
    struct cpc_prefresh r;
    uint64_t now = cpc_platform_now(p);
    int rc = cpc_pstore_refresh_by_hash(p->store, hash, &r, &err);
    if (rc == CPC_ERR_NOT_FOUND || (rc == 0 && sodium_memcmp(r.token_hash, hash, 32) != 0))
        return cpc__auth_unauthorized(res, "unknown refresh token");
    if (rc != 0)
        return cpc__auth_internal(res, &err);
    if (r.revoked && r.replaced_by)
        return reuse_detected(p, req, res, &r);
    if (r.revoked)
        return cpc__auth_unauthorized(res, "refresh token revoked; log in again");
    if (now >= r.expires_ms)
        return cpc__auth_unauthorized(res, "refresh token expired; log in again");
    char ua[CPC_PREFRESH_UA_MAX + 1];
    cpc__auth_ua(req, ua);
    if (p->bind_sessions && (strcmp(r.ip, cpc__auth_ip(req)) != 0 || strcmp(r.user_agent, ua) != 0)) {
        cpc__auth_audit(p, r.user, "refresh_binding_mismatch", cpc__auth_ip(req));
        return cpc__auth_unauthorized(res, "refresh token was issued to another IP address or client");
    }
    struct cpc_puser u;
    if ((rc = cpc_pstore_user_by_id(p->store, r.user, &u, &err)) != 0 || u.blocked)
        return cpc__auth_unauthorized(res, "account unavailable");

    struct cpc_prefresh next = r;
    char token[CPC_REFRESH_HEX_LEN + 1];
    cpc_auth_refresh_new(token, next.token_hash);
    next.created_ms = next.last_used_ms = now;
    next.expires_ms = now + (r.remember_me ? REFRESH_REMEMBER_MS : REFRESH_IDLE_MS);
    int64_t nid = 0;
    rc = cpc_pstore_refresh_rotate(p->store, r.id, &next, now, &nid, &err);
    if (rc == CPC_ERR_DUPLICATE) { /* lost a race with another use of the same token */
        sodium_memzero(token, sizeof token);
        return reuse_detected(p, req, res, &r);
    }
    char *access = NULL;
    if (rc == 0)
        rc = cpc_auth_jwt_issue(p, u.id, u.token_version, &access, &err);
    if (rc != 0) {
        sodium_memzero(token, sizeof token);
        return cpc__auth_internal(res, &err);
    }
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:s, s:i, s:s, s:I}", "access_token", access, "token_type",
                                "Bearer", "expires_in", (int)CPC_ACCESS_TTL_S, "refresh_token",
                                token, "refresh_expires_in",
                                (json_int_t)((next.expires_ms - now) / 1000u)));
    free(access);
    sodium_memzero(token, sizeof token);
}

void cpc_h_auth_logout(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    uint8_t hash[32];
    if (refresh_arg(req, res, hash) != 0)
        return;
    struct cpc_err err = {0};
    struct cpc_prefresh r;
    int rc = cpc_pstore_refresh_by_hash(p->store, hash, &r, &err);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_http_res_json(res, 200, json_pack("{s:b}", "revoked", 0));
    int n = 0;
    if (rc != 0 || (rc = cpc_pstore_refresh_revoke_family(p->store, r.family, &n, &err)) != 0)
        return cpc__auth_internal(res, &err);
    cpc__auth_audit(p, r.user, "logout", cpc__auth_ip(req));
    cpc_http_res_json(res, 200, json_pack("{s:b}", "revoked", n > 0));
}

void cpc_h_auth_logout_all(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_SESSION) != 0)
        return;
    struct cpc_err err = {0};
    int n = 0;
    if (cpc_pstore_refresh_revoke_user(p->store, u.id, &n, &err) != 0 ||
        cpc_pstore_user_bump_token_version(p->store, u.id, &err) != 0)
        return cpc__auth_internal(res, &err);
    cpc__auth_audit(p, u.id, "logout_all", cpc__auth_ip(req));
    cpc_http_res_json(res, 200, json_pack("{s:i}", "revoked", n));
}

void cpc_h_me(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_READ) != 0)
        return;
    cpc_http_res_json(res, 200,
                      json_pack("{s:I, s:s, s:s, s:o, s:b, s:s, s:b, s:I}", "id",
                                (json_int_t)u.id, "email", u.email, "display_name",
                                u.display_name, "roles", cpc__auth_roles_json(u.roles),
                                "email_verified", u.email_verified, "kyc_status", u.kyc_status,
                                "totp_enabled", u.totp_enabled, "created_ms",
                                (json_int_t)u.created_ms));
}

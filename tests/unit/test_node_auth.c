/* test_node_auth.c — platform accounts over real HTTP: a real node in this
 * process on 127.0.0.1 (ephemeral port), one fresh home per test.
 *
 * Speed: HOME/config sets [platform] argon2_opslimit = 1 and
 * argon2_memlimit_kib = 8 (libsodium's MIN), so each hash costs microseconds
 * instead of ~100 ms; production defaults stay at INTERACTIVE.
 * Time: the platform clock is replaced by wall time + a test-controlled
 * offset, so lockout, rate-limit windows and token expiry are exercised by
 * moving the clock, never by sleeping. The only waits are for the mail
 * thread to write HOME/outbox/<id>.eml (polled, bounded to 10 s).
 */
#define NODE_AUTH_FIXTURE_OWN_FLOWS /* login and refresh are ours (refresh takes a user agent) */
#include "node_auth_fixture.h"

#include <jwt.h>
#include <sqlite3.h>

static int setup_unbound(void **state) { return setup_with(state, "bind_sessions = false\n"); }

/* ---- helpers for the journey ---- */

static long do_register(struct fixture *f, const char *email, const char *pw, json_t **out)
{
    return post(f, "/auth/register", json_pack("{s:s, s:s}", "email", email, "password", pw), out);
}

/* The code of the newest mail to `to` with id > after (polls up to 10 s). *id gets the mail id. */
static void read_code(struct fixture *f, const char *to, long after, char code[7], long *id)
{
    read_mail(f, to, "confirmation code is: ", 6, after, code, id);
}

static long refresh(struct fixture *f, const char *tok, const char *ua, json_t **out)
{
    json_t *b = json_pack("{s:s}", "refresh_token", tok);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    long st = http_ex(f, "POST", "/auth/refresh", s, NULL, ua, out);
    free(s);
    return st;
}

/* ---- tests ---- */

static void test_register_rules(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    assert_int_equal(do_register(f, "  Alice@Example.COM ", PW, &j), 201);
    assert_string_equal(str(j, "email"), "alice@example.com");
    assert_true(json_is_false(json_object_get(j, "email_verified")));
    json_decref(j);
    expect(f, do_register(f, "alice@example.com", "Other pass 99", NULL), 409, "email_taken");
    expect(f, do_register(f, "ALICE@example.com", PW, NULL), 409, "email_taken");
    assert_int_equal(do_register(f, "bob@example.com", "short1", &j), 400);
    assert_string_equal(err_code(j), "weak_password");
    assert_non_null(strstr(err_msg(j), "at least 8"));
    json_decref(j);
    expect(f, do_register(f, "bob@example.com", "onlyletters", NULL), 400, "weak_password");
    expect(f, do_register(f, "bob@example.com", "1234567890", NULL), 400, "weak_password");
    expect(f, do_register(f, "nope", PW, NULL), 400, "invalid_email");
    expect(f, do_register(f, "a b@example.com", PW, NULL), 400, "invalid_email");
    expect(f, do_register(f, "a@b@example.com", PW, NULL), 400, "invalid_email");
    expect(f, do_register(f, "a@localhost", PW, NULL), 400, "invalid_email");
    expect(f, do_register(f, "x\r\nBcc: y@z.io", PW, NULL), 400, "invalid_email");
    expect(f, post(f, "/auth/register", json_pack("{s:s}", "email", "c@example.com"), NULL), 400,
           "invalid_argument");
    expect(f,
           post(f, "/auth/register",
                json_pack("{s:s, s:s, s:s}", "email", "c@example.com", "password", PW, "x", "y"),
                NULL),
           400, "invalid_argument");
    expect(f, http_ex(f, "POST", "/auth/register", "{nope", NULL, NULL, NULL), 400, "invalid_json");
    /* the verification mail went to the outbox */
    char code[7];
    read_code(f, "alice@example.com", 0, code, NULL);
    for (int i = 0; i < 6; i++)
        assert_true(code[i] >= '0' && code[i] <= '9');
}

static void test_verify_login_me(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    const char *email = "carol@example.com";
    expect(f, do_register(f, email, PW, NULL), 201, NULL);
    expect(f, post(f, "/auth/login", json_pack("{s:s, s:s}", "email", email, "password", PW), NULL),
           403, "email_not_verified");
    char code[7], wrong[7];
    read_code(f, email, 0, code, NULL);
    snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + 1) % 1000000);
    expect(f, post(f, "/auth/verify", json_pack("{s:s, s:s}", "email", email, "code", wrong), NULL),
           400, "invalid_code");
    expect(f,
           post(f, "/auth/verify", json_pack("{s:s, s:s}", "email", email, "code", "12ab56"), NULL),
           400, "invalid_argument");
    expect(f,
           post(f, "/auth/verify",
                json_pack("{s:s, s:s}", "email", "nobody@example.com", "code", code), NULL),
           400, "invalid_code");
    expect(f, post(f, "/auth/verify", json_pack("{s:s, s:s}", "email", email, "code", code), NULL),
           200, NULL);
    assert_int_equal(post(f, "/auth/login",
                          json_pack("{s:s, s:s}", "email", "  CAROL@example.com", "password", PW),
                          &j),
                     200);
    char access[2048], rt[80];
    snprintf(access, sizeof access, "%s", str(j, "access_token"));
    snprintf(rt, sizeof rt, "%s", str(j, "refresh_token"));
    assert_int_equal(json_integer_value(json_object_get(j, "expires_in")), 900);
    assert_string_equal(str(j, "token_type"), "Bearer");
    assert_int_equal(strlen(rt), 64);
    json_decref(j);

    assert_int_equal(http_ex(f, "GET", "/me", NULL, access, NULL, &j), 200);
    assert_string_equal(str(j, "email"), email);
    assert_true(json_is_true(json_object_get(j, "email_verified")));
    assert_string_equal(str(j, "kyc_status"), "none");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "roles"), 0)),
                        "customer");
    assert_true(json_integer_value(json_object_get(j, "id")) > 0);
    assert_true(json_integer_value(json_object_get(j, "created_ms")) > 0);
    json_decref(j);
    expect(f, http_ex(f, "GET", "/me", NULL, NULL, NULL, NULL), 401, "invalid_token");
    expect(f, http_ex(f, "GET", "/me", NULL, "garbage", NULL, NULL), 401, "invalid_token");

    /* alg none: header {"alg":"none"}, same claims, empty signature */
    char *dot = strchr(access, '.');
    char *dot2 = strchr(dot + 1, '.');
    char hdr[128], forged[2200];
    const char none_hdr[] = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
    sodium_bin2base64(hdr, sizeof hdr, (const unsigned char *)none_hdr, strlen(none_hdr),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(forged, sizeof forged, "%s.%.*s.", hdr, (int)(dot2 - dot - 1), dot + 1);
    expect(f, http_ex(f, "GET", "/me", NULL, forged, NULL, NULL), 401, "invalid_token");

    /* the same claims signed with another key, and with the right key but HS384 */
    char path[512];
    snprintf(path, sizeof path, "%s/platform.key", f->home);
    size_t klen = 0;
    char *key = read_file(path, &klen);
    assert_non_null(key);
    assert_int_equal(klen, 32);
    const unsigned char other[] = "another key of thirty-two bytes!";
    struct {
        jwt_alg_t alg;
        const unsigned char *key;
        int len;
        long want;
    } cases[] = {
        {JWT_ALG_HS256, other, 32, 401},
        {JWT_ALG_HS384, (const unsigned char *)key, 32, 401},
        {JWT_ALG_HS256, (const unsigned char *)key, 32, 200}, /* sanity: the real key works */
    };
    json_t *me = NULL;
    assert_int_equal(http_ex(f, "GET", "/me", NULL, access, NULL, &me), 200);
    char sub[32];
    snprintf(sub, sizeof sub, "%lld", (long long)json_integer_value(json_object_get(me, "id")));
    json_decref(me);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jwt_t *t = NULL;
        assert_int_equal(jwt_new(&t), 0);
        assert_int_equal(jwt_set_alg(t, cases[i].alg, cases[i].key, cases[i].len), 0);
        long now = (long)(test_clock(f) / 1000u);
        jwt_add_grant(t, "sub", sub);
        jwt_add_grant_int(t, "iat", now);
        jwt_add_grant_int(t, "exp", now + 600);
        jwt_add_grant_int(t, "ver", 0);
        char *tok = jwt_encode_str(t);
        jwt_free(t);
        assert_int_equal(http_ex(f, "GET", "/me", NULL, tok, NULL, &j), cases[i].want);
        json_decref(j);
        free(tok);
    }
    free(key);

    /* the access token dies after 15 minutes */
    advance(f, 15 * 60 * 1000 + 1000);
    expect(f, http_ex(f, "GET", "/me", NULL, access, NULL, NULL), 401, "invalid_token");
}

static void test_resend(void **state)
{
    struct fixture *f = *state;
    const char *email = "dave@example.com";
    expect(f, do_register(f, email, PW, NULL), 201, NULL);
    char code1[7], code2[7];
    long id1 = 0;
    read_code(f, email, 0, code1, &id1);
    expect(f,
           post(f, "/auth/verify/resend", json_pack("{s:s}", "email", "ghost@example.com"), NULL),
           202, NULL);
    expect(f, post(f, "/auth/verify/resend", json_pack("{s:s}", "email", email), NULL), 202, NULL);
    read_code(f, email, id1, code2, NULL);
    if (strcmp(code1, code2) != 0) /* the old code was retired (unless the dice repeated) */
        expect(
            f,
            post(f, "/auth/verify", json_pack("{s:s, s:s}", "email", email, "code", code1), NULL),
            400, "invalid_code");
    expect(f, post(f, "/auth/verify", json_pack("{s:s, s:s}", "email", email, "code", code2), NULL),
           200, NULL);
}

static void test_refresh_rotation(void **state)
{
    struct fixture *f = *state;
    json_t *j = signup_login(f, "erin@example.com", PW);
    char r1[80], r2[80], r3[80];
    snprintf(r1, sizeof r1, "%s", str(j, "refresh_token"));
    json_decref(j);
    assert_int_equal(refresh(f, r1, NULL, &j), 200);
    snprintf(r2, sizeof r2, "%s", str(j, "refresh_token"));
    assert_string_not_equal(r1, r2);
    assert_non_null(str(j, "access_token"));
    json_decref(j);
    /* r1 again: reuse, the family (r2 included) is revoked */
    assert_int_equal(refresh(f, r1, NULL, &j), 401);
    assert_non_null(strstr(err_msg(j), "reuse"));
    json_decref(j);
    expect(f, refresh(f, r2, NULL, NULL), 401, "invalid_token");
    expect(f, refresh(f, "zz", NULL, NULL), 401, "invalid_token");

    /* a new login; the token is bound to the User-Agent it was issued to */
    assert_int_equal(post(f, "/auth/login",
                          json_pack("{s:s, s:s}", "email", "erin@example.com", "password", PW), &j),
                     200);
    snprintf(r3, sizeof r3, "%s", str(j, "refresh_token"));
    json_decref(j);
    expect(f, refresh(f, r3, "another-agent/2", NULL), 401, "invalid_token");
    assert_int_equal(refresh(f, r3, NULL, &j), 200);
    snprintf(r3, sizeof r3, "%s", str(j, "refresh_token"));
    json_decref(j);
    /* logout revokes it */
    assert_int_equal(post(f, "/auth/logout", json_pack("{s:s}", "refresh_token", r3), &j), 200);
    assert_true(json_is_true(json_object_get(j, "revoked")));
    json_decref(j);
    expect(f, refresh(f, r3, NULL, NULL), 401, "invalid_token");

    /* 24 h without activity ends a session; remember_me keeps it 30 days */
    assert_int_equal(post(f, "/auth/login",
                          json_pack("{s:s, s:s}", "email", "erin@example.com", "password", PW), &j),
                     200);
    snprintf(r1, sizeof r1, "%s", str(j, "refresh_token"));
    json_decref(j);
    assert_int_equal(post(f, "/auth/login",
                          json_pack("{s:s, s:s, s:b}", "email", "erin@example.com", "password", PW,
                                    "remember_me", 1),
                          &j),
                     200);
    snprintf(r2, sizeof r2, "%s", str(j, "refresh_token"));
    assert_true(json_integer_value(json_object_get(j, "refresh_expires_in")) > 29 * 86400);
    json_decref(j);
    advance(f, 24ull * 3600 * 1000 + 1000);
    expect(f, refresh(f, r1, NULL, NULL), 401, "invalid_token");
    assert_int_equal(refresh(f, r2, NULL, &j), 200);
    json_decref(j);
}

/* With bind_sessions = false a refresh token works from another client. */
static void test_unbound_sessions(void **state)
{
    struct fixture *f = *state;
    json_t *j = signup_login(f, "kim@example.com", PW);
    char r1[80];
    snprintf(r1, sizeof r1, "%s", str(j, "refresh_token"));
    json_decref(j);
    expect(f, refresh(f, r1, "some-other-agent/9", NULL), 200, NULL);
}

static void test_logout_all(void **state)
{
    struct fixture *f = *state;
    json_t *j = signup_login(f, "frank@example.com", PW);
    char a1[2048], r1[80], r2[80];
    snprintf(a1, sizeof a1, "%s", str(j, "access_token"));
    snprintf(r1, sizeof r1, "%s", str(j, "refresh_token"));
    json_decref(j);
    assert_int_equal(post(f, "/auth/login",
                          json_pack("{s:s, s:s}", "email", "frank@example.com", "password", PW),
                          &j),
                     200);
    snprintf(r2, sizeof r2, "%s", str(j, "refresh_token"));
    json_decref(j);
    expect(f, http_ex(f, "POST", "/auth/logout-all", NULL, NULL, NULL, NULL), 401, "invalid_token");
    assert_int_equal(http_ex(f, "POST", "/auth/logout-all", NULL, a1, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "revoked")), 2);
    json_decref(j);
    expect(f, refresh(f, r1, NULL, NULL), 401, "invalid_token");
    expect(f, refresh(f, r2, NULL, NULL), 401, "invalid_token");
    expect(f, http_ex(f, "GET", "/me", NULL, a1, NULL, NULL), 401, "invalid_token");
}

static void test_lockout(void **state)
{
    struct fixture *f = *state;
    json_t *j = signup_login(f, "gina@example.com", PW);
    json_decref(j);
    advance(f, 61000); /* a fresh rate-limit window */
    for (int i = 0; i < 4; i++)
        expect(
            f,
            post(f, "/auth/login",
                 json_pack("{s:s, s:s}", "email", "gina@example.com", "password", "wrong pass 1"),
                 NULL),
            401, "invalid_credentials");
    assert_int_equal(
        post(f, "/auth/login",
             json_pack("{s:s, s:s}", "email", "gina@example.com", "password", "wrong pass 1"), &j),
        423);
    assert_string_equal(err_code(j), "account_locked");
    assert_non_null(strstr(err_msg(j), "locked until"));
    json_decref(j);
    advance(f, 61000);
    /* the right password does not open a locked account */
    expect(f,
           post(f, "/auth/login",
                json_pack("{s:s, s:s}", "email", "gina@example.com", "password", PW), NULL),
           423, "account_locked");
    advance(f, 15 * 60 * 1000);
    assert_int_equal(post(f, "/auth/login",
                          json_pack("{s:s, s:s}", "email", "gina@example.com", "password", PW), &j),
                     200);
    assert_non_null(str(j, "access_token"));
    json_decref(j);
}

/* One login of email with pw: the status, the body with its digits masked
 * (the lock's end is a time) and Retry-After into the caller's buffers. */
static long login_seen(struct fixture *f, const char *email, const char *pw, char body[512],
                       char retry[32])
{
    json_t *j = NULL;
    long st = post(f, "/auth/login", json_pack("{s:s, s:s}", "email", email, "password", pw), &j);
    char *d = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    snprintf(body, 512, "%s", d ? d : "");
    for (char *c = body; *c; c++)
        if (*c >= '0' && *c <= '9')
            *c = '#';
    snprintf(retry, 32, "%s", f->retry_after);
    free(d);
    json_decref(j);
    return st;
}

/* A known and an unknown email answer each login alike, the lockout
 * included: 401 four times, then 423 account_locked with the same body and
 * Retry-After, 423 again even with the right password, and after 15 minutes
 * the count starts over for both. The unknown email's failures are kept under
 * a keyed hash, never the email itself. */
static void test_lockout_unknown_email_alike(void **state)
{
    struct fixture *f = *state;
    json_t *j = signup_login(f, "hana@example.com", PW);
    json_decref(j);
    static const char *const who[2] = {"hana@example.com", "nobody-here@example.com"};
    char body[2][512], retry[2][32];
    long st[2];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 6; i++) {
            if (i % 2 == 0)
                advance(f, 61000); /* a fresh per-IP window: 5 logins a minute */
            const char *pw = i == 5 ? PW : "wrong pass 1"; /* the 6th: the right password */
            for (int w = 0; w < 2; w++)
                st[w] = login_seen(f, who[w], pw, body[w], retry[w]);
            if (st[0] != st[1] || strcmp(body[0], body[1]) || strcmp(retry[0], retry[1]))
                fail_msg("round %d attempt %d: known %ld %s (Retry-After %s), unknown %ld %s "
                         "(Retry-After %s)",
                         round, i + 1, st[0], body[0], retry[0], st[1], body[1], retry[1]);
            assert_int_equal(st[0], i < 4 ? 401 : 423);
            if (i >= 4) {
                assert_non_null(strstr(body[0], "account_locked"));
                assert_true(atoi(retry[0]) > 0 && atoi(retry[0]) <= 15 * 60);
            } else {
                assert_non_null(strstr(body[0], "invalid_credentials"));
            }
        }
        advance(f, 15 * 60 * 1000); /* the locks end; the next round counts from zero */
    }
    /* the counter holds a 32-byte keyed hash, not the email */
    char path[400];
    snprintf(path, sizeof path, "%s/data/chain.db", f->home);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*), min(length(email_key)), "
                                        "max(length(email_key)), sum(instr(email_key, ?1)) "
                                        "FROM unknown_login_failures",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_blob(q, 1, "nobody-here", 11, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 1);
    assert_int_equal(sqlite3_column_int(q, 1), 32);
    assert_int_equal(sqlite3_column_int(q, 2), 32);
    assert_int_equal(sqlite3_column_int(q, 3), 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* The failures of unknown emails stay bounded: rows idle since before the
 * cutoff go, and past the row cap the least recently failed ones. */
static void test_unknown_failures_bounded(void **state)
{
    struct fixture *f = *state;
    struct cpc_pstore *s = f->node.platform->store;
    struct cpc_err err = {0};
    uint8_t key[8][32];
    int locked = 0;
    uint64_t until = 0;
    for (int i = 0; i < 8; i++)
        memset(key[i], 0xa0 + i, 32);
    /* a cap of 3: the 8 keys fail in turn, only the 3 most recent are kept */
    struct cpc_punknown_limits lim = {5, 1000000, 0, 3};
    for (int i = 0; i < 8; i++)
        assert_int_equal(cpc_pstore_unknown_login_failed_record(s, key[i], "x@example.com",
                                                                "127.0.0.1", 1000 + i, UA, &lim,
                                                                &locked, &err),
                         0);
    /* lock key 7 (4 more failures) to see which rows are left by their lock */
    for (int i = 0; i < 4; i++)
        assert_int_equal(cpc_pstore_unknown_login_failed_record(s, key[7], "x@example.com",
                                                                "127.0.0.1", 2000 + i, UA, &lim,
                                                                &locked, &err),
                         0);
    assert_int_equal(locked, 1);
    assert_int_equal(cpc_pstore_unknown_login_locked_until(s, key[7], &until, &err), 0);
    assert_true(until == 1000000);
    /* keys 0..4 were dropped: failing them again starts over, so 4 more do not lock */
    for (int i = 0; i < 4; i++)
        assert_int_equal(cpc_pstore_unknown_login_failed_record(s, key[0], "x@example.com",
                                                                "127.0.0.1", 3000 + i, UA, &lim,
                                                                &locked, &err),
                         0);
    assert_int_equal(locked, 0);
    /* the cutoff: everything idle since before 5000 goes, key 7's lock with it */
    lim.keep_since_ms = 5000;
    assert_int_equal(cpc_pstore_unknown_login_failed_record(s, key[1], "x@example.com",
                                                            "127.0.0.1", 6000, UA, &lim, &locked,
                                                            &err),
                     0);
    assert_int_equal(cpc_pstore_unknown_login_locked_until(s, key[7], &until, &err), 0);
    assert_true(until == 0);
    char path[400];
    snprintf(path, sizeof path, "%s/data/chain.db", f->home);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*) FROM unknown_login_failures", -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 1);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void test_rate_limit(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    /* five unknown emails: five failures of one would lock it (423), as an account */
    for (int i = 0; i < 5; i++) {
        char email[64];
        snprintf(email, sizeof email, "nobody%d@example.com", i);
        expect(f,
               post(f, "/auth/login", json_pack("{s:s, s:s}", "email", email, "password", PW),
                    NULL),
               401, "invalid_credentials");
    }
    assert_int_equal(post(f, "/auth/login",
                          json_pack("{s:s, s:s}", "email", "nobody@example.com", "password", PW),
                          &j),
                     429);
    assert_string_equal(err_code(j), "rate_limited");
    json_decref(j);
    int ra = atoi(f->retry_after);
    assert_true(ra >= 1 && ra <= 60);
    /* refused attempts do not extend the window: Retry-After stays exact */
    advance(f, 1000);
    expect(f,
           post(f, "/auth/login",
                json_pack("{s:s, s:s}", "email", "nobody@example.com", "password", PW), NULL),
           429, "rate_limited");
    assert_true(atoi(f->retry_after) <= ra);
    advance(f, (uint64_t)atoi(f->retry_after) * 1000u);
    expect(f,
           post(f, "/auth/login",
                json_pack("{s:s, s:s}", "email", "nobody@example.com", "password", PW), NULL),
           401, "invalid_credentials");
}

static int has_bounded(const char *hay, size_t n, const char *needle, int digit_bounded)
{
    size_t k = strlen(needle);
    for (const char *p = hay; p && (size_t)(p - hay) + k <= n;) {
        p = memmem(p, n - (size_t)(p - hay), needle, k);
        if (!p)
            return 0;
        int before = p > hay && p[-1] >= '0' && p[-1] <= '9';
        int after = (size_t)(p - hay) + k < n && p[k] >= '0' && p[k] <= '9';
        if (!digit_bounded || (!before && !after))
            return 1;
        p++;
    }
    return 0;
}

static void test_no_secrets_at_rest(void **state)
{
    struct fixture *f = *state;
    int saved = log_capture_always(f);

    const char *pw = "Sup3rSecretPassw0rd";
    const char *email = "hank@example.com";
    json_t *j = NULL;
    expect(f, do_register(f, email, pw, NULL), 201, NULL);
    char code[7];
    read_code(f, email, 0, code, NULL);
    expect(f, post(f, "/auth/verify", json_pack("{s:s, s:s}", "email", email, "code", code), NULL),
           200, NULL);
    assert_int_equal(
        post(f, "/auth/login", json_pack("{s:s, s:s}", "email", email, "password", pw), &j), 200);
    char access[2048], r1[80], r2[80];
    snprintf(access, sizeof access, "%s", str(j, "access_token"));
    snprintf(r1, sizeof r1, "%s", str(j, "refresh_token"));
    json_decref(j);
    assert_int_equal(refresh(f, r1, NULL, &j), 200);
    snprintf(r2, sizeof r2, "%s", str(j, "refresh_token"));
    json_decref(j);
    expect(f,
           post(f, "/auth/login",
                json_pack("{s:s, s:s}", "email", email, "password", "Wr0ngPasswordGuess"), NULL),
           401, NULL);

    log_restore(saved);

    const char *secrets[] = {pw, "Wr0ngPasswordGuess", r1, r2, access};
    const char *files[] = {"data/chain.db", "data/chain.db-wal", "test-stderr.log"};
    int email_seen = 0, log_seen = 0; /* positive controls: the grep sees what is there */
    for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", f->home, files[fi]);
        size_t n = 0;
        char *bytes = read_file(path, &n);
        if (!bytes)
            continue; /* no WAL file: nothing to grep */
        for (size_t si = 0; si < sizeof secrets / sizeof secrets[0]; si++)
            if (has_bounded(bytes, n, secrets[si], 0))
                fail_msg("secret #%zu found in %s", si, files[fi]);
        if (has_bounded(bytes, n, code, 1))
            fail_msg("the email code was found in %s", files[fi]);
        if (fi < 2)
            email_seen |= has_bounded(bytes, n, email, 0);
        else
            log_seen = has_bounded(bytes, n, "mail: ", 0);
        free(bytes);
    }
    assert_true(email_seen);
    assert_true(log_seen);
}

static void test_sql_injection_strings(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    const char *email = "x'or'1'='1--@example.com";
    const char *pw = "p' OR '1'='1; DROP TABLE users; --9";
    json_t *login = signup_login(f, email, pw);
    char access[2048];
    snprintf(access, sizeof access, "%s", str(login, "access_token"));
    json_decref(login);
    assert_int_equal(http_ex(f, "GET", "/me", NULL, access, NULL, &j), 200);
    assert_string_equal(str(j, "email"), email); /* stored verbatim */
    json_decref(j);
    expect(f, do_register(f, "a'; DROP TABLE users;--@x.io", PW, NULL), 400, "invalid_email");
    expect(f,
           post(f, "/auth/login",
                json_pack("{s:s, s:s}", "email", "' OR 1=1 --", "password", "x' OR '1'='1"), NULL),
           400, "invalid_email");
    expect(f,
           post(f, "/auth/login",
                json_pack("{s:s, s:s}", "email", "admin@example.com", "password", "' OR ''='"),
                NULL),
           401, "invalid_credentials");
    /* the tables are intact: a normal sign-up still works */
    expect(f, do_register(f, "ivy@example.com", PW, NULL), 201, NULL);
    expect(f, do_register(f, email, PW, NULL), 409, "email_taken");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_login_me, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unbound_sessions, setup_unbound, teardown),
        cmocka_unit_test_setup_teardown(test_logout_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout_unknown_email_alike, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_failures_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_secrets_at_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sql_injection_strings, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

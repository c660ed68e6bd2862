/* test_node_auth_password_totp.c — platform accounts: password recovery and
 * change, TOTP 2FA with recovery codes, and the secrets-at-rest grep for
 * reset tokens, TOTP secrets and recovery codes. Real HTTP to a real
 * node (node_auth_fixture.h); TOTP codes are computed with liboath's
 * oath_totp_generate at the node's fake time, and the time steps are crossed
 * by moving that clock, never by sleeping.
 */
#include "node_auth_fixture.h"
#include "node_totp_helper.h"

#include <oath.h>

#include "store/platform_store.h"

/* Move the clock to the start of the next 30-second step (plus 1 s). */
static void next_step(struct fixture *f)
{
    uint64_t now = test_clock(f);
    advance(f, 30000u - now % 30000u + 1000u);
}

static void forgot(struct fixture *f, const char *email)
{
    expect(f, post(f, "/auth/password/forgot", json_pack("{s:s}", "email", email), NULL), 202,
           NULL);
}

static void test_forgot_reset(void **state)
{
    struct fixture *f = *state;
    const char *email = "rose@example.com";
    json_t *j = signup_login(f, email, PW);
    char a1[2048], r1[80], tok[65], tok2[65];
    snprintf(a1, sizeof a1, "%s", str(j, "access_token"));
    snprintf(r1, sizeof r1, "%s", str(j, "refresh_token"));
    json_decref(j);

    /* 202 for unknown and known alike, same body */
    assert_int_equal(post(f, "/auth/password/forgot", json_pack("{s:s}", "email",
                                                               "ghost@example.com"), &j), 202);
    char *unknown_body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    assert_int_equal(post(f, "/auth/password/forgot", json_pack("{s:s}", "email", " ROSE@example.com"),
                          &j), 202);
    char *known_body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    assert_string_equal(unknown_body, known_body);
    free(unknown_body);
    free(known_body);
    long mid = 0;
    read_mail(f, email, "reset token is: ", 64, 1, tok, &mid);
    for (int i = 0; i < 64; i++)
        assert_non_null(strchr("0123456789abcdef", tok[i]));
    expect(f, post(f, "/auth/password/forgot", json_pack("{s:s}", "email", "nope"), NULL), 400,
           "invalid_email");
    expect(f, post(f, "/auth/password/forgot", json_pack("{s:i}", "email", 3), NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "POST", "/auth/password/forgot", "", NULL, NULL, NULL), 400,
           "invalid_json");

    /* bad inputs */
    expect(f, post(f, "/auth/password/reset", json_pack("{s:s, s:s}", "token", "abc", "password",
                                                        "New pass 777"), NULL),
           400, "invalid_token");
    expect(f, post(f, "/auth/password/reset",
                   json_pack("{s:s, s:s}", "token", "0123456789abcdef0123456789abcdef0123456789"
                                                    "abcdef0123456789abcdef", "password",
                             "New pass 777"), NULL),
           400, "invalid_token");
    expect(f, post(f, "/auth/password/reset", json_pack("{s:s, s:s}", "token", tok, "password",
                                                        "short"), NULL),
           400, "weak_password");
    expect(f, post(f, "/auth/password/reset", json_pack("{s:s}", "token", tok), NULL), 400,
           "invalid_argument");

    /* the reset: new password, every session revoked */
    assert_int_equal(post(f, "/auth/password/reset", json_pack("{s:s, s:s}", "token", tok,
                                                               "password", "New pass 777"), &j),
                     200);
    assert_true(json_integer_value(json_object_get(j, "sessions_revoked")) >= 1);
    json_decref(j);
    expect(f, refresh(f, r1, NULL), 401, "invalid_token");
    expect(f, http_ex(f, "GET", "/me", NULL, a1, NULL, NULL), 401, "invalid_token");
    expect(f, post(f, "/auth/password/reset", json_pack("{s:s, s:s}", "token", tok, "password",
                                                        "Other pass 888"), NULL),
           400, "invalid_token"); /* single use */
    expect(f, login(f, email, PW, NULL, NULL), 401, "invalid_credentials");
    expect(f, login(f, email, "New pass 777", NULL, NULL), 200, NULL);

    /* a newer token voids the older; a token dies after 1 h */
    advance(f, 61000);
    forgot(f, email);
    read_mail(f, email, "reset token is: ", 64, mid, tok, &mid);
    forgot(f, email);
    read_mail(f, email, "reset token is: ", 64, mid, tok2, &mid);
    expect(f, post(f, "/auth/password/reset", json_pack("{s:s, s:s}", "token", tok, "password",
                                                        "Other pass 888"), NULL),
           400, "invalid_token");
    advance(f, 3600u * 1000u + 1000u);
    expect(f, post(f, "/auth/password/reset", json_pack("{s:s, s:s}", "token", tok2, "password",
                                                        "Other pass 888"), NULL),
           400, "invalid_token");
    expect(f, login(f, email, "New pass 777", NULL, NULL), 200, NULL);
}

/* A reset also lifts a lockout and confirms an unverified email. */
static void test_reset_unlocks(void **state)
{
    struct fixture *f = *state;
    const char *email = "sam@example.com";
    expect(f, post(f, "/auth/register", json_pack("{s:s, s:s}", "email", email, "password", PW),
                   NULL), 201, NULL);
    for (int i = 0; i < 5; i++)
        login(f, email, "Wrong pass 1", NULL, NULL);
    advance(f, 61000);
    expect(f, login(f, email, PW, NULL, NULL), 423, "account_locked");
    char tok[65];
    forgot(f, email);
    read_mail(f, email, "reset token is: ", 64, 0, tok, NULL);
    expect(f, post(f, "/auth/password/reset", json_pack("{s:s, s:s}", "token", tok, "password",
                                                        "Fresh pass 555"), NULL), 200, NULL);
    expect(f, login(f, email, "Fresh pass 555", NULL, NULL), 200, NULL);
}

static void test_password_change(void **state)
{
    struct fixture *f = *state;
    const char *email = "tom@example.com";
    json_t *j = signup_login(f, email, PW);
    char a1[2048];
    snprintf(a1, sizeof a1, "%s", str(j, "access_token"));
    json_decref(j);
    json_t *b = json_pack("{s:s, s:s}", "old_password", PW, "new_password", "Changed pw 42");
    expect(f, call(f, "POST", "/auth/password/change", json_incref(b), NULL, NULL), 401,
           "invalid_token");
    expect(f, call(f, "POST", "/auth/password/change",
                   json_pack("{s:s, s:s}", "old_password", "Not it 123", "new_password",
                             "Changed pw 42"), a1, NULL),
           401, "invalid_credentials");
    expect(f, call(f, "POST", "/auth/password/change",
                   json_pack("{s:s, s:s}", "old_password", PW, "new_password", "weak"), a1, NULL),
           400, "weak_password");
    expect(f, call(f, "POST", "/auth/password/change", json_pack("{s:s}", "old_password", PW), a1,
                   NULL),
           400, "invalid_argument");
    expect(f, call(f, "POST", "/auth/password/change", b, a1, NULL), 200, NULL);
    expect(f, http_ex(f, "GET", "/me", NULL, a1, NULL, NULL), 200, NULL); /* session stays */
    advance(f, 61000);
    expect(f, login(f, email, PW, NULL, NULL), 401, "invalid_credentials");
    expect(f, login(f, email, "Changed pw 42", NULL, NULL), 200, NULL);
}

/* Set up and enable 2FA for the Bearer user; secret and codes into the caller's buffers.
 * label is the email as the otpauth URI must show it (percent-encoded). */
static void enable_2fa(struct fixture *f, const char *access, const char *label, char b32[33],
                       char codes[10][12])
{
    json_t *j = NULL;
    assert_int_equal(call(f, "POST", "/auth/2fa/setup", NULL, access, &j), 200);
    snprintf(b32, 33, "%s", str(j, "secret"));
    assert_int_equal(strlen(b32), 32);
    char uri[512];
    snprintf(uri, sizeof uri, "otpauth://totp/ComputeChain:%s?secret=%s&issuer=ComputeChain",
             label, b32);
    assert_string_equal(str(j, "otpauth_uri"), uri);
    json_decref(j);
    char code[7], wrong[7];
    totp_now(f, b32, 0, code);
    snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + 1) % 1000000);
    expect(f, call(f, "POST", "/auth/2fa/enable", json_pack("{s:s}", "code", wrong), access, NULL),
           400, "invalid_code");
    expect(f, call(f, "POST", "/auth/2fa/enable", json_pack("{s:s}", "code", "12345"), access,
                   NULL),
           400, "invalid_argument");
    assert_int_equal(call(f, "POST", "/auth/2fa/enable", json_pack("{s:s}", "code", code), access,
                          &j),
                     200);
    json_t *list = json_object_get(j, "recovery_codes");
    assert_int_equal(json_array_size(list), 10);
    for (size_t i = 0; i < 10; i++) {
        snprintf(codes[i], 12, "%s", json_string_value(json_array_get(list, i)));
        assert_int_equal(strlen(codes[i]), 11);
        assert_int_equal(codes[i][5], '-');
    }
    json_decref(j);
}

static void test_2fa(void **state)
{
    struct fixture *f = *state;
    const char *email = "uma+2fa@example.com";
    json_t *j = signup_login(f, email, PW);
    char a1[2048], b32[33], codes[10][12], code[7];
    snprintf(a1, sizeof a1, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, call(f, "POST", "/auth/2fa/enable", json_pack("{s:s}", "code", "123456"), a1, NULL),
           409, "totp_not_set_up");
    expect(f, call(f, "POST", "/auth/2fa/setup", NULL, NULL, NULL), 401, "invalid_token");
    /* a second setup before enabling replaces the pending secret */
    expect(f, call(f, "POST", "/auth/2fa/setup", NULL, a1, NULL), 200, NULL);
    enable_2fa(f, a1, "uma%2B2fa@example.com", b32, codes);
    assert_true(audit_has(f, "2fa_setup"));
    assert_true(audit_has(f, "2fa_enabled"));
    expect(f, call(f, "POST", "/auth/2fa/setup", NULL, a1, NULL), 409, "totp_enabled");
    assert_int_equal(http_ex(f, "GET", "/me", NULL, a1, NULL, &j), 200);
    assert_true(json_is_true(json_object_get(j, "totp_enabled")));
    json_decref(j);

    /* login: the password alone is not enough; the code of the enable step is spent */
    advance(f, 61000);
    expect(f, login(f, email, PW, NULL, NULL), 401, "totp_required");
    expect(f, login(f, email, "Wrong pw 123", "000000", NULL), 401, "invalid_credentials");
    totp_now(f, b32, 0, code);
    next_step(f);
    totp_now(f, b32, 0, code);
    expect(f, login(f, email, PW, code, NULL), 200, NULL);
    expect(f, login(f, email, PW, code, NULL), 401, "invalid_totp"); /* replay, same step */
    advance(f, 61000);
    /* one step of skew either way is accepted, each step once and in order */
    next_step(f);
    totp_now(f, b32, -30, code);
    expect(f, login(f, email, PW, code, NULL), 200, NULL);
    totp_now(f, b32, -60, code);
    expect(f, login(f, email, PW, code, NULL), 401, "invalid_totp"); /* two steps behind */
    totp_now(f, b32, 30, code);
    expect(f, login(f, email, PW, code, NULL), 200, NULL);
    totp_now(f, b32, 0, code);
    expect(f, login(f, email, PW, code, NULL), 401, "invalid_totp"); /* older than the last */
    next_step(f);
    next_step(f);
    totp_now(f, b32, 60, code);
    expect(f, login(f, email, PW, code, NULL), 401, "invalid_totp"); /* two steps ahead */

    /* a recovery code works once, any case, with or without the dash */
    advance(f, 61000);
    char upper[12], nodash[11];
    for (int i = 0; i < 11; i++)
        upper[i] = (char)(codes[0][i] >= 'a' && codes[0][i] <= 'z' ? codes[0][i] - 32 : codes[0][i]);
    upper[11] = 0;
    expect(f, login(f, email, PW, upper, NULL), 200, NULL);
    expect(f, login(f, email, PW, codes[0], NULL), 401, "invalid_totp");
    snprintf(nodash, sizeof nodash, "%.5s%.5s", codes[1], codes[1] + 6);
    expect(f, login(f, email, PW, nodash, NULL), 200, NULL);
    assert_true(audit_has(f, "recovery_code_used"));
    expect(f, login(f, email, PW, "not-a-code", NULL), 401, "invalid_totp");

    /* wrong codes count toward the lockout ("not-a-code" was the first of five) */
    advance(f, 61000);
    for (int i = 0; i < 3; i++)
        expect(f, login(f, email, PW, "999999", NULL), 401, "invalid_totp");
    expect(f, login(f, email, PW, "999999", NULL), 423, "account_locked");
    advance(f, 16u * 60u * 1000u);

    /* disable: password and a code */
    expect(f, call(f, "POST", "/auth/2fa/disable", json_pack("{s:s, s:s}", "password",
                                                             "Wrong pw 123", "code", codes[2]),
                   a1, NULL),
           401, "invalid_token"); /* a1 is older than 15 min by now */
    json_t *lj = NULL;
    next_step(f);
    totp_now(f, b32, 0, code);
    assert_int_equal(login(f, email, PW, code, &lj), 200);
    char a2[2048];
    snprintf(a2, sizeof a2, "%s", str(lj, "access_token"));
    json_decref(lj);
    expect(f, call(f, "POST", "/auth/2fa/disable", json_pack("{s:s, s:s}", "password",
                                                             "Wrong pw 123", "code", codes[2]),
                   a2, NULL),
           401, "invalid_credentials");
    expect(f, call(f, "POST", "/auth/2fa/disable", json_pack("{s:s, s:s}", "password", PW, "code",
                                                             "123-456"), a2, NULL),
           401, "invalid_totp");
    expect(f, call(f, "POST", "/auth/2fa/disable", json_pack("{s:s}", "password", PW), a2, NULL),
           400, "invalid_argument");
    expect(f, call(f, "POST", "/auth/2fa/disable", json_pack("{s:s, s:s}", "password", PW, "code",
                                                             codes[2]), a2, NULL),
           200, NULL);
    assert_true(audit_has(f, "2fa_disabled"));
    expect(f, call(f, "POST", "/auth/2fa/disable", json_pack("{s:s, s:s}", "password", PW, "code",
                                                             codes[3]), a2, NULL),
           409, "totp_not_enabled");
    advance(f, 61000);
    expect(f, login(f, email, PW, NULL, NULL), 200, NULL);
}

static void test_no_reset_or_totp_secrets_at_rest(void **state)
{
    struct fixture *f = *state;
    int saved = log_capture_always(f);

    const char *email = "vera@example.com";
    json_t *j = signup_login(f, email, PW);
    char a1[2048], b32[33], codes[10][12], tok[65];
    snprintf(a1, sizeof a1, "%s", str(j, "access_token"));
    json_decref(j);
    enable_2fa(f, a1, email, b32, codes);
    next_step(f);
    char code[7];
    totp_now(f, b32, 0, code);
    expect(f, login(f, email, PW, codes[4], NULL), 200, NULL);
    forgot(f, email);
    read_mail(f, email, "reset token is: ", 64, 1, tok, NULL);
    expect(f, post(f, "/auth/password/reset", json_pack("{s:s, s:s}", "token", tok, "password",
                                                        "Reset pass 321"), NULL), 200, NULL);
    /* let the mail thread deliver (and wipe) the reset mail before grepping */
    for (int i = 0; i < 1000; i++) {
        struct cpc_err err = {0};
        uint64_t ms = 0;
        if (cpc_pstore_mail_earliest(f->node.platform->store, &ms, &err) == CPC_ERR_NOT_FOUND)
            break;
        usleep(10000);
    }
    log_restore(saved);

    char *raw = NULL;
    size_t rawn = 0;
    assert_int_equal(oath_base32_decode(b32, strlen(b32), &raw, &rawn), OATH_OK);
    const char *files[] = {"data/chain.db", "data/chain.db-wal", "test-stderr.log"};
    int email_seen = 0;
    for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", f->home, files[fi]);
        size_t n = 0;
        char *bytes = read_file(path, &n);
        if (!bytes)
            continue;
        if (has_bytes(bytes, n, tok, 64))
            fail_msg("the reset token is in %s", files[fi]);
        if (has_bytes(bytes, n, b32, 32) || has_bytes(bytes, n, raw, rawn))
            fail_msg("the TOTP secret is in %s", files[fi]);
        for (int i = 0; i < 10; i++) {
            char nodash[11];
            snprintf(nodash, sizeof nodash, "%.5s%.5s", codes[i], codes[i] + 6);
            if (has_bytes(bytes, n, codes[i], 11) || has_bytes(bytes, n, nodash, 10))
                fail_msg("recovery code %d is in %s", i, files[fi]);
        }
        if (has_bytes(bytes, n, "Reset pass 321", 14))
            fail_msg("the new password is in %s", files[fi]);
        if (fi < 2)
            email_seen |= has_bytes(bytes, n, email, strlen(email));
        free(bytes);
    }
    free(raw);
    assert_true(email_seen); /* positive control: the grep sees what is there */
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_forgot_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_unlocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_password_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_2fa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_reset_or_totp_secrets_at_rest, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

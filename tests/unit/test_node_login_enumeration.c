/* test_node_login_enumeration.c — the login-timing item of the accounts
 * acceptance list ("timing of a login for a known and an unknown email
 * differs by less than 20%"), checked by the work done instead of the time
 * taken, so a busy machine cannot make it fail: a wrong password for a known
 * email and a login for an unknown email each run exactly one argon2id
 * verification (against the account's hash, against the platform's dummy
 * hash; counted in platform->login_pw_verifies) and get the same answer.
 * bench/bench_login_timing.c measures the two times themselves.
 *
 * The lockout answer too: a known email locked by 5 wrong passwords and an
 * unknown one after as many failures both answer 423 account_locked with a
 * Retry-After, each after exactly one verification.
 *
 * Over real HTTP to a real node (node_auth_fixture.h).
 */
#include "node_auth_fixture.h"

/* One login that must run exactly one password verification; returns the status. */
static long login_counted(struct fixture *f, const char *email, const char *pw)
{
    uint64_t before = atomic_load(&f->node.platform->login_pw_verifies);
    long st = login(f, email, pw, NULL, NULL);
    assert_int_equal(atomic_load(&f->node.platform->login_pw_verifies) - before, 1);
    return st;
}

static void test_wrong_password_and_unknown_email_alike(void **state)
{
    struct fixture *f = *state;
    json_t *j = signup_login(f, "tim@example.com", PW);
    json_decref(j);
    advance(f, 61000); /* a fresh per-IP window */
    expect(f, login_counted(f, "tim@example.com", "Wrong horse 99"), 401, "invalid_credentials");
    json_t *known = json_incref(f->last);
    char known_retry[sizeof f->retry_after];
    snprintf(known_retry, sizeof known_retry, "%s", f->retry_after);
    expect(f, login_counted(f, "nobody@example.com", "Wrong horse 99"), 401,
           "invalid_credentials");
    assert_true(json_equal(known, f->last));
    assert_string_equal(known_retry, f->retry_after);
    json_decref(known);
    /* the right password costs the same single verification */
    expect(f, login_counted(f, "tim@example.com", PW), 200, NULL);
}

static void test_locked_known_and_unknown_email_alike(void **state)
{
    struct fixture *f = *state;
    json_t *j = signup_login(f, "lea@example.com", PW);
    json_decref(j);
    static const char *const who[2] = {"lea@example.com", "nobody-locked@example.com"};
    for (int w = 0; w < 2; w++) {
        advance(f, 61000); /* a fresh per-IP window */
        for (int i = 0; i < 5; i++)
            expect(f, login_counted(f, who[w], "Wrong horse 99"), i < 4 ? 401 : 423,
                   i < 4 ? "invalid_credentials" : "account_locked");
    }
    advance(f, 61000); /* still inside the 15-min lock */
    for (int w = 0; w < 2; w++) {
        expect(f, login_counted(f, who[w], "Wrong horse 99"), 423, "account_locked");
        assert_true(f->retry_after[0] != 0);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wrong_password_and_unknown_email_alike, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_locked_known_and_unknown_email_alike, setup,
                                        teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

/* test_node_auth_profile_admin.c — platform accounts: login history,
 * PATCH /me, KYC, `cpcd admin create` (cpc_admin_create fed through
 * a pipe, as when stdin is not a terminal) and the admin routes: block /
 * unblock (tokens stop at once), KYC decisions, the audit log, and 403 for
 * non-admins. Real HTTP to a real node (node_auth_fixture.h).
 */
#include "node_auth_fixture.h"

#include "cpcd/admin_cli.h"
#include "store/platform_store.h"

/* cpc_admin_create with `line` on a pipe as stdin; returns its code. */
static int admin_create(struct fixture *f, const char *email, const char *line, int64_t *id,
                        int *created)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], line, strlen(line)), (ssize_t)strlen(line));
    close(fds[1]);
    struct cpc_err err = {0};
    int rc = cpc_admin_create(f->home, email, fds[0], stderr, id, created, &err);
    if (rc)
        fprintf(stderr, "admin create: %s\n", err.msg);
    close(fds[0]);
    return rc;
}

static void test_history(void **state)
{
    struct fixture *f = *state;
    const char *email = "wes@example.com";
    json_t *j = signup_login(f, email, PW);
    char a1[2048];
    snprintf(a1, sizeof a1, "%s", str(j, "access_token"));
    json_decref(j);
    advance(f, 1000);
    expect(f, http_ex(f, "POST", "/auth/login",
                      "{\"email\":\"wes@example.com\",\"password\":\"Wrong pw 1\"}", NULL,
                      "other-agent/2", NULL),
           401, "invalid_credentials");
    advance(f, 1000);
    expect(f, login(f, "someone@example.com", PW, NULL, NULL), 401, NULL); /* not wes's */
    expect(f, http_ex(f, "GET", "/auth/history", NULL, NULL, NULL, NULL), 401, "invalid_token");
    assert_int_equal(http_ex(f, "GET", "/auth/history", NULL, a1, NULL, &j), 200);
    json_t *a = json_object_get(j, "attempts");
    assert_int_equal(json_array_size(a), 2);
    json_t *first = json_array_get(a, 0), *second = json_array_get(a, 1);
    assert_true(json_is_false(json_object_get(first, "success")));
    assert_string_equal(str(first, "user_agent"), "other-agent/2");
    assert_string_equal(str(first, "ip"), "127.0.0.1");
    assert_non_null(strstr(str(first, "time"), "T"));
    assert_true(json_is_true(json_object_get(second, "success")));
    assert_string_equal(str(second, "user_agent"), UA);
    assert_true(json_integer_value(json_object_get(first, "ms")) >
                json_integer_value(json_object_get(second, "ms")));
    json_decref(j);
    assert_int_equal(http_ex(f, "GET", "/auth/history?limit=1&offset=1", NULL, a1, NULL, &j), 200);
    a = json_object_get(j, "attempts");
    assert_int_equal(json_array_size(a), 1);
    assert_true(json_is_true(json_object_get(json_array_get(a, 0), "success")));
    json_decref(j);
    expect(f, http_ex(f, "GET", "/auth/history?limit=0", NULL, a1, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/auth/history?limit=101", NULL, a1, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/auth/history?offset=-1", NULL, a1, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/auth/history?limit=2x", NULL, a1, NULL, NULL), 400,
           "invalid_argument");
}

static void test_patch_me_kyc(void **state)
{
    struct fixture *f = *state;
    json_t *j = signup_login(f, "xena@example.com", PW);
    char a1[2048];
    snprintf(a1, sizeof a1, "%s", str(j, "access_token"));
    json_decref(j);
    assert_int_equal(call(f, "PATCH", "/me",
                          json_pack("{s:s, s:[s,s]}", "display_name", "Xena 'O'; DROP--", "roles",
                                    "provider", "customer"),
                          a1, &j),
                     200);
    json_decref(j);
    assert_int_equal(http_ex(f, "GET", "/me", NULL, a1, NULL, &j), 200);
    assert_string_equal(str(j, "display_name"), "Xena 'O'; DROP--");
    json_t *roles = json_object_get(j, "roles");
    assert_int_equal(json_array_size(roles), 2);
    assert_string_equal(json_string_value(json_array_get(roles, 0)), "provider");
    assert_string_equal(json_string_value(json_array_get(roles, 1)), "customer");
    json_decref(j);
    assert_int_equal(call(f, "PATCH", "/me", json_pack("{s:[s]}", "roles", "provider"), a1, &j),
                     200);
    assert_int_equal(json_array_size(json_object_get(j, "roles")), 1);
    json_decref(j);
    expect(f, call(f, "PATCH", "/me", json_pack("{s:[s,s]}", "roles", "provider", "admin"), a1,
                   NULL),
           403, "forbidden");
    expect(f, call(f, "PATCH", "/me", json_pack("{s:[s]}", "roles", "root"), a1, NULL), 400,
           "invalid_argument");
    expect(f, call(f, "PATCH", "/me", json_pack("{s:s}", "roles", "provider"), a1, NULL), 400,
           "invalid_argument");
    expect(f, call(f, "PATCH", "/me", json_pack("{s:[i]}", "roles", 1), a1, NULL), 400,
           "invalid_argument");
    expect(f, call(f, "PATCH", "/me", json_pack("{s:s}", "display_name", "a\nb"), a1, NULL), 400,
           "invalid_argument");
    char longname[102];
    memset(longname, 'n', 101);
    longname[101] = 0;
    expect(f, call(f, "PATCH", "/me", json_pack("{s:s}", "display_name", longname), a1, NULL),
           400, "invalid_argument");
    expect(f, call(f, "PATCH", "/me", json_pack("{s:s}", "email", "x@y.io"), a1, NULL), 400,
           "invalid_argument");
    expect(f, call(f, "PATCH", "/me", json_pack("{}"), NULL, NULL), 401, "invalid_token");

    /* KYC: the user submits once */
    assert_int_equal(call(f, "POST", "/me/kyc", json_pack("{}"), a1, &j), 200);
    assert_string_equal(str(j, "kyc_status"), "pending");
    json_decref(j);
    expect(f, call(f, "POST", "/me/kyc", NULL, a1, NULL), 409, "kyc_state");
    expect(f, call(f, "POST", "/me/kyc", json_pack("{s:s}", "doc", "x"), a1, NULL), 400,
           "invalid_argument");
}

static void test_admin(void **state)
{
    struct fixture *f = *state;
    int64_t admin_id = 0, again = 0;
    int created = 0;
    const char *admin_pw = "Admin pass 2024";
    /* the rules of register apply; bad input changes nothing */
    assert_int_not_equal(admin_create(f, "root@example.com", "short\n", &admin_id, &created), 0);
    assert_int_not_equal(admin_create(f, "not an email", "Admin pass 2024\n", &admin_id, &created),
                         0);
    assert_int_not_equal(admin_create(f, "root@example.com", "", &admin_id, &created), 0);
    assert_int_equal(admin_create(f, "Root@Example.com", "Admin pass 2024\r\n", &admin_id, &created),
                     0);
    assert_true(created);
    assert_true(admin_id > 0);

    json_t *j = signup_login(f, "yuri@example.com", PW);
    char ua[2048], ur[80], aa[2048];
    snprintf(ua, sizeof ua, "%s", str(j, "access_token"));
    snprintf(ur, sizeof ur, "%s", str(j, "refresh_token"));
    int64_t uid = 0;
    json_decref(j);
    assert_int_equal(http_ex(f, "GET", "/me", NULL, ua, NULL, &j), 200);
    uid = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    /* promoting an existing user keeps its id */
    assert_int_equal(admin_create(f, "yuri@example.com", "Yuri admin 99\n", &again, &created), 0);
    assert_false(created);
    assert_int_equal(again, uid);
    /* ... and the role shows at once (roles are read per request); take it back for the test */
    assert_int_equal(http_ex(f, "GET", "/me", NULL, ua, NULL, &j), 200);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "roles"), 1)),
                        "admin");
    json_decref(j);
    struct cpc_err err = {0};
    assert_int_equal(cpc_pstore_user_set_roles(f->node.platform->store, uid, CPC_ROLE_CUSTOMER,
                                               &err), 0);

    assert_int_equal(login(f, "root@example.com", admin_pw, NULL, &j), 200);
    snprintf(aa, sizeof aa, "%s", str(j, "access_token"));
    json_decref(j);
    assert_int_equal(http_ex(f, "GET", "/me", NULL, aa, NULL, &j), 200);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "roles"), 0)),
                        "admin");
    json_decref(j);
    /* an admin cannot drop its own admin role through PATCH /me either */
    expect(f, call(f, "PATCH", "/me", json_pack("{s:[s]}", "roles", "customer"), aa, NULL), 403,
           "forbidden");

    char path[128];
    /* non-admins get 403, no token 401 */
    snprintf(path, sizeof path, "/admin/users/%lld/block", (long long)admin_id);
    expect(f, call(f, "POST", path, NULL, ua, NULL), 403, "forbidden");
    expect(f, call(f, "POST", path, NULL, NULL, NULL), 401, "invalid_token");
    expect(f, http_ex(f, "GET", "/admin/audit", NULL, ua, NULL, NULL), 403, "forbidden");
    expect(f, call(f, "POST", path, NULL, aa, NULL), 400, "invalid_argument"); /* itself */
    expect(f, call(f, "POST", "/admin/users/abc/block", NULL, aa, NULL), 400, "invalid_argument");
    expect(f, call(f, "POST", "/admin/users/999999/block", NULL, aa, NULL), 404, "not_found");

    /* KYC decision */
    expect(f, call(f, "POST", "/me/kyc", NULL, ua, NULL), 200, NULL);
    snprintf(path, sizeof path, "/admin/users/%lld/kyc", (long long)uid);
    expect(f, call(f, "POST", path, json_pack("{s:s}", "status", "verified"), ua, NULL), 403,
           "forbidden");
    expect(f, call(f, "POST", path, json_pack("{s:s}", "status", "maybe"), aa, NULL), 400,
           "invalid_argument");
    expect(f, call(f, "POST", path, json_pack("{s:i}", "status", 1), aa, NULL), 400,
           "invalid_argument");
    assert_int_equal(call(f, "POST", path, json_pack("{s:s}", "status", "verified"), aa, &j), 200);
    assert_string_equal(str(j, "kyc_status"), "verified");
    json_decref(j);
    assert_int_equal(http_ex(f, "GET", "/me", NULL, ua, NULL, &j), 200);
    assert_string_equal(str(j, "kyc_status"), "verified");
    json_decref(j);

    /* block: the user's tokens stop at once */
    snprintf(path, sizeof path, "/admin/users/%lld/block", (long long)uid);
    assert_int_equal(call(f, "POST", path, NULL, aa, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "sessions_revoked")), 1);
    json_decref(j);
    expect(f, http_ex(f, "GET", "/me", NULL, ua, NULL, NULL), 401, "invalid_token");
    expect(f, refresh(f, ur, NULL), 401, "invalid_token");
    expect(f, login(f, "yuri@example.com", "Yuri admin 99", NULL, NULL), 403, "account_blocked");
    snprintf(path, sizeof path, "/admin/users/%lld/unblock", (long long)uid);
    expect(f, call(f, "POST", path, NULL, aa, NULL), 200, NULL);
    advance(f, 61000);
    expect(f, login(f, "yuri@example.com", "Yuri admin 99", NULL, NULL), 200, NULL);

    /* the audit log, newest first, paged */
    assert_int_equal(http_ex(f, "GET", "/admin/audit?limit=200", NULL, aa, NULL, &j), 200);
    json_t *ev = json_object_get(j, "events");
    const char *want[] = {"admin_created", "admin_promoted", "kyc_submitted", "kyc_decided",
                          "user_blocked", "user_unblocked"};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        int seen = 0;
        for (size_t i = 0; i < json_array_size(ev); i++)
            seen |= !strcmp(str(json_array_get(ev, i), "event"), want[w]);
        if (!seen)
            fail_msg("audit event %s missing", want[w]);
    }
    assert_true(json_integer_value(json_object_get(json_array_get(ev, 0), "id")) >
                json_integer_value(json_object_get(json_array_get(ev, 1), "id")));
    json_t *first = json_deep_copy(json_array_get(ev, 1));
    json_decref(j);
    assert_int_equal(http_ex(f, "GET", "/admin/audit?limit=1&offset=1", NULL, aa, NULL, &j), 200);
    assert_true(json_equal(json_array_get(json_object_get(j, "events"), 0), first));
    json_decref(first);
    json_decref(j);
    expect(f, http_ex(f, "GET", "/admin/audit?limit=201", NULL, aa, NULL, NULL), 400,
           "invalid_argument");
}

/* PATCH /me roles: a role change is audit-logged. */
static void test_roles_audited(void **state)
{
    struct fixture *f = *state;
    int64_t admin_id = 0;
    int created = 0;
    assert_int_equal(admin_create(f, "boss@example.com", "Boss pass 777\n", &admin_id, &created), 0);
    json_t *j = signup_login(f, "zoe@example.com", PW);
    char a1[2048], aa[2048];
    snprintf(a1, sizeof a1, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, call(f, "PATCH", "/me", json_pack("{s:[s,s]}", "roles", "customer", "provider"), a1,
                   NULL), 200, NULL);
    assert_int_equal(login(f, "boss@example.com", "Boss pass 777", NULL, &j), 200);
    snprintf(aa, sizeof aa, "%s", str(j, "access_token"));
    json_decref(j);
    assert_int_equal(http_ex(f, "GET", "/admin/audit", NULL, aa, NULL, &j), 200);
    json_t *ev = json_object_get(j, "events");
    int seen = 0;
    for (size_t i = 0; i < json_array_size(ev); i++) {
        json_t *e = json_array_get(ev, i);
        if (!strcmp(str(e, "event"), "roles_changed")) {
            seen = 1;
            assert_non_null(strstr(str(e, "detail"), "provider"));
        }
    }
    assert_true(seen);
    json_decref(j);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_me_kyc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_audited, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

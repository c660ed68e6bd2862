/* test_node_auth_limits.c — the abuse limits of the routes that send mail
 * (POST /auth/register, /auth/verify/resend, /auth/password/forgot) over real
 * HTTP against a real node (node_auth_fixture.h), and the confirmation link of
 * the verification mail.
 *
 * Requests come from several loopback addresses (127.0.0.x, f->client_ip), so
 * the per-email limit is tested across IPs and the per-IP limit across
 * emails. Windows are crossed by moving the platform clock. "No mail" is read
 * from the mail queue itself (HOME/data/chain.db, a read-only connection): a
 * refused request must not have queued anything. Unknown emails must get the
 * same answers as known ones, 202 and then 429, and be counted the same.
 */
#include "node_auth_fixture.h"

#include <sqlite3.h>

#include "platform/auth_mail_limit.h"
#include "tmpdir_fixture.h"

#define HOUR_MS (3600u * 1000u)

/* Rows queued in the mail queue for `to` (sent or not). */
static int queued(struct fixture *f, const char *to)
{
    char path[512];
    snprintf(path, sizeof path, "file:%s/data/chain.db?mode=ro", f->home);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL),
                     SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*) FROM mail_queue WHERE \"to\" = ?1", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Audit rows of event whose detail contains needle (NULL: any); asserts no row holds the
 * text `never` (NULL: no check). */
static int audit_count(struct fixture *f, const char *event, const char *needle, const char *never)
{
    struct cpc_paudit rows[200];
    size_t n = 0;
    struct cpc_err err = {0};
    assert_int_equal(cpc_pstore_audit_list(f->node.platform->store, 0, rows, 200, &n, &err), 0);
    int c = 0;
    for (size_t i = 0; i < n; i++) {
        if (never)
            assert_null(strstr(rows[i].detail, never));
        if (!strcmp(rows[i].event, event) && (!needle || strstr(rows[i].detail, needle)))
            c++;
    }
    return c;
}

static long reg(struct fixture *f, const char *email)
{
    return post(f, "/auth/register", json_pack("{s:s, s:s}", "email", email, "password", PW),
                NULL);
}

static long forgot(struct fixture *f, const char *email)
{
    return post(f, "/auth/password/forgot", json_pack("{s:s}", "email", email), NULL);
}

static long resend(struct fixture *f, const char *email)
{
    return post(f, "/auth/verify/resend", json_pack("{s:s}", "email", email), NULL);
}

/* The last answer was 429 rate_limited with a Retry-After in lo..hi seconds. */
static void expect_limited(struct fixture *f, long got, unsigned long lo, unsigned long hi)
{
    expect(f, got, 429, "rate_limited");
    assert_true(f->retry_after[0] != 0);
    unsigned long ra = strtoul(f->retry_after, NULL, 10);
    if (ra < lo || ra > hi)
        fail_msg("Retry-After %lu not in %lu..%lu", ra, lo, hi);
}

/* The compact JSON of the last answer, cut before "retry in" (the seconds may differ by one
 * between two calls); caller frees. */
static char *last_text(struct fixture *f)
{
    char *s = json_dumps(f->last, JSON_COMPACT);
    char *r = s ? strstr(s, "retry in") : NULL;
    if (r)
        *r = 0;
    return s;
}

/* Mails to `to` in the outbox (written by the mail thread). */
static int outbox_count(struct fixture *f, const char *to)
{
    char dir[512], want[300];
    snprintf(dir, sizeof dir, "%s/outbox", f->home);
    snprintf(want, sizeof want, "To: <%s>", to);
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!is_mail_file(e->d_name))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = read_file(path, NULL);
        n += text && strstr(text, want);
        free(text);
    }
    if (d)
        closedir(d);
    return n;
}

/* Wait (up to 10 s) until the outbox holds n mails to `to`. */
static void wait_outbox(struct fixture *f, const char *to, int n)
{
    for (int tries = 0; tries < 1000 && outbox_count(f, to) < n; tries++)
        usleep(10000);
    assert_int_equal(outbox_count(f, to), n);
}

/* 5 sign-ups an hour per IP; the sixth is 429 and creates nothing, another IP is not
 * affected, the window ends after an hour. */
static void test_register_ip_limit(void **state)
{
    struct fixture *f = *state;
    char email[64];
    for (int i = 0; i < 4; i++) {
        snprintf(email, sizeof email, "reg%d@example.com", i);
        expect(f, reg(f, email), 201, NULL);
    }
    /* a duplicate counts too (it costs an argon2 hash); bad input does not */
    expect(f, reg(f, "reg0@example.com"), 409, "email_taken");
    expect(f, reg(f, "not-an-email"), 400, "invalid_email");
    expect_limited(f, reg(f, "late@example.com"), 3500, 3600);
    expect_limited(f, reg(f, "reg0@example.com"), 3500, 3600);
    assert_non_null(strstr(err_msg(f->last), "at most 5 per hour"));
    struct cpc_puser u;
    struct cpc_err err = {0};
    assert_int_equal(cpc_pstore_user_by_email(f->node.platform->store, "late@example.com", &u, &err),
                     CPC_ERR_NOT_FOUND);
    assert_int_equal(queued(f, "late@example.com"), 0);
    /* Retry-After counts down with the clock */
    advance(f, 20u * 60u * 1000u);
    expect_limited(f, reg(f, "late@example.com"), 2300, 2400);
    /* another address has its own budget */
    f->client_ip = "127.0.0.2";
    expect(f, reg(f, "other@example.com"), 201, NULL);
    f->client_ip = NULL;
    /* audited once for the window, with the IP */
    assert_int_equal(audit_count(f, "mail_rate_limited", "register ip 127.0.0.1", NULL), 1);
    /* the hour is over: sign-ups work again, the new one is mailed */
    advance(f, 40u * 60u * 1000u);
    expect(f, reg(f, "late@example.com"), 201, NULL);
    assert_int_equal(queued(f, "late@example.com"), 1);
}

/* 3 forgot requests an hour per email whatever the IP, unknown emails the same. */
static void test_forgot_email_limit(void **state)
{
    struct fixture *f = *state;
    const char *known = "known@example.com", *ghost = "ghost@example.com";
    json_t *j = signup_login(f, known, PW);
    json_decref(j);
    static const char *const ips[] = {"127.0.0.2", "127.0.0.3", "127.0.0.4"};
    char *ok_known = NULL, *ok_ghost = NULL;
    for (int i = 0; i < 3; i++) {
        f->client_ip = ips[i];
        expect(f, forgot(f, known), 202, NULL);
        free(ok_known);
        ok_known = last_text(f);
        expect(f, forgot(f, ghost), 202, NULL);
        free(ok_ghost);
        ok_ghost = last_text(f);
    }
    assert_string_equal(ok_known, ok_ghost); /* the same answer either way */
    assert_int_equal(queued(f, known), 4);    /* the confirmation and 3 reset mails */
    assert_int_equal(queued(f, ghost), 0);
    /* the fourth, from a fresh address: refused for the email, known or not, same answer */
    f->client_ip = "127.0.0.5";
    expect_limited(f, forgot(f, known), 3500, 3600);
    char *lim_known = last_text(f);
    expect_limited(f, forgot(f, ghost), 3500, 3600);
    char *lim_ghost = last_text(f);
    assert_string_equal(lim_known, lim_ghost);
    assert_non_null(strstr(lim_known, "for this email address"));
    assert_int_equal(queued(f, known), 4); /* no mail for the refused one */
    /* the address itself still may ask for other emails */
    expect(f, forgot(f, "third@example.com"), 202, NULL);
    /* the email is counted, never written: the audit rows name the route and IP only */
    assert_int_equal(audit_count(f, "mail_rate_limited", "forgot email", "example.com"), 2);
    /* an hour later the known email gets its reset mail again */
    advance(f, HOUR_MS);
    expect(f, forgot(f, known), 202, NULL);
    assert_int_equal(queued(f, known), 5);
    free(ok_known);
    free(ok_ghost);
    free(lim_known);
    free(lim_ghost);
}

/* 10 forgot requests an hour per IP across emails; other IPs unaffected. */
static void test_forgot_ip_limit(void **state)
{
    struct fixture *f = *state;
    const char *known = "vic@example.com";
    json_t *j = signup_login(f, known, PW);
    json_decref(j);
    f->client_ip = "127.0.0.7";
    char email[64];
    for (int i = 0; i < 10; i++) {
        snprintf(email, sizeof email, "nobody%d@example.com", i);
        expect(f, forgot(f, email), 202, NULL);
    }
    /* the eleventh, for a known email never asked for: refused for the address */
    expect_limited(f, forgot(f, known), 3500, 3600);
    assert_non_null(strstr(err_msg(f->last), "from this address"));
    assert_int_equal(queued(f, known), 1); /* the confirmation only */
    expect_limited(f, forgot(f, "nobody0@example.com"), 1, 3600);
    assert_int_equal(audit_count(f, "mail_rate_limited", "forgot ip 127.0.0.7", NULL), 1);
    /* a refused address did not use up the email's budget: three from elsewhere still work */
    f->client_ip = "127.0.0.8";
    for (int i = 0; i < 3; i++)
        expect(f, forgot(f, known), 202, NULL);
    assert_int_equal(queued(f, known), 4);
    expect_limited(f, forgot(f, known), 1, 3600);
    advance(f, HOUR_MS);
    f->client_ip = "127.0.0.7";
    expect(f, forgot(f, known), 202, NULL);
    assert_int_equal(queued(f, known), 5);
}

/* Resend: 3 an hour per email (across IPs, unknown emails too), 10 per IP; the code still
 * works after the window. */
static void test_resend_limits(void **state)
{
    struct fixture *f = *state;
    const char *email = "pending@example.com";
    expect(f, reg(f, email), 201, NULL);
    static const char *const ips[] = {"127.0.0.2", "127.0.0.3", "127.0.0.4"};
    for (int i = 0; i < 3; i++) {
        f->client_ip = ips[i];
        expect(f, resend(f, email), 202, NULL);
        expect(f, resend(f, "ghost@example.com"), 202, NULL);
    }
    assert_int_equal(queued(f, email), 4); /* register + 3 resends */
    f->client_ip = "127.0.0.5";
    expect_limited(f, resend(f, email), 3500, 3600);
    char *a = last_text(f);
    expect_limited(f, resend(f, "ghost@example.com"), 3500, 3600);
    char *b = last_text(f);
    assert_string_equal(a, b);
    free(a);
    free(b);
    assert_int_equal(queued(f, email), 4);
    /* the IP limit across emails */
    f->client_ip = "127.0.0.9";
    char other[64];
    for (int i = 0; i < 10; i++) {
        snprintf(other, sizeof other, "who%d@example.com", i);
        expect(f, resend(f, other), 202, NULL);
    }
    expect_limited(f, resend(f, "who99@example.com"), 3500, 3600);
    /* after the window a resend mails a code that verifies */
    advance(f, HOUR_MS);
    expect(f, resend(f, email), 202, NULL);
    assert_int_equal(queued(f, email), 5);
    wait_outbox(f, email, 5);
    char code[7];
    read_mail(f, email, "confirmation code is: ", 6, 0, code, NULL); /* the newest */
    expect(f, post(f, "/auth/verify", json_pack("{s:s, s:s}", "email", email, "code", code), NULL),
           200, NULL);
}

/* The confirmation mail's link (GET /auth/verify?email=&code=) verifies the account. */
static void test_verify_link(void **state)
{
    struct fixture *f = *state;
    const char *email = "link+me@example.com";
    expect(f, reg(f, email), 201, NULL);
    char link[200], code[7];
    read_mail(f, email, "confirmation code is: ", 6, 0, code, NULL);
    read_mail(f, email, "Open this link to confirm:", 150, 0, link, NULL);
    char *url = strstr(link, "http://"), *nl = url ? strchr(url, '\r') : NULL;
    assert_non_null(nl); /* the body's lines end in CRLF */
    *nl = 0;
    /* PUBLIC_URL defaults to http:// + [node] listen: here the path is what matters */
    const char *path = strstr(url, "/auth/verify?");
    assert_non_null(path);
    char want[128];
    snprintf(want, sizeof want, "/auth/verify?email=link%%2Bme%%40example.com&code=%s", code);
    assert_string_equal(path, want);
    expect(f, login(f, email, PW, NULL, NULL), 403, "email_not_verified");
    expect(f, call(f, "GET", path, NULL, NULL, NULL), 200, NULL);
    assert_true(json_is_true(json_object_get(f->last, "email_verified")));
    expect(f, login(f, email, PW, NULL, NULL), 200, NULL);
    /* opened again: still verified; a wrong code is refused */
    expect(f, call(f, "GET", path, NULL, NULL, NULL), 200, NULL);
    expect(f, call(f, "GET", "/auth/verify?email=x%40example.com&code=000000", NULL, NULL, NULL),
           400, "invalid_code");
}

static int setup_tight(void **state)
{
    return setup_with(state, "register_limit_ip = 1\nforgot_limit_email = 0\n"
                             "forgot_limit_ip = 2\nmail_limit_window_s = 60\n");
}

/* The settings: a one-minute window, a tighter limit, 0 = no email limit. */
static void test_limit_settings(void **state)
{
    struct fixture *f = *state;
    expect(f, reg(f, "a@example.com"), 201, NULL);
    expect_limited(f, reg(f, "b@example.com"), 59, 60);
    assert_non_null(strstr(err_msg(f->last), "at most 1 per minute"));
    advance(f, 60u * 1000u);
    expect(f, reg(f, "b@example.com"), 201, NULL);
    /* no email limit: two IPs ask for the same email 2 times each */
    for (int i = 0; i < 2; i++) {
        f->client_ip = "127.0.0.2";
        expect(f, forgot(f, "a@example.com"), 202, NULL);
        f->client_ip = "127.0.0.3";
        expect(f, forgot(f, "a@example.com"), 202, NULL);
    }
    expect_limited(f, forgot(f, "a@example.com"), 1, 60);
}

/* A bad setting stops the node from opening, naming the key. */
static void test_bad_settings(void **state)
{
    (void)state;
    static const char *const bad[] = {"mail_limit_window_s = 0\n", "resend_limit_email = -1\n",
                                      "forgot_limit_ip = 4294967296\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char home[256], conf[128];
        snprintf(conf, sizeof conf, "\n[platform]\n%s", bad[i]);
        nt_home_new(home, "/tmp/cpc-auth-XXXXXX", "auth-test", conf);
        struct cpc_platform *p = NULL;
        struct cpc_err err = {0};
        char db[300];
        snprintf(db, sizeof db, "%s/data/chain.db", home);
        assert_int_not_equal(cpc_platform_new(&p, home, db, &err), 0);
        assert_null(p);
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(strchr(bad[i], ' ') - bad[i]), bad[i]);
        if (!strstr(err.msg, key))
            fail_msg("'%s' does not name %s", err.msg, key);
        tmpdir_remove(home);
    }
}

/* One call of the limiter as the forgot route makes it, from ip; returns the status. */
static int limit_from(struct fixture *f, const char *ip)
{
    struct cpc_http_req req;
    struct cpc_http_res res;
    memset(&req, 0, sizeof req);
    memset(&res, 0, sizeof res);
    req.remote_ip = ip;
    req.app = &f->node;
    int rc = cpc__auth_mail_limit(&req, &res, f->node.platform, CPC_MAIL_FORGOT, NULL);
    int st = rc == 0 ? 200 : res.status;
    free(res.body);
    for (size_t i = 0; i < res.n_headers; i++) {
        free(res.headers[i][0]);
        free(res.headers[i][1]);
    }
    return st;
}

/* IPv6 peers count by their /64; an IPv4-mapped peer is its IPv4 address. */
static void test_ip_keys(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < 10; i++) /* ten hosts of one /64 */
        assert_int_equal(limit_from(f, i % 2 ? "2001:db8:1:2::1" : "2001:db8:1:2:ffff::9"), 200);
    assert_int_equal(limit_from(f, "2001:db8:1:2:abcd::1"), 429);
    assert_int_equal(limit_from(f, "2001:db8:1:3::1"), 200); /* the next /64 */
    for (int i = 0; i < 10; i++)
        assert_int_equal(limit_from(f, i % 2 ? "10.1.2.3" : "::ffff:10.1.2.3"), 200);
    assert_int_equal(limit_from(f, "::ffff:10.1.2.3"), 429);
    assert_int_equal(limit_from(f, "10.1.2.3"), 429);
    assert_int_equal(limit_from(f, "10.1.2.4"), 200);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_ip_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forgot_email_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forgot_ip_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resend_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_settings, setup_tight, teardown),
        cmocka_unit_test(test_bad_settings),
        cmocka_unit_test_setup_teardown(test_ip_keys, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

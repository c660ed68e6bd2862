/* test_node_support.c — the support desk over real HTTP against a real node
 * (routes_support.c, platform_sqlite_admin.c):
 *   - a user opens a ticket, reads it back (a hostile body returns exactly as
 *     sent, as a JSON string), writes a message; another user gets 404;
 *   - bad bodies (missing field, unknown field, subject over 200 bytes, body
 *     over 8 KiB, only spaces, a control character in the subject) are 400;
 *   - the operators' queue filters by status; a reply sets "pending", queues
 *     an email notice to the user (read from the outbox) and is audited; a
 *     closed ticket takes no message (409) until reopened;
 *   - the limits: the 21st open ticket and the 31st message in an hour are
 *     429 (Retry-After), and an hour later a message goes through again. */
#include "node_auth_fixture.h"

#include "cpcd/admin_cli.h"

#define HOSTILE "<script>alert(\"x\")</script> \\ \" '\n\ttab \xc3\xa9"

static void sign_in(struct fixture *f, const char *email, char out[2048])
{
    json_t *j = NULL;
    advance(f, 61000);
    assert_int_equal(login(f, email, PW, NULL, &j), 200);
    snprintf(out, 2048, "%s", str(j, "access_token"));
    json_decref(j);
}

static void user_up(struct fixture *f, const char *email, char out[2048])
{
    advance(f, 61000);
    json_t *j = signup_login(f, email, PW);
    snprintf(out, 2048, "%s", str(j, "access_token"));
    json_decref(j);
}

static void admin_up(struct fixture *f, char out[2048])
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char line[] = PW "\n";
    assert_int_equal(write(fds[1], line, strlen(line)), (ssize_t)strlen(line));
    close(fds[1]);
    struct cpc_err err = {0};
    int64_t id = 0;
    int created = 0;
    assert_int_equal(cpc_admin_create(f->home, "admin@example.com", fds[0], stderr, &id,
                                      &created, &err),
                     0);
    close(fds[0]);
    sign_in(f, "admin@example.com", out);
}

static json_int_t open_ticket(struct fixture *f, const char *tok, const char *subject,
                              const char *body)
{
    expect(f, call(f, "POST", "/support/tickets",
                   json_pack("{s:s, s:s}", "subject", subject, "body", body), tok, NULL),
           201, NULL);
    assert_string_equal(str(f->last, "status"), "open");
    return json_integer_value(json_object_get(f->last, "id"));
}

static void test_support_flow(void **state)
{
    struct fixture *f = *state;
    char cust[2048], other[2048], admin[2048], path[128], p2[128];
    user_up(f, "c@example.com", cust);
    user_up(f, "o@example.com", other);
    admin_up(f, admin);
    json_int_t id = open_ticket(f, cust, "Rental is slow", HOSTILE);
    snprintf(path, sizeof path, "/support/tickets/%lld", (long long)id);
    expect(f, http_ex(f, "GET", path, NULL, cust, NULL, NULL), 200, NULL);
    json_t *thread = json_object_get(f->last, "thread");
    assert_int_equal(json_array_size(thread), 1);
    assert_string_equal(str(json_array_get(thread, 0), "body"), HOSTILE);
    assert_string_equal(str(json_array_get(thread, 0), "from"), "user");
    expect(f, http_ex(f, "GET", path, NULL, other, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "GET", "/support/tickets/99999", NULL, cust, NULL, NULL), 404,
           "not_found");
    expect(f, http_ex(f, "GET", "/support/tickets", NULL, other, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "tickets")), 0);
    expect(f, http_ex(f, "GET", "/support/tickets", NULL, cust, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "tickets")), 1);
    /* bad bodies */
    char big[8200];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char sub[202];
    memset(sub, 's', sizeof sub - 1);
    sub[sizeof sub - 1] = 0;
    expect(f, call(f, "POST", "/support/tickets", json_pack("{s:s}", "subject", "x"), cust, NULL),
           400, "invalid_argument");
    expect(f, call(f, "POST", "/support/tickets",
                   json_pack("{s:s, s:s, s:i}", "subject", "x", "body", "y", "z", 1), cust, NULL),
           400, "invalid_argument");
    expect(f, call(f, "POST", "/support/tickets",
                   json_pack("{s:s, s:s}", "subject", sub, "body", "y"), cust, NULL),
           400, "invalid_argument");
    expect(f, call(f, "POST", "/support/tickets",
                   json_pack("{s:s, s:s}", "subject", "x", "body", big), cust, NULL),
           400, "invalid_argument");
    expect(f, call(f, "POST", "/support/tickets",
                   json_pack("{s:s, s:s}", "subject", "a\nb", "body", "y"), cust, NULL),
           400, "invalid_argument");
    expect(f, call(f, "POST", "/support/tickets",
                   json_pack("{s:s, s:s}", "subject", "x", "body", "  \n "), cust, NULL),
           400, "invalid_argument");
    expect(f, http_ex(f, "POST", "/support/tickets", "not json", cust, NULL, NULL), 400, NULL);
    big[8192] = 0; /* exactly 8 KiB: accepted */
    open_ticket(f, cust, sub + 1, big);
    /* a message, then the operators' queue */
    snprintf(p2, sizeof p2, "%s/messages", path);
    expect(f, call(f, "POST", p2, json_pack("{s:s}", "body", "any news?"), cust, NULL), 201,
           NULL);
    assert_int_equal(json_integer_value(json_object_get(f->last, "messages")), 2);
    expect(f, call(f, "POST", p2, json_pack("{s:s}", "body", "mine"), other, NULL), 404,
           "not_found");
    expect(f, http_ex(f, "GET", "/admin/support/tickets?status=open", NULL, admin, NULL, NULL),
           200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "tickets")), 2);
    expect(f, http_ex(f, "GET", "/admin/support/tickets?status=nope", NULL, admin, NULL, NULL),
           400, "invalid_argument");
    expect(f, http_ex(f, "GET", "/admin/support/tickets", NULL, cust, NULL, NULL), 403, NULL);
    /* the reply: pending, audited, an email notice with the reply in it */
    snprintf(p2, sizeof p2, "/admin/support/tickets/%lld/messages", (long long)id);
    expect(f, call(f, "POST", p2, json_pack("{s:s}", "body", "Fixed: reboot it please."), admin,
                   NULL),
           201, NULL);
    assert_string_equal(str(f->last, "status"), "pending");
    assert_true(audit_has(f, "support_replied"));
    char got[32];
    read_mail(f, "c@example.com", "Fixed: ", 6, 0, got, NULL);
    assert_string_equal(got, "reboot");
    expect(f, http_ex(f, "GET", "/admin/support/tickets?status=pending", NULL, admin, NULL, NULL),
           200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "tickets")), 1);
    expect(f, http_ex(f, "GET", path, NULL, cust, NULL, NULL), 200, NULL);
    thread = json_object_get(f->last, "thread");
    assert_int_equal(json_array_size(thread), 3);
    assert_string_equal(str(json_array_get(thread, 2), "from"), "support");
    /* closed: no message until reopened */
    snprintf(p2, sizeof p2, "/admin/support/tickets/%lld/status", (long long)id);
    expect(f, call(f, "POST", p2, json_pack("{s:s}", "status", "shut"), admin, NULL), 400,
           "invalid_argument");
    expect(f, call(f, "POST", p2, json_pack("{s:s}", "status", "closed"), admin, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "closed");
    assert_true(audit_has(f, "support_status"));
    snprintf(p2, sizeof p2, "%s/messages", path);
    expect(f, call(f, "POST", p2, json_pack("{s:s}", "body", "again"), cust, NULL), 409,
           "ticket_closed");
    expect(f, http_ex(f, "POST", "/admin/support/tickets/99999/status", "{\"status\":\"open\"}",
                      admin, NULL, NULL),
           404, "not_found");
}

static void test_support_limits(void **state)
{
    struct fixture *f = *state;
    char cust[2048], path[96];
    user_up(f, "c@example.com", cust);
    json_int_t first = 0;
    for (int i = 0; i < 20; i++) {
        json_int_t id = open_ticket(f, cust, "s", "b");
        first = first ? first : id;
    }
    expect(f, call(f, "POST", "/support/tickets", json_pack("{s:s, s:s}", "subject", "s", "body",
                                                           "b"),
                   cust, NULL),
           429, "too_many_tickets");
    snprintf(path, sizeof path, "/support/tickets/%lld/messages", (long long)first);
    for (int i = 0; i < 10; i++)
        expect(f, call(f, "POST", path, json_pack("{s:s}", "body", "m"), cust, NULL), 201, NULL);
    expect(f, call(f, "POST", path, json_pack("{s:s}", "body", "m"), cust, NULL), 429,
           "rate_limited");
    assert_true(atoi(f->retry_after) >= 1);
    advance(f, 3600001);
    char again[2048];
    sign_in(f, "c@example.com", again);
    expect(f, call(f, "POST", path, json_pack("{s:s}", "body", "m"), again, NULL), 201, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_support_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_support_limits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

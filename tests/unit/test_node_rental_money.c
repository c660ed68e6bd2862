/* test_node_rental_money.c — the money views of GPU rentals over real HTTP
 * against a real node (routes_invoices.c, routes_rental_money.c,
 * rental_watch.c): a provider lists a server, a customer rents it, blocks at
 * chosen times pay its minutes, and
 *   - the invoice's lines are minutes x the provider's rate and minutes x the
 *     10% commission, its total their sum, its refund the deposit less the
 *     total once ended early; "open" while it runs;
 *   - the provider's and the admin's views give the same figures to the unit;
 *   - the HTML page escapes a hostile server field and is self-contained;
 *   - another user's invoice is 404, the provider and admin views refuse
 *     the wrong role (403);
 *   - the list merges rentals and marketplace jobs newest first, pages over
 *     the merge, and lists one kind with kind=;
 *   - the low-funds email goes out once when the escrow covers 15 minutes or
 *     fewer, and the "rental stopped" email once when the chain ends the
 *     rental for funds, which also marks the platform row ended. */
#include "node_servers_fixture.h"
#include "node_ledger_helpers.h"

#include "core/rental.h"
#include "cpcd/admin_cli.h"

#define CPC 1000000000ULL
#define PRICE 600000001ULL /* per GPU-hour: 10,000,000.02 a minute, rounded up */
#define RATE 10000001ULL
#define COMM 1000000ULL /* floor(RATE x 10%) */
#define COST (RATE + COMM)
#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f user@laptop"
#define HOSTILE "<script>alert('x')</script> & \"q\""

static int money_setup(void **state) { return servers_setup_with(state, ""); }

struct world {
    char prov[2048], cust[2048], other[2048], admin[2048];
    char cust_addr[64], srv[37];
    int64_t prov_id;
    struct cpc_key k;
};

/* A block time on a minute boundary after the last block: the chain files a rental's
 * next minute at ceil((settled + 1 minute) / 1 minute), so a rental opened on a boundary
 * has minute k paid by any block from opened + k minutes on. */
static uint64_t open_time(struct fixture *f)
{
    return (f->node.latest.time_ms / CPC_RENTAL_MINUTE_MS + 1) * CPC_RENTAL_MINUTE_MS;
}

static void sign_in(struct fixture *f, const char *email, char out[2048])
{
    json_t *j = NULL;
    advance(f, 61000); /* a fresh per-IP login window */
    assert_int_equal(login(f, email, PW, NULL, &j), 200);
    snprintf(out, 2048, "%s", str(j, "access_token"));
    json_decref(j);
}

/* A provider with one online server whose cpu field is hostile; a customer, another
 * user and an admin. */
static void make_world(struct fixture *f, struct world *w)
{
    w->prov_id = provider_up(f, "p@example.com", w->prov);
    server_add(f, w->prov, server_body(HOSTILE, "RTX 4090", 1, 24, (json_int_t)PRICE, "DE",
                                       "Berlin"),
               w->srv);
    advance(f, 61000);
    json_t *j = signup_login(f, "c@example.com", PW);
    snprintf(w->cust, sizeof w->cust, "%s", str(j, "access_token"));
    json_decref(j);
    advance(f, 61000);
    j = signup_login(f, "o@example.com", PW);
    snprintf(w->other, sizeof w->other, "%s", str(j, "access_token"));
    json_decref(j);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char line[] = PW "\n";
    assert_int_equal(write(fds[1], line, strlen(line)), (ssize_t)strlen(line));
    close(fds[1]);
    struct cpc_err err = {0};
    int64_t admin_id = 0;
    int created = 0;
    assert_int_equal(cpc_admin_create(f->home, "admin@example.com", fds[0], stderr, &admin_id,
                                      &created, &err),
                     0);
    close(fds[0]);
    sign_in(f, "admin@example.com", w->admin);
    wallet_of(f, w->cust, w->cust_addr);
    char path[96];
    worker_up(f, "wa", &w->k);
    snprintf(path, sizeof path, "/provider/servers/%s", w->srv);
    expect(f, call(f, "PUT", path, bind_body(&w->k, w->srv, w->prov_id), w->prov, NULL), 200,
           NULL);
}

/* Rent the server for hours; the rental id into id (65 bytes). */
static void rent(struct fixture *f, struct world *w, int hours, char *id)
{
    expect(f, call(f, "POST", "/rentals",
                   json_pack("{s:s, s:i, s:s}", "gpu_id", w->srv, "hours", hours,
                             "ssh_public_key", KEY),
                   w->cust, NULL),
           202, NULL);
    snprintf(id, 65, "%s", str(f->last, "id"));
}

static json_int_t num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        fail_msg("no integer %s", k);
    return json_integer_value(v);
}

/* The one entry of view path (provider or admin) for rental id, as tok (new reference). */
static json_t *view_entry(struct fixture *f, const char *path, const char *tok, const char *id)
{
    expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), 200, NULL);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(f->last, "rentals"), i, e) if (!strcmp(str(e, "id"), id))
        return json_incref(e);
    fail_msg("rental %s not in %s", id, path);
    return NULL;
}

/* The invoice, the provider's and the admin's views agree to the unit on minutes m. */
static void views_agree(struct fixture *f, struct world *w, const char *id, json_int_t m)
{
    char path[128];
    snprintf(path, sizeof path, "/account/invoices/rent-%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w->cust, NULL, NULL), 200, NULL);
    json_t *inv = json_incref(f->last);
    assert_int_equal(num(inv, "minutes"), m);
    json_t *l0 = json_array_get(json_object_get(inv, "lines"), 0),
           *l1 = json_array_get(json_object_get(inv, "lines"), 1);
    assert_string_equal(str(l0, "item"), "gpu_time");
    assert_int_equal(num(l0, "quantity"), m);
    assert_int_equal(num(l0, "unit_price"), RATE);
    assert_int_equal(num(l0, "amount"), m * RATE);
    assert_string_equal(str(l1, "item"), "commission");
    assert_int_equal(num(l1, "unit_price"), COMM);
    assert_int_equal(num(l1, "amount"), m * COMM);
    assert_int_equal(num(inv, "total_charged"), num(l0, "amount") + num(l1, "amount"));
    assert_int_equal(num(inv, "price_per_hour"), 60 * RATE);
    assert_int_equal(num(inv, "commission_bps"), 1000);
    assert_int_equal(num(inv, "deposit"),
                     num(inv, "total_charged") + num(inv, "escrow_left") + num(inv, "refunded"));
    json_t *pv = view_entry(f, "/provider/rentals", w->prov, id);
    assert_int_equal(num(pv, "minutes_paid"), m);
    assert_int_equal(num(pv, "income"), num(inv, "provider_income"));
    assert_int_equal(num(pv, "income"), m * RATE);
    assert_int_equal(num(pv, "rate_per_minute"), RATE);
    assert_string_equal(str(pv, "status"), str(inv, "status"));
    assert_null(json_object_get(pv, "email"));
    assert_null(json_object_get(pv, "customer_user"));
    assert_int_equal(strncmp(str(pv, "customer"), w->cust_addr, 10), 0);
    assert_true(strlen(str(pv, "customer")) < strlen(w->cust_addr));
    json_t *av = view_entry(f, "/admin/rentals", w->admin, id);
    assert_int_equal(num(av, "customer_paid"), num(inv, "total_charged"));
    assert_int_equal(num(av, "provider_received"), num(pv, "income"));
    assert_int_equal(num(av, "commission"), num(inv, "commission"));
    assert_int_equal(num(av, "commission"), m * COMM);
    assert_int_equal(num(av, "refunded"), num(inv, "refunded"));
    assert_int_equal(num(av, "escrow_left"), num(inv, "escrow_left"));
    assert_string_equal(str(av, "status"), str(inv, "status"));
    json_decref(inv);
    json_decref(pv);
    json_decref(av);
}

static void test_invoice_views_agree(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    fund(f, w.cust_addr, 10 * CPC);
    char id[65], path[128];
    rent(f, &w, 2, id);
    snprintf(path, sizeof path, "/account/invoices/rent-%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "pending");
    assert_int_equal(json_array_size(json_object_get(f->last, "lines")), 0);
    uint64_t t0 = open_time(f);
    produce_at(f, t0);
    produce_at(f, t0 + 3 * CPC_RENTAL_MINUTE_MS + 1000);
    expect(f, http_ex(f, "GET", "/account/invoices", NULL, w.cust, NULL, NULL), 200, NULL);
    json_t *list = json_object_get(f->last, "invoices");
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(str(json_array_get(list, 0), "status"), "open");
    assert_int_equal(num(json_array_get(list, 0), "escrow_left"), 2 * 60 * COST - 3 * COST);
    assert_int_equal(num(json_array_get(list, 0), "refunded"), 0);
    views_agree(f, &w, id, 3);
    /* ended at 3:30: the minute in progress is paid, the rest refunded */
    snprintf(path, sizeof path, "/rentals/%s", id);
    expect(f, http_ex(f, "DELETE", path, NULL, w.cust, NULL, NULL), 202, NULL);
    produce_at(f, t0 + 3 * CPC_RENTAL_MINUTE_MS + 30000);
    snprintf(path, sizeof path, "/account/invoices/rent-%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "ended");
    assert_string_equal(str(f->last, "end_reason"), "customer");
    assert_int_equal(num(f->last, "total_charged"), 4 * COST);
    assert_int_equal(num(f->last, "refunded"), 2 * 60 * COST - 4 * COST);
    assert_int_equal(num(f->last, "escrow_left"), 0);
    views_agree(f, &w, id, 4);
    /* someone else's, malformed or missing: 404 alike */
    expect(f, http_ex(f, "GET", path, NULL, w.other, NULL, NULL), 404, "not_found");
    strcat(path, "/html");
    expect(f, http_ex(f, "GET", path, NULL, w.other, NULL, NULL), 404, "not_found");
    snprintf(path, sizeof path, "/account/invoices/%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "GET", "/account/invoices/rent-00", NULL, w.cust, NULL, NULL), 404,
           "not_found");
    expect(f, http_ex(f, "GET", "/account/invoices", NULL, w.other, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "invoices")), 0);
    expect(f, http_ex(f, "GET", "/account/invoices?limit=0", NULL, w.cust, NULL, NULL), 400,
           NULL);
    /* roles: a customer is no provider, a provider no admin */
    expect(f, http_ex(f, "GET", "/provider/rentals", NULL, w.cust, NULL, NULL), 403, NULL);
    expect(f, http_ex(f, "GET", "/admin/rentals", NULL, w.prov, NULL, NULL), 403, NULL);
    expect(f, http_ex(f, "GET", "/provider/rentals", NULL, w.other, NULL, NULL), 403, NULL);
    expect(f, http_ex(f, "GET", "/admin/rentals", NULL, NULL, NULL, NULL), 401, NULL);
}

/* A marketplace job of tok's custodial wallet, mined in a block at time_ms: "job-<id>". */
static void job_at(struct fixture *f, const char *tok, uint64_t time_ms, char inv[80])
{
    static const char *const HASHPOW =
        "{\"kind\":\"hashpow\",\"params\":{\"bits\":30},\"tasks\":2,\"reward\":1000,"
        "\"deadline\":1000,\"max_budget\":10000}";
    char path[128];
    expect(f, http_ex(f, "POST", "/marketplace/jobs", HASHPOW, tok, NULL, NULL), 201, NULL);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", str(f->last, "id"));
    expect(f, http_ex(f, "POST", path, NULL, tok, NULL, NULL), 200, NULL);
    snprintf(inv, 80, "job-%s", str(f->last, "job_id"));
    produce_at(f, time_ms);
}

/* The ids of GET path's invoices, comma-separated, into out. */
static void list_ids(struct fixture *f, const char *tok, const char *path, char *out, size_t cap)
{
    expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), 200, NULL);
    json_t *arr = json_object_get(f->last, "invoices"), *o;
    size_t i;
    out[0] = 0;
    json_array_foreach(arr, i, o)
    {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", i ? "," : "", str(o, "id"));
    }
}

/* Rentals (by order time) and marketplace jobs (by block time) in one list,
 * newest first, paged over the merge; kind= lists one kind. */
static void test_invoices_mixed_list(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    fund(f, w.cust_addr, 10 * CPC);
    char job1[80], job2[80], rid[65], rent_inv[80], want[400], got[400];
    uint64_t now = test_clock(f);
    job_at(f, w.cust, now - 2000, job1); /* before the rental's order */
    rent(f, &w, 1, rid);
    snprintf(rent_inv, sizeof rent_inv, "rent-%s", rid);
    job_at(f, w.cust, test_clock(f) + 60000, job2); /* after it */
    snprintf(want, sizeof want, "%s,%s,%s", job2, rent_inv, job1);
    list_ids(f, w.cust, "/account/invoices", got, sizeof got);
    assert_string_equal(got, want);
    list_ids(f, w.cust, "/account/invoices?limit=1&offset=1", got, sizeof got);
    assert_string_equal(got, rent_inv);
    snprintf(want, sizeof want, "%s,%s", rent_inv, job1);
    list_ids(f, w.cust, "/account/invoices?limit=2&offset=1", got, sizeof got);
    assert_string_equal(got, want);
    list_ids(f, w.cust, "/account/invoices?offset=2", got, sizeof got);
    assert_string_equal(got, job1);
    list_ids(f, w.cust, "/account/invoices?offset=3", got, sizeof got);
    assert_string_equal(got, "");
    snprintf(want, sizeof want, "%s,%s", job2, job1);
    list_ids(f, w.cust, "/account/invoices?kind=job", got, sizeof got);
    assert_string_equal(got, want);
    list_ids(f, w.cust, "/account/invoices?kind=job&offset=1", got, sizeof got);
    assert_string_equal(got, job1);
    list_ids(f, w.cust, "/account/invoices?kind=rental", got, sizeof got);
    assert_string_equal(got, rent_inv);
    list_ids(f, w.other, "/account/invoices", got, sizeof got);
    assert_string_equal(got, "");
}

struct head {
    char type[128], csp[256];
};

static size_t on_head(char *d, size_t sz, size_t nm, void *arg)
{
    struct head *h = arg;
    size_t len = sz * nm, n = len;
    while (n && (d[n - 1] == '\r' || d[n - 1] == '\n'))
        n--;
    if (n > 14 && !strncasecmp(d, "Content-Type: ", 14))
        snprintf(h->type, sizeof h->type, "%.*s", (int)(n - 14), d + 14);
    if (n > 25 && !strncasecmp(d, "Content-Security-Policy: ", 25))
        snprintf(h->csp, sizeof h->csp, "%.*s", (int)(n - 25), d + 25);
    return len;
}

static void test_invoice_html(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    fund(f, w.cust_addr, 10 * CPC);
    char id[65], path[160], auth[2100];
    rent(f, &w, 1, id);
    uint64_t t0 = open_time(f);
    produce_at(f, t0);
    produce_at(f, t0 + 2 * CPC_RENTAL_MINUTE_MS + 1000);
    snprintf(path, sizeof path, "/account/invoices/rent-%s/html", id);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", w.cust);
    struct head h = {{0}, {0}};
    struct nt_req r = {"GET", path, NULL, 0, curl_slist_append(NULL, auth), UA, on_head, &h, 10,
                       NULL};
    struct nt_buf b = {0};
    assert_int_equal(nt_http(f->curl, f->base, &r, &b), 200);
    char *page = calloc(1, b.n + 1);
    memcpy(page, b.p, b.n);
    assert_string_equal(h.type, "text/html; charset=utf-8");
    assert_non_null(strstr(h.csp, "default-src 'none'"));
    assert_non_null(strstr(page, "<!DOCTYPE html>"));
    assert_non_null(strstr(page, "@media print"));
    /* the hostile cpu field only escaped; no script, no external asset */
    assert_non_null(strstr(page, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                                 "&quot;q&quot;"));
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "src="));
    assert_null(strstr(page, "href="));
    assert_null(strstr(page, "http://"));
    assert_null(strstr(page, "https://"));
    char want[160];
    snprintf(want, sizeof want, "Invoice rent-%s", id);
    assert_non_null(strstr(page, want));
    /* 2 minutes x 0.010000001 CPC + 2 x 0.001 CPC = 0.022000002 CPC */
    assert_non_null(strstr(page, "0.022000002 CPC"));
    free(page);
    free(b.p);
}

/* Mails to `to` whose text holds marker. */
static int count_mail(struct fixture *f, const char *to, const char *marker)
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
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        char *text = read_file(p, NULL);
        n += text && strstr(text, want) && strstr(text, marker);
        free(text);
    }
    if (d)
        closedir(d);
    return n;
}

/* Close the node and open it again on the same home (same database and platform key),
 * on the fixture's clocks: the watcher starts with a fresh cursor. */
static void restart(struct fixture *f)
{
    cpc_daemon_close(&f->node);
    struct cpc_node_config cfg;
    nt_config_load(&cfg, f->home);
    nt_node_open(&f->node, &cfg);
    cpc_platform_set_clock(f->node.platform, test_clock, f);
    cpc_scheduler_set_clock(f->node.scheduler, test_clock, f);
    nt_node_start(&f->node, f->base);
}

#define WARN_MARK "minutes of funds left"
#define STOP_MARK "was stopped by the chain"

static void test_low_funds_emails(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    /* one hour of deposit exactly: the first hour and the fee */
    fund(f, w.cust_addr, 60 * COST + fee_of(f, CPC_TX_RENTAL_OPEN));
    char id[65], got[65], path[128];
    rent(f, &w, 1, id);
    uint64_t t0 = open_time(f);
    produce_at(f, t0);
    /* 44 paid, 16 left: no warning yet */
    produce_at(f, t0 + 44 * CPC_RENTAL_MINUTE_MS + 1000);
    assert_int_equal(count_mail(f, "c@example.com", WARN_MARK), 0);
    /* 45 paid, 15 left: the warning, naming the rental and how to extend it */
    produce_at(f, t0 + 45 * CPC_RENTAL_MINUTE_MS + 1000);
    read_mail(f, "c@example.com", "/rentals/", 64, 0, got, NULL);
    assert_string_equal(got, id);
    read_mail(f, "c@example.com", ": 15 " WARN_MARK, 0, 0, got, NULL);
    read_mail(f, "c@example.com", "/extend", 0, 0, got, NULL);
    /* a restart, then more blocks under 15 minutes: no second warning (warned_ms is
     * in the database, the cursor starts again) */
    restart(f);
    produce_at(f, t0 + 46 * CPC_RENTAL_MINUTE_MS + 1000);
    produce_at(f, t0 + 50 * CPC_RENTAL_MINUTE_MS + 1000);
    /* the escrow cannot pay minute 61: the chain ends it for funds */
    produce_at(f, t0 + 61 * CPC_RENTAL_MINUTE_MS + 1000);
    read_mail(f, "c@example.com", STOP_MARK, 0, 0, got, NULL);
    produce_at(f, t0 + 62 * CPC_RENTAL_MINUTE_MS + 1000);
    read_mail(f, "c@example.com", "Minutes used: ", 2, 0, got, NULL);
    assert_string_equal(got, "60");
    /* delivered oldest first: by now every earlier mail is in the outbox */
    assert_int_equal(count_mail(f, "c@example.com", WARN_MARK), 1);
    assert_int_equal(count_mail(f, "c@example.com", STOP_MARK), 1);
    assert_int_equal(count_mail(f, "o@example.com", WARN_MARK), 0);
    /* the platform row is ended, without any view having looked */
    struct cpc_prental *row = malloc(sizeof *row);
    struct cpc_err err = {0};
    assert_int_equal(cpc_pstore_rental_get(f->node.platform->store, id, row, &err), 0);
    assert_int_equal(row->ended_ms, t0 + 61 * CPC_RENTAL_MINUTE_MS + 1000);
    free(row);
    snprintf(path, sizeof path, "/account/invoices/rent-%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "end_reason"), "funds");
    assert_int_equal(num(f->last, "total_charged"), 60 * COST);
    assert_int_equal(num(f->last, "refunded"), 0);
    views_agree(f, &w, id, 60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_invoice_views_agree, money_setup, teardown),
        cmocka_unit_test_setup_teardown(test_invoice_html, money_setup, teardown),
        cmocka_unit_test_setup_teardown(test_low_funds_emails, money_setup, teardown),
        cmocka_unit_test_setup_teardown(test_invoices_mixed_list, money_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

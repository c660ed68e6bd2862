/* test_node_money.c — money in and out (routes_money.c,
 * routes_money_withdrawals.c) over real HTTP on 127.0.0.1 against a real
 * node (node_auth_fixture.h) whose fiat gateway is the faucet key:
 * GET /account/balance (balance, locked, available exact, in base units and
 * CPC), POST /account/deposit (the wallet's address), POST /admin/deposits
 * (a ledger TRANSFER from the gateway; the same reference answers the first
 * result without a second transfer; another amount under it 409; non-admins
 * 403; an unknown user 404; no gateway configured 503), withdrawals
 * (a request locks: available drops, one beyond available 402; reject
 * unlocks, and a wallet send of locked CPC is refused; approve makes a TRANSFER to the payout account: after a block the
 * user lost amount + fee and the treasury gained the amount, the payout
 * file exists; a second decision 409; customers 403), and every bad
 * destination of each method 400. Races: concurrent requests cannot lock
 * more than the balance, and of concurrent approvals and rejections of one
 * withdrawal exactly one wins. */
#include "node_auth_fixture.h"
#include "node_ledger_helpers.h"

#include "core/amount.h"
#include "cpcd/admin_cli.h"
#include "node/mempool.h"

#include <pthread.h>

#include "platform/platform.h"
#include "tmpdir_fixture.h"

#define CPC 1000000000ULL

static int setup_gateway(void **state) { return setup_with(state, "fiat_gateway_key = faucet\n"); }

static uint64_t ledger_balance(struct fixture *f, const uint8_t addr[20])
{
    struct cpc_account acc;
    cpc_node_account(&f->node, addr, &acc);
    return acc.balance;
}

/* The cpc1 form of hash (a static buffer: one use at a time). */
static const char *cpc_addr_of(const uint8_t hash[20])
{
    static char s[CPC_ADDR_STR_MAX];
    cpc_address_encode(s, hash);
    return s;
}

static uint64_t balance_of(struct fixture *f, const char *addr)
{
    uint8_t a[20];
    assert_int_equal(cpc_address_decode(a, addr), 0);
    return ledger_balance(f, a);
}

/* A signed-in provider: tok, wallet (custodial address), id. */
static int64_t provider_new(struct fixture *f, const char *email, char tok[2048], char wallet[64])
{
    advance(f, 61000);
    json_t *j = signup_login(f, email, PW);
    snprintf(tok, 2048, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, http_ex(f, "PATCH", "/me", "{\"roles\":[\"provider\"]}", tok, NULL, NULL), 200, NULL);
    expect(f, http_ex(f, "GET", "/me", NULL, tok, NULL, NULL), 200, NULL);
    int64_t id = (int64_t)json_integer_value(json_object_get(f->last, "id"));
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, tok, NULL, NULL), 200, NULL);
    snprintf(wallet, 64, "%s", str(f->last, "address"));
    return id;
}

/* An admin as `cpcd admin create` makes one, signed in: tok. */
static void admin_new(struct fixture *f, char tok[2048])
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char line[] = PW "\n";
    assert_int_equal(write(fds[1], line, strlen(line)), (ssize_t)strlen(line));
    close(fds[1]);
    struct cpc_err err = {0};
    int64_t id = 0;
    int created = 0;
    assert_int_equal(
        cpc_admin_create(f->home, "admin@example.com", fds[0], stderr, &id, &created, &err), 0);
    close(fds[0]);
    advance(f, 61000);
    json_t *j = NULL;
    assert_int_equal(login(f, "admin@example.com", PW, NULL, &j), 200);
    snprintf(tok, 2048, "%s", str(j, "access_token"));
    json_decref(j);
}

/* GET /account/balance, checking the three figures and their CPC strings. */
static void expect_balance(struct fixture *f, const char *tok, uint64_t balance, uint64_t locked)
{
    expect(f, http_ex(f, "GET", "/account/balance", NULL, tok, NULL, NULL), 200, NULL);
    uint64_t avail = balance > locked ? balance - locked : 0;
    assert_int_equal(json_integer_value(json_object_get(f->last, "balance")), balance);
    assert_int_equal(json_integer_value(json_object_get(f->last, "locked")), locked);
    assert_int_equal(json_integer_value(json_object_get(f->last, "available")), avail);
    char s[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(s, balance);
    assert_string_equal(str(f->last, "balance_cpc"), s);
    cpc_amount_format(s, locked);
    assert_string_equal(str(f->last, "locked_cpc"), s);
    cpc_amount_format(s, avail);
    assert_string_equal(str(f->last, "available_cpc"), s);
}

static long withdraw(struct fixture *f, const char *tok, const char *amount_cpc,
                     const char *method, const char *dest)
{
    json_t *b = json_pack("{s:s, s:s, s:s}", "amount_cpc", amount_cpc, "method", method,
                          "destination", dest);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    long st = http_ex(f, "POST", "/provider/withdrawals", s, tok, NULL, NULL);
    free(s);
    return st;
}

static long deposit(struct fixture *f, const char *tok, int64_t user, const char *amount_cpc,
                    const char *ref)
{
    json_t *b = json_pack("{s:I, s:s, s:s}", "user_id", (json_int_t)user, "amount_cpc",
                          amount_cpc, "reference", ref);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    long st = http_ex(f, "POST", "/admin/deposits", s, tok, NULL, NULL);
    free(s);
    return st;
}

static uint64_t transfer_fee(struct fixture *f)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    tx.gas_price = f->node.params.min_gas_price;
    uint64_t fee = 0;
    assert_int_equal(cpc_tx_fee(&tx, &fee), 0);
    return fee;
}

static void test_balance_and_deposit_address(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64];
    provider_new(f, "pat@example.com", tok, wallet);
    expect_balance(f, tok, 0, 0);
    assert_string_equal(str(f->last, "address"), wallet);
    assert_true(json_is_true(json_object_get(f->last, "custodial")));
    expect(f, http_ex(f, "POST", "/account/deposit", "{}", tok, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "address"), wallet);
    assert_non_null(strstr(str(f->last, "how"), wallet));
    assert_string_equal(str(f->last, "chain_id"), f->node.params.chain_id);
    fund(f, wallet, 12 * CPC + 345);
    expect_balance(f, tok, 12 * CPC + 345, 0);
    assert_string_equal(str(f->last, "balance_cpc"), "12.000000345");
    expect(f, http_ex(f, "GET", "/account/balance", NULL, NULL, NULL, NULL), 401, NULL);
}

static void test_admin_fiat_deposit(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], admin[2048];
    int64_t id = provider_new(f, "pat@example.com", tok, wallet);
    admin_new(f, admin);
    /* not an admin */
    expect(f, deposit(f, tok, id, "5", "bank-1"), 403, NULL);
    assert_int_equal(cpc_mempool_size(f->node.mempool), 0);
    /* the credit, then the same reference again: one transfer */
    expect(f, deposit(f, admin, id, "5", "bank-1"), 200, NULL);
    char hash[65];
    snprintf(hash, sizeof hash, "%s", str(f->last, "tx_hash"));
    assert_int_equal(strlen(hash), 64);
    assert_true(json_is_false(json_object_get(f->last, "repeated")));
    assert_int_equal(json_integer_value(json_object_get(f->last, "amount")), 5 * CPC);
    assert_string_equal(str(f->last, "to"), wallet);
    expect(f, deposit(f, admin, id, "5", "bank-1"), 200, NULL);
    assert_string_equal(str(f->last, "tx_hash"), hash);
    assert_true(json_is_true(json_object_get(f->last, "repeated")));
    assert_int_equal(cpc_mempool_size(f->node.mempool), 1);
    expect(f, deposit(f, admin, id, "6", "bank-1"), 409, "reference_conflict");
    expect(f, deposit(f, admin, 999999, "6", "bank-2"), 404, "not_found");
    expect(f, deposit(f, admin, id, "0", "bank-3"), 400, "invalid_amount");
    expect(f, deposit(f, admin, id, "1", "has space"), 400, "invalid_argument");
    produce(f);
    assert_string_equal(tx_status(f, hash), "success");
    assert_int_equal(balance_of(f, wallet), 5 * CPC);
    expect(f, deposit(f, admin, id, "5", "bank-1"), 200, NULL);
    produce(f);
    assert_int_equal(balance_of(f, wallet), 5 * CPC);
    assert_true(audit_has(f, "fiat_deposit"));
}

static void test_deposit_not_configured(void **state)
{
    struct fixture *f = *state; /* chain "auth-test", no [platform] fiat_gateway_key */
    char tok[2048], wallet[64], admin[2048];
    int64_t id = provider_new(f, "pat@example.com", tok, wallet);
    admin_new(f, admin);
    expect(f, deposit(f, admin, id, "5", "bank-1"), 503, "not_configured");
    assert_int_equal(cpc_mempool_size(f->node.mempool), 0);
}

static void test_withdrawal_lock_reject_approve(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], admin[2048], ctok[2048], cwallet[64], path[128], id1[40], id2[40];
    provider_new(f, "pat@example.com", tok, wallet);
    admin_new(f, admin);
    fund(f, wallet, 10 * CPC);
    uint64_t fee = transfer_fee(f);
    expect(f, withdraw(f, tok, "4", "card", "4111111111111111"), 201, NULL);
    snprintf(id1, sizeof id1, "%s", str(f->last, "id"));
    assert_string_equal(str(f->last, "status"), "pending");
    expect_balance(f, tok, 10 * CPC, 4 * CPC);
    expect(f, withdraw(f, tok, "6.000000001", "sbp", "+79161234567"), 402, "insufficient_funds");
    expect(f, withdraw(f, tok, "6", "sbp", "+79161234567"), 201, NULL);
    snprintf(id2, sizeof id2, "%s", str(f->last, "id"));
    expect_balance(f, tok, 10 * CPC, 10 * CPC);
    expect(f, withdraw(f, tok, "0.000000001", "sbp", "+79161234567"), 402, "insufficient_funds");
    /* locked CPC cannot leave by a wallet send either */
    json_t *sb = json_pack("{s:s, s:s, s:s}", "to", cpc_addr_of(f->node.params.treasury),
                           "amount_cpc", "1", "password", PW);
    char *sbs = json_dumps(sb, JSON_COMPACT);
    json_decref(sb);
    expect(f, http_ex(f, "POST", "/me/wallet/send", sbs, tok, NULL, NULL), 400,
           "insufficient_balance");
    free(sbs);
    assert_int_equal(cpc_mempool_size(f->node.mempool), 0);
    expect(f, http_ex(f, "GET", "/provider/withdrawals", NULL, tok, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "withdrawals")), 2);
    /* a customer cannot withdraw; a non-admin cannot decide */
    advance(f, 61000);
    json_t *j = signup_login(f, "cal@example.com", PW);
    snprintf(ctok, sizeof ctok, "%s", str(j, "access_token"));
    json_decref(j);
    (void)cwallet;
    expect(f, withdraw(f, ctok, "1", "sbp", "+79161234567"), 403, "forbidden");
    snprintf(path, sizeof path, "/admin/withdrawals/%s/approve", id1);
    expect(f, http_ex(f, "POST", path, "{}", tok, NULL, NULL), 403, NULL);
    /* reject unlocks, once */
    snprintf(path, sizeof path, "/admin/withdrawals/%s/reject", id2);
    expect(f, http_ex(f, "POST", path, "{\"reason\":\"wrong phone\"}", admin, NULL, NULL), 200,
           NULL);
    assert_string_equal(str(f->last, "status"), "rejected");
    assert_string_equal(str(f->last, "reason"), "wrong phone");
    expect_balance(f, tok, 10 * CPC, 4 * CPC);
    expect(f, http_ex(f, "POST", path, "{\"reason\":\"again\"}", admin, NULL, NULL), 409,
           "already_decided");
    snprintf(path, sizeof path, "/admin/withdrawals/%s/approve", id2);
    expect(f, http_ex(f, "POST", path, "{}", admin, NULL, NULL), 409, "already_decided");
    /* approve: a TRANSFER to the treasury, the payout file */
    uint64_t treasury = ledger_balance(f, f->node.params.treasury);
    snprintf(path, sizeof path, "/admin/withdrawals/%s/approve", id1);
    expect(f, http_ex(f, "POST", path, "{}", admin, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "approved");
    char hash[65];
    snprintf(hash, sizeof hash, "%s", str(f->last, "tx_hash"));
    assert_int_equal(strlen(hash), 64);
    expect(f, http_ex(f, "POST", path, "{}", admin, NULL, NULL), 409, "already_decided");
    snprintf(path, sizeof path, "/admin/withdrawals/%s/reject", id1);
    expect(f, http_ex(f, "POST", path, "{\"reason\":\"late\"}", admin, NULL, NULL), 409,
           "already_decided");
    expect(f, http_ex(f, "POST", "/admin/withdrawals/5f0564c9-526f-4664-b06d-6660558e3e3f/approve",
                      "{}", admin, NULL, NULL),
           404, "not_found");
    char file[512];
    snprintf(file, sizeof file, "%s/payouts/%s.json", f->home, id1);
    size_t len = 0;
    char *text = read_file(file, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, hash));
    assert_non_null(strstr(text, "4111111111111111"));
    free(text);
    produce(f);
    assert_string_equal(tx_status(f, hash), "success");
    assert_int_equal(balance_of(f, wallet), 10 * CPC - 4 * CPC - fee);
    assert_int_equal(ledger_balance(f, f->node.params.treasury), treasury + 4 * CPC);
    expect_balance(f, tok, 6 * CPC - fee, 0);
    assert_true(audit_has(f, "withdrawal_requested"));
    assert_true(audit_has(f, "withdrawal_approved"));
    assert_true(audit_has(f, "withdrawal_rejected"));
}

/* Locked CPC cannot leave through any custodial tx: a marketplace job's
 * escrow signed by the node (cpc_custody_sign_admit) is refused with 402 while
 * a withdrawal holds the funds, and goes through once it is rejected. */
static void test_locked_funds_not_spent_by_custody(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], admin[2048], path[160], wid[40], draft[40];
    provider_new(f, "lou@example.com", tok, wallet);
    admin_new(f, admin);
    fund(f, wallet, 10 * CPC);
    expect(f, withdraw(f, tok, "9.999", "card", "4111111111111111"), 201, NULL);
    snprintf(wid, sizeof wid, "%s", str(f->last, "id"));
    /* a job of 3 x 0.001 CPC (+10%): more than the 0.001 CPC left available */
    const char *job = "{\"kind\":\"hashpow\",\"params\":{\"bits\":8},\"tasks\":3,"
                      "\"reward\":1000000,\"deadline\":100,\"max_budget\":10000000}";
    expect(f, http_ex(f, "POST", "/marketplace/jobs", job, tok, NULL, NULL), 201, NULL);
    snprintf(draft, sizeof draft, "%s", str(f->last, "id"));
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", draft);
    expect(f, http_ex(f, "POST", path, NULL, tok, NULL, NULL), 402, "insufficient_funds");
    assert_int_equal(cpc_mempool_size(f->node.mempool), 0);
    snprintf(path, sizeof path, "/admin/withdrawals/%s/reject", wid);
    expect(f, http_ex(f, "POST", path, "{\"reason\":\"test\"}", admin, NULL, NULL), 200, NULL);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", draft);
    expect(f, http_ex(f, "POST", path, NULL, tok, NULL, NULL), 200, NULL);
    assert_int_equal(cpc_mempool_size(f->node.mempool), 1);
}

static void test_bad_destinations(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64];
    provider_new(f, "pat@example.com", tok, wallet);
    fund(f, wallet, 1 * CPC);
    static const char *const bad[][2] = {
        {"card", "4111111111111112"},          /* Luhn */
        {"card", "41111111113"},               /* 11 digits */
        {"card", "41111111111111111113"},      /* 20 digits */
        {"card", "4111 1111 1111 1111"},
        {"card", "411111111111111a"},
        {"card", ""},
        {"sbp", "89161234567"},
        {"sbp", "+7916123456"},
        {"sbp", "+791612345678"},
        {"sbp", "+7916123456a"},
        {"sbp", "+19161234567"},
        {"usdt_trc20", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU"},   /* 33 */
        {"usdt_trc20", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU77"}, /* 35 */
        {"usdt_trc20", "ALa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"},
        {"usdt_trc20", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU0"},  /* 0 is not base58 */
        {"usdt_trc20", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjUl"},  /* l is not base58 */
        {"usdt_erc20", "52908400098527886E0F7030069857D2E4169EE7"},
        {"usdt_erc20", "0x52908400098527886E0F7030069857D2E4169EE"},
        {"usdt_erc20", "0x52908400098527886E0F7030069857D2E4169EE77"},
        {"usdt_erc20", "0x52908400098527886E0F7030069857D2E4169EEg"},
        {"btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"}, /* checksum */
        {"btc", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"}, /* testnet */
        {"btc", "bc1q"},
        {"btc", "2BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"},
        {"btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0"},
        {"btc", "1BvBMSEY"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long st = withdraw(f, tok, "0.1", bad[i][0], bad[i][1]);
        if (st != 400)
            fail_msg("%s %s: %ld", bad[i][0], bad[i][1], st);
        expect(f, st, 400, "invalid_destination");
    }
    expect(f, withdraw(f, tok, "0.1", "paypal", "me@example.com"), 400, "invalid_argument");
    expect(f, withdraw(f, tok, "0", "sbp", "+79161234567"), 400, "invalid_amount");
    expect(f, http_ex(f, "POST", "/provider/withdrawals", "{\"amount\":1}", tok, NULL, NULL), 400,
           "invalid_argument");
    expect_balance(f, tok, 1 * CPC, 0);
    static const char *const good[][2] = {
        {"card", "4111111111111111"},
        {"card", "5500000000000004"},
        {"sbp", "+79161234567"},
        {"usdt_trc20", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"},
        {"usdt_erc20", "0x52908400098527886E0F7030069857D2E4169EE7"},
        {"btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
        {"btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"},
        {"btc", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        long st = withdraw(f, tok, "0.1", good[i][0], good[i][1]);
        if (st != 201)
            fail_msg("%s %s: %ld", good[i][0], good[i][1], st);
    }
    expect_balance(f, tok, 1 * CPC, 8 * CPC / 10);
}

/* Requests at once (one thread and connection each): path, body, token; status back. */
struct race_arg {
    const char *base, *path, *tok, *body;
    long status;
};

static void *race_post(void *arg)
{
    struct race_arg *r = arg;
    CURL *c = curl_easy_init();
    char url[256], auth[2100];
    snprintf(url, sizeof url, "%s%s", r->base, r->path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->tok);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    struct nt_buf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, nt_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    r->status = curl_easy_perform(c) == CURLE_OK ? 0 : -1;
    if (r->status == 0)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    free(b.p);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

enum { PAR = 8 };

static void race(struct race_arg a[PAR])
{
    pthread_t t[PAR];
    for (int i = 0; i < PAR; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race_post, &a[i]), 0);
    for (int i = 0; i < PAR; i++)
        pthread_join(t[i], NULL);
}

/* Eight requests of 3 CPC at once on 10 CPC: exactly three lock; then four approvals and
 * four rejections of one withdrawal at once: exactly one decides, one TRANSFER at most. */
static void test_withdrawal_races(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], admin[2048], path[128], id[40];
    provider_new(f, "pat@example.com", tok, wallet);
    admin_new(f, admin);
    fund(f, wallet, 10 * CPC);
    const char *body = "{\"amount_cpc\":\"3\",\"method\":\"sbp\","
                       "\"destination\":\"+79161234567\"}";
    struct race_arg a[PAR];
    for (int i = 0; i < PAR; i++)
        a[i] = (struct race_arg){f->base, "/provider/withdrawals", tok, body, 0};
    race(a);
    int created = 0, refused = 0;
    for (int i = 0; i < PAR; i++) {
        created += a[i].status == 201;
        refused += a[i].status == 402;
    }
    assert_int_equal(created, 3);
    assert_int_equal(refused, PAR - 3);
    expect_balance(f, tok, 10 * CPC, 9 * CPC);
    expect(f, http_ex(f, "GET", "/provider/withdrawals", NULL, tok, NULL, NULL), 200, NULL);
    snprintf(id, sizeof id, "%s",
             str(json_array_get(json_object_get(f->last, "withdrawals"), 0), "id"));
    char approve[128];
    snprintf(approve, sizeof approve, "/admin/withdrawals/%s/approve", id);
    snprintf(path, sizeof path, "/admin/withdrawals/%s/reject", id);
    for (int i = 0; i < PAR; i++)
        a[i] = (struct race_arg){f->base, i % 2 ? approve : path, admin,
                                 i % 2 ? "{}" : "{\"reason\":\"race\"}", 0};
    race(a);
    int won = 0, lost = 0;
    for (int i = 0; i < PAR; i++) {
        won += a[i].status == 200;
        lost += a[i].status == 409;
    }
    assert_int_equal(won, 1);
    assert_int_equal(lost, PAR - 1);
    expect(f, http_ex(f, "GET", "/provider/withdrawals", NULL, tok, NULL, NULL), 200, NULL);
    json_t *w = json_array_get(json_object_get(f->last, "withdrawals"), 0);
    int approved = !strcmp(str(w, "status"), "approved");
    assert_int_equal(cpc_mempool_size(f->node.mempool), approved ? 1 : 0);
    expect_balance(f, tok, 10 * CPC, 6 * CPC); /* either way the row left pending */
}

/* [platform] payout_address: approved withdrawals go there, not to the treasury. */
#define PAYOUT_TO "cpc1qurswpc8qurswpc8qurswpc8qurswpc8cyqtdm"

static int setup_payout(void **state)
{
    char conf[256];
    snprintf(conf, sizeof conf, "fiat_gateway_key = faucet\npayout_address = %s\n", PAYOUT_TO);
    return setup_with(state, conf);
}

static void test_payout_address(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], admin[2048], path[128];
    provider_new(f, "pat@example.com", tok, wallet);
    admin_new(f, admin);
    fund(f, wallet, 3 * CPC);
    uint64_t treasury = ledger_balance(f, f->node.params.treasury);
    expect(f, withdraw(f, tok, "2", "usdt_erc20", "0x52908400098527886E0F7030069857D2E4169EE7"),
           201, NULL);
    snprintf(path, sizeof path, "/admin/withdrawals/%s/approve", str(f->last, "id"));
    expect(f, http_ex(f, "POST", path, "{}", admin, NULL, NULL), 200, NULL);
    produce(f);
    assert_int_equal(balance_of(f, PAYOUT_TO), 2 * CPC);
    assert_int_equal(ledger_balance(f, f->node.params.treasury), treasury);
}

/* Bad money settings stop the platform from opening, naming the key. */
static void test_money_settings(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"payout_address = cpc1nope", "payout_address"},
        {"payout_provider = paypal", "payout_provider"},
        {"fiat_gateway_key = ../faucet", "fiat_gateway_key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char home[256], conf[160], db[300];
        snprintf(conf, sizeof conf, "\n[platform]\n%s\n", bad[i][0]);
        nt_home_new(home, "/tmp/cpc-money-XXXXXX", "auth-test", conf);
        struct cpc_platform *p = NULL;
        struct cpc_err err = {0};
        snprintf(db, sizeof db, "%s/data/chain.db", home);
        assert_int_not_equal(cpc_platform_new(&p, home, db, &err), 0);
        assert_null(p);
        if (!strstr(err.msg, bad[i][1]))
            fail_msg("'%s' does not name %s", err.msg, bad[i][1]);
        tmpdir_remove(home);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_balance_and_deposit_address, setup_gateway,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_admin_fiat_deposit, setup_gateway, teardown),
        cmocka_unit_test_setup_teardown(test_deposit_not_configured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_withdrawal_lock_reject_approve, setup_gateway,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_destinations, setup_gateway, teardown),
        cmocka_unit_test_setup_teardown(test_locked_funds_not_spent_by_custody, setup_gateway,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_withdrawal_races, setup_gateway, teardown),
        cmocka_unit_test_setup_teardown(test_payout_address, setup_payout, teardown),
        cmocka_unit_test(test_money_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_node_wallet_send.c — POST /me/wallet/send (routes_wallet_send.c) over
 * real HTTP on 127.0.0.1 against a real node (node_auth_fixture.h): a user's
 * custodial wallet, funded by the faucet, sends a TRANSFER the node signs;
 * the next block moves the CPC and the nonce, the user is mailed a notice
 * (the outbox the auth tests read) and the audit log has the send. Refused,
 * with nothing sent: a wrong password (counting toward the lockout, which
 * then also stops sends), a 2FA user without or with a wrong code, a linked
 * wallet, an API key, a bad address or amount, more than the balance less
 * the fee. Two sends at once take consecutive nonces and both commit.
 * The daily limit ([platform] wallet_send_daily_limit_cpc, wallet_limit.c):
 * sends up to it pass, the one over gets 403 daily_limit with nothing sent
 * and no failed login, GET /me/wallet shows what remains, the window rolls
 * 24 h after each send (platform clock moved), the sum survives a restart
 * on the same home and a schema-3 database upgrades in place, concurrent
 * sends at the edge cannot pass it together, a refused send spends no TOTP
 * code, a send the mempool refuses is not counted, bad settings stop the
 * node, and no limit set is unlimited. */
#include "node_auth_fixture.h"
#include "node_totp_helper.h"
#include "node_ledger_helpers.h"

#include <oath.h>
#include <pthread.h>

#include "common/keyring.h"
#include "core/amount.h"
#include "core/bech32.h"
#include "core/hex.h"
#include "core/keys.h"
#include "core/tx.h"
#include "node/consensus.h"
#include "platform/routes_wallet.h"
#include "platform/wallet_limit.h"

#include <sqlite3.h>

#include "tmpdir_fixture.h"

#define CPC 1000000000ULL

static struct cpc_account account_of(struct fixture *f, const char *addr)
{
    uint8_t a[20];
    struct cpc_account acc;
    assert_int_equal(cpc_address_decode(a, addr), 0);
    cpc_node_account(&f->node, a, &acc);
    return acc;
}

/* The next nonce to sign with, counting the mempool (GET /account). */
static json_int_t pending_nonce(struct fixture *f, const char *addr)
{
    char path[128];
    snprintf(path, sizeof path, "/account/%s", addr);
    expect(f, http_ex(f, "GET", path, NULL, NULL, NULL, NULL), 200, NULL);
    return json_integer_value(json_object_get(f->last, "pending_nonce"));
}

/* A signed-in user: tok = the access token, wallet = the custodial address. */
static void user_new(struct fixture *f, const char *email, char tok[2048], char wallet[64])
{
    json_t *j = signup_login(f, email, PW);
    snprintf(tok, 2048, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, tok, NULL, NULL), 200, NULL);
    assert_true(json_is_true(json_object_get(f->last, "custodial")));
    snprintf(wallet, 64, "%s", str(f->last, "address"));
}

static long send_raw(struct fixture *f, const char *tok, const char *body)
{
    return http_ex(f, "POST", "/me/wallet/send", body, tok, NULL, NULL);
}

/* Send amount_cpc (a CPC decimal) to `to` with password pw and code totp (NULL: none). */
static long send_cpc(struct fixture *f, const char *tok, const char *to, const char *amount_cpc,
                     const char *pw, const char *totp)
{
    json_t *b = json_pack("{s:s, s:s, s:s}", "to", to, "amount_cpc", amount_cpc, "password", pw);
    if (totp)
        json_object_set_new(b, "totp", json_string(totp));
    return call(f, "POST", "/me/wallet/send", b, tok, NULL);
}

/* The last answer is an error of this code with a message (the envelope). */
static void expect_error(struct fixture *f, long got, long want, const char *code)
{
    expect(f, got, want, code);
    assert_non_null(err_msg(f->last));
    assert_true(strlen(err_msg(f->last)) > 0);
}

static uint64_t transfer_fee(struct fixture *f)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    tx.gas_price = f->node.params.min_gas_price;
    uint64_t fee = 0;
    assert_int_equal(cpc_tx_fee(&tx, &fee), 0);
    assert_true(fee > 0);
    return fee;
}

static void test_send_commits(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], btok[2048], bob[64], hash[65], h2[65];
    user_new(f, "alice@example.com", tok, wallet);
    user_new(f, "bob@example.com", btok, bob);
    fund(f, wallet, 50 * CPC);
    uint64_t fee = transfer_fee(f);

    expect(f, send_cpc(f, tok, bob, "12.5", PW, NULL), 200, NULL);
    snprintf(hash, sizeof hash, "%s", str(f->last, "hash"));
    assert_int_equal(strlen(hash), 64);
    assert_int_equal(json_integer_value(json_object_get(f->last, "nonce")), 0);
    assert_string_equal(str(f->last, "from"), wallet);
    assert_string_equal(str(f->last, "to"), bob);
    assert_int_equal(json_integer_value(json_object_get(f->last, "amount")), 12500000000LL);
    assert_string_equal(str(f->last, "amount_cpc"), "12.5");
    assert_int_equal(json_integer_value(json_object_get(f->last, "fee")), (json_int_t)fee);
    assert_string_equal(tx_status(f, hash), "pending");
    assert_int_equal(pending_nonce(f, wallet), 1);

    /* base units as "amount", to the address in upper case (bech32 allows it) */
    char upper[64];
    for (size_t i = 0; i <= strlen(bob); i++)
        upper[i] = (char)(bob[i] >= 'a' && bob[i] <= 'z' ? bob[i] - 32 : bob[i]);
    char body[512];
    snprintf(body, sizeof body, "{\"to\":\"%s\",\"amount\":1000,\"password\":\"%s\"}", upper, PW);
    expect(f, send_raw(f, tok, body), 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(f->last, "nonce")), 1);
    assert_string_equal(str(f->last, "to"), bob);
    snprintf(h2, sizeof h2, "%s", str(f->last, "hash"));

    produce(f);
    assert_string_equal(tx_status(f, hash), "success");
    assert_string_equal(tx_status(f, h2), "success");
    struct cpc_account a = account_of(f, wallet), b = account_of(f, bob);
    assert_int_equal(a.nonce, 2);
    assert_int_equal(a.balance, 50 * CPC - 12500000000ULL - 1000 - 2 * fee);
    assert_int_equal(b.balance, 12500000000ULL + 1000);
    assert_int_equal(b.nonce, 0);

    /* the notice mail names the amount, the recipient and the tx */
    char got[65];
    read_mail(f, "alice@example.com", "sent 12.5 CPC to ", strlen(bob), 0, got, NULL);
    assert_string_equal(got, bob);
    read_mail(f, "alice@example.com", "Transaction: ", 64, 0, got, NULL);
    assert_true(!strcmp(got, hash) || !strcmp(got, h2));
    /* audit: the send and the custodial signature */
    assert_true(audit_has(f, "wallet_send"));
    assert_true(audit_has(f, "custodial_tx"));

    /* bob can send it back: his wallet is custodial too */
    expect(f, send_cpc(f, btok, wallet, "1", PW, NULL), 200, NULL);
    produce(f);
    assert_int_equal(account_of(f, bob).nonce, 1);
}

static void test_send_refused(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], body[512];
    user_new(f, "carol@example.com", tok, wallet);
    fund(f, wallet, 10 * CPC);
    uint64_t fee = transfer_fee(f);
    struct cpc_account acc = account_of(f, wallet);
    struct kp {
        uint8_t sk[32], pub[33];
        char addr[CPC_ADDR_STR_MAX];
    } k;
    do
        randombytes_buf(k.sk, 32);
    while (cpc_seckey_check(k.sk) != 0);
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_int_equal(cpc_pubkey_from_seckey(s, k.pub, k.sk), 0);
    cpc_signer_free(s);
    assert_int_equal(cpc_pubkey_address(k.addr, k.pub), 0);
    const char *to = k.addr;

    /* bad addresses */
    expect_error(f, send_cpc(f, tok, "cpc1notanaddress", "1", PW, NULL), 400, "invalid_address");
    char flipped[64];
    snprintf(flipped, sizeof flipped, "%s", to);
    flipped[strlen(flipped) - 1] = flipped[strlen(flipped) - 1] == 'q' ? 'p' : 'q'; /* checksum */
    expect_error(f, send_cpc(f, tok, flipped, "1", PW, NULL), 400, "invalid_address");
    expect_error(f, send_cpc(f, tok, wallet, "1", PW, NULL), 400, "invalid_address"); /* self */
    /* bad amounts */
    const char *bad_cpc[] = {"0", "-1", "1.2.3", "12,5", "1e3", "0.0000000001", "", " 1",
                             "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad_cpc / sizeof *bad_cpc; i++)
        expect_error(f, send_cpc(f, tok, to, bad_cpc[i], PW, NULL), 400, "invalid_amount");
    const char *bad_amount[] = {"0", "-5", "\"12\"", "1.5", "null", "true"};
    for (size_t i = 0; i < sizeof bad_amount / sizeof *bad_amount; i++) {
        snprintf(body, sizeof body, "{\"to\":\"%s\",\"amount\":%s,\"password\":\"%s\"}", to,
                 bad_amount[i], PW);
        expect_error(f, send_raw(f, tok, body), 400, "invalid_amount");
    }
    snprintf(body, sizeof body, "{\"to\":\"%s\",\"amount\":18446744073709551616,"
             "\"password\":\"%s\"}", to, PW);
    expect_error(f, send_raw(f, tok, body), 400, "invalid_json"); /* beyond JSON's int64 */
    snprintf(body, sizeof body, "{\"to\":\"%s\",\"password\":\"%s\"}", to, PW);
    expect_error(f, send_raw(f, tok, body), 400, "invalid_amount"); /* neither */
    snprintf(body, sizeof body,
             "{\"to\":\"%s\",\"amount\":1,\"amount_cpc\":\"1\",\"password\":\"%s\"}", to, PW);
    expect_error(f, send_raw(f, tok, body), 400, "invalid_amount"); /* both */
    /* bad bodies */
    expect_error(f, send_raw(f, tok, "{\"to\":"), 400, "invalid_json");
    expect_error(f, send_raw(f, tok, NULL), 400, "invalid_json");
    snprintf(body, sizeof body, "{\"to\":\"%s\",\"amount\":1,\"password\":\"%s\",\"x\":1}", to, PW);
    expect_error(f, send_raw(f, tok, body), 400, "invalid_argument");
    snprintf(body, sizeof body, "{\"to\":\"%s\",\"amount\":1}", to);
    expect_error(f, send_raw(f, tok, body), 400, "invalid_argument"); /* no password */
    /* more than the balance less the fee: refused before signing, with what can be sent */
    char all[32], most[32];
    cpc_amount_format(all, acc.balance);
    cpc_amount_format(most, acc.balance - fee);
    expect_error(f, send_cpc(f, tok, to, all, PW, NULL), 400, "insufficient_balance");
    assert_non_null(strstr(err_msg(f->last), "can send at most"));
    assert_non_null(strstr(err_msg(f->last), most));
    expect_error(f, send_cpc(f, tok, to, "1000", PW, NULL), 400, "insufficient_balance");
    /* no session: anonymous and a bad token */
    expect_error(f, send_cpc(f, NULL, to, "1", PW, NULL), 401, "invalid_token");
    expect_error(f, send_cpc(f, "nope", to, "1", PW, NULL), 401, "invalid_token");
    /* an API key, even with every scope, cannot move funds */
    expect(f, http_ex(f, "POST", "/api-keys",
                      "{\"name\":\"all\",\"scopes\":[\"read\",\"jobs\",\"account\"]}", tok, NULL,
                      NULL),
           201, NULL);
    char key[128];
    snprintf(key, sizeof key, "%s", str(f->last, "key"));
    expect_error(f, send_cpc(f, key, to, "1", PW, NULL), 403, "insufficient_scope");

    /* a wrong password: 401, counted; the fifth locks sends and logins 15 minutes */
    for (int i = 0; i < 4; i++)
        expect_error(f, send_cpc(f, tok, to, "1", "Wrong pw 123", NULL), 401,
                     "invalid_credentials");
    assert_true(audit_has(f, "wallet_send_failed"));
    expect_error(f, send_cpc(f, tok, to, "1", "Wrong pw 123", NULL), 423, "account_locked");
    assert_true(f->retry_after[0] != 0);
    expect_error(f, send_cpc(f, tok, to, "1", PW, NULL), 423, "account_locked"); /* even right */
    advance(f, 61000); /* past the login rate window */
    expect_error(f, login(f, "carol@example.com", PW, NULL, NULL), 423, "account_locked");

    /* nothing was sent by any of it */
    assert_int_equal(pending_nonce(f, wallet), 0);
    produce(f);
    acc = account_of(f, wallet);
    assert_int_equal(acc.nonce, 0);
    assert_int_equal(acc.balance, 10 * CPC);
    assert_int_equal(account_of(f, to).balance, 0);
    assert_false(audit_has(f, "wallet_send"));

    /* after the lock, the right password sends (a new session: the token expired) */
    advance(f, 15u * 60u * 1000u);
    json_t *j = NULL;
    expect(f, login(f, "carol@example.com", PW, NULL, &j), 200, NULL);
    snprintf(tok, sizeof tok, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, send_cpc(f, tok, to, "1", PW, NULL), 200, NULL);
    produce(f);
    assert_int_equal(account_of(f, to).balance, CPC);
    sodium_memzero(&k, sizeof k);
}

static void test_send_2fa(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], btok[2048], bob[64], b32[33], code[7], wrong[7];
    user_new(f, "dora@example.com", tok, wallet);
    user_new(f, "ed@example.com", btok, bob);
    fund(f, wallet, 5 * CPC);
    expect(f, call(f, "POST", "/auth/2fa/setup", NULL, tok, NULL), 200, NULL);
    snprintf(b32, sizeof b32, "%s", str(f->last, "secret"));
    totp_now(f, b32, 0, code);
    expect(f, call(f, "POST", "/auth/2fa/enable", json_pack("{s:s}", "code", code), tok, NULL), 200,
           NULL);
    advance(f, 30000); /* the enable's time step is spent */
    totp_now(f, b32, 0, code);
    snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + 1) % 1000000);

    expect_error(f, send_cpc(f, tok, bob, "1", PW, NULL), 401, "totp_required");
    expect_error(f, send_cpc(f, tok, bob, "1", PW, wrong), 401, "invalid_totp");
    assert_true(audit_has(f, "wallet_send_totp_failed"));
    expect_error(f, send_cpc(f, tok, bob, "1", "Wrong pw 123", code), 401, "invalid_credentials");
    assert_int_equal(pending_nonce(f, wallet), 0);
    expect(f, send_cpc(f, tok, bob, "1", PW, code), 200, NULL);
    expect_error(f, send_cpc(f, tok, bob, "1", PW, code), 401, "invalid_totp"); /* replayed */
    produce(f);
    assert_int_equal(account_of(f, bob).balance, CPC);
    assert_int_equal(account_of(f, wallet).nonce, 1);
}

static void test_send_linked(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], addr[CPC_ADDR_STR_MAX];
    user_new(f, "fay@example.com", tok, wallet);
    fund(f, wallet, 5 * CPC);
    link_new_wallet(f, tok, addr);
    /* the custodial key still holds the funds, but the wallet is the linked address */
    expect_error(f, send_cpc(f, tok, wallet, "1", PW, NULL), 400, "linked_wallet");
    assert_non_null(strstr(err_msg(f->last), "POST /tx"));
    assert_int_equal(pending_nonce(f, wallet), 0);
    assert_int_equal(pending_nonce(f, addr), 0);
}

/* Sends at once from one wallet: each takes the next nonce (the custody lock).
 * Without the lock two identical sends read the same pending nonce, sign the
 * same tx (RFC 6979) and the second is admitted as a duplicate: both answer
 * 200 with one nonce and only one transfer happens. */
struct race_arg {
    const char *base, *tok, *body;
    long status;
    json_int_t nonce;
    char code[32]; /* the error code of a refusal ("" on success) */
};

static void *race_send(void *arg)
{
    struct race_arg *r = arg;
    CURL *c = curl_easy_init();
    char url[256], auth[2100];
    snprintf(url, sizeof url, "%s/me/wallet/send", r->base);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->tok);
    struct curl_slist *h = curl_slist_append(NULL, auth);
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
    json_t *j = nt_json(&b);
    r->nonce = json_integer_value(json_object_get(j, "nonce"));
    snprintf(r->code, sizeof r->code, "%s", err_code(j) ? err_code(j) : "");
    json_decref(j);
    free(b.p);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static void test_send_concurrent(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], btok[2048], bob[64], body[512];
    user_new(f, "gil@example.com", tok, wallet);
    user_new(f, "hal@example.com", btok, bob);
    fund(f, wallet, 50 * CPC);
    uint64_t fee = transfer_fee(f);
    snprintf(body, sizeof body, "{\"to\":\"%s\",\"amount_cpc\":\"0.5\",\"password\":\"%s\"}", bob,
             PW);
    enum { ROUNDS = 8, PAR = 8 };
    for (int round = 0; round < ROUNDS; round++) {
        struct race_arg a[PAR];
        pthread_t t[PAR];
        int seen = 0;
        for (int i = 0; i < PAR; i++) {
            a[i] = (struct race_arg){f->base, tok, body, 0, -1, ""};
            assert_int_equal(pthread_create(&t[i], NULL, race_send, &a[i]), 0);
        }
        for (int i = 0; i < PAR; i++)
            pthread_join(t[i], NULL);
        for (int i = 0; i < PAR; i++) {
            assert_int_equal(a[i].status, 200);
            json_int_t k = a[i].nonce - round * PAR;
            assert_true(k >= 0 && k < PAR);
            assert_false(seen & (1 << k)); /* each nonce once */
            seen |= 1 << k;
        }
    }
    produce(f);
    struct cpc_account acc = account_of(f, wallet);
    assert_int_equal(acc.nonce, ROUNDS * PAR);
    assert_int_equal(acc.balance, 50 * CPC - ROUNDS * PAR * (CPC / 2 + fee));
    assert_int_equal(account_of(f, bob).balance, ROUNDS * PAR * (CPC / 2));
}

/* ---- the daily limit (wallet_limit.c) ---- */

#define LIMIT_10 "wallet_send_daily_limit_cpc = 10\n"
#define DAY_MS (24ull * 3600ull * 1000ull)
#define HOUR_MS (3600ull * 1000ull)

static int setup_limit(void **state) { return setup_with(state, LIMIT_10); }

/* GET /me/wallet into f->last; returns send_remaining (-1 when null). */
static json_int_t remaining(struct fixture *f, const char *tok)
{
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, tok, NULL, NULL), 200, NULL);
    json_t *r = json_object_get(f->last, "send_remaining");
    assert_non_null(r);
    if (json_is_null(r))
        return -1;
    char want[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(want, (uint64_t)json_integer_value(r));
    assert_string_equal(str(f->last, "send_remaining_cpc"), want);
    return json_integer_value(r);
}

/* Close the node and open it again on the same home (same database, same platform key,
 * so access tokens stay valid), on the fixture's clock; f->base is the new port. */
static void restart(struct fixture *f)
{
    cpc_daemon_close(&f->node);
    struct cpc_node_config cfg;
    nt_config_load(&cfg, f->home);
    nt_node_open(&f->node, &cfg);
    cpc_platform_set_clock(f->node.platform, test_clock, f);
    nt_node_start(&f->node, f->base);
}

/* Move the platform clock by ms and sign in again (access tokens live 15 minutes). */
static void later(struct fixture *f, uint64_t ms, const char *email, char tok[2048])
{
    advance(f, ms);
    json_t *j = NULL;
    expect(f, login(f, email, PW, NULL, &j), 200, NULL);
    snprintf(tok, 2048, "%s", str(j, "access_token"));
    json_decref(j);
}

static void expect_limited(struct fixture *f, long got)
{
    expect_error(f, got, 403, "daily_limit");
}

/* Up to the limit passes, beyond it nothing is sent; the window rolls (24 h after each
 * send, not at a calendar day); refusals are not failed logins. */
static void test_limit_window(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], btok[2048], bob[64], body[512];
    user_new(f, "ina@example.com", tok, wallet);
    user_new(f, "jo@example.com", btok, bob);
    fund(f, wallet, 50 * CPC);
    uint64_t fee = transfer_fee(f);

    assert_int_equal(remaining(f, tok), 10 * CPC);
    assert_int_equal(json_integer_value(json_object_get(f->last, "send_limit")), 10 * CPC);
    assert_string_equal(str(f->last, "send_limit_cpc"), "10");
    assert_true(json_is_null(json_object_get(f->last, "send_frees_ms")));

    uint64_t t0 = test_clock(f);
    expect(f, send_cpc(f, tok, bob, "4", PW, NULL), 200, NULL);
    assert_int_equal(remaining(f, tok), 6 * CPC);
    json_int_t frees = json_integer_value(json_object_get(f->last, "send_frees_ms"));
    assert_true(frees >= (json_int_t)(t0 + DAY_MS) && frees <= (json_int_t)(test_clock(f) + DAY_MS));
    later(f, HOUR_MS, "ina@example.com", tok);
    snprintf(body, sizeof body, "{\"to\":\"%s\",\"amount\":%llu,\"password\":\"%s\"}", bob,
             (unsigned long long)(6 * CPC), PW);
    expect(f, send_raw(f, tok, body), 200, NULL); /* exactly up to the limit */
    assert_int_equal(remaining(f, tok), 0);
    assert_string_equal(str(f->last, "send_remaining_cpc"), "0");

    /* one base unit more: refused, with what can be sent and when more frees up */
    expect_limited(f, send_cpc(f, tok, bob, "0.000000001", PW, NULL));
    assert_non_null(strstr(err_msg(f->last), "you can send 0 CPC now"));
    assert_non_null(strstr(err_msg(f->last), "4 CPC more frees up at"));
    assert_true(atol(f->retry_after) > 22 * 3600 && atol(f->retry_after) <= 23 * 3600 + 1);
    /* more than the limit itself */
    expect_limited(f, send_cpc(f, tok, bob, "11", PW, NULL));
    assert_non_null(strstr(err_msg(f->last), "at most 10 CPC per 24 hours"));
    assert_true(audit_has(f, "wallet_send_limited"));
    /* refusals with the right password are not failed logins: no lockout after 6 */
    for (int i = 0; i < 6; i++)
        expect_limited(f, send_cpc(f, tok, bob, "1", PW, NULL));
    struct cpc_puser u;
    struct cpc_err err = {0};
    assert_int_equal(cpc_pstore_user_by_email(f->node.platform->store, "ina@example.com", &u, &err),
                     0);
    assert_int_equal(u.failed_logins, 0);
    assert_int_equal(u.locked_until_ms, 0);
    expect(f, login(f, "ina@example.com", PW, NULL, NULL), 200, NULL);

    /* nothing of the refusals was sent */
    assert_int_equal(pending_nonce(f, wallet), 2);
    produce(f);
    assert_int_equal(account_of(f, wallet).nonce, 2);
    assert_int_equal(account_of(f, wallet).balance, 50 * CPC - 10 * CPC - 2 * fee);
    assert_int_equal(account_of(f, bob).balance, 10 * CPC);

    /* 23 h after the first send: still nothing (a calendar day would have reset by now
     * or will within the hour; the rolling window has not) */
    later(f, 22 * HOUR_MS, "ina@example.com", tok);
    assert_int_equal(remaining(f, tok), 0);
    expect_limited(f, send_cpc(f, tok, bob, "0.000000001", PW, NULL));
    /* past 24 h after the first send: its 4 CPC are back, the 6 are still counted */
    later(f, HOUR_MS + 1000, "ina@example.com", tok);
    assert_int_equal(remaining(f, tok), 4 * CPC);
    expect_limited(f, send_cpc(f, tok, bob, "4.000000001", PW, NULL));
    assert_non_null(strstr(err_msg(f->last), "you can send 4 CPC now"));
    expect(f, send_cpc(f, tok, bob, "4", PW, NULL), 200, NULL);
    assert_int_equal(remaining(f, tok), 0);
    /* past 24 h after the second: its 6 are back */
    later(f, HOUR_MS, "ina@example.com", tok);
    assert_int_equal(remaining(f, tok), 6 * CPC);
    /* a day later the whole limit */
    later(f, DAY_MS, "ina@example.com", tok);
    assert_int_equal(remaining(f, tok), 10 * CPC);
    assert_true(json_is_null(json_object_get(f->last, "send_frees_ms")));
    expect(f, send_cpc(f, tok, bob, "10", PW, NULL), 200, NULL);
    produce(f);
    assert_int_equal(account_of(f, bob).balance, 24 * CPC);
    assert_int_equal(account_of(f, wallet).nonce, 4);
}

/* The sum survives a restart of the node on the same home. */
static void test_limit_restart(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], btok[2048], bob[64];
    user_new(f, "kim@example.com", tok, wallet);
    user_new(f, "lu@example.com", btok, bob);
    fund(f, wallet, 50 * CPC);
    expect(f, send_cpc(f, tok, bob, "7", PW, NULL), 200, NULL);
    produce(f);
    restart(f);
    assert_int_equal(remaining(f, tok), 3 * CPC);
    expect_limited(f, send_cpc(f, tok, bob, "3.5", PW, NULL));
    expect(f, send_cpc(f, tok, bob, "3", PW, NULL), 200, NULL);
    expect_limited(f, send_cpc(f, tok, bob, "0.000000001", PW, NULL));
    produce(f);
    assert_int_equal(account_of(f, bob).balance, 10 * CPC);
    restart(f);
    assert_int_equal(remaining(f, tok), 0);
    later(f, DAY_MS + 1000, "kim@example.com", tok);
    assert_int_equal(remaining(f, tok), 10 * CPC);
}

/* Sends at once at the edge of the limit: 8 sends of 3 CPC against 10 give exactly 3.
 * The sender's password hash is made with real argon2 costs (64 MiB), so each send
 * spends tens of milliseconds between the early check and the one under the lock:
 * without the binding check, sends on the HTTP pool's threads pass the early check
 * together and more than 10 CPC go out. */
static void test_limit_concurrent(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], btok[2048], bob[64], body[512];
    f->node.platform->pw_ops = 2;
    f->node.platform->pw_mem = 64u << 20;
    user_new(f, "mo@example.com", tok, wallet);
    user_new(f, "ned@example.com", btok, bob);
    fund(f, wallet, 200 * CPC);
    snprintf(body, sizeof body, "{\"to\":\"%s\",\"amount_cpc\":\"3\",\"password\":\"%s\"}", bob,
             PW);
    enum { ROUNDS = 4, PAR = 8 };
    for (int round = 0; round < ROUNDS; round++) {
        struct race_arg a[PAR];
        pthread_t t[PAR];
        int ok = 0, limited = 0;
        for (int i = 0; i < PAR; i++) {
            a[i] = (struct race_arg){f->base, tok, body, 0, -1, ""};
            assert_int_equal(pthread_create(&t[i], NULL, race_send, &a[i]), 0);
        }
        for (int i = 0; i < PAR; i++)
            pthread_join(t[i], NULL);
        for (int i = 0; i < PAR; i++) {
            if (a[i].status == 200)
                ok++;
            else if (a[i].status == 403 && !strcmp(a[i].code, "daily_limit"))
                limited++;
            else
                fail_msg("send %d: %ld %s", i, a[i].status, a[i].code);
        }
        assert_int_equal(ok, 3);
        assert_int_equal(limited, PAR - 3);
        assert_int_equal(remaining(f, tok), 1 * CPC);
        later(f, DAY_MS + 1000, "mo@example.com", tok);
    }
    produce(f);
    assert_int_equal(account_of(f, wallet).nonce, ROUNDS * 3);
    assert_int_equal(account_of(f, bob).balance, ROUNDS * 9 * CPC);
}

/* A refused send is refused before the password and the second factor: the code is
 * not spent, and a wrong password over the limit is not even checked. */
static void test_limit_before_reauth(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], btok[2048], bob[64], b32[33], code[7];
    user_new(f, "ola@example.com", tok, wallet);
    user_new(f, "pat@example.com", btok, bob);
    fund(f, wallet, 50 * CPC);
    expect(f, call(f, "POST", "/auth/2fa/setup", NULL, tok, NULL), 200, NULL);
    snprintf(b32, sizeof b32, "%s", str(f->last, "secret"));
    totp_now(f, b32, 0, code);
    expect(f, call(f, "POST", "/auth/2fa/enable", json_pack("{s:s}", "code", code), tok, NULL), 200,
           NULL);
    advance(f, 30000);
    totp_now(f, b32, 0, code);
    expect_limited(f, send_cpc(f, tok, bob, "10.5", PW, code));
    expect(f, send_cpc(f, tok, bob, "10", PW, code), 200, NULL); /* the same code still works */
    produce(f);
    assert_int_equal(account_of(f, bob).balance, 10 * CPC);
}

/* A send the mempool does not admit (the pending one spent the balance) is not counted. */
static void test_limit_not_admitted(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], btok[2048], bob[64];
    user_new(f, "uma@example.com", tok, wallet);
    user_new(f, "vic@example.com", btok, bob);
    fund(f, wallet, 5 * CPC);
    expect(f, send_cpc(f, tok, bob, "3", PW, NULL), 200, NULL);
    /* the committed balance covers it, the pending one leaves too little: admission refuses */
    long st = send_cpc(f, tok, bob, "3", PW, NULL);
    assert_true(st >= 400 && st < 500);
    assert_non_null(err_code(f->last));
    assert_string_not_equal(err_code(f->last), "daily_limit");
    assert_int_equal(remaining(f, tok), 7 * CPC);
    assert_int_equal(pending_nonce(f, wallet), 1);
    produce(f);
    assert_int_equal(account_of(f, bob).balance, 3 * CPC);
}

/* No limit configured: any amount the balance covers; GET /me/wallet says null. */
static void test_limit_none(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], btok[2048], bob[64];
    user_new(f, "quin@example.com", tok, wallet);
    user_new(f, "rae@example.com", btok, bob);
    fund(f, wallet, 5000 * CPC);
    assert_int_equal(remaining(f, tok), -1);
    const char *keys[] = {"send_limit", "send_limit_cpc", "send_remaining_cpc", "send_frees_ms"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        assert_true(json_is_null(json_object_get(f->last, keys[i])));
    expect(f, send_cpc(f, tok, bob, "3000", PW, NULL), 200, NULL);
    expect(f, send_cpc(f, tok, bob, "1000", PW, NULL), 200, NULL);
    assert_int_equal(remaining(f, tok), -1);
    produce(f);
    assert_int_equal(account_of(f, bob).balance, 4000 * CPC);
}

/* 0 means no limit; a malformed value stops the node from opening, naming the key. */
static void test_limit_settings(void **state)
{
    (void)state;
    static const char *const bad[] = {"-1", "abc", "1.0000000001", "1e3", "9223372036.854775808"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char home[256], conf[128], db[300];
        snprintf(conf, sizeof conf, "\n[platform]\nwallet_send_daily_limit_cpc = %s\n", bad[i]);
        nt_home_new(home, "/tmp/cpc-auth-XXXXXX", "auth-test", conf);
        struct cpc_platform *p = NULL;
        struct cpc_err err = {0};
        snprintf(db, sizeof db, "%s/data/chain.db", home);
        assert_int_not_equal(cpc_platform_new(&p, home, db, &err), 0);
        assert_null(p);
        if (!strstr(err.msg, "wallet_send_daily_limit_cpc"))
            fail_msg("'%s' does not name the key", err.msg);
        tmpdir_remove(home);
    }
    static const struct {
        const char *text;
        uint64_t want;
    } good[] = {{"0", 0}, {"0.5", CPC / 2}, {"9223372036.854775807", (uint64_t)INT64_MAX}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char home[256], conf[128], db[300];
        snprintf(conf, sizeof conf, "\n[platform]\nwallet_send_daily_limit_cpc = %s\n",
                 good[i].text);
        nt_home_new(home, "/tmp/cpc-auth-XXXXXX", "auth-test", conf);
        struct cpc_platform *p = NULL;
        struct cpc_err err = {0};
        snprintf(db, sizeof db, "%s/data/chain.db", home);
        assert_int_equal(cpc_platform_new(&p, home, db, &err), 0);
        assert_int_equal(p->send_daily_limit, good[i].want);
        cpc_platform_free(p);
        tmpdir_remove(home);
    }
}

/* A database of platform schema 3 (before the send accounting) upgrades in place:
 * accounts and wallets are kept, and sends are counted from then on. */
static void test_limit_migration(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], btok[2048], bob[64], path[400];
    user_new(f, "sam@example.com", tok, wallet);
    user_new(f, "tia@example.com", btok, bob);
    fund(f, wallet, 50 * CPC);
    int latest = cpc_pstore_schema_version(f->node.platform->store);
    assert_true(latest >= 4);
    cpc_daemon_close(&f->node);
    /* back to schema 3: what a node of the previous release left (migration 5, the
     * failed logins of unknown emails, 6, the GPU servers, 8, deposits and
     * withdrawals, 9, the rental orders, 10, the server samples, 13, the webhooks, 14,
     * the support tickets, and 15, the marketplace connectors, go too; 11 only adds
     * columns and indexes to rentals) */
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/data/chain.db", f->home);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE wallet_sends;"
                                  "DROP TABLE IF EXISTS unknown_login_failures;"
                                  "DROP TABLE IF EXISTS gpu_servers;"
                                  "DROP TABLE IF EXISTS rentals;"
                                  "DROP TABLE IF EXISTS deposits;"
                                  "DROP TABLE IF EXISTS withdrawals;"
                                  "DROP TABLE IF EXISTS server_samples;"
                                  "DROP TABLE IF EXISTS server_samples_hourly;"
                                  "DROP TABLE IF EXISTS rental_orders;"
                                  "DROP TABLE IF EXISTS support_messages;"
                                  "DROP TABLE IF EXISTS support_tickets;"
                                  "DROP TABLE IF EXISTS marketplace_servers;"
                                  "DROP TABLE IF EXISTS marketplace_bookings;"
                                  "DROP TABLE IF EXISTS marketplace_earnings;"
                                  "DROP TABLE IF EXISTS marketplace_connectors;"
                                  "DROP TABLE IF EXISTS webhook_attempts;"
                                  "DROP TABLE IF EXISTS webhook_outbox;"
                                  "DROP TABLE IF EXISTS webhooks;"
                                  "DELETE FROM platform_migrations WHERE version >= 4",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct cpc_node_config cfg;
    nt_config_load(&cfg, f->home);
    nt_node_open(&f->node, &cfg);
    cpc_platform_set_clock(f->node.platform, test_clock, f);
    nt_node_start(&f->node, f->base);
    assert_int_equal(cpc_pstore_schema_version(f->node.platform->store), latest);
    /* the same session, user and custodial wallet, with its funds */
    assert_int_equal(remaining(f, tok), 10 * CPC);
    assert_string_equal(str(f->last, "address"), wallet);
    assert_int_equal(json_integer_value(json_object_get(f->last, "balance")), 50 * CPC);
    expect(f, send_cpc(f, tok, bob, "8", PW, NULL), 200, NULL);
    assert_int_equal(remaining(f, tok), 2 * CPC);
    expect_limited(f, send_cpc(f, tok, bob, "3", PW, NULL));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    cpc_log_set_level(CPC_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_send_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_2fa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_linked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_window, setup_limit, teardown),
        cmocka_unit_test_setup_teardown(test_limit_restart, setup_limit, teardown),
        cmocka_unit_test_setup_teardown(test_limit_concurrent, setup_limit, teardown),
        cmocka_unit_test_setup_teardown(test_limit_before_reauth, setup_limit, teardown),
        cmocka_unit_test_setup_teardown(test_limit_not_admitted, setup_limit, teardown),
        cmocka_unit_test_setup_teardown(test_limit_none, setup, teardown),
        cmocka_unit_test(test_limit_settings),
        cmocka_unit_test_setup_teardown(test_limit_migration, setup_limit, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

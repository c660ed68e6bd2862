/* test_node_marketplace_custody.c — the Marketplace with platform accounts
 * (routes_marketplace_auth.c) over real HTTP on 127.0.0.1: a customer signed
 * in with a session token creates, confirms, extends and cancels a job and
 * the node signs each tx with the customer's custodial key; the ledger shows
 * the escrow and the refund. API keys need the `jobs` scope; another user is
 * not the owner; a linked (self-custody) wallet must sign its own txs; an
 * anonymous confirm without a tx says what to do. */
#include "node_auth_fixture.h"
#include "node_ledger_helpers.h"

#include <pthread.h>

#include "common/keyring.h"
#include "core/bech32.h"
#include "core/hex.h"
#include "core/keys.h"
#include "core/tx.h"
#include "node/consensus.h"
#include "platform/routes_wallet.h"

static const char *HASHPOW = "{\"kind\":\"hashpow\",\"params\":{\"bits\":8},\"tasks\":3,"
                             "\"reward\":1000000,\"deadline\":100,\"max_budget\":10000000}";

static uint64_t balance_of(struct fixture *f, const char *addr)
{
    uint8_t a[20];
    struct cpc_account acc;
    assert_int_equal(cpc_address_decode(a, addr), 0);
    cpc_node_account(&f->node, a, &acc);
    return acc.balance;
}

static void token_of(json_t *login, char tok[2048])
{
    snprintf(tok, 2048, "%s", str(login, "access_token"));
    json_decref(login);
}

static void new_draft(struct fixture *f, const char *tok, char id[37], const char *want_owner)
{
    expect(f, http_ex(f, "POST", "/marketplace/jobs", HASHPOW, tok, NULL, NULL), 201, NULL);
    snprintf(id, 37, "%s", str(f->last, "id"));
    if (want_owner)
        assert_string_equal(str(f->last, "owner"), want_owner);
}

static long mp_post(struct fixture *f, const char *id, const char *verb, const char *body,
                    const char *tok)
{
    char path[128];
    snprintf(path, sizeof path, "/marketplace/jobs/%s/%s", id, verb);
    return http_ex(f, "POST", path, body, tok, NULL, NULL);
}

static void test_custodial_job_lifecycle(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], id[37], hash[65];
    token_of(signup_login(f, "carol@example.com", PW), tok);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, tok, NULL, NULL), 200, NULL);
    snprintf(wallet, sizeof wallet, "%s", str(f->last, "address"));
    fund(f, wallet, 50000000000ULL); /* 50 CPC */
    uint64_t before = balance_of(f, wallet);
    assert_int_equal(before, 50000000000ULL);

    /* the token names the owner: the custodial address */
    new_draft(f, tok, id, wallet);
    expect(f, mp_post(f, id, "confirm", NULL, tok), 200, NULL);
    assert_string_equal(str(f->last, "status"), "confirmed");
    assert_string_equal(str(f->last, "owner"), wallet);
    snprintf(hash, sizeof hash, "%s", str(f->last, "job_id"));
    expect(f, mp_post(f, id, "confirm", NULL, tok), 409, "conflict"); /* once */
    produce(f);
    assert_string_equal(tx_status(f, hash), "success");
    /* budget 3 x 0.001 CPC + 10% commission in escrow, plus the fee */
    char path[128];
    snprintf(path, sizeof path, "/marketplace/jobs/%s", id);
    expect(f, http_ex(f, "GET", path, NULL, NULL, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "job_status"), "active");
    assert_int_equal(json_integer_value(json_object_get(f->last, "escrow_balance")), 3300000);
    uint64_t after_create = balance_of(f, wallet);
    assert_true(after_create < before - 3300000);
    uint64_t fee_create = before - 3300000 - after_create;

    /* another user is not the owner */
    char other[2048];
    token_of(signup_login(f, "dave@example.com", PW), other);
    expect(f, mp_post(f, id, "cancel", NULL, other), 403, "forbidden");
    expect(f, mp_post(f, id, "extend", "{\"add_blocks\":10}", other), 403, "forbidden");

    /* extend: the node signs a JOB_EXTEND from the body's fields */
    expect(f, mp_post(f, id, "extend", "{\"add_blocks\":10,\"bogus\":1}", tok), 400,
           "invalid_argument");
    expect(f, mp_post(f, id, "extend", "{\"add_blocks\":10}", tok), 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(f->last, "add_blocks")), 10);
    snprintf(hash, sizeof hash, "%s", str(f->last, "tx_hash"));
    produce(f);
    assert_string_equal(tx_status(f, hash), "success");

    /* an API key without the jobs scope cannot act; one with it can cancel */
    expect(f, http_ex(f, "POST", "/api-keys", "{\"name\":\"ro\",\"scopes\":[\"read\"]}", tok,
                      NULL, NULL),
           201, NULL);
    char ro[64], jobs[64];
    snprintf(ro, sizeof ro, "%s", str(f->last, "key"));
    expect(f, http_ex(f, "POST", "/api-keys", "{\"name\":\"ci\",\"scopes\":[\"jobs\"]}", tok,
                      NULL, NULL),
           201, NULL);
    snprintf(jobs, sizeof jobs, "%s", str(f->last, "key"));
    expect(f, mp_post(f, id, "cancel", NULL, ro), 403, "insufficient_scope");
    expect(f, http_ex(f, "POST", "/marketplace/jobs", HASHPOW, ro, NULL, NULL), 403,
           "insufficient_scope");
    uint64_t before_cancel = balance_of(f, wallet);
    expect(f, mp_post(f, id, "cancel", NULL, jobs), 200, NULL);
    assert_string_equal(str(f->last, "status"), "cancelled");
    snprintf(hash, sizeof hash, "%s", str(f->last, "tx_hash"));
    produce(f);
    assert_string_equal(tx_status(f, hash), "success");
    expect(f, http_ex(f, "GET", path, NULL, NULL, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "job_status"), "cancelled");
    assert_int_equal(json_integer_value(json_object_get(f->last, "escrow_balance")), 0);
    /* the whole escrow came back (no task was done), less the cancel's fee */
    uint64_t after_cancel = balance_of(f, wallet);
    assert_true(after_cancel > before_cancel);
    assert_true(after_cancel < before_cancel + 3300000); /* the refund, less the cancel's fee */
    assert_true(before_cancel + 3300000 - after_cancel <= fee_create); /* a cancel costs no more */

    /* a second job confirmed by the key: consecutive nonces, both mined */
    char id2[37], id3[37], h2[65], h3[65];
    new_draft(f, jobs, id2, wallet);
    new_draft(f, jobs, id3, wallet);
    expect(f, mp_post(f, id2, "confirm", "{}", jobs), 200, NULL);
    snprintf(h2, sizeof h2, "%s", str(f->last, "tx_hash"));
    expect(f, mp_post(f, id3, "confirm", NULL, tok), 200, NULL);
    snprintf(h3, sizeof h3, "%s", str(f->last, "tx_hash"));
    produce(f);
    assert_string_equal(tx_status(f, h2), "success");
    assert_string_equal(tx_status(f, h3), "success");
}

/* Two confirms of one draft at once (a double click): one wins, the other
 * reads the new status (409), and only one JOB_CREATE is made. */
struct race_arg {
    const char *base, *path, *tok;
    long status;
};

static void *race_confirm(void *arg)
{
    struct race_arg *r = arg;
    CURL *c = curl_easy_init();
    char url[256], auth[2100];
    snprintf(url, sizeof url, "%s%s", r->base, r->path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->tok);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    struct nt_buf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "POST");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
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

static void test_double_confirm(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], id[37], path[128];
    token_of(signup_login(f, "fay@example.com", PW), tok);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, tok, NULL, NULL), 200, NULL);
    snprintf(wallet, sizeof wallet, "%s", str(f->last, "address"));
    fund(f, wallet, 50000000000ULL);
    for (int round = 0; round < 5; round++) {
        new_draft(f, tok, id, wallet);
        snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", id);
        struct race_arg a = {f->base, path, tok, 0}, b = a;
        pthread_t ta, tb;
        assert_int_equal(pthread_create(&ta, NULL, race_confirm, &a), 0);
        assert_int_equal(pthread_create(&tb, NULL, race_confirm, &b), 0);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        assert_true((a.status == 200 && b.status == 409) || (a.status == 409 && b.status == 200));
    }
    /* five drafts, five jobs: the losers made no tx */
    produce(f);
    uint8_t addr[20];
    struct cpc_account acc;
    assert_int_equal(cpc_address_decode(addr, wallet), 0);
    cpc_node_account(&f->node, addr, &acc);
    assert_int_equal(acc.nonce, 5);
}

static void test_without_custody(void **state)
{
    struct fixture *f = *state;
    char id[37];
    /* anonymous: a draft, but confirming needs a tx or an account */
    expect(f, http_ex(f, "POST", "/marketplace/jobs", HASHPOW, NULL, NULL, NULL), 201, NULL);
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    assert_true(json_is_null(json_object_get(f->last, "owner")));
    expect(f, mp_post(f, id, "confirm", NULL, NULL), 400, "invalid_argument");
    assert_non_null(strstr(str(json_object_get(f->last, "error"), "message"), "session token"));
    /* a bad token is refused, not taken as anonymous */
    expect(f, http_ex(f, "POST", "/marketplace/jobs", HASHPOW, "not-a-token", NULL, NULL), 401,
           "invalid_token");

    /* a linked wallet: the node does not hold that key */
    char tok[2048];
    token_of(signup_login(f, "erin@example.com", PW), tok);
    char addr[CPC_ADDR_STR_MAX];
    link_new_wallet(f, tok, addr);
    new_draft(f, tok, id, addr); /* owned by the linked address */
    expect(f, mp_post(f, id, "confirm", NULL, tok), 400, "invalid_argument");
    assert_non_null(strstr(str(json_object_get(f->last, "error"), "message"), "linked"));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    cpc_log_set_level(CPC_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_custodial_job_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_without_custody, setup, teardown),
        cmocka_unit_test_setup_teardown(test_double_confirm, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

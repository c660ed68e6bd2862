/* test_node_job_invoices.c — the invoice of a marketplace job over real HTTP
 * on 127.0.0.1 (job_invoices.c, routes_invoices.c): a signed-in customer
 * confirms a hashpow job through /marketplace (the node signs with the
 * custodial key), a worker runs its three tasks to completion (results with
 * the validator's leases, as txs through POST /tx), and then the invoice's
 * lines sum exactly to what the customer's balance lost (less the
 * JOB_CREATE's fee, which the chain's tx record names), to what the worker
 * and the treasury gained, and to escrowed - refunded. The list shows it
 * next to nothing else, kind filters, the HTML page prints it, another user
 * gets 404 and sees none; a cancelled job's invoice shows the refund; a
 * linked wallet's job confirmed through /marketplace has an invoice, one it
 * sent straight to the chain has none. */
#include "node_auth_fixture.h"
#include "node_ledger_helpers.h"

#include "core/kinds.h"
#include "core/market.h"

static const char *HASHPOW = "{\"kind\":\"hashpow\",\"params\":{\"bits\":8},\"tasks\":3,"
                             "\"reward\":1000007,\"deadline\":100,\"max_budget\":10000000}";

static uint64_t balance_of(struct fixture *f, const char *addr)
{
    uint8_t a[20];
    struct cpc_account acc;
    assert_int_equal(cpc_address_decode(a, addr), 0);
    cpc_node_account(&f->node, a, &acc);
    return acc.balance;
}

static uint64_t treasury(struct fixture *f)
{
    struct cpc_account acc;
    cpc_node_account(&f->node, f->node.params.treasury, &acc);
    return acc.balance;
}

static json_int_t num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static void token_of(json_t *login, char tok[2048])
{
    snprintf(tok, 2048, "%s", str(login, "access_token"));
    json_decref(login);
}

/* A draft of HASHPOW confirmed by tok's custodial key: its job id into job. */
static void confirm_job(struct fixture *f, const char *tok, char job[65])
{
    char path[128];
    expect(f, http_ex(f, "POST", "/marketplace/jobs", HASHPOW, tok, NULL, NULL), 201, NULL);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", str(f->last, "id"));
    expect(f, http_ex(f, "POST", path, NULL, tok, NULL, NULL), 200, NULL);
    snprintf(job, 65, "%s", str(f->last, "job_id"));
    produce(f);
    assert_string_equal(tx_status(f, job), "success");
}

/* A key the test holds: a worker, or a self-custody wallet. */
struct actor {
    struct cpc_key key;
    uint8_t addr[20];
    char addr_s[CPC_ADDR_STR_MAX];
    uint64_t nonce, fees;
};

/* tx signed by w with its next nonce: the wire JSON (new reference). */
static json_t *sign_json(struct fixture *f, struct actor *w, struct cpc_tx *tx)
{
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_err err = {0};
    snprintf(tx->chain_id, sizeof tx->chain_id, "%s", f->node.params.chain_id);
    tx->nonce = w->nonce++;
    tx->gas_price = f->node.params.min_gas_price;
    assert_int_equal(cpc_tx_sign(tx, s, w->key.seckey, &err), 0);
    uint64_t fee = 0;
    assert_int_equal(cpc_tx_fee(tx, &fee), 0);
    w->fees += fee;
    cpc_signer_free(s);
    return cpc_tx_to_json(tx);
}

static void post_signed(struct fixture *f, struct actor *w, struct cpc_tx *tx)
{
    json_t *tj = sign_json(f, w, tx);
    char *body = json_dumps(tj, JSON_COMPACT);
    json_decref(tj);
    expect(f, http_ex(f, "POST", "/tx", body, NULL, NULL, NULL), 200, NULL);
    free(body);
}

static void actor_new(struct actor *w)
{
    memset(w, 0, sizeof *w);
    struct cpc_signer *s = cpc_signer_new(NULL);
    do
        randombytes_buf(w->key.seckey, 32);
    while (cpc_seckey_check(w->key.seckey) != 0);
    assert_int_equal(cpc_pubkey_from_seckey(s, w->key.info.pubkey, w->key.seckey), 0);
    assert_int_equal(cpc_pubkey_hash(w->addr, w->key.info.pubkey), 0);
    assert_int_equal(cpc_pubkey_address(w->addr_s, w->key.info.pubkey), 0);
    cpc_signer_free(s);
}

/* A worker registered with 10 CPC of stake (funded by the faucet). */
static void worker_up(struct fixture *f, struct actor *w)
{
    actor_new(w);
    fund(f, w->addr_s, 20000000000ULL);
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_WORKER_REGISTER;
    tx.u.worker_register.stake = 10000000000ULL;
    tx.u.worker_register.cpu_cores = 2;
    post_signed(f, w, &tx);
    produce(f);
}

/* The worker solves and submits every task of job under the validator's leases. */
static void run_tasks(struct fixture *f, struct actor *w, const char *job, uint32_t tasks)
{
    struct cpc_key val;
    struct cpc_err err = {0};
    assert_int_equal(cpc_keyring_load(f->home, "validator", NULL, &val, &err), 0);
    struct cpc_signer *s = cpc_signer_new(NULL);
    char path[128];
    snprintf(path, sizeof path, "/market/job/%s", job);
    expect(f, http_ex(f, "GET", path, NULL, NULL, NULL, NULL), 200, NULL);
    uint8_t id[32], job_seed[32];
    assert_int_equal(cpc_hex_decode_exact(id, 32, job), 0);
    assert_int_equal(cpc_hex_decode_exact(job_seed, 32, str(f->last, "seed")), 0);
    for (uint32_t i = 0; i < tasks; i++) {
        struct cpc_tx tx;
        memset(&tx, 0, sizeof tx);
        tx.type = CPC_TX_SUBMIT_RESULT;
        struct cpc_payload_submit_result *r = &tx.u.result;
        uint8_t seed[32];
        uint64_t nonce = 0;
        cpc_hashpow_task_seed(seed, job_seed, i);
        assert_int_equal(cpc_hashpow_search(seed, 8, 0, 1u << 24, &nonce), 0);
        for (int b = 0; b < 8; b++)
            r->result_hash[b] = (uint8_t)(nonce >> (56 - 8 * b));
        r->result_hash_len = 8;
        cpc_task_id(r->task_id, id, i);
        memcpy(r->worker, w->addr, 20);
        r->has_lease = 1;
        r->lease_expires = cpc_node_height(&f->node) + 20;
        assert_int_equal(cpc_lease_sign(r->lease_sig, s, val.seckey, f->node.params.chain_id,
                                        r->task_id, w->addr, r->lease_expires),
                         0);
        post_signed(f, w, &tx);
    }
    produce(f);
    sodium_memzero(&val, sizeof val);
    cpc_signer_free(s);
}

static void test_job_invoice_matches_the_ledger(void **state)
{
    struct fixture *f = *state;
    char tok[2048], other[2048], wallet[64], job[65], path[160], inv[80];
    token_of(signup_login(f, "erin@example.com", PW), tok);
    token_of(signup_login(f, "frank@example.com", PW), other);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, tok, NULL, NULL), 200, NULL);
    snprintf(wallet, sizeof wallet, "%s", str(f->last, "address"));
    fund(f, wallet, 50000000000ULL);
    struct actor w;
    worker_up(f, &w);
    uint64_t cust0 = balance_of(f, wallet), w0 = balance_of(f, w.addr_s), t0 = treasury(f);
    w.fees = 0;

    confirm_job(f, tok, job);
    uint64_t create_fee = (uint64_t)num(f->last, "fee"); /* GET /tx/{job}: the chain's record */
    snprintf(inv, sizeof inv, "job-%s", job);
    snprintf(path, sizeof path, "/account/invoices/%s", inv);
    expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "open");
    assert_string_equal(str(f->last, "job_status"), "active");
    assert_int_equal(num(f->last, "escrowed"), 3000021 + 300002); /* budget + 10%, floored */
    assert_int_equal(num(f->last, "escrow_left"), 3300023);
    assert_int_equal(num(f->last, "total_charged"), 0);

    run_tasks(f, &w, job, 3);
    expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), 200, NULL);
    json_t *o = json_incref(f->last);
    assert_string_equal(str(o, "id"), inv);
    assert_string_equal(str(o, "kind"), "job");
    assert_string_equal(str(o, "status"), "closed");
    assert_string_equal(str(o, "job_status"), "completed");
    assert_string_equal(str(o, "job_kind"), "hashpow");
    assert_int_equal(num(o, "tasks_done"), 3);
    json_t *lines = json_object_get(o, "lines"), *l;
    size_t i;
    uint64_t sum = 0;
    json_array_foreach(lines, i, l)
        sum += (uint64_t)num(l, "amount");
    assert_int_equal(json_array_size(lines), 2); /* tasks, commission: no early bonus */
    json_t *tasks = json_array_get(lines, 0), *comm = json_array_get(lines, 1);
    assert_string_equal(str(tasks, "item"), "tasks");
    assert_int_equal(num(tasks, "quantity"), 3);
    assert_int_equal(num(tasks, "unit_price"), 1000007);
    assert_int_equal(num(tasks, "amount"), 3000021);
    assert_string_equal(str(comm, "item"), "commission");
    assert_int_equal(num(comm, "amount"), 300000); /* floor(1000007 / 10) x 3 */
    assert_int_equal(sum, (uint64_t)num(o, "total_charged"));
    /* the ledger: the customer lost the lines + the create fee, the worker and
     * the treasury gained the lines, escrowed = charged + refunded */
    assert_int_equal(cust0 - balance_of(f, wallet), sum + create_fee);
    assert_int_equal(balance_of(f, w.addr_s) + w.fees - w0, (uint64_t)num(o, "workers_paid"));
    assert_int_equal(treasury(f) - t0, (uint64_t)num(o, "commission"));
    assert_int_equal(num(o, "escrowed"), sum + (uint64_t)num(o, "refunded"));
    assert_int_equal(num(o, "refunded"), 2); /* commission floored per payment */
    assert_int_equal(num(o, "escrow_left"), 0);
    json_decref(o);

    /* the list holds it (no rentals here), kind filters, bad kind is 400 */
    expect(f, http_ex(f, "GET", "/account/invoices", NULL, tok, NULL, NULL), 200, NULL);
    json_t *arr = json_object_get(f->last, "invoices");
    assert_int_equal(json_array_size(arr), 1);
    assert_string_equal(str(json_array_get(arr, 0), "id"), inv);
    expect(f, http_ex(f, "GET", "/account/invoices?kind=job", NULL, tok, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "invoices")), 1);
    expect(f, http_ex(f, "GET", "/account/invoices?kind=rental", NULL, tok, NULL, NULL), 200,
           NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "invoices")), 0);
    expect(f, http_ex(f, "GET", "/account/invoices?kind=gpu", NULL, tok, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/account/invoices?offset=990&limit=20", NULL, tok, NULL, NULL),
           400, "invalid_argument");

    /* the printable page */
    char html[200];
    snprintf(html, sizeof html, "%s/html", path);
    struct nt_buf b = {0};
    struct nt_req rq = {"GET", html, NULL, 0, NULL, NULL, NULL, NULL, 30, NULL};
    char auth[2100];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    rq.headers = curl_slist_append(NULL, auth);
    assert_int_equal(nt_http(f->curl, f->base, &rq, &b), 200);
    assert_non_null(strstr(b.p, "Escrowed"));
    assert_non_null(strstr(b.p, "3 result"));
    assert_non_null(strstr(b.p, inv));
    free(b.p);

    /* another user: 404 for it, and none in its list */
    expect(f, http_ex(f, "GET", path, NULL, other, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "GET", html, NULL, other, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "GET", "/account/invoices", NULL, other, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "invoices")), 0);
    expect(f, http_ex(f, "GET", "/account/invoices/job-123", NULL, tok, NULL, NULL), 404,
           "not_found");
}

/* A job cancelled before any task: its invoice charges nothing and shows the refund. */
static void test_cancelled_job_invoice(void **state)
{
    struct fixture *f = *state;
    char tok[2048], wallet[64], job[65], path[160];
    token_of(signup_login(f, "gina@example.com", PW), tok);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, tok, NULL, NULL), 200, NULL);
    snprintf(wallet, sizeof wallet, "%s", str(f->last, "address"));
    fund(f, wallet, 50000000000ULL);
    expect(f, http_ex(f, "POST", "/marketplace/jobs", HASHPOW, tok, NULL, NULL), 201, NULL);
    char draft[37];
    snprintf(draft, sizeof draft, "%s", str(f->last, "id"));
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", draft);
    expect(f, http_ex(f, "POST", path, NULL, tok, NULL, NULL), 200, NULL);
    snprintf(job, sizeof job, "%s", str(f->last, "job_id"));
    produce(f);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/cancel", draft);
    expect(f, http_ex(f, "POST", path, NULL, tok, NULL, NULL), 200, NULL);
    produce(f);
    snprintf(path, sizeof path, "/account/invoices/job-%s", job);
    expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "closed");
    assert_string_equal(str(f->last, "job_status"), "cancelled");
    assert_int_equal(num(f->last, "total_charged"), 0);
    assert_int_equal(num(f->last, "refunded"), 3300023);
    assert_int_equal(num(f->last, "escrowed"), 3300023);
    json_t *lines = json_object_get(f->last, "lines");
    assert_int_equal(num(json_array_get(lines, 0), "amount"), 0);
}

/* a's address becomes the wallet of tok's user (challenge signed by a's key). */
static void link_actor(struct fixture *f, const char *tok, const struct actor *a)
{
    char challenge[80], body[512], pubhex[67], sighex[129];
    expect(f, http_ex(f, "POST", "/me/wallet/challenge", "{}", tok, NULL, NULL), 200, NULL);
    snprintf(challenge, sizeof challenge, "%s", str(f->last, "challenge"));
    struct cpc_signer *s = cpc_signer_new(NULL);
    uint8_t d[32], sig[64];
    cpc_wallet_link_digest(d, challenge, a->addr_s);
    assert_int_equal(cpc_sign(s, sig, d, a->key.seckey), 0);
    cpc_hex_encode(pubhex, a->key.info.pubkey, 33);
    cpc_hex_encode(sighex, sig, 64);
    snprintf(body, sizeof body,
             "{\"challenge\":\"%s\",\"address\":\"%s\",\"pubkey\":\"%s\",\"signature\":\"%s\"}",
             challenge, a->addr_s, pubhex, sighex);
    expect(f, http_ex(f, "POST", "/me/wallet/link", body, tok, NULL, NULL), 200, NULL);
    cpc_signer_free(s);
}

/* A linked (self-custody) wallet: the job it confirmed through /marketplace
 * with its own signed JOB_CREATE has an invoice; a job it sent straight to
 * POST /tx is not a marketplace job of the user and has none. */
static void test_linked_wallet_jobs(void **state)
{
    struct fixture *f = *state;
    char tok[2048], path[160], mine[65], direct[65];
    token_of(signup_login(f, "hana@example.com", PW), tok);
    struct actor a;
    actor_new(&a);
    link_actor(f, tok, &a);
    fund(f, a.addr_s, 50000000000ULL);
    expect(f, http_ex(f, "POST", "/marketplace/jobs", HASHPOW, tok, NULL, NULL), 201, NULL);
    assert_string_equal(str(f->last, "owner"), a.addr_s);
    char draft[37];
    snprintf(draft, sizeof draft, "%s", str(f->last, "id"));
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CREATE;
    struct cpc_err err = {0};
    assert_int_equal(cpc_contract_from_json(&tx.u.job_create.contract,
                                            json_object_get(f->last, "contract"), &err),
                     0);
    json_t *body = json_pack("{s:o}", "tx", sign_json(f, &a, &tx));
    cpc_hex_encode(mine, tx.hash, 32);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", draft);
    expect(f, call(f, "POST", path, body, tok, NULL), 200, NULL);
    /* the same contract straight to the chain, not through the marketplace */
    tx.u.job_create.contract.reward++;
    post_signed(f, &a, &tx);
    cpc_hex_encode(direct, tx.hash, 32);
    produce(f);
    assert_string_equal(tx_status(f, mine), "success");
    assert_string_equal(tx_status(f, direct), "success");
    expect(f, http_ex(f, "GET", "/account/invoices", NULL, tok, NULL, NULL), 200, NULL);
    json_t *arr = json_object_get(f->last, "invoices");
    assert_int_equal(json_array_size(arr), 1);
    snprintf(path, sizeof path, "job-%s", mine);
    assert_string_equal(str(json_array_get(arr, 0), "id"), path);
    assert_int_equal(num(json_array_get(arr, 0), "escrowed"), 3300023);
    snprintf(path, sizeof path, "/account/invoices/job-%s", direct);
    expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), 404, "not_found");
    sodium_memzero(&a, sizeof a);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    cpc_log_set_level(CPC_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_job_invoice_matches_the_ledger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancelled_job_invoice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linked_wallet_jobs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_node_webhook_sources.c — the market's webhook emit points
 * (webhook_events.c) over a real node and a real receiver:
 *   - server.error goes to the provider once when a worker reports a rental
 *     failed, however often it repeats the report, and again after the
 *     order ran and failed anew;
 *   - server.offline goes once when a bound server's worker falls silent
 *     past the heartbeat timeout, not again on later blocks, and again
 *     after it came back and fell silent once more;
 *   - payout.sent goes to the provider when an admin approves a withdrawal;
 *   - job.completed goes to the creator of a completed job that is a user's
 *     custodial wallet, once even when the job is seen in two blocks, and
 *     not for a job created by an address no user owns. */
#include "node_servers_fixture.h"
#include "node_ledger_helpers.h"
#include "webhook_receiver.h"

#include "core/bech32.h"
#include "cpcd/admin_cli.h"
#include "market/webhook_events.h"

#define CPC 1000000000ULL
#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f user@laptop"
#define HOOK_CONF "[webhooks]\nallow_http_hosts = 127.0.0.1\nretry_base_ms = 20\nretry_cap_ms = 80\n"

static int hooks_setup(void **state) { return servers_setup_with(state, HOOK_CONF); }

static void hook_add(struct fixture *f, struct rx *r, const char *tok, const char *events)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/h", r->port);
    json_error_t je;
    expect(f, call(f, "POST", "/webhooks",
                   json_pack("{s:s, s:o}", "url", url, "events", json_loads(events, 0, &je)),
                   tok, NULL),
           201, NULL);
}

/* The type of hit i (poll until it exists, 10 s at most). */
static const char *type_of(struct rx *r, int i)
{
    for (int k = 0; k < 2000 && rx_count(r) <= i; k++)
        usleep(5000);
    assert_true(rx_count(r) > i);
    static char type[64];
    json_t *b = json_loads(r->hits[i].body, 0, NULL);
    snprintf(type, sizeof type, "%s", json_string_value(json_object_get(b, "type")));
    json_decref(b);
    return type;
}

/* No hit beyond n after the threads had time to send one. */
static void quiet(struct rx *r, int n)
{
    usleep(150000);
    assert_int_equal(rx_count(r), n);
}

static long report(struct fixture *f, const struct cpc_key *k, const char *id, const char *st)
{
    static uint64_t last;
    char body[256];
    snprintf(body, sizeof body, "{\"rentals\":[{\"id\":\"%s\",\"state\":\"%s\"%s}]}", id, st,
             strcmp(st, "failed") ? ",\"port\":22000" : ",\"error\":\"pull failed\"");
    uint64_t now = cpc_clock_wall_ms();
    last = now > last ? now : last + 1;
    struct cpc_req_sig sig;
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_int_equal(cpc_req_sign(&sig, s, k, "POST", "/worker/heartbeat", body, strlen(body),
                                  last, NULL),
                     0);
    cpc_signer_free(s);
    struct nt_req r = {"POST", "/worker/heartbeat", body, strlen(body),
                       nt_sig_headers(NULL, &sig), UA, NULL, NULL, 10, NULL};
    json_decref(f->last);
    f->last = NULL;
    return nt_http_json(f->curl, f->base, &r, &f->last);
}

static void produce_next(struct fixture *f)
{
    struct cpc_err err = {0};
    assert_int_equal(cpc_produce_block(&f->node, f->node.latest.time_ms + 1000, &err), 0);
}

static void test_server_error_and_offline(void **state)
{
    struct fixture *f = *state;
    struct rx r;
    char prov[2048], cust[2048], srv[37], path[96], id[65], addr[64];
    struct cpc_key k;
    assert_int_equal(rx_start(&r), 0);
    int64_t prov_id = provider_up(f, "p@example.com", prov);
    server_add(f, prov, server_body("A", "RTX 4090", 1, 24, 600000000, "DE", "Berlin"), srv);
    advance(f, 61000);
    json_t *j = signup_login(f, "c@example.com", PW);
    snprintf(cust, sizeof cust, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, cust, NULL, NULL), 200, NULL);
    snprintf(addr, sizeof addr, "%s", str(f->last, "address"));
    worker_up(f, "wa", &k);
    snprintf(path, sizeof path, "/provider/servers/%s", srv);
    expect(f, call(f, "PUT", path, bind_body(&k, srv, prov_id), prov, NULL), 200, NULL);
    hook_add(f, &r, prov, "[\"server.offline\", \"server.error\"]");
    heartbeat(f, &k);
    produce_next(f); /* the watcher sees it online: no event */
    fund(f, addr, 10 * CPC);
    expect(f, call(f, "POST", "/rentals",
                   json_pack("{s:s, s:i, s:s}", "gpu_id", srv, "hours", 2, "ssh_public_key",
                             KEY),
                   cust, NULL),
           202, NULL);
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    assert_int_equal(report(f, &k, id, "failed"), 200);
    assert_int_equal(report(f, &k, id, "failed"), 200);
    assert_string_equal(type_of(&r, 0), "server.error");
    quiet(&r, 1);
    /* it ran, then failed again: a second event */
    assert_int_equal(report(f, &k, id, "running"), 200);
    assert_int_equal(report(f, &k, id, "failed"), 200);
    assert_string_equal(type_of(&r, 1), "server.error");
    json_t *b = json_loads(r.hits[1].body, 0, NULL);
    json_t *d = json_object_get(b, "data");
    assert_string_equal(str(d, "rental_id"), id);
    assert_string_equal(str(d, "server_id"), srv);
    assert_string_equal(str(d, "error"), "pull failed");
    json_decref(b);
    /* silent past the heartbeat timeout: offline, once */
    advance(f, 31000);
    produce_next(f);
    assert_string_equal(type_of(&r, 2), "server.offline");
    produce_next(f);
    quiet(&r, 3);
    /* back, then silent again: a second offline */
    heartbeat(f, &k);
    produce_next(f);
    advance(f, 31000);
    produce_next(f);
    assert_string_equal(type_of(&r, 3), "server.offline");
    quiet(&r, 4);
    rx_stop(&r);
}

/* A delta holding a completed job of creator (an address), id byte tag. */
static void job_block(struct fixture *f, const char *creator, uint8_t tag)
{
    struct cpc_job job;
    memset(&job, 0, sizeof job);
    memset(job.id, tag, sizeof job.id);
    assert_int_equal(cpc_address_decode(job.creator, creator), 0);
    job.status = CPC_JOB_COMPLETED;
    job.contract.kind = CPC_KIND_EXEC;
    memset(job.contract.p.exec.app, 3, 32);
    memset(job.contract.p.exec.inputs[0], 4, 32);
    job.contract.p.exec.n_inputs = 1;
    job.contract.p.exec.timeout_s = 60;
    job.contract.p.exec.memory_mb = 512;
    job.contract.tasks = 3;
    job.contract.reward = 1000;
    job.contract.replication = 3;
    job.contract.deadline_blocks = 100;
    job.contract.priority = CPC_PRIORITY_HIGH;
    job.contract.max_budget = 16500;
    job.tasks_done = 3;
    struct cpc_state *d = cpc_state_new();
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf buf;
    cpc_buf_init(&buf);
    cpc_job_encode(&job, &buf);
    assert_int_equal(cpc_state_obj_put(d, key, cpc_key_job(key, job.id), buf.data, buf.len), 0);
    cpc_buf_free(&buf);
    struct cpc_err err = {0};
    assert_int_equal(cpc_webhook_jobs_block(&f->node, d, &err), 0);
    cpc_state_free(d);
}

static void test_job_completed(void **state)
{
    struct fixture *f = *state;
    struct rx r;
    char tok[2048], addr[64], other[CPC_ADDR_STR_MAX];
    assert_int_equal(rx_start(&r), 0);
    json_t *j = signup_login(f, "u@example.com", PW);
    snprintf(tok, sizeof tok, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, tok, NULL, NULL), 200, NULL);
    snprintf(addr, sizeof addr, "%s", str(f->last, "address"));
    hook_add(f, &r, tok, "[\"job.completed\"]");
    uint8_t h[CPC_ADDR_HASH_LEN];
    memset(h, 7, sizeof h);
    cpc_address_encode(other, h);
    job_block(f, other, 1); /* nobody's */
    job_block(f, addr, 2);
    job_block(f, addr, 2); /* the same job in a later block */
    assert_string_equal(type_of(&r, 0), "job.completed");
    quiet(&r, 1);
    json_t *b = json_loads(r.hits[0].body, 0, NULL);
    json_t *d = json_object_get(b, "data");
    assert_string_equal(str(d, "creator"), addr);
    assert_int_equal(strlen(str(d, "job_id")), 64);
    assert_int_equal(strncmp(str(d, "job_id"), "0202", 4), 0);
    json_decref(b);
    rx_stop(&r);
}

static void test_payout_sent(void **state)
{
    struct fixture *f = *state;
    struct rx r;
    char prov[2048], admin[2048], wallet[64], path[128], wid[40];
    assert_int_equal(rx_start(&r), 0);
    provider_up(f, "p@example.com", prov);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, prov, NULL, NULL), 200, NULL);
    snprintf(wallet, sizeof wallet, "%s", str(f->last, "address"));
    hook_add(f, &r, prov, "[\"payout.sent\"]");
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
    advance(f, 61000);
    json_t *j = NULL;
    assert_int_equal(login(f, "admin@example.com", PW, NULL, &j), 200);
    snprintf(admin, sizeof admin, "%s", str(j, "access_token"));
    json_decref(j);
    fund(f, wallet, 10 * CPC);
    expect(f, http_ex(f, "POST", "/provider/withdrawals",
                      "{\"amount_cpc\":\"4\",\"method\":\"card\",\"destination\":"
                      "\"4111111111111111\"}",
                      prov, NULL, NULL),
           201, NULL);
    snprintf(wid, sizeof wid, "%s", str(f->last, "id"));
    quiet(&r, 0); /* a request is no payout */
    snprintf(path, sizeof path, "/admin/withdrawals/%s/approve", wid);
    expect(f, http_ex(f, "POST", path, NULL, admin, NULL, NULL), 200, NULL);
    char tx[65];
    snprintf(tx, sizeof tx, "%s", str(f->last, "tx_hash"));
    assert_string_equal(type_of(&r, 0), "payout.sent");
    json_t *b = json_loads(r.hits[0].body, 0, NULL);
    json_t *d = json_object_get(b, "data");
    assert_string_equal(str(d, "withdrawal_id"), wid);
    assert_string_equal(str(d, "tx_hash"), tx);
    assert_int_equal(json_integer_value(json_object_get(d, "amount")), 4 * CPC);
    json_decref(b);
    quiet(&r, 1);
    rx_stop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_server_error_and_offline, hooks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_completed, hooks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_payout_sent, hooks_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_node_worker_api.c — the worker protocol of a real node in this
 * process over real HTTP on 127.0.0.1 (like test_node_api.c: blocks only
 * when the test calls cpc_produce_block). Covers signed requests (good, bad
 * signature, stale timestamp, replay, unregistered), the lease long-poll
 * (woken by the scheduler, and timing out) while other requests are still
 * served, heartbeats and status, blobs, and the end-to-end hashpow flow:
 * JOB_CREATE -> lease -> cpc_hashpow_search -> SUBMIT_RESULT with the
 * lease -> job completed and the worker paid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/keyring.h"
#include "common/req_sign.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/kinds.h"
#include "core/market.h"
#include "core/tx.h"
#include "core/uuid.h"
#include "node/consensus.h"
#include "http/httpd.h"
#include "node/node.h"
#include "market/scheduler.h"
#include "node_test_fixture.h"
#include "common/clock.h"

#define CHAIN "worker-api-test"

struct fixture {
    char home[256];
    struct cpc_node node;
    char base[64];
    struct cpc_key faucet;
    struct cpc_key worker;
    struct cpc_signer *signer;
    CURL *curl;
};

/* Timestamp of a signed request: unix ms, strictly increasing across the
 * test's threads (the same request twice in one millisecond would otherwise be
 * signed identically and refused as a replay, as a real worker must avoid). */
static uint64_t next_ts(void)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static uint64_t last;
    pthread_mutex_lock(&mu);
    uint64_t now = cpc_clock_wall_ms();
    last = now > last ? now : last + 1;
    uint64_t ts = last;
    pthread_mutex_unlock(&mu);
    return ts;
}

/* Raw request. key != NULL signs it at ts (unix ms). Returns the HTTP status, -1 when
 * no answer came (printed); *raw (may be NULL) receives the body (caller frees). No
 * cmocka assert inside: poll_thread calls it off the test's thread. */
static long req_at(struct fixture *f, CURL *c, const struct cpc_key *key, uint64_t ts,
                   const char *method, const char *path, const void *body, size_t body_len,
                   struct nt_buf *raw)
{
    struct nt_req r = {method, path, body, body_len, .timeout_s = 30};
    if (key) {
        struct cpc_req_sig sig;
        struct cpc_signer *s = cpc_signer_new(NULL);
        int rc = cpc_req_sign(&sig, s, key, method, path, body, body ? body_len : 0, ts, NULL);
        cpc_signer_free(s);
        if (rc != 0) {
            fprintf(stderr, "%s %s: signing failed\n", method, path);
            return -1;
        }
        r.headers = nt_sig_headers(NULL, &sig);
    }
    return nt_http(c, f->base, &r, raw);
}

/* req_at signed now (ts_delta_ms 0: next_ts()) or now + ts_delta_ms. */
static long req_raw(struct fixture *f, CURL *c, const struct cpc_key *key, int64_t ts_delta_ms,
                    const char *method, const char *path, const void *body, size_t body_len,
                    struct nt_buf *raw)
{
    uint64_t ts = ts_delta_ms ? (uint64_t)((int64_t)cpc_clock_wall_ms() + ts_delta_ms) : next_ts();
    return req_at(f, c, key, ts, method, path, body, body_len, raw);
}

static long http(struct fixture *f, const struct cpc_key *key, const char *method,
                 const char *path, const char *body, json_t **out)
{
    struct nt_buf b = {0};
    long st = req_raw(f, f->curl, key, 0, method, path, body, body ? strlen(body) : 0, &b);
    if (out)
        *out = nt_json(&b);
    free(b.p);
    return st;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    nt_home_new(f->home, "/tmp/cpc-wapi-XXXXXX", CHAIN, NULL);
    nt_node_up(&f->node, f->home, f->base);
    struct cpc_err err = {0};
    assert_int_equal(cpc_keyring_load(f->home, "faucet", NULL, &f->faucet, &err), 0);
    assert_int_equal(cpc_keyring_create(f->home, "worker", NULL, &f->worker, &err), 0);
    f->signer = cpc_signer_new_random();
    f->curl = curl_easy_init();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    curl_easy_cleanup(f->curl);
    cpc_signer_free(f->signer);
    nt_node_down(&f->node, f->home);
    free(f);
    return 0;
}

static uint8_t *addr_of(const struct cpc_key *k, uint8_t out[CPC_ADDR_HASH_LEN])
{
    assert_int_equal(cpc_pubkey_hash(out, k->info.pubkey), 0);
    return out;
}

/* ---- scheduler injection (records the chain would hold) ---- */

static struct cpc_job inj_job(uint8_t tag, uint32_t tasks)
{
    struct cpc_job j;
    memset(&j, 0, sizeof j);
    memset(j.id, tag, 32);
    j.contract.kind = CPC_KIND_HASHPOW;
    j.contract.p.hashpow.bits = 4;
    j.contract.tasks = tasks;
    j.contract.reward = 10;
    j.contract.replication = 1;
    j.contract.deadline_blocks = 100;
    j.contract.priority = CPC_PRIORITY_NORMAL;
    j.contract.max_budget = 1000000;
    memset(j.seed, 0x33, 32);
    j.status = CPC_JOB_ACTIVE;
    return j;
}

static void inject(struct fixture *f, const struct cpc_job *j, const struct cpc_key *worker)
{
    struct cpc_state *d = cpc_state_new();
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    if (j) {
        cpc_job_encode(j, &b);
        assert_int_equal(cpc_state_obj_put(d, key, cpc_key_job(key, j->id), b.data, b.len), 0);
    }
    if (worker) {
        struct cpc_worker w;
        memset(&w, 0, sizeof w);
        addr_of(worker, w.addr);
        w.cpu_cores = 4;
        w.locked = 1000 * CPC_DEFAULT_MIN_WORKER_STAKE; /* lease cap = worker_max_leases */
        b.len = 0;
        cpc_worker_encode(&w, &b);
        assert_int_equal(cpc_state_obj_put(d, key, cpc_key_worker(key, w.addr), b.data, b.len),
                         0);
    }
    cpc_buf_free(&b);
    assert_int_equal(cpc_scheduler_on_block(f->node.scheduler, d, f->node.latest.height), 0);
    cpc_state_free(d);
}

/* ---- tests ---- */

static void test_signed_requests(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    const char *body = "{\"max_tasks\":1}";
    /* unsigned */
    assert_int_equal(http(f, NULL, "POST", "/worker/lease", body, &j), 401);
    assert_string_equal(err_msg(j), "missing X-CPC-Pubkey header");
    json_decref(j);
    /* signed but not registered: 403 with the way out */
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", body, &j), 403);
    assert_string_equal(err_msg(j), "register first with WORKER_REGISTER");
    json_decref(j);
    /* stale and future timestamps */
    struct nt_buf b = {0};
    assert_int_equal(req_raw(f, f->curl, &f->worker, -61000, "POST", "/worker/lease", body,
                             strlen(body), &b),
                     401);
    assert_non_null(strstr(b.p, "stale timestamp"));
    free(b.p);
    assert_int_equal(req_raw(f, f->curl, &f->worker, 90000, "POST", "/worker/lease", body,
                             strlen(body), &b),
                     401);
    assert_non_null(strstr(b.p, "stale timestamp"));
    free(b.p);
    /* replay: the same signed request twice (RFC 6979 signs it identically) */
    uint64_t ts = cpc_clock_wall_ms() - 30000;
    assert_int_equal(req_at(f, f->curl, &f->worker, ts, "GET", "/worker/status", NULL, 0, &b),
                     200);
    assert_non_null(strstr(b.p, "\"registered\":false"));
    free(b.p);
    assert_int_equal(req_at(f, f->curl, &f->worker, ts, "GET", "/worker/status", NULL, 0, &b),
                     401);
    assert_non_null(strstr(b.p, "replayed request"));
    free(b.p);
    /* bad signature: headers of one body sent with another */
    struct cpc_req_sig sig;
    assert_int_equal(cpc_req_sign(&sig, f->signer, &f->worker, "POST", "/worker/lease",
                                  "{}", 2, next_ts(), NULL),
                     0);
    char url[256], l1[128], l2[64], l3[192];
    snprintf(url, sizeof url, "%s/worker/lease", f->base);
    snprintf(l1, sizeof l1, "X-CPC-Pubkey: %s", sig.pubkey);
    snprintf(l2, sizeof l2, "X-CPC-Timestamp: %s", sig.timestamp);
    snprintf(l3, sizeof l3, "X-CPC-Signature: %s", sig.signature);
    struct curl_slist *h = curl_slist_append(NULL, l1);
    h = curl_slist_append(h, l2);
    h = curl_slist_append(h, l3);
    struct nt_buf rb = {0};
    curl_easy_reset(f->curl);
    curl_easy_setopt(f->curl, CURLOPT_URL, url);
    curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, nt_on_data);
    curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, &rb);
    assert_int_equal(curl_easy_perform(f->curl), CURLE_OK);
    long st = 0;
    curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &st);
    curl_slist_free_all(h);
    assert_int_equal(st, 401);
    assert_non_null(strstr(rb.p, "bad signature"));
    free(rb.p);
    /* a malformed pubkey header */
    h = curl_slist_append(NULL, "X-CPC-Pubkey: 02zz");
    h = curl_slist_append(h, l2);
    h = curl_slist_append(h, l3);
    rb.p = NULL;
    rb.n = 0;
    curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, h);
    assert_int_equal(curl_easy_perform(f->curl), CURLE_OK);
    curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &st);
    curl_slist_free_all(h);
    assert_int_equal(st, 401);
    assert_non_null(strstr(rb.p, "66 hex characters"));
    free(rb.p);
}

struct poll_arg {
    struct fixture *f;
    const char *body;
    long status;
    json_t *answer;
    double secs;
};

/* POST /worker/release: a leased task goes back to the queue at once; a
 * task the worker does not hold, bad bodies and unregistered callers. */
static void test_release(void **state)
{
    struct fixture *f = *state;
    struct cpc_job job = inj_job(0x5e, 1);
    inject(f, &job, &f->worker);
    json_t *j = NULL;
    assert_int_equal(http(f, NULL, "POST", "/worker/release", "{\"task_ids\":[]}", &j), 401);
    json_decref(j);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", "{\"max_tasks\":1}", &j), 200);
    json_t *tasks = json_object_get(j, "tasks");
    assert_int_equal(json_array_size(tasks), 1);
    char tid[40], body[128];
    snprintf(tid, sizeof tid, "%s",
             json_string_value(json_object_get(json_array_get(tasks, 0), "task_id")));
    json_decref(j);
    /* held: nothing else to lease */
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", "{\"max_tasks\":1}", &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "tasks")), 0);
    json_decref(j);
    /* bad bodies */
    assert_int_equal(http(f, &f->worker, "POST", "/worker/release", "{\"task_ids\":[]}", &j),
                     400);
    assert_non_null(strstr(err_msg(j), "1..64 task ids"));
    json_decref(j);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/release", "{\"task_ids\":[\"x\"]}", &j),
                     400);
    assert_non_null(strstr(err_msg(j), "task_ids[0]"));
    json_decref(j);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/release", "{\"ids\":[]}", &j), 400);
    json_decref(j);
    /* a task it does not hold: nothing released */
    assert_int_equal(http(f, &f->worker, "POST", "/worker/release",
                          "{\"task_ids\":[\"00000000-0000-8000-8000-000000000000\"]}", &j),
                     200);
    assert_int_equal(json_integer_value(json_object_get(j, "released")), 0);
    json_decref(j);
    /* give it back: leasable again at once */
    snprintf(body, sizeof body, "{\"task_ids\":[\"%s\"]}", tid);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/release", body, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "released")), 1);
    json_decref(j);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", "{\"max_tasks\":1}", &j), 200);
    tasks = json_object_get(j, "tasks");
    assert_int_equal(json_array_size(tasks), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tasks, 0), "task_id")),
                        tid);
    json_decref(j);
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait (at most 10 s, polling every 5 ms) until the scheduler holds exactly
 * `want` long-poll waiters: the observable state, not a guess at how long the
 * request takes to arrive on a loaded machine. */
static void wait_waiters(struct fixture *f, size_t want)
{
    double t0 = mono();
    for (;;) {
        struct cpc_sched_stats ss;
        cpc_scheduler_stats(f->node.scheduler, &ss);
        if (ss.waiters == want)
            return;
        if (mono() - t0 > 10) {
            fprintf(stderr, "waiters: %zu after 10 s, want %zu\n", ss.waiters, want);
            fail();
        }
        usleep(5000);
    }
}

static void *poll_thread(void *arg)
{
    struct poll_arg *a = arg;
    CURL *c = curl_easy_init();
    struct nt_buf b = {0};
    double t0 = mono();
    a->status = req_raw(a->f, c, &a->f->worker, 0, "POST", "/worker/lease", a->body,
                        strlen(a->body), &b);
    a->secs = mono() - t0;
    a->answer = b.p ? json_loadb(b.p, b.n, 0, NULL) : NULL;
    free(b.p);
    curl_easy_cleanup(c);
    return NULL;
}

static void test_long_poll(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    inject(f, NULL, &f->worker);
    /* bad bodies */
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", "{\"max_tasks\":65}", &j), 400);
    json_decref(j);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", "{\"wait_ms\":25001}", &j),
                     400);
    json_decref(j);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", "{\"nope\":1}", &j), 400);
    json_decref(j);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", "[1]", &j), 400);
    json_decref(j);
    /* nothing to do and no wait: an empty answer at once */
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", "{}", &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "tasks")), 0);
    json_decref(j);
    /* the same body signed 1 ms apart: two requests, both served (a worker
     * polling faster than once a second is no replay) */
    uint64_t ts = next_ts();
    (void)next_ts(); /* every later timestamp is above ts + 1: both are ours */
    for (uint64_t i = 0; i < 2; i++) {
        struct nt_buf rb = {0};
        assert_int_equal(req_at(f, f->curl, &f->worker, ts + i, "POST", "/worker/lease", "{}", 2,
                                &rb),
                         200);
        json_t *ans = json_loadb(rb.p, rb.n, 0, NULL);
        assert_non_null(ans);
        assert_int_equal(json_array_size(json_object_get(ans, "tasks")), 0);
        assert_non_null(json_object_get(ans, "height"));
        json_decref(ans);
        free(rb.p);
    }

    /* a waiting worker times out with an empty answer */
    struct poll_arg a = {.f = f, .body = "{\"max_tasks\":2,\"wait_ms\":600}"};
    pthread_t thr;
    assert_int_equal(pthread_create(&thr, NULL, poll_thread, &a), 0);
    pthread_join(thr, NULL);
    assert_int_equal(a.status, 200);
    assert_int_equal(json_array_size(json_object_get(a.answer, "tasks")), 0);
    assert_true(a.secs >= 0.55 && a.secs < 10);
    json_decref(a.answer);
    wait_waiters(f, 0); /* its waiter is dropped once the answer is done */

    /* a waiting worker is woken by new work; meanwhile the node answers others
     * (the wait holds no HTTP thread) */
    struct poll_arg b = {.f = f, .body = "{\"max_tasks\":2,\"wait_ms\":20000}"};
    assert_int_equal(pthread_create(&thr, NULL, poll_thread, &b), 0);
    wait_waiters(f, 1);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(http(f, NULL, "GET", "/status", NULL, &j), 200);
        json_decref(j);
    }
    struct cpc_sched_stats ss;
    cpc_scheduler_stats(f->node.scheduler, &ss);
    assert_int_equal(ss.waiters, 1);
    struct cpc_job job = inj_job(0x44, 3);
    inject(f, &job, NULL);
    pthread_join(thr, NULL);
    assert_int_equal(b.status, 200);
    assert_true(b.secs < 10);
    json_t *tasks = json_object_get(b.answer, "tasks");
    assert_int_equal(json_array_size(tasks), 2);
    json_t *t0 = json_array_get(tasks, 0);
    assert_string_equal(json_string_value(json_object_get(t0, "kind")), "hashpow");
    assert_int_equal(json_integer_value(json_object_get(t0, "index")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(t0, "params"), "bits")), 4);
    uint8_t seed[32], want_seed[32];
    cpc_hashpow_task_seed(want_seed, job.seed, 0);
    assert_int_equal(cpc_hex_decode_exact(seed, 32, json_string_value(json_object_get(t0, "seed"))),
                     0);
    assert_memory_equal(seed, want_seed, 32);
    /* two tasks in one answer: one validator signature over their lease set
     * (market.h); each task carries its index, the set size and its path */
    json_t *lj = json_object_get(t0, "lease");
    json_t *lj1 = json_object_get(json_array_get(tasks, 1), "lease");
    uint64_t expires = (uint64_t)json_integer_value(json_object_get(lj, "expires"));
    assert_int_equal(expires, f->node.latest.height + 30);
    assert_string_equal(json_string_value(json_object_get(lj, "signature")),
                        json_string_value(json_object_get(lj1, "signature")));
    uint8_t sig[64], tid[16], tid1[16], waddr[20];
    assert_int_equal(
        cpc_hex_decode_exact(sig, 64, json_string_value(json_object_get(lj, "signature"))), 0);
    assert_int_equal(cpc_uuid_parse(tid, json_string_value(json_object_get(t0, "task_id"))), 0);
    assert_int_equal(cpc_uuid_parse(tid1, json_string_value(json_object_get(
                                              json_array_get(tasks, 1), "task_id"))),
                     0);
    struct cpc_lease_set_ref ref, ref1;
    int in_set = 0;
    struct cpc_err le = {0};
    assert_int_equal(cpc_lease_set_from_json(&ref, &in_set, lj, "lease", CPC_ERR_INVALID, &le), 0);
    assert_true(in_set);
    assert_int_equal(cpc_lease_set_from_json(&ref1, &in_set, lj1, "lease", CPC_ERR_INVALID, &le), 0);
    assert_int_equal(ref.size, 2);
    assert_int_equal(ref.index, 0);
    assert_int_equal(ref1.index, 1);
    addr_of(&f->worker, waddr);
    const uint8_t *vk = f->node.genesis.validator;
    assert_int_equal(cpc_lease_set_verify(sig, vk, CHAIN, tid, waddr, expires, &ref), 0);
    assert_int_equal(cpc_lease_set_verify(sig, vk, CHAIN, tid1, waddr, expires, &ref1), 0);
    /* wrong expiry, worker, task, position or path: refused */
    assert_int_not_equal(cpc_lease_set_verify(sig, vk, CHAIN, tid, waddr, expires + 1, &ref), 0);
    uint8_t other[20];
    memcpy(other, waddr, 20);
    other[0] ^= 1;
    assert_int_not_equal(cpc_lease_set_verify(sig, vk, CHAIN, tid, other, expires, &ref), 0);
    assert_int_not_equal(cpc_lease_set_verify(sig, vk, CHAIN, tid1, waddr, expires, &ref), 0);
    struct cpc_lease_set_ref bad = ref;
    bad.path[0][5] ^= 1;
    assert_int_not_equal(cpc_lease_set_verify(sig, vk, CHAIN, tid, waddr, expires, &bad), 0);
    bad = ref;
    bad.index = 1; /* claims the other position with this task */
    assert_int_not_equal(cpc_lease_set_verify(sig, vk, CHAIN, tid, waddr, expires, &bad), 0);
    char tid_s[CPC_UUID_STR_LEN + 1];
    snprintf(tid_s, sizeof tid_s, "%s", json_string_value(json_object_get(t0, "task_id")));
    json_decref(b.answer);

    /* heartbeat with progress, then the signed status view */
    char hb[256];
    snprintf(hb, sizeof hb,
             "{\"progress\":{\"%s\":55},\"cpu_load\":0.5,\"gpu_load\":0,\"ram_used_mb\":512,"
             "\"gpu_temp_c\":40,\"matmul_backend\":\"onednn avx512_core_vnni\"}",
             tid_s);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/heartbeat", hb, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "leases")), 2);
    json_decref(j);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/heartbeat", "{\"cpu_load\":\"x\"}", &j),
                     400);
    json_decref(j);
    assert_int_equal(http(f, &f->worker, "GET", "/worker/status", NULL, &j), 200);
    assert_true(json_is_true(json_object_get(j, "online")));
    json_t *leases = json_object_get(j, "leases");
    assert_int_equal(json_array_size(leases), 2);
    int found = 0;
    for (size_t i = 0; i < 2; i++) {
        json_t *l = json_array_get(leases, i);
        if (strcmp(json_string_value(json_object_get(l, "task_id")), tid_s) == 0) {
            assert_int_equal(json_integer_value(json_object_get(l, "progress")), 55);
            found = 1;
        }
    }
    assert_true(found);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "load"), "ram_used_mb")),
                     512);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "load"),
                                                          "matmul_backend")),
                        "onednn avx512_core_vnni");
    json_decref(j);
    /* the leased task is visible even without a task record */
    char path[128];
    snprintf(path, sizeof path, "/market/task/%s", tid_s);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "open");
    json_decref(j);
    assert_int_equal(http(f, NULL, "GET", "/market/task/not-a-uuid", NULL, &j), 400);
    json_decref(j);
    /* a long-poll pending at shutdown is answered (teardown stops the node) */
    struct poll_arg c = {.f = f, .body = "{\"max_tasks\":1,\"wait_ms\":20000}"};
    struct cpc_job none = inj_job(0x44, 3);
    none.status = CPC_JOB_CANCELLED;
    inject(f, &none, NULL); /* job gone: nothing to lease */
    wait_waiters(f, 0);
    assert_int_equal(pthread_create(&thr, NULL, poll_thread, &c), 0);
    wait_waiters(f, 1); /* c reached the node and waits there */
    cpc_daemon_stop(&f->node);
    pthread_join(thr, NULL);
    assert_int_equal(c.status, 200);
    assert_true(c.secs < 10);
    assert_int_equal(json_array_size(json_object_get(c.answer, "tasks")), 0);
    json_decref(c.answer);
}

static void test_blobs(void **state)
{
    struct fixture *f = *state;
    uint8_t data[3000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    data[10] = 0; /* binary, with NULs */
    uint8_t h[32];
    char hex[65], path[128];
    cpc_sha256(h, data, sizeof data);
    cpc_hex_encode(hex, h, 32);
    snprintf(path, sizeof path, "/blobs/%s", hex);
    struct nt_buf b = {0};
    assert_int_equal(req_raw(f, f->curl, NULL, 0, "GET", path, NULL, 0, &b), 404);
    free(b.p);
    /* uploads are signed by an account (test_node_blobs.c has the rules) */
    assert_int_equal(req_raw(f, f->curl, NULL, 0, "PUT", path, data, sizeof data, &b), 401);
    free(b.p);
    assert_int_equal(req_raw(f, f->curl, &f->faucet, 0, "PUT", path, data, sizeof data, &b), 201);
    assert_non_null(strstr(b.p, "\"created\":true"));
    free(b.p);
    assert_int_equal(req_raw(f, f->curl, &f->faucet, 0, "PUT", path, data, sizeof data, &b), 200);
    assert_non_null(strstr(b.p, "\"created\":false"));
    free(b.p);
    assert_int_equal(req_raw(f, f->curl, NULL, 0, "GET", path, NULL, 0, &b), 200);
    assert_int_equal(b.n, sizeof data);
    assert_memory_equal(b.p, data, sizeof data);
    free(b.p);
    /* hash mismatch */
    data[0] ^= 1;
    assert_int_equal(req_raw(f, f->curl, &f->faucet, 0, "PUT", path, data, sizeof data, &b), 400);
    assert_non_null(strstr(b.p, "hash mismatch"));
    free(b.p);
    /* bad ids */
    assert_int_equal(req_raw(f, f->curl, NULL, 0, "GET", "/blobs/abc", NULL, 0, &b), 400);
    free(b.p);
    assert_int_equal(req_raw(f, f->curl, &f->faucet, 0, "PUT", "/blobs/%2E%2E", data, 3, &b), 400);
    free(b.p);
    /* the file is where the docs say, named by the lowercase hash */
    char fpath[512];
    snprintf(fpath, sizeof fpath, "%s/data/blobs/%s", f->home, hex);
    assert_int_equal(access(fpath, R_OK), 0);
}

static struct cpc_tx base_tx(enum cpc_tx_type type, uint64_t nonce)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = type;
    snprintf(tx.chain_id, sizeof tx.chain_id, CHAIN);
    tx.nonce = nonce;
    tx.gas_price = 1;
    return tx;
}

static void post_tx(struct fixture *f, struct cpc_tx *tx, const struct cpc_key *k)
{
    assert_int_equal(cpc_tx_sign(tx, f->signer, k->seckey, NULL), 0);
    json_t *tj = cpc_tx_to_json(tx);
    char *s = json_dumps(tj, JSON_COMPACT);
    json_decref(tj);
    json_t *j = NULL;
    long st = http(f, NULL, "POST", "/tx", s, &j);
    if (st != 200)
        fprintf(stderr, "POST /tx: %ld %s\n", st, s);
    free(s);
    assert_int_equal(st, 200);
    json_decref(j);
}

static uint64_t balance(struct fixture *f, const struct cpc_key *k)
{
    uint8_t a[20];
    struct cpc_account acc;
    cpc_node_account(&f->node, addr_of(k, a), &acc);
    return acc.balance;
}

/* The faucet funds the worker (at waddr) with 110 CPC in a block, then the worker
 * posts its WORKER_REGISTER (100 CPC stake: 10 x min_worker_stake, so its lease cap
 * is the node's worker_max_leases; 4 cores, ram_gb) to the mempool. */
static void fund_and_register(struct fixture *f, const uint8_t waddr[20], uint32_t ram_gb)
{
    struct cpc_tx tx = base_tx(CPC_TX_TRANSFER, 0);
    memcpy(tx.u.transfer.to, waddr, 20);
    tx.u.transfer.amount = 110000000000ULL;
    post_tx(f, &tx, &f->faucet);
    nt_produce(&f->node);
    tx = base_tx(CPC_TX_WORKER_REGISTER, 0);
    tx.u.worker_register.stake = 100000000000ULL;
    tx.u.worker_register.cpu_cores = 4;
    tx.u.worker_register.ram_gb = ram_gb;
    post_tx(f, &tx, &f->worker);
}

static void test_hashpow_end_to_end(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    uint8_t waddr[20];
    addr_of(&f->worker, waddr);
    /* fund the worker, then it registers and the customer creates a job */
    fund_and_register(f, waddr, 8);
    struct cpc_tx jc = base_tx(CPC_TX_JOB_CREATE, 1);
    struct cpc_contract *c = &jc.u.job_create.contract;
    c->kind = CPC_KIND_HASHPOW;
    c->p.hashpow.bits = 8;
    c->tasks = 1;
    c->reward = 5000000;
    c->replication = 1;
    c->deadline_blocks = 100;
    c->priority = CPC_PRIORITY_HIGH;
    c->max_budget = 1000000000ULL;
    post_tx(f, &jc, &f->faucet);
    nt_produce(&f->node);
    char job_hex[65], path[160];
    cpc_hex_encode(job_hex, jc.hash, 32);
    snprintf(path, sizeof path, "/market/job/%s", job_hex);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "active");
    assert_int_equal(json_array_size(json_object_get(j, "tasks")), 1);
    json_decref(j);

    /* lease it */
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", "{\"max_tasks\":4}", &j), 200);
    json_t *tasks = json_object_get(j, "tasks");
    assert_int_equal(json_array_size(tasks), 1);
    json_t *t0 = json_array_get(tasks, 0);
    assert_string_equal(json_string_value(json_object_get(t0, "job_id")), job_hex);
    assert_int_equal(json_integer_value(json_object_get(t0, "reward")), 5000000);
    uint8_t seed[32], tid[16], lsig[64];
    assert_int_equal(
        cpc_hex_decode_exact(seed, 32, json_string_value(json_object_get(t0, "seed"))), 0);
    assert_int_equal(cpc_uuid_parse(tid, json_string_value(json_object_get(t0, "task_id"))), 0);
    json_t *lj = json_object_get(t0, "lease");
    uint64_t expires = (uint64_t)json_integer_value(json_object_get(lj, "expires"));
    assert_int_equal(
        cpc_hex_decode_exact(lsig, 64, json_string_value(json_object_get(lj, "signature"))), 0);
    json_decref(j);
    snprintf(path, sizeof path, "/market/job/%s/resources", job_hex);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "leases")), 1);
    json_decref(j);

    /* compute with the core reference and submit with the lease */
    uint64_t nonce = 0;
    assert_int_equal(cpc_hashpow_search(seed, 8, 0, 1u << 24, &nonce), 0);
    uint64_t before = balance(f, &f->worker);
    struct cpc_tx sr = base_tx(CPC_TX_SUBMIT_RESULT, 1);
    memcpy(sr.u.result.task_id, tid, 16);
    for (int i = 0; i < 8; i++)
        sr.u.result.result_hash[i] = (uint8_t)(nonce >> (56 - 8 * i));
    sr.u.result.result_hash_len = 8;
    memcpy(sr.u.result.worker, waddr, 20);
    sr.u.result.has_lease = 1;
    sr.u.result.lease_expires = expires;
    memcpy(sr.u.result.lease_sig, lsig, 64);
    post_tx(f, &sr, &f->worker);
    nt_produce(&f->node);
    uint64_t fee = cpc_tx_gas(&sr) * sr.gas_price;
    assert_int_equal(balance(f, &f->worker), before - fee + 5000000);
    snprintf(path, sizeof path, "/market/job/%s", job_hex);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "completed");
    assert_int_equal(json_integer_value(json_object_get(j, "tasks_done")), 1);
    json_decref(j);
    /* the lease is gone, and the worker's record shows the accepted result */
    struct cpc_sched_stats ss;
    cpc_scheduler_stats(f->node.scheduler, &ss);
    assert_int_equal(ss.leases, 0);
    assert_int_equal(ss.jobs, 0);
    snprintf(path, sizeof path, "/market/worker/%s", f->worker.info.address);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "accepted")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "score")), 1000);
    json_decref(j);
    assert_int_equal(http(f, NULL, "GET", "/market/worker/cpc1nope", NULL, &j), 400);
    json_decref(j);
    snprintf(path, sizeof path, "/market/worker/%s", f->faucet.info.address);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 404);
    json_decref(j);
}

/* matmul: commit through SUBMIT_RESULT, read the challenge rows from
 * GET /market/task, reveal them: the REVEAL is accepted, so the node's
 * challenge equals the chain's. */
static void test_matmul_challenge(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    uint8_t waddr[20];
    addr_of(&f->worker, waddr);
    fund_and_register(f, waddr, 0);
    struct cpc_tx jc = base_tx(CPC_TX_JOB_CREATE, 1);
    struct cpc_contract *c = &jc.u.job_create.contract;
    c->kind = CPC_KIND_MATMUL;
    c->p.matmul.m = 8;
    c->p.matmul.k = 5;
    c->p.matmul.n = 6;
    c->p.matmul.challenges = 3;
    c->tasks = 1;
    c->reward = 7000000;
    c->replication = 1;
    c->deadline_blocks = 100;
    c->max_budget = 1000000000ULL;
    post_tx(f, &jc, &f->faucet);
    nt_produce(&f->node);
    assert_int_equal(http(f, &f->worker, "POST", "/worker/lease", "{}", &j), 200);
    json_t *t0 = json_array_get(json_object_get(j, "tasks"), 0);
    assert_non_null(t0);
    assert_string_equal(json_string_value(json_object_get(t0, "kind")), "matmul");
    struct cpc_matmul_spec spec = {.m = 8, .k = 5, .n = 6};
    uint8_t tid[16], lsig[64];
    assert_int_equal(
        cpc_hex_decode_exact(spec.seed, 32, json_string_value(json_object_get(t0, "seed"))), 0);
    assert_int_equal(cpc_uuid_parse(tid, json_string_value(json_object_get(t0, "task_id"))), 0);
    json_t *lj = json_object_get(t0, "lease");
    uint64_t expires = (uint64_t)json_integer_value(json_object_get(lj, "expires"));
    assert_int_equal(
        cpc_hex_decode_exact(lsig, 64, json_string_value(json_object_get(lj, "signature"))), 0);
    char tid_s[CPC_UUID_STR_LEN + 1];
    cpc_uuid_format(tid_s, tid);
    json_decref(j);

    int8_t A[8 * 5], B[5 * 6];
    int32_t C[8 * 6];
    uint8_t root[32];
    cpc_matmul_gen_a(&spec, A);
    cpc_matmul_gen_b(&spec, B);
    cpc_matmul_reference(&spec, A, B, C);
    assert_int_equal(cpc_matmul_commit(&spec, C, root), 0);
    struct cpc_tx sr = base_tx(CPC_TX_SUBMIT_RESULT, 1);
    memcpy(sr.u.result.task_id, tid, 16);
    memcpy(sr.u.result.result_hash, root, 32);
    sr.u.result.result_hash_len = 32;
    memcpy(sr.u.result.worker, waddr, 20);
    sr.u.result.has_lease = 1;
    sr.u.result.lease_expires = expires;
    memcpy(sr.u.result.lease_sig, lsig, 64);
    post_tx(f, &sr, &f->worker);
    nt_produce(&f->node);
    uint64_t commit_h = f->node.latest.height;

    char path[128];
    snprintf(path, sizeof path, "/market/task/%s", tid_s);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "committed");
    json_t *ch = json_object_get(j, "challenge");
    assert_non_null(ch);
    assert_int_equal(json_integer_value(json_object_get(ch, "commit_height")), commit_h);
    json_t *rows_j = json_object_get(ch, "rows");
    assert_int_equal(json_array_size(rows_j), 3);
    /* independent computation from the committed header */
    uint8_t bh[32], cseed[32];
    memcpy(bh, f->node.latest_hash, 32);
    cpc_challenge_seed(cseed, bh, tid);
    uint32_t rows[3];
    cpc_matmul_challenge(cseed, 8, 3, rows);
    for (int i = 0; i < 3; i++)
        assert_int_equal(json_integer_value(json_array_get(rows_j, (size_t)i)), rows[i]);
    json_decref(j);

    /* reveal those rows: accepted and paid */
    uint64_t before = balance(f, &f->worker);
    struct cpc_merkle_proof proofs[3];
    assert_int_equal(cpc_matmul_prove(&spec, C, rows, 3, proofs), 0);
    struct cpc_tx rv = base_tx(CPC_TX_REVEAL, 2);
    memcpy(rv.u.reveal.task_id, tid, 16);
    rv.u.reveal.count = 3;
    assert_int_equal(cpc_reveal_pack(proofs, 3, &rv.ext, &rv.ext_len), 0);
    post_tx(f, &rv, &f->worker);
    nt_produce(&f->node);
    uint64_t fee = cpc_tx_gas(&rv) * rv.gas_price;
    cpc_tx_clear(&rv);
    assert_int_equal(balance(f, &f->worker), before - fee + 7000000);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "done");
    assert_null(json_object_get(j, "challenge"));
    json_decref(j);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_signed_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashpow_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_matmul_challenge, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

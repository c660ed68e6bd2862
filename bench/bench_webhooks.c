/* bench_webhooks.c — webhook delivery throughput and delay: 100,000
 * deliveries from an in-process node (the unit tests' fixture) to a receiver
 * on 127.0.0.1 (libmicrohttpd, answering 200 at once), while a thread builds
 * a block every 100 ms.
 *
 * One user with 10 webhooks (the most a user may have) to the same receiver
 * (a webhook has at most one attempt in flight; the node's 4 connections
 * serve 4 webhooks at once) and 10,000 events emitted as fast as
 * cpc_webhook_emit takes them (one durable INSERT each: 10 outbox rows),
 * each carrying its sequence number; the
 * receiver notes when each delivery arrives. Delay = arrival - emit, over
 * all 100,000, so it includes the queue that builds while emission outruns
 * delivery. The reference, in the same run and to the same receiver: the
 * same number of raw POSTs of a body of the same size from 4 threads, one
 * keep-alive libcurl handle each, without the outbox, the signature or the
 * commit. Output:
 *   webhooks: deliveries=100000 per_s=X p50_delay_ms=A p99_delay_ms=B raw_per_s=Y
 *             ratio_to_raw=X/Y emit_per_s=Z emit_max_ms=M emits_over_100ms=K blocks=N
 * Then a paced run: 1,000 events at 100 a second (1,000 deliveries a
 * second, below what the path gives), so its delays are the latency rather
 * than the queue of the run above:
 *   webhooks_paced: events_per_s=100 deliveries=10000 p50_delay_ms=A
 *                   p99_delay_ms=B max_delay_ms=C blocks=N
 * Both rates and the delays depend on the disk: an emit and a group commit
 * are one synchronous=FULL commit each.
 */
#include "node_auth_fixture.h"

#include <microhttpd.h>
#include <netinet/in.h>

#include "common/clock.h"
#include "node/consensus.h"
#include "platform/webhooks.h"
#include "store/webhook_store.h"

#define EVENTS 10000
#define HOOKS 10
#define CONNS 4
#define PACED 1000     /* events of the paced run */
#define PACED_RATE 100 /* its events a second: 1,000 deliveries a second */
#define TOTAL (EVENTS * HOOKS)

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double emit_ms[EVENTS];
static double *arrive_ms; /* TOTAL: by seq * HOOKS + the arrival's rank for that seq */
static _Atomic int arrived, per_seq[EVENTS];

struct conn {
    char buf[1024];
    size_t len;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **con_cls)
{
    struct conn *cc = *con_cls;
    (void)cls, (void)url, (void)method, (void)version;
    if (!cc) {
        *con_cls = calloc(1, sizeof *cc);
        return MHD_YES;
    }
    if (*size) {
        size_t n = *size < sizeof cc->buf - 1 - cc->len ? *size : sizeof cc->buf - 1 - cc->len;
        memcpy(cc->buf + cc->len, data, n);
        cc->len += n;
        cc->buf[cc->len] = 0;
        *size = 0;
        return MHD_YES;
    }
    const char *s = strstr(cc->buf, "\"seq\":");
    if (s) {
        int seq = atoi(s + 6);
        if (seq >= 0 && seq < EVENTS) {
            int k = atomic_fetch_add(&per_seq[seq], 1);
            if (k < HOOKS)
                arrive_ms[seq * HOOKS + k] = mono_ms();
        }
    }
    atomic_fetch_add(&arrived, 1);
    struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"ok",
                                                             MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
                 enum MHD_RequestTerminationCode t)
{
    (void)cls, (void)c, (void)t;
    free(*con_cls);
    *con_cls = NULL;
}

static _Atomic int stop_blocks, blocks;

static void *block_loop(void *arg)
{
    struct fixture *f = arg;
    while (!atomic_load(&stop_blocks)) {
        struct cpc_err err = {0};
        if (cpc_produce_block(&f->node, cpc_clock_wall_ms(), &err) == 0)
            atomic_fetch_add(&blocks, 1);
        usleep(100000);
    }
    return NULL;
}

struct raw {
    char url[96];
    int n;
};

static size_t sink(char *d, size_t sz, size_t nm, void *a)
{
    (void)d, (void)a;
    return sz * nm;
}

static void *raw_loop(void *arg)
{
    struct raw *r = arg;
    CURL *c = curl_easy_init();
    char body[256];
    snprintf(body, sizeof body, "{\"id\":\"evt_0123456789abcdef0123_1\",\"type\":\"rental.ended\","
                                "\"created\":1765000000,\"data\":{\"seq\":-1}}");
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "X-CPC-Signature: t=1765000000,v1=00");
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    for (int i = 0; i < r->n; i++)
        if (curl_easy_perform(c) != CURLE_OK)
            fprintf(stderr, "bench_webhooks: raw POST failed\n");
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double raw_rate(const char *url)
{
    pthread_t t[CONNS];
    struct raw r[CONNS];
    double t0 = mono_ms();
    for (int i = 0; i < CONNS; i++) {
        snprintf(r[i].url, sizeof r[i].url, "%s", url);
        r[i].n = TOTAL / CONNS;
        pthread_create(&t[i], NULL, raw_loop, &r[i]);
    }
    for (int i = 0; i < CONNS; i++)
        pthread_join(t[i], NULL);
    return TOTAL / ((mono_ms() - t0) / 1e3);
}

/* A user with HOOKS webhooks to url. */
static int64_t hooks_up(struct fixture *f, const char *url)
{
    struct cpc_platform *p = f->node.platform;
    struct cpc_err err = {0};
    int64_t user = 0, id = 0;
    assert_int_equal(cpc_pstore_user_create(p->store, "bench@example.com", p->dummy_hash, 0, 1, &user,
                                            &err),
                     0);
    for (int i = 0; i < HOOKS; i++) {
        struct cpc_pwebhook *w = calloc(1, sizeof *w);
        char secret[CPC_WEBHOOK_SECRET_LEN + 1];
        w->user = user;
        snprintf(w->url, sizeof w->url, "%s", url);
        w->events = 0x7f;
        cpc_webhook_secret_new(p, user, secret, w->sealed, &w->sealed_len);
        assert_int_equal(cpc_pstore_webhook_insert(p->store, w, HOOKS, &id, &err), 0);
        free(w);
    }
    return user;
}

/* Delays of the deliveries of events 0..events (sorted into delay, caller's): their count. */
static size_t delays(int events, double *delay)
{
    size_t n = 0;
    for (int i = 0; i < events; i++)
        for (int k = 0; k < HOOKS && k < per_seq[i]; k++)
            delay[n++] = arrive_ms[i * HOOKS + k] - emit_ms[i];
    qsort(delay, n, sizeof *delay, cmp_d);
    return n;
}

/* Emit PACED events at PACED_RATE a second to user's webhooks and report their delays. */
static void paced(struct fixture *f, int64_t user, double *delay)
{
    memset(arrive_ms, 0, TOTAL * sizeof *arrive_ms);
    for (int i = 0; i < EVENTS; i++)
        atomic_store(&per_seq[i], 0);
    double t0 = mono_ms();
    for (int i = 0; i < PACED; i++) {
        double due = t0 + i * 1000.0 / PACED_RATE;
        while (mono_ms() < due)
            usleep(200);
        struct cpc_err err = {0};
        emit_ms[i] = mono_ms();
        assert_int_equal(cpc_webhook_emit(f->node.platform, user, "rental.ended",
                                          json_pack("{s:i}", "seq", i), &err),
                         0);
    }
    assert_int_equal(cpc_webhooks_drain(f->node.platform, 600000), 0);
    size_t n = delays(PACED, delay);
    printf("webhooks_paced: events_per_s=%d deliveries=%zu p50_delay_ms=%.1f p99_delay_ms=%.1f "
           "max_delay_ms=%.1f blocks=%d\n",
           PACED_RATE, n, n ? delay[n / 2] : 0.0, n ? delay[n * 99 / 100] : 0.0,
           n ? delay[n - 1] : 0.0, atomic_load(&blocks));
    assert_int_equal(n, (size_t)PACED * HOOKS);
}

static void bench(void **state)
{
    struct fixture *f = *state;
    arrive_ms = calloc(TOTAL, sizeof *arrive_ms);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, answer, NULL,
        MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_END);
    assert_non_null(d);
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hook",
             MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
    double raw = raw_rate(url);
    atomic_store(&arrived, 0);
    int64_t user = hooks_up(f, url);
    pthread_t bt;
    pthread_create(&bt, NULL, block_loop, f);
    double t0 = mono_ms(), emit_max = 0;
    int emit_slow = 0;
    for (int i = 0; i < EVENTS; i++) {
        struct cpc_err err = {0};
        emit_ms[i] = mono_ms();
        assert_int_equal(cpc_webhook_emit(f->node.platform, user, "rental.ended",
                                          json_pack("{s:i, s:s}", "seq", i, "rental_id",
                                                    "5f0564c9-526f-8664-b06d-6660558e3e3f"),
                                          &err),
                         0);
        double took = mono_ms() - emit_ms[i];
        emit_max = took > emit_max ? took : emit_max;
        emit_slow += took > 100;
    }
    double t_emit = mono_ms() - t0;
    assert_int_equal(cpc_webhooks_drain(f->node.platform, 600000), 0);
    double t_all = mono_ms() - t0;
    double *delay = calloc(TOTAL, sizeof *delay);
    size_t n = delays(EVENTS, delay);
    double rate = TOTAL / (t_all / 1e3);
    printf("webhooks: deliveries=%zu per_s=%.0f p50_delay_ms=%.1f p99_delay_ms=%.1f raw_per_s=%.0f "
           "ratio_to_raw=%.3f emit_per_s=%.0f emit_max_ms=%.0f emits_over_100ms=%d blocks=%d\n",
           n, rate, n ? delay[n / 2] : 0.0, n ? delay[n * 99 / 100] : 0.0, raw, rate / raw,
           EVENTS / (t_emit / 1e3), emit_max, emit_slow, atomic_load(&blocks));
    assert_int_equal(n, TOTAL);
    atomic_store(&blocks, 0);
    paced(f, user, delay);
    atomic_store(&stop_blocks, 1);
    pthread_join(bt, NULL);
    free(delay);
    free(arrive_ms);
    MHD_stop_daemon(d);
}

static int bench_setup(void **state)
{
    return setup_with(state, "[webhooks]\nallow_http_hosts = 127.0.0.1\nconnections = 4\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bench, bench_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

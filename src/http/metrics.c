/* metrics.c — Prometheus metrics of the node (see metrics.h).
 *
 * The hot path is cpc_metrics_http, called once per HTTP request from the
 * server threads: it only does relaxed atomic increments (per-status
 * counter, one histogram bucket, count, sum in nanoseconds). Rendering sums
 * the buckets itself, so the +Inf bucket always equals _count even while
 * requests are being recorded. The committed-tx rate uses 100 ms slots
 * over a 10 s window, guarded by one mutex (written once per block).
 */
#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_CODES 600 /* status codes 0..599; others land in slot 0 */
#define SLOT_MS 100u
#define WINDOW_SLOTS 100u /* 10 s */
#define RING_SLOTS 128u

static const double k_buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                   0.05,   0.1,   0.25,   0.5,   1,    2.5};
static const char *const k_bucket_names[] = {"0.0005", "0.001", "0.0025", "0.005",
                                             "0.01",   "0.025", "0.05",   "0.1",
                                             "0.25",   "0.5",   "1",      "2.5"};
#define N_BUCKETS (sizeof k_buckets / sizeof k_buckets[0])

struct rate_slot {
    uint64_t index; /* now_ms / SLOT_MS this slot holds, UINT64_MAX = empty */
    uint64_t txs;
};

struct cpc_metrics {
    atomic_uint_fast64_t by_code[N_CODES];
    atomic_uint_fast64_t errors;
    atomic_uint_fast64_t buckets[N_BUCKETS + 1]; /* last = above 2.5 s */
    atomic_uint_fast64_t sum_ns;
    atomic_uint_fast64_t height, mempool, txs, blocks, sse;
    pthread_mutex_t rate_mu;
    struct rate_slot slots[RING_SLOTS];
};

struct cpc_metrics *cpc_metrics_new(void)
{
    struct cpc_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    /* calloc'ed zero is a valid initial state for lock-free atomics on
     * every platform we build for; set them explicitly anyway */
    for (size_t i = 0; i < N_CODES; i++)
        atomic_init(&m->by_code[i], 0);
    for (size_t i = 0; i <= N_BUCKETS; i++)
        atomic_init(&m->buckets[i], 0);
    atomic_init(&m->errors, 0);
    atomic_init(&m->sum_ns, 0);
    atomic_init(&m->height, 0);
    atomic_init(&m->mempool, 0);
    atomic_init(&m->txs, 0);
    atomic_init(&m->blocks, 0);
    atomic_init(&m->sse, 0);
    pthread_mutex_init(&m->rate_mu, NULL);
    for (size_t i = 0; i < RING_SLOTS; i++)
        m->slots[i].index = UINT64_MAX;
    return m;
}

void cpc_metrics_free(struct cpc_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->rate_mu);
    free(m);
}

void cpc_metrics_http(struct cpc_metrics *m, int status, double seconds)
{
    if (!m)
        return;
    int code = (status >= 100 && status < N_CODES) ? status : 0;
    atomic_fetch_add_explicit(&m->by_code[code], 1, memory_order_relaxed);
    if (status >= 400 || code == 0)
        atomic_fetch_add_explicit(&m->errors, 1, memory_order_relaxed);
    if (!(seconds >= 0)) /* also catches NaN */
        seconds = 0;
    size_t b = 0;
    while (b < N_BUCKETS && seconds > k_buckets[b])
        b++;
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    double ns = seconds * 1e9;
    if (ns > 1e18)
        ns = 1e18;
    atomic_fetch_add_explicit(&m->sum_ns, (uint_fast64_t)ns, memory_order_relaxed);
}

void cpc_metrics_block(struct cpc_metrics *m, uint64_t height, uint64_t n_txs, uint64_t now_ms)
{
    if (!m)
        return;
    atomic_store_explicit(&m->height, height, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->txs, n_txs, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->blocks, 1, memory_order_relaxed);
    uint64_t idx = now_ms / SLOT_MS;
    pthread_mutex_lock(&m->rate_mu);
    struct rate_slot *s = &m->slots[idx % RING_SLOTS];
    if (s->index != idx) {
        s->index = idx;
        s->txs = 0;
    }
    s->txs += n_txs;
    pthread_mutex_unlock(&m->rate_mu);
}

void cpc_metrics_set_mempool(struct cpc_metrics *m, uint64_t size)
{
    if (m)
        atomic_store_explicit(&m->mempool, size, memory_order_relaxed);
}

void cpc_metrics_set_sse(struct cpc_metrics *m, uint64_t subscribers)
{
    if (m)
        atomic_store_explicit(&m->sse, subscribers, memory_order_relaxed);
}

double cpc_metrics_tx_rate(struct cpc_metrics *m, uint64_t now_ms)
{
    if (!m)
        return 0;
    uint64_t now_idx = now_ms / SLOT_MS;
    uint64_t total = 0;
    pthread_mutex_lock(&m->rate_mu);
    for (size_t i = 0; i < RING_SLOTS; i++) {
        const struct rate_slot *s = &m->slots[i];
        if (s->index != UINT64_MAX && s->index <= now_idx && now_idx - s->index < WINDOW_SLOTS)
            total += s->txs;
    }
    pthread_mutex_unlock(&m->rate_mu);
    return (double)total / ((double)(WINDOW_SLOTS * SLOT_MS) / 1000.0);
}

/* Growing text buffer. */
struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t nc = b->cap * 2;
        while (nc - b->len <= (size_t)n)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
}

static void header(struct sbuf *b, const char *name, const char *type, const char *help)
{
    sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *cpc_metrics_render(struct cpc_metrics *m, uint64_t now_ms)
{
    if (!m)
        return NULL;
    struct sbuf b = {.cap = 4096};
    b.p = malloc(b.cap);
    if (!b.p)
        return NULL;
    b.p[0] = '\0';

    header(&b, "cpc_http_requests_total", "counter", "HTTP requests answered, by status code.");
    for (int c = 0; c < N_CODES; c++) {
        uint64_t v = atomic_load_explicit(&m->by_code[c], memory_order_relaxed);
        if (v)
            sb_printf(&b, "cpc_http_requests_total{code=\"%d\"} %llu\n", c,
                      (unsigned long long)v);
    }
    header(&b, "cpc_http_errors_total", "counter", "HTTP requests answered with status >= 400.");
    sb_printf(&b, "cpc_http_errors_total %llu\n",
              (unsigned long long)atomic_load_explicit(&m->errors, memory_order_relaxed));

    header(&b, "cpc_http_request_duration_seconds", "histogram",
           "Time from request line to response completion.");
    uint64_t cum = 0;
    for (size_t i = 0; i < N_BUCKETS; i++) {
        cum += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
        sb_printf(&b, "cpc_http_request_duration_seconds_bucket{le=\"%s\"} %llu\n",
                  k_bucket_names[i], (unsigned long long)cum);
    }
    cum += atomic_load_explicit(&m->buckets[N_BUCKETS], memory_order_relaxed);
    sb_printf(&b, "cpc_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
              (unsigned long long)cum);
    sb_printf(&b, "cpc_http_request_duration_seconds_sum %.9f\n",
              (double)atomic_load_explicit(&m->sum_ns, memory_order_relaxed) / 1e9);
    sb_printf(&b, "cpc_http_request_duration_seconds_count %llu\n", (unsigned long long)cum);

    header(&b, "cpc_height", "gauge", "Height of the last committed block.");
    sb_printf(&b, "cpc_height %llu\n",
              (unsigned long long)atomic_load_explicit(&m->height, memory_order_relaxed));
    header(&b, "cpc_mempool_size", "gauge", "Transactions waiting in the mempool.");
    sb_printf(&b, "cpc_mempool_size %llu\n",
              (unsigned long long)atomic_load_explicit(&m->mempool, memory_order_relaxed));
    header(&b, "cpc_txs_committed_total", "counter", "Transactions committed in blocks.");
    sb_printf(&b, "cpc_txs_committed_total %llu\n",
              (unsigned long long)atomic_load_explicit(&m->txs, memory_order_relaxed));
    header(&b, "cpc_tx_per_second", "gauge", "Committed transactions per second over the last 10 s.");
    sb_printf(&b, "cpc_tx_per_second %.3f\n", cpc_metrics_tx_rate(m, now_ms));
    header(&b, "cpc_blocks_total", "counter", "Blocks committed since the node started.");
    sb_printf(&b, "cpc_blocks_total %llu\n",
              (unsigned long long)atomic_load_explicit(&m->blocks, memory_order_relaxed));
    header(&b, "cpc_sse_subscribers", "gauge", "Connected /events streams.");
    sb_printf(&b, "cpc_sse_subscribers %llu\n",
              (unsigned long long)atomic_load_explicit(&m->sse, memory_order_relaxed));

    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

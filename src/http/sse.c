/* sse.c — Server-Sent Events fan-out (see sse.h, httpd_internal.h).
 *
 * The hub holds a ring of the last ring_size formatted events
 * ("event: X\ndata: Y\n\n"), numbered by a global sequence. Each subscriber
 * (one per GET /events connection) has a cursor into that sequence and a
 * private copy of the event it is currently sending, so a slow reader never
 * blocks publishers and a ring slot can be overwritten at any time.
 *
 * Threading: one mutex guards everything. The MHD content reader runs under
 * it: it copies what is pending, or, with nothing pending, calls
 * MHD_suspend_connection and marks the subscriber suspended before
 * unlocking; publish (and the keep-alive thread) resume suspended
 * subscribers under the same mutex, so no wake-up is lost and no
 * connection is resumed after its response was freed (the free callback
 * takes the mutex too). Lock order: hub mutex, then MHD's internal locks.
 * A stream ends (instead of suspending) once its server is stopping or the
 * hub is closing.
 *
 * Keep-alive: a small thread bumps ping_gen every ping_ms (15 s) and wakes
 * everyone; each subscriber that has not yet seen that generation emits
 * ": ping\n\n". Each stream starts with ": connected\n\n" so clients see
 * the headers and a first byte right away.
 */
#include "sse.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd_internal.h"
#include "../common/clock.h"

#define DEFAULT_PING_MS 15000u

struct cpc__sse_sub {
    struct cpc_sse_hub *hub;
    struct MHD_Connection *conn;
    const atomic_int *stopping;
    uint64_t cursor;    /* next event sequence to send */
    uint64_t ping_seen; /* last ping generation sent */
    int hello_sent;
    int suspended;      /* we suspended it and nobody resumed it yet */
    char *pend;         /* bytes being sent */
    size_t pend_len, pend_off;
    int pend_owned;     /* pend is malloc'd */
    struct cpc__sse_sub *prev, *next;
};

struct cpc_sse_hub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t ping_thr;
    int ping_started;
    int quit;
    unsigned ping_ms;
    uint64_t ping_gen;
    char **ring;
    size_t ring_size;
    uint64_t next_seq;
    struct cpc__sse_sub *subs;
    size_t n_subs;
};

/* Must hold hub->mu. */
static void wake_all_locked(struct cpc_sse_hub *hub)
{
    for (struct cpc__sse_sub *s = hub->subs; s; s = s->next) {
        if (s->suspended) {
            s->suspended = 0;
            MHD_resume_connection(s->conn);
        }
    }
}

static void *ping_main(void *arg)
{
    struct cpc_sse_hub *hub = arg;
    pthread_mutex_lock(&hub->mu);
    uint64_t last = cpc_clock_mono_ms();
    while (!hub->quit) {
        /* the deadline is recomputed after every wake-up, so a new
         * interval (cpc__sse_set_ping_ms) takes effect at once */
        uint64_t due = last + hub->ping_ms;
        uint64_t now = cpc_clock_mono_ms();
        if (now >= due) {
            hub->ping_gen++;
            wake_all_locked(hub);
            last = now;
            continue;
        }
        struct timespec ts = {.tv_sec = (time_t)(due / 1000u),
                              .tv_nsec = (long)(due % 1000u) * 1000000L};
        pthread_cond_timedwait(&hub->cv, &hub->mu, &ts);
    }
    pthread_mutex_unlock(&hub->mu);
    return NULL;
}

struct cpc_sse_hub *cpc_sse_hub_new(size_t ring_size)
{
    if (ring_size == 0)
        ring_size = 1;
    struct cpc_sse_hub *hub = calloc(1, sizeof *hub);
    if (!hub)
        return NULL;
    hub->ring = calloc(ring_size, sizeof *hub->ring);
    if (!hub->ring) {
        free(hub);
        return NULL;
    }
    hub->ring_size = ring_size;
    hub->ping_ms = DEFAULT_PING_MS;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&hub->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&hub->mu, NULL);
    if (pthread_create(&hub->ping_thr, NULL, ping_main, hub) != 0) {
        pthread_cond_destroy(&hub->cv);
        pthread_mutex_destroy(&hub->mu);
        free(hub->ring);
        free(hub);
        return NULL;
    }
    hub->ping_started = 1;
    return hub;
}

void cpc_sse_hub_free(struct cpc_sse_hub *hub)
{
    if (!hub)
        return;
    pthread_mutex_lock(&hub->mu);
    hub->quit = 1;
    /* Streams still open (server not stopped yet: a caller bug) are told
     * to end; they keep pointing at the hub, so this is best effort. */
    wake_all_locked(hub);
    pthread_cond_broadcast(&hub->cv);
    pthread_mutex_unlock(&hub->mu);
    if (hub->ping_started)
        pthread_join(hub->ping_thr, NULL);
    for (size_t i = 0; i < hub->ring_size; i++)
        free(hub->ring[i]);
    free(hub->ring);
    pthread_cond_destroy(&hub->cv);
    pthread_mutex_destroy(&hub->mu);
    free(hub);
}

void cpc_sse_publish(struct cpc_sse_hub *hub, const char *event, const char *data)
{
    if (!hub || !event)
        return;
    if (!data)
        data = "";
    /* event names and data are single lines: cut at the first line break
     * so a stray newline cannot inject fields into the stream */
    int el = (int)strcspn(event, "\r\n");
    int dl = (int)strcspn(data, "\r\n");
    char *line = NULL;
    if (asprintf(&line, "event: %.*s\ndata: %.*s\n\n", el, event, dl, data) < 0)
        return;
    pthread_mutex_lock(&hub->mu);
    size_t slot = (size_t)(hub->next_seq % hub->ring_size);
    free(hub->ring[slot]);
    hub->ring[slot] = line;
    hub->next_seq++;
    wake_all_locked(hub);
    pthread_mutex_unlock(&hub->mu);
}

size_t cpc_sse_subscribers(struct cpc_sse_hub *hub)
{
    if (!hub)
        return 0;
    pthread_mutex_lock(&hub->mu);
    size_t n = hub->n_subs;
    pthread_mutex_unlock(&hub->mu);
    return n;
}

void cpc__sse_set_ping_ms(struct cpc_sse_hub *hub, unsigned ms)
{
    if (!hub)
        return;
    pthread_mutex_lock(&hub->mu);
    hub->ping_ms = ms ? ms : DEFAULT_PING_MS;
    pthread_cond_broadcast(&hub->cv);
    pthread_mutex_unlock(&hub->mu);
}

void cpc__sse_wake_all(struct cpc_sse_hub *hub)
{
    if (!hub)
        return;
    pthread_mutex_lock(&hub->mu);
    wake_all_locked(hub);
    pthread_mutex_unlock(&hub->mu);
}

struct cpc__sse_sub *cpc__sse_sub_new(struct cpc_sse_hub *hub, struct MHD_Connection *conn,
                                      const atomic_int *stopping)
{
    struct cpc__sse_sub *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->hub = hub;
    s->conn = conn;
    s->stopping = stopping;
    pthread_mutex_lock(&hub->mu);
    s->cursor = hub->next_seq; /* only events published from now on */
    s->ping_seen = hub->ping_gen;
    s->next = hub->subs;
    if (hub->subs)
        hub->subs->prev = s;
    hub->subs = s;
    hub->n_subs++;
    pthread_mutex_unlock(&hub->mu);
    return s;
}

void cpc__sse_sub_free(void *cls)
{
    struct cpc__sse_sub *s = cls;
    if (!s)
        return;
    struct cpc_sse_hub *hub = s->hub;
    pthread_mutex_lock(&hub->mu);
    if (s->prev)
        s->prev->next = s->next;
    else
        hub->subs = s->next;
    if (s->next)
        s->next->prev = s->prev;
    hub->n_subs--;
    pthread_mutex_unlock(&hub->mu);
    if (s->pend_owned)
        free(s->pend);
    free(s);
}

static void set_pend(struct cpc__sse_sub *s, char *p, size_t len, int owned)
{
    if (s->pend_owned)
        free(s->pend);
    s->pend = p;
    s->pend_len = len;
    s->pend_off = 0;
    s->pend_owned = owned;
}

ssize_t cpc__sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    static char hello[] = ": connected\n\n";
    static char ping[] = ": ping\n\n";
    struct cpc__sse_sub *s = cls;
    struct cpc_sse_hub *hub = s->hub;
    size_t n = 0;
    ssize_t ret;

    pthread_mutex_lock(&hub->mu);
    while (n < max) {
        if (s->pend_off < s->pend_len) {
            size_t k = s->pend_len - s->pend_off;
            if (k > max - n)
                k = max - n;
            memcpy(buf + n, s->pend + s->pend_off, k);
            s->pend_off += k;
            n += k;
            continue;
        }
        if (!s->hello_sent) {
            s->hello_sent = 1;
            set_pend(s, hello, sizeof hello - 1, 0);
            continue;
        }
        if (s->ping_seen != hub->ping_gen) {
            s->ping_seen = hub->ping_gen;
            set_pend(s, ping, sizeof ping - 1, 0);
            continue;
        }
        if (s->cursor < hub->next_seq) {
            if (hub->next_seq - s->cursor > hub->ring_size) {
                uint64_t first = hub->next_seq - hub->ring_size;
                char *m = NULL;
                int ml = asprintf(&m, ": lagged %llu\n\n", (unsigned long long)(first - s->cursor));
                s->cursor = first;
                if (ml < 0)
                    goto fail;
                set_pend(s, m, (size_t)ml, 1);
                continue;
            }
            const char *ev = hub->ring[s->cursor % hub->ring_size];
            s->cursor++;
            if (!ev)
                continue;
            size_t el = strlen(ev);
            char *c = malloc(el);
            if (!c)
                goto fail;
            memcpy(c, ev, el);
            set_pend(s, c, el, 1);
            continue;
        }
        break;
    }
    if (n > 0) {
        ret = (ssize_t)n;
    } else if (hub->quit || atomic_load(s->stopping)) {
        ret = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        MHD_suspend_connection(s->conn);
        s->suspended = 1;
        ret = 0;
    }
    pthread_mutex_unlock(&hub->mu);
    return ret;
fail:
    pthread_mutex_unlock(&hub->mu);
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

/* httpd_defer.c — deferred (long-poll) answers of the HTTP server: the
 * public cpc_http_res_defer / cpc_httpd_wake and the machinery behind them
 * (see httpd.h, httpd_internal.h).
 *
 * A handler that calls cpc_http_res_defer leaves its answer to a poll
 * callback. dispatch (httpd.c) hands the request to cpc__defer_begin: the
 * request state joins the `deferred` list and its connection is suspended,
 * both under defer_mu. cpc_httpd_wake, the deadline thread (defer_main) and
 * stop (cpc__defer_stop) take entries off the list and resume them under
 * the same mutex, so a connection is resumed at most once per suspension
 * and never after stop's sweep (a request deferred while stopping is
 * answered at once). MHD then calls the access handler again, which calls
 * cpc__defer_continue to re-poll the callback: it answers (WAKE, TIMEOUT or
 * STOP), or on WAKE it may decline and the request is suspended again.
 * cpc__defer_finish (from on_completed) unlinks the state and frees the
 * handler's context. Lock order: defer_mu, then MHD's.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "httpd.h"
#include "httpd_internal.h"
#include "../common/clock.h"

void cpc_http_res_defer(struct cpc_http_res *res,
                        int (*poll)(void *ctx, struct cpc_http_res *res, int why), void *ctx,
                        void (*free_ctx)(void *ctx), uint64_t timeout_ms)
{
    if (!res)
        return;
    res->defer.poll = poll;
    res->defer.ctx = ctx;
    res->defer.free_ctx = free_ctx;
    res->defer.timeout_ms = timeout_ms;
    res->status = 200;
}

/* Must hold defer_mu. */
static void defer_unlink(struct cpc_httpd *d, struct req_state *st)
{
    if (!st->in_list)
        return;
    if (st->dprev)
        st->dprev->dnext = st->dnext;
    else
        d->deferred = st->dnext;
    if (st->dnext)
        st->dnext->dprev = st->dprev;
    st->dprev = st->dnext = NULL;
    st->in_list = 0;
}

/* Must hold defer_mu. */
static void defer_resume(struct cpc_httpd *d, struct req_state *st)
{
    defer_unlink(d, st);
    MHD_resume_connection(st->conn);
}

static enum MHD_Result defer_wait(struct req_state *st, struct MHD_Connection *conn);

/* Poll the handler's callback and queue its answer, or wait again. */
static enum MHD_Result defer_answer(struct req_state *st, struct MHD_Connection *conn, int why)
{
    struct cpc_http_res res = {0};
    res.status = 200;
    res.content_type = "application/json";
    int done = st->defer.poll(st->defer.ctx, &res, why);
    if (!done && why == CPC_HTTP_WAKE) {
        cpc__res_clear(&res);
        return defer_wait(st, conn);
    }
    enum MHD_Result ret;
    if (!res.body || res.status < 100 || res.status > 599) {
        cpc__res_clear(&res);
        ret = cpc__queue_error(st, conn, 500, "internal_error", "handler produced no answer",
                               NULL, 0);
    } else {
        ret = cpc__queue_res(st, conn, &res, 0);
    }
    cpc__res_clear(&res);
    return ret;
}

static enum MHD_Result defer_wait(struct req_state *st, struct MHD_Connection *conn)
{
    struct cpc_httpd *d = st->d;
    pthread_mutex_lock(&d->defer_mu);
    if (atomic_load(&d->stopping) || d->defer_quit) {
        pthread_mutex_unlock(&d->defer_mu);
        return defer_answer(st, conn, CPC_HTTP_STOP);
    }
    st->conn = conn;
    st->in_list = 1;
    st->dprev = NULL;
    st->dnext = d->deferred;
    if (d->deferred)
        d->deferred->dprev = st;
    d->deferred = st;
    MHD_suspend_connection(conn);
    pthread_cond_signal(&d->defer_cv);
    pthread_mutex_unlock(&d->defer_mu);
    return MHD_YES;
}

enum MHD_Result cpc__defer_begin(struct req_state *st, struct MHD_Connection *conn,
                                 const struct cpc_http_defer *df)
{
    st->has_defer = 1;
    st->defer = *df;
    pthread_mutex_lock(&st->d->defer_mu);
    st->d->defer_active++;
    pthread_mutex_unlock(&st->d->defer_mu);
    st->deadline_ms = cpc_clock_mono_ms() + df->timeout_ms;
    return defer_wait(st, conn);
}

/* Called again by MHD after a resume. */
enum MHD_Result cpc__defer_continue(struct req_state *st, struct MHD_Connection *conn)
{
    int why = CPC_HTTP_WAKE;
    if (atomic_load(&st->d->stopping))
        why = CPC_HTTP_STOP;
    else if (cpc_clock_mono_ms() >= st->deadline_ms)
        why = CPC_HTTP_TIMEOUT;
    return defer_answer(st, conn, why);
}

void cpc__defer_finish(struct req_state *st)
{
    if (!st->has_defer)
        return;
    struct cpc_httpd *d = st->d;
    pthread_mutex_lock(&d->defer_mu);
    defer_unlink(d, st);
    if (d->defer_active)
        d->defer_active--;
    pthread_mutex_unlock(&d->defer_mu);
    if (st->defer.free_ctx)
        st->defer.free_ctx(st->defer.ctx);
}

/* Deadline thread: resumes deferred requests whose timeout passed. */
static void *defer_main(void *arg)
{
    struct cpc_httpd *d = arg;
    pthread_mutex_lock(&d->defer_mu);
    while (!d->defer_quit) {
        uint64_t now = cpc_clock_mono_ms(), next = UINT64_MAX;
        struct req_state *nx;
        for (struct req_state *st = d->deferred; st; st = nx) {
            nx = st->dnext;
            if (st->deadline_ms <= now)
                defer_resume(d, st);
            else if (st->deadline_ms < next)
                next = st->deadline_ms;
        }
        if (next == UINT64_MAX) {
            pthread_cond_wait(&d->defer_cv, &d->defer_mu);
        } else {
            struct timespec ts = {.tv_sec = (time_t)(next / 1000u),
                                  .tv_nsec = (long)(next % 1000u) * 1000000L};
            pthread_cond_timedwait(&d->defer_cv, &d->defer_mu, &ts);
        }
    }
    pthread_mutex_unlock(&d->defer_mu);
    return NULL;
}

void cpc__defer_init(struct cpc_httpd *d)
{
    pthread_mutex_init(&d->defer_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->defer_cv, &ca);
    pthread_condattr_destroy(&ca);
}

void cpc__defer_destroy(struct cpc_httpd *d)
{
    pthread_cond_destroy(&d->defer_cv);
    pthread_mutex_destroy(&d->defer_mu);
}

int cpc__defer_start(struct cpc_httpd *d)
{
    if (pthread_create(&d->defer_thr, NULL, defer_main, d) != 0)
        return -1;
    d->defer_thr_started = 1;
    return 0;
}

void cpc__defer_stop(struct cpc_httpd *d)
{
    pthread_mutex_lock(&d->defer_mu);
    d->defer_quit = 1;
    while (d->deferred)
        defer_resume(d, d->deferred); /* each answers CPC_HTTP_STOP */
    pthread_cond_broadcast(&d->defer_cv);
    pthread_mutex_unlock(&d->defer_mu);
    if (d->defer_thr_started)
        pthread_join(d->defer_thr, NULL);
}

void cpc__defer_drain(struct cpc_httpd *d, unsigned timeout_ms)
{
    for (unsigned waited = 0; waited < timeout_ms; waited += 5) {
        pthread_mutex_lock(&d->defer_mu);
        size_t active = d->defer_active;
        pthread_mutex_unlock(&d->defer_mu);
        if (active == 0)
            return;
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

void cpc_httpd_wake(struct cpc_httpd *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->defer_mu);
    while (d->deferred)
        defer_resume(d, d->deferred);
    pthread_mutex_unlock(&d->defer_mu);
}

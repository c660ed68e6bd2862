/* httpd_internal.h — private glue between the files of the HTTP server
 * (httpd.c: daemon, request life cycle, routing, response helpers;
 * httpd_defer.c: deferred / long-poll answers; httpd_path.c: raw-path
 * capture, URL decoding, route matching; sse.c: event streams), plus the
 * path helpers exposed for tests and the path fuzz target. Not part of the
 * public node API: only those files, tests and fuzz targets include it.
 *
 * SSE streams: httpd.c creates one subscriber per GET /events connection
 * (cpc__sse_sub_new), feeds MHD_create_response_from_callback with
 * cpc__sse_read / cpc__sse_sub_free, and on stop sets its `stopping` flag
 * and calls cpc__sse_wake_all on every hub it served, so that every
 * suspended stream is resumed and ends before MHD_stop_daemon (MHD panics
 * on suspended connections at stop).
 */
#ifndef CPC_NODE_HTTPD_INTERNAL_H
#define CPC_NODE_HTTPD_INTERNAL_H

#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "httpd.h"

struct cpc_sse_hub;
struct MHD_Connection;
struct cpc__sse_sub;

/* Longest accepted request path (without query string). */
#define CPC__HTTP_MAX_PATH 2048

/* Decode %XX escapes of s in place (no '+' translation: this is for path
 * segments). Returns the decoded length, or -1 on a malformed escape or a
 * decoded NUL byte. */
ssize_t cpc__url_decode(char *s);

/* Validate a raw request path: starts with '/', at most CPC__HTTP_MAX_PATH
 * bytes, no raw or %-encoded NUL, no "." / ".." segment (raw or decoded),
 * no malformed escape. Returns 0 when acceptable, -1 otherwise. */
int cpc__http_path_check(const char *path, size_t len);

/* Copy of the path part of a raw request URI (up to the first '?' or '#'),
 * malloc'd; the caller frees. Sets *too_long (and returns NULL) when it is
 * over CPC__HTTP_MAX_PATH bytes; NULL with *too_long == 0 means OOM. */
char *cpc__http_raw_path(const char *uri, int *too_long);

/* ------------------------------------------------------------------ */
/* Server state shared by httpd.c and httpd_defer.c                    */

struct req_state;

struct cpc_httpd {
    struct MHD_Daemon *mhd;
    const struct cpc_route *routes;
    size_t n_routes;
    size_t max_body;           /* ceiling over the routes' max_body */
    unsigned max_conns, per_ip, reserved;
    unsigned request_timeout_s, response_timeout_s;
    atomic_uint open_conns;    /* connections MHD has started and not yet closed */
    void *app;
    struct cpc_metrics *metrics;
    int (*fallback)(struct cpc_http_req *req, struct cpc_http_res *res);
    uint16_t port;
    atomic_int stopping;
    pthread_mutex_t hubs_mu;
    struct cpc_sse_hub **hubs; /* distinct hubs that served a stream */
    size_t n_hubs, cap_hubs;
    pthread_mutex_t defer_mu;  /* guards the deferred list and defer_quit */
    pthread_cond_t defer_cv;
    pthread_t defer_thr;
    int defer_thr_started;
    int defer_quit;
    size_t defer_active;       /* deferred requests not yet completed (defer_mu) */
    struct req_state *deferred; /* suspended deferred requests */
};

/* Per-request state (MHD's con_cls), from on_uri to on_completed. */
struct req_state {
    struct cpc_httpd *d;
    double t0; /* cpc_clock_mono_s() at the request's start */
    char *raw_path;   /* malloc'd copy of the path part of the raw URI */
    int path_bad;     /* path over the limit (not copied) */
    int started;
    const struct cpc_route *route; /* matched on the first call; NULL: 400/404/405 */
    size_t max_body;  /* the route's limit, capped by the server's */
    int reserved_conn; /* the connection came in on the reserve */
    char *body;
    size_t len, cap;
    int too_large;
    size_t discarded; /* bytes of an over-limit chunked body dropped */
    int queued;
    int status;       /* status queued, 0 if none */
    int is_sse;
    char remote_ip[INET6_ADDRSTRLEN];
    int has_defer;              /* a deferred answer is pending or was given */
    struct cpc_http_defer defer;
    uint64_t deadline_ms;       /* CLOCK_MONOTONIC */
    int in_list;                /* on d->deferred (suspended) */
    struct MHD_Connection *conn;
    struct req_state *dprev, *dnext;
};

/* httpd.c: free res's body and headers (not the struct). */
void cpc__res_clear(struct cpc_http_res *res);
/* httpd.c: queue res on conn; takes ownership of res->body. */
enum MHD_Result cpc__queue_res(struct req_state *st, struct MHD_Connection *conn,
                               struct cpc_http_res *res, int close_conn);
/* httpd.c: queue a JSON error answer (with an Allow header when allow). */
enum MHD_Result cpc__queue_error(struct req_state *st, struct MHD_Connection *conn, int status,
                                 const char *code, const char *msg, const char *allow,
                                 int close_conn);

/* httpd_defer.c: the deferred-answer machinery (design note there). */
/* Initialise / destroy defer_mu and defer_cv (CLOCK_MONOTONIC). */
void cpc__defer_init(struct cpc_httpd *d);
void cpc__defer_destroy(struct cpc_httpd *d);
/* Start the deadline thread; 0, or -1 when it cannot be created. */
int cpc__defer_start(struct cpc_httpd *d);
/* A handler deferred its answer with df: record it and suspend conn (or
 * answer CPC_HTTP_STOP at once when the server is stopping). */
enum MHD_Result cpc__defer_begin(struct req_state *st, struct MHD_Connection *conn,
                                 const struct cpc_http_defer *df);
/* Access handler called again after a resume: re-poll the handler. */
enum MHD_Result cpc__defer_continue(struct req_state *st, struct MHD_Connection *conn);
/* Request completed: take st off the deferred list, free its context. */
void cpc__defer_finish(struct req_state *st);
/* Stop: resume every deferred request (each answers CPC_HTTP_STOP) and
 * join the deadline thread. Call after setting `stopping`, before
 * MHD_stop_daemon. */
void cpc__defer_stop(struct cpc_httpd *d);
/* After cpc__defer_stop: wait (at most timeout_ms) until every deferred request
 * that was resumed has sent its answer, so stopping MHD does not cut it off. */
void cpc__defer_drain(struct cpc_httpd *d, unsigned timeout_ms);

/* New subscriber of hub for conn; `stopping` (owned by the server) makes
 * the stream end instead of suspending. NULL on OOM. */
struct cpc__sse_sub *cpc__sse_sub_new(struct cpc_sse_hub *hub, struct MHD_Connection *conn,
                                      const atomic_int *stopping);
/* MHD_ContentReaderCallback over a subscriber (cls). */
ssize_t cpc__sse_read(void *cls, uint64_t pos, char *buf, size_t max);
/* MHD_ContentReaderFreeCallback: unsubscribes and frees cls. */
void cpc__sse_sub_free(void *cls);
/* Resume every suspended subscriber of hub. */
void cpc__sse_wake_all(struct cpc_sse_hub *hub);
/* Change the keep-alive interval (default 15000 ms); for tests. */
void cpc__sse_set_ping_ms(struct cpc_sse_hub *hub, unsigned ms);

#endif

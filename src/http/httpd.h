/* httpd.h — the node's HTTP server: libmicrohttpd + a small routing table.
 *
 * MHD runs with an internal polling thread, epoll and a thread pool sized
 * to the cores. The access handler never queues a response on its first
 * call (that would force `Connection: close`, see STACK.md), except to
 * refuse: it finds the route, refuses at once (and closes) a body whose
 * Content-Length is over the route's max_body (413) or a request that a
 * reserved connection may not serve (503), accumulates the upload (a
 * chunked body that passes the limit is dropped as it comes and answered
 * 413 at its end, or has its connection cut 64 KiB later: MHD cannot
 * answer in the middle of a body), then dispatches to the route and queues
 * the answer.
 *
 * Connections (opts below): at most max_connections in all and
 * per_ip_connections from one address (further ones are closed on accept);
 * the last reserved_connections of the total only serve routes flagged
 * CPC_ROUTE_RESERVED (others answer 503 `server_busy`) and wait at most
 * CPC_HTTPD_RESERVED_TIMEOUT_S for their request. Reading a request's
 * headers and body, and waiting idle between keep-alive requests, may pause
 * at most request_timeout_s; once the request is complete, sending its answer
 * may pause at most response_timeout_s. Suspended connections (long-poll,
 * an SSE stream waiting for events) are exempt from both (MHD stops their
 * clock and restarts it on resume). Routes are method +
 * pattern; a pattern segment "{name}" captures one path segment. An unknown
 * path answers 404, a known path with another method 405; every error body
 * is {"error":{"code","message"}}. Each request's latency and status feed
 * the metrics (metrics.h).
 */
#ifndef CPC_NODE_HTTPD_H
#define CPC_NODE_HTTPD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

struct cpc_metrics;
struct cpc_sse_hub;
struct MHD_Connection;

#define CPC_HTTP_MAX_PARAMS 8

struct cpc_http_req {
    const char *method;              /* "GET" */
    const char *path;                /* without query string */
    const char *params[CPC_HTTP_MAX_PARAMS]; /* captured {name} segments, URL-decoded, in order */
    size_t n_params;
    const char *body;                /* upload, NUL-terminated (may contain NULs) */
    size_t body_len;
    const char *remote_ip;           /* textual peer address */
    void *app;                       /* the `app` pointer given to cpc_httpd_start */
    struct MHD_Connection *conn;     /* for the accessors below */
};

/* Query-string value or NULL (belongs to the request). */
const char *cpc_http_req_query(const struct cpc_http_req *req, const char *key);
/* Request header value or NULL (belongs to the request). */
const char *cpc_http_req_header(const struct cpc_http_req *req, const char *name);

/* Whether a comma-separated header value (Accept, Accept-Encoding) lists
 * token with a q-value other than 0; case-insensitive. header may be NULL. */
int cpc_http_header_accepts(const char *header, const char *token);
/* Whether the request is a browser asking for a page (Accept lists text/html). */
int cpc_http_req_wants_html(const struct cpc_http_req *req);

struct cpc_http_res;
/* ?key= as a decimal integer in min..max into *out (def when absent). 0, or -1
 * with res answered 400 naming the range. req, res and key are borrowed. */
int cpc_http_req_query_uint(const struct cpc_http_req *req, struct cpc_http_res *res,
                            const char *key, uint64_t def, uint64_t min, uint64_t max,
                            uint64_t *out);

#define CPC_HTTP_MAX_HEADERS 12

struct cpc_http_res {
    int status;                      /* HTTP status, default 200 */
    char *body;                      /* malloc'd; the server frees it */
    size_t body_len;
    const char *content_type;        /* static string; default application/json */
    char *headers[CPC_HTTP_MAX_HEADERS][2]; /* extra headers, malloc'd name/value pairs */
    size_t n_headers;
    struct cpc_sse_hub *sse;         /* set by cpc_http_res_sse: stream events instead */
    /* set by cpc_http_res_defer: answer later (long-poll) */
    struct cpc_http_defer {
        int (*poll)(void *ctx, struct cpc_http_res *res, int why);
        void *ctx;
        void (*free_ctx)(void *ctx);
        uint64_t timeout_ms;
    } defer;
};

/* Answer with JSON (j is stolen: decref'd by this call), compact. */
void cpc_http_res_json(struct cpc_http_res *res, int status, json_t *j);
/* Answer {"error":{"code":code,"message":...}} with the given status. */
void cpc_http_res_error(struct cpc_http_res *res, int status, const char *code,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Answer an error from a struct cpc_err, status from cpc_errcode_http_status. */
void cpc_http_res_from_err(struct cpc_http_res *res, const struct cpc_err *err);
/* Answer with a copy of text. content_type is a static string. */
void cpc_http_res_text(struct cpc_http_res *res, int status, const char *content_type,
                       const char *text, size_t len);
/* Add a header (copied). */
void cpc_http_res_header(struct cpc_http_res *res, const char *name, const char *value);
/* Turn the answer into a Server-Sent Events stream fed by hub (see sse.h). */
void cpc_http_res_sse(struct cpc_http_res *res, struct cpc_sse_hub *hub);

/* ---- long-poll: answer later without holding a thread ----
 * A handler with nothing to answer yet calls cpc_http_res_defer (and sets no
 * body). The server suspends the connection (MHD suspend/resume: a waiting
 * client holds no pool thread) and calls poll(ctx, res, why) again later, on
 * a pool thread:
 *   why = CPC_HTTP_WAKE     someone called cpc_httpd_wake (something changed);
 *   why = CPC_HTTP_TIMEOUT  timeout_ms passed since the defer;
 *   why = CPC_HTTP_STOP     the server is stopping.
 * poll fills res and returns 1 when it answered, or 0 to keep waiting (only
 * for CPC_HTTP_WAKE: on TIMEOUT and STOP it must answer). free_ctx(ctx) runs
 * exactly once when the request ends, answered or not (client gone, server
 * stopped), so ctx may own resources to give back. */
#define CPC_HTTP_WAKE 0
#define CPC_HTTP_TIMEOUT 1
#define CPC_HTTP_STOP 2
void cpc_http_res_defer(struct cpc_http_res *res,
                        int (*poll)(void *ctx, struct cpc_http_res *res, int why), void *ctx,
                        void (*free_ctx)(void *ctx), uint64_t timeout_ms);

typedef void (*cpc_http_handler)(struct cpc_http_req *req, struct cpc_http_res *res);

/* cpc_route.flags */
#define CPC_ROUTE_RESERVED 1u    /* also served on the reserved connections */
#define CPC_ROUTE_PAGE 2u        /* a browser's page request (Accept lists text/html)
                                  * goes to opts.fallback first (GET / : the dashboard) */

struct cpc_route {
    const char *method;      /* "GET", "POST", ... */
    const char *pattern;     /* "/block/{height}" */
    cpc_http_handler handler;
    size_t max_body;         /* largest request body accepted, bytes (0: none) */
    unsigned flags;          /* CPC_ROUTE_* */
};

#define CPC_HTTPD_RESERVED_TIMEOUT_S 2

struct cpc_httpd_opts {
    const char *listen;      /* "127.0.0.1:8000", "[::1]:8000", "0.0.0.0:8000" */
    unsigned threads;        /* 0 = number of online cores */
    size_t max_body;         /* ceiling over every route's max_body; 0 = 4 MiB */
    void *app;               /* passed to handlers as req->app */
    struct cpc_metrics *metrics; /* may be NULL */
    /* connection limits (see the note at the top); 0 = the default in brackets */
    unsigned max_connections;      /* [4096] */
    unsigned per_ip_connections;   /* [256] */
    unsigned reserved_connections; /* [64], below max_connections */
    unsigned request_timeout_s;    /* [10] */
    unsigned response_timeout_s;   /* [60] */
    /* Answers GET and HEAD requests that no route serves (and page requests
     * to CPC_ROUTE_PAGE routes) before they get a 404/405: returns 1 when it
     * filled res, 0 to let them. NULL: none. Runs on a pool thread. */
    int (*fallback)(struct cpc_http_req *req, struct cpc_http_res *res);
};

#define CPC_HTTPD_DEFAULT_MAX_CONNECTIONS 4096
#define CPC_HTTPD_DEFAULT_PER_IP_CONNECTIONS 256
#define CPC_HTTPD_DEFAULT_RESERVED_CONNECTIONS 64
#define CPC_HTTPD_DEFAULT_REQUEST_TIMEOUT_S 10
#define CPC_HTTPD_DEFAULT_RESPONSE_TIMEOUT_S 60

struct cpc_httpd; /* opaque */

/* Start serving routes (array copied by reference: must outlive the server).
 * Returns 0 or CPC_ERR_IO ("cannot listen on ADDR: reason"). Stop with cpc_httpd_stop. */
int cpc_httpd_start(struct cpc_httpd **out, const struct cpc_route *routes, size_t n_routes,
                    const struct cpc_httpd_opts *opts, struct cpc_err *err);
/* The port actually bound (useful with port 0). */
uint16_t cpc_httpd_port(const struct cpc_httpd *d);
/* Re-poll every deferred request (see cpc_http_res_defer); callable from any
 * thread, cheap when none waits. NULL accepted. */
void cpc_httpd_wake(struct cpc_httpd *d);
/* Stop the daemon and free it; NULL accepted. Open SSE streams are closed,
 * deferred requests are polled with CPC_HTTP_STOP. */
void cpc_httpd_stop(struct cpc_httpd *d);

/* Match path against pattern, capturing {name} segments into params (pointers
 * into buf, which receives a copy of path). Returns 1 on match, 0 otherwise.
 * Exposed for tests and the path fuzz target. */
int cpc_route_match(const char *pattern, const char *path, char *buf, size_t buf_cap,
                    const char **params, size_t *n_params);

#endif

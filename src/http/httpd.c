/* httpd.c — the node's HTTP server: libmicrohttpd glue (daemon start /
 * stop), request life cycle, routing, response helpers (see httpd.h).
 * Split out: httpd_path.c (raw-path capture, URL decoding, path checks,
 * cpc_route_match), httpd_defer.c (deferred / long-poll answers), sse.c
 * (event streams); shared private declarations in httpd_internal.h.
 *
 * Request life cycle (the common case is a small GET or a JSON POST on a
 * keep-alive connection):
 *   1. MHD_OPTION_URI_LOG_CALLBACK sees the raw URI first (before MHD
 *      unescapes it): we allocate the request state there and keep a copy
 *      of the raw path, so "%2F" inside a segment stays inside that segment
 *      and is decoded only after matching (httpd_path.c).
 *   2. First access-handler call: find the route (its body limit) and
 *      return MHD_YES — never queue here (STACK.md: that forces
 *      "Connection: close"), except to refuse, with the connection closed
 *      and the body never read: an announced Content-Length above the
 *      route's limit (413; 400/404/405 when there is no route, whose limit
 *      is 0), or a route a reserved connection does not serve (503).
 *   3. Upload calls append to a growing buffer; a chunked body (no
 *      Content-Length) that passes the limit is dropped as it comes (MHD
 *      cannot queue an answer in the middle of a body): answered 413 if it
 *      ends within DISCARD_SLACK more bytes, else its connection is cut.
 *   4. Final call: the route's answer timeout replaces the request timeout,
 *      validate the path, route (404 / 405 + Allow), run the handler, queue
 *      its answer (JSON answers get Cache-Control: no-store), or turn it into
 *      an SSE stream (sse.c).
 *   5. MHD_OPTION_NOTIFY_COMPLETED records status + latency in the metrics
 *      (SSE streams are left out: their "latency" is the stream's lifetime),
 *      puts the request timeout back for the next keep-alive request, and
 *      frees the state.
 * Connections: MHD closes those over max_connections or per_ip_connections
 * on accept; MHD_OPTION_NOTIFY_CONNECTION counts the open ones and marks a
 * connection opened while the general share (max - reserved) is full as a
 * reserved one (socket context), with a short timeout.
 * Stop: set `stopping`, resume every SSE stream and deferred request so it
 * ends, then MHD_stop_daemon (which would panic on a still-suspended
 * connection: a handler that suspends req->conn itself must resume it
 * before the stop).
 *
 * Deferred answers (long-poll, cpc_http_res_defer) suspend the connection
 * and are re-polled after a resume: see httpd_defer.c.
 */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpd_internal.h"
#include "metrics.h"
#include "../common/clock.h"

#define DEFAULT_MAX_BODY (4u * 1024 * 1024)
#define SSE_BLOCK 4096
/* Bytes of a chunked body past its limit read and dropped before the
 * connection is cut (a body ending within it is answered 413). */
#define DISCARD_SLACK (64u * 1024)

/* Socket context of a connection that came in on the reserve. */
static char reserved_tag;

/* ------------------------------------------------------------------ */
/* Request accessors and response helpers                             */

const char *cpc_http_req_query(const struct cpc_http_req *req, const char *key)
{
    if (!req || !req->conn || !key)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *cpc_http_req_header(const struct cpc_http_req *req, const char *name)
{
    if (!req || !req->conn || !name)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

int cpc_http_header_accepts(const char *h, const char *token)
{
    size_t tl = strlen(token);
    for (const char *p = h; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= tl && strncasecmp(p, token, tl) == 0 &&
            (len == tl || p[tl] == ';' || p[tl] == ' ')) {
            const char *q = memchr(p, ';', len);
            const char *qv = q ? strstr(q, "q=") : NULL;
            if (!qv || qv >= p + len || strtod(qv + 2, NULL) > 0)
                return 1;
        }
        p = end;
    }
    return 0;
}

int cpc_http_req_wants_html(const struct cpc_http_req *req)
{
    const char *a = cpc_http_req_header(req, "Accept");
    return a && cpc_http_header_accepts(a, "text/html");
}

int cpc_http_req_query_uint(const struct cpc_http_req *req, struct cpc_http_res *res,
                            const char *key, uint64_t def, uint64_t min, uint64_t max,
                            uint64_t *out)
{
    const char *v = cpc_http_req_query(req, key);
    *out = def;
    if (!v)
        return 0;
    uint64_t x = 0;
    if (!*v || strlen(v) > 12)
        goto bad;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            goto bad;
        x = x * 10 + (uint64_t)(*p - '0');
    }
    if (x < min || x > max)
        goto bad;
    *out = x;
    return 0;
bad:
    cpc_http_res_error(res, 400, "invalid_argument", "query parameter %s must be %llu..%llu", key,
                       (unsigned long long)min, (unsigned long long)max);
    return -1;
}

static void res_set_body(struct cpc_http_res *res, int status, const char *ctype, char *body,
                         size_t len)
{
    free(res->body);
    res->body = body;
    res->body_len = len;
    res->status = status;
    res->content_type = ctype;
}

/* Static fallback when even the error body cannot be allocated. */
static void res_oom(struct cpc_http_res *res)
{
    static const char msg[] = "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\"}}";
    char *b = malloc(sizeof msg);
    if (b)
        memcpy(b, msg, sizeof msg);
    res_set_body(res, 500, "application/json", b, b ? sizeof msg - 1 : 0);
}

void cpc_http_res_json(struct cpc_http_res *res, int status, json_t *j)
{
    if (!res) {
        json_decref(j);
        return;
    }
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!s) {
        res_oom(res);
        return;
    }
    res_set_body(res, status, "application/json", s, strlen(s));
}

static void res_error_v(struct cpc_http_res *res, int status, const char *code, const char *fmt,
                        va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", code ? code : "internal_error",
                          "message", msg);
    if (!j) {
        /* json_pack fails on invalid UTF-8 in msg: retry with a safe text */
        j = json_pack("{s:{s:s, s:s}}", "error", "code", code ? code : "internal_error",
                      "message", "(message not valid UTF-8)");
    }
    if (!j) {
        res_oom(res);
        return;
    }
    cpc_http_res_json(res, status, j);
}

void cpc_http_res_error(struct cpc_http_res *res, int status, const char *code, const char *fmt,
                        ...)
{
    if (!res)
        return;
    va_list ap;
    va_start(ap, fmt);
    res_error_v(res, status, code, fmt, ap);
    va_end(ap);
}

void cpc_http_res_from_err(struct cpc_http_res *res, const struct cpc_err *err)
{
    if (!res)
        return;
    int code = err ? err->code : CPC_ERR_INTERNAL;
    if (code == CPC_OK)
        code = CPC_ERR_INTERNAL;
    const char *msg = (err && err->msg[0]) ? err->msg : cpc_errcode_name(code);
    cpc_http_res_error(res, cpc_errcode_http_status(code), cpc_errcode_name(code), "%s", msg);
}

void cpc_http_res_text(struct cpc_http_res *res, int status, const char *content_type,
                       const char *text, size_t len)
{
    if (!res)
        return;
    char *b = malloc(len + 1);
    if (!b) {
        res_oom(res);
        return;
    }
    if (len)
        memcpy(b, text, len);
    b[len] = '\0';
    res_set_body(res, status, content_type ? content_type : "text/plain; charset=utf-8", b, len);
}

void cpc_http_res_header(struct cpc_http_res *res, const char *name, const char *value)
{
    if (!res || !name || !value || res->n_headers >= CPC_HTTP_MAX_HEADERS)
        return;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return;
    }
    res->headers[res->n_headers][0] = n;
    res->headers[res->n_headers][1] = v;
    res->n_headers++;
}

void cpc_http_res_sse(struct cpc_http_res *res, struct cpc_sse_hub *hub)
{
    if (!res)
        return;
    res->sse = hub;
    res->status = 200;
}

void cpc__res_clear(struct cpc_http_res *res)
{
    free(res->body);
    res->body = NULL;
    for (size_t i = 0; i < res->n_headers; i++) {
        free(res->headers[i][0]);
        free(res->headers[i][1]);
    }
    res->n_headers = 0;
}

/* ------------------------------------------------------------------ */
/* Queueing                                                            */

static int is_json_type(const char *ct)
{
    return ct && strncmp(ct, "application/json", 16) == 0;
}

/* Queue res on conn; takes ownership of res->body. Returns the MHD result. */
enum MHD_Result cpc__queue_res(struct req_state *st, struct MHD_Connection *conn,
                                 struct cpc_http_res *res, int close_conn)
{
    const char *ct = res->content_type ? res->content_type : "application/json";
    struct MHD_Response *r = MHD_create_response_from_buffer(
        res->body_len, res->body ? res->body : (void *)"", res->body ? MHD_RESPMEM_MUST_FREE
                                                                     : MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO; /* res->body still ours; caller clears */
    res->body = NULL;  /* owned by MHD now */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ct);
    if (is_json_type(ct))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (size_t i = 0; i < res->n_headers; i++)
        MHD_add_response_header(r, res->headers[i][0], res->headers[i][1]);
    if (close_conn)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    if (ret == MHD_YES) {
        st->queued = 1;
        st->status = res->status;
    }
    return ret;
}

enum MHD_Result cpc__queue_error(struct req_state *st, struct MHD_Connection *conn, int status,
                                   const char *code, const char *msg, const char *allow,
                                   int close_conn)
{
    struct cpc_http_res res = {0};
    cpc_http_res_error(&res, status, code, "%s", msg);
    if (allow)
        cpc_http_res_header(&res, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = cpc__queue_res(st, conn, &res, close_conn);
    cpc__res_clear(&res);
    return ret;
}

static void remember_hub(struct cpc_httpd *d, struct cpc_sse_hub *hub)
{
    pthread_mutex_lock(&d->hubs_mu);
    for (size_t i = 0; i < d->n_hubs; i++)
        if (d->hubs[i] == hub)
            goto out;
    if (d->n_hubs == d->cap_hubs) {
        size_t nc = d->cap_hubs ? d->cap_hubs * 2 : 4;
        struct cpc_sse_hub **nh = realloc(d->hubs, nc * sizeof *nh);
        if (!nh)
            goto out; /* streams still end: each checks `stopping` when it wakes */
        d->hubs = nh;
        d->cap_hubs = nc;
    }
    d->hubs[d->n_hubs++] = hub;
out:
    pthread_mutex_unlock(&d->hubs_mu);
}

static enum MHD_Result queue_sse(struct req_state *st, struct MHD_Connection *conn,
                                 struct cpc_http_res *res)
{
    struct cpc_httpd *d = st->d;
    remember_hub(d, res->sse);
    struct cpc__sse_sub *sub = cpc__sse_sub_new(res->sse, conn, &d->stopping);
    if (!sub)
        return cpc__queue_error(st, conn, 500, "out_of_memory", "cannot open event stream", NULL,
                                0);
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK,
                                                               cpc__sse_read, sub,
                                                               cpc__sse_sub_free);
    if (!r) {
        cpc__sse_sub_free(sub);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    for (size_t i = 0; i < res->n_headers; i++)
        MHD_add_response_header(r, res->headers[i][0], res->headers[i][1]);
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r); /* frees sub via the callback if queueing failed */
    if (ret == MHD_YES) {
        st->queued = 1;
        st->status = 200;
        st->is_sse = 1;
    }
    return ret;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

static int path_ok(const struct req_state *st)
{
    return !st->path_bad && st->raw_path &&
           cpc__http_path_check(st->raw_path, strlen(st->raw_path)) == 0;
}

/* The route serving method on st's path, or NULL (bad path, none). */
static const struct cpc_route *find_route(const struct req_state *st, const char *method)
{
    if (!path_ok(st))
        return NULL;
    char buf[CPC__HTTP_MAX_PATH + 1];
    for (size_t i = 0; i < st->d->n_routes; i++) {
        const struct cpc_route *rt = &st->d->routes[i];
        if (strcmp(rt->method, method) == 0 &&
            cpc_route_match(rt->pattern, st->raw_path, buf, sizeof buf, NULL, NULL))
            return rt;
    }
    return NULL;
}

/* Queue the answer for a request without a route: 400 (bad path), 405 with
 * Allow (the path has other methods) or 404. */
static enum MHD_Result answer_no_route(struct req_state *st, struct MHD_Connection *conn,
                                       const char *method, int close_conn)
{
    struct cpc_httpd *d = st->d;
    if (!path_ok(st))
        return cpc__queue_error(st, conn, 400, "invalid_argument", "invalid request path", NULL,
                                close_conn);
    char buf[CPC__HTTP_MAX_PATH + 1];
    char allow[128] = "";
    for (size_t i = 0; i < d->n_routes; i++) {
        const struct cpc_route *rt = &d->routes[i];
        if (strcmp(rt->method, method) != 0 &&
            cpc_route_match(rt->pattern, st->raw_path, buf, sizeof buf, NULL, NULL)) {
            /* same path, other method: collect for Allow (no duplicates) */
            size_t ml = strlen(rt->method);
            const char *a = allow;
            int dup = 0;
            while ((a = strstr(a, rt->method))) {
                if ((a == allow || a[-1] == ' ') && (a[ml] == ',' || a[ml] == '\0')) {
                    dup = 1;
                    break;
                }
                a += ml;
            }
            if (!dup && strlen(allow) + ml + 3 < sizeof allow) {
                if (allow[0])
                    strcat(allow, ", ");
                strcat(allow, rt->method);
            }
        }
    }
    if (allow[0]) {
        char msg[192];
        snprintf(msg, sizeof msg, "method %.16s not allowed here (allowed: %s)", method, allow);
        return cpc__queue_error(st, conn, 405, "method_not_allowed", msg, allow, close_conn);
    }
    return cpc__queue_error(st, conn, 404, "not_found", "no such endpoint", NULL, close_conn);
}

/* Refuse a body over the limit, at once, closing the connection. */
static enum MHD_Result refuse_body(struct req_state *st, struct MHD_Connection *conn,
                                   const char *method)
{
    st->too_large = 1;
    if (!st->route)
        return answer_no_route(st, conn, method, 1);
    char msg[96];
    if (st->max_body)
        snprintf(msg, sizeof msg, "request body exceeds %zu bytes", st->max_body);
    else
        snprintf(msg, sizeof msg, "%.16s %.48s takes no request body", method,
                 st->route->pattern);
    return cpc__queue_error(st, conn, 413, "too_large", msg, NULL, 1);
}

static enum MHD_Result queue_answer(struct req_state *st, struct MHD_Connection *conn,
                                    struct cpc_http_res *resp);

static enum MHD_Result dispatch(struct req_state *st, struct MHD_Connection *conn,
                                const char *method)
{
    struct cpc_httpd *d = st->d;
    const struct cpc_route *hit = st->route;
    int get_like = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!hit && !(get_like && d->fallback && path_ok(st)))
        return answer_no_route(st, conn, method, 0);
    char buf[CPC__HTTP_MAX_PATH + 1];
    struct cpc_http_req req = {0};
    if (hit && !cpc_route_match(hit->pattern, st->raw_path, buf, sizeof buf, req.params,
                                &req.n_params))
        return cpc__queue_error(st, conn, 500, "internal_error", "route lookup changed", NULL, 0);
    /* the request is complete: its answer may take the longer timeout */
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, d->response_timeout_s);
    for (size_t i = 0; i < req.n_params; i++)
        if (cpc__url_decode((char *)req.params[i]) < 0)
            return cpc__queue_error(st, conn, 400, "invalid_argument", "invalid escape in path",
                               NULL, 0);

    req.method = method;
    req.path = st->raw_path;
    req.body = st->body ? st->body : "";
    req.body_len = st->len;
    req.remote_ip = st->remote_ip;
    req.app = d->app;
    req.conn = conn;

    struct cpc_http_res res = {0};
    res.status = 200;
    res.content_type = "application/json";
    if (!hit || ((hit->flags & CPC_ROUTE_PAGE) && d->fallback && cpc_http_req_wants_html(&req))) {
        /* no route, or a browser asking a page route for a page: the fallback
         * (the dashboard's files), else the route or the usual 404/405 */
        if (d->fallback(&req, &res))
            return queue_answer(st, conn, &res);
        cpc__res_clear(&res);
        res.status = 200;
        res.content_type = "application/json";
        if (!hit)
            return answer_no_route(st, conn, method, 0);
    }
    hit->handler(&req, &res);
    return queue_answer(st, conn, &res);
}

/* Queue a handler's answer: deferred, an SSE stream or a plain body. */
static enum MHD_Result queue_answer(struct req_state *st, struct MHD_Connection *conn,
                                    struct cpc_http_res *resp)
{
    struct cpc_http_res res = *resp;

    enum MHD_Result ret;
    if (res.defer.poll && !res.body && !res.sse) {
        struct cpc_http_defer df = res.defer;
        cpc__res_clear(&res);
        return cpc__defer_begin(st, conn, &df);
    }
    if (res.defer.free_ctx) /* answered after all: the deferred context is unused */
        res.defer.free_ctx(res.defer.ctx);
    if (res.sse) {
        ret = queue_sse(st, conn, &res);
    } else if (!res.body || res.status < 100 || res.status > 599) {
        cpc__res_clear(&res);
        ret = cpc__queue_error(st, conn, 500, "internal_error", "handler produced no answer", NULL,
                          0);
    } else {
        ret = cpc__queue_res(st, conn, &res, 0);
    }
    cpc__res_clear(&res);
    return ret;
}

/* ------------------------------------------------------------------ */
/* MHD callbacks                                                       */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct req_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->d = cls;
    st->t0 = cpc_clock_mono_s();
    st->raw_path = cpc__http_raw_path(uri, &st->path_bad);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                      st->remote_ip, sizeof st->remote_ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      st->remote_ip, sizeof st->remote_ip);
    }
    return st;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct cpc_httpd *d = cls;
    struct req_state *st = *con_cls;
    if (!st)
        return;
    *con_cls = NULL;
    if (d->metrics && st->status && !st->is_sse) {
        double secs = cpc_clock_mono_s() - st->t0;
        cpc_metrics_http(d->metrics, st->status, secs < 0 ? 0 : secs);
    }
    cpc__defer_finish(st); /* no-op unless the answer was deferred */
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) /* the next request: the short timeout */
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
                                  st->reserved_conn ? (unsigned)CPC_HTTPD_RESERVED_TIMEOUT_S
                                                    : d->request_timeout_s);
    free(st->raw_path);
    free(st->body);
    free(st);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct cpc_httpd *d = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        unsigned open = atomic_fetch_add(&d->open_conns, 1) + 1;
        if (open > d->max_conns - d->reserved) {
            *socket_context = &reserved_tag;
            MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
                                      (unsigned)CPC_HTTPD_RESERVED_TIMEOUT_S);
        }
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        atomic_fetch_sub(&d->open_conns, 1);
    }
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    struct cpc_httpd *d = cls;
    struct req_state *st = *con_cls;
    if (!st)
        return MHD_NO; /* state allocation failed in on_uri: drop the connection */
    if (!st->started) {
        st->started = 1;
        st->route = find_route(st, method);
        st->max_body = st->route ? st->route->max_body : 0;
        if (st->max_body > d->max_body)
            st->max_body = d->max_body;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        st->reserved_conn = ci && ci->socket_context == &reserved_tag;
        if (st->reserved_conn && st->route && !(st->route->flags & CPC_ROUTE_RESERVED)) {
            st->too_large = 1; /* read no body */
            return cpc__queue_error(st, conn, 503, "server_busy",
                                    "the server is at its connection limit; retry later", NULL,
                                    1);
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end = NULL;
            errno = 0;
            unsigned long long v = strtoull(cl, &end, 10);
            if (errno == ERANGE || (end && *end == '\0' && v > st->max_body))
                return refuse_body(st, conn, method);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (st->queued)
            return MHD_YES;
        if (st->too_large) {
            /* discarding: a body that ends soon gets its 413 at the end;
             * past the slack the connection is cut */
            st->discarded += n;
            if (st->discarded > DISCARD_SLACK) {
                st->status = 413; /* counted in the metrics as refused */
                return MHD_NO;
            }
            return MHD_YES;
        }
        if (n > st->max_body - st->len) {
            /* a chunked body past the limit: MHD cannot queue an answer
             * while the body is still coming; keep nothing more */
            free(st->body);
            st->body = NULL;
            st->len = st->cap = 0;
            st->too_large = 1;
            st->discarded = n;
            return MHD_YES;
        }
        if (st->len + n + 1 > st->cap) {
            size_t nc = st->cap ? st->cap : 1024;
            while (nc < st->len + n + 1)
                nc *= 2;
            char *nb = realloc(st->body, nc);
            if (!nb)
                return MHD_NO;
            st->body = nb;
            st->cap = nc;
        }
        memcpy(st->body + st->len, upload_data, n);
        st->len += n;
        st->body[st->len] = '\0';
        return MHD_YES;
    }
    if (st->queued)
        return MHD_YES;
    if (st->has_defer)
        return cpc__defer_continue(st, conn);
    if (st->too_large)
        return refuse_body(st, conn, method);
    return dispatch(st, conn, method);
}

/* ------------------------------------------------------------------ */
/* Start / stop                                                        */

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
                        int *v6, struct cpc_err *err)
{
    memset(ss, 0, sizeof *ss);
    if (!listen || !*listen)
        return cpc_err_set(err, CPC_ERR_INVALID, "listen address is empty");
    char host[128];
    const char *port_s;
    if (listen[0] == '[') {
        const char *rb = strchr(listen, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - listen - 1) >= sizeof host)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "bad listen address '%s' (expected [IPV6]:PORT)", listen);
        memcpy(host, listen + 1, (size_t)(rb - listen - 1));
        host[rb - listen - 1] = '\0';
        port_s = rb + 2;
        *v6 = 1;
    } else {
        const char *c = strrchr(listen, ':');
        if (!c || (size_t)(c - listen) >= sizeof host || strchr(listen, ':') != c)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "bad listen address '%s' (expected HOST:PORT)", listen);
        memcpy(host, listen, (size_t)(c - listen));
        host[c - listen] = '\0';
        port_s = c + 1;
        *v6 = 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(port_s, &end, 10);
    if (!*port_s || errno || !end || *end || port > 65535 || port_s[0] == '-' ||
        port_s[0] == '+')
        return cpc_err_set(err, CPC_ERR_INVALID, "bad port in listen address '%s'", listen);
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return cpc_err_set(err, CPC_ERR_INVALID, "bad IPv6 address in '%s'", listen);
        *len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (strcmp(host, "localhost") == 0)
            strcpy(host, "127.0.0.1");
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return cpc_err_set(err, CPC_ERR_INVALID, "bad IPv4 address in '%s'", listen);
        *len = sizeof *a;
    }
    return 0;
}

int cpc_httpd_start(struct cpc_httpd **out, const struct cpc_route *routes, size_t n_routes,
                    const struct cpc_httpd_opts *opts, struct cpc_err *err)
{
    int rc;
    struct cpc_httpd *d = NULL;
    if (!out || !opts || (n_routes && !routes))
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_httpd_start: missing argument");
    *out = NULL;

    struct sockaddr_storage ss;
    socklen_t slen = 0;
    int v6 = 0;
    if ((rc = parse_listen(opts->listen, &ss, &slen, &v6, err)) != 0)
        return rc;

    d = calloc(1, sizeof *d);
    if (!d)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&d->hubs_mu, NULL);
    cpc__defer_init(d);
    atomic_init(&d->stopping, 0);
    d->routes = routes;
    d->n_routes = n_routes;
    d->max_body = opts->max_body ? opts->max_body : DEFAULT_MAX_BODY;
    d->max_conns = opts->max_connections ? opts->max_connections
                                         : CPC_HTTPD_DEFAULT_MAX_CONNECTIONS;
    d->per_ip = opts->per_ip_connections ? opts->per_ip_connections
                                         : CPC_HTTPD_DEFAULT_PER_IP_CONNECTIONS;
    d->reserved = opts->reserved_connections ? opts->reserved_connections
                                             : CPC_HTTPD_DEFAULT_RESERVED_CONNECTIONS;
    d->request_timeout_s = opts->request_timeout_s ? opts->request_timeout_s
                                                   : CPC_HTTPD_DEFAULT_REQUEST_TIMEOUT_S;
    d->response_timeout_s = opts->response_timeout_s ? opts->response_timeout_s
                                                     : CPC_HTTPD_DEFAULT_RESPONSE_TIMEOUT_S;
    atomic_init(&d->open_conns, 0);
    d->app = opts->app;
    d->metrics = opts->metrics;
    d->fallback = opts->fallback;

    unsigned threads = opts->threads;
    if (threads == 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        threads = nc > 0 ? (unsigned)nc : 1;
    }
    if (threads > 256)
        threads = 256;
    /* MHD splits the connection limit between the pool's threads */
    if (d->max_conns < 2 * threads)
        d->max_conns = 2 * threads;
    if (d->reserved >= d->max_conns)
        d->reserved = d->max_conns / 2;

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    if (v6)
        flags |= MHD_USE_IPv6;
    errno = 0;
    d->mhd = MHD_start_daemon(
        /* MHD's default is SO_REUSEADDR, never SO_REUSEPORT: a second node
         * on the same port fails instead of silently sharing it */
        flags, 0, NULL, NULL, on_access, d, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_TIMEOUT, d->request_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        d->max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT, d->per_ip,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, d, MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
        MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u, MHD_OPTION_END);
    if (!d->mhd) {
        int e = errno;
        rc = cpc_err_set(err, CPC_ERR_IO, "cannot listen on %s: %s", opts->listen,
                         e ? strerror(e) : "libmicrohttpd failed to start");
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
    d->port = di ? di->port : 0;
    if (cpc__defer_start(d) != 0) {
        MHD_stop_daemon(d->mhd);
        rc = cpc_err_set(err, CPC_ERR_INTERNAL, "cannot start the long-poll timer thread");
        goto fail;
    }
    *out = d;
    return 0;
fail:
    cpc__defer_destroy(d);
    pthread_mutex_destroy(&d->hubs_mu);
    free(d);
    return rc;
}

uint16_t cpc_httpd_port(const struct cpc_httpd *d)
{
    return d ? d->port : 0;
}

void cpc_httpd_stop(struct cpc_httpd *d)
{
    if (!d)
        return;
    atomic_store(&d->stopping, 1);
    pthread_mutex_lock(&d->hubs_mu);
    for (size_t i = 0; i < d->n_hubs; i++)
        cpc__sse_wake_all(d->hubs[i]);
    pthread_mutex_unlock(&d->hubs_mu);
    cpc__defer_stop(d); /* each deferred request answers CPC_HTTP_STOP */
    cpc__defer_drain(d, 2000); /* ... and its answer leaves before MHD closes sockets */
    MHD_stop_daemon(d->mhd);
    free(d->hubs);
    cpc__defer_destroy(d);
    pthread_mutex_destroy(&d->hubs_mu);
    free(d);
}

/* test_httpd_server.c — the HTTP server end to end over real sockets on
 * 127.0.0.1 (ephemeral ports) with libcurl as the client: routing, URL
 * decoding, error envelopes (400/404/405/413/500), keep-alive reuse,
 * concurrent clients, SSE streaming (and stopping the server while a
 * stream is open), and the metrics it records. */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "http/httpd.h"
#include "http/httpd_internal.h"
#include "http/metrics.h"
#include "http/sse.h"

struct app {
    struct cpc_sse_hub *hub;
    struct cpc_metrics *metrics;
};

struct fixture {
    struct app app;
    struct cpc_httpd *d;
    char base[64];
};

/* ---------------- handlers ---------------- */

static void h_hello(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_json(res, 200, json_pack("{s:s}", "hello", "world"));
}

static void h_hello_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_json(res, 201, json_pack("{s:s}", "created", "yes"));
}

static void h_echo_params(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:s, s:I}", "a", req->params[0], "b", req->params[1],
                                "n", (json_int_t)req->n_params));
}

static void h_echo_body(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_json(res, 200,
                      json_pack("{s:s%, s:I}", "body", req->body, req->body_len, "len",
                                (json_int_t)req->body_len));
}

static void h_query(struct cpc_http_req *req, struct cpc_http_res *res)
{
    const char *name = cpc_http_req_query(req, "name");
    const char *hdr = cpc_http_req_header(req, "x-test");
    cpc_http_res_json(res, 200,
                      json_pack("{s:s?, s:s?, s:s}", "name", name, "hdr", hdr, "ip",
                                req->remote_ip));
}

static void h_empty(struct cpc_http_req *req, struct cpc_http_res *res)
{
    (void)req;
    (void)res; /* forgets to answer */
}

static void h_text(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_text(res, 202, "text/plain", "plain text", 10);
    cpc_http_res_header(res, "X-Custom", "yes");
}

static void h_err(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_err e;
    cpc_err_set(&e, CPC_ERR_INSUFFICIENT_BALANCE, "balance %d < %d", 1, 2);
    cpc_http_res_from_err(res, &e);
}

static void h_events(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct app *a = req->app;
    cpc_http_res_sse(res, a->hub);
}

static void h_metrics(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct app *a = req->app;
    char *t = cpc_metrics_render(a->metrics, 0);
    cpc_http_res_text(res, 200, "text/plain; version=0.0.4", t, strlen(t));
    free(t);
}

static const struct cpc_route k_routes[] = {
    {"GET", "/hello", h_hello, 0, 0},
    {"POST", "/hello", h_hello_post, 1u << 20, 0},
    {"GET", "/echo/{a}/{b}", h_echo_params, 0, 0},
    {"POST", "/echo", h_echo_body, 1u << 20, 0},
    {"GET", "/q", h_query, 0, 0},
    {"GET", "/empty", h_empty, 0, 0},
    {"GET", "/text", h_text, 0, 0},
    {"GET", "/err", h_err, 0, 0},
    {"GET", "/events", h_events, 0, 0},
    {"GET", "/metrics", h_metrics, 0, 0},
};

/* ---------------- client helpers ---------------- */

struct buf {
    char *p;
    size_t len;
};

static size_t on_write(char *ptr, size_t sz, size_t n, void *ud)
{
    struct buf *b = ud;
    size_t k = sz * n;
    char *np = realloc(b->p, b->len + k + 1);
    if (!np)
        return 0;
    b->p = np;
    memcpy(b->p + b->len, ptr, k);
    b->len += k;
    b->p[b->len] = '\0';
    return k;
}

struct resp {
    long status;
    struct buf body, hdrs;
    CURLcode cc;
};

static void resp_free(struct resp *r)
{
    free(r->body.p);
    free(r->hdrs.p);
    memset(r, 0, sizeof *r);
}

/* One request on handle c (reused if given, else a fresh one). */
static void do_req(CURL *c, const char *method, const char *url, const char *body, long blen,
                   struct curl_slist *extra, struct resp *r)
{
    memset(r, 0, sizeof *r);
    int own = !c;
    if (own)
        c = curl_easy_init();
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->hdrs);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, blen);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (extra)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, extra);
    r->cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (own)
        curl_easy_cleanup(c);
}

static void get(struct fixture *f, const char *path, struct resp *r)
{
    char url[4096];
    snprintf(url, sizeof url, "%s%s", f->base, path);
    do_req(NULL, "GET", url, NULL, 0, NULL, r);
}

static json_t *body_json(const struct resp *r)
{
    json_t *j = json_loadb(r->body.p ? r->body.p : "", r->body.len, 0, NULL);
    if (!j)
        fail_msg("body is not JSON: %s", r->body.p ? r->body.p : "(none)");
    return j;
}

/* Assert the body is {"error":{"code":CODE,"message":<non-empty>}}. */
static void assert_envelope(const struct resp *r, const char *code)
{
    json_t *j = body_json(r);
    json_t *e = json_object_get(j, "error");
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    const char *m = json_string_value(json_object_get(e, "message"));
    assert_non_null(m);
    assert_true(strlen(m) > 0);
    json_decref(j);
}

static int has_header(const struct resp *r, const char *line_prefix)
{
    if (!r->hdrs.p)
        return 0;
    /* case-insensitive search for "\r\nName: value" */
    size_t n = strlen(line_prefix);
    for (const char *p = r->hdrs.p; *p; p++)
        if (strncasecmp(p, line_prefix, n) == 0 && (p == r->hdrs.p || p[-1] == '\n'))
            return 1;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------- fixture ---------------- */

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->app.hub = cpc_sse_hub_new(16);
    f->app.metrics = cpc_metrics_new();
    struct cpc_httpd_opts o = {.listen = "127.0.0.1:0", .threads = 2, .max_body = 1024,
                               .app = &f->app, .metrics = f->app.metrics};
    struct cpc_err err = {0};
    int rc = cpc_httpd_start(&f->d, k_routes, sizeof k_routes / sizeof k_routes[0], &o, &err);
    if (rc != 0)
        fail_msg("start: %s", err.msg);
    assert_true(cpc_httpd_port(f->d) > 0);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", cpc_httpd_port(f->d));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    cpc_httpd_stop(f->d);
    cpc_sse_hub_free(f->app.hub);
    cpc_metrics_free(f->app.metrics);
    free(f);
    return 0;
}

/* ---------------- tests ---------------- */

static void test_routes_and_params(void **state)
{
    struct fixture *f = *state;
    struct resp r;

    get(f, "/hello", &r);
    assert_int_equal(r.cc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.p, "{\"hello\":\"world\"}");
    assert_true(has_header(&r, "Content-Type: application/json"));
    assert_true(has_header(&r, "Cache-Control: no-store"));
    resp_free(&r);

    get(f, "/echo/a%20b/c%2Fd", &r);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "a")), "a b");
    assert_string_equal(json_string_value(json_object_get(j, "b")), "c/d");
    assert_int_equal(json_integer_value(json_object_get(j, "n")), 2);
    json_decref(j);
    resp_free(&r);

    get(f, "/echo/%E2%82%AC/x", &r);
    assert_int_equal(r.status, 200);
    j = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "a")), "\xe2\x82\xac");
    json_decref(j);
    resp_free(&r);

    get(f, "/q?name=hello%20world&other=1", &r);
    assert_int_equal(r.status, 200);
    j = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "hello world");
    assert_string_equal(json_string_value(json_object_get(j, "ip")), "127.0.0.1");
    assert_true(json_is_null(json_object_get(j, "hdr")));
    json_decref(j);
    resp_free(&r);

    char url[128];
    snprintf(url, sizeof url, "%s/q", f->base);
    struct curl_slist *h = curl_slist_append(NULL, "X-Test: header value");
    do_req(NULL, "GET", url, NULL, 0, h, &r);
    curl_slist_free_all(h);
    j = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "hdr")), "header value");
    assert_true(json_is_null(json_object_get(j, "name")));
    json_decref(j);
    resp_free(&r);

    /* POST body, and the same path answering another method */
    snprintf(url, sizeof url, "%s/echo", f->base);
    do_req(NULL, "POST", url, "{\"x\":1}", 7, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.p, "{\"body\":\"{\\\"x\\\":1}\",\"len\":7}");
    resp_free(&r);
    snprintf(url, sizeof url, "%s/hello", f->base);
    do_req(NULL, "POST", url, "", 0, NULL, &r);
    assert_int_equal(r.status, 201);
    resp_free(&r);

    /* text answers keep their type, get extra headers, no no-store */
    get(f, "/text", &r);
    assert_int_equal(r.status, 202);
    assert_string_equal(r.body.p, "plain text");
    assert_true(has_header(&r, "Content-Type: text/plain"));
    assert_true(has_header(&r, "X-Custom: yes"));
    assert_false(has_header(&r, "Cache-Control: no-store"));
    resp_free(&r);

    /* cpc_http_res_from_err: status and code from the error code */
    get(f, "/err", &r);
    assert_int_equal(r.status, 400);
    assert_envelope(&r, "insufficient_balance");
    assert_non_null(strstr(r.body.p, "balance 1 < 2"));
    resp_free(&r);
}

static void test_error_envelopes(void **state)
{
    struct fixture *f = *state;
    struct resp r;
    char url[128];

    get(f, "/nope", &r);
    assert_int_equal(r.status, 404);
    assert_envelope(&r, "not_found");
    assert_true(has_header(&r, "Cache-Control: no-store"));
    resp_free(&r);

    get(f, "/hello/extra", &r);
    assert_int_equal(r.status, 404);
    resp_free(&r);

    snprintf(url, sizeof url, "%s/hello", f->base);
    do_req(NULL, "DELETE", url, NULL, 0, NULL, &r);
    assert_int_equal(r.status, 405);
    assert_envelope(&r, "method_not_allowed");
    assert_true(has_header(&r, "Allow: GET, POST"));
    resp_free(&r);

    snprintf(url, sizeof url, "%s/echo", f->base);
    do_req(NULL, "PUT", url, "x", 1, NULL, &r);
    assert_int_equal(r.status, 405);
    assert_true(has_header(&r, "Allow: POST"));
    resp_free(&r);

    get(f, "/empty", &r);
    assert_int_equal(r.status, 500);
    assert_envelope(&r, "internal_error");
    resp_free(&r);

    /* bad paths: traversal (raw and encoded), bad escapes, NUL, too long */
    const char *bad[] = {"/echo/../x", "/echo/%2e%2e/x", "/echo/%zz/x", "/echo/a%00/b",
                         "/../hello"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        get(f, bad[i], &r);
        if (r.status != 400)
            fail_msg("%s: status %ld, want 400", bad[i], r.status);
        assert_envelope(&r, "invalid_argument");
        resp_free(&r);
    }
    char longp[2100];
    longp[0] = '/';
    memset(longp + 1, 'a', sizeof longp - 2);
    longp[sizeof longp - 1] = '\0';
    get(f, longp, &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
}

static void test_body_limit(void **state)
{
    struct fixture *f = *state;
    struct resp r;
    char url[128];
    snprintf(url, sizeof url, "%s/echo", f->base);

    /* exactly max_body passes */
    char *big = malloc(4096);
    memset(big, 'x', 4096);
    do_req(NULL, "POST", url, big, 1024, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.p, "\"len\":1024"));
    resp_free(&r);

    /* one over with Content-Length: refused up front */
    do_req(NULL, "POST", url, big, 1025, NULL, &r);
    assert_int_equal(r.status, 413);
    assert_envelope(&r, "too_large");
    resp_free(&r);

    /* chunked upload (no Content-Length) past the limit */
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    do_req(c, "POST", url, big, 4096, h, &r);
    assert_int_equal(r.status, 413);
    assert_envelope(&r, "too_large");
    resp_free(&r);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);

    /* the server is still fine afterwards */
    get(f, "/hello", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    free(big);
}

static void test_keepalive_reused(void **state)
{
    struct fixture *f = *state;
    char url[128];
    snprintf(url, sizeof url, "%s/hello", f->base);
    CURL *c = curl_easy_init();
    long total_connects = 0;
    for (int i = 0; i < 100; i++) {
        struct resp r;
        do_req(c, "GET", url, NULL, 0, NULL, &r);
        assert_int_equal(r.cc, CURLE_OK);
        assert_int_equal(r.status, 200);
        assert_false(has_header(&r, "Connection: close"));
        long nc = -1;
        curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc);
        if (i == 0)
            assert_int_equal(nc, 1);
        else if (nc != 0)
            fail_msg("request %d opened %ld new connection(s): keep-alive broken", i, nc);
        total_connects += nc;
        resp_free(&r);
    }
    assert_int_equal(total_connects, 1);
    curl_easy_cleanup(c);
}

struct worker {
    const char *base;
    int ok;
};

static void *client_thread(void *arg)
{
    struct worker *w = arg;
    char url[128];
    CURL *c = curl_easy_init();
    for (int i = 0; i < 50; i++) {
        snprintf(url, sizeof url, "%s/echo/t%d/%d", w->base, i % 7, i);
        struct resp r;
        do_req(c, "GET", url, NULL, 0, NULL, &r);
        char want[64];
        snprintf(want, sizeof want, "\"b\":\"%d\"", i);
        if (r.cc == CURLE_OK && r.status == 200 && r.body.p && strstr(r.body.p, want))
            w->ok++;
        resp_free(&r);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void test_concurrent_clients_and_metrics(void **state)
{
    struct fixture *f = *state;
    pthread_t t[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.base = f->base};
        pthread_create(&t[i], NULL, client_thread, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].ok, 50);
    }
    struct resp r;
    get(f, "/nope", &r);
    assert_int_equal(r.status, 404);
    resp_free(&r);

    /* completion callbacks run just after the answer is sent: wait a bit */
    const char *want200 = "cpc_http_requests_total{code=\"200\"} 200\n";
    const char *want404 = "cpc_http_requests_total{code=\"404\"} 1\n";
    char *t2 = NULL;
    for (int i = 0; i < 200; i++) {
        free(t2);
        t2 = cpc_metrics_render(f->app.metrics, 0);
        if (strstr(t2, want200) && strstr(t2, want404))
            break;
        usleep(10000);
    }
    if (!strstr(t2, want200) || !strstr(t2, want404))
        fail_msg("metrics did not count the requests:\n%s", t2);
    assert_non_null(strstr(t2, "cpc_http_request_duration_seconds_count 201\n"));
    assert_non_null(strstr(t2, "cpc_http_request_duration_seconds_bucket{le=\"+Inf\"} 201\n"));
    assert_non_null(strstr(t2, "cpc_http_errors_total 1\n"));
    free(t2);

    /* and the same over HTTP */
    get(f, "/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_true(has_header(&r, "Content-Type: text/plain; version=0.0.4"));
    assert_non_null(strstr(r.body.p, "# TYPE cpc_http_request_duration_seconds histogram"));
    assert_non_null(strstr(r.body.p, "cpc_http_request_duration_seconds_bucket{le=\"0.0005\"}"));
    assert_non_null(strstr(r.body.p, want200));
    resp_free(&r);
}

/* ---------------- SSE ---------------- */

struct stream {
    const char *url;
    pthread_mutex_t mu;
    struct buf data;
    struct buf hdrs;
    CURLcode cc;
    long status;
    int done;
};

static size_t stream_write(char *ptr, size_t sz, size_t n, void *ud)
{
    struct stream *s = ud;
    pthread_mutex_lock(&s->mu);
    size_t k = on_write(ptr, sz, n, &s->data);
    pthread_mutex_unlock(&s->mu);
    return k;
}

static void *stream_thread(void *arg)
{
    struct stream *s = arg;
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, s->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L); /* bounded even if the server hangs */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &s->hdrs);
    s->cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->status);
    curl_easy_cleanup(c);
    pthread_mutex_lock(&s->mu);
    s->done = 1;
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Wait until the stream data contains needle (bounded). */
static int stream_wait(struct stream *s, const char *needle, int count)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&s->mu);
        int n = 0;
        for (const char *p = s->data.p; p && (p = strstr(p, needle)); p++)
            n++;
        pthread_mutex_unlock(&s->mu);
        if (n >= count)
            return 1;
        usleep(10000);
    }
    return 0;
}

static void test_sse_stream_and_stop(void **state)
{
    struct fixture *f = *state;
    cpc__sse_set_ping_ms(f->app.hub, 100);
    char url[128];
    snprintf(url, sizeof url, "%s/events", f->base);
    struct stream s = {.url = url};
    pthread_mutex_init(&s.mu, NULL);
    pthread_t t;
    pthread_create(&t, NULL, stream_thread, &s);

    int ok = 0;
    for (int i = 0; i < 500 && !ok; i++) {
        ok = cpc_sse_subscribers(f->app.hub) == 1;
        if (!ok)
            usleep(10000);
    }
    assert_true(ok);
    assert_true(stream_wait(&s, ": connected\n\n", 1));

    cpc_sse_publish(f->app.hub, "block", "{\"height\":1}");
    cpc_sse_publish(f->app.hub, "tx", "{\"n\":2}");
    cpc_sse_publish(f->app.hub, "block", "{\"height\":3}");
    assert_true(stream_wait(&s, "event: ", 3));

    pthread_mutex_lock(&s.mu);
    const char *a = strstr(s.data.p, "event: block\ndata: {\"height\":1}\n\n");
    const char *b = strstr(s.data.p, "event: tx\ndata: {\"n\":2}\n\n");
    const char *c = strstr(s.data.p, "event: block\ndata: {\"height\":3}\n\n");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_true(a < b && b < c);
    pthread_mutex_unlock(&s.mu);
    assert_true(has_header(&(struct resp){.hdrs = s.hdrs}, "Content-Type: text/event-stream"));
    assert_true(has_header(&(struct resp){.hdrs = s.hdrs}, "Cache-Control: no-cache"));

    /* keep-alive comments arrive while idle (suspend/resume by the ping thread) */
    assert_true(stream_wait(&s, ": ping\n\n", 2));

    /* a second subscriber sees only what is published after it joined */
    struct stream s2 = {.url = url};
    pthread_mutex_init(&s2.mu, NULL);
    pthread_t t2;
    pthread_create(&t2, NULL, stream_thread, &s2);
    for (int i = 0; i < 500 && cpc_sse_subscribers(f->app.hub) != 2; i++)
        usleep(10000);
    assert_int_equal(cpc_sse_subscribers(f->app.hub), 2);
    assert_true(stream_wait(&s2, ": connected\n\n", 1));
    cpc_sse_publish(f->app.hub, "tx", "{\"n\":4}");
    assert_true(stream_wait(&s2, "event: tx\ndata: {\"n\":4}\n\n", 1));
    assert_true(stream_wait(&s, "event: tx\ndata: {\"n\":4}\n\n", 1));
    pthread_mutex_lock(&s2.mu);
    assert_null(strstr(s2.data.p, "height"));
    pthread_mutex_unlock(&s2.mu);

    /* stop the server while both streams are open: no hang, streams end */
    double t0 = now_s();
    cpc_httpd_stop(f->d);
    f->d = NULL;
    double took = now_s() - t0;
    if (took > 3.0)
        fail_msg("cpc_httpd_stop took %.2f s with open streams", took);
    pthread_join(t, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(s.status, 200);
    assert_true(now_s() - t0 < 10.0);
    assert_int_equal(cpc_sse_subscribers(f->app.hub), 0);
    free(s.data.p);
    free(s.hdrs.p);
    free(s2.data.p);
    free(s2.hdrs.p);
    pthread_mutex_destroy(&s.mu);
    pthread_mutex_destroy(&s2.mu);
}

struct publisher {
    struct cpc_sse_hub *hub;
    atomic_int stop;
    int sent;
};

static void *publish_thread(void *arg)
{
    struct publisher *p = arg;
    char data[32];
    while (!atomic_load(&p->stop)) {
        snprintf(data, sizeof data, "{\"i\":%d}", p->sent++);
        cpc_sse_publish(p->hub, "tick", data);
        if (p->sent % 64 == 0)
            usleep(1000);
    }
    return NULL;
}

/* Publishers racing with readers, lagging streams, and a stop in the middle
 * of it all: no crash, no hang, no leak, nothing left subscribed. */
static void test_sse_publish_race_and_stop(void **state)
{
    struct fixture *f = *state;
    cpc__sse_set_ping_ms(f->app.hub, 20);
    char url[128];
    snprintf(url, sizeof url, "%s/events", f->base);
    struct stream s[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        s[i] = (struct stream){.url = url};
        pthread_mutex_init(&s[i].mu, NULL);
        pthread_create(&t[i], NULL, stream_thread, &s[i]);
    }
    for (int i = 0; i < 500 && cpc_sse_subscribers(f->app.hub) != 3; i++)
        usleep(10000);
    assert_int_equal(cpc_sse_subscribers(f->app.hub), 3);
    struct publisher p = {.hub = f->app.hub};
    atomic_init(&p.stop, 0);
    pthread_t pt;
    pthread_create(&pt, NULL, publish_thread, &p);
    for (int i = 0; i < 3; i++)
        assert_true(stream_wait(&s[i], "event: tick", 20));
    usleep(100000);
    double t0 = now_s();
    cpc_httpd_stop(f->d); /* publisher still running */
    f->d = NULL;
    assert_true(now_s() - t0 < 3.0);
    atomic_store(&p.stop, 1);
    pthread_join(pt, NULL);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        /* events arrive in publication order (a lagging stream skips ahead) */
        int last = -1, bad = 0;
        for (const char *q = s[i].data.p; (q = strstr(q, "data: {\"i\":")); q++) {
            int v = atoi(q + strlen("data: {\"i\":"));
            if (v <= last)
                bad = 1;
            last = v;
        }
        assert_false(bad);
        assert_true(last >= 0);
        free(s[i].data.p);
        free(s[i].hdrs.p);
        pthread_mutex_destroy(&s[i].mu);
    }
    assert_true(p.sent > 20);
    assert_int_equal(cpc_sse_subscribers(f->app.hub), 0);
}

static void test_client_disconnect_unsubscribes(void **state)
{
    struct fixture *f = *state;
    cpc__sse_set_ping_ms(f->app.hub, 50);
    char url[128];
    snprintf(url, sizeof url, "%s/events", f->base);
    CURL *c = curl_easy_init();
    struct buf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 300L); /* client gives up */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    CURLcode cc = curl_easy_perform(c);
    assert_int_equal(cc, CURLE_OPERATION_TIMEDOUT);
    curl_easy_cleanup(c);
    assert_non_null(strstr(b.p, ": connected"));
    free(b.p);
    /* the next ping write fails and the subscriber is freed */
    int gone = 0;
    for (int i = 0; i < 300 && !gone; i++) {
        gone = cpc_sse_subscribers(f->app.hub) == 0;
        if (!gone)
            usleep(10000);
    }
    assert_true(gone);
}

static void test_start_errors(void **state)
{
    struct fixture *f = *state;
    struct cpc_httpd *d = NULL;
    struct cpc_err err = {0};
    struct cpc_httpd_opts o = {.listen = "nonsense"};
    assert_int_equal(cpc_httpd_start(&d, k_routes, 1, &o, &err), CPC_ERR_INVALID);
    assert_null(d);
    assert_non_null(strstr(err.msg, "nonsense"));
    o.listen = "127.0.0.1:99999";
    assert_int_equal(cpc_httpd_start(&d, k_routes, 1, &o, &err), CPC_ERR_INVALID);
    o.listen = "300.1.1.1:80";
    assert_int_equal(cpc_httpd_start(&d, k_routes, 1, &o, &err), CPC_ERR_INVALID);
    o.listen = "[::1:80";
    assert_int_equal(cpc_httpd_start(&d, k_routes, 1, &o, &err), CPC_ERR_INVALID);

    /* the port of the running fixture is taken */
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", cpc_httpd_port(f->d));
    o.listen = addr;
    assert_int_equal(cpc_httpd_start(&d, k_routes, 1, &o, &err), CPC_ERR_IO);
    assert_null(d);
    assert_non_null(strstr(err.msg, "cannot listen on 127.0.0.1:"));

    cpc_httpd_stop(NULL);
}

static void test_ipv6_if_available(void **state)
{
    struct cpc_httpd *d = NULL;
    struct cpc_err err = {0};
    struct cpc_httpd_opts o = {.listen = "[::1]:0", .threads = 1};
    if (cpc_httpd_start(&d, k_routes, sizeof k_routes / sizeof k_routes[0], &o, &err) != 0) {
        print_message("IPv6 loopback unavailable here (%s): skipped\n", err.msg);
        skip();
    }
    char url[96];
    snprintf(url, sizeof url, "http://[::1]:%u/q", cpc_httpd_port(d));
    struct resp r;
    do_req(NULL, "GET", url, NULL, 0, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "ip")), "::1");
    json_decref(j);
    resp_free(&r);
    cpc_httpd_stop(d);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes_and_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_envelopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalive_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_clients_and_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sse_stream_and_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sse_publish_race_and_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_disconnect_unsubscribes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
        cmocka_unit_test(test_ipv6_if_available),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

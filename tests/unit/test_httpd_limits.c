/* test_httpd_limits.c — the HTTP server's defences, over raw sockets on
 * 127.0.0.0/8 (ephemeral ports), each test bounded in time:
 * - an idle flood (4,200 connections from one address) leaves /status
 *   answering another address within 2 s (per-address limit);
 * - a request whose headers stall is cut after request_timeout_s, as is an
 *   idle keep-alive connection, while a long-poll answer or an event stream
 *   that waits longer is not (suspended connections are exempt);
 * - once the general share of connections is taken (several addresses), the
 *   reserve still serves the routes flagged CPC_ROUTE_RESERVED, and only
 *   those (503 server_busy for the others);
 * - a body over the route's limit is refused with 413 from its
 *   Content-Length, before it is sent; a chunked one is dropped past the
 *   limit (413 at its end, or the connection cut 64 KiB later); a route
 *   with no body refuses any. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "http/httpd.h"
#include "http/httpd_internal.h"
#include "http/sse.h"

/* ---------------- handlers ---------------- */

static void h_status(struct cpc_http_req *req, struct cpc_http_res *res)
{
    (void)req;
    cpc_http_res_json(res, 200, json_pack("{s:s}", "status", "ok"));
}

static void h_other(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_json(res, 200, json_pack("{s:I}", "len", (json_int_t)req->body_len));
}

static int wait_poll(void *ctx, struct cpc_http_res *res, int why)
{
    (void)ctx;
    if (why == CPC_HTTP_WAKE)
        return 0;
    cpc_http_res_json(res, 200, json_pack("{s:b}", "timeout", why == CPC_HTTP_TIMEOUT));
    return 1;
}

/* Long-poll: answers after 2.5 s. */
static void h_wait(struct cpc_http_req *req, struct cpc_http_res *res)
{
    (void)req;
    cpc_http_res_defer(res, wait_poll, NULL, NULL, 2500);
}

static struct cpc_sse_hub *g_hub;

static void h_events(struct cpc_http_req *req, struct cpc_http_res *res)
{
    (void)req;
    cpc_http_res_sse(res, g_hub);
}

static const struct cpc_route k_routes[] = {
    {"GET", "/events", h_events, 0, 0},
    {"GET", "/status", h_status, 0, CPC_ROUTE_RESERVED},
    {"GET", "/other", h_other, 0, 0},
    {"POST", "/small", h_other, 16, 0},
    {"GET", "/wait", h_wait, 0, 0},
};

static struct cpc_httpd *start(const struct cpc_httpd_opts *o)
{
    struct cpc_httpd *d = NULL;
    struct cpc_err err = {0};
    if (cpc_httpd_start(&d, k_routes, sizeof k_routes / sizeof k_routes[0], o, &err) != 0)
        fail_msg("start: %s", err.msg);
    return d;
}

/* ---------------- raw sockets ---------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A socket from src (a 127.x.y.z address) to 127.0.0.1:port; blocking unless
 * nonblock (then the connect may still be in progress). -1 on failure. */
static int connect_from(const char *src, uint16_t port, int nonblock)
{
    int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    a.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_text(int fd, const char *s)
{
    size_t n = strlen(s), off = 0;
    while (off < n) {
        ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

/* Read until the peer closes or a whole answer (headers + Content-Length)
 * is in, at most timeout_ms. Returns the bytes read (NUL-terminated in buf);
 * *closed tells whether the peer closed. */
static size_t read_answer(int fd, char *buf, size_t cap, unsigned timeout_ms, int *closed)
{
    size_t len = 0;
    uint64_t end = now_ms() + timeout_ms;
    *closed = 0;
    buf[0] = '\0';
    while (len + 1 < cap) {
        uint64_t t = now_ms();
        if (t >= end)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(end - t)) <= 0)
            break;
        ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
        if (r <= 0) {
            *closed = 1;
            break;
        }
        len += (size_t)r;
        buf[len] = '\0';
        const char *hend = strstr(buf, "\r\n\r\n");
        const char *cl = strcasestr(buf, "Content-Length:");
        if (hend && cl && cl < hend &&
            len >= (size_t)(hend + 4 - buf) + strtoul(cl + 15, NULL, 10))
            break;
    }
    return len;
}

/* One GET from src on a fresh connection; the status (0: no answer in
 * timeout_ms); *elapsed_ms (may be NULL) = connect to answer. */
static int get_from(const char *src, uint16_t port, const char *path, unsigned timeout_ms,
                    uint64_t *elapsed_ms, char *out, size_t out_cap)
{
    char local[4096];
    if (!out) {
        out = local;
        out_cap = sizeof local;
    }
    uint64_t t0 = now_ms();
    int fd = connect_from(src, port, 0);
    if (fd < 0)
        return 0;
    char req[256];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    send_text(fd, req);
    int closed;
    read_answer(fd, out, out_cap, timeout_ms, &closed);
    close(fd);
    if (elapsed_ms)
        *elapsed_ms = now_ms() - t0;
    int status = 0;
    if (sscanf(out, "HTTP/1.1 %d", &status) != 1)
        return 0;
    return status;
}

/* Wait (at most timeout_ms) for the peer to close fd. 1 when it did. */
static int wait_closed(int fd, unsigned timeout_ms)
{
    char b[4096];
    int closed;
    uint64_t end = now_ms() + timeout_ms;
    while (now_ms() < end) {
        read_answer(fd, b, sizeof b, (unsigned)(end - now_ms()), &closed);
        if (closed)
            return 1;
    }
    return 0;
}

/* ---------------- tests ---------------- */

#define FLOOD 4200

/* 4,200 idle connections (half of them with a request line and no end of
 * headers) from 127.0.0.1; /status from 127.0.0.2 answers within 2 s. */
static void test_idle_flood_from_one_address(void **state)
{
    (void)state;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 2 * FLOOD + 256) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < 2 * FLOOD + 256) {
        print_message("RLIMIT_NOFILE %llu is too low for the flood\n",
                      (unsigned long long)rl.rlim_cur);
        skip();
    }
    struct cpc_httpd_opts o = {.listen = "127.0.0.1:0", .threads = 2};
    struct cpc_httpd *d = start(&o);
    uint16_t port = cpc_httpd_port(d);
    int *fds = malloc(FLOOD * sizeof *fds);
    assert_non_null(fds);
    size_t opened = 0;
    for (size_t i = 0; i < FLOOD; i++) {
        fds[i] = connect_from("127.0.0.1", port, 1);
        if (fds[i] >= 0)
            opened++;
    }
    assert_true(opened > 4096);
    struct timespec pause = {0, 200 * 1000000L}; /* let the server take them in */
    nanosleep(&pause, NULL);
    for (size_t i = 0; i < FLOOD; i += 2)
        if (fds[i] >= 0)
            send_text(fds[i], "GET /status HTTP/1.1\r\nHost: t\r\n");

    uint64_t ms = 0;
    char out[4096];
    int status = get_from("127.0.0.2", port, "/status", 2000, &ms, out, sizeof out);
    print_message("/status from 127.0.0.2 during the flood: %d after %llu ms\n", status,
                  (unsigned long long)ms);
    for (size_t i = 0; i < FLOOD; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    cpc_httpd_stop(d);
    assert_int_equal(status, 200);
    assert_true(ms < 2000);
    assert_non_null(strstr(out, "\"status\":\"ok\""));
}

/* Headers that stall are cut after request_timeout_s, so is an idle
 * keep-alive connection; a long-poll answer that takes longer is not, nor
 * an event stream that waits longer for its next event. */
static void test_request_timeout(void **state)
{
    (void)state;
    g_hub = cpc_sse_hub_new(16);
    assert_non_null(g_hub);
    /* both timeouts shorter than the waits below: only suspension spares them */
    struct cpc_httpd_opts o = {.listen = "127.0.0.1:0", .threads = 2, .request_timeout_s = 1,
                               .response_timeout_s = 2};
    struct cpc_httpd *d = start(&o);
    uint16_t port = cpc_httpd_port(d);

    /* an event stream opened first, fed 2.5 s later (checked at the end) */
    int sse = connect_from("127.0.0.1", port, 0);
    assert_true(sse >= 0);
    send_text(sse, "GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
    char sbuf[4096];
    int sclosed;
    read_answer(sse, sbuf, sizeof sbuf, 1000, &sclosed);
    assert_non_null(strstr(sbuf, "200 OK"));
    assert_false(sclosed);

    int slow = connect_from("127.0.0.1", port, 0);
    assert_true(slow >= 0);
    send_text(slow, "GET /status HTTP/1.1\r\nHost: t\r\n");
    uint64_t t0 = now_ms();
    assert_true(wait_closed(slow, 4000));
    uint64_t cut = now_ms() - t0;
    close(slow);
    print_message("stalled headers cut after %llu ms\n", (unsigned long long)cut);
    assert_true(cut >= 900 && cut < 3500);

    /* keep-alive: one answer, then idle -> closed */
    int ka = connect_from("127.0.0.1", port, 0);
    send_text(ka, "GET /status HTTP/1.1\r\nHost: t\r\n\r\n");
    char buf[4096];
    int closed;
    read_answer(ka, buf, sizeof buf, 2000, &closed);
    assert_non_null(strstr(buf, "200 OK"));
    assert_false(closed);
    assert_true(wait_closed(ka, 4000));
    close(ka);

    /* a long-poll of 2.5 s is suspended: neither timeout cuts it */
    uint64_t ms = 0;
    int status = get_from("127.0.0.1", port, "/wait", 5000, &ms, buf, sizeof buf);
    assert_int_equal(status, 200);
    assert_non_null(strstr(buf, "\"timeout\":true"));
    assert_true(ms >= 2400);

    /* the stream has waited more than 4 s by now: still open, and it delivers */
    cpc_sse_publish(g_hub, "block", "{\"height\":7}");
    read_answer(sse, sbuf, sizeof sbuf, 2000, &sclosed);
    assert_non_null(strstr(sbuf, "{\"height\":7}"));
    assert_false(sclosed);
    close(sse);
    cpc_httpd_stop(d);
    cpc_sse_hub_free(g_hub);
    g_hub = NULL;
}

/* 40 connections at most, 8 per address, the last 8 reserved: with 32
 * idle connections from four addresses, a fifth address gets /status (a
 * reserved route) and 503 server_busy elsewhere; when the flood is gone,
 * everything is served again. */
static void test_reserve_serves_reserved_routes(void **state)
{
    (void)state;
    struct cpc_httpd_opts o = {.listen = "127.0.0.1:0", .threads = 2, .max_connections = 40,
                               .per_ip_connections = 8, .reserved_connections = 8};
    struct cpc_httpd *d = start(&o);
    uint16_t port = cpc_httpd_port(d);
    int fds[4 * 8];
    char src[16];
    for (int a = 0; a < 4; a++) {
        snprintf(src, sizeof src, "127.0.1.%d", a + 1);
        for (int i = 0; i < 8; i++) {
            fds[a * 8 + i] = connect_from(src, port, 0);
            assert_true(fds[a * 8 + i] >= 0);
        }
    }
    /* a ninth connection from a flooding address is closed on accept */
    int extra = connect_from("127.0.1.1", port, 0);
    assert_true(extra >= 0);
    assert_true(wait_closed(extra, 2000));
    close(extra);
    /* connect() returns once the kernel has the connection; the server counts
     * it when it accepts it. Probe only after all 32 are counted, or on a busy
     * machine the probe may be accepted before some of them and not be
     * treated as a reserved connection. */
    for (int tries = 0; tries < 500 && atomic_load(&d->open_conns) < 4 * 8; tries++) {
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(atomic_load(&d->open_conns), 4 * 8);

    char out[4096];
    uint64_t ms = 0;
    assert_int_equal(get_from("127.0.2.1", port, "/status", 2000, &ms, out, sizeof out), 200);
    assert_true(ms < 2000);
    assert_int_equal(get_from("127.0.2.1", port, "/other", 2000, NULL, out, sizeof out), 503);
    assert_non_null(strstr(out, "\"code\":\"server_busy\""));

    for (int i = 0; i < 4 * 8; i++)
        close(fds[i]);
    /* the server counts them out as it sees them close */
    int status = 0;
    for (int tries = 0; tries < 40 && status != 200; tries++) {
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
        status = get_from("127.0.2.1", port, "/other", 2000, NULL, out, sizeof out);
    }
    assert_int_equal(status, 200);
    cpc_httpd_stop(d);
}

/* Body limits per route, from Content-Length before the body is sent. */
static void test_body_limits(void **state)
{
    (void)state;
    struct cpc_httpd_opts o = {.listen = "127.0.0.1:0", .threads = 2};
    struct cpc_httpd *d = start(&o);
    uint16_t port = cpc_httpd_port(d);
    char buf[4096];
    int closed;

    /* announced 1 MB on a 16-byte route: 413 at once, without the body */
    int fd = connect_from("127.0.0.1", port, 0);
    send_text(fd, "POST /small HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  "Content-Length: 1000000\r\n\r\n");
    uint64_t t0 = now_ms();
    read_answer(fd, buf, sizeof buf, 2000, &closed);
    close(fd);
    assert_true(now_ms() - t0 < 2000);
    assert_non_null(strstr(buf, "HTTP/1.1 413"));
    assert_non_null(strstr(buf, "\"code\":\"too_large\""));
    assert_non_null(strstr(buf, "exceeds 16 bytes"));

    /* chunked, no Content-Length: nothing kept past the limit; a body that
     * ends soon after gets its 413 at the end ... */
    fd = connect_from("127.0.0.1", port, 0);
    send_text(fd, "POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n");
    read_answer(fd, buf, sizeof buf, 2000, &closed);
    close(fd);
    assert_non_null(strstr(buf, "HTTP/1.1 413"));
    assert_non_null(strstr(buf, "\"code\":\"too_large\""));
    /* ... one that goes on is cut 64 KiB past the limit */
    fd = connect_from("127.0.0.1", port, 0);
    send_text(fd, "POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    static char chunk[8192 + 16];
    snprintf(chunk, sizeof chunk, "2000\r\n");
    memset(chunk + 6, 'x', 8192);
    memcpy(chunk + 6 + 8192, "\r\n", 3);
    for (int i = 0; i < 12; i++) /* 96 KiB */
        send_text(fd, chunk);
    t0 = now_ms();
    read_answer(fd, buf, sizeof buf, 2000, &closed);
    close(fd);
    assert_true(closed);
    assert_true(now_ms() - t0 < 2000);
    assert_null(strstr(buf, "HTTP/1.1 200"));

    /* within the limit: served */
    fd = connect_from("127.0.0.1", port, 0);
    send_text(fd, "POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n"
                  "Connection: close\r\n\r\n0123456789");
    read_answer(fd, buf, sizeof buf, 2000, &closed);
    close(fd);
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_non_null(strstr(buf, "\"len\":10"));

    /* a GET takes no body; an unknown path answers 404 without reading one */
    fd = connect_from("127.0.0.1", port, 0);
    send_text(fd, "GET /other HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
    read_answer(fd, buf, sizeof buf, 2000, &closed);
    close(fd);
    assert_non_null(strstr(buf, "HTTP/1.1 413"));
    assert_non_null(strstr(buf, "takes no request body"));
    fd = connect_from("127.0.0.1", port, 0);
    send_text(fd, "POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
    read_answer(fd, buf, sizeof buf, 2000, &closed);
    close(fd);
    assert_non_null(strstr(buf, "HTTP/1.1 404"));
    cpc_httpd_stop(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_flood_from_one_address),
        cmocka_unit_test(test_request_timeout),
        cmocka_unit_test(test_reserve_serves_reserved_routes),
        cmocka_unit_test(test_body_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

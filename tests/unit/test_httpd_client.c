/* test_httpd_client.c — the libcurl client (src/common/http_client.c)
 * against a cpc_httpd server started in the test: JSON round trips, error
 * envelopes mapped to cpc error codes, non-JSON errors, connection refused,
 * timeouts, keep-alive reuse of one connection. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "common/http_client.h"
#include "http/httpd.h"

static void h_ok(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_json(res, 200, json_pack("{s:i, s:s}", "n", 1, "amount", "x"));
}

static void h_echo(struct cpc_http_req *req, struct cpc_http_res *res)
{
    json_t *b = json_loadb(req->body, req->body_len, 0, NULL);
    const char *ct = cpc_http_req_header(req, "Content-Type");
    cpc_http_res_json(res, 200,
                      json_pack("{s:s?, s:o?, s:s}", "ct", ct, "body", b, "method", req->method));
}

static void h_dup(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_error(res, 409, "duplicate", "tx %s already known", "abc");
}

static void h_weird(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_error(res, 400, "no_such_code_name", "odd");
}

static void h_plain502(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_text(res, 502, "text/plain", "bad gateway", 11);
}

static void h_badjson(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_text(res, 200, "application/json", "{not json", 9);
}

static void h_slow(struct cpc_http_req *req, struct cpc_http_res *res)
{
    usleep(1500 * 1000);
    cpc_http_res_json(res, 200, json_object());
}

static void h_port(struct cpc_http_req *req, struct cpc_http_res *res)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr_in *sa = (const void *)ci->client_addr;
    cpc_http_res_json(res, 200, json_pack("{s:i}", "port", ntohs(sa->sin_port)));
}

static const struct cpc_route k_routes[] = {
    {"GET", "/ok", h_ok, 0, 0},
    {"POST", "/echo", h_echo, 4u << 20, 0},
    {"PUT", "/echo", h_echo, 4u << 20, 0},
    {"GET", "/dup", h_dup, 0, 0},
    {"GET", "/weird", h_weird, 0, 0},
    {"GET", "/plain502", h_plain502, 0, 0},
    {"GET", "/badjson", h_badjson, 0, 0},
    {"GET", "/slow", h_slow, 0, 0},
    {"GET", "/port", h_port, 0, 0},
};

struct fixture {
    struct cpc_httpd *d;
    char base[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct cpc_httpd_opts o = {.listen = "127.0.0.1:0", .threads = 2};
    struct cpc_err err = {0};
    if (cpc_httpd_start(&f->d, k_routes, sizeof k_routes / sizeof k_routes[0], &o, &err) != 0)
        fail_msg("start: %s", err.msg);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", cpc_httpd_port(f->d));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    cpc_httpd_stop(f->d);
    free(f);
    return 0;
}

static void test_json_ok_and_echo(void **state)
{
    struct fixture *f = *state;
    char with_slash[80];
    snprintf(with_slash, sizeof with_slash, "%s/", f->base);
    struct cpc_http *h = cpc_http_new(with_slash, 0);
    assert_non_null(h);
    assert_string_equal(cpc_http_base_url(h), f->base); /* trailing slash dropped */

    json_t *out = NULL;
    long status = 0;
    struct cpc_err err = {0};
    assert_int_equal(cpc_http_json(h, "GET", "/ok", NULL, &out, &status, &err), 0);
    assert_int_equal(status, 200);
    assert_int_equal(json_integer_value(json_object_get(out, "n")), 1);
    json_decref(out);

    json_t *body = json_pack("{s:[i,i], s:s, s:I}", "a", 1, 2, "s", "x\"y",
                             "big", (json_int_t)9007199254740993LL);
    assert_int_equal(cpc_http_json(h, "POST", "/echo", body, &out, &status, &err), 0);
    assert_string_equal(json_string_value(json_object_get(out, "ct")), "application/json");
    assert_string_equal(json_string_value(json_object_get(out, "method")), "POST");
    assert_true(json_equal(json_object_get(out, "body"), body)); /* 64-bit exact */
    json_decref(out);
    assert_int_equal(cpc_http_json(h, "PUT", "echo", body, &out, NULL, &err), 0);
    assert_string_equal(json_string_value(json_object_get(out, "method")), "PUT");
    json_decref(out);
    json_decref(body);
    cpc_http_free(h);
    cpc_http_free(NULL);
}

static void test_error_mapping(void **state)
{
    struct fixture *f = *state;
    struct cpc_http *h = cpc_http_new(f->base, 5000);
    json_t *out = (json_t *)1;
    long status = 0;
    struct cpc_err err = {0};
    char want[160];

    assert_int_equal(cpc_http_json(h, "GET", "/dup", NULL, &out, &status, &err),
                     CPC_ERR_DUPLICATE);
    assert_null(out);
    assert_int_equal(status, 409);
    assert_string_equal(err.msg, "tx abc already known");

    assert_int_equal(cpc_http_json(h, "GET", "/missing", NULL, &out, &status, &err),
                     CPC_ERR_NOT_FOUND);
    assert_int_equal(status, 404);

    assert_int_equal(cpc_http_json(h, "GET", "/weird", NULL, &out, &status, &err),
                     CPC_ERR_INTERNAL);
    assert_string_equal(err.msg, "odd");

    assert_int_equal(cpc_http_json(h, "GET", "/plain502", NULL, &out, &status, &err),
                     CPC_ERR_IO);
    assert_int_equal(status, 502);
    snprintf(want, sizeof want, "HTTP 502 from %s/plain502", f->base);
    assert_string_equal(err.msg, want);

    assert_int_equal(cpc_http_json(h, "GET", "/badjson", NULL, &out, &status, &err),
                     CPC_ERR_IO);
    assert_non_null(strstr(err.msg, "invalid JSON from"));

    /* the raw call reports any status as success */
    struct cpc_http_resp r = {0};
    assert_int_equal(cpc_http_request(h, "GET", "/plain502", NULL, 0, NULL, &r, &err), 0);
    assert_int_equal(r.status, 502);
    assert_int_equal(r.len, 11);
    assert_string_equal(r.body, "bad gateway");
    cpc_http_resp_free(&r);
    assert_null(r.body);
    cpc_http_free(h);
}

static uint16_t unused_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s); /* nobody listens there now */
    return ntohs(a.sin_port);
}

static void test_connection_refused(void **state)
{
    char base[64], want[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", unused_port());
    struct cpc_http *h = cpc_http_new(base, 2000);
    json_t *out = NULL;
    long status = -1;
    struct cpc_err err = {0};
    assert_int_equal(cpc_http_json(h, "GET", "/status", NULL, &out, &status, &err),
                     CPC_ERR_CONNECTION);
    snprintf(want, sizeof want, "Connection refused: could not reach %s", base);
    assert_string_equal(err.msg, want);
    assert_int_equal(status, 0);
    assert_null(out);
    struct cpc_http_resp r;
    assert_int_equal(cpc_http_request(h, "POST", "/x", "{}", 2, "application/json", &r, &err),
                     CPC_ERR_CONNECTION);
    assert_null(r.body);
    cpc_http_free(h);
}

static void test_timeout(void **state)
{
    struct fixture *f = *state;
    struct cpc_http *h = cpc_http_new(f->base, 300);
    json_t *out = NULL;
    struct cpc_err err = {0};
    assert_int_equal(cpc_http_json(h, "GET", "/slow", NULL, &out, NULL, &err),
                     CPC_ERR_CONNECTION);
    assert_non_null(strstr(err.msg, "timed out"));
    assert_non_null(strstr(err.msg, f->base));
    cpc_http_free(h);
}

static void test_keepalive(void **state)
{
    struct fixture *f = *state;
    struct cpc_http *h = cpc_http_new(f->base, 5000);
    json_int_t first = -1;
    for (int i = 0; i < 20; i++) {
        json_t *out = NULL;
        struct cpc_err err = {0};
        assert_int_equal(cpc_http_json(h, "GET", "/port", NULL, &out, NULL, &err), 0);
        json_int_t p = json_integer_value(json_object_get(out, "port"));
        json_decref(out);
        if (i == 0)
            first = p;
        else if (p != first)
            fail_msg("request %d came from port %lld, first from %lld: connection not reused",
                     i, (long long)p, (long long)first);
        /* an error answer in between does not break the connection either */
        assert_int_equal(cpc_http_json(h, "GET", "/dup", NULL, &out, NULL, &err),
                         CPC_ERR_DUPLICATE);
    }
    cpc_http_free(h);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_ok_and_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_mapping, setup, teardown),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalive, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

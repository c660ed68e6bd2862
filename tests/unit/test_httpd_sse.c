/* test_httpd_sse.c — the SSE hub without sockets: event framing, order,
 * partial reads into small buffers, lagging subscribers skipping ahead,
 * newline injection, end of stream on stop. (Live streaming over HTTP,
 * suspend/resume and stopping with open streams: test_httpd_server.c.)
 * The reader is only called when something is pending or the stream is
 * stopping, so it never tries to suspend the fake (NULL) connection. */
#include <microhttpd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/httpd_internal.h"
#include "http/sse.h"

/* Read everything pending (stopping must be set so the end is reported
 * instead of a suspend). Returns a malloc'd string. */
static char *drain(struct cpc__sse_sub *s, size_t chunk)
{
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    char tmp[1024];
    assert_true(chunk <= sizeof tmp);
    for (;;) {
        ssize_t n = cpc__sse_read(s, len, tmp, chunk);
        if (n == MHD_CONTENT_READER_END_OF_STREAM)
            break;
        assert_true(n > 0);
        assert_true((size_t)n <= chunk);
        assert_true(len + (size_t)n < cap);
        memcpy(out + len, tmp, (size_t)n);
        len += (size_t)n;
    }
    out[len] = '\0';
    return out;
}

static void test_framing_and_order(void **state)
{
    struct cpc_sse_hub *hub = cpc_sse_hub_new(8);
    assert_non_null(hub);
    cpc_sse_publish(hub, "old", "{}"); /* before subscribing: not delivered */
    atomic_int stopping = 1;
    struct cpc__sse_sub *s = cpc__sse_sub_new(hub, NULL, &stopping);
    assert_non_null(s);
    assert_int_equal(cpc_sse_subscribers(hub), 1);
    cpc_sse_publish(hub, "block", "{\"height\":1}");
    cpc_sse_publish(hub, "tx", "{\"id\":\"ab\"}");
    cpc_sse_publish(hub, "evil\nevent: x", "line1\ndata: injected");
    char *out = drain(s, 7); /* tiny buffer: events split across reads */
    assert_string_equal(out, ": connected\n\n"
                             "event: block\ndata: {\"height\":1}\n\n"
                             "event: tx\ndata: {\"id\":\"ab\"}\n\n"
                             "event: evil\ndata: line1\n\n");
    free(out);
    cpc__sse_sub_free(s);
    assert_int_equal(cpc_sse_subscribers(hub), 0);
    cpc_sse_hub_free(hub);
    cpc_sse_hub_free(NULL);
}

static void test_lagging_subscriber(void **state)
{
    struct cpc_sse_hub *hub = cpc_sse_hub_new(4);
    atomic_int stopping = 1;
    struct cpc__sse_sub *s = cpc__sse_sub_new(hub, NULL, &stopping);
    char data[16];
    for (int i = 1; i <= 10; i++) {
        snprintf(data, sizeof data, "%d", i);
        cpc_sse_publish(hub, "n", data);
    }
    char *out = drain(s, 1024);
    assert_string_equal(out, ": connected\n\n"
                             ": lagged 6\n\n"
                             "event: n\ndata: 7\n\n"
                             "event: n\ndata: 8\n\n"
                             "event: n\ndata: 9\n\n"
                             "event: n\ndata: 10\n\n");
    free(out);
    /* caught up: more events continue from there */
    cpc_sse_publish(hub, "n", "11");
    out = drain(s, 1024);
    assert_string_equal(out, "event: n\ndata: 11\n\n");
    free(out);
    cpc__sse_sub_free(s);
    cpc_sse_hub_free(hub);
}

static void test_two_subscribers_independent(void **state)
{
    struct cpc_sse_hub *hub = cpc_sse_hub_new(16);
    atomic_int stopping = 1;
    struct cpc__sse_sub *a = cpc__sse_sub_new(hub, NULL, &stopping);
    cpc_sse_publish(hub, "e", "1");
    struct cpc__sse_sub *b = cpc__sse_sub_new(hub, NULL, &stopping);
    cpc_sse_publish(hub, "e", "2");
    assert_int_equal(cpc_sse_subscribers(hub), 2);
    char *oa = drain(a, 5), *ob = drain(b, 1024);
    assert_string_equal(oa, ": connected\n\nevent: e\ndata: 1\n\nevent: e\ndata: 2\n\n");
    assert_string_equal(ob, ": connected\n\nevent: e\ndata: 2\n\n");
    free(oa);
    free(ob);
    cpc__sse_sub_free(a);
    assert_int_equal(cpc_sse_subscribers(hub), 1);
    cpc__sse_sub_free(b);
    cpc_sse_hub_free(hub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing_and_order),
        cmocka_unit_test(test_lagging_subscriber),
        cmocka_unit_test(test_two_subscribers_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

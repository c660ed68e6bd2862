/* test_httpd_metrics.c — Prometheus rendering, histogram buckets, counters
 * by status code and the 10 s committed-tx rate window. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/metrics.h"

static void assert_has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("metrics text lacks \"%s\":\n%s", needle, text);
}

static void test_render_empty(void **state)
{
    struct cpc_metrics *m = cpc_metrics_new();
    assert_non_null(m);
    char *t = cpc_metrics_render(m, 0);
    assert_non_null(t);
    assert_has(t, "# HELP cpc_http_requests_total ");
    assert_has(t, "# TYPE cpc_http_requests_total counter\n");
    assert_has(t, "# TYPE cpc_http_request_duration_seconds histogram\n");
    assert_has(t, "cpc_http_request_duration_seconds_bucket{le=\"+Inf\"} 0\n");
    assert_has(t, "cpc_http_request_duration_seconds_count 0\n");
    assert_has(t, "cpc_height 0\n");
    assert_has(t, "# TYPE cpc_height gauge\n");
    assert_has(t, "# TYPE cpc_txs_committed_total counter\n");
    assert_has(t, "cpc_tx_per_second 0.000\n");
    assert_has(t, "cpc_sse_subscribers 0\n");
    /* every line ends with \n, and the text ends with one */
    assert_int_equal(t[strlen(t) - 1], '\n');
    free(t);
    cpc_metrics_free(m);
    cpc_metrics_free(NULL);
}

static void test_http_histogram(void **state)
{
    struct cpc_metrics *m = cpc_metrics_new();
    cpc_metrics_http(m, 200, 0.0001);  /* le 0.0005 */
    cpc_metrics_http(m, 200, 0.0005);  /* le 0.0005 (bucket bound is inclusive) */
    cpc_metrics_http(m, 404, 0.003);   /* le 0.005 */
    cpc_metrics_http(m, 500, 0.2);     /* le 0.25 */
    cpc_metrics_http(m, 200, 10.0);    /* only +Inf */
    cpc_metrics_http(m, 200, -1.0);    /* clamped to 0 */
    char *t = cpc_metrics_render(m, 0);
    assert_non_null(t);
    assert_has(t, "cpc_http_requests_total{code=\"200\"} 4\n");
    assert_has(t, "cpc_http_requests_total{code=\"404\"} 1\n");
    assert_has(t, "cpc_http_requests_total{code=\"500\"} 1\n");
    assert_has(t, "cpc_http_errors_total 2\n");
    assert_has(t, "cpc_http_request_duration_seconds_bucket{le=\"0.0005\"} 3\n");
    assert_has(t, "cpc_http_request_duration_seconds_bucket{le=\"0.001\"} 3\n");
    assert_has(t, "cpc_http_request_duration_seconds_bucket{le=\"0.0025\"} 3\n");
    assert_has(t, "cpc_http_request_duration_seconds_bucket{le=\"0.005\"} 4\n");
    assert_has(t, "cpc_http_request_duration_seconds_bucket{le=\"0.25\"} 5\n");
    assert_has(t, "cpc_http_request_duration_seconds_bucket{le=\"2.5\"} 5\n");
    assert_has(t, "cpc_http_request_duration_seconds_bucket{le=\"+Inf\"} 6\n");
    assert_has(t, "cpc_http_request_duration_seconds_count 6\n");
    const char *sum = strstr(t, "cpc_http_request_duration_seconds_sum ");
    assert_non_null(sum);
    double s = strtod(sum + strlen("cpc_http_request_duration_seconds_sum "), NULL);
    assert_true(fabs(s - 10.2036) < 1e-6);
    /* all 12 finite bounds + Inf, in order */
    const char *order[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                           "0.1",    "0.25",  "0.5",    "1",     "2.5",  "+Inf"};
    const char *prev = t;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        char needle[96];
        snprintf(needle, sizeof needle, "_bucket{le=\"%s\"}", order[i]);
        const char *at = strstr(prev, needle);
        assert_non_null(at);
        prev = at;
    }
    free(t);
    cpc_metrics_free(m);
}

static void test_chain_and_rate(void **state)
{
    struct cpc_metrics *m = cpc_metrics_new();
    /* 3 blocks in the window: 10 + 20 + 30 txs = 60 txs over 10 s = 6 tx/s */
    cpc_metrics_block(m, 1, 10, 100000);
    cpc_metrics_block(m, 2, 20, 105000);
    cpc_metrics_block(m, 3, 30, 109900);
    assert_true(fabs(cpc_metrics_tx_rate(m, 109999) - 6.0) < 1e-9);
    /* at 110 s the first block (100.0 s) has left the 10 s window */
    assert_true(fabs(cpc_metrics_tx_rate(m, 110000) - 5.0) < 1e-9);
    /* 20 s later, nothing */
    assert_true(fabs(cpc_metrics_tx_rate(m, 130000)) < 1e-9);
    /* a block far in the future does not count for an earlier "now" */
    cpc_metrics_block(m, 4, 7, 200000);
    assert_true(fabs(cpc_metrics_tx_rate(m, 199000)) < 1e-9);
    assert_true(fabs(cpc_metrics_tx_rate(m, 200000) - 0.7) < 1e-9);
    cpc_metrics_set_mempool(m, 12);
    cpc_metrics_set_sse(m, 3);
    char *t = cpc_metrics_render(m, 200050);
    assert_has(t, "cpc_height 4\n");
    assert_has(t, "cpc_blocks_total 4\n");
    assert_has(t, "cpc_txs_committed_total 67\n");
    assert_has(t, "cpc_mempool_size 12\n");
    assert_has(t, "cpc_sse_subscribers 3\n");
    assert_has(t, "cpc_tx_per_second 0.700\n");
    free(t);
    cpc_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_empty),
        cmocka_unit_test(test_http_histogram),
        cmocka_unit_test(test_chain_and_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

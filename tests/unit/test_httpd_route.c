/* test_httpd_route.c — cpc_route_match edge cases, path validation and
 * segment URL decoding (the pure parts of the HTTP server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/httpd.h"
#include "http/httpd_internal.h"

static int match(const char *pat, const char *path, const char **params, size_t *n)
{
    static char buf[CPC__HTTP_MAX_PATH + 1];
    return cpc_route_match(pat, path, buf, sizeof buf, params, n);
}

static void test_literal(void **state)
{
    const char *p[CPC_HTTP_MAX_PARAMS];
    size_t n = 99;
    assert_int_equal(match("/status", "/status", p, &n), 1);
    assert_int_equal(n, 0);
    assert_int_equal(match("/", "/", p, &n), 1);
    assert_int_equal(match("/status", "/statu", p, &n), 0);
    assert_int_equal(match("/status", "/statuss", p, &n), 0);
    assert_int_equal(match("/status", "/status/", p, &n), 0);
    assert_int_equal(match("/status/", "/status", p, &n), 0);
    assert_int_equal(match("/status", "/Status", p, &n), 0);
    assert_int_equal(match("/a/b", "/a", p, &n), 0);
    assert_int_equal(match("/a", "/a/b", p, &n), 0);
    assert_int_equal(match("/status", "", p, &n), 0);
    assert_int_equal(match("/status", "status", p, &n), 0);
    assert_int_equal(match("", "/", p, &n), 0);
}

static void test_params(void **state)
{
    const char *p[CPC_HTTP_MAX_PARAMS];
    size_t n = 0;
    assert_int_equal(match("/block/{height}", "/block/42", p, &n), 1);
    assert_int_equal(n, 1);
    assert_string_equal(p[0], "42");

    assert_int_equal(match("/a/{x}/b/{y}", "/a/one/b/two", p, &n), 1);
    assert_int_equal(n, 2);
    assert_string_equal(p[0], "one");
    assert_string_equal(p[1], "two");

    /* captures are raw here (decoding happens in the server) */
    assert_int_equal(match("/tx/{id}", "/tx/a%2Fb", p, &n), 1);
    assert_string_equal(p[0], "a%2Fb");

    /* an empty segment does not satisfy a capture */
    assert_int_equal(match("/block/{height}", "/block/", p, &n), 0);
    assert_int_equal(match("/block/{height}", "/block", p, &n), 0);
    assert_int_equal(match("/a/{x}/b", "/a//b", p, &n), 0);
    /* literal part after a capture must still match */
    assert_int_equal(match("/a/{x}/b", "/a/1/c", p, &n), 0);
    assert_int_equal(n, 0);
}

static void test_too_many_params_and_small_buf(void **state)
{
    const char *p[CPC_HTTP_MAX_PARAMS];
    size_t n = 0;
    assert_int_equal(match("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", "/1/2/3/4/5/6/7/8", p, &n), 1);
    assert_int_equal(n, 8);
    assert_string_equal(p[7], "8");
    assert_int_equal(match("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", "/1/2/3/4/5/6/7/8/9", p, &n),
                     0);

    char small[4];
    assert_int_equal(cpc_route_match("/abcd", "/abcd", small, sizeof small, p, &n), 0);
    char ok[6];
    assert_int_equal(cpc_route_match("/abcd", "/abcd", ok, sizeof ok, p, &n), 1);
    /* NULL params / n_params allowed */
    assert_int_equal(cpc_route_match("/x/{y}", "/x/1", ok, sizeof ok, NULL, NULL), 1);
    assert_int_equal(cpc_route_match(NULL, "/x", ok, sizeof ok, NULL, NULL), 0);
    assert_int_equal(cpc_route_match("/x", NULL, ok, sizeof ok, NULL, NULL), 0);
}

static void test_url_decode(void **state)
{
    char s1[] = "a%20b%2Fc";
    assert_int_equal(cpc__url_decode(s1), 5);
    assert_string_equal(s1, "a b/c");
    char s2[] = "plus+stays";
    assert_int_equal(cpc__url_decode(s2), 10);
    assert_string_equal(s2, "plus+stays");
    char s3[] = "%e2%82%AC";
    assert_int_equal(cpc__url_decode(s3), 3);
    assert_string_equal(s3, "\xe2\x82\xac");
    char bad1[] = "%zz";
    assert_int_equal(cpc__url_decode(bad1), -1);
    char bad2[] = "abc%2";
    assert_int_equal(cpc__url_decode(bad2), -1);
    char bad3[] = "a%00b";
    assert_int_equal(cpc__url_decode(bad3), -1);
    char bad4[] = "%";
    assert_int_equal(cpc__url_decode(bad4), -1);
}

static void test_path_check(void **state)
{
    assert_int_equal(cpc__http_path_check("/", 1), 0);
    assert_int_equal(cpc__http_path_check("/status", 7), 0);
    assert_int_equal(cpc__http_path_check("/tx/a%2Fb", 9), 0);
    assert_int_equal(cpc__http_path_check("/a..b/c", 7), 0);
    assert_int_equal(cpc__http_path_check("", 0), -1);
    assert_int_equal(cpc__http_path_check("status", 6), -1);
    assert_int_equal(cpc__http_path_check("/../etc/passwd", 14), -1);
    assert_int_equal(cpc__http_path_check("/a/..", 5), -1);
    assert_int_equal(cpc__http_path_check("/a/./b", 6), -1);
    assert_int_equal(cpc__http_path_check("/a/%2e%2e/b", 11), -1);
    assert_int_equal(cpc__http_path_check("/a/..%2Fb", 9), -1);
    assert_int_equal(cpc__http_path_check("/a/%00", 6), -1);
    assert_int_equal(cpc__http_path_check("/a/%g0", 6), -1);
    assert_int_equal(cpc__http_path_check("/a\0b", 4), -1);

    static char longp[CPC__HTTP_MAX_PATH + 2];
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    longp[CPC__HTTP_MAX_PATH] = '\0';
    assert_int_equal(cpc__http_path_check(longp, CPC__HTTP_MAX_PATH), 0);
    longp[CPC__HTTP_MAX_PATH] = 'a';
    assert_int_equal(cpc__http_path_check(longp, CPC__HTTP_MAX_PATH + 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_too_many_params_and_small_buf),
        cmocka_unit_test(test_url_decode),
        cmocka_unit_test(test_path_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_common_log.c — level parsing, filtering and the line format written to stderr. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "tmpdir_fixture.h"

static void test_parse_level(void **state)
{
    (void)state;
    enum cpc_log_level l = CPC_LOG_INFO;
    assert_int_equal(cpc_log_parse_level("error", &l), 0);
    assert_int_equal(l, CPC_LOG_ERROR);
    assert_int_equal(cpc_log_parse_level("warn", &l), 0);
    assert_int_equal(l, CPC_LOG_WARN);
    assert_int_equal(cpc_log_parse_level("INFO", &l), 0);
    assert_int_equal(l, CPC_LOG_INFO);
    assert_int_equal(cpc_log_parse_level("debug", &l), 0);
    assert_int_equal(l, CPC_LOG_DEBUG);
    l = CPC_LOG_DEBUG;
    assert_int_equal(cpc_log_parse_level("verbose", &l), -1);
    assert_int_equal(cpc_log_parse_level("", &l), -1);
    assert_int_equal(cpc_log_parse_level("info ", &l), -1);
    assert_int_equal(cpc_log_parse_level(NULL, &l), -1);
    assert_int_equal(l, CPC_LOG_DEBUG); /* untouched on failure */
}

/* What fn logs to stderr (caller frees). */
static char *capture(void (*fn)(const void *))
{
    char *out = capture_stderr(fn, NULL);
    assert_non_null(out);
    return out;
}

static void emit_levels(const void *unused)
{
    cpc_log_set_level(CPC_LOG_WARN);
    CPC_LOGE("disk %s", "full");
    CPC_LOGW("slow block %d ms", 1500);
    CPC_LOGI("hidden info");
    CPC_LOGD("hidden debug");
    cpc_log_set_level(CPC_LOG_DEBUG);
    CPC_LOGD("injected\nline\x1b[31m");
    CPC_LOGI("trailing newline\n");
    cpc_log_set_level(CPC_LOG_INFO);
}

static void test_format_and_filter(void **state)
{
    (void)state;
    char *out = capture(emit_levels);
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
                             "(ERROR|WARN |INFO |DEBUG) ",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    const char *expect[] = {"ERROR disk full", "WARN  slow block 1500 ms",
                            "DEBUG injected?line?[31m", "INFO  trailing newline"};
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        assert_true(n < 4);
        if (regexec(&re, line, 0, NULL, 0) != 0)
            fail_msg("bad log line '%s'", line);
        assert_string_equal(line + 25, expect[n]);
        n++;
    }
    assert_int_equal(n, 4);
    regfree(&re);
    free(out);
}

static void emit_long(const void *unused)
{
    char big[10000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CPC_LOGI("%s", big);
}

static void test_long_line_truncated(void **state)
{
    (void)state;
    char *out = capture(emit_long);
    size_t len = strlen(out);
    assert_true(len <= 4096);
    assert_true(len > 4000);
    assert_int_equal(out[len - 1], '\n');
    assert_memory_equal(out + len - 4, "...", 3);
    assert_null(memchr(out, '\n', len - 1)); /* still a single line */
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_level),
        cmocka_unit_test(test_format_and_filter),
        cmocka_unit_test(test_long_line_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_common_config.c — INI parsing: sections, comments, whitespace, errors with line numbers, u64;
 * the file is created owner-only and a warning is logged when others may read it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/home.h"
#include "common/log.h"
#include "core/err.h"
#include "tmpdir_fixture.h"

struct fixture {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/cpc-test-config-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/config", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Write text to the fixture's config file and load it. */
static int load_text(struct fixture *f, const char *text, struct cpc_config **c, struct cpc_err *err)
{
    struct cpc_err werr;
    assert_int_equal(cpc_write_file_atomic(f->path, text, strlen(text), 0600, &werr), 0);
    return cpc_config_load(c, f->path, err);
}

static void test_missing_file_is_empty(void **state)
{
    struct fixture *f = *state;
    struct cpc_config *c = NULL;
    struct cpc_err err = {0};
    char p[160];
    snprintf(p, sizeof p, "%s/nope", f->dir);
    assert_int_equal(cpc_config_load(&c, p, &err), 0);
    assert_non_null(c);
    assert_null(cpc_config_get(c, "node", "listen"));
    uint64_t v = 0;
    assert_int_equal(cpc_config_get_u64(c, "node", "block_time_ms", 1000, &v, &err), 0);
    assert_int_equal(v, 1000);
    cpc_config_free(c);
    cpc_config_free(NULL);
    /* NULL config behaves as empty */
    assert_null(cpc_config_get(NULL, "node", "listen"));
    assert_int_equal(cpc_config_get_u64(NULL, "node", "x", 7, &v, &err), 0);
    assert_int_equal(v, 7);
}

static void test_sections_comments_whitespace(void **state)
{
    struct fixture *f = *state;
    struct cpc_config *c = NULL;
    struct cpc_err err = {0};
    const char *text =
        "# top comment\n"
        "log_level = debug\n"
        "\n"
        "   ; another comment style\n"
        "[node]\r\n"
        "listen = 127.0.0.1:8000\r\n"
        "\tblock_time_ms\t=   250   \n"
        "empty =\n"
        "url = http://x/#frag\n"
        "  [ worker ]  \n"
        "listen=0.0.0.0:9000\n"
        "threads = 4"; /* no final newline */
    assert_int_equal(load_text(f, text, &c, &err), 0);
    assert_string_equal(cpc_config_get(c, "", "log_level"), "debug");
    assert_string_equal(cpc_config_get(c, NULL, "log_level"), "debug");
    assert_string_equal(cpc_config_get(c, "node", "listen"), "127.0.0.1:8000");
    assert_string_equal(cpc_config_get(c, "node", "block_time_ms"), "250");
    assert_string_equal(cpc_config_get(c, "node", "empty"), "");
    assert_string_equal(cpc_config_get(c, "node", "url"), "http://x/#frag");
    assert_string_equal(cpc_config_get(c, "worker", "listen"), "0.0.0.0:9000");
    assert_string_equal(cpc_config_get(c, "worker", "threads"), "4");
    assert_null(cpc_config_get(c, "worker", "block_time_ms"));
    assert_null(cpc_config_get(c, "", "listen"));
    assert_null(cpc_config_get(c, "node", "log_level"));

    uint64_t v = 0;
    assert_int_equal(cpc_config_get_u64(c, "node", "block_time_ms", 1000, &v, &err), 0);
    assert_int_equal(v, 250);
    assert_int_equal(cpc_config_get_u64(c, "worker", "threads", 1, &v, &err), 0);
    assert_int_equal(v, 4);
    cpc_config_free(c);
}

static void expect_error(struct fixture *f, const char *text, const char *needle)
{
    struct cpc_config *c = (struct cpc_config *)0x1;
    struct cpc_err err = {0};
    assert_int_equal(load_text(f, text, &c, &err), CPC_ERR_INVALID);
    assert_null(c);
    assert_int_equal(err.code, CPC_ERR_INVALID);
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void test_bad_lines(void **state)
{
    struct fixture *f = *state;
    expect_error(f, "[node]\nlisten = x\njust words\n", "config:3: expected 'key = value'");
    expect_error(f, "# c\n\n[node\n", "config:3: section header");
    expect_error(f, "[]\n", "config:1: invalid section name");
    expect_error(f, "[bad name]\n", "config:1: invalid section name");
    expect_error(f, "a=1\n = 2\n", "config:2: invalid key name");
    expect_error(f, "we ird = 2\n", "config:1: invalid key name");
    expect_error(f, "[n]\na = 1\n[m]\na = 2\n[n]\na = 3\n", "config:6: duplicate key 'a' in section [n]");
    /* CRLF lines still count properly */
    expect_error(f, "a=1\r\nb=2\r\nbroken\r\n", "config:3:");
}

static void test_u64(void **state)
{
    struct fixture *f = *state;
    struct cpc_config *c = NULL;
    struct cpc_err err = {0};
    const char *text = "[n]\n"
                       "zero = 0\n"
                       "max = 18446744073709551615\n"
                       "over = 18446744073709551616\n"
                       "neg = -1\n"
                       "plus = +5\n"
                       "hex = 0x10\n"
                       "mixed = 12abc\n"
                       "inner = 1 2\n"
                       "empty =\n";
    assert_int_equal(load_text(f, text, &c, &err), 0);
    uint64_t v = 99;
    assert_int_equal(cpc_config_get_u64(c, "n", "zero", 5, &v, &err), 0);
    assert_int_equal(v, 0);
    assert_int_equal(cpc_config_get_u64(c, "n", "max", 5, &v, &err), 0);
    assert_true(v == UINT64_MAX);
    static const char *bad[] = {"over", "neg", "plus", "hex", "mixed", "inner", "empty"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 42;
        cpc_err_clear(&err);
        assert_int_equal(cpc_config_get_u64(c, "n", bad[i], 5, &v, &err), CPC_ERR_INVALID);
        assert_int_equal(v, 42); /* untouched on error */
        assert_non_null(strstr(err.msg, bad[i]));
        assert_non_null(strstr(err.msg, "[n]"));
    }
    cpc_err_clear(&err);
    assert_int_equal(cpc_config_get_u64(c, "n", "over", 5, &v, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "too large"));
    cpc_config_free(c);
}

static void test_nul_byte_rejected(void **state)
{
    struct fixture *f = *state;
    struct cpc_err err = {0};
    struct cpc_config *c = NULL;
    const char text[] = {'a', '=', '1', '\n', 'b', '=', 0, '\n'};
    assert_int_equal(cpc_write_file_atomic(f->path, text, sizeof text, 0600, &err), 0);
    assert_int_equal(cpc_config_load(&c, f->path, &err), CPC_ERR_INVALID);
    assert_null(c);
    assert_non_null(strstr(err.msg, "NUL"));
}

/* cpc_config_create makes the file 0600 whatever the umask, and leaves an existing one. */
static void test_create_owner_only(void **state)
{
    struct fixture *f = *state;
    struct cpc_err err = {0};
    struct stat st;
    int created = 0;
    mode_t old = umask(0);
    assert_int_equal(cpc_config_create(f->path, "[node]\n", 7, &created, &err), 0);
    umask(old);
    assert_int_equal(created, 1);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, CPC_CONFIG_MODE);
    assert_int_equal(CPC_CONFIG_MODE, 0600);
    assert_int_equal(cpc_config_create(f->path, "[other]\n", 8, &created, &err), 0);
    assert_int_equal(created, 0);
    struct cpc_config *c = NULL;
    assert_int_equal(cpc_config_load(&c, f->path, &err), 0);
    cpc_config_free(c);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(cpc_read_file(f->path, 64, &text, &len, &err), 0);
    assert_string_equal(text, "[node]\n");
    free(text);
}

struct warn_call {
    const char *path;
    int *rc;
    unsigned *mode;
};

static void warn_at_info(const void *arg)
{
    const struct warn_call *w = arg;
    cpc_log_set_level(CPC_LOG_INFO);
    *w->rc = cpc_config_warn_exposed(w->path, w->mode);
}

/* The warning of cpc_config_warn_exposed as it reaches stderr (caller frees); *rc its result. */
static char *warn_output(const char *path, int *rc, unsigned *mode)
{
    struct warn_call w = {path, rc, mode};
    char *out = capture_stderr(warn_at_info, &w);
    assert_non_null(out);
    return out;
}

/* Others or the group may read it: one WARN line naming the file, its mode and the fix;
 * owner-only or missing: nothing. */
static void test_warn_when_others_may_read(void **state)
{
    struct fixture *f = *state;
    struct cpc_err err = {0};
    int rc = 0;
    unsigned mode = 0;
    char *out = warn_output(f->path, &rc, &mode); /* missing */
    assert_int_equal(rc, 0);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(cpc_write_file_atomic(f->path, "[smtp]\npassword = s3cret\n", 26, 0644, &err),
                     0);
    out = warn_output(f->path, &rc, &mode);
    assert_int_equal(rc, 1);
    assert_int_equal(mode, 0644);
    assert_non_null(strstr(out, " WARN "));
    assert_non_null(strstr(out, f->path));
    assert_non_null(strstr(out, "0644"));
    assert_non_null(strstr(out, "every user may read"));
    assert_non_null(strstr(out, "chmod 600"));
    assert_null(strstr(out, "s3cret"));
    assert_null(strchr(strchr(out, '\n') + 1, '\n')); /* one line */
    free(out);
    assert_int_equal(chmod(f->path, 0640), 0);
    out = warn_output(f->path, &rc, &mode);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "its group may read"));
    free(out);
    assert_int_equal(chmod(f->path, 0600), 0);
    out = warn_output(f->path, &rc, &mode);
    assert_int_equal(rc, 0);
    assert_int_equal(mode, 0600);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(chmod(f->path, 0400), 0);
    out = warn_output(f->path, &rc, &mode);
    assert_int_equal(rc, 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_file_is_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sections_comments_whitespace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_u64, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_byte_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_owner_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warn_when_others_may_read, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

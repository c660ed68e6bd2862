/* test_common_home.c — home resolution, path joining, mkdir -p, atomic writes, bounded reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/home.h"
#include "core/err.h"
#include "tmpdir_fixture.h"


static int setup_tmp(void **state)
{
    *state = tmpdir_new("/tmp/cpc-test-home-XXXXXX");
    return *state ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    tmpdir_free(*state);
    return 0;
}

static unsigned mode_of(const char *p)
{
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

static void test_resolve(void **state)
{
    (void)state;
    char out[CPC_PATH_MAX];
    char *old_cpc = getenv("CPC_HOME") ? strdup(getenv("CPC_HOME")) : NULL;
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

    assert_int_equal(cpc_home_resolve(out, sizeof out, "/srv/cpc"), 0);
    assert_string_equal(out, "/srv/cpc");
    assert_int_equal(cpc_home_resolve(out, sizeof out, "/srv/cpc///"), 0);
    assert_string_equal(out, "/srv/cpc");

    setenv("CPC_HOME", "/env/home", 1);
    assert_int_equal(cpc_home_resolve(out, sizeof out, NULL), 0);
    assert_string_equal(out, "/env/home");
    assert_int_equal(cpc_home_resolve(out, sizeof out, ""), 0); /* empty flag = absent */
    assert_string_equal(out, "/env/home");
    /* the flag wins over the environment */
    assert_int_equal(cpc_home_resolve(out, sizeof out, "/flag"), 0);
    assert_string_equal(out, "/flag");

    unsetenv("CPC_HOME");
    setenv("HOME", "/home/alice", 1);
    assert_int_equal(cpc_home_resolve(out, sizeof out, NULL), 0);
    assert_string_equal(out, "/home/alice/.cpc");
    setenv("HOME", "/home/bob/", 1);
    assert_int_equal(cpc_home_resolve(out, sizeof out, NULL), 0);
    assert_string_equal(out, "/home/bob/.cpc");

    /* too small a buffer is an error, not a truncated path */
    char tiny[8];
    assert_int_equal(cpc_home_resolve(tiny, sizeof tiny, "/a/very/long/path"), CPC_ERR_INVALID);
    assert_string_equal(tiny, "");

    if (old_cpc)
        setenv("CPC_HOME", old_cpc, 1);
    if (old_home)
        setenv("HOME", old_home, 1);
    else
        unsetenv("HOME");
    free(old_cpc);
    free(old_home);
}

static void test_path(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(cpc_home_path(out, sizeof out, "/h", "config"), 0);
    assert_string_equal(out, "/h/config");
    assert_int_equal(cpc_home_path(out, sizeof out, "/h/", "/data/x.db"), 0);
    assert_string_equal(out, "/h/data/x.db");
    assert_int_equal(cpc_home_path(out, 10, "/h", "config"), 0); /* exactly 9 chars + NUL */
    assert_int_equal(cpc_home_path(out, 9, "/h", "config"), CPC_ERR_TOO_LARGE);
    assert_int_equal(cpc_home_path(out, sizeof out, "/home/someone/.cpc", "keyring/faucet.json"),
                     CPC_ERR_TOO_LARGE);
}

static void test_mkdir_p_and_ensure(void **state)
{
    const char *tmp = *state;
    char p[CPC_PATH_MAX], q[CPC_PATH_MAX];
    struct cpc_err err = {0};

    snprintf(p, sizeof p, "%s/a/b//c/", tmp);
    assert_int_equal(cpc_mkdir_p(p, 0700, &err), 0);
    snprintf(q, sizeof q, "%s/a/b/c", tmp);
    assert_int_equal(mode_of(q) & 0700, 0700);
    assert_int_equal(mode_of(q) & 077, 0); /* last component gets the mode */
    snprintf(q, sizeof q, "%s/a", tmp);
    assert_int_equal(mode_of(q) & 0700, 0700);
    /* again: existing directories are fine */
    assert_int_equal(cpc_mkdir_p(p, 0700, &err), 0);

    /* a file in the way is an I/O error with the path in the message */
    snprintf(q, sizeof q, "%s/file", tmp);
    assert_int_equal(cpc_write_file_atomic(q, "x", 1, 0600, &err), 0);
    snprintf(p, sizeof p, "%s/file/sub", tmp);
    assert_int_equal(cpc_mkdir_p(p, 0755, &err), CPC_ERR_IO);
    assert_int_equal(err.code, CPC_ERR_IO);
    assert_non_null(strstr(err.msg, "file"));
    assert_int_equal(cpc_mkdir_p("", 0755, &err), CPC_ERR_IO);

    /* ensure creates the layout; keyring is private */
    snprintf(p, sizeof p, "%s/home1", tmp);
    assert_int_equal(cpc_home_ensure(p, &err), 0);
    snprintf(q, sizeof q, "%s/home1/keyring", tmp);
    assert_int_equal(mode_of(q), 0700);
    snprintf(q, sizeof q, "%s/home1/data", tmp);
    assert_int_equal(mode_of(q) & 077, 0);
    snprintf(q, sizeof q, "%s/home1/outbox", tmp);
    struct stat st;
    assert_int_equal(stat(q, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    /* a loosened keyring is tightened again */
    snprintf(q, sizeof q, "%s/home1/keyring", tmp);
    assert_int_equal(chmod(q, 0755), 0);
    assert_int_equal(cpc_home_ensure(p, &err), 0);
    assert_int_equal(mode_of(q), 0700);
}

static void test_atomic_write_and_read(void **state)
{
    const char *tmp = *state;
    char p[CPC_PATH_MAX];
    struct cpc_err err = {0};
    char *buf = NULL;
    size_t len = 0;

    snprintf(p, sizeof p, "%s/genesis.json", tmp);
    assert_int_equal(cpc_read_file(p, 100, &buf, &len, &err), CPC_ERR_NOT_FOUND);
    assert_null(buf);
    assert_non_null(strstr(err.msg, "genesis.json"));

    assert_int_equal(cpc_write_file_atomic(p, "hello", 5, 0600, &err), 0);
    assert_int_equal(mode_of(p), 0600);
    assert_int_equal(cpc_read_file(p, 100, &buf, &len, &err), 0);
    assert_int_equal(len, 5);
    assert_string_equal(buf, "hello");
    free(buf);
    buf = NULL;

    /* replace: new content and mode, no temp file left behind */
    assert_int_equal(cpc_write_file_atomic(p, "second version", 14, 0644, &err), 0);
    assert_int_equal(mode_of(p), 0644);
    assert_int_equal(cpc_read_file(p, 14, &buf, &len, &err), 0); /* exactly max is fine */
    assert_int_equal(len, 14);
    assert_memory_equal(buf, "second version", 14);
    assert_int_equal(buf[14], '\0');
    free(buf);
    buf = NULL;
    DIR *d = opendir(tmp);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        assert_null(strstr(e->d_name, ".tmp."));
        n++;
    }
    closedir(d);
    assert_int_equal(n, 1);

    /* over the limit */
    assert_int_equal(cpc_read_file(p, 13, &buf, &len, &err), CPC_ERR_TOO_LARGE);
    assert_null(buf);
    assert_int_equal(err.code, CPC_ERR_TOO_LARGE);

    /* empty file, binary content with NULs */
    assert_int_equal(cpc_write_file_atomic(p, "", 0, 0600, &err), 0);
    assert_int_equal(cpc_read_file(p, 10, &buf, &len, &err), 0);
    assert_int_equal(len, 0);
    assert_string_equal(buf, "");
    free(buf);
    buf = NULL;
    const char bin[4] = {'a', 0, 'b', 0};
    assert_int_equal(cpc_write_file_atomic(p, bin, 4, 0600, &err), 0);
    assert_int_equal(cpc_read_file(p, 4, &buf, &len, &err), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(buf, bin, 4);
    free(buf);
    buf = NULL;

    /* a directory is not a file; a missing directory is an I/O error */
    assert_int_equal(cpc_read_file(tmp, 100, &buf, &len, &err), CPC_ERR_IO);
    snprintf(p, sizeof p, "%s/missing/dir/f", tmp);
    assert_int_equal(cpc_write_file_atomic(p, "x", 1, 0600, &err), CPC_ERR_IO);
    assert_non_null(strstr(err.msg, "missing"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_path),
        cmocka_unit_test_setup_teardown(test_mkdir_p_and_ensure, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_atomic_write_and_read, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

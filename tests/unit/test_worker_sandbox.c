/* test_worker_sandbox.c — the exec executor (exec_sandbox.c) in both modes:
 * the rlimit fallback (CPC_WK_SANDBOX_NONE) and bubblewrap (CPC_WK_SANDBOX_BWRAP,
 * skipped with a note when bwrap is not usable here). Apps are #!/bin/sh
 * scripts written to a temp dir. Every test checks afterwards that no work
 * dir is left behind and no child is left unreaped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tmpdir_fixture.h"
#include "worker/executor.h"

static char g_root[128];  /* temp dir of this test process */
static char g_runs[160];  /* workdir_parent given to cpc_wk_exec_run */
static bool g_bwrap_mode; /* the group being run */
static unsigned g_seq;


static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes a file under g_root; returns its path in a static slot (8 kept). */
static const char *write_file(const char *content, size_t len, mode_t mode)
{
    static char slots[8][256];
    char *p = slots[g_seq % 8];
    snprintf(p, sizeof slots[0], "%s/f%u", g_root, g_seq++);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(p, mode), 0);
    return p;
}

static const char *app(const char *script)
{
    return write_file(script, strlen(script), 0755);
}

static const char *input(const char *text)
{
    return write_file(text, strlen(text), 0644);
}

static unsigned count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* After every test: no work dir left, no child left unreaped. */
static int check_clean(void **state)
{
    (void)state;
    assert_int_equal(count_entries(g_runs), 0);
    errno = 0;
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    return 0;
}

static int run(const char *app_path, const char *const *inputs, unsigned n, unsigned timeout_s,
               unsigned memory_mb, size_t max_output, const struct cpc_wk_ctl *ctl,
               uint8_t **out, size_t *out_len, struct cpc_wk_exec_report *rep,
               struct cpc_err *err)
{
    struct cpc_wk_exec_limits lim = {.timeout_s = timeout_s, .memory_mb = memory_mb,
                                     .max_output = max_output,
                                     .sandbox = g_bwrap_mode ? CPC_WK_SANDBOX_BWRAP
                                                             : CPC_WK_SANDBOX_NONE};
    return cpc_wk_exec_run(g_runs, app_path, inputs, n, &lim, ctl, out, out_len, rep, err);
}

static void expect_output(uint8_t *out, size_t len, const char *want)
{
    assert_non_null(out);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);
}

/* ---- both modes ---- */

static void test_cat(void **state)
{
    (void)state;
    const char *in[2];
    in[0] = input("hello ");
    in[1] = input("world\n");
    const char *a = app("#!/bin/sh\ncat in/0 in/1\n");
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    int rc = run(a, in, 2, 10, 256, 1 << 20, NULL, &out, &len, &rep, &err);
    assert_int_equal(rc, 0);
    expect_output(out, len, "hello world\n");
    assert_int_equal(rep.exit_code, 0);
    assert_int_equal(rep.term_signal, 0);
    assert_false(rep.timed_out);
    assert_false(rep.output_too_large);
    assert_int_equal(rep.sandboxed, g_bwrap_mode);
    assert_true(rep.wall_s >= 0 && rep.wall_s < 10);
    free(out);
}

static void test_sha256(void **state)
{
    (void)state;
    const char *in[1];
    in[0] = input("abc");
    const char *a = app("#!/bin/sh\nsha256sum in/0 | cut -d' ' -f1\n");
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    assert_int_equal(run(a, in, 1, 10, 256, 4096, NULL, &out, &len, &rep, &err), 0);
    expect_output(out, len, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
    free(out);
}

static void test_inputs_read_only_and_env(void **state)
{
    (void)state;
    const char *in[1];
    in[0] = input("x");
    const char *a = app("#!/bin/sh\n"
                        "[ -w in/0 ] && [ \"$(id -u)\" != 0 ] && echo writable\n"
                        "echo \"$PATH|$HOME|$LANG|$SECRET_VAR\"\n"
                        "stat -c %a in/0\n");
    setenv("SECRET_VAR", "leaked", 1);
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    int rc = run(a, in, 1, 10, 256, 4096, NULL, &out, &len, &rep, &err);
    unsetenv("SECRET_VAR");
    assert_int_equal(rc, 0);
    expect_output(out, len, "/usr/bin:/bin|/tmp|C|\n444\n");
    free(out);
}

static void test_exit_code(void **state)
{
    (void)state;
    const char *a = app("#!/bin/sh\necho partial\nprintf 'oops\\001bad\\n' >&2\nexit 3\n");
    uint8_t *out = (uint8_t *)"sentinel";
    size_t len = 7;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    int rc = run(a, NULL, 0, 10, 256, 4096, NULL, &out, &len, &rep, &err);
    assert_int_equal(rc, CPC_ERR_INVALID_RESULT);
    assert_int_equal(err.code, CPC_ERR_INVALID_RESULT);
    assert_int_equal(rep.exit_code, 3);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_non_null(strstr(err.msg, "status 3"));
    assert_non_null(strstr(err.msg, "oops?bad")); /* stderr excerpt, made printable */
}

static void test_timeout(void **state)
{
    (void)state;
    const char *a = app("#!/bin/sh\nsleep 30\necho late\n");
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    double t0 = now_s();
    int rc = run(a, NULL, 0, 1, 256, 4096, NULL, &out, &len, &rep, &err);
    double dt = now_s() - t0;
    assert_int_equal(rc, CPC_ERR_INVALID_RESULT);
    assert_true(rep.timed_out);
    assert_int_equal(rep.exit_code, -1);
    assert_int_equal(rep.term_signal, SIGKILL);
    assert_true(dt >= 0.9 && dt < 3.0);
    assert_non_null(strstr(err.msg, "time limit"));
    assert_null(out);
}

static void test_background_child_does_not_hang(void **state)
{
    (void)state;
    /* The background sleep keeps stdout open after sh exits: it must be
     * killed with the group, not waited for. */
    const char *a = app("#!/bin/sh\nsleep 30 &\necho done\n");
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    double t0 = now_s();
    assert_int_equal(run(a, NULL, 0, 20, 256, 4096, NULL, &out, &len, &rep, &err), 0);
    assert_true(now_s() - t0 < 3.0);
    expect_output(out, len, "done\n");
    free(out);
}

static void test_output_too_large(void **state)
{
    (void)state;
    const char *a = app("#!/bin/sh\nexec yes\n");
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    assert_int_equal(run(a, NULL, 0, 10, 256, 4096, NULL, &out, &len, &rep, &err),
                     CPC_ERR_INVALID_RESULT);
    assert_true(rep.output_too_large);
    assert_false(rep.timed_out);
    assert_null(out);

    /* exactly max_output bytes is fine */
    const char *b = app("#!/bin/sh\nhead -c 4096 /dev/zero\n");
    assert_int_equal(run(b, NULL, 0, 10, 256, 4096, NULL, &out, &len, &rep, &err), 0);
    assert_int_equal(len, 4096);
    assert_false(rep.output_too_large);
    free(out);
    out = NULL;
    /* one more is not */
    const char *c = app("#!/bin/sh\nhead -c 4097 /dev/zero\n");
    assert_int_equal(run(c, NULL, 0, 10, 256, 4096, NULL, &out, &len, &rep, &err),
                     CPC_ERR_INVALID_RESULT);
    assert_true(rep.output_too_large);
    /* and no output at all gives an empty, non-NULL buffer */
    const char *d = app("#!/bin/sh\nexit 0\n");
    assert_int_equal(run(d, NULL, 0, 10, 256, 4096, NULL, &out, &len, &rep, &err), 0);
    assert_non_null(out);
    assert_int_equal(len, 0);
    free(out);
}

static void test_memory_limit(void **state)
{
    (void)state;
    const char *a =
        app("#!/bin/sh\nexec python3 -c 'x = bytearray(512 * 1024 * 1024); print(len(x))'\n");
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    assert_int_equal(run(a, NULL, 0, 20, 64, 4096, NULL, &out, &len, &rep, &err),
                     CPC_ERR_INVALID_RESULT);
    assert_int_not_equal(rep.exit_code, 0);
    assert_null(out);
    /* the same app with room succeeds: it is the limit that failed it */
    assert_int_equal(run(a, NULL, 0, 20, 2048, 4096, NULL, &out, &len, &rep, &err), 0);
    expect_output(out, len, "536870912\n");
    free(out);
}

struct canceller {
    atomic_int *flag;
    unsigned delay_ms;
};

static void *cancel_later(void *arg)
{
    struct canceller *c = arg;
    struct timespec ts = {.tv_sec = c->delay_ms / 1000, .tv_nsec = (c->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(c->flag, 1);
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    const char *a = app("#!/bin/sh\nsleep 30\n");
    atomic_int flag = 0;
    struct cpc_wk_ctl ctl = {.cancel = &flag, .done = NULL, .threads = 1};
    struct canceller c = {.flag = &flag, .delay_ms = 300};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cancel_later, &c), 0);
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    double t0 = now_s();
    int rc = run(a, NULL, 0, 20, 256, 4096, &ctl, &out, &len, &rep, &err);
    double dt = now_s() - t0;
    pthread_join(t, NULL);
    assert_int_equal(rc, CPC_ERR_CANCELLED);
    assert_true(dt >= 0.25 && dt < 2.0);
    assert_false(rep.timed_out);
    assert_null(out);

    /* already cancelled: returns at once */
    t0 = now_s();
    assert_int_equal(run(a, NULL, 0, 20, 256, 4096, &ctl, &out, &len, &rep, &err),
                     CPC_ERR_CANCELLED);
    assert_true(now_s() - t0 < 1.5);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    const char *a = app("#!/bin/sh\necho hi\n");
    assert_int_equal(run(a, NULL, 0, 0, 256, 4096, NULL, &out, &len, &rep, &err),
                     CPC_ERR_INVALID);
    assert_int_equal(run(a, NULL, 0, 10, 0, 4096, NULL, &out, &len, &rep, &err), CPC_ERR_INVALID);
    char missing[256];
    snprintf(missing, sizeof missing, "%s/no-such-app", g_root);
    assert_int_equal(run(missing, NULL, 0, 10, 256, 4096, NULL, &out, &len, &rep, &err),
                     CPC_ERR_IO);
    const char *in[1] = {missing};
    assert_int_equal(run(a, in, 1, 10, 256, 4096, NULL, &out, &len, &rep, &err), CPC_ERR_IO);
    /* not executable content */
    const char *junk = write_file("\x01\x02garbage", 9, 0644);
    assert_int_equal(run(junk, NULL, 0, 10, 256, 4096, NULL, &out, &len, &rep, &err),
                     CPC_ERR_INVALID_RESULT);
    assert_null(out);
}

/* cpc-worker's CPC_SANDBOX values and the modes they name */
static void test_mode_parse(void **state)
{
    (void)state;
    assert_int_equal(cpc_wk_sandbox_mode_parse("none"), CPC_WK_SANDBOX_NONE);
    assert_int_equal(cpc_wk_sandbox_mode_parse("bwrap"), CPC_WK_SANDBOX_BWRAP);
    assert_int_equal(cpc_wk_sandbox_mode_parse("auto"), CPC_WK_SANDBOX_AUTO);
    assert_int_equal(cpc_wk_sandbox_mode_parse(""), CPC_WK_SANDBOX_AUTO);
    assert_int_equal(cpc_wk_sandbox_mode_parse(NULL), CPC_WK_SANDBOX_AUTO);
}

/* ---- bubblewrap only ---- */

static void test_bwrap_no_network(void **state)
{
    (void)state;
    /* only the loopback interface exists in the sandbox's network namespace */
    const char *a = app("#!/bin/sh\ngrep ':' /proc/net/dev | cut -d: -f1 | tr -d ' '\n");
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    assert_int_equal(run(a, NULL, 0, 10, 256, 4096, NULL, &out, &len, &rep, &err), 0);
    assert_true(rep.sandboxed);
    expect_output(out, len, "lo\n");
    free(out);
}

static void test_bwrap_filesystem(void **state)
{
    (void)state;
    char script[1024];
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "echo x > /usr/cpc-sbx-probe 2>/dev/null && echo usr-writable\n"
             "[ -e /etc/passwd ] && echo etc-visible\n"
             "[ -e %s ] && echo host-tmp-visible\n"
             "echo kept > /work/out && cat /work/out\n"
             "ls /work\n"
             "pwd\n",
             g_root);
    const char *a = app(script);
    uint8_t *out = NULL;
    size_t len = 0;
    struct cpc_wk_exec_report rep;
    struct cpc_err err = {0};
    assert_int_equal(run(a, NULL, 0, 10, 256, 4096, NULL, &out, &len, &rep, &err), 0);
    expect_output(out, len, "kept\napp\nin\nout\nstderr\n/work\n");
    free(out);
    struct stat st;
    assert_int_not_equal(stat("/usr/cpc-sbx-probe", &st), 0);
}

/* ---- groups ---- */

static int setup_root(void)
{
    snprintf(g_root, sizeof g_root, "%s", "/tmp/cpc-test-sbx-XXXXXX");
    if (!mkdtemp(g_root))
        return -1;
    snprintf(g_runs, sizeof g_runs, "%s/runs", g_root);
    return mkdir(g_runs, 0700);
}

static int group_fallback(void **state)
{
    (void)state;
    g_bwrap_mode = false;
    return 0;
}

static int group_bwrap(void **state)
{
    (void)state;
    g_bwrap_mode = true;
    return 0;
}

#define T(f) cmocka_unit_test_teardown(f, check_clean)

int main(void)
{
    if (setup_root() != 0) {
        fprintf(stderr, "cannot make a temp dir\n");
        return 1;
    }
    const struct CMUnitTest common[] = {
        T(test_cat),          T(test_sha256),       T(test_inputs_read_only_and_env),
        T(test_exit_code),    T(test_timeout),      T(test_background_child_does_not_hang),
        T(test_output_too_large), T(test_memory_limit), T(test_cancel),
        T(test_bad_arguments),   T(test_mode_parse),
    };
    const struct CMUnitTest bwrap_only[] = {
        T(test_bwrap_no_network),
        T(test_bwrap_filesystem),
    };
    int rc = cmocka_run_group_tests_name("fallback (CPC_WK_SANDBOX_NONE)", common, group_fallback,
                                         NULL);
    if (cpc_wk_sandbox_available()) {
        rc += cmocka_run_group_tests_name("bubblewrap", common, group_bwrap, NULL);
        rc += cmocka_run_group_tests_name("bubblewrap only", bwrap_only, group_bwrap, NULL);
    } else {
        printf("bubblewrap not usable here: bwrap-mode tests skipped\n");
    }
    tmpdir_remove(g_root);
    return rc;
}

/* gpu_probe.c: the child-process runner that isolates each CUDA kernel's
 * self-check (its output, exit status, a crash, the deadline, a program that
 * cannot start) and the probe on a machine or build without a GPU (no child
 * is started, the note says why, nothing is chosen). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "worker/exec_cuda.h"
#include "worker/gpu_probe.h"

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(const char *script, unsigned timeout_s, char *out, size_t cap)
{
    char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
    return wk_child_run(argv, timeout_s, out, cap);
}

static void test_output_and_status(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(sh("echo ok: fine", 10, out, sizeof out), 0);
    assert_string_equal(out, "ok: fine\n");
    assert_int_equal(sh("echo to stderr >&2; exit 3", 10, out, sizeof out), 3);
    assert_string_equal(out, "to stderr\n"); /* stderr is captured too */
    assert_int_equal(sh("kill -SEGV $$", 10, out, sizeof out), 128 + 11); /* a crash */
}

static void test_output_is_capped(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(sh("printf 0123456789abcdef", 10, out, sizeof out), 0);
    assert_string_equal(out, "0123456"); /* cap - 1 bytes and a NUL */
}

static void test_deadline_kills(void **state)
{
    (void)state;
    char out[64];
    double t0 = mono();
    int rc = sh("echo started; exec sleep 30", 1, out, sizeof out);
    double dt = mono() - t0;
    assert_int_equal(rc, 128 + 9); /* SIGKILL */
    assert_string_equal(out, "started\n");
    assert_true(dt >= 0.9 && dt < 10.0);
}

static void test_cannot_start(void **state)
{
    (void)state;
    char out[64];
    char *argv[] = {"/nonexistent/cpc-worker", "gpu-check", NULL};
    assert_int_equal(wk_child_run(argv, 10, out, sizeof out), 127);
}

/* Without a usable GPU (or without CUDA in the build) the probe starts no
 * child: the program it would run does not even exist here. */
static void test_probe_without_gpu(void **state)
{
    (void)state;
    if (cpc_wk_cuda_devices() > 0)
        skip(); /* scripts/gpu_check.sh covers a GPU machine */
    char note[256] = "";
    assert_int_equal(wk_gpu_probe("/nonexistent/cpc-worker", 0, note), CPC_WK_CUDA_AUTO);
    assert_non_null(strstr(note, "no CUDA device 0"));
    assert_int_equal(wk_gpu_probe("/nonexistent/cpc-worker", -1, note), CPC_WK_CUDA_AUTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_and_status), cmocka_unit_test(test_output_is_capped),
        cmocka_unit_test(test_deadline_kills),    cmocka_unit_test(test_cannot_start),
        cmocka_unit_test(test_probe_without_gpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

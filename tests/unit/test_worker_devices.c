/* test_worker_devices.c — CPU/RAM detection, JSON shape, load sampler; and,
 * when CPC_TEST_FAKE_NVML names a built tests/fixtures/fake_nvml.c, the GPU
 * path through that fake NVML (run so by tests/integration/test_worker_nvml.sh).
 * The fake is a mock, acceptable only because these machines have no NVIDIA
 * GPU; without the variable the test checks the "no NVML" answer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/devices.h"

static bool g_fake; /* CPC_TEST_FAKE_NVML given */

static void test_cpu(void **state)
{
    (void)state;
    struct cpc_wk_devices d;
    struct cpc_err err = {0};
    assert_int_equal(cpc_wk_devices_detect(&d, &err), 0);
    assert_true(d.cpu.logical_cores >= 1);
    assert_true(d.cpu.physical_cores <= d.cpu.logical_cores);
    assert_true(d.cpu.ram_mb > 0);
    assert_true(d.cpu.model[0] != '\0');
    assert_true(d.gpu_status[0] != '\0');
    if (!g_fake && strstr(d.gpu_status, "NVML:") == NULL) {
        /* the usual case here: no NVIDIA driver */
        assert_int_equal(d.n_gpus, 0);
        assert_non_null(strstr(d.gpu_status, "not found"));
    }
    for (unsigned i = 0; i < d.n_gpus; i++) { /* a real (or the fake) NVML */
        assert_true(d.gpus[i].name[0] != '\0');
        assert_true(d.gpus[i].vram_mb > 0);
        assert_true(d.gpus[i].cc_major >= 3);
    }
    assert_int_equal(cpc_wk_devices_detect(NULL, &err), CPC_ERR_INVALID);
}

static void test_cores_per_sm(void **state)
{
    (void)state;
    assert_int_equal(cpc_wk_cores_per_sm(7, 5), 64);
    assert_int_equal(cpc_wk_cores_per_sm(8, 0), 64);
    assert_int_equal(cpc_wk_cores_per_sm(8, 6), 128);
    assert_int_equal(cpc_wk_cores_per_sm(8, 9), 128);
    assert_int_equal(cpc_wk_cores_per_sm(9, 0), 128);
    assert_int_equal(cpc_wk_cores_per_sm(12, 0), 128);
    assert_int_equal(cpc_wk_cores_per_sm(99, 0), 0);
}

static void test_json(void **state)
{
    (void)state;
    struct cpc_wk_devices d;
    assert_int_equal(cpc_wk_devices_detect(&d, NULL), 0);
    json_t *j = cpc_wk_devices_to_json(&d);
    assert_non_null(j);
    json_t *cpu = json_object_get(j, "cpu");
    assert_true(json_is_object(cpu));
    assert_true(json_is_string(json_object_get(cpu, "model")));
    assert_true(json_integer_value(json_object_get(cpu, "logical_cores")) >= 1);
    assert_non_null(json_object_get(cpu, "physical_cores"));
    assert_true(json_integer_value(json_object_get(cpu, "ram_mb")) > 0);
    json_t *feat = json_object_get(cpu, "features");
    assert_true(json_is_object(feat));
    const char *names[] = {"avx2", "avx512f", "avx512bw", "avx512vnni", "sha", "aes"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_true(json_is_boolean(json_object_get(feat, names[i])));
    json_t *gpus = json_object_get(j, "gpus");
    assert_true(json_is_array(gpus));
    assert_int_equal(json_array_size(gpus), d.n_gpus);
    assert_true(json_is_string(json_object_get(j, "gpu_status")));
    json_decref(j);

    /* the table prints without crashing and names the CPU */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cpc_wk_devices_print(f, &d);
    fclose(f);
    assert_non_null(strstr(buf, d.cpu.model));
    free(buf);
}

static void test_sampler(void **state)
{
    (void)state;
    struct cpc_wk_sampler *s = cpc_wk_sampler_new();
    assert_non_null(s);
    struct cpc_wk_load l;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cpc_wk_sampler_read(s, &l), 0);
        assert_true(l.cpu_load_pct >= 0.0 && l.cpu_load_pct <= 100.0);
        assert_true(l.ram_used_mb > 0);
        /* burn a little CPU so the next delta has ticks */
        volatile unsigned long x = 0;
        for (unsigned long k = 0; k < 20000000ul; k++)
            x = x + k;
        assert_true(x > 0);
    }
    if (g_fake) {
        assert_true(l.have_gpu);
        assert_true(l.gpu_load_pct == 73.0);
        assert_true(l.gpu_temp_c == 41.0);
    } else {
        struct cpc_wk_devices d;
        assert_int_equal(cpc_wk_devices_detect(&d, NULL), 0);
        if (d.n_gpus == 0) {
            assert_false(l.have_gpu);
            assert_true(l.gpu_load_pct == 0.0);
        }
    }
    assert_true(l.gpu_load_pct >= 0.0 && l.gpu_load_pct <= 100.0);
    assert_int_equal(cpc_wk_sampler_read(NULL, &l), CPC_ERR_INVALID);
    cpc_wk_sampler_free(s);
    cpc_wk_sampler_free(NULL);
}

/* Only with CPC_TEST_FAKE_NVML: the 2 fake H200s. */
static void test_fake_gpus(void **state)
{
    (void)state;
    struct cpc_wk_devices d;
    assert_int_equal(cpc_wk_devices_detect(&d, NULL), 0);
    assert_int_equal(d.n_gpus, 2);
    for (unsigned i = 0; i < 2; i++) {
        const struct cpc_wk_gpu *g = &d.gpus[i];
        assert_int_equal(g->index, i);
        assert_string_equal(g->name, "NVIDIA H200");
        assert_int_equal(g->vram_mb, 143771);
        assert_int_equal(g->cc_major, 9);
        assert_int_equal(g->cc_minor, 0);
        assert_int_equal(g->cuda_cores, 16896);
        assert_int_equal(g->sm_count, 132);
        assert_string_equal(g->driver, "570.124.06");
        assert_non_null(strstr(g->uuid, "GPU-"));
    }
    assert_string_not_equal(d.gpus[0].uuid, d.gpus[1].uuid);
    assert_non_null(strstr(d.gpu_status, "2 GPU"));
    json_t *j = cpc_wk_devices_to_json(&d);
    assert_non_null(j);
    json_t *g0 = json_array_get(json_object_get(j, "gpus"), 0);
    assert_string_equal(json_string_value(json_object_get(g0, "compute_capability")), "9.0");
    assert_int_equal(json_integer_value(json_object_get(g0, "sm_count")), 132);
    assert_int_equal(json_integer_value(json_object_get(g0, "cuda_cores")), 16896);
    json_decref(j);
}

int main(void)
{
    const char *fake = getenv("CPC_TEST_FAKE_NVML");
    if (fake && *fake) {
        g_fake = true;
        setenv("CPC_NVML_LIB", fake, 1); /* before the first (pthread_once) load */
    } else {
        unsetenv("CPC_NVML_LIB");
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu),
        cmocka_unit_test(test_cores_per_sm),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_sampler),
    };
    const struct CMUnitTest fake_tests[] = {
        cmocka_unit_test(test_fake_gpus),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (g_fake)
        rc += cmocka_run_group_tests(fake_tests, NULL, NULL);
    return rc;
}

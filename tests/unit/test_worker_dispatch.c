/* test_worker_dispatch.c — the worker's executors (exec_pool.h): one per GPU
 * and the CPU's, tasks dispatched across them in a wave, a failing GPU taken
 * out alone, `--gpus` and `--cpu off`.
 *
 * The GPUs here are the STAND-IN backend (worker/gpu_standin.h), a test
 * double of the GPU executor interface that simulates N devices on the CPU:
 * the machines that build and test this have no GPU. What a real GPU alone
 * can show (CUDA contexts and streams per device, NVML loads) is not tested
 * here; the dispatch, the failure handling and the results are, for real:
 * every product is compared with core's reference. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/kinds.h"
#include "worker/exec_pool.h"
#include "worker/gpu_standin.h"

#define DIM 24

/* What the jobs of a wave share: a gate that holds each job until `gate`
 * jobs have entered (or 20 s passed), so one executor cannot take two jobs
 * before every executor took one, and proves they ran at the same time. */
struct bench {
    struct wk_pool *pool;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned entered, gate;
    bool gate_met[16];            /* per job: saw the gate open */
    int ex_gpu[16];               /* per job: the GPU of the executor that ended it; -1 CPU */
    unsigned fails_heard;
    int failed_gpu;
};

static void spec_of(struct cpc_matmul_spec *s, size_t job)
{
    memset(s, 0, sizeof *s);
    s->seed[0] = (uint8_t)(job + 1);
    s->seed[31] = 0x5a;
    s->m = s->k = s->n = DIM;
}

static int job_fn(void *arg, struct wk_executor *ex, size_t job, struct cpc_err *err)
{
    struct bench *b = arg;
    pthread_mutex_lock(&b->mu);
    b->entered++;
    pthread_cond_broadcast(&b->cv);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    while (b->entered < b->gate &&
           pthread_cond_timedwait(&b->cv, &b->mu, &until) == 0)
        ;
    b->gate_met[job] = b->entered >= b->gate;
    pthread_mutex_unlock(&b->mu);
    struct cpc_matmul_spec s;
    spec_of(&s, job);
    int32_t C[DIM * DIM], R[DIM * DIM];
    int8_t A[DIM * DIM], B[DIM * DIM];
    int rc = wk_exec_matmul(b->pool, ex, &s, C, NULL, err);
    if (rc == 0) {
        cpc_matmul_gen_a(&s, A);
        cpc_matmul_gen_b(&s, B);
        cpc_matmul_reference(&s, A, B, R);
        if (memcmp(C, R, sizeof C) != 0)
            return cpc_err_set(err, CPC_ERR_INVALID_RESULT, "job %zu: wrong product", job);
        b->ex_gpu[job] = ex->gpu;
    }
    return rc;
}

static void on_fail(void *arg, const struct wk_executor *ex, bool ok, const char *msg)
{
    struct bench *b = arg;
    (void)msg;
    if (!ok) {
        b->fails_heard++;
        b->failed_gpu = ex->gpu;
    }
}

static void bench_init(struct bench *b, struct wk_pool *p, unsigned gate)
{
    memset(b, 0, sizeof *b);
    b->pool = p;
    b->gate = gate;
    b->failed_gpu = -2;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
}

static void bench_free(struct bench *b)
{
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
}

static void test_select_parse(void **state)
{
    (void)state;
    struct wk_gpu_select s;
    struct cpc_err err = {0};
    assert_int_equal(wk_gpu_select_parse(NULL, &s, &err), 0);
    assert_true(s.all);
    assert_int_equal(wk_gpu_select_parse("all", &s, &err), 0);
    assert_true(s.all);
    assert_int_equal(wk_gpu_select_parse("auto", &s, &err), 0);
    assert_true(s.all);
    assert_int_equal(wk_gpu_select_parse("none", &s, &err), 0);
    assert_true(!s.all && s.n == 0);
    assert_int_equal(wk_gpu_select_parse("off", &s, &err), 0);
    assert_true(!s.all && s.n == 0);
    assert_int_equal(wk_gpu_select_parse("0,2,3", &s, &err), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.index[0], 0);
    assert_int_equal(s.index[1], 2);
    assert_int_equal(s.index[2], 3);
    const char *bad[] = {"", "0,", ",1", "0,,1", "x", "64", "1,1", "-1", "0 ,1", "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(wk_gpu_select_parse(bad[i], &s, &err), CPC_ERR_INVALID);
        assert_true(strstr(err.msg, "--gpus") != NULL);
    }
}

static void test_unknown_index_is_an_error(void **state)
{
    (void)state;
    struct wk_standin sd;
    wk_standin_init(&sd, 4);
    struct wk_gpu_select sel = {.all = false, .n = 2, .index = {1, 5}};
    struct wk_pool p;
    struct cpc_err err = {0};
    assert_int_equal(wk_pool_init(&p, &sd.backend, &sel, true, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no GPU 5"));
    assert_non_null(strstr(err.msg, "has 4"));
    wk_pool_free(&p); /* safe after a failed init (the agent does it) */
    /* no GPU and no CPU: nothing to run anything on */
    struct wk_gpu_select none = {0};
    assert_int_equal(wk_pool_init(&p, &sd.backend, &none, false, &err), CPC_ERR_INVALID);
    wk_standin_free(&sd);
}

/* N = 4 stand-in GPUs + the CPU: 5 matmuls run at once on 5 executors. */
static void test_five_tasks_on_five_executors(void **state)
{
    (void)state;
    struct wk_standin sd;
    wk_standin_init(&sd, 4);
    struct wk_gpu_select all = {.all = true};
    struct wk_pool p;
    struct cpc_err err = {0};
    assert_int_equal(wk_pool_init(&p, &sd.backend, &all, true, &err), 0);
    assert_int_equal(p.n, 5);
    wk_pool_prepare(&p, NULL, NULL);
    assert_int_equal(wk_pool_alive(&p), 5);
    struct bench b;
    bench_init(&b, &p, 5);
    struct wk_wave_job jobs[5];
    for (int i = 0; i < 5; i++)
        jobs[i].kind = CPC_KIND_MATMUL;
    assert_int_equal(wk_pool_run_wave(&p, jobs, 5, job_fn, &b, NULL, NULL, NULL), 0);
    bool used[5] = {false};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(jobs[i].rc, 0);
        assert_true(jobs[i].started);
        assert_true(b.gate_met[i]); /* all five were running at once */
        assert_true(jobs[i].ran_on >= 0 && jobs[i].ran_on < 5);
        assert_false(used[jobs[i].ran_on]);
        used[jobs[i].ran_on] = true;
    }
    /* the stand-in ran four of them, each on its own device */
    assert_int_equal(sd.n_ran, 4);
    bool dev[4] = {false};
    for (unsigned i = 0; i < sd.n_ran; i++) {
        assert_true(sd.ran[i].ok);
        assert_false(dev[sd.ran[i].dev]);
        dev[sd.ran[i].dev] = true;
    }
    bench_free(&b);
    wk_pool_free(&p);
    wk_standin_free(&sd);
}

/* --gpus 0,2 --cpu off: exactly those two devices, and nothing else. */
static void test_selected_gpus_only(void **state)
{
    (void)state;
    struct wk_standin sd;
    wk_standin_init(&sd, 4);
    struct wk_gpu_select sel;
    struct wk_pool p;
    struct cpc_err err = {0};
    assert_int_equal(wk_gpu_select_parse("0,2", &sel, &err), 0);
    assert_int_equal(wk_pool_init(&p, &sd.backend, &sel, false, &err), 0);
    assert_int_equal(p.n, 2);
    wk_pool_prepare(&p, NULL, NULL);
    struct bench b;
    bench_init(&b, &p, 2);
    struct wk_wave_job jobs[6];
    for (int i = 0; i < 6; i++)
        jobs[i].kind = CPC_KIND_MATMUL;
    assert_int_equal(wk_pool_run_wave(&p, jobs, 6, job_fn, &b, NULL, NULL, NULL), 0);
    bool saw0 = false, saw2 = false;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(jobs[i].rc, 0);
        assert_true(b.ex_gpu[i] == 0 || b.ex_gpu[i] == 2);
        saw0 |= b.ex_gpu[i] == 0;
        saw2 |= b.ex_gpu[i] == 2;
    }
    assert_true(saw0 && saw2);
    assert_int_equal(sd.n_ran, 6);
    for (unsigned i = 0; i < sd.n_ran; i++)
        assert_true(sd.ran[i].dev == 0 || sd.ran[i].dev == 2);
    bench_free(&b);
    wk_pool_free(&p);
    wk_standin_free(&sd);
}

/* GPU 1 loses its device on its first task, GPU 3 fails its self-check:
 * both are taken out, the task GPU 1 had runs again elsewhere, the other
 * executors go on, and the heartbeat lists only the live GPUs. */
static void test_failing_gpu_is_taken_out_alone(void **state)
{
    (void)state;
    struct wk_standin sd;
    wk_standin_init(&sd, 4);
    sd.fail_task_dev = 1;
    sd.fail_check_dev = 3;
    struct wk_gpu_select all = {.all = true};
    struct wk_pool p;
    struct cpc_err err = {0};
    assert_int_equal(wk_pool_init(&p, &sd.backend, &all, true, &err), 0);
    struct bench b;
    bench_init(&b, &p, 4); /* CPU + GPUs 0, 1, 2 each take one first */
    wk_pool_prepare(&p, on_fail, &b);
    assert_int_equal(b.fails_heard, 1);
    assert_int_equal(b.failed_gpu, 3);
    assert_int_equal(wk_pool_gpus_alive(&p), 3);
    struct wk_wave_job jobs[5];
    for (int i = 0; i < 5; i++)
        jobs[i].kind = CPC_KIND_MATMUL;
    assert_int_equal(wk_pool_run_wave(&p, jobs, 5, job_fn, &b, NULL, on_fail, &b), 0);
    assert_int_equal(b.fails_heard, 2);
    assert_int_equal(b.failed_gpu, 1);
    assert_int_equal(wk_pool_gpus_alive(&p), 2);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(jobs[i].rc, 0);
        assert_true(b.ex_gpu[i] != 1 && b.ex_gpu[i] != 3);
    }
    /* the lost task: run on device 1 (failed), then again and right elsewhere */
    unsigned lost = 0;
    for (unsigned i = 0; i < sd.n_ran; i++) {
        assert_true(sd.ran[i].dev != 3);
        if (sd.ran[i].ok)
            continue;
        lost++;
        assert_int_equal(sd.ran[i].dev, 1);
        size_t job = (size_t)sd.ran[i].seed[0] - 1;
        assert_true(job < 5 && b.ex_gpu[job] != 1);
    }
    assert_int_equal(lost, 1);
    json_t *g = wk_pool_gpus_json(&p);
    assert_non_null(g);
    assert_int_equal(json_array_size(g), 2);
    size_t i;
    json_t *e;
    json_array_foreach(g, i, e) {
        json_int_t idx = json_integer_value(json_object_get(e, "index"));
        assert_true(idx == 0 || idx == 2);
        assert_true(json_is_string(json_object_get(e, "name")));
        assert_true(json_is_number(json_object_get(e, "load")));
        assert_true(json_is_number(json_object_get(e, "temp_c")));
        assert_true(json_is_integer(json_object_get(e, "mem_used_mb")));
    }
    json_decref(g);
    bench_free(&b);
    wk_pool_free(&p);
    wk_standin_free(&sd);
}

/* Every GPU lost and no CPU: the tasks cannot run and say so (the agent
 * gives them back); a later wave has no executor at all. */
static void test_all_gpus_lost_without_cpu(void **state)
{
    (void)state;
    struct wk_standin sd;
    wk_standin_init(&sd, 1);
    sd.fail_task_dev = 0;
    struct wk_gpu_select all = {.all = true};
    struct wk_pool p;
    struct cpc_err err = {0};
    assert_int_equal(wk_pool_init(&p, &sd.backend, &all, false, &err), 0);
    struct bench b;
    bench_init(&b, &p, 1);
    struct wk_wave_job jobs[2] = {{.kind = CPC_KIND_MATMUL}, {.kind = CPC_KIND_MATMUL}};
    assert_int_equal(wk_pool_run_wave(&p, jobs, 2, job_fn, &b, NULL, on_fail, &b), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(jobs[i].rc, CPC_ERR_NOT_FOUND);
        assert_false(jobs[i].started);
    }
    assert_int_equal(wk_pool_alive(&p), 0);
    assert_null(wk_pool_gpus_json(&p));
    bench_free(&b);
    wk_pool_free(&p);
    wk_standin_free(&sd);
}

/* --cpu off: no CPU executor, so a search cannot run; with the CPU it runs
 * there, next to a matmul on the GPU. */
static int search_fn(void *arg, struct wk_executor *ex, size_t job, struct cpc_err *err)
{
    struct bench *b = arg;
    (void)err;
    b->ex_gpu[job] = ex->gpu;
    return 0;
}

static void test_cpu_off(void **state)
{
    (void)state;
    struct wk_standin sd;
    wk_standin_init(&sd, 2);
    struct wk_gpu_select all = {.all = true};
    struct wk_pool p;
    struct cpc_err err = {0};
    assert_int_equal(wk_pool_init(&p, &sd.backend, &all, false, &err), 0);
    assert_int_equal(p.n, 2);
    for (unsigned i = 0; i < p.n; i++)
        assert_true(p.ex[i].gpu >= 0);
    assert_false(wk_pool_can_run(&p, CPC_KIND_HASHPOW));
    assert_true(wk_pool_can_run(&p, CPC_KIND_MATMUL));
    struct bench b;
    bench_init(&b, &p, 0);
    struct wk_wave_job jobs[2] = {{.kind = CPC_KIND_HASHPOW}, {.kind = CPC_KIND_MATMUL}};
    assert_int_equal(wk_pool_run_wave(&p, jobs, 2, search_fn, &b, NULL, NULL, NULL), 0);
    assert_int_equal(jobs[0].rc, CPC_ERR_NOT_FOUND);
    assert_false(jobs[0].started);
    assert_int_equal(jobs[1].rc, 0);
    assert_true(b.ex_gpu[1] >= 0);
    wk_pool_free(&p);

    assert_int_equal(wk_pool_init(&p, &sd.backend, &all, true, &err), 0);
    assert_true(wk_pool_can_run(&p, CPC_KIND_HASHPOW));
    assert_int_equal(wk_pool_run_wave(&p, jobs, 2, search_fn, &b, NULL, NULL, NULL), 0);
    assert_int_equal(jobs[0].rc, 0);
    assert_int_equal(b.ex_gpu[0], -1); /* the search on the CPU */
    assert_true(b.ex_gpu[1] >= 0);     /* the matmul on a GPU */
    bench_free(&b);
    wk_pool_free(&p);
    wk_standin_free(&sd);
}

/* A stop before the wave: nothing starts, every job says CANCELLED. */
static void test_stop_starts_nothing(void **state)
{
    (void)state;
    struct wk_standin sd;
    wk_standin_init(&sd, 2);
    struct wk_gpu_select all = {.all = true};
    struct wk_pool p;
    struct cpc_err err = {0};
    assert_int_equal(wk_pool_init(&p, &sd.backend, &all, true, &err), 0);
    struct bench b;
    bench_init(&b, &p, 0);
    atomic_int stop;
    atomic_init(&stop, 1);
    struct wk_wave_job jobs[3] = {
        {.kind = CPC_KIND_MATMUL}, {.kind = CPC_KIND_HASHPOW}, {.kind = CPC_KIND_MATMUL}};
    assert_int_equal(wk_pool_run_wave(&p, jobs, 3, search_fn, &b, &stop, NULL, NULL), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jobs[i].rc, CPC_ERR_CANCELLED);
        assert_false(jobs[i].started);
    }
    bench_free(&b);
    wk_pool_free(&p);
    wk_standin_free(&sd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_parse),
        cmocka_unit_test(test_unknown_index_is_an_error),
        cmocka_unit_test(test_five_tasks_on_five_executors),
        cmocka_unit_test(test_selected_gpus_only),
        cmocka_unit_test(test_failing_gpu_is_taken_out_alone),
        cmocka_unit_test(test_all_gpus_lost_without_cpu),
        cmocka_unit_test(test_cpu_off),
        cmocka_unit_test(test_stop_starts_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

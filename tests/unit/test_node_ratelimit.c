/* test_node_ratelimit.c — the platform request limiter (ratelimit.h) alone:
 * the per-minute window and its reset, remaining and reset values, a longer
 * window beside minute ones and the per-window refusal count, separate
 * identities, a clock that goes back, and bounded memory (far more
 * identities than slots: every call still answers, and a live identity's
 * count survives unless its probe run is full of live ones).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "http/ratelimit.h"

static struct cpc_ratelimit *new_rl(void)
{
    struct cpc_ratelimit *r = malloc(sizeof *r);
    assert_non_null(r);
    cpc_ratelimit_init(r);
    return r;
}

static void free_rl(struct cpc_ratelimit *r)
{
    cpc_ratelimit_destroy(r);
    free(r);
}

static void test_window(void **state)
{
    (void)state;
    struct cpc_ratelimit *r = new_rl();
    struct cpc_rl_verdict v;
    uint64_t t0 = 1700000000000ull, key = CPC_RL_KIND_APIKEY | 7u;
    for (uint32_t i = 0; i < 3; i++) {
        cpc_ratelimit_hit(r, key, 3, CPC_RL_WINDOW_MS, t0 + i, &v);
        assert_true(v.allowed);
        assert_int_equal(v.limit, 3);
        assert_int_equal(v.remaining, 2 - i);
        assert_int_equal(v.reset_ms, t0 + CPC_RL_WINDOW_MS);
    }
    cpc_ratelimit_hit(r, key, 3, CPC_RL_WINDOW_MS, t0 + 10, &v);
    assert_false(v.allowed);
    assert_int_equal(v.remaining, 0);
    /* another identity (same id, other kind) has its own window */
    cpc_ratelimit_hit(r, CPC_RL_KIND_TOKEN | 7u, 3, CPC_RL_WINDOW_MS, t0 + 10, &v);
    assert_true(v.allowed);
    assert_int_equal(v.remaining, 2);
    /* one ms before the window ends: still refused; at the end: a new window */
    cpc_ratelimit_hit(r, key, 3, CPC_RL_WINDOW_MS, t0 + CPC_RL_WINDOW_MS - 1, &v);
    assert_false(v.allowed);
    cpc_ratelimit_hit(r, key, 3, CPC_RL_WINDOW_MS, t0 + CPC_RL_WINDOW_MS, &v);
    assert_true(v.allowed);
    assert_int_equal(v.remaining, 2);
    assert_int_equal(v.reset_ms, t0 + 2 * CPC_RL_WINDOW_MS);
    /* the clock went back: a new window rather than a stuck one */
    cpc_ratelimit_hit(r, key, 3, CPC_RL_WINDOW_MS, t0, &v);
    assert_true(v.allowed);
    assert_int_equal(v.reset_ms, t0 + CPC_RL_WINDOW_MS);
    free_rl(r);
}

/* An hour-long window beside one-minute ones in the same table; refusals counted per window. */
static void test_window_param(void **state)
{
    (void)state;
    struct cpc_ratelimit *r = new_rl();
    struct cpc_rl_verdict v;
    const uint64_t hour = 3600000u, t0 = 1700000000000ull;
    uint64_t slow = CPC_RL_KIND_APIKEY | 42u, tok = CPC_RL_KIND_TOKEN | 42u;
    for (uint32_t i = 0; i < 2; i++) {
        cpc_ratelimit_hit(r, slow, 2, hour, t0, &v);
        assert_true(v.allowed);
        assert_int_equal(v.refused, 0);
        assert_int_equal(v.reset_ms, t0 + hour);
    }
    cpc_ratelimit_hit(r, tok, 1, CPC_RL_WINDOW_MS, t0, &v);
    assert_true(v.allowed);
    /* refused 2 minutes on (a minute window would have restarted), first then second refusal */
    cpc_ratelimit_hit(r, slow, 2, hour, t0 + 2 * CPC_RL_WINDOW_MS, &v);
    assert_false(v.allowed);
    assert_int_equal(v.refused, 1);
    assert_int_equal(v.reset_ms, t0 + hour);
    cpc_ratelimit_hit(r, slow, 2, hour, t0 + hour - 1, &v);
    assert_false(v.allowed);
    assert_int_equal(v.refused, 2);
    /* the minute identity beside it restarted after its minute */
    cpc_ratelimit_hit(r, tok, 1, CPC_RL_WINDOW_MS, t0 + CPC_RL_WINDOW_MS, &v);
    assert_true(v.allowed);
    /* the hour is over: a new window, refusals forgotten */
    cpc_ratelimit_hit(r, slow, 2, hour, t0 + hour, &v);
    assert_true(v.allowed);
    assert_int_equal(v.remaining, 1);
    assert_int_equal(v.refused, 0);
    assert_int_equal(v.reset_ms, t0 + 2 * hour);
    cpc_ratelimit_hit(r, slow, 2, hour, t0 + hour, &v);
    cpc_ratelimit_hit(r, slow, 2, hour, t0 + hour, &v);
    assert_false(v.allowed);
    assert_int_equal(v.refused, 1);
    free_rl(r);
}

static void test_bounded(void **state)
{
    (void)state;
    struct cpc_ratelimit *r = new_rl();
    struct cpc_rl_verdict v;
    uint64_t t0 = 1700000000000ull, hot = CPC_RL_KIND_TOKEN | 1u;
    cpc_ratelimit_hit(r, hot, 2, CPC_RL_WINDOW_MS, t0, &v);
    cpc_ratelimit_hit(r, hot, 2, CPC_RL_WINDOW_MS, t0, &v);
    assert_false(v.remaining);
    /* 20x the table in distinct identities, all in the same minute */
    for (uint64_t i = 0; i < 20u * CPC_RL_SLOTS; i++) {
        cpc_ratelimit_hit(r, CPC_RL_KIND_APIKEY | (i + 2), 5, CPC_RL_WINDOW_MS, t0 + 1, &v);
        assert_true(v.allowed); /* first request of each */
    }
    size_t used = 0;
    for (size_t i = 0; i < CPC_RL_SLOTS; i++)
        used += r->slots[i].key != 0;
    assert_true(used <= CPC_RL_SLOTS);
    /* after the minute every slot is reusable: the hot identity starts afresh */
    cpc_ratelimit_hit(r, hot, 2, CPC_RL_WINDOW_MS, t0 + CPC_RL_WINDOW_MS + 1, &v);
    assert_true(v.allowed);
    assert_int_equal(v.remaining, 1);
    free_rl(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_window_param),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

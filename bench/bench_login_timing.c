/* bench_login_timing.c — the login-timing item of the accounts acceptance
 * list, measured: a login for a known and for an unknown email should take
 * the same time (both run one argon2id verification; the test
 * tests/unit/test_node_login_enumeration.c checks that by count, this bench
 * reports the times).
 *
 * An in-process node over real HTTP (the unit tests' fixture,
 * tests/unit/node_auth_fixture.h), with the production argon2id limits
 * (libsodium INTERACTIVE: the fixture's MIN limits would make argon2 free and
 * let the DB writes decide): the limits are raised on the platform context
 * right after start, before any user exists, and the dummy hash is remade
 * with them. N_TRIES wrong-password logins for a known (verified) email are
 * interleaved with N_TRIES for unknown emails; the platform clock moves 16
 * minutes before each, past the per-IP login limit (5 a minute;
 * X-Forwarded-For is not honoured) and any lockout, and an untimed good login
 * after each known one resets its failure count, so every timed attempt takes
 * the same wrong-password path. Then the same for a locked known email and a
 * locked unknown one (423 account_locked). Both medians of each pair come from
 * the same run. Two lines:
 *   login_timing: known_ms=X unknown_ms=Y ratio=Y/X tries=N
 *   login_timing_locked: known_ms=X unknown_ms=Y ratio=Y/X tries=N
 * A failed request prints the answer and exits non-zero (cmocka's asserts).
 * Built only where the unit tests are (cmocka found, not CPC_FUZZ).
 */
#include "node_auth_fixture.h"

#include "lib/bench_node.h"

#define N_TRIES 15

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static double timed_login(struct fixture *f, const char *email)
{
    advance(f, 16u * 60u * 1000u);
    double t0 = bench_now_s();
    long st = login(f, email, "Wrong horse 99", NULL, NULL);
    double t = bench_now_s() - t0;
    expect(f, st, 401, "invalid_credentials");
    if (strcmp(email, "tim@example.com") == 0) {
        /* untimed: a good login resets the failure count, so no attempt meets the lockout */
        advance(f, 61000);
        expect(f, login(f, email, PW, NULL, NULL), 200, NULL);
    }
    return t;
}

/* Production argon2 limits from now on (before any user exists), the dummy hash remade. */
static void production_argon2(struct fixture *f)
{
    struct cpc_platform *p = f->node.platform;
    p->pw_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    p->pw_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    assert_int_equal(crypto_pwhash_str(p->dummy_hash, "cpc dummy password 0", 20, p->pw_ops,
                                       p->pw_mem),
                     0);
}

static void report(const char *what, double *known, double *unknown)
{
    double mk = median(known, N_TRIES), mu = median(unknown, N_TRIES);
    printf("%s: known_ms=%.2f unknown_ms=%.2f ratio=%.3f tries=%d\n", what, mk * 1e3, mu * 1e3,
           mu / mk, N_TRIES);
    fflush(stdout);
}

static void bench_wrong_password(struct fixture *f)
{
    production_argon2(f);
    json_t *j = signup_login(f, "tim@example.com", PW);
    json_decref(j);
    double known[N_TRIES], unknown[N_TRIES];
    (void)timed_login(f, "warmup@example.com"); /* first-call costs out of the sample */
    for (int i = 0; i < N_TRIES; i++) {
        char other[64];
        snprintf(other, sizeof other, "nobody%d@example.com", i);
        if (i % 2) {
            known[i] = timed_login(f, "tim@example.com");
            unknown[i] = timed_login(f, other);
        } else {
            unknown[i] = timed_login(f, other);
            known[i] = timed_login(f, "tim@example.com");
        }
    }
    report("login_timing", known, unknown);
}

/* One timed login of a locked email: 423 account_locked. */
static double timed_locked(struct fixture *f, const char *email)
{
    double t0 = bench_now_s();
    long st = login(f, email, "Wrong horse 99", NULL, NULL);
    double t = bench_now_s() - t0;
    expect(f, st, 423, "account_locked");
    return t;
}

static void bench_locked(struct fixture *f)
{
    production_argon2(f);
    json_t *j = signup_login(f, "lea@example.com", PW);
    json_decref(j);
    static const char *const who[2] = {"lea@example.com", "nobody-locked@example.com"};
    for (int w = 0; w < 2; w++) {
        advance(f, 61000); /* a fresh per-IP window */
        for (int i = 0; i < 5; i++)
            expect(f, login(f, who[w], "Wrong horse 99", NULL, NULL), i < 4 ? 401 : 423,
                   i < 4 ? "invalid_credentials" : "account_locked");
    }
    double known[N_TRIES], unknown[N_TRIES];
    for (int i = 0; i < N_TRIES; i++) {
        if (i % 2 == 0)
            advance(f, 61000); /* 4 logins a window; 8 windows stay inside the 15-min lock */
        if (i % 2) {
            known[i] = timed_locked(f, who[0]);
            unknown[i] = timed_locked(f, who[1]);
        } else {
            unknown[i] = timed_locked(f, who[1]);
            known[i] = timed_locked(f, who[0]);
        }
    }
    report("login_timing_locked", known, unknown);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    cpc_log_set_level(CPC_LOG_ERROR); /* the lockouts' warnings are expected here */
    void (*const runs[2])(struct fixture *) = {bench_wrong_password, bench_locked};
    for (int r = 0; r < 2; r++) {
        void *state = NULL;
        setup(&state);
        runs[r](state);
        teardown(&state);
    }
    curl_global_cleanup();
    return 0;
}

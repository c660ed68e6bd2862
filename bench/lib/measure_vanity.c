/* measure_vanity.c — bench_measure_vanity (worker_measure.h): keys tried per
 * second by cpc_wk_vanity on all threads (ctl.threads = 0: online CPUs).
 *
 * The prefix is 8 characters (40 bits: a hit is ~10^12 keys away, far beyond
 * the run), so the executor scans the whole range. A short calibration run
 * sizes max_tries to about `seconds`; the rate is keys / wall time of the
 * measured run (all threads count, so wall time is the right clock). The
 * progress counter is checked against max_tries.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/keys.h"
#include "worker/executor.h"
#include "worker_measure.h"

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One run: keys/s, or -1. */
static double run_vanity(const uint8_t pub[CPC_PUBKEY_LEN], const uint8_t start[32], uint64_t tries)
{
    _Atomic uint64_t done = 0;
    struct cpc_wk_ctl ctl = {.cancel = NULL, .done = &done, .threads = 0};
    struct cpc_err err;
    uint8_t x[32];
    double t0 = wall_s();
    int rc = cpc_wk_vanity(pub, "qqqqqqqq", start, tries, &ctl, x, &err);
    double dt = wall_s() - t0;
    if (rc != CPC_OK && rc != CPC_ERR_NOT_FOUND) {
        fprintf(stderr, "measure_vanity: cpc_wk_vanity: %s\n", err.msg);
        return -1;
    }
    /* a (very unlikely) hit ends the run early: count the keys actually tried */
    return (double)atomic_load(&done) / dt;
}

int bench_measure_vanity(double seconds, double *keys_per_s)
{
    uint8_t sk[32], pub[CPC_PUBKEY_LEN], start[32];
    if (!keys_per_s || !(seconds > 0)) {
        fprintf(stderr, "measure_vanity: bad arguments\n");
        return -1;
    }
    for (int i = 0; i < 32; i++) {
        sk[i] = (uint8_t)(0x31 + 7 * i);
        start[i] = (uint8_t)(0x42 ^ (i * 13));
    }
    start[0] = 0x17; /* well below the curve order */
    struct cpc_signer *s = cpc_signer_new(NULL);
    if (!s || cpc_pubkey_from_seckey(s, pub, sk) != CPC_OK) {
        cpc_signer_free(s);
        fprintf(stderr, "measure_vanity: cannot make a customer key\n");
        return -1;
    }
    cpc_signer_free(s);

    double r = run_vanity(pub, start, 1u << 17); /* calibration (also builds the table) */
    if (r <= 0)
        return -1;
    double want = r * seconds;
    uint64_t tries = want < 1e15 ? (uint64_t)want + 1 : (uint64_t)1e15;
    start[1] ^= 0xff; /* a fresh range */
    r = run_vanity(pub, start, tries);
    if (r <= 0)
        return -1;
    *keys_per_s = r;
    return 0;
}

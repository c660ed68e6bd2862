/* measure_hashpow.c — bench_measure_hashpow (worker_measure.h): hashes per
 * second of cpc_wk_hashpow on one thread against libcrypto's SHA-256 through
 * EVP on 64-byte inputs (what `openssl speed -evp sha256 -bytes 64`
 * measures: fetched once, context reused), on the same thread, in this
 * process. The executor wins by more than SHA-NI: its 40-byte message is one
 * block whose first 8 rounds depend only on the seed, so they are computed
 * once per task, and only the 64 bits that the target needs are formed.
 *
 * The executor runs with bits = 64 (practically impossible) over a fixed
 * nonce count sized from a short calibration, so it scans the whole range.
 * libcrypto is also timed on the executor's own 40-byte messages, so the
 * report can show how much of the lead is the message length (one block
 * instead of two) and how much the executor's own work.
 * The two measurements alternate ROUNDS times and the median of each is
 * reported, so clock or load drift on a shared machine hits both alike.
 * Times are CPU time of the calling thread, so time-sharing with other
 * processes does not count against either side.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "worker/executor.h"
#include "worker_measure.h"

#define ROUNDS 5

static double thread_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Executor over n nonces: hashes/s, or -1. */
static double run_executor(const uint8_t seed[32], uint64_t start, uint64_t n)
{
    struct cpc_wk_ctl ctl = {.cancel = NULL, .done = NULL, .threads = 1};
    struct cpc_err err;
    uint64_t nonce = 0;
    double t0 = thread_s();
    int rc = cpc_wk_hashpow(seed, 64, start, n, &ctl, &nonce, &err);
    double dt = thread_s() - t0;
    if (rc == CPC_OK)
        return (double)(nonce - start + 1) / dt; /* a 64-bit hit: count what was tried */
    if (rc != CPC_ERR_NOT_FOUND) {
        fprintf(stderr, "measure_hashpow: cpc_wk_hashpow: %s\n", err.msg);
        return -1;
    }
    return (double)n / dt;
}

/* libcrypto SHA-256 over n messages of len bytes (64: what `openssl speed
 * -evp sha256 -bytes 64` hashes, a counter in the first 8 bytes; 40: the
 * executor's own seed | u64be nonce), the way openssl speed runs it: the
 * algorithm fetched once, one reused EVP_MD_CTX, Init/Update/Final per
 * message (SHA-NI inside). Hashes/s, or -1. */
static double run_openssl(uint64_t n, size_t len, const uint8_t seed[32], uint8_t sink[32])
{
    uint8_t msg[64], md[32];
    unsigned mdlen = 0;
    EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!sha || !ctx) {
        EVP_MD_free(sha);
        EVP_MD_CTX_free(ctx);
        return -1;
    }
    memset(msg, 0x5a, sizeof msg);
    if (len == 40)
        memcpy(msg, seed, 32);
    double t0 = thread_s();
    for (uint64_t i = 0; i < n; i++) {
        if (len == 40)
            for (int b = 0; b < 8; b++)
                msg[32 + b] = (uint8_t)(i >> (56 - 8 * b));
        else
            memcpy(msg, &i, sizeof i);
        EVP_DigestInit_ex2(ctx, sha, NULL);
        EVP_DigestUpdate(ctx, msg, len);
        EVP_DigestFinal_ex(ctx, md, &mdlen);
        sink[i & 31] ^= md[0];
    }
    double rate = (double)n / (thread_s() - t0);
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(sha);
    return rate;
}

int bench_measure_hashpow(double seconds, double *mhs_per_core, double *openssl_mhs_per_core,
                          double *openssl40_mhs_per_core)
{
    uint8_t seed[32], sink[32] = {0};
    double ours[ROUNDS], ref[ROUNDS], ref40[ROUNDS];
    if (!mhs_per_core || !openssl_mhs_per_core || !(seconds > 0)) {
        fprintf(stderr, "measure_hashpow: bad arguments\n");
        return -1;
    }
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(0xa5 ^ (i * 29));

    /* calibrate: ~2% of the budget each, then size each round to seconds / (3 * ROUNDS) */
    double slice = seconds / (3.0 * ROUNDS);
    double r_ours = run_executor(seed, 0, 1u << 18);
    double r_ref = run_openssl(1u << 16, 64, seed, sink);
    if (r_ours <= 0 || r_ref <= 0)
        return -1;
    uint64_t n_ours = (uint64_t)(r_ours * slice) + 1, n_ref = (uint64_t)(r_ref * slice) + 1;

    uint64_t start = 1u << 20;
    for (int k = 0; k < ROUNDS; k++) {
        ours[k] = run_executor(seed, start, n_ours);
        start += n_ours;
        ref[k] = run_openssl(n_ref, 64, seed, sink);
        ref40[k] = run_openssl(n_ref, 40, seed, sink);
        if (ours[k] <= 0 || ref[k] <= 0 || ref40[k] <= 0)
            return -1;
    }
    qsort(ours, ROUNDS, sizeof ours[0], cmp_double);
    qsort(ref, ROUNDS, sizeof ref[0], cmp_double);
    qsort(ref40, ROUNDS, sizeof ref40[0], cmp_double);
    *mhs_per_core = ours[ROUNDS / 2] / 1e6;
    *openssl_mhs_per_core = ref[ROUNDS / 2] / 1e6;
    if (openssl40_mhs_per_core)
        *openssl40_mhs_per_core = ref40[ROUNDS / 2] / 1e6;
    volatile uint8_t keep = sink[0]; /* keep the reference loop's results alive */
    (void)keep;
    return 0;
}

/* test_core_kind_matmul.c — matmul kind: generator against the documented
 * formula (splitmix64 re-implemented here), reference multiply against a naive
 * second implementation on odd shapes, leaf and challenge formats, the
 * commit/challenge/prove/verify round trip, cheaters (lazy, 1 row in 8 at the
 * (1-f)^k rate), Freivalds on a single wrong element, and argument bounds. */
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
#include "core/hash.h"
#include "core/kinds.h"
#include "core/merkle.h"

/* ---- independent helpers ---- */

static uint64_t sm64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Two's complement of the top byte. */
static int top_byte_i8(uint64_t v)
{
    int b = (int)(v >> 56);
    return b > 127 ? b - 256 : b;
}

/* Deterministic test PRNG (xorshift64*). */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static void make_spec(struct cpc_matmul_spec *s, uint8_t fill, uint32_t m, uint32_t k, uint32_t n)
{
    for (int i = 0; i < 32; i++)
        s->seed[i] = (uint8_t)(fill + i);
    s->m = m, s->k = k, s->n = n;
}

/* A, B and C = A*B of a spec, heap-allocated (caller frees). */
static int32_t *full_product(const struct cpc_matmul_spec *s)
{
    int8_t *A = malloc((size_t)s->m * s->k), *B = malloc((size_t)s->k * s->n);
    int32_t *C = malloc((size_t)s->m * s->n * sizeof *C);
    assert_non_null(A);
    assert_non_null(B);
    assert_non_null(C);
    cpc_matmul_gen_a(s, A);
    cpc_matmul_gen_b(s, B);
    cpc_matmul_reference(s, A, B, C);
    free(A);
    free(B);
    return C;
}

/* ---- tests ---- */

static void test_splitmix_known_values(void **state)
{
    (void)state;
    /* SplitMix64 seeded with 0 (Vigna's reference): first three outputs. */
    assert_true(sm64(0) == 0xe220a8397b1dcdafULL);
    assert_true(sm64(0x9e3779b97f4a7c15ULL) == 0x6e789e6aa1b965f4ULL);
    assert_true(sm64(2 * 0x9e3779b97f4a7c15ULL) == 0x06c45d188009454fULL);
}

static void test_generator_formula(void **state)
{
    (void)state;
    struct cpc_matmul_spec s;
    make_spec(&s, 0, 5, 7, 3);
    uint8_t buf[33], h[32];
    memcpy(buf, s.seed, 32);
    buf[32] = 'A';
    cpc_sha256(h, buf, 33);
    const uint64_t ka = be64(h);
    buf[32] = 'B';
    cpc_sha256(h, buf, 33);
    const uint64_t kb = be64(h);

    struct cpc_matmul_keys keys;
    cpc_matmul_keys(&s, &keys);
    assert_true(keys.ka == ka);
    assert_true(keys.kb == kb);

    /* a few elements by hand: A[i][j] = top byte of splitmix64(ka + i*k + j) */
    assert_int_equal(cpc_matmul_a(&s, &keys, 0, 0), top_byte_i8(sm64(ka)));
    assert_int_equal(cpc_matmul_a(&s, &keys, 0, 6), top_byte_i8(sm64(ka + 6)));
    assert_int_equal(cpc_matmul_a(&s, &keys, 4, 2), top_byte_i8(sm64(ka + 4 * 7 + 2)));
    assert_int_equal(cpc_matmul_a(&s, &keys, 3, 5), top_byte_i8(sm64(ka + 3 * 7 + 5)));
    assert_int_equal(cpc_matmul_b(&s, &keys, 0, 0), top_byte_i8(sm64(kb)));
    assert_int_equal(cpc_matmul_b(&s, &keys, 6, 2), top_byte_i8(sm64(kb + 6 * 3 + 2)));
    assert_int_equal(cpc_matmul_b(&s, &keys, 2, 1), top_byte_i8(sm64(kb + 2 * 3 + 1)));

    /* the fillers agree with the element functions, and are deterministic */
    int8_t A[35], A2[35], B[21];
    cpc_matmul_gen_a(&s, A);
    cpc_matmul_gen_a(&s, A2);
    cpc_matmul_gen_b(&s, B);
    assert_memory_equal(A, A2, sizeof A);
    int negative = 0, positive = 0;
    for (uint32_t i = 0; i < 5; i++)
        for (uint32_t j = 0; j < 7; j++) {
            assert_int_equal(A[i * 7 + j], top_byte_i8(sm64(ka + i * 7 + j)));
            negative += A[i * 7 + j] < 0;
            positive += A[i * 7 + j] > 0;
        }
    for (uint32_t i = 0; i < 7; i++)
        for (uint32_t j = 0; j < 3; j++)
            assert_int_equal(B[i * 3 + j], cpc_matmul_b(&s, &keys, i, j));
    assert_true(negative > 0 && positive > 0); /* signed, not just bytes */

    /* a different seed gives different matrices; the counter wraps mod 2^64 */
    struct cpc_matmul_spec s2 = s;
    s2.seed[31] ^= 1;
    cpc_matmul_gen_a(&s2, A2);
    assert_memory_not_equal(A, A2, sizeof A);
    struct cpc_matmul_keys wrap = {UINT64_MAX, UINT64_MAX};
    assert_int_equal(cpc_matmul_a(&s, &wrap, 0, 1), top_byte_i8(sm64(0)));
    assert_int_equal(cpc_matmul_a(&s, &wrap, 0, 1), top_byte_i8(0xe220a8397b1dcdafULL)); /* = -30 */
    assert_int_equal(cpc_matmul_a(&s, &wrap, 0, 1), -30);

    /* task seed: SHA256("cpc-matmul" | job | u32be index) */
    uint8_t job[32], seed[32], tb[46];
    memset(job, 0x5a, sizeof job);
    memcpy(tb, "cpc-matmul", 10);
    memcpy(tb + 10, job, 32);
    tb[42] = 0, tb[43] = 0, tb[44] = 1, tb[45] = 0x2c;
    cpc_sha256(h, tb, sizeof tb);
    cpc_matmul_task_seed(seed, job, 300);
    assert_memory_equal(seed, h, 32);
}

static void test_reference_vs_naive(void **state)
{
    (void)state;
    static const uint32_t shapes[][3] = {
        {1, 1, 1}, {1, 1, 17}, {1, 9, 1}, {1, 40, 33}, {5, 1, 7}, {3, 8, 2},
        {37, 53, 29}, {16, 16, 16}, {64, 3, 40}, {29, 2, 1},
    };
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        struct cpc_matmul_spec s;
        struct cpc_matmul_keys keys;
        make_spec(&s, (uint8_t)(t * 13), shapes[t][0], shapes[t][1], shapes[t][2]);
        cpc_matmul_keys(&s, &keys);
        int8_t *B = malloc((size_t)s.k * s.n);
        int32_t *C = full_product(&s), *row = malloc(s.n * sizeof *row);
        assert_non_null(B);
        assert_non_null(row);
        cpc_matmul_gen_b(&s, B);
        for (uint32_t i = 0; i < s.m; i++) {
            for (uint32_t j = 0; j < s.n; j++) {
                int64_t acc = 0; /* naive i-j-l with element functions, int64 */
                for (uint32_t l = 0; l < s.k; l++)
                    acc += (int64_t)cpc_matmul_a(&s, &keys, i, l) * cpc_matmul_b(&s, &keys, l, j);
                assert_true(C[(size_t)i * s.n + j] == acc);
            }
            cpc_matmul_row(&s, B, i, row);
            assert_memory_equal(row, C + (size_t)i * s.n, s.n * sizeof *row);
        }
        free(B);
        free(C);
        free(row);
    }
}

static void test_extreme_values_exact(void **state)
{
    (void)state;
    /* all -128: every C element is k * 16384, exact in int32 */
    struct cpc_matmul_spec s;
    make_spec(&s, 1, 2, 300, 3);
    int8_t A[600], B[900];
    int32_t C[6];
    memset(A, 0x80, sizeof A);
    memset(B, 0x80, sizeof B);
    cpc_matmul_reference(&s, A, B, C);
    for (int i = 0; i < 6; i++)
        assert_int_equal(C[i], 300 * 16384);
}

static void test_leaf_format(void **state)
{
    (void)state;
    const int32_t vals[3] = {1, -1, 0x12345678};
    uint8_t buf[10 + 4 + 12], want[32], leaf[32];
    memcpy(buf, "cpc-mm-row", 10);
    const uint8_t tail[16] = {0, 0, 0, 9, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x12, 0x34, 0x56, 0x78};
    memcpy(buf + 10, tail, 16);
    cpc_sha256(want, buf, sizeof buf);
    cpc_matmul_row_leaf(leaf, 9, vals, 3);
    assert_memory_equal(leaf, want, 32);
    cpc_matmul_row_leaf(leaf, 8, vals, 3);
    assert_memory_not_equal(leaf, want, 32);

    /* a row longer than the internal chunk hashes the same as one big buffer */
    enum { N = 1000 };
    int32_t *row = malloc(N * sizeof *row);
    uint8_t *big = malloc(14 + 4 * N);
    assert_non_null(row);
    assert_non_null(big);
    memcpy(big, "cpc-mm-row\0\0\0\x02", 14);
    for (uint32_t j = 0; j < N; j++) {
        row[j] = (int32_t)(j * 2654435761u);
        uint32_t u = (uint32_t)row[j];
        big[14 + 4 * j] = (uint8_t)(u >> 24), big[15 + 4 * j] = (uint8_t)(u >> 16);
        big[16 + 4 * j] = (uint8_t)(u >> 8), big[17 + 4 * j] = (uint8_t)u;
    }
    cpc_sha256(want, big, 14 + 4 * N);
    cpc_matmul_row_leaf(leaf, 2, row, N);
    assert_memory_equal(leaf, want, 32);
    free(row);
    free(big);
}

static void test_challenge_rows(void **state)
{
    (void)state;
    uint8_t seed[32], h[32], buf[36];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(200 - i);
    uint32_t rows[64], again[64];
    static const uint32_t ms[] = {1, 2, 7, 64, 1000, CPC_MATMUL_MAX_DIM};
    for (size_t t = 0; t < sizeof ms / sizeof ms[0]; t++) {
        cpc_matmul_challenge(seed, ms[t], 64, rows);
        cpc_matmul_challenge(seed, ms[t], 64, again);
        assert_memory_equal(rows, again, sizeof rows);
        for (int i = 0; i < 64; i++)
            assert_true(rows[i] < ms[t]);
        /* the first row is the first draw */
        memcpy(buf, seed, 32);
        buf[32] = 0, buf[33] = 0, buf[34] = 0, buf[35] = 0;
        cpc_sha256(h, buf, sizeof buf);
        assert_int_equal(rows[0], be64(h) % ms[t]);
    }
    /* a prefix of a longer challenge is the shorter challenge; another seed differs */
    cpc_matmul_challenge(seed, 1000, 5, again);
    cpc_matmul_challenge(seed, 1000, 64, rows);
    assert_memory_equal(rows, again, 5 * sizeof *rows);
    seed[0] ^= 1;
    cpc_matmul_challenge(seed, 1000, 64, again);
    assert_memory_not_equal(rows, again, sizeof rows);
    /* m = 1: every challenge is row 0 */
    cpc_matmul_challenge(seed, 1, 64, rows);
    for (int i = 0; i < 64; i++)
        assert_int_equal(rows[i], 0);
}

/* Rows are drawn without replacement: k openings are k distinct rows, so a
 * cheater on a fraction f of rows survives with at most (1-f)^k. With
 * replacement, 64 draws among 100 rows repeat one for almost every seed. */
static void test_challenge_rows_distinct(void **state)
{
    (void)state;
    static const uint32_t ms[] = {64, 65, 100, 128, 1000};
    uint32_t rows[64];
    for (uint32_t s = 0; s < 200; s++) {
        uint8_t seed[32];
        uint8_t sb[4] = {(uint8_t)(s >> 24), (uint8_t)(s >> 16), (uint8_t)(s >> 8), (uint8_t)s};
        cpc_sha256(seed, sb, sizeof sb);
        for (size_t t = 0; t < sizeof ms / sizeof ms[0]; t++) {
            cpc_matmul_challenge(seed, ms[t], 64, rows);
            for (int i = 0; i < 64; i++) {
                assert_true(rows[i] < ms[t]);
                for (int j = 0; j < i; j++)
                    if (rows[i] == rows[j])
                        fail_msg("seed %u m=%u: rows %d and %d are both %u", s, ms[t], j, i,
                                 rows[i]);
            }
        }
    }
    /* count = m: a permutation of the rows */
    uint8_t seed[32] = {7};
    uint32_t perm[64];
    cpc_matmul_challenge(seed, 64, 64, perm);
    uint64_t seen = 0;
    for (int i = 0; i < 64; i++)
        seen |= 1ull << perm[i];
    assert_true(seen == UINT64_MAX);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct cpc_matmul_spec s;
    struct cpc_err err;
    make_spec(&s, 3, 37, 53, 29);
    int32_t *C = full_product(&s);
    uint8_t root[32], want[32], cseed[32] = {9};
    assert_int_equal(cpc_matmul_commit(&s, C, root), CPC_OK);
    /* the root is the Merkle root of the row leaves */
    uint8_t (*leaves)[32] = malloc(37 * 32);
    assert_non_null(leaves);
    for (uint32_t r = 0; r < 37; r++)
        cpc_matmul_row_leaf(leaves[r], r, C + r * 29, 29);
    assert_int_equal(cpc_merkle_root(want, (const uint8_t(*)[32])leaves, 37), CPC_OK);
    assert_memory_equal(root, want, 32);
    free(leaves);

    uint32_t rows[16];
    struct cpc_merkle_proof *proofs = calloc(16, sizeof *proofs);
    assert_non_null(proofs);
    cpc_matmul_challenge(cseed, s.m, 16, rows);
    assert_int_equal(cpc_matmul_prove(&s, C, rows, 16, proofs), CPC_OK);
    for (int i = 0; i < 16; i++)
        assert_true(proofs[i].index == rows[i] && proofs[i].n_leaves == 37);
    memset(&err, 0, sizeof err);
    assert_int_equal(cpc_matmul_verify_rows(&s, root, rows, 16, proofs, &err), CPC_OK);
    assert_int_equal(err.code, CPC_OK);

    /* a tampered sibling */
    proofs[3].siblings[0][5] ^= 0x10;
    assert_int_equal(cpc_matmul_verify_rows(&s, root, rows, 16, proofs, &err), CPC_ERR_INVALID_RESULT);
    char msg[128];
    snprintf(msg, sizeof msg, "Invalid ComputeResult: row %u does not match the commitment", rows[3]);
    assert_string_equal(err.msg, msg);
    proofs[3].siblings[0][5] ^= 0x10;
    /* another root (e.g. of a different task) */
    uint8_t bad[32];
    memcpy(bad, root, 32);
    bad[0] ^= 1;
    assert_int_equal(cpc_matmul_verify_rows(&s, bad, rows, 16, proofs, &err), CPC_ERR_INVALID_RESULT);
    /* the same commitment checked against another task's matrices */
    struct cpc_matmul_spec other = s;
    other.seed[0] ^= 1;
    assert_int_equal(cpc_matmul_verify_rows(&other, root, rows, 16, proofs, &err), CPC_ERR_INVALID_RESULT);
    /* a proof for another row than challenged */
    uint32_t r0 = rows[0];
    rows[0] = (r0 + 1) % 37;
    assert_int_equal(cpc_matmul_verify_rows(&s, root, rows, 16, proofs, &err), CPC_ERR_INVALID_RESULT);
    assert_non_null(strstr(err.msg, "Invalid ComputeResult: proof 0 opens leaf"));
    rows[0] = r0;
    /* a proof claiming a different tree size */
    proofs[1].n_leaves = 38;
    assert_int_equal(cpc_matmul_verify_rows(&s, root, rows, 16, proofs, &err), CPC_ERR_INVALID_RESULT);
    proofs[1].n_leaves = 37;
    proofs[1].depth = CPC_MERKLE_MAX_DEPTH + 5; /* garbage from the wire: no crash */
    assert_int_equal(cpc_matmul_verify_rows(&s, root, rows, 16, proofs, &err), CPC_ERR_INVALID_RESULT);
    free(proofs);
    free(C);
}

/* Commit to C, answer the challenge drawn from cseed honestly (proofs of the
 * committed rows), and return the verifier's verdict. */
static int commit_and_verify(const struct cpc_matmul_spec *s, const int32_t *C, const uint8_t cseed[32],
                             uint32_t count, struct cpc_err *err, uint32_t *rows)
{
    uint8_t root[32];
    struct cpc_merkle_proof proofs[16];
    assert_true(count <= 16);
    assert_int_equal(cpc_matmul_commit(s, C, root), CPC_OK);
    cpc_matmul_challenge(cseed, s->m, count, rows);
    assert_int_equal(cpc_matmul_prove(s, C, rows, count, proofs), CPC_OK);
    return cpc_matmul_verify_rows(s, root, rows, count, proofs, err);
}

static void test_lazy_cheater_caught(void **state)
{
    (void)state;
    struct cpc_matmul_spec s;
    struct cpc_err err;
    uint32_t rows[16];
    make_spec(&s, 77, 64, 16, 32);
    int32_t *C = malloc(64 * 32 * sizeof *C);
    assert_non_null(C);
    uint64_t rng = 0x1234567;
    for (int trial = 0; trial < 20; trial++) {
        for (int i = 0; i < 64 * 32; i++)
            C[i] = (int32_t)(rng_next(&rng) % 8193) - 4096;
        uint8_t cseed[32] = {(uint8_t)trial};
        assert_int_equal(commit_and_verify(&s, C, cseed, 16, &err, rows), CPC_ERR_INVALID_RESULT);
        assert_non_null(strstr(err.msg, "Invalid ComputeResult: row "));
    }
    /* all zeros is lazy too */
    memset(C, 0, 64 * 32 * sizeof *C);
    uint8_t cseed[32] = {0xee};
    assert_int_equal(commit_and_verify(&s, C, cseed, 16, &err, rows), CPC_ERR_INVALID_RESULT);
    free(C);
}

static void test_partial_cheater_rate(void **state)
{
    (void)state;
    enum { M = 64, K = 8, N = 8, TRIALS = 2000, CHAL = 16, WRONG = M / 8 };
    struct cpc_matmul_spec s;
    struct cpc_err err;
    make_spec(&s, 11, M, K, N);
    int32_t *honest = full_product(&s);
    int32_t C[M * N];
    uint64_t rng = 0xfeedface;
    unsigned survived = 0;
    for (uint32_t trial = 0; trial < TRIALS; trial++) {
        /* pick WRONG distinct rows (partial Fisher-Yates) and perturb one value in each */
        uint32_t perm[M];
        int bad[M] = {0};
        for (uint32_t i = 0; i < M; i++)
            perm[i] = i;
        for (uint32_t i = 0; i < WRONG; i++) {
            uint32_t j = i + (uint32_t)(rng_next(&rng) % (M - i));
            uint32_t tmp = perm[i];
            perm[i] = perm[j], perm[j] = tmp;
            bad[perm[i]] = 1;
        }
        memcpy(C, honest, sizeof C);
        for (uint32_t r = 0; r < M; r++)
            if (bad[r])
                C[r * N + (uint32_t)(rng_next(&rng) % N)] += 1 + (int32_t)(rng_next(&rng) % 5);
        uint8_t cseed[32];
        cpc_sha256(cseed, &trial, sizeof trial);
        uint32_t rows[CHAL];
        int rc = commit_and_verify(&s, C, cseed, CHAL, &err, rows);
        int hit = 0;
        for (int i = 0; i < CHAL; i++)
            hit |= bad[rows[i]];
        /* caught exactly when a challenged row is a wrong one */
        assert_int_equal(rc, hit ? CPC_ERR_INVALID_RESULT : CPC_OK);
        survived += rc == CPC_OK;
    }
    /* P(survive) = (7/8)^16 = 0.1181: mean 236.2, sd 14.4; accept +-6 sd */
    printf("partial cheater (1/8 rows wrong, 16 challenges): survived %u of %u (expected ~236)\n",
           survived, (unsigned)TRIALS);
    assert_true(survived >= 150 && survived <= 323);
    free(honest);
}

static void test_freivalds(void **state)
{
    (void)state;
    struct cpc_matmul_spec s;
    struct cpc_err err;
    make_spec(&s, 21, 37, 53, 29);
    int32_t *C = full_product(&s);
    uint8_t seed[32] = {1, 2, 3};
    assert_int_equal(cpc_matmul_freivalds(&s, C, seed, 1, &err), CPC_OK);
    assert_int_equal(cpc_matmul_freivalds(&s, C, seed, 20, &err), CPC_OK);
    static const size_t pos[] = {0, 28, 37 * 29 / 2, 37 * 29 - 1};
    for (size_t p = 0; p < sizeof pos / sizeof pos[0]; p++) {
        for (int delta = -1; delta <= 1; delta += 2) {
            C[pos[p]] += delta;
            seed[31] = (uint8_t)p;
            /* one round catches it with probability 1/2; 32 rounds miss with 2^-32 */
            assert_int_equal(cpc_matmul_freivalds(&s, C, seed, 32, &err), CPC_ERR_INVALID_RESULT);
            assert_non_null(strstr(err.msg, "Invalid ComputeResult: C fails Freivalds' check at row "));
            char want[32];
            snprintf(want, sizeof want, "row %zu ", pos[p] / 29);
            assert_non_null(strstr(err.msg, want));
            C[pos[p]] -= delta;
        }
    }
    /* 1x1: the only element */
    make_spec(&s, 4, 1, 1, 1);
    int32_t *c1 = full_product(&s);
    assert_int_equal(cpc_matmul_freivalds(&s, c1, seed, 8, &err), CPC_OK);
    c1[0] ^= 1 << 20;
    assert_int_equal(cpc_matmul_freivalds(&s, c1, seed, 32, &err), CPC_ERR_INVALID_RESULT);
    /* rounds out of range */
    assert_int_equal(cpc_matmul_freivalds(&s, c1, seed, 0, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_matmul_freivalds(&s, c1, seed, CPC_MATMUL_MAX_CHALLENGES + 1, &err),
                     CPC_ERR_INVALID);
    free(c1);
    free(C);
}

static void test_bounds(void **state)
{
    (void)state;
    struct cpc_matmul_spec s;
    struct cpc_err err;
    make_spec(&s, 5, 8, 8, 8);
    int32_t *C = full_product(&s);
    uint8_t root[32], seed[32] = {0};
    uint32_t rows[CPC_MATMUL_MAX_CHALLENGES + 1] = {0};
    struct cpc_merkle_proof *proofs = calloc(CPC_MATMUL_MAX_CHALLENGES + 1, sizeof *proofs);
    assert_non_null(proofs);
    assert_int_equal(cpc_matmul_commit(&s, C, root), CPC_OK);
    assert_int_equal(cpc_matmul_prove(&s, C, rows, CPC_MATMUL_MAX_CHALLENGES + 1, proofs), CPC_OK);
    /* count 0 or above the maximum */
    assert_int_equal(cpc_matmul_verify_rows(&s, root, rows, 0, proofs, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_matmul_verify_rows(&s, root, rows, CPC_MATMUL_MAX_CHALLENGES + 1, proofs, &err),
                     CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "challenge count 65 out of range"));
    assert_int_equal(cpc_matmul_verify_rows(&s, root, rows, CPC_MATMUL_MAX_CHALLENGES, proofs, &err), CPC_OK);
    /* row out of range */
    rows[2] = 8;
    assert_int_equal(cpc_matmul_verify_rows(&s, root, rows, 4, proofs, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_matmul_prove(&s, C, rows, 4, proofs), CPC_ERR_INVALID);
    rows[2] = 0;
    assert_int_equal(cpc_matmul_verify_rows(&s, NULL, rows, 4, proofs, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_matmul_verify_rows(NULL, root, rows, 4, proofs, &err), CPC_ERR_INVALID);
    /* dims 0 or above the maximum, in each position */
    for (int which = 0; which < 3; which++) {
        for (int big = 0; big < 2; big++) {
            struct cpc_matmul_spec b = s;
            uint32_t v = big ? CPC_MATMUL_MAX_DIM + 1 : 0;
            if (which == 0)
                b.m = v;
            else if (which == 1)
                b.k = v;
            else
                b.n = v;
            assert_int_equal(cpc_matmul_verify_rows(&b, root, rows, 4, proofs, &err), CPC_ERR_INVALID);
            assert_non_null(strstr(err.msg, "out of range (each must be 1..16384)"));
            assert_int_equal(cpc_matmul_freivalds(&b, C, seed, 4, &err), CPC_ERR_INVALID);
            assert_int_equal(cpc_matmul_commit(&b, C, root), CPC_ERR_INVALID);
            assert_int_equal(cpc_matmul_prove(&b, C, rows, 1, proofs), CPC_ERR_INVALID);
        }
    }
    /* the maximum itself is accepted (cheap with a single row and column) */
    struct cpc_matmul_spec big = s;
    big.m = 1, big.k = CPC_MATMUL_MAX_DIM, big.n = 1;
    int32_t *cb = full_product(&big);
    assert_int_equal(cpc_matmul_freivalds(&big, cb, seed, 4, &err), CPC_OK);
    assert_int_equal(cpc_matmul_commit(&big, cb, root), CPC_OK);
    free(cb);
    free(proofs);
    free(C);
}

static void test_n256_round_trip(void **state)
{
    (void)state;
    struct cpc_matmul_spec s;
    struct cpc_err err;
    make_spec(&s, 99, 256, 256, 256);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int32_t *C = full_product(&s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("n=256 generate + reference multiply: %.3f s\n",
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    uint8_t cseed[32] = {42};
    uint32_t rows[16];
    assert_int_equal(commit_and_verify(&s, C, cseed, 16, &err, rows), CPC_OK);
    assert_int_equal(cpc_matmul_freivalds(&s, C, cseed, 2, &err), CPC_OK);
    C[255 * 256 + 255] += 1;
    assert_int_equal(cpc_matmul_freivalds(&s, C, cseed, 32, &err), CPC_ERR_INVALID_RESULT);
    free(C);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_splitmix_known_values),
        cmocka_unit_test(test_generator_formula),
        cmocka_unit_test(test_reference_vs_naive),
        cmocka_unit_test(test_extreme_values_exact),
        cmocka_unit_test(test_leaf_format),
        cmocka_unit_test(test_challenge_rows),
        cmocka_unit_test(test_challenge_rows_distinct),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_lazy_cheater_caught),
        cmocka_unit_test(test_partial_cheater_rate),
        cmocka_unit_test(test_freivalds),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_n256_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

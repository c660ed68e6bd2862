/* kind_matmul.c — the `matmul` compute kind (see kinds.h).
 *
 * A task is (seed, m, k, n). A (m x k) and B (k x n) are int8 matrices whose
 * elements come from a counter-based generator (splitmix64 of key + linear
 * index), so any element can be produced independently on CPU or GPU. The
 * worker computes C = A*B exactly in int32 (|C| <= k * 128 * 128 <= 2^28, so
 * no overflow for k <= CPC_MATMUL_MAX_DIM), commits to the Merkle root of C's
 * row leaves, and later opens the rows drawn from a challenge seed.
 *
 * The common case is the verifier: cpc_matmul_verify_rows generates B once
 * (k*n bytes) and recomputes each challenged row in O(k*n), generating A's
 * row on the fly; that is ~count/m of the worker's work. The reference
 * executor is a plain i-l-j triple loop (the inner loop walks a row of B and
 * a row of C contiguously, which the compiler vectorises); the worker's fast
 * executors must match it byte for byte.
 *
 * Freivalds' check (for a fully uploaded C) uses `rounds` 0/1 vectors:
 * r_t[j] = splitmix64(kr_t + j) >> 63 with kr_t = u64be(SHA256(seed | "R" |
 * u32be t)[0..8]); it compares A(B r_t) with C r_t in int64, which is exact
 * (|A(Br)| <= k*n*2^14 <= 2^42, |Cr| <= n*2^31 <= 2^45), so a C that differs
 * from A*B anywhere passes one round with probability <= 1/2.
 */
#include "kinds.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hash.h"

#define LEAF_CHUNK 256 /* values converted to big-endian per hash update */

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Top byte of splitmix64(ctr) as a two's-complement int8 (portable, no
 * implementation-defined conversion). */
static int8_t gen_elem(uint64_t ctr)
{
    int b = (int)(splitmix64(ctr) >> 56);
    return (int8_t)(b >= 128 ? b - 256 : b);
}

static int dims_ok(const struct cpc_matmul_spec *s)
{
    return s && s->m >= 1 && s->m <= CPC_MATMUL_MAX_DIM && s->k >= 1 &&
           s->k <= CPC_MATMUL_MAX_DIM && s->n >= 1 && s->n <= CPC_MATMUL_MAX_DIM;
}

static int check_spec(const struct cpc_matmul_spec *s, struct cpc_err *err)
{
    if (!s)
        return cpc_err_set(err, CPC_ERR_INVALID, "matmul: missing task spec");
    if (!dims_ok(s))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "matmul: dimensions %ux%ux%u out of range (each must be 1..%u)",
                           s->m, s->k, s->n, (unsigned)CPC_MATMUL_MAX_DIM);
    return CPC_OK;
}

void cpc_matmul_task_seed(uint8_t seed[32], const uint8_t job_seed[32], uint32_t index)
{
    cpc_kind_task_seed(seed, "cpc-matmul", job_seed, index);
}

void cpc_matmul_keys(const struct cpc_matmul_spec *s, struct cpc_matmul_keys *out)
{
    uint8_t h[32];
    cpc_sha256_2(h, s->seed, 32, "A", 1);
    out->ka = cpc_get_u64be(h);
    cpc_sha256_2(h, s->seed, 32, "B", 1);
    out->kb = cpc_get_u64be(h);
}

int8_t cpc_matmul_a(const struct cpc_matmul_spec *s, const struct cpc_matmul_keys *k, uint32_t i, uint32_t j)
{
    return gen_elem(k->ka + (uint64_t)i * s->k + j);
}

int8_t cpc_matmul_b(const struct cpc_matmul_spec *s, const struct cpc_matmul_keys *k, uint32_t i, uint32_t j)
{
    return gen_elem(k->kb + (uint64_t)i * s->n + j);
}

void cpc_matmul_gen_a(const struct cpc_matmul_spec *s, int8_t *A)
{
    struct cpc_matmul_keys keys;
    if (!dims_ok(s) || !A)
        return;
    cpc_matmul_keys(s, &keys);
    size_t total = (size_t)s->m * s->k; /* A[i][j] sits at linear index i*k + j */
    for (size_t idx = 0; idx < total; idx++)
        A[idx] = gen_elem(keys.ka + idx);
}

void cpc_matmul_gen_b(const struct cpc_matmul_spec *s, int8_t *B)
{
    struct cpc_matmul_keys keys;
    if (!dims_ok(s) || !B)
        return;
    cpc_matmul_keys(s, &keys);
    size_t total = (size_t)s->k * s->n;
    for (size_t idx = 0; idx < total; idx++)
        B[idx] = gen_elem(keys.kb + idx);
}

/* out (n int32) = arow (k int8) * B (k x n). */
static void row_times_b(const int8_t *arow, const int8_t *B, size_t k, size_t n, int32_t *out)
{
    memset(out, 0, n * sizeof *out);
    for (size_t l = 0; l < k; l++) {
        const int32_t a = arow[l];
        const int8_t *b = B + l * n;
        for (size_t j = 0; j < n; j++)
            out[j] += a * b[j];
    }
}

void cpc_matmul_reference(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B, int32_t *C)
{
    if (!dims_ok(s) || !A || !B || !C)
        return;
    const size_t m = s->m, k = s->k, n = s->n;
    for (size_t i = 0; i < m; i++)
        row_times_b(A + i * k, B, k, n, C + i * n);
}

void cpc_matmul_row(const struct cpc_matmul_spec *s, const int8_t *B, uint32_t row, int32_t *out)
{
    struct cpc_matmul_keys keys;
    if (!dims_ok(s) || !B || !out || row >= s->m)
        return;
    cpc_matmul_keys(s, &keys);
    const size_t k = s->k, n = s->n;
    const uint64_t base = keys.ka + (uint64_t)row * k;
    memset(out, 0, n * sizeof *out);
    for (size_t l = 0; l < k; l++) {
        const int32_t a = gen_elem(base + l);
        const int8_t *b = B + l * n;
        for (size_t j = 0; j < n; j++)
            out[j] += a * b[j];
    }
}

void cpc_matmul_row_leaf(uint8_t leaf[32], uint32_t row, const int32_t *crow, uint32_t n)
{
    static const char tag[] = "cpc-mm-row";
    uint8_t buf[LEAF_CHUNK * 4];
    struct cpc_sha256_ctx c;
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, tag, sizeof tag - 1);
    cpc_put_u32be(buf, row);
    cpc_sha256_update(&c, buf, 4);
    for (uint32_t j = 0; j < n;) {
        uint32_t take = n - j < LEAF_CHUNK ? n - j : LEAF_CHUNK;
        for (uint32_t t = 0; t < take; t++)
            cpc_put_u32be(buf + 4 * t, (uint32_t)crow[j + t]);
        cpc_sha256_update(&c, buf, (size_t)take * 4);
        j += take;
    }
    cpc_sha256_final(&c, leaf);
}

/* All m row leaves of C into a new heap array (caller frees), or NULL. */
static uint8_t (*row_leaves(const struct cpc_matmul_spec *s, const int32_t *C))[32]
{
    uint8_t (*leaves)[32] = malloc((size_t)s->m * 32);
    if (!leaves)
        return NULL;
    for (uint32_t r = 0; r < s->m; r++)
        cpc_matmul_row_leaf(leaves[r], r, C + (size_t)r * s->n, s->n);
    return leaves;
}

int cpc_matmul_commit(const struct cpc_matmul_spec *s, const int32_t *C, uint8_t root[32])
{
    if (!dims_ok(s) || !C || !root)
        return CPC_ERR_INVALID;
    uint8_t (*leaves)[32] = row_leaves(s, C);
    if (!leaves)
        return CPC_ERR_NOMEM;
    int rc = cpc_merkle_root(root, (const uint8_t(*)[32])leaves, s->m);
    free(leaves);
    return rc;
}

void cpc_matmul_challenge(const uint8_t challenge_seed[32], uint32_t m, uint32_t count, uint32_t *rows)
{
    uint8_t idx[4], h[32];
    if (!challenge_seed || !rows)
        return;
    uint32_t distinct = count < m ? count : m, j = 0;
    for (uint32_t i = 0; i < distinct; i++) {
        /* draw u64be(SHA256(seed | u32be j)) mod m for j = 0, 1, ...; a row drawn
         * already is drawn again with the next j (without replacement). Past
         * 64 x count draws in all (never seen in practice) the next free row
         * after a repeated draw is taken, so the loop always ends. */
        for (;;) {
            cpc_put_u32be(idx, j++);
            cpc_sha256_2(h, challenge_seed, 32, idx, sizeof idx);
            uint32_t r = (uint32_t)(cpc_get_u64be(h) % m);
            int seen = 0;
            for (uint32_t t = 0; t < i && !seen; t++)
                seen = rows[t] == r;
            if (seen && j > 64u * distinct) {
                for (uint32_t step = 1; seen; step++) {
                    uint32_t c = (uint32_t)(((uint64_t)r + step) % m);
                    seen = 0;
                    for (uint32_t t = 0; t < i && !seen; t++)
                        seen = rows[t] == c;
                    if (!seen)
                        r = c;
                }
            }
            if (!seen) {
                rows[i] = r;
                break;
            }
        }
    }
    /* more rows than the matrix has (m = 0, or count > m: contracts forbid it) */
    for (uint32_t i = distinct; i < count; i++)
        rows[i] = m ? rows[i - m] : 0;
}

int cpc_matmul_prove(const struct cpc_matmul_spec *s, const int32_t *C, const uint32_t *rows,
                     uint32_t count, struct cpc_merkle_proof *proofs)
{
    int rc = CPC_OK;
    uint8_t (*leaves)[32] = NULL;
    if (!dims_ok(s) || !C || (count && (!rows || !proofs)))
        return CPC_ERR_INVALID;
    for (uint32_t i = 0; i < count; i++)
        if (rows[i] >= s->m)
            return CPC_ERR_INVALID;
    leaves = row_leaves(s, C);
    if (!leaves)
        return CPC_ERR_NOMEM;
    for (uint32_t i = 0; i < count; i++) {
        rc = cpc_merkle_prove(&proofs[i], (const uint8_t(*)[32])leaves, s->m, rows[i]);
        if (rc != CPC_OK)
            goto out;
    }
out:
    free(leaves);
    return rc;
}

int cpc_matmul_verify_rows(const struct cpc_matmul_spec *s, const uint8_t root[32], const uint32_t *rows,
                           uint32_t count, const struct cpc_merkle_proof *proofs, struct cpc_err *err)
{
    int8_t *B = NULL;
    int32_t *crow = NULL;
    uint8_t leaf[32];
    int rc = check_spec(s, err);
    if (rc != CPC_OK)
        return rc;
    if (!root || !rows || !proofs)
        return cpc_err_set(err, CPC_ERR_INVALID, "matmul: missing root, rows or proofs");
    if (count == 0 || count > CPC_MATMUL_MAX_CHALLENGES)
        return cpc_err_set(err, CPC_ERR_INVALID, "matmul: challenge count %u out of range (1..%u)",
                           count, (unsigned)CPC_MATMUL_MAX_CHALLENGES);
    for (uint32_t i = 0; i < count; i++)
        if (rows[i] >= s->m)
            return cpc_err_set(err, CPC_ERR_INVALID, "matmul: challenge row %u out of range (m=%u)",
                               rows[i], s->m);
    for (uint32_t i = 0; i < count; i++)
        if (proofs[i].index != rows[i] || proofs[i].n_leaves != s->m)
            return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                               "Invalid ComputeResult: proof %u opens leaf %zu of %zu, expected row %u of %u",
                               i, proofs[i].index, proofs[i].n_leaves, rows[i], s->m);

    B = malloc((size_t)s->k * s->n);
    crow = malloc((size_t)s->n * sizeof *crow);
    if (!B || !crow) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "matmul: out of memory for a %ux%u B", s->k, s->n);
        goto out;
    }
    cpc_matmul_gen_b(s, B);
    for (uint32_t i = 0; i < count; i++) {
        cpc_matmul_row(s, B, rows[i], crow);
        cpc_matmul_row_leaf(leaf, rows[i], crow, s->n);
        if (cpc_merkle_verify(root, leaf, &proofs[i]) != CPC_OK) {
            rc = cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                             "Invalid ComputeResult: row %u does not match the commitment", rows[i]);
            goto out;
        }
    }
    cpc_err_clear(err);
out:
    free(B);
    free(crow);
    return rc;
}

int cpc_matmul_freivalds(const struct cpc_matmul_spec *s, const int32_t *C, const uint8_t seed[32],
                         unsigned rounds, struct cpc_err *err)
{
    int8_t *B = NULL, *A_row = NULL;
    uint8_t *r = NULL; /* rounds x n, 0/1 */
    int64_t *br = NULL; /* rounds x k: B r_t */
    int rc = check_spec(s, err);
    if (rc != CPC_OK)
        return rc;
    if (!C || !seed)
        return cpc_err_set(err, CPC_ERR_INVALID, "matmul: missing C or seed");
    if (rounds == 0 || rounds > CPC_MATMUL_MAX_CHALLENGES)
        return cpc_err_set(err, CPC_ERR_INVALID, "matmul: Freivalds rounds %u out of range (1..%u)",
                           rounds, (unsigned)CPC_MATMUL_MAX_CHALLENGES);
    const size_t m = s->m, k = s->k, n = s->n;
    B = malloc(k * n);
    A_row = malloc(k);
    r = malloc((size_t)rounds * n);
    br = malloc((size_t)rounds * k * sizeof *br);
    if (!B || !A_row || !r || !br) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "matmul: out of memory for Freivalds' check");
        goto out;
    }
    cpc_matmul_gen_b(s, B);
    for (unsigned t = 0; t < rounds; t++) {
        uint8_t tb[5], h[32];
        tb[0] = 'R';
        cpc_put_u32be(tb + 1, t);
        cpc_sha256_2(h, seed, 32, tb, sizeof tb);
        const uint64_t kr = cpc_get_u64be(h);
        uint8_t *rt = r + (size_t)t * n;
        for (size_t j = 0; j < n; j++)
            rt[j] = (uint8_t)(splitmix64(kr + j) >> 63);
        int64_t *brt = br + (size_t)t * k;
        for (size_t l = 0; l < k; l++) {
            const int8_t *b = B + l * n;
            int64_t acc = 0;
            for (size_t j = 0; j < n; j++)
                acc += rt[j] ? b[j] : 0;
            brt[l] = acc;
        }
    }
    struct cpc_matmul_keys keys;
    cpc_matmul_keys(s, &keys);
    for (size_t i = 0; i < m; i++) {
        for (size_t l = 0; l < k; l++)
            A_row[l] = gen_elem(keys.ka + (uint64_t)i * k + l);
        const int32_t *c = C + i * n;
        for (unsigned t = 0; t < rounds; t++) {
            const int64_t *brt = br + (size_t)t * k;
            const uint8_t *rt = r + (size_t)t * n;
            int64_t lhs = 0, rhs = 0;
            for (size_t l = 0; l < k; l++)
                lhs += (int64_t)A_row[l] * brt[l];
            for (size_t j = 0; j < n; j++)
                rhs += rt[j] ? (int64_t)c[j] : 0;
            if (lhs != rhs) {
                rc = cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                                 "Invalid ComputeResult: C fails Freivalds' check at row %zu (round %u)",
                                 i, t);
                goto out;
            }
        }
    }
    cpc_err_clear(err);
out:
    free(B);
    free(A_row);
    free(r);
    free(br);
    return rc;
}

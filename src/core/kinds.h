/* kinds.h — the compute kinds of the market: generators, reference
 * executors and verifiers, shared by the node (verifier) and the worker
 * (executor) so both compute exactly the same thing. Pure functions: no I/O,
 * no clocks, no randomness beyond the seeds passed in.
 *
 * hashpow  find nonce with SHA256(seed | u64be nonce) having >= bits leading zero bits.
 * matmul   A (m x k) and B (k x n) int8 derived from a seed, C = A*B int32, exact.
 *          The worker commits to the Merkle root of C's rows; rows to open are
 *          drawn from a later block hash; the verifier recomputes only those rows
 *          and checks their Merkle proofs against the commitment.
 * vanity   split-key: the customer gives a public key P and a prefix; the worker
 *          finds x with address(P + x*G) starting with "cpc1" + prefix. The
 *          worker never learns the customer's secret key.
 * exec     replicas commit to their result hashes, then reveal them; a strict
 *          majority of the revealed ones decides (market_exec.c).
 */
#ifndef CPC_CORE_KINDS_H
#define CPC_CORE_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bech32.h"
#include "err.h"
#include "keys.h"
#include "merkle.h"

/* Seed of task index of a job: SHA256(tag | job_seed[32] | u32be index), tag
 * a kind's own ("cpc-hashpow", "cpc-matmul") without its NUL. */
void cpc_kind_task_seed(uint8_t seed[32], const char *tag, const uint8_t job_seed[32],
                        uint32_t index);

/* ---------------- hashpow ---------------- */

#define CPC_HASHPOW_MAX_BITS 64

/* Seed of one task: SHA256("cpc-hashpow" | job_seed[32] | u32be index). */
void cpc_hashpow_task_seed(uint8_t seed[32], const uint8_t job_seed[32], uint32_t index);
/* Number of leading zero bits of a 32-byte hash (0..256). */
unsigned cpc_leading_zero_bits(const uint8_t h[32]);
/* out = SHA256(seed | u64be nonce). */
void cpc_hashpow_hash(uint8_t out[32], const uint8_t seed[32], uint64_t nonce);
/* 0 when SHA256(seed|nonce) has >= bits leading zero bits, else CPC_ERR_INVALID_RESULT
 * ("Invalid ComputeResult: hash has N leading zero bits, need B"). */
int cpc_hashpow_verify(const uint8_t seed[32], unsigned bits, uint64_t nonce, struct cpc_err *err);
/* Reference executor: try nonces start, start+1, ... up to max_tries. Returns 0 and
 * *nonce when found, CPC_ERR_NOT_FOUND otherwise. */
int cpc_hashpow_search(const uint8_t seed[32], unsigned bits, uint64_t start, uint64_t max_tries,
                       uint64_t *nonce);

/* ---------------- matmul ---------------- */

#define CPC_MATMUL_MAX_DIM 16384
#define CPC_MATMUL_MAX_CHALLENGES 64

struct cpc_matmul_spec {
    uint8_t seed[32];  /* task seed */
    uint32_t m, k, n;  /* A is m x k, B is k x n, C is m x n; each 1..CPC_MATMUL_MAX_DIM */
};

/* Seed of one task: SHA256("cpc-matmul" | job_seed[32] | u32be index). */
void cpc_matmul_task_seed(uint8_t seed[32], const uint8_t job_seed[32], uint32_t index);
/* Element generators. With ka = u64be(SHA256(seed|"A")[0..8]) (and "B" for kb):
 *   A[i][j] = (int8_t)(splitmix64(ka + i*k + j) >> 56)
 *   B[i][j] = (int8_t)(splitmix64(kb + i*n + j) >> 56)
 * splitmix64(z): z += 0x9e3779b97f4a7c15; z = (z^(z>>30))*0xbf58476d1ce4e5b9;
 *                z = (z^(z>>27))*0x94d049bb133111eb; return z^(z>>31).
 * Counter-based, so CPU and GPU generate any element independently. */
struct cpc_matmul_keys { uint64_t ka, kb; };
void cpc_matmul_keys(const struct cpc_matmul_spec *s, struct cpc_matmul_keys *out);
int8_t cpc_matmul_a(const struct cpc_matmul_spec *s, const struct cpc_matmul_keys *k, uint32_t i, uint32_t j);
int8_t cpc_matmul_b(const struct cpc_matmul_spec *s, const struct cpc_matmul_keys *k, uint32_t i, uint32_t j);
/* Fill caller buffers: A (m*k, row-major), B (k*n, row-major). */
void cpc_matmul_gen_a(const struct cpc_matmul_spec *s, int8_t *A);
void cpc_matmul_gen_b(const struct cpc_matmul_spec *s, int8_t *B);
/* Reference executor: C = A*B (m*n int32, row-major), naive and exact. Caller buffers. */
void cpc_matmul_reference(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B, int32_t *C);
/* One row of C from a pre-generated B (caller buffer out of n int32). */
void cpc_matmul_row(const struct cpc_matmul_spec *s, const int8_t *B, uint32_t row, int32_t *out);
/* Leaf of row r: SHA256("cpc-mm-row" | u32be r | n x i32be values). */
void cpc_matmul_row_leaf(uint8_t leaf[32], uint32_t row, const int32_t *crow, uint32_t n);
/* Commitment: Merkle root (merkle.h) over the m row leaves. Returns 0 or CPC_ERR_NOMEM. */
int cpc_matmul_commit(const struct cpc_matmul_spec *s, const int32_t *C, uint8_t root[32]);
/* Challenge: count distinct row indexes (without replacement) from challenge_seed:
 * draws d_j = u64be(SHA256(challenge_seed | u32be j)[0..8]) mod m for j = 0, 1, ...;
 * row[i] is the next draw not among row[0..i). The first `count` rows of a
 * longer challenge are the shorter challenge. count > m (never in a contract)
 * repeats the m distinct rows: row[i] = row[i - m]. */
void cpc_matmul_challenge(const uint8_t challenge_seed[32], uint32_t m, uint32_t count, uint32_t *rows);
/* Worker side: Merkle proofs of the given rows of C (caller array of count proofs). Returns 0 or error. */
int cpc_matmul_prove(const struct cpc_matmul_spec *s, const int32_t *C, const uint32_t *rows,
                     uint32_t count, struct cpc_merkle_proof *proofs);
/* Verifier: regenerate B, recompute each challenged row, hash it and check its proof
 * (proof index must equal the row, n_leaves = m) against root. Returns 0, or
 * CPC_ERR_INVALID_RESULT ("Invalid ComputeResult: row R does not match the commitment"),
 * or CPC_ERR_NOMEM. */
int cpc_matmul_verify_rows(const struct cpc_matmul_spec *s, const uint8_t root[32], const uint32_t *rows,
                           uint32_t count, const struct cpc_merkle_proof *proofs, struct cpc_err *err);
/* Freivalds' check of a full C: `rounds` random 0/1 vectors r derived from seed, A(Br) == Cr.
 * Returns 0 when C passes, CPC_ERR_INVALID_RESULT otherwise, CPC_ERR_NOMEM. */
int cpc_matmul_freivalds(const struct cpc_matmul_spec *s, const int32_t *C, const uint8_t seed[32],
                         unsigned rounds, struct cpc_err *err);

/* ---------------- vanity ---------------- */

#define CPC_VANITY_MAX_PREFIX 8

/* 0 if prefix is 1..CPC_VANITY_MAX_PREFIX chars of the bech32 charset
 * (qpzry9x8gf2tvdw0s3jn54khce6mua7l), else CPC_ERR_INVALID. */
int cpc_vanity_check_prefix(const char *prefix, struct cpc_err *err);
/* Address of P + x*G (x = partial secret key). Returns 0, or CPC_ERR_INVALID_RESULT when
 * x is not a valid scalar or the sum is infinity. */
int cpc_vanity_address(char out[CPC_ADDR_STR_MAX], const uint8_t customer_pub[CPC_PUBKEY_LEN],
                       const uint8_t partial[32]);
/* 0 if address(P + x*G) starts with "cpc1" + prefix, else CPC_ERR_INVALID_RESULT
 * ("Invalid ComputeResult: address cpc1... does not start with cpc1PREFIX"). */
int cpc_vanity_verify(const uint8_t customer_pub[CPC_PUBKEY_LEN], const char *prefix,
                      const uint8_t partial[32], struct cpc_err *err);
/* Reference executor: x = start, start+1, ... (as 256-bit big-endian integers) up to max_tries.
 * Returns 0 with *found, or CPC_ERR_NOT_FOUND. */
int cpc_vanity_search(const uint8_t customer_pub[CPC_PUBKEY_LEN], const char *prefix,
                      const uint8_t start[32], uint64_t max_tries, uint8_t found[32]);

/* ---------------- exec ---------------- */

#define CPC_EXEC_MAX_REPLICAS 9

/* Quorum over n replica result hashes (each len bytes <= 64). Returns the index of a
 * result whose value is shared by a strict majority (> n/2) of the n, or -1 when none. */
int cpc_exec_quorum(const uint8_t (*hashes)[64], const uint8_t *lens, unsigned n);

#endif

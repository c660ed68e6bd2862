/* exec_vanity.c — the worker's vanity executor (executor.h): the lowest x in
 * [start, start + max_tries) with address(P + x*G) starting with "cpc1" +
 * prefix, the same x as cpc_vanity_search.
 *
 * Keys are walked by batched affine point addition in our own field
 * arithmetic mod p (4 x 64-bit limbs, unsigned __int128 products): from a
 * base Q = P + x*G, one batch computes Q + j*G for j = 1..BATCH against a
 * constant table of j*G, with one shared field inversion (Montgomery's trick),
 * about 6 field multiplications per key; Q + BATCH*G is the next base. The
 * per-key cost is then dominated by hash160 (SHA-256 + RIPEMD-160 through
 * libcrypto, ~290 ns of the ~500 ns a key costs). Measured on the 2-core dev
 * box, RelWithDebInfo, gcc 12, one thread: this file 2.0 M keys/s (fe_mul
 * 20 ns); ec_pubkey_combine per step (an inversion per key) + hash160 0.31 M
 * keys/s; ec_pubkey_tweak_add per key (the reference's way) 0.026 M keys/s.
 *
 * The prefix is tested on hash160's bits directly (char i of the bech32 data
 * is bits 5i..5i+4 of hash160), and a hit is confirmed by building the string.
 *
 * Edges follow the reference: x = 0 and x >= n are skipped (not valid
 * scalars); so is x = -sk (P + xG = infinity). With max_tries < 2^64 and n
 * within 2^129 of 2^256, the valid x of a range form one run [s, s + len)
 * inside [1, n-1], computed up front. A batch whose shared product is zero
 * (Q = ±j*G: a doubling or the point at infinity) and a base at infinity go
 * through a slow path (libsecp256k1 per key), which only the x = -sk
 * neighbourhood can reach.
 *
 * Threads take consecutive chunks of the run from an atomic counter (each
 * chunk starts from its own base P + x*G through libsecp256k1) and lower an
 * atomic `best` on a hit; chunks above best are dropped and a taken chunk
 * finishes up to best, so the result is the lowest, as the scan. Cancel and
 * best are checked per batch; progress is added per batch.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>

#include "../core/hash.h"
#include "exec_search.h"
#include "executor.h"

#define BATCH 1024u
#define CHUNK_KEYS ((uint64_t)BATCH * 16)

typedef unsigned __int128 u128;

/* ---------------- field arithmetic mod p = 2^256 - 2^32 - 977 ----------------
 * Little-endian limbs; values are kept in [0, 2^256) ("weakly reduced") and
 * fully reduced (< p) only by fe_norm, before comparing or serialising. */

typedef struct { uint64_t v[4]; } fe;

#define FE_C 0x1000003D1ULL /* 2^256 mod p */

static const fe FE_P = {{0xFFFFFFFEFFFFFC2FULL, ~0ULL, ~0ULL, ~0ULL}};

static inline __attribute__((always_inline)) void fe_mul(fe *r, const fe *a, const fe *b)
{
    uint64_t w[8];
    u128 t;
    uint64_t c;
    /* 512-bit product, row by row */
    c = 0;
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        t = (u128)a->v[0] * b->v[j] + c;
        w[j] = (uint64_t)t;
        c = (uint64_t)(t >> 64);
    }
    w[4] = c;
#pragma GCC unroll 4
    for (int i = 1; i < 4; i++) {
        c = 0;
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            t = (u128)a->v[i] * b->v[j] + w[i + j] + c;
            w[i + j] = (uint64_t)t;
            c = (uint64_t)(t >> 64);
        }
        w[i + 4] = c;
    }
    /* fold the high half: w_hi * 2^256 == w_hi * FE_C */
    c = 0;
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        t = (u128)w[4 + i] * FE_C + w[i] + c;
        r->v[i] = (uint64_t)t;
        c = (uint64_t)(t >> 64);
    }
    /* c < 2^34: fold once more, branch-free */
    t = (u128)c * FE_C + r->v[0];
    r->v[0] = (uint64_t)t;
    t = (u128)r->v[1] + (uint64_t)(t >> 64);
    r->v[1] = (uint64_t)t;
    t = (u128)r->v[2] + (uint64_t)(t >> 64);
    r->v[2] = (uint64_t)t;
    t = (u128)r->v[3] + (uint64_t)(t >> 64);
    r->v[3] = (uint64_t)t;
    /* wrapped past 2^256: r is now below 2^67 (v[1] < 8), adding FE_C carries at most into v[1] */
    t = (u128)r->v[0] + (FE_C & (0 - (uint64_t)(t >> 64)));
    r->v[0] = (uint64_t)t;
    r->v[1] += (uint64_t)(t >> 64);
}

static inline __attribute__((always_inline)) void fe_sqr(fe *r, const fe *a) { fe_mul(r, a, a); }

/* r = a - b mod p (weak). On a borrow (a < b) the result wrapped by 2^256:
 * take FE_C back (branch-free, the borrow is a coin flip); a second borrow
 * needs a - b within FE_C of 0 and is taken with a (predictable) branch. */
static inline __attribute__((always_inline)) void fe_sub(fe *r, const fe *a, const fe *b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 t = (u128)a->v[i] - b->v[i] - borrow;
        r->v[i] = (uint64_t)t;
        borrow = (uint64_t)(t >> 64) & 1;
    }
    uint64_t sub = FE_C & (0 - borrow);
    do {
        u128 t = (u128)r->v[0] - sub;
        r->v[0] = (uint64_t)t;
        borrow = (uint64_t)(t >> 64) & 1;
        for (int i = 1; i < 4; i++) {
            t = (u128)r->v[i] - borrow;
            r->v[i] = (uint64_t)t;
            borrow = (uint64_t)(t >> 64) & 1;
        }
        sub = FE_C;
    } while (borrow);
}

/* Fully reduce to [0, p). */
static inline void fe_norm(fe *r)
{
    /* r >= p  <=>  r + FE_C >= 2^256 */
    uint64_t c = 0, s[4];
    u128 t = (u128)r->v[0] + FE_C;
    s[0] = (uint64_t)t;
    c = (uint64_t)(t >> 64);
    for (int i = 1; i < 4; i++) {
        t = (u128)r->v[i] + c;
        s[i] = (uint64_t)t;
        c = (uint64_t)(t >> 64);
    }
    if (c)
        memcpy(r->v, s, sizeof s);
}

static inline bool fe_is_zero(const fe *a)
{
    fe t = *a;
    fe_norm(&t);
    return (t.v[0] | t.v[1] | t.v[2] | t.v[3]) == 0;
}

/* r = a^(p-2) = a^-1 (a != 0). Plain square-and-multiply: once per batch. */
static void fe_inv(fe *r, const fe *a)
{
    fe e = FE_P, acc = {{1, 0, 0, 0}};
    e.v[0] -= 2;
    for (int i = 255; i >= 0; i--) {
        fe_sqr(&acc, &acc);
        if ((e.v[i / 64] >> (i % 64)) & 1)
            fe_mul(&acc, &acc, a);
    }
    *r = acc;
}

static void fe_from_be(fe *r, const uint8_t b[32])
{
    for (int i = 0; i < 4; i++) {
        uint64_t x = 0;
        for (int k = 0; k < 8; k++)
            x = x << 8 | b[(3 - i) * 8 + k];
        r->v[i] = x;
    }
}

/* a must be normalised. */
static void fe_to_be(uint8_t b[32], const fe *a)
{
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 8; k++)
            b[(3 - i) * 8 + k] = (uint8_t)(a->v[i] >> (56 - 8 * k));
}

struct ge { fe x, y; }; /* affine, normalised */

/* ---------------- 256-bit scalars (big-endian bytes) and the curve order ---------------- */

static const uint8_t ORDER_N[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

/* x += v (mod 2^256). */
static void u256_add64(uint8_t x[32], uint64_t v)
{
    unsigned c = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned s = x[i] + (unsigned)(v & 0xff) + c;
        x[i] = (uint8_t)s;
        c = s >> 8;
        v >>= 8;
        if (!v && !c)
            break;
    }
}

/* a - b as 256-bit, saturated to UINT64_MAX when it does not fit in 64 bits (a >= b). */
static uint64_t u256_diff_sat(const uint8_t a[32], const uint8_t b[32])
{
    uint8_t d[32];
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int s = a[i] - b[i] - borrow;
        borrow = s < 0;
        d[i] = (uint8_t)s;
    }
    for (int i = 0; i < 24; i++)
        if (d[i])
            return UINT64_MAX;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++)
        v = v << 8 | d[i];
    return v;
}

static bool u256_is_zero(const uint8_t x[32])
{
    for (int i = 0; i < 32; i++)
        if (x[i])
            return false;
    return true;
}

/* ---------------- the j*G table (constant once built) ---------------- */

static struct ge g_table[BATCH]; /* g_table[j] = (j+1)*G; written once under pthread_once */
static bool g_table_ok;
static pthread_once_t g_table_once = PTHREAD_ONCE_INIT;

static const uint8_t G_COMPRESSED[33] = {
    0x02, 0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b, 0x07,
    0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17, 0x98,
};

static bool ge_from_pubkey(struct ge *g, const secp256k1_pubkey *pk)
{
    uint8_t ser[65];
    size_t len = sizeof ser;
    if (!secp256k1_ec_pubkey_serialize(secp256k1_context_static, ser, &len, pk,
                                       SECP256K1_EC_UNCOMPRESSED) || len != 65)
        return false;
    fe_from_be(&g->x, ser + 1);
    fe_from_be(&g->y, ser + 33);
    return true;
}

static void build_table(void)
{
    secp256k1_pubkey gpk, pk;
    uint8_t tweak[32];
    if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &gpk, G_COMPRESSED, sizeof G_COMPRESSED))
        return;
    for (unsigned j = 0; j < BATCH; j++) {
        pk = gpk;
        if (j > 0) { /* G + j*G */
            memset(tweak, 0, sizeof tweak);
            u256_add64(tweak, j);
            if (!secp256k1_ec_pubkey_tweak_add(secp256k1_context_static, &pk, tweak))
                return;
        }
        if (!ge_from_pubkey(&g_table[j], &pk))
            return;
    }
    g_table_ok = true;
}

/* ---------------- per-key work ---------------- */

struct vn_job {
    secp256k1_pubkey cust;
    uint8_t run_start[32];     /* first valid x of the range */
    uint64_t run_len;          /* valid x count */
    uint64_t pmask, pval;      /* prefix test on the first 8 bytes of hash160 */
    const char *prefix;
    const struct cpc_wk_ctl *ctl;
    struct cpc__wk_search s;   /* chunks of the run, the lowest hit */
    atomic_int fault;          /* an internal error (CPC_ERR_*), 0 = none */
};

struct vn_scratch {
    fe d[BATCH], c[BATCH];     /* denominators, prefix products then inverses */
    struct ge out[BATCH];
};

/* Batch: out[j] = q + (j+1)G for j < n. Returns false when some q.x == T[j].x
 * (doubling or infinity): out is then unusable and the caller goes slow. */
static bool batch_add(struct vn_scratch *s, const struct ge *q, unsigned n)
{
    fe_sub(&s->d[0], &g_table[0].x, &q->x);
    s->c[0] = s->d[0];
    for (unsigned j = 1; j < n; j++) {
        fe_sub(&s->d[j], &g_table[j].x, &q->x);
        fe_mul(&s->c[j], &s->c[j - 1], &s->d[j]);
    }
    if (fe_is_zero(&s->c[n - 1]))
        return false;
    fe inv;
    fe_inv(&inv, &s->c[n - 1]);
    for (unsigned j = n - 1; j > 0; j--) {
        fe_mul(&s->c[j], &inv, &s->c[j - 1]); /* 1 / d[j] */
        fe_mul(&inv, &inv, &s->d[j]);
    }
    s->c[0] = inv;
    for (unsigned j = 0; j < n; j++) {
        const struct ge *t = &g_table[j];
        fe lam, x3, y3, tmp;
        fe_sub(&tmp, &t->y, &q->y);
        fe_mul(&lam, &tmp, &s->c[j]);
        fe_sqr(&x3, &lam);
        fe_sub(&x3, &x3, &q->x);
        fe_sub(&x3, &x3, &t->x);
        fe_sub(&tmp, &q->x, &x3);
        fe_mul(&y3, &lam, &tmp);
        fe_sub(&y3, &y3, &q->y);
        fe_norm(&x3);
        fe_norm(&y3);
        s->out[j].x = x3;
        s->out[j].y = y3;
    }
    return true;
}

static void ge_compress(uint8_t out[CPC_PUBKEY_LEN], const struct ge *g)
{
    out[0] = (uint8_t)(0x02 | (g->y.v[0] & 1));
    fe_to_be(out + 1, &g->x);
}

/* 1 when pub's address starts with the prefix, 0 when not, <0 on error. */
static int key_matches(const struct vn_job *j, const uint8_t pub[CPC_PUBKEY_LEN])
{
    uint8_t h[CPC_ADDR_HASH_LEN];
    if (cpc_hash160(h, pub, CPC_PUBKEY_LEN) != CPC_OK)
        return CPC_ERR_CRYPTO;
    uint64_t top = 0;
    for (int i = 0; i < 8; i++)
        top = top << 8 | h[i];
    if ((top & j->pmask) != j->pval)
        return 0;
    char addr[CPC_ADDR_STR_MAX];
    cpc_address_encode(addr, h);
    size_t pl = strlen(j->prefix);
    if (strncmp(addr, CPC_ADDR_HRP "1", 4) != 0 || strncmp(addr + 4, j->prefix, pl) != 0)
        return CPC_ERR_INTERNAL; /* the bit test and the string disagree: a bug */
    return 1;
}

/* P + x*G through libsecp256k1; false when it is infinity (x = -sk). */
static bool point_at(const struct vn_job *j, const uint8_t x[32], struct ge *g)
{
    secp256k1_pubkey pk = j->cust;
    if (!secp256k1_ec_pubkey_tweak_add(secp256k1_context_static, &pk, x))
        return false;
    return ge_from_pubkey(g, &pk);
}

static void set_best(struct vn_job *j, uint64_t off)
{
    cpc__wk_search_hit(&j->s, off);
}

static void add_done(const struct vn_job *j, uint64_t n)
{
    if (j->ctl && j->ctl->done && n)
        atomic_fetch_add_explicit(j->ctl->done, n, memory_order_relaxed);
}

/* The key g at offset off, the k-th of its batch: 1 on a hit (the batch's
 * keys up to it counted, best lowered), 0 when not, <0 on error. */
static int batch_key_hit(struct vn_job *j, const struct ge *g, uint64_t off, unsigned k)
{
    uint8_t pub[CPC_PUBKEY_LEN];
    ge_compress(pub, g);
    int m = key_matches(j, pub);
    if (m < 0)
        return m;
    if (m) {
        add_done(j, k + 1);
        set_best(j, off);
        return 1;
    }
    return 0;
}

/* Offsets [lo, hi) of the run. Returns 1 on a hit (best lowered), 0 when done
 * or pre-empted, <0 on error. */
static int scan_chunk(struct vn_job *j, struct vn_scratch *s, uint64_t lo, uint64_t hi)
{
    uint8_t x[32], pub[CPC_PUBKEY_LEN];
    struct ge base;
    memcpy(x, j->run_start, 32);
    u256_add64(x, lo);
    bool base_ok = point_at(j, x, &base);
    if (base_ok) {
        ge_compress(pub, &base);
        int m = key_matches(j, pub);
        add_done(j, 1);
        if (m < 0)
            return m;
        if (m) {
            set_best(j, lo);
            return 1;
        }
    } else {
        add_done(j, 1); /* x = -sk: skipped, as the reference does */
    }
    for (uint64_t o = lo; o + 1 < hi;) {
        if (cpc_wk_cancelled(j->ctl)) {
            atomic_store(&j->s.cancelled, true);
            return 0;
        }
        if (atomic_load_explicit(&j->s.best, memory_order_relaxed) <= o)
            return 0;
        unsigned n = hi - (o + 1) > BATCH ? BATCH : (unsigned)(hi - (o + 1));
        if (base_ok && batch_add(s, &base, n)) {
            for (unsigned k = 0; k < n; k++) {
                int m = batch_key_hit(j, &s->out[k], o + 1 + k, k);
                if (m)
                    return m;
            }
            base = s->out[n - 1];
        } else { /* slow path: the neighbourhood of x = -sk */
            uint8_t xk[32];
            memcpy(xk, x, 32);
            for (unsigned k = 0; k < n; k++) {
                u256_add64(xk, 1);
                base_ok = point_at(j, xk, &base);
                if (!base_ok)
                    continue;
                int m = batch_key_hit(j, &base, o + 1 + k, k);
                if (m)
                    return m;
            }
        }
        add_done(j, n);
        u256_add64(x, n);
        o += n;
    }
    return 0;
}

static void *vn_worker(void *arg)
{
    struct vn_job *j = arg;
    struct vn_scratch *s = malloc(sizeof *s);
    if (!s) {
        atomic_store(&j->fault, CPC_ERR_NOMEM);
        return NULL;
    }
    uint64_t lo, hi;
    while (cpc__wk_search_next(&j->s, &lo, &hi)) {
        int rc = scan_chunk(j, s, lo, hi);
        if (rc < 0) {
            atomic_store(&j->fault, rc);
            atomic_store(&j->s.best, 0); /* stop everyone */
            break;
        }
        if (rc > 0 || atomic_load(&j->s.cancelled))
            break;
    }
    free(s);
    return NULL;
}

/* The valid run of [start, start + tries): x in [1, n-1]. *skipped_before =
 * invalid x before it. Returns false when the range holds no valid x. */
static bool valid_run(const uint8_t start[32], uint64_t tries, uint8_t run[32], uint64_t *len,
                      uint64_t *skipped_before)
{
    memcpy(run, start, 32);
    *skipped_before = 0;
    if (memcmp(run, ORDER_N, 32) >= 0) { /* x >= n: invalid up to 2^256 - 1 */
        uint8_t top[32];
        memset(top, 0xff, sizeof top);
        uint64_t dist = u256_diff_sat(top, run); /* (2^256 - 1) - x */
        if (dist == UINT64_MAX || dist + 1 >= tries)
            return false;
        tries -= dist + 1;
        *skipped_before += dist + 1;
        memset(run, 0, 32); /* wrapped to 0 */
    }
    if (u256_is_zero(run)) {
        if (tries <= 1)
            return false;
        tries--;
        ++*skipped_before;
        run[31] = 1;
    }
    uint64_t room = u256_diff_sat(ORDER_N, run); /* n - x valid keys from x */
    *len = tries < room ? tries : room;
    return true;
}

static int prepare(struct vn_job *j, const uint8_t customer_pub[CPC_PUBKEY_LEN], const char *prefix,
                   struct cpc_err *err)
{
    static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    int rc = cpc_vanity_check_prefix(prefix, err);
    if (rc != CPC_OK)
        return rc;
    if (cpc_pubkey_check(customer_pub) != CPC_OK ||
        !secp256k1_ec_pubkey_parse(secp256k1_context_static, &j->cust, customer_pub, CPC_PUBKEY_LEN))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "vanity: customer public key is not a compressed secp256k1 point");
    size_t len = strlen(prefix);
    j->pmask = j->pval = 0;
    for (size_t i = 0; i < len; i++) {
        uint64_t v = (uint64_t)(strchr(charset, prefix[i]) - charset);
        unsigned sh = 64 - 5 * (unsigned)(i + 1);
        j->pval |= v << sh;
        j->pmask |= (uint64_t)0x1f << sh;
    }
    j->prefix = prefix;
    pthread_once(&g_table_once, build_table);
    if (!g_table_ok)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "vanity: cannot build the point table");
    return CPC_OK;
}

/* Ownership: caller owns every buffer; no allocation survives the call. */
int cpc_wk_vanity(const uint8_t customer_pub[CPC_PUBKEY_LEN], const char *prefix,
                  const uint8_t start[32], uint64_t max_tries, const struct cpc_wk_ctl *ctl,
                  uint8_t found[32], struct cpc_err *err)
{
    if (!start || !found)
        return cpc_err_set(err, CPC_ERR_INVALID, "vanity: missing start or result buffer");
    struct vn_job *j = calloc(1, sizeof *j);
    if (!j)
        return cpc_err_set(err, CPC_ERR_NOMEM, "vanity: out of memory");
    int rc = prepare(j, customer_pub, prefix, err);
    if (rc != CPC_OK)
        goto out;
    j->ctl = ctl;
    cpc__wk_search_init(&j->s, ctl, 0, CHUNK_KEYS);
    atomic_init(&j->fault, 0);

    uint64_t skipped = 0;
    if (max_tries == 0 || !valid_run(start, max_tries, j->run_start, &j->run_len, &skipped)) {
        if (cpc_wk_cancelled(ctl)) {
            rc = cpc_err_set(err, CPC_ERR_CANCELLED, "vanity: cancelled");
            goto out;
        }
        add_done(j, max_tries);
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "vanity: no valid partial key in the range");
        goto out;
    }
    add_done(j, skipped);

    j->s.total = j->run_len;
    cpc__wk_run_threads(cpc_wk_threads(ctl), (j->run_len - 1) / CHUNK_KEYS + 1, vn_worker, j);

    int fault = atomic_load(&j->fault);
    uint64_t best = atomic_load(&j->s.best);
    if (fault) {
        rc = cpc_err_set(err, fault, "vanity: internal failure (%s)", cpc_errcode_name(fault));
    } else if (atomic_load(&j->s.cancelled)) { /* a chunk below best may be unfinished */
        rc = cpc_err_set(err, CPC_ERR_CANCELLED, "vanity: cancelled");
    } else if (best != UINT64_MAX) { /* every chunk below best ran to its end */
        memcpy(found, j->run_start, 32);
        u256_add64(found, best);
        cpc_err_clear(err);
        rc = CPC_OK;
    } else {
        add_done(j, max_tries - skipped - j->run_len); /* the invalid tail x >= n */
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "vanity: no address with prefix cpc1%s in %llu tries",
                         prefix, (unsigned long long)max_tries);
    }
out:
    free(j);
    return rc;
}

/* Test hook: compressed P + (x0 + i)*G for i < count (count <= BATCH + 1)
 * computed by this file's batch arithmetic from the base P + x0*G. Returns
 * 0, CPC_ERR_INVALID (bad arguments, base at infinity) or
 * CPC_ERR_NOT_FOUND (the batch hits a doubling / infinity: slow path). */
int cpc__wk_vanity_points(const uint8_t customer_pub[CPC_PUBKEY_LEN], const uint8_t x0[32],
                          unsigned count, uint8_t (*out)[CPC_PUBKEY_LEN]);

int cpc__wk_vanity_points(const uint8_t customer_pub[CPC_PUBKEY_LEN], const uint8_t x0[32],
                          unsigned count, uint8_t (*out)[CPC_PUBKEY_LEN])
{
    struct vn_job j;
    struct ge base;
    memset(&j, 0, sizeof j);
    if (count == 0 || count > BATCH + 1 || prepare(&j, customer_pub, "q", NULL) != CPC_OK ||
        !point_at(&j, x0, &base))
        return CPC_ERR_INVALID;
    ge_compress(out[0], &base);
    if (count == 1)
        return CPC_OK;
    struct vn_scratch *s = malloc(sizeof *s);
    if (!s)
        return CPC_ERR_NOMEM;
    int rc = CPC_ERR_NOT_FOUND;
    if (batch_add(s, &base, count - 1)) {
        for (unsigned k = 0; k + 1 < count; k++)
            ge_compress(out[k + 1], &s->out[k]);
        rc = CPC_OK;
    }
    free(s);
    return rc;
}

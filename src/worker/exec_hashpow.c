/* exec_hashpow.c — the worker's hashpow executor (executor.h): the lowest
 * nonce n in [start, start + max_tries) with SHA256(seed | u64be n) having
 * >= bits leading zero bits, byte-identical to cpc_hashpow_search.
 *
 * The message is seed(32) | u64be nonce(8) = 40 bytes: one padded SHA-256
 * block whose words W0..W7 (the seed) never change and whose W8..W15 are
 * nonce_hi, nonce_lo, 0x80000000, 0, 0, 0, 0, 320. So rounds 0..7 are done
 * once per call (a "midstate" after 8 rounds) and every nonce costs rounds
 * 8..63 only; only the first 64 bits of the digest (A and B) are formed,
 * since bits <= 64. Two compressors implement this: SHA-NI
 * (sha256rnds2/msg1/msg2, chosen at run time through cpuid) and a portable C
 * one. The common case is SHA-NI on one block per nonce, against libcrypto's
 * SHA256() that needs two blocks plus an EVP fetch for a 64-byte message.
 *
 * Threads take consecutive chunks of CHUNK nonces from an atomic counter, in
 * order; a hit at offset t lowers an atomic `best`, and chunks (and the rest
 * of a chunk) above best are dropped. Chunks are taken in increasing order
 * and a taken chunk always finishes (up to best), so when best is set every
 * lower offset has been tried: the result is the lowest, as the scan. Cancel
 * is checked between chunks (CHUNK = 64k nonces, a few ms); progress is added
 * per chunk.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HP_HAVE_X86 1
#else
#define HP_HAVE_X86 0
#endif

#include "../core/bytes.h"
#include "exec_search.h"
#include "executor.h"

#define CHUNK ((uint64_t)1 << 16)
#define BEST_POLL 4096u

/* Implementation selector for the test hooks below. */
enum hp_impl { HP_AUTO = 0, HP_PORTABLE = 1, HP_SHANI = 2 };

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV256[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* ---------------- portable compressor ---------------- */

struct hp_mid {
    uint32_t w[16];  /* W0..W7 = seed words; W8.. filled per nonce */
    uint32_t s[8];   /* a..h after rounds 0..7 */
};

static inline uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }
#define BSIG0(x) (ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22))
#define BSIG1(x) (ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25))
#define SSIG0(x) (ror32(x, 7) ^ ror32(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ror32(x, 17) ^ ror32(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))

static void hp_mid_init(struct hp_mid *m, const uint8_t seed[32])
{
    uint32_t a = IV256[0], b = IV256[1], c = IV256[2], d = IV256[3];
    uint32_t e = IV256[4], f = IV256[5], g = IV256[6], h = IV256[7];
    for (int i = 0; i < 8; i++)
        m->w[i] = cpc_get_u32be(seed + 4 * i);
    for (int i = 0; i < 8; i++) {
        uint32_t t1 = h + BSIG1(e) + CH(e, f, g) + K256[i] + m->w[i];
        uint32_t t2 = BSIG0(a) + MAJ(a, b, c);
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    m->s[0] = a, m->s[1] = b, m->s[2] = c, m->s[3] = d;
    m->s[4] = e, m->s[5] = f, m->s[6] = g, m->s[7] = h;
}

/* Rounds 8..63 for one nonce; out = the full final state H0..H7. */
static void hp_portable_state(const struct hp_mid *m, uint64_t nonce, uint32_t out[8])
{
    uint32_t w[64];
    memcpy(w, m->w, 8 * sizeof w[0]);
    w[8] = (uint32_t)(nonce >> 32);
    w[9] = (uint32_t)nonce;
    w[10] = 0x80000000u;
    w[11] = w[12] = w[13] = w[14] = 0;
    w[15] = 320; /* 40 bytes in bits */
    for (int i = 16; i < 64; i++)
        w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) + w[i - 16];
    uint32_t a = m->s[0], b = m->s[1], c = m->s[2], d = m->s[3];
    uint32_t e = m->s[4], f = m->s[5], g = m->s[6], h = m->s[7];
    for (int i = 8; i < 64; i++) {
        uint32_t t1 = h + BSIG1(e) + CH(e, f, g) + K256[i] + w[i];
        uint32_t t2 = BSIG0(a) + MAJ(a, b, c);
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    out[0] = a + IV256[0], out[1] = b + IV256[1], out[2] = c + IV256[2], out[3] = d + IV256[3];
    out[4] = e + IV256[4], out[5] = f + IV256[5], out[6] = g + IV256[6], out[7] = h + IV256[7];
}

static inline uint64_t hp_portable_top64(const struct hp_mid *m, uint64_t nonce)
{
    uint32_t s[8];
    hp_portable_state(m, nonce, s);
    return (uint64_t)s[0] << 32 | s[1];
}

/* ---------------- SHA-NI compressor ---------------- */

#if HP_HAVE_X86
struct hp_ni {
    __m128i abef, cdgh;   /* state after rounds 0..7, SHA-NI lane order */
    __m128i w0, w1;       /* msg1(W0..3, W4..7) and W4..7, for rounds 8.. */
    __m128i iv_abef, iv_cdgh;
};

#define HP_NI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

static bool hp_ni_supported(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    bool sse = (c & bit_SSSE3) && (c & bit_SSE4_1);
    if (!sse || __get_cpuid_max(0, NULL) < 7)
        return false;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 29)) != 0; /* CPUID.(7,0):EBX.SHA */
}

/* (a,b,c,d,e,f,g,h) words -> ABEF / CDGH registers. */
HP_NI_TARGET static void hp_ni_pack(const uint32_t s[8], __m128i *abef, __m128i *cdgh)
{
    __m128i tmp = _mm_loadu_si128((const __m128i *)(const void *)&s[0]);
    __m128i st1 = _mm_loadu_si128((const __m128i *)(const void *)&s[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);         /* CDAB */
    st1 = _mm_shuffle_epi32(st1, 0x1B);         /* EFGH */
    *abef = _mm_alignr_epi8(tmp, st1, 8);       /* ABEF */
    *cdgh = _mm_blend_epi16(st1, tmp, 0xF0);    /* CDGH */
}

HP_NI_TARGET static void hp_ni_unpack(__m128i abef, __m128i cdgh, uint32_t s[8])
{
    __m128i tmp = _mm_shuffle_epi32(abef, 0x1B); /* FEBA */
    __m128i st1 = _mm_shuffle_epi32(cdgh, 0xB1); /* DCHG */
    __m128i st0 = _mm_blend_epi16(tmp, st1, 0xF0); /* DCBA */
    st1 = _mm_alignr_epi8(st1, tmp, 8);          /* ABEF */
    _mm_storeu_si128((__m128i *)(void *)&s[0], st0);
    _mm_storeu_si128((__m128i *)(void *)&s[4], st1);
}

HP_NI_TARGET static void hp_ni_init(struct hp_ni *n, const struct hp_mid *m)
{
    __m128i w0 = _mm_set_epi32((int)m->w[3], (int)m->w[2], (int)m->w[1], (int)m->w[0]);
    n->w1 = _mm_set_epi32((int)m->w[7], (int)m->w[6], (int)m->w[5], (int)m->w[4]);
    n->w0 = _mm_sha256msg1_epu32(w0, n->w1);
    hp_ni_pack(m->s, &n->abef, &n->cdgh);
    hp_ni_pack(IV256, &n->iv_abef, &n->iv_cdgh);
}

/* Four rounds 4i..4i+3 with message schedule upkeep (the classic SHA-NI
 * layout; w[] is a ring of the four message vectors). */
#define NI_QROUND(i, W0, W1, W2, W3)                                                   \
    do {                                                                               \
        __m128i msg_ = _mm_add_epi32(W0, _mm_loadu_si128((const __m128i *)(const void *)&K256[4 * (i)])); \
        st1 = _mm_sha256rnds2_epu32(st1, st0, msg_);                                   \
        if ((i) >= 3 && (i) < 15) {                                                    \
            W1 = _mm_add_epi32(W1, _mm_alignr_epi8(W0, W3, 4));                        \
            W1 = _mm_sha256msg2_epu32(W1, W0);                                         \
        }                                                                              \
        msg_ = _mm_shuffle_epi32(msg_, 0x0E);                                          \
        st0 = _mm_sha256rnds2_epu32(st0, st1, msg_);                                   \
        if ((i) >= 1 && (i) < 13)                                                      \
            W3 = _mm_sha256msg1_epu32(W3, W0);                                         \
    } while (0)

/* Rounds 8..63 for one nonce; returns the final ABEF / CDGH (IV added). */
HP_NI_TARGET static inline void hp_ni_state(const struct hp_ni *n, uint64_t nonce, __m128i *abef,
                                            __m128i *cdgh)
{
    __m128i st0 = n->abef, st1 = n->cdgh;
    __m128i m0 = n->w0, m1 = n->w1;
    __m128i m2 = _mm_set_epi32(0, (int)0x80000000u, (int)(uint32_t)nonce, (int)(uint32_t)(nonce >> 32));
    __m128i m3 = _mm_set_epi32(320, 0, 0, 0);
    /* ring: at step i, W0 = m[i%4], W1 = m[(i+1)%4], W3 = m[(i+3)%4] (= m[(i-1)%4]) */
    NI_QROUND(2, m2, m3, m0, m1);
    NI_QROUND(3, m3, m0, m1, m2);
    NI_QROUND(4, m0, m1, m2, m3);
    NI_QROUND(5, m1, m2, m3, m0);
    NI_QROUND(6, m2, m3, m0, m1);
    NI_QROUND(7, m3, m0, m1, m2);
    NI_QROUND(8, m0, m1, m2, m3);
    NI_QROUND(9, m1, m2, m3, m0);
    NI_QROUND(10, m2, m3, m0, m1);
    NI_QROUND(11, m3, m0, m1, m2);
    NI_QROUND(12, m0, m1, m2, m3);
    NI_QROUND(13, m1, m2, m3, m0);
    NI_QROUND(14, m2, m3, m0, m1);
    NI_QROUND(15, m3, m0, m1, m2);
    *abef = _mm_add_epi32(st0, n->iv_abef);
    *cdgh = _mm_add_epi32(st1, n->iv_cdgh);
}

/* A << 32 | B: the upper 64-bit lane of ABEF. */
HP_NI_TARGET static inline uint64_t hp_ni_top64(const struct hp_ni *n, uint64_t nonce)
{
    __m128i abef, cdgh;
    hp_ni_state(n, nonce, &abef, &cdgh);
    return (uint64_t)_mm_extract_epi64(abef, 1);
}

/* Scan offsets [lo, hi) of the range; returns the first hitting offset or hi. */
HP_NI_TARGET static uint64_t hp_ni_scan(const struct hp_ni *n, uint64_t start, uint64_t lo, uint64_t hi,
                                        unsigned shift)
{
    for (uint64_t t = lo; t < hi; t++)
        if ((hp_ni_top64(n, start + t) >> shift) == 0) /* start + t wraps mod 2^64 */
            return t;
    return hi;
}
#else
static bool hp_ni_supported(void) { return false; }
#endif

/* Scan offsets [lo, hi) of the range; returns the first hitting offset or hi. */
static uint64_t hp_portable_scan(const struct hp_mid *m, uint64_t start, uint64_t lo, uint64_t hi,
                                 unsigned shift)
{
    for (uint64_t t = lo; t < hi; t++)
        if ((hp_portable_top64(m, start + t) >> shift) == 0)
            return t;
    return hi;
}

/* ---------------- search driver ---------------- */

struct hp_job {
    struct hp_mid mid;
#if HP_HAVE_X86
    struct hp_ni ni;
#endif
    bool use_ni;
    uint64_t start, max_tries;
    unsigned shift;                 /* top64 >> shift == 0  <=>  >= bits zero bits */
    const struct cpc_wk_ctl *ctl;
    struct cpc__wk_search s;        /* chunks of [0, max_tries), the lowest hit */
};

/* Scan offsets [lo, hi) in blocks of BEST_POLL, on the job's compressor;
 * returns the first hitting offset, or hi when there is none or a hit at or
 * below the next block is already known. */
static uint64_t hp_scan(struct hp_job *j, uint64_t lo, uint64_t hi)
{
    for (uint64_t t = lo; t < hi;) {
        uint64_t end = hi - t > BEST_POLL ? t + BEST_POLL : hi;
        if (atomic_load_explicit(&j->s.best, memory_order_relaxed) <= t)
            return hi;
        uint64_t hit;
#if HP_HAVE_X86
        if (j->use_ni)
            hit = hp_ni_scan(&j->ni, j->start, t, end, j->shift);
        else
#endif
            hit = hp_portable_scan(&j->mid, j->start, t, end, j->shift);
        if (hit < end)
            return hit;
        t = end;
    }
    return hi;
}

static void *hp_worker(void *arg)
{
    struct hp_job *j = arg;
    uint64_t lo, hi;
    while (cpc__wk_search_next(&j->s, &lo, &hi)) {
        uint64_t t = hp_scan(j, lo, hi);
        if (j->ctl && j->ctl->done)
            atomic_fetch_add_explicit(j->ctl->done, (t < hi ? t + 1 : hi) - lo, memory_order_relaxed);
        if (t < hi) {
            cpc__wk_search_hit(&j->s, t);
            break; /* every later chunk is above t */
        }
    }
    return NULL;
}

static bool hp_use_ni(int impl)
{
    if (impl == HP_PORTABLE)
        return false;
    return hp_ni_supported();
}

/* cpc_wk_hashpow with a forced compressor (tests): impl 0 = auto, 1 =
 * portable, 2 = SHA-NI (CPC_ERR_INVALID when the CPU lacks it). */
int cpc__wk_hashpow_impl(int impl, const uint8_t seed[32], unsigned bits, uint64_t start,
                         uint64_t max_tries, const struct cpc_wk_ctl *ctl, uint64_t *nonce,
                         struct cpc_err *err);

int cpc__wk_hashpow_impl(int impl, const uint8_t seed[32], unsigned bits, uint64_t start,
                         uint64_t max_tries, const struct cpc_wk_ctl *ctl, uint64_t *nonce,
                         struct cpc_err *err)
{
    if (!seed || !nonce)
        return cpc_err_set(err, CPC_ERR_INVALID, "hashpow: missing seed or result");
    if (bits == 0 || bits > CPC_HASHPOW_MAX_BITS)
        return cpc_err_set(err, CPC_ERR_INVALID, "hashpow: difficulty must be 1 to %u bits, not %u",
                           (unsigned)CPC_HASHPOW_MAX_BITS, bits);
    if (impl == HP_SHANI && !hp_ni_supported())
        return cpc_err_set(err, CPC_ERR_INVALID, "hashpow: this CPU has no SHA-NI");
    if (max_tries == 0)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "hashpow: no nonce to try");

    struct hp_job *j = aligned_alloc(64, (sizeof *j + 63) / 64 * 64);
    if (!j)
        return cpc_err_set(err, CPC_ERR_NOMEM, "hashpow: out of memory");
    memset(j, 0, sizeof *j);
    hp_mid_init(&j->mid, seed);
    j->use_ni = hp_use_ni(impl);
#if HP_HAVE_X86
    if (j->use_ni)
        hp_ni_init(&j->ni, &j->mid);
#endif
    j->start = start;
    j->max_tries = max_tries;
    j->shift = 64 - bits;
    j->ctl = ctl;
    cpc__wk_search_init(&j->s, ctl, max_tries, CHUNK);
    cpc__wk_run_threads(cpc_wk_threads(ctl), (max_tries - 1) / CHUNK + 1, hp_worker, j);

    uint64_t best = atomic_load(&j->s.best);
    bool cancelled = atomic_load(&j->s.cancelled);
    free(j);
    if (best != UINT64_MAX) { /* every chunk below best ran to its end */
        *nonce = start + best;
        cpc_err_clear(err);
        return CPC_OK;
    }
    if (cancelled)
        return cpc_err_set(err, CPC_ERR_CANCELLED, "hashpow: cancelled");
    return cpc_err_set(err, CPC_ERR_NOT_FOUND, "hashpow: no nonce with %u leading zero bits in %llu tries",
                       bits, (unsigned long long)max_tries);
}

/* Ownership: caller owns every buffer; no allocation survives the call. */
int cpc_wk_hashpow(const uint8_t seed[32], unsigned bits, uint64_t start, uint64_t max_tries,
                   const struct cpc_wk_ctl *ctl, uint64_t *nonce, struct cpc_err *err)
{
    return cpc__wk_hashpow_impl(HP_AUTO, seed, bits, start, max_tries, ctl, nonce, err);
}

/* Full SHA256(seed | u64be nonce) through one compressor (tests): impl 1 =
 * portable, 2 = SHA-NI. Returns 0, or CPC_ERR_INVALID when unavailable. */
int cpc__wk_hashpow_hash(int impl, uint8_t out[32], const uint8_t seed[32], uint64_t nonce);

int cpc__wk_hashpow_hash(int impl, uint8_t out[32], const uint8_t seed[32], uint64_t nonce)
{
    struct hp_mid m;
    uint32_t s[8];
    hp_mid_init(&m, seed);
    if (impl == HP_PORTABLE) {
        hp_portable_state(&m, nonce, s);
    } else if (impl == HP_SHANI && hp_ni_supported()) {
#if HP_HAVE_X86
        struct hp_ni n;
        __m128i abef, cdgh;
        hp_ni_init(&n, &m);
        hp_ni_state(&n, nonce, &abef, &cdgh);
        hp_ni_unpack(abef, cdgh, s);
#endif
    } else {
        return CPC_ERR_INVALID;
    }
    for (int i = 0; i < 8; i++)
        cpc_put_u32be(out + 4 * i, s[i]);
    return CPC_OK;
}

/* Whether the SHA-NI compressor is used on this CPU (tests, bench). */
bool cpc__wk_hashpow_has_shani(void);

bool cpc__wk_hashpow_has_shani(void)
{
    return hp_ni_supported();
}

/* worker_auth.c — verification of signed worker requests with a bounded
 * replay cache (see worker_auth.h).
 *
 * The cache is a FIFO ring of (key, time) in arrival order, key =
 * SHA256(pubkey | signature)[0..16], indexed by a chained hash table (the
 * chains are entry indexes, so nothing is allocated per request). Entries
 * leave from the head once older than CPC_AUTH_REPLAY_S; times are kept
 * non-decreasing so the head is always the oldest.
 */
#include "worker_auth.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../common/req_sign.h"
#include "../core/hash.h"
#include "../core/hex.h"

#define DEF_MAX 65536
#define NIL UINT32_MAX

struct ent {
    uint8_t k[16];
    uint64_t t;
    uint32_t next; /* next entry in the bucket chain, NIL = end */
};

struct cpc_worker_auth {
    pthread_mutex_t mu;
    struct ent *ring;
    size_t cap, head, count;
    uint32_t *buckets;
    size_t nb; /* power of two */
    uint64_t last_t;
};

struct cpc_worker_auth *cpc_worker_auth_new(size_t max_entries)
{
    if (max_entries == 0)
        max_entries = DEF_MAX;
    if (max_entries > (size_t)1 << 24)
        max_entries = (size_t)1 << 24;
    struct cpc_worker_auth *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->cap = max_entries;
    a->nb = 16;
    while (a->nb < max_entries)
        a->nb <<= 1;
    a->ring = calloc(a->cap, sizeof *a->ring);
    a->buckets = malloc(a->nb * sizeof *a->buckets);
    if (!a->ring || !a->buckets) {
        free(a->ring);
        free(a->buckets);
        free(a);
        return NULL;
    }
    for (size_t i = 0; i < a->nb; i++)
        a->buckets[i] = NIL;
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void cpc_worker_auth_free(struct cpc_worker_auth *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->mu);
    free(a->ring);
    free(a->buckets);
    free(a);
}

static size_t bucket_of(const struct cpc_worker_auth *a, const uint8_t k[16])
{
    uint64_t v;
    memcpy(&v, k, 8);
    return (size_t)v & (a->nb - 1);
}

static void evict_old(struct cpc_worker_auth *a, uint64_t now)
{
    while (a->count && a->ring[a->head].t + CPC_AUTH_REPLAY_S < now) {
        uint32_t idx = (uint32_t)a->head;
        uint32_t *pp = &a->buckets[bucket_of(a, a->ring[idx].k)];
        while (*pp != NIL && *pp != idx)
            pp = &a->ring[*pp].next;
        if (*pp == idx)
            *pp = a->ring[idx].next;
        a->head = (a->head + 1) % a->cap;
        a->count--;
    }
}

/* 0 = remembered, CPC_ERR_DUPLICATE = seen, CPC_ERR_TOO_LARGE = full. */
static int remember(struct cpc_worker_auth *a, const uint8_t k[16], uint64_t now)
{
    pthread_mutex_lock(&a->mu);
    if (now < a->last_t)
        now = a->last_t;
    a->last_t = now;
    evict_old(a, now);
    int rc = 0;
    size_t b = bucket_of(a, k);
    for (uint32_t i = a->buckets[b]; i != NIL; i = a->ring[i].next)
        if (memcmp(a->ring[i].k, k, 16) == 0) {
            rc = CPC_ERR_DUPLICATE;
            goto out;
        }
    if (a->count == a->cap) {
        rc = CPC_ERR_TOO_LARGE;
        goto out;
    }
    uint32_t idx = (uint32_t)((a->head + a->count) % a->cap);
    memcpy(a->ring[idx].k, k, 16);
    a->ring[idx].t = now;
    a->ring[idx].next = a->buckets[b];
    a->buckets[b] = idx;
    a->count++;
out:
    pthread_mutex_unlock(&a->mu);
    return rc;
}

static int parse_ts(const char *s, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 19)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

int cpc_worker_auth_check(struct cpc_worker_auth *a, const char *method, const char *path,
                          const void *body, size_t body_len, const char *pubkey_hex,
                          const char *timestamp, const char *signature_hex, uint64_t now_s,
                          uint8_t pubkey[CPC_PUBKEY_LEN], uint8_t addr[CPC_ADDR_HASH_LEN],
                          struct cpc_err *err)
{
    uint8_t pub[CPC_PUBKEY_LEN], sig[CPC_SIG_LEN], digest[32];
    uint64_t ts = 0;
    if (!pubkey_hex)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "missing " CPC_REQ_HDR_PUBKEY " header");
    if (!timestamp)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "missing " CPC_REQ_HDR_TIMESTAMP " header");
    if (!signature_hex)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "missing " CPC_REQ_HDR_SIGNATURE " header");
    if (strlen(pubkey_hex) != 2 * CPC_PUBKEY_LEN ||
        cpc_hex_decode_exact(pub, CPC_PUBKEY_LEN, pubkey_hex) != 0 || cpc_pubkey_check(pub) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           CPC_REQ_HDR_PUBKEY " must be 66 hex characters (a compressed public key)");
    if (parse_ts(timestamp, &ts) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, CPC_REQ_HDR_TIMESTAMP " must be unix seconds");
    uint64_t skew = ts > now_s ? ts - now_s : now_s - ts;
    if (skew > CPC_AUTH_WINDOW_S)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           "stale timestamp: %llu is %llu s away from the node's clock (window "
                           "+-%d s)",
                           (unsigned long long)ts, (unsigned long long)skew, CPC_AUTH_WINDOW_S);
    if (strlen(signature_hex) != 2 * CPC_SIG_LEN ||
        cpc_hex_decode_exact(sig, CPC_SIG_LEN, signature_hex) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           CPC_REQ_HDR_SIGNATURE " must be 128 hex characters");
    cpc_req_digest(digest, method ? method : "", path ? path : "", body, body_len, ts);
    int rc = cpc_verify(sig, digest, pub);
    if (rc == CPC_ERR_HIGH_S)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "high-S signature");
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "bad signature");
    uint8_t k[32];
    cpc_sha256_2(k, pub, sizeof pub, sig, sizeof sig);
    rc = remember(a, k, now_s);
    if (rc == CPC_ERR_DUPLICATE)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "replayed request");
    if (rc == CPC_ERR_TOO_LARGE)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE,
                           "too many signed requests in the replay window, retry later");
    if (addr && cpc_pubkey_hash(addr, pub) != 0)
        return cpc_err_set(err, CPC_ERR_CRYPTO, "cannot hash the public key");
    if (pubkey)
        memcpy(pubkey, pub, CPC_PUBKEY_LEN);
    return 0;
}

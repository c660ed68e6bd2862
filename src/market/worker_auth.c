/* worker_auth.c — verification of signed worker requests with a bounded
 * replay cache (see worker_auth.h).
 *
 * The cache is a slab of entries (key, expiry), key =
 * SHA256(pubkey | signature)[0..16], expiry = timestamp + window (ms): the
 * entry is needed while expiry >= now. A chained hash table finds a key (the
 * chains are slab indexes) and a binary min-heap of slab indexes ordered by
 * expiry drops the expired ones, whatever their arrival order (timestamps
 * are +-window around arrival, so arrival order is not expiry order). Free
 * slots are chained through `next`. Nothing is allocated per request.
 */
#include "worker_auth.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../common/req_sign.h"
#include "../core/hash.h"
#include "../core/hex.h"

#define NIL UINT32_MAX

struct ent {
    uint8_t k[16];
    uint64_t exp;  /* timestamp + CPC_AUTH_WINDOW_MS: forgotten once exp < now */
    uint32_t next; /* next entry in the bucket chain (or the free list), NIL = end */
};

struct cpc_worker_auth {
    pthread_mutex_t mu;
    struct ent *ents;  /* cap slots */
    uint32_t *heap;    /* count slab indexes, min-heap on exp */
    size_t cap, count;
    uint32_t free_head;
    uint32_t *buckets;
    size_t nb;         /* power of two */
    uint64_t last_now; /* the latest clock seen: the cache's clock never goes back */
};

struct cpc_worker_auth *cpc_worker_auth_new(size_t max_entries)
{
    if (max_entries == 0)
        max_entries = CPC_AUTH_CACHE_DEFAULT;
    if (max_entries > (size_t)1 << 24)
        max_entries = (size_t)1 << 24;
    struct cpc_worker_auth *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->cap = max_entries;
    a->nb = 16;
    while (a->nb < max_entries)
        a->nb <<= 1;
    a->ents = calloc(a->cap, sizeof *a->ents);
    a->heap = calloc(a->cap, sizeof *a->heap);
    a->buckets = malloc(a->nb * sizeof *a->buckets);
    if (!a->ents || !a->heap || !a->buckets) {
        free(a->ents);
        free(a->heap);
        free(a->buckets);
        free(a);
        return NULL;
    }
    for (size_t i = 0; i < a->nb; i++)
        a->buckets[i] = NIL;
    for (size_t i = 0; i < a->cap; i++)
        a->ents[i].next = i + 1 < a->cap ? (uint32_t)(i + 1) : NIL;
    a->free_head = 0;
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void cpc_worker_auth_free(struct cpc_worker_auth *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->mu);
    free(a->ents);
    free(a->heap);
    free(a->buckets);
    free(a);
}

static size_t bucket_of(const struct cpc_worker_auth *a, const uint8_t k[16])
{
    uint64_t v;
    memcpy(&v, k, 8);
    return (size_t)v & (a->nb - 1);
}

static uint64_t exp_at(const struct cpc_worker_auth *a, size_t heap_pos)
{
    return a->ents[a->heap[heap_pos]].exp;
}

static void heap_push(struct cpc_worker_auth *a, uint32_t idx)
{
    size_t i = a->count++;
    uint64_t e = a->ents[idx].exp;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (exp_at(a, parent) <= e)
            break;
        a->heap[i] = a->heap[parent];
        i = parent;
    }
    a->heap[i] = idx;
}

static void heap_pop(struct cpc_worker_auth *a)
{
    uint32_t last = a->heap[--a->count];
    uint64_t e = a->ents[last].exp;
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= a->count)
            break;
        if (c + 1 < a->count && exp_at(a, c + 1) < exp_at(a, c))
            c++;
        if (e <= exp_at(a, c))
            break;
        a->heap[i] = a->heap[c];
        i = c;
    }
    if (a->count)
        a->heap[i] = last;
}

/* Forget every entry whose timestamp is out of the window at now. */
static void evict_old(struct cpc_worker_auth *a, uint64_t now)
{
    while (a->count && exp_at(a, 0) < now) {
        uint32_t idx = a->heap[0];
        uint32_t *pp = &a->buckets[bucket_of(a, a->ents[idx].k)];
        while (*pp != NIL && *pp != idx)
            pp = &a->ents[*pp].next;
        if (*pp == idx)
            *pp = a->ents[idx].next;
        heap_pop(a);
        a->ents[idx].next = a->free_head;
        a->free_head = idx;
    }
}

/* 0 = remembered, CPC_ERR_DUPLICATE = seen, CPC_ERR_TOO_LARGE = full,
 * CPC_ERR_INVALID = stale on the cache's clock (*now_out: that clock). */
static int remember(struct cpc_worker_auth *a, const uint8_t k[16], uint64_t ts, uint64_t now,
                    uint64_t *now_out)
{
    pthread_mutex_lock(&a->mu);
    if (now < a->last_now)
        now = a->last_now;
    a->last_now = now;
    *now_out = now;
    evict_old(a, now);
    int rc = 0;
    uint64_t exp = ts + CPC_AUTH_WINDOW_MS;
    if (exp < now) { /* the node's clock stepped back: its entry may be gone */
        rc = CPC_ERR_INVALID;
        goto out;
    }
    size_t b = bucket_of(a, k);
    for (uint32_t i = a->buckets[b]; i != NIL; i = a->ents[i].next)
        if (memcmp(a->ents[i].k, k, 16) == 0) {
            rc = CPC_ERR_DUPLICATE;
            goto out;
        }
    if (a->count == a->cap) {
        rc = CPC_ERR_TOO_LARGE;
        goto out;
    }
    uint32_t idx = a->free_head;
    a->free_head = a->ents[idx].next;
    memcpy(a->ents[idx].k, k, 16);
    a->ents[idx].exp = exp;
    a->ents[idx].next = a->buckets[b];
    a->buckets[b] = idx;
    heap_push(a, idx);
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

static int stale(struct cpc_err *err, uint64_t ts, uint64_t now)
{
    uint64_t skew = ts > now ? ts - now : now - ts;
    return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                       "stale timestamp: %llu is %llu ms away from the node's clock (window "
                       "+-%d ms)",
                       (unsigned long long)ts, (unsigned long long)skew, CPC_AUTH_WINDOW_MS);
}

int cpc_worker_auth_check(struct cpc_worker_auth *a, const char *method, const char *path,
                          const void *body, size_t body_len, const char *pubkey_hex,
                          const char *timestamp, const char *signature_hex, uint64_t now_ms,
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
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           CPC_REQ_HDR_TIMESTAMP " must be unix milliseconds");
    if ((ts > now_ms ? ts - now_ms : now_ms - ts) > CPC_AUTH_WINDOW_MS)
        return stale(err, ts, now_ms);
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
    uint64_t cache_now = now_ms;
    cpc_sha256_2(k, pub, sizeof pub, sig, sizeof sig);
    rc = remember(a, k, ts, now_ms, &cache_now);
    if (rc == CPC_ERR_INVALID)
        return stale(err, ts, cache_now);
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

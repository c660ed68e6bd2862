/* lease_cache.c — the node's own lease signatures (see lease_cache.h).
 *
 * Set = the low bits of the lease digest (a SHA-256 output, so uniform);
 * a set holds WAYS slots, each one (digest, signature) pair, and signing
 * replaces the set's oldest slot (direct mapping lost ~1 lease in 8 to a
 * later lease landing on the same slot while 8k leases were live: each such
 * loss costs the producer a full ECDSA verify). A hit needs the digest and
 * the signature to be equal byte for byte. Nothing here is secret (digests and lease signatures go to
 * workers in the clear), so plain memcmp is fine. The seckey is never
 * copied: it is read from the borrowed key at each signing.
 */
#include "lease_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"
#include "../core/market.h"

#define MAX_SLOTS ((size_t)1 << 22)
#define WAYS 4

struct slot {
    uint8_t used;
    uint64_t seq; /* when it was filled: the smallest in a set is replaced */
    uint8_t digest[32];
    uint8_t sig[CPC_SIG_LEN];
};

struct cpc_lease_cache {
    const struct cpc_key *key;
    const struct cpc_signer *signer;
    pthread_mutex_t mu;
    size_t mask; /* sets - 1 */
    struct slot *slots;
    uint64_t seq;
    uint64_t hits, misses;
};

struct cpc_lease_cache *cpc_lease_cache_new(const struct cpc_key *key,
                                            const struct cpc_signer *signer, size_t slots)
{
    if (!key || !signer)
        return NULL;
    if (!slots)
        slots = CPC_LEASE_CACHE_DEFAULT;
    if (slots > MAX_SLOTS)
        slots = MAX_SLOTS;
    size_t n = WAYS;
    while (n < slots)
        n <<= 1;
    struct cpc_lease_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->slots = calloc(n, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    c->key = key;
    c->signer = signer;
    c->mask = n / WAYS - 1;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void cpc_lease_cache_free(struct cpc_lease_cache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c->slots);
    free(c);
}

static struct slot *set_of(const struct cpc_lease_cache *c, const uint8_t digest[32])
{
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = (x << 8) | digest[i];
    return &c->slots[(size_t)(x & c->mask) * WAYS];
}

int cpc_lease_cache_sign(struct cpc_lease_cache *c, uint8_t sig[CPC_SIG_LEN],
                         const char *chain_id, const uint8_t task_id[16],
                         const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires)
{
    uint8_t d[32];
    cpc_lease_digest(d, chain_id, task_id, worker, expires);
    return cpc_lease_cache_sign_digest(c, sig, d);
}

int cpc_lease_cache_sign_digest(struct cpc_lease_cache *c, uint8_t sig[CPC_SIG_LEN],
                                const uint8_t d[32])
{
    if (cpc_sign(c->signer, sig, d, c->key->seckey) != 0)
        return CPC_ERR_CRYPTO;
    pthread_mutex_lock(&c->mu);
    struct slot *set = set_of(c, d), *s = &set[0];
    for (int w = 0; w < WAYS; w++) {
        if (set[w].used && memcmp(set[w].digest, d, 32) == 0) {
            s = &set[w]; /* same lease signed again: refresh it in place */
            break;
        }
        if (!set[w].used || set[w].seq < s->seq)
            s = &set[w];
        if (!set[w].used)
            break;
    }
    s->used = 1;
    s->seq = ++c->seq;
    memcpy(s->digest, d, 32);
    memcpy(s->sig, sig, CPC_SIG_LEN);
    pthread_mutex_unlock(&c->mu);
    return 0;
}

bool cpc_lease_cache_known(struct cpc_lease_cache *c, const uint8_t pub[CPC_PUBKEY_LEN],
                           const uint8_t digest[32], const uint8_t sig[CPC_SIG_LEN])
{
    if (!c || !pub || !digest || !sig)
        return false;
    if (memcmp(pub, c->key->info.pubkey, CPC_PUBKEY_LEN) != 0)
        return false;
    pthread_mutex_lock(&c->mu);
    const struct slot *set = set_of(c, digest);
    bool hit = false;
    for (int w = 0; w < WAYS && !hit; w++)
        hit = set[w].used && memcmp(set[w].digest, digest, 32) == 0 &&
              memcmp(set[w].sig, sig, CPC_SIG_LEN) == 0;
    if (hit)
        c->hits++;
    else
        c->misses++;
    pthread_mutex_unlock(&c->mu);
    return hit;
}

static bool oracle_known(void *arg, const uint8_t pub[CPC_PUBKEY_LEN], const uint8_t digest[32],
                         const uint8_t sig[CPC_SIG_LEN])
{
    return cpc_lease_cache_known(arg, pub, digest, sig);
}

struct cpc_lease_sig_oracle cpc_lease_cache_oracle(struct cpc_lease_cache *c)
{
    struct cpc_lease_sig_oracle o = {.known = c ? oracle_known : NULL, .arg = c};
    return o;
}

void cpc_lease_cache_stats(struct cpc_lease_cache *c, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&c->mu);
    if (hits)
        *hits = c->hits;
    if (misses)
        *misses = c->misses;
    pthread_mutex_unlock(&c->mu);
}

/* sched_map.c — a tiny open-addressing hash map with fixed-length keys that
 * point into the stored values (the scheduler's job and worker tables).
 * Linear probing, backward-shift deletion, load factor <= 0.75. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"
#include "scheduler_internal.h"


static size_t smap_hash(const uint8_t *k, size_t klen)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < klen; i++)
        h = (h ^ k[i]) * 1099511628211ULL;
    return (size_t)h;
}

void *cpc__smap_get(const struct smap *m, const uint8_t *key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = smap_hash(key, m->klen) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->e[i].key)
            return NULL;
        if (memcmp(m->e[i].key, key, m->klen) == 0)
            return m->e[i].val;
    }
}

static int smap_grow(struct smap *m)
{
    size_t nc = m->cap ? m->cap * 2 : 16;
    struct smap_ent *ne = calloc(nc, sizeof *ne);
    if (!ne)
        return CPC_ERR_NOMEM;
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->e[j].key)
            continue;
        size_t i = smap_hash(m->e[j].key, m->klen) & (nc - 1);
        while (ne[i].key)
            i = (i + 1) & (nc - 1);
        ne[i] = m->e[j];
    }
    free(m->e);
    m->e = ne;
    m->cap = nc;
    return 0;
}

/* key must not be present; it must stay valid while stored (points into val). */
int cpc__smap_put(struct smap *m, const uint8_t *key, void *val)
{
    if ((m->n + 1) * 4 > m->cap * 3 && smap_grow(m) != 0)
        return CPC_ERR_NOMEM;
    size_t i = smap_hash(key, m->klen) & (m->cap - 1);
    while (m->e[i].key)
        i = (i + 1) & (m->cap - 1);
    m->e[i].key = key;
    m->e[i].val = val;
    m->n++;
    return 0;
}

void cpc__smap_del(struct smap *m, const uint8_t *key)
{
    if (!m->cap)
        return;
    size_t mask = m->cap - 1, i = smap_hash(key, m->klen) & mask;
    for (;; i = (i + 1) & mask) {
        if (!m->e[i].key)
            return;
        if (memcmp(m->e[i].key, key, m->klen) == 0)
            break;
    }
    /* backward-shift deletion (linear probing) */
    size_t j = i;
    for (;;) {
        m->e[i].key = NULL;
        m->e[i].val = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!m->e[j].key) {
                m->n--;
                return;
            }
            size_t k = smap_hash(m->e[j].key, m->klen) & mask;
            /* move e[j] to i unless its home k lies cyclically in (i, j] */
            if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j)))
                break;
        }
        m->e[i] = m->e[j];
        i = j;
    }
}

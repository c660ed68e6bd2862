/* ratelimit.c — the platform's per-identity request limiter (ratelimit.h).
 *
 * Design note. A slot is found by a splitmix64 hash of the identity and up
 * to CPC_RL_PROBE linear probes; the mutex is held for the few probes only.
 */
#include "ratelimit.h"

#include <string.h>

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void cpc_ratelimit_init(struct cpc_ratelimit *r)
{
    memset(r->slots, 0, sizeof r->slots);
    pthread_mutex_init(&r->mu, NULL);
}

void cpc_ratelimit_destroy(struct cpc_ratelimit *r) { pthread_mutex_destroy(&r->mu); }

/* The slot of key: its own, else an empty or expired one, else the oldest (caller locks). */
static struct cpc_rl_slot *find(struct cpc_ratelimit *r, uint64_t key, uint64_t window_ms,
                                uint64_t now_ms)
{
    size_t h = (size_t)(mix(key) % CPC_RL_SLOTS);
    struct cpc_rl_slot *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < CPC_RL_PROBE; i++) {
        struct cpc_rl_slot *s = &r->slots[(h + i) % CPC_RL_SLOTS];
        if (s->key == key)
            return s;
        int dead = s->key == 0 || now_ms >= s->window_start + s->window_ms;
        if (dead && !free_slot)
            free_slot = s;
        if (!oldest || s->window_start < oldest->window_start)
            oldest = s;
    }
    struct cpc_rl_slot *s = free_slot ? free_slot : oldest;
    s->key = key;
    s->window_start = now_ms;
    s->window_ms = window_ms;
    s->count = s->refused = 0;
    return s;
}

void cpc_ratelimit_hit(struct cpc_ratelimit *r, uint64_t key, uint32_t limit, uint64_t window_ms,
                       uint64_t now_ms, struct cpc_rl_verdict *v)
{
    pthread_mutex_lock(&r->mu);
    struct cpc_rl_slot *s = find(r, key, window_ms, now_ms);
    s->window_ms = window_ms; /* the caller's length wins (a changed setting) */
    if (now_ms >= s->window_start + window_ms || now_ms < s->window_start) {
        s->window_start = now_ms; /* a new window (or the clock went back) */
        s->count = s->refused = 0;
    }
    v->allowed = s->count < limit;
    if (v->allowed)
        s->count++;
    else if (s->refused < UINT32_MAX)
        s->refused++;
    v->limit = limit;
    v->remaining = limit - (s->count < limit ? s->count : limit);
    v->refused = v->allowed ? 0 : s->refused;
    v->reset_ms = s->window_start + window_ms;
    pthread_mutex_unlock(&r->mu);
}

/* ratelimit.h — per-identity request limits of the platform (API keys and
 * access tokens): a fixed-size table, one mutex, the platform's clock.
 *
 * Design note. Memory is bounded: CPC_RL_SLOTS slots, open addressing with
 * at most CPC_RL_PROBE probes. Each identity (a 64-bit key: kind in the top
 * bits, the API key id or the token subject below) has a one-minute window
 * that starts at its first request; the count restarts when the window has
 * passed. When every probed slot is live the one with the oldest window is
 * reused (identities are authenticated, so filling the table takes that
 * many keys or accounts; the worst case is a fresh window, not a refusal).
 * Embedded in struct cpc_platform (no heap); time is given by the caller.
 */
#ifndef CPC_NODE_RATELIMIT_H
#define CPC_NODE_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

#define CPC_RL_SLOTS 4096
#define CPC_RL_PROBE 16
#define CPC_RL_WINDOW_MS 60000u

#define CPC_RL_KIND_APIKEY (1ull << 62)
#define CPC_RL_KIND_TOKEN (2ull << 62)

struct cpc_rl_slot {
    uint64_t key;          /* 0 = empty */
    uint64_t window_start; /* unix ms */
    uint32_t count;
};

struct cpc_ratelimit {
    pthread_mutex_t mu;
    struct cpc_rl_slot slots[CPC_RL_SLOTS];
};

struct cpc_rl_verdict {
    int allowed;
    uint32_t limit, remaining;
    uint64_t reset_ms; /* when the window ends */
};

/* Initialise an embedded limiter (empty table). */
void cpc_ratelimit_init(struct cpc_ratelimit *r);
/* Destroy its mutex. */
void cpc_ratelimit_destroy(struct cpc_ratelimit *r);
/* Count one request of identity key (non-zero) against limit per minute at now_ms;
 * *v (caller's struct) gets the verdict and the header values. */
void cpc_ratelimit_hit(struct cpc_ratelimit *r, uint64_t key, uint32_t limit, uint64_t now_ms,
                       struct cpc_rl_verdict *v);

#endif

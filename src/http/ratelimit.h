/* ratelimit.h — per-identity request limits of the platform: a fixed-size
 * table, one mutex, the platform's clock. Two tables use it: the requests of
 * API keys and access tokens (one-minute windows) and the mail-sending routes
 * (per IP and per email, hour-long windows by default; auth_mail_limit.h).
 *
 * Design note. Memory is bounded: CPC_RL_SLOTS slots, open addressing with
 * at most CPC_RL_PROBE probes. Each identity (a 64-bit key: kind in the top
 * bits, the API key id, token subject or a keyed hash below) has a window of
 * the caller's length that starts at its first request; the count restarts
 * when the window has passed. The window length is kept per slot, so one
 * table may mix lengths. When every probed slot is live the one with the
 * oldest window is reused (the worst case is a fresh window, not a refusal:
 * a full table never locks anyone out). Refusals are counted per window so a
 * caller can act on the first one only (audit once, not per request).
 * Embedded in struct cpc_platform (no heap); time is given by the caller.
 */
#ifndef CPC_NODE_RATELIMIT_H
#define CPC_NODE_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

#define CPC_RL_SLOTS 4096
#define CPC_RL_PROBE 16
#define CPC_RL_WINDOW_MS 60000u /* the window of authenticated requests */

#define CPC_RL_KIND_APIKEY (1ull << 62)
#define CPC_RL_KIND_TOKEN (2ull << 62)
#define CPC_RL_KIND_MAIL (3ull << 62) /* a mail route's IP or email (keyed hash) */

struct cpc_rl_slot {
    uint64_t key;          /* 0 = empty */
    uint64_t window_start; /* unix ms */
    uint64_t window_ms;    /* length of this slot's window */
    uint32_t count;        /* requests allowed in the window */
    uint32_t refused;      /* requests refused in the window */
};

struct cpc_ratelimit {
    pthread_mutex_t mu;
    struct cpc_rl_slot slots[CPC_RL_SLOTS];
};

struct cpc_rl_verdict {
    int allowed;
    uint32_t limit, remaining;
    uint32_t refused;  /* refusals in this window, this one included (0 when allowed) */
    uint64_t reset_ms; /* when the window ends */
};

/* Initialise an embedded limiter (empty table). */
void cpc_ratelimit_init(struct cpc_ratelimit *r);
/* Destroy its mutex. */
void cpc_ratelimit_destroy(struct cpc_ratelimit *r);
/* Count one request of identity key (non-zero) against limit per window_ms (> 0) at now_ms;
 * *v (caller's struct) gets the verdict and the header values. */
void cpc_ratelimit_hit(struct cpc_ratelimit *r, uint64_t key, uint32_t limit, uint64_t window_ms,
                       uint64_t now_ms, struct cpc_rl_verdict *v);

#endif

/* webhooks.h — signed webhooks with a durable outbox (docs/webhooks.md):
 * emitting events, the sealed secrets and the delivery threads.
 *
 * Design note. cpc_webhook_emit writes one outbox row per matching webhook
 * of the user (one INSERT, webhook_store.h) and wakes the delivery threads;
 * it never touches the network, so the block path and the handlers may call
 * it. [webhooks] connections (1..8, default 4) threads each pick a due row
 * whose webhook has nothing in flight (a slow receiver holds one thread at
 * most), check and pin the target's address (webhook_send.h), POST
 * {"id","type","created","data"} signed with X-CPC-Signature
 * t=<unix>,v1=hex(HMAC-SHA256(secret, t "." body)) within timeout_ms
 * (default 10000), and hand the outcome to one committer thread that
 * records every outcome queued meanwhile in one commit (a group commit; a
 * row whose outcome awaits it is skipped by picks): 2xx delivered,
 * else a retry after a full-jitter exponential backoff (retry_base_ms
 * default 10000, doubled per attempt, capped at retry_cap_ms default
 * 3600000) until retry_window_s (default 86400) has passed, then failed.
 * A delivery whose 2xx was committed is never sent again; a crash between
 * the receiver's 2xx and that commit (at most about two commits' time)
 * resends it after restart (receivers
 * dedupe by X-CPC-Event-Id). allow_http_hosts lists the hosts that may be
 * plain http and private (tests: 127.0.0.1).
 * Secrets: "whsec_" + 64 hex digits, the HMAC key as text; stored sealed
 * (XChaCha20-Poly1305 under a key derived from the platform secret, the
 * user id as associated data), answered once at creation, never logged.
 */
#ifndef CPC_PLATFORM_WEBHOOKS_H
#define CPC_PLATFORM_WEBHOOKS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../store/webhook_store.h"

struct cpc_platform;
struct cpc_config;
struct cpc_webhooks; /* opaque: settings and the delivery threads */

#define CPC_WEBHOOKS_PER_USER 10u
#define CPC_WEBHOOK_SECRET_LEN 70 /* "whsec_" + 64 hex */

/* Read [webhooks] from c (borrowed) into a new delivery service on p (borrowed; its
 * store and webhook key must be set). Caller frees with cpc_webhooks_free. */
int cpc_webhooks_new(struct cpc_webhooks **out, struct cpc_platform *p,
                     const struct cpc_config *c, struct cpc_err *err);
/* Start the delivery threads. */
int cpc_webhooks_start(struct cpc_webhooks *w, struct cpc_err *err);
/* Stop the threads (an attempt in flight finishes first) and free; NULL accepted. */
void cpc_webhooks_free(struct cpc_webhooks *w);
/* [webhooks] allow_http_hosts (borrowed from w). */
const char *cpc_webhooks_allow(const struct cpc_webhooks *w);

/* Queue event (a name of webhook_body.h) with data (stolen; NULL = {}) for each webhook
 * of user that wants it: durable on return, no network. 0 (also when none wants it). */
int cpc_webhook_emit(struct cpc_platform *p, int64_t user_id, const char *event, json_t *data,
                     struct cpc_err *err);
/* cpc_webhook_emit under event ids "evt_" key "_" webhook-id: key (borrowed, at most 32 of
 * [a-z0-9]; NULL = random) names the happening, so emitting it again queues nothing more
 * while its rows are kept (job.completed, seen in more than one block). */
int cpc_webhook_emit_keyed(struct cpc_platform *p, int64_t user_id, const char *event,
                           const char *key, json_t *data, struct cpc_err *err);
/* Queue a "webhook.test" event to webhook (of user) only; *event_id (caller's) its id. */
int cpc_webhook_emit_test(struct cpc_platform *p, int64_t user_id, int64_t webhook,
                          char event_id[64], struct cpc_err *err);
/* A new secret into secret (caller's, wiped by the caller) and its sealed form for user. */
int cpc_webhook_secret_new(struct cpc_platform *p, int64_t user,
                           char secret[CPC_WEBHOOK_SECRET_LEN + 1],
                           uint8_t sealed[CPC_WEBHOOK_SEALED_MAX], size_t *sealed_len);
/* Wait until no delivery is pending or timeout_ms passed: 0, or -1 on timeout (bench). */
int cpc_webhooks_drain(struct cpc_platform *p, uint64_t timeout_ms);

#endif

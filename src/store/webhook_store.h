/* webhook_store.h — the webhooks' tables of the platform store (platform
 * migration 13, platform_sqlite_webhooks.c): each user's webhooks, the
 * durable outbox of their deliveries and the log of every attempt.
 *
 * Design note. An event becomes one outbox row per matching webhook in one
 * INSERT ... SELECT, so it is durable before cpc_webhook_emit returns. The
 * delivery threads pick a due row whose webhook has no delivery in flight
 * (the in-flight set is the caller's, in memory, so a pick costs no write),
 * send it, and record the outcome (with those of the other threads: a group
 * commit): delivered (state 1, never picked again), a retry (next_ms later)
 * or failed (state 2). A crash
 * leaves the row pending, so it is sent again. The attempt log keeps the newest
 * CPC_WEBHOOK_LOG_MAX attempts of a webhook; finished outbox rows beyond the
 * newest CPC_WEBHOOK_DONE_MAX of a webhook are deleted. Deleting a webhook
 * deletes its rows. Every function takes the store's mutex.
 * Ownership: every struct is the caller's; strings in them are copies.
 */
#ifndef CPC_STORE_WEBHOOK_STORE_H
#define CPC_STORE_WEBHOOK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

struct cpc_pstore;

#define CPC_WEBHOOK_URL_MAX 2048
#define CPC_WEBHOOK_SEALED_MAX 128
#define CPC_WEBHOOK_TYPE_MAX 32
#define CPC_WEBHOOK_ERROR_MAX 200
#define CPC_WEBHOOK_LOG_MAX 1000   /* attempts kept per webhook */
#define CPC_WEBHOOK_DONE_MAX 1000  /* finished deliveries kept per webhook */

enum cpc_wh_state { CPC_WH_PENDING = 0, CPC_WH_DELIVERED = 1, CPC_WH_FAILED = 2 };

struct cpc_pwebhook {
    int64_t id, user;
    char url[CPC_WEBHOOK_URL_MAX + 1];
    uint32_t events; /* bit mask of webhooks.h's event list */
    uint8_t sealed[CPC_WEBHOOK_SEALED_MAX];
    size_t sealed_len;
    uint64_t created_ms;
};

struct cpc_pwh_delivery {
    int64_t id, webhook;
    char event_id[64];
    char type[CPC_WEBHOOK_TYPE_MAX + 1];
    char *data;          /* the event's data as JSON text: malloc'd, free with ..._clear */
    uint64_t created_ms; /* when the event happened */
    uint64_t window_ms;  /* start of its retry window (creation or redelivery) */
    uint64_t next_ms;
    uint32_t attempts;
    int state;
    int last_status;     /* HTTP status of the last attempt, 0 = none / no answer */
    char last_error[CPC_WEBHOOK_ERROR_MAX + 1];
    uint64_t done_ms;
    struct cpc_pwebhook hook; /* its webhook (id, user, url, sealed secret): picks only */
};

struct cpc_pwh_attempt {
    int64_t id, delivery;
    uint64_t at_ms, duration_ms;
    int status;
    char error[CPC_WEBHOOK_ERROR_MAX + 1];
};

/* Free d->data (NULL accepted). */
void cpc_pwh_delivery_clear(struct cpc_pwh_delivery *d);

/* Insert w (id ignored) when user has fewer than max webhooks: *id, else CPC_ERR_TOO_LARGE. */
int cpc_pstore_webhook_insert(struct cpc_pstore *s, const struct cpc_pwebhook *w, uint32_t max,
                              int64_t *id, struct cpc_err *err);
/* Fill rows (caller's array of cap) with user's webhooks, oldest first. */
int cpc_pstore_webhook_list(struct cpc_pstore *s, int64_t user, struct cpc_pwebhook *rows,
                            size_t cap, size_t *n, struct cpc_err *err);
/* Webhook id into *w; CPC_ERR_NOT_FOUND when missing (user > 0: or not user's). */
int cpc_pstore_webhook_get(struct cpc_pstore *s, int64_t user, int64_t id,
                           struct cpc_pwebhook *w, struct cpc_err *err);
/* Delete user's webhook id with its deliveries and log: *deleted 1, or 0 if none. */
int cpc_pstore_webhook_delete(struct cpc_pstore *s, int64_t user, int64_t id, int *deleted,
                              struct cpc_err *err);
/* One outbox row per webhook of user whose mask has a bit of `bit` (only webhook `only`
 * when only > 0): event id = id_prefix (borrowed) + the webhook id, data JSON text
 * (borrowed), due at now_ms. *rows gets the number written. */
int cpc_pstore_webhook_emit(struct cpc_pstore *s, int64_t user, int64_t only, uint32_t bit,
                            const char *id_prefix, const char *type, const char *data,
                            uint64_t now_ms, int *rows, struct cpc_err *err);
#define CPC_WEBHOOK_SKIP_MAX 32 /* rows a pick can be told to skip */

/* The outcome of one attempt, for cpc_pstore_webhook_record. */
struct cpc_pwh_outcome {
    int64_t id, webhook;
    int state;        /* DELIVERED, FAILED, or PENDING with next_ms */
    uint64_t next_ms;
    int status;       /* the answer's HTTP status, 0 = none */
    char error[CPC_WEBHOOK_ERROR_MAX + 1];
    uint64_t at_ms, duration_ms;
};

/* Pick the earliest pending row due at now_ms whose webhook is none of busy[0..nbusy)
 * (nbusy <= 8) and whose id is none of skip[0..nskip) (nskip <= CPC_WEBHOOK_SKIP_MAX: rows
 * whose outcome awaits its commit) into *d (data malloc'd; d->hook its webhook; nothing
 * written): 1, or 0 when none is due. */
int cpc_pstore_webhook_claim(struct cpc_pstore *s, uint64_t now_ms, const int64_t *busy,
                             size_t nbusy, const int64_t *skip, size_t nskip,
                             struct cpc_pwh_delivery *d, struct cpc_err *err);
/* Record the outcomes o[0..n) (borrowed) in one commit (a group commit of the delivery
 * threads), each with its attempt's log row and the prunes of its webhook's old rows. */
int cpc_pstore_webhook_record(struct cpc_pstore *s, const struct cpc_pwh_outcome *o, size_t n,
                              struct cpc_err *err);
/* Deliveries of webhook, newest first, from offset (each data malloc'd). */
int cpc_pstore_webhook_deliveries(struct cpc_pstore *s, int64_t webhook, uint32_t offset,
                                  struct cpc_pwh_delivery *rows, size_t cap, size_t *n,
                                  struct cpc_err *err);
/* Attempts of delivery, newest first (at most cap). */
int cpc_pstore_webhook_attempts(struct cpc_pstore *s, int64_t delivery,
                                struct cpc_pwh_attempt *rows, size_t cap, size_t *n,
                                struct cpc_err *err);
/* Make delivery of webhook pending again, due at now_ms with a new retry window and no
 * attempts: *changed 1, or 0 when missing. */
int cpc_pstore_webhook_redeliver(struct cpc_pstore *s, int64_t webhook, int64_t delivery,
                                 uint64_t now_ms, int *changed, struct cpc_err *err);
/* *n = the pending rows of every webhook. */
int cpc_pstore_webhook_pending(struct cpc_pstore *s, uint64_t *n, struct cpc_err *err);
/* Mark rental id's rental.booked as emitted at ms: *claimed 1 when this call set it. */
int cpc_pstore_rental_claim_booked(struct cpc_pstore *s, const char *id, uint64_t ms,
                                   int *claimed, struct cpc_err *err);

/* The servers bound to a worker, for the offline watcher. */
struct cpc_pserver_hook {
    char id[37];
    int64_t owner;
    char worker_addr[64];
    int online; /* the status the watcher saw last */
};
/* Fill rows (caller's array of limit) with bound servers whose id is after `after`, in id
 * order. */
int cpc_pstore_server_hook_list(struct cpc_pstore *s, const char *after, uint32_t limit,
                                struct cpc_pserver_hook *rows, size_t *n, struct cpc_err *err);
/* Set server id's last seen status: *changed 1 when it differed (this call moved it). */
int cpc_pstore_server_hook_mark(struct cpc_pstore *s, const char *id, int online, int *changed,
                                struct cpc_err *err);
/* After a worker's report of rental_id: clear the failed mark when its order is no longer
 * failed, and set it when it is: *went_failed 1 when this call set it. */
int cpc_pstore_order_failed_edge(struct cpc_pstore *s, const char *rental_id, int *went_failed,
                                 struct cpc_err *err);
/* The user whose custodial wallet is address; CPC_ERR_NOT_FOUND when none. */
int cpc_pstore_wallet_user(struct cpc_pstore *s, const char *address, int64_t *user,
                           struct cpc_err *err);
/* The server (server_id, caller's 37 bytes) and its owner of rental_id; CPC_ERR_NOT_FOUND. */
int cpc_pstore_rental_provider(struct cpc_pstore *s, const char *rental_id, char server_id[37],
                               int64_t *owner, struct cpc_err *err);

#endif

/* mailer.h — durable outgoing mail: a queue in the platform store and one
 * delivery thread.
 *
 * Design note. cpc_mailer_send seals the body (XChaCha20-Poly1305 with the
 * platform's mail key: queued verification codes are never in the database
 * in clear), appends it to mail_queue and wakes the thread. The thread
 * delivers every due message, oldest first, then sleeps on a condition
 * variable until the next retry is due or a new message arrives (no polling
 * loop). With [smtp] host set in HOME/config it sends through libcurl SMTP
 * (port, user, password, from, starttls = true|false, default true);
 * without it each message is written to HOME/outbox/<id>.eml (0600) and one
 * line is logged (recipient and file, never the body). A message is marked
 * sent (and its body wiped) only after success; a failure retries with
 * exponential backoff (5 s doubling, at most 1 h), so an outage loses no mail.
 */
#ifndef CPC_NODE_MAILER_H
#define CPC_NODE_MAILER_H

#include <stdint.h>

#include "../core/err.h"

struct cpc_mailer; /* opaque */
struct cpc_pstore;
struct cpc_config;

struct cpc_mailer_opts {
    const char *home;                    /* HOME (outbox/ lives there) */
    const struct cpc_config *config;     /* [smtp] section read from it; may be NULL */
    const uint8_t *key;                  /* 32-byte sealing key (copied) */
    uint64_t (*clock)(void *arg);        /* unix ms */
    void *clock_arg;
};

/* Create a mailer over store (borrowed: must outlive the mailer). Caller frees
 * with cpc_mailer_free. Nothing is delivered before cpc_mailer_start. */
int cpc_mailer_new(struct cpc_mailer **out, struct cpc_pstore *store,
                   const struct cpc_mailer_opts *opts, struct cpc_err *err);
/* Change the clock (before start). */
void cpc_mailer_set_clock(struct cpc_mailer *m, uint64_t (*clock)(void *arg), void *arg);
/* Start the delivery thread (messages queued before are delivered too). */
int cpc_mailer_start(struct cpc_mailer *m, struct cpc_err *err);
/* Queue a plain-text message (strings copied; body is sealed before it is stored). */
int cpc_mailer_send(struct cpc_mailer *m, const char *to, const char *subject, const char *body,
                    struct cpc_err *err);
/* Stop the thread (a send in progress finishes) and free; NULL accepted. */
void cpc_mailer_free(struct cpc_mailer *m);

#endif

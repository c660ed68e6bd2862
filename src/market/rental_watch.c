/* rental_watch.c — the low-funds watcher (rental_watch.h).
 *
 * Design note. The chain ends a rental itself when its escrow cannot pay the
 * next minute (END_FUNDS); the customer should hear before, and after. The
 * watcher runs after each committed block (the daemon chains it after the
 * scheduler on the node's on_block hook) and reads at most `batch` platform
 * rows the watcher is not done with (platform migration 11: watched_ms
 * NULL), in id order from a cursor that wraps around, so a block costs at
 * most batch x (three state reads + a few SQLite statements), whatever the
 * number of rentals; with more open rentals than the batch, each is looked
 * at every ceil(open / batch) blocks. For each row, with the figures of
 * rental_figures.h (the same as the invoices'):
 *   open, minutes_left <= CPC_RENTAL_WARN_MINUTES, warned_ms not set:
 *     set warned_ms, and when this call set it, queue the warning;
 *   ended: set watched_ms (and the row's ended_ms), and when this call set it
 *     and the reason is funds, queue "rental stopped";
 *   no record a minute after its offer expired (never opened): set watched_ms.
 * The mark comes before the email and only the caller that changed the row
 * sends, so a restart or a racing view never queues an email twice (an error
 * between the two loses that one email rather than doubling it). Emails go
 * through cpc_mailer_send: an INSERT into the mail queue; the mailer's own
 * thread does SMTP, never the block path.
 */
#include "rental_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/amount.h"
#include "../node/node.h"
#include "../platform/mailer.h"
#include "../platform/platform.h"
#include "../platform/webhooks.h"
#include "../store/platform_store.h"
#include "rental_figures.h"
#include "routes_rentals.h"
#include "webhook_events.h"

struct cpc_rental_watch {
    char cursor[65]; /* the last id looked at; "" = from the first */
    char server_cursor[40]; /* the server.offline watcher's (webhook_events.h) */
    unsigned batch;
    struct cpc_prental_ref *rows;
    size_t count;
};

struct cpc_rental_watch *cpc_rental_watch_new(unsigned batch)
{
    struct cpc_rental_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->batch = batch ? batch : CPC_RENTAL_WATCH_BATCH;
    w->rows = calloc(w->batch, sizeof *w->rows);
    if (!w->rows) {
        free(w);
        return NULL;
    }
    return w;
}

void cpc_rental_watch_free(struct cpc_rental_watch *w)
{
    if (!w)
        return;
    free(w->rows);
    free(w);
}

static int keep(void *arg, const struct cpc_prental_ref *r)
{
    struct cpc_rental_watch *w = arg;
    w->rows[w->count++] = *r;
    return w->count >= w->batch;
}

/* Queue subject and body to the customer user. */
static int mail_user(struct cpc_platform *p, int64_t user, const char *subject, const char *body,
                     struct cpc_err *err)
{
    struct cpc_puser *u = malloc(sizeof *u);
    if (!u)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = cpc_pstore_user_by_id(p->store, user, u, err);
    if (rc == 0)
        rc = cpc_mailer_send(p->mailer, u->email, subject, body, err);
    free(u);
    return rc;
}

static int warn(struct cpc_platform *p, const struct cpc_prental_ref *r,
                const struct cpc_rental_figures *f, struct cpc_err *err)
{
    char subject[160], body[1400], left[CPC_AMOUNT_STR_MAX], cost[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(left, f->escrow_left);
    cpc_amount_format(cost, f->minute_cost);
    snprintf(subject, sizeof subject, "Rental %.12s: %llu minutes of funds left", r->id,
             (unsigned long long)f->minutes_left);
    snprintf(body, sizeof body,
             "Your GPU rental %s (server %s) has %s CPC left in its deposit: %llu minutes at "
             "%s CPC a minute.\n\n"
             "When the deposit cannot pay the next minute the chain stops the rental and the "
             "machine is shut down.\n\n"
             "To keep it running, extend it: POST %s/rentals/%s/extend with {\"hours\": N}, "
             "or the same through cpc-cli.\n",
             r->id, r->server_id, left, (unsigned long long)f->minutes_left, cost,
             p->public_url, r->id);
    return mail_user(p, r->user, subject, body, err);
}

static int stopped(struct cpc_platform *p, const struct cpc_prental_ref *r,
                   const struct cpc_rental_figures *f, struct cpc_err *err)
{
    char subject[160], body[1400], charged[CPC_AMOUNT_STR_MAX], refunded[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(charged, f->charged);
    cpc_amount_format(refunded, f->refunded);
    snprintf(subject, sizeof subject, "Rental %.12s stopped: its deposit ran out", r->id);
    snprintf(body, sizeof body,
             "Your GPU rental %s (server %s) was stopped by the chain: its deposit could not "
             "pay the next minute.\n\n"
             "Minutes used: %llu. Charged: %s CPC. Refunded: %s CPC.\n"
             "The invoice: %s/account/invoices/rent-%s\n",
             r->id, r->server_id, (unsigned long long)f->minutes, charged, refunded,
             p->public_url, r->id);
    return mail_user(p, r->user, subject, body, err);
}

/* Emit event about rental r to its customer and its server's provider. */
static int hook(struct cpc_platform *p, const struct cpc_prental_ref *r,
                const struct cpc_rental_figures *f, const char *event, int provider_too,
                struct cpc_err *err)
{
    json_t *d = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "rental_id", r->id, "server_id",
                          r->server_id, "minutes", (json_int_t)f->minutes, "minutes_left",
                          (json_int_t)f->minutes_left, "escrow_left", (json_int_t)f->escrow_left,
                          "charged", (json_int_t)f->charged);
    struct cpc_pserver *srv = provider_too ? malloc(sizeof *srv) : NULL;
    int rc = 0;
    if (srv && cpc_pstore_server_get(p->store, r->server_id, srv, err) == 0 &&
        srv->owner != r->user)
        rc = cpc_webhook_emit(p, srv->owner, event, json_incref(d), err);
    free(srv);
    return rc ? (json_decref(d), rc) : cpc_webhook_emit(p, r->user, event, d, err);
}

/* Look at row r. 0 or an error. */
static int look(struct cpc_node *n, struct cpc_platform *p, const struct cpc_prental_ref *r,
                struct cpc_err *err)
{
    struct cpc_rental_figures f;
    int claimed = 0, rc = 0;
    int found = cpc_rental_figures_read(n, r->id, &f, err);
    uint64_t now = cpc_platform_now(p);
    if (found < 0)
        return -1;
    if (!found) {
        if (now > r->created_ms + CPC_RENTAL_OFFER_TTL_MS + CPC_RENTAL_MINUTE_MS)
            rc = cpc_pstore_rental_claim_watched(p->store, r->id, now, &claimed, err);
        return rc;
    }
    if ((rc = cpc_pstore_rental_claim_booked(p->store, r->id, now, &claimed, err)) == 0 &&
        claimed)
        rc = hook(p, r, &f, "rental.booked", 1, err);
    if (rc != 0)
        return rc;
    if (f.rec.status == CPC_RENTAL_ENDED) {
        rc = cpc_pstore_rental_claim_watched(p->store, r->id, f.rec.ended_ms, &claimed, err);
        if (rc == 0 && claimed)
            rc = hook(p, r, &f, "rental.ended", 1, err);
        if (rc == 0 && claimed && f.rec.end_reason == CPC_RENTAL_END_FUNDS)
            rc = stopped(p, r, &f, err);
        return rc;
    }
    if (f.minutes_left > CPC_RENTAL_WARN_MINUTES || r->warned_ms)
        return 0;
    rc = cpc_pstore_rental_claim_warned(p->store, r->id, now ? now : 1, &claimed, err);
    if (rc == 0 && claimed)
        rc = hook(p, r, &f, "rental.low_balance", 0, err);
    if (rc == 0 && claimed)
        rc = warn(p, r, &f, err);
    return rc;
}

int cpc_rental_watch_block(struct cpc_rental_watch *w, struct cpc_node *n, struct cpc_err *err)
{
    struct cpc_platform *p = n->platform;
    if (!w || !p || !p->mailer)
        return 0;
    w->count = 0;
    int rc = cpc_pstore_rental_watch_list(p->store, w->cursor, w->batch, keep, w, err);
    if (rc != 0)
        return rc;
    /* a row that fails (logged by the caller) does not hold up the others: it comes
     * round again with the cursor */
    for (size_t i = 0; i < w->count; i++) {
        struct cpc_err e = {0};
        int lrc = look(n, p, &w->rows[i], &e);
        if (lrc != 0 && rc == 0) {
            rc = lrc;
            *err = e;
        }
    }
    /* a full batch goes on from its last id; a short one wraps around */
    snprintf(w->cursor, sizeof w->cursor, "%s", w->count == w->batch ? w->rows[w->count - 1].id
                                                                      : "");
    struct cpc_err e = {0};
    int src = cpc_webhook_servers_block(n, w->server_cursor, CPC_SERVER_WATCH_BATCH, &e);
    if (src != 0 && rc == 0) {
        rc = src;
        *err = e;
    }
    return rc;
}

/* webhook_events.h — the market's webhook emit points (webhook_events.c):
 * job.completed and server.offline after each committed block, and
 * server.error when a worker reports a rental's provisioning failed.
 *
 * Design note. Each emit goes through cpc_webhook_emit (platform/webhooks.h):
 * one SQLite INSERT, no network. job.completed: a job object of the block's
 * delta with status completed whose creator is a user's custodial wallet
 * (one indexed lookup per completed job), keyed by the job id so a job seen
 * again queues nothing more. server.offline: at most `batch` bound servers a
 * block, from a cursor that wraps around; a conditional UPDATE of the
 * server's last seen status (platform migration 13) makes each
 * online -> offline edge one event, across restarts too. server.error: the
 * order's failed mark (migration 13) is set once per failure; a report that
 * is no longer failed clears it.
 * Ownership: everything is borrowed per call; cursor is the caller's.
 */
#ifndef CPC_MARKET_WEBHOOK_EVENTS_H
#define CPC_MARKET_WEBHOOK_EVENTS_H

#include "../core/err.h"

struct cpc_node;
struct cpc_state;

#define CPC_SERVER_WATCH_BATCH 64u

/* Queue job.completed for the completed jobs of delta (NULL: none). 0 or an error. */
int cpc_webhook_jobs_block(struct cpc_node *n, const struct cpc_state *delta,
                           struct cpc_err *err);
/* Look at the next batch of bound servers after cursor (caller's, "" = from the first;
 * moved on here) and queue server.offline for each that went offline. */
int cpc_webhook_servers_block(struct cpc_node *n, char cursor[40], unsigned batch,
                              struct cpc_err *err);
/* After a worker's report that rental_id is in state (borrowed) with error: queue
 * server.error to the server's owner when the order has just become failed. */
int cpc_webhook_order_report(struct cpc_node *n, const char *rental_id, const char *state,
                             const char *error, struct cpc_err *err);

#endif

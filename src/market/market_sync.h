/* market_sync.h — the marketplace sync loop (market_sync.c, market_credit.c):
 * one thread per configured connector, off the request path, that publishes
 * the opted-in servers, follows their bookings and credits their earnings on
 * the ledger. docs/marketplaces.md is the design.
 *
 * Config (HOME/config), the connector is OFF unless api_key is set:
 *   [marketplace.vast]
 *   api_key = ...                  the platform's Vast host account key
 *   base_url = https://console.vast.ai   (a fake's URL in tests)
 *   sync_interval_s = 300          a pass every so often (and on a kick); 0 = no
 *                                  thread (passes only through cpc_market_sync_step)
 *   units_per_usd = 1000000000     ledger base units per USD (1 CPC = 1 USD)
 *   min_bid_percent = 100          the minimum bid, in % of the listed price
 *   earnings_days = 7              completed days of earnings looked back at
 *   timeout_ms = 15000             per request to Vast
 *
 * Ownership: cpc_market_sync_open gives a sync the caller frees with
 * cpc_market_sync_free (after cpc_market_sync_stop); the node is borrowed and
 * must outlive it.
 */
#ifndef CPC_MARKET_MARKET_SYNC_H
#define CPC_MARKET_MARKET_SYNC_H

#include <stdint.h>

#include "../core/err.h"

struct cpc_node;
struct cpc_market_sync;

/* The Vast sync of n read from home's config into *out: NULL (not an error) when no
 * api_key is configured. 0, or CPC_ERR_INVALID for a bad value, CPC_ERR_NOMEM. */
int cpc_market_sync_open(struct cpc_market_sync **out, struct cpc_node *n, const char *home,
                         struct cpc_err *err);
/* Start the thread (NULL: nothing). 0 or an error. */
int cpc_market_sync_start(struct cpc_market_sync *s, struct cpc_err *err);
/* Stop and join the thread; NULL accepted; idempotent. */
void cpc_market_sync_stop(struct cpc_market_sync *s);
/* NULL accepted. */
void cpc_market_sync_free(struct cpc_market_sync *s);
/* Ask for a pass soon (a provider changed an opt-in or a price); NULL accepted. */
void cpc_market_sync_kick(struct cpc_market_sync *s);
/* One pass now, on the caller's thread (the loop's body; tests call it): reconcile the
 * pending credits, read the machines, publish / unlist / follow bookings, credit the
 * completed days. Serialised with the thread. 0, or the first error (also recorded as
 * the connector's last error; the other servers are still done). */
int cpc_market_sync_step(struct cpc_market_sync *s, struct cpc_err *err);
/* The connector's name ("vast") and whether it is enabled. */
const char *cpc_market_sync_name(const struct cpc_market_sync *s);

/* 1 when server_id is booked on a marketplace now (POST /rentals answers 409
 * server_busy), 0 when not or when n has no platform; an error counts as 0 (logged). */
int cpc_market_server_booked(struct cpc_node *n, const char *server_id);

#endif

/* market_sync_internal.h — what market_sync.c and market_credit.c share.
 * Internal to src/market (cpc__). Pointers are borrowed. */
#ifndef CPC_MARKET_MARKET_SYNC_INTERNAL_H
#define CPC_MARKET_MARKET_SYNC_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../store/market_connector_store.h"
#include "connector.h"
#include "market_sync.h"

struct cpc_market_sync {
    struct cpc_node *n;
    struct cpc_mkt_connector *conn;
    uint64_t interval_ms, units_per_usd, min_bid_percent, earnings_days;
    pthread_t thread;
    bool started, stop, kick;
    pthread_mutex_t mu;   /* stop, kick; the condition's */
    pthread_cond_t cv;
    pthread_mutex_t step; /* one pass at a time */
    struct cpc_mkt_machine machines[CPC_MKT_MACHINES_MAX];
    size_t n_machines;
    struct cpc_pmarket_server rows[64];
    struct cpc_mkt_day days[CPC_MKT_DAYS_MAX];
};

/* Reconcile the pending credits: a committed success is marked credited, a pending one
 * waits, a lost one is submitted again (the same signed tx), and one whose nonce another
 * tx took (it can never land) or that failed on chain is signed anew. 0 or an error. */
int cpc__msync_reconcile(struct cpc_market_sync *s, uint64_t now_ms, struct cpc_err *err);
/* Credit row's provider for what machine earned on day (micro-USD), once per period. */
int cpc__msync_credit_day(struct cpc_market_sync *s, const struct cpc_pmarket_server *row,
                          const struct cpc_mkt_day *d, uint64_t now_ms, struct cpc_err *err);
/* The provider's commission (chain override or default) for user owner's wallet, and that
 * wallet's address (48 bytes). 0 or an error. */
int cpc__msync_provider(struct cpc_market_sync *s, int64_t owner, uint32_t *bps, char *addr,
                        struct cpc_err *err);

#endif

/* routes.c — every route the node serves, in one table. */
#include "routes.h"

static const struct cpc_route routes[] = {
    {"GET", "/", cpc_h_index},
    {"GET", "/status", cpc_h_status},
    {"GET", "/block/{id}", cpc_h_block},
    {"GET", "/blocks", cpc_h_blocks},
    {"GET", "/tx/{hash}", cpc_h_tx_get},
    {"POST", "/tx", cpc_h_tx_post},
    {"POST", "/txs", cpc_h_txs_post},
    {"GET", "/account/{address}", cpc_h_account},
    {"GET", "/account/{address}/txs", cpc_h_account_txs},
    {"GET", "/balance/{address}", cpc_h_balance},
    {"GET", "/events", cpc_h_events},
    {"GET", "/metrics", cpc_h_metrics},
};

const struct cpc_route *cpc_node_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

/* routes_server_stats.h — the servers' load as a time series and the
 * provider's statistics (routes_server_stats.c): GET
 * /provider/servers/{id}/stats, GET /rentals/{id}/stats, GET /provider/stats,
 * and the heartbeat's sample (recorded by POST /worker/heartbeat). Rows are
 * listed in cpcd/routes.c; docs/api.md, "Server statistics". */
#ifndef CPC_MARKET_ROUTES_SERVER_STATS_H
#define CPC_MARKET_ROUTES_SERVER_STATS_H

#include <stdint.h>

#include "../core/bech32.h"
#include "../http/httpd.h"
#include "routes_worker.h"

struct cpc_node;

#define CPC_STATS_POINTS_MAX 2000   /* points in one series answer */

/* Store hb's sample for the servers bound to worker (n and hb borrowed); no platform:
 * nothing. A store failure is logged, never the heartbeat's failure. */
void cpc_server_stats_record(struct cpc_node *n, const uint8_t worker[CPC_ADDR_HASH_LEN],
                             const struct cpc_heartbeat_req *hb);

/* GET /provider/servers/{id}/stats?from=&to=&step=minute|hour */
void cpc_h_provider_server_stats(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /rentals/{id}/stats */
void cpc_h_rental_stats(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /provider/stats?period=day|week|month */
void cpc_h_provider_stats(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

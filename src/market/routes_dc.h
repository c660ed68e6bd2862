/* routes_dc.h — the data-center API (docs/api.md, "Data-center API"): the
 * fleet routes (routes_dc.c) and the reports and money (routes_dc_reports.c),
 * all for API keys with the dc scope of a provider. Rows are listed in
 * cpcd/routes.c. */
#ifndef CPC_MARKET_ROUTES_DC_H
#define CPC_MARKET_ROUTES_DC_H

#include <stddef.h>
#include <stdint.h>

#include "../http/httpd.h"
#include "../store/platform_store.h"

struct cpc_platform;

/* POST /dc/servers/batch, GET /dc/servers, PUT/DELETE /dc/servers/{id},
 * POST /dc/servers/status */
void cpc_h_dc_servers_batch(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_dc_servers_list(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_dc_server_put(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_dc_server_delete(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_dc_servers_status(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /dc/stats, /dc/revenue, /dc/utilization, /dc/alerts */
void cpc_h_dc_stats(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_dc_revenue(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_dc_utilization(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_dc_alerts(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /dc/balance, GET /dc/transactions, POST /dc/withdraw */
void cpc_h_dc_balance(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_dc_transactions(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_dc_withdraw(struct cpc_http_req *req, struct cpc_http_res *res);

/* The caller as a provider with the dc scope into *u (caller's): 0, or -1 answered. */
int cpc__dc_caller(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_puser *u);
/* Every server of owner, oldest first, into *rows (malloc'd, caller frees) and *n. */
int cpc__dc_fleet(struct cpc_platform *p, int64_t owner, struct cpc_pserver **rows, size_t *n,
                  struct cpc_err *err);

#endif

/* routes_finance.h — the platform's money for the operators (routes_finance.c):
 * GET /admin/finance and GET /admin/reports/revenue.csv. Admin session only.
 * Rows in cpcd/routes.c; docs/api.md, "Finance". */
#ifndef CPC_MARKET_ROUTES_FINANCE_H
#define CPC_MARKET_ROUTES_FINANCE_H

#include "../http/httpd.h"

#define CPC_FINANCE_BUCKETS_MAX 1000u   /* buckets in one answer */
#define CPC_FINANCE_RENTALS_MAX 50000u  /* rentals one answer reads from the chain */

/* GET /admin/finance?from=&to=&group=day|week|month */
void cpc_h_admin_finance(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /admin/reports/revenue.csv?from=&to=&group= */
void cpc_h_admin_revenue_csv(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

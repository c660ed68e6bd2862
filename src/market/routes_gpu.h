/* routes_gpu.h — the customers' GPU catalogue (routes_gpu.c): GET /market/gpu,
 * GET /market/gpu/{id}, GET /market/prices, GET /market/locations. Rows are
 * listed in cpcd/routes.c; docs/api.md, "GPU servers". */
#ifndef CPC_MARKET_ROUTES_GPU_H
#define CPC_MARKET_ROUTES_GPU_H

#include "../http/httpd.h"

#define CPC_GPU_PAGE_MAX 100u       /* ?limit of GET /market/gpu */
#define CPC_GPU_SCAN_MAX 10000u     /* rows a ?status filter reads at most */
#define CPC_GPU_LOCATIONS_MAX 1000u /* rows of GET /market/locations */

void cpc_h_market_gpu(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_market_gpu_get(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_market_prices(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_market_locations(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

/* routes_rentals.h — the customers' GPU rentals (routes_rentals.c):
 * POST/GET /rentals, GET/DELETE /rentals/{id}, GET /rentals/{id}/connection;
 * POST /rentals/{id}/extend (routes_rental_extend.c).
 * Rows are listed in cpcd/routes.c; docs/api.md, "GPU rentals". */
#ifndef CPC_MARKET_ROUTES_RENTALS_H
#define CPC_MARKET_ROUTES_RENTALS_H

#include "../http/httpd.h"

/* How long the provider's offer the node signs for an order stays valid (ms). */
#define CPC_RENTAL_OFFER_TTL_MS (5u * 60u * 1000u)
/* Servers of the catalogue a requirements order looks at, cheapest first. */
#define CPC_RENTAL_CANDIDATES_MAX 32u
/* POST /rentals body limit: an 8 KiB SSH key and the rest. */
#define CPC_RENTAL_BODY_MAX 16384u
/* GET /rentals page size: default 20, at most this. */
#define CPC_RENTAL_PAGE_MAX 100u

void cpc_h_rentals_post(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_rentals_list(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_rental_get(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_rental_delete(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_rental_connection(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_rental_extend(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

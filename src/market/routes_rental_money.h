/* routes_rental_money.h — the money views of GPU rentals (docs/api.md,
 * "Invoices" and "Rental money"): the customer's invoices
 * (routes_invoices.c), the provider's and the admin's rentals
 * (routes_rental_money.c). Every figure is the ledger's, computed once by
 * rental_figures.h. Handlers answer through res; nothing to free. */
#ifndef CPC_MARKET_ROUTES_RENTAL_MONEY_H
#define CPC_MARKET_ROUTES_RENTAL_MONEY_H

#include "../http/httpd.h"

#define CPC_INVOICE_PAGE_MAX 50u      /* invoices per page */
#define CPC_INVOICE_MERGE_MAX 1000u   /* offset + limit of a list of both kinds */
#define CPC_RENTAL_VIEW_PAGE_MAX 100u /* rentals per page of the provider's and admin's views */

/* GET /account/invoices[?kind=rental|job&limit&offset]: the caller's invoices, newest
 * first; both kinds merged by creation time unless kind says one. */
void cpc_h_invoices_list(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /account/invoices/{id}: one invoice ("rent-<hex64>" or "job-<hex64>"), 404
 * unless the caller's. */
void cpc_h_invoice_get(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /account/invoices/{id}/html: the same invoice as a printable HTML page. */
void cpc_h_invoice_html(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /provider/rentals[?limit&offset]: the rentals of the caller's servers (provider role). */
void cpc_h_provider_rentals(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /admin/rentals[?limit&offset]: every rental with its money (admin role). */
void cpc_h_admin_rentals(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

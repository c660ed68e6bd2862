/* routes_commission.h — GET/PUT /admin/users/{id}/commission: a provider's
 * commission override on the chain (COMMISSION_SET, signed by the node's
 * validator key). Rows are listed in cpcd/routes.c; docs/api.md, "Admin". */
#ifndef CPC_MARKET_ROUTES_COMMISSION_H
#define CPC_MARKET_ROUTES_COMMISSION_H

#include "../http/httpd.h"

void cpc_h_admin_commission_get(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_admin_commission_put(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

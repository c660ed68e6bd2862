/* routes_marketplaces.h — the marketplace connectors' routes
 * (routes_marketplaces.c): PUT /provider/servers/{id}/marketplaces (a
 * provider opts its server in or out of reselling) and GET
 * /admin/integrations (each connector's state). Rows are listed in
 * cpcd/routes.c; docs/marketplaces.md is the design. */
#ifndef CPC_MARKET_ROUTES_MARKETPLACES_H
#define CPC_MARKET_ROUTES_MARKETPLACES_H

#include <jansson.h>
#include <stddef.h>

#include "../http/httpd.h"

void cpc_h_provider_server_marketplaces_put(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_admin_integrations(struct cpc_http_req *req, struct cpc_http_res *res);

/* The body {"vast": true|false} (j borrowed): *vast set, 0; or -1 with the reason in msg
 * (cap bytes). Only known marketplaces, booleans, at least one. */
int cpc_marketplaces_body_parse(const json_t *j, int *vast, char *msg, size_t cap);

#endif

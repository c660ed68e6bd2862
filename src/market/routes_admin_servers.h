/* routes_admin_servers.h — every GPU server for the operators
 * (routes_admin_servers.c): GET /admin/servers and GET /admin/servers/locations.
 * Admin session only. Rows in cpcd/routes.c; docs/api.md, "Administration". */
#ifndef CPC_MARKET_ROUTES_ADMIN_SERVERS_H
#define CPC_MARKET_ROUTES_ADMIN_SERVERS_H

#include "../http/httpd.h"

#define CPC_ADMIN_SERVERS_SCAN_MAX 100000u /* servers one answer reads at most */
#define CPC_ADMIN_PLACES_MAX 5000u         /* (country, city) rows of the map */

/* GET /admin/servers?status=online|offline|busy&model=&country=&provider=&limit=&offset= */
void cpc_h_admin_servers(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /admin/servers/locations */
void cpc_h_admin_server_locations(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

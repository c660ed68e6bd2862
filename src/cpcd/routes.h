/* routes.h — every route cpcd serves, in one table (routes.c), so tests can
 * enumerate it; the handlers are declared by their rooms' headers. */
#ifndef CPC_CPCD_ROUTES_H
#define CPC_CPCD_ROUTES_H

#include "../http/httpd.h"

/* The full table (static storage); *n receives its length. */
const struct cpc_route *cpc_daemon_routes(size_t *n);

/* GET /: the node's name, version and the list of its routes. */
void cpc_h_index(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

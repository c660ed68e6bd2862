/* routes_apikeys.h — API keys of the signed-in user (routes_apikeys.c):
 * POST /api-keys, GET /api-keys, DELETE /api-keys/{id}. Rules are in
 * docs/platform.md ("API keys"). */
#ifndef CPC_NODE_ROUTES_APIKEYS_H
#define CPC_NODE_ROUTES_APIKEYS_H

#include "../http/httpd.h"

struct cpc_puser;

#define CPC_APIKEYS_PER_USER 25u

void cpc_h_apikeys_post(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_apikeys_list(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_apikeys_delete(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /api-keys after authentication: u is the authenticated user (borrowed). The
 * fuzzer calls it directly, as it has no HTTP connection for headers. */
void cpc__h_apikeys_post_as(struct cpc_http_req *req, struct cpc_http_res *res,
                            const struct cpc_puser *u);

#endif

/* routes_password.h — password recovery and change (routes_password.c):
 * POST /auth/password/forgot, /auth/password/reset, /auth/password/change.
 * Rules are in docs/platform.md. */
#ifndef CPC_NODE_ROUTES_PASSWORD_H
#define CPC_NODE_ROUTES_PASSWORD_H

#include "../http/httpd.h"

struct cpc_puser;

void cpc_h_auth_password_forgot(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_auth_password_reset(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_auth_password_change(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /auth/password/change after authentication: u is the authenticated user (borrowed). The
 * fuzzer calls it directly, as it has no HTTP connection for headers. */
void cpc__h_auth_password_change_as(struct cpc_http_req *req, struct cpc_http_res *res,
                                    const struct cpc_puser *u);

#endif

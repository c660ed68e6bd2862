/* routes_auth.h — the platform's account routes (routes_auth.c):
 * POST /auth/register, /auth/verify, /auth/verify/resend, /auth/login,
 * /auth/refresh, /auth/logout, /auth/logout-all and GET /me. Rules are in
 * docs/platform.md. */
#ifndef CPC_NODE_ROUTES_AUTH_H
#define CPC_NODE_ROUTES_AUTH_H

#include "../http/httpd.h"

void cpc_h_auth_register(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_auth_verify(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /auth/verify?email=&code= (the link in the mail) */
void cpc_h_auth_verify_link(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_auth_verify_resend(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_auth_login(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_auth_refresh(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_auth_logout(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_auth_logout_all(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_me(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

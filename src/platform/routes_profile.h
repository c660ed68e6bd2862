/* routes_profile.h — the user's own profile and records (routes_profile.c):
 * GET /auth/history, PATCH /me, POST /me/kyc. Rules are in docs/platform.md. */
#ifndef CPC_NODE_ROUTES_PROFILE_H
#define CPC_NODE_ROUTES_PROFILE_H

#include "../http/httpd.h"

struct cpc_puser;

void cpc_h_auth_history(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_me_patch(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_me_kyc(struct cpc_http_req *req, struct cpc_http_res *res);
/* PATCH /me after authentication: u is the authenticated user (borrowed). The
 * fuzzer calls it directly, as it has no HTTP connection for headers. */
void cpc__h_me_patch_as(struct cpc_http_req *req, struct cpc_http_res *res,
                        const struct cpc_puser *u);

#endif

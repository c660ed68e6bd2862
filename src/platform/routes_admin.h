/* routes_admin.h — platform administration (routes_admin.c): block and
 * unblock users, decide KYC, read the audit log. Admin role required. */
#ifndef CPC_NODE_ROUTES_ADMIN_H
#define CPC_NODE_ROUTES_ADMIN_H

#include "../http/httpd.h"

struct cpc_puser;

void cpc_h_admin_block(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_admin_unblock(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_admin_kyc(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_admin_audit(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /admin/users/{id}/kyc after authentication: admin is the authenticated admin
 * (borrowed). The fuzzer calls it directly, as it has no HTTP connection for headers. */
void cpc__h_admin_kyc_as(struct cpc_http_req *req, struct cpc_http_res *res,
                         const struct cpc_puser *admin);

#endif

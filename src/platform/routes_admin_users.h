/* routes_admin_users.h — the operators' user search, email verification and
 * withdrawal queue (routes_admin_users.c). Admin session only. Rows in
 * cpcd/routes.c; docs/api.md, "Administration". */
#ifndef CPC_PLATFORM_ROUTES_ADMIN_USERS_H
#define CPC_PLATFORM_ROUTES_ADMIN_USERS_H

#include "../http/httpd.h"

/* GET /admin/users?q=&role=&status=&limit=&offset= */
void cpc_h_admin_users_list(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /admin/users/{id}/verify */
void cpc_h_admin_user_verify(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /admin/withdrawals?status=pending|approved|rejected&limit=&offset= */
void cpc_h_admin_withdrawals_list(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

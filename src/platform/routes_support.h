/* routes_support.h — the support desk (routes_support.c): a user's tickets
 * and messages, the operators' queue, replies (with an email notice to the
 * user) and status changes. Rows in cpcd/routes.c; docs/api.md, "Support". */
#ifndef CPC_PLATFORM_ROUTES_SUPPORT_H
#define CPC_PLATFORM_ROUTES_SUPPORT_H

#include "../http/httpd.h"

#define CPC_SUPPORT_OPEN_MAX 20u      /* tickets not closed per user */
#define CPC_SUPPORT_MSGS_PER_HOUR 30u /* messages (openings included) per user per hour */

/* POST /support/tickets, GET /support/tickets, GET /support/tickets/{id},
 * POST /support/tickets/{id}/messages (the user's own tickets). */
void cpc_h_support_tickets_post(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_support_tickets_list(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_support_ticket_get(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_support_ticket_message(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /admin/support/tickets, POST /admin/support/tickets/{id}/messages,
 * POST /admin/support/tickets/{id}/status (an admin's session). */
void cpc_h_admin_support_tickets(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_admin_support_reply(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_admin_support_status(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

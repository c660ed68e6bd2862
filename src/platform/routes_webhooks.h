/* routes_webhooks.h — the webhook routes (routes_webhooks.c): POST/GET
 * /webhooks, DELETE /webhooks/{id}, GET /webhooks/{id}/deliveries, POST
 * /webhooks/{id}/deliveries/{delivery_id}/redeliver, POST /webhooks/{id}/test.
 * Handlers borrow req and res (httpd.h). */
#ifndef CPC_PLATFORM_ROUTES_WEBHOOKS_H
#define CPC_PLATFORM_ROUTES_WEBHOOKS_H

#include "../http/httpd.h"

void cpc_h_webhooks_post(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_webhooks_list(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_webhooks_delete(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_webhook_deliveries(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_webhook_redeliver(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_webhook_test(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

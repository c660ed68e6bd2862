/* routes_servers.h — the providers' cabinet of GPU servers (routes_servers.c):
 * POST/GET /provider/servers, GET/PUT/DELETE /provider/servers/{id}, and the
 * views and status the customers' catalogue (routes_gpu.c) shares. Rows are
 * listed in cpcd/routes.c; docs/api.md, "GPU servers". */
#ifndef CPC_MARKET_ROUTES_SERVERS_H
#define CPC_MARKET_ROUTES_SERVERS_H

#include <jansson.h>
#include <stdint.h>

#include "../http/httpd.h"
#include "../store/platform_store.h"

struct cpc_node;

void cpc_h_provider_servers_post(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_provider_servers_list(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_provider_server_get(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_provider_server_put(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_provider_server_delete(struct cpc_http_req *req, struct cpc_http_res *res);

/* "maintenance" when its provider set it so, else "online" when r's bound worker was heard
 * from within the scheduler's heartbeat timeout, else "offline" (static string). n and r are
 * borrowed. */
const char *cpc__server_status(struct cpc_node *n, const struct cpc_pserver *r);
/* A new JSON view of r (caller owns it): the catalogue's (no owner, host, ports or worker)
 * or, with owner_view, the provider's own (every field). status is borrowed. */
json_t *cpc__server_json(const struct cpc_pserver *r, const char *status, int owner_view);
/* PUT / DELETE /provider/servers/{id} for a caller authenticated for scope (an API-key
 * CPC_SCOPE_* bit): the /provider routes pass account, /dc/servers/{id} passes dc. */
void cpc__server_put_as(struct cpc_http_req *req, struct cpc_http_res *res, uint32_t scope);
void cpc__server_delete_as(struct cpc_http_req *req, struct cpc_http_res *res, uint32_t scope);
/* A new random (version 4) server id into out (caller's buffer). */
void cpc__server_new_id(char out[37]);
/* The {id} path parameter when it is a UUID, else NULL with a 404 answered. */
const char *cpc__server_id_param(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

/* web.h — the dashboard on cpcd's HTTP server.
 *
 * At open the daemon loads the built dashboard (web/dist, or [web] dir /
 * --web-dir) into memory (http/static_site.h). The HTTP server's fallback
 * then answers the GET and HEAD requests no API route serves: the
 * dashboard's files, and index.html for a browser's page request to a
 * client-side route; GET / is the route index for API clients and the
 * dashboard for browsers (CPC_ROUTE_PAGE), and so is the confirmation
 * mail's GET /auth/verify link (the page confirms and says so). Without a
 * build, a browser at / gets a plain page that says how to build it, and
 * every other request is the API's. */
#ifndef CPC_CPCD_WEB_H
#define CPC_CPCD_WEB_H

#include "../http/httpd.h"
#include "../node/node.h"

/* Load n->cfg.web_dir into n->web (NULL when it is not built or is
 * refused; logged, never fatal: the API runs without it). The daemon frees
 * n->web at close (cpc_static_site_free). */
void cpc_daemon_web_open(struct cpc_node *n);

/* The HTTP server's fallback (httpd.h cpc_httpd_opts.fallback): 1 when it
 * answered req. req->app is the node. */
int cpc_daemon_web_fallback(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

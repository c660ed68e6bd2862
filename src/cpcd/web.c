/* web.c — the dashboard's files on cpcd's HTTP server (see web.h). */
#include "web.h"

#include <string.h>

#include "../common/log.h"
#include "../http/static_site.h"

static const char missing_page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>ComputeChain node</title></head>\n"
    "<body style=\"font-family: sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em\">\n"
    "<h1>ComputeChain node</h1>\n"
    "<p>This node is running, but its web dashboard is not built.</p>\n"
    "<p>Build it from the source tree with <code>make web</code> (it needs Node.js 20 and npm; "
    "<code>scripts/deps.sh</code> installs them), then restart cpcd. cpcd serves the folder "
    "given by <code>--web-dir</code> or <code>[web] dir</code> in its config "
    "(default <code>web/dist</code>, relative to the folder cpcd was started in).</p>\n"
    "<p>The REST API works without it: <code>curl http://HOST:PORT/</code> lists every route, "
    "and <code>GET /status</code> shows the chain.</p>\n"
    "</body></html>\n";

void cpc_daemon_web_open(struct cpc_node *n)
{
    n->web = NULL;
    if (!n->cfg.web_dir[0]) {
        CPC_LOGI("dashboard: off (no web folder); serving the API alone");
        return;
    }
    struct cpc_err err = {0};
    int rc = cpc_static_site_load(&n->web, n->cfg.web_dir, &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        CPC_LOGW("dashboard: not built (%s); `make web` builds it; the API runs without it",
                 err.msg);
        return;
    }
    if (rc != CPC_OK) {
        CPC_LOGE("dashboard: %s: %s; serving the API alone", n->cfg.web_dir, err.msg);
        return;
    }
    size_t files = 0, bytes = 0;
    cpc_static_site_stats(n->web, &files, &bytes);
    CPC_LOGI("dashboard: %zu files, %zu kB from %s, served at /", files, bytes >> 10,
             n->cfg.web_dir);
}

int cpc_daemon_web_fallback(struct cpc_http_req *req, struct cpc_http_res *res)
{
    const struct cpc_node *n = req->app;
    if (n->web)
        return cpc_static_site_answer(n->web, req, res);
    /* not built: a browser at / learns how to build it; anything else is
     * the API's (a page route such as the mail's GET /auth/verify answers) */
    if (strcmp(req->path, "/") != 0 || !cpc_http_req_wants_html(req))
        return 0;
    cpc_http_res_text(res, 200, "text/html; charset=utf-8", missing_page,
                      sizeof missing_page - 1);
    cpc_http_res_header(res, "Cache-Control", "no-cache");
    cpc_http_res_header(res, "X-Content-Type-Options", "nosniff");
    return 1;
}

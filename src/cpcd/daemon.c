/* daemon.c — open the node, then the rooms above it; start and stop them
 * in order (daemon.h). This is the one place that knows every room: the
 * node learns of the market only through the hooks set here. */
#include "daemon.h"

#include <string.h>

#include "../common/log.h"
#include "../http/httpd.h"
#include "../http/static_site.h"
#include "../market/blobs.h"
#include "../market/lease_cache.h"
#include "../market/market_sync.h"
#include "../market/rental_watch.h"
#include "../market/webhook_events.h"
#include "../market/routes_legacy.h"
#include "../market/scheduler.h"
#include "../market/worker_auth.h"
#include "../platform/platform.h"
#include "routes.h"
#include "web.h"

/* The producer's hook: the scheduler follows the committed market records
 * (off chain); on failure a restart rebuilds it from the state. Then the
 * rental watcher queues the low-funds emails (a failure: the next block
 * retries). arg is the node. */
static void follow_block(void *arg, const struct cpc_state *delta, uint64_t height)
{
    struct cpc_node *n = arg;
    struct cpc_err err = {0};
    if (cpc_scheduler_on_block(n->scheduler, delta, height) != 0)
        CPC_LOGE("scheduler: out of memory at block %llu (a restart rebuilds it)",
                 (unsigned long long)height);
    if (n->rental_watch && cpc_rental_watch_block(n->rental_watch, n, &err) != 0)
        CPC_LOGE("rental watch at block %llu: %s", (unsigned long long)height, err.msg);
    if (cpc_webhook_jobs_block(n, delta, &err) != 0)
        CPC_LOGE("webhooks at block %llu: %s", (unsigned long long)height, err.msg);
}

static int open_market(struct cpc_node *n, struct cpc_err *err)
{
    struct cpc_scheduler_opts so;
    int rc = cpc_scheduler_opts_load(&so, n->cfg.home, err);
    if (rc != 0)
        return rc;
    so.min_worker_stake = cpc_worker_min_stake(n->params.min_worker_stake);
    n->scheduler = cpc_scheduler_new(&so);
    n->worker_auth = cpc_worker_auth_new(0);
    n->lease_cache = cpc_lease_cache_new(&n->validator, n->signer, 0);
    if (!n->scheduler || !n->worker_auth || !n->lease_cache)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (cpc_scheduler_rebuild(n->scheduler, n->state, n->latest.height, err) != 0)
        return cpc_err_prefix(err, "rebuilding the scheduler");
    n->on_block = follow_block;
    n->on_block_arg = n;
    n->lease_oracle = cpc_lease_cache_oracle(n->lease_cache);
    return 0;
}

int cpc_daemon_open(struct cpc_node *n, const struct cpc_node_config *cfg, struct cpc_err *err)
{
    int rc = cpc_node_open(n, cfg, err);
    if (rc == 0)
        rc = open_market(n, err);
    if (rc != 0)
        return rc;
    char db_path[CPC_PATH_MAX];
    cpc_home_path(db_path, sizeof db_path, n->cfg.home, "data/chain.db");
    if ((rc = cpc_platform_new(&n->platform, n->cfg.home, db_path, err)) != 0)
        return rc;
    if (!(n->rental_watch = cpc_rental_watch_new(0)))
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if ((rc = cpc_market_sync_open(&n->market_sync, n, n->cfg.home, err)) != 0)
        return cpc_err_prefix(err, "marketplace connectors");
    struct cpc_blobs_config bc;
    if ((rc = cpc_blobs_config_load(&bc, n->cfg.home, err)) != 0)
        return rc;
    if (!(n->blobs = cpc_blobs_new(n, &bc)))
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    cpc_daemon_web_open(n);
    return cpc_legacy_new(&n->legacy, n->cfg.home, err);
}

static void wake_httpd(void *arg)
{
    cpc_httpd_wake(arg);
}

static int start_http(struct cpc_node *n, struct cpc_err *err)
{
    struct cpc_httpd_opts opts = {
        .listen = n->cfg.listen,
        .threads = (unsigned)n->cfg.http_threads,
        .max_body = 16u << 20,
        .app = n,
        .metrics = n->metrics,
        .max_connections = (unsigned)n->cfg.http_max_connections,
        .per_ip_connections = (unsigned)n->cfg.http_per_ip_connections,
        .reserved_connections = (unsigned)n->cfg.http_reserved_connections,
        .request_timeout_s = (unsigned)n->cfg.http_request_timeout_s,
        .response_timeout_s = (unsigned)n->cfg.http_response_timeout_s,
        .fallback = cpc_daemon_web_fallback,
    };
    size_t n_routes = 0;
    const struct cpc_route *routes = cpc_daemon_routes(&n_routes);
    return cpc_httpd_start(&n->httpd, routes, n_routes, &opts, err);
}

int cpc_daemon_start(struct cpc_node *n, struct cpc_err *err)
{
    int rc = cpc_platform_start(n->platform, err);
    if (rc == 0)
        rc = cpc_blobs_start(n->blobs, err);
    if (rc == 0)
        rc = start_http(n, err);
    if (rc != 0)
        return rc;
    /* long-polling workers are resumed when the scheduler has work for them */
    cpc_scheduler_set_notify(n->scheduler, wake_httpd, n->httpd);
    rc = cpc_node_start(n, err);
    if (rc == 0 && (rc = cpc_market_sync_start(n->market_sync, err)) != 0)
        cpc_node_stop(n);
    if (rc != 0) {
        cpc_scheduler_set_notify(n->scheduler, NULL, NULL);
        cpc_httpd_stop(n->httpd);
        n->httpd = NULL;
    }
    return rc;
}

void cpc_daemon_stop(struct cpc_node *n)
{
    cpc_market_sync_stop(n->market_sync); /* before the node: it admits txs */
    cpc_node_stop(n);
    if (n->scheduler)
        cpc_scheduler_set_notify(n->scheduler, NULL, NULL);
    if (n->httpd) {
        cpc_httpd_stop(n->httpd);
        n->httpd = NULL;
    }
    cpc_blobs_stop(n->blobs);
}

void cpc_daemon_close(struct cpc_node *n)
{
    cpc_daemon_stop(n);
    cpc_scheduler_free(n->scheduler);
    cpc_worker_auth_free(n->worker_auth);
    cpc_lease_cache_free(n->lease_cache);
    cpc_rental_watch_free(n->rental_watch);
    cpc_market_sync_free(n->market_sync);
    cpc_platform_free(n->platform);
    cpc_blobs_free(n->blobs);
    cpc_legacy_free(n->legacy);
    cpc_static_site_free(n->web);
    n->web = NULL;
    n->scheduler = NULL;
    n->worker_auth = NULL;
    n->lease_cache = NULL;
    n->platform = NULL;
    n->rental_watch = NULL;
    n->market_sync = NULL;
    n->blobs = NULL;
    n->legacy = NULL;
    cpc_node_close(n);
}

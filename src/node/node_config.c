/* node_config.c — cpcd settings: defaults, then HOME/config [node] and [http]. */
#include <stdio.h>
#include <string.h>

#include "../common/config.h"
#include "node.h"

/* [http] max_connections, per_ip_connections, reserved_connections,
 * request_timeout_s, response_timeout_s (0 or absent: httpd.h's default). */
static int http_limits(const struct cpc_config *c, struct cpc_node_config *cfg,
                       struct cpc_err *err)
{
    static const char *const keys[] = {"max_connections", "per_ip_connections",
                                       "reserved_connections", "request_timeout_s",
                                       "response_timeout_s"};
    uint64_t *dst[] = {&cfg->http_max_connections, &cfg->http_per_ip_connections,
                       &cfg->http_reserved_connections, &cfg->http_request_timeout_s,
                       &cfg->http_response_timeout_s};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        int rc = cpc_config_get_u64(c, "http", keys[i], 0, dst[i], err);
        if (rc != 0)
            return rc;
        if (*dst[i] > 1000000)
            return cpc_err_set(err, CPC_ERR_INVALID, "[http] %s must be at most 1000000",
                               keys[i]);
    }
    return 0;
}

int cpc_node_config_load(struct cpc_node_config *cfg, const char *home, struct cpc_err *err)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->home, sizeof cfg->home, "%s", home);
    snprintf(cfg->listen, sizeof cfg->listen, "127.0.0.1:8000");
    snprintf(cfg->log_level, sizeof cfg->log_level, "info");
    snprintf(cfg->web_dir, sizeof cfg->web_dir, "web/dist");
    cfg->block_time_ms = 1000;
    cfg->mempool_max = 100000;
    cfg->mempool_future_per_account = 64;
    cfg->mempool_future_ttl_s = 600;

    char path[CPC_PATH_MAX];
    struct cpc_config *c = NULL;
    int rc = cpc_config_load_home(&c, home, path, sizeof path, err);
    if (rc != 0)
        return rc;
    const char *v;
    if ((v = cpc_config_get(c, "node", "listen")))
        snprintf(cfg->listen, sizeof cfg->listen, "%s", v);
    if ((v = cpc_config_get(c, "node", "log_level")))
        snprintf(cfg->log_level, sizeof cfg->log_level, "%s", v);
    if ((v = cpc_config_get(c, "web", "dir")))
        snprintf(cfg->web_dir, sizeof cfg->web_dir, "%s", v);
    if ((rc = cpc_config_get_u64(c, "node", "block_time_ms", cfg->block_time_ms,
                                 &cfg->block_time_ms, err)) != 0 ||
        (rc = cpc_config_get_u64(c, "node", "mempool_max", cfg->mempool_max,
                                 &cfg->mempool_max, err)) != 0 ||
        (rc = cpc_config_get_u64(c, "node", "mempool_future_max", 0, &cfg->mempool_future_max,
                                 err)) != 0 ||
        (rc = cpc_config_get_u64(c, "node", "mempool_future_per_account",
                                 cfg->mempool_future_per_account,
                                 &cfg->mempool_future_per_account, err)) != 0 ||
        (rc = cpc_config_get_u64(c, "node", "mempool_future_ttl_s", cfg->mempool_future_ttl_s,
                                 &cfg->mempool_future_ttl_s, err)) != 0 ||
        (rc = cpc_config_get_u64(c, "node", "http_threads", 0, &cfg->http_threads, err)) != 0 ||
        (rc = http_limits(c, cfg, err)) != 0) {
        cpc_config_free(c);
        return cpc_err_prefix(err, "%s", path);
    }
    cpc_config_free(c);
    return 0;
}

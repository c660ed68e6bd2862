/* scheduler_config.c — the scheduler's settings from HOME/config [market]
 * (see scheduler.h, cpc_scheduler_opts_load). Only the limits an operator
 * may want to size for their hardware are read; everything else keeps the
 * scheduler's defaults. */
#include <string.h>

#include "../common/config.h"
#include "../common/home.h"
#include "scheduler.h"

static int get_bounded(const struct cpc_config *c, const char *key, uint64_t max, uint32_t *out,
                       struct cpc_err *err)
{
    uint64_t v = 0;
    int rc = cpc_config_get_u64(c, "market", key, 0, &v, err);
    if (rc != 0)
        return rc;
    if (cpc_config_get(c, "market", key) && (v == 0 || v > max))
        return cpc_err_set(err, CPC_ERR_INVALID, "[market] %s must be 1..%llu", key,
                           (unsigned long long)max);
    *out = (uint32_t)v;
    return 0;
}

int cpc_scheduler_opts_load(struct cpc_scheduler_opts *o, const char *home,
                            struct cpc_err *err)
{
    memset(o, 0, sizeof *o);
    char path[CPC_PATH_MAX];
    struct cpc_config *c = NULL;
    int rc = cpc_config_load_home(&c, home, path, sizeof path, err);
    if (rc != 0)
        return rc;
    if ((rc = get_bounded(c, "worker_max_leases", CPC_SCHED_MAX_WORKER_LEASES,
                          &o->worker_max_leases, err)) != 0 ||
        (rc = get_bounded(c, "job_parallelism", CPC_SCHED_MAX_JOB_PARALLELISM,
                          &o->job_parallelism, err)) != 0)
        cpc_err_prefix(err, "%s", path);
    cpc_config_free(c);
    return rc;
}

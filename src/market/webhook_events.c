/* webhook_events.c — job.completed, server.offline and server.error
 * (webhook_events.h). */
#include "webhook_events.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bech32.h"
#include "../core/hex.h"
#include "../core/market.h"
#include "../core/state.h"
#include "../node/node.h"
#include "../platform/platform.h"
#include "../platform/webhooks.h"
#include "../store/webhook_store.h"
#include "scheduler.h"

struct jobs_walk {
    struct cpc_platform *p;
    struct cpc_err *err;
    int rc;
};

static int on_job(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                  int tombstone, void *arg)
{
    struct jobs_walk *w = arg;
    struct cpc_job j;
    struct cpc_err e = {0};
    if (tombstone || klen != 33 || key[0] != CPC_KEY_JOB || cpc_job_decode(&j, val, vlen, &e))
        return 0;
    if (j.status != CPC_JOB_COMPLETED)
        return 0;
    char addr[CPC_ADDR_STR_MAX], id[65];
    int64_t user = 0;
    cpc_address_encode(addr, j.creator);
    if (cpc_pstore_wallet_user(w->p->store, addr, &user, &e) != 0)
        return 0; /* not a platform user's job (or unreadable: no event) */
    cpc_hex_encode(id, j.id, sizeof j.id);
    char k[34];
    snprintf(k, sizeof k, "j%.31s", id);
    int rc = cpc_webhook_emit_keyed(w->p, user, "job.completed", k,
                                    json_pack("{s:s, s:I, s:s}", "job_id", id, "tasks_done",
                                              (json_int_t)j.tasks_done, "creator", addr),
                                    w->err);
    if (rc != 0 && w->rc == 0)
        w->rc = rc;
    return 0;
}

int cpc_webhook_jobs_block(struct cpc_node *n, const struct cpc_state *delta,
                           struct cpc_err *err)
{
    if (!delta || !n->platform)
        return 0;
    struct jobs_walk w = {.p = n->platform, .err = err, .rc = 0};
    int rc = cpc_state_obj_foreach(delta, on_job, &w);
    return rc ? rc : w.rc;
}

int cpc_webhook_servers_block(struct cpc_node *n, char cursor[40], unsigned batch,
                              struct cpc_err *err)
{
    struct cpc_platform *p = n->platform;
    if (!p || !n->scheduler || batch == 0)
        return 0;
    struct cpc_pserver_hook *rows = calloc(batch, sizeof *rows);
    if (!rows)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    size_t cnt = 0;
    int rc = cpc_pstore_server_hook_list(p->store, cursor, batch, rows, &cnt, err);
    for (size_t i = 0; rc == 0 && i < cnt; i++) {
        uint8_t h[CPC_ADDR_HASH_LEN];
        int online = cpc_address_decode(h, rows[i].worker_addr) == 0 &&
                     cpc_scheduler_worker_online(n->scheduler, h);
        int changed = 0;
        if (online == rows[i].online)
            continue;
        rc = cpc_pstore_server_hook_mark(p->store, rows[i].id, online, &changed, err);
        if (rc == 0 && changed && !online)
            rc = cpc_webhook_emit(p, rows[i].owner, "server.offline",
                                  json_pack("{s:s, s:s}", "server_id", rows[i].id, "worker",
                                            rows[i].worker_addr),
                                  err);
    }
    snprintf(cursor, 40, "%s", rc == 0 && cnt == batch ? rows[cnt - 1].id : "");
    free(rows);
    return rc;
}

int cpc_webhook_order_report(struct cpc_node *n, const char *rental_id, const char *state,
                             const char *error, struct cpc_err *err)
{
    struct cpc_platform *p = n->platform;
    int went = 0;
    if (!p)
        return 0;
    int rc = cpc_pstore_order_failed_edge(p->store, rental_id, &went, err);
    if (rc != 0 || !went || strcmp(state, "failed") != 0)
        return rc;
    char server[37];
    int64_t owner = 0;
    if ((rc = cpc_pstore_rental_provider(p->store, rental_id, server, &owner, err)) != 0)
        return rc;
    return cpc_webhook_emit(p, owner, "server.error",
                            json_pack("{s:s, s:s, s:s}", "server_id", server, "rental_id",
                                      rental_id, "error", error ? error : ""),
                            err);
}

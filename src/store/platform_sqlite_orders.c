/* platform_sqlite_orders.c — the rental-orders part of platform_store.h for
 * SQLite: what the node tells a provider's worker to run and what the worker
 * last said about it (platform migration 9, table rental_orders).
 *
 * Design note. One row per rental at most (rental_id is the primary key and
 * references rentals), created by the first reboot, report or log upload and
 * overwritten by the next: a worker's reports and log tails cost one row of
 * at most 16 KiB of log per rental, whatever it sends. A worker may write
 * only the rows of rentals on the server bound to its address: the INSERT
 * ... SELECT joins rentals and gpu_servers on worker_addr, so a report about
 * another worker's rental changes nothing (*applied 0). The desired set of a
 * worker reads its server through the unique index gpu_servers_worker and
 * the server's open rentals through rentals_server_open, at most limit rows.
 * Same connection, mutex and rules as platform_sqlite.c.
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

const char cpc__pstore_orders_sql[] =
    "CREATE TABLE rental_orders("
    "  rental_id TEXT PRIMARY KEY REFERENCES rentals(id),"
    "  reboot_seq INTEGER NOT NULL DEFAULT 0 CHECK (reboot_seq >= 0),"
    "  state TEXT CHECK (state IS NULL OR state IN ('running', 'exited', 'failed', 'stopped')),"
    "  port INTEGER NOT NULL DEFAULT 0 CHECK (port BETWEEN 0 AND 65535),"
    "  error TEXT NOT NULL DEFAULT '' CHECK (length(CAST(error AS BLOB)) <= 200),"
    "  reboot_done INTEGER NOT NULL DEFAULT 0 CHECK (reboot_done >= 0),"
    "  state_ms INTEGER NOT NULL DEFAULT 0 CHECK (state_ms >= 0),"
    "  log_tail TEXT CHECK (log_tail IS NULL OR length(CAST(log_tail AS BLOB)) <= 16384),"
    "  log_ms INTEGER NOT NULL DEFAULT 0 CHECK (log_ms >= 0)"
    ") STRICT;";

enum ostmt { OR_DESIRED, OR_REPORT, OR_LOGS, OR_REBOOT, OR_GET, OR_BUSY, OR__COUNT };

/* the rental ?1 is on the server bound to worker ?2 (an INSERT ... SELECT's source) */
#define OWNED_BY_WORKER                                                                        \
    " FROM rentals r JOIN gpu_servers s ON s.id = r.server_id "                                 \
    "WHERE r.id = ?1 AND s.worker_addr = ?2 "

static const char *const osql[OR__COUNT] = {
    [OR_DESIRED] = "SELECT r.id, r.image, r.ssh_public_key, r.ssh_port, r.created_ms, "
                   "coalesce(o.reboot_seq, 0), s.gpu_count FROM gpu_servers s "
                   "JOIN rentals r ON r.server_id = s.id AND r.ended_ms IS NULL "
                   "LEFT JOIN rental_orders o ON o.rental_id = r.id "
                   "WHERE s.worker_addr = ?1 ORDER BY r.ssh_port LIMIT ?2",
    [OR_REPORT] = "INSERT INTO rental_orders(rental_id, state, port, error, reboot_done, "
                  "state_ms) SELECT r.id, ?3, ?4, ?5, ?6, ?7" OWNED_BY_WORKER
                  "ON CONFLICT(rental_id) DO UPDATE SET state = excluded.state, "
                  "port = excluded.port, error = excluded.error, "
                  "reboot_done = excluded.reboot_done, state_ms = excluded.state_ms",
    [OR_LOGS] = "INSERT INTO rental_orders(rental_id, log_tail, log_ms) SELECT r.id, ?3, ?4"
                OWNED_BY_WORKER "ON CONFLICT(rental_id) DO UPDATE SET "
                "log_tail = excluded.log_tail, log_ms = excluded.log_ms",
    [OR_REBOOT] = "INSERT INTO rental_orders(rental_id, reboot_seq) VALUES (?1, 1) "
                  "ON CONFLICT(rental_id) DO UPDATE SET reboot_seq = reboot_seq + 1 "
                  "RETURNING reboot_seq",
    [OR_GET] = ("SELECT reboot_seq, coalesce(state, ''), port, error, reboot_done, state_ms, "
                "log_tail, log_ms FROM rental_orders WHERE rental_id = ?1"),
    /* a rental not ended, or a booking on a marketplace (platform_sqlite_market.c) */
    [OR_BUSY] = "SELECT EXISTS (SELECT 1 FROM rentals WHERE server_id = ?1 AND ended_ms IS NULL) "
                "OR EXISTS (SELECT 1 FROM marketplace_servers WHERE server_id = ?1 AND booked = 1)",
};

static sqlite3_stmt *ot(struct cpc_pstore *s, enum ostmt i) { return s->orders[i]; }

int cpc__pstore_orders_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->orders = calloc(OR__COUNT, sizeof *s->orders);
    if (!s->orders)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < OR__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, osql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->orders[i], NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_orders_close(struct cpc_pstore *s)
{
    if (!s->orders)
        return;
    for (int i = 0; i < OR__COUNT; i++)
        sqlite3_finalize(s->orders[i]);
    free(s->orders);
    s->orders = NULL;
}

int cpc_pstore_orders_desired(struct cpc_pstore *s, const char *worker_addr, uint64_t limit,
                              cpc_porder_fn cb, void *arg, struct cpc_err *err)
{
    struct cpc_porder *o = malloc(sizeof *o);
    if (!o)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ot(s, OR_DESIRED);
    int rc = bind_text(s, st, 1, worker_addr, err);
    if (rc == 0)
        rc = bind_u64(s, st, 2, limit, err);
    int src = SQLITE_DONE;
    while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
        memset(o, 0, sizeof *o);
        copy_col(o->id, sizeof o->id, st, 0);
        copy_col(o->image, sizeof o->image, st, 1);
        copy_col(o->ssh_public_key, sizeof o->ssh_public_key, st, 2);
        o->ssh_port = (uint32_t)col_u64(st, 3);
        o->created_ms = col_u64(st, 4);
        o->reboot_seq = col_u64(st, 5);
        o->gpu_count = (uint32_t)col_u64(st, 6);
        if (cb(arg, o) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_ROW && src != SQLITE_DONE)
        rc = fail(s, src, "listing a worker's rentals", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    free(o);
    return rc;
}

int cpc_pstore_orders_report(struct cpc_pstore *s, const char *worker_addr,
                             const struct cpc_porder_report *r, int *applied,
                             struct cpc_err *err)
{
    *applied = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ot(s, OR_REPORT);
    int rc = bind_text(s, st, 1, r->id, err);
    if (rc == 0 && (rc = bind_text(s, st, 2, worker_addr, err)) == 0 &&
        (rc = bind_text(s, st, 3, r->state, err)) == 0 &&
        (rc = bind_u64(s, st, 4, r->port, err)) == 0 &&
        (rc = bind_text(s, st, 5, r->error, err)) == 0 &&
        (rc = bind_u64(s, st, 6, r->reboot_done, err)) == 0 &&
        (rc = bind_u64(s, st, 7, r->state_ms, err)) == 0)
        rc = run(s, st, applied, "recording a rental report", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_orders_logs(struct cpc_pstore *s, const char *worker_addr, const char *id,
                           const char *tail, uint64_t now_ms, int *applied, struct cpc_err *err)
{
    *applied = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ot(s, OR_LOGS);
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 && (rc = bind_text(s, st, 2, worker_addr, err)) == 0 &&
        (rc = bind_text(s, st, 3, tail, err)) == 0 && (rc = bind_u64(s, st, 4, now_ms, err)) == 0)
        rc = run(s, st, applied, "recording a rental's log", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_orders_reboot(struct cpc_pstore *s, const char *id, uint64_t *seq,
                             struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ot(s, OR_REBOOT);
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 && (rc = step_row(s, st, "no rental order", "asking a reboot", err)) == 1) {
        *seq = col_u64(st, 0);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s, sqlite3_errcode(s->db), "reboot", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_orders_get(struct cpc_pstore *s, const char *id, struct cpc_porder_state *o,
                          char **log_tail, struct cpc_err *err)
{
    memset(o, 0, sizeof *o);
    if (log_tail)
        *log_tail = NULL;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ot(s, OR_GET);
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 && (rc = step_row(s, st, "no rental order", "reading a rental order", err)) == 1) {
        rc = 0;
        o->reboot_seq = col_u64(st, 0);
        copy_col(o->state, sizeof o->state, st, 1);
        o->port = (uint32_t)col_u64(st, 2);
        copy_col(o->error, sizeof o->error, st, 3);
        o->reboot_done = col_u64(st, 4);
        o->state_ms = col_u64(st, 5);
        o->has_log = sqlite3_column_type(st, 6) != SQLITE_NULL;
        o->log_ms = col_u64(st, 7);
        const unsigned char *t = sqlite3_column_text(st, 6);
        if (log_tail && t && !(*log_tail = strdup((const char *)t)))
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_server_busy(struct cpc_pstore *s, const char *server_id, int *busy,
                           struct cpc_err *err)
{
    *busy = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ot(s, OR_BUSY);
    int rc = bind_text(s, st, 1, server_id, err);
    if (rc == 0 && (rc = step_row(s, st, "no answer", "is the server busy", err)) == 1) {
        *busy = sqlite3_column_int(st, 0) != 0;
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* platform_sqlite_rental_money.c — the rental money views' part of
 * platform_store.h for SQLite (platform migration 11): which rentals belong
 * to a provider's servers, every rental for the admin, and the low-funds
 * watcher's marks on each rental row.
 *
 * Design note. The chain holds every figure of a rental; these rows only say
 * which ids to read. Migration 11 adds two marks to the rentals table:
 * warned_ms (the low-funds email was queued) and watched_ms (the watcher is
 * done with the rental: it ended, its stop email if any was queued, or it
 * never opened). Each mark is set by a conditional UPDATE that reports the
 * rows it changed, so of two racing callers exactly one queues the email,
 * and a restart sends nothing twice. The watcher reads the rows not yet
 * watched in id order from a cursor (index rentals_watch, partial), so one
 * pass costs at most its batch. Same connection, mutex and rules as
 * platform_sqlite.c: statements prepared once at open, no SQL built from data.
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

const char cpc__pstore_rental_money_sql[] =
    "ALTER TABLE rentals ADD COLUMN warned_ms INTEGER CHECK (warned_ms >= 0);"
    "ALTER TABLE rentals ADD COLUMN watched_ms INTEGER CHECK (watched_ms >= 0);"
    "UPDATE rentals SET watched_ms = ended_ms WHERE ended_ms IS NOT NULL;"
    "CREATE INDEX rentals_watch ON rentals(id) WHERE watched_ms IS NULL;"
    "CREATE INDEX rentals_server ON rentals(server_id, created_ms DESC, id);"
    "CREATE INDEX rentals_created ON rentals(created_ms DESC, id);";

#define MONEY_COLS "id, user, server_id, image, hours, ssh_port, created_ms, ended_ms, warned_ms"

enum mstmt { RM_WATCH, RM_WARN, RM_WATCHED, RM_PROVIDER, RM_ALL, RM__COUNT };

static const char *const msql[RM__COUNT] = {
    [RM_WATCH] = "SELECT " MONEY_COLS " FROM rentals WHERE watched_ms IS NULL AND id > ?1 "
                 "ORDER BY id LIMIT ?2",
    [RM_WARN] = "UPDATE rentals SET warned_ms = ?2 WHERE id = ?1 AND warned_ms IS NULL",
    [RM_WATCHED] = "UPDATE rentals SET watched_ms = ?2, ended_ms = coalesce(ended_ms, ?2) "
                   "WHERE id = ?1 AND watched_ms IS NULL",
    [RM_PROVIDER] = "SELECT r.id, r.user, r.server_id, r.image, r.hours, r.ssh_port, "
                    "r.created_ms, r.ended_ms, r.warned_ms FROM gpu_servers s JOIN rentals r "
                    "ON r.server_id = s.id WHERE s.owner = ?1 "
                    "ORDER BY r.created_ms DESC, r.id LIMIT ?2 OFFSET ?3",
    [RM_ALL] = "SELECT " MONEY_COLS " FROM rentals ORDER BY created_ms DESC, id "
               "LIMIT ?1 OFFSET ?2",
};

static sqlite3_stmt *mt(struct cpc_pstore *s, enum mstmt i) { return s->rental_money[i]; }

int cpc__pstore_rental_money_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->rental_money = calloc(RM__COUNT, sizeof *s->rental_money);
    if (!s->rental_money)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < RM__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, msql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->rental_money[i], NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_rental_money_close(struct cpc_pstore *s)
{
    if (!s->rental_money)
        return;
    for (int i = 0; i < RM__COUNT; i++)
        sqlite3_finalize(s->rental_money[i]);
    free(s->rental_money);
    s->rental_money = NULL;
}

/* Step st (bound), handing each row to cb until it returns non-zero. */
static int each_row(struct cpc_pstore *s, sqlite3_stmt *st, cpc_prental_ref_fn cb, void *arg,
                    struct cpc_err *err)
{
    struct cpc_prental_ref r;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&r, 0, sizeof r);
        copy_col(r.id, sizeof r.id, st, 0);
        r.user = sqlite3_column_int64(st, 1);
        copy_col(r.server_id, sizeof r.server_id, st, 2);
        copy_col(r.image, sizeof r.image, st, 3);
        r.hours = (uint32_t)col_u64(st, 4);
        r.ssh_port = (uint32_t)col_u64(st, 5);
        r.created_ms = col_u64(st, 6);
        r.ended_ms = col_u64(st, 7);
        r.warned_ms = col_u64(st, 8);
        if (cb(arg, &r) != 0)
            break;
    }
    return src == SQLITE_ROW || src == SQLITE_DONE ? 0 : fail(s, src, "listing rentals", err);
}

int cpc_pstore_rental_watch_list(struct cpc_pstore *s, const char *after, uint64_t limit,
                                 cpc_prental_ref_fn cb, void *arg, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, RM_WATCH);
    int rc = bind_text(s, st, 1, after, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, limit, err)) == 0)
        rc = each_row(s, st, cb, arg, err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Run the mark statement i on id at ms: *claimed 1 when it changed the row. */
static int mark(struct cpc_pstore *s, enum mstmt i, const char *id, uint64_t ms, int *claimed,
                struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, i);
    int changes = 0;
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, ms, err)) == 0)
        rc = run(s, st, &changes, "marking a rental", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    *claimed = rc == 0 && changes > 0;
    return rc;
}

int cpc_pstore_rental_claim_warned(struct cpc_pstore *s, const char *id, uint64_t ms,
                                   int *claimed, struct cpc_err *err)
{
    return mark(s, RM_WARN, id, ms, claimed, err);
}

int cpc_pstore_rental_claim_watched(struct cpc_pstore *s, const char *id, uint64_t ms,
                                    int *claimed, struct cpc_err *err)
{
    return mark(s, RM_WATCHED, id, ms, claimed, err);
}

int cpc_pstore_rental_list_provider(struct cpc_pstore *s, int64_t owner, uint64_t limit,
                                    uint64_t offset, cpc_prental_ref_fn cb, void *arg,
                                    struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, RM_PROVIDER);
    int rc = bind_i64(s, st, 1, owner, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, limit, err)) == 0 &&
        (rc = bind_u64(s, st, 3, offset, err)) == 0)
        rc = each_row(s, st, cb, arg, err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_rental_list_all(struct cpc_pstore *s, uint64_t limit, uint64_t offset,
                               cpc_prental_ref_fn cb, void *arg, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, RM_ALL);
    int rc = bind_u64(s, st, 1, limit, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, offset, err)) == 0)
        rc = each_row(s, st, cb, arg, err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* platform_sqlite_dc.c — the data-center part of platform_store.h for
 * SQLite: platform migration 12 (the `dc` API-key scope, the servers'
 * maintenance flag), batches of servers, maintenance changes and the reads
 * of the data-center alerts.
 *
 * Design note. Same connection, mutex and rules as platform_sqlite.c. SQLite
 * cannot alter a CHECK, so migration 12 rebuilds api_keys with scopes 1..15
 * (read, jobs, account, dc), copying every row with its id, and adds
 * gpu_servers.maintenance (0 or 1, default 0). A batch is one write
 * transaction: the owner's cap is read inside it (BEGIN IMMEDIATE, so no
 * other writer slips in), then every row goes in through one prepared
 * INSERT; any failure rolls back the lot. Measured (test_node_dc_api, two
 * shared cores): the transaction of 1000 rows, one commit, takes 18-31 ms
 * in a Release build and 0.4-0.5 s under ASan (its allocator, not I/O).
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

const char cpc__pstore_dc_sql[] =
    "CREATE TABLE api_keys_rebuilt("
    "  id INTEGER PRIMARY KEY,"
    "  user INTEGER NOT NULL REFERENCES users(id),"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),"
    "  prefix TEXT NOT NULL CHECK (length(prefix) = 12),"
    "  key_hash BLOB NOT NULL UNIQUE CHECK (length(key_hash) = 32),"
    "  scopes INTEGER NOT NULL CHECK (scopes BETWEEN 1 AND 15),"
    "  ip_whitelist TEXT NOT NULL CHECK (length(ip_whitelist) <= 800),"
    "  rate_per_min INTEGER NOT NULL CHECK (rate_per_min BETWEEN 1 AND 100000),"
    "  created_ms INTEGER NOT NULL CHECK (created_ms >= 0)"
    ") STRICT;"
    "INSERT INTO api_keys_rebuilt(id, user, name, prefix, key_hash, scopes, ip_whitelist, "
    "  rate_per_min, created_ms) SELECT id, user, name, prefix, key_hash, scopes, "
    "  ip_whitelist, rate_per_min, created_ms FROM api_keys;"
    "DROP TABLE api_keys;"
    "ALTER TABLE api_keys_rebuilt RENAME TO api_keys;"
    "CREATE INDEX api_keys_user ON api_keys(user);"
    "ALTER TABLE gpu_servers ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0 "
    "  CHECK (maintenance IN (0, 1));";

enum dstmt { DC_COUNT, DC_INSERT, DC_MAINT, DC_HOT, DC_FAILED, DC__COUNT };

static const char *const dsql[DC__COUNT] = {
    [DC_COUNT] = "SELECT count(*) FROM gpu_servers WHERE owner = ?1",
    [DC_INSERT] = "INSERT INTO gpu_servers(id, owner, gpu_model, gpu_count, vram_gb, cuda_cores, "
                  "cpu, ram_gb, disk_gb, host, ssh_port_min, ssh_port_max, country, city, "
                  "price_per_gpu_hour, price_per_hour, score, worker_addr, created_ms, "
                  "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                  "?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    [DC_MAINT] = "UPDATE gpu_servers SET maintenance = ?3, updated_ms = ?4 "
                 "WHERE id = ?1 AND owner = ?2",
    /* the latest minute sample of each of ?1's servers, when at ?2 degrees or more */
    [DC_HOT] = "SELECT g.id, x.minute, x.temp_c FROM gpu_servers g JOIN server_samples x "
               "ON x.server_id = g.id AND x.minute = (SELECT max(minute) FROM server_samples "
               "WHERE server_id = g.id) WHERE g.owner = ?1 AND x.temp_c >= ?2 "
               "ORDER BY g.created_ms, g.id LIMIT ?3",
    [DC_FAILED] = "SELECT o.rental_id, r.server_id, o.error, o.state_ms FROM rental_orders o "
                  "JOIN rentals r ON r.id = o.rental_id JOIN gpu_servers g ON g.id = r.server_id "
                  "WHERE g.owner = ?1 AND o.state = 'failed' AND r.ended_ms IS NULL "
                  "ORDER BY o.state_ms DESC, o.rental_id LIMIT ?2",
};

int cpc__pstore_dc_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->dc = calloc(DC__COUNT, sizeof *s->dc);
    if (!s->dc)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < DC__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, dsql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->dc[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_dc_close(struct cpc_pstore *s)
{
    if (!s->dc)
        return;
    for (int i = 0; i < DC__COUNT; i++)
        sqlite3_finalize(s->dc[i]);
    free(s->dc);
    s->dc = NULL;
}

/* Under the transaction: fail unless owner's count + n <= max. */
static int batch_room(struct cpc_pstore *s, int64_t owner, size_t n, uint32_t max,
                      struct cpc_err *err)
{
    sqlite3_stmt *st = s->dc[DC_COUNT];
    int rc = bind_i64(s, st, 1, owner, err);
    if (rc == 0 && (rc = step_row(s, st, "no count", "counting servers", err)) == 1) {
        uint64_t have = col_u64(st, 0);
        rc = have + n > max ? cpc_err_set(err, CPC_ERR_TOO_LARGE,
                                          "at most %u servers per user; %llu exist, %zu more "
                                          "asked",
                                          max, (unsigned long long)have, n)
                            : 0;
    }
    cpc__store_stmt_done(st);
    return rc;
}

int cpc_pstore_server_add_batch(struct cpc_pstore *s, const struct cpc_pserver *rows, size_t n,
                                uint32_t max_per_user, struct cpc_err *err)
{
    if (n == 0)
        return 0;
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = s->dc[DC_INSERT];
    rc = batch_room(s, rows[0].owner, n, max_per_user, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct cpc_pserver *r = &rows[i];
        if ((rc = bind_text(s, st, 1, r->id, err)) == 0 &&
            (rc = bind_i64(s, st, 2, rows[0].owner, err)) == 0 &&
            (rc = cpc__pstore_server_bind(s, st, r, err)) == 0)
            rc = run(s, st, NULL, "adding a server", err);
    }
    return cpc__pstore_tx_end(s, rc, st, err);
}

int cpc_pstore_server_set_maintenance(struct cpc_pstore *s, int64_t owner,
                                      const char (*ids)[37], const int *maint, size_t n,
                                      uint64_t now_ms, size_t *bad, struct cpc_err *err)
{
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = s->dc[DC_MAINT];
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int changed = 0;
        if ((rc = bind_text(s, st, 1, ids[i], err)) == 0 &&
            (rc = bind_i64(s, st, 2, owner, err)) == 0 &&
            (rc = bind_i64(s, st, 3, maint[i] ? 1 : 0, err)) == 0 &&
            (rc = bind_u64(s, st, 4, now_ms, err)) == 0)
            rc = run(s, st, &changed, "setting maintenance", err);
        if (rc == 0 && !changed) {
            *bad = i;
            rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no such server");
        }
    }
    return cpc__pstore_tx_end(s, rc, st, err);
}

int cpc_pstore_dc_hot(struct cpc_pstore *s, int64_t owner, double min_temp,
                      struct cpc_pserver_hot *rows, size_t cap, size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = s->dc[DC_HOT];
    int rc = bind_i64(s, st, 1, owner, err), step = SQLITE_DONE;
    if (rc == 0 && sqlite3_bind_double(st, 2, min_temp) != SQLITE_OK)
        rc = fail(s, SQLITE_ERROR, "binding", err);
    if (rc == 0)
        rc = bind_u64(s, st, 3, cap, err);
    while (rc == 0 && *n < cap && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct cpc_pserver_hot *h = &rows[(*n)++];
        copy_col(h->server_id, sizeof h->server_id, st, 0);
        h->t_ms = col_u64(st, 1) * 60000ULL;
        h->temp_c = sqlite3_column_double(st, 2);
    }
    if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = fail(s, step, "reading hot servers", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_dc_failed_orders(struct cpc_pstore *s, int64_t owner,
                                struct cpc_porder_failed *rows, size_t cap, size_t *n,
                                struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = s->dc[DC_FAILED];
    int rc = bind_i64(s, st, 1, owner, err), step = SQLITE_DONE;
    if (rc == 0)
        rc = bind_u64(s, st, 2, cap, err);
    while (rc == 0 && *n < cap && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct cpc_porder_failed *o = &rows[(*n)++];
        copy_col(o->rental_id, sizeof o->rental_id, st, 0);
        copy_col(o->server_id, sizeof o->server_id, st, 1);
        copy_col(o->error, sizeof o->error, st, 2);
        o->state_ms = col_u64(st, 3);
    }
    if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = fail(s, step, "reading failed orders", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

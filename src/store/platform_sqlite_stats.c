/* platform_sqlite_stats.c — the servers' load as a time series (platform
 * migration 10, tables server_samples and server_samples_hourly), the stats
 * part of platform_store.h for SQLite.
 *
 * Design note. A heartbeat of a worker gives one sample to every server bound
 * to it (gpu_servers.worker_addr; a worker is bound to one server at most).
 * Per-minute rows are keyed (server_id, unix minute): INSERT OR IGNORE keeps
 * the first beat of a minute and drops the later ones, so a server has at
 * most one row a minute whatever its worker sends. The same transaction adds
 * the accepted sample to its hour's row (samples count, sums of cpu, gpu and
 * ram, max of temperature and uptime), so no roll-up job is needed, and
 * deletes that server's minute rows older than 7 days and hour rows older
 * than 90 days; a trigger deletes a server's rows with the server. Rows
 * therefore never exceed, per server, 7 x 1440 = 10,080 minute rows and
 * 90 x 24 = 2,160 hour rows. For 10,000 servers that is at most 100.8 M
 * minute rows and 21.6 M hour rows. Measured with this schema (SQLite 3.40,
 * 4 KiB pages, 20 servers x 7 days of minutes inserted minute by minute as
 * heartbeats do, random values; dbstat): 90.6 bytes a minute row and 92.3 an
 * hour row on disk (the 36-byte text id leads every key of these WITHOUT
 * ROWID tables), so at most 9.1 GB + 2.0 GB for 10,000 servers; fewer or
 * offline servers cost proportionally less. Uptime over a period is read from
 * the hour rows (minutes with a sample), so periods up to 90 days are exact
 * to the minute at hour boundaries.
 * Cost of a heartbeat: one BEGIN IMMEDIATE, one indexed INSERT OR IGNORE
 * (no change and no write for a second beat in the same minute), and, once a
 * minute per server, an upsert and two indexed range deletes. That commit
 * runs with synchronous=NORMAL (restored to FULL right after): in WAL mode it
 * skips the fsync, so a power cut may lose the last samples but never
 * corrupts the file, and the next FULL commit of the platform syncs them. A
 * sample is not worth an fsync: a new-minute sample took 7.4 ms wall with
 * it, 1.1 ms wall and CPU without (4 ms wall / 1.5 ms CPU under a load
 * average of 11 on 2 cores); a dropped beat 70-95 us CPU
 * (test_node_server_stats prints the figures; ASan debug build).
 * Same connection, mutex and rules as platform_sqlite.c: statements prepared
 * once at open, no SQL built from data.
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

const char cpc__pstore_stats_sql[] =
    "CREATE TABLE server_samples("
    "  server_id TEXT NOT NULL CHECK (length(server_id) = 36),"
    "  minute INTEGER NOT NULL CHECK (minute >= 0),"
    "  cpu REAL NOT NULL,"
    "  gpu REAL NOT NULL,"
    "  ram_mb INTEGER NOT NULL CHECK (ram_mb >= 0),"
    "  temp_c REAL NOT NULL,"
    "  uptime_s INTEGER NOT NULL CHECK (uptime_s >= 0),"
    "  PRIMARY KEY (server_id, minute)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE server_samples_hourly("
    "  server_id TEXT NOT NULL CHECK (length(server_id) = 36),"
    "  hour INTEGER NOT NULL CHECK (hour >= 0),"
    "  samples INTEGER NOT NULL CHECK (samples BETWEEN 1 AND 60),"
    "  cpu_sum REAL NOT NULL,"
    "  gpu_sum REAL NOT NULL,"
    "  ram_sum INTEGER NOT NULL CHECK (ram_sum >= 0),"
    "  temp_max REAL NOT NULL,"
    "  uptime_max INTEGER NOT NULL CHECK (uptime_max >= 0),"
    "  PRIMARY KEY (server_id, hour)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX rentals_server_created ON rentals(server_id, created_ms);"
    "CREATE TRIGGER gpu_servers_samples_gone AFTER DELETE ON gpu_servers BEGIN"
    "  DELETE FROM server_samples WHERE server_id = old.id;"
    "  DELETE FROM server_samples_hourly WHERE server_id = old.id;"
    " END;";

#define MINUTE_MS 60000ULL
#define HOUR_MS 3600000ULL

enum sstmt {
    SS_ADD_MINUTE,
    SS_ADD_HOUR,
    SS_TRIM_MINUTE,
    SS_TRIM_HOUR,
    SS_MINUTES,
    SS_HOURS,
    SS_COUNT,
    SS_PROVIDER_RENTALS,
    SS_SYNC_NORMAL,
    SS_SYNC_FULL,
    SS_BEGIN,
    SS_COMMIT,
    SS_ROLLBACK,
    SS__COUNT
};

static const char *const ssql[SS__COUNT] = {
    /* ?1 worker, ?2 minute, ?3 cpu, ?4 gpu, ?5 ram, ?6 temp, ?7 uptime */
    [SS_ADD_MINUTE] = "INSERT OR IGNORE INTO server_samples(server_id, minute, cpu, gpu, ram_mb, "
                      "temp_c, uptime_s) SELECT id, ?2, ?3, ?4, ?5, ?6, ?7 FROM gpu_servers "
                      "WHERE worker_addr = ?1",
    /* ?1 worker, ?2 hour, then as above */
    [SS_ADD_HOUR] = "INSERT INTO server_samples_hourly(server_id, hour, samples, cpu_sum, gpu_sum, "
                    "ram_sum, temp_max, uptime_max) SELECT id, ?2, 1, ?3, ?4, ?5, ?6, ?7 FROM "
                    "gpu_servers WHERE worker_addr = ?1 ON CONFLICT(server_id, hour) DO UPDATE "
                    "SET samples = min(samples + 1, 60), cpu_sum = cpu_sum + excluded.cpu_sum, "
                    "gpu_sum = gpu_sum + excluded.gpu_sum, ram_sum = ram_sum + excluded.ram_sum, "
                    "temp_max = max(temp_max, excluded.temp_max), "
                    "uptime_max = max(uptime_max, excluded.uptime_max)",
    [SS_TRIM_MINUTE] = "DELETE FROM server_samples WHERE server_id IN (SELECT id FROM gpu_servers "
                       "WHERE worker_addr = ?1) AND minute < ?2",
    [SS_TRIM_HOUR] = "DELETE FROM server_samples_hourly WHERE server_id IN (SELECT id FROM "
                     "gpu_servers WHERE worker_addr = ?1) AND hour < ?2",
    [SS_MINUTES] = "SELECT minute, 1, cpu, gpu, ram_mb, temp_c, uptime_s FROM server_samples "
                   "WHERE server_id = ?1 AND minute >= ?2 AND minute < ?3 ORDER BY minute "
                   "LIMIT ?4",
    [SS_HOURS] = "SELECT hour, samples, cpu_sum / samples, gpu_sum / samples, ram_sum / samples, "
                 "temp_max, uptime_max FROM server_samples_hourly WHERE server_id = ?1 AND "
                 "hour >= ?2 AND hour < ?3 ORDER BY hour LIMIT ?4",
    [SS_COUNT] = "SELECT coalesce(sum(samples), 0) FROM server_samples_hourly WHERE "
                 "server_id = ?1 AND hour >= ?2 AND hour < ?3",
    /* ?1 owner, ?2 from, ?3 to, ?4 limit */
    [SS_PROVIDER_RENTALS] = "SELECT r.id, r.server_id FROM gpu_servers g JOIN rentals r ON "
                            "r.server_id = g.id WHERE g.owner = ?1 AND r.created_ms < ?3 AND "
                            "(r.ended_ms IS NULL OR r.ended_ms >= ?2) ORDER BY r.created_ms, r.id "
                            "LIMIT ?4",
    /* a sample's commit skips the fsync (see the design note) */
    [SS_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
    [SS_SYNC_FULL] = "PRAGMA synchronous=FULL",
    [SS_BEGIN] = "BEGIN IMMEDIATE",
    [SS_COMMIT] = "COMMIT",
    [SS_ROLLBACK] = "ROLLBACK",
};

static sqlite3_stmt *ss(struct cpc_pstore *s, enum sstmt i) { return s->stats[i]; }

int cpc__pstore_stats_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->stats = calloc(SS__COUNT, sizeof *s->stats);
    if (!s->stats)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < SS__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, ssql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stats[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_stats_close(struct cpc_pstore *s)
{
    if (!s->stats)
        return;
    for (int i = 0; i < SS__COUNT; i++)
        sqlite3_finalize(s->stats[i]);
    free(s->stats);
    s->stats = NULL;
}

/* Bind ?1 worker, ?2 slot and ?3..?7 the sample's values to st. */
static int bind_sample(struct cpc_pstore *s, sqlite3_stmt *st, const char *worker, uint64_t slot,
                       const struct cpc_psample *v, struct cpc_err *err)
{
    int rc = bind_text(s, st, 1, worker, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, slot, err)) == 0 &&
        (rc = sqlite3_bind_double(st, 3, v->cpu)) == SQLITE_OK &&
        (rc = sqlite3_bind_double(st, 4, v->gpu)) == SQLITE_OK &&
        (rc = bind_u64(s, st, 5, v->ram_mb, err)) == 0 &&
        (rc = sqlite3_bind_double(st, 6, v->temp_c)) == SQLITE_OK)
        rc = bind_u64(s, st, 7, v->uptime_s, err);
    return rc > 0 ? fail(s, rc, "binding", err) : rc;
}

/* Run the delete st of worker's rows before slot. */
static int trim(struct cpc_pstore *s, sqlite3_stmt *st, const char *worker, uint64_t slot,
                struct cpc_err *err)
{
    int rc = bind_text(s, st, 1, worker, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, slot, err)) == 0)
        rc = run(s, st, NULL, "deleting old samples", err);
    cpc__store_stmt_done(st);
    return rc;
}

/* Begin a write transaction whose commit does not wait for the disk (caller holds s->mu). */
static int lazy_begin(struct cpc_pstore *s, struct cpc_err *err)
{
    int rc = run(s, ss(s, SS_SYNC_NORMAL), NULL, "synchronous=NORMAL", err);
    if (rc == 0 && (rc = run(s, ss(s, SS_BEGIN), NULL, "begin", err)) != 0)
        run(s, ss(s, SS_SYNC_FULL), NULL, "synchronous=FULL", NULL);
    return rc;
}

/* Commit (rc 0) or roll back lazy_begin's transaction, then restore synchronous=FULL. */
static int lazy_end(struct cpc_pstore *s, int rc, struct cpc_err *err)
{
    if (rc == 0)
        rc = run(s, ss(s, SS_COMMIT), NULL, "commit", err);
    if (rc != 0)
        run(s, ss(s, SS_ROLLBACK), NULL, "rollback", NULL);
    int src = run(s, ss(s, SS_SYNC_FULL), NULL, "synchronous=FULL", rc ? NULL : err);
    return rc ? rc : src;
}

int cpc_pstore_sample_add(struct cpc_pstore *s, const char *worker, uint64_t now_ms,
                          const struct cpc_psample *v, int *stored, struct cpc_err *err)
{
    uint64_t minute = now_ms / MINUTE_MS, hour = now_ms / HOUR_MS;
    pthread_mutex_lock(&s->mu);
    int n = 0, rc = lazy_begin(s, err);
    if (rc) {
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    sqlite3_stmt *st = ss(s, SS_ADD_MINUTE);
    if ((rc = bind_sample(s, st, worker, minute, v, err)) == 0)
        rc = run(s, st, &n, "adding a sample", err);
    cpc__store_stmt_done(st);
    if (rc == 0 && n > 0) {
        st = ss(s, SS_ADD_HOUR);
        if ((rc = bind_sample(s, st, worker, hour, v, err)) == 0)
            rc = run(s, st, NULL, "adding an hourly sample", err);
        cpc__store_stmt_done(st);
        uint64_t keep_min = CPC_PSAMPLE_MINUTE_KEEP_MS / MINUTE_MS,
                 keep_hour = CPC_PSAMPLE_HOUR_KEEP_MS / HOUR_MS;
        if (rc == 0 && minute >= keep_min)
            rc = trim(s, ss(s, SS_TRIM_MINUTE), worker, minute - keep_min, err);
        if (rc == 0 && hour >= keep_hour)
            rc = trim(s, ss(s, SS_TRIM_HOUR), worker, hour - keep_hour, err);
    }
    cpc__store_stmt_done(st);
    rc = lazy_end(s, rc, err);
    pthread_mutex_unlock(&s->mu);
    if (stored)
        *stored = rc == 0 ? n : 0;
    return rc;
}

int cpc_pstore_samples(struct cpc_pstore *s, const char *server_id, int hourly, uint64_t from_ms,
                       uint64_t to_ms, uint64_t limit, cpc_psample_fn cb, void *arg,
                       struct cpc_err *err)
{
    uint64_t unit = hourly ? HOUR_MS : MINUTE_MS;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ss(s, hourly ? SS_HOURS : SS_MINUTES);
    int rc = bind_text(s, st, 1, server_id, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, (from_ms + unit - 1) / unit, err)) == 0 &&
        (rc = bind_u64(s, st, 3, (to_ms + unit - 1) / unit, err)) == 0 &&
        (rc = bind_u64(s, st, 4, limit, err)) == 0) {
        int src;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            struct cpc_psample v = {
                .t_ms = col_u64(st, 0) * unit,
                .samples = (uint32_t)col_u64(st, 1),
                .cpu = sqlite3_column_double(st, 2),
                .gpu = sqlite3_column_double(st, 3),
                .ram_mb = col_u64(st, 4),
                .temp_c = sqlite3_column_double(st, 5),
                .uptime_s = col_u64(st, 6),
            };
            if (cb(arg, &v) != 0)
                break;
        }
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            rc = fail(s, src, "reading samples", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_sample_minutes(struct cpc_pstore *s, const char *server_id, uint64_t from_ms,
                              uint64_t to_ms, uint64_t *minutes, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ss(s, SS_COUNT);
    int rc = bind_text(s, st, 1, server_id, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, from_ms / HOUR_MS, err)) == 0 &&
        (rc = bind_u64(s, st, 3, (to_ms + HOUR_MS - 1) / HOUR_MS, err)) == 0 &&
        (rc = step_row(s, st, "no count", "counting samples", err)) == 1) {
        *minutes = col_u64(st, 0);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_provider_rentals(struct cpc_pstore *s, int64_t owner, uint64_t from_ms,
                                uint64_t to_ms, uint64_t limit, cpc_prental_ref_fn cb, void *arg,
                                struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ss(s, SS_PROVIDER_RENTALS);
    int rc = bind_i64(s, st, 1, owner, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, from_ms, err)) == 0 &&
        (rc = bind_u64(s, st, 3, to_ms, err)) == 0 && (rc = bind_u64(s, st, 4, limit, err)) == 0) {
        int src;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            struct cpc_prental_ref r = {0}; /* only id and server_id are read here */
            copy_col(r.id, sizeof r.id, st, 0);
            copy_col(r.server_id, sizeof r.server_id, st, 1);
            if (cb(arg, &r) != 0)
                break;
        }
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            rc = fail(s, src, "listing a provider's rentals", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

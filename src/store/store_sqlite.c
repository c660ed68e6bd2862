/* store_sqlite.c — SQLite store: open/close, connection pool, meta, helpers (see store.h).
 *
 * Design note. One writer connection (WAL, synchronous=FULL, foreign_keys
 * on), serialised by a mutex, runs every write; each block is one
 * BEGIN IMMEDIATE transaction (store_write.c). Reads go to a fixed pool of
 * CPC_STORE_READERS read-only connections: a reader is borrowed under a
 * mutex (waiting on a condvar when all are busy), used, its statements reset,
 * and returned. In WAL mode readers see the last committed snapshot and never
 * block the writer; busy_timeout (5 s) covers the rare checkpoint/recovery
 * locks. Every statement is prepared once per connection at open with
 * SQLITE_PREPARE_PERSISTENT and reset after each use, so the hot paths never
 * parse SQL. Connections use SQLITE_OPEN_NOMUTEX: our own locks guarantee a
 * connection is used by one thread at a time.
 *
 * The schema lives in store_migrations.c, writes in store_write.c and
 * queries in store_read.c.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

const char *const cpc__store_wsql[W__COUNT] = {
    [W_BEGIN] = "BEGIN IMMEDIATE",
    [W_COMMIT] = "COMMIT",
    [W_ROLLBACK] = "ROLLBACK",
    [W_LATEST] = "SELECT height, hash FROM blocks ORDER BY height DESC LIMIT 1",
    [W_INS_BLOCK] = "INSERT INTO blocks(height, hash, time_ms, n_txs, header_json) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)",
    [W_INS_TX] = "INSERT INTO txs(hash, height, idx, tx_type, sender, recipient, status, error, "
                 "gas_used, fee, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [W_UPSERT_ACCT] = "INSERT INTO accounts(address, balance, nonce, stake, updated_height) "
                      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(address) DO UPDATE SET "
                      "balance = excluded.balance, nonce = excluded.nonce, "
                      "stake = excluded.stake, updated_height = excluded.updated_height",
    [W_META_SET] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [W_UPSERT_OBJ] = "INSERT INTO objects(key, value) VALUES (?1, ?2) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [W_DEL_OBJ] = "DELETE FROM objects WHERE key = ?1",
};

#define TX_COLS "height, idx, status, error, gas_used, fee, json"

const char *const cpc__store_rsql[R__COUNT] = {
    [R_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [R_LATEST] = "SELECT max(height) FROM blocks",
    [R_HEADER] = "SELECT header_json FROM blocks WHERE height = ?1",
    [R_BLOCK_TXS] = "SELECT " TX_COLS " FROM txs WHERE height = ?1 ORDER BY idx",
    [R_TX] = "SELECT " TX_COLS " FROM txs WHERE hash = ?1",
    /* Two index range scans merged in (height, idx) order: no full sort of an
     * address's history, and LIMIT stops the merge early. */
    [R_BY_ADDR] = "SELECT " TX_COLS " FROM txs WHERE sender = ?1 "
                  "UNION ALL "
                  "SELECT " TX_COLS " FROM txs WHERE recipient = ?1 AND sender <> ?1 "
                  "ORDER BY 1 DESC, 2 DESC LIMIT ?2 OFFSET ?3",
    [R_ACCOUNTS] = "SELECT address, balance, nonce, stake FROM accounts",
    [R_ACCOUNT] = "SELECT balance, nonce, stake FROM accounts WHERE address = ?1",
    [R_TX_COUNT] = "SELECT count(*) FROM txs",
    [R_OBJECTS] = "SELECT key, value FROM objects",
    /* blocks.hash is UNIQUE: its automatic index answers this */
    [R_HEIGHT_BY_HASH] = "SELECT height FROM blocks WHERE hash = ?1",
};

int cpc__store_sqlerr(struct cpc_err *err, sqlite3 *db, int rc, const char *what)
{
    int code;
    switch (rc & 0xff) {
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_PERM:
    case SQLITE_READONLY:
        code = CPC_ERR_IO;
        break;
    case SQLITE_NOMEM:
        code = CPC_ERR_NOMEM;
        break;
    default:
        code = CPC_ERR_DB;
        break;
    }
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return cpc_err_set(err, code, "store: %s: %s (sqlite code %d)", what, msg, rc);
}

int cpc__store_exec(sqlite3 *db, const char *sql, struct cpc_err *err)
{
    const char *tail = sql;
    while (tail && *tail) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, db, rc, "preparing schema statement");
        if (!st) /* trailing whitespace or comment */
            break;
        do
            rc = sqlite3_step(st);
        while (rc == SQLITE_ROW);
        if (rc != SQLITE_DONE) {
            int code = cpc__store_sqlerr(err, db, rc, "executing schema statement");
            sqlite3_finalize(st);
            return code;
        }
        sqlite3_finalize(st);
    }
    return 0;
}

void cpc__store_stmt_done(sqlite3_stmt *st)
{
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

int cpc__store_bind_u64(sqlite3 *db, sqlite3_stmt *st, int col, uint64_t v, const char *what,
                        struct cpc_err *err)
{
    if (v > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_OVERFLOW,
                           "store: %s %llu does not fit in a signed 64-bit INTEGER", what,
                           (unsigned long long)v);
    int rc = sqlite3_bind_int64(st, col, (sqlite3_int64)v);
    if (rc != SQLITE_OK)
        return cpc__store_sqlerr(err, db, rc, what);
    return 0;
}

int cpc__store_col_u64(sqlite3_stmt *st, int col, uint64_t *out, const char *what,
                       struct cpc_err *err)
{
    if (sqlite3_column_type(st, col) != SQLITE_INTEGER)
        return cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: %s is not an integer", what);
    sqlite3_int64 v = sqlite3_column_int64(st, col);
    if (v < 0)
        return cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: %s is negative (%lld)", what,
                           (long long)v);
    *out = (uint64_t)v;
    return 0;
}

int cpc__store_col_text(sqlite3_stmt *st, int col, char *out, size_t cap, const char *what,
                        struct cpc_err *err)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (!t || n < 0 || (size_t)n >= cap)
        return cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: %s", what);
    memcpy(out, t, (size_t)n);
    out[n] = '\0';
    return 0;
}

/* ---- reader pool ---- */

struct cpc__store_reader *cpc__store_reader_get(struct cpc_store *s)
{
    pthread_mutex_lock(&s->rmu);
    for (;;) {
        for (int i = 0; i < CPC_STORE_READERS; i++) {
            if (!s->rd[i].busy) {
                s->rd[i].busy = 1;
                pthread_mutex_unlock(&s->rmu);
                return &s->rd[i];
            }
        }
        pthread_cond_wait(&s->rcv, &s->rmu);
    }
}

void cpc__store_reader_put(struct cpc_store *s, struct cpc__store_reader *r)
{
    pthread_mutex_lock(&s->rmu);
    r->busy = 0;
    pthread_cond_signal(&s->rcv);
    pthread_mutex_unlock(&s->rmu);
}

/* ---- open / close ---- */

static int open_conn(sqlite3 **out, const char *path, int flags, const char *what,
                     struct cpc_err *err)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        int code = cpc__store_sqlerr(err, db, rc, what);
        cpc_err_prefix(err, "cannot open %s", path);
        sqlite3_close(db);
        return code;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, CPC_STORE_BUSY_MS);
    *out = db;
    return 0;
}

static int prepare_all(sqlite3 *db, const char *const *sql, sqlite3_stmt **st, int n,
                       struct cpc_err *err)
{
    for (int i = 0; i < n; i++) {
        int rc = sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st[i], NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, db, rc, "preparing statement");
    }
    return 0;
}

static int open_writer(struct cpc_store *s, const char *path, struct cpc_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = open_conn(&s->wdb, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                       "opening the database", err);
    if (rc)
        return rc;

    /* journal_mode answers with the mode actually in force. */
    rc = sqlite3_prepare_v2(s->wdb, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        int code = cpc__store_sqlerr(err, s->wdb, rc, "enabling WAL");
        cpc_err_prefix(err, "cannot open %s", path);
        sqlite3_finalize(st);
        return code;
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    if (!mode || strcmp(mode, "wal") != 0) {
        rc = cpc_err_set(err, CPC_ERR_DB, "store: %s: cannot use WAL journal mode (got '%s')",
                         path, mode ? mode : "?");
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_finalize(st);

    rc = cpc__store_exec(s->wdb,
                         "PRAGMA synchronous=FULL;"
                         "PRAGMA foreign_keys=ON;"
                         "PRAGMA temp_store=MEMORY;"
                         "PRAGMA cache_size=-16384;"
                         "PRAGMA journal_size_limit=67108864;",
                         err);
    if (rc)
        cpc_err_prefix(err, "cannot configure %s", path);
    return rc;
}

static int open_readers(struct cpc_store *s, const char *path, struct cpc_err *err)
{
    for (int i = 0; i < CPC_STORE_READERS; i++) {
        struct cpc__store_reader *r = &s->rd[i];
        int rc = open_conn(&r->db, path, SQLITE_OPEN_READONLY, "opening a reader", err);
        if (rc)
            return rc;
        rc = cpc__store_exec(r->db, "PRAGMA query_only=ON;", err);
        if (rc)
            return rc;
        rc = prepare_all(r->db, cpc__store_rsql, r->st, R__COUNT, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int load_tx_count(struct cpc_store *s, struct cpc_err *err)
{
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = r->st[R_TX_COUNT];
    uint64_t n = 0;
    int rc = sqlite3_step(st);
    int code = 0;
    if (rc != SQLITE_ROW)
        code = cpc__store_sqlerr(err, r->db, rc, "counting txs");
    else
        code = cpc__store_col_u64(st, 0, &n, "tx count", err);
    cpc__store_stmt_done(st);
    cpc__store_reader_put(s, r);
    if (code == 0)
        atomic_store(&s->tx_count, n);
    return code;
}

int cpc_store_open(struct cpc_store **out, const char *path, struct cpc_err *err)
{
    struct cpc_store *s = NULL;
    int rc;

    if (!out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_open: no output pointer");
    *out = NULL;
    if (!path || !path[0] || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
        return cpc_err_set(err, CPC_ERR_IO, "store: the database path must name a file");
    if (!sqlite3_threadsafe())
        return cpc_err_set(err, CPC_ERR_DB, "store: SQLite was built without thread support");

    s = calloc(1, sizeof *s);
    if (!s)
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    if (pthread_mutex_init(&s->wmu, NULL) != 0) {
        free(s);
        return cpc_err_set(err, CPC_ERR_INTERNAL, "store: cannot create a mutex");
    }
    if (pthread_mutex_init(&s->rmu, NULL) != 0) {
        pthread_mutex_destroy(&s->wmu);
        free(s);
        return cpc_err_set(err, CPC_ERR_INTERNAL, "store: cannot create a mutex");
    }
    if (pthread_cond_init(&s->rcv, NULL) != 0) {
        pthread_mutex_destroy(&s->rmu);
        pthread_mutex_destroy(&s->wmu);
        free(s);
        return cpc_err_set(err, CPC_ERR_INTERNAL, "store: cannot create a condition variable");
    }
    s->sync_ready = 1;

    rc = open_writer(s, path, err);
    if (rc)
        goto fail;
    rc = cpc__store_migrate(s->wdb, &s->schema_version, err);
    if (rc)
        goto fail;
    rc = prepare_all(s->wdb, cpc__store_wsql, s->w, W__COUNT, err);
    if (rc)
        goto fail;
    rc = open_readers(s, path, err);
    if (rc)
        goto fail;
    rc = load_tx_count(s, err);
    if (rc)
        goto fail;
    *out = s;
    return 0;
fail:
    cpc_store_close(s);
    return rc;
}

void cpc_store_close(struct cpc_store *s)
{
    if (!s)
        return;
    /* Readers first, so the writer is the last connection and checkpoints the WAL. */
    for (int i = 0; i < CPC_STORE_READERS; i++) {
        for (int j = 0; j < R__COUNT; j++)
            sqlite3_finalize(s->rd[i].st[j]);
        sqlite3_close_v2(s->rd[i].db);
    }
    for (int j = 0; j < W__COUNT; j++)
        sqlite3_finalize(s->w[j]);
    sqlite3_close_v2(s->wdb);
    free(s->scratch);
    if (s->sync_ready) {
        pthread_cond_destroy(&s->rcv);
        pthread_mutex_destroy(&s->rmu);
        pthread_mutex_destroy(&s->wmu);
    }
    free(s);
}

int cpc_store_schema_version(struct cpc_store *s)
{
    return s ? s->schema_version : CPC_ERR_INVALID;
}

int cpc_store_tx_count(struct cpc_store *s, uint64_t *out, struct cpc_err *err)
{
    if (!s || !out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_tx_count: bad arguments");
    *out = atomic_load(&s->tx_count);
    return 0;
}

/* ---- meta ---- */

int cpc_store_meta_get(struct cpc_store *s, const char *key, char **value, struct cpc_err *err)
{
    if (!s || !key || !value)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_meta_get: bad arguments");
    *value = NULL;
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = r->st[R_META_GET];
    int code;
    int rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        code = cpc__store_sqlerr(err, r->db, rc, "reading meta");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        code = cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: meta key '%.64s' not found", key);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        code = cpc__store_sqlerr(err, r->db, rc, "reading meta");
        goto out;
    }
    const unsigned char *txt = sqlite3_column_text(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    char *v = malloc((size_t)n + 1);
    if (!v) {
        code = cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
        goto out;
    }
    if (n > 0)
        memcpy(v, txt, (size_t)n);
    v[n] = '\0';
    *value = v;
    code = 0;
out:
    cpc__store_stmt_done(st);
    cpc__store_reader_put(s, r);
    return code;
}

int cpc_store_meta_set(struct cpc_store *s, const char *key, const char *value,
                       struct cpc_err *err)
{
    if (!s || !key || !value)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_meta_set: bad arguments");
    pthread_mutex_lock(&s->wmu);
    sqlite3_stmt *st = s->w[W_META_SET];
    int code = 0;
    int rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        code = cpc__store_sqlerr(err, s->wdb, rc, "writing meta");
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->wmu);
    return code;
}

/* store_migrations.c — numbered schema migrations for the SQLite store.
 *
 * Design note: the schema only ever moves forward through the static array
 * below; migration N is applied once, in its own BEGIN IMMEDIATE
 * transaction together with its row in schema_migrations, so a crash during
 * a migration leaves the previous version intact. Re-opening a migrated DB
 * costs one SELECT. A DB whose version is higher than this binary knows is
 * refused (an older binary must not write a newer schema). To change the
 * schema, append a migration; never edit a released one.
 *
 * Tables are STRICT (type-checked) and amounts are INTEGER (u64 values must
 * fit in int64: genesis caps the total supply at INT64_MAX). Addresses are
 * stored as cpc1 text so the DB is readable with the sqlite3 shell.
 */
#include <stdio.h>
#include <time.h>

#include "store_internal.h"

struct migration {
    int version;
    const char *name;
    const char *sql;
};

static const struct migration migrations[] = {
    {1, "ledger tables",
     "CREATE TABLE meta("
     "  key TEXT PRIMARY KEY NOT NULL,"
     "  value TEXT NOT NULL"
     ") STRICT, WITHOUT ROWID;"
     "CREATE TABLE blocks("
     "  height INTEGER PRIMARY KEY CHECK (height >= 0),"
     "  hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),"
     "  time_ms INTEGER NOT NULL CHECK (time_ms >= 0),"
     "  n_txs INTEGER NOT NULL CHECK (n_txs >= 0),"
     "  header_json TEXT NOT NULL"
     ") STRICT;"
     "CREATE TABLE txs("
     "  hash BLOB PRIMARY KEY NOT NULL CHECK (length(hash) = 32),"
     "  height INTEGER NOT NULL REFERENCES blocks(height),"
     "  idx INTEGER NOT NULL CHECK (idx >= 0),"
     "  tx_type TEXT NOT NULL,"
     "  sender TEXT NOT NULL,"
     "  recipient TEXT,"
     "  status INTEGER NOT NULL,"
     "  error TEXT,"
     "  gas_used INTEGER NOT NULL CHECK (gas_used >= 0),"
     "  fee INTEGER NOT NULL CHECK (fee >= 0),"
     "  json TEXT NOT NULL"
     ") STRICT;"
     "CREATE UNIQUE INDEX txs_height_idx ON txs(height, idx);"
     "CREATE INDEX txs_sender ON txs(sender, height, idx);"
     "CREATE INDEX txs_recipient ON txs(recipient, height, idx) WHERE recipient IS NOT NULL;"
     "CREATE TABLE accounts("
     "  address TEXT PRIMARY KEY NOT NULL,"
     "  balance INTEGER NOT NULL CHECK (balance >= 0),"
     "  nonce INTEGER NOT NULL CHECK (nonce >= 0),"
     "  stake INTEGER NOT NULL CHECK (stake >= 0),"
     "  updated_height INTEGER NOT NULL CHECK (updated_height >= 0)"
     ") STRICT, WITHOUT ROWID;"},
    {2, "state objects",
     "CREATE TABLE objects("
     "  key BLOB PRIMARY KEY NOT NULL CHECK (length(key) BETWEEN 1 AND 33),"
     "  value BLOB NOT NULL"
     ") STRICT, WITHOUT ROWID;"},
    {3, "legacy API clients and receipts (store_legacy.h)",
     "CREATE TABLE legacy_clients("
     "  client_id TEXT PRIMARY KEY NOT NULL CHECK (length(client_id) BETWEEN 1 AND 64),"
     "  address TEXT NOT NULL UNIQUE,"
     "  created_at INTEGER NOT NULL CHECK (created_at >= 0)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE TABLE legacy_receipts("
     "  client_id TEXT NOT NULL REFERENCES legacy_clients(client_id),"
     "  contract_id TEXT NOT NULL,"
     "  result_data TEXT NOT NULL,"
     "  task_id TEXT NOT NULL,"
     "  work_units INTEGER NOT NULL CHECK (work_units >= 0),"
     "  reward INTEGER NOT NULL CHECK (reward >= 0),"
     "  receipt_tx BLOB NOT NULL UNIQUE CHECK (length(receipt_tx) = 32),"
     "  reward_tx BLOB NOT NULL UNIQUE CHECK (length(reward_tx) = 32),"
     "  created_at INTEGER NOT NULL CHECK (created_at >= 0),"
     "  PRIMARY KEY (client_id, contract_id, result_data)"
     ") STRICT, WITHOUT ROWID;"},
    {4, "marketplace job drafts (store_market.h)",
     "CREATE TABLE job_drafts("
     "  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),"
     "  owner TEXT,"
     "  created_at INTEGER NOT NULL CHECK (created_at >= 0),"
     "  request TEXT NOT NULL,"
     "  contract TEXT NOT NULL,"
     "  quote TEXT NOT NULL,"
     "  status TEXT NOT NULL CHECK (status IN ('draft', 'confirmed', 'cancelled')),"
     "  job_id TEXT CHECK (job_id IS NULL OR length(job_id) = 64)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX job_drafts_created ON job_drafts(created_at, id);"
     "CREATE INDEX job_drafts_owner ON job_drafts(owner, created_at, id) WHERE owner IS NOT NULL;"
     "CREATE INDEX job_drafts_job ON job_drafts(job_id) WHERE job_id IS NOT NULL;"},
    {5, "expiry of unconfirmed job drafts (store_market.h)",
     "CREATE INDEX job_drafts_unconfirmed ON job_drafts(created_at, id) WHERE job_id IS NULL;"},
    {6, "blob uploads: who stored which blob, for quotas and collection (store_blobs.h)",
     "CREATE TABLE blob_uploads("
     "  sha256 BLOB NOT NULL CHECK (length(sha256) = 32),"
     "  uploader TEXT NOT NULL CHECK (length(uploader) BETWEEN 1 AND 90),"
     "  size INTEGER NOT NULL CHECK (size >= 0),"
     "  uploaded_at INTEGER NOT NULL CHECK (uploaded_at >= 0),"
     "  kept_at INTEGER NOT NULL CHECK (kept_at >= 0),"
     "  PRIMARY KEY (sha256, uploader)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX blob_uploads_uploader ON blob_uploads(uploader);"
     "CREATE INDEX blob_uploads_kept ON blob_uploads(kept_at);"},
    {7, "legacy receipts name their assignment, paid once (store_legacy.h)",
     "ALTER TABLE legacy_receipts ADD COLUMN assignment TEXT"
     "  CHECK (assignment IS NULL OR length(assignment) BETWEEN 1 AND 64);"
     "CREATE UNIQUE INDEX legacy_receipts_assignment ON legacy_receipts(assignment)"
     "  WHERE assignment IS NOT NULL;"
     "CREATE INDEX legacy_receipts_recent ON legacy_receipts(client_id, created_at);"},
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int cpc__store_known_version(void)
{
    return migrations[N_MIGRATIONS - 1].version;
}

/* *out = max(version) in schema_migrations (0 when empty). */
static int current_version(sqlite3 *db, int *out, struct cpc_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return cpc__store_sqlerr(err, db, rc, "reading schema version");
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        int code = cpc__store_sqlerr(err, db, rc, "reading schema version");
        sqlite3_finalize(st);
        return code;
    }
    sqlite3_int64 v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (v < 0 || v > 1000000)
        return cpc_err_set(err, CPC_ERR_DB, "store: schema_migrations holds a bad version %lld",
                           (long long)v);
    *out = (int)v;
    return 0;
}

static int record(sqlite3 *db, int version, struct cpc_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        db, "INSERT INTO schema_migrations(version, applied_at) VALUES (?1, ?2)", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return cpc__store_sqlerr(err, db, rc, "recording migration");
    sqlite3_bind_int(st, 1, version);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
    rc = sqlite3_step(st);
    int code = rc == SQLITE_DONE ? 0 : cpc__store_sqlerr(err, db, rc, "recording migration");
    sqlite3_finalize(st);
    return code;
}

static int apply_one(sqlite3 *db, const struct migration *m, int *version, struct cpc_err *err)
{
    int rc, cur = 0;

    rc = cpc__store_exec(db, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    /* Another process may have migrated between our check and the lock. */
    rc = current_version(db, &cur, err);
    if (rc)
        goto fail;
    if (cur >= m->version) {
        *version = cur;
        return cpc__store_exec(db, "COMMIT", err);
    }
    rc = cpc__store_exec(db, m->sql, err);
    if (rc)
        goto fail;
    rc = record(db, m->version, err);
    if (rc)
        goto fail;
    rc = cpc__store_exec(db, "COMMIT", err);
    if (rc)
        goto fail;
    *version = m->version;
    return 0;
fail:
    if (!sqlite3_get_autocommit(db))
        cpc__store_exec(db, "ROLLBACK", NULL);
    cpc_err_prefix(err, "store: migration %d (%s) failed", m->version, m->name);
    return rc;
}

int cpc__store_migrate(sqlite3 *db, int *version, struct cpc_err *err)
{
    int rc, cur = 0;

    rc = cpc__store_exec(db,
                         "CREATE TABLE IF NOT EXISTS schema_migrations("
                         "  version INTEGER PRIMARY KEY,"
                         "  applied_at INTEGER NOT NULL"
                         ") STRICT",
                         err);
    if (rc)
        return rc;
    rc = current_version(db, &cur, err);
    if (rc)
        return rc;
    if (cur > cpc__store_known_version())
        return cpc_err_set(err, CPC_ERR_DB,
                           "store: database schema version %d is newer than this binary supports "
                           "(%d); upgrade the software",
                           cur, cpc__store_known_version());
    for (int i = 0; i < N_MIGRATIONS; i++) {
        if (migrations[i].version <= cur)
            continue;
        rc = apply_one(db, &migrations[i], &cur, err);
        if (rc)
            return rc;
    }
    *version = cur;
    return 0;
}

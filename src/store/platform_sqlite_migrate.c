/* platform_sqlite_migrate.c — the platform tables' numbered migrations and
 * their runner (platform_sqlite_internal.h).
 *
 * Each migration runs in its own IMMEDIATE transaction with its row in
 * platform_migrations, so a crash leaves the schema at a whole version. The
 * list is append-only and strictly ascending (the runner refuses to start
 * otherwise), and every entry that platform_migrations does not record runs,
 * in list order: a store that skipped one (a branch merged in between) gets
 * it, instead of skipping every entry below its highest version. The
 * later tables' SQL lives beside their statements (extern *_sql strings).
 */
#include "platform_sqlite_internal.h"

struct pmigration {
    int version;
    const char *name;
    const char *sql;
};

static const struct pmigration pmigrations[] = {
    {1, "platform accounts",
     "CREATE TABLE users("
     "  id INTEGER PRIMARY KEY,"
     "  email TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),"
     "  password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),"
     "  roles INTEGER NOT NULL CHECK (roles BETWEEN 0 AND 7),"
     "  email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),"
     "  kyc_status TEXT NOT NULL DEFAULT 'none',"
     "  blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),"
     "  failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),"
     "  locked_until_ms INTEGER NOT NULL DEFAULT 0 CHECK (locked_until_ms >= 0),"
     "  created_ms INTEGER NOT NULL CHECK (created_ms >= 0),"
     "  token_version INTEGER NOT NULL DEFAULT 0 CHECK (token_version >= 0)"
     ") STRICT;"
     "CREATE TABLE email_codes("
     "  id INTEGER PRIMARY KEY,"
     "  user INTEGER NOT NULL REFERENCES users(id),"
     "  purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),"
     "  code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),"
     "  expires_ms INTEGER NOT NULL,"
     "  used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),"
     "  attempts INTEGER NOT NULL DEFAULT 0"
     ") STRICT;"
     "CREATE INDEX email_codes_user ON email_codes(user, purpose, used);"
     "CREATE TABLE refresh_tokens("
     "  id INTEGER PRIMARY KEY,"
     "  user INTEGER NOT NULL REFERENCES users(id),"
     "  family TEXT NOT NULL CHECK (length(family) = 32),"
     "  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
     "  ip TEXT NOT NULL,"
     "  user_agent TEXT NOT NULL,"
     "  created_ms INTEGER NOT NULL,"
     "  last_used_ms INTEGER NOT NULL,"
     "  expires_ms INTEGER NOT NULL,"
     "  remember_me INTEGER NOT NULL CHECK (remember_me IN (0, 1)),"
     "  revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),"
     "  replaced_by INTEGER REFERENCES refresh_tokens(id)"
     ") STRICT;"
     "CREATE INDEX refresh_tokens_family ON refresh_tokens(family);"
     "CREATE INDEX refresh_tokens_user ON refresh_tokens(user) WHERE revoked = 0;"
     "CREATE TABLE login_attempts("
     "  id INTEGER PRIMARY KEY,"
     "  email TEXT NOT NULL,"
     "  ip TEXT NOT NULL,"
     "  success INTEGER NOT NULL CHECK (success IN (0, 1)),"
     "  ms INTEGER NOT NULL,"
     "  user_agent TEXT NOT NULL,"
     "  rate_limited INTEGER NOT NULL DEFAULT 0 CHECK (rate_limited IN (0, 1))"
     ") STRICT;"
     "CREATE INDEX login_attempts_ip ON login_attempts(ip, ms) WHERE rate_limited = 0;"
     "CREATE INDEX login_attempts_email ON login_attempts(email, ms);"
     "CREATE TABLE audit_log("
     "  id INTEGER PRIMARY KEY,"
     "  ms INTEGER NOT NULL,"
     "  user INTEGER,"
     "  event TEXT NOT NULL,"
     "  detail TEXT"
     ") STRICT;"
     "CREATE INDEX audit_log_user ON audit_log(user, ms) WHERE user IS NOT NULL;"
     "CREATE TABLE mail_queue("
     "  id INTEGER PRIMARY KEY,"
     "  \"to\" TEXT NOT NULL,"
     "  subject TEXT NOT NULL,"
     "  body BLOB NOT NULL,"
     "  attempts INTEGER NOT NULL DEFAULT 0,"
     "  next_try_ms INTEGER NOT NULL,"
     "  sent_ms INTEGER,"
     "  last_error TEXT"
     ") STRICT;"
     "CREATE INDEX mail_queue_due ON mail_queue(next_try_ms) WHERE sent_ms IS NULL;"},
    /* profile, TOTP 2FA, recovery codes, reset-token lookup (platform_sqlite_account.c) */
    {2, "profile and two-factor authentication",
     "ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '' "
     "  CHECK (length(display_name) <= 100);"
     "CREATE TABLE user_totp("
     "  user INTEGER PRIMARY KEY REFERENCES users(id),"
     "  secret BLOB NOT NULL CHECK (length(secret) BETWEEN 1 AND 256),"
     "  enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),"
     "  last_step INTEGER NOT NULL DEFAULT 0 CHECK (last_step >= 0),"
     "  created_ms INTEGER NOT NULL"
     ") STRICT;"
     "CREATE TABLE recovery_codes("
     "  id INTEGER PRIMARY KEY,"
     "  user INTEGER NOT NULL REFERENCES users(id),"
     "  code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),"
     "  used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1))"
     ") STRICT;"
     "CREATE INDEX recovery_codes_user ON recovery_codes(user, code_hash) WHERE used = 0;"
     "CREATE INDEX email_codes_hash ON email_codes(code_hash) WHERE used = 0;"},
    /* API keys, ledger wallets, wallet-link challenges (platform_sqlite_keys.c) */
    {3, "API keys and ledger wallets",
     "CREATE TABLE api_keys("
     "  id INTEGER PRIMARY KEY,"
     "  user INTEGER NOT NULL REFERENCES users(id),"
     "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),"
     "  prefix TEXT NOT NULL CHECK (length(prefix) = 12),"
     "  key_hash BLOB NOT NULL UNIQUE CHECK (length(key_hash) = 32),"
     "  scopes INTEGER NOT NULL CHECK (scopes BETWEEN 1 AND 7),"
     "  ip_whitelist TEXT NOT NULL CHECK (length(ip_whitelist) <= 800),"
     "  rate_per_min INTEGER NOT NULL CHECK (rate_per_min BETWEEN 1 AND 100000),"
     "  created_ms INTEGER NOT NULL CHECK (created_ms >= 0)"
     ") STRICT;"
     "CREATE INDEX api_keys_user ON api_keys(user);"
     "CREATE TABLE wallets("
     "  user INTEGER PRIMARY KEY REFERENCES users(id),"
     "  custodial_address TEXT NOT NULL UNIQUE,"
     "  sealed_key BLOB NOT NULL CHECK (length(sealed_key) BETWEEN 1 AND 128),"
     "  linked_address TEXT NOT NULL DEFAULT '',"
     "  created_ms INTEGER NOT NULL,"
     "  linked_ms INTEGER NOT NULL DEFAULT 0"
     ") STRICT;"
     "CREATE TABLE wallet_challenges("
     "  id INTEGER PRIMARY KEY,"
     "  user INTEGER NOT NULL REFERENCES users(id),"
     "  challenge_hash BLOB NOT NULL UNIQUE CHECK (length(challenge_hash) = 32),"
     "  expires_ms INTEGER NOT NULL,"
     "  used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1))"
     ") STRICT;"
     "CREATE INDEX wallet_challenges_user ON wallet_challenges(user, used);"},
    /* custodial send accounting (platform_sqlite_wallet.c) */
    {4, "custodial send accounting", cpc__pstore_wallet_sql},
    /* failed logins of unknown emails, under a keyed hash (platform_sqlite_keys.c) */
    {5, "failed logins of unknown emails", cpc__pstore_unknown_login_sql},
    /* the providers' GPU servers (platform_sqlite_servers.c) */
    {6, "gpu servers", cpc__pstore_servers_sql},
    /* the customers' GPU rentals (platform_sqlite_rentals.c) */
    {7, "gpu rentals", cpc__pstore_rentals_sql},
    /* fiat deposits and withdrawal requests (platform_sqlite_money.c) */
    {8, "deposits and withdrawals", cpc__pstore_money_sql},
    /* what the workers run and report of each rental (platform_sqlite_orders.c) */
    {9, "rental orders", cpc__pstore_orders_sql},
    /* the servers' load as a time series (platform_sqlite_stats.c) */
    {10, "server samples", cpc__pstore_stats_sql},
    /* the rental money views and the low-funds watcher (platform_sqlite_rental_money.c) */
    {11, "rental money views", cpc__pstore_rental_money_sql},
    {12, "data-center API", cpc__pstore_dc_sql}, /* platform_sqlite_dc.c */
    {13, "webhooks", cpc__pstore_webhooks_sql}, /* platform_sqlite_webhooks.c */
    {14, "admin and support", cpc__pstore_admin_sql}, /* platform_sqlite_admin.c */
    {15, "marketplace connectors", cpc__pstore_market_sql}, /* platform_sqlite_market.c */
};
#define N_PMIGRATIONS ((int)(sizeof pmigrations / sizeof pmigrations[0]))

static int pversion(sqlite3 *db, int *out, struct cpc_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM platform_migrations",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return cpc__store_sqlerr(err, db, rc, "reading platform schema version");
    rc = sqlite3_step(st);
    int code = 0;
    if (rc == SQLITE_ROW)
        *out = (int)sqlite3_column_int64(st, 0);
    else
        code = cpc__store_sqlerr(err, db, rc, "reading platform schema version");
    sqlite3_finalize(st);
    return code;
}

/* *done = 1 when migration version is recorded. */
static int recorded(sqlite3 *db, int version, int *done, struct cpc_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM platform_migrations WHERE version = ?1",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(st, 1, version);
        rc = sqlite3_step(st);
    }
    int code = 0;
    if (rc == SQLITE_ROW)
        *done = sqlite3_column_int(st, 0) > 0;
    else
        code = cpc__store_sqlerr(err, db, rc, "reading the platform migrations");
    sqlite3_finalize(st);
    return code;
}

static int migrate_one(sqlite3 *db, const struct pmigration *m, int *cur, struct cpc_err *err)
{
    int rc = cpc__store_exec(db, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    int done = 0;
    if ((rc = recorded(db, m->version, &done, err)) != 0)
        goto fail;
    if (done)
        return cpc__store_exec(db, "COMMIT", err);
    if ((rc = cpc__store_exec(db, m->sql, err)) != 0)
        goto fail;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db,
                                 "INSERT INTO platform_migrations(version, name) VALUES (?1, ?2)",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int(st, 1, m->version);
        sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
        src = src == SQLITE_DONE ? SQLITE_OK : src;
    }
    sqlite3_finalize(st);
    if (src != SQLITE_OK) {
        rc = cpc__store_sqlerr(err, db, src, "recording a platform migration");
        goto fail;
    }
    if ((rc = cpc__store_exec(db, "COMMIT", err)) != 0)
        goto fail;
    *cur = *cur > m->version ? *cur : m->version;
    return 0;
fail:
    if (!sqlite3_get_autocommit(db))
        cpc__store_exec(db, "ROLLBACK", NULL);
    return cpc_err_prefix(err, "platform migration %d (%s)", m->version, m->name);
}

int cpc__pstore_migrate(sqlite3 *db, int *version, struct cpc_err *err)
{
    int rc = cpc__store_exec(db,
                             "CREATE TABLE IF NOT EXISTS platform_migrations("
                             "  version INTEGER PRIMARY KEY,"
                             "  name TEXT NOT NULL"
                             ") STRICT",
                             err);
    int cur = 0;
    if (rc == 0)
        rc = pversion(db, &cur, err);
    if (rc)
        return rc;
    int known = pmigrations[N_PMIGRATIONS - 1].version;
    if (cur > known)
        return cpc_err_set(err, CPC_ERR_DB,
                           "platform schema version %d is newer than this binary supports (%d)",
                           cur, known);
    for (int i = 1; i < N_PMIGRATIONS; i++) /* a merge that breaks the order would skip one */
        if (pmigrations[i].version <= pmigrations[i - 1].version)
            return cpc_err_set(err, CPC_ERR_INTERNAL,
                               "platform migrations out of order: %d after %d",
                               pmigrations[i].version, pmigrations[i - 1].version);
    for (int i = 0; i < N_PMIGRATIONS; i++)
        if ((rc = migrate_one(db, &pmigrations[i], &cur, err)) != 0)
            return rc;
    *version = cur;
    return 0;
}

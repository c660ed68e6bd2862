/* platform_sqlite_keys.c — the API-key part of platform_store.h for SQLite:
 * API keys, ledger wallets and wallet-link challenges (platform migration 3).
 *
 * Design note. Same connection, mutex and rules as platform_sqlite.c: every
 * statement is prepared once at open and reset after use, no SQL is built
 * from data. Nothing secret is kept in clear: an API key and a challenge are
 * stored as a 32-byte keyed hash, a custodial secret key as a blob the caller
 * sealed. Limits and single use are enforced by one statement each (the
 * per-user key cap by INSERT ... SELECT ... WHERE count < max, a challenge by
 * UPDATE ... AND used = 0 then the change count), so concurrent requests
 * cannot pass them twice. Also here: the failed login of a known email in
 * one transaction (attempt row + failure count), so it commits once; and
 * the failed login of an unknown email, the same way, counted in
 * unknown_login_failures (platform migration 5) under a keyed hash of the
 * email (never the email), so an unknown email locks after the same failures
 * as an account and answers alike (no account enumeration). That table is
 * bounded: each write deletes the rows idle since before the caller's cutoff
 * and, above the caller's row cap, the least recently failed ones.
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

enum kstmt {
    K_ATT_INS,
    K_USER_FAIL,
    K_USER_LOCK,
    K_KEY_INS,
    K_KEY_BY_HASH,
    K_KEY_LIST,
    K_KEY_DEL,
    K_WALLET_GET,
    K_WALLET_INS,
    K_WALLET_LINK,
    K_CHAL_INS,
    K_CHAL_CLAIM,
    K_UNK_GET,
    K_UNK_EXPIRE,
    K_UNK_FAIL,
    K_UNK_LOCK,
    K_UNK_CAP,
    K__COUNT
};

const char cpc__pstore_unknown_login_sql[] =
    "CREATE TABLE unknown_login_failures("
    "  email_key BLOB PRIMARY KEY CHECK (length(email_key) = 32),"
    "  failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),"
    "  locked_until_ms INTEGER NOT NULL DEFAULT 0 CHECK (locked_until_ms >= 0),"
    "  last_ms INTEGER NOT NULL CHECK (last_ms >= 0)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX unknown_login_failures_last ON unknown_login_failures(last_ms);";

#define KEY_COLS "id, user, name, prefix, scopes, ip_whitelist, rate_per_min, created_ms"

static const char *const ksql[K__COUNT] = {
    [K_ATT_INS] = "INSERT INTO login_attempts(email, ip, success, ms, user_agent, rate_limited) "
                  "VALUES (?1, ?2, 0, ?3, ?4, 0)",
    [K_USER_FAIL] = "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?1",
    [K_USER_LOCK] = "UPDATE users SET failed_logins = 0, locked_until_ms = ?2 "
                    "WHERE id = ?1 AND failed_logins >= ?3",
    [K_KEY_INS] = "INSERT INTO api_keys(user, name, prefix, key_hash, scopes, ip_whitelist, "
                  "rate_per_min, created_ms) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 "
                  "WHERE (SELECT count(*) FROM api_keys WHERE user = ?1) < ?9",
    [K_KEY_BY_HASH] = "SELECT " KEY_COLS ", key_hash FROM api_keys WHERE key_hash = ?1",
    [K_KEY_LIST] = "SELECT " KEY_COLS " FROM api_keys WHERE user = ?1 ORDER BY id LIMIT ?2",
    [K_KEY_DEL] = "DELETE FROM api_keys WHERE id = ?1 AND user = ?2",
    [K_WALLET_GET] = "SELECT custodial_address, sealed_key, linked_address, created_ms, "
                     "linked_ms FROM wallets WHERE user = ?1",
    [K_WALLET_INS] = "INSERT INTO wallets(user, custodial_address, sealed_key, created_ms) "
                     "VALUES (?1, ?2, ?3, ?4)",
    [K_WALLET_LINK] = "UPDATE wallets SET linked_address = ?2, linked_ms = ?3 WHERE user = ?1",
    [K_CHAL_INS] = "INSERT INTO wallet_challenges(user, challenge_hash, expires_ms) "
                   "VALUES (?1, ?2, ?3)",
    [K_CHAL_CLAIM] = "UPDATE wallet_challenges SET used = 1 WHERE user = ?1 AND "
                     "challenge_hash = ?2 AND used = 0 AND expires_ms > ?3",
    [K_UNK_GET] = "SELECT locked_until_ms FROM unknown_login_failures WHERE email_key = ?1",
    [K_UNK_EXPIRE] = "DELETE FROM unknown_login_failures WHERE last_ms < ?1",
    [K_UNK_FAIL] = "INSERT INTO unknown_login_failures(email_key, failures, last_ms) "
                   "VALUES (?1, 1, ?2) ON CONFLICT(email_key) DO UPDATE SET "
                   "failures = failures + 1, last_ms = excluded.last_ms",
    /* as K_USER_LOCK for an account */
    [K_UNK_LOCK] = "UPDATE unknown_login_failures SET failures = 0, locked_until_ms = ?2 "
                   "WHERE email_key = ?1 AND failures >= ?3",
    [K_UNK_CAP] = "DELETE FROM unknown_login_failures WHERE email_key IN ("
                  "SELECT email_key FROM unknown_login_failures WHERE email_key <> ?1 "
                  "ORDER BY last_ms LIMIT max(0, (SELECT count(*) FROM unknown_login_failures) "
                  "- ?2))",
};

/* Constant-time equality of two 32-byte hashes (the store does not link libsodium). */
static int hash_eq(const uint8_t *a, const uint8_t *b)
{
    volatile uint8_t d = 0;
    for (size_t i = 0; i < 32; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

static sqlite3_stmt *ks(struct cpc_pstore *s, enum kstmt i) { return s->keys[i]; }

int cpc__pstore_keys_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->keys = calloc(K__COUNT, sizeof *s->keys);
    if (!s->keys)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < K__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, ksql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->keys[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_keys_close(struct cpc_pstore *s)
{
    if (!s->keys)
        return;
    for (int i = 0; i < K__COUNT; i++)
        sqlite3_finalize(s->keys[i]);
    free(s->keys);
    s->keys = NULL;
}

/* ---- API keys ---- */

static void key_row(sqlite3_stmt *st, struct cpc_papikey *k)
{
    memset(k, 0, sizeof *k);
    k->id = sqlite3_column_int64(st, 0);
    k->user = sqlite3_column_int64(st, 1);
    copy_col(k->name, sizeof k->name, st, 2);
    copy_col(k->prefix, sizeof k->prefix, st, 3);
    k->scopes = (uint32_t)col_u64(st, 4);
    copy_col(k->ip_whitelist, sizeof k->ip_whitelist, st, 5);
    k->rate_per_min = (uint32_t)col_u64(st, 6);
    k->created_ms = col_u64(st, 7);
}

int cpc_pstore_apikey_insert(struct cpc_pstore *s, const struct cpc_papikey *k,
                             const uint8_t hash[32], uint32_t max_per_user, int64_t *id,
                             struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ks(s, K_KEY_INS);
    int rc, n = 0;
    if ((rc = bind_i64(s, st, 1, k->user, err)) == 0 &&
        (rc = bind_text(s, st, 2, k->name, err)) == 0 &&
        (rc = bind_text(s, st, 3, k->prefix, err)) == 0 &&
        (rc = bind_blob(s, st, 4, hash, 32, err)) == 0 &&
        (rc = bind_i64(s, st, 5, k->scopes, err)) == 0 &&
        (rc = bind_text(s, st, 6, k->ip_whitelist, err)) == 0 &&
        (rc = bind_i64(s, st, 7, k->rate_per_min, err)) == 0 &&
        (rc = bind_u64(s, st, 8, k->created_ms, err)) == 0 &&
        (rc = bind_i64(s, st, 9, max_per_user, err)) == 0)
        rc = run(s, st, &n, "inserting an API key", err);
    if (rc == 0 && n == 0)
        rc = cpc_err_set(err, CPC_ERR_TOO_LARGE, "at most %u API keys per user", max_per_user);
    if (rc == 0 && id)
        *id = sqlite3_last_insert_rowid(s->db);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_apikey_by_hash(struct cpc_pstore *s, const uint8_t hash[32],
                              struct cpc_papikey *k, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ks(s, K_KEY_BY_HASH);
    int rc = bind_blob(s, st, 1, hash, 32, err);
    if (rc == 0) {
        if ((rc = step_row(s, st, "no such API key", "reading an API key", err)) == 1) {
            rc = 0;
            const void *h = sqlite3_column_blob(st, 8);
            /* the index found it; compare again in constant time all the same */
            if (sqlite3_column_bytes(st, 8) == 32 && h && hash_eq(h, hash))
                key_row(st, k);
            else
                rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no such API key");
        }
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_apikey_list(struct cpc_pstore *s, int64_t user, struct cpc_papikey *rows,
                           size_t cap, size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ks(s, K_KEY_LIST);
    int rc;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
        (rc = bind_i64(s, st, 2, (int64_t)cap, err)) == 0) {
        int src = SQLITE_DONE;
        while (*n < cap && (src = sqlite3_step(st)) == SQLITE_ROW)
            key_row(st, &rows[(*n)++]);
        if (*n < cap && src != SQLITE_DONE)
            rc = fail(s, src, "listing API keys", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_apikey_delete(struct cpc_pstore *s, int64_t user, int64_t id, int *deleted,
                             struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ks(s, K_KEY_DEL);
    int n = 0, rc = bind_i64(s, st, 1, id, err);
    if (rc == 0)
        rc = bind_i64(s, st, 2, user, err);
    rc = rc == 0 ? run(s, st, &n, "deleting an API key", err) : rc;
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    *deleted = rc == 0 && n > 0;
    return rc;
}

/* ---- wallets ---- */

int cpc_pstore_wallet_get(struct cpc_pstore *s, int64_t user, struct cpc_pwallet *w,
                          struct cpc_err *err)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ks(s, K_WALLET_GET);
    int rc = bind_i64(s, st, 1, user, err);
    if (rc == 0) {
        if ((rc = step_row(s, st, "no wallet", "reading a wallet", err)) == 1) {
            rc = 0;
            w->user = user;
            copy_col(w->custodial_address, sizeof w->custodial_address, st, 0);
            int len = sqlite3_column_bytes(st, 1);
            const void *b = sqlite3_column_blob(st, 1);
            if (len <= 0 || len > CPC_PWALLET_SEALED_MAX || !b) {
                rc = cpc_err_set(err, CPC_ERR_DB, "wallet of user %lld: bad sealed key",
                                 (long long)user);
            } else {
                memcpy(w->sealed_key, b, (size_t)len);
                w->sealed_len = (size_t)len;
            }
            copy_col(w->linked_address, sizeof w->linked_address, st, 2);
            w->created_ms = col_u64(st, 3);
            w->linked_ms = col_u64(st, 4);
        }
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_wallet_create(struct cpc_pstore *s, int64_t user, const char *address,
                             const uint8_t *sealed, size_t len, uint64_t now_ms,
                             struct cpc_err *err)
{
    if (len == 0 || len > CPC_PWALLET_SEALED_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "sealed wallet key has a bad size");
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ks(s, K_WALLET_INS);
    int rc;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
        (rc = bind_text(s, st, 2, address, err)) == 0 &&
        (rc = bind_blob(s, st, 3, sealed, len, err)) == 0 &&
        (rc = bind_u64(s, st, 4, now_ms, err)) == 0)
        rc = run(s, st, NULL, "creating a wallet", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_wallet_link(struct cpc_pstore *s, int64_t user, const char *address,
                           uint64_t now_ms, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ks(s, K_WALLET_LINK);
    int rc, n = 0;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
        (rc = bind_text(s, st, 2, address, err)) == 0 &&
        (rc = bind_u64(s, st, 3, now_ms, err)) == 0)
        rc = run(s, st, &n, "linking a wallet", err);
    if (rc == 0 && n == 0)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no wallet");
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- challenges ---- */

int cpc_pstore_challenge_put(struct cpc_pstore *s, int64_t user, const uint8_t hash[32],
                             uint64_t expires_ms, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ks(s, K_CHAL_INS);
    int rc;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
        (rc = bind_blob(s, st, 2, hash, 32, err)) == 0 &&
        (rc = bind_u64(s, st, 3, expires_ms, err)) == 0)
        rc = run(s, st, NULL, "storing a challenge", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_challenge_claim(struct cpc_pstore *s, int64_t user, const uint8_t hash[32],
                               uint64_t now_ms, int *ok, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ks(s, K_CHAL_CLAIM);
    int rc, n = 0;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
        (rc = bind_blob(s, st, 2, hash, 32, err)) == 0 &&
        (rc = bind_u64(s, st, 3, now_ms, err)) == 0)
        rc = run(s, st, &n, "spending a challenge", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    *ok = rc == 0 && n > 0;
    return rc;
}

/* ---- failed login of a known email ---- */

/* One failed attempt's row, inside the caller's transaction; *st is the
 * statement used (for cpc__pstore_tx_end). 0 or the error. */
static int attempt_insert(struct cpc_pstore *s, sqlite3_stmt **st, const char *email,
                          const char *ip, uint64_t ms, const char *user_agent, struct cpc_err *err)
{
    int rc;
    *st = ks(s, K_ATT_INS);
    if ((rc = bind_text(s, *st, 1, email, err)) != 0 || (rc = bind_text(s, *st, 2, ip, err)) != 0 ||
        (rc = bind_u64(s, *st, 3, ms, err)) != 0 ||
        (rc = bind_text(s, *st, 4, user_agent, err)) != 0)
        return rc;
    return run(s, *st, NULL, "recording a login attempt", err);
}

/* Open the transaction of a failed login and record the attempt in it
 * (*locked = 0 until failed_login_end says otherwise). On error the
 * transaction is already closed. */
static int failed_login_begin(struct cpc_pstore *s, sqlite3_stmt **st, const char *email,
                              const char *ip, uint64_t ms, const char *user_agent, int *locked,
                              struct cpc_err *err)
{
    *locked = 0;
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc)
        return rc;
    if ((rc = attempt_insert(s, st, email, ip, ms, user_agent, err)) != 0)
        return cpc__pstore_tx_end(s, rc, *st, err);
    return 0;
}

/* Close the transaction failed_login_begin opened (commit when rc is 0);
 * *locked tells whether the lock statement changed a row (n). */
static int failed_login_end(struct cpc_pstore *s, int rc, sqlite3_stmt *st, int n, int *locked,
                            struct cpc_err *err)
{
    if ((rc = cpc__pstore_tx_end(s, rc, st, err)) == 0)
        *locked = n > 0;
    return rc;
}

int cpc_pstore_login_failed_record(struct cpc_pstore *s, int64_t id, const char *email,
                                   const char *ip, uint64_t ms, const char *user_agent,
                                   uint32_t max_failures, uint64_t lock_until_ms, int *locked,
                                   struct cpc_err *err)
{
    sqlite3_stmt *st = NULL;
    int n = 0, rc = failed_login_begin(s, &st, email, ip, ms, user_agent, locked, err);
    if (rc)
        return rc;
    st = ks(s, K_USER_FAIL);
    if ((rc = bind_i64(s, st, 1, id, err)) != 0 ||
        (rc = run(s, st, NULL, "counting a failed login", err)) != 0)
        goto end;
    st = ks(s, K_USER_LOCK);
    if ((rc = bind_i64(s, st, 1, id, err)) != 0 ||
        (rc = bind_u64(s, st, 2, lock_until_ms, err)) != 0 ||
        (rc = bind_i64(s, st, 3, max_failures, err)) != 0 ||
        (rc = run(s, st, &n, "locking an account", err)) != 0)
        goto end;
end:
    return failed_login_end(s, rc, st, n, locked, err);
}

/* ---- failed logins of unknown emails (keyed hash only) ---- */

int cpc_pstore_unknown_login_locked_until(struct cpc_pstore *s, const uint8_t key[32],
                                          uint64_t *until_ms, struct cpc_err *err)
{
    *until_ms = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ks(s, K_UNK_GET);
    int rc = bind_blob(s, st, 1, key, 32, err);
    if (rc == 0) {
        rc = step_row(s, st, "no failures", "reading the failures of an email", err);
        if (rc == 1)
            *until_ms = col_u64(st, 0);
        rc = rc == CPC_ERR_NOT_FOUND || rc == 1 ? 0 : rc;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_unknown_login_failed_record(struct cpc_pstore *s, const uint8_t key[32],
                                           const char *email, const char *ip, uint64_t ms,
                                           const char *user_agent,
                                           const struct cpc_punknown_limits *lim, int *locked,
                                           struct cpc_err *err)
{
    sqlite3_stmt *st = NULL;
    int n = 0, rc = failed_login_begin(s, &st, email, ip, ms, user_agent, locked, err);
    if (rc)
        return rc;
    st = ks(s, K_UNK_EXPIRE);
    if ((rc = bind_u64(s, st, 1, lim->keep_since_ms, err)) != 0 ||
        (rc = run(s, st, NULL, "expiring failures of unknown emails", err)) != 0)
        goto end;
    st = ks(s, K_UNK_FAIL);
    if ((rc = bind_blob(s, st, 1, key, 32, err)) != 0 || (rc = bind_u64(s, st, 2, ms, err)) != 0 ||
        (rc = run(s, st, NULL, "counting a failed login", err)) != 0)
        goto end;
    st = ks(s, K_UNK_LOCK);
    if ((rc = bind_blob(s, st, 1, key, 32, err)) != 0 ||
        (rc = bind_u64(s, st, 2, lim->lock_until_ms, err)) != 0 ||
        (rc = bind_i64(s, st, 3, lim->max_failures, err)) != 0 ||
        (rc = run(s, st, &n, "locking an email", err)) != 0)
        goto end;
    st = ks(s, K_UNK_CAP);
    if ((rc = bind_blob(s, st, 1, key, 32, err)) != 0 ||
        (rc = bind_i64(s, st, 2, lim->max_rows ? lim->max_rows : 1, err)) != 0 ||
        (rc = run(s, st, NULL, "capping failures of unknown emails", err)) != 0)
        goto end;
end:
    return failed_login_end(s, rc, st, n, locked, err);
}

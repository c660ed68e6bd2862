/* platform_sqlite.c — the SQLite implementation of platform_store.h.
 *
 * Design note. The platform tables live in the node's database file (beside
 * the ledger tables) but have their own numbered migration list, recorded in
 * platform_migrations, so the ledger schema (store_migrations.c) and this one
 * move independently and a PostgreSQL back end can take these tables away
 * whole. One read-write connection (WAL, synchronous=FULL, busy_timeout for
 * the ledger writer that shares the file), serialised by a mutex: platform
 * traffic is a few statements per HTTP call, and the expensive part (argon2)
 * runs in the caller outside the lock. Every statement is prepared once at
 * open (SQLITE_PREPARE_PERSISTENT) and reset after each use; no SQL is ever
 * built from data. Tables are STRICT; secrets are stored only as hashes or
 * sealed blobs (the caller's job, see platform_store.h).
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

enum pstmt {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_USER_INS,
    S_USER_BY_EMAIL,
    S_USER_BY_ID,
    S_USER_VERIFIED,
    S_USER_FAIL,
    S_USER_LOCK,
    S_USER_OK,
    S_USER_BUMP,
    S_CODE_RETIRE,
    S_CODE_INS,
    S_CODE_ACTIVE,
    S_CODE_USE,
    S_CODE_FAIL,
    S_RT_INS,
    S_RT_BY_HASH,
    S_RT_ROTATE,
    S_RT_REVOKE,
    S_RT_REVOKE_FAMILY,
    S_RT_REVOKE_USER,
    S_ATT_INS,
    S_ATT_NTH,
    S_AUDIT_INS,
    S_MAIL_INS,
    S_MAIL_DUE,
    S_MAIL_EARLIEST,
    S_MAIL_SENT,
    S_MAIL_FAILED,
    S__COUNT
};
_Static_assert(S__COUNT <= CPC__PSTORE_BASE_STMTS, "raise CPC__PSTORE_BASE_STMTS");

static sqlite3_stmt *stmt(struct cpc_pstore *s, enum pstmt i) { return s->st[i]; }


#define USER_COLS                                                                              \
    "id, email, password_hash, roles, email_verified, kyc_status, blocked, failed_logins, "    \
    "locked_until_ms, created_ms, token_version, display_name, "                                \
    "coalesce((SELECT enabled FROM user_totp t WHERE t.user = users.id), 0)"
#define RT_COLS                                                                                \
    "id, user, family, token_hash, ip, user_agent, created_ms, last_used_ms, expires_ms, "     \
    "remember_me, revoked, coalesce(replaced_by, 0)"

static const char *const psql[S__COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_USER_INS] = "INSERT INTO users(email, password_hash, roles, created_ms) "
                   "VALUES (?1, ?2, ?3, ?4)",
    [S_USER_BY_EMAIL] = "SELECT " USER_COLS " FROM users WHERE email = ?1",
    [S_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
    [S_USER_VERIFIED] = "UPDATE users SET email_verified = 1 WHERE id = ?1",
    [S_USER_FAIL] = "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?1",
    [S_USER_LOCK] = "UPDATE users SET failed_logins = 0, locked_until_ms = ?2 "
                    "WHERE id = ?1 AND failed_logins >= ?3",
    [S_USER_OK] = "UPDATE users SET failed_logins = 0 WHERE id = ?1",
    [S_USER_BUMP] = "UPDATE users SET token_version = token_version + 1 WHERE id = ?1",
    [S_CODE_RETIRE] = "UPDATE email_codes SET used = 1 "
                      "WHERE user = ?1 AND purpose = ?2 AND used = 0",
    [S_CODE_INS] = "INSERT INTO email_codes(user, purpose, code_hash, expires_ms) "
                   "VALUES (?1, ?2, ?3, ?4)",
    [S_CODE_ACTIVE] = "SELECT id, code_hash FROM email_codes WHERE user = ?1 AND purpose = ?2 "
                      "AND used = 0 AND expires_ms > ?3 ORDER BY id DESC LIMIT 1",
    [S_CODE_USE] = "UPDATE email_codes SET used = 1 WHERE id = ?1",
    [S_CODE_FAIL] = "UPDATE email_codes SET attempts = attempts + 1, "
                    "used = (attempts + 1 >= ?2) WHERE id = ?1",
    [S_RT_INS] = "INSERT INTO refresh_tokens(user, family, token_hash, ip, user_agent, "
                 "created_ms, last_used_ms, expires_ms, remember_me) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_RT_BY_HASH] = "SELECT " RT_COLS " FROM refresh_tokens WHERE token_hash = ?1",
    [S_RT_ROTATE] = "UPDATE refresh_tokens SET revoked = 1, replaced_by = ?2, "
                    "last_used_ms = ?3 WHERE id = ?1 AND revoked = 0",
    [S_RT_REVOKE] = "UPDATE refresh_tokens SET revoked = 1 WHERE id = ?1",
    [S_RT_REVOKE_FAMILY] = "UPDATE refresh_tokens SET revoked = 1 "
                           "WHERE family = ?1 AND revoked = 0",
    [S_RT_REVOKE_USER] = "UPDATE refresh_tokens SET revoked = 1 WHERE user = ?1 AND revoked = 0",
    [S_ATT_INS] = "INSERT INTO login_attempts(email, ip, success, ms, user_agent, rate_limited) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_ATT_NTH] = "SELECT ms FROM login_attempts WHERE ip = ?1 AND ms >= ?2 AND rate_limited = 0 "
                  "ORDER BY ms DESC LIMIT 1 OFFSET ?3",
    [S_AUDIT_INS] = "INSERT INTO audit_log(ms, user, event, detail) VALUES (?1, ?2, ?3, ?4)",
    [S_MAIL_INS] = "INSERT INTO mail_queue(\"to\", subject, body, next_try_ms) "
                   "VALUES (?1, ?2, ?3, ?4)",
    [S_MAIL_DUE] = "SELECT id, \"to\", subject, body, attempts FROM mail_queue "
                   "WHERE sent_ms IS NULL AND next_try_ms <= ?1 ORDER BY next_try_ms, id LIMIT 1",
    [S_MAIL_EARLIEST] = "SELECT min(next_try_ms) FROM mail_queue WHERE sent_ms IS NULL",
    [S_MAIL_SENT] = "UPDATE mail_queue SET sent_ms = ?2, body = x'', last_error = NULL "
                    "WHERE id = ?1",
    [S_MAIL_FAILED] = "UPDATE mail_queue SET attempts = attempts + 1, next_try_ms = ?2, "
                      "last_error = ?3 WHERE id = ?1",
};

/* ---- open / close (the migrations: platform_sqlite_migrate.c) ---- */

int cpc_pstore_open(struct cpc_pstore **out, const char *path, struct cpc_err *err)
{
    *out = NULL;
    struct cpc_pstore *s = calloc(1, sizeof *s);
    if (!s)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&s->mu, NULL);
    int rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        rc = cpc__store_sqlerr(err, s->db, rc, "opening the platform store");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1); /* UNIQUE clashes -> CPC_ERR_DUPLICATE */
    sqlite3_busy_timeout(s->db, CPC_STORE_BUSY_MS);
    if ((rc = cpc__store_exec(s->db,
                              "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                              "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON",
                              err)) != 0 ||
        (rc = cpc__pstore_migrate(s->db, &s->version, err)) != 0)
        goto fail;
    for (int i = 0; i < S__COUNT; i++) {
        int prc = sqlite3_prepare_v3(s->db, psql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                                     NULL);
        if (prc != SQLITE_OK) {
            rc = cpc__store_sqlerr(err, s->db, prc, "preparing a platform statement");
            goto fail;
        }
    }
    if ((rc = cpc__pstore_account_open(s, err)) != 0 || (rc = cpc__pstore_keys_open(s, err)) != 0 ||
        (rc = cpc__pstore_wallet_open(s, err)) != 0 ||
        (rc = cpc__pstore_servers_open(s, err)) != 0 ||
        (rc = cpc__pstore_rentals_open(s, err)) != 0 || (rc = cpc__pstore_money_open(s, err)) != 0 ||
        (rc = cpc__pstore_stats_open(s, err)) != 0 || (rc = cpc__pstore_market_open(s, err)) != 0 ||
        (rc = cpc__pstore_rental_money_open(s, err)) != 0 ||
        (rc = cpc__pstore_orders_open(s, err)) != 0 ||
        (rc = cpc__pstore_admin_open(s, err)) != 0 ||
        (rc = cpc__pstore_webhooks_open(s, err)) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    cpc_pstore_close(s);
    return cpc_err_prefix(err, "%s", path);
}

void cpc_pstore_close(struct cpc_pstore *s)
{
    if (!s)
        return;
    for (int i = 0; i < S__COUNT; i++)
        sqlite3_finalize(s->st[i]);
    cpc__pstore_account_close(s);
    cpc__pstore_keys_close(s);
    cpc__pstore_wallet_close(s);
    cpc__pstore_servers_close(s);
    cpc__pstore_rentals_close(s);
    cpc__pstore_money_close(s);
    cpc__pstore_orders_close(s);
    cpc__pstore_rental_money_close(s);
    cpc__pstore_stats_close(s);
    cpc__pstore_admin_close(s);
    cpc__pstore_market_close(s);
    cpc__pstore_webhooks_close(s);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int cpc_pstore_schema_version(struct cpc_pstore *s) { return s->version; }

/* ---- users ---- */

int cpc_pstore_user_create(struct cpc_pstore *s, const char *email, const char *password_hash,
                           uint32_t roles, uint64_t now_ms, int64_t *id, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_USER_INS);
    int rc;
    if ((rc = bind_text(s, st, 1, email, err)) == 0 &&
        (rc = bind_text(s, st, 2, password_hash, err)) == 0 &&
        (rc = bind_i64(s, st, 3, roles, err)) == 0 && (rc = bind_u64(s, st, 4, now_ms, err)) == 0)
        rc = run(s, st, NULL, "creating a user", err);
    else
        cpc__store_stmt_done(st);
    if (rc == 0 && id)
        *id = sqlite3_last_insert_rowid(s->db);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int user_query(struct cpc_pstore *s, sqlite3_stmt *st, struct cpc_puser *u,
                      struct cpc_err *err)
{
    int code = step_row(s, st, "no such user", "reading a user", err);
    if (code == 1) {
        code = 0;
        memset(u, 0, sizeof *u);
        u->id = sqlite3_column_int64(st, 0);
        copy_col(u->email, sizeof u->email, st, 1);
        copy_col(u->password_hash, sizeof u->password_hash, st, 2);
        u->roles = (uint32_t)sqlite3_column_int64(st, 3);
        u->email_verified = sqlite3_column_int(st, 4);
        copy_col(u->kyc_status, sizeof u->kyc_status, st, 5);
        u->blocked = sqlite3_column_int(st, 6);
        u->failed_logins = (uint32_t)col_u64(st, 7);
        u->locked_until_ms = col_u64(st, 8);
        u->created_ms = col_u64(st, 9);
        u->token_version = (uint32_t)col_u64(st, 10);
        copy_col(u->display_name, sizeof u->display_name, st, 11);
        u->totp_enabled = sqlite3_column_int(st, 12);
    }
    cpc__store_stmt_done(st);
    return code;
}

int cpc_pstore_user_by_email(struct cpc_pstore *s, const char *email, struct cpc_puser *u,
                             struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_USER_BY_EMAIL);
    int rc = bind_text(s, st, 1, email, err);
    rc = rc == 0 ? user_query(s, st, u, err) : rc;
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_user_by_id(struct cpc_pstore *s, int64_t id, struct cpc_puser *u,
                          struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_USER_BY_ID);
    int rc = bind_i64(s, st, 1, id, err);
    rc = rc == 0 ? user_query(s, st, u, err) : rc;
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* One UPDATE/DELETE keyed by a single integer id. */
int cpc__pstore_tx_begin(struct cpc_pstore *s, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    int rc = run(s, stmt(s, S_BEGIN), NULL, "begin", err);
    if (rc)
        pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc__pstore_tx_end(struct cpc_pstore *s, int rc, sqlite3_stmt *st, struct cpc_err *err)
{
    if (rc == 0)
        rc = run(s, stmt(s, S_COMMIT), NULL, "commit", err);
    if (rc) {
        cpc__store_stmt_done(st);
        run(s, stmt(s, S_ROLLBACK), NULL, "rollback", NULL);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int exec_id(struct cpc_pstore *s, enum pstmt i, int64_t id, int *changes,
                   const char *what, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, i);
    int rc = bind_i64(s, st, 1, id, err);
    rc = rc == 0 ? run(s, st, changes, what, err) : rc;
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_user_set_verified(struct cpc_pstore *s, int64_t id, struct cpc_err *err)
{
    return exec_id(s, S_USER_VERIFIED, id, NULL, "verifying a user", err);
}

int cpc_pstore_user_login_ok(struct cpc_pstore *s, int64_t id, struct cpc_err *err)
{
    return exec_id(s, S_USER_OK, id, NULL, "recording a login", err);
}

int cpc_pstore_user_bump_token_version(struct cpc_pstore *s, int64_t id, struct cpc_err *err)
{
    return exec_id(s, S_USER_BUMP, id, NULL, "bumping the token version", err);
}

int cpc_pstore_user_login_failed(struct cpc_pstore *s, int64_t id, uint32_t max_failures,
                                 uint64_t lock_until_ms, int *locked, struct cpc_err *err)
{
    *locked = 0;
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(s, S_USER_FAIL);
    int n = 0;
    if ((rc = bind_i64(s, st, 1, id, err)) == 0 &&
        (rc = run(s, st, NULL, "counting a failed login", err)) == 0) {
        st = stmt(s, S_USER_LOCK);
        if ((rc = bind_i64(s, st, 1, id, err)) == 0 &&
            (rc = bind_u64(s, st, 2, lock_until_ms, err)) == 0 &&
            (rc = bind_i64(s, st, 3, max_failures, err)) == 0)
            rc = run(s, st, &n, "locking an account", err);
    }
    if ((rc = cpc__pstore_tx_end(s, rc, st, err)) == 0)
        *locked = n > 0;
    return rc;
}

/* ---- email codes ---- */

int cpc_pstore_code_put(struct cpc_pstore *s, int64_t user, const char *purpose,
                        const uint8_t code_hash[32], uint64_t expires_ms, struct cpc_err *err)
{
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(s, S_CODE_RETIRE);
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
        (rc = bind_text(s, st, 2, purpose, err)) == 0 &&
        (rc = run(s, st, NULL, "retiring old codes", err)) == 0) {
        st = stmt(s, S_CODE_INS);
        if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
            (rc = bind_text(s, st, 2, purpose, err)) == 0 &&
            (rc = bind_blob(s, st, 3, code_hash, 32, err)) == 0 &&
            (rc = bind_u64(s, st, 4, expires_ms, err)) == 0)
            rc = run(s, st, NULL, "storing a code", err);
    }
    return cpc__pstore_tx_end(s, rc, st, err);
}

int cpc_pstore_code_active(struct cpc_pstore *s, int64_t user, const char *purpose,
                           uint64_t now_ms, int64_t *id, uint8_t hash_out[32],
                           struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_CODE_ACTIVE);
    int rc;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
        (rc = bind_text(s, st, 2, purpose, err)) == 0 &&
        (rc = bind_u64(s, st, 3, now_ms, err)) == 0) {
        rc = step_row(s, st, "no active code", "reading a code", err);
        if (rc == 1 && sqlite3_column_bytes(st, 1) == 32) {
            rc = 0;
            *id = sqlite3_column_int64(st, 0);
            memcpy(hash_out, sqlite3_column_blob(st, 1), 32);
        } else if (rc == 1) {
            rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no active code");
        }
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_code_use(struct cpc_pstore *s, int64_t id, struct cpc_err *err)
{
    return exec_id(s, S_CODE_USE, id, NULL, "using a code", err);
}

int cpc_pstore_code_fail(struct cpc_pstore *s, int64_t id, uint32_t max_attempts,
                         struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_CODE_FAIL);
    int rc;
    if ((rc = bind_i64(s, st, 1, id, err)) == 0 &&
        (rc = bind_i64(s, st, 2, max_attempts, err)) == 0)
        rc = run(s, st, NULL, "counting a wrong code", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- refresh tokens ---- */

static int rt_bind_insert(struct cpc_pstore *s, sqlite3_stmt *st, const struct cpc_prefresh *r,
                          struct cpc_err *err)
{
    int rc;
    if ((rc = bind_i64(s, st, 1, r->user, err)) || (rc = bind_text(s, st, 2, r->family, err)) ||
        (rc = bind_blob(s, st, 3, r->token_hash, 32, err)) ||
        (rc = bind_text(s, st, 4, r->ip, err)) || (rc = bind_text(s, st, 5, r->user_agent, err)) ||
        (rc = bind_u64(s, st, 6, r->created_ms, err)) ||
        (rc = bind_u64(s, st, 7, r->last_used_ms, err)) ||
        (rc = bind_u64(s, st, 8, r->expires_ms, err)) ||
        (rc = bind_i64(s, st, 9, r->remember_me ? 1 : 0, err)))
        return rc;
    return 0;
}

int cpc_pstore_refresh_insert(struct cpc_pstore *s, const struct cpc_prefresh *r, int64_t *id,
                              struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_RT_INS);
    int rc = rt_bind_insert(s, st, r, err);
    rc = rc == 0 ? run(s, st, NULL, "storing a refresh token", err) : rc;
    cpc__store_stmt_done(st);
    if (rc == 0 && id)
        *id = sqlite3_last_insert_rowid(s->db);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_refresh_by_hash(struct cpc_pstore *s, const uint8_t hash[32],
                               struct cpc_prefresh *r, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_RT_BY_HASH);
    int rc = bind_blob(s, st, 1, hash, 32, err);
    if (rc == 0) {
        rc = step_row(s, st, "unknown refresh token", "reading a refresh token", err);
        if (rc == 1 && sqlite3_column_bytes(st, 3) == 32) {
            rc = 0;
            memset(r, 0, sizeof *r);
            r->id = sqlite3_column_int64(st, 0);
            r->user = sqlite3_column_int64(st, 1);
            copy_col(r->family, sizeof r->family, st, 2);
            memcpy(r->token_hash, sqlite3_column_blob(st, 3), 32);
            copy_col(r->ip, sizeof r->ip, st, 4);
            copy_col(r->user_agent, sizeof r->user_agent, st, 5);
            r->created_ms = col_u64(st, 6);
            r->last_used_ms = col_u64(st, 7);
            r->expires_ms = col_u64(st, 8);
            r->remember_me = sqlite3_column_int(st, 9);
            r->revoked = sqlite3_column_int(st, 10);
            r->replaced_by = sqlite3_column_int64(st, 11);
        } else if (rc == 1) {
            rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "unknown refresh token");
        }
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_refresh_rotate(struct cpc_pstore *s, int64_t old_id,
                              const struct cpc_prefresh *next, uint64_t now_ms,
                              int64_t *new_id, struct cpc_err *err)
{
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(s, S_RT_INS);
    int64_t nid = 0;
    int n = 0;
    if ((rc = rt_bind_insert(s, st, next, err)) == 0 &&
        (rc = run(s, st, NULL, "storing a refresh token", err)) == 0) {
        nid = sqlite3_last_insert_rowid(s->db);
        st = stmt(s, S_RT_ROTATE);
        if ((rc = bind_i64(s, st, 1, old_id, err)) == 0 &&
            (rc = bind_i64(s, st, 2, nid, err)) == 0 &&
            (rc = bind_u64(s, st, 3, now_ms, err)) == 0 &&
            (rc = run(s, st, &n, "rotating a refresh token", err)) == 0 && n == 0)
            rc = cpc_err_set(err, CPC_ERR_DUPLICATE, "refresh token already used");
    }
    if ((rc = cpc__pstore_tx_end(s, rc, st, err)) == 0)
        *new_id = nid;
    return rc;
}

int cpc_pstore_refresh_revoke(struct cpc_pstore *s, int64_t id, struct cpc_err *err)
{
    return exec_id(s, S_RT_REVOKE, id, NULL, "revoking a refresh token", err);
}

int cpc_pstore_refresh_revoke_family(struct cpc_pstore *s, const char *family, int *n,
                                     struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_RT_REVOKE_FAMILY);
    int changes = 0;
    int rc = bind_text(s, st, 1, family, err);
    rc = rc == 0 ? run(s, st, &changes, "revoking a token family", err) : rc;
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    if (n)
        *n = changes;
    return rc;
}

int cpc_pstore_refresh_revoke_user(struct cpc_pstore *s, int64_t user, int *n,
                                   struct cpc_err *err)
{
    int changes = 0;
    int rc = exec_id(s, S_RT_REVOKE_USER, user, &changes, "revoking a user's tokens", err);
    if (n)
        *n = changes;
    return rc;
}

/* ---- attempts, audit ---- */

int cpc_pstore_attempt_add(struct cpc_pstore *s, const char *email, const char *ip, int success,
                           int rate_limited, uint64_t ms, const char *user_agent,
                           struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_ATT_INS);
    int rc;
    if ((rc = bind_text(s, st, 1, email, err)) == 0 && (rc = bind_text(s, st, 2, ip, err)) == 0 &&
        (rc = bind_i64(s, st, 3, success ? 1 : 0, err)) == 0 &&
        (rc = bind_u64(s, st, 4, ms, err)) == 0 &&
            (rc = bind_text(s, st, 5, user_agent, err)) == 0 &&
        (rc = bind_i64(s, st, 6, rate_limited ? 1 : 0, err)) == 0)
        rc = run(s, st, NULL, "recording a login attempt", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_attempt_nth(struct cpc_pstore *s, const char *ip, uint64_t since_ms, uint32_t nth,
                           int *found, uint64_t *ms, struct cpc_err *err)
{
    *found = 0;
    if (nth == 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "nth must be >= 1");
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_ATT_NTH);
    int rc;
    if ((rc = bind_text(s, st, 1, ip, err)) == 0 && (rc = bind_u64(s, st, 2, since_ms, err)) == 0 &&
        (rc = bind_i64(s, st, 3, (int64_t)nth - 1, err)) == 0) {
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *found = 1;
            *ms = col_u64(st, 0);
        } else if (src != SQLITE_DONE) {
            rc = fail(s, src, "counting login attempts", err);
        }
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_audit(struct cpc_pstore *s, uint64_t ms, int64_t user, const char *event,
                     const char *detail, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_AUDIT_INS);
    int rc = bind_u64(s, st, 1, ms, err);
    if (rc == 0)
        rc = user ? bind_i64(s, st, 2, user, err) : (sqlite3_bind_null(st, 2), 0);
    if (rc == 0)
        rc = bind_text(s, st, 3, event, err);
    if (rc == 0)
        rc = detail ? bind_text(s, st, 4, detail, err) : (sqlite3_bind_null(st, 4), 0);
    if (rc == 0)
        rc = run(s, st, NULL, "writing the audit log", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- mail queue ---- */

int cpc_pstore_mail_add(struct cpc_pstore *s, const char *to, const char *subject,
                        const uint8_t *body, size_t body_len, uint64_t now_ms, int64_t *id,
                        struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_MAIL_INS);
    int rc;
    if ((rc = bind_text(s, st, 1, to, err)) == 0 && (rc = bind_text(s, st, 2, subject, err)) == 0 &&
        (rc = bind_blob(s, st, 3, body, body_len, err)) == 0 &&
        (rc = bind_u64(s, st, 4, now_ms, err)) == 0)
        rc = run(s, st, NULL, "queueing mail", err);
    cpc__store_stmt_done(st);
    if (rc == 0 && id)
        *id = sqlite3_last_insert_rowid(s->db);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void cpc_pmail_clear(struct cpc_pmail *m)
{
    if (!m)
        return;
    free(m->to);
    free(m->subject);
    if (m->body)
        memset(m->body, 0, m->body_len);
    free(m->body);
    memset(m, 0, sizeof *m);
}

int cpc_pstore_mail_next_due(struct cpc_pstore *s, uint64_t now_ms, struct cpc_pmail *m,
                             struct cpc_err *err)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_MAIL_DUE);
    int rc = bind_u64(s, st, 1, now_ms, err);
    if (rc == 0) {
        if ((rc = step_row(s, st, "no mail due", "reading the mail queue", err)) == 1) {
            rc = 0;
            m->id = sqlite3_column_int64(st, 0);
            const char *to = (const char *)sqlite3_column_text(st, 1);
            const char *subj = (const char *)sqlite3_column_text(st, 2);
            m->to = strdup(to ? to : "");
            m->subject = strdup(subj ? subj : "");
            m->body_len = (size_t)sqlite3_column_bytes(st, 3);
            m->body = malloc(m->body_len + 1);
            m->attempts = (uint32_t)col_u64(st, 4);
            if (!m->to || !m->subject || !m->body)
                rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
            else if (m->body_len)
                memcpy(m->body, sqlite3_column_blob(st, 3), m->body_len);
        }
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    if (rc != 0)
        cpc_pmail_clear(m);
    return rc;
}

int cpc_pstore_mail_earliest(struct cpc_pstore *s, uint64_t *ms, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_MAIL_EARLIEST);
    int rc = step_row(s, st, "no mail pending", "reading the mail queue", err);
    if (rc == 1 && sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
        rc = 0;
        *ms = col_u64(st, 0);
    } else if (rc == 1) {
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no mail pending");
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_mail_sent(struct cpc_pstore *s, int64_t id, uint64_t now_ms, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_MAIL_SENT);
    int rc;
    if ((rc = bind_i64(s, st, 1, id, err)) == 0 && (rc = bind_u64(s, st, 2, now_ms, err)) == 0)
        rc = run(s, st, NULL, "marking mail sent", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_mail_failed(struct cpc_pstore *s, int64_t id, uint64_t next_try_ms,
                           const char *last_error, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = stmt(s, S_MAIL_FAILED);
    int rc;
    if ((rc = bind_i64(s, st, 1, id, err)) == 0 &&
        (rc = bind_u64(s, st, 2, next_try_ms, err)) == 0 &&
        (rc = bind_text(s, st, 3, last_error, err)) == 0)
        rc = run(s, st, NULL, "recording a mail failure", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* platform_sqlite_account.c — the account part of platform_store.h for
 * SQLite: profile and administration updates (password, roles, display name,
 * blocked, KYC), password-reset token lookup, TOTP secrets, recovery codes,
 * and the paged reads of login attempts and the audit log.
 *
 * Design note. Same connection, mutex and rules as platform_sqlite.c (its
 * tables come from platform migration 2): every statement is prepared once
 * at open and reset after use, no SQL is built from data. Single use is
 * enforced by the UPDATE itself (`... AND used = 0`, then the change count),
 * so two concurrent requests cannot both spend one reset token, one recovery
 * code or one TOTP time step.
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

enum account_stmt {
    X_USER_PW,
    X_USER_ROLES,
    X_USER_NAME,
    X_USER_BLOCKED,
    X_USER_KYC,
    X_CODE_BY_HASH,
    X_CODE_CLAIM,
    X_TOTP_PUT,
    X_TOTP_GET,
    X_TOTP_STEP,
    X_TOTP_ENABLE,
    X_TOTP_DEL,
    X_REC_DEL,
    X_REC_INS,
    X_REC_USE,
    X_ATT_LIST,
    X_AUDIT_LIST,
    X__COUNT
};

static const char *const account_sql[X__COUNT] = {
    [X_USER_PW] = "UPDATE users SET password_hash = ?2, failed_logins = 0, locked_until_ms = 0 "
                  "WHERE id = ?1",
    [X_USER_ROLES] = "UPDATE users SET roles = ?2 WHERE id = ?1",
    [X_USER_NAME] = "UPDATE users SET display_name = ?2 WHERE id = ?1",
    [X_USER_BLOCKED] = "UPDATE users SET blocked = ?2 WHERE id = ?1",
    [X_USER_KYC] = "UPDATE users SET kyc_status = ?2 WHERE id = ?1",
    [X_CODE_BY_HASH] = "SELECT id, user FROM email_codes WHERE code_hash = ?1 AND purpose = ?2 "
                       "AND used = 0 AND expires_ms > ?3 ORDER BY id DESC LIMIT 1",
    [X_CODE_CLAIM] = "UPDATE email_codes SET used = 1 WHERE id = ?1 AND used = 0",
    [X_TOTP_PUT] = "INSERT INTO user_totp(user, secret, enabled, last_step, created_ms) "
                   "VALUES (?1, ?2, 0, 0, ?3) ON CONFLICT(user) DO UPDATE SET "
                   "secret = excluded.secret, last_step = 0, created_ms = excluded.created_ms "
                   "WHERE user_totp.enabled = 0",
    [X_TOTP_GET] = "SELECT secret, enabled, last_step FROM user_totp WHERE user = ?1",
    [X_TOTP_STEP] = "UPDATE user_totp SET last_step = ?2 WHERE user = ?1 AND last_step < ?2",
    [X_TOTP_ENABLE] = "UPDATE user_totp SET enabled = 1, last_step = ?2 "
                      "WHERE user = ?1 AND enabled = 0",
    [X_TOTP_DEL] = "DELETE FROM user_totp WHERE user = ?1",
    [X_REC_DEL] = "DELETE FROM recovery_codes WHERE user = ?1",
    [X_REC_INS] = "INSERT INTO recovery_codes(user, code_hash) VALUES (?1, ?2)",
    [X_REC_USE] = "UPDATE recovery_codes SET used = 1 "
                  "WHERE id = (SELECT id FROM recovery_codes WHERE user = ?1 AND code_hash = ?2 "
                  "AND used = 0 LIMIT 1)",
    [X_ATT_LIST] = "SELECT id, ip, user_agent, ms, success FROM login_attempts "
                   "WHERE email = ?1 ORDER BY ms DESC, id DESC LIMIT ?2 OFFSET ?3",
    [X_AUDIT_LIST] = "SELECT id, ms, coalesce(user, 0), event, coalesce(detail, '') "
                     "FROM audit_log ORDER BY id DESC LIMIT ?1 OFFSET ?2",
};

static sqlite3_stmt *xs(struct cpc_pstore *s, enum account_stmt i) { return s->account[i]; }

int cpc__pstore_account_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->account = calloc(X__COUNT, sizeof *s->account);
    if (!s->account)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < X__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, account_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->account[i], NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_account_close(struct cpc_pstore *s)
{
    if (!s->account)
        return;
    for (int i = 0; i < X__COUNT; i++)
        sqlite3_finalize(s->account[i]);
    free(s->account);
    s->account = NULL;
}

/* One write keyed by an integer id plus one more value (text, or an integer when
 * text is NULL). *changes may be NULL. */
static int exec_id_value(struct cpc_pstore *s, enum account_stmt i, int64_t id, const char *text,
                         int64_t v, int *changes, const char *what, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = xs(s, i);
    int rc = bind_i64(s, st, 1, id, err);
    if (rc == 0)
        rc = text ? bind_text(s, st, 2, text, err) : bind_i64(s, st, 2, v, err);
    rc = rc == 0 ? run(s, st, changes, what, err) : rc;
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- users ---- */

int cpc_pstore_user_set_password(struct cpc_pstore *s, int64_t id, const char *password_hash,
                                 struct cpc_err *err)
{
    return exec_id_value(s, X_USER_PW, id, password_hash, 0, NULL, "setting a password", err);
}

int cpc_pstore_user_set_roles(struct cpc_pstore *s, int64_t id, uint32_t roles,
                              struct cpc_err *err)
{
    return exec_id_value(s, X_USER_ROLES, id, NULL, roles, NULL, "setting roles", err);
}

int cpc_pstore_user_set_display_name(struct cpc_pstore *s, int64_t id, const char *name,
                                     struct cpc_err *err)
{
    if (strlen(name) > CPC_PUSER_NAME_MAX)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "display name too long");
    return exec_id_value(s, X_USER_NAME, id, name, 0, NULL, "setting the display name", err);
}

int cpc_pstore_user_set_blocked(struct cpc_pstore *s, int64_t id, int blocked,
                                struct cpc_err *err)
{
    return exec_id_value(s, X_USER_BLOCKED, id, NULL, blocked ? 1 : 0, NULL, "blocking a user",
                         err);
}

int cpc_pstore_user_set_kyc(struct cpc_pstore *s, int64_t id, const char *status,
                            struct cpc_err *err)
{
    return exec_id_value(s, X_USER_KYC, id, status, 0, NULL, "setting the KYC status", err);
}

/* ---- reset tokens ---- */

int cpc_pstore_code_by_hash(struct cpc_pstore *s, const char *purpose, const uint8_t hash[32],
                            uint64_t now_ms, int64_t *id, int64_t *user, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = xs(s, X_CODE_BY_HASH);
    int rc;
    if ((rc = bind_blob(s, st, 1, hash, 32, err)) == 0 &&
        (rc = bind_text(s, st, 2, purpose, err)) == 0 &&
        (rc = bind_u64(s, st, 3, now_ms, err)) == 0) {
        if ((rc = step_row(s, st, "no such code", "reading a code", err)) == 1) {
            rc = 0;
            *id = sqlite3_column_int64(st, 0);
            *user = sqlite3_column_int64(st, 1);
        }
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_code_claim(struct cpc_pstore *s, int64_t id, int *won, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = xs(s, X_CODE_CLAIM);
    int n = 0, rc = bind_i64(s, st, 1, id, err);
    rc = rc == 0 ? run(s, st, &n, "using a code", err) : rc;
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    *won = rc == 0 && n > 0;
    return rc;
}

/* ---- TOTP ---- */

int cpc_pstore_totp_put(struct cpc_pstore *s, int64_t user, const uint8_t *sealed, size_t len,
                        uint64_t now_ms, struct cpc_err *err)
{
    if (len == 0 || len > CPC_PTOTP_SEALED_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "sealed TOTP secret has a bad size");
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = xs(s, X_TOTP_PUT);
    int rc, n = 0;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
        (rc = bind_blob(s, st, 2, sealed, len, err)) == 0 &&
        (rc = bind_u64(s, st, 3, now_ms, err)) == 0)
        rc = run(s, st, &n, "storing a TOTP secret", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    if (rc == 0 && n == 0)
        rc = cpc_err_set(err, CPC_ERR_DUPLICATE, "two-factor authentication is already enabled");
    return rc;
}

int cpc_pstore_totp_get(struct cpc_pstore *s, int64_t user, uint8_t *buf, size_t cap,
                        size_t *len, int *enabled, uint64_t *last_step, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = xs(s, X_TOTP_GET);
    int rc = bind_i64(s, st, 1, user, err);
    if (rc == 0) {
        if ((rc = step_row(s, st, "no TOTP secret", "reading a TOTP secret", err)) == 1) {
            rc = 0;
            size_t n = (size_t)sqlite3_column_bytes(st, 0);
            if (n > cap) {
                rc = cpc_err_set(err, CPC_ERR_TOO_LARGE, "stored TOTP secret too large");
            } else {
                memcpy(buf, sqlite3_column_blob(st, 0), n);
                *len = n;
                *enabled = sqlite3_column_int(st, 1);
                *last_step = col_u64(st, 2);
            }
        }
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_totp_use_step(struct cpc_pstore *s, int64_t user, uint64_t step, int *ok,
                             struct cpc_err *err)
{
    if (step > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "time step out of range");
    int n = 0;
    int rc = exec_id_value(s, X_TOTP_STEP, user, NULL, (int64_t)step, &n, "using a TOTP step", err);
    *ok = rc == 0 && n > 0;
    return rc;
}

int cpc_pstore_totp_enable(struct cpc_pstore *s, int64_t user, uint64_t step,
                           const uint8_t hashes[][32], struct cpc_err *err)
{
    if (step > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "time step out of range");
    int n = 0, rc = cpc__pstore_tx_begin(s, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = xs(s, X_TOTP_ENABLE);
    if ((rc = bind_i64(s, st, 1, user, err)) || (rc = bind_i64(s, st, 2, (int64_t)step, err)) ||
        (rc = run(s, st, &n, "enabling 2FA", err)))
        goto end;
    if (n == 0) {
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no pending TOTP secret");
        goto end;
    }
    st = xs(s, X_REC_DEL);
    if ((rc = bind_i64(s, st, 1, user, err)) || (rc = run(s, st, NULL, "clearing codes", err)))
        goto end;
    st = xs(s, X_REC_INS);
    for (int i = 0; i < CPC_RECOVERY_CODES; i++)
        if ((rc = bind_i64(s, st, 1, user, err)) || (rc = bind_blob(s, st, 2, hashes[i], 32, err)) ||
            (rc = run(s, st, NULL, "storing a recovery code", err)))
            goto end;
end:
    return cpc__pstore_tx_end(s, rc, st, err);
}

int cpc_pstore_totp_disable(struct cpc_pstore *s, int64_t user, struct cpc_err *err)
{
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = xs(s, X_TOTP_DEL);
    if ((rc = bind_i64(s, st, 1, user, err)) || (rc = run(s, st, NULL, "disabling 2FA", err)))
        goto end;
    st = xs(s, X_REC_DEL);
    if ((rc = bind_i64(s, st, 1, user, err)) || (rc = run(s, st, NULL, "clearing codes", err)))
        goto end;
end:
    return cpc__pstore_tx_end(s, rc, st, err);
}

int cpc_pstore_recovery_use(struct cpc_pstore *s, int64_t user, const uint8_t hash[32], int *ok,
                            struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = xs(s, X_REC_USE);
    int rc, n = 0;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 && (rc = bind_blob(s, st, 2, hash, 32, err)) == 0)
        rc = run(s, st, &n, "using a recovery code", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    *ok = rc == 0 && n > 0;
    return rc;
}

/* ---- reads ---- */

int cpc_pstore_attempt_list(struct cpc_pstore *s, const char *email, uint32_t offset,
                            struct cpc_pattempt *rows, size_t cap, size_t *n,
                            struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = xs(s, X_ATT_LIST);
    int rc;
    if ((rc = bind_text(s, st, 1, email, err)) == 0 &&
        (rc = bind_i64(s, st, 2, (int64_t)cap, err)) == 0 &&
        (rc = bind_i64(s, st, 3, offset, err)) == 0) {
        int src = SQLITE_DONE;
        while (*n < cap && (src = sqlite3_step(st)) == SQLITE_ROW) {
            struct cpc_pattempt *a = &rows[(*n)++];
            memset(a, 0, sizeof *a);
            a->id = sqlite3_column_int64(st, 0);
            copy_col(a->ip, sizeof a->ip, st, 1);
            copy_col(a->user_agent, sizeof a->user_agent, st, 2);
            a->ms = col_u64(st, 3);
            a->success = sqlite3_column_int(st, 4);
        }
        if (*n < cap && src != SQLITE_DONE)
            rc = fail(s, src, "reading login attempts", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_audit_list(struct cpc_pstore *s, uint32_t offset, struct cpc_paudit *rows,
                          size_t cap, size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = xs(s, X_AUDIT_LIST);
    int rc;
    if ((rc = bind_i64(s, st, 1, (int64_t)cap, err)) == 0 &&
        (rc = bind_i64(s, st, 2, offset, err)) == 0) {
        int src = SQLITE_DONE;
        while (*n < cap && (src = sqlite3_step(st)) == SQLITE_ROW) {
            struct cpc_paudit *a = &rows[(*n)++];
            memset(a, 0, sizeof *a);
            a->id = sqlite3_column_int64(st, 0);
            a->ms = col_u64(st, 1);
            a->user = sqlite3_column_int64(st, 2);
            copy_col(a->event, sizeof a->event, st, 3);
            copy_col(a->detail, sizeof a->detail, st, 4);
        }
        if (*n < cap && src != SQLITE_DONE)
            rc = fail(s, src, "reading the audit log", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

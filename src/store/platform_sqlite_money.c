/* platform_sqlite_money.c — the money part of platform_store.h for SQLite:
 * fiat deposits credited on the ledger and withdrawal requests (platform
 * migration 8, tables deposits and withdrawals).
 *
 * Design note. Same connection, mutex and rules as platform_sqlite.c: every
 * statement is prepared once at open and reset after use, no SQL is built
 * from data. A deposit is reserved under its reference (UNIQUE) before its
 * transfer is signed, so the same reference can never credit twice; the tx
 * hash is set after admission, and a reservation whose transfer was not
 * admitted is deleted again. A withdrawal is inserted by one statement that
 * also checks the user's pending sum and count (INSERT ... SELECT ... WHERE),
 * so concurrent requests cannot lock more than the caller's balance. Every
 * state change is a conditional UPDATE on the current status, so each
 * happens once.
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

const char cpc__pstore_money_sql[] =
    "CREATE TABLE deposits("
    "  reference TEXT PRIMARY KEY CHECK (length(reference) BETWEEN 1 AND 128),"
    "  user INTEGER NOT NULL REFERENCES users(id),"
    "  amount INTEGER NOT NULL CHECK (amount > 0),"
    "  tx_hash TEXT NOT NULL DEFAULT '' CHECK (length(tx_hash) IN (0, 64)),"
    "  created_ms INTEGER NOT NULL CHECK (created_ms >= 0),"
    "  created_by INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX deposits_user ON deposits(user, created_ms);"
    "CREATE TABLE withdrawals("
    "  id TEXT PRIMARY KEY CHECK (length(id) = 36),"
    "  user INTEGER NOT NULL REFERENCES users(id),"
    "  amount INTEGER NOT NULL CHECK (amount > 0),"
    "  method TEXT NOT NULL CHECK (method IN ('card', 'sbp', 'usdt_trc20', 'usdt_erc20', "
    "'btc')),"
    "  destination TEXT NOT NULL CHECK (length(destination) BETWEEN 1 AND 128),"
    "  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),"
    "  tx_hash TEXT NOT NULL DEFAULT '' CHECK (length(tx_hash) IN (0, 64)),"
    "  reason TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500),"
    "  created_ms INTEGER NOT NULL CHECK (created_ms >= 0),"
    "  decided_ms INTEGER NOT NULL DEFAULT 0,"
    "  decided_by INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX withdrawals_user ON withdrawals(user, created_ms);"
    "CREATE INDEX withdrawals_pending ON withdrawals(user) WHERE status = 'pending';";

#define WD_COLS                                                                                \
    "id, user, amount, method, destination, status, tx_hash, reason, created_ms, decided_ms, " \
    "decided_by"

enum mstmt {
    MN_DEP_RESERVE,
    MN_DEP_CONFIRM,
    MN_DEP_CANCEL,
    MN_DEP_GET,
    MN_WD_ADD,
    MN_WD_LOCKED,
    MN_WD_GET,
    MN_WD_LIST,
    MN_WD_DECIDE,
    MN_WD_SET_TX,
    MN_WD_UNDO,
    MN__COUNT
};

static const char *const msql[MN__COUNT] = {
    [MN_DEP_RESERVE] = "INSERT INTO deposits(reference, user, amount, created_ms, created_by) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)",
    [MN_DEP_CONFIRM] = "UPDATE deposits SET tx_hash = ?2 WHERE reference = ?1 AND tx_hash = ''",
    [MN_DEP_CANCEL] = "DELETE FROM deposits WHERE reference = ?1 AND tx_hash = ''",
    [MN_DEP_GET] = "SELECT reference, user, amount, tx_hash, created_ms, created_by "
                   "FROM deposits WHERE reference = ?1",
    /* ?3 amount; ?9 the balance the pending sum plus this one may reach; ?10 the count cap */
    [MN_WD_ADD] = "INSERT INTO withdrawals(id, user, amount, method, destination, status, "
                  "created_ms) SELECT ?1, ?2, ?3, ?4, ?5, 'pending', ?6 "
                  "WHERE (SELECT coalesce(sum(amount), 0) FROM withdrawals "
                  "       WHERE user = ?2 AND status = 'pending') + ?3 <= ?7 "
                  "AND (SELECT count(*) FROM withdrawals "
                  "     WHERE user = ?2 AND status = 'pending') < ?8",
    [MN_WD_LOCKED] = "SELECT coalesce(sum(amount), 0), count(*) FROM withdrawals "
                     "WHERE user = ?1 AND status = 'pending'",
    [MN_WD_GET] = "SELECT " WD_COLS " FROM withdrawals WHERE id = ?1",
    [MN_WD_LIST] = "SELECT " WD_COLS " FROM withdrawals WHERE user = ?1 "
                   "ORDER BY created_ms DESC, id LIMIT ?2 OFFSET ?3",
    [MN_WD_DECIDE] = "UPDATE withdrawals SET status = ?2, reason = ?3, decided_ms = ?4, "
                     "decided_by = ?5 WHERE id = ?1 AND status = 'pending'",
    [MN_WD_SET_TX] = "UPDATE withdrawals SET tx_hash = ?2 WHERE id = ?1 AND status = 'approved' "
                     "AND tx_hash = ''",
    [MN_WD_UNDO] = "UPDATE withdrawals SET status = 'pending', decided_ms = 0, decided_by = 0 "
                   "WHERE id = ?1 AND status = 'approved' AND tx_hash = ''",
};

static sqlite3_stmt *mn(struct cpc_pstore *s, enum mstmt i) { return s->money[i]; }

int cpc__pstore_money_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->money = calloc(MN__COUNT, sizeof *s->money);
    if (!s->money)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < MN__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, msql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->money[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_money_close(struct cpc_pstore *s)
{
    if (!s->money)
        return;
    for (int i = 0; i < MN__COUNT; i++)
        sqlite3_finalize(s->money[i]);
    free(s->money);
    s->money = NULL;
}

/* ---- deposits ---- */

int cpc_pstore_deposit_reserve(struct cpc_pstore *s, const struct cpc_pdeposit *d,
                               struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mn(s, MN_DEP_RESERVE);
    int rc;
    if ((rc = bind_text(s, st, 1, d->reference, err)) == 0 &&
        (rc = bind_i64(s, st, 2, d->user, err)) == 0 &&
        (rc = bind_u64(s, st, 3, d->amount, err)) == 0 &&
        (rc = bind_u64(s, st, 4, d->created_ms, err)) == 0 &&
        (rc = bind_i64(s, st, 5, d->created_by, err)) == 0)
        rc = run(s, st, NULL, "reserving a deposit", err);
    else
        cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Run the statement i with reference and (may be NULL) text as ?1, ?2; *changes its count. */
static int by_reference(struct cpc_pstore *s, enum mstmt i, const char *ref, const char *text,
                        int *changes, const char *what, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mn(s, i);
    int rc = bind_text(s, st, 1, ref, err);
    if (rc == 0 && text)
        rc = bind_text(s, st, 2, text, err);
    if (rc == 0)
        rc = run(s, st, changes, what, err);
    else
        cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_deposit_confirm(struct cpc_pstore *s, const char *reference, const char *tx_hash,
                               struct cpc_err *err)
{
    return by_reference(s, MN_DEP_CONFIRM, reference, tx_hash, NULL, "confirming a deposit", err);
}

int cpc_pstore_deposit_cancel(struct cpc_pstore *s, const char *reference, struct cpc_err *err)
{
    return by_reference(s, MN_DEP_CANCEL, reference, NULL, NULL, "cancelling a deposit", err);
}

int cpc_pstore_deposit_get(struct cpc_pstore *s, const char *reference, struct cpc_pdeposit *d,
                           struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mn(s, MN_DEP_GET);
    int rc = bind_text(s, st, 1, reference, err);
    if (rc == 0 && (rc = step_row(s, st, "no such deposit", "reading a deposit", err)) == 1) {
        rc = 0;
        memset(d, 0, sizeof *d);
        copy_col(d->reference, sizeof d->reference, st, 0);
        d->user = sqlite3_column_int64(st, 1);
        d->amount = col_u64(st, 2);
        copy_col(d->tx_hash, sizeof d->tx_hash, st, 3);
        d->created_ms = col_u64(st, 4);
        d->created_by = sqlite3_column_int64(st, 5);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- withdrawals ---- */

int cpc_pstore_withdrawal_add(struct cpc_pstore *s, const struct cpc_pwithdrawal *w,
                              uint64_t balance, uint32_t max_pending, int *added,
                              struct cpc_err *err)
{
    *added = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mn(s, MN_WD_ADD);
    int rc;
    if ((rc = bind_text(s, st, 1, w->id, err)) == 0 &&
        (rc = bind_i64(s, st, 2, w->user, err)) == 0 &&
        (rc = bind_u64(s, st, 3, w->amount, err)) == 0 &&
        (rc = bind_text(s, st, 4, w->method, err)) == 0 &&
        (rc = bind_text(s, st, 5, w->destination, err)) == 0 &&
        (rc = bind_u64(s, st, 6, w->created_ms, err)) == 0 &&
        (rc = bind_u64(s, st, 7, balance, err)) == 0 &&
        (rc = bind_i64(s, st, 8, max_pending, err)) == 0)
        rc = run(s, st, added, "adding a withdrawal", err);
    else
        cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_withdrawal_locked(struct cpc_pstore *s, int64_t user, uint64_t *sum,
                                 uint32_t *count, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mn(s, MN_WD_LOCKED);
    int rc = bind_i64(s, st, 1, user, err);
    if (rc == 0 && (rc = step_row(s, st, "no sum", "summing withdrawals", err)) == 1) {
        rc = 0;
        *sum = col_u64(st, 0);
        if (count)
            *count = (uint32_t)col_u64(st, 1);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static void withdrawal_row(sqlite3_stmt *st, struct cpc_pwithdrawal *w)
{
    memset(w, 0, sizeof *w);
    copy_col(w->id, sizeof w->id, st, 0);
    w->user = sqlite3_column_int64(st, 1);
    w->amount = col_u64(st, 2);
    copy_col(w->method, sizeof w->method, st, 3);
    copy_col(w->destination, sizeof w->destination, st, 4);
    copy_col(w->status, sizeof w->status, st, 5);
    copy_col(w->tx_hash, sizeof w->tx_hash, st, 6);
    copy_col(w->reason, sizeof w->reason, st, 7);
    w->created_ms = col_u64(st, 8);
    w->decided_ms = col_u64(st, 9);
    w->decided_by = sqlite3_column_int64(st, 10);
}

int cpc_pstore_withdrawal_get(struct cpc_pstore *s, const char *id, struct cpc_pwithdrawal *w,
                              struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mn(s, MN_WD_GET);
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 &&
        (rc = step_row(s, st, "no such withdrawal", "reading a withdrawal", err)) == 1) {
        rc = 0;
        withdrawal_row(st, w);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_withdrawal_list(struct cpc_pstore *s, int64_t user, uint32_t offset,
                               struct cpc_pwithdrawal *rows, size_t cap, size_t *n,
                               struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mn(s, MN_WD_LIST);
    int rc;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
        (rc = bind_i64(s, st, 2, (int64_t)cap, err)) == 0 &&
        (rc = bind_i64(s, st, 3, offset, err)) == 0) {
        int src;
        while (*n < cap && (src = sqlite3_step(st)) == SQLITE_ROW)
            withdrawal_row(st, &rows[(*n)++]);
        if (*n < cap && src != SQLITE_DONE)
            rc = fail(s, src, "listing withdrawals", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_withdrawal_decide(struct cpc_pstore *s, const char *id, const char *status,
                                 const char *reason, int64_t admin, uint64_t now_ms,
                                 int *changed, struct cpc_err *err)
{
    *changed = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mn(s, MN_WD_DECIDE);
    int rc;
    if ((rc = bind_text(s, st, 1, id, err)) == 0 && (rc = bind_text(s, st, 2, status, err)) == 0 &&
        (rc = bind_text(s, st, 3, reason, err)) == 0 &&
        (rc = bind_u64(s, st, 4, now_ms, err)) == 0 && (rc = bind_i64(s, st, 5, admin, err)) == 0)
        rc = run(s, st, changed, "deciding a withdrawal", err);
    else
        cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_withdrawal_set_tx(struct cpc_pstore *s, const char *id, const char *tx_hash,
                                 struct cpc_err *err)
{
    return by_reference(s, MN_WD_SET_TX, id, tx_hash, NULL, "recording a withdrawal's tx", err);
}

int cpc_pstore_withdrawal_undo(struct cpc_pstore *s, const char *id, struct cpc_err *err)
{
    return by_reference(s, MN_WD_UNDO, id, NULL, NULL, "undoing a withdrawal's approval", err);
}

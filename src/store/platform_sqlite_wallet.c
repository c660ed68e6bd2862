/* platform_sqlite_wallet.c — the custodial-send part of platform_store.h for SQLite:
 * the accounting of custodial sends (platform migration 4, table
 * wallet_sends), which the per-user daily limit of POST /me/wallet/send sums.
 *
 * Design note. Same connection, mutex and rules as platform_sqlite.c: every
 * statement is prepared once at open and reset after use, no SQL is built
 * from data. A send is recorded before it is signed (a reservation, tx hash
 * ""), confirmed with its hash once admitted, deleted when signing or
 * admission fails; a crash in between leaves the reservation counted, which
 * errs on the side of the limit. The limit test and the insert are one
 * statement (INSERT ... SELECT ... WHERE sum + amount <= limit) inside one
 * transaction that first drops the user's rows already out of the window,
 * so two reservations cannot both pass a limit even without the caller's
 * lock. Amounts are base units, at most 2^63-1 each; the caller keeps
 * limit <= 2^63-1, so a window's sum under a limit never overflows.
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

const char cpc__pstore_wallet_sql[] =
    "CREATE TABLE wallet_sends("
    "  id INTEGER PRIMARY KEY,"
    "  user INTEGER NOT NULL REFERENCES users(id),"
    "  ms INTEGER NOT NULL CHECK (ms >= 0),"
    "  amount INTEGER NOT NULL CHECK (amount > 0),"
    "  tx_hash TEXT NOT NULL DEFAULT '' CHECK (tx_hash = '' OR length(tx_hash) = 64)"
    ") STRICT;"
    "CREATE INDEX wallet_sends_user ON wallet_sends(user, ms);";

enum wstmt {
    WS_PRUNE,
    WS_RESERVE,
    WS_CONFIRM,
    WS_CANCEL,
    WS_SUM,
    WS_OLDEST,
    WS__COUNT
};

static const char *const wsql[WS__COUNT] = {
    [WS_PRUNE] = "DELETE FROM wallet_sends WHERE user = ?1 AND ms <= ?2",
    /* ?5 = 0: no limit; else the caller checked amount <= limit */
    [WS_RESERVE] = ("INSERT INTO wallet_sends(user, ms, amount) SELECT ?1, ?2, ?3 "
                   "WHERE ?5 = 0 OR (SELECT coalesce(sum(amount), 0) FROM wallet_sends "
                   "WHERE user = ?1 AND ms > ?4) <= ?5 - ?3"),
    [WS_CONFIRM] = "UPDATE wallet_sends SET tx_hash = ?2 WHERE id = ?1",
    [WS_CANCEL] = "DELETE FROM wallet_sends WHERE id = ?1",
    [WS_SUM] = ("SELECT coalesce(sum(amount), 0), count(*), coalesce(min(ms), 0) "
               "FROM wallet_sends WHERE user = ?1 AND ms > ?2"),
    [WS_OLDEST] = "SELECT coalesce(sum(amount), 0) FROM wallet_sends WHERE user = ?1 AND ms = ?2",
};

static sqlite3_stmt *ws(struct cpc_pstore *s, enum wstmt i) { return s->wallet[i]; }

int cpc__pstore_wallet_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->wallet = calloc(WS__COUNT, sizeof *s->wallet);
    if (!s->wallet)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < WS__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, wsql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->wallet[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_wallet_close(struct cpc_pstore *s)
{
    if (!s->wallet)
        return;
    for (int i = 0; i < WS__COUNT; i++)
        sqlite3_finalize(s->wallet[i]);
    free(s->wallet);
    s->wallet = NULL;
}

int cpc_pstore_send_reserve(struct cpc_pstore *s, int64_t user, uint64_t now_ms,
                            uint64_t since_ms, uint64_t amount, uint64_t limit, int64_t *id,
                            int *ok, struct cpc_err *err)
{
    *ok = 0;
    *id = 0;
    if (amount == 0 || amount > (uint64_t)INT64_MAX || limit > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "send accounting: amount or limit out of range");
    if (limit && amount > limit)
        return 0; /* can never fit: nothing to write */
    int n = 0, rc = cpc__pstore_tx_begin(s, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = ws(s, WS_PRUNE);
    if ((rc = bind_i64(s, st, 1, user, err)) != 0 || (rc = bind_u64(s, st, 2, since_ms, err)) != 0 ||
        (rc = run(s, st, NULL, "pruning old sends", err)) != 0)
        goto end;
    st = ws(s, WS_RESERVE);
    if ((rc = bind_i64(s, st, 1, user, err)) != 0 || (rc = bind_u64(s, st, 2, now_ms, err)) != 0 ||
        (rc = bind_u64(s, st, 3, amount, err)) != 0 ||
        (rc = bind_u64(s, st, 4, since_ms, err)) != 0 ||
        (rc = bind_u64(s, st, 5, limit, err)) != 0 ||
        (rc = run(s, st, &n, "recording a send", err)) != 0)
        goto end;
    if (n > 0)
        *id = sqlite3_last_insert_rowid(s->db);
end:
    if ((rc = cpc__pstore_tx_end(s, rc, st, err)) != 0)
        *id = 0;
    else
        *ok = n > 0;
    return rc;
}

int cpc_pstore_send_confirm(struct cpc_pstore *s, int64_t id, const char *tx_hash,
                            struct cpc_err *err)
{
    if (strlen(tx_hash) != 64)
        return cpc_err_set(err, CPC_ERR_INVALID, "send accounting: a tx hash is 64 hex");
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ws(s, WS_CONFIRM);
    int n = 0, rc;
    if ((rc = bind_i64(s, st, 1, id, err)) == 0 && (rc = bind_text(s, st, 2, tx_hash, err)) == 0)
        rc = run(s, st, &n, "confirming a send", err);
    if (rc == 0 && n == 0)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no send %lld", (long long)id);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_send_cancel(struct cpc_pstore *s, int64_t id, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ws(s, WS_CANCEL);
    int rc = bind_i64(s, st, 1, id, err);
    rc = rc == 0 ? run(s, st, NULL, "cancelling a send", err) : rc;
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_send_window(struct cpc_pstore *s, int64_t user, uint64_t since_ms,
                           struct cpc_psend_window *w, struct cpc_err *err)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = ws(s, WS_SUM);
    int rc;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 && (rc = bind_u64(s, st, 2, since_ms, err)) == 0 &&
        (rc = step_row(s, st, "no sum", "summing sends", err)) == 1) {
        rc = 0;
        w->sum = col_u64(st, 0);
        w->count = (uint32_t)col_u64(st, 1);
        w->oldest_ms = col_u64(st, 2);
    }
    cpc__store_stmt_done(st);
    if (rc == 0 && w->count > 0) {
        st = ws(s, WS_OLDEST);
        if ((rc = bind_i64(s, st, 1, user, err)) == 0 &&
            (rc = bind_u64(s, st, 2, w->oldest_ms, err)) == 0 &&
            (rc = step_row(s, st, "no sum", "summing sends", err)) == 1) {
            rc = 0;
            w->oldest_amount = col_u64(st, 0);
        }
        cpc__store_stmt_done(st);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

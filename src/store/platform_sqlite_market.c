/* platform_sqlite_market.c — the marketplace connectors' rows (platform
 * migration 15; market_connector_store.h).
 *
 * Design note. marketplace_servers holds, per (server, marketplace), the
 * provider's opt-in and what the sync loop last did (machine id, listed
 * price, state, booked, last sync and error); it has no foreign key to
 * gpu_servers so that a deleted server's row stays, and the sync loop sees
 * the deletion through its LEFT JOIN and unlists the machine.
 * marketplace_bookings keeps one row per booking seen (one open row per
 * server at most: a partial UNIQUE index). marketplace_earnings is the
 * exactly-once record of the credits: period_id is the PRIMARY KEY, and the
 * row (with the signed transfer's hash and JSON) is written before the
 * transfer is submitted, so a crash between the two leaves a pending row that
 * the loop reconciles by looking the hash up. The common case is a handful of
 * servers per provider: every statement is an indexed lookup or a bounded
 * scan in id order.
 */
#include <stdlib.h>
#include <string.h>

#include "market_connector_store.h"
#include "platform_sqlite_internal.h"

const char cpc__pstore_market_sql[] =
    "CREATE TABLE marketplace_servers("
    "  server_id TEXT NOT NULL CHECK (length(server_id) = 36),"
    "  market TEXT NOT NULL CHECK (length(market) BETWEEN 1 AND 15),"
    "  opted_in INTEGER NOT NULL CHECK (opted_in IN (0, 1)),"
    "  machine_id INTEGER NOT NULL DEFAULT 0 CHECK (machine_id >= 0),"
    "  published_price INTEGER NOT NULL DEFAULT 0 CHECK (published_price >= 0),"
    "  published_base INTEGER NOT NULL DEFAULT 0 CHECK (published_base >= 0),"
    "  state TEXT NOT NULL CHECK (state IN ('pending','published','booked','unlisted')),"
    "  booked INTEGER NOT NULL DEFAULT 0 CHECK (booked IN (0, 1)),"
    "  last_sync_ms INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT NOT NULL DEFAULT '',"
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (server_id, market)"
    ") STRICT;"
    "CREATE INDEX marketplace_servers_market ON marketplace_servers(market, server_id);"
    "CREATE TABLE marketplace_bookings("
    "  id INTEGER PRIMARY KEY,"
    "  market TEXT NOT NULL,"
    "  server_id TEXT NOT NULL,"
    "  machine_id INTEGER NOT NULL,"
    "  started_ms INTEGER NOT NULL,"
    "  ended_ms INTEGER"
    ") STRICT;"
    "CREATE UNIQUE INDEX marketplace_bookings_open ON marketplace_bookings(market, server_id)"
    "  WHERE ended_ms IS NULL;"
    "CREATE TABLE marketplace_earnings("
    "  period_id TEXT PRIMARY KEY CHECK (length(period_id) BETWEEN 1 AND 63),"
    "  market TEXT NOT NULL,"
    "  server_id TEXT NOT NULL,"
    "  provider INTEGER NOT NULL,"
    "  gross INTEGER NOT NULL CHECK (gross >= 0),"
    "  commission INTEGER NOT NULL CHECK (commission >= 0),"
    "  amount INTEGER NOT NULL CHECK (amount >= 0),"
    "  to_addr TEXT NOT NULL,"
    "  tx_hash TEXT NOT NULL,"
    "  tx_json TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('pending','credited')),"
    "  created_ms INTEGER NOT NULL,"
    "  credited_ms INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX marketplace_earnings_state ON marketplace_earnings(market, state, period_id);"
    "CREATE TABLE marketplace_connectors("
    "  market TEXT PRIMARY KEY,"
    "  last_sync_ms INTEGER NOT NULL,"
    "  last_error TEXT NOT NULL"
    ") STRICT;";

enum mstmt {
    MK_OPT, MK_GET, MK_LIST, MK_SAVE, MK_BOOK_OPEN, MK_BOOK_CLOSE, MK_BOOKED, MK_PGET,
    MK_PINTENT, MK_PRETX, MK_PDONE, MK_PPENDING, MK_SYNC, MK_STATS, MK__COUNT
};

#define SERVER_COLS                                                                            \
    "SELECT m.server_id, m.opted_in, m.machine_id, m.published_price, m.published_base, "        \
    "m.state, m.booked, m.last_sync_ms, m.last_error, g.id IS NULL, "                           \
    "EXISTS (SELECT 1 FROM rentals r WHERE r.server_id = m.server_id AND r.ended_ms IS NULL), " \
    "coalesce(g.owner, 0), coalesce(g.host, ''), coalesce(g.price_per_gpu_hour, 0), "           \
    "coalesce(g.gpu_count, 0) FROM marketplace_servers m LEFT JOIN gpu_servers g ON "           \
    "g.id = m.server_id "

#define PERIOD_COLS                                                                            \
    "SELECT period_id, market, server_id, provider, gross, commission, amount, to_addr, "        \
    "tx_hash, tx_json, state, created_ms, credited_ms FROM marketplace_earnings "

static const char *const msql[MK__COUNT] = {
    [MK_OPT] = "INSERT INTO marketplace_servers(server_id, market, opted_in, state, updated_ms) "
               "VALUES (?1, ?2, ?3, 'pending', ?4) ON CONFLICT(server_id, market) DO UPDATE "
               "SET opted_in = ?3, updated_ms = ?4",
    [MK_GET] = SERVER_COLS "WHERE m.server_id = ?1 AND m.market = ?2",
    [MK_LIST] = SERVER_COLS "WHERE m.market = ?1 AND m.server_id > ?2 ORDER BY m.server_id "
                            "LIMIT ?3",
    [MK_SAVE] = "UPDATE marketplace_servers SET machine_id = ?3, published_price = ?4, "
                "published_base = ?5, state = ?6, booked = ?7, last_sync_ms = ?8, "
                "last_error = ?9, updated_ms = ?8 WHERE server_id = ?1 AND market = ?2",
    [MK_BOOK_OPEN] = "INSERT OR IGNORE INTO marketplace_bookings(market, server_id, machine_id, "
                     "started_ms) VALUES (?1, ?2, ?3, ?4)",
    [MK_BOOK_CLOSE] = "UPDATE marketplace_bookings SET ended_ms = ?3 WHERE market = ?1 AND "
                      "server_id = ?2 AND ended_ms IS NULL",
    [MK_BOOKED] = "SELECT EXISTS (SELECT 1 FROM marketplace_servers WHERE server_id = ?1 AND "
                  "booked = 1)",
    [MK_PGET] = PERIOD_COLS "WHERE period_id = ?1",
    [MK_PINTENT] = "INSERT INTO marketplace_earnings(period_id, market, server_id, provider, "
                   "gross, commission, amount, to_addr, tx_hash, tx_json, state, created_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', ?11)",
    [MK_PRETX] = "UPDATE marketplace_earnings SET tx_hash = ?2, tx_json = ?3 WHERE "
                 "period_id = ?1 AND state = 'pending'",
    [MK_PDONE] = "UPDATE marketplace_earnings SET state = 'credited', credited_ms = ?2 WHERE "
                 "period_id = ?1",
    [MK_PPENDING] = PERIOD_COLS "WHERE market = ?1 AND state = 'pending' ORDER BY period_id "
                                "LIMIT ?2",
    [MK_SYNC] = "INSERT INTO marketplace_connectors(market, last_sync_ms, last_error) VALUES "
                "(?1, ?2, ?3) ON CONFLICT(market) DO UPDATE SET last_sync_ms = ?2, "
                "last_error = ?3",
    [MK_STATS] =
        "SELECT (SELECT last_sync_ms FROM marketplace_connectors WHERE market = ?1), "
        "(SELECT last_error FROM marketplace_connectors WHERE market = ?1), "
        "(SELECT count(*) FROM marketplace_servers WHERE market = ?1 AND opted_in = 1), "
        "(SELECT count(*) FROM marketplace_servers WHERE market = ?1 AND "
        "  state IN ('published', 'booked')), "
        "(SELECT count(*) FROM marketplace_bookings WHERE market = ?1), "
        "(SELECT count(*) FROM marketplace_bookings WHERE market = ?1 AND ended_ms IS NULL), "
        "(SELECT count(*) FROM marketplace_earnings WHERE market = ?1 AND state = 'credited'), "
        "(SELECT count(*) FROM marketplace_earnings WHERE market = ?1 AND state = 'pending'), "
        "(SELECT coalesce(sum(amount), 0) FROM marketplace_earnings WHERE market = ?1 AND "
        "  state = 'credited')",
};

static sqlite3_stmt *mt(struct cpc_pstore *s, enum mstmt i) { return s->market[i]; }

int cpc__pstore_market_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->market = calloc(MK__COUNT, sizeof *s->market);
    if (!s->market)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < MK__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, msql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->market[i], NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_market_close(struct cpc_pstore *s)
{
    if (!s->market)
        return;
    for (int i = 0; i < MK__COUNT; i++)
        sqlite3_finalize(s->market[i]);
    free(s->market);
    s->market = NULL;
}

static void server_row(sqlite3_stmt *st, struct cpc_pmarket_server *r)
{
    memset(r, 0, sizeof *r);
    copy_col(r->server_id, sizeof r->server_id, st, 0);
    r->opted_in = sqlite3_column_int(st, 1);
    r->machine_id = sqlite3_column_int64(st, 2);
    r->published_price = col_u64(st, 3);
    r->published_base = col_u64(st, 4);
    copy_col(r->state, sizeof r->state, st, 5);
    r->booked = sqlite3_column_int(st, 6);
    r->last_sync_ms = col_u64(st, 7);
    copy_col(r->last_error, sizeof r->last_error, st, 8);
    r->deleted = sqlite3_column_int(st, 9);
    r->rented = sqlite3_column_int(st, 10);
    r->owner = sqlite3_column_int64(st, 11);
    copy_col(r->host, sizeof r->host, st, 12);
    r->price_per_gpu_hour = col_u64(st, 13);
    r->gpu_count = (uint32_t)col_u64(st, 14);
}

static void period_row(sqlite3_stmt *st, struct cpc_pmarket_period *p)
{
    memset(p, 0, sizeof *p);
    copy_col(p->period_id, sizeof p->period_id, st, 0);
    copy_col(p->market, sizeof p->market, st, 1);
    copy_col(p->server_id, sizeof p->server_id, st, 2);
    p->provider = sqlite3_column_int64(st, 3);
    p->gross = col_u64(st, 4);
    p->commission = col_u64(st, 5);
    p->amount = col_u64(st, 6);
    copy_col(p->to_addr, sizeof p->to_addr, st, 7);
    copy_col(p->tx_hash, sizeof p->tx_hash, st, 8);
    copy_col(p->tx_json, sizeof p->tx_json, st, 9);
    copy_col(p->state, sizeof p->state, st, 10);
    p->created_ms = col_u64(st, 11);
    p->credited_ms = col_u64(st, 12);
}

int cpc_pstore_market_opt(struct cpc_pstore *s, const char *server_id, const char *market,
                          int opted_in, uint64_t now_ms, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_OPT);
    int rc = bind_text(s, st, 1, server_id, err);
    if (rc == 0)
        rc = bind_text(s, st, 2, market, err);
    if (rc == 0)
        rc = bind_i64(s, st, 3, opted_in ? 1 : 0, err);
    if (rc == 0)
        rc = bind_u64(s, st, 4, now_ms, err);
    if (rc == 0)
        rc = run(s, st, NULL, "setting a marketplace opt-in", err);
    else
        cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_market_server_get(struct cpc_pstore *s, const char *server_id, const char *market,
                                 struct cpc_pmarket_server *out, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_GET);
    int rc = bind_text(s, st, 1, server_id, err);
    if (rc == 0)
        rc = bind_text(s, st, 2, market, err);
    if (rc == 0 && (rc = step_row(s, st, "not on this marketplace", "reading a marketplace row",
                                  err)) == 1) {
        server_row(st, out);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_market_servers(struct cpc_pstore *s, const char *market, const char *after,
                              struct cpc_pmarket_server *out, size_t cap, size_t *count,
                              struct cpc_err *err)
{
    *count = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_LIST);
    int rc = bind_text(s, st, 1, market, err);
    if (rc == 0)
        rc = bind_text(s, st, 2, after, err);
    if (rc == 0)
        rc = bind_u64(s, st, 3, cap, err);
    int src = SQLITE_DONE;
    while (rc == 0 && *count < cap && (src = sqlite3_step(st)) == SQLITE_ROW)
        server_row(st, &out[(*count)++]);
    if (rc == 0 && src != SQLITE_ROW && src != SQLITE_DONE)
        rc = fail(s, src, "listing marketplace rows", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int save_booking(struct cpc_pstore *s, const char *market,
                        const struct cpc_pmarket_server *r, int was_booked, struct cpc_err *err)
{
    if (r->booked == was_booked)
        return 0;
    sqlite3_stmt *st = mt(s, r->booked ? MK_BOOK_OPEN : MK_BOOK_CLOSE);
    int rc = bind_text(s, st, 1, market, err);
    if (rc == 0)
        rc = bind_text(s, st, 2, r->server_id, err);
    if (rc == 0 && r->booked)
        rc = bind_i64(s, st, 3, r->machine_id, err);
    if (rc == 0)
        rc = bind_u64(s, st, r->booked ? 4 : 3, r->last_sync_ms, err);
    if (rc == 0)
        return run(s, st, NULL, "recording a marketplace booking", err);
    cpc__store_stmt_done(st);
    return rc;
}

int cpc_pstore_market_server_save(struct cpc_pstore *s, const char *market,
                                  const struct cpc_pmarket_server *r, int was_booked,
                                  struct cpc_err *err)
{
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = mt(s, MK_SAVE);
    rc = bind_text(s, st, 1, r->server_id, err);
    if (rc == 0)
        rc = bind_text(s, st, 2, market, err);
    if (rc == 0)
        rc = bind_i64(s, st, 3, r->machine_id, err);
    if (rc == 0)
        rc = bind_u64(s, st, 4, r->published_price, err);
    if (rc == 0)
        rc = bind_u64(s, st, 5, r->published_base, err);
    if (rc == 0)
        rc = bind_text(s, st, 6, r->state, err);
    if (rc == 0)
        rc = bind_i64(s, st, 7, r->booked ? 1 : 0, err);
    if (rc == 0)
        rc = bind_u64(s, st, 8, r->last_sync_ms, err);
    if (rc == 0)
        rc = bind_text(s, st, 9, r->last_error, err);
    if (rc == 0)
        rc = run(s, st, NULL, "saving a marketplace row", err);
    else
        cpc__store_stmt_done(st);
    if (rc == 0)
        rc = save_booking(s, market, r, was_booked, err);
    return cpc__pstore_tx_end(s, rc, NULL, err);
}

int cpc_pstore_market_booked(struct cpc_pstore *s, const char *server_id, int *booked,
                             struct cpc_err *err)
{
    *booked = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_BOOKED);
    int rc = bind_text(s, st, 1, server_id, err);
    if (rc == 0 && (rc = step_row(s, st, "no answer", "is the server booked", err)) == 1) {
        *booked = sqlite3_column_int(st, 0) != 0;
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_market_period_get(struct cpc_pstore *s, const char *period_id,
                                 struct cpc_pmarket_period *out, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_PGET);
    int rc = bind_text(s, st, 1, period_id, err);
    if (rc == 0 && (rc = step_row(s, st, "no such period", "reading an earnings period",
                                  err)) == 1) {
        period_row(st, out);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_market_period_intent(struct cpc_pstore *s, const struct cpc_pmarket_period *p,
                                    struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_PINTENT);
    int rc = bind_text(s, st, 1, p->period_id, err);
    if (rc == 0)
        rc = bind_text(s, st, 2, p->market, err);
    if (rc == 0)
        rc = bind_text(s, st, 3, p->server_id, err);
    if (rc == 0)
        rc = bind_i64(s, st, 4, p->provider, err);
    if (rc == 0)
        rc = bind_u64(s, st, 5, p->gross, err);
    if (rc == 0)
        rc = bind_u64(s, st, 6, p->commission, err);
    if (rc == 0)
        rc = bind_u64(s, st, 7, p->amount, err);
    if (rc == 0)
        rc = bind_text(s, st, 8, p->to_addr, err);
    if (rc == 0)
        rc = bind_text(s, st, 9, p->tx_hash, err);
    if (rc == 0)
        rc = bind_text(s, st, 10, p->tx_json, err);
    if (rc == 0)
        rc = bind_u64(s, st, 11, p->created_ms, err);
    if (rc == 0)
        rc = run(s, st, NULL, "recording an earnings period", err);
    else
        cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_market_period_retx(struct cpc_pstore *s, const char *period_id,
                                  const char *tx_hash, const char *tx_json, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_PRETX);
    int rc = bind_text(s, st, 1, period_id, err);
    if (rc == 0)
        rc = bind_text(s, st, 2, tx_hash, err);
    if (rc == 0)
        rc = bind_text(s, st, 3, tx_json, err);
    int changes = 0;
    if (rc == 0)
        rc = run(s, st, &changes, "replacing a period's transfer", err);
    else
        cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    if (rc == 0 && changes == 0)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no pending period %s", period_id);
    return rc;
}

int cpc_pstore_market_period_done(struct cpc_pstore *s, const char *period_id, uint64_t now_ms,
                                  struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_PDONE);
    int rc = bind_text(s, st, 1, period_id, err);
    if (rc == 0)
        rc = bind_u64(s, st, 2, now_ms, err);
    if (rc == 0)
        rc = run(s, st, NULL, "marking a period credited", err);
    else
        cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_market_periods_pending(struct cpc_pstore *s, const char *market,
                                      struct cpc_pmarket_period *out, size_t cap, size_t *count,
                                      struct cpc_err *err)
{
    *count = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_PPENDING);
    int rc = bind_text(s, st, 1, market, err);
    if (rc == 0)
        rc = bind_u64(s, st, 2, cap, err);
    int src = SQLITE_DONE;
    while (rc == 0 && *count < cap && (src = sqlite3_step(st)) == SQLITE_ROW)
        period_row(st, &out[(*count)++]);
    if (rc == 0 && src != SQLITE_ROW && src != SQLITE_DONE)
        rc = fail(s, src, "listing pending periods", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_market_sync_set(struct cpc_pstore *s, const char *market, uint64_t now_ms,
                               const char *error, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_SYNC);
    int rc = bind_text(s, st, 1, market, err);
    if (rc == 0)
        rc = bind_u64(s, st, 2, now_ms, err);
    if (rc == 0)
        rc = bind_text(s, st, 3, error, err);
    if (rc == 0)
        rc = run(s, st, NULL, "recording a connector sync", err);
    else
        cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_market_stats(struct cpc_pstore *s, const char *market,
                            struct cpc_pmarket_stats *out, struct cpc_err *err)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = mt(s, MK_STATS);
    int rc = bind_text(s, st, 1, market, err);
    if (rc == 0 && (rc = step_row(s, st, "no answer", "reading a connector's figures",
                                  err)) == 1) {
        out->last_sync_ms = col_u64(st, 0);
        copy_col(out->last_error, sizeof out->last_error, st, 1);
        out->servers_opted_in = col_u64(st, 2);
        out->servers_published = col_u64(st, 3);
        out->bookings_total = col_u64(st, 4);
        out->bookings_open = col_u64(st, 5);
        out->periods_credited = col_u64(st, 6);
        out->periods_pending = col_u64(st, 7);
        out->earnings_credited = col_u64(st, 8);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

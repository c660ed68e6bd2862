/* platform_sqlite_internal.h — what platform_sqlite.c and its companion
 * files (platform_sqlite_account.c, _keys.c, _wallet.c, _servers.c, _money.c) share: the handle and
 * small statement helpers.
 *
 * Design note. Private to src/store. The handle holds one connection, its
 * mutex and four statement sets: platform_sqlite.c's in st, the account
 * statements in account (prepared by cpc__pstore_account_open), the API-key
 * and wallet-link statements in keys (cpc__pstore_keys_open) and the
 * custodial-send statements in wallet (cpc__pstore_wallet_open) and the
 * GPU-server statements in servers (cpc__pstore_servers_open). Helpers
 * expect the caller to hold s->mu; they return 0 or a negative cpc_errcode
 * with err filled.
 */
#ifndef CPC_STORE_PLATFORM_SQLITE_INTERNAL_H
#define CPC_STORE_PLATFORM_SQLITE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdint.h>

#include "platform_store.h"
#include "store_internal.h"

#define CPC__PSTORE_BASE_STMTS 64

struct cpc__pstore_reader;

struct cpc_pstore {
    sqlite3 *db;
    sqlite3_stmt *st[CPC__PSTORE_BASE_STMTS];
    sqlite3_stmt **account;       /* statements of platform_sqlite_account.c */
    sqlite3_stmt **keys;          /* statements of platform_sqlite_keys.c */
    sqlite3_stmt **wallet;        /* statements of platform_sqlite_wallet.c */
    sqlite3_stmt **servers;       /* statements of platform_sqlite_servers.c */
    sqlite3_stmt **rentals;       /* statements of platform_sqlite_rentals.c */
    sqlite3_stmt **money;         /* statements of platform_sqlite_money.c */
    sqlite3_stmt **rental_money;  /* statements of platform_sqlite_rental_money.c */
    sqlite3_stmt **stats;         /* statements of platform_sqlite_stats.c */
    sqlite3_stmt **orders;        /* statements of platform_sqlite_orders.c */
    sqlite3_stmt **admin;         /* statements of platform_sqlite_admin.c */
    sqlite3_stmt **dc;            /* statements of platform_sqlite_dc.c */
    sqlite3_stmt **market;        /* statements of platform_sqlite_market.c */
    sqlite3_stmt **webhooks;      /* statements of platform_sqlite_webhooks.c */
    struct cpc__pstore_reader *wh_reader; /* its read-only connection for picks (or NULL) */
    pthread_mutex_t mu;
    int version;
};

/* ---- small helpers (caller holds s->mu) ---- */

static inline int fail(struct cpc_pstore *s, int rc, const char *what, struct cpc_err *err)
{
    if ((rc & 0xff) == SQLITE_CONSTRAINT &&
        (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY))
        return cpc_err_set(err, CPC_ERR_DUPLICATE, "platform store: %s: already exists", what);
    return cpc__store_sqlerr(err, s->db, rc, what);
}

static inline int bind_i64(struct cpc_pstore *s, sqlite3_stmt *st, int col, int64_t v,
                    struct cpc_err *err)
{
    int rc = sqlite3_bind_int64(st, col, v);
    return rc == SQLITE_OK ? 0 : fail(s, rc, "binding", err);
}

static inline int bind_u64(struct cpc_pstore *s, sqlite3_stmt *st, int col, uint64_t v,
                    struct cpc_err *err)
{
    return cpc__store_bind_u64(s->db, st, col, v, "platform value", err);
}

static inline int bind_text(struct cpc_pstore *s, sqlite3_stmt *st, int col, const char *v,
                     struct cpc_err *err)
{
    int rc = sqlite3_bind_text(st, col, v ? v : "", -1, SQLITE_STATIC);
    return rc == SQLITE_OK ? 0 : fail(s, rc, "binding", err);
}

static inline int bind_blob(struct cpc_pstore *s, sqlite3_stmt *st, int col, const void *v, size_t n,
                     struct cpc_err *err)
{
    int rc = sqlite3_bind_blob64(st, col, n ? v : "", (sqlite3_uint64)n, SQLITE_STATIC);
    return rc == SQLITE_OK ? 0 : fail(s, rc, "binding", err);
}

/* Step the one-row query st: 1 when it gave a row (the caller reads it, then
 * resets st), else a negative cpc_errcode with err set: CPC_ERR_NOT_FOUND with
 * `missing` when it gave none, the SQLite error while `what` otherwise. */
static inline int step_row(struct cpc_pstore *s, sqlite3_stmt *st, const char *missing,
                           const char *what, struct cpc_err *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "%s", missing);
    return fail(s, rc, what, err);
}

/* Step a write statement to DONE; *changes (may be NULL) gets the row count. Resets st. */
static inline int run(struct cpc_pstore *s, sqlite3_stmt *st, int *changes, const char *what,
               struct cpc_err *err)
{
    int rc = sqlite3_step(st);
    int code = rc == SQLITE_DONE ? 0 : fail(s, rc, what, err);
    if (code == 0 && changes)
        *changes = sqlite3_changes(s->db);
    cpc__store_stmt_done(st);
    return code;
}

static inline void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

static inline uint64_t col_u64(sqlite3_stmt *st, int col)
{
    sqlite3_int64 v = sqlite3_column_int64(st, col);
    return v < 0 ? 0 : (uint64_t)v;
}

/* Takes s->mu and begins a write transaction (BEGIN IMMEDIATE). 0 with s->mu
 * held (end with cpc__pstore_tx_end), or the error with s->mu released. */
int cpc__pstore_tx_begin(struct cpc_pstore *s, struct cpc_err *err);
/* Ends cpc__pstore_tx_begin's transaction and releases s->mu: commits when rc
 * is 0, else (or when the commit fails) resets st (the statement in use; may
 * be NULL) and rolls back. Returns rc, or the commit's error. */
int cpc__pstore_tx_end(struct cpc_pstore *s, int rc, sqlite3_stmt *st, struct cpc_err *err);

/* Prepare / finalize the statements of platform_sqlite_account.c (after migrations). */
int cpc__pstore_account_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_account_close(struct cpc_pstore *s);
/* Prepare / finalize the statements of platform_sqlite_keys.c (after migrations). */
int cpc__pstore_keys_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_keys_close(struct cpc_pstore *s);
/* Prepare / finalize the statements of platform_sqlite_wallet.c (after migrations). */
int cpc__pstore_wallet_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_wallet_close(struct cpc_pstore *s);
/* The SQL of platform migration 4 (the wallet_sends table), kept beside its statements. */
extern const char cpc__pstore_wallet_sql[];
/* Prepare / finalize the statements of platform_sqlite_servers.c (after migrations). */
int cpc__pstore_servers_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_servers_close(struct cpc_pstore *s);
/* The SQL of platform migration 6 (the gpu_servers table), kept beside its statements. */
extern const char cpc__pstore_servers_sql[];
/* One gpu_servers row of a SELECT of its columns (then maintenance, when read) into *r. */
void cpc__pstore_server_row(sqlite3_stmt *st, struct cpc_pserver *r);
/* Bind the columns ?3 .. ?20 of r (the shape INSERT and UPDATE share). */
int cpc__pstore_server_bind(struct cpc_pstore *s, sqlite3_stmt *st, const struct cpc_pserver *r,
                            struct cpc_err *err);
/* Prepare / finalize the statements of platform_sqlite_dc.c (by the servers' open/close). */
int cpc__pstore_dc_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_dc_close(struct cpc_pstore *s);
/* The SQL of platform migration 12 (dc scope, servers' maintenance), beside its statements. */
extern const char cpc__pstore_dc_sql[];
/* Prepare / finalize the statements of platform_sqlite_rentals.c (after migrations). */
int cpc__pstore_rentals_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_rentals_close(struct cpc_pstore *s);
/* The SQL of platform migration 7 (the rentals table), kept beside its statements. */
extern const char cpc__pstore_rentals_sql[];
/* Prepare / finalize the statements of platform_sqlite_rental_money.c (after migrations). */
int cpc__pstore_rental_money_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_rental_money_close(struct cpc_pstore *s);
/* The SQL of platform migration 11 (the rental watcher's marks and the money views' indexes). */
extern const char cpc__pstore_rental_money_sql[];
/* Prepare / finalize the statements of platform_sqlite_money.c (after migrations). */
int cpc__pstore_money_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_money_close(struct cpc_pstore *s);
/* The SQL of platform migration 8 (deposits, withdrawals), kept beside its statements. */
extern const char cpc__pstore_money_sql[];
/* Prepare / finalize the statements of platform_sqlite_stats.c (after migrations). */
int cpc__pstore_stats_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_stats_close(struct cpc_pstore *s);
/* The SQL of platform migration 10 (server samples), kept beside its statements. */
extern const char cpc__pstore_stats_sql[];
/* Prepare / finalize the statements of platform_sqlite_orders.c (after migrations). */
int cpc__pstore_orders_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_orders_close(struct cpc_pstore *s);
/* The SQL of platform migration 9 (rental_orders), kept beside its statements. */
extern const char cpc__pstore_orders_sql[];
/* Prepare / finalize the statements of platform_sqlite_admin.c (after migrations). */
int cpc__pstore_admin_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_admin_close(struct cpc_pstore *s);
/* The SQL of platform migration 14 (support tickets and messages, the withdrawals' status
 * index), kept beside its statements. */
extern const char cpc__pstore_admin_sql[];
/* Prepare / finalize the statements of platform_sqlite_market.c (after migrations). */
int cpc__pstore_market_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_market_close(struct cpc_pstore *s);
/* The SQL of platform migration 15 (the marketplace connectors' tables). */
extern const char cpc__pstore_market_sql[];
/* Prepare / finalize the statements of platform_sqlite_webhooks.c (after migrations). */
int cpc__pstore_webhooks_open(struct cpc_pstore *s, struct cpc_err *err);
void cpc__pstore_webhooks_close(struct cpc_pstore *s);
/* The SQL of platform migration 13 (webhooks, their outbox and attempts). */
extern const char cpc__pstore_webhooks_sql[];
/* The SQL of platform migration 5 (unknown_login_failures), beside its statements. */
extern const char cpc__pstore_unknown_login_sql[];

/* Bring db's platform tables to the newest version (platform_sqlite_migrate.c): 0 and
 * *version, or an error naming the migration that failed. Nothing to free. */
int cpc__pstore_migrate(sqlite3 *db, int *version, struct cpc_err *err);

#endif

/* platform_sqlite_rentals.c — the rental part of platform_store.h for SQLite:
 * the platform's row of each GPU rental a customer ordered (platform
 * migration 7, table rentals).
 *
 * Design note. The chain holds the money and the clock of a rental (its
 * record under 'R' | id, src/core/rental.h); this row holds what the chain
 * does not: who ordered it on this platform, the server, the image, the
 * customer's SSH key and the port handed out. The id is the RENTAL_OPEN tx
 * hash (64 hex), so a row joins its chain record by key. Same connection,
 * mutex and rules as platform_sqlite.c: statements prepared once at open, no
 * SQL built from data. end_tx is the last RENTAL_END the platform sent for
 * the customer (so a second DELETE while it is pending sends nothing). A port is taken while ended_ms is NULL; the lowest free
 * port of a range is the range's first port or one above a taken port, so the
 * query reads only the server's open rows (index rentals_server_open).
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

const char cpc__pstore_rentals_sql[] =
    "CREATE TABLE rentals("
    "  id TEXT PRIMARY KEY CHECK (length(id) = 64),"
    "  user INTEGER NOT NULL REFERENCES users(id),"
    "  server_id TEXT NOT NULL CHECK (length(server_id) = 36),"
    "  ssh_public_key TEXT NOT NULL CHECK (length(ssh_public_key) BETWEEN 1 AND 8192),"
    "  image TEXT NOT NULL CHECK (length(image) BETWEEN 1 AND 255),"
    "  hours INTEGER NOT NULL CHECK (hours BETWEEN 1 AND 720),"
    "  ssh_port INTEGER NOT NULL CHECK (ssh_port BETWEEN 1 AND 65535),"
    "  created_ms INTEGER NOT NULL CHECK (created_ms >= 0),"
    "  ended_ms INTEGER CHECK (ended_ms >= 0),"
    "  end_tx TEXT CHECK (end_tx IS NULL OR length(end_tx) = 64)"
    ") STRICT;"
    "CREATE INDEX rentals_user ON rentals(user, created_ms DESC, id);"
    "CREATE INDEX rentals_server_open ON rentals(server_id, ssh_port) WHERE ended_ms IS NULL;";

#define RENTAL_COLS                                                                            \
    "id, user, server_id, ssh_public_key, image, hours, ssh_port, created_ms, ended_ms, end_tx"

enum rstmt {
    RT_INSERT,
    RT_GET,
    RT_BY_USER,
    RT_END,
    RT_END_TX,
    RT_FREE_PORT,
    RT_OPEN,
    RT__COUNT
};

static const char *const rsql[RT__COUNT] = {
    [RT_INSERT] = "INSERT INTO rentals(" RENTAL_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                  "NULL, NULL)",
    [RT_GET] = "SELECT " RENTAL_COLS " FROM rentals WHERE id = ?1",
    [RT_BY_USER] = "SELECT " RENTAL_COLS " FROM rentals WHERE user = ?1 "
                   "ORDER BY created_ms DESC, id LIMIT ?2 OFFSET ?3",
    [RT_END] = "UPDATE rentals SET ended_ms = ?2 WHERE id = ?1 AND ended_ms IS NULL",
    [RT_END_TX] = "UPDATE rentals SET end_tx = ?2 WHERE id = ?1",
    [RT_OPEN] = "SELECT " RENTAL_COLS " FROM rentals WHERE server_id = ?1 AND ended_ms IS NULL "
                "ORDER BY ssh_port LIMIT ?2",
    /* ?1 server, ?2 first port, ?3 last port */
    [RT_FREE_PORT] = "SELECT min(c) FROM (SELECT ?2 AS c UNION ALL SELECT ssh_port + 1 FROM "
                     "rentals WHERE server_id = ?1 AND ended_ms IS NULL) WHERE c BETWEEN ?2 AND "
                     "?3 AND c NOT IN (SELECT ssh_port FROM rentals WHERE server_id = ?1 AND "
                     "ended_ms IS NULL)",
};

static sqlite3_stmt *rt(struct cpc_pstore *s, enum rstmt i) { return s->rentals[i]; }

int cpc__pstore_rentals_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->rentals = calloc(RT__COUNT, sizeof *s->rentals);
    if (!s->rentals)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < RT__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, rsql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->rentals[i], NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_rentals_close(struct cpc_pstore *s)
{
    if (!s->rentals)
        return;
    for (int i = 0; i < RT__COUNT; i++)
        sqlite3_finalize(s->rentals[i]);
    free(s->rentals);
    s->rentals = NULL;
}

static void rental_row(sqlite3_stmt *st, struct cpc_prental *r)
{
    memset(r, 0, sizeof *r);
    copy_col(r->id, sizeof r->id, st, 0);
    r->user = sqlite3_column_int64(st, 1);
    copy_col(r->server_id, sizeof r->server_id, st, 2);
    copy_col(r->ssh_public_key, sizeof r->ssh_public_key, st, 3);
    copy_col(r->image, sizeof r->image, st, 4);
    r->hours = (uint32_t)col_u64(st, 5);
    r->ssh_port = (uint32_t)col_u64(st, 6);
    r->created_ms = col_u64(st, 7);
    r->ended_ms = col_u64(st, 8); /* NULL reads as 0 */
    copy_col(r->end_tx, sizeof r->end_tx, st, 9); /* NULL reads as "" */
}

int cpc_pstore_rental_add(struct cpc_pstore *s, const struct cpc_prental *r, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = rt(s, RT_INSERT);
    const char *const text[] = {r->id, r->server_id, r->ssh_public_key, r->image};
    static const int text_col[] = {1, 3, 4, 5};
    int rc = bind_i64(s, st, 2, r->user, err);
    for (size_t i = 0; rc == 0 && i < 4; i++)
        rc = bind_text(s, st, text_col[i], text[i], err);
    if (rc == 0 && (rc = bind_u64(s, st, 6, r->hours, err)) == 0 &&
        (rc = bind_u64(s, st, 7, r->ssh_port, err)) == 0 &&
        (rc = bind_u64(s, st, 8, r->created_ms, err)) == 0)
        rc = run(s, st, NULL, "adding a rental", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_rental_get(struct cpc_pstore *s, const char *id, struct cpc_prental *r,
                          struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = rt(s, RT_GET);
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 && (rc = step_row(s, st, "no such rental", "reading a rental", err)) == 1) {
        rental_row(st, r);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Step st (bound), handing each row to cb until it returns non-zero. */
static int each_rental(struct cpc_pstore *s, sqlite3_stmt *st, cpc_prental_fn cb, void *arg,
                       struct cpc_err *err)
{
    struct cpc_prental *r = malloc(sizeof *r);
    if (!r)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        rental_row(st, r);
        if (cb(arg, r) != 0)
            break;
    }
    free(r);
    return src == SQLITE_ROW || src == SQLITE_DONE ? 0 : fail(s, src, "listing rentals", err);
}

int cpc_pstore_rental_list_user(struct cpc_pstore *s, int64_t user, uint64_t limit,
                                uint64_t offset, cpc_prental_fn cb, void *arg,
                                struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = rt(s, RT_BY_USER);
    int rc = bind_i64(s, st, 1, user, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, limit, err)) == 0 &&
        (rc = bind_u64(s, st, 3, offset, err)) == 0)
        rc = each_rental(s, st, cb, arg, err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_rental_list_open(struct cpc_pstore *s, const char *server_id, uint64_t limit,
                                cpc_prental_fn cb, void *arg, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = rt(s, RT_OPEN);
    int rc = bind_text(s, st, 1, server_id, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, limit, err)) == 0)
        rc = each_rental(s, st, cb, arg, err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_rental_set_ended(struct cpc_pstore *s, const char *id, uint64_t ended_ms,
                                struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = rt(s, RT_END);
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, ended_ms, err)) == 0)
        rc = run(s, st, NULL, "ending a rental", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_rental_set_end_tx(struct cpc_pstore *s, const char *id, const char *tx_hash,
                                 struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = rt(s, RT_END_TX);
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 && (rc = bind_text(s, st, 2, tx_hash, err)) == 0)
        rc = run(s, st, NULL, "recording a rental's end tx", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_rental_free_port(struct cpc_pstore *s, const char *server_id, uint32_t port_min,
                                uint32_t port_max, uint32_t *port, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = rt(s, RT_FREE_PORT);
    int rc = bind_text(s, st, 1, server_id, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, port_min, err)) == 0 &&
        (rc = bind_u64(s, st, 3, port_max, err)) == 0 &&
        (rc = step_row(s, st, "no free port", "choosing a port", err)) == 1) {
        rc = sqlite3_column_type(st, 0) == SQLITE_NULL
                 ? cpc_err_set(err, CPC_ERR_TOO_LARGE, "every port of server %s is taken",
                               server_id)
                 : 0;
        *port = rc == 0 ? (uint32_t)col_u64(st, 0) : 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

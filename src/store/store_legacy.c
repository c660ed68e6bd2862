/* store_legacy.c — legacy API tables: clients and paid receipts (store_legacy.h).
 *
 * Design note: low-traffic platform rows next to the ledger (one row per
 * registration, one per paid submission), so statements are prepared per
 * call (parameters always bound, never spliced) instead of widening the
 * store's persistent statement tables. Writes run on the writer connection
 * under the writer mutex, in autocommit (each INSERT/DELETE is its own
 * durable transaction, never inside a block commit). Reads borrow a pooled
 * read-only connection. The uniqueness of (client_id, contract_id,
 * result_data) is enforced by the table's primary key, so a double claim
 * fails inside SQLite even if two requests race.
 */
#include "store_legacy.h"

#include <stdio.h>
#include <string.h>

#include "store_internal.h"

#define RECEIPT_COLS                                                                              \
    "client_id, contract_id, result_data, task_id, work_units, reward, receipt_tx, reward_tx, "   \
    "created_at, assignment"

/* Text argument check: 1..max bytes. */
static int check_text(const char *v, size_t max, const char *what, struct cpc_err *err)
{
    if (!v || !*v)
        return cpc_err_set(err, CPC_ERR_INVALID, "store: legacy %s is empty", what);
    if (strlen(v) > max)
        return cpc_err_set(err, CPC_ERR_INVALID, "store: legacy %s is longer than %zu bytes",
                           what, max);
    return 0;
}

static int col_hash(sqlite3_stmt *st, int col, uint8_t out[32], const char *what,
                    struct cpc_err *err)
{
    if (sqlite3_column_bytes(st, col) != 32 || !sqlite3_column_blob(st, col))
        return cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: %s is not 32 bytes", what);
    memcpy(out, sqlite3_column_blob(st, col), 32);
    return 0;
}

/* Run a write statement (sql with bound text/blobs set by bind) on the writer
 * connection under the writer mutex. *changes gets sqlite3_changes. */
typedef int (*bind_fn)(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err);

static int write_one(struct cpc_store *s, const char *sql, bind_fn bind, const void *arg,
                     const char *what, int *changes, struct cpc_err *err)
{
    sqlite3_stmt *st = NULL;
    int code = 0;
    pthread_mutex_lock(&s->wmu);
    int rc = sqlite3_prepare_v2(s->wdb, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        code = cpc__store_sqlerr(err, s->wdb, rc, what);
        goto out;
    }
    code = bind(s->wdb, st, arg, err);
    if (code)
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        if (changes)
            *changes = sqlite3_changes(s->wdb);
    } else if ((rc & 0xff) == SQLITE_CONSTRAINT &&
               (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)) {
        code = cpc_err_set(err, CPC_ERR_DUPLICATE, "store: %s: already exists", what);
    } else {
        code = cpc__store_sqlerr(err, s->wdb, rc, what);
    }
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->wmu);
    return code;
}

/* Run a read query on a pooled reader: prepare, bind, step once. on_row is
 * called for a row; no row gives CPC_ERR_NOT_FOUND with not_found as message. */
typedef int (*row_fn)(sqlite3_stmt *st, void *out, struct cpc_err *err);

static int read_one(struct cpc_store *s, const char *sql, bind_fn bind, const void *arg,
                    row_fn on_row, void *out, const char *what, const char *not_found,
                    struct cpc_err *err)
{
    sqlite3_stmt *st = NULL;
    int code = 0;
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        code = cpc__store_sqlerr(err, r->db, rc, what);
        goto out;
    }
    code = bind(r->db, st, arg, err);
    if (code)
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        code = on_row(st, out, err);
    else if (rc == SQLITE_DONE)
        code = cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: %s", not_found);
    else
        code = cpc__store_sqlerr(err, r->db, rc, what);
out:
    sqlite3_finalize(st);
    cpc__store_reader_put(s, r);
    return code;
}

static int bind_texts(sqlite3 *db, sqlite3_stmt *st, const char *const *v, int n,
                      struct cpc_err *err)
{
    for (int i = 0; i < n; i++) {
        int rc = sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, db, rc, "binding a legacy row");
    }
    return 0;
}

/* ---- clients ---- */

struct client_row {
    const char *client_id;
    const char *address;
    uint64_t created_at;
};

static int bind_client(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err)
{
    const struct client_row *c = arg;
    const char *v[2] = {c->client_id, c->address};
    int rc = bind_texts(db, st, v, 2, err);
    if (!rc)
        rc = cpc__store_bind_u64(db, st, 3, c->created_at, "legacy created_at", err);
    return rc;
}

int cpc_store_legacy_client_add(struct cpc_store *s, const char *client_id, const char *address,
                                uint64_t created_at, struct cpc_err *err)
{
    int rc;
    if (!s)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_legacy_client_add: bad arguments");
    if ((rc = check_text(client_id, CPC_LEGACY_ID_MAX, "client_id", err)) ||
        (rc = check_text(address, CPC_ADDR_STR_MAX - 1, "address", err)))
        return rc;
    struct client_row row = {client_id, address, created_at};
    rc = write_one(s,
                   "INSERT INTO legacy_clients(client_id, address, created_at) "
                   "VALUES (?1, ?2, ?3)",
                   bind_client, &row, "adding a legacy client", NULL, err);
    if (rc == CPC_ERR_DUPLICATE)
        cpc_err_set(err, rc, "store: legacy client %s already exists", client_id);
    return rc;
}

static int bind_one_text(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err)
{
    const char *v[1] = {arg};
    return bind_texts(db, st, v, 1, err);
}

static int row_address(sqlite3_stmt *st, void *out, struct cpc_err *err)
{
    return cpc__store_col_text(st, 0, out, CPC_ADDR_STR_MAX, "legacy_clients.address", err);
}

static int row_client_id(sqlite3_stmt *st, void *out, struct cpc_err *err)
{
    return cpc__store_col_text(st, 0, out, CPC_LEGACY_ID_MAX + 1, "legacy_clients.client_id", err);
}

int cpc_store_legacy_client_address(struct cpc_store *s, const char *client_id,
                                    char address[CPC_ADDR_STR_MAX], struct cpc_err *err)
{
    if (!s || !client_id || !address)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "cpc_store_legacy_client_address: bad arguments");
    address[0] = '\0';
    if (!*client_id || strlen(client_id) > CPC_LEGACY_ID_MAX)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: unknown legacy client");
    return read_one(s, "SELECT address FROM legacy_clients WHERE client_id = ?1", bind_one_text,
                    client_id, row_address, address, "reading a legacy client",
                    "unknown legacy client", err);
}

int cpc_store_legacy_client_by_address(struct cpc_store *s, const char *address,
                                       char client_id[CPC_LEGACY_ID_MAX + 1],
                                       struct cpc_err *err)
{
    if (!s || !address || !client_id)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "cpc_store_legacy_client_by_address: bad arguments");
    client_id[0] = '\0';
    return read_one(s, "SELECT client_id FROM legacy_clients WHERE address = ?1", bind_one_text,
                    address, row_client_id, client_id, "reading a legacy client",
                    "no legacy client has this address", err);
}

/* ---- receipts ---- */

static int bind_receipt(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err)
{
    const struct cpc_legacy_receipt *r = arg;
    const char *v[4] = {r->client_id, r->contract_id, r->result_data, r->task_id};
    int rc = bind_texts(db, st, v, 4, err);
    if (!rc)
        rc = cpc__store_bind_u64(db, st, 5, r->work_units, "legacy work_units", err);
    if (!rc)
        rc = cpc__store_bind_u64(db, st, 6, r->reward, "legacy reward", err);
    if (!rc)
        rc = cpc__store_bind_u64(db, st, 9, r->created_at, "legacy created_at", err);
    if (!rc && (sqlite3_bind_blob(st, 7, r->receipt_tx, 32, SQLITE_STATIC) != SQLITE_OK ||
                sqlite3_bind_blob(st, 8, r->reward_tx, 32, SQLITE_STATIC) != SQLITE_OK ||
                (r->assignment[0] ? sqlite3_bind_text(st, 10, r->assignment, -1, SQLITE_STATIC)
                                  : sqlite3_bind_null(st, 10)) != SQLITE_OK))
        rc = cpc__store_sqlerr(err, db, sqlite3_errcode(db), "binding a legacy receipt");
    return rc;
}

static int check_receipt_key(const char *client_id, const char *contract_id,
                             const char *result_data, struct cpc_err *err)
{
    int rc;
    if ((rc = check_text(client_id, CPC_LEGACY_ID_MAX, "client_id", err)) ||
        (rc = check_text(contract_id, CPC_LEGACY_ID_MAX, "contract_id", err)) ||
        (rc = check_text(result_data, CPC_LEGACY_RESULT_MAX, "result_data", err)))
        return rc;
    return 0;
}

int cpc_store_legacy_receipt_add(struct cpc_store *s, const struct cpc_legacy_receipt *r,
                                 struct cpc_err *err)
{
    if (!s || !r)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_legacy_receipt_add: bad arguments");
    /* the struct's arrays bound the lengths; a missing NUL would be a caller bug */
    if (memchr(r->client_id, 0, sizeof r->client_id) == NULL ||
        memchr(r->contract_id, 0, sizeof r->contract_id) == NULL ||
        memchr(r->result_data, 0, sizeof r->result_data) == NULL ||
        memchr(r->task_id, 0, sizeof r->task_id) == NULL ||
        memchr(r->assignment, 0, sizeof r->assignment) == NULL)
        return cpc_err_set(err, CPC_ERR_INVALID, "store: legacy receipt field not terminated");
    int rc = check_receipt_key(r->client_id, r->contract_id, r->result_data, err);
    if (rc)
        return rc;
    rc = write_one(s,
                   "INSERT INTO legacy_receipts(" RECEIPT_COLS ") "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                   bind_receipt, r, "recording a legacy receipt", NULL, err);
    if (rc == CPC_ERR_DUPLICATE)
        cpc_err_set(err, rc, "store: work of client %s on %s was already paid", r->client_id,
                    r->contract_id);
    return rc;
}

struct receipt_key {
    const char *v[3];
};

static int bind_receipt_key(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err)
{
    const struct receipt_key *k = arg;
    return bind_texts(db, st, k->v, 3, err);
}

int cpc_store_legacy_receipt_delete(struct cpc_store *s, const char *client_id,
                                    const char *contract_id, const char *result_data,
                                    struct cpc_err *err)
{
    if (!s)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "cpc_store_legacy_receipt_delete: bad arguments");
    int rc = check_receipt_key(client_id, contract_id, result_data, err);
    if (rc)
        return rc;
    struct receipt_key k = {{client_id, contract_id, result_data}};
    return write_one(s,
                     "DELETE FROM legacy_receipts WHERE client_id = ?1 AND contract_id = ?2 "
                     "AND result_data = ?3",
                     bind_receipt_key, &k, "deleting a legacy receipt", NULL, err);
}

static int row_receipt(sqlite3_stmt *st, void *out, struct cpc_err *err)
{
    struct cpc_legacy_receipt *r = out;
    int rc;
    memset(r, 0, sizeof *r);
    if ((rc = cpc__store_col_text(st, 0, r->client_id, sizeof r->client_id, "legacy_receipts.client_id",
                       err)) ||
        (rc = cpc__store_col_text(st, 1, r->contract_id, sizeof r->contract_id,
                       "legacy_receipts.contract_id", err)) ||
        (rc = cpc__store_col_text(st, 2, r->result_data, sizeof r->result_data,
                       "legacy_receipts.result_data", err)) ||
        (rc = cpc__store_col_text(st, 3, r->task_id, sizeof r->task_id, "legacy_receipts.task_id", err)) ||
        (rc = cpc__store_col_u64(st, 4, &r->work_units, "legacy_receipts.work_units", err)) ||
        (rc = cpc__store_col_u64(st, 5, &r->reward, "legacy_receipts.reward", err)) ||
        (rc = col_hash(st, 6, r->receipt_tx, "legacy_receipts.receipt_tx", err)) ||
        (rc = col_hash(st, 7, r->reward_tx, "legacy_receipts.reward_tx", err)) ||
        (rc = cpc__store_col_u64(st, 8, &r->created_at, "legacy_receipts.created_at", err)) ||
        (sqlite3_column_type(st, 9) != SQLITE_NULL &&
         (rc = cpc__store_col_text(st, 9, r->assignment, sizeof r->assignment, "legacy_receipts.assignment",
                        err)))) {
        memset(r, 0, sizeof *r);
        return rc;
    }
    return 0;
}

int cpc_store_legacy_receipt_get(struct cpc_store *s, const char *client_id,
                                 const char *contract_id, const char *result_data,
                                 struct cpc_legacy_receipt *out, struct cpc_err *err)
{
    if (!s || !out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_legacy_receipt_get: bad arguments");
    memset(out, 0, sizeof *out);
    if (check_receipt_key(client_id, contract_id, result_data, NULL) != 0)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: no such legacy receipt");
    struct receipt_key k = {{client_id, contract_id, result_data}};
    return read_one(s,
                    "SELECT " RECEIPT_COLS " FROM legacy_receipts WHERE client_id = ?1 "
                    "AND contract_id = ?2 AND result_data = ?3",
                    bind_receipt_key, &k, row_receipt, out, "reading a legacy receipt",
                    "no such legacy receipt", err);
}

static int bind_hash(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err)
{
    if (sqlite3_bind_blob(st, 1, arg, 32, SQLITE_STATIC) != SQLITE_OK)
        return cpc__store_sqlerr(err, db, sqlite3_errcode(db), "binding a tx hash");
    return 0;
}

int cpc_store_legacy_receipt_by_tx(struct cpc_store *s, const uint8_t tx_hash[32],
                                   struct cpc_legacy_receipt *out, struct cpc_err *err)
{
    if (!s || !tx_hash || !out)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "cpc_store_legacy_receipt_by_tx: bad arguments");
    memset(out, 0, sizeof *out);
    return read_one(s,
                    "SELECT " RECEIPT_COLS " FROM legacy_receipts WHERE receipt_tx = ?1 "
                    "UNION ALL SELECT " RECEIPT_COLS " FROM legacy_receipts WHERE reward_tx = ?1 "
                    "LIMIT 1",
                    bind_hash, tx_hash, row_receipt, out, "reading a legacy receipt",
                    "no legacy receipt has this tx", err);
}

int cpc_store_legacy_receipt_by_assignment(struct cpc_store *s, const char *assignment,
                                           struct cpc_legacy_receipt *out, struct cpc_err *err)
{
    if (!s || !assignment || !out)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "cpc_store_legacy_receipt_by_assignment: bad arguments");
    memset(out, 0, sizeof *out);
    if (check_text(assignment, CPC_LEGACY_ID_MAX, "assignment", NULL) != 0)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: no such legacy receipt");
    return read_one(s, "SELECT " RECEIPT_COLS " FROM legacy_receipts WHERE assignment = ?1",
                    bind_one_text, assignment, row_receipt, out, "reading a legacy receipt",
                    "no such legacy receipt", err);
}

int cpc_store_legacy_receipts_recent(struct cpc_store *s, const char *client_id, uint64_t since,
                                     struct cpc_legacy_receipt *out, size_t max, size_t *n,
                                     struct cpc_err *err)
{
    if (!s || !client_id || !out || !n)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "cpc_store_legacy_receipts_recent: bad arguments");
    *n = 0;
    if (check_text(client_id, CPC_LEGACY_ID_MAX, "client_id", NULL) != 0 || max == 0)
        return 0;
    sqlite3_stmt *st = NULL;
    int code = 0;
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    int rc = sqlite3_prepare_v2(r->db,
                                "SELECT " RECEIPT_COLS " FROM legacy_receipts WHERE client_id = ?1 "
                                "AND created_at >= ?2 ORDER BY created_at DESC LIMIT ?3",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) {
        code = cpc__store_sqlerr(err, r->db, rc, "reading legacy receipts");
        goto out;
    }
    if (sqlite3_bind_text(st, 1, client_id, -1, SQLITE_STATIC) != SQLITE_OK) {
        code = cpc__store_sqlerr(err, r->db, sqlite3_errcode(r->db), "binding a client id");
        goto out;
    }
    if ((code = cpc__store_bind_u64(r->db, st, 2, since > INT64_MAX ? INT64_MAX : since,
                                    "legacy since", err)) ||
        (code = cpc__store_bind_u64(r->db, st, 3, max, "legacy limit", err)))
        goto out;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((code = row_receipt(st, &out[*n], err)) != 0)
            goto out;
        (*n)++;
    }
    if (*n < max && rc != SQLITE_DONE)
        code = cpc__store_sqlerr(err, r->db, rc, "reading legacy receipts");
out:
    sqlite3_finalize(st);
    cpc__store_reader_put(s, r);
    return code;
}

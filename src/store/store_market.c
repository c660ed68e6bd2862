/* store_market.c — marketplace drafts and a job's market txs (store_market.h).
 *
 * Design note: drafts are low-traffic platform rows (one per POST
 * /marketplace/jobs, a few updates each), so statements are prepared per call
 * with every value bound, as in store_legacy.c. Writes run on the writer
 * connection under the writer mutex in autocommit; reads borrow a pooled
 * read-only connection. A status move is a single UPDATE ... WHERE status =
 * `from`: the row's state decides a race inside SQLite.
 *
 * The job log query walks the (height, idx) index backwards between the job's
 * creation and its last possible height, keeping only market tx types, and
 * lets SQLite extract payload.task_id / payload.job_id from the stored JSON;
 * the task id is then looked up in the job's sorted task ids (cpc_task_id), so
 * a row costs a bsearch and only matches are parsed into JSON.
 */
#include "store_market.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hex.h"
#include "../core/market.h"
#include "../core/uuid.h"
#include "store_internal.h"

#define DRAFT_COLS "id, owner, created_at, request, contract, quote, status, job_id"

void cpc_draft_clear(struct cpc_draft *d)
{
    if (!d)
        return;
    free(d->request);
    free(d->contract);
    free(d->quote);
    memset(d, 0, sizeof *d);
}

static int id_ok(const char *id)
{
    uint8_t u[16];
    return id && strlen(id) == CPC_UUID_STR_LEN && cpc_uuid_parse(u, id) == 0;
}

static const char *const status_names[] = {
    [CPC_DRAFT_OPEN] = "draft",
    [CPC_DRAFT_CONFIRMED] = "confirmed",
    [CPC_DRAFT_CANCELLED] = "cancelled",
};
#define N_STATUS (sizeof status_names / sizeof status_names[0])

static int status_ok(enum cpc_draft_status st) { return (unsigned)st < N_STATUS; }

const char *cpc_draft_status_name(enum cpc_draft_status st)
{
    return status_ok(st) ? status_names[st] : "unknown";
}

int cpc_draft_status_parse(const char *name, enum cpc_draft_status *out)
{
    for (unsigned i = 0; name && i < N_STATUS; i++)
        if (!strcmp(name, status_names[i])) {
            *out = (enum cpc_draft_status)i;
            return 0;
        }
    return CPC_ERR_INVALID;
}

/* Read column col as a draft status. */
static int col_status(sqlite3_stmt *st, int col, enum cpc_draft_status *out, struct cpc_err *err)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    if (cpc_draft_status_parse(t, out) != 0)
        return cpc_err_set(err, CPC_ERR_DB, "store: job_drafts.status is not a draft status");
    return 0;
}

static int text_ok(const char *t) { return t && strlen(t) <= CPC_DRAFT_TEXT_MAX; }

static int bind_text(sqlite3 *db, sqlite3_stmt *st, int col, const char *v, struct cpc_err *err)
{
    int rc = v && *v ? sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, col);
    return rc == SQLITE_OK ? 0 : cpc__store_sqlerr(err, db, rc, "binding a draft");
}

/* Bind a non-NULL text, empty allowed. */
static int bind_body(sqlite3 *db, sqlite3_stmt *st, int col, const char *v, struct cpc_err *err)
{
    int rc = sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC);
    return rc == SQLITE_OK ? 0 : cpc__store_sqlerr(err, db, rc, "binding a draft");
}

/* Prepare sql on the writer under wmu; caller binds, then calls write_finish. */
static int write_prepare(struct cpc_store *s, const char *sql, sqlite3_stmt **st,
                         struct cpc_err *err)
{
    pthread_mutex_lock(&s->wmu);
    int rc = sqlite3_prepare_v2(s->wdb, sql, -1, st, NULL);
    if (rc != SQLITE_OK) {
        pthread_mutex_unlock(&s->wmu);
        *st = NULL;
        return cpc__store_sqlerr(err, s->wdb, rc, "preparing a draft write");
    }
    return 0;
}

/* Step (unless code is already an error), finalize, unlock. *changes gets the row count. */
static int write_finish(struct cpc_store *s, sqlite3_stmt *st, int code, int *changes,
                        const char *what, struct cpc_err *err)
{
    if (!code) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            if (changes)
                *changes = sqlite3_changes(s->wdb);
        } else if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
            code = cpc_err_set(err, CPC_ERR_DUPLICATE, "store: %s: already exists", what);
        } else {
            code = cpc__store_sqlerr(err, s->wdb, rc, what);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->wmu);
    return code;
}

int cpc_store_draft_add(struct cpc_store *s, const struct cpc_draft *d, struct cpc_err *err)
{
    if (!s || !d)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_draft_add: bad arguments");
    if (!id_ok(d->id))
        return cpc_err_set(err, CPC_ERR_INVALID, "store: draft id must be a UUID");
    if (d->status != CPC_DRAFT_OPEN)
        return cpc_err_set(err, CPC_ERR_INVALID, "store: a new draft has status \"draft\"");
    if (!text_ok(d->request) || !text_ok(d->contract) || !text_ok(d->quote))
        return cpc_err_set(err, CPC_ERR_INVALID, "store: draft texts are 0..%d bytes",
                           CPC_DRAFT_TEXT_MAX);
    if (memchr(d->owner, 0, sizeof d->owner) == NULL || memchr(d->job_id, 0, sizeof d->job_id) == NULL)
        return cpc_err_set(err, CPC_ERR_INVALID, "store: draft field not terminated");
    sqlite3_stmt *st = NULL;
    int rc = write_prepare(s,
                           "INSERT INTO job_drafts(" DRAFT_COLS ") "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'draft', ?7)",
                           &st, err);
    if (rc)
        return rc;
    if (!(rc = bind_text(s->wdb, st, 1, d->id, err)) &&
        !(rc = bind_text(s->wdb, st, 2, d->owner, err)) &&
        !(rc = cpc__store_bind_u64(s->wdb, st, 3, d->created_at, "draft created_at", err)) &&
        !(rc = bind_body(s->wdb, st, 4, d->request, err)) &&
        !(rc = bind_body(s->wdb, st, 5, d->contract, err)) &&
        !(rc = bind_body(s->wdb, st, 6, d->quote, err)))
        rc = bind_text(s->wdb, st, 7, d->job_id, err);
    rc = write_finish(s, st, rc, NULL, "adding a draft", err);
    if (rc == CPC_ERR_DUPLICATE)
        cpc_err_set(err, rc, "store: draft %s already exists", d->id);
    return rc;
}

/* Copy a nullable TEXT column into out (cap bytes with NUL); NULL -> "". */
static int col_fixed(sqlite3_stmt *st, int col, char *out, size_t cap, const char *what,
                     struct cpc_err *err)
{
    out[0] = '\0';
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 0;
    return cpc__store_col_text(st, col, out, cap, what, err);
}

static int col_dup(sqlite3_stmt *st, int col, char **out, struct cpc_err *err)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (!t && sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM)
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    *out = malloc((size_t)n + 1);
    if (!*out)
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    if (n)
        memcpy(*out, t, (size_t)n);
    (*out)[n] = '\0';
    return 0;
}

int cpc_store_draft_get(struct cpc_store *s, const char *id, struct cpc_draft *out,
                        struct cpc_err *err)
{
    if (!s || !out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_draft_get: bad arguments");
    memset(out, 0, sizeof *out);
    if (!id_ok(id))
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "draft %.40s not found (ids are UUIDs)",
                           id ? id : "");
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = NULL;
    int code = 0;
    int rc = sqlite3_prepare_v2(r->db, "SELECT " DRAFT_COLS " FROM job_drafts WHERE id = ?1", -1,
                                &st, NULL);
    if (rc != SQLITE_OK) {
        code = cpc__store_sqlerr(err, r->db, rc, "reading a draft");
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        code = cpc_err_set(err, CPC_ERR_NOT_FOUND, "draft %s not found", id);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        code = cpc__store_sqlerr(err, r->db, rc, "reading a draft");
        goto out;
    }
    if ((code = col_fixed(st, 0, out->id, sizeof out->id, "job_drafts.id", err)) ||
        (code = col_fixed(st, 1, out->owner, sizeof out->owner, "job_drafts.owner", err)) ||
        (code = cpc__store_col_u64(st, 2, &out->created_at, "job_drafts.created_at", err)) ||
        (code = col_dup(st, 3, &out->request, err)) ||
        (code = col_dup(st, 4, &out->contract, err)) ||
        (code = col_dup(st, 5, &out->quote, err)) ||
        (code = col_status(st, 6, &out->status, err)) ||
        (code = col_fixed(st, 7, out->job_id, sizeof out->job_id, "job_drafts.job_id", err)))
        cpc_draft_clear(out);
out:
    sqlite3_finalize(st);
    cpc__store_reader_put(s, r);
    return code;
}

int cpc_store_draft_transition(struct cpc_store *s, const char *id, enum cpc_draft_status from,
                               enum cpc_draft_status to, const char *job_id, const char *owner,
                               struct cpc_err *err)
{
    if (!s || !id_ok(id) || !status_ok(from) || !status_ok(to) ||
        (job_id && strlen(job_id) != 64) || (owner && strlen(owner) >= CPC_ADDR_STR_MAX))
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_draft_transition: bad arguments");
    sqlite3_stmt *st = NULL;
    int changes = 0;
    int rc = write_prepare(s,
                           "UPDATE job_drafts SET status = ?3, job_id = coalesce(?4, job_id), "
                           "owner = coalesce(owner, ?5) WHERE id = ?1 AND status = ?2",
                           &st, err);
    if (rc)
        return rc;
    if (!(rc = bind_text(s->wdb, st, 1, id, err)) && !(rc = bind_text(s->wdb, st, 2, status_names[from], err)) &&
        !(rc = bind_text(s->wdb, st, 3, status_names[to], err)) && !(rc = bind_text(s->wdb, st, 4, job_id, err)))
        rc = bind_text(s->wdb, st, 5, owner, err);
    rc = write_finish(s, st, rc, &changes, "updating a draft", err);
    if (rc)
        return rc;
    if (changes == 1)
        return 0;
    struct cpc_draft d;
    rc = cpc_store_draft_get(s, id, &d, err);
    if (rc)
        return rc;
    rc = cpc_err_set(err, CPC_ERR_DUPLICATE, "draft %s is %s, not %s", id,
                     cpc_draft_status_name(d.status), status_names[from]);
    cpc_draft_clear(&d);
    return rc;
}

int cpc_store_draft_list(struct cpc_store *s, const char *owner, uint32_t limit, uint32_t offset,
                         uint64_t expired_before, json_t **out, struct cpc_err *err)
{
    if (!s || !out || limit == 0 || limit > CPC_DRAFT_LIST_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "drafts: limit must be 1..%d",
                           CPC_DRAFT_LIST_MAX);
    *out = NULL;
    json_t *arr = json_array();
    if (!arr)
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = NULL;
    int code = 0;
    const char *sql =
        owner ? "SELECT id, owner, created_at, status, job_id, json_extract(quote, '$.job_type'), "
                "json_extract(quote, '$.total') FROM job_drafts WHERE owner = ?1 "
                "AND (job_id IS NOT NULL OR created_at >= ?4) "
                "ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3"
              : "SELECT id, owner, created_at, status, job_id, json_extract(quote, '$.job_type'), "
                "json_extract(quote, '$.total') FROM job_drafts WHERE ?1 IS NULL "
                "AND (job_id IS NOT NULL OR created_at >= ?4) "
                "ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3";
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        code = cpc__store_sqlerr(err, r->db, rc, "listing drafts");
        goto out;
    }
    if (owner)
        sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    sqlite3_bind_int64(st, 4, expired_before > INT64_MAX ? INT64_MAX : (int64_t)expired_before);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char id[37], own[CPC_ADDR_STR_MAX], status[12], job[65];
        uint64_t created = 0;
        if ((code = col_fixed(st, 0, id, sizeof id, "job_drafts.id", err)) ||
            (code = col_fixed(st, 1, own, sizeof own, "job_drafts.owner", err)) ||
            (code = cpc__store_col_u64(st, 2, &created, "job_drafts.created_at", err)) ||
            (code = col_fixed(st, 3, status, sizeof status, "job_drafts.status", err)) ||
            (code = col_fixed(st, 4, job, sizeof job, "job_drafts.job_id", err)))
            goto out;
        const char *jt = (const char *)sqlite3_column_text(st, 5);
        json_t *o = json_pack("{s:s, s:o, s:I, s:s, s:o, s:o, s:o}", "id", id, "owner",
                              *own ? json_string(own) : json_null(), "created_at",
                              (json_int_t)created, "status", status, "job_id",
                              *job ? json_string(job) : json_null(), "job_type",
                              jt ? json_string(jt) : json_null(), "total",
                              sqlite3_column_type(st, 6) == SQLITE_INTEGER
                                  ? json_integer(sqlite3_column_int64(st, 6))
                                  : json_null());
        if (!o || json_array_append_new(arr, o) != 0) {
            code = cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        code = cpc__store_sqlerr(err, r->db, rc, "listing drafts");
out:
    sqlite3_finalize(st);
    cpc__store_reader_put(s, r);
    if (code) {
        json_decref(arr);
        return code;
    }
    *out = arr;
    return 0;
}

int cpc_store_draft_expire(struct cpc_store *s, uint64_t before_s, uint32_t max,
                           uint32_t *deleted, struct cpc_err *err)
{
    if (deleted)
        *deleted = 0;
    if (!s || max == 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_draft_expire: bad arguments");
    sqlite3_stmt *st = NULL;
    int changes = 0;
    /* the partial index job_drafts_unconfirmed (migration 5) holds exactly these rows */
    int rc = write_prepare(s,
                           "DELETE FROM job_drafts WHERE id IN (SELECT id FROM job_drafts "
                           "WHERE job_id IS NULL AND created_at < ?1 ORDER BY created_at "
                           "LIMIT ?2)",
                           &st, err);
    if (rc)
        return rc;
    if (!(rc = cpc__store_bind_u64(s->wdb, st, 1, before_s > INT64_MAX ? INT64_MAX : before_s,
                                   "draft cutoff", err)))
        rc = cpc__store_bind_u64(s->wdb, st, 2, max, "draft batch", err);
    rc = write_finish(s, st, rc, &changes, "expiring drafts", err);
    if (rc == 0 && deleted)
        *deleted = (uint32_t)changes;
    return rc;
}

/* ------------------------------------------------------------------ */
/* a job's market txs                                                  */

static int cmp16(const void *a, const void *b) { return memcmp(a, b, 16); }

/* Tx JSON of the current row (columns: 0 json, 1 height, 2 idx, 3 status, 4 error,
 * 5 gas_used, 6 fee). */
static int row_tx_json(sqlite3_stmt *st, json_t **out, struct cpc_err *err)
{
    uint64_t height = 0, idx = 0, gas = 0, fee = 0;
    int rc;
    if ((rc = cpc__store_col_u64(st, 1, &height, "txs.height", err)) ||
        (rc = cpc__store_col_u64(st, 2, &idx, "txs.idx", err)) ||
        (rc = cpc__store_col_u64(st, 5, &gas, "txs.gas_used", err)) ||
        (rc = cpc__store_col_u64(st, 6, &fee, "txs.fee", err)))
        return rc;
    json_error_t je;
    const char *text = (const char *)sqlite3_column_text(st, 0);
    json_t *j = text ? json_loadb(text, (size_t)sqlite3_column_bytes(st, 0), 0, &je) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: txs.json is not an object");
    }
    int ok = sqlite3_column_int(st, 3) == 0;
    const char *e = (const char *)sqlite3_column_text(st, 4);
    json_t *ev = ok ? json_null() : json_string(e ? e : "");
    if (json_object_set_new(j, "height", json_integer((json_int_t)height)) ||
        json_object_set_new(j, "index", json_integer((json_int_t)idx)) ||
        json_object_set_new(j, "status", json_string(ok ? "success" : "failed")) ||
        json_object_set_new(j, "error", ev ? ev : json_string("(unprintable error message)")) ||
        json_object_set_new(j, "gas_used", json_integer((json_int_t)gas)) ||
        json_object_set_new(j, "fee", json_integer((json_int_t)fee))) {
        json_decref(j);
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    }
    *out = j;
    return 0;
}

int cpc_store_job_txs(struct cpc_store *s, const uint8_t job_id[32], uint32_t n_tasks,
                      uint64_t from_height, uint64_t to_height, uint32_t limit, json_t **out,
                      bool *truncated, struct cpc_err *err)
{
    if (!s || !job_id || !out || limit == 0 || limit > CPC_JOB_TXS_MAX ||
        n_tasks > CPC_MAX_TASKS || from_height > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_job_txs: bad arguments");
    if (to_height > (uint64_t)INT64_MAX)
        to_height = (uint64_t)INT64_MAX;
    *out = NULL;
    if (truncated)
        *truncated = false;
    char job_hex[65];
    cpc_hex_encode(job_hex, job_id, 32);
    uint8_t(*ids)[16] = n_tasks ? malloc((size_t)n_tasks * 16) : NULL;
    json_t *arr = json_array();
    if ((n_tasks && !ids) || !arr) {
        free(ids);
        json_decref(arr);
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    }
    for (uint32_t i = 0; i < n_tasks; i++)
        cpc_task_id(ids[i], job_id, i);
    if (n_tasks)
        qsort(ids, n_tasks, 16, cmp16);

    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = NULL;
    int code = 0;
    int rc = sqlite3_prepare_v2(
        r->db,
        "SELECT json, height, idx, status, error, gas_used, fee, tx_type, hash, "
        "json_extract(json, '$.payload.task_id'), json_extract(json, '$.payload.job_id') "
        "FROM txs WHERE height BETWEEN ?1 AND ?2 AND tx_type IN ('JOB_CREATE', 'JOB_CANCEL', "
        "'SUBMIT_RESULT', 'REVEAL', 'RESULT_REVEAL', 'VERDICT') ORDER BY height DESC, idx DESC",
        -1, &st, NULL);
    if (rc != SQLITE_OK) {
        code = cpc__store_sqlerr(err, r->db, rc, "reading a job's txs");
        goto out;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)from_height);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)to_height);
    uint32_t scanned = 0;
    while (json_array_size(arr) < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (++scanned > CPC_JOB_TXS_SCAN) {
            if (truncated)
                *truncated = true;
            rc = SQLITE_DONE;
            break;
        }
        const char *type = (const char *)sqlite3_column_text(st, 7);
        int match = 0;
        if (!type)
            continue;
        if (!strcmp(type, "JOB_CREATE")) {
            match = sqlite3_column_bytes(st, 8) == 32 &&
                    memcmp(sqlite3_column_blob(st, 8), job_id, 32) == 0;
        } else if (!strcmp(type, "JOB_CANCEL")) {
            const char *j = (const char *)sqlite3_column_text(st, 10);
            match = j && strcmp(j, job_hex) == 0;
        } else {
            const char *t = (const char *)sqlite3_column_text(st, 9);
            uint8_t tid[16];
            match = n_tasks && t && cpc_uuid_parse(tid, t) == 0 &&
                    bsearch(tid, ids, n_tasks, 16, cmp16) != NULL;
        }
        if (!match)
            continue;
        json_t *tx = NULL;
        if ((code = row_tx_json(st, &tx, err)))
            goto out;
        if (json_array_append_new(arr, tx) != 0) {
            code = cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        code = cpc__store_sqlerr(err, r->db, rc, "reading a job's txs");
out:
    sqlite3_finalize(st);
    cpc__store_reader_put(s, r);
    free(ids);
    if (code) {
        json_decref(arr);
        return code;
    }
    *out = arr;
    return 0;
}

int cpc_store_user_jobs(struct cpc_store *s, const char *custodial, const char *linked,
                        const uint8_t *only, uint32_t limit, uint32_t offset, struct cpc_user_job *out, size_t *n,
                        struct cpc_err *err)
{
    if (!s || !custodial || !out || !n || limit == 0 || limit > CPC_USER_JOBS_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_user_jobs: bad arguments");
    *n = 0;
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = NULL;
    int code = 0;
    int rc = sqlite3_prepare_v2(
        r->db,
        "SELECT lower(hex(t.hash)), b.time_ms, t.height FROM txs t "
        "JOIN blocks b ON b.height = t.height "
        "WHERE t.tx_type = 'JOB_CREATE' AND t.status = 0 AND (t.sender = ?1 OR "
        "(t.sender = ?2 AND lower(hex(t.hash)) IN "
        "(SELECT job_id FROM job_drafts WHERE owner = ?2 AND job_id IS NOT NULL))) "
        "AND (?5 IS NULL OR t.hash = ?5) ORDER BY t.height DESC, t.idx DESC LIMIT ?3 OFFSET ?4",
        -1, &st, NULL);
    if (rc == SQLITE_OK &&
        (sqlite3_bind_text(st, 1, custodial, -1, SQLITE_STATIC) != SQLITE_OK ||
         sqlite3_bind_text(st, 2, linked ? linked : "", -1, SQLITE_STATIC) != SQLITE_OK ||
         sqlite3_bind_int64(st, 3, limit) != SQLITE_OK ||
         sqlite3_bind_int64(st, 4, offset) != SQLITE_OK ||
         (only ? sqlite3_bind_blob(st, 5, only, 32, SQLITE_STATIC)
               : sqlite3_bind_null(st, 5)) != SQLITE_OK))
        rc = sqlite3_errcode(r->db);
    while (rc == SQLITE_OK && *n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cpc_user_job *j = &out[*n];
        const char *id = (const char *)sqlite3_column_text(st, 0);
        snprintf(j->id, sizeof j->id, "%s", id ? id : "");
        j->created_ms = (uint64_t)sqlite3_column_int64(st, 1);
        j->height = (uint64_t)sqlite3_column_int64(st, 2);
        (*n)++;
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE)
        code = cpc__store_sqlerr(err, r->db, rc, "listing a user's jobs");
    sqlite3_finalize(st);
    cpc__store_reader_put(s, r);
    return code;
}

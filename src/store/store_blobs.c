/* store_blobs.c — the blob_uploads table (store_blobs.h).
 *
 * Design note: a few rows per upload and per sweep, so statements are
 * prepared per call (parameters always bound, never spliced), like
 * store_legacy.c. Writes run on the writer connection under the writer
 * mutex in autocommit; reads borrow a pooled read-only connection. The
 * common case is an upload: one usage SELECT (indexed by uploader), one
 * total SELECT, one upsert.
 */
#include "store_blobs.h"

#include <string.h>

#include "store_internal.h"

/* A statement on the writer (write = 1) or a pooled reader; bound by bind,
 * stepped by step. Both callbacks get arg. */
typedef int (*blob_bind_fn)(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err);
typedef int (*blob_step_fn)(sqlite3 *db, sqlite3_stmt *st, void *out, struct cpc_err *err);

static int run(struct cpc_store *s, int write, const char *sql, blob_bind_fn bind,
               const void *arg, blob_step_fn step, void *out, const char *what,
               struct cpc_err *err)
{
    sqlite3_stmt *st = NULL;
    struct cpc__store_reader *r = NULL;
    sqlite3 *db;
    if (write) {
        pthread_mutex_lock(&s->wmu);
        db = s->wdb;
    } else {
        r = cpc__store_reader_get(s);
        db = r->db;
    }
    int code = 0;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        code = cpc__store_sqlerr(err, db, rc, what);
    if (!code && bind)
        code = bind(db, st, arg, err);
    if (!code)
        code = step(db, st, out, err);
    if (code)
        cpc_err_prefix(err, "store: %s", what);
    sqlite3_finalize(st);
    if (write)
        pthread_mutex_unlock(&s->wmu);
    else
        cpc__store_reader_put(s, r);
    return code;
}

/* Step to SQLITE_DONE; out (int *, may be NULL) gets sqlite3_changes. */
static int step_done(sqlite3 *db, sqlite3_stmt *st, void *out, struct cpc_err *err)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        return cpc__store_sqlerr(err, db, rc, "writing blob_uploads");
    if (out)
        *(int *)out = sqlite3_changes(db);
    return 0;
}

/* One row of u64 columns into out (uint64_t[2]: columns 0 and 1 when present). */
static int step_u64s(sqlite3 *db, sqlite3_stmt *st, void *out, struct cpc_err *err)
{
    uint64_t *v = out;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return cpc__store_sqlerr(err, db, rc, "reading blob_uploads");
    for (int i = 0; i < sqlite3_column_count(st) && i < 2; i++)
        if ((rc = cpc__store_col_u64(st, i, &v[i], "blob_uploads aggregate", err)) != 0)
            return rc;
    return 0;
}

static int bind_text1(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err)
{
    if (sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC) != SQLITE_OK)
        return cpc__store_sqlerr(err, db, sqlite3_errcode(db), "binding blob_uploads");
    return 0;
}

static int bind_hash1(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err)
{
    if (sqlite3_bind_blob(st, 1, arg, 32, SQLITE_STATIC) != SQLITE_OK)
        return cpc__store_sqlerr(err, db, sqlite3_errcode(db), "binding blob_uploads");
    return 0;
}

int cpc_store_blob_usage(struct cpc_store *s, const char *uploader, uint64_t *bytes,
                         uint64_t *count, struct cpc_err *err)
{
    if (!s || !uploader || !bytes || !count)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_blob_usage: bad arguments");
    uint64_t v[2] = {0, 0};
    int rc = run(s, 0, "SELECT coalesce(sum(size), 0), count(*) FROM blob_uploads "
                       "WHERE uploader = ?1",
                 bind_text1, uploader, step_u64s, v, "reading a blob quota", err);
    *bytes = v[0];
    *count = v[1];
    return rc;
}

int cpc_store_blob_total(struct cpc_store *s, uint64_t *bytes, struct cpc_err *err)
{
    if (!s || !bytes)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_blob_total: bad arguments");
    uint64_t v[2] = {0, 0};
    int rc = run(s, 0, "SELECT coalesce(sum(size), 0) FROM blob_uploads", NULL, NULL, step_u64s,
                 v, "reading the blob total", err);
    *bytes = v[0];
    return rc;
}

static int bind_upload(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err)
{
    const struct cpc_blob_upload *u = arg;
    int rc = 0;
    if (sqlite3_bind_blob(st, 1, u->sha256, 32, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, u->uploader, -1, SQLITE_STATIC) != SQLITE_OK)
        return cpc__store_sqlerr(err, db, sqlite3_errcode(db), "binding blob_uploads");
    if ((rc = cpc__store_bind_u64(db, st, 3, u->size, "blob size", err)) ||
        (rc = cpc__store_bind_u64(db, st, 4, u->uploaded_at, "blob uploaded_at", err)) ||
        (rc = cpc__store_bind_u64(db, st, 5, u->kept_at, "blob kept_at", err)))
        return rc;
    return 0;
}

struct hash_text {
    const uint8_t *hash;
    const char *text;
    uint64_t at;
};

static int bind_hash_text(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err)
{
    const struct hash_text *k = arg;
    if (sqlite3_bind_blob(st, 1, k->hash, 32, SQLITE_STATIC) != SQLITE_OK ||
        (k->text && sqlite3_bind_text(st, 2, k->text, -1, SQLITE_STATIC) != SQLITE_OK))
        return cpc__store_sqlerr(err, db, sqlite3_errcode(db), "binding blob_uploads");
    int col = k->text ? 3 : 2; /* the time, where the statement has one */
    if (sqlite3_bind_parameter_count(st) < col)
        return 0;
    return cpc__store_bind_u64(db, st, col, k->at, "blob kept_at", err);
}

int cpc_store_blob_record(struct cpc_store *s, const struct cpc_blob_upload *u, int *created,
                          struct cpc_err *err)
{
    if (!s || !u || !created)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_blob_record: bad arguments");
    if (!u->uploader[0] || !memchr(u->uploader, 0, sizeof u->uploader))
        return cpc_err_set(err, CPC_ERR_INVALID, "store: a blob upload needs its uploader");
    int changes = 0;
    *created = 0;
    int rc = run(s, 1,
                 "INSERT INTO blob_uploads(sha256, uploader, size, uploaded_at, kept_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sha256, uploader) DO NOTHING",
                 bind_upload, u, step_done, &changes, "recording a blob upload", err);
    if (rc || changes == 1) {
        *created = rc == 0;
        return rc;
    }
    struct hash_text k = {u->sha256, u->uploader, u->kept_at};
    return run(s, 1,
               "UPDATE blob_uploads SET kept_at = max(kept_at, ?3) "
               "WHERE sha256 = ?1 AND uploader = ?2",
               bind_hash_text, &k, step_done, NULL, "refreshing a blob upload", err);
}

int cpc_store_blob_delete(struct cpc_store *s, const uint8_t sha256[32], const char *uploader,
                          uint64_t before, uint64_t *left, struct cpc_err *err)
{
    if (!s || !sha256 || !uploader)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_blob_delete: bad arguments");
    struct hash_text k = {sha256, uploader, before > INT64_MAX ? INT64_MAX : before};
    int rc = run(s, 1,
                 "DELETE FROM blob_uploads WHERE sha256 = ?1 AND uploader = ?2 "
                 "AND (kept_at < ?3 OR ?3 = 9223372036854775807)",
                 bind_hash_text, &k, step_done, NULL, "deleting a blob upload", err);
    if (rc == 0 && left)
        rc = cpc_store_blob_rows(s, sha256, left, err);
    return rc;
}

int cpc_store_blob_rows(struct cpc_store *s, const uint8_t sha256[32], uint64_t *count,
                        struct cpc_err *err)
{
    if (!s || !sha256 || !count)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_blob_rows: bad arguments");
    uint64_t v[2] = {0, 0};
    int rc = run(s, 0, "SELECT count(*) FROM blob_uploads WHERE sha256 = ?1", bind_hash1, sha256,
                 step_u64s, v, "counting a blob's uploads", err);
    *count = v[0];
    return rc;
}

int cpc_store_blob_keep(struct cpc_store *s, const uint8_t sha256[32], uint64_t at,
                        struct cpc_err *err)
{
    if (!s || !sha256)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_blob_keep: bad arguments");
    struct hash_text k = {sha256, NULL, at};
    return run(s, 1, "UPDATE blob_uploads SET kept_at = max(kept_at, ?2) WHERE sha256 = ?1",
               bind_hash_text, &k, step_done, NULL, "keeping a referenced blob", err);
}

struct expired_out {
    struct cpc_blob_upload *rows;
    size_t max, n;
    uint64_t before;
};

static int bind_before(sqlite3 *db, sqlite3_stmt *st, const void *arg, struct cpc_err *err)
{
    const struct expired_out *o = arg;
    int rc = cpc__store_bind_u64(db, st, 1, o->before, "blob kept_at", err);
    if (!rc)
        rc = cpc__store_bind_u64(db, st, 2, o->max, "blob rows", err);
    return rc;
}

static int step_expired(sqlite3 *db, sqlite3_stmt *st, void *out, struct cpc_err *err)
{
    struct expired_out *o = out;
    int rc;
    while (o->n < o->max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cpc_blob_upload *u = &o->rows[o->n];
        memset(u, 0, sizeof *u);
        const void *h = sqlite3_column_blob(st, 0);
        const unsigned char *t = sqlite3_column_text(st, 1);
        int tl = sqlite3_column_bytes(st, 1);
        if (!h || sqlite3_column_bytes(st, 0) != 32 || !t || tl <= 0 ||
            (size_t)tl >= sizeof u->uploader)
            return cpc_err_set(err, CPC_ERR_DB, "store: corrupt blob_uploads row");
        memcpy(u->sha256, h, 32);
        memcpy(u->uploader, t, (size_t)tl);
        if ((rc = cpc__store_col_u64(st, 2, &u->size, "blob_uploads.size", err)) ||
            (rc = cpc__store_col_u64(st, 3, &u->uploaded_at, "blob_uploads.uploaded_at", err)) ||
            (rc = cpc__store_col_u64(st, 4, &u->kept_at, "blob_uploads.kept_at", err)))
            return rc;
        o->n++;
    }
    if (o->n < o->max && rc != SQLITE_DONE)
        return cpc__store_sqlerr(err, db, rc, "reading blob_uploads");
    return 0;
}

int cpc_store_blob_expired(struct cpc_store *s, uint64_t before, struct cpc_blob_upload *out,
                           size_t max, size_t *n, struct cpc_err *err)
{
    if (!s || !out || !n)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_blob_expired: bad arguments");
    *n = 0;
    if (max == 0)
        return 0;
    if (before > INT64_MAX)
        before = INT64_MAX;
    struct expired_out o = {out, max, 0, before};
    int rc = run(s, 0,
                 "SELECT sha256, uploader, size, uploaded_at, kept_at FROM blob_uploads "
                 "WHERE kept_at < ?1 ORDER BY kept_at LIMIT ?2",
                 bind_before, &o, step_expired, &o, "listing expired blobs", err);
    *n = o.n;
    return rc;
}

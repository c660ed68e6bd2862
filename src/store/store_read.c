/* store_read.c — the read side of the SQLite store (thread-safe queries).
 *
 * Design note: every function borrows one pooled read-only connection,
 * runs its pre-prepared statement(s), resets them and gives the connection
 * back, whatever the outcome (goto-cleanup). Rows are turned into the JSON
 * shapes of block.h / store.h: the stored tx JSON (cpc_tx_to_json output)
 * is parsed once and the per-tx result fields are added. Anything that
 * does not decode (a negative amount, a bad address, unparsable JSON) is
 * reported as CPC_ERR_DB "corrupt", never trusted. Blocks are immutable
 * once committed, so a block read as two statements (header, then txs)
 * cannot see a half-written block: a commit is all-or-nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bech32.h"
#include "../core/hex.h"
#include "store_internal.h"

/* Parse stored JSON text of column col; must be an object. */
static int col_json(sqlite3_stmt *st, int col, const char *what, json_t **out,
                    struct cpc_err *err)
{
    const char *txt = (const char *)sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    json_error_t jerr;
    if (!txt)
        return cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: %s is NULL", what);
    json_t *j = json_loadb(txt, (size_t)n, 0, &jerr);
    if (!j)
        return cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: %s is not JSON (%s)", what,
                           jerr.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: %s is not a JSON object", what);
    }
    *out = j;
    return 0;
}

static int set_new(json_t *obj, const char *key, json_t *v, struct cpc_err *err)
{
    if (!v || json_object_set_new(obj, key, v) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    return 0;
}

/* A row of "height, idx, status, error, gas_used, fee, json" as the tx JSON
 * plus its result fields ("height" only when with_height). */
static int tx_row_json(sqlite3_stmt *st, int with_height, json_t **out, struct cpc_err *err)
{
    uint64_t height = 0, idx = 0, gas = 0, fee = 0;
    json_t *j = NULL;
    int rc;

    rc = cpc__store_col_u64(st, 0, &height, "txs.height", err);
    if (!rc)
        rc = cpc__store_col_u64(st, 1, &idx, "txs.idx", err);
    if (!rc)
        rc = cpc__store_col_u64(st, 4, &gas, "txs.gas_used", err);
    if (!rc)
        rc = cpc__store_col_u64(st, 5, &fee, "txs.fee", err);
    if (rc)
        return rc;
    if (sqlite3_column_type(st, 2) != SQLITE_INTEGER)
        return cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: txs.status is not an integer");
    int status = sqlite3_column_int(st, 2);
    rc = col_json(st, 6, "txs.json", &j, err);
    if (rc)
        return rc;

    json_t *errv;
    if (status == 0) {
        errv = json_null();
    } else {
        const char *e = (const char *)sqlite3_column_text(st, 3);
        errv = json_string(e ? e : "");
        if (!errv) /* not valid UTF-8: keep the JSON valid */
            errv = json_string("(unprintable error message)");
    }
    if (with_height)
        rc = set_new(j, "height", json_integer((json_int_t)height), err);
    if (!rc)
        rc = set_new(j, "index", json_integer((json_int_t)idx), err);
    if (!rc)
        rc = set_new(j, "status", json_string(status == 0 ? "success" : "failed"), err);
    if (!rc)
        rc = set_new(j, "error", errv, err);
    else
        json_decref(errv);
    if (!rc)
        rc = set_new(j, "gas_used", json_integer((json_int_t)gas), err);
    if (!rc)
        rc = set_new(j, "fee", json_integer((json_int_t)fee), err);
    if (rc) {
        json_decref(j);
        return rc;
    }
    *out = j;
    return 0;
}

int cpc_store_latest_height(struct cpc_store *s, uint64_t *height, struct cpc_err *err)
{
    if (!s || !height)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_latest_height: bad arguments");
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = r->st[R_LATEST];
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        rc = cpc__store_sqlerr(err, r->db, rc, "reading the latest height");
    else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: no blocks yet");
    else
        rc = cpc__store_col_u64(st, 0, height, "blocks.height", err);
    cpc__store_stmt_done(st);
    cpc__store_reader_put(s, r);
    return rc;
}

/* Load the stored header JSON of height with reader r (statement reset on return). */
static int header_json_at(struct cpc__store_reader *r, uint64_t height, json_t **out,
                          struct cpc_err *err)
{
    sqlite3_stmt *st = r->st[R_HEADER];
    int rc;
    if (height > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: block %llu not found",
                           (unsigned long long)height);
    rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)height);
    if (rc != SQLITE_OK) {
        rc = cpc__store_sqlerr(err, r->db, rc, "reading a block");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: block %llu not found",
                         (unsigned long long)height);
    else if (rc != SQLITE_ROW)
        rc = cpc__store_sqlerr(err, r->db, rc, "reading a block");
    else
        rc = col_json(st, 0, "blocks.header_json", out, err);
out:
    cpc__store_stmt_done(st);
    return rc;
}

int cpc_store_get_header(struct cpc_store *s, uint64_t height, struct cpc_block_header *h,
                         struct cpc_err *err)
{
    json_t *j = NULL;
    if (!s || !h)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_get_header: bad arguments");
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    int rc = header_json_at(r, height, &j, err);
    cpc__store_reader_put(s, r);
    if (rc)
        return rc;
    rc = cpc_block_header_from_json(h, j, err);
    json_decref(j);
    if (rc) {
        cpc_err_prefix(err, "store: stored header %llu is corrupt", (unsigned long long)height);
        if (err)
            err->code = CPC_ERR_DB;
        return CPC_ERR_DB;
    }
    return 0;
}

/* Block JSON of height; when codes is non-NULL it also receives a heap array
 * (caller frees) of each tx's stored status code, which the JSON only
 * carries as "success"/"failed". */
static int block_json(struct cpc_store *s, uint64_t height, json_t **out, int **codes,
                      struct cpc_err *err)
{
    json_t *hdr = NULL, *txs = NULL, *blk = NULL;
    sqlite3_stmt *st = NULL;
    int *cv = NULL;
    size_t ncv = 0, capcv = 0;
    int rc;

    *out = NULL;
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    rc = header_json_at(r, height, &hdr, err);
    if (rc)
        goto out;
    txs = json_array();
    if (!txs) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
        goto out;
    }
    st = r->st[R_BLOCK_TXS];
    rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)height);
    if (rc != SQLITE_OK) {
        rc = cpc__store_sqlerr(err, r->db, rc, "reading block txs");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *tj = NULL;
        rc = tx_row_json(st, 0, &tj, err);
        if (rc)
            goto out;
        if (json_array_append_new(txs, tj) != 0) {
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
            goto out;
        }
        if (codes) {
            if (ncv == capcv) {
                size_t nc = capcv ? capcv * 2 : 64;
                int *nv = realloc(cv, nc * sizeof *nv);
                if (!nv) {
                    rc = cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
                    goto out;
                }
                cv = nv;
                capcv = nc;
            }
            cv[ncv++] = sqlite3_column_int(st, 2);
        }
    }
    if (rc != SQLITE_DONE) {
        rc = cpc__store_sqlerr(err, r->db, rc, "reading block txs");
        goto out;
    }
    json_t *n = json_object_get(hdr, "n_txs");
    if (!json_is_integer(n) || json_integer_value(n) != (json_int_t)json_array_size(txs)) {
        rc = cpc_err_set(err, CPC_ERR_DB, "store: block %llu: header n_txs disagrees with %zu stored txs",
                         (unsigned long long)height, json_array_size(txs));
        goto out;
    }
    blk = json_object();
    if (!blk || json_object_set_new(blk, "header", hdr) != 0) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
        goto out;
    }
    hdr = NULL;
    if (json_object_set_new(blk, "txs", txs) != 0) {
        txs = NULL;
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
        goto out;
    }
    txs = NULL;
    *out = blk;
    blk = NULL;
    if (codes) {
        *codes = cv;
        cv = NULL;
    }
    rc = 0;
out:
    if (st)
        cpc__store_stmt_done(st);
    cpc__store_reader_put(s, r);
    json_decref(hdr);
    json_decref(txs);
    json_decref(blk);
    free(cv);
    return rc;
}

int cpc_store_get_block_json(struct cpc_store *s, uint64_t height, json_t **out,
                             struct cpc_err *err)
{
    if (!s || !out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_get_block_json: bad arguments");
    return block_json(s, height, out, NULL, err);
}

int cpc_store_block_height_by_hash(struct cpc_store *s, const uint8_t hash[32], uint64_t *height,
                                   struct cpc_err *err)
{
    if (!s || !hash || !height)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_block_height_by_hash: bad arguments");
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = r->st[R_HEIGHT_BY_HASH];
    int rc = sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        rc = cpc__store_sqlerr(err, r->db, rc, "finding a block by hash");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *height = (uint64_t)sqlite3_column_int64(st, 0);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        char hex[65];
        cpc_hex_encode(hex, hash, 32);
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: no block has hash %s", hex);
    } else {
        rc = cpc__store_sqlerr(err, r->db, rc, "finding a block by hash");
    }
out:
    cpc__store_stmt_done(st);
    cpc__store_reader_put(s, r);
    return rc;
}

int cpc_store_get_block(struct cpc_store *s, uint64_t height, struct cpc_block *b,
                        struct cpc_err *err)
{
    json_t *j = NULL;
    if (!s || !b)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_get_block: bad arguments");
    int *codes = NULL;
    memset(b, 0, sizeof *b);
    int rc = block_json(s, height, &j, &codes, err);
    if (rc)
        return rc;
    rc = cpc_block_from_json(b, j, err);
    json_decref(j);
    if (rc) {
        free(codes);
        cpc_block_clear(b);
        cpc_err_prefix(err, "store: stored block %llu does not decode", (unsigned long long)height);
        if (err)
            err->code = CPC_ERR_DB;
        return CPC_ERR_DB;
    }
    /* The JSON only says "failed"; give back the exact stored error code. */
    for (size_t i = 0; b->results && codes && i < b->n_txs; i++)
        if (b->results[i].code != 0 && codes[i] != 0)
            b->results[i].code = codes[i];
    free(codes);
    return 0;
}

int cpc_store_get_tx_json(struct cpc_store *s, const uint8_t hash[32], json_t **out,
                          struct cpc_err *err)
{
    if (!s || !hash || !out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_get_tx_json: bad arguments");
    *out = NULL;
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = r->st[R_TX];
    int rc = sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        rc = cpc__store_sqlerr(err, r->db, rc, "reading a tx");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        char hex[65];
        cpc_hex_encode(hex, hash, 32);
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: tx %s not found", hex);
    } else if (rc != SQLITE_ROW) {
        rc = cpc__store_sqlerr(err, r->db, rc, "reading a tx");
    } else {
        rc = tx_row_json(st, 1, out, err);
    }
out:
    cpc__store_stmt_done(st);
    cpc__store_reader_put(s, r);
    return rc;
}

int cpc_store_list_txs_by_address(struct cpc_store *s, const uint8_t addr[CPC_ADDR_HASH_LEN],
                                  uint32_t limit, uint32_t offset, json_t **out,
                                  struct cpc_err *err)
{
    char a[CPC_ADDR_STR_MAX];
    json_t *arr = NULL;
    int rc;

    if (!s || !addr || !out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_list_txs_by_address: bad arguments");
    *out = NULL;
    if (limit > CPC_STORE_LIST_MAX)
        limit = CPC_STORE_LIST_MAX;
    arr = json_array();
    if (!arr)
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    cpc_address_encode(a, addr);

    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = r->st[R_BY_ADDR];
    if (sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, (sqlite3_int64)limit) != SQLITE_OK ||
        sqlite3_bind_int64(st, 3, (sqlite3_int64)offset) != SQLITE_OK) {
        rc = cpc__store_sqlerr(err, r->db, sqlite3_errcode(r->db), "listing txs");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *tj = NULL;
        rc = tx_row_json(st, 1, &tj, err);
        if (rc)
            goto out;
        if (json_array_append_new(arr, tj) != 0) {
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = cpc__store_sqlerr(err, r->db, rc, "listing txs");
        goto out;
    }
    *out = arr;
    arr = NULL;
    rc = 0;
out:
    cpc__store_stmt_done(st);
    cpc__store_reader_put(s, r);
    json_decref(arr);
    return rc;
}

/* Columns off..off+2 = balance, nonce, stake. */
static int account_cols(sqlite3_stmt *st, int off, struct cpc_account *acc, struct cpc_err *err)
{
    int rc = cpc__store_col_u64(st, off, &acc->balance, "accounts.balance", err);
    if (!rc)
        rc = cpc__store_col_u64(st, off + 1, &acc->nonce, "accounts.nonce", err);
    if (!rc)
        rc = cpc__store_col_u64(st, off + 2, &acc->stake, "accounts.stake", err);
    return rc;
}

/* Load the objects table into state with reader r (statement reset on return). */
static int load_objects(struct cpc__store_reader *r, struct cpc_state *state, struct cpc_err *err)
{
    sqlite3_stmt *st = r->st[R_OBJECTS];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const uint8_t *key = sqlite3_column_blob(st, 0);
        int klen = sqlite3_column_bytes(st, 0);
        if (sqlite3_column_type(st, 0) != SQLITE_BLOB || !key || klen < 1 ||
            klen > CPC_OBJ_KEY_MAX) {
            rc = cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: bad object key (%d bytes)",
                             klen);
            goto out;
        }
        if (sqlite3_column_type(st, 1) != SQLITE_BLOB) {
            rc = cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: object value is not a BLOB");
            goto out;
        }
        const uint8_t *val = sqlite3_column_blob(st, 1); /* NULL for an empty BLOB */
        int vlen = sqlite3_column_bytes(st, 1);
        if (vlen < 0 || vlen > CPC_OBJ_VALUE_MAX || (vlen > 0 && !val)) {
            rc = vlen > CPC_OBJ_VALUE_MAX
                     ? cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: object value of %d bytes",
                                   vlen)
                     : cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
            goto out;
        }
        rc = cpc_state_obj_put(state, key, (size_t)klen, val, (size_t)vlen);
        if (rc) {
            rc = cpc_err_set(err, rc, "store: out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = cpc__store_sqlerr(err, r->db, rc, "loading objects");
        goto out;
    }
    rc = 0;
out:
    cpc__store_stmt_done(st);
    return rc;
}

int cpc_store_load_state(struct cpc_store *s, struct cpc_state **out, struct cpc_err *err)
{
    struct cpc_state *state = NULL;
    int rc;

    if (!s || !out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_load_state: bad arguments");
    *out = NULL;
    state = cpc_state_new();
    if (!state)
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = r->st[R_ACCOUNTS];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint8_t addr[CPC_ADDR_HASH_LEN];
        struct cpc_account acc;
        const char *a = (const char *)sqlite3_column_text(st, 0);
        if (!a || cpc_address_decode(addr, a) != 0) {
            rc = cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: bad account address '%.60s'",
                             a ? a : "(null)");
            goto out;
        }
        rc = account_cols(st, 1, &acc, err);
        if (rc)
            goto out;
        if (cpc_state_put(state, addr, &acc) != 0) {
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = cpc__store_sqlerr(err, r->db, rc, "loading accounts");
        goto out;
    }
    cpc__store_stmt_done(st);
    rc = load_objects(r, state, err);
    if (rc)
        goto out;
    *out = state;
    state = NULL;
    rc = 0;
out:
    cpc__store_stmt_done(st);
    cpc__store_reader_put(s, r);
    cpc_state_free(state);
    return rc;
}

int cpc_store_get_account(struct cpc_store *s, const uint8_t addr[CPC_ADDR_HASH_LEN],
                          struct cpc_account *out, struct cpc_err *err)
{
    char a[CPC_ADDR_STR_MAX];
    int rc;

    if (!s || !addr || !out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_get_account: bad arguments");
    memset(out, 0, sizeof *out);
    cpc_address_encode(a, addr);
    struct cpc__store_reader *r = cpc__store_reader_get(s);
    sqlite3_stmt *st = r->st[R_ACCOUNT];
    rc = sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        rc = cpc__store_sqlerr(err, r->db, rc, "reading an account");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "store: account %s not found", a);
    } else if (rc != SQLITE_ROW) {
        rc = cpc__store_sqlerr(err, r->db, rc, "reading an account");
    } else {
        rc = account_cols(st, 0, out, err);
        if (rc)
            memset(out, 0, sizeof *out);
    }
out:
    cpc__store_stmt_done(st);
    cpc__store_reader_put(s, r);
    return rc;
}

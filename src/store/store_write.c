/* store_write.c — the writer side of the SQLite store: genesis and block commits.
 *
 * Design note: this is the node's hot path (blocks of up to 10k txs). A
 * block is ONE `BEGIN IMMEDIATE ... COMMIT` on the writer connection: the
 * block row, one txs row per tx, and an upsert per changed account; any
 * failure rolls the whole block back, so a crash or a SIGKILL at any point
 * leaves either the complete block or nothing (WAL + synchronous=FULL make
 * the COMMIT durable). Objects of the delta (state.h) go in the same
 * transaction: live ones are upserted, tombstoned keys deleted. Per row the work is: bind pre-prepared statements
 * (hashes bound SQLITE_STATIC, no copies), dump the tx JSON once into a
 * reused scratch buffer (no per-row malloc for the text, no re-parsing),
 * step, reset. SUBMIT_RESULT texts skip jansson: cpc_tx_json_text (core)
 * writes the identical bytes straight into the scratch buffer. The
 * height/prev_hash check happens inside the transaction, so it cannot race
 * another writer process.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bech32.h"
#include "../core/hex.h"
#include "store_internal.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* Dump j into s->scratch (not NUL-terminated); *len = bytes. */
static int dump_json(struct cpc_store *s, const json_t *j, size_t *len, struct cpc_err *err)
{
    size_t need = json_dumpb(j, s->scratch, s->scratch_cap, JSON_FLAGS);
    if (need == 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "store: cannot serialise JSON");
    if (need > s->scratch_cap) {
        size_t cap = s->scratch_cap ? s->scratch_cap : 4096;
        while (cap < need)
            cap *= 2;
        char *nb = realloc(s->scratch, cap);
        if (!nb)
            return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
        s->scratch = nb;
        s->scratch_cap = cap;
        need = json_dumpb(j, s->scratch, s->scratch_cap, JSON_FLAGS);
        if (need == 0 || need > s->scratch_cap)
            return cpc_err_set(err, CPC_ERR_INTERNAL, "store: cannot serialise JSON");
    }
    *len = need;
    return 0;
}

/* Step a writer statement that returns no rows, then reset it. */
static int step_done(struct cpc_store *s, sqlite3_stmt *st, const char *what, struct cpc_err *err)
{
    int rc = sqlite3_step(st);
    int code = rc == SQLITE_DONE ? 0 : cpc__store_sqlerr(err, s->wdb, rc, what);
    cpc__store_stmt_done(st);
    return code;
}

static void rollback(struct cpc_store *s)
{
    if (!sqlite3_get_autocommit(s->wdb)) {
        sqlite3_step(s->w[W_ROLLBACK]);
        cpc__store_stmt_done(s->w[W_ROLLBACK]);
    }
}

/* *has = whether any block exists; if so its height and hash. */
static int latest_block(struct cpc_store *s, int *has, uint64_t *height, uint8_t hash[32],
                        struct cpc_err *err)
{
    sqlite3_stmt *st = s->w[W_LATEST];
    int code = 0;
    int rc = sqlite3_step(st);
    *has = 0;
    if (rc == SQLITE_DONE)
        goto out;
    if (rc != SQLITE_ROW) {
        code = cpc__store_sqlerr(err, s->wdb, rc, "reading the latest block");
        goto out;
    }
    code = cpc__store_col_u64(st, 0, height, "blocks.height", err);
    if (code)
        goto out;
    if (sqlite3_column_bytes(st, 1) != 32) {
        code = cpc_err_set(err, CPC_ERR_DB, "store: corrupt row: blocks.hash is not 32 bytes");
        goto out;
    }
    memcpy(hash, sqlite3_column_blob(st, 1), 32);
    *has = 1;
out:
    cpc__store_stmt_done(st);
    return code;
}

static int insert_block_row(struct cpc_store *s, const struct cpc_block_header *h,
                            struct cpc_err *err)
{
    sqlite3_stmt *st = s->w[W_INS_BLOCK];
    uint8_t hash[32];
    json_t *hj = NULL;
    size_t len = 0;
    int rc;

    if (cpc_block_header_hash(h, hash) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: cannot hash the block header");
    hj = cpc_block_header_to_json(h);
    if (!hj)
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    rc = dump_json(s, hj, &len, err);
    if (rc)
        goto out;
    rc = cpc__store_bind_u64(s->wdb, st, 1, h->height, "block height", err);
    if (!rc)
        rc = cpc__store_bind_u64(s->wdb, st, 3, h->time_ms, "block time", err);
    if (rc)
        goto out;
    if (sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 4, (sqlite3_int64)h->n_txs) != SQLITE_OK ||
        sqlite3_bind_text(st, 5, s->scratch, (int)len, SQLITE_STATIC) != SQLITE_OK) {
        rc = cpc__store_sqlerr(err, s->wdb, sqlite3_errcode(s->wdb), "binding the block row");
        goto out;
    }
    rc = step_done(s, st, "inserting the block row", err);
out:
    cpc__store_stmt_done(st);
    json_decref(hj);
    return rc;
}

static int insert_tx_row(struct cpc_store *s, uint64_t height, size_t idx, const struct cpc_tx *tx,
                         const struct cpc_tx_result *res, struct cpc_err *err)
{
    sqlite3_stmt *st = s->w[W_INS_TX];
    char sender[CPC_ADDR_STR_MAX], recipient[CPC_ADDR_STR_MAX];
    uint8_t to[CPC_ADDR_HASH_LEN];
    json_t *tj = NULL;
    size_t len = 0;
    int rc;

    /* Hot types: the direct encoder writes the same bytes as dump_json would,
     * into s->scratch lent as a cpc_buf (realloc-grown; handed back either way). */
    struct cpc_buf tb = {.data = (uint8_t *)s->scratch, .len = 0, .cap = s->scratch_cap, .failed = 0};
    rc = cpc_tx_json_text(tx, &tb);
    s->scratch = (char *)tb.data;
    s->scratch_cap = tb.cap;
    if (rc == 0) {
        len = tb.len;
    } else if (rc != CPC_TX_JSON_TEXT_FALLBACK) {
        return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
    } else {
        tj = cpc_tx_to_json(tx);
        if (!tj)
            return cpc_err_set(err, CPC_ERR_NOMEM, "store: out of memory");
        rc = dump_json(s, tj, &len, err);
        json_decref(tj);
        if (rc)
            return rc;
    }

    cpc_address_encode(sender, tx->from);
    int has_to = cpc_tx_recipient(tx, to);
    if (has_to)
        cpc_address_encode(recipient, to);

    rc = cpc__store_bind_u64(s->wdb, st, 2, height, "block height", err);
    if (!rc)
        rc = cpc__store_bind_u64(s->wdb, st, 9, res->gas_used, "gas_used", err);
    if (!rc)
        rc = cpc__store_bind_u64(s->wdb, st, 10, res->fee, "fee", err);
    if (rc)
        goto out;
    if (sqlite3_bind_blob(st, 1, tx->hash, 32, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 3, (sqlite3_int64)idx) != SQLITE_OK ||
        sqlite3_bind_text(st, 4, cpc_tx_type_name(tx->type), -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 5, sender, -1, SQLITE_STATIC) != SQLITE_OK ||
        (has_to ? sqlite3_bind_text(st, 6, recipient, -1, SQLITE_STATIC)
                : sqlite3_bind_null(st, 6)) != SQLITE_OK ||
        sqlite3_bind_int(st, 7, res->code) != SQLITE_OK ||
        (res->code ? sqlite3_bind_text(st, 8, res->error,
                                       (int)strnlen(res->error, sizeof res->error), SQLITE_STATIC)
                   : sqlite3_bind_null(st, 8)) != SQLITE_OK ||
        sqlite3_bind_text(st, 11, s->scratch, (int)len, SQLITE_STATIC) != SQLITE_OK) {
        rc = cpc__store_sqlerr(err, s->wdb, sqlite3_errcode(s->wdb), "binding a tx row");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = 0;
    } else if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        char hex[65];
        cpc_hex_encode(hex, tx->hash, 32);
        rc = cpc_err_set(err, CPC_ERR_DB, "store: tx %s (index %zu) cannot be stored: %s", hex,
                         idx, sqlite3_errmsg(s->wdb));
    } else {
        rc = cpc__store_sqlerr(err, s->wdb, rc, "inserting a tx row");
    }
out:
    cpc__store_stmt_done(st);
    return rc;
}

struct upsert_ctx {
    struct cpc_store *s;
    uint64_t height;
    struct cpc_err *err;
};

static int upsert_account(const uint8_t addr[CPC_ADDR_HASH_LEN], const struct cpc_account *acc,
                          void *arg)
{
    struct upsert_ctx *c = arg;
    struct cpc_store *s = c->s;
    sqlite3_stmt *st = s->w[W_UPSERT_ACCT];
    char a[CPC_ADDR_STR_MAX];
    int rc;

    cpc_address_encode(a, addr);
    rc = cpc__store_bind_u64(s->wdb, st, 2, acc->balance, "account balance", c->err);
    if (!rc)
        rc = cpc__store_bind_u64(s->wdb, st, 3, acc->nonce, "account nonce", c->err);
    if (!rc)
        rc = cpc__store_bind_u64(s->wdb, st, 4, acc->stake, "account stake", c->err);
    if (!rc)
        rc = cpc__store_bind_u64(s->wdb, st, 5, c->height, "block height", c->err);
    if (rc) {
        cpc__store_stmt_done(st);
        cpc_err_prefix(c->err, "account %s", a);
        return rc;
    }
    if (sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC) != SQLITE_OK) {
        rc = cpc__store_sqlerr(c->err, s->wdb, sqlite3_errcode(s->wdb), "binding an account");
        cpc__store_stmt_done(st);
        return rc;
    }
    return step_done(s, st, "writing an account", c->err);
}

/* Upsert a live object, delete a tombstoned key. */
static int write_object(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                        int tombstone, void *arg)
{
    struct upsert_ctx *c = arg;
    struct cpc_store *s = c->s;
    sqlite3_stmt *st = s->w[tombstone ? W_DEL_OBJ : W_UPSERT_OBJ];
    int brc = sqlite3_bind_blob(st, 1, key, (int)klen, SQLITE_STATIC);
    if (brc == SQLITE_OK && !tombstone)
        brc = vlen ? sqlite3_bind_blob(st, 2, val, (int)vlen, SQLITE_STATIC)
                   : sqlite3_bind_zeroblob(st, 2, 0); /* empty BLOB, not NULL */
    if (brc != SQLITE_OK) {
        int rc = cpc__store_sqlerr(c->err, s->wdb, brc, "binding an object");
        cpc__store_stmt_done(st);
        return rc;
    }
    return step_done(s, st, tombstone ? "deleting an object" : "writing an object", c->err);
}

/* Accounts and objects of st (a delta's tombstones delete). */
static int upsert_state(struct cpc_store *s, const struct cpc_state *st, uint64_t height,
                        struct cpc_err *err)
{
    struct upsert_ctx c = {s, height, err};
    if (!st)
        return 0;
    int rc = cpc_state_foreach(st, upsert_account, &c);
    if (rc == 0)
        rc = cpc_state_obj_foreach(st, write_object, &c);
    if (rc > 0) /* defensive: a visitor only returns 0 or a negative code */
        rc = cpc_err_set(err, CPC_ERR_INTERNAL, "store: state iteration failed");
    return rc;
}

static int meta_put(struct cpc_store *s, const char *key, const char *value, struct cpc_err *err)
{
    sqlite3_stmt *st = s->w[W_META_SET];
    if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC) != SQLITE_OK) {
        int rc = cpc__store_sqlerr(err, s->wdb, sqlite3_errcode(s->wdb), "binding meta");
        cpc__store_stmt_done(st);
        return rc;
    }
    return step_done(s, st, "writing meta", err);
}

static int begin(struct cpc_store *s, struct cpc_err *err)
{
    return step_done(s, s->w[W_BEGIN], "starting a write transaction", err);
}

static int commit(struct cpc_store *s, struct cpc_err *err)
{
    return step_done(s, s->w[W_COMMIT], "committing", err);
}

/* Take the write lock (the caller unlocks), open a transaction and read the
 * latest block into *has, *latest, hash. *begun: the transaction opened (an
 * error after it wants the caller's rollback and context). 0 or the error. */
static int begin_at_latest(struct cpc_store *s, int *has, uint64_t *latest, uint8_t hash[32],
                           bool *begun, struct cpc_err *err)
{
    pthread_mutex_lock(&s->wmu);
    int rc = begin(s, err);
    *begun = rc == 0;
    return rc ? rc : latest_block(s, has, latest, hash, err);
}

int cpc_store_init_genesis(struct cpc_store *s, const char *genesis_json,
                           const struct cpc_block_header *h0, const struct cpc_state *st,
                           uint64_t total_supply, struct cpc_err *err)
{
    char supply[24];
    uint64_t latest = 0;
    uint8_t latest_hash[32];
    int has = 0, rc;

    if (!s || !genesis_json || !h0 || !st)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_init_genesis: bad arguments");
    if (h0->height != 0 || h0->n_txs != 0)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "store: genesis header must have height 0 and no txs (got height %llu, "
                           "%u txs)",
                           (unsigned long long)h0->height, h0->n_txs);
    if (total_supply > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "store: total supply %llu exceeds INT64_MAX",
                           (unsigned long long)total_supply);
    snprintf(supply, sizeof supply, "%llu", (unsigned long long)total_supply);

    bool begun;
    if ((rc = begin_at_latest(s, &has, &latest, latest_hash, &begun, err)) != 0)
        goto fail;
    if (has) {
        rc = cpc_err_set(err, CPC_ERR_INVALID,
                         "store: already initialised (it holds blocks up to height %llu)",
                         (unsigned long long)latest);
        goto fail;
    }
    rc = meta_put(s, "chain_id", h0->chain_id, err);
    if (!rc)
        rc = meta_put(s, "genesis", genesis_json, err);
    if (!rc)
        rc = meta_put(s, "total_supply", supply, err);
    if (!rc)
        rc = insert_block_row(s, h0, err);
    if (!rc)
        rc = upsert_state(s, st, 0, err);
    if (!rc)
        rc = commit(s, err);
    if (rc)
        goto fail;
    goto out;
fail:
    rollback(s);
    if (begun && rc != CPC_ERR_INVALID)
        cpc_err_prefix(err, "store: genesis not written");
out:
    pthread_mutex_unlock(&s->wmu);
    return rc;
}

int cpc_store_commit_block(struct cpc_store *s, const struct cpc_block *b,
                           const struct cpc_state *delta, struct cpc_err *err)
{
    uint64_t latest = 0, height;
    uint8_t latest_hash[32];
    int has = 0, rc;

    if (!s || !b)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_store_commit_block: bad arguments");
    height = b->header.height;
    if (b->n_txs > 0 && (!b->txs || !b->results))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "store: block %llu has txs but no results; cannot store it",
                           (unsigned long long)height);
    if ((uint64_t)b->header.n_txs != (uint64_t)b->n_txs)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "store: block %llu header says %u txs but carries %zu",
                           (unsigned long long)height, b->header.n_txs, b->n_txs);

    bool begun;
    if ((rc = begin_at_latest(s, &has, &latest, latest_hash, &begun, err)) != 0)
        goto fail;
    if (!has) {
        rc = cpc_err_set(err, CPC_ERR_INVALID,
                         "store: no genesis block yet; cannot commit block %llu",
                         (unsigned long long)height);
        goto fail;
    }
    if (latest == UINT64_MAX || height != latest + 1) {
        rc = cpc_err_set(err, CPC_ERR_INVALID,
                         "store: block height %llu does not follow the latest stored block %llu",
                         (unsigned long long)height, (unsigned long long)latest);
        goto fail;
    }
    if (memcmp(b->header.prev_hash, latest_hash, 32) != 0) {
        rc = cpc_err_set(err, CPC_ERR_INVALID,
                         "store: block %llu prev_hash does not match the stored block %llu",
                         (unsigned long long)height, (unsigned long long)latest);
        goto fail;
    }
    rc = insert_block_row(s, &b->header, err);
    for (size_t i = 0; !rc && i < b->n_txs; i++)
        rc = insert_tx_row(s, height, i, &b->txs[i], &b->results[i], err);
    if (!rc)
        rc = upsert_state(s, delta, height, err);
    if (!rc)
        rc = commit(s, err);
    if (rc)
        goto fail;
    atomic_fetch_add(&s->tx_count, (uint64_t)b->n_txs);
    goto out;
fail:
    rollback(s);
    if (begun && rc != CPC_ERR_INVALID)
        cpc_err_prefix(err, "store: block %llu not committed", (unsigned long long)height);
out:
    pthread_mutex_unlock(&s->wmu);
    return rc;
}

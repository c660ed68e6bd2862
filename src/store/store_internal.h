/* store_internal.h — private to src/store: the cpc_store struct, statement
 * tables and helpers shared by store_sqlite.c (open/close, pool, meta),
 * store_migrations.c (schema), store_write.c (genesis, commit) and
 * store_read.c (queries). Internal names use the cpc__store_ prefix.
 */
#ifndef CPC_STORE_STORE_INTERNAL_H
#define CPC_STORE_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>

#include "store.h"

#define CPC_STORE_READERS 4      /* read-only connections in the pool */
#define CPC_STORE_BUSY_MS 5000   /* busy_timeout on every connection */
#define CPC_STORE_LIST_MAX 1000  /* cap on list_txs_by_address's limit */

/* Writer statements (prepared once on the writer connection). */
enum cpc__store_wstmt {
    W_BEGIN,
    W_COMMIT,
    W_ROLLBACK,
    W_LATEST,       /* height, hash of the newest block */
    W_INS_BLOCK,
    W_INS_TX,
    W_UPSERT_ACCT,
    W_META_SET,
    W_UPSERT_OBJ,
    W_DEL_OBJ,
    W__COUNT
};

/* Reader statements (prepared once on every pooled read-only connection). */
enum cpc__store_rstmt {
    R_META_GET,
    R_LATEST,
    R_HEADER,
    R_BLOCK_TXS,
    R_TX,
    R_BY_ADDR,
    R_ACCOUNTS,
    R_ACCOUNT,
    R_TX_COUNT,
    R_OBJECTS,
    R_HEIGHT_BY_HASH,
    R__COUNT
};

struct cpc__store_reader {
    sqlite3 *db;
    sqlite3_stmt *st[R__COUNT];
    int busy; /* guarded by cpc_store.rmu */
};

struct cpc_store {
    /* writer: one connection, serialised by wmu */
    sqlite3 *wdb;
    sqlite3_stmt *w[W__COUNT];
    pthread_mutex_t wmu;
    char *scratch;       /* writer-owned JSON dump buffer (reused across rows) */
    size_t scratch_cap;

    /* readers: fixed pool, borrowed under rmu/rcv */
    struct cpc__store_reader rd[CPC_STORE_READERS];
    pthread_mutex_t rmu;
    pthread_cond_t rcv;
    int sync_ready;      /* mutexes/condvar initialised */

    int schema_version;
    _Atomic uint64_t tx_count;
};

extern const char *const cpc__store_wsql[W__COUNT];
extern const char *const cpc__store_rsql[R__COUNT];

/* Fill err from a SQLite failure: CPC_ERR_IO for I/O-ish codes (cannot open,
 * disk full, I/O error), CPC_ERR_NOMEM, else CPC_ERR_DB. Returns the code. */
int cpc__store_sqlerr(struct cpc_err *err, sqlite3 *db, int rc, const char *what);

/* Run every statement of a static SQL script (DDL / pragmas) on db. */
int cpc__store_exec(sqlite3 *db, const char *sql, struct cpc_err *err);

/* Apply pending migrations on the writer connection; *version gets the
 * resulting schema version. Fails with CPC_ERR_DB when the file's schema is
 * newer than this binary knows. */
int cpc__store_migrate(sqlite3 *db, int *version, struct cpc_err *err);
/* Number of migrations this binary knows (the highest version). */
int cpc__store_known_version(void);

/* Borrow / return a pooled read-only connection (blocks while all are busy). */
struct cpc__store_reader *cpc__store_reader_get(struct cpc_store *s);
void cpc__store_reader_put(struct cpc_store *s, struct cpc__store_reader *r);

/* Reset a statement and drop its bindings (after every use). */
void cpc__store_stmt_done(sqlite3_stmt *st);

/* Bind a u64 that must fit SQLite's signed INTEGER; CPC_ERR_OVERFLOW otherwise. */
int cpc__store_bind_u64(sqlite3 *db, sqlite3_stmt *st, int col, uint64_t v, const char *what,
                        struct cpc_err *err);
/* Read a column that must be a non-negative INTEGER; CPC_ERR_DB otherwise. */
int cpc__store_col_u64(sqlite3_stmt *st, int col, uint64_t *out, const char *what,
                       struct cpc_err *err);
/* Copy a TEXT column of at most cap-1 bytes into out (NUL-terminated; out is
 * the caller's); CPC_ERR_DB ("corrupt row: what") when NULL or longer. */
int cpc__store_col_text(sqlite3_stmt *st, int col, char *out, size_t cap, const char *what,
                        struct cpc_err *err);

#endif

/* platform_sqlite_webhooks.c — webhook_store.h for SQLite (platform
 * migration 13): webhooks, their outbox and their attempt log.
 *
 * Design note. The common case is the delivery path: pick a due row (one
 * indexed SELECT, no write) and record its outcome (one commit holding the
 * row's update, the attempt's log row and two bounded prunes, each through
 * a partial or covering index). An event's rows go in with one
 * INSERT ... SELECT over the user's webhooks (at most 10). Same connection,
 * mutex and rules as platform_sqlite.c: statements prepared once at open,
 * no SQL built from data; the secrets arrive sealed (webhooks.c). The pick
 * alone runs on a read-only connection of its own (WAL: a reader never
 * waits for a writer), so the delivery threads keep picking while an emit
 * or a group commit holds the writer and its fsync.
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"
#include "webhook_store.h"

const char cpc__pstore_webhooks_sql[] =
    "CREATE TABLE webhooks("
    "  id INTEGER PRIMARY KEY,"
    "  user INTEGER NOT NULL REFERENCES users(id),"
    "  url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),"
    "  events INTEGER NOT NULL CHECK (events > 0),"
    "  sealed_secret BLOB NOT NULL CHECK (length(sealed_secret) BETWEEN 1 AND 128),"
    "  created_ms INTEGER NOT NULL CHECK (created_ms >= 0)"
    ") STRICT;"
    "CREATE INDEX webhooks_user ON webhooks(user, id);"
    "CREATE TABLE webhook_outbox("
    "  id INTEGER PRIMARY KEY,"
    "  webhook INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,"
    "  event_id TEXT NOT NULL UNIQUE CHECK (length(event_id) BETWEEN 8 AND 63),"
    "  type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 32),"
    "  data TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  window_ms INTEGER NOT NULL,"
    "  next_ms INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),"
    "  last_status INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT NOT NULL DEFAULT '',"
    "  done_ms INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX webhook_outbox_due ON webhook_outbox(next_ms, id) WHERE state = 0;"
    "CREATE INDEX webhook_outbox_hook ON webhook_outbox(webhook, id);"
    "CREATE INDEX webhook_outbox_done ON webhook_outbox(webhook, id) WHERE state <> 0;"
    "CREATE TABLE webhook_attempts("
    "  id INTEGER PRIMARY KEY,"
    "  webhook INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,"
    "  delivery INTEGER NOT NULL,"
    "  at_ms INTEGER NOT NULL,"
    "  duration_ms INTEGER NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  error TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX webhook_attempts_hook ON webhook_attempts(webhook, id);"
    "CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery, id);"
    /* the watcher's mark: rental.booked was emitted (rentals from before: never) */
    "ALTER TABLE rentals ADD COLUMN booked_hook_ms INTEGER CHECK (booked_hook_ms >= 0);"
    "UPDATE rentals SET booked_hook_ms = created_ms;"
    /* the server watcher's last seen status, and a failed rental order's mark */
    "ALTER TABLE gpu_servers ADD COLUMN hook_online INTEGER NOT NULL DEFAULT 0 "
    "  CHECK (hook_online IN (0, 1));"
    "ALTER TABLE rental_orders ADD COLUMN hook_failed INTEGER NOT NULL DEFAULT 0 "
    "  CHECK (hook_failed IN (0, 1));"
    "UPDATE rental_orders SET hook_failed = 1 WHERE state = 'failed';";

#define HOOK_COLS "id, user, url, events, sealed_secret, created_ms"
#define OUT_COLS                                                                              \
    "id, webhook, event_id, type, data, created_ms, window_ms, next_ms, attempts, state, "    \
    "last_status, last_error, done_ms"

/* ?10..?41: the rows whose outcome awaits its commit (webhook_store.h) */
#define SKIP_IDS                                                                              \
    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, "   \
    "?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41"

enum wstmt {
    WH_COUNT, WH_INS, WH_LIST, WH_GET, WH_DEL, WH_EMIT, WH_PICK, WH_RECORD, WH_LOG, WH_PRUNE_LOG,
    WH_PRUNE_DONE, WH_DELIVERIES, WH_ATTEMPTS, WH_REDELIVER, WH_PENDING, WH_BOOKED, WH_SRV_LIST, WH_SRV_MARK,
    WH_WALLET_USER, WH_FAILED_CLAIM, WH_FAILED_RESET, WH_RENTAL_OWNER, WH__COUNT
};

static const char *const wsql[WH__COUNT] = {
    [WH_COUNT] = "SELECT count(*) FROM webhooks WHERE user = ?1",
    [WH_INS] = "INSERT INTO webhooks(user, url, events, sealed_secret, created_ms) "
              "VALUES (?1, ?2, ?3, ?4, ?5)",
    [WH_LIST] = "SELECT " HOOK_COLS " FROM webhooks WHERE user = ?1 ORDER BY id LIMIT ?2",
    [WH_GET] = "SELECT " HOOK_COLS " FROM webhooks WHERE id = ?2 AND (?1 <= 0 OR user = ?1)",
    [WH_DEL] = "DELETE FROM webhooks WHERE id = ?2 AND user = ?1",
    [WH_EMIT] = "INSERT OR IGNORE INTO webhook_outbox(webhook, event_id, type, data, created_ms, "
               "window_ms, next_ms) SELECT id, ?4 || id, ?5, ?6, ?7, ?7, ?7 FROM webhooks "
               "WHERE user = ?1 AND (events & ?3) <> 0 AND (?2 <= 0 OR id = ?2)",
    [WH_PICK] = "SELECT o.id, o.webhook, o.event_id, o.type, o.data, o.created_ms, o.window_ms, "
               "o.next_ms, o.attempts, o.state, o.last_status, o.last_error, o.done_ms, w.user, "
               "w.url, w.sealed_secret FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook "
               "WHERE o.state = 0 AND o.next_ms <= ?1 AND o.webhook NOT IN (?2, ?3, ?4, ?5, ?6, "
               "?7, ?8, ?9) AND o.id NOT IN (" SKIP_IDS ") ORDER BY o.next_ms, o.id LIMIT 1",
    [WH_RECORD] = "UPDATE webhook_outbox SET state = ?2, next_ms = ?3, attempts = attempts + 1, "
                 "last_status = ?4, last_error = ?5, done_ms = ?6 WHERE id = ?1",
    /* a webhook deleted while its attempt was in flight logs nothing (and fails no batch) */
    [WH_LOG] = "INSERT INTO webhook_attempts(webhook, delivery, at_ms, duration_ms, status, "
              "error) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM webhooks "
              "WHERE id = ?1)",
    [WH_PRUNE_LOG] = "DELETE FROM webhook_attempts WHERE webhook = ?1 AND id <= (SELECT id FROM "
                    "webhook_attempts WHERE webhook = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    [WH_PRUNE_DONE] = "DELETE FROM webhook_outbox WHERE webhook = ?1 AND state <> 0 AND id <= "
                     "(SELECT id FROM webhook_outbox WHERE webhook = ?1 AND state <> 0 "
                     "ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    [WH_DELIVERIES] = "SELECT " OUT_COLS " FROM webhook_outbox WHERE webhook = ?1 "
                     "ORDER BY id DESC LIMIT ?2 OFFSET ?3",
    [WH_ATTEMPTS] = "SELECT id, delivery, at_ms, duration_ms, status, error FROM "
                   "webhook_attempts WHERE delivery = ?1 ORDER BY id DESC LIMIT ?2",
    [WH_REDELIVER] = "UPDATE webhook_outbox SET state = 0, attempts = 0, window_ms = ?3, "
                    "next_ms = ?3, done_ms = 0 WHERE id = ?2 AND webhook = ?1",
    [WH_PENDING] = "SELECT count(*) FROM webhook_outbox WHERE state = 0",
    [WH_BOOKED] = "UPDATE rentals SET booked_hook_ms = ?2 WHERE id = ?1 AND booked_hook_ms IS NULL",
    [WH_SRV_LIST] = "SELECT id, owner, worker_addr, hook_online FROM gpu_servers WHERE "
                    "worker_addr IS NOT NULL AND worker_addr <> '' AND id > ?1 ORDER BY id "
                    "LIMIT ?2",
    [WH_SRV_MARK] = "UPDATE gpu_servers SET hook_online = ?2 WHERE id = ?1 AND hook_online <> ?2",
    [WH_WALLET_USER] = "SELECT user FROM wallets WHERE custodial_address = ?1",
    [WH_FAILED_CLAIM] = "UPDATE rental_orders SET hook_failed = 1 WHERE rental_id = ?1 AND "
                        "state = 'failed' AND hook_failed = 0",
    [WH_FAILED_RESET] = "UPDATE rental_orders SET hook_failed = 0 WHERE rental_id = ?1 AND "
                        "state <> 'failed' AND hook_failed = 1",
    [WH_RENTAL_OWNER] = "SELECT s.id, s.owner FROM rentals r JOIN gpu_servers s ON "
                        "s.id = r.server_id WHERE r.id = ?1",
};

static sqlite3_stmt *wt(struct cpc_pstore *s, enum wstmt i) { return s->webhooks[i]; }

struct cpc__pstore_reader {
    sqlite3 *db;
    sqlite3_stmt *pick;
    pthread_mutex_t mu;
};

/* The pick's read-only connection on the store's file; none (picks use the writer) for an
 * in-memory or temporary database. */
static int reader_open(struct cpc_pstore *s, struct cpc_err *err)
{
    const char *path = sqlite3_db_filename(s->db, "main");
    if (!path || !path[0])
        return 0;
    struct cpc__pstore_reader *r = calloc(1, sizeof *r);
    if (!r)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&r->mu, NULL);
    s->wh_reader = r;
    int rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(r->db, CPC_STORE_BUSY_MS);
        rc = sqlite3_prepare_v3(r->db, wsql[WH_PICK], -1, SQLITE_PREPARE_PERSISTENT, &r->pick,
                                NULL);
    }
    return rc == SQLITE_OK ? 0 : cpc__store_sqlerr(err, r->db, rc, "opening the webhook reader");
}

int cpc__pstore_webhooks_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->webhooks = calloc(WH__COUNT, sizeof *s->webhooks);
    if (!s->webhooks)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < WH__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, wsql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->webhooks[i], NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a webhook statement");
    }
    return reader_open(s, err);
}

void cpc__pstore_webhooks_close(struct cpc_pstore *s)
{
    struct cpc__pstore_reader *r = s->wh_reader;
    if (r) {
        sqlite3_finalize(r->pick);
        sqlite3_close(r->db);
        pthread_mutex_destroy(&r->mu);
        free(r);
        s->wh_reader = NULL;
    }
    if (!s->webhooks)
        return;
    for (int i = 0; i < WH__COUNT; i++)
        sqlite3_finalize(s->webhooks[i]);
    free(s->webhooks);
    s->webhooks = NULL;
}

void cpc_pwh_delivery_clear(struct cpc_pwh_delivery *d)
{
    if (!d)
        return;
    free(d->data);
    d->data = NULL;
}

static void hook_row(sqlite3_stmt *st, struct cpc_pwebhook *w)
{
    memset(w, 0, sizeof *w);
    w->id = sqlite3_column_int64(st, 0);
    w->user = sqlite3_column_int64(st, 1);
    copy_col(w->url, sizeof w->url, st, 2);
    w->events = (uint32_t)col_u64(st, 3);
    int n = sqlite3_column_bytes(st, 4);
    const void *b = sqlite3_column_blob(st, 4);
    if (b && n > 0 && (size_t)n <= sizeof w->sealed) {
        memcpy(w->sealed, b, (size_t)n);
        w->sealed_len = (size_t)n;
    }
    w->created_ms = col_u64(st, 5);
}

/* Read an OUT_COLS row; -1 on OOM. */
static int out_row(sqlite3_stmt *st, struct cpc_pwh_delivery *d)
{
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(st, 0);
    d->webhook = sqlite3_column_int64(st, 1);
    copy_col(d->event_id, sizeof d->event_id, st, 2);
    copy_col(d->type, sizeof d->type, st, 3);
    const unsigned char *t = sqlite3_column_text(st, 4);
    d->data = strdup(t ? (const char *)t : "null");
    d->created_ms = col_u64(st, 5);
    d->window_ms = col_u64(st, 6);
    d->next_ms = col_u64(st, 7);
    d->attempts = (uint32_t)col_u64(st, 8);
    d->state = sqlite3_column_int(st, 9);
    d->last_status = sqlite3_column_int(st, 10);
    copy_col(d->last_error, sizeof d->last_error, st, 11);
    d->done_ms = col_u64(st, 12);
    return d->data ? 0 : -1;
}

int cpc_pstore_webhook_insert(struct cpc_pstore *s, const struct cpc_pwebhook *w, uint32_t max,
                              int64_t *id, struct cpc_err *err)
{
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = wt(s, WH_COUNT);
    if ((rc = bind_i64(s, st, 1, w->user, err)) == 0 &&
        (rc = step_row(s, st, "no count", "counting webhooks", err)) == 1) {
        rc = sqlite3_column_int64(st, 0) >= max
                 ? cpc_err_set(err, CPC_ERR_TOO_LARGE, "at most %u webhooks", max)
                 : 0;
    }
    cpc__store_stmt_done(st);
    st = wt(s, WH_INS);
    if (rc == 0 && (rc = bind_i64(s, st, 1, w->user, err)) == 0 &&
        (rc = bind_text(s, st, 2, w->url, err)) == 0 &&
        (rc = bind_i64(s, st, 3, w->events, err)) == 0 &&
        (rc = bind_blob(s, st, 4, w->sealed, w->sealed_len, err)) == 0 &&
        (rc = bind_u64(s, st, 5, w->created_ms, err)) == 0 &&
        (rc = run(s, st, NULL, "adding a webhook", err)) == 0)
        *id = sqlite3_last_insert_rowid(s->db);
    return cpc__pstore_tx_end(s, rc, st, err);
}

int cpc_pstore_webhook_list(struct cpc_pstore *s, int64_t user, struct cpc_pwebhook *rows,
                            size_t cap, size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_LIST);
    int rc = bind_i64(s, st, 1, user, err), src = SQLITE_DONE;
    if (rc == 0 && (rc = bind_u64(s, st, 2, cap, err)) == 0) {
        while (*n < cap && (src = sqlite3_step(st)) == SQLITE_ROW)
            hook_row(st, &rows[(*n)++]);
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            rc = fail(s, src, "listing webhooks", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_webhook_get(struct cpc_pstore *s, int64_t user, int64_t id,
                           struct cpc_pwebhook *w, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_GET);
    int rc = bind_i64(s, st, 1, user, err);
    if (rc == 0 && (rc = bind_i64(s, st, 2, id, err)) == 0 &&
        (rc = step_row(s, st, "no such webhook", "reading a webhook", err)) == 1) {
        hook_row(st, w);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_webhook_delete(struct cpc_pstore *s, int64_t user, int64_t id, int *deleted,
                              struct cpc_err *err)
{
    *deleted = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_DEL);
    int rc = bind_i64(s, st, 1, user, err);
    if (rc == 0 && (rc = bind_i64(s, st, 2, id, err)) == 0)
        rc = run(s, st, deleted, "deleting a webhook", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_webhook_emit(struct cpc_pstore *s, int64_t user, int64_t only, uint32_t bit,
                            const char *id_prefix, const char *type, const char *data,
                            uint64_t now_ms, int *rows, struct cpc_err *err)
{
    *rows = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_EMIT);
    int rc;
    if ((rc = bind_i64(s, st, 1, user, err)) == 0 && (rc = bind_i64(s, st, 2, only, err)) == 0 &&
        (rc = bind_i64(s, st, 3, bit, err)) == 0 &&
        (rc = bind_text(s, st, 4, id_prefix, err)) == 0 &&
        (rc = bind_text(s, st, 5, type, err)) == 0 && (rc = bind_text(s, st, 6, data, err)) == 0 &&
        (rc = bind_u64(s, st, 7, now_ms, err)) == 0)
        rc = run(s, st, rows, "queueing a webhook event", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_webhook_claim(struct cpc_pstore *s, uint64_t now_ms, const int64_t *busy,
                             size_t nbusy, const int64_t *skip, size_t nskip,
                             struct cpc_pwh_delivery *d, struct cpc_err *err)
{
    struct cpc__pstore_reader *r = s->wh_reader;
    pthread_mutex_t *mu = r ? &r->mu : &s->mu;
    sqlite3 *db = r ? r->db : s->db;
    pthread_mutex_lock(mu);
    sqlite3_stmt *st = r ? r->pick : wt(s, WH_PICK);
    int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)now_ms);
    for (int i = 0; rc == SQLITE_OK && i < 8; i++)
        rc = sqlite3_bind_int64(st, 2 + i, (size_t)i < nbusy ? busy[i] : 0);
    for (int i = 0; rc == SQLITE_OK && i < CPC_WEBHOOK_SKIP_MAX; i++)
        rc = sqlite3_bind_int64(st, 10 + i, (size_t)i < nskip ? skip[i] : 0);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out_row(st, d) == 0) {
        struct cpc_pwebhook *h = &d->hook;
        h->id = d->webhook;
        h->user = sqlite3_column_int64(st, 13);
        copy_col(h->url, sizeof h->url, st, 14);
        int n = sqlite3_column_bytes(st, 15);
        const void *b = sqlite3_column_blob(st, 15);
        if (b && n > 0 && (size_t)n <= sizeof h->sealed) {
            memcpy(h->sealed, b, (size_t)n);
            h->sealed_len = (size_t)n;
        }
        rc = 1;
    } else if (rc == SQLITE_ROW) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = cpc__store_sqlerr(err, db, rc, "picking a webhook delivery");
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(mu);
    return rc;
}

/* The attempt's log row and the two prunes (caller in a transaction). */
static int log_attempt(struct cpc_pstore *s, const struct cpc_pwh_outcome *d,
                       struct cpc_err *err)
{
    sqlite3_stmt *st = wt(s, WH_LOG);
    int rc;
    if ((rc = bind_i64(s, st, 1, d->webhook, err)) != 0 ||
        (rc = bind_i64(s, st, 2, d->id, err)) != 0 ||
        (rc = bind_u64(s, st, 3, d->at_ms, err)) != 0 ||
        (rc = bind_u64(s, st, 4, d->duration_ms, err)) != 0 ||
        (rc = bind_i64(s, st, 5, d->status, err)) != 0 ||
        (rc = bind_text(s, st, 6, d->error, err)) != 0 ||
        (rc = run(s, st, NULL, "logging a webhook attempt", err)) != 0)
        return cpc__store_stmt_done(st), rc;
    st = wt(s, WH_PRUNE_LOG);
    if ((rc = bind_i64(s, st, 1, d->webhook, err)) != 0 ||
        (rc = bind_i64(s, st, 2, CPC_WEBHOOK_LOG_MAX, err)) != 0 ||
        (rc = run(s, st, NULL, "pruning webhook attempts", err)) != 0)
        return cpc__store_stmt_done(st), rc;
    st = wt(s, WH_PRUNE_DONE);
    if ((rc = bind_i64(s, st, 1, d->webhook, err)) != 0 ||
        (rc = bind_i64(s, st, 2, CPC_WEBHOOK_DONE_MAX, err)) != 0 ||
        (rc = run(s, st, NULL, "pruning webhook deliveries", err)) != 0)
        cpc__store_stmt_done(st);
    return rc;
}

int cpc_pstore_webhook_record(struct cpc_pstore *s, const struct cpc_pwh_outcome *o, size_t n,
                              struct cpc_err *err)
{
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = wt(s, WH_RECORD);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct cpc_pwh_outcome *d = &o[i];
        if ((rc = bind_i64(s, st, 1, d->id, err)) == 0 &&
            (rc = bind_i64(s, st, 2, d->state, err)) == 0 &&
            (rc = bind_u64(s, st, 3, d->next_ms, err)) == 0 &&
            (rc = bind_i64(s, st, 4, d->status, err)) == 0 &&
            (rc = bind_text(s, st, 5, d->error, err)) == 0 &&
            (rc = bind_u64(s, st, 6, d->state == CPC_WH_PENDING ? 0 : d->at_ms, err)) == 0 &&
            (rc = run(s, st, NULL, "recording a webhook attempt", err)) == 0)
            rc = log_attempt(s, d, err);
    }
    return cpc__pstore_tx_end(s, rc, st, err);
}

int cpc_pstore_webhook_deliveries(struct cpc_pstore *s, int64_t webhook, uint32_t offset,
                                  struct cpc_pwh_delivery *rows, size_t cap, size_t *n,
                                  struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_DELIVERIES);
    int rc = bind_i64(s, st, 1, webhook, err), src = SQLITE_DONE;
    if (rc == 0 && (rc = bind_u64(s, st, 2, cap, err)) == 0 &&
        (rc = bind_u64(s, st, 3, offset, err)) == 0) {
        while (rc == 0 && *n < cap && (src = sqlite3_step(st)) == SQLITE_ROW)
            if (out_row(st, &rows[(*n)++]) != 0)
                rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        if (rc == 0 && src != SQLITE_ROW && src != SQLITE_DONE)
            rc = fail(s, src, "listing webhook deliveries", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_webhook_attempts(struct cpc_pstore *s, int64_t delivery,
                                struct cpc_pwh_attempt *rows, size_t cap, size_t *n,
                                struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_ATTEMPTS);
    int rc = bind_i64(s, st, 1, delivery, err), src = SQLITE_DONE;
    if (rc == 0 && (rc = bind_u64(s, st, 2, cap, err)) == 0) {
        while (*n < cap && (src = sqlite3_step(st)) == SQLITE_ROW) {
            struct cpc_pwh_attempt *a = &rows[(*n)++];
            memset(a, 0, sizeof *a);
            a->id = sqlite3_column_int64(st, 0);
            a->delivery = sqlite3_column_int64(st, 1);
            a->at_ms = col_u64(st, 2);
            a->duration_ms = col_u64(st, 3);
            a->status = sqlite3_column_int(st, 4);
            copy_col(a->error, sizeof a->error, st, 5);
        }
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            rc = fail(s, src, "listing webhook attempts", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_webhook_redeliver(struct cpc_pstore *s, int64_t webhook, int64_t delivery,
                                 uint64_t now_ms, int *changed, struct cpc_err *err)
{
    *changed = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_REDELIVER);
    int rc = bind_i64(s, st, 1, webhook, err);
    if (rc == 0 && (rc = bind_i64(s, st, 2, delivery, err)) == 0 &&
        (rc = bind_u64(s, st, 3, now_ms, err)) == 0)
        rc = run(s, st, changed, "redelivering a webhook event", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_webhook_pending(struct cpc_pstore *s, uint64_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_PENDING);
    int rc = step_row(s, st, "no count", "counting webhook deliveries", err);
    if (rc == 1) {
        *n = col_u64(st, 0);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_rental_claim_booked(struct cpc_pstore *s, const char *id, uint64_t ms,
                                   int *claimed, struct cpc_err *err)
{
    *claimed = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_BOOKED);
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, ms, err)) == 0)
        rc = run(s, st, claimed, "marking a rental booked", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_server_hook_list(struct cpc_pstore *s, const char *after, uint32_t limit,
                                struct cpc_pserver_hook *rows, size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_SRV_LIST);
    int rc = bind_text(s, st, 1, after, err), src = SQLITE_DONE;
    if (rc == 0 && (rc = bind_u64(s, st, 2, limit, err)) == 0) {
        while (*n < limit && (src = sqlite3_step(st)) == SQLITE_ROW) {
            struct cpc_pserver_hook *h = &rows[(*n)++];
            copy_col(h->id, sizeof h->id, st, 0);
            h->owner = sqlite3_column_int64(st, 1);
            copy_col(h->worker_addr, sizeof h->worker_addr, st, 2);
            h->online = sqlite3_column_int(st, 3);
        }
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            rc = fail(s, src, "listing bound servers", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Run the one-text-parameter write statement i (with an optional integer ?2). */
static int mark_text(struct cpc_pstore *s, enum wstmt i, const char *id, int use2, int64_t v2,
                     int *changed, struct cpc_err *err)
{
    *changed = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, i);
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 && use2)
        rc = bind_i64(s, st, 2, v2, err);
    if (rc == 0)
        rc = run(s, st, changed, "marking a webhook source", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_server_hook_mark(struct cpc_pstore *s, const char *id, int online, int *changed,
                                struct cpc_err *err)
{
    return mark_text(s, WH_SRV_MARK, id, 1, online ? 1 : 0, changed, err);
}

int cpc_pstore_order_failed_edge(struct cpc_pstore *s, const char *rental_id, int *went_failed,
                                 struct cpc_err *err)
{
    int reset = 0;
    int rc = mark_text(s, WH_FAILED_RESET, rental_id, 0, 0, &reset, err);
    return rc ? rc : mark_text(s, WH_FAILED_CLAIM, rental_id, 0, 0, went_failed, err);
}

int cpc_pstore_wallet_user(struct cpc_pstore *s, const char *address, int64_t *user,
                           struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_WALLET_USER);
    int rc = bind_text(s, st, 1, address, err);
    if (rc == 0 && (rc = step_row(s, st, "no wallet", "reading a wallet", err)) == 1) {
        *user = sqlite3_column_int64(st, 0);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_rental_provider(struct cpc_pstore *s, const char *rental_id, char server_id[37],
                               int64_t *owner, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = wt(s, WH_RENTAL_OWNER);
    int rc = bind_text(s, st, 1, rental_id, err);
    if (rc == 0 && (rc = step_row(s, st, "no rental", "reading a rental", err)) == 1) {
        copy_col(server_id, 37, st, 0);
        *owner = sqlite3_column_int64(st, 1);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

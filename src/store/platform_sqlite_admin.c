/* platform_sqlite_admin.c — platform_admin_store.h for SQLite (platform
 * migration 14): the support desk's two tables and the operators' reads.
 *
 * Design note. A ticket row holds its subject, status and times; its
 * messages are rows of support_messages (author = the user id that wrote
 * it, staff 1 for an operator's reply). The user-side limits are checked
 * and the write made in one BEGIN IMMEDIATE transaction, so two racing
 * requests cannot both pass the same count (index support_messages_author
 * keeps the hourly count a range scan). The operators' lists select ids
 * only, bounded by their page; the rows are then read with the statements
 * of their own files. Same connection, mutex and rules as platform_sqlite.c:
 * statements prepared once at open, no SQL built from data.
 */
#include <stdlib.h>
#include <string.h>

#include "platform_admin_store.h"
#include "platform_sqlite_internal.h"

const char cpc__pstore_admin_sql[] =
    "CREATE TABLE support_tickets("
    "  id INTEGER PRIMARY KEY,"
    "  user INTEGER NOT NULL REFERENCES users(id),"
    "  subject TEXT NOT NULL CHECK (length(CAST(subject AS BLOB)) BETWEEN 1 AND 200),"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'closed')),"
    "  created_ms INTEGER NOT NULL CHECK (created_ms >= 0),"
    "  updated_ms INTEGER NOT NULL CHECK (updated_ms >= 0)"
    ") STRICT;"
    "CREATE INDEX support_tickets_user ON support_tickets(user, updated_ms);"
    "CREATE INDEX support_tickets_status ON support_tickets(status, updated_ms);"
    "CREATE TABLE support_messages("
    "  id INTEGER PRIMARY KEY,"
    "  ticket INTEGER NOT NULL REFERENCES support_tickets(id),"
    "  author INTEGER NOT NULL REFERENCES users(id),"
    "  staff INTEGER NOT NULL CHECK (staff IN (0, 1)),"
    "  body TEXT NOT NULL CHECK (length(CAST(body AS BLOB)) BETWEEN 1 AND 8192),"
    "  created_ms INTEGER NOT NULL CHECK (created_ms >= 0)"
    ") STRICT;"
    "CREATE INDEX support_messages_ticket ON support_messages(ticket, id);"
    "CREATE INDEX support_messages_author ON support_messages(author, created_ms);"
    "CREATE INDEX withdrawals_status ON withdrawals(status, created_ms);";

#define TICKET_COLS                                                                           \
    "t.id, t.user, t.subject, t.status, t.created_ms, t.updated_ms, "                         \
    "(SELECT count(*) FROM support_messages m WHERE m.ticket = t.id)"

enum astmt {
    AD_USERS,
    AD_SERVERS,
    AD_SAMPLE,
    AD_WD_IDS,
    AD_WD_SUM,
    AD_T_OPEN_COUNT,
    AD_T_MSG_COUNT,
    AD_T_INS,
    AD_M_INS,
    AD_T_GET,
    AD_T_LIST,
    AD_M_LIST,
    AD_T_STATUS,
    AD__COUNT
};

static const char *const asql[AD__COUNT] = {
    /* ?1 q, ?2 q id, ?3 role, ?4 blocked, ?5 verified, ?6 limit, ?7 offset */
    [AD_USERS] = "SELECT id FROM users WHERE (?1 = '' OR instr(email, ?1) > 0 OR id = ?2) "
                 "AND (?3 = 0 OR (roles & ?3) != 0) AND (?4 < 0 OR blocked = ?4) "
                 "AND (?5 < 0 OR email_verified = ?5) ORDER BY id LIMIT ?6 OFFSET ?7",
    /* ?1 model, ?2 country, ?3 owner, ?4 owner email, ?5 limit, ?6 offset */
    [AD_SERVERS] = "SELECT s.id FROM gpu_servers s JOIN users u ON u.id = s.owner "
                   "WHERE (?1 = '' OR s.gpu_model = ?1) AND (?2 = '' OR s.country = ?2) "
                   "AND (?3 = 0 OR s.owner = ?3) AND (?4 = '' OR u.email = ?4) "
                   "ORDER BY s.created_ms, s.id LIMIT ?5 OFFSET ?6",
    [AD_SAMPLE] = "SELECT minute, cpu, gpu, ram_mb, temp_c, uptime_s FROM server_samples "
                  "WHERE server_id = ?1 ORDER BY minute DESC LIMIT 1",
    [AD_WD_IDS] = "SELECT id FROM withdrawals WHERE (?1 = '' OR status = ?1) ORDER BY "
                  "CASE WHEN status = 'pending' THEN created_ms ELSE -decided_ms END, id "
                  "LIMIT ?2 OFFSET ?3",
    [AD_WD_SUM] = "SELECT coalesce(sum(amount), 0), count(*) FROM withdrawals WHERE status = ?1 "
                  "AND (CASE WHEN status = 'pending' THEN created_ms ELSE decided_ms END) "
                  "BETWEEN ?2 AND ?3 - 1",
    [AD_T_OPEN_COUNT] = "SELECT count(*) FROM support_tickets WHERE user = ?1 "
                        "AND status != 'closed'",
    [AD_T_MSG_COUNT] = "SELECT count(*) FROM support_messages WHERE author = ?1 AND staff = 0 "
                       "AND created_ms > ?2",
    [AD_T_INS] = "INSERT INTO support_tickets(user, subject, status, created_ms, updated_ms) "
                 "VALUES (?1, ?2, 'open', ?3, ?3)",
    [AD_M_INS] = "INSERT INTO support_messages(ticket, author, staff, body, created_ms) "
                 "VALUES (?1, ?2, ?3, ?4, ?5)",
    [AD_T_GET] = "SELECT " TICKET_COLS " FROM support_tickets t WHERE t.id = ?1",
    [AD_T_LIST] = "SELECT " TICKET_COLS " FROM support_tickets t WHERE (?1 = 0 OR t.user = ?1) "
                  "AND (?2 = '' OR t.status = ?2) ORDER BY t.updated_ms DESC, t.id DESC "
                  "LIMIT ?3 OFFSET ?4",
    [AD_M_LIST] = "SELECT id, ticket, author, staff, body, created_ms FROM support_messages "
                  "WHERE ticket = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
    [AD_T_STATUS] = "UPDATE support_tickets SET status = ?2, updated_ms = ?3 WHERE id = ?1",
};

static sqlite3_stmt *at(struct cpc_pstore *s, enum astmt i) { return s->admin[i]; }

int cpc__pstore_admin_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->admin = calloc(AD__COUNT, sizeof *s->admin);
    if (!s->admin)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < AD__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, asql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->admin[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return 0;
}

void cpc__pstore_admin_close(struct cpc_pstore *s)
{
    if (!s->admin)
        return;
    for (int i = 0; i < AD__COUNT; i++)
        sqlite3_finalize(s->admin[i]);
    free(s->admin);
    s->admin = NULL;
}

int cpc_pstore_user_search_ids(struct cpc_pstore *s, const struct cpc_puser_filter *f,
                               int64_t *ids, size_t cap, size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = at(s, AD_USERS);
    int rc = bind_text(s, st, 1, f->q, err), src;
    if (rc == 0 && (rc = bind_i64(s, st, 2, f->q_id, err)) == 0 &&
        (rc = bind_i64(s, st, 3, f->role, err)) == 0 &&
        (rc = bind_i64(s, st, 4, f->blocked, err)) == 0 &&
        (rc = bind_i64(s, st, 5, f->verified, err)) == 0 &&
        (rc = bind_i64(s, st, 6, f->limit, err)) == 0 &&
        (rc = bind_i64(s, st, 7, f->offset, err)) == 0) {
        while (*n < cap && (src = sqlite3_step(st)) == SQLITE_ROW)
            ids[(*n)++] = sqlite3_column_int64(st, 0);
        if (*n < cap && src != SQLITE_DONE)
            rc = fail(s, src, "searching users", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Step st (bound) copying its text column 0 into ids; caller holds s->mu. */
static int text_ids(struct cpc_pstore *s, sqlite3_stmt *st, char (*ids)[37], size_t cap,
                    size_t *n, struct cpc_err *err)
{
    int src = SQLITE_DONE;
    while (*n < cap && (src = sqlite3_step(st)) == SQLITE_ROW)
        copy_col(ids[(*n)++], 37, st, 0);
    return *n < cap && src != SQLITE_DONE ? fail(s, src, "listing ids", err) : 0;
}

int cpc_pstore_server_admin_ids(struct cpc_pstore *s, const struct cpc_pserver_admin_filter *f,
                                char (*ids)[37], size_t cap, size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = at(s, AD_SERVERS);
    int rc = bind_text(s, st, 1, f->gpu_model, err);
    if (rc == 0 && (rc = bind_text(s, st, 2, f->country, err)) == 0 &&
        (rc = bind_i64(s, st, 3, f->owner, err)) == 0 &&
        (rc = bind_text(s, st, 4, f->owner_email, err)) == 0 &&
        (rc = bind_i64(s, st, 5, f->limit, err)) == 0 &&
        (rc = bind_i64(s, st, 6, f->offset, err)) == 0)
        rc = text_ids(s, st, ids, cap, n, err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_sample_latest(struct cpc_pstore *s, const char *server_id, struct cpc_psample *v,
                             int *found, struct cpc_err *err)
{
    memset(v, 0, sizeof *v);
    *found = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = at(s, AD_SAMPLE);
    int rc = bind_text(s, st, 1, server_id, err);
    if (rc == 0) {
        rc = step_row(s, st, "no sample", "reading a sample", err);
        if (rc == 1) {
            v->t_ms = col_u64(st, 0) * 60000u;
            v->samples = 1;
            v->cpu = sqlite3_column_double(st, 1);
            v->gpu = sqlite3_column_double(st, 2);
            v->ram_mb = col_u64(st, 3);
            v->temp_c = sqlite3_column_double(st, 4);
            v->uptime_s = col_u64(st, 5);
            *found = 1;
            rc = 0;
        } else if (rc == CPC_ERR_NOT_FOUND) {
            rc = 0;
        }
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_withdrawal_admin_ids(struct cpc_pstore *s, const char *status, uint32_t limit,
                                    uint32_t offset, char (*ids)[37], size_t cap, size_t *n,
                                    struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = at(s, AD_WD_IDS);
    int rc = bind_text(s, st, 1, status, err);
    if (rc == 0 && (rc = bind_i64(s, st, 2, limit, err)) == 0 &&
        (rc = bind_i64(s, st, 3, offset, err)) == 0)
        rc = text_ids(s, st, ids, cap, n, err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_withdrawal_sum(struct cpc_pstore *s, const char *status, uint64_t from_ms,
                              uint64_t to_ms, uint64_t *sum, uint64_t *count,
                              struct cpc_err *err)
{
    *sum = *count = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = at(s, AD_WD_SUM);
    int rc = bind_text(s, st, 1, status, err);
    if (rc == 0 && (rc = bind_u64(s, st, 2, from_ms, err)) == 0 &&
        (rc = bind_u64(s, st, 3, to_ms, err)) == 0 &&
        (rc = step_row(s, st, "no sum", "summing withdrawals", err)) == 1) {
        *sum = col_u64(st, 0);
        *count = col_u64(st, 1);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- support tickets ---- */

/* The one integer of count query i bound with (a, b); caller holds s->mu. */
static int count_of(struct cpc_pstore *s, enum astmt i, int64_t a, uint64_t b, uint64_t *out,
                    struct cpc_err *err)
{
    sqlite3_stmt *st = at(s, i);
    int rc = bind_i64(s, st, 1, a, err);
    if (rc == 0 && i == AD_T_MSG_COUNT)
        rc = bind_u64(s, st, 2, b, err);
    if (rc == 0 && (rc = step_row(s, st, "no count", "counting", err)) == 1) {
        *out = col_u64(st, 0);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    return rc;
}

/* Insert a message; caller holds s->mu in a transaction. */
static int msg_insert(struct cpc_pstore *s, int64_t ticket, int64_t author, int staff,
                      const char *body, uint64_t now_ms, struct cpc_err *err)
{
    sqlite3_stmt *st = at(s, AD_M_INS);
    int rc = bind_i64(s, st, 1, ticket, err);
    if (rc == 0 && (rc = bind_i64(s, st, 2, author, err)) == 0 &&
        (rc = bind_i64(s, st, 3, staff, err)) == 0 && (rc = bind_text(s, st, 4, body, err)) == 0 &&
        (rc = bind_u64(s, st, 5, now_ms, err)) == 0)
        return run(s, st, NULL, "adding a support message", err);
    cpc__store_stmt_done(st);
    return rc;
}

int cpc_pstore_ticket_open(struct cpc_pstore *s, int64_t user, const char *subject,
                           const char *body, uint64_t now_ms,
                           const struct cpc_pticket_limits *lim, int64_t *id, int *outcome,
                           struct cpc_err *err)
{
    *outcome = CPC_PTICKET_DONE;
    *id = 0;
    uint64_t open = 0, recent = 0;
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if ((rc = count_of(s, AD_T_OPEN_COUNT, user, 0, &open, err)) != 0 ||
        (rc = count_of(s, AD_T_MSG_COUNT, user, lim->since_ms, &recent, err)) != 0)
        goto end;
    if (open >= lim->max_open || recent >= lim->max_msgs) {
        *outcome = open >= lim->max_open ? CPC_PTICKET_TOO_MANY_OPEN : CPC_PTICKET_RATE_LIMITED;
        goto end;
    }
    st = at(s, AD_T_INS);
    if ((rc = bind_i64(s, st, 1, user, err)) != 0 || (rc = bind_text(s, st, 2, subject, err)) ||
        (rc = bind_u64(s, st, 3, now_ms, err)) != 0 ||
        (rc = run(s, st, NULL, "opening a ticket", err)) != 0)
        goto end;
    *id = sqlite3_last_insert_rowid(s->db);
    st = NULL;
    rc = msg_insert(s, *id, user, 0, body, now_ms, err);
end:
    return cpc__pstore_tx_end(s, rc, st, err);
}

static void ticket_row(sqlite3_stmt *st, struct cpc_pticket *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    t->user = sqlite3_column_int64(st, 1);
    copy_col(t->subject, sizeof t->subject, st, 2);
    copy_col(t->status, sizeof t->status, st, 3);
    t->created_ms = col_u64(st, 4);
    t->updated_ms = col_u64(st, 5);
    t->messages = (uint32_t)col_u64(st, 6);
}

/* Ticket id into *t; caller holds s->mu. */
static int ticket_get_locked(struct cpc_pstore *s, int64_t id, struct cpc_pticket *t,
                             struct cpc_err *err)
{
    sqlite3_stmt *st = at(s, AD_T_GET);
    int rc = bind_i64(s, st, 1, id, err);
    if (rc == 0 && (rc = step_row(s, st, "no such ticket", "reading a ticket", err)) == 1) {
        ticket_row(st, t);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    return rc;
}

int cpc_pstore_ticket_get(struct cpc_pstore *s, int64_t id, struct cpc_pticket *t,
                          struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    int rc = ticket_get_locked(s, id, t, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_ticket_list(struct cpc_pstore *s, int64_t user, const char *status,
                           uint32_t limit, uint32_t offset, struct cpc_pticket *rows,
                           size_t cap, size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = at(s, AD_T_LIST);
    int rc = bind_i64(s, st, 1, user, err), src = SQLITE_DONE;
    if (rc == 0 && (rc = bind_text(s, st, 2, status, err)) == 0 &&
        (rc = bind_i64(s, st, 3, limit, err)) == 0 &&
        (rc = bind_i64(s, st, 4, offset, err)) == 0) {
        while (*n < cap && (src = sqlite3_step(st)) == SQLITE_ROW)
            ticket_row(st, &rows[(*n)++]);
        if (*n < cap && src != SQLITE_DONE)
            rc = fail(s, src, "listing tickets", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_ticket_messages(struct cpc_pstore *s, int64_t ticket, uint32_t limit,
                               uint32_t offset, struct cpc_pticket_msg *rows, size_t cap,
                               size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = at(s, AD_M_LIST);
    int rc = bind_i64(s, st, 1, ticket, err), src = SQLITE_DONE;
    if (rc == 0 && (rc = bind_i64(s, st, 2, limit, err)) == 0 &&
        (rc = bind_i64(s, st, 3, offset, err)) == 0) {
        while (*n < cap && (src = sqlite3_step(st)) == SQLITE_ROW) {
            struct cpc_pticket_msg *m = &rows[(*n)++];
            m->id = sqlite3_column_int64(st, 0);
            m->ticket = sqlite3_column_int64(st, 1);
            m->author = sqlite3_column_int64(st, 2);
            m->staff = sqlite3_column_int(st, 3);
            copy_col(m->body, sizeof m->body, st, 4);
            m->created_ms = col_u64(st, 5);
        }
        if (*n < cap && src != SQLITE_DONE)
            rc = fail(s, src, "listing messages", err);
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* status := status at now_ms; caller holds s->mu. */
static int set_status_locked(struct cpc_pstore *s, int64_t id, const char *status,
                             uint64_t now_ms, int *changes, struct cpc_err *err)
{
    sqlite3_stmt *st = at(s, AD_T_STATUS);
    int rc = bind_i64(s, st, 1, id, err);
    if (rc == 0 && (rc = bind_text(s, st, 2, status, err)) == 0 &&
        (rc = bind_u64(s, st, 3, now_ms, err)) == 0)
        return run(s, st, changes, "setting a ticket's status", err);
    cpc__store_stmt_done(st);
    return rc;
}

int cpc_pstore_ticket_reply(struct cpc_pstore *s, int64_t ticket, int64_t author, int staff,
                            const char *body, uint64_t now_ms,
                            const struct cpc_pticket_limits *lim, int *outcome,
                            struct cpc_err *err)
{
    *outcome = CPC_PTICKET_DONE;
    struct cpc_pticket t;
    uint64_t recent = 0;
    int rc = cpc__pstore_tx_begin(s, err);
    if (rc)
        return rc;
    if ((rc = ticket_get_locked(s, ticket, &t, err)) != 0)
        goto end;
    if (!strcmp(t.status, "closed")) {
        *outcome = CPC_PTICKET_CLOSED;
        goto end;
    }
    if (!staff && lim &&
        (rc = count_of(s, AD_T_MSG_COUNT, author, lim->since_ms, &recent, err)) == 0 &&
        recent >= lim->max_msgs) {
        *outcome = CPC_PTICKET_RATE_LIMITED;
        goto end;
    }
    if (rc == 0 && (rc = msg_insert(s, ticket, author, staff ? 1 : 0, body, now_ms, err)) == 0)
        rc = set_status_locked(s, ticket, staff ? "pending" : "open", now_ms, NULL, err);
end:
    return cpc__pstore_tx_end(s, rc, NULL, err);
}

int cpc_pstore_ticket_set_status(struct cpc_pstore *s, int64_t id, const char *status,
                                 uint64_t now_ms, struct cpc_err *err)
{
    int changes = 0;
    pthread_mutex_lock(&s->mu);
    int rc = set_status_locked(s, id, status, now_ms, &changes, err);
    pthread_mutex_unlock(&s->mu);
    if (rc == 0 && changes == 0)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no such ticket");
    return rc;
}

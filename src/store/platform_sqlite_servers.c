/* platform_sqlite_servers.c — the GPU-server part of platform_store.h for
 * SQLite: the providers' servers (platform migration 6, table gpu_servers)
 * and the reads of the customers' catalogue (filters, sorts, prices per
 * model, locations).
 *
 * Design note. Same connection, mutex and rules as platform_sqlite.c: every
 * statement is prepared once at open and reset after use, no SQL is built
 * from data. Optional filters are bound as "no filter" values ('' or 0) that
 * the WHERE clauses test, so one statement serves every combination. The
 * per-user cap and the insert are one statement (INSERT ... SELECT ... WHERE
 * count < cap), so concurrent adds cannot pass it. Updates and deletes name
 * the owner in their WHERE clause: another user's id changes nothing and
 * reads as a missing row. The customer's price per hour and the score are
 * stored beside the provider's price so the catalogue sorts and filters in
 * SQL on indexed columns; the caller computes them (routes_servers.c).
 */
#include <stdlib.h>
#include <string.h>

#include "platform_sqlite_internal.h"

const char cpc__pstore_servers_sql[] =
    "CREATE TABLE gpu_servers("
    "  id TEXT PRIMARY KEY CHECK (length(id) = 36),"
    "  owner INTEGER NOT NULL REFERENCES users(id),"
    "  gpu_model TEXT NOT NULL CHECK (length(gpu_model) BETWEEN 1 AND 31),"
    "  gpu_count INTEGER NOT NULL CHECK (gpu_count BETWEEN 1 AND 16),"
    "  vram_gb INTEGER NOT NULL CHECK (vram_gb BETWEEN 1 AND 256),"
    "  cuda_cores INTEGER NOT NULL CHECK (cuda_cores >= 0),"
    "  cpu TEXT NOT NULL CHECK (length(cpu) <= 128),"
    "  ram_gb INTEGER NOT NULL CHECK (ram_gb > 0),"
    "  disk_gb INTEGER NOT NULL CHECK (disk_gb > 0),"
    "  host TEXT NOT NULL CHECK (length(host) BETWEEN 1 AND 253),"
    "  ssh_port_min INTEGER NOT NULL CHECK (ssh_port_min BETWEEN 1 AND 65535),"
    "  ssh_port_max INTEGER NOT NULL CHECK (ssh_port_max BETWEEN ssh_port_min AND 65535),"
    "  country TEXT NOT NULL CHECK (length(country) = 2),"
    "  city TEXT NOT NULL CHECK (length(city) <= 64),"
    "  price_per_gpu_hour INTEGER NOT NULL CHECK (price_per_gpu_hour > 0),"
    "  price_per_hour INTEGER NOT NULL CHECK (price_per_hour > 0),"
    "  score INTEGER NOT NULL CHECK (score >= 0),"
    "  worker_addr TEXT,"
    "  created_ms INTEGER NOT NULL CHECK (created_ms >= 0),"
    "  updated_ms INTEGER NOT NULL CHECK (updated_ms >= 0)"
    ") STRICT;"
    "CREATE INDEX gpu_servers_owner ON gpu_servers(owner, created_ms);"
    "CREATE INDEX gpu_servers_model_price ON gpu_servers(gpu_model, price_per_hour);"
    "CREATE INDEX gpu_servers_model_gpu_price ON gpu_servers(gpu_model, price_per_gpu_hour);"
    "CREATE INDEX gpu_servers_price ON gpu_servers(price_per_hour);"
    "CREATE INDEX gpu_servers_score ON gpu_servers(score DESC, price_per_hour);"
    "CREATE INDEX gpu_servers_place ON gpu_servers(country, city);"
    "CREATE UNIQUE INDEX gpu_servers_worker ON gpu_servers(worker_addr) "
    "  WHERE worker_addr IS NOT NULL;";

#define SRV_COLS                                                                               \
    "id, owner, gpu_model, gpu_count, vram_gb, cuda_cores, cpu, ram_gb, disk_gb, host, "        \
    "ssh_port_min, ssh_port_max, country, city, price_per_gpu_hour, price_per_hour, score, "   \
    "worker_addr, created_ms, updated_ms"
/* what the reads take: the columns above, then maintenance (platform migration 12) */
#define SRV_READ_COLS SRV_COLS ", maintenance"

/* ?1 model, ?2 min price, ?3 max price (0: none), ?4 country, ?5 city, ?6 min vram,
 * ?7 min count, ?8 limit, ?9 offset */
#define SRV_FILTER                                                                             \
    " FROM gpu_servers WHERE maintenance = 0 AND (?1 = '' OR gpu_model = ?1) AND "             \
    "price_per_hour >= ?2 AND "                                                                \
    "(?3 = 0 OR price_per_hour <= ?3) AND (?4 = '' OR country = ?4) AND "                      \
    "(?5 = '' OR city = ?5) AND vram_gb >= ?6 AND gpu_count >= ?7 "

enum sstmt {
    SV_INSERT,
    SV_GET,
    SV_BY_OWNER,
    SV_UPDATE,
    SV_DELETE,
    SV_BY_PRICE,
    SV_BY_SCORE,
    SV_PRICES,
    SV_MEDIAN,
    SV_PLACES,
    SV__COUNT
};

static const char *const ssql[SV__COUNT] = {
    /* ?21 = the owner's cap */
    [SV_INSERT] = "INSERT INTO gpu_servers(" SRV_COLS ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                  "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20 "
                  "WHERE (SELECT count(*) FROM gpu_servers WHERE owner = ?2) < ?21",
    [SV_GET] = "SELECT " SRV_READ_COLS " FROM gpu_servers WHERE id = ?1",
    [SV_BY_OWNER] = "SELECT " SRV_READ_COLS " FROM gpu_servers WHERE owner = ?1 "
                    "ORDER BY created_ms, id",
    [SV_UPDATE] = "UPDATE gpu_servers SET gpu_model = ?3, gpu_count = ?4, vram_gb = ?5, "
                  "cuda_cores = ?6, cpu = ?7, ram_gb = ?8, disk_gb = ?9, host = ?10, "
                  "ssh_port_min = ?11, ssh_port_max = ?12, country = ?13, city = ?14, "
                  "price_per_gpu_hour = ?15, price_per_hour = ?16, score = ?17, "
                  "worker_addr = ?18, updated_ms = ?20 WHERE id = ?1 AND owner = ?2",
    [SV_DELETE] = "DELETE FROM gpu_servers WHERE id = ?1 AND owner = ?2",
    [SV_BY_PRICE] = "SELECT " SRV_READ_COLS SRV_FILTER
                    "ORDER BY price_per_hour, id LIMIT ?8 OFFSET ?9",
    [SV_BY_SCORE] = "SELECT " SRV_READ_COLS SRV_FILTER
                    "ORDER BY score DESC, price_per_hour, id LIMIT ?8 OFFSET ?9",
    [SV_PRICES] = "SELECT gpu_model, count(*), min(price_per_gpu_hour), max(price_per_gpu_hour) "
                  "FROM gpu_servers GROUP BY gpu_model ORDER BY gpu_model",
    /* the middle one (odd count) or two (even count) prices of a model */
    [SV_MEDIAN] = "SELECT price_per_gpu_hour FROM gpu_servers WHERE gpu_model = ?1 "
                  "ORDER BY price_per_gpu_hour LIMIT ?2 OFFSET ?3",
    [SV_PLACES] = "SELECT country, city, count(*) FROM gpu_servers GROUP BY country, city "
                  "ORDER BY country, city",
};

static sqlite3_stmt *sv(struct cpc_pstore *s, enum sstmt i) { return s->servers[i]; }

int cpc__pstore_servers_open(struct cpc_pstore *s, struct cpc_err *err)
{
    s->servers = calloc(SV__COUNT, sizeof *s->servers);
    if (!s->servers)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < SV__COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, ssql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->servers[i], NULL);
        if (rc != SQLITE_OK)
            return cpc__store_sqlerr(err, s->db, rc, "preparing a platform statement");
    }
    return cpc__pstore_dc_open(s, err);
}

void cpc__pstore_servers_close(struct cpc_pstore *s)
{
    cpc__pstore_dc_close(s);
    if (!s->servers)
        return;
    for (int i = 0; i < SV__COUNT; i++)
        sqlite3_finalize(s->servers[i]);
    free(s->servers);
    s->servers = NULL;
}

void cpc__pstore_server_row(sqlite3_stmt *st, struct cpc_pserver *r)
{
    memset(r, 0, sizeof *r);
    copy_col(r->id, sizeof r->id, st, 0);
    r->owner = sqlite3_column_int64(st, 1);
    copy_col(r->gpu_model, sizeof r->gpu_model, st, 2);
    r->gpu_count = (uint32_t)col_u64(st, 3);
    r->vram_gb = (uint32_t)col_u64(st, 4);
    r->cuda_cores = (uint32_t)col_u64(st, 5);
    copy_col(r->cpu, sizeof r->cpu, st, 6);
    r->ram_gb = (uint32_t)col_u64(st, 7);
    r->disk_gb = (uint32_t)col_u64(st, 8);
    copy_col(r->host, sizeof r->host, st, 9);
    r->ssh_port_min = (uint32_t)col_u64(st, 10);
    r->ssh_port_max = (uint32_t)col_u64(st, 11);
    copy_col(r->country, sizeof r->country, st, 12);
    copy_col(r->city, sizeof r->city, st, 13);
    r->price_per_gpu_hour = col_u64(st, 14);
    r->price_per_hour = col_u64(st, 15);
    r->score = col_u64(st, 16);
    copy_col(r->worker_addr, sizeof r->worker_addr, st, 17); /* NULL reads as "" */
    r->created_ms = col_u64(st, 18);
    r->updated_ms = col_u64(st, 19);
    r->maintenance = sqlite3_column_count(st) > 20 && sqlite3_column_int(st, 20) != 0;
}

/* Bind the columns ?3 .. ?20 of r (the shape INSERT and UPDATE share). */
int cpc__pstore_server_bind(struct cpc_pstore *s, sqlite3_stmt *st, const struct cpc_pserver *r,
                            struct cpc_err *err)
{
    const char *const text[] = {r->gpu_model, r->cpu, r->host, r->country, r->city};
    static const int text_col[] = {3, 7, 10, 13, 14};
    const uint64_t num[] = {r->gpu_count,    r->vram_gb,          r->cuda_cores,
                            r->ram_gb,       r->disk_gb,          r->ssh_port_min,
                            r->ssh_port_max, r->price_per_gpu_hour, r->price_per_hour,
                            r->score,        r->created_ms,       r->updated_ms};
    static const int num_col[] = {4, 5, 6, 8, 9, 11, 12, 15, 16, 17, 19, 20};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof text_col / sizeof text_col[0]; i++)
        rc = bind_text(s, st, text_col[i], text[i], err);
    for (size_t i = 0; rc == 0 && i < sizeof num_col / sizeof num_col[0]; i++)
        rc = bind_u64(s, st, num_col[i], num[i], err);
    if (rc)
        return rc;
    int src = r->worker_addr[0] ? sqlite3_bind_text(st, 18, r->worker_addr, -1, SQLITE_STATIC)
                                : sqlite3_bind_null(st, 18);
    return src == SQLITE_OK ? 0 : fail(s, src, "binding", err);
}

int cpc_pstore_server_add(struct cpc_pstore *s, const struct cpc_pserver *r,
                          uint32_t max_per_user, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = sv(s, SV_INSERT);
    int n = 0, rc;
    if ((rc = bind_text(s, st, 1, r->id, err)) == 0 &&
        (rc = bind_i64(s, st, 2, r->owner, err)) == 0 &&
        (rc = cpc__pstore_server_bind(s, st, r, err)) == 0 &&
        (rc = bind_u64(s, st, 21, max_per_user, err)) == 0)
        rc = run(s, st, &n, "adding a server", err);
    if (rc == 0 && n == 0)
        rc = cpc_err_set(err, CPC_ERR_TOO_LARGE, "at most %u servers per user", max_per_user);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_server_get(struct cpc_pstore *s, const char *id, struct cpc_pserver *r,
                          struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = sv(s, SV_GET);
    int rc = bind_text(s, st, 1, id, err);
    if (rc == 0 && (rc = step_row(s, st, "no such server", "reading a server", err)) == 1) {
        cpc__pstore_server_row(st, r);
        rc = 0;
    }
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Step st (bound), handing each row to cb until it returns non-zero. Resets st. */
static int each_row(struct cpc_pstore *s, sqlite3_stmt *st, cpc_pserver_fn cb, void *arg,
                    struct cpc_err *err)
{
    struct cpc_pserver r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cpc__pstore_server_row(st, &r);
        if (cb(arg, &r) != 0)
            break;
    }
    int code = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, rc, "listing servers", err);
    cpc__store_stmt_done(st);
    return code;
}

int cpc_pstore_server_list_owner(struct cpc_pstore *s, int64_t owner, cpc_pserver_fn cb,
                                 void *arg, struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = sv(s, SV_BY_OWNER);
    int rc = bind_i64(s, st, 1, owner, err);
    rc = rc == 0 ? each_row(s, st, cb, arg, err) : rc;
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_server_update(struct cpc_pstore *s, const struct cpc_pserver *r,
                             struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = sv(s, SV_UPDATE);
    int n = 0, rc;
    if ((rc = bind_text(s, st, 1, r->id, err)) == 0 &&
        (rc = bind_i64(s, st, 2, r->owner, err)) == 0 &&
        (rc = cpc__pstore_server_bind(s, st, r, err)) == 0)
        rc = run(s, st, &n, "updating a server", err);
    if (rc == 0 && n == 0)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no such server");
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_server_delete(struct cpc_pstore *s, const char *id, int64_t owner,
                             struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = sv(s, SV_DELETE);
    int n = 0, rc;
    if ((rc = bind_text(s, st, 1, id, err)) == 0 && (rc = bind_i64(s, st, 2, owner, err)) == 0)
        rc = run(s, st, &n, "deleting a server", err);
    if (rc == 0 && n == 0)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no such server");
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_pstore_server_search(struct cpc_pstore *s, const struct cpc_pserver_filter *f,
                             cpc_pserver_fn cb, void *arg, struct cpc_err *err)
{
    if (f->limit == 0)
        return 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = sv(s, f->sort_by_score ? SV_BY_SCORE : SV_BY_PRICE);
    int rc;
    if ((rc = bind_text(s, st, 1, f->gpu_model, err)) == 0 &&
        (rc = bind_u64(s, st, 2, f->min_price, err)) == 0 &&
        (rc = bind_u64(s, st, 3, f->max_price, err)) == 0 &&
        (rc = bind_text(s, st, 4, f->country, err)) == 0 &&
        (rc = bind_text(s, st, 5, f->city, err)) == 0 &&
        (rc = bind_u64(s, st, 6, f->min_vram_gb, err)) == 0 &&
        (rc = bind_u64(s, st, 7, f->min_gpu_count, err)) == 0 &&
        (rc = bind_u64(s, st, 8, f->limit, err)) == 0 &&
        (rc = bind_u64(s, st, 9, f->offset, err)) == 0)
        rc = each_row(s, st, cb, arg, err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* The median of model's n prices (n >= 1): the middle one, or the floor of the mean of the
 * middle two. */
static int median_of(struct cpc_pstore *s, const char *model, uint64_t n, uint64_t *out,
                     struct cpc_err *err)
{
    sqlite3_stmt *st = sv(s, SV_MEDIAN);
    uint64_t v[2] = {0, 0};
    int got = 0, rc;
    if ((rc = bind_text(s, st, 1, model, err)) || (rc = bind_u64(s, st, 2, 2 - n % 2, err)) ||
        (rc = bind_u64(s, st, 3, (n - 1) / 2, err))) {
        cpc__store_stmt_done(st);
        return rc;
    }
    while (got < 2 && (rc = sqlite3_step(st)) == SQLITE_ROW)
        v[got++] = col_u64(st, 0);
    rc = got > 0 ? 0 : fail(s, rc, "reading a median", err);
    cpc__store_stmt_done(st);
    *out = got == 2 ? v[0] / 2 + v[1] / 2 + (v[0] % 2 + v[1] % 2) / 2 : v[0];
    return rc;
}

int cpc_pstore_server_prices(struct cpc_pstore *s, struct cpc_pserver_prices *rows, size_t cap,
                             size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = sv(s, SV_PRICES);
    int rc = SQLITE_DONE;
    while (*n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cpc_pserver_prices *p = &rows[*n];
        memset(p, 0, sizeof *p);
        copy_col(p->gpu_model, sizeof p->gpu_model, st, 0);
        p->count = col_u64(st, 1);
        p->min = col_u64(st, 2);
        p->max = col_u64(st, 3);
        (*n)++;
    }
    rc = *n == cap || rc == SQLITE_DONE ? 0 : fail(s, rc, "summing prices", err);
    cpc__store_stmt_done(st);
    for (size_t i = 0; rc == 0 && i < *n; i++)
        rc = median_of(s, rows[i].gpu_model, rows[i].count, &rows[i].median, err);
    pthread_mutex_unlock(&s->mu);
    if (rc)
        *n = 0;
    return rc;
}

int cpc_pstore_server_locations(struct cpc_pstore *s, struct cpc_pserver_place *rows, size_t cap,
                                size_t *n, struct cpc_err *err)
{
    *n = 0;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = sv(s, SV_PLACES);
    int rc = SQLITE_DONE;
    while (*n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cpc_pserver_place *p = &rows[*n];
        copy_col(p->country, sizeof p->country, st, 0);
        copy_col(p->city, sizeof p->city, st, 1);
        p->count = col_u64(st, 2);
        (*n)++;
    }
    rc = *n == cap || rc == SQLITE_DONE ? 0 : fail(s, rc, "listing locations", err);
    cpc__store_stmt_done(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

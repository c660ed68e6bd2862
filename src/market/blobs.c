/* blobs.c — blob uploads with accounts and quotas, downloads, and the
 * collector of unreferenced blobs (blobs.h).
 *
 * Design note. An upload reserves its row under the service mutex (usage
 * and total read, the row written, refused and removed again when over a
 * limit), then writes the file outside it; a failed write removes the row.
 * The collector deletes a row and, when it was the blob's last, unlinks the
 * file under the same mutex, so an upload that records a row for a blob
 * either keeps the file alive or finds it gone and writes it again. The
 * reference scan (the committed state's exec jobs and tasks, under the
 * node's read lock) runs only when some row or file is past its grace
 * period, and looks only for those candidates (sorted, bsearch).
 */
#include "blobs.h"

#include <dirent.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/config.h"
#include "../common/home.h"
#include "../common/log.h"
#include "../core/hash.h"
#include "../core/hex.h"
#include "../core/market.h"
#include "../store/store_blobs.h"
#include "../node/node.h"
#include "routes_marketplace_internal.h"
#include "routes_worker.h"
#include "../common/clock.h"

#define SWEEP_BATCH 4096 /* candidates examined per pass */

struct cpc_blobs {
    struct cpc_node *node;
    struct cpc_blobs_config cfg;
    pthread_mutex_t mu; /* uploads' reservations and the collector's deletions */
    pthread_mutex_t run_mu;
    pthread_cond_t run_cv;
    pthread_t thread;
    int running, started;
};

/* ---- configuration ---- */

int cpc_blobs_config_load(struct cpc_blobs_config *cfg, const char *home, struct cpc_err *err)
{
    static const struct {
        const char *key;
        size_t off;
        uint64_t def;
        int zero_ok;
    } keys[] = {
        {"quota_bytes", offsetof(struct cpc_blobs_config, quota_bytes),
         CPC_BLOBS_QUOTA_BYTES_DEFAULT, 0},
        {"quota_count", offsetof(struct cpc_blobs_config, quota_count),
         CPC_BLOBS_QUOTA_COUNT_DEFAULT, 0},
        {"max_total_bytes", offsetof(struct cpc_blobs_config, max_total_bytes),
         CPC_BLOBS_MAX_TOTAL_DEFAULT, 0},
        {"grace_s", offsetof(struct cpc_blobs_config, grace_s), CPC_BLOBS_GRACE_S_DEFAULT, 0},
        {"sweep_interval_s", offsetof(struct cpc_blobs_config, sweep_interval_s),
         CPC_BLOBS_SWEEP_S_DEFAULT, 0},
        {"min_balance", offsetof(struct cpc_blobs_config, min_balance),
         CPC_BLOBS_MIN_BALANCE_DEFAULT, 1},
    };
    char path[CPC_PATH_MAX];
    struct cpc_config *c = NULL;
    memset(cfg, 0, sizeof *cfg);
    if (cpc_home_path(path, sizeof path, home, "config") != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "home path too long");
    int rc = cpc_config_load(&c, path, err);
    for (size_t i = 0; rc == 0 && i < sizeof keys / sizeof keys[0]; i++) {
        uint64_t *v = (uint64_t *)((char *)cfg + keys[i].off);
        rc = cpc_config_get_u64(c, "blobs", keys[i].key, keys[i].def, v, err);
        if (rc == 0 && *v == 0 && !keys[i].zero_ok)
            rc = cpc_err_set(err, CPC_ERR_INVALID, "config [blobs] %s must be at least 1",
                             keys[i].key);
        if (rc == 0 && *v > INT64_MAX)
            rc = cpc_err_set(err, CPC_ERR_INVALID, "config [blobs] %s is too large",
                             keys[i].key);
    }
    cpc_config_free(c);
    return rc;
}

/* ---- lifecycle ---- */

struct cpc_blobs *cpc_blobs_new(struct cpc_node *n, const struct cpc_blobs_config *cfg)
{
    struct cpc_blobs *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->node = n;
    b->cfg = *cfg;
    pthread_mutex_init(&b->mu, NULL);
    pthread_mutex_init(&b->run_mu, NULL);
    pthread_cond_init(&b->run_cv, NULL);
    return b;
}

static void *collector_main(void *arg)
{
    struct cpc_blobs *b = arg;
    pthread_mutex_lock(&b->run_mu);
    while (b->running) {
        uint64_t every_s = b->cfg.sweep_interval_s;
        struct timespec until =
            cpc_clock_wall_after(every_s > UINT32_MAX ? (uint64_t)UINT32_MAX * 1000u : every_s * 1000u);
        while (b->running && pthread_cond_timedwait(&b->run_cv, &b->run_mu, &until) == 0)
            ;
        if (!b->running)
            break;
        pthread_mutex_unlock(&b->run_mu);
        struct cpc_blobs_sweep_stats st;
        struct cpc_err err = {0};
        if (cpc_blobs_sweep(b, (uint64_t)time(NULL), &st, &err) != 0)
            CPC_LOGE("blob collector: %s", err.msg);
        else if (st.rows_deleted || st.files_deleted)
            CPC_LOGI("blob collector: %llu uploads and %llu files (%llu bytes) collected, "
                     "%llu kept as referenced",
                     (unsigned long long)st.rows_deleted, (unsigned long long)st.files_deleted,
                     (unsigned long long)st.bytes_freed, (unsigned long long)st.kept);
        pthread_mutex_lock(&b->run_mu);
    }
    pthread_mutex_unlock(&b->run_mu);
    return NULL;
}

int cpc_blobs_start(struct cpc_blobs *b, struct cpc_err *err)
{
    pthread_mutex_lock(&b->run_mu);
    int rc = 0;
    if (!b->started) {
        b->running = 1;
        if (pthread_create(&b->thread, NULL, collector_main, b) != 0) {
            b->running = 0;
            rc = cpc_err_set(err, CPC_ERR_INTERNAL, "cannot start the blob collector");
        } else {
            b->started = 1;
        }
    }
    pthread_mutex_unlock(&b->run_mu);
    return rc;
}

void cpc_blobs_stop(struct cpc_blobs *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->run_mu);
    int join = b->started;
    b->running = 0;
    b->started = 0;
    pthread_cond_broadcast(&b->run_cv);
    pthread_mutex_unlock(&b->run_mu);
    if (join)
        pthread_join(b->thread, NULL);
}

void cpc_blobs_free(struct cpc_blobs *b)
{
    if (!b)
        return;
    cpc_blobs_stop(b);
    pthread_cond_destroy(&b->run_cv);
    pthread_mutex_destroy(&b->run_mu);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* ---- paths ---- */

static int blob_path(const struct cpc_node *n, const char *hex, char path[CPC_PATH_MAX])
{
    char rel[96];
    snprintf(rel, sizeof rel, "data/blobs/%s", hex);
    return cpc_home_path(path, CPC_PATH_MAX, n->cfg.home, rel);
}

/* ---- the collector ---- */

struct candidate {
    uint8_t hash[32];
    int referenced;
};

static int cand_cmp(const void *a, const void *b)
{
    return memcmp(((const struct candidate *)a)->hash, ((const struct candidate *)b)->hash, 32);
}

static void mark(struct candidate *c, size_t n, const uint8_t *hash)
{
    struct candidate key;
    memcpy(key.hash, hash, 32);
    struct candidate *hit = bsearch(&key, c, n, sizeof *c, cand_cmp);
    if (hit)
        hit->referenced = 1;
}

struct scan {
    struct candidate *c;
    size_t n;
    uint8_t (*active)[32]; /* active exec jobs' ids, sorted after the first pass */
    size_t n_active, cap_active;
    int failed;
};

static int id_cmp(const void *a, const void *b) { return memcmp(a, b, 32); }

/* First pass: active exec jobs mark their app and inputs and are remembered. */
static int scan_jobs(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                     int tombstone, void *arg)
{
    struct scan *s = arg;
    struct cpc_job j;
    if (tombstone || klen != 33 || key[0] != CPC_KEY_JOB ||
        cpc_job_decode(&j, val, vlen, NULL) != 0 || j.contract.kind != CPC_KIND_EXEC ||
        j.status != CPC_JOB_ACTIVE)
        return 0;
    mark(s->c, s->n, j.contract.p.exec.app);
    for (unsigned i = 0; i < j.contract.p.exec.n_inputs && i < CPC_MAX_EXEC_INPUTS; i++)
        mark(s->c, s->n, j.contract.p.exec.inputs[i]);
    if (s->n_active == s->cap_active) {
        size_t cap = s->cap_active ? 2 * s->cap_active : 64;
        void *p = realloc(s->active, cap * sizeof *s->active);
        if (!p) {
            s->failed = 1;
            return 1;
        }
        s->active = p;
        s->cap_active = cap;
    }
    memcpy(s->active[s->n_active++], j.id, 32);
    return 0;
}

/* Second pass: the outputs that tasks of active exec jobs collected. */
static int scan_tasks(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                      int tombstone, void *arg)
{
    struct scan *s = arg;
    struct cpc_task t;
    if (tombstone || klen != 17 || key[0] != CPC_KEY_TASK ||
        cpc_task_decode(&t, val, vlen, NULL) != 0 || t.n_results == 0 ||
        !bsearch(t.job_id, s->active, s->n_active, 32, id_cmp))
        return 0;
    for (unsigned i = 0; i < t.n_results && i < CPC_MAX_REPLICATION; i++)
        if (t.results[i].hash_len == 32)
            mark(s->c, s->n, t.results[i].hash);
    return 0;
}

/* Mark the candidates an active exec job still names. */
static int find_references(struct cpc_node *n, struct candidate *c, size_t nc,
                           struct cpc_err *err)
{
    struct scan s = {.c = c, .n = nc};
    qsort(c, nc, sizeof *c, cand_cmp);
    struct cpc_node_view v;
    cpc_node_view_begin(n, &v);
    cpc_state_obj_foreach(v.state, scan_jobs, &s);
    if (!s.failed && s.n_active) {
        qsort(s.active, s.n_active, 32, id_cmp);
        cpc_state_obj_foreach(v.state, scan_tasks, &s);
    }
    cpc_node_view_end(n, &v);
    free(s.active);
    if (s.failed)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory scanning exec jobs");
    return 0;
}

/* Remove a blob's file (under b->mu, its last row gone): its size into *freed. */
static void unlink_blob(struct cpc_blobs *b, const uint8_t hash[32],
                        struct cpc_blobs_sweep_stats *st)
{
    char hex[65], path[CPC_PATH_MAX];
    struct stat sb;
    cpc_hex_encode(hex, hash, 32);
    if (blob_path(b->node, hex, path) != 0 || stat(path, &sb) != 0)
        return;
    if (unlink(path) == 0) {
        st->files_deleted++;
        st->bytes_freed += (uint64_t)sb.st_size;
    }
}

/* Rows past the grace period: keep the referenced ones another grace period,
 * delete the others (and a file with its last row). *n_out: rows examined. */
static int sweep_rows(struct cpc_blobs *b, uint64_t now_s, struct cpc_blobs_sweep_stats *st,
                      size_t *n_out, struct cpc_err *err)
{
    struct cpc_node *n = b->node;
    uint64_t before = now_s > b->cfg.grace_s ? now_s - b->cfg.grace_s : 0;
    struct cpc_blob_upload *rows = calloc(SWEEP_BATCH, sizeof *rows);
    struct candidate *c = calloc(SWEEP_BATCH, sizeof *c);
    size_t nr = 0;
    int rc = (!rows || !c) ? cpc_err_set(err, CPC_ERR_NOMEM, "out of memory") : 0;
    if (rc == 0)
        rc = cpc_store_blob_expired(n->store, before, rows, SWEEP_BATCH, &nr, err);
    for (size_t i = 0; rc == 0 && i < nr; i++)
        memcpy(c[i].hash, rows[i].sha256, 32);
    if (rc == 0 && nr)
        rc = find_references(n, c, nr, err);
    for (size_t i = 0; rc == 0 && i < nr; i++) {
        struct candidate key, *hit;
        memcpy(key.hash, rows[i].sha256, 32);
        hit = bsearch(&key, c, nr, sizeof *c, cand_cmp);
        st->examined++;
        if (hit && hit->referenced) {
            st->kept++;
            rc = cpc_store_blob_keep(n->store, rows[i].sha256, now_s, err);
            continue;
        }
        uint64_t left = 1;
        pthread_mutex_lock(&b->mu);
        rc = cpc_store_blob_delete(n->store, rows[i].sha256, rows[i].uploader, before, &left,
                                   err);
        if (rc == 0 && left == 0)
            unlink_blob(b, rows[i].sha256, st);
        pthread_mutex_unlock(&b->mu);
        if (rc == 0)
            st->rows_deleted++;
    }
    free(rows);
    free(c);
    *n_out = nr;
    return rc;
}

/* Files with no row (stored before uploads were recorded) whose mtime is past
 * the grace period and that no active exec job names. */
static int sweep_orphans(struct cpc_blobs *b, uint64_t now_s, struct cpc_blobs_sweep_stats *st,
                         struct cpc_err *err)
{
    struct cpc_node *n = b->node;
    char dir[CPC_PATH_MAX];
    if (cpc_home_path(dir, sizeof dir, n->cfg.home, "data/blobs") != 0)
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct candidate *c = calloc(SWEEP_BATCH, sizeof *c);
    if (!c) {
        closedir(d);
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    size_t nc = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && nc < SWEEP_BATCH && (e = readdir(d)) != NULL) {
        uint8_t h[32];
        char path[CPC_PATH_MAX];
        struct stat sb;
        uint64_t rows = 0;
        if (strlen(e->d_name) != 64 || cpc_hex_decode_exact(h, 32, e->d_name) != 0 ||
            blob_path(n, e->d_name, path) != 0 || stat(path, &sb) != 0 ||
            !S_ISREG(sb.st_mode) || (uint64_t)sb.st_mtime + b->cfg.grace_s >= now_s)
            continue;
        rc = cpc_store_blob_rows(n->store, h, &rows, err);
        if (rc == 0 && rows == 0)
            memcpy(c[nc++].hash, h, 32);
    }
    closedir(d);
    if (rc == 0 && nc)
        rc = find_references(n, c, nc, err);
    for (size_t i = 0; rc == 0 && i < nc; i++) {
        st->examined++;
        if (c[i].referenced) {
            st->kept++;
            continue;
        }
        uint64_t rows = 1;
        pthread_mutex_lock(&b->mu);
        rc = cpc_store_blob_rows(n->store, c[i].hash, &rows, err);
        if (rc == 0 && rows == 0)
            unlink_blob(b, c[i].hash, st);
        pthread_mutex_unlock(&b->mu);
    }
    free(c);
    return rc;
}

int cpc_blobs_sweep(struct cpc_blobs *b, uint64_t now_s, struct cpc_blobs_sweep_stats *stats,
                    struct cpc_err *err)
{
    struct cpc_blobs_sweep_stats st;
    memset(&st, 0, sizeof st);
    size_t nr = 0;
    int rc;
    do { /* full batches: there may be more (a kept row moves out of the window) */
        rc = sweep_rows(b, now_s, &st, &nr, err);
    } while (rc == 0 && nr == SWEEP_BATCH);
    if (rc == 0)
        rc = sweep_orphans(b, now_s, &st, err);
    if (stats)
        *stats = st;
    return rc;
}

/* ---- routes ---- */

static struct cpc_node *node_of(struct cpc_http_req *req) { return req->app; }

static int blob_id(struct cpc_http_req *req, struct cpc_http_res *res, uint8_t h[32],
                   char hex[65])
{
    const char *p = req->n_params ? req->params[0] : "";
    if (strlen(p) != 64 || cpc_hex_decode_exact(h, 32, p) != 0) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "blob id must be the SHA-256 of its content, 64 hex characters");
        return -1;
    }
    cpc_hex_encode(hex, h, 32); /* canonical lowercase file name */
    return 0;
}

/* May addr store blobs: a registered worker, or min_balance on its account. */
static int uploader_admitted(struct cpc_node *n, const struct cpc_blobs *b, const char *addr_s,
                             struct cpc_http_res *res)
{
    uint8_t addr[CPC_ADDR_HASH_LEN], key[CPC_KEY_MAX];
    struct cpc_account acc;
    struct cpc_buf w;
    if (cpc_address_decode(addr, addr_s) != 0) {
        cpc_http_res_error(res, 500, "internal_error", "the caller's address is invalid");
        return -1;
    }
    cpc_buf_init(&w);
    size_t kl = cpc_key_worker(key, addr);
    struct cpc_node_view v;
    cpc_node_view_begin(n, &v);
    cpc_state_get(v.state, addr, &acc);
    int worker = cpc_state_obj_get(v.state, key, kl, &w) == 0;
    cpc_node_view_end(n, &v);
    cpc_buf_free(&w);
    if (worker || acc.balance >= b->cfg.min_balance)
        return 0;
    cpc_http_res_error(res, 403, "forbidden",
                       "%s may not store blobs: it is not a registered worker and holds %llu "
                       "base units, below the %llu this node asks of an uploader",
                       addr_s, (unsigned long long)acc.balance,
                       (unsigned long long)b->cfg.min_balance);
    return -1;
}

/* Record the upload of u against the limits, under b->mu. 0 with *created
 * (a new row), or -1 answered (403 quota_exceeded, 507 insufficient_storage, 500). */
static int reserve(struct cpc_blobs *b, struct cpc_http_res *res, const struct cpc_blob_upload *u,
                   int *created)
{
    struct cpc_store *s = b->node->store;
    struct cpc_err err = {0};
    uint64_t bytes = 0, count = 0, total = 0;
    pthread_mutex_lock(&b->mu);
    int rc = cpc_store_blob_usage(s, u->uploader, &bytes, &count, &err);
    if (rc == 0)
        rc = cpc_store_blob_total(s, &total, &err);
    if (rc == 0)
        rc = cpc_store_blob_record(s, u, created, &err);
    const char *over = NULL;
    if (rc == 0 && *created) {
        if (count + 1 > b->cfg.quota_count)
            over = "count";
        else if (bytes + u->size > b->cfg.quota_bytes)
            over = "bytes";
        else if (total + u->size > b->cfg.max_total_bytes)
            over = "total";
        if (over)
            rc = cpc_store_blob_delete(s, u->sha256, u->uploader, UINT64_MAX, NULL, &err);
    }
    pthread_mutex_unlock(&b->mu);
    if (rc != 0) {
        cpc_http_res_from_err(res, &err);
        return -1;
    }
    if (!over)
        return 0;
    if (strcmp(over, "total") == 0)
        cpc_http_res_error(res, 507, "insufficient_storage",
                           "this node's blob storage is full (%llu of %llu bytes); blobs no job "
                           "references are collected after %llu s",
                           (unsigned long long)total, (unsigned long long)b->cfg.max_total_bytes,
                           (unsigned long long)b->cfg.grace_s);
    else
        cpc_http_res_error(res, 403, "quota_exceeded",
                           "blob quota of %s exceeded: %llu blobs, %llu bytes stored (at most "
                           "%llu blobs, %llu bytes); blobs no job references are collected "
                           "after %llu s",
                           u->uploader, (unsigned long long)count, (unsigned long long)bytes,
                           (unsigned long long)b->cfg.quota_count,
                           (unsigned long long)b->cfg.quota_bytes,
                           (unsigned long long)b->cfg.grace_s);
    return -1;
}

void cpc_h_blob_put(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    struct cpc_blobs *b = n->blobs;
    uint8_t want[32], got[32];
    char hex[65], dir[CPC_PATH_MAX], path[CPC_PATH_MAX];
    if (blob_id(req, res, want, hex) != 0)
        return;
    if (!b)
        return cpc_http_res_error(res, 503, "unavailable", "this node stores no blobs");
    struct cpc__mp_caller caller;
    if (cpc__mp_caller(req, res, &caller) != 0)
        return;
    if (!caller.addr[0]) {
        cpc_http_res_header(res, "WWW-Authenticate", "Bearer");
        return cpc_http_res_error(res, 401, "unauthorized",
                                  "storing a blob needs an account: sign the request (X-CPC-Pubkey, "
                                  "X-CPC-Timestamp, X-CPC-Signature) or send an access token or "
                                  "API key with the jobs scope");
    }
    if (req->body_len > CPC_BLOB_MAX)
        return cpc_http_res_error(res, 413, "too_large", "blob exceeds %u bytes", CPC_BLOB_MAX);
    cpc_sha256(got, req->body, req->body_len);
    if (memcmp(want, got, 32) != 0) {
        char ghex[65];
        cpc_hex_encode(ghex, got, 32);
        return cpc_http_res_error(res, 400, "invalid_argument",
                                  "hash mismatch: the body hashes to %s", ghex);
    }
    if (uploader_admitted(n, b, caller.addr, res) != 0)
        return;
    if (cpc_home_path(dir, sizeof dir, n->cfg.home, "data/blobs") != 0 ||
        blob_path(n, hex, path) != 0)
        return cpc_http_res_error(res, 500, "internal_error", "home path too long");

    struct cpc_blob_upload u;
    memset(&u, 0, sizeof u);
    memcpy(u.sha256, want, 32);
    snprintf(u.uploader, sizeof u.uploader, "%s", caller.addr);
    u.size = req->body_len;
    u.uploaded_at = u.kept_at = (uint64_t)time(NULL);
    int row_created = 0;
    if (reserve(b, res, &u, &row_created) != 0)
        return;
    /* the row keeps the file from the collector; write it when absent */
    struct stat sb;
    int created = 0;
    if (stat(path, &sb) != 0) {
        struct cpc_err err = {0};
        if (cpc_mkdir_p(dir, 0700, &err) != 0 ||
            cpc_write_file_atomic(path, req->body, req->body_len, 0600, &err) != 0) {
            if (row_created) {
                struct cpc_err e2 = {0};
                pthread_mutex_lock(&b->mu);
                cpc_store_blob_delete(n->store, want, u.uploader, UINT64_MAX, NULL, &e2);
                pthread_mutex_unlock(&b->mu);
            }
            return cpc_http_res_from_err(res, &err);
        }
        created = 1;
    }
    cpc_http_res_json(res, created ? 201 : 200,
                      json_pack("{s:s, s:I, s:b, s:s}", "sha256", hex, "size",
                                (json_int_t)req->body_len, "created", created, "uploader",
                                caller.addr));
}

void cpc_h_blob_get(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t want[32];
    char hex[65], path[CPC_PATH_MAX];
    if (blob_id(req, res, want, hex) != 0)
        return;
    if (blob_path(n, hex, path) != 0)
        return cpc_http_res_error(res, 500, "internal_error", "home path too long");
    char *data = NULL;
    size_t len = 0;
    struct cpc_err err = {0};
    int rc = cpc_read_file(path, CPC_BLOB_MAX, &data, &len, &err);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_http_res_error(res, 404, "not_found", "blob %s not found", hex);
    if (rc != 0)
        return cpc_http_res_from_err(res, &err);
    /* hand the buffer over as the body (no copy) */
    free(res->body);
    res->body = data;
    res->body_len = len;
    res->status = 200;
    res->content_type = "application/octet-stream";
}

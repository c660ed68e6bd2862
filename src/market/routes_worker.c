/* routes_worker.c — the worker protocol (signed requests, lease long-poll,
 * heartbeats) and the market's read API.
 *
 * Worker calls carry X-CPC-Pubkey / X-CPC-Timestamp / X-CPC-Signature
 * (common/req_sign.h); worker_auth.c checks them and yields the caller's
 * address. Leases come from the scheduler and are signed here with the
 * validator key, once per answer: the tasks of one answer with one expiry
 * form a lease set (market.h) under one signature; a lone task gets a
 * single-task lease. Both go through the lease cache (lease_cache.h), so this
 * node's producer need not verify them again, and a SUBMIT_RESULT can prove
 * it held one.
 * A lease call that finds nothing and asks to wait is deferred
 * (cpc_http_res_defer: the connection is suspended, no thread is held) and
 * answered when the scheduler fills its mailbox (notify -> cpc_httpd_wake)
 * or when wait_ms runs out. Market reads decode records straight from the
 * committed state under the node's read lock. Blobs are served by blobs.c.
 */
#include "routes_worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/req_sign.h"
#include "../core/hex.h"
#include "../core/kinds.h"
#include "../core/market.h"
#include "../core/uuid.h"
#include "heartbeat_body.h"
#include "lease_cache.h"
#include "routes_server_stats.h"
#include "../node/node.h"
#include "scheduler.h"
#include "worker_auth.h"
#include "rental_orders.h"
#include "../common/clock.h"
#include "../common/log.h"
#include "../core/hex_json.h"

#define JOB_TASKS_DEFAULT 100
#define JOB_TASKS_MAX 1000

static struct cpc_node *node_of(struct cpc_http_req *req) { return req->app; }

static uint64_t committed_height(struct cpc_node *n)
{
    return cpc_node_height(n);
}

/* Authenticate a signed worker request. 0 with addr, else the answer is set. */
static int auth(struct cpc_http_req *req, struct cpc_http_res *res,
                uint8_t addr[CPC_ADDR_HASH_LEN])
{
    struct cpc_node *n = node_of(req);
    struct cpc_err err = {0};
    int rc = cpc_worker_auth_check(n->worker_auth, req->method, req->path, req->body,
                                   req->body_len,
                                   cpc_http_req_header(req, CPC_REQ_HDR_PUBKEY),
                                   cpc_http_req_header(req, CPC_REQ_HDR_TIMESTAMP),
                                   cpc_http_req_header(req, CPC_REQ_HDR_SIGNATURE),
                                   cpc_clock_wall_ms(), NULL, addr, &err);
    if (rc == 0)
        return 0;
    if (rc == CPC_ERR_TOO_LARGE)
        cpc_http_res_error(res, 503, "unavailable", "%s", err.msg);
    else
        cpc_http_res_error(res, 401, cpc_errcode_name(CPC_ERR_UNAUTHORIZED), "%s", err.msg);
    return -1;
}

static void unregistered(struct cpc_http_res *res)
{
    cpc_http_res_error(res, 403, "forbidden", "register first with WORKER_REGISTER");
}

/* Parse a JSON object body (empty body = {}) into *out. 0, or CPC_ERR_INVALID
 * (*bad_json set) or CPC_ERR_NOMEM with err set. */
static int body_object(const void *body, size_t len, json_t **out, bool *bad_json,
                       struct cpc_err *err)
{
    *bad_json = false;
    *out = NULL;
    if (len == 0) {
        *out = json_object();
        return *out ? 0 : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        *bad_json = true;
        return cpc_err_set(err, CPC_ERR_INVALID, "request body: %s", je.text);
    }
    if (!json_is_object(j)) {
        json_decref(j);
        *bad_json = true;
        return cpc_err_set(err, CPC_ERR_INVALID, "request body must be a JSON object");
    }
    *out = j;
    return 0;
}

int cpc_worker_lease_parse(const void *body, size_t len, struct cpc_lease_req *out,
                           bool *bad_json, struct cpc_err *err)
{
    out->max_tasks = 1;
    out->wait_ms = 0;
    json_t *j = NULL;
    int rc = body_object(body, len, &j, bad_json, err);
    if (rc != 0)
        return rc;
    json_int_t max = 1, wait_ms = 0;
    json_error_t je;
    int bad = json_unpack_ex(j, &je, JSON_STRICT, "{s?I, s?I}", "max_tasks", &max, "wait_ms",
                             &wait_ms) != 0;
    json_decref(j);
    if (bad)
        return cpc_err_set(err, CPC_ERR_INVALID, "lease request: %s", je.text);
    if (max < 1 || max > CPC_SCHED_MAX_PER_CALL)
        return cpc_err_set(err, CPC_ERR_INVALID, "max_tasks must be 1..%d",
                           CPC_SCHED_MAX_PER_CALL);
    if (wait_ms < 0 || wait_ms > CPC_LEASE_MAX_WAIT_MS)
        return cpc_err_set(err, CPC_ERR_INVALID, "wait_ms must be 0..%d",
                           CPC_LEASE_MAX_WAIT_MS);
    out->max_tasks = (uint32_t)max;
    out->wait_ms = (uint32_t)wait_ms;
    return 0;
}

/* A heartbeat's matmul_backend: short, and only characters that need no
 * escaping wherever it is shown. */
static bool backend_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n > CPC_SCHED_BACKEND_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == ' ' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

int cpc_worker_heartbeat_parse(const void *body, size_t len, struct cpc_heartbeat_req *out,
                               bool *bad_json, struct cpc_err *err)
{
    memset(out, 0, sizeof *out);
    json_t *j = NULL;
    int rc = body_object(body, len, &j, bad_json, err);
    if (rc != 0)
        return rc;
    json_t *progress = NULL, *uptime = NULL, *gpus = NULL, *rentals = NULL;
    double cpu = 0, gpu = 0, temp = 0;
    json_int_t ram = 0;
    const char *backend = "";
    json_error_t je;
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s?o, s?F, s?F, s?I, s?F, s?s, s?o, s?o, s?o}",
                       "progress", &progress, "cpu_load", &cpu, "gpu_load", &gpu, "ram_used_mb",
                       &ram, "gpu_temp_c", &temp, "matmul_backend", &backend, "uptime_s", &uptime,
                       "gpus", &gpus, "rentals", &rentals) != 0) {
        rc = cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: %s", je.text);
    } else if (cpc_hb_machine_parse(uptime, gpus, &out->machine, err) != 0) {
        rc = CPC_ERR_INVALID;
    } else if (!(cpu >= 0) || !(gpu >= 0) || ram < 0 || !(temp >= -100) || !(temp <= 300)) {
        rc = cpc_err_set(err, CPC_ERR_INVALID,
                         "heartbeat: loads must be >= 0 and gpu_temp_c in -100..300");
    } else if (!backend_name_ok(backend)) {
        rc = cpc_err_set(err, CPC_ERR_INVALID,
                         "heartbeat: matmul_backend must be at most %d of [A-Za-z0-9_ .-]",
                         CPC_SCHED_BACKEND_MAX);
    } else if (rentals &&
               (rc = cpc_rental_reports_parse(rentals, &out->reports, &out->n_reports, err))) {
        /* err set */
    } else {
        snprintf(out->load.matmul_backend, sizeof out->load.matmul_backend, "%s", backend);
        out->progress = progress ? json_incref(progress) : NULL;
        out->load.cpu_load = cpu;
        out->load.gpu_load = gpu;
        out->load.gpu_temp_c = temp;
        out->load.ram_used_mb = (uint64_t)ram;
    }
    json_decref(j);
    return rc;
}

void cpc_worker_heartbeat_req_clear(struct cpc_heartbeat_req *r)
{
    if (!r)
        return;
    json_decref(r->progress);
    r->progress = NULL;
    free(r->reports);
    r->reports = NULL;
    r->n_reports = 0;
}

/* Answer a parse failure of a worker call's body. */
static void body_error(struct cpc_http_res *res, bool bad_json, const struct cpc_err *err)
{
    if (err->code == CPC_ERR_NOMEM)
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    cpc_http_res_error(res, 400, bad_json ? "invalid_json" : "invalid_argument", "%s", err->msg);
}

/* ------------------------------------------------------------------ */
/* Lease                                                               */

/* How one leased task is signed: alone (kind 1) or as a member of a set (kind 2). */
struct lease_sig {
    uint8_t kind;
    uint8_t sig[CPC_SIG_LEN];
    struct cpc_lease_set_ref ref;
};

/* Sign the answer's cnt leases into out[0..cnt): tasks with the same expiry
 * share one validator signature over their lease set (market.h), so an answer
 * of k tasks costs one ECDSA signature instead of k; a lone task gets a
 * single-task lease. Every pair goes through the lease cache. 0 or -1. */
static int sign_leases(struct cpc_node *n, const struct cpc_sched_lease *l, size_t cnt,
                       const uint8_t worker[CPC_ADDR_HASH_LEN], struct lease_sig *out)
{
    size_t *members = malloc(cnt * sizeof *members);
    uint8_t(*tids)[16] = malloc(cnt * 16);
    struct cpc_lease_set_ref *refs = malloc(cnt * sizeof *refs);
    int rc = members && tids && refs ? 0 : -1;
    for (size_t i = 0; i < cnt; i++)
        out[i].kind = 0;
    for (size_t i = 0; rc == 0 && i < cnt; i++) {
        if (out[i].kind)
            continue;
        size_t m = 0;
        for (size_t j = i; j < cnt && m < CPC_LEASE_SET_MAX; j++)
            if (!out[j].kind && l[j].expires == l[i].expires) {
                members[m] = j;
                memcpy(tids[m], l[j].task_id, 16);
                out[j].kind = 1; /* taken; set below */
                m++;
            }
        if (m == 1) {
            memset(&out[i].ref, 0, sizeof out[i].ref);
            if (cpc_lease_cache_sign(n->lease_cache, out[i].sig, n->params.chain_id, l[i].task_id,
                                     worker, l[i].expires) != 0)
                rc = -1;
            continue;
        }
        uint8_t root[32], d[32], sig[CPC_SIG_LEN];
        if (cpc_lease_set_build(root, refs, (const uint8_t(*)[16])tids, m) != 0) {
            rc = -1;
            break;
        }
        cpc_lease_set_digest(d, n->params.chain_id, worker, l[i].expires, (uint16_t)m, root);
        if (cpc_lease_cache_sign_digest(n->lease_cache, sig, d) != 0) {
            rc = -1;
            break;
        }
        for (size_t k = 0; k < m; k++) {
            struct lease_sig *o = &out[members[k]];
            o->kind = 2;
            memcpy(o->sig, sig, sizeof sig);
            o->ref = refs[k];
        }
    }
    free(members);
    free(tids);
    free(refs);
    return rc;
}

/* One task of the answer; params is its job's contract params (borrowed). */
static json_t *lease_task_json(const struct cpc_sched_lease *l, const struct lease_sig *ls,
                               json_t *params)
{
    char tid[CPC_UUID_STR_LEN + 1];
    cpc_uuid_format(tid, l->task_id);
    json_t *lease = json_pack("{s:I, s:o}", "expires", (json_int_t)l->expires, "signature",
                              cpc_hex_json(ls->sig, CPC_SIG_LEN));
    if (lease && ls->kind == 2 && cpc_lease_set_to_json(lease, &ls->ref) != 0) {
        json_decref(lease);
        return NULL;
    }
    if (!lease)
        return NULL;
    json_t *o = json_pack("{s:s, s:o, s:I, s:s, s:O?, s:o, s:I, s:I, s:o}", "task_id", tid,
                          "job_id", cpc_hex_json(l->job_id, 32), "index", (json_int_t)l->index, "kind",
                          cpc_kind_name(l->contract.kind), "params", params, "seed",
                          cpc_hex_json(l->seed, 32), "reward", (json_int_t)l->contract.reward,
                          "replication", (json_int_t)l->contract.replication, "lease", lease);
    return o;
}

/* Answer {"height","tasks":[...]}; frees leases. */
static void lease_answer(struct cpc_node *n, struct cpc_http_res *res,
                         const uint8_t worker[CPC_ADDR_HASH_LEN], struct cpc_sched_lease *l,
                         size_t cnt, uint64_t height)
{
    json_t *tasks = json_array();
    struct lease_sig *sigs = cnt ? malloc(cnt * sizeof *sigs) : NULL;
    if (cnt && (!sigs || sign_leases(n, l, cnt, worker, sigs) != 0)) {
        json_decref(tasks);
        tasks = NULL;
    }
    json_t *cj = NULL; /* the contract JSON of the job of l[i - 1]: answers are mostly one job */
    for (size_t i = 0; tasks && i < cnt; i++) {
        if (!cj || memcmp(l[i].job_id, l[i - 1].job_id, 32) != 0) {
            json_decref(cj);
            cj = cpc_contract_to_json(&l[i].contract);
        }
        json_t *t = cj ? lease_task_json(&l[i], &sigs[i], json_object_get(cj, "params")) : NULL;
        if (!t || json_array_append_new(tasks, t) != 0) {
            json_decref(tasks);
            tasks = NULL;
        }
    }
    json_decref(cj);
    free(sigs);
    free(l);
    if (!tasks)
        return cpc_http_res_error(res, 500, "internal_error", "cannot build the lease answer");
    cpc_http_res_json(res, 200,
                      json_pack("{s:I, s:o}", "height", (json_int_t)height, "tasks", tasks));
}

struct lease_wait {
    struct cpc_node *n;
    uint64_t waiter;
    uint8_t worker[CPC_ADDR_HASH_LEN];
};

static int lease_poll(void *ctx, struct cpc_http_res *res, int why)
{
    struct lease_wait *w = ctx;
    struct cpc_sched_lease *l = NULL;
    size_t cnt = 0;
    uint64_t height = 0;
    int rc = cpc_scheduler_collect(w->n->scheduler, w->waiter, &l, &cnt, &height);
    if (rc == 0 && cnt) {
        w->waiter = 0; /* collected: nothing to cancel */
        lease_answer(w->n, res, w->worker, l, cnt, height);
        return 1;
    }
    if (why == CPC_HTTP_WAKE && rc == 0)
        return 0;
    lease_answer(w->n, res, w->worker, NULL, 0, height ? height : committed_height(w->n));
    return 1;
}

static void lease_wait_free(void *ctx)
{
    struct lease_wait *w = ctx;
    if (w->waiter)
        cpc_scheduler_cancel(w->n->scheduler, w->waiter);
    free(w);
}

void cpc_h_worker_lease(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t addr[CPC_ADDR_HASH_LEN];
    if (auth(req, res, addr) != 0)
        return;
    struct cpc_lease_req lr;
    struct cpc_err perr = {0};
    bool bad_json = false;
    if (cpc_worker_lease_parse(req->body, req->body_len, &lr, &bad_json, &perr) != 0)
        return body_error(res, bad_json, &perr);
    struct cpc_sched_lease *l = NULL;
    size_t cnt = 0;
    uint64_t height = 0, waiter = 0;
    struct cpc_err err = {0};
    int rc = cpc_scheduler_lease(n->scheduler, addr, lr.max_tasks, lr.wait_ms > 0, &l, &cnt,
                                 &height, &waiter, &err);
    if (rc == CPC_ERR_UNAUTHORIZED)
        return unregistered(res);
    if (rc != 0)
        return cpc_http_res_from_err(res, &err);
    if (cnt || !waiter)
        return lease_answer(n, res, addr, l, cnt, height);
    struct lease_wait *w = calloc(1, sizeof *w);
    if (!w) {
        cpc_scheduler_cancel(n->scheduler, waiter);
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    }
    w->n = n;
    w->waiter = waiter;
    memcpy(w->worker, addr, CPC_ADDR_HASH_LEN);
    cpc_http_res_defer(res, lease_poll, w, lease_wait_free, (uint64_t)lr.wait_ms);
}

/* ------------------------------------------------------------------ */
/* Heartbeat and status                                                */

void cpc_h_worker_heartbeat(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t addr[CPC_ADDR_HASH_LEN];
    if (auth(req, res, addr) != 0)
        return;
    struct cpc_heartbeat_req hb;
    struct cpc_err perr = {0};
    bool bad_json = false;
    if (cpc_worker_heartbeat_parse(req->body, req->body_len, &hb, &bad_json, &perr) != 0)
        return body_error(res, bad_json, &perr);
    size_t n_leases = 0;
    struct cpc_err err = {0};
    int rc = cpc_scheduler_heartbeat(n->scheduler, addr, hb.progress, &hb.load, &n_leases, &err);
    if (rc == 0 && n->platform &&
        cpc_rental_orders_record(n, addr, hb.reports, hb.n_reports, &err) != 0)
        rc = CPC_ERR_INTERNAL;
    cpc_worker_heartbeat_req_clear(&hb);
    if (rc == CPC_ERR_UNAUTHORIZED)
        return unregistered(res);
    if (rc == CPC_ERR_INTERNAL)
        return cpc_http_res_error(res, 500, "internal_error", "heartbeat: %s", err.msg);
    if (rc != 0)
        return cpc_http_res_error(res, 400, "invalid_argument", "heartbeat: %s", err.msg);
    cpc_server_stats_record(n, addr, &hb);
    json_t *ans = json_pack("{s:b, s:I, s:I}", "ok", 1, "height",
                            (json_int_t)committed_height(n), "leases", (json_int_t)n_leases);
    /* the rentals to run: complete, or absent (the worker then changes nothing) */
    json_t *rentals = n->platform && ans ? cpc_rental_orders_desired(n, addr, &err) : NULL;
    if (n->platform && ans && !rentals)
        CPC_LOGW("heartbeat: the worker's rentals are left out: %s", err.msg);
    if (rentals) {
        json_object_set_new(ans, "rentals", rentals);
        json_object_set_new(ans, "rentals_complete", json_true());
    }
    cpc_http_res_json(res, 200, ans);
}

int cpc_worker_release_parse(const void *body, size_t len, uint8_t (**ids)[16], size_t *n,
                             bool *bad_json, struct cpc_err *err)
{
    *ids = NULL;
    *n = 0;
    json_t *j = NULL, *arr = NULL;
    int rc = body_object(body, len, &j, bad_json, err);
    if (rc != 0)
        return rc;
    json_error_t je;
    size_t cnt = 0;
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:o}", "task_ids", &arr) != 0) {
        rc = cpc_err_set(err, CPC_ERR_INVALID, "release: %s", je.text);
        goto done;
    }
    cnt = json_array_size(arr);
    if (!json_is_array(arr) || cnt < 1 || cnt > CPC_SCHED_MAX_PER_CALL) {
        rc = cpc_err_set(err, CPC_ERR_INVALID,
                         "release: task_ids must be an array of 1..%d task ids",
                         CPC_SCHED_MAX_PER_CALL);
        goto done;
    }
    if (!(*ids = calloc(cnt, sizeof **ids))) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < cnt; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s || cpc_uuid_parse((*ids)[i], s) != 0) {
            rc = cpc_err_set(err, CPC_ERR_INVALID,
                             "release: task_ids[%zu] is not a task id (UUID)", i);
            goto done;
        }
    }
    *n = cnt;
done:
    if (rc) {
        free(*ids);
        *ids = NULL;
    }
    json_decref(j);
    return rc;
}

/* POST /worker/release: the worker stops before finishing these tasks. */
void cpc_h_worker_release(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t addr[CPC_ADDR_HASH_LEN];
    if (auth(req, res, addr) != 0)
        return;
    uint8_t(*tids)[16] = NULL;
    size_t cnt = 0, released = 0;
    struct cpc_err perr = {0}, err = {0};
    bool bad_json = false;
    if (cpc_worker_release_parse(req->body, req->body_len, &tids, &cnt, &bad_json, &perr) != 0)
        return body_error(res, bad_json, &perr);
    int rc = cpc_scheduler_release(n->scheduler, addr, (const uint8_t(*)[16])tids, cnt,
                                   &released, &err);
    free(tids);
    if (rc == CPC_ERR_UNAUTHORIZED)
        return unregistered(res);
    cpc_http_res_json(res, 200, json_pack("{s:I, s:I}", "released", (json_int_t)released,
                                          "height", (json_int_t)committed_height(n)));
}

void cpc_h_worker_status(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t addr[CPC_ADDR_HASH_LEN];
    if (auth(req, res, addr) != 0)
        return;
    json_t *j = cpc_scheduler_worker_status(n->scheduler, addr);
    if (!j)
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    cpc_http_res_json(res, 200, j);
}

/* ------------------------------------------------------------------ */
/* Market reads                                                        */

/* Read and decode one record of the committed state. 0, CPC_ERR_NOT_FOUND,
 * CPC_ERR_INVALID (corrupt) or CPC_ERR_NOMEM. */
static int read_rec(struct cpc_node *n, const uint8_t *key, size_t klen, int kind, void *out,
                    struct cpc_err *err)
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_node_obj_get(n, key, klen, &b);
    if (rc == 0) {
        if (kind == CPC_KEY_JOB)
            rc = cpc_job_decode(out, b.data, b.len, err);
        else if (kind == CPC_KEY_TASK)
            rc = cpc_task_decode(out, b.data, b.len, err);
        else
            rc = cpc_worker_decode(out, b.data, b.len, err);
    } else if (rc == CPC_ERR_NOMEM) {
        cpc_err_set(err, rc, "out of memory");
    }
    cpc_buf_free(&b);
    return rc;
}

static int get_job(struct cpc_node *n, const uint8_t id[32], struct cpc_job *j,
                   struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    return read_rec(n, key, cpc_key_job(key, id), CPC_KEY_JOB, j, err);
}

static int get_task(struct cpc_node *n, const uint8_t id[16], struct cpc_task *t,
                    struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    return read_rec(n, key, cpc_key_task(key, id), CPC_KEY_TASK, t, err);
}

static int path_job_id(struct cpc_http_req *req, struct cpc_http_res *res, uint8_t id[32])
{
    const char *p = req->n_params ? req->params[0] : "";
    if (strlen(p) != 64 || cpc_hex_decode_exact(id, 32, p) != 0) {
        cpc_http_res_error(res, 400, "invalid_argument", "job id must be 64 hex characters");
        return -1;
    }
    return 0;
}

/* The synthetic kind's params from the committed state: 0, CPC_ERR_NOT_FOUND
 * (disabled), CPC_ERR_INVALID, CPC_ERR_NOMEM. */
static int synthetic_params(struct cpc_node *n, struct cpc_synthetic_params *p)
{
    const uint8_t key = CPC_KEY_SYNTH_PARAMS;
    struct cpc_buf b;
    cpc_buf_init(&b);
    memset(p, 0, sizeof *p);
    int rc = cpc_node_obj_get(n, &key, 1, &b);
    if (rc == 0 && cpc_synthetic_params_decode(p, b.data, b.len) != 0)
        rc = CPC_ERR_INVALID;
    cpc_buf_free(&b);
    return rc;
}

/* challenge rows of a COMMITTED matmul (or synthetic) task of m rows with
 * `challenges` rows opened; NULL on error (answer set). */
static json_t *challenge_json(struct cpc_node *n, const struct cpc_task *t, uint32_t m,
                              uint32_t challenges, struct cpc_http_res *res)
{
    struct cpc_block_header h;
    struct cpc_err err = {0};
    uint8_t bh[32], seed[32];
    int rc = cpc_store_get_header(n->store, t->commit_height, &h, &err);
    if (rc != 0) {
        cpc_http_res_from_err(res, &err);
        return NULL;
    }
    if (cpc_block_header_hash(&h, bh) != 0) {
        cpc_http_res_error(res, 500, "internal_error", "cannot hash block %llu",
                           (unsigned long long)t->commit_height);
        return NULL;
    }
    cpc_challenge_seed(seed, bh, t->id);
    uint32_t count = challenges;
    if (count == 0)
        count = CPC_DEFAULT_CHALLENGES;
    if (count > CPC_MATMUL_MAX_CHALLENGES)
        count = CPC_MATMUL_MAX_CHALLENGES;
    uint32_t rows[CPC_MATMUL_MAX_CHALLENGES];
    cpc_matmul_challenge(seed, m, count, rows);
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < count; i++)
        json_array_append_new(arr, json_integer(rows[i]));
    return json_pack("{s:I, s:o, s:o, s:o, s:I}", "commit_height", (json_int_t)t->commit_height,
                     "block_hash", cpc_hex_json(bh, 32), "seed", cpc_hex_json(seed, 32), "rows", arr,
                     "reveal_deadline", (json_int_t)t->reveal_deadline);
}

void cpc_h_market_task(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t id[16];
    if (req->n_params < 1 || cpc_uuid_parse(id, req->params[0]) != 0)
        return cpc_http_res_error(res, 400, "invalid_argument", "task id must be a UUID");
    struct cpc_task t;
    struct cpc_job job;
    struct cpc_err err = {0};
    int rc = get_task(n, id, &t, &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        /* no record yet: a task of an active job that nobody finished; the
         * scheduler knows it while it is leased */
        uint8_t jid[32];
        uint32_t index = 0;
        if (cpc_scheduler_find_task(n->scheduler, id, jid, &index) != 0)
            return cpc_http_res_error(res, 404, "not_found", "task %s not found",
                                      req->params[0]);
        memset(&t, 0, sizeof t);
        memcpy(t.id, id, 16);
        memcpy(t.job_id, jid, 32);
        t.index = index;
        t.status = CPC_TASK_OPEN;
        rc = 0;
    }
    if (rc != 0)
        return cpc_http_res_from_err(res, &err);
    json_t *j = cpc_task_to_json(&t);
    if (!j)
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    struct cpc_synthetic_params sp;
    uint8_t synth_job[32];
    cpc_synthetic_job_id(synth_job);
    if (memcmp(t.job_id, synth_job, 32) == 0 && synthetic_params(n, &sp) == 0) {
        json_object_set_new(j, "kind", json_string("synthetic"));
        if (t.status == CPC_TASK_COMMITTED) {
            json_t *c = challenge_json(n, &t, sp.n, sp.challenges, res);
            if (!c) {
                json_decref(j);
                return;
            }
            json_object_set_new(j, "challenge", c);
        }
    } else if (get_job(n, t.job_id, &job, &err) == 0) {
        json_object_set_new(j, "kind", json_string(cpc_kind_name(job.contract.kind)));
        uint8_t seed[32];
        cpc_sched_task_seed(seed, &job, t.index);
        json_object_set_new(j, "seed", cpc_hex_json(seed, 32));
        if (t.status == CPC_TASK_COMMITTED && job.contract.kind == CPC_KIND_MATMUL) {
            json_t *c = challenge_json(n, &t, job.contract.p.matmul.m,
                                       job.contract.p.matmul.challenges, res);
            if (!c) {
                json_decref(j);
                return;
            }
            json_object_set_new(j, "challenge", c);
        }
    }
    cpc_http_res_json(res, 200, j);
}

int cpc_market_path_job(struct cpc_http_req *req, struct cpc_http_res *res, uint8_t id[32],
                        struct cpc_job *job)
{
    if (path_job_id(req, res, id) != 0)
        return -1;
    struct cpc_err err = {0};
    int rc = get_job(node_of(req), id, job, &err);
    if (rc == CPC_ERR_NOT_FOUND)
        cpc_http_res_error(res, 404, "not_found", "job %s not found", req->params[0]);
    else if (rc != 0)
        cpc_http_res_from_err(res, &err);
    return rc == 0 ? 0 : -1;
}

void cpc_h_market_job(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t id[32];
    struct cpc_job job;
    if (cpc_market_path_job(req, res, id, &job) != 0)
        return;
    struct cpc_err err = {0};
    int rc;
    uint64_t offset, limit;
    if (cpc_http_req_query_uint(req, res, "offset", 0, 0, CPC_MAX_TASKS, &offset) != 0 ||
        cpc_http_req_query_uint(req, res, "limit", JOB_TASKS_DEFAULT, 0, JOB_TASKS_MAX,
                                &limit) != 0)
        return;
    json_t *j = cpc_job_to_json(&job);
    json_t *tasks = json_array();
    json_t *counts = json_pack("{s:i, s:i, s:i, s:i}", "open", 0, "committed", 0, "done", 0,
                               "closed", 0);
    if (!j || !tasks || !counts)
        goto oom;
    for (uint64_t i = offset; i < job.contract.tasks && i < offset + limit; i++) {
        uint8_t tid[16];
        struct cpc_task t;
        cpc_task_id(tid, job.id, (uint32_t)i);
        rc = get_task(n, tid, &t, &err);
        if (rc == CPC_ERR_NOT_FOUND) {
            memset(&t, 0, sizeof t);
            memcpy(t.id, tid, 16);
            memcpy(t.job_id, job.id, 32);
            t.index = (uint32_t)i;
            t.status = CPC_TASK_OPEN;
        } else if (rc != 0) {
            json_decref(j);
            json_decref(tasks);
            json_decref(counts);
            return cpc_http_res_from_err(res, &err);
        }
        json_t *tj = cpc_task_to_json(&t);
        if (!tj || json_array_append_new(tasks, tj) != 0)
            goto oom;
        const char *st = json_string_value(json_object_get(tj, "status"));
        json_t *c = st ? json_object_get(counts, st) : NULL;
        if (c)
            json_integer_set(c, json_integer_value(c) + 1);
    }
    json_object_set_new(j, "tasks", tasks);
    json_object_set_new(j, "task_counts", counts);
    json_object_set_new(j, "offset", json_integer((json_int_t)offset));
    json_object_set_new(j, "limit", json_integer((json_int_t)limit));
    json_t *r = cpc_scheduler_job_resources(n->scheduler, id);
    json_object_set_new(j, "resources", r ? r : json_null());
    return cpc_http_res_json(res, 200, j);
oom:
    json_decref(j);
    json_decref(tasks);
    json_decref(counts);
    cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
}

void cpc_h_market_job_resources(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t id[32];
    struct cpc_job job;
    if (cpc_market_path_job(req, res, id, &job) != 0)
        return;
    json_t *r = cpc_scheduler_job_resources(n->scheduler, id);
    if (!r)
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    cpc_http_res_json(res, 200, r);
}

void cpc_h_market_worker(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t addr[CPC_ADDR_HASH_LEN], key[CPC_KEY_MAX];
    if (req->n_params < 1 || cpc_address_decode(addr, req->params[0]) != 0)
        return cpc_http_res_error(res, 400, "invalid_address", "not a valid cpc1 address: %.80s",
                                  req->n_params ? req->params[0] : "");
    struct cpc_worker w;
    struct cpc_err err = {0};
    int rc = read_rec(n, key, cpc_key_worker(key, addr), CPC_KEY_WORKER, &w, &err);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_http_res_error(res, 404, "not_found",
                                  "worker %s is not registered (WORKER_REGISTER)",
                                  req->params[0]);
    if (rc != 0)
        return cpc_http_res_from_err(res, &err);
    json_t *j = cpc_worker_to_json(&w);
    if (!j)
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    json_t *st = cpc_scheduler_worker_status(n->scheduler, addr);
    if (st) {
        json_object_set(j, "online", json_object_get(st, "online"));
        json_object_set(j, "leases", json_object_get(st, "leases"));
        json_object_set(j, "lease_cap", json_object_get(st, "lease_cap"));
        json_object_set(j, "load", json_object_get(st, "load"));
        json_decref(st);
    }
    cpc_http_res_json(res, 200, j);
}

/* GET /market/synthetic: the idle-time kind's genesis params, or enabled:false. */
void cpc_h_market_synthetic(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    struct cpc_synthetic_params p;
    int rc = synthetic_params(n, &p);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_http_res_json(res, 200, json_pack("{s:b}", "enabled", 0));
    if (rc != 0)
        return cpc_http_res_error(res, 500, "internal_error", "synthetic params unreadable");
    json_t *j = cpc_synthetic_params_to_json(&p);
    if (!j || json_object_set_new(j, "enabled", json_true()) != 0 ||
        json_object_set_new(j, "height", json_integer((json_int_t)committed_height(n))) != 0) {
        json_decref(j);
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    }
    cpc_http_res_json(res, 200, j);
}

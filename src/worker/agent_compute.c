/* agent_compute.c — run one leased task on its executor (executor.h).
 *
 * The executor runs on its own thread while the agent's thread draws the
 * progress line and watches the stop flag (a second signal cancels the
 * executor). Searches (hashpow, vanity) run in chunks; after each chunk the
 * number of candidates searched is saved as the task's checkpoint, so a
 * restart continues where the last chunk ended and finds the same (lowest)
 * answer. matmul computes C, stores its row leaves in TASK.leaves (what the
 * REVEAL's Merkle proofs need; C itself is not kept) and commits to their
 * root. exec fetches the app and inputs by hash, runs them in the sandbox and
 * uploads the output as a blob; the result is the output's SHA-256.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../core/hash.h"
#include "../core/hex.h"
#include "agent_internal.h"

/* Searches run in chunks that grow (x2) while a chunk takes under half a
 * second: the checkpoint is saved about once a second whatever the speed. */
#define HASHPOW_CHUNK0 (1ull << 18)
#define HASHPOW_CHUNK_MAX (1ull << 30)
#define VANITY_CHUNK0 (1ull << 12)
#define VANITY_CHUNK_MAX (1ull << 24)

void wk_sleep(struct wk_agent *a, unsigned ms)
{
    unsigned step_ms = a->tm->sleep_step_ms;
    while (ms && !atomic_load(a->stop)) {
        unsigned step = ms < step_ms ? ms : step_ms;
        struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* ---- one executor call on a thread, progress drawn meanwhile ---- */

struct job {
    struct wk_agent *a;
    struct wk_item *it;
    struct wk_executor *ex;
    const struct cpc_wk_ctl *ctl;
    uint64_t start, tries;          /* search chunk */
    int32_t *C;                     /* matmul output */
    uint64_t found;
    uint8_t xfound[32];
    int rc;
    struct cpc_err err;
    volatile int finished;
};

static void add_be256(uint8_t out[32], const uint8_t base[32], uint64_t add)
{
    unsigned carry = 0;
    memcpy(out, base, 32);
    for (int i = 31; i >= 0; i--) {
        unsigned v = out[i] + (unsigned)(add & 0xff) + carry;
        out[i] = (uint8_t)v;
        carry = v >> 8;
        add >>= 8;
    }
}

static int compute_exec(struct wk_agent *a, struct wk_item *it, const struct cpc_wk_ctl *ctl,
                        struct cpc_err *err);

static void *job_main(void *arg)
{
    struct job *j = arg;
    const struct cpc_wk_task *t = &j->it->t;
    switch (t->kind) {
    case CPC_KIND_HASHPOW:
        j->rc = cpc_wk_hashpow(t->seed, t->p.hashpow.bits, j->start, j->tries, j->ctl, &j->found,
                               &j->err);
        break;
    case CPC_KIND_VANITY: {
        uint8_t start[32];
        add_be256(start, t->seed, j->start);
        j->rc = cpc_wk_vanity(t->p.vanity.pubkey, t->p.vanity.prefix, start, j->tries, j->ctl,
                              j->xfound, &j->err);
        break;
    }
    case CPC_KIND_MATMUL: {
        struct cpc_matmul_spec s;
        memcpy(s.seed, t->seed, 32);
        s.m = t->p.matmul.m;
        s.k = t->p.matmul.k;
        s.n = t->p.matmul.n;
        j->rc = wk_exec_matmul(&j->a->pool, j->ex, &s, j->C, j->ctl, &j->err);
        break;
    }
    case CPC_KIND_EXEC:
        j->rc = compute_exec(j->a, j->it, j->ctl, &j->err);
        break;
    default:
        j->rc = cpc_err_set(&j->err, CPC_ERR_INVALID, "no executor for this kind");
    }
    __atomic_store_n(&j->finished, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* "cpu" or "gpu N" into out (cap >= 16). */
static const char *exec_name(const struct wk_executor *ex, char *out, size_t cap)
{
    if (ex->gpu < 0)
        snprintf(out, cap, "cpu");
    else
        snprintf(out, cap, "gpu %d", ex->gpu);
    return out;
}

/* Run j on a thread; draw progress until it ends. base: units the task had
 * done before this call (a search's checkpoint); total: units the whole task
 * is expected to take (0 unknown; a search may run past it: then 99.9%). */
static int run_job(struct wk_agent *a, struct job *j, uint64_t base, uint64_t total,
                   const char *unit, struct cpc_err *err)
{
    pthread_t th;
    struct wk_executor *ex = j->ex;
    char dev[16];
    exec_name(ex, dev, sizeof dev);
    atomic_store(&ex->progress, 0);
    if (pthread_create(&th, NULL, job_main, j) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "cannot start an executor thread");
    double t0 = cpc_clock_mono_s();
    const char *kind = j->it->synthetic ? "synth" : cpc_kind_name(j->it->t.kind);
    const unsigned tick = a->tm->progress_ms;
    while (!__atomic_load_n(&j->finished, __ATOMIC_ACQUIRE)) {
        struct timespec ts = {(time_t)(tick / 1000), (long)(tick % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if (atomic_load(a->stop) >= 2)
            atomic_store(&ex->cancel, 1);
        double dt = cpc_clock_mono_s() - t0;
        uint64_t done = atomic_load(&ex->progress), all = base + done;
        double rate = dt > 0 ? (double)done / dt : 0;
        double pct = total ? 100.0 * (double)all / (double)total : -1;
        if (pct > 99.9)
            pct = 99.9;
        double eta = total && rate > 0 && all < total ? (double)(total - all) / rate : -1;
        wk_exec_set_running(&a->pool, ex, j->it->synthetic ? "" : j->it->t.task_id_s,
                            pct < 0 ? 0 : (pct > 100 ? 100 : pct));
        cpc_wk_report_progress(a->rep, kind, j->it->t.task_id_s, pct, rate, unit, eta, dev);
    }
    pthread_join(th, NULL);
    /* a search that found nothing says so by its code alone; any other
     * failure (a missing blob is NOT_FOUND too) carries its message */
    if (j->rc && (j->rc != CPC_ERR_NOT_FOUND || j->err.msg[0]))
        *err = j->err;
    return j->rc;
}

/* ---- searches ---- */

static int compute_search(struct wk_agent *a, struct wk_item *it, struct wk_executor *ex,
                          const struct cpc_wk_ctl *ctl, struct cpc_err *err)
{
    bool hp = it->t.kind == CPC_KIND_HASHPOW;
    uint64_t chunk = hp ? HASHPOW_CHUNK0 : VANITY_CHUNK0;
    const uint64_t chunk_max = hp ? HASHPOW_CHUNK_MAX : VANITY_CHUNK_MAX;
    /* give up after 2^(expected bits + 8) candidates: far past any honest luck */
    unsigned bits = hp ? it->t.p.hashpow.bits : 5u * (unsigned)strlen(it->t.p.vanity.prefix);
    uint64_t limit = bits + 8 >= 63 ? UINT64_MAX / 2 : (1ull << (bits + 8));
    uint64_t expected = bits >= 63 ? 0 : (1ull << bits);
    while (it->checkpoint < limit) {
        struct job j = {.a = a, .it = it, .ex = ex, .ctl = ctl, .start = it->checkpoint,
                        .tries = chunk};
        double t0 = cpc_clock_mono_s();
        int rc = run_job(a, &j, it->checkpoint, expected, hp ? "H" : "keys", err);
        if (rc == 0) {
            pthread_mutex_lock(&a->state_mu);
            if (hp) {
                for (int i = 0; i < 8; i++)
                    it->result[i] = (uint8_t)(j.found >> (56 - 8 * i));
                it->result_len = 8;
            } else {
                memcpy(it->result, j.xfound, 32);
                it->result_len = 32;
            }
            pthread_mutex_unlock(&a->state_mu);
            return 0;
        }
        if (rc != CPC_ERR_NOT_FOUND)
            return rc;
        pthread_mutex_lock(&a->state_mu);
        it->checkpoint += chunk;
        rc = wk_state_save(a, err);
        pthread_mutex_unlock(&a->state_mu);
        if (rc != 0)
            return rc;
        if (cpc_clock_mono_s() - t0 < a->tm->chunk_fast_ms / 1000.0 && chunk < chunk_max)
            chunk *= 2;
    }
    return cpc_err_set(err, CPC_ERR_NOT_FOUND, "no answer in %" PRIu64 " candidates: giving up",
                       it->checkpoint);
}

/* ---- matmul ---- */

static int compute_matmul(struct wk_agent *a, struct wk_item *it, struct wk_executor *ex,
                          const struct cpc_wk_ctl *ctl, struct cpc_err *err)
{
    uint32_t m = it->t.p.matmul.m, n = it->t.p.matmul.n;
    struct job j = {.a = a, .it = it, .ex = ex, .ctl = ctl};
    j.C = malloc((size_t)m * n * sizeof *j.C);
    uint8_t(*leaves)[32] = malloc((size_t)m * 32);
    int rc = 0;
    if (!j.C || !leaves) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory for a %ux%u result", m, n);
        goto done;
    }
    if ((rc = run_job(a, &j, 0, m, "rows", err)) != 0)
        goto done;
    for (uint32_t r = 0; r < m; r++)
        cpc_matmul_row_leaf(leaves[r], r, j.C + (size_t)r * n, n);
    uint8_t root[32];
    if ((rc = cpc_merkle_root(root, (const uint8_t(*)[32])leaves, m)) != 0) {
        rc = cpc_err_set(err, rc, "out of memory building the row tree");
        goto done;
    }
    pthread_mutex_lock(&a->state_mu);
    memcpy(it->result, root, 32);
    it->result_len = 32;
    if (it->synthetic) {
        for (int i = 0; i < 8; i++)
            it->result[32 + i] = (uint8_t)(it->synth_height >> (56 - 8 * i));
        it->result_len = CPC_SYNTHETIC_RESULT_LEN;
    }
    pthread_mutex_unlock(&a->state_mu);
    char path[CPC_PATH_MAX];
    if (wk_leaves_path(a, it, path, sizeof path) != 0) {
        rc = cpc_err_set(err, CPC_ERR_TOO_LARGE, "leaves path too long");
        goto done;
    }
    rc = cpc_write_file_atomic(path, leaves, (size_t)m * 32, 0600, err);
done:
    free(j.C);
    free(leaves);
    return rc;
}

/* ---- exec ---- */

/* dir/blobs/HEX, fetched from the node unless cached; the hash is checked. */
static int fetch_blob(struct wk_agent *a, const uint8_t hash[32], char *path, size_t cap,
                      struct cpc_err *err)
{
    char hex[65], url[96], bdir[CPC_PATH_MAX];
    cpc_hex_encode(hex, hash, 32);
    snprintf(bdir, sizeof bdir, "%s/blobs", a->dir);
    if (snprintf(path, cap, "%s/%s", bdir, hex) >= (int)cap)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "blob path too long");
    if (access(path, R_OK) == 0)
        return 0;
    int rc = cpc_mkdir_p(bdir, 0700, err);
    if (rc)
        return rc;
    snprintf(url, sizeof url, "/blobs/%s", hex);
    struct cpc_http_resp r = {0};
    rc = cpc_http_request(cpc_wk_node_http(a->node), "GET", url, NULL, 0, NULL, &r, err);
    if (rc)
        return rc;
    uint8_t got[32];
    cpc_sha256(got, r.body, r.len);
    if (r.status != 200)
        rc = cpc_err_set(err, r.status == 404 ? CPC_ERR_NOT_FOUND : CPC_ERR_IO,
                         "GET /blobs/%s: HTTP %ld", hex, r.status);
    else if (memcmp(got, hash, 32) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID_RESULT, "blob %s: content does not match its hash",
                         hex);
    else
        rc = cpc_write_file_atomic(path, r.body, r.len, 0600, err);
    cpc_http_resp_free(&r);
    return rc;
}

static int compute_exec(struct wk_agent *a, struct wk_item *it, const struct cpc_wk_ctl *ctl,
                        struct cpc_err *err)
{
    char app[CPC_PATH_MAX], in[CPC_MAX_EXEC_INPUTS][CPC_PATH_MAX];
    const char *inputs[CPC_MAX_EXEC_INPUTS];
    int rc = fetch_blob(a, it->t.p.exec.app, app, sizeof app, err);
    for (unsigned i = 0; rc == 0 && i < it->t.p.exec.n_inputs; i++) {
        rc = fetch_blob(a, it->t.p.exec.inputs[i], in[i], sizeof in[i], err);
        inputs[i] = in[i];
    }
    if (rc)
        return rc;
    struct cpc_wk_exec_limits lim = {.timeout_s = it->t.p.exec.timeout_s,
                                     .memory_mb = it->t.p.exec.memory_mb,
                                     .max_output = WK_MAX_OUTPUT,
                                     .sandbox = a->o->sandbox};
    struct cpc_wk_exec_report rep;
    uint8_t *out = NULL;
    size_t out_len = 0;
    rc = cpc_wk_exec_run(a->dir, app, inputs, it->t.p.exec.n_inputs, &lim, ctl, &out, &out_len,
                         &rep, err);
    if (rc == 0) {
        /* the output goes to the node's blobs only with the reveal: a blob is
         * public by its hash, so uploading it now would let a copier confirm a
         * guessed output (GET /blobs/{hash}) while the commit window is open */
        uint8_t h[32];
        char path[CPC_PATH_MAX];
        cpc_sha256(h, out, out_len);
        rc = wk_output_path(a, it, path, sizeof path) != 0
                 ? cpc_err_set(err, CPC_ERR_TOO_LARGE, "path too long")
                 : cpc_write_file_atomic(path, out, out_len, 0600, err);
        pthread_mutex_lock(&a->state_mu);
        memcpy(it->result, h, 32);
        it->result_len = 32;
        pthread_mutex_unlock(&a->state_mu);
        cpc_wk_report_event(a->rep, CPC_LOG_DEBUG, "exec", NULL,
                            "task %.8s ran %.2fs in %s, %zu bytes out", it->t.task_id_s,
                            rep.wall_s, rep.sandboxed ? "bubblewrap" : "the rlimit fallback",
                            out_len);
    }
    free(out);
    return rc;
}

int wk_compute(struct wk_agent *a, struct wk_item *it, struct wk_executor *ex,
               struct cpc_err *err)
{
    atomic_store(&ex->cancel, 0);
    struct cpc_wk_ctl ctl = {.cancel = &ex->cancel, .done = &ex->progress,
                             .threads = a->o->threads};
    wk_exec_set_running(&a->pool, ex, it->synthetic ? "" : it->t.task_id_s, 0);
    int rc;
    switch (it->t.kind) {
    case CPC_KIND_HASHPOW:
    case CPC_KIND_VANITY:
        rc = compute_search(a, it, ex, &ctl, err);
        break;
    case CPC_KIND_MATMUL:
        rc = compute_matmul(a, it, ex, &ctl, err);
        break;
    case CPC_KIND_EXEC: {
        struct job j = {.a = a, .it = it, .ex = ex, .ctl = &ctl};
        rc = run_job(a, &j, 0, 0, "s", err);
        break;
    }
    default:
        rc = cpc_err_set(err, CPC_ERR_INVALID, "no executor for kind %d", (int)it->t.kind);
    }
    wk_exec_set_running(&a->pool, ex, "", 0);
    if (rc == 0) {
        pthread_mutex_lock(&a->state_mu);
        it->phase = PH_COMPUTED;
        pthread_mutex_unlock(&a->state_mu);
    }
    return rc;
}

/* agent.c — the provider agent's loop (agent.h): lease, compute, submit,
 * reveal, heartbeat, backoff, signals.
 *
 * One thread runs the loop and talks to the node; a second sends heartbeats
 * (progress and load) on its own connection; the executor runs on a third
 * while the loop draws progress (agent_compute.c); signing, posting and
 * following txs and building reveals is agent_txs.c. The loop is a small state
 * machine over items (agent_internal.h): every transition is saved to the
 * state file before its effect leaves the process, which is what makes a
 * SIGKILL at any instant safe (agent.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../core/hash.h"
#include "../core/hex.h"
#include "../core/uuid.h"
#include "agent_internal.h"
#include "gpu_probe.h"

#define MAX_RELEASE 64 /* ids per POST /worker/release */

static const struct wk_timings k_timings = {
    .node_timeout_ms = 15000,
    .heartbeat_timeout_ms = 10000,
    .backoff_base_ms = 500,
    .backoff_max_ms = 30000,
    .status_ms = 1000,
    .synthetic_wait_ms = 1000,
    .idle_ms = 200,
    .lease_error_ms = 1000,
    .sleep_step_ms = 100,
    .progress_ms = 50,
    .chunk_fast_ms = 500,
    .retry_ms = 1000,
    .tx_check_ms = 300,
    .challenge_wait_ms = 500,
};

/* ------------------------------------------------------------------ */
/* Backoff                                                             */

/* The node could not be reached (or answered 5xx): wait backoff_base_ms * 2^n
 * (at most backoff_max_ms), with +-50% jitter, then let the caller retry. */
static void backoff(struct wk_agent *a, const char *what, const struct cpc_err *e)
{
    double base =
        (double)a->tm->backoff_base_ms * pow(2.0, a->backoff_n < 16 ? a->backoff_n : 16);
    if (base > a->tm->backoff_max_ms)
        base = a->tm->backoff_max_ms;
    uint32_t r;
    cpc_random_bytes(&r, sizeof r);
    unsigned ms = (unsigned)(base * (0.5 + (double)r / 4294967296.0));
    a->backoff_n++;
    cpc_wk_report_event(a->rep, CPC_LOG_WARN, "offline", NULL,
                        "%s: %s; retrying in %.1fs", what, e->msg, ms / 1000.0);
    wk_sleep(a, ms);
}

bool wk_transport_error(int rc)
{
    return rc == CPC_ERR_CONNECTION || rc == CPC_ERR_IO || rc == CPC_ERR_MEMPOOL_FULL ||
           rc == CPC_ERR_INTERNAL;
}

/* ------------------------------------------------------------------ */
/* Heartbeats                                                          */

/* Seconds since the machine booted (the heartbeat's uptime_s), or -1 when unknown. */
static long machine_uptime_s(void)
{
    struct sysinfo si;
    return sysinfo(&si) == 0 && si.uptime >= 0 ? si.uptime : -1;
}

static void *hb_main(void *arg)
{
    struct wk_agent *a = arg;
    struct cpc_wk_node *node =
        cpc_wk_node_new(a->o->node_url, &a->key, (long)a->tm->heartbeat_timeout_ms);
    struct cpc_wk_sampler *smp = cpc_wk_sampler_new();
    pthread_mutex_lock(&a->mu);
    while (!a->hb_quit) {
        char id[37];
        double pct = a->running_pct;
        snprintf(id, sizeof id, "%s", a->running_id);
        pthread_mutex_unlock(&a->mu);
        struct cpc_wk_load load;
        memset(&load, 0, sizeof load);
        if (smp)
            cpc_wk_sampler_read(smp, &load);
        json_t *body = json_pack("{s:{}, s:f, s:f, s:I, s:f, s:s}", "progress", "cpu_load",
                                 load.cpu_load_pct, "gpu_load", load.gpu_load_pct, "ram_used_mb",
                                 (json_int_t)load.ram_used_mb, "gpu_temp_c", load.gpu_temp_c,
                                 "matmul_backend", cpc_wk_matmul_cpu_backend());
        if (body && id[0])
            json_object_set_new(json_object_get(body, "progress"), id, json_real(pct));
        wk_heartbeat_executors(a, body); /* each executor's task, and `gpus` */
        long up = machine_uptime_s();
        if (body && up >= 0)
            json_object_set_new(body, "uptime_s", json_integer(up));
        json_t *reports = wk_rentals_reports(a->rentals);
        if (body && reports)
            json_object_set_new(body, "rentals", reports);
        struct cpc_err e = {0};
        json_t *ans = NULL;
        if (node && body &&
            cpc_wk_node_signed(node, "POST", "/worker/heartbeat", body, &ans, NULL, &e) == 0)
            wk_rentals_answer(a->rentals, ans, &a->rentals_warned);
        json_decref(ans);
        json_decref(body);
        pthread_mutex_lock(&a->mu);
        struct timespec until = cpc_clock_wall_after(a->o->heartbeat_ms);
        if (!a->hb_quit)
            pthread_cond_timedwait(&a->cv, &a->mu, &until);
    }
    pthread_mutex_unlock(&a->mu);
    cpc_wk_sampler_free(smp);
    cpc_wk_node_free(node);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Totals                                                              */

void wk_refresh_balance(struct wk_agent *a)
{
    struct cpc_account_info acct;
    struct cpc_err e = {0};
    if (cpc_account_fetch(cpc_wk_node_http(a->node), a->address, &acct, &e) == 0) {
        a->balance = acct.balance;
        a->have_balance = true;
    }
    cpc_wk_report_totals(a->rep, a->done, a->earned, a->balance, a->have_balance);
}

json_t *wk_task_fields(const struct wk_item *it)
{
    return json_pack("{s:s, s:s, s:I}", "task_id", it->t.task_id_s, "kind",
                     it->synthetic ? "synthetic" : cpc_kind_name(it->t.kind), "reward",
                     (json_int_t)it->t.reward);
}

/* ------------------------------------------------------------------ */
/* Leasing                                                             */

void wk_memo_keep(struct wk_agent *a, const struct wk_item *it)
{
    if (it->synthetic || (it->t.kind != CPC_KIND_HASHPOW && it->t.kind != CPC_KIND_VANITY))
        return;
    a->batch_expired = true;
    struct wk_memo *m = NULL;
    for (unsigned i = 0; i < sizeof a->memo / sizeof a->memo[0] && !m; i++)
        if (memcmp(a->memo[i].task_id, it->t.task_id, 16) == 0)
            m = &a->memo[i];
    if (!m)
        m = &a->memo[a->memo_next++ % (sizeof a->memo / sizeof a->memo[0])];
    memcpy(m->task_id, it->t.task_id, 16);
    m->checkpoint = it->checkpoint;
    m->result_len = it->phase >= PH_COMPUTED ? it->result_len : 0;
    memcpy(m->result, it->result, m->result_len);
}

void wk_memo_restore(struct wk_agent *a, struct wk_item *it)
{
    for (unsigned i = 0; i < sizeof a->memo / sizeof a->memo[0]; i++) {
        struct wk_memo *m = &a->memo[i];
        if (memcmp(m->task_id, it->t.task_id, 16) != 0)
            continue;
        it->checkpoint = m->checkpoint;
        if (m->result_len) {
            memcpy(it->result, m->result, m->result_len);
            it->result_len = m->result_len;
            it->phase = PH_COMPUTED;
        }
        memset(m, 0, sizeof *m);
        return;
    }
}

static int release_items(struct wk_agent *a, bool only_leased)
{
    uint8_t ids[MAX_RELEASE][16];
    size_t n = 0;
    for (size_t i = a->n_items; i-- > 0;) {
        struct wk_item *it = &a->items[i];
        if (it->synthetic || (only_leased && it->phase != PH_LEASED))
            continue;
        if (n < MAX_RELEASE)
            memcpy(ids[n++], it->t.task_id, 16);
        cpc_wk_report_event(a->rep, CPC_LOG_INFO, "released", wk_task_fields(it),
                            "task %.8s given back to the node", it->t.task_id_s);
        wk_item_drop(a, i);
    }
    struct cpc_err e = {0};
    if (n && cpc_wk_release(a->node, (const uint8_t(*)[16])ids, n, &e) != 0)
        cpc_wk_report_event(a->rep, CPC_LOG_WARN, "release", NULL,
                            "could not release %zu leases (they expire by themselves): %s", n,
                            e.msg);
    return wk_state_save(a, &e);
}

static size_t count_phase(const struct wk_agent *a, enum wk_phase p)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_items; i++)
        n += a->items[i].phase == p;
    return n;
}

/* A synthetic task for the latest block, when idle and the chain pays for it. */
static int start_synthetic(struct wk_agent *a, struct cpc_err *err)
{
    for (size_t i = 0; i < a->n_items; i++)
        if (a->items[i].synthetic)
            return 0; /* one at a time */
    char path[48];
    json_t *blk = NULL;
    uint64_t h = a->chain.height;
    if (h == 0 || h <= a->synth_last_height)
        return 0;
    snprintf(path, sizeof path, "/block/%" PRIu64, h);
    int rc = cpc_http_json(cpc_wk_node_http(a->node), "GET", path, NULL, &blk, NULL, err);
    if (rc)
        return rc;
    const char *hash = json_string_value(json_object_get(json_object_get(blk, "header"), "hash"));
    if (!hash)
        hash = json_string_value(json_object_get(blk, "hash"));
    uint8_t bh[32];
    if (!hash || cpc_hex_decode_exact(bh, 32, hash) != 0) {
        json_decref(blk);
        return cpc_err_set(err, CPC_ERR_INVALID, "GET %s: no block hash", path);
    }
    json_decref(blk);
    struct wk_item *it = wk_item_add(a);
    if (!it)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    uint8_t addr[CPC_ADDR_HASH_LEN];
    cpc_pubkey_hash(addr, a->key.info.pubkey);
    it->synthetic = true;
    it->synth_height = h;
    it->t.kind = CPC_KIND_MATMUL;
    it->t.p.matmul.m = it->t.p.matmul.k = it->t.p.matmul.n = a->synth_n;
    it->t.p.matmul.challenges = a->synth_challenges;
    it->t.reward = a->synth_reward;
    cpc_synthetic_seed(it->t.seed, bh, addr);
    cpc_synthetic_task_id(it->t.task_id, h, addr);
    cpc_uuid_format(it->t.task_id_s, it->t.task_id);
    a->synth_last_height = h;
    cpc_wk_report_event(a->rep, CPC_LOG_INFO, "synthetic", wk_task_fields(it),
                        "idle: synthetic matmul n=%u seeded by block %" PRIu64, a->synth_n, h);
    return wk_state_save(a, err);
}

/* Tasks asked per lease at most: --max-tasks, or (0) one per live executor
 * and at least 4 (a wave runs one per executor, agent_wave.c). */
static unsigned lease_cap(struct wk_agent *a)
{
    if (a->o->max_tasks)
        return a->o->max_tasks;
    unsigned n = wk_pool_alive(&a->pool);
    return n > 4 ? (n > 64 ? 64 : n) : 4;
}

static int lease_round(struct wk_agent *a, struct cpc_err *err)
{
    size_t pending = a->n_items;
    unsigned wait = pending ? 0 : a->o->lease_wait_ms;
    if (a->synth_enabled && a->o->synthetic && wait > a->tm->synthetic_wait_ms)
        wait = a->tm->synthetic_wait_ms;
    struct cpc_wk_task *tasks = NULL;
    size_t n = 0;
    uint64_t height = 0;
    unsigned cap = lease_cap(a);
    if (a->batch_expired)
        a->lease_n = a->lease_n > 1 ? a->lease_n / 2 : 1;
    else if (a->lease_n < cap)
        a->lease_n = a->lease_n * 2 < cap ? a->lease_n * 2 : cap;
    a->batch_expired = false;
    int rc = cpc_wk_lease(a->node, a->lease_n, wait, &tasks, &n, &height, err);
    if (rc)
        return rc;
    a->backoff_n = 0;
    if (height > a->chain.height)
        a->chain.height = height;
    for (size_t i = 0; i < n; i++) {
        struct wk_item *it = wk_item_add(a);
        if (!it) {
            free(tasks);
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        }
        it->t = tasks[i];
        wk_memo_restore(a, it);
    }
    free(tasks);
    if (n) {
        for (size_t i = a->n_items - n; i < a->n_items; i++) {
            struct wk_item *it = &a->items[i];
            it->lease_json = cpc_wk_task_to_json(&it->t);
            if (!it->lease_json)
                return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
            cpc_wk_report_event(a->rep, CPC_LOG_INFO, "leased", wk_task_fields(it),
                                "task %.8s %s #%u, lease until height %" PRIu64,
                                it->t.task_id_s, cpc_kind_name(it->t.kind), it->t.index,
                                it->t.lease_expires);
        }
        return wk_state_save(a, err);
    }
    if (!pending && a->synth_enabled && a->o->synthetic && !atomic_load(a->stop)) {
        struct cpc_chain_info ci;
        if ((rc = cpc_chain_info_fetch(cpc_wk_node_http(a->node), &ci, err)) != 0)
            return rc;
        a->chain.height = ci.height;
        return start_synthetic(a, err);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */

/* Say at start why a registered worker will get no lease (docs/market.md,
 * "Worker stake"): it deregistered, or its locked stake is below the minimum. */
static void warn_no_leases(struct wk_agent *a, const json_t *w)
{
    const json_t *cap = json_object_get(w, "lease_cap");
    if (!json_is_integer(cap) || json_integer_value(cap) > 0)
        return;
    const json_t *since = json_object_get(w, "unbonding_since");
    if (json_is_integer(since))
        cpc_wk_report_event(a->rep, CPC_LOG_WARN, "stake", NULL,
                            "deregistered at height %lld: no new leases (`cpc-worker register "
                            "--stake N` bonds it again)",
                            (long long)json_integer_value(since));
    else
        cpc_wk_report_event(a->rep, CPC_LOG_WARN, "stake", NULL,
                            "locked stake below the chain's minimum: no leases until `cpc-worker "
                            "register --stake N` adds stake");
}

static int connect_node(struct wk_agent *a, struct cpc_err *err)
{
    for (;;) {
        struct cpc_err e = {0};
        int rc = cpc_chain_info_fetch(cpc_wk_node_http(a->node), &a->chain, &e);
        if (rc == 0) {
            char path[96];
            json_t *w = NULL, *syn = NULL;
            long status = 0;
            snprintf(path, sizeof path, "/market/worker/%s", a->address);
            rc = cpc_http_json(cpc_wk_node_http(a->node), "GET", path, NULL, &w, &status, &e);
            if (rc == 0)
                warn_no_leases(a, w);
            json_decref(w);
            if (rc && status == 404)
                return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                                   "worker %s is not registered on %s: run `cpc-worker register "
                                   "--stake N` first",
                                   a->address, a->o->node_url);
            if (rc == 0 &&
                cpc_http_json(cpc_wk_node_http(a->node), "GET", "/market/synthetic", NULL, &syn,
                              NULL, &e) == 0) {
                a->synth_enabled = json_is_true(json_object_get(syn, "enabled"));
                a->synth_n = (uint32_t)json_integer_value(json_object_get(syn, "n"));
                a->synth_challenges =
                    (uint32_t)json_integer_value(json_object_get(syn, "challenges"));
                a->synth_reward = (uint64_t)json_integer_value(json_object_get(syn, "reward"));
                if (!a->synth_n || !a->synth_challenges)
                    a->synth_enabled = false;
                json_decref(syn);
            }
            if (rc == 0) {
                a->backoff_n = 0;
                return 0;
            }
        }
        if (!wk_transport_error(rc)) {
            *err = e;
            return rc;
        }
        if (atomic_load(a->stop))
            return cpc_err_set(err, CPC_ERR_CANCELLED, "stopped before the node answered");
        backoff(a, "connecting", &e);
    }
}

static void agent_free(struct wk_agent *a)
{
    if (a->hb_started) {
        pthread_mutex_lock(&a->mu);
        a->hb_quit = true;
        pthread_cond_signal(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->hb, NULL);
    }
    wk_rentals_free(a->rentals);
    for (size_t i = 0; i < a->n_items; i++)
        wk_item_clear(&a->items[i]);
    free(a->items);
    wk_pool_free(&a->pool);
    if (a->standin_on)
        wk_standin_free(&a->standin);
    pthread_mutex_destroy(&a->state_mu);
    cpc_wk_node_free(a->node);
    cpc_signer_free(a->signer);
    cpc_wk_report_free(a->rep);
    cpc_key_wipe(&a->key);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
}

/* Set-up: the agent's fields, its clients and its state file. a must be
 * zeroed with mu and cv made; agent_free undoes whatever was done. */
static int agent_init(struct wk_agent *a, const struct cpc_wk_opts *o, const struct cpc_key *key,
                      atomic_int *stop, struct cpc_err *err)
{
    a->o = o;
    a->tm = &k_timings;
    a->key = *key;
    a->stop = stop;
    snprintf(a->address, sizeof a->address, "%s", key->info.address);
    if (snprintf(a->dir, sizeof a->dir, "%s/worker/%s", o->home, a->address) >= (int)sizeof a->dir)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "home path too long");
    a->node = cpc_wk_node_new(o->node_url, key, (long)o->lease_wait_ms + a->tm->node_timeout_ms);
    a->signer = cpc_signer_new_random();
    a->rep = cpc_wk_report_new(stdout, o->json, o->level, o->tty);
    if (!a->node || !a->signer || !a->rep)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    /* CPC_WK_STANDIN_GPUS: simulated GPUs, a test double (gpu_standin.h) */
    a->standin_on = wk_standin_from_env(&a->standin);
    int rc = wk_pool_init(&a->pool,
                          a->standin_on ? &a->standin.backend : wk_gpu_backend_cuda(),
                          &o->gpus, o->cpu, err);
    if (rc)
        return rc;
    a->lease_n = lease_cap(a);
    rc = cpc_mkdir_p(a->dir, 0700, err);
    if (rc == 0)
        rc = wk_state_load(a, err);
    /* rentals: adopt what runs now, before any heartbeat asks for more */
    return rc ? rc : wk_rentals_start(o->home, a->dir, o->node_url, key, &a->rentals, err);
}

/* Set-up: say who runs where, and self-check each GPU's kernels now, not
 * mid-task (each kernel checked in a child process, gpu_probe.h). */
static void announce_start(struct wk_agent *a)
{
    const struct cpc_wk_opts *o = a->o;
    cpc_wk_devices_detect(&a->dev, NULL);
    cpc_wk_report_totals(a->rep, a->done, a->earned, 0, false);
    unsigned threads = cpc_wk_threads(&(struct cpc_wk_ctl){.threads = o->threads});
    const char *kernel = cpc_wk_matmul_cpu_kernel(), *backend = cpc_wk_matmul_cpu_backend();
    cpc_wk_report_event(a->rep, CPC_LOG_INFO, "started",
                        json_pack("{s:s, s:s, s:i, s:s, s:s}", "address", a->address, "node",
                                  o->node_url, "threads", (int)threads, "matmul_kernel", kernel,
                                  "matmul_backend", backend),
                        "worker %s on %s: %u threads (%s); %zu unfinished task(s) in the "
                        "state file",
                        a->address, o->node_url, threads, backend, a->n_items);
    wk_pool_announce(a);
}

/* ------------------------------------------------------------------ */
/* The loop                                                            */

/* One pass with the node: the chain's height (at most every status_ms),
 * then follow posted txs, reveal what is due, submit what is computed. */
static int sync_node(struct wk_agent *a, double *last_status, struct cpc_err *e)
{
    int rc = 0;
    if (cpc_clock_mono_s() - *last_status > a->tm->status_ms / 1000.0) {
        struct cpc_chain_info ci;
        if ((rc = cpc_chain_info_fetch(cpc_wk_node_http(a->node), &ci, e)) == 0) {
            a->chain.height = ci.height;
            *last_status = cpc_clock_mono_s();
        }
    }
    if (rc == 0)
        rc = wk_poll_txs(a, e);
    if (rc == 0)
        rc = wk_reveal_due(a, e);
    if (rc == 0)
        rc = wk_submit_results(a, e);
    return rc;
}

/* Lease more work (nothing leased is waiting). Returns 0, or
 * CPC_ERR_UNAUTHORIZED (the node refuses this worker: the agent ends). */
static int lease_step(struct wk_agent *a, bool *leased_once, struct cpc_err *e)
{
    int rc = lease_round(a, e);
    *leased_once = *leased_once || rc == 0;
    if (rc && wk_transport_error(rc)) {
        backoff(a, "leasing", e);
    } else if (rc == CPC_ERR_UNAUTHORIZED) {
        return rc;
    } else if (rc) {
        cpc_wk_report_event(a->rep, CPC_LOG_ERROR, "lease", NULL, "%s", e->msg);
        wk_sleep(a, a->tm->lease_error_ms);
    }
    if (a->n_items && count_phase(a, PH_LEASED) == 0)
        wk_sleep(a, a->tm->idle_ms); /* waiting on blocks for submits and reveals */
    return 0;
}

/* Sync, compute, lease until stopped (or --once is done). Returns 0, or the
 * node's transport error when a stop came while the node was away; either
 * way the caller leaves in order. *fatal: an error (in err) ended it, and
 * nothing more may be done. */
static int agent_loop(struct wk_agent *a, bool *fatal, struct cpc_err *err)
{
    bool leased_once = false;
    double last_status = 0;
    for (;;) {
        struct cpc_err e = {0};
        int st = atomic_load(a->stop);
        int rc = sync_node(a, &last_status, &e);
        if (rc && wk_transport_error(rc)) {
            if (st)
                return rc; /* stopping: what is left stays in the state file */
            backoff(a, "talking to the node", &e);
            continue;
        }
        if (rc == 0) {
            a->backoff_n = 0;
            if (!st && count_phase(a, PH_LEASED) > 0) { /* stopping: start nothing new */
                bool leave = false;
                if ((rc = wk_compute_wave(a, &leave, &e)) == 0 && leave)
                    return 0;
            } else if (st) {
                return 0;
            } else if (a->o->once && leased_once) {
                if (a->n_items == 0)
                    return 0;
                wk_sleep(a, a->tm->idle_ms);
            } else if (count_phase(a, PH_LEASED) == 0) {
                rc = lease_step(a, &leased_once, &e);
            }
        }
        if (rc) {
            *err = e;
            *fatal = true;
            return rc;
        }
    }
}

/* Leaving: give back what was not started, save, say so. */
static void agent_leave(struct wk_agent *a)
{
    struct cpc_err e = {0};
    release_items(a, true);
    if (wk_state_save(a, &e) != 0)
        cpc_wk_report_event(a->rep, CPC_LOG_ERROR, "state", NULL, "%s", e.msg);
    cpc_wk_report_event(a->rep, CPC_LOG_INFO, "stopped", NULL,
                        "stopped; %zu unfinished item(s) kept for the next start", a->n_items);
}

int cpc_wk_agent_run(const struct cpc_wk_opts *o, const struct cpc_key *key, atomic_int *stop,
                     struct cpc_err *err)
{
    struct wk_agent a;
    memset(&a, 0, sizeof a);
    pthread_mutex_init(&a.mu, NULL);
    pthread_cond_init(&a.cv, NULL);
    pthread_mutex_init(&a.state_mu, NULL);
    int rc = agent_init(&a, o, key, stop, err);
    if (rc == 0) {
        announce_start(&a);
        rc = connect_node(&a, err);
    }
    if (rc == 0) {
        wk_refresh_balance(&a);
        if (pthread_create(&a.hb, NULL, hb_main, &a) == 0)
            a.hb_started = true;
        bool fatal = false;
        rc = agent_loop(&a, &fatal, err);
        if (!fatal)
            agent_leave(&a);
    }
    agent_free(&a);
    return rc;
}

/* agent_rentals.c — the agent runs the rentals the node orders (agent_rentals.h).
 *
 * Design note. The heartbeat thread hands each answer that has
 * rentals_complete to this module; a thread of its own reconciles, so a start
 * (an sshd waiting for its port, `docker run`: seconds) never delays a
 * heartbeat: the heartbeat only copies the set and the last states under a
 * mutex. A pass: start each wanted rental that is not running (start adopts
 * one that runs and never starts twice; after a failed or exited start, again
 * at most every RETRY_MS), reboot when the node's reboot_seq is above this
 * machine's reboot_done, stop what runs but is not wanted (the rental ended:
 * the stop order), and upload each running rental's log tail at most every
 * LOG_MS when it changed. Passes run after each answer and every PASS_MS.
 *
 * Reboots, crash-safe: HOME/worker/rental_reboots.json (atomic writes) keeps
 * per rental "done" (the last reboot_seq carried out) and, while one runs,
 * "pending" with the identity (pid start time or container id) of the
 * process being rebooted, written BEFORE the reboot. Writing done before
 * acting would lose a reboot on a crash; writing it only after would repeat
 * it. With the intent recorded, a restarted worker decides: the rental runs
 * as a different process (or not at all, and the start gives it a fresh one)
 * -> the reboot happened, done = pending; the same process still runs -> it
 * did not, reboot now. A rental started afresh counts every reboot asked so
 * far as done.
 */
#include "agent_rentals.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/config.h"
#include "../common/home.h"
#include "../common/log.h"
#include "../core/hash.h"
#include "provision.h"
#include "wk_node.h"

#define PASS_MS 5000u
#define RETRY_MS 30000u
#define LOG_MS 30000u
#define LOG_MAX 16384u
#define WANT_MAX 64u

struct want {
    char id[CPC_WK_RENTAL_ID_MAX + 1];
    char image[CPC_WK_RENTAL_IMAGE_MAX];
    char key[CPC_WK_RENTAL_KEY_MAX];
    unsigned port;
    unsigned gpus; /* the server's GPU count: the rental gets devices 0..gpus-1 */
    uint64_t reboot_seq;
    bool bad; /* a field this machine cannot take (the key too long, ...) */
};

struct report {
    char id[CPC_WK_RENTAL_ID_MAX + 1];
    char state[8];
    unsigned port;
    char error[201];
    uint64_t reboot_done;
};

/* What the thread alone touches: per rental, the reboot record and timers. */
struct track {
    char id[CPC_WK_RENTAL_ID_MAX + 1];
    uint64_t done, pending;
    unsigned long long pid_start;
    char container[80];
    uint64_t tried_ms, log_ms;
    uint8_t log_hash[32];
    char error[201]; /* the last start's failure, "" after a good start */
    bool live;       /* seen in this pass */
};

struct wk_rentals {
    struct cpc_wk_provision_opts po;
    char reboots_path[CPC_PATH_MAX];
    struct cpc_wk_node *node; /* the thread's client (log uploads) */
    pthread_t th;
    bool started;
    pthread_mutex_t mu; /* guards the fields down to reps */
    pthread_cond_t cv;
    bool quit, have_want, fresh;
    struct want *want;
    size_t n_want;
    struct report reps[2 * WANT_MAX];
    size_t n_reps;
    struct report stopped[WANT_MAX]; /* stopped, not yet in a heartbeat that got its answer */
    size_t n_stopped, n_stopped_sent;
    /* the thread's own */
    struct want *work;
    size_t n_work;
    struct track tracks[2 * WANT_MAX];
    size_t n_tracks;
};

/* ---- the reboot records ---- */

static struct track *track_of(struct wk_rentals *r, const char *id, bool add)
{
    for (size_t i = 0; i < r->n_tracks; i++)
        if (!strcmp(r->tracks[i].id, id))
            return &r->tracks[i];
    if (!add || r->n_tracks >= 2 * WANT_MAX)
        return NULL;
    struct track *t = &r->tracks[r->n_tracks++];
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", id);
    return t;
}

static int reboots_save(struct wk_rentals *r, struct cpc_err *err)
{
    json_t *j = json_object();
    for (size_t i = 0; j && i < r->n_tracks; i++) {
        const struct track *t = &r->tracks[i];
        if (!t->done && !t->pending)
            continue;
        json_object_set_new(j, t->id,
                            json_pack("{s:I, s:I, s:I, s:s}", "done", (json_int_t)t->done,
                                      "pending", (json_int_t)t->pending, "pid_start",
                                      (json_int_t)t->pid_start, "container", t->container));
    }
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    if (!text)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = cpc_write_file_atomic(r->reboots_path, text, strlen(text), 0600, err);
    free(text);
    return rc;
}

static void reboots_load(struct wk_rentals *r)
{
    json_error_t je;
    json_t *j = json_load_file(r->reboots_path, JSON_REJECT_DUPLICATES, &je);
    const char *id;
    json_t *v;
    json_object_foreach(j, id, v)
    {
        json_int_t done = 0, pending = 0, ps = 0;
        const char *c = "";
        struct track *t;
        if (strlen(id) > CPC_WK_RENTAL_ID_MAX ||
            json_unpack(v, "{s:I, s:I, s:I, s:s}", "done", &done, "pending", &pending,
                        "pid_start", &ps, "container", &c) != 0 ||
            !(t = track_of(r, id, true)))
            continue;
        t->done = done > 0 ? (uint64_t)done : 0;
        t->pending = pending > 0 ? (uint64_t)pending : 0;
        t->pid_start = ps > 0 ? (unsigned long long)ps : 0;
        snprintf(t->container, sizeof t->container, "%s", c);
    }
    json_decref(j);
}

/* ---- one pass ---- */

static const struct cpc_wk_rental *find_run(const struct cpc_wk_rental *v, size_t n,
                                            const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].spec.id, id))
            return &v[i];
    return NULL;
}

static void add_report(struct report *reps, size_t *n, const char *id, const char *state,
                       unsigned port, const char *error, uint64_t done)
{
    if (*n >= 2 * WANT_MAX)
        return;
    struct report *p = &reps[(*n)++];
    snprintf(p->id, sizeof p->id, "%s", id);
    snprintf(p->state, sizeof p->state, "%s", state);
    snprintf(p->error, sizeof p->error, "%s", error ? error : "");
    p->port = port;
    p->reboot_done = done;
}

static int start_one(struct wk_rentals *r, const struct want *w, struct cpc_err *err)
{
    struct cpc_wk_rental_spec *s = calloc(1, sizeof *s);
    if (!s)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    snprintf(s->id, sizeof s->id, "%s", w->id);
    snprintf(s->ssh_public_key, sizeof s->ssh_public_key, "%s", w->key);
    if (r->po.kind == CPC_WK_PROVISION_DOCKER)
        snprintf(s->image, sizeof s->image, "%s", w->image);
    s->port = w->port;
    for (unsigned i = 0; i < w->gpus && i < CPC_WK_RENTAL_GPUS_MAX; i++)
        s->gpus[s->n_gpus++] = (int)i;
    int rc = cpc_wk_rental_start(&r->po, s, NULL, err);
    free(s);
    return rc;
}

/* A reboot of the running rental cur (its identity recorded first, see above). */
static int reboot_one(struct wk_rentals *r, struct track *t, const struct cpc_wk_rental *cur,
                      uint64_t seq, struct cpc_err *err)
{
    t->pending = seq;
    t->pid_start = cur->pid_start;
    snprintf(t->container, sizeof t->container, "%s", cur->container);
    int rc = reboots_save(r, err);
    if (rc == 0)
        rc = cpc_wk_rental_reboot(&r->po, cur->spec.id, NULL, err);
    if (rc == 0) {
        CPC_LOGI("rental %.16s: rebooted (reboot %llu)", cur->spec.id, (unsigned long long)seq);
        t->done = seq;
        t->pending = 0;
        rc = reboots_save(r, err);
    }
    return rc;
}

/* Wanted rental w against what runs (cur, may be NULL): start, reboot, report. */
static void pass_want(struct wk_rentals *r, const struct want *w, const struct cpc_wk_rental *cur,
                      struct report *reps, size_t *n_reps, uint64_t now)
{
    struct track *t = track_of(r, w->id, true);
    struct cpc_err e = {0};
    bool running = cur && cur->run == CPC_WK_RENTAL_RUNNING;
    if (!t)
        return add_report(reps, n_reps, w->id, "failed", w->port, "too many rentals", 0);
    t->live = true;
    if (t->pending > t->done) { /* a reboot was under way when the worker stopped */
        bool same = running && cur->pid_start == t->pid_start &&
                    !strcmp(cur->container, t->container);
        if (!same) {
            t->done = t->pending;
            t->pending = 0;
            reboots_save(r, &e);
        }
    }
    if (w->bad)
        return add_report(reps, n_reps, w->id, "failed", w->port,
                          "this worker cannot take the rental's key or image", t->done);
    if (!running) {
        if (t->tried_ms && now - t->tried_ms < RETRY_MS)
            return add_report(reps, n_reps, w->id, t->error[0] ? "failed" : "exited", w->port,
                              t->error, t->done);
        t->tried_ms = now;
        if (start_one(r, w, &e) != 0) {
            CPC_LOGW("rental %.16s: start failed: %s", w->id, e.msg);
            snprintf(t->error, sizeof t->error, "%s", e.msg);
            return add_report(reps, n_reps, w->id, "failed", w->port, e.msg, t->done);
        }
        t->error[0] = 0;
        CPC_LOGI("rental %.16s: running on port %u", w->id, w->port);
        if (w->reboot_seq > t->done) { /* a fresh start is every reboot asked so far */
            t->done = w->reboot_seq;
            t->pending = 0;
            reboots_save(r, &e);
        }
    } else if (w->reboot_seq > t->done && reboot_one(r, t, cur, w->reboot_seq, &e) != 0) {
        CPC_LOGW("rental %.16s: reboot failed: %s", w->id, e.msg);
        return add_report(reps, n_reps, w->id, "failed", w->port, e.msg, t->done);
    }
    add_report(reps, n_reps, w->id, "running", w->port, NULL, t->done);
}

/* Bytes a JSON string carries without trouble: printable ASCII, \n, \r and \t; others '?'. */
static void log_clean(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c >= 0x7f)
            s[i] = '?';
    }
}

/* Upload rental id's log tail when LOG_MS passed and it changed. */
static void upload_log(struct wk_rentals *r, struct track *t, uint64_t now)
{
    if (t->log_ms && now - t->log_ms < LOG_MS)
        return;
    t->log_ms = now;
    char *text = NULL;
    size_t len = 0;
    struct cpc_err e = {0};
    if (cpc_wk_rental_logs(&r->po, t->id, LOG_MAX, &text, &len, &e) != 0)
        return;
    uint8_t h[32];
    cpc_sha256(h, text, len);
    if (memcmp(h, t->log_hash, 32) != 0) {
        log_clean(text, len);
        char path[128];
        snprintf(path, sizeof path, "/worker/rentals/%s/logs", t->id);
        json_t *body = json_pack("{s:s%}", "tail", text, len);
        if (body && cpc_wk_node_signed(r->node, "POST", path, body, NULL, NULL, &e) == 0)
            memcpy(t->log_hash, h, 32);
        else
            CPC_LOGD("rental %.16s: log upload: %s", t->id, e.msg);
        json_decref(body);
    }
    free(text);
}

static void pass(struct wk_rentals *r)
{
    struct cpc_wk_rental *v = NULL;
    size_t n = 0;
    struct cpc_err e = {0};
    struct report *reps = calloc(2 * WANT_MAX, sizeof *reps);
    size_t n_reps = 0;
    uint64_t now = cpc_clock_mono_ms();
    if (!reps || cpc_wk_rental_list(&r->po, &v, &n, &e) != 0) {
        CPC_LOGW("rentals: %s", e.msg[0] ? e.msg : "out of memory");
        free(reps);
        return;
    }
    for (size_t i = 0; i < r->n_tracks; i++)
        r->tracks[i].live = false;
    for (size_t i = 0; i < r->n_work; i++)
        pass_want(r, &r->work[i], find_run(v, n, r->work[i].id), reps, &n_reps, now);
    for (size_t i = 0; i < n; i++) { /* runs here, not wanted: the rental ended */
        bool wanted = false;
        for (size_t k = 0; k < r->n_work && !wanted; k++)
            wanted = !strcmp(r->work[k].id, v[i].spec.id);
        if (wanted)
            continue;
        if (cpc_wk_rental_stop(&r->po, v[i].spec.id, &e) != 0) {
            CPC_LOGW("rental %.16s: stop failed: %s", v[i].spec.id, e.msg);
            continue;
        }
        CPC_LOGI("rental %.16s: stopped (not ordered any more)", v[i].spec.id);
        add_report(reps, &n_reps, v[i].spec.id, "stopped", v[i].spec.port, NULL, 0);
    }
    for (size_t i = 0; i < r->n_tracks; i++) {
        const struct cpc_wk_rental *cur = find_run(v, n, r->tracks[i].id);
        if (r->tracks[i].live && cur && cur->run == CPC_WK_RENTAL_RUNNING)
            upload_log(r, &r->tracks[i], now);
    }
    size_t keep = 0; /* forget the records of rentals gone from the set */
    for (size_t i = 0; i < r->n_tracks; i++)
        if (r->tracks[i].live)
            r->tracks[keep++] = r->tracks[i];
    if (keep != r->n_tracks) {
        r->n_tracks = keep;
        reboots_save(r, &e);
    }
    free(v);
    pthread_mutex_lock(&r->mu);
    r->n_reps = 0;
    for (size_t i = 0; i < n_reps; i++) {
        bool stop = !strcmp(reps[i].state, "stopped");
        if (stop && r->n_stopped < WANT_MAX)
            r->stopped[r->n_stopped++] = reps[i];
        else if (!stop)
            r->reps[r->n_reps++] = reps[i];
    }
    pthread_mutex_unlock(&r->mu);
    free(reps);
}

static void *rentals_main(void *arg)
{
    struct wk_rentals *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->quit) {
        if (r->fresh) {
            r->fresh = false;
            r->n_work = r->n_want;
            memcpy(r->work, r->want, r->n_want * sizeof *r->want);
        }
        bool act = r->have_want;
        pthread_mutex_unlock(&r->mu);
        if (act)
            pass(r);
        pthread_mutex_lock(&r->mu);
        struct timespec until = cpc_clock_wall_after(PASS_MS);
        if (!r->quit && !r->fresh)
            pthread_cond_timedwait(&r->cv, &r->mu, &until);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- the heartbeat's side ---- */

json_t *wk_rentals_reports(struct wk_rentals *r)
{
    if (!r)
        return NULL;
    json_t *arr = json_array();
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; arr && i < r->n_reps + r->n_stopped && i < WANT_MAX; i++) {
        const struct report *p = i < r->n_reps ? &r->reps[i] : &r->stopped[i - r->n_reps];
        json_t *o = json_pack("{s:s, s:s, s:I}", "id", p->id, "state", p->state,
                              "reboot_done", (json_int_t)p->reboot_done);
        if (o && p->port)
            json_object_set_new(o, "port", json_integer(p->port));
        if (o && p->error[0])
            json_object_set_new(o, "error", json_string(p->error));
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    r->n_stopped_sent = r->n_stopped;
    pthread_mutex_unlock(&r->mu);
    return arr;
}

/* One entry of the answer's "rentals" into *w: 0, or -1 when it is malformed. */
static int want_parse(const json_t *o, struct want *w)
{
    const char *id = NULL, *image = "", *key = "";
    json_int_t port = 0, seq = 0, ends = 0, gpus = 0;
    memset(w, 0, sizeof *w);
    if (json_unpack((json_t *)o, "{s:s, s?s, s:s, s:I, s?I, s:I, s?I}", "id", &id, "image",
                    &image, "ssh_public_key", &key, "port", &port, "gpus", &gpus, "reboot_seq",
                    &seq, "ends_ms", &ends) != 0 ||
        strlen(id) > CPC_WK_RENTAL_ID_MAX || !id[0] || port < 1 || port > 65535 || seq < 0 ||
        gpus < 0 || gpus > 64)
        return -1;
    w->gpus = (unsigned)gpus;
    snprintf(w->id, sizeof w->id, "%s", id);
    w->bad = strlen(key) >= sizeof w->key || strlen(image) >= sizeof w->image;
    snprintf(w->key, sizeof w->key, "%s", w->bad ? "" : key);
    snprintf(w->image, sizeof w->image, "%s", w->bad ? "" : image);
    w->port = (unsigned)port;
    w->reboot_seq = (uint64_t)seq;
    return 0;
}

void wk_rentals_answer(struct wk_rentals *r, const json_t *answer, bool *warned)
{
    const json_t *arr = json_object_get(answer, "rentals");
    if (!json_is_true(json_object_get(answer, "rentals_complete")) || !json_is_array(arr))
        return;
    if (!r) {
        if (json_array_size(arr) && !*warned) {
            CPC_LOGW("the node orders %zu rental(s), but this worker has no [provision] kind "
                     "in its config: it runs none", json_array_size(arr));
            *warned = true;
        }
        return;
    }
    struct want *v = calloc(WANT_MAX, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; v && i < json_array_size(arr) && n < WANT_MAX; i++)
        if (want_parse(json_array_get(arr, i), &v[n]) == 0)
            n++;
    if (!v)
        return;
    pthread_mutex_lock(&r->mu);
    memcpy(r->want, v, n * sizeof *v);
    r->n_want = n;
    r->have_want = true;
    r->fresh = true;
    /* the stopped reports the heartbeat carried have reached the node */
    memmove(r->stopped, r->stopped + r->n_stopped_sent,
            (r->n_stopped - r->n_stopped_sent) * sizeof *r->stopped);
    r->n_stopped -= r->n_stopped_sent;
    r->n_stopped_sent = 0;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    free(v);
}

/* ---- set-up ---- */

/* [provision] of HOME/config into r->po: 1 on (a kind), 0 off, or an error. */
static int load_config(struct wk_rentals *r, const char *home, const char *state_dir,
                       struct cpc_err *err)
{
    struct cpc_config *c = NULL;
    int rc = cpc_config_load_home(&c, home, NULL, 0, err);
    if (rc != 0)
        return rc;
    const char *kind = cpc_config_get(c, "provision", "kind");
    const char *listen = cpc_config_get(c, "provision", "listen");
    const char *dir = cpc_config_get(c, "provision", "dir");
    char abs[CPC_PATH_MAX];
    if (!kind)
        rc = 0;
    else if (cpc_wk_provision_kind_parse(kind, &r->po.kind) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "[provision] kind must be sandbox or docker");
    else if (listen && strlen(listen) >= sizeof r->po.listen)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "[provision] listen is too long");
    else if (dir && (dir[0] != '/' || strlen(dir) >= sizeof r->po.rentals_dir))
        rc = cpc_err_set(err, CPC_ERR_INVALID, "[provision] dir must be an absolute path");
    else if (!realpath(state_dir, abs) ||
             snprintf(r->po.state_dir, sizeof r->po.state_dir, "%s", abs) >=
                 (int)sizeof r->po.state_dir ||
             snprintf(r->reboots_path, sizeof r->reboots_path, "%s/rental_reboots.json",
                      r->po.state_dir) >= (int)sizeof r->reboots_path)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "worker state path unusable: %s", state_dir);
    else {
        snprintf(r->po.listen, sizeof r->po.listen, "%s", listen ? listen : "");
        snprintf(r->po.rentals_dir, sizeof r->po.rentals_dir, "%s", dir ? dir : "");
        rc = 1;
    }
    cpc_config_free(c);
    return rc;
}

int wk_rentals_start(const char *home, const char *state_dir, const char *node_url,
                     const struct cpc_key *key, struct wk_rentals **out, struct cpc_err *err)
{
    *out = NULL;
    struct wk_rentals *r = calloc(1, sizeof *r);
    if (!r)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    int rc = load_config(r, home, state_dir, err);
    if (rc <= 0) {
        wk_rentals_free(r);
        return rc;
    }
    r->want = calloc(WANT_MAX, sizeof *r->want);
    r->work = calloc(WANT_MAX, sizeof *r->work);
    r->node = cpc_wk_node_new(node_url, key, 15000);
    if (!r->want || !r->work || !r->node) {
        wk_rentals_free(r);
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    unsigned adopted = 0, exited = 0;
    if ((rc = cpc_mkdir_p(r->po.state_dir, 0700, err)) != 0 ||
        (rc = cpc_wk_rental_reconcile(&r->po, &adopted, &exited, err)) != 0) {
        wk_rentals_free(r);
        return rc;
    }
    reboots_load(r);
    CPC_LOGI("rentals: %s provisioner; %u running adopted, %u exited",
             cpc_wk_provision_kind_name(r->po.kind), adopted, exited);
    if (pthread_create(&r->th, NULL, rentals_main, r) != 0) {
        wk_rentals_free(r);
        return cpc_err_set(err, CPC_ERR_NOMEM, "cannot start the rentals thread");
    }
    r->started = true;
    *out = r;
    return 0;
}

void wk_rentals_free(struct wk_rentals *r)
{
    if (!r)
        return;
    if (r->started) {
        pthread_mutex_lock(&r->mu);
        r->quit = true;
        pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->th, NULL);
    }
    cpc_wk_node_free(r->node);
    free(r->want);
    free(r->work);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

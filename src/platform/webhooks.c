/* webhooks.c — emitting webhook events, sealing their secrets and the
 * delivery threads (webhooks.h). */
#include "webhooks.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/config.h"
#include "../common/log.h"
#include "../store/platform_store.h"
#include "platform.h"
#include "webhook_body.h"
#include "webhook_send.h"

#define MAX_CONNS 8

struct cpc_webhooks {
    struct cpc_platform *p;
    char allow[512];
    uint64_t base_ms, cap_ms, window_ms, timeout_ms, poll_ms, conns;
    pthread_t threads[MAX_CONNS];
    size_t started;
    pthread_t committer;
    int committer_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* a new row, a finished attempt or commit, or stop */
    pthread_cond_t commit_cv; /* an outcome to commit, or stop_commit */
    int64_t busy[MAX_CONNS]; /* webhooks with an attempt in flight (0 = free slot) */
    /* outcomes awaiting the committer; skip: their ids and those being committed */
    struct cpc_pwh_outcome queue[CPC_WEBHOOK_SKIP_MAX];
    size_t nq;
    int64_t skip[CPC_WEBHOOK_SKIP_MAX];
    size_t nskip;
    int stop, stop_commit;
};

#define SEALED_LEN                                                                            \
    (crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + CPC_WEBHOOK_SECRET_LEN +                  \
     crypto_aead_xchacha20poly1305_ietf_ABYTES)

static int setting(const struct cpc_config *c, const char *key, uint64_t def, uint64_t lo,
                   uint64_t hi, uint64_t *out, struct cpc_err *err)
{
    int rc = cpc_config_get_u64(c, "webhooks", key, def, out, err);
    if (rc == 0 && (*out < lo || *out > hi))
        rc = cpc_err_set(err, CPC_ERR_INVALID, "[webhooks] %s must be %llu..%llu", key,
                         (unsigned long long)lo, (unsigned long long)hi);
    return rc;
}

int cpc_webhooks_new(struct cpc_webhooks **out, struct cpc_platform *p,
                     const struct cpc_config *c, struct cpc_err *err)
{
    *out = NULL;
    struct cpc_webhooks *w = calloc(1, sizeof *w);
    if (!w)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    w->p = p;
    const char *allow = cpc_config_get(c, "webhooks", "allow_http_hosts");
    snprintf(w->allow, sizeof w->allow, "%s", allow ? allow : "");
    uint64_t window_s = 0;
    int rc;
    if ((rc = setting(c, "retry_base_ms", 10000, 1, 3600000, &w->base_ms, err)) != 0 ||
        (rc = setting(c, "retry_cap_ms", 3600000, 1, 86400000, &w->cap_ms, err)) != 0 ||
        (rc = setting(c, "retry_window_s", 86400, 1, 30 * 86400, &window_s, err)) != 0 ||
        (rc = setting(c, "timeout_ms", 10000, 100, 60000, &w->timeout_ms, err)) != 0 ||
        (rc = setting(c, "connections", 4, 1, MAX_CONNS, &w->conns, err)) != 0) {
        free(w);
        return rc;
    }
    w->window_ms = window_s * 1000;
    w->poll_ms = w->base_ms < 1000 ? w->base_ms : 1000;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_cond_init(&w->commit_cv, &ca);
    pthread_condattr_destroy(&ca);
    *out = w;
    return 0;
}

const char *cpc_webhooks_allow(const struct cpc_webhooks *w) { return w ? w->allow : ""; }

static void kick(struct cpc_platform *p)
{
    struct cpc_webhooks *w = p->webhooks;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Queue event to user's webhooks (only > 0: that one) under event ids prefix + webhook id
 * (key NULL: a random prefix, else "evt_" key "_"; a key already queued is skipped). */
static int emit(struct cpc_platform *p, int64_t user, int64_t only, uint32_t bit,
                const char *event, const char *key, json_t *data, char event_id[64],
                struct cpc_err *err)
{
    uint8_t rnd[10];
    char prefix[48], hex[2 * sizeof rnd + 1];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(prefix, sizeof prefix, "evt_%.32s_", key ? key : hex);
    char *text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
    int rows = 0, rc;
    if (!text)
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    else
        rc = cpc_pstore_webhook_emit(p->store, user, only, bit, prefix, event, text,
                                     cpc_clock_wall_ms(), &rows, err);
    free(text);
    json_decref(data);
    if (rc == 0 && rows > 0)
        kick(p);
    if (event_id)
        snprintf(event_id, 64, "%s%lld", prefix, (long long)only);
    return rc;
}

int cpc_webhook_emit_keyed(struct cpc_platform *p, int64_t user_id, const char *event,
                           const char *key, json_t *data, struct cpc_err *err)
{
    uint32_t bit = cpc_webhook_event_bit(event);
    if (!p || !bit) {
        json_decref(data);
        return p ? cpc_err_set(err, CPC_ERR_INVALID, "unknown webhook event %s", event) : 0;
    }
    if (!data && !(data = json_object()))
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return emit(p, user_id, 0, bit, event, key, data, NULL, err);
}

int cpc_webhook_emit(struct cpc_platform *p, int64_t user_id, const char *event, json_t *data,
                     struct cpc_err *err)
{
    return cpc_webhook_emit_keyed(p, user_id, event, NULL, data, err);
}

int cpc_webhook_emit_test(struct cpc_platform *p, int64_t user_id, int64_t webhook,
                          char event_id[64], struct cpc_err *err)
{
    json_t *data = json_pack("{s:s, s:I}", "message", "a test event from ComputeChain",
                             "webhook", (json_int_t)webhook);
    if (!data)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return emit(p, user_id, webhook, CPC_WEBHOOK_EVENTS_ALL, "webhook.test", NULL, data,
                event_id, err);
}

static void secret_ad(int64_t user, char ad[40])
{
    snprintf(ad, 40, "cpc-webhook-secret:%lld", (long long)user);
}

int cpc_webhook_secret_new(struct cpc_platform *p, int64_t user,
                           char secret[CPC_WEBHOOK_SECRET_LEN + 1],
                           uint8_t sealed[CPC_WEBHOOK_SEALED_MAX], size_t *sealed_len)
{
    uint8_t raw[32];
    char ad[40];
    randombytes_buf(raw, sizeof raw);
    memcpy(secret, "whsec_", 6);
    sodium_bin2hex(secret + 6, 65, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    secret_ad(user, ad);
    randombytes_buf(sealed, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, (const uint8_t *)secret,
        CPC_WEBHOOK_SECRET_LEN, (const uint8_t *)ad, strlen(ad), NULL, sealed, p->webhook_key);
    *sealed_len = SEALED_LEN;
    return 0;
}

/* Open w's secret into secret (caller's, wiped by the caller); -1 when it does not open. */
static int secret_open(struct cpc_platform *p, const struct cpc_pwebhook *h,
                       char secret[CPC_WEBHOOK_SECRET_LEN + 1])
{
    char ad[40];
    unsigned long long n = 0;
    secret_ad(h->user, ad);
    if (h->sealed_len != SEALED_LEN ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            (uint8_t *)secret, &n, NULL, h->sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            h->sealed_len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const uint8_t *)ad,
            strlen(ad), h->sealed, p->webhook_key) != 0 ||
        n != CPC_WEBHOOK_SECRET_LEN)
        return -1;
    secret[CPC_WEBHOOK_SECRET_LEN] = 0;
    return 0;
}

/* Send d to its webhook h with curl; fills o->status and o->error, returns 1 on a 2xx. */
static int send_one(struct cpc_webhooks *w, void *curl, const struct cpc_pwebhook *h,
                    const struct cpc_pwh_delivery *d, struct cpc_pwh_outcome *o)
{
    struct cpc_webhook_url u;
    struct cpc_err e = {0};
    char addr[CPC__WH_ADDR_MAX], secret[CPC_WEBHOOK_SECRET_LEN + 1], sig[96];
    if (cpc_webhook_url_parse(h->url, &u, &e) != 0 || cpc__webhook_target(w->allow, &u, addr, &e))
        return snprintf(o->error, sizeof o->error, "%s", e.msg), 0;
    if (secret_open(w->p, h, secret) != 0)
        return snprintf(o->error, sizeof o->error, "the webhook's secret does not open"), 0;
    size_t cap = strlen(d->data) + strlen(d->event_id) + strlen(d->type) + 96;
    char *body = malloc(cap);
    if (!body) {
        sodium_memzero(secret, sizeof secret);
        return snprintf(o->error, sizeof o->error, "out of memory"), 0;
    }
    int n = snprintf(body, cap, "{\"id\":\"%s\",\"type\":\"%s\",\"created\":%llu,\"data\":%s}",
                     d->event_id, d->type, (unsigned long long)(d->created_ms / 1000), d->data);
    cpc__webhook_sign(secret, cpc_clock_wall_ms() / 1000, body, (size_t)n, sig);
    sodium_memzero(secret, sizeof secret);
    long status = 0;
    int rc = cpc__webhook_post(curl, h->url, &u, addr, body, sig, d->event_id,
                               (long)w->timeout_ms, &status, &e);
    o->status = (int)status;
    free(body);
    if (rc != 0)
        return snprintf(o->error, sizeof o->error, "%s", e.msg), 0;
    if (o->status >= 200 && o->status < 300)
        return 1;
    snprintf(o->error, sizeof o->error, "HTTP %d", o->status);
    return 0;
}

/* Attempt d (picked) into *o. */
static void attempt(struct cpc_webhooks *w, void *curl, const struct cpc_pwh_delivery *d,
                    struct cpc_pwh_outcome *o)
{
    uint64_t t0 = cpc_clock_wall_ms();
    memset(o, 0, sizeof *o);
    o->id = d->id;
    o->webhook = d->webhook;
    o->state = CPC_WH_PENDING;
    int ok = send_one(w, curl, &d->hook, d, o);
    o->at_ms = cpc_clock_wall_ms();
    o->duration_ms = o->at_ms - t0;
    if (ok) {
        o->state = CPC_WH_DELIVERED;
        return;
    }
    uint32_t n = d->attempts + 1, shift = n - 1 > 30 ? 30 : n - 1;
    uint64_t ceiling = w->base_ms << shift;
    if (ceiling > w->cap_ms || (ceiling >> shift) != w->base_ms)
        ceiling = w->cap_ms;
    o->next_ms = o->at_ms + randombytes_uniform((uint32_t)ceiling + 1);
    if (o->next_ms > d->window_ms + w->window_ms)
        o->state = CPC_WH_FAILED;
}

/* Pick a due row into *d and take a busy slot (w->mu held): slot index, or -1. */
static int pick(struct cpc_webhooks *w, struct cpc_pwh_delivery *d)
{
    int slot = -1;
    int64_t busy[MAX_CONNS];
    size_t nb = 0;
    for (size_t i = 0; i < w->conns; i++) {
        if (w->busy[i])
            busy[nb++] = w->busy[i];
        else if (slot < 0)
            slot = (int)i;
    }
    /* room in skip for every outcome in flight and this one's */
    if (slot < 0 || w->nskip + nb + 1 > CPC_WEBHOOK_SKIP_MAX)
        return -1;
    struct cpc_err e = {0};
    int rc = cpc_pstore_webhook_claim(w->p->store, cpc_clock_wall_ms(), busy, nb, w->skip,
                                      w->nskip, d, &e);
    if (rc < 0)
        cpc_log(CPC_LOG_ERROR, "webhooks: picking a delivery: %s", e.msg);
    if (rc != 1)
        return -1;
    w->busy[slot] = d->webhook;
    return slot;
}

static void *deliver_loop(void *arg)
{
    struct cpc_webhooks *w = arg;
    CURL *curl = curl_easy_init();
    pthread_mutex_lock(&w->mu);
    while (!w->stop && curl) {
        struct cpc_pwh_delivery d;
        struct cpc_pwh_outcome o;
        int slot = pick(w, &d);
        if (slot < 0) {
            struct timespec ts = cpc_clock_mono_after(w->poll_ms);
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
            continue;
        }
        pthread_mutex_unlock(&w->mu);
        attempt(w, curl, &d, &o);
        cpc_pwh_delivery_clear(&d);
        pthread_mutex_lock(&w->mu);
        /* pick keeps nskip below the cap: this row's id has its place */
        w->queue[w->nq++] = o;
        w->skip[w->nskip++] = o.id;
        w->busy[slot] = 0;
        pthread_cond_signal(&w->commit_cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (curl)
        curl_easy_cleanup(curl);
    return NULL;
}

/* The group commit: every outcome queued while the last commit ran goes in the next. A
 * 2xx is durable one commit after its answer; until then its row is skipped by picks. */
static void *commit_loop(void *arg)
{
    struct cpc_webhooks *w = arg;
    struct cpc_pwh_outcome *batch = malloc(sizeof w->queue);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->nq && !w->stop_commit)
            pthread_cond_wait(&w->commit_cv, &w->mu);
        if (!w->nq)
            break;
        size_t n = w->nq;
        memcpy(batch, w->queue, n * sizeof *batch);
        w->nq = 0;
        pthread_mutex_unlock(&w->mu);
        struct cpc_err e = {0};
        if (cpc_pstore_webhook_record(w->p->store, batch, n, &e) != 0)
            cpc_log(CPC_LOG_ERROR, "webhooks: recording %zu attempts (sent again): %s", n, e.msg);
        pthread_mutex_lock(&w->mu);
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < w->nskip; k++)
                if (w->skip[k] == batch[i].id) {
                    w->skip[k] = w->skip[--w->nskip];
                    break;
                }
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    free(batch);
    return NULL;
}

int cpc_webhooks_start(struct cpc_webhooks *w, struct cpc_err *err)
{
    if (!w || w->started)
        return 0;
    if (pthread_create(&w->committer, NULL, commit_loop, w) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "cannot start the webhook committer");
    w->committer_started = 1;
    for (size_t i = 0; i < w->conns; i++) {
        if (pthread_create(&w->threads[i], NULL, deliver_loop, w) != 0)
            return cpc_err_set(err, CPC_ERR_INTERNAL, "cannot start a webhook thread");
        w->started++;
    }
    return 0;
}

void cpc_webhooks_free(struct cpc_webhooks *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i < w->started; i++)
        pthread_join(w->threads[i], NULL);
    pthread_mutex_lock(&w->mu);
    w->stop_commit = 1; /* the committer commits what the threads left, then ends */
    pthread_cond_signal(&w->commit_cv);
    pthread_mutex_unlock(&w->mu);
    if (w->committer_started)
        pthread_join(w->committer, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->commit_cv);
    free(w);
}

int cpc_webhooks_drain(struct cpc_platform *p, uint64_t timeout_ms)
{
    uint64_t end = cpc_clock_mono_ms() + timeout_ms, n = 1;
    struct cpc_err e = {0};
    while (cpc_pstore_webhook_pending(p->store, &n, &e) == 0 && n > 0) {
        if (cpc_clock_mono_ms() > end)
            return -1;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    return n == 0 ? 0 : -1;
}

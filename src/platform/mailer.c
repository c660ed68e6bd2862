/* mailer.c — the mail queue's delivery thread, SMTP via libcurl and the
 * HOME/outbox fallback (see mailer.h for the rules).
 *
 * Design note. The common case is an idle thread blocked on a condvar. It
 * wakes on cpc_mailer_send, on stop, or when the earliest retry is due
 * (capped at 60 s so a changed clock is noticed), drains every due message,
 * then sleeps again. Bodies are opened (decrypted) only in memory, just
 * before delivery, and wiped after.
 */
#include "mailer.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/config.h"
#include "../common/home.h"
#include "../common/log.h"
#include "../store/platform_store.h"
#include "../common/clock.h"

#define SEAL_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define RETRY_BASE_MS 5000u
#define RETRY_MAX_MS 3600000u
#define IDLE_MAX_MS 60000u

struct smtp_cfg {
    char *host, *user, *password, *from;
    unsigned port;
    int starttls;
};

struct cpc_mailer {
    struct cpc_pstore *store;
    char home[CPC_PATH_MAX];
    uint8_t key[32];
    struct smtp_cfg smtp;
    uint64_t (*clock)(void *arg);
    void *clock_arg;

    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, kicked;
};

static uint64_t now_of(const struct cpc_mailer *m) { return m->clock(m->clock_arg); }

static char *dup_or_null(const char *s) { return s && *s ? strdup(s) : NULL; }

static int read_smtp(struct smtp_cfg *c, const struct cpc_config *cfg, struct cpc_err *err)
{
    memset(c, 0, sizeof *c);
    const char *host = cfg ? cpc_config_get(cfg, "smtp", "host") : NULL;
    if (!host || !*host)
        return 0;
    const char *tls = cpc_config_get(cfg, "smtp", "starttls");
    c->starttls = !(tls && (!strcmp(tls, "false") || !strcmp(tls, "no") || !strcmp(tls, "0")));
    uint64_t port = 0;
    if (cpc_config_get_u64(cfg, "smtp", "port", c->starttls ? 587 : 25, &port, err) != 0)
        return cpc_err_prefix(err, "[smtp] port");
    if (port == 0 || port > 65535)
        return cpc_err_set(err, CPC_ERR_INVALID, "[smtp] port must be 1..65535");
    c->port = (unsigned)port;
    c->host = strdup(host);
    c->user = dup_or_null(cpc_config_get(cfg, "smtp", "user"));
    c->password = dup_or_null(cpc_config_get(cfg, "smtp", "password"));
    const char *from = cpc_config_get(cfg, "smtp", "from");
    c->from = strdup(from && *from ? from : "cpcd@localhost");
    if (!c->host || !c->from)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (strpbrk(c->from, "\r\n<>") || strpbrk(c->host, "\r\n/"))
        return cpc_err_set(err, CPC_ERR_INVALID, "[smtp] host or from holds bad characters");
    return 0;
}

static void free_smtp(struct smtp_cfg *c)
{
    free(c->host);
    free(c->user);
    if (c->password)
        sodium_memzero(c->password, strlen(c->password));
    free(c->password);
    free(c->from);
    memset(c, 0, sizeof *c);
}

/* ---- sealing ---- */

static int seal(const uint8_t key[32], const char *text, uint8_t **out, size_t *out_len)
{
    size_t n = strlen(text);
    uint8_t *b = malloc(SEAL_NONCE + n + SEAL_TAG);
    if (!b)
        return CPC_ERR_NOMEM;
    randombytes_buf(b, SEAL_NONCE);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(b + SEAL_NONCE, &clen, (const uint8_t *)text, n,
                                               NULL, 0, NULL, b, key);
    *out = b;
    *out_len = SEAL_NONCE + (size_t)clen;
    return 0;
}

/* Open a sealed body into a malloc'd NUL-terminated string (caller wipes and frees). */
static int unseal(const uint8_t key[32], const uint8_t *b, size_t len, char **out)
{
    if (len < SEAL_NONCE + SEAL_TAG)
        return CPC_ERR_CRYPTO;
    char *t = malloc(len - SEAL_NONCE - SEAL_TAG + 1);
    if (!t)
        return CPC_ERR_NOMEM;
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((uint8_t *)t, &mlen, NULL, b + SEAL_NONCE,
                                                   len - SEAL_NONCE, NULL, 0, b, key) != 0) {
        free(t);
        return CPC_ERR_CRYPTO;
    }
    t[mlen] = 0;
    *out = t;
    return 0;
}

/* ---- the RFC 5322 message ---- */

/* Headers + CRLF body; malloc'd (caller wipes and frees). */
static char *build_message(const struct cpc_mailer *m, const struct cpc_pmail *pm,
                           const char *body)
{
    char date[64];
    time_t t = (time_t)(now_of(m) / 1000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    const char *from = m->smtp.from ? m->smtp.from : "cpcd@localhost";
    size_t blen = strlen(body), cap = 1024 + strlen(pm->to) + strlen(pm->subject) + 2 * blen;
    char *msg = malloc(cap);
    if (!msg)
        return NULL;
    int n = snprintf(msg, cap,
                     "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n"
                     "Message-ID: <cpcd.%lld.%llu@localhost>\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n\r\n",
                     date, from, pm->to, pm->subject, (long long)pm->id,
                     (unsigned long long)now_of(m));
    size_t o = n > 0 ? (size_t)n : 0;
    for (size_t i = 0; i < blen && o + 3 < cap; i++) {
        if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))
            msg[o++] = '\r';
        msg[o++] = body[i];
    }
    if (o + 3 < cap && (o < 2 || msg[o - 1] != '\n')) {
        msg[o++] = '\r';
        msg[o++] = '\n';
    }
    msg[o] = 0;
    return msg;
}

/* ---- delivery ---- */

static int deliver_outbox(struct cpc_mailer *m, const struct cpc_pmail *pm, const char *msg,
                          struct cpc_err *err)
{
    char dir[CPC_PATH_MAX], rel[64], path[CPC_PATH_MAX];
    cpc_home_path(dir, sizeof dir, m->home, "outbox");
    if (cpc_mkdir_p(dir, 0700, err) != 0)
        return err->code;
    snprintf(rel, sizeof rel, "outbox/%lld.eml", (long long)pm->id);
    cpc_home_path(path, sizeof path, m->home, rel);
    if (cpc_write_file_atomic(path, msg, strlen(msg), 0600, err) != 0)
        return err->code;
    CPC_LOGI("mail: no [smtp] host configured; message %lld for %s written to %s",
             (long long)pm->id, pm->to, path);
    return 0;
}

struct upload {
    const char *p;
    size_t left;
};

static size_t on_read(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct upload *u = arg;
    size_t n = size * nmemb;
    if (n > u->left)
        n = u->left;
    memcpy(buf, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

static int deliver_smtp(struct cpc_mailer *m, const struct cpc_pmail *pm, const char *msg,
                        struct cpc_err *err)
{
    CURL *c = curl_easy_init();
    if (!c)
        return cpc_err_set(err, CPC_ERR_NOMEM, "curl_easy_init failed");
    char url[512], from[300], rcpt[300];
    snprintf(url, sizeof url, "smtp://%s:%u", m->smtp.host, m->smtp.port);
    snprintf(from, sizeof from, "<%s>", m->smtp.from);
    snprintf(rcpt, sizeof rcpt, "<%s>", pm->to);
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    struct upload up = {msg, strlen(msg)};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (m->smtp.starttls)
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (m->smtp.user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, m->smtp.user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, m->smtp.password ? m->smtp.password : "");
    }
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(c);
    if (cc != CURLE_OK)
        return cpc_err_set(err, CPC_ERR_CONNECTION, "smtp://%s:%u: %s", m->smtp.host, m->smtp.port,
                           curl_easy_strerror(cc));
    CPC_LOGI("mail: message %lld for %s sent through %s:%u", (long long)pm->id, pm->to,
             m->smtp.host, m->smtp.port);
    return 0;
}

static uint64_t backoff_ms(uint32_t attempts)
{
    uint64_t d = RETRY_BASE_MS;
    for (uint32_t i = 0; i < attempts && d < RETRY_MAX_MS; i++)
        d *= 2;
    return d > RETRY_MAX_MS ? RETRY_MAX_MS : d;
}

static void deliver_one(struct cpc_mailer *m, struct cpc_pmail *pm)
{
    struct cpc_err err = {0};
    char *body = NULL, *msg = NULL;
    int rc = unseal(m->key, pm->body, pm->body_len, &body);
    if (rc != 0) {
        cpc_err_set(&err, rc, "cannot open the sealed body (platform secret changed?)");
        goto done;
    }
    msg = build_message(m, pm, body);
    if (!msg) {
        rc = cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = m->smtp.host ? deliver_smtp(m, pm, msg, &err) : deliver_outbox(m, pm, msg, &err);
done:
    if (body) {
        sodium_memzero(body, strlen(body));
        free(body);
    }
    if (msg) {
        sodium_memzero(msg, strlen(msg));
        free(msg);
    }
    struct cpc_err e2 = {0};
    if (rc == 0) {
        if (cpc_pstore_mail_sent(m->store, pm->id, now_of(m), &e2) != 0)
            CPC_LOGE("mail: message %lld delivered but not marked sent: %s", (long long)pm->id,
                     e2.msg);
        return;
    }
    uint64_t next = now_of(m) + backoff_ms(pm->attempts);
    CPC_LOGW("mail: message %lld for %s failed (try %u): %s; retrying in %llu s",
             (long long)pm->id, pm->to, pm->attempts + 1, err.msg,
             (unsigned long long)((next - now_of(m)) / 1000u));
    if (cpc_pstore_mail_failed(m->store, pm->id, next, err.msg, &e2) != 0)
        CPC_LOGE("mail: cannot record a failed try: %s", e2.msg);
}

/* Deliver every message due now. Returns ms to wait before the next due one. */
static uint64_t drain(struct cpc_mailer *m)
{
    for (int guard = 0; guard < 1000; guard++) {
        pthread_mutex_lock(&m->mu);
        int stop = m->stop;
        pthread_mutex_unlock(&m->mu);
        if (stop)
            return 0;
        struct cpc_pmail pm;
        struct cpc_err err = {0};
        int rc = cpc_pstore_mail_next_due(m->store, now_of(m), &pm, &err);
        if (rc == CPC_ERR_NOT_FOUND)
            break;
        if (rc != 0) {
            CPC_LOGE("mail: reading the queue: %s", err.msg);
            return RETRY_BASE_MS;
        }
        deliver_one(m, &pm);
        cpc_pmail_clear(&pm);
    }
    uint64_t next = 0;
    struct cpc_err err = {0};
    if (cpc_pstore_mail_earliest(m->store, &next, &err) != 0)
        return IDLE_MAX_MS;
    uint64_t now = now_of(m);
    uint64_t wait = next > now ? next - now : 0;
    return wait > IDLE_MAX_MS ? IDLE_MAX_MS : wait;
}

static void *run(void *arg)
{
    struct cpc_mailer *m = arg;
    for (;;) {
        uint64_t wait = drain(m);
        pthread_mutex_lock(&m->mu);
        if (!m->kicked && !m->stop && wait > 0) {
            struct timespec ts = cpc_clock_mono_after(wait);
            while (!m->kicked && !m->stop && pthread_cond_timedwait(&m->cv, &m->mu, &ts) == 0)
                ;
        }
        m->kicked = 0;
        int stop = m->stop;
        pthread_mutex_unlock(&m->mu);
        if (stop)
            return NULL;
    }
}

int cpc_mailer_new(struct cpc_mailer **out, struct cpc_pstore *store,
                   const struct cpc_mailer_opts *opts, struct cpc_err *err)
{
    *out = NULL;
    struct cpc_mailer *m = calloc(1, sizeof *m);
    if (!m)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    m->store = store;
    snprintf(m->home, sizeof m->home, "%s", opts->home);
    memcpy(m->key, opts->key, 32);
    cpc_mailer_set_clock(m, opts->clock, opts->clock_arg);
    pthread_mutex_init(&m->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    int rc = read_smtp(&m->smtp, opts->config, err);
    if (rc != 0) {
        cpc_mailer_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void cpc_mailer_set_clock(struct cpc_mailer *m, uint64_t (*clock)(void *arg), void *arg)
{
    m->clock = clock ? clock : cpc_clock_wall_ms_fn;
    m->clock_arg = clock ? arg : NULL;
}

int cpc_mailer_start(struct cpc_mailer *m, struct cpc_err *err)
{
    if (m->started)
        return 0;
    int rc = pthread_create(&m->thread, NULL, run, m);
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "cannot start the mail thread: %s",
                           strerror(rc));
    m->started = 1;
    if (m->smtp.host)
        CPC_LOGI("mail: delivering through smtp://%s:%u%s", m->smtp.host, m->smtp.port,
                 m->smtp.starttls ? " (STARTTLS)" : "");
    return 0;
}

int cpc_mailer_send(struct cpc_mailer *m, const char *to, const char *subject, const char *body,
                    struct cpc_err *err)
{
    uint8_t *sealed = NULL;
    size_t len = 0;
    if (seal(m->key, body, &sealed, &len) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = cpc_pstore_mail_add(m->store, to, subject, sealed, len, now_of(m), NULL, err);
    free(sealed);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&m->mu);
    m->kicked = 1;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    return 0;
}

void cpc_mailer_free(struct cpc_mailer *m)
{
    if (!m)
        return;
    if (m->started) {
        pthread_mutex_lock(&m->mu);
        m->stop = 1;
        pthread_cond_signal(&m->cv);
        pthread_mutex_unlock(&m->mu);
        pthread_join(m->thread, NULL);
    }
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free_smtp(&m->smtp);
    sodium_memzero(m->key, sizeof m->key);
    free(m);
}

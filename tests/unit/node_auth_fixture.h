/* node_auth_fixture.h — the fixture of the platform tests (test_node_auth*.c,
 * test_node_authz.c, test_node_apikeys.c, ...): a real node in this process on
 * 127.0.0.1 (ephemeral port), one fresh home per test, real HTTP through
 * libcurl (node_test_fixture.h; f->client_ip picks another loopback source
 * address), the platform clock = wall time + a
 * test-controlled offset (no sleeps: the only waits poll the outbox for mail,
 * bounded to 10 s), and libsodium's MIN argon2 limits so hashing costs
 * microseconds. Header-only: every function is static, included by one test
 * file each. With NODE_AUTH_FIXTURE_OWN_FLOWS defined first, login, refresh and
 * has_bytes are left out (test_node_auth.c has its own).
 */
#ifndef CPC_TEST_NODE_AUTH_FIXTURE_H
#define CPC_TEST_NODE_AUTH_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "http/httpd.h"
#include "node/node.h"
#include "platform/platform.h"
#include "store/platform_store.h"
#include "node_test_fixture.h"

#define PW "Correct horse 42"
#define UA "test-agent/1.0"

struct fixture {
    char home[256];
    struct cpc_node node;
    char base[64];
    CURL *curl;
    _Atomic uint64_t offset_ms;
    char retry_after[32];
    json_t *last; /* the last answer's JSON (owned; replaced by every request) */
    const char *client_ip; /* NULL: 127.0.0.1; else the loopback address requests come from */
};

static inline uint64_t test_clock(void *arg)
{
    struct fixture *f = arg;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u +
           atomic_load(&f->offset_ms);
}

static inline void advance(struct fixture *f, uint64_t ms) { atomic_fetch_add(&f->offset_ms, ms); }

static inline size_t on_header(char *d, size_t sz, size_t nm, void *arg)
{
    struct fixture *f = arg;
    size_t len = sz * nm;
    if (len > 13 && strncasecmp(d, "Retry-After: ", 13) == 0) {
        size_t n = len - 13;
        while (n && (d[13 + n - 1] == '\r' || d[13 + n - 1] == '\n'))
            n--;
        snprintf(f->retry_after, sizeof f->retry_after, "%.*s", (int)n, d + 13);
    }
    return len;
}

/* Returns the HTTP status; *out = parsed JSON (or NULL). bearer and ua may be NULL. */
static inline long http_ex(struct fixture *f, const char *method, const char *path, const char *body,
                    const char *bearer, const char *ua, json_t **out)
{
    char auth[2048];
    struct nt_req r = {method, path, body, body ? strlen(body) : 0, NULL, ua ? ua : UA, on_header,
                       f, 10, f->client_ip};
    if (bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
        r.headers = curl_slist_append(NULL, auth);
    }
    f->retry_after[0] = 0;
    struct nt_buf b = {0};
    long status = nt_http(f->curl, f->base, &r, &b);
    assert_true(status >= 0); /* an answer came */
    json_decref(f->last);
    f->last = nt_json(&b);
    if (out)
        *out = json_incref(f->last);
    free(b.p);
    return status;
}

/* method path with body (stolen; may be NULL) and bearer (may be NULL). */
static inline long call(struct fixture *f, const char *method, const char *path, json_t *body,
                 const char *bearer, json_t **out)
{
    char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    long st = http_ex(f, method, path, s, bearer, NULL, out);
    free(s);
    return st;
}

static inline long post(struct fixture *f, const char *path, json_t *body, json_t **out)
{
    return call(f, "POST", path, body, NULL, out);
}

/* Check the status (and error code) of the last answer, kept in f->last. */
static inline void expect(struct fixture *f, long got, long want, const char *want_code)
{
    json_t *j = f->last;
    if (got != want || (want_code && (!err_code(j) || strcmp(err_code(j), want_code) != 0))) {
        char *d = j ? json_dumps(j, JSON_COMPACT) : NULL;
        fprintf(stderr, "got %ld %s, want %ld %s\n", got, d ? d : "(no body)", want,
                want_code ? want_code : "");
        free(d);
    }
    assert_int_equal(got, want);
    if (want_code)
        assert_string_equal(err_code(j), want_code);
}

/* A node in a fresh home; extra is appended to the [platform] section of its config. */
static inline int setup_with(void **state, const char *extra)
{
    struct fixture *f = calloc(1, sizeof *f);
    char conf[512];
    snprintf(conf, sizeof conf, "\n[platform]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8\n%s",
             extra);
    nt_home_new(f->home, "/tmp/cpc-auth-XXXXXX", "auth-test", conf);
    struct cpc_node_config cfg;
    nt_config_load(&cfg, f->home);
    nt_node_open(&f->node, &cfg);
    cpc_platform_set_clock(f->node.platform, test_clock, f);
    nt_node_start(&f->node, f->base);
    f->curl = curl_easy_init();
    *state = f;
    return 0;
}

static inline int setup(void **state) { return setup_with(state, ""); }

static inline int teardown(void **state)
{
    struct fixture *f = *state;
    curl_easy_cleanup(f->curl);
    json_decref(f->last);
    nt_node_down(&f->node, f->home);
    free(f);
    return 0;
}

static inline char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, fp);
    fclose(fp);
    b[got] = 0;
    if (len)
        *len = got;
    return b;
}

/* A delivered mail's file name, "<id>.eml". The mailer writes each mail to a
 * temporary "<id>.eml.tmp.XXXXXX" and renames it, so a name that merely holds
 * ".eml" may be a mail still being written. */
static inline int is_mail_file(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".eml") == 0;
}

/* The len characters after marker in the newest mail to `to` with id > after (polls up
 * to 10 s) into out (len + 1 bytes). *id (may be NULL) gets the mail id. */
static inline void read_mail(struct fixture *f, const char *to, const char *marker, size_t len,
                      long after, char *out, long *id)
{
    char dir[512], want[300];
    snprintf(dir, sizeof dir, "%s/outbox", f->home);
    snprintf(want, sizeof want, "To: <%s>", to);
    for (int tries = 0; tries < 1000; tries++) {
        long best = -1;
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            long n = strtol(e->d_name, NULL, 10);
            if (n <= after || n <= best || !is_mail_file(e->d_name))
                continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            char *text = read_file(path, NULL);
            const char *c = text ? strstr(text, marker) : NULL;
            if (text && strstr(text, want) && c) {
                best = n;
                snprintf(out, len + 1, "%.*s", (int)len, c + strlen(marker));
            }
            free(text);
        }
        if (d)
            closedir(d);
        if (best > 0) {
            if (id)
                *id = best;
            return;
        }
        usleep(10000);
    }
    fail_msg("no mail for %s with '%s' in %s", to, marker, dir);
}

/* Register, verify, log in; returns the login answer (new reference). */
static inline json_t *signup_login(struct fixture *f, const char *email, const char *pw)
{
    json_t *j = NULL;
    expect(f, post(f, "/auth/register", json_pack("{s:s, s:s}", "email", email, "password", pw),
                   NULL),
           201, NULL);
    char code[7];
    read_mail(f, email, "confirmation code is: ", 6, 0, code, NULL);
    expect(f, post(f, "/auth/verify", json_pack("{s:s, s:s}", "email", email, "code", code), NULL),
           200, NULL);
    assert_int_equal(
        post(f, "/auth/login", json_pack("{s:s, s:s}", "email", email, "password", pw), &j), 200);
    return j;
}

static inline int audit_has(struct fixture *f, const char *event)
{
    struct cpc_paudit rows[200];
    size_t n = 0;
    struct cpc_err err = {0};
    assert_int_equal(cpc_pstore_audit_list(f->node.platform->store, 0, rows, 200, &n, &err), 0);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].event, event))
            return 1;
    return 0;
}

/* Send stderr to HOME/test-stderr.log at debug level; returns the saved stderr
 * for log_restore. */
static inline int log_capture_always(struct fixture *f)
{
    char path[512];
    snprintf(path, sizeof path, "%s/test-stderr.log", f->home);
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    cpc_log_set_level(CPC_LOG_DEBUG);
    return saved;
}

/* log_capture_always, unless CPC_TEST_NO_CAPTURE is set (then -1: stderr is kept). */
static inline int log_capture(struct fixture *f)
{
    if (getenv("CPC_TEST_NO_CAPTURE")) /* debugging a failure: keep stderr */
        return -1;
    return log_capture_always(f);
}

static inline void log_restore(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    cpc_log_set_level(CPC_LOG_INFO);
}

#ifndef NODE_AUTH_FIXTURE_OWN_FLOWS /* test_node_auth.c has its own */
static inline long login(struct fixture *f, const char *email, const char *pw, const char *totp,
                  json_t **out)
{
    json_t *b = json_pack("{s:s, s:s}", "email", email, "password", pw);
    if (totp)
        json_object_set_new(b, "totp", json_string(totp));
    return post(f, "/auth/login", b, out);
}

static inline long refresh(struct fixture *f, const char *tok, json_t **out)
{
    return post(f, "/auth/refresh", json_pack("{s:s}", "refresh_token", tok), out);
}

/* 1 if needle (n bytes) occurs in hay. */
static inline int has_bytes(const char *hay, size_t hn, const void *needle, size_t n)
{
    return n && memmem(hay, hn, needle, n) != NULL;
}

#endif /* NODE_AUTH_FIXTURE_OWN_FLOWS */
#endif

/* node_apikey_http.h — an HTTP helper for the third-slice platform tests
 * (test_node_apikeys.c, test_node_wallet.c) on top of node_auth_fixture.h:
 * one request with an arbitrary extra header (X-API-Key, Authorization) that
 * also captures the rate-limit headers of the answer. Header-only: every
 * function is static, included by one test file each.
 */
#ifndef CPC_TEST_NODE_APIKEY_HTTP_H
#define CPC_TEST_NODE_APIKEY_HTTP_H

#include "node_auth_fixture.h"
#include "store/platform_store.h"

struct rl_hdrs {
    char limit[32], remaining[32], reset[32], retry[32];
};

static inline void hdr_copy(char out[32], const char *d, size_t len, size_t skip)
{
    size_t n = len - skip;
    while (n && (d[skip + n - 1] == '\r' || d[skip + n - 1] == '\n'))
        n--;
    snprintf(out, 32, "%.*s", (int)n, d + skip);
}

static inline size_t rl_on_header(char *d, size_t sz, size_t nm, void *arg)
{
    struct rl_hdrs *h = arg;
    size_t len = sz * nm;
    static const char *const names[4] = {"X-RateLimit-Limit: ", "X-RateLimit-Remaining: ",
                                         "X-RateLimit-Reset: ", "Retry-After: "};
    char *outs[4] = {h->limit, h->remaining, h->reset, h->retry};
    for (int i = 0; i < 4; i++) {
        size_t k = strlen(names[i]);
        if (len > k && strncasecmp(d, names[i], k) == 0)
            hdr_copy(outs[i], d, len, k);
    }
    return len;
}

/* method path with body (may be NULL) and one extra header line "Name: value" (may be
 * NULL); returns the status, the answer in f->last, headers into *h (may be NULL). */
static inline long req_hdr(struct fixture *f, const char *method, const char *path,
                           const char *body, const char *header, struct rl_hdrs *h)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", f->base, path);
    struct buf b = {0};
    struct rl_hdrs local;
    if (!h)
        h = &local;
    memset(h, 0, sizeof *h);
    CURL *c = f->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, rl_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, UA);
    struct curl_slist *sl = NULL;
    if (header)
        sl = curl_slist_append(sl, header);
    if (body) {
        sl = curl_slist_append(sl, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, sl);
    long status = 0;
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(sl);
    json_decref(f->last);
    f->last = b.p ? json_loads(b.p, 0, NULL) : NULL;
    free(b.p);
    return status;
}

/* Same with Authorization: Bearer tok. */
static inline long req_bearer(struct fixture *f, const char *method, const char *path,
                              const char *body, const char *tok, struct rl_hdrs *h)
{
    char line[2100];
    snprintf(line, sizeof line, "Authorization: Bearer %s", tok);
    return req_hdr(f, method, path, body, line, h);
}

/* Sign up, verify and log in email; its access token into out. */
static inline void access_of(struct fixture *f, const char *email, char out[2048])
{
    json_t *j = signup_login(f, email, PW);
    snprintf(out, 2048, "%s", str(j, "access_token"));
    json_decref(j);
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

/* Send stderr to HOME/test-stderr.log at debug level (restore with log_restore). */
static inline int log_capture(struct fixture *f)
{
    if (getenv("CPC_TEST_NO_CAPTURE")) /* debugging a failure: keep stderr */
        return -1;
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

static inline void log_restore(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    cpc_log_set_level(CPC_LOG_INFO);
}

/* 1 if needle (n bytes) is in the database, its WAL or the captured log of f's home. */
static inline int at_rest(struct fixture *f, const void *needle, size_t n, int db_only)
{
    const char *files[] = {"data/chain.db", "data/chain.db-wal", "test-stderr.log"};
    int seen = 0;
    for (size_t fi = 0; fi < (db_only ? 2u : 3u); fi++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", f->home, files[fi]);
        size_t len = 0;
        char *bytes = read_file(path, &len);
        if (!bytes)
            continue;
        seen |= has_bytes(bytes, len, needle, n);
        free(bytes);
    }
    return seen;
}

#endif

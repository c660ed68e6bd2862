/* node_apikey_http.h — an HTTP helper for the third-slice platform tests
 * (test_node_apikeys.c, test_node_wallet.c) on top of node_auth_fixture.h:
 * one request with an arbitrary extra header (X-API-Key, Authorization) that
 * also captures the rate-limit headers of the answer. Header-only: every
 * function is static, included by one test file each.
 */
#ifndef CPC_TEST_NODE_APIKEY_HTTP_H
#define CPC_TEST_NODE_APIKEY_HTTP_H

#include "node_auth_fixture.h"

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
    struct rl_hdrs local;
    if (!h)
        h = &local;
    memset(h, 0, sizeof *h);
    struct nt_req r = {method, path, body, body ? strlen(body) : 0, NULL, UA, rl_on_header, h, 10,
                       NULL};
    if (header)
        r.headers = curl_slist_append(NULL, header);
    struct nt_buf b = {0};
    long status = nt_http(f->curl, f->base, &r, &b);
    assert_true(status >= 0); /* an answer came */
    json_decref(f->last);
    f->last = nt_json(&b);
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

/* http_client.c — small libcurl client for cpcd (see http_client.h).
 *
 * One easy handle per client object. Before each request the handle is
 * curl_easy_reset (which keeps its live connections and DNS cache), so a
 * sequence of calls reuses one keep-alive connection. Redirects are never
 * followed, signals are never used (CURLOPT_NOSIGNAL: safe in threads), the
 * body is collected in a growing buffer capped at 64 MiB, and transport
 * errors become CPC_ERR_CONNECTION / CPC_ERR_IO messages naming the URL.
 */
#include "http_client.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define RESP_CAP ((size_t)64 * 1024 * 1024)
#define DEFAULT_TIMEOUT_MS 30000L
#define MAX_CONNECT_MS 10000L

struct cpc_http {
    CURL *curl;
    char *base;
    long timeout_ms;
};

struct collect {
    char *p;
    size_t len, cap;
    int too_large;
    int oom;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct collect *c = ud;
    size_t n = size * nmemb;
    if (n > RESP_CAP - c->len) {
        c->too_large = 1;
        return 0; /* abort the transfer */
    }
    if (c->len + n + 1 > c->cap) {
        size_t nc = c->cap ? c->cap : 4096;
        while (nc < c->len + n + 1)
            nc *= 2;
        char *np = realloc(c->p, nc);
        if (!np) {
            c->oom = 1;
            return 0;
        }
        c->p = np;
        c->cap = nc;
    }
    memcpy(c->p + c->len, ptr, n);
    c->len += n;
    c->p[c->len] = '\0';
    return n;
}

struct cpc_http *cpc_http_new(const char *base_url, long timeout_ms)
{
    if (!base_url)
        return NULL;
    struct cpc_http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    size_t n = strlen(base_url);
    while (n > 0 && base_url[n - 1] == '/')
        n--;
    h->base = strndup(base_url, n);
    h->curl = curl_easy_init();
    if (!h->base || !h->curl) {
        cpc_http_free(h);
        return NULL;
    }
    h->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
    return h;
}

void cpc_http_free(struct cpc_http *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    free(h->base);
    free(h);
}

const char *cpc_http_base_url(const struct cpc_http *h)
{
    return h ? h->base : NULL;
}

void cpc_http_resp_free(struct cpc_http_resp *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

/* Full URL for path; malloc'd. */
static char *make_url(const struct cpc_http *h, const char *path)
{
    if (!path)
        path = "";
    size_t bl = strlen(h->base), pl = strlen(path);
    int slash = pl > 0 && path[0] != '/';
    char *u = malloc(bl + pl + (size_t)slash + 1);
    if (!u)
        return NULL;
    memcpy(u, h->base, bl);
    if (slash)
        u[bl] = '/';
    memcpy(u + bl + slash, path, pl + 1);
    return u;
}

int cpc_http_request(struct cpc_http *h, const char *method, const char *path, const char *body,
                     size_t body_len, const char *content_type, struct cpc_http_resp *out,
                     struct cpc_err *err)
{
    return cpc_http_request_h(h, method, path, body, body_len, content_type, NULL, out, err);
}

int cpc_http_request_h(struct cpc_http *h, const char *method, const char *path, const char *body,
                       size_t body_len, const char *content_type, const char *const *headers,
                       struct cpc_http_resp *out, struct cpc_err *err)
{
    int rc = 0;
    char *url = NULL;
    struct curl_slist *hdrs = NULL;
    struct collect col = {0};
    char errbuf[CURL_ERROR_SIZE] = "";

    if (out) {
        out->status = 0;
        out->body = NULL;
        out->len = 0;
    }
    if (!h || !method || !out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_http_request: missing argument");
    url = make_url(h, path);
    if (!url)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");

    CURL *c = h->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     h->timeout_ms < MAX_CONNECT_MS ? h->timeout_ms : MAX_CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &col);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "cpc/" CPC_VERSION);

    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }

    /* no "Expect: 100-continue" round trip for large bodies */
    struct curl_slist *t = curl_slist_append(hdrs, "Expect:");
    if (!t)
        goto oom;
    hdrs = t;
    if (content_type && body) {
        char line[256];
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        if (!(t = curl_slist_append(hdrs, line)))
            goto oom;
        hdrs = t;
    }
    if (content_type && strncmp(content_type, "application/json", 16) == 0) {
        if (!(t = curl_slist_append(hdrs, "Accept: application/json")))
            goto oom;
        hdrs = t;
    }
    for (size_t i = 0; headers && headers[i]; i++) {
        if (!(t = curl_slist_append(hdrs, headers[i])))
            goto oom;
        hdrs = t;
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

    CURLcode cr = curl_easy_perform(c);
    if (cr != CURLE_OK) {
        const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cr);
        if (col.too_large)
            rc = cpc_err_set(err, CPC_ERR_TOO_LARGE, "response from %s exceeds %zu MiB", url,
                             RESP_CAP >> 20);
        else if (col.oom)
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory reading %s", url);
        else if (cr == CURLE_COULDNT_CONNECT)
            rc = cpc_err_set(err, CPC_ERR_CONNECTION, "Connection refused: could not reach %s",
                             h->base);
        else if (cr == CURLE_COULDNT_RESOLVE_HOST || cr == CURLE_COULDNT_RESOLVE_PROXY)
            rc = cpc_err_set(err, CPC_ERR_CONNECTION, "could not resolve host of %s: %s",
                             h->base, why);
        else if (cr == CURLE_OPERATION_TIMEDOUT)
            rc = cpc_err_set(err, CPC_ERR_CONNECTION, "timed out after %ld ms waiting for %s",
                             h->timeout_ms, url);
        else
            rc = cpc_err_set(err, CPC_ERR_IO, "%s %s failed: %s", method, url, why);
        goto done;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (!col.p) {
        col.p = malloc(1);
        if (!col.p)
            goto oom;
        col.p[0] = '\0';
    }
    out->status = status;
    out->body = col.p;
    out->len = col.len;
    col.p = NULL;
    goto done;
oom:
    rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
done:
    /* do not leave pointers to our stack/heap in the reused handle */
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    free(col.p);
    free(url);
    return rc;
}

int cpc_http_json(struct cpc_http *h, const char *method, const char *path, const json_t *body,
                  json_t **out, long *status, struct cpc_err *err)
{
    char *req = NULL;
    if (out)
        *out = NULL;
    if (status)
        *status = 0;
    if (body) {
        req = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!req)
            return cpc_err_set(err, CPC_ERR_INVALID, "request body cannot be encoded as JSON");
    }
    int rc = cpc_http_json_h(h, method, path, req, req ? strlen(req) : 0, NULL, out, status, err);
    free(req);
    return rc;
}

int cpc_http_json_h(struct cpc_http *h, const char *method, const char *path, const char *req,
                    size_t req_len, const char *const *headers, json_t **out, long *status,
                    struct cpc_err *err)
{
    int rc;
    struct cpc_http_resp r = {0};
    json_t *j = NULL;
    json_error_t je;

    if (out)
        *out = NULL;
    if (status)
        *status = 0;
    if (!h)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_http_json: missing client");
    rc = cpc_http_request_h(h, method, path, req, req_len, "application/json", headers, &r, err);
    if (rc != 0)
        goto done;
    if (status)
        *status = r.status;

    if (r.status >= 200 && r.status < 300) {
        if (r.len == 0) {
            j = json_null();
        } else {
            j = json_loadb(r.body, r.len, JSON_DECODE_ANY, &je);
            if (!j) {
                rc = cpc_err_set(err, CPC_ERR_IO, "invalid JSON from %s%s: %s", h->base,
                                 path ? path : "", je.text);
                goto done;
            }
        }
        if (out) {
            *out = j;
            j = NULL;
        }
        goto done;
    }

    /* error answer: {"error":{"code","message"}} or anything else */
    j = r.len ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    json_t *e = j ? json_object_get(j, "error") : NULL;
    const char *code = e ? json_string_value(json_object_get(e, "code")) : NULL;
    if (code) {
        const char *msg = json_string_value(json_object_get(e, "message"));
        int c = cpc_errcode_from_name(code);
        if (c == CPC_OK)
            c = CPC_ERR_INTERNAL;
        rc = cpc_err_set(err, c, "%s", msg && *msg ? msg : code);
    } else {
        rc = cpc_err_set(err, CPC_ERR_IO, "HTTP %ld from %s%s", r.status, h->base,
                         path ? path : "");
    }
done:
    json_decref(j);
    cpc_http_resp_free(&r);
    return rc;
}

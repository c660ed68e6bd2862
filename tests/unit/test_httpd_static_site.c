/* test_httpd_static_site.c — a built web folder served by the HTTP server's
 * fallback, over real sockets on 127.0.0.1 with libcurl: content types,
 * caching headers, ETag revalidation (304), gzip, the index.html fallback
 * for a browser's client-side routes, GET / negotiated between the API's
 * route and the page, HEAD, and what is never served (dotfiles, symlinks,
 * paths out of the folder, missing assets). Also the loader's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <zlib.h>

#include "http/httpd.h"
#include "http/static_site.h"
#include "unit/tmpdir_fixture.h"

static const char k_index[] = "<!doctype html><html><body><div id=\"root\"></div></body></html>\n";

struct fixture {
    char *dir;
    struct cpc_static_site *site;
    struct cpc_httpd *d;
    char base[64];
};

static void h_index(struct cpc_http_req *req, struct cpc_http_res *res)
{
    (void)req;
    cpc_http_res_json(res, 200, json_pack("{s:s}", "routes", "api"));
}

static void h_status(struct cpc_http_req *req, struct cpc_http_res *res)
{
    (void)req;
    cpc_http_res_json(res, 200, json_pack("{s:i}", "height", 7));
}

static const struct cpc_route k_routes[] = {
    {"GET", "/", h_index, 0, CPC_ROUTE_PAGE},
    {"GET", "/status", h_status, 0, 0},
};

/* The site is the server's app pointer. */
static int fallback(struct cpc_http_req *req, struct cpc_http_res *res)
{
    return cpc_static_site_answer(req->app, req, res);
}

static void write_file(const char *dir, const char *rel, const char *text, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    fclose(fp);
}

/* A JavaScript file that compresses well (a repeated line). */
static char *big_script(size_t *len)
{
    size_t cap = 20000;
    char *s = malloc(cap + 1);
    assert_non_null(s);
    size_t n = 0;
    while (n + 40 < cap)
        n += (size_t)snprintf(s + n, cap - n, "console.log('ComputeChain %05zu');\n", n);
    *len = n;
    return s;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tmpdir_new("/tmp/cpc-site-XXXXXX");
    assert_non_null(f->dir);
    char sub[512];
    snprintf(sub, sizeof sub, "%s/assets", f->dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_file(f->dir, "index.html", k_index, strlen(k_index));
    size_t len = 0;
    char *js = big_script(&len);
    write_file(f->dir, "assets/index-abc123.js", js, len);
    free(js);
    write_file(f->dir, "favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 40);
    write_file(f->dir, ".env", "SECRET=1", 8);
    char link[512];
    snprintf(link, sizeof link, "%s/linked.html", f->dir);
    assert_int_equal(symlink("/etc/passwd", link), 0);

    struct cpc_err err = {0};
    assert_int_equal(cpc_static_site_load(&f->site, f->dir, &err), CPC_OK);
    struct cpc_httpd_opts o = {.listen = "127.0.0.1:0", .threads = 2, .app = f->site,
                               .fallback = fallback};
    assert_int_equal(cpc_httpd_start(&f->d, k_routes, 2, &o, &err), CPC_OK);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", cpc_httpd_port(f->d));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    cpc_httpd_stop(f->d);
    cpc_static_site_free(f->site);
    tmpdir_free(f->dir);
    free(f);
    return 0;
}

struct resp {
    long status;
    char *body;
    size_t len;
    char headers[4096];
    size_t hlen;
};

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
    struct resp *r = u;
    char *nb = realloc(r->body, r->len + sz * n + 1);
    assert_non_null(nb);
    memcpy(nb + r->len, p, sz * n);
    r->body = nb;
    r->len += sz * n;
    r->body[r->len] = '\0';
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *u)
{
    struct resp *r = u;
    size_t k = sz * n;
    if (r->hlen + k < sizeof r->headers) {
        memcpy(r->headers + r->hlen, p, k);
        r->hlen += k;
        r->headers[r->hlen] = '\0';
    }
    return k;
}

/* method GET or HEAD; hdrs: NULL-terminated extra header lines. */
static void request(struct fixture *f, const char *method, const char *path, const char **hdrs,
                    struct resp *r)
{
    memset(r, 0, sizeof *r);
    char url[1024];
    snprintf(url, sizeof url, "%s%s", f->base, path);
    CURL *c = curl_easy_init();
    struct curl_slist *list = NULL;
    for (size_t i = 0; hdrs && hdrs[i]; i++)
        list = curl_slist_append(list, hdrs[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
}

/* The value of header name in r (copied into out), or NULL. */
static const char *header(const struct resp *r, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = r->headers; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t n = strcspn(v, "\r\n");
            snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), v);
            return out;
        }
    }
    return NULL;
}

static const char *k_html[] = {"Accept: text/html,application/xhtml+xml,*/*;q=0.8", NULL};

static void test_asset_types_and_caching(void **state)
{
    struct fixture *f = *state;
    struct resp r;
    char v[1024];
    request(f, "GET", "/assets/index-abc123.js", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type", v, sizeof v), "text/javascript; charset=utf-8");
    assert_string_equal(header(&r, "Cache-Control", v, sizeof v),
                        "public, max-age=31536000, immutable");
    assert_string_equal(header(&r, "X-Content-Type-Options", v, sizeof v), "nosniff");
    assert_null(header(&r, "Content-Encoding", v, sizeof v)); /* not asked for */
    assert_non_null(strstr(r.body, "console.log('ComputeChain 00000');"));
    free(r.body);

    request(f, "GET", "/favicon.svg", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type", v, sizeof v), "image/svg+xml");
    assert_string_equal(header(&r, "Cache-Control", v, sizeof v), "no-cache");
    free(r.body);

    request(f, "GET", "/index.html", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type", v, sizeof v), "text/html; charset=utf-8");
    assert_string_equal(header(&r, "Cache-Control", v, sizeof v), "no-cache");
    assert_non_null(header(&r, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    assert_string_equal(r.body, k_index);
    free(r.body);
}

static void test_etag_revalidation(void **state)
{
    struct fixture *f = *state;
    struct resp r;
    char etag[64], line[128], v[64];
    request(f, "GET", "/assets/index-abc123.js", NULL, &r);
    assert_non_null(header(&r, "ETag", etag, sizeof etag));
    assert_int_equal(etag[0], '"');
    free(r.body);
    snprintf(line, sizeof line, "If-None-Match: %s", etag);
    const char *h[] = {line, NULL};
    request(f, "GET", "/assets/index-abc123.js", h, &r);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.len, 0);
    assert_string_equal(header(&r, "ETag", v, sizeof v), etag);
    free(r.body);
    const char *stale[] = {"If-None-Match: \"0000000000000000\"", NULL};
    request(f, "GET", "/assets/index-abc123.js", stale, &r);
    assert_int_equal(r.status, 200);
    free(r.body);
}

static void test_gzip_when_accepted(void **state)
{
    struct fixture *f = *state;
    struct resp plain, gz;
    char v[64];
    request(f, "GET", "/assets/index-abc123.js", NULL, &plain);
    const char *h[] = {"Accept-Encoding: gzip, deflate", NULL};
    request(f, "GET", "/assets/index-abc123.js", h, &gz);
    assert_int_equal(gz.status, 200);
    assert_string_equal(header(&gz, "Content-Encoding", v, sizeof v), "gzip");
    assert_string_equal(header(&gz, "Vary", v, sizeof v), "Accept-Encoding");
    assert_true(gz.len < plain.len / 4);
    /* it inflates back to the very file */
    unsigned char *out = malloc(plain.len + 1);
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)gz.body;
    z.avail_in = (uInt)gz.len;
    z.next_out = out;
    z.avail_out = (uInt)plain.len + 1;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, plain.len);
    assert_memory_equal(out, plain.body, plain.len);
    inflateEnd(&z);
    free(out);
    /* q=0 refuses gzip */
    const char *no[] = {"Accept-Encoding: gzip;q=0", NULL};
    struct resp r;
    request(f, "GET", "/assets/index-abc123.js", no, &r);
    assert_null(header(&r, "Content-Encoding", v, sizeof v));
    assert_int_equal(r.len, plain.len);
    free(r.body);
    free(plain.body);
    free(gz.body);
}

static void test_client_routes_get_the_page(void **state)
{
    struct fixture *f = *state;
    struct resp r;
    request(f, "GET", "/explorer/block/5", k_html, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, k_index);
    free(r.body);
    request(f, "GET", "/cabinet/servers?tab=live", k_html, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, k_index);
    free(r.body);
    /* an API client asking the same path: the JSON 404 */
    request(f, "GET", "/explorer/block/5", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "\"not_found\""));
    free(r.body);
    /* a missing asset is a 404, even for a browser */
    request(f, "GET", "/assets/gone-123.js", k_html, &r);
    assert_int_equal(r.status, 404);
    free(r.body);
    /* an API route is the API's, whatever the Accept header says */
    request(f, "GET", "/status", k_html, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"height\""));
    free(r.body);
}

static void test_root_is_negotiated(void **state)
{
    struct fixture *f = *state;
    struct resp r;
    request(f, "GET", "/", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"routes\""));
    free(r.body);
    const char *json[] = {"Accept: application/json", NULL};
    request(f, "GET", "/", json, &r);
    assert_non_null(strstr(r.body, "\"routes\""));
    free(r.body);
    request(f, "GET", "/", k_html, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, k_index);
    free(r.body);
}

static void test_head(void **state)
{
    struct fixture *f = *state;
    struct resp r;
    char v[64];
    request(f, "HEAD", "/index.html", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    char want[16];
    snprintf(want, sizeof want, "%zu", strlen(k_index));
    assert_string_equal(header(&r, "Content-Length", v, sizeof v), want);
    free(r.body);
    request(f, "HEAD", "/status", NULL, &r); /* an API path: GET only */
    assert_int_equal(r.status, 405);
    free(r.body);
}

static void test_never_served(void **state)
{
    struct fixture *f = *state;
    struct resp r;
    request(f, "GET", "/.env", k_html, &r);
    assert_int_equal(r.status, 404);
    free(r.body);
    request(f, "GET", "/linked.html", k_html, &r); /* a symlink to /etc/passwd */
    assert_int_equal(r.status, 404);
    assert_null(strstr(r.body ? r.body : "", "root:"));
    free(r.body);
    request(f, "GET", "/assets/../../../etc/passwd", k_html, &r);
    assert_int_equal(r.status, 400);
    free(r.body);
    request(f, "GET", "/assets/%2e%2e/%2e%2e/etc/passwd", k_html, &r);
    assert_int_equal(r.status, 400);
    free(r.body);
}

static void test_loader_refusals(void **state)
{
    (void)state;
    struct cpc_static_site *s = NULL;
    struct cpc_err err = {0};
    assert_int_equal(cpc_static_site_load(&s, "/nonexistent/web/dist", &err), CPC_ERR_NOT_FOUND);
    assert_null(s);
    assert_int_equal(cpc_static_site_load(&s, "", &err), CPC_ERR_NOT_FOUND);
    char *dir = tmpdir_new("/tmp/cpc-site-XXXXXX");
    write_file(dir, "app.js", "1", 1);
    assert_int_equal(cpc_static_site_load(&s, dir, &err), CPC_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "index.html"));
    assert_null(s);
    tmpdir_free(dir);
}

static void test_accept_parsing(void **state)
{
    (void)state;
    assert_true(cpc_http_header_accepts("text/html", "text/html"));
    assert_true(cpc_http_header_accepts("application/json, TEXT/HTML;q=0.9", "text/html"));
    assert_false(cpc_http_header_accepts("text/html;q=0", "text/html"));
    assert_false(cpc_http_header_accepts("text/htmlx", "text/html"));
    assert_false(cpc_http_header_accepts("*/*", "text/html"));
    assert_false(cpc_http_header_accepts("", "gzip"));
    assert_false(cpc_http_header_accepts(NULL, "gzip"));
    assert_true(cpc_http_header_accepts("deflate, gzip", "gzip"));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_asset_types_and_caching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_etag_revalidation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_when_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_routes_get_the_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_is_negotiated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_served, setup, teardown),
        cmocka_unit_test(test_loader_refusals),
        cmocka_unit_test(test_accept_parsing),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

/* static_site.c — built web assets served from memory (see static_site.h). */
#include "static_site.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_DEPTH 8
#define SITE_PATH_MAX 512

struct site_file {
    char *path;          /* "/assets/index-abc.js" */
    const char *type;    /* static content type */
    unsigned char *data;
    size_t len;
    unsigned char *gz;   /* gzip copy or NULL */
    size_t gz_len;
    char etag[24];       /* "\"<16 hex>\"" */
    int immutable;       /* under /assets/ */
};

struct cpc_static_site {
    struct site_file *files; /* sorted by path */
    size_t n, cap;
    size_t bytes;
    const struct site_file *index;
};

static const struct {
    const char *ext;
    const char *type;
    int compress;
} types[] = {
    {".html", "text/html; charset=utf-8", 1},
    {".js", "text/javascript; charset=utf-8", 1},
    {".mjs", "text/javascript; charset=utf-8", 1},
    {".css", "text/css; charset=utf-8", 1},
    {".json", "application/json", 1},
    {".map", "application/json", 1},
    {".webmanifest", "application/manifest+json", 1},
    {".svg", "image/svg+xml", 1},
    {".txt", "text/plain; charset=utf-8", 1},
    {".wasm", "application/wasm", 1},
    {".png", "image/png", 0},
    {".jpg", "image/jpeg", 0},
    {".jpeg", "image/jpeg", 0},
    {".gif", "image/gif", 0},
    {".webp", "image/webp", 0},
    {".ico", "image/x-icon", 0},
    {".woff2", "font/woff2", 0},
    {".woff", "font/woff", 0},
};

static const char *type_of(const char *name, int *compress)
{
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0) {
                *compress = types[i].compress;
                return types[i].type;
            }
    *compress = 0;
    return "application/octet-stream";
}

static int name_ok(const char *name)
{
    if (!name[0] || name[0] == '.')
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* FNV-1a 64 of the content: a cache validator, not a security check. */
static void make_etag(struct site_file *f)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < f->len; i++) {
        h ^= f->data[i];
        h *= 0x100000001b3ull;
    }
    snprintf(f->etag, sizeof f->etag, "\"%016llx\"", (unsigned long long)h);
}

/* gzip copy of f when it saves at least 10%; no copy is not an error. */
static void make_gzip(struct site_file *f)
{
    if (f->len < 256)
        return;
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    uLong cap = deflateBound(&z, (uLong)f->len);
    unsigned char *out = malloc(cap);
    if (out) {
        z.next_in = f->data;
        z.avail_in = (uInt)f->len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out < f->len - f->len / 10) {
            f->gz = out;
            f->gz_len = z.total_out;
            out = NULL;
        }
    }
    free(out);
    deflateEnd(&z);
}

static int read_all(const char *full, size_t size, unsigned char **out, struct cpc_err *err)
{
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return cpc_err_set(err, CPC_ERR_IO, "cannot open %s: %s", full, strerror(errno));
    unsigned char *buf = malloc(size ? size : 1);
    size_t got = 0;
    while (buf && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (got != size) {
        free(buf);
        return cpc_err_set(err, CPC_ERR_IO, "%s changed while it was read", full);
    }
    *out = buf;
    return CPC_OK;
}

static int add_file(struct cpc_static_site *s, const char *full, const char *rel, size_t size,
                    struct cpc_err *err)
{
    if (s->n >= CPC_SITE_MAX_FILES)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "more than %d files", CPC_SITE_MAX_FILES);
    if (size > CPC_SITE_MAX_FILE || s->bytes + size > CPC_SITE_MAX_BYTES)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "%s: over the size limit (%u bytes a file, "
                           "%u in all)", rel, CPC_SITE_MAX_FILE, CPC_SITE_MAX_BYTES);
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 32;
        struct site_file *nf = realloc(s->files, nc * sizeof *nf);
        if (!nf)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        s->files = nf;
        s->cap = nc;
    }
    struct site_file f = {0};
    int compress = 0;
    f.type = type_of(rel, &compress);
    f.immutable = strncmp(rel, "/assets/", 8) == 0;
    f.len = size;
    if (!(f.path = strdup(rel)))
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = read_all(full, size, &f.data, err);
    if (rc != CPC_OK) {
        free(f.path);
        return rc;
    }
    make_etag(&f);
    if (compress)
        make_gzip(&f);
    s->files[s->n++] = f;
    s->bytes += size;
    return CPC_OK;
}

static int walk(struct cpc_static_site *s, const char *dir, const char *rel, int depth,
                struct cpc_err *err)
{
    if (depth > MAX_DEPTH)
        return CPC_OK;
    DIR *d = opendir(dir);
    if (!d)
        return cpc_err_set(err, errno == ENOENT ? CPC_ERR_NOT_FOUND : CPC_ERR_IO,
                           "cannot open %s: %s", dir, strerror(errno));
    int rc = CPC_OK;
    struct dirent *e;
    while (rc == CPC_OK && (e = readdir(d))) {
        if (!name_ok(e->d_name))
            continue;
        char full[SITE_PATH_MAX * 2], sub[SITE_PATH_MAX];
        int n1 = snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        int n2 = snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
        if (n1 < 0 || (size_t)n1 >= sizeof full || n2 < 0 || (size_t)n2 >= sizeof sub)
            continue;
        struct stat st;
        if (lstat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = walk(s, full, sub, depth + 1, err);
        else if (S_ISREG(st.st_mode))
            rc = add_file(s, full, sub, (size_t)st.st_size, err);
    }
    closedir(d);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct site_file *)a)->path, ((const struct site_file *)b)->path);
}

static const struct site_file *find(const struct cpc_static_site *s, const char *path)
{
    struct site_file key = {.path = (char *)path};
    return bsearch(&key, s->files, s->n, sizeof *s->files, by_path);
}

int cpc_static_site_load(struct cpc_static_site **out, const char *dir, struct cpc_err *err)
{
    *out = NULL;
    if (!dir || !dir[0])
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "no web folder configured");
    if (strlen(dir) >= SITE_PATH_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "web folder path too long");
    struct cpc_static_site *s = calloc(1, sizeof *s);
    if (!s)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = walk(s, dir, "", 0, err);
    if (rc == CPC_OK) {
        if (s->n)
            qsort(s->files, s->n, sizeof *s->files, by_path);
        if (!(s->index = find(s, "/index.html")))
            rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "%s has no index.html", dir);
    }
    if (rc != CPC_OK) {
        cpc_static_site_free(s);
        return rc;
    }
    *out = s;
    return CPC_OK;
}

void cpc_static_site_free(struct cpc_static_site *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->files[i].path);
        free(s->files[i].data);
        free(s->files[i].gz);
    }
    free(s->files);
    free(s);
}

void cpc_static_site_stats(const struct cpc_static_site *s, size_t *files, size_t *bytes)
{
    *files = s ? s->n : 0;
    *bytes = s ? s->bytes : 0;
}

static int etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return 0;
    if (strcmp(inm, "*") == 0)
        return 1;
    size_t el = strlen(etag);
    for (const char *p = strstr(inm, etag); p; p = strstr(p + 1, etag)) {
        char after = p[el];
        if (after == '\0' || after == ',' || after == ' ')
            return 1;
    }
    return 0;
}

static void security_headers(struct cpc_http_res *res, const struct site_file *f)
{
    cpc_http_res_header(res, "X-Content-Type-Options", "nosniff");
    if (strncmp(f->type, "text/html", 9) != 0)
        return;
    cpc_http_res_header(res, "Content-Security-Policy",
                        "default-src 'self'; script-src 'self'; connect-src 'self'; "
                        "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
                        "font-src 'self' data:; worker-src 'self' blob:; frame-src 'self' blob:; "
                        "object-src 'none'; base-uri 'none'; form-action 'self'; "
                        "frame-ancestors 'none'");
    cpc_http_res_header(res, "X-Frame-Options", "DENY");
    cpc_http_res_header(res, "Referrer-Policy", "no-referrer");
}

static void serve(const struct site_file *f, const struct cpc_http_req *req,
                  struct cpc_http_res *res)
{
    cpc_http_res_header(res, "Cache-Control",
                        f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
    cpc_http_res_header(res, "ETag", f->etag);
    security_headers(res, f);
    if (f->gz)
        cpc_http_res_header(res, "Vary", "Accept-Encoding");
    if (etag_matches(cpc_http_req_header(req, "If-None-Match"), f->etag)) {
        cpc_http_res_text(res, 304, f->type, "", 0);
        return;
    }
    const char *ae = cpc_http_req_header(req, "Accept-Encoding");
    if (f->gz && ae && cpc_http_header_accepts(ae, "gzip")) {
        cpc_http_res_header(res, "Content-Encoding", "gzip");
        cpc_http_res_text(res, 200, f->type, (const char *)f->gz, f->gz_len);
    } else {
        cpc_http_res_text(res, 200, f->type, (const char *)f->data, f->len);
    }
}

int cpc_static_site_answer(const struct cpc_static_site *s, const struct cpc_http_req *req,
                           struct cpc_http_res *res)
{
    if (!s || (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0))
        return 0;
    const char *path = req->path;
    const struct site_file *f = strcmp(path, "/") == 0 ? s->index : find(s, path);
    if (!f) {
        const char *last = strrchr(path, '/');
        if (!cpc_http_req_wants_html(req) || (last && strchr(last, '.')))
            return 0;
        f = s->index; /* a client-side route: the page's router shows it */
    }
    serve(f, req, res);
    return 1;
}

/* httpd_path.c — request-path helpers of the HTTP server (see
 * httpd_internal.h, httpd.h).
 *
 * Paths are matched on the RAW request URI, never on MHD's unescaped copy:
 * on_uri (httpd.c) keeps the path part via cpc__http_raw_path, dispatch
 * checks it with cpc__http_path_check (no NUL, no "."/".." segment raw or
 * decoded, bounded length), cpc_route_match splits it into segments against
 * each route pattern, and only then are the captured {params} %-decoded
 * with cpc__url_decode — so an encoded "/" stays inside its segment.
 * Pure string code: no MHD, no locking, no allocation except the raw-path
 * copy; exposed to tests and fuzz/fuzz_http_path.c.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../core/hex.h"
#include "httpd.h"
#include "httpd_internal.h"

char *cpc__http_raw_path(const char *uri, int *too_long)
{
    *too_long = 0;
    size_t n = strcspn(uri, "?#");
    if (n > CPC__HTTP_MAX_PATH) {
        *too_long = 1;
        return NULL;
    }
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, uri, n);
        p[n] = '\0';
    }
    return p;
}

ssize_t cpc__url_decode(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '%') {
            int hi = cpc_hex_digit((unsigned char)r[1]);
            int lo = hi < 0 ? -1 : cpc_hex_digit((unsigned char)r[2]);
            if (hi < 0 || lo < 0)
                return -1;
            int v = hi * 16 + lo;
            if (v == 0)
                return -1;
            *w++ = (char)v;
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return w - s;
}

int cpc__http_path_check(const char *path, size_t len)
{
    if (!path || len == 0 || len > CPC__HTTP_MAX_PATH || path[0] != '/')
        return -1;
    if (memchr(path, '\0', len))
        return -1;
    char seg[CPC__HTTP_MAX_PATH + 1];
    size_t i = 1;
    while (i <= len) {
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        size_t n = j - i;
        memcpy(seg, path + i, n);
        seg[n] = '\0';
        if (strcmp(seg, "..") == 0 || strcmp(seg, ".") == 0)
            return -1;
        ssize_t dl = cpc__url_decode(seg);
        if (dl < 0)
            return -1;
        /* an encoded '/' may sit inside a segment, but no decoded form may
         * spell a "." or ".." component ("..%2Fx", "%2E%2E") */
        if (strcmp(seg, "..") == 0 || strcmp(seg, ".") == 0 || strncmp(seg, "../", 3) == 0 ||
            strstr(seg, "/../") || (dl >= 3 && strcmp(seg + dl - 3, "/..") == 0))
            return -1;
        i = j + 1;
    }
    return 0;
}

int cpc_route_match(const char *pattern, const char *path, char *buf, size_t buf_cap,
                    const char **params, size_t *n_params)
{
    size_t np = 0;
    if (n_params)
        *n_params = 0;
    if (!pattern || !path || !buf)
        return 0;
    size_t plen = strlen(path);
    if (plen + 1 > buf_cap)
        return 0;
    memcpy(buf, path, plen + 1);

    const char *p = pattern;
    char *s = buf;
    if (*p != '/' || *s != '/')
        return 0;
    for (;;) {
        /* both at a '/' */
        p++;
        s++;
        const char *pe = strchr(p, '/');
        size_t plen_seg = pe ? (size_t)(pe - p) : strlen(p);
        char *se = strchr(s, '/');
        size_t slen_seg = se ? (size_t)(se - s) : strlen(s);
        if (plen_seg >= 2 && p[0] == '{' && p[plen_seg - 1] == '}') {
            if (slen_seg == 0)
                return 0;
            if (np >= CPC_HTTP_MAX_PARAMS)
                return 0;
            if (params)
                params[np] = s;
            np++;
        } else if (plen_seg != slen_seg || memcmp(p, s, plen_seg) != 0) {
            return 0;
        }
        if (!pe || !se) {
            if (pe || se)
                return 0; /* one has more segments */
            break;
        }
        *se = '\0'; /* terminate the captured/literal segment in buf */
        p = pe;
        s = se;
    }
    if (n_params)
        *n_params = np;
    return 1;
}

/* fuzz_http_path.c — request-path handling of the HTTP server on arbitrary
 * bytes: path validation (cpc__http_path_check), route matching against a
 * few patterns (cpc_route_match) and in-place URL decoding of the captured
 * segments, as the server does for each request. Input: the raw request
 * target; anything after '?' is treated as the query string and ignored by
 * routing (MHD parses the query itself). Checks: no crash/UB, captured
 * params lie inside the match buffer, decoding never grows a segment. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "http/httpd.h"
#include "http/httpd_internal.h"

static const char *const k_patterns[] = {
    "/",
    "/status",
    "/block/{height}",
    "/tx/{id}",
    "/account/{addr}/txs",
    "/marketplace/jobs/{id}/tasks/{task}",
    "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 3 * CPC__HTTP_MAX_PATH)
        return 0;
    char *path = malloc(size + 1);
    if (!path)
        return 0;
    memcpy(path, data, size);
    path[size] = '\0';
    size_t plen = strcspn(path, "?#"); /* stops at the first NUL as well */
    int ok = cpc__http_path_check(path, size < plen ? size : plen) == 0;
    path[plen] = '\0';

    char buf[CPC__HTTP_MAX_PATH + 1];
    for (size_t i = 0; i < sizeof k_patterns / sizeof k_patterns[0]; i++) {
        const char *params[CPC_HTTP_MAX_PARAMS];
        size_t n = 0;
        if (!cpc_route_match(k_patterns[i], path, buf, sizeof buf, params, &n))
            continue;
        if (n > CPC_HTTP_MAX_PARAMS)
            abort();
        for (size_t k = 0; k < n; k++) {
            if (params[k] < buf || params[k] >= buf + sizeof buf)
                abort();
            size_t before = strlen(params[k]);
            ssize_t after = cpc__url_decode((char *)params[k]);
            if (after > (ssize_t)before)
                abort();
            if (ok && after < 0)
                abort(); /* a validated path always decodes */
        }
    }
    free(path);
    return 0;
}

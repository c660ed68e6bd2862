/* fuzz_http_accept.c — the parser of comma-separated header lists that picks
 * gzip (Accept-Encoding) and browser page requests (Accept: text/html) for
 * the dashboard's files (cpc_http_header_accepts), on arbitrary bytes. Input:
 * a header value; the first byte picks the token looked for. Checks: no
 * crash/UB, and a token is never "accepted" from a value that does not
 * contain it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/httpd.h"

static const char *const k_tokens[] = {"text/html", "gzip", "br", "*/*"};

/* case-insensitive substring search (the parser compares without case) */
static int contains(const char *h, const char *t)
{
    size_t tl = strlen(t);
    for (const char *p = h; *p; p++)
        if (strncasecmp(p, t, tl) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    const char *token = k_tokens[data[0] % (sizeof k_tokens / sizeof k_tokens[0])];
    char *h = malloc(size);
    if (!h)
        return 0;
    memcpy(h, data + 1, size - 1);
    h[size - 1] = '\0';
    int yes = cpc_http_header_accepts(h, token);
    if (yes && !contains(h, token))
        abort();
    free(h);
    return 0;
}

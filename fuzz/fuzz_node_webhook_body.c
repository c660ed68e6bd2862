/* fuzz_node_webhook_body.c — the body decoder of POST /webhooks
 * (cpc_webhook_body_parse) and its URL parser. Oracle (abort on failure): a
 * success has a url of at most CPC_WEBHOOK_URL_MAX bytes that parses again to
 * the same parts, a non-empty host of host characters (or an IPv6 literal's),
 * a port 1..65535 and a non-empty event mask within the known events; a
 * failure sets a 400 status, an error code and a message, and leaves the
 * request zeroed; ASan's leak check covers the JSON it parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/webhook_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cpc_webhook_req *r = malloc(sizeof *r);
    struct cpc_webhook_url u;
    struct cpc_err err = {0};
    int status = 0;
    const char *code = NULL;
    if (!r)
        return 0;
    int rc = cpc_webhook_body_parse((const char *)data, size, r, &status, &code, &err);
    if (rc == 0) {
        struct cpc_err e2 = {0};
        if (status != 0 || code || !r->url[0] || strlen(r->url) > CPC_WEBHOOK_URL_MAX ||
            !r->parts.host[0] || r->parts.port < 1 || r->parts.port > 65535 || !r->events ||
            (r->events & ~CPC_WEBHOOK_EVENTS_ALL) || cpc_webhook_url_parse(r->url, &u, &e2) ||
            memcmp(&u, &r->parts, sizeof u) != 0 || strpbrk(r->parts.host, " /@?#"))
            abort();
    } else if (rc != -1 || status != 400 || !code || !code[0] || !err.msg[0] ||
               !all_zero(r, sizeof *r)) {
        abort();
    }
    free(r);
    return 0;
}

/* webhook_body.h — the body of POST /webhooks (webhook_body.c): {"url":
 * string, "events": [name, ...] | ["*"]}, and the event names.
 *
 * Design note. A pure decoder (no I/O, no DNS), so the fuzzer calls it
 * directly. The URL is taken apart strictly: scheme http or https, no user
 * info, a host name of letters, digits, '-' and '.', or an IPv4 literal, or
 * an [IPv6] literal; an optional port 1..65535; a path and query of
 * printable ASCII without spaces; at most CPC_WEBHOOK_URL_MAX bytes, no
 * fragment. Which hosts and addresses may be reached is webhooks.c's check.
 */
#ifndef CPC_PLATFORM_WEBHOOK_BODY_H
#define CPC_PLATFORM_WEBHOOK_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../store/webhook_store.h"

#define CPC_WEBHOOK_EVENTS_ALL 0x7fu

/* The event names, in bit order (bit i = names[i]), NULL-terminated (static). */
extern const char *const cpc_webhook_event_names[];

/* The bit of event name (0 when unknown). "webhook.test" has no bit. */
uint32_t cpc_webhook_event_bit(const char *name);

struct cpc_webhook_url {
    int https;          /* 1 https, 0 http */
    char host[256];     /* lowercased; an IPv6 literal without its brackets */
    unsigned port;      /* explicit or the scheme's */
};

/* Take url apart into *u (caller's). 0, or -1 with err saying why. */
int cpc_webhook_url_parse(const char *url, struct cpc_webhook_url *u, struct cpc_err *err);

struct cpc_webhook_req {
    char url[CPC_WEBHOOK_URL_MAX + 1];
    struct cpc_webhook_url parts;
    uint32_t events;
};

/* Decode body (len bytes, borrowed) into *out (caller's). 0, or -1 with *status (400),
 * *code (static) and err set and *out zeroed. */
int cpc_webhook_body_parse(const char *body, size_t len, struct cpc_webhook_req *out,
                           int *status, const char **code, struct cpc_err *err);

#endif

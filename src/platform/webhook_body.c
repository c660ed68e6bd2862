/* webhook_body.c — the POST /webhooks body decoder (webhook_body.h). */
#include "webhook_body.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const cpc_webhook_event_names[] = {
    "rental.booked", "rental.ended",   "rental.low_balance", "payout.sent",
    "server.offline", "server.error",  "job.completed",      NULL};

uint32_t cpc_webhook_event_bit(const char *name)
{
    for (int i = 0; cpc_webhook_event_names[i]; i++)
        if (!strcmp(name, cpc_webhook_event_names[i]))
            return 1u << i;
    return 0;
}

static int host_char(int c) { return isalnum(c) || c == '-' || c == '.'; }

/* The authority [a, b) into u; -1 with err. */
static int authority(const char *a, const char *b, struct cpc_webhook_url *u,
                     struct cpc_err *err)
{
    const char *h = a, *he, *colon = NULL;
    if (memchr(a, '@', (size_t)(b - a)))
        return cpc_err_set(err, CPC_ERR_INVALID, "the url may not carry user info");
    if (*a == '[') {
        const char *close = memchr(a, ']', (size_t)(b - a));
        if (!close || close == a + 1)
            return cpc_err_set(err, CPC_ERR_INVALID, "a bad IPv6 literal in the url");
        for (const char *c = a + 1; c < close; c++)
            if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
                return cpc_err_set(err, CPC_ERR_INVALID, "a bad IPv6 literal in the url");
        h = a + 1;
        he = close;
        if (close + 1 < b) {
            if (close[1] != ':')
                return cpc_err_set(err, CPC_ERR_INVALID, "a bad url authority");
            colon = close + 1;
        }
    } else {
        colon = memchr(a, ':', (size_t)(b - a));
        he = colon ? colon : b;
        for (const char *c = a; c < he; c++)
            if (!host_char((unsigned char)*c))
                return cpc_err_set(err, CPC_ERR_INVALID, "a bad host name in the url");
    }
    size_t hn = (size_t)(he - h);
    if (hn == 0 || hn >= sizeof u->host || h[0] == '.' || h[0] == '-')
        return cpc_err_set(err, CPC_ERR_INVALID, "the url needs a host of 1..255 bytes");
    for (size_t i = 0; i < hn; i++)
        u->host[i] = (char)tolower((unsigned char)h[i]);
    u->host[hn] = 0;
    if (colon) {
        unsigned long port = 0;
        const char *c = colon + 1;
        if (c == b || b - c > 5)
            return cpc_err_set(err, CPC_ERR_INVALID, "the url's port must be 1..65535");
        for (; c < b; c++) {
            if (!isdigit((unsigned char)*c))
                return cpc_err_set(err, CPC_ERR_INVALID, "the url's port must be 1..65535");
            port = port * 10 + (unsigned long)(*c - '0');
        }
        if (port < 1 || port > 65535)
            return cpc_err_set(err, CPC_ERR_INVALID, "the url's port must be 1..65535");
        u->port = (unsigned)port;
    }
    return 0;
}

int cpc_webhook_url_parse(const char *url, struct cpc_webhook_url *u, struct cpc_err *err)
{
    memset(u, 0, sizeof *u);
    size_t n = strlen(url);
    const char *p;
    if (n > CPC_WEBHOOK_URL_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "the url is longer than %d bytes",
                           CPC_WEBHOOK_URL_MAX);
    if (!strncasecmp(url, "https://", 8)) {
        u->https = 1;
        u->port = 443;
        p = url + 8;
    } else if (!strncasecmp(url, "http://", 7)) {
        u->port = 80;
        p = url + 7;
    } else {
        return cpc_err_set(err, CPC_ERR_INVALID, "the url must start with https:// or http://");
    }
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == '#' || *c == '\\')
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "the url must be printable ASCII without spaces or a fragment");
    const char *end = p + strcspn(p, "/?");
    int rc = authority(p, end, u, err);
    if (rc != 0)
        memset(u, 0, sizeof *u);
    return rc;
}

/* The events array into *mask; -1 with err. */
static int events_parse(json_t *a, uint32_t *mask, struct cpc_err *err)
{
    size_t i;
    json_t *e;
    *mask = 0;
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > 16)
        return cpc_err_set(err, CPC_ERR_INVALID, "events must be an array of 1..16 names");
    json_array_foreach(a, i, e)
    {
        const char *name = json_string_value(e);
        uint32_t bit = !name ? 0 : !strcmp(name, "*") ? CPC_WEBHOOK_EVENTS_ALL
                                                        : cpc_webhook_event_bit(name);
        if (!bit)
            return cpc_err_set(err, CPC_ERR_INVALID, "unknown event %s%.40s%s",
                               name ? "\"" : "", name ? name : "(not a string)",
                               name ? "\"" : "");
        *mask |= bit;
    }
    return 0;
}

int cpc_webhook_body_parse(const char *body, size_t len, struct cpc_webhook_req *out,
                           int *status, const char **code, struct cpc_err *err)
{
    memset(out, 0, sizeof *out);
    *status = 400;
    *code = "invalid_argument";
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je), *events = NULL;
    const char *url = NULL;
    size_t url_len = 0;
    int rc = -1;
    if (!j) {
        *code = "invalid_json";
        cpc_err_set(err, CPC_ERR_INVALID, "invalid JSON: %s", je.text);
        return -1;
    }
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s%, s:o}", "url", &url, &url_len, "events",
                       &events) != 0) {
        cpc_err_set(err, CPC_ERR_INVALID, "expected {\"url\": string, \"events\": [name]}: %s",
                    je.text);
    } else if (url_len > CPC_WEBHOOK_URL_MAX || strlen(url) != url_len) {
        cpc_err_set(err, CPC_ERR_INVALID, "the url must be at most %d bytes, without NUL",
                    CPC_WEBHOOK_URL_MAX);
    } else if (cpc_webhook_url_parse(url, &out->parts, err) == 0) {
        *code = "invalid_event";
        if (events_parse(events, &out->events, err) == 0) {
            memcpy(out->url, url, url_len + 1);
            *status = 0;
            *code = NULL;
            rc = 0;
        } else {
            *code = "invalid_event";
        }
    } else {
        *code = "invalid_url";
    }
    json_decref(j);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

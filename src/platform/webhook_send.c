/* webhook_send.c — the address check, the signature and the signed POST of
 * a webhook delivery (webhook_send.h). */
#include "webhook_send.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

int cpc__webhook_host_allowed(const char *allow, const char *host)
{
    size_t hn = strlen(host);
    const char *p = allow ? allow : "";
    while (*p) {
        p += strspn(p, ", \t");
        size_t n = strcspn(p, ", \t");
        if (n && n == hn && !strncasecmp(p, host, n))
            return 1;
        p += n;
    }
    return 0;
}

static int v4_private(const uint8_t a[4])
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 100 && (a[1] & 0xc0) == 64) || (a[0] == 192 && a[1] == 0 && a[2] == 0) ||
           (a[0] == 198 && (a[1] & 0xfe) == 18) || a[0] >= 224;
}

static int v6_private(const uint8_t a[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t zero[15] = {0};
    if (!memcmp(a, mapped, 12))
        return v4_private(a + 12);
    if (!memcmp(a, zero, 15)) /* :: and ::1 */
        return 1;
    if (!memcmp(a, zero, 12)) /* IPv4-compatible, deprecated */
        return 1;
    return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff ||
           (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) || /* NAT64 */
           (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) || /* docs */
           (a[0] == 0x20 && a[1] == 0x02);                                   /* 6to4 */
}

int cpc__webhook_addr_private(const char *ip)
{
    uint8_t a[16];
    if (inet_pton(AF_INET, ip, a) == 1)
        return v4_private(a);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return v6_private(a);
    return -1;
}

int cpc__webhook_target(const char *allow, const struct cpc_webhook_url *u,
                        char addr[CPC__WH_ADDR_MAX], struct cpc_err *err)
{
    int allowed = cpc__webhook_host_allowed(allow, u->host);
    if (!u->https && !allowed)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "the url must be https (http only to the hosts the node allows)");
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", u->port);
    int g = getaddrinfo(u->host, port, &hints, &res);
    if (g != 0 || !res)
        return cpc_err_set(err, CPC_ERR_INVALID, "the url's host %.80s does not resolve: %s",
                           u->host, gai_strerror(g));
    int rc = 0;
    addr[0] = 0;
    for (struct addrinfo *r = res; r && rc == 0; r = r->ai_next) {
        char ip[CPC__WH_ADDR_MAX];
        const void *src = r->ai_family == AF_INET
                              ? (const void *)&((struct sockaddr_in *)r->ai_addr)->sin_addr
                              : (const void *)&((struct sockaddr_in6 *)r->ai_addr)->sin6_addr;
        if ((r->ai_family != AF_INET && r->ai_family != AF_INET6) ||
            !inet_ntop(r->ai_family, src, ip, sizeof ip))
            continue;
        if (!allowed && cpc__webhook_addr_private(ip) != 0)
            rc = cpc_err_set(err, CPC_ERR_INVALID,
                             "the url's host %.80s resolves to %s, a private, loopback, "
                             "link-local or reserved address a webhook may not reach",
                             u->host, ip);
        else if (!addr[0])
            snprintf(addr, CPC__WH_ADDR_MAX, r->ai_family == AF_INET6 ? "[%s]" : "%s", ip);
    }
    freeaddrinfo(res);
    if (rc == 0 && !addr[0])
        rc = cpc_err_set(err, CPC_ERR_INVALID, "the url's host %.80s has no address", u->host);
    return rc;
}

void cpc__webhook_sign(const char *secret, uint64_t t, const char *body, size_t len,
                       char out[96])
{
    char ts[24];
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    char hex[2 * sizeof mac + 1];
    int tn = snprintf(ts, sizeof ts, "%llu.", (unsigned long long)t);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const uint8_t *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)ts, (size_t)tn);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, 96, "t=%llu,v1=%s", (unsigned long long)t, hex);
    sodium_memzero(&st, sizeof st);
}

static size_t discard(char *d, size_t sz, size_t nm, void *arg)
{
    (void)d;
    (void)arg;
    return sz * nm;
}

int cpc__webhook_post(void *curl, const char *url, const struct cpc_webhook_url *u,
                      const char *addr, const char *body, const char *sig, const char *event_id,
                      long timeout_ms, long *status, struct cpc_err *err)
{
    CURL *c = curl;
    char pin[CPC__WH_ADDR_MAX + 280], h1[128], h2[96];
    snprintf(pin, sizeof pin, "%s:%u:%s", u->host, u->port, addr);
    snprintf(h1, sizeof h1, "X-CPC-Signature: %s", sig);
    snprintf(h2, sizeof h2, "X-CPC-Event-Id: %s", event_id);
    struct curl_slist *resolve = curl_slist_append(NULL, pin), *hdr = NULL;
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "User-Agent: cpcd-webhooks/1");
    hdr = curl_slist_append(hdr, "Expect:");
    hdr = curl_slist_append(hdr, h1);
    hdr = curl_slist_append(hdr, h2);
    *status = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(1 << 20));
    CURLcode cc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_RESOLVE, NULL);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(resolve);
    curl_slist_free_all(hdr);
    if (cc != CURLE_OK && cc != CURLE_FILESIZE_EXCEEDED && cc != CURLE_WRITE_ERROR)
        return cpc_err_set(err, CPC_ERR_IO, "%s", curl_easy_strerror(cc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

/* auth_apikey.c — API key format, keyed hash, scopes and CIDR whitelists
 * (auth_apikey.h).
 *
 * Design note. Parsing is strict and allocation-free: a CIDR is split at
 * its one '/', the address goes through inet_pton (AF_INET6 when it holds a
 * ':'), the prefix must be 0..32 or 0..128 written without sign, spaces or
 * leading zeros, and bits below the prefix must be zero, so every stored
 * entry has exactly one canonical spelling.
 */
#include "auth_apikey.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "platform.h"

void cpc_apikey_new(char key[CPC_APIKEY_LEN + 1], char prefix[CPC_PAPIKEY_PREFIX_LEN + 1])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(key, "cpc_", 4);
    sodium_bin2base64(key + 4, CPC_APIKEY_B64_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    memcpy(prefix, key, CPC_PAPIKEY_PREFIX_LEN);
    prefix[CPC_PAPIKEY_PREFIX_LEN] = 0;
}

int cpc_apikey_hash(const struct cpc_platform *p, const char *key, uint8_t hash[32])
{
    if (strncmp(key, "cpc_", 4) != 0 || strlen(key) != CPC_APIKEY_LEN)
        return -1;
    uint8_t raw[32];
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin(raw, sizeof raw, key + 4, CPC_APIKEY_B64_LEN, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != sizeof raw || end != key + CPC_APIKEY_LEN)
        return -1;
    crypto_generichash(hash, 32, (const uint8_t *)key, CPC_APIKEY_LEN, p->apikey_key,
                       sizeof p->apikey_key);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

static const struct {
    const char *name;
    uint32_t bit;
} scope_names[] = {{"read", CPC_SCOPE_READ},
                   {"jobs", CPC_SCOPE_JOBS},
                   {"account", CPC_SCOPE_ACCOUNT},
                   {"dc", CPC_SCOPE_DC}};

int cpc_scopes_parse(const json_t *arr, uint32_t *bits)
{
    *bits = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 8)
        return -1;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        uint32_t bit = 0;
        for (size_t k = 0; s && k < sizeof scope_names / sizeof scope_names[0]; k++)
            if (!strcmp(s, scope_names[k].name))
                bit = scope_names[k].bit;
        if (!bit)
            return -1;
        *bits |= bit;
    }
    return 0;
}

json_t *cpc_scopes_json(uint32_t bits)
{
    json_t *a = json_array();
    for (size_t k = 0; k < sizeof scope_names / sizeof scope_names[0]; k++)
        if (bits & scope_names[k].bit)
            json_array_append_new(a, json_string(scope_names[k].name));
    return a;
}

/* Parse "addr/len" into family, address bytes and prefix length; -1 if malformed. */
static int cidr_parse(const char *cidr, int *af, uint8_t addr[16], unsigned *plen)
{
    const char *slash = strchr(cidr, '/');
    if (!slash || strchr(slash + 1, '/') || slash == cidr || slash - cidr > 45)
        return -1;
    char host[46];
    memcpy(host, cidr, (size_t)(slash - cidr));
    host[slash - cidr] = 0;
    *af = strchr(host, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(*af, host, addr) != 1)
        return -1;
    const char *d = slash + 1;
    size_t nd = strlen(d);
    if (nd == 0 || nd > 3 || (nd > 1 && d[0] == '0'))
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < nd; i++) {
        if (d[i] < '0' || d[i] > '9')
            return -1;
        v = v * 10u + (unsigned)(d[i] - '0');
    }
    unsigned bytes = *af == AF_INET ? 4u : 16u;
    if (v > bytes * 8u)
        return -1;
    for (unsigned b = v; b < bytes * 8u; b++) /* no host bits below the prefix */
        if (addr[b / 8u] & (0x80u >> (b % 8u)))
            return -1;
    *plen = v;
    return 0;
}

int cpc_cidr_canon(const char *cidr, char out[64])
{
    int af;
    uint8_t addr[16];
    unsigned plen;
    char host[INET6_ADDRSTRLEN];
    if (cidr_parse(cidr, &af, addr, &plen) != 0 || !inet_ntop(af, addr, host, sizeof host))
        return -1;
    snprintf(out, 64, "%s/%u", host, plen);
    return 0;
}

int cpc_cidr_list_parse(const json_t *arr, char out[CPC_PAPIKEY_IPS_MAX + 1], const char **why)
{
    out[0] = 0;
    *why = "ip_whitelist must be an array of CIDR strings";
    if (!json_is_array(arr))
        return -1;
    if (json_array_size(arr) > CPC_APIKEY_CIDRS_MAX) {
        *why = "ip_whitelist holds at most 16 CIDRs";
        return -1;
    }
    size_t i, used = 0;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        char canon[64];
        if (!s || json_string_length(v) != strlen(s) || cpc_cidr_canon(s, canon) != 0) {
            *why = "ip_whitelist entries must be CIDRs like 10.0.0.0/8 or 2001:db8::/32 "
                   "(no host bits set below the prefix)";
            return -1;
        }
        size_t n = strlen(canon);
        if (used + n + 1 > CPC_PAPIKEY_IPS_MAX)
            return -1;
        if (used)
            out[used++] = ',';
        memcpy(out + used, canon, n + 1);
        used += n;
    }
    return 0;
}

json_t *cpc_cidr_list_json(const char *list)
{
    json_t *a = json_array();
    const char *s = list;
    while (s && *s) {
        const char *c = strchr(s, ',');
        size_t n = c ? (size_t)(c - s) : strlen(s);
        json_array_append_new(a, json_stringn(s, n));
        s = c ? c + 1 : NULL;
    }
    return a;
}

/* 1 if the first plen bits of a and b agree. */
static int prefix_eq(const uint8_t *a, const uint8_t *b, unsigned plen)
{
    for (unsigned i = 0; i < plen / 8u; i++)
        if (a[i] != b[i])
            return 0;
    unsigned rem = plen % 8u;
    if (rem) {
        uint8_t m = (uint8_t)(0xffu << (8u - rem));
        if ((a[plen / 8u] & m) != (b[plen / 8u] & m))
            return 0;
    }
    return 1;
}

int cpc_cidr_list_allows(const char *list, const char *ip)
{
    if (!list[0])
        return 1;
    uint8_t peer[16];
    int paf = strchr(ip, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(paf, ip, peer) != 1)
        return 0;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (paf == AF_INET6 && memcmp(peer, mapped, 12) == 0) {
        memmove(peer, peer + 12, 4);
        paf = AF_INET;
    }
    const char *s = list;
    while (s && *s) {
        const char *c = strchr(s, ',');
        size_t n = c ? (size_t)(c - s) : strlen(s);
        char one[64];
        int af;
        uint8_t addr[16];
        unsigned plen;
        if (n < sizeof one) {
            memcpy(one, s, n);
            one[n] = 0;
            if (cidr_parse(one, &af, addr, &plen) == 0 && af == paf &&
                prefix_eq(addr, peer, plen))
                return 1;
        }
        s = c ? c + 1 : NULL;
    }
    return 0;
}

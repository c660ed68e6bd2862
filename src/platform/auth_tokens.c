/* auth_tokens.c — JWT issue/verify, refresh tokens, email codes, email and
 * password rules (see auth_tokens.h). No I/O, no store: pure functions of
 * the platform keys and the clock.
 */
#include "auth_tokens.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hex.h"
#include "platform.h"

int cpc_auth_jwt_issue(const struct cpc_platform *p, int64_t user, uint32_t version,
                       char **out, struct cpc_err *err)
{
    *out = NULL;
    jwt_t *j = NULL;
    char sub[32];
    snprintf(sub, sizeof sub, "%lld", (long long)user);
    long iat = (long)(cpc_platform_now(p) / 1000u);
    int rc = jwt_new(&j);
    if (rc == 0)
        rc = jwt_set_alg(j, JWT_ALG_HS256, p->jwt_key, (int)p->jwt_key_len);
    if (rc == 0)
        rc = jwt_add_grant(j, "sub", sub);
    if (rc == 0)
        rc = jwt_add_grant_int(j, "iat", iat);
    if (rc == 0)
        rc = jwt_add_grant_int(j, "exp", iat + (long)CPC_ACCESS_TTL_S);
    if (rc == 0)
        rc = jwt_add_grant_int(j, "ver", (long)version);
    if (rc == 0 && !(*out = jwt_encode_str(j)))
        rc = ENOMEM;
    jwt_free(j);
    return rc == 0 ? 0 : cpc_err_set(err, CPC_ERR_CRYPTO, "cannot issue a token: %s", strerror(rc));
}

/* 0 if the token's JOSE header says exactly alg HS256. */
static int header_is_hs256(const char *token)
{
    const char *dot = strchr(token, '.');
    if (!dot || dot == token || (size_t)(dot - token) > 512)
        return -1;
    unsigned char hdr[400];
    size_t n = 0;
    if (sodium_base642bin(hdr, sizeof hdr - 1, token, (size_t)(dot - token), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    json_t *h = json_loadb((const char *)hdr, n, JSON_REJECT_DUPLICATES, NULL);
    const char *alg = json_string_value(json_object_get(h, "alg"));
    int ok = alg && strcmp(alg, "HS256") == 0;
    json_decref(h);
    return ok ? 0 : -1;
}

int cpc_auth_jwt_verify(const struct cpc_platform *p, const char *token, int64_t *user,
                        uint32_t *version, struct cpc_err *err)
{
    if (!token || strlen(token) > 4096 || header_is_hs256(token) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "access token is not an HS256 JWT");
    jwt_t *j = NULL;
    if (jwt_decode(&j, token, p->jwt_key, (int)p->jwt_key_len) != 0 || !j)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "access token signature is invalid");
    int rc = 0;
    if (jwt_get_alg(j) != JWT_ALG_HS256) {
        rc = cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "access token is not an HS256 JWT");
        goto out;
    }
    errno = 0;
    long exp = jwt_get_grant_int(j, "exp");
    long ver = jwt_get_grant_int(j, "ver");
    const char *sub = jwt_get_grant(j, "sub");
    if (errno != 0 || !sub || ver < 0) {
        rc = cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "access token lacks its claims");
        goto out;
    }
    if ((uint64_t)(exp < 0 ? 0 : exp) * 1000u <= cpc_platform_now(p)) {
        rc = cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "access token expired: use /auth/refresh");
        goto out;
    }
    char *end = NULL;
    long long id = strtoll(sub, &end, 10);
    if (!*sub || *end || id <= 0) {
        rc = cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "access token has a bad subject");
        goto out;
    }
    *user = id;
    *version = (uint32_t)ver;
out:
    jwt_free(j);
    return rc;
}

void cpc_auth_refresh_new(char hex[CPC_REFRESH_HEX_LEN + 1], uint8_t hash[32])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    cpc_hex_encode(hex, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    crypto_hash_sha256(hash, (const uint8_t *)hex, CPC_REFRESH_HEX_LEN);
}

int cpc_auth_refresh_hash(const char *hex, uint8_t hash[32])
{
    if (!hex || strlen(hex) != CPC_REFRESH_HEX_LEN)
        return -1;
    for (size_t i = 0; i < CPC_REFRESH_HEX_LEN; i++)
        if (!isxdigit((unsigned char)hex[i]) || isupper((unsigned char)hex[i]))
            return -1;
    crypto_hash_sha256(hash, (const uint8_t *)hex, CPC_REFRESH_HEX_LEN);
    return 0;
}

void cpc_auth_family_new(char out[33])
{
    uint8_t raw[16];
    randombytes_buf(raw, sizeof raw);
    cpc_hex_encode(out, raw, sizeof raw);
}

void cpc_auth_code_new(char code[7])
{
    snprintf(code, 7, "%06u", (unsigned)randombytes_uniform(1000000u));
}

void cpc_auth_code_hash(const struct cpc_platform *p, int64_t user, const char *purpose,
                        const char *code, uint8_t hash[32])
{
    char msg[96];
    int n = snprintf(msg, sizeof msg, "%lld|%s|%s", (long long)user, purpose, code);
    crypto_generichash(hash, 32, (const uint8_t *)msg, (size_t)(n > 0 ? n : 0), p->code_key,
                       sizeof p->code_key);
    sodium_memzero(msg, sizeof msg);
}

int cpc_auth_code_format_ok(const char *s)
{
    if (!s || strlen(s) != 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int cpc_auth_email_normalise(const char *in, size_t in_len, char *out, size_t cap)
{
    size_t a = 0, b = in_len;
    while (a < b && isspace((unsigned char)in[a]))
        a++;
    while (b > a && isspace((unsigned char)in[b - 1]))
        b--;
    size_t n = b - a;
    if (n < 3 || n > 254 || n + 1 > cap)
        return -1;
    size_t at = 0, ats = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[a + i];
        if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
            return -1;
        if (c == '@') {
            ats++;
            at = i;
        }
        out[i] = (char)tolower(c);
    }
    out[n] = 0;
    if (ats != 1 || at == 0 || at > 64 || at + 1 >= n)
        return -1;
    const char *dom = out + at + 1;
    const char *dot = strchr(dom, '.');
    if (!dot || dot == dom || dom[strlen(dom) - 1] == '.' || strstr(dom, ".."))
        return -1;
    return 0;
}

const char *cpc_auth_password_problem(const char *pw, size_t len)
{
    if (len < 8)
        return "password must be at least 8 characters";
    if (len > 1024)
        return "password must be at most 1024 bytes";
    if (memchr(pw, 0, len))
        return "password must not contain NUL characters";
    int letter = 0, digit = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)pw[i];
        letter |= isalpha(c) || c >= 0x80;
        digit |= isdigit(c);
    }
    if (!letter || !digit)
        return "password must contain both letters and digits";
    return NULL;
}

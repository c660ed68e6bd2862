/* ledger_json.c — private strict-JSON field helpers (see ledger_json.h).
 *
 * The common case is a well-formed document from our own encoder; every
 * check here is a cheap type/length test, so decoding stays well below the
 * cost of the signature check that follows it.
 */
#include "ledger_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bech32.h"
#include "hex.h"
#include "tx.h"

void cpc__json_path(char out[CPC__PATH_MAX], const char *prefix, const char *key)
{
    if (prefix && prefix[0])
        snprintf(out, CPC__PATH_MAX, "%s.%s", prefix, key);
    else
        snprintf(out, CPC__PATH_MAX, "%s", key);
}

int cpc__json_check_object(const json_t *j, const char *where, const char *const *allowed,
                           int code, struct cpc_err *err)
{
    if (!json_is_object(j))
        return cpc_err_set(err, code, "%s: expected an object", where);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)j, key, val) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++) {
            if (strcmp(*a, key) == 0) {
                ok = true;
                break;
            }
        }
        if (!ok)
            return cpc_err_set(err, code, "%s: unknown field '%.40s'", where, key);
    }
    return 0;
}

int cpc__json_req(const json_t *obj, const char *prefix, const char *key, const json_t **out,
                  int code, struct cpc_err *err)
{
    const json_t *v = json_object_get(obj, key);
    if (!v) {
        char path[CPC__PATH_MAX];
        cpc__json_path(path, prefix, key);
        return cpc_err_set(err, code, "%s: missing", path);
    }
    *out = v;
    return 0;
}

int cpc__json_str(const json_t *obj, const char *prefix, const char *key, size_t max_len,
                  const char **out, size_t *out_len, int code, struct cpc_err *err)
{
    const json_t *v = NULL;
    int rc = cpc__json_req(obj, prefix, key, &v, code, err);
    if (rc)
        return rc;
    char path[CPC__PATH_MAX];
    if (!json_is_string(v)) {
        cpc__json_path(path, prefix, key);
        return cpc_err_set(err, code, "%s: expected a string", path);
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0 || len > max_len || strlen(s) != len) {
        cpc__json_path(path, prefix, key);
        if (len == 0)
            return cpc_err_set(err, code, "%s: empty string", path);
        if (len > max_len)
            return cpc_err_set(err, code, "%s: longer than %zu characters", path, max_len);
        return cpc_err_set(err, code, "%s: contains a NUL character", path);
    }
    *out = s;
    if (out_len)
        *out_len = len;
    return 0;
}

int cpc__json_u64(const json_t *obj, const char *prefix, const char *key, uint64_t min,
                  uint64_t max, uint64_t *out, int code, struct cpc_err *err)
{
    const json_t *v = NULL;
    int rc = cpc__json_req(obj, prefix, key, &v, code, err);
    if (rc)
        return rc;
    char path[CPC__PATH_MAX];
    if (!json_is_integer(v)) {
        cpc__json_path(path, prefix, key);
        return cpc_err_set(err, code, "%s: expected an integer", path);
    }
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
        cpc__json_path(path, prefix, key);
        return cpc_err_set(err, code, "%s: %lld is out of range [%llu, %llu]", path, (long long)i,
                           (unsigned long long)min, (unsigned long long)max);
    }
    *out = (uint64_t)i;
    return 0;
}

int cpc__json_hex_exact(const json_t *obj, const char *prefix, const char *key, uint8_t *out,
                        size_t n, int code, struct cpc_err *err)
{
    const char *s = NULL;
    size_t len = 0;
    /* 2n digits, plus an optional "0x" */
    int rc = cpc__json_str(obj, prefix, key, 2 * n + 2, &s, &len, code, err);
    if (rc)
        return rc;
    size_t got = 0;
    if (cpc_hex_decode(out, n, &got, s, len) != 0 || got != n) {
        char path[CPC__PATH_MAX];
        cpc__json_path(path, prefix, key);
        return cpc_err_set(err, code, "%s: expected %zu hex characters", path, 2 * n);
    }
    return 0;
}

int cpc__json_addr(const json_t *obj, const char *prefix, const char *key, uint8_t out[20],
                   int code, struct cpc_err *err)
{
    const char *s = NULL;
    int rc = cpc__json_str(obj, prefix, key, CPC_ADDR_STR_MAX, &s, NULL, code, err);
    if (rc)
        return rc;
    if (cpc_address_decode(out, s) != 0) {
        char path[CPC__PATH_MAX];
        cpc__json_path(path, prefix, key);
        return cpc_err_set(err, code, "%s: not a valid cpc1 address", path);
    }
    return 0;
}

bool cpc__chain_id_valid(const char *s, size_t len)
{
    if (len == 0 || len > CPC_CHAIN_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

json_t *cpc_hex_json(const uint8_t *b, size_t n)
{
    char stackbuf[2 * 64 + 1];
    char *buf = stackbuf;
    if (n > 64) {
        buf = malloc(2 * n + 1);
        if (!buf)
            return NULL;
    }
    cpc_hex_encode(buf, b, n);
    json_t *s = json_stringn(buf, 2 * n);
    if (buf != stackbuf)
        free(buf);
    return s;
}

int cpc__json_set(json_t *obj, const char *key, json_t *value)
{
    if (!value)
        return -1;
    return json_object_set_new(obj, key, value) == 0 ? 0 : -1;
}

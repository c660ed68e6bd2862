/* market_priv.c — field helpers shared by the market codec files
 * (contract.c, market_codec.c, market_payloads.c); see market_priv.h.
 *
 * Thin layers over ledger_json.h: they add optional integers with defaults,
 * the uniform "<path>: must be MIN..MAX" range message, printable labels
 * (gpu model) in JSON and binary, UUID fields and a big-endian u16.
 */
#include "market_priv.h"

#include <string.h>

#include "bech32.h"
#include "hex.h"
#include "ledger_json.h"
#include "uuid.h"

int cpc__mkt_range_err(struct cpc_err *err, const char *path, uint64_t min, uint64_t max)
{
    return cpc_err_set(err, CPC_ERR_INVALID, "%s: must be %llu..%llu", path,
                       (unsigned long long)min, (unsigned long long)max);
}

int cpc__mkt_uint(const json_t *obj, const char *prefix, const char *key, bool required,
                  uint64_t def, uint64_t min, uint64_t max, uint64_t *out, struct cpc_err *err)
{
    char path[CPC__PATH_MAX];
    const json_t *v = json_object_get(obj, key);
    cpc__json_path(path, prefix, key);
    if (!v) {
        if (required)
            return cpc_err_set(err, CPC_ERR_INVALID, "%s: missing", path);
        *out = def;
        return 0;
    }
    if (!json_is_integer(v))
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: expected an integer", path);
    json_int_t i = json_integer_value(v);
    uint64_t u = i < 0 ? UINT64_MAX : (uint64_t)i; /* negative: out of every range */
    if (u < min || u > max)
        return cpc__mkt_range_err(err, path, min, max);
    *out = u;
    return 0;
}

bool cpc__mkt_label_ok(const char *s, size_t len)
{
    if (len > CPC_GPU_MODEL_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

int cpc__mkt_label(const json_t *obj, const char *prefix, const char *key,
                   char out[CPC_GPU_MODEL_MAX + 1], struct cpc_err *err)
{
    char path[CPC__PATH_MAX];
    const json_t *v = json_object_get(obj, key);
    out[0] = '\0';
    if (!v)
        return 0;
    cpc__json_path(path, prefix, key);
    if (!json_is_string(v))
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: expected a string", path);
    size_t len = json_string_length(v);
    if (len > CPC_GPU_MODEL_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: longer than %d characters", path,
                           CPC_GPU_MODEL_MAX);
    if (!cpc__mkt_label_ok(json_string_value(v), len))
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: must be printable ASCII", path);
    memcpy(out, json_string_value(v), len);
    out[len] = '\0';
    return 0;
}

void cpc__mkt_put_label(struct cpc_buf *b, const char *s)
{
    cpc_buf_put_var(b, s, strnlen(s, CPC_GPU_MODEL_MAX));
}

bool cpc__mkt_read_label(struct cpc_reader *r, char out[CPC_GPU_MODEL_MAX + 1])
{
    size_t n = cpc_read_var(r, out, CPC_GPU_MODEL_MAX);
    out[r->failed ? 0 : n] = '\0';
    return !r->failed && cpc__mkt_label_ok(out, n);
}

int cpc__mkt_hex_value(const json_t *v, const char *path, uint8_t *out, size_t n,
                       struct cpc_err *err)
{
    if (!json_is_string(v))
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: expected a string", path);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v), got = 0;
    if (strlen(s) != len || cpc_hex_decode(out, n, &got, s, len) != 0 || got != n)
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: expected %zu hex characters", path, 2 * n);
    return 0;
}

int cpc__mkt_uuid(const json_t *obj, const char *prefix, const char *key, uint8_t out[16],
                  struct cpc_err *err)
{
    char path[CPC__PATH_MAX];
    const json_t *v = NULL;
    int rc = cpc__json_req(obj, prefix, key, &v, CPC_ERR_INVALID, err);
    if (rc)
        return rc;
    cpc__json_path(path, prefix, key);
    if (!json_is_string(v) || json_string_length(v) != CPC_UUID_STR_LEN ||
        strlen(json_string_value(v)) != CPC_UUID_STR_LEN ||
        cpc_uuid_parse(out, json_string_value(v)) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: not a UUID", path);
    return 0;
}

json_t *cpc__mkt_uuid_json(const uint8_t id[16])
{
    char s[CPC_UUID_STR_LEN + 1];
    cpc_uuid_format(s, id);
    return json_string(s);
}

json_t *cpc__mkt_addr_json(const uint8_t addr[CPC_ADDR_HASH_LEN])
{
    char s[CPC_ADDR_STR_MAX];
    cpc_address_encode(s, addr);
    return json_string(s);
}

void cpc__mkt_put_u16(struct cpc_buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    cpc_buf_put(b, x, 2);
}

uint16_t cpc__mkt_read_u16(struct cpc_reader *r)
{
    uint8_t x[2];
    cpc_read_bytes(r, x, 2);
    return (uint16_t)((x[0] << 8) | x[1]);
}

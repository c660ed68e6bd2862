/* fuzz_contract_json.c — libFuzzer target for the contract JSON decoder
 * (cpc_contract_from_json on arbitrary JSON text). When a contract decodes,
 * to_json -> from_json must succeed and encode to the same bytes, and the
 * binary decoder must accept that encoding and re-encode it identically. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/market.h"

static void encode(const struct cpc_contract *c, struct cpc_buf *b)
{
    cpc_buf_init(b);
    cpc_contract_encode(c, b);
    if (b->failed)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return 0;
    struct cpc_contract c, back, dec;
    struct cpc_err err;
    int rc = cpc_contract_from_json(&c, j, &err);
    json_decref(j);
    if (rc != 0) {
        if (rc > 0 || err.code != rc || err.msg[0] == '\0')
            abort(); /* every failure carries its code and a message */
        return 0;
    }
    if (cpc_contract_check(&c, &err) != 0)
        abort();
    uint64_t budget, commission;
    if (cpc_contract_budget(&c, &budget, &commission, &err) != 0)
        abort();

    struct cpc_buf a, b, d;
    encode(&c, &a);
    json_t *out = cpc_contract_to_json(&c);
    if (!out)
        abort();
    if (cpc_contract_from_json(&back, out, &err) != 0)
        abort(); /* our own output must decode */
    json_decref(out);
    encode(&back, &b);
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        abort();

    struct cpc_reader r;
    cpc_reader_init(&r, a.data, a.len);
    if (cpc_contract_decode(&dec, &r, &err) != 0 || r.left != 0)
        abort();
    encode(&dec, &d);
    if (a.len != d.len || memcmp(a.data, d.data, a.len) != 0)
        abort();
    cpc_buf_free(&a);
    cpc_buf_free(&b);
    cpc_buf_free(&d);
    return 0;
}

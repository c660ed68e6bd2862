/* fuzz_rental_record.c — libFuzzer target for the rental record decoder
 * (cpc_rental_decode, rental.h) and the commission override's value
 * (cpc_commission_decode). Records come from the state, so anything it
 * accepts must re-encode to exactly the input bytes and have a JSON view; an
 * accepted override is 4 bytes of at most CPC_COMMISSION_MAX_BPS. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rental.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t id[32] = {1, 2, 3};
    struct cpc_rental r;
    uint32_t bps;
    if (cpc_commission_decode(data, size, &bps) == 0 &&
        (size != 4 || bps > CPC_COMMISSION_MAX_BPS ||
         bps != ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 |
                 data[3])))
        abort();
    if (cpc_rental_decode(&r, id, data, size) != 0)
        return 0;
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_rental_encode(&r, &b);
    if (b.failed || b.len != size || memcmp(b.data, data, size) != 0)
        abort();
    cpc_buf_free(&b);
    json_t *j = cpc_rental_to_json(&r);
    if (!j)
        abort();
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (!s)
        abort();
    free(s);
    return 0;
}

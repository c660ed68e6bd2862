/* fuzz_rental_record.c — libFuzzer target for the rental record decoder
 * (cpc_rental_decode, rental.h). Records come from the state, so anything it
 * accepts must re-encode to exactly the input bytes and have a JSON view. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rental.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t id[32] = {1, 2, 3};
    struct cpc_rental r;
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

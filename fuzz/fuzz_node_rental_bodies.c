/* fuzz_node_rental_bodies.c — the one-field bodies of POST /rentals/{id}/extend
 * (cpc_rental_extend_body_parse) and PUT /admin/users/{id}/commission
 * (cpc_commission_body_parse) on arbitrary bytes. Oracle: a refusal names a
 * code and a message; an accepted body is an object of exactly one key whose
 * integer is the value returned, hours 1..720, bps 0..5000. */
#include <stdlib.h>
#include <string.h>

#include "core/rental.h"
#include "market/rental_bodies.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const json_t *j, const char *key, int rc, uint32_t v, uint32_t lo, uint32_t hi,
                  const struct cpc_rental_body_err *e)
{
    if (rc != 0) {
        if (!e->code[0] || !e->msg[0])
            abort();
        return;
    }
    const json_t *x = json_object_get(j, key);
    if (json_object_size(j) != 1 || !json_is_integer(x) || v < lo || v > hi ||
        json_integer_value(x) != (json_int_t)v)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return 0;
    struct cpc_rental_body_err e;
    uint32_t v = UINT32_MAX;
    memset(&e, 0, sizeof e);
    int rc = cpc_rental_extend_body_parse(j, &v, &e);
    check(j, "hours", rc, v, 1, CPC_RENTAL_HOURS_MAX, &e);
    memset(&e, 0, sizeof e);
    v = UINT32_MAX;
    rc = cpc_commission_body_parse(j, &v, &e);
    check(j, "bps", rc, v, 0, CPC_COMMISSION_MAX_BPS, &e);
    json_decref(j);
    return 0;
}

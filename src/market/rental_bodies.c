/* rental_bodies.c — the one-field bodies of the rental routes (rental_bodies.h). */
#include "rental_bodies.h"

#include <stdio.h>
#include <string.h>

#include "../core/rental.h"

/* body = {key: integer lo..hi}: 0 with *out, or -1 with *e. */
static int one_int(const json_t *body, const char *key, uint32_t lo, uint32_t hi, uint32_t *out,
                   const char *code, struct cpc_rental_body_err *e)
{
    const json_t *v = json_is_object(body) ? json_object_get(body, key) : NULL;
    if (!json_is_object(body) || json_object_size(body) != 1 || !v) {
        snprintf(e->code, sizeof e->code, "invalid_body");
        snprintf(e->msg, sizeof e->msg, "body must be {\"%s\": %u..%u}", key, lo, hi);
        return -1;
    }
    if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)lo ||
        json_integer_value(v) > (json_int_t)hi) {
        snprintf(e->code, sizeof e->code, "%s", code);
        snprintf(e->msg, sizeof e->msg, "%s must be an integer %u..%u", key, lo, hi);
        return -1;
    }
    *out = (uint32_t)json_integer_value(v);
    return 0;
}

int cpc_rental_extend_body_parse(const json_t *body, uint32_t *hours,
                                 struct cpc_rental_body_err *e)
{
    return one_int(body, "hours", 1, CPC_RENTAL_HOURS_MAX, hours, "invalid_hours", e);
}

int cpc_commission_body_parse(const json_t *body, uint32_t *bps, struct cpc_rental_body_err *e)
{
    return one_int(body, "bps", 0, CPC_COMMISSION_MAX_BPS, bps, "invalid_bps", e);
}

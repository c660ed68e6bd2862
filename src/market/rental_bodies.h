/* rental_bodies.h — the one-field bodies of the rental routes that change a
 * rental on the chain (rental_bodies.c), without HTTP:
 *   POST /rentals/{id}/extend          {"hours": 1..CPC_RENTAL_HOURS_MAX}
 *   PUT /admin/users/{id}/commission   {"bps": 0..CPC_COMMISSION_MAX_BPS}
 * Strict: a JSON object with exactly that key holding an integer in range.
 * Pure functions over a jansson value, so fuzz/fuzz_node_rental_bodies.c
 * drives the validators the routes use. Ownership: body is borrowed; the
 * outputs are the caller's.
 */
#ifndef CPC_MARKET_RENTAL_BODIES_H
#define CPC_MARKET_RENTAL_BODIES_H

#include <jansson.h>
#include <stdint.h>

#include "rental_body.h"

/* {"hours": N} into *hours: 0, or -1 with *e filled (code invalid_hours / invalid_body). */
int cpc_rental_extend_body_parse(const json_t *body, uint32_t *hours,
                                 struct cpc_rental_body_err *e);
/* {"bps": N} into *bps: 0, or -1 with *e filled (code invalid_bps / invalid_body). */
int cpc_commission_body_parse(const json_t *body, uint32_t *bps, struct cpc_rental_body_err *e);

#endif

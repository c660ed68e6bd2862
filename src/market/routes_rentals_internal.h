/* routes_rentals_internal.h — helpers of routes_rentals.c shared with the
 * other /rentals/{id}/... handlers (routes_rental_extend.c) and the admin's
 * commission routes (routes_commission.c). Internal to src/market (cpc__).
 * Ownership: every pointer argument is borrowed; a returned json_t is a new
 * reference the caller owns.
 */
#ifndef CPC_MARKET_ROUTES_RENTALS_INTERNAL_H
#define CPC_MARKET_ROUTES_RENTALS_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "../core/rental.h"
#include "../http/httpd.h"
#include "../store/platform_store.h"

struct cpc_node;
struct cpc_platform;

/* The commission a rental of provider opened now would get: the chain's override
 * (COMMISSION_SET) or CPC_COMMISSION_BPS. 0, or an error in err. */
int cpc__rental_commission_bps(struct cpc_node *n, const uint8_t provider[CPC_ADDR_HASH_LEN],
                               uint32_t *bps, struct cpc_err *err);
/* The chain record of rental id (64 hex) into *rec and its escrow's balance into
 * *escrow (may be NULL): 1 found, 0 not yet, -1 error in err. Nothing to free. */
int cpc__rental_chain_record(struct cpc_node *n, const char *id, struct cpc_rental *rec,
                             uint64_t *escrow, struct cpc_err *err);
/* The view of row r joined with its chain record (syncs the row's end): a new
 * object, or NULL with err. */
json_t *cpc__rental_json(struct cpc_node *n, struct cpc_platform *p, const struct cpc_prental *r,
                         struct cpc_err *err);
/* 1 when the tx of hash (64 hex) is in the mempool (or the lookup ran out of memory:
 * better "pending" than a second send), else 0. */
int cpc__rental_tx_pending(struct cpc_node *n, const char *hash);
/* The caller (scope) and its own rental {id} into *u and *r: the platform, or NULL
 * answered (404 for another user's rental, as for a missing one). */
struct cpc_platform *cpc__rental_own(struct cpc_http_req *req, struct cpc_http_res *res,
                                     uint32_t scope, struct cpc_puser *u, struct cpc_prental *r);

#endif

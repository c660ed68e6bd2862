/* rental_orders.h — what the node tells a provider's worker to run
 * (rental_orders.c): the heartbeat answer's "rentals" (the desired set of the
 * server bound to the worker), the heartbeat's "rentals" reports, and the
 * views and status the customer and catalogue routes share. Contract:
 * docs/worker.md "Rentals", docs/api.md "Worker protocol". */
#ifndef CPC_MARKET_RENTAL_ORDERS_H
#define CPC_MARKET_RENTAL_ORDERS_H

#include <jansson.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/rental.h"
#include "../store/platform_store.h"

struct cpc_node;
struct cpc_platform;

#define CPC_RENTAL_ORDERS_MAX 64     /* rentals one worker is told to run, and reports per call */
/* POST /worker/rentals/{id}/logs body limit: a tail whose every byte is escaped in two */
#define CPC_RENTAL_LOG_BODY_MAX (2 * CPC_PORDER_LOG_MAX + 64)

/* One entry of a heartbeat's "rentals": id 64 lower-case hex, state one of
 * running|exited|failed|stopped, port 1..65535, error at most 200 bytes. */
struct cpc_rental_report {
    char id[65];
    char state[8];
    uint32_t port;
    char error[CPC_PORDER_ERROR_MAX + 1];
    uint64_t reboot_done;
};

/* Parse a heartbeat's "rentals" (borrowed; an array of at most CPC_RENTAL_ORDERS_MAX
 * objects, strict: unknown or duplicate keys, wrong types and ranges refused). *out is
 * malloc'd (caller frees; NULL when *n is 0). 0, CPC_ERR_INVALID with the reason, or
 * CPC_ERR_NOMEM. */
int cpc_rental_reports_parse(const json_t *arr, struct cpc_rental_report **out, size_t *n,
                             struct cpc_err *err);

/* Record the reports r[0..n) of worker (a cpc1 address hash), each only when its rental is
 * on the server bound to that worker (others are ignored). 0 or the store's error. */
int cpc_rental_orders_record(struct cpc_node *n, const uint8_t worker[20],
                             const struct cpc_rental_report *r, size_t cnt, struct cpc_err *err);

/* The desired set of worker: a new JSON array (caller owns) of {"id","image",
 * "ssh_public_key","port","reboot_seq","ends_ms"} for the rentals of the server bound to
 * worker whose platform row is not ended and whose chain record is OPEN. A row the chain
 * ended (or that never opened) gets its ended_ms here. NULL with err on an error. */
json_t *cpc_rental_orders_desired(struct cpc_node *n, const uint8_t worker[20],
                                  struct cpc_err *err);

/* cpc__rental_chain_record (a rental's chain record and escrow) is in
 * routes_rentals_internal.h. */

/* The "provisioning" view of rental id: a new object {"state","error","updated_ms"}
 * (state "pending" until its worker reports), NULL on an error (err set). */
json_t *cpc__rental_provisioning_json(struct cpc_platform *p, const char *id,
                                      struct cpc_err *err);

/* The status the views show for server r: "offline", "busy" (online with a rental row not
 * ended), or "online". Static string; n and r borrowed. */
const char *cpc__server_view_status(struct cpc_node *n, const struct cpc_pserver *r);

/* In arr (borrowed: JSON server views with "id" and "status"), set "busy" on each "online"
 * server that has a rental row not ended (one indexed query each). For lists built in a
 * store callback, which must not call the store. */
void cpc__servers_mark_busy(struct cpc_node *n, json_t *arr);

#endif

/* rental_figures.h — the money of one rental as the ledger has it, computed
 * once for every view that shows it: the customer's invoice, the provider's
 * rentals, the admin's rentals and the low-funds watcher (docs/api.md,
 * "Rental money").
 *
 * Every figure comes from the chain record (src/core/rental.h) and the
 * balance of the rental's escrow account; the platform's rows only say which
 * ids to read. With cost = rate + commission per minute:
 *   provider_income = minutes x rate, commission = minutes x commission per
 *   minute, charged = provider_income + commission = minutes x cost,
 *   refunded = deposit - charged once ended (0 while open), escrow_left the
 *   escrow's balance, minutes_left = escrow_left / cost while open.
 * So deposit = charged + escrow_left + refunded, to the unit.
 *
 * Ownership: plain data, no heap.
 */
#ifndef CPC_MARKET_RENTAL_FIGURES_H
#define CPC_MARKET_RENTAL_FIGURES_H

#include <stdint.h>

#include "../core/err.h"
#include "../core/rental.h"

struct cpc_node;

struct cpc_rental_figures {
    struct cpc_rental rec;          /* the chain record */
    uint64_t rate_per_minute;       /* what the provider receives a minute */
    uint64_t commission_per_minute; /* floor(rate x bps / 10000) */
    uint64_t minute_cost;           /* rate + commission: what the customer pays a minute */
    uint64_t price_per_hour;        /* rate x 60: the provider's price an hour */
    uint64_t minutes;               /* minutes paid */
    uint64_t provider_income;       /* minutes x rate */
    uint64_t commission;            /* minutes x commission per minute */
    uint64_t charged;               /* provider_income + commission */
    uint64_t deposit;
    uint64_t refunded;              /* deposit - charged once ended, else 0 */
    uint64_t escrow_left;           /* the escrow account's balance */
    uint64_t minutes_left;          /* escrow_left / minute_cost while open, else 0 */
};

/* The figures of record rec with escrow balance escrow into *out. Pure. */
void cpc_rental_figures_compute(const struct cpc_rental *rec, uint64_t escrow,
                                struct cpc_rental_figures *out);

/* Read rental id (64 hex) from the node's committed state and compute its figures:
 * 1 found, 0 no record (not open yet, or never), -1 with err (bad id, corrupt record). */
int cpc_rental_figures_read(struct cpc_node *n, const char *id, struct cpc_rental_figures *out,
                            struct cpc_err *err);

/* "open", "ended"; and the end reason's name: "customer", "provider", "funds" or NULL. */
const char *cpc_rental_figures_status(const struct cpc_rental_figures *f);
const char *cpc_rental_figures_reason(const struct cpc_rental_figures *f);

#endif

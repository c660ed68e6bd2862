/* rental_figures.c — one rental's money from the ledger (rental_figures.h).
 *
 * Design note. The record and the escrow balance are two reads of the
 * committed state, each under the node's read lock; a block committed between
 * them would pair a record with another block's balance. So the record is
 * read again after the balance and the pair is kept only when the record did
 * not move (at most a few tries; a record moves once per block at most). */
#include "rental_figures.h"
#include "routes_rentals_internal.h"

#include <string.h>

#include "../core/hex.h"
#include "../core/state.h"
#include "../node/node.h"

void cpc_rental_figures_compute(const struct cpc_rental *rec, uint64_t escrow,
                                struct cpc_rental_figures *out)
{
    memset(out, 0, sizeof *out);
    out->rec = *rec;
    out->rate_per_minute = rec->rate_per_minute;
    out->commission_per_minute = cpc_rental_commission(rec->rate_per_minute, rec->commission_bps);
    out->minute_cost = cpc_rental_minute_cost(rec->rate_per_minute, rec->commission_bps);
    out->price_per_hour = rec->rate_per_minute * 60u; /* rate <= INT64_MAX / 2 */
    out->minutes = rec->paid_minutes;
    /* paid minutes x cost <= deposit, so none of these overflows */
    out->provider_income = rec->paid_minutes * rec->rate_per_minute;
    out->commission = rec->paid_minutes * out->commission_per_minute;
    out->charged = out->provider_income + out->commission;
    out->deposit = rec->deposit;
    out->escrow_left = escrow;
    if (rec->status == CPC_RENTAL_ENDED)
        out->refunded = rec->deposit > out->charged + escrow ? rec->deposit - out->charged - escrow
                                                             : 0;
    else if (out->minute_cost)
        out->minutes_left = escrow / out->minute_cost;
}

int cpc_rental_figures_read(struct cpc_node *n, const char *id, struct cpc_rental_figures *out,
                            struct cpc_err *err)
{
    uint8_t raw[32], esc[CPC_ADDR_HASH_LEN];
    if (strlen(id) != 64 || cpc_hex_decode_exact(raw, 32, id) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "rental id %s is not 64 hex", id), -1;
    cpc_rental_escrow_address(esc, raw);
    struct cpc_rental a, b;
    struct cpc_account acc;
    memset(&acc, 0, sizeof acc);
    int found = cpc__rental_chain_record(n, id, &a, NULL, err);
    for (int tries = 0; found == 1 && tries < 4; tries++) {
        cpc_node_account(n, esc, &acc);
        found = cpc__rental_chain_record(n, id, &b, NULL, err);
        if (found != 1)
            break;
        if (a.settled_ms == b.settled_ms && a.status == b.status && a.deposit == b.deposit &&
            a.paid_minutes == b.paid_minutes)
            break;
        a = b;
    }
    if (found == 1)
        cpc_rental_figures_compute(&a, acc.balance, out);
    return found;
}

const char *cpc_rental_figures_status(const struct cpc_rental_figures *f)
{
    return f->rec.status == CPC_RENTAL_ENDED ? "ended" : "open";
}

const char *cpc_rental_figures_reason(const struct cpc_rental_figures *f)
{
    static const char *const reasons[] = {NULL, "customer", "provider", "funds"};
    return f->rec.end_reason < 4 ? reasons[f->rec.end_reason] : NULL;
}

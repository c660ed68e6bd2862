/* payout.h — handing an approved withdrawal to whoever pays it out in fiat
 * or crypto (payout.c).
 *
 * Design note. An interface with one provider for now: `manual` (the
 * default, [platform] payout_provider = manual) writes
 * HOME/payouts/<id>.json atomically (cpc_write_file_atomic, mode 0600) with
 * the withdrawal, its ledger tx and the time, for an operator who pays and
 * files it. The operator must see the tx succeed (GET /tx/{hash}) before
 * paying: the file is written when the TRANSFER is admitted, not when it is
 * committed. A provider that calls a payment API would implement the same
 * function; a failure is logged and audited by the caller, and the
 * withdrawal stays approved (the ledger side is done).
 */
#ifndef CPC_PLATFORM_PAYOUT_H
#define CPC_PLATFORM_PAYOUT_H

#include "../core/err.h"

struct cpc_pwithdrawal;

struct cpc_payout_provider {
    const char *name;
    /* Hand w (borrowed, approved, tx_hash set) to the payer; home is the node's home.
     * 0 or an error. */
    int (*submit)(const char *home, const struct cpc_pwithdrawal *w, struct cpc_err *err);
};

/* The provider named name ("manual"), or NULL when unknown (static). */
const struct cpc_payout_provider *cpc_payout_provider_find(const char *name);

#endif

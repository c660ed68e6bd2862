/* job_figures.h — the money of one marketplace job as the ledger has it, for
 * the customer's invoice (docs/api.md, "Invoices").
 *
 * Every figure comes from the job's chain record (struct cpc_job_money, core
 * market.h: the totals each path that moves the escrow adds, protocol 3) and
 * the balance of its escrow account; nothing is rebuilt or estimated:
 *   rewards    = results_paid x reward       (paid to workers without the bonus)
 *   bonuses    = bonus_paid = bonus_results x early_bonus
 *   commission = the treasury's share, floored per payment
 *   charged    = rewards + bonuses + commission   (the sum of the invoice's lines)
 *   escrowed   = what the creator put in (JOB_CREATE + JOB_EXTEND)
 *   refunded   = what went back at close (0 while open)
 * So escrowed = charged + refunded + escrow_left, to the unit, unless someone
 * else sent money to the escrow address (then the refund is that much larger).
 *
 * Ownership: plain data, no heap.
 */
#ifndef CPC_MARKET_JOB_FIGURES_H
#define CPC_MARKET_JOB_FIGURES_H

#include <stdint.h>

#include "../core/err.h"
#include "../core/market.h"

struct cpc_node;

struct cpc_job_figures {
    struct cpc_job rec;        /* the chain record */
    uint64_t rewards;          /* results_paid x reward */
    uint64_t bonuses;          /* early bonuses paid */
    uint64_t commission;       /* to the treasury */
    uint64_t charged;          /* rewards + bonuses + commission */
    uint64_t escrowed;
    uint64_t refunded;
    uint64_t escrow_left;      /* the escrow account's balance */
};

/* The figures of record rec with escrow balance escrow into *out. Pure. */
void cpc_job_figures_compute(const struct cpc_job *rec, uint64_t escrow,
                             struct cpc_job_figures *out);

/* Read job id (32 bytes) from the node's committed state and compute its figures:
 * 1 found, 0 no record, -1 with err (corrupt record). */
int cpc_job_figures_read(struct cpc_node *n, const uint8_t id[32], struct cpc_job_figures *out,
                         struct cpc_err *err);

/* "open" until the job ended and its escrow went back, then "closed". */
const char *cpc_job_figures_status(const struct cpc_job_figures *f);

#endif

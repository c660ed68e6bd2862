/* rental_watch.h — the low-funds watcher of GPU rentals (docs/platform.md,
 * "Rental emails"): after each committed block it looks at a bounded batch
 * of the platform's rentals and queues the customer's emails: one warning
 * when the escrow covers CPC_RENTAL_WARN_MINUTES minutes or fewer, one
 * "rental stopped" when the chain ended the rental for funds.
 *
 * Ownership: cpc_rental_watch_new returns a watcher the caller frees with
 * cpc_rental_watch_free; the node and its platform are borrowed per call.
 */
#ifndef CPC_MARKET_RENTAL_WATCH_H
#define CPC_MARKET_RENTAL_WATCH_H

#include <stdint.h>

#include "../core/err.h"

#define CPC_RENTAL_WARN_MINUTES 15u /* warn when the escrow covers this many minutes or fewer */
#define CPC_RENTAL_WATCH_BATCH 64u  /* rentals looked at per block */

struct cpc_node;
struct cpc_rental_watch; /* opaque: the cursor */

/* A watcher looking at batch rentals per block (0 = CPC_RENTAL_WATCH_BATCH); NULL on OOM. */
struct cpc_rental_watch *cpc_rental_watch_new(unsigned batch);
/* NULL accepted. */
void cpc_rental_watch_free(struct cpc_rental_watch *w);
/* Look at the next batch of rentals of n's platform (none: nothing) and queue the emails
 * due. Runs on the block producer's thread: no network, only the mail queue's INSERT.
 * 0, or an error in err (the next block retries; no email is queued twice). */
int cpc_rental_watch_block(struct cpc_rental_watch *w, struct cpc_node *n, struct cpc_err *err);

#endif

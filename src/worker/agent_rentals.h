/* agent_rentals.h — the agent's rentals (agent_rentals.c): the node's desired
 * set from each heartbeat answer is reconciled with what this machine runs
 * (provision.h), on a thread of its own, and the state of each rental goes
 * back in the next heartbeat. Private to the agent (agent.c). */
#ifndef CPC_WORKER_AGENT_RENTALS_H
#define CPC_WORKER_AGENT_RENTALS_H

#include <jansson.h>
#include <stdbool.h>

#include "../common/keyring.h"
#include "../core/err.h"

struct wk_rentals;

/* From HOME/config's [provision] (kind = sandbox|docker turns provisioning on; listen, dir
 * as for `cpc-worker rental`). *out NULL when there is no [provision] kind: the worker then
 * provisions nothing. state_dir (the agent's own HOME/worker/ADDRESS, so workers sharing a
 * home never touch each other's rentals), key and url are copied. Adopts what runs (cpc_wk_rental_reconcile)
 * and starts the thread. 0 or an error (a bad [provision] section). Free with
 * wk_rentals_free. */
int wk_rentals_start(const char *home, const char *state_dir, const char *node_url,
                     const struct cpc_key *key, struct wk_rentals **out, struct cpc_err *err);
/* Stop the thread (the rentals keep running: the next start adopts them). NULL accepted. */
void wk_rentals_free(struct wk_rentals *r);

/* The heartbeat's "rentals": a new array (caller owns), NULL on OOM. r may be NULL (NULL). */
json_t *wk_rentals_reports(struct wk_rentals *r);
/* A successful heartbeat answer (borrowed): with rentals_complete, its "rentals" become the
 * desired set and the thread reconciles. r NULL: one warning (*warned set) the first time
 * an answer carries rentals. */
void wk_rentals_answer(struct wk_rentals *r, const json_t *answer, bool *warned);

#endif

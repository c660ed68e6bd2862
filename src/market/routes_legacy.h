/* routes_legacy.h — the legacy proof-of-concept API: its node-wide state
 * and handlers. The contract registry, the replay verifier and assignments
 * (exposed for tests) are legacy_contracts.h, included here.
 *
 * Routes (listed in routes.c): GET /register (limited per client IP),
 * GET /get_task (a fresh contract instance id each time),
 * POST /submit_work, GET /get_balance/{client_id}, GET /chain.
 * Their error bodies are the proof of concept's {"error":"Missing data"}
 * (a bare string), not the node's {"error":{"code","message"}} envelope:
 * its clients parse that shape, so these routes keep it.
 */
#ifndef CPC_NODE_ROUTES_LEGACY_H
#define CPC_NODE_ROUTES_LEGACY_H

#include <stddef.h>
#include <stdint.h>

#include "../common/keyring.h"
#include "../store/store_legacy.h"
#include "../http/httpd.h"
#include "legacy_contracts.h"

#define CPC_LEGACY_KEY_NAME "legacy"          /* HOME/keyring/legacy.json pays rewards */
#define CPC_LEGACY_WORK_CAP 10                /* work_units_done <= 10 x the requirement */
#define CPC_LEGACY_REGISTER_LIMIT 10          /* GET /register per client IP ... */
#define CPC_LEGACY_REGISTER_WINDOW_S 3600     /* ... per this window (HOME/config [legacy]) */

/* The legacy API's node-wide state: the /register limiter (per client IP,
 * an IPv6 /64 counting as one) and its configuration. */
struct cpc_legacy;
/* Read HOME/config [legacy] register_limit (1..2^32-1) and register_window_s
 * (1..366 days) into a new *out (cpc_legacy_free). 0, CPC_ERR_INVALID or NOMEM. */
int cpc_legacy_new(struct cpc_legacy **out, const char *home, struct cpc_err *err);
/* NULL accepted. */
void cpc_legacy_free(struct cpc_legacy *l);

void cpc_h_legacy_register(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_legacy_get_task(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_legacy_submit_work(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_legacy_get_balance(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /chain?from=&limit=: a page of blocks (a JSON array) of at most `limit`
 * blocks and about CPC_LEGACY_CHAIN_PAGE_BYTES (the block that would pass it
 * starts the next page; a page holds at least one block). When blocks
 * follow, the headers X-Next-From: H and Link: </chain?from=H&limit=N>;
 * rel="next" give the cursor. */
#define CPC_LEGACY_CHAIN_PAGE_BYTES (512u << 10)
void cpc_h_legacy_chain(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

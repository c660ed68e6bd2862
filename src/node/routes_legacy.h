/* routes_legacy.h — the legacy proof-of-concept API (issue 3 §7): handlers,
 * the contract registry and the replay verifier (exposed for tests).
 *
 * Routes (listed in routes.c): GET /register, GET /get_task,
 * POST /submit_work, GET /get_balance/{client_id}, GET /chain.
 * Their error bodies are the proof of concept's {"error":"Missing data"}
 * (a bare string), not the node's {"error":{"code","message"}} envelope:
 * its clients parse that shape, so these routes keep it.
 */
#ifndef CPC_NODE_ROUTES_LEGACY_H
#define CPC_NODE_ROUTES_LEGACY_H

#include <stddef.h>
#include <stdint.h>

#include "httpd.h"

#define CPC_LEGACY_KEY_NAME "legacy"          /* HOME/keyring/legacy.json pays rewards */
#define CPC_LEGACY_WORK_CAP 10                /* work_units_done <= 10 x the requirement */
#define CPC_LEGACY_DUMMY_RESULT "dummy_result_data"
#define CPC_LEGACY_RESULT_TEXT_MAX 64         /* a hex sha256 or the dummy literal */

struct cpc_legacy_contract {
    const char *contract_id;     /* "sc-001" */
    const char *task_type;       /* "simple-hash-pow" */
    const char *description;
    uint64_t work_units_required;
    uint64_t reward_cpc;         /* whole CPC */
    unsigned zeros;              /* leading '0' hex digits a matching hash starts with */
};

/* The registry (static storage); *n receives its length. */
const struct cpc_legacy_contract *cpc_legacy_contracts(size_t *n);
/* Registry entry by id, or NULL. */
const struct cpc_legacy_contract *cpc_legacy_contract_find(const char *contract_id);

/* The result a client must report after work units 1..units: the last
 * lowercase-hex sha256("{client_id}-{contract_id}-{n}") that starts with
 * `zeros` '0' digits, or CPC_LEGACY_DUMMY_RESULT when none does. out gets
 * at most CPC_LEGACY_RESULT_TEXT_MAX chars + NUL. */
void cpc_legacy_expected_result(const char *client_id, const char *contract_id, unsigned zeros,
                                uint64_t units, char out[CPC_LEGACY_RESULT_TEXT_MAX + 1]);

/* The SUBMIT_RESULT task id of a (client, contract) pair: the first 16 bytes
 * of sha256("cpc-legacy-task" NUL client_id NUL contract_id) with RFC 9562
 * version 8 / variant bits set, so it is a well-formed, deterministic UUID. */
void cpc_legacy_task_id(uint8_t out[16], const char *client_id, const char *contract_id);

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

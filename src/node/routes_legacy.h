/* routes_legacy.h — the legacy proof-of-concept API (issue 3 §7): handlers,
 * the contract registry and the replay verifier (exposed for tests).
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
#include "httpd.h"

#define CPC_LEGACY_KEY_NAME "legacy"          /* HOME/keyring/legacy.json pays rewards */
#define CPC_LEGACY_WORK_CAP 10                /* work_units_done <= 10 x the requirement */
#define CPC_LEGACY_DUMMY_RESULT "dummy_result_data"
#define CPC_LEGACY_RESULT_TEXT_MAX 64         /* a hex sha256 or the dummy literal */
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
/* Registry entry by its template id ("sc-001"), or NULL. */
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

#define CPC_LEGACY_TAG_KEY_LEN 32

/* The key of assignment tags: HMAC-SHA256(key = legacy's secret key,
 * "cpc-legacy-assignment" NUL), into out (caller's; wipe after use). */
void cpc_legacy_tag_key(const struct cpc_key *legacy, uint8_t out[CPC_LEGACY_TAG_KEY_LEN]);
/* A fresh assignment of contract c (an instance id, see routes_legacy.c):
 * "{contract_id}-{16 hex nonce}{24 hex tag}", the tag an HMAC-SHA256 of the
 * contract id and the nonce keyed with key (cpc_legacy_tag_key). out is the
 * caller's; key and c are borrowed. */
void cpc_legacy_assignment_new(const uint8_t key[CPC_LEGACY_TAG_KEY_LEN],
                               const struct cpc_legacy_contract *c, char out[CPC_LEGACY_ID_MAX + 1]);
/* The registry contract of an assignment id made with key, or NULL (a bare
 * registry id, another shape or spelling, a tag that does not verify). id
 * (NUL-terminated) and key are borrowed. */
const struct cpc_legacy_contract *
cpc_legacy_assignment_contract(const uint8_t key[CPC_LEGACY_TAG_KEY_LEN], const char *id);

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

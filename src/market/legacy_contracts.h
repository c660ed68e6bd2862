/* legacy_contracts.h — the legacy API's pure part (legacy_contracts.c): the
 * contract registry, the replay verifier and assignments (contract
 * instances). No node state, no I/O; exposed for the handlers
 * (routes_legacy.c) and for tests.
 */
#ifndef CPC_NODE_LEGACY_CONTRACTS_H
#define CPC_NODE_LEGACY_CONTRACTS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/keyring.h"
#include "../store/store_legacy.h"

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
/* A fresh assignment of contract c (an instance id, see legacy_contracts.c):
 * "{contract_id}-{16 hex nonce}{24 hex tag}", the tag an HMAC-SHA256 of the
 * contract id and the nonce keyed with key (cpc_legacy_tag_key). out is the
 * caller's; key and c are borrowed. */
void cpc_legacy_assignment_new(const uint8_t key[CPC_LEGACY_TAG_KEY_LEN],
                               const struct cpc_legacy_contract *c,
                               char out[CPC_LEGACY_ID_MAX + 1]);
/* The registry contract of an assignment id made with key, or NULL (a bare
 * registry id, another shape or spelling, a tag that does not verify). id
 * (NUL-terminated) and key are borrowed. */
const struct cpc_legacy_contract *
cpc_legacy_assignment_contract(const uint8_t key[CPC_LEGACY_TAG_KEY_LEN], const char *id);

#endif

/* store_legacy.h — platform tables of the legacy proof-of-concept API
 * (docs/api.md, "Legacy API"; src/market/routes_legacy.c), in the node's SQLite database
 * (migration 3):
 *
 *   legacy_clients(client_id TEXT PRIMARY KEY, address TEXT, created_at INTEGER)
 *     one row per GET /register: the client's ledger account. Only the cpc1
 *     ADDRESS is kept: rewards are sent TO it, which needs no secret. The
 *     client cannot spend from it yet (custody/withdrawal is the platform
 *     issue's work).
 *   legacy_receipts(client_id, contract_id, result_data, task_id, work_units,
 *                   reward, receipt_tx, reward_tx, created_at)
 *     one row per paid submission; (client_id, contract_id, result_data) is
 *     unique, and so is `assignment` (migration 7: the contract instance
 *     GET /get_task handed out, NULL on receipts paid before that rule),
 *     which is the guard against paying one assignment twice, whatever its
 *     work_units_done or result_data. The tx hashes let GET /chain map
 *     ledger txs back to legacy entries.
 *
 * These are platform data, not ledger data: they are written outside block
 * commits (the writer mutex serialises them with block commits) and are not
 * covered by the state root. Reads use the reader pool and are thread-safe.
 */
#ifndef CPC_STORE_STORE_LEGACY_H
#define CPC_STORE_STORE_LEGACY_H

#include <stdint.h>

#include "../core/bech32.h"
#include "../core/err.h"
#include "store.h"

#define CPC_LEGACY_ID_MAX 64          /* client_id / contract_id bytes, without NUL */
#define CPC_LEGACY_RESULT_MAX 128     /* result_data bytes, without NUL */

struct cpc_legacy_receipt {
    char client_id[CPC_LEGACY_ID_MAX + 1];
    char contract_id[CPC_LEGACY_ID_MAX + 1];
    char result_data[CPC_LEGACY_RESULT_MAX + 1];
    char task_id[37];                 /* UUID text of the SUBMIT_RESULT */
    uint64_t work_units;
    uint64_t reward;                  /* base units */
    uint8_t receipt_tx[32];           /* SUBMIT_RESULT ("work_receipt") tx hash */
    uint8_t reward_tx[32];            /* TRANSFER ("reward") tx hash */
    uint64_t created_at;              /* unix seconds */
    char assignment[CPC_LEGACY_ID_MAX + 1]; /* the paid contract instance; "" = none */
};

/* Add a client. Returns 0, CPC_ERR_DUPLICATE if client_id exists,
 * CPC_ERR_INVALID for an empty/oversized id or address, or CPC_ERR_DB/IO. */
int cpc_store_legacy_client_add(struct cpc_store *s, const char *client_id, const char *address,
                                uint64_t created_at, struct cpc_err *err);

/* The cpc1 address of a client into address. CPC_ERR_NOT_FOUND if unknown. */
int cpc_store_legacy_client_address(struct cpc_store *s, const char *client_id,
                                    char address[CPC_ADDR_STR_MAX], struct cpc_err *err);

/* The client owning address into client_id. CPC_ERR_NOT_FOUND if none. */
int cpc_store_legacy_client_by_address(struct cpc_store *s, const char *address,
                                       char client_id[CPC_LEGACY_ID_MAX + 1],
                                       struct cpc_err *err);

/* Claim a receipt (insert it). Returns 0, CPC_ERR_DUPLICATE when the same
 * (client_id, contract_id, result_data) or the same non-empty assignment was
 * already claimed (nothing written),
 * CPC_ERR_INVALID for oversized fields, or CPC_ERR_DB/IO. */
int cpc_store_legacy_receipt_add(struct cpc_store *s, const struct cpc_legacy_receipt *r,
                                 struct cpc_err *err);

/* Drop a claim (used when its txs could not be submitted). Deleting an absent
 * claim is not an error. Returns 0 or CPC_ERR_DB/IO. */
int cpc_store_legacy_receipt_delete(struct cpc_store *s, const char *client_id,
                                    const char *contract_id, const char *result_data,
                                    struct cpc_err *err);

/* The claim of (client_id, contract_id, result_data) into *out.
 * CPC_ERR_NOT_FOUND if none. */
int cpc_store_legacy_receipt_get(struct cpc_store *s, const char *client_id,
                                 const char *contract_id, const char *result_data,
                                 struct cpc_legacy_receipt *out, struct cpc_err *err);

/* The claim of a (non-empty) assignment into *out. CPC_ERR_NOT_FOUND if none. */
int cpc_store_legacy_receipt_by_assignment(struct cpc_store *s, const char *assignment,
                                           struct cpc_legacy_receipt *out, struct cpc_err *err);

/* Up to max claims of client_id created at or after since (unix s), newest
 * first, into out (caller's array); *n gets how many. */
int cpc_store_legacy_receipts_recent(struct cpc_store *s, const char *client_id, uint64_t since,
                                     struct cpc_legacy_receipt *out, size_t max, size_t *n,
                                     struct cpc_err *err);

/* The receipt whose reward or receipt tx has this hash into *out.
 * CPC_ERR_NOT_FOUND if none. */
int cpc_store_legacy_receipt_by_tx(struct cpc_store *s, const uint8_t tx_hash[32],
                                   struct cpc_legacy_receipt *out, struct cpc_err *err);

#endif

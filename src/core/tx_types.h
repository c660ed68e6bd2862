/* tx_types.h — the per-type dispatch table (internal to core).
 *
 * One entry per tx type: its name, declared gas (a constant; cpc__tx_kind_gas
 * for a type whose gas grows with its payload), payload codec and its state
 * effects. The market issue adds JOB_CREATE, JOB_CANCEL, REVEAL, VERDICT
 * and WORKER_REGISTER by adding entries here; nothing else in the
 * ledger switches on the type.
 */
#ifndef CPC_CORE_TX_TYPES_H
#define CPC_CORE_TX_TYPES_H

#include "state.h"
#include "tx.h"

struct cpc_block_ctx;

struct cpc_tx_kind {
    enum cpc_tx_type type;
    const char *name;          /* "TRANSFER" */
    uint64_t gas;              /* declared gas */
    /* append canonical payload bytes */
    void (*encode_payload)(const struct cpc_tx *tx, struct cpc_buf *b);
    /* strict decode of the "payload" JSON object into tx->u */
    int (*payload_from_json)(struct cpc_tx *tx, const json_t *payload, struct cpc_err *err);
    /* new reference of the payload JSON object, NULL on OOM */
    json_t *(*payload_to_json)(const struct cpc_tx *tx);
    /* stateless payload checks; NULL = none */
    int (*check)(const struct cpc_tx *tx, struct cpc_err *err);
    /* value spent from the sender's balance besides the fee */
    uint64_t (*value)(const struct cpc_tx *tx);
    /* counterparty address named by the tx (TRANSFER "to"); NULL = none */
    bool (*recipient)(const struct cpc_tx *tx, uint8_t out[CPC_ADDR_HASH_LEN]);
    /* state effects after fee and nonce were taken. Must check everything
     * before writing anything: on error the overlay is left unchanged. */
    int (*apply)(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                 const struct cpc_tx *tx, struct cpc_err *err);
};

/* Gas of tx whose type's entry is k: k->gas, or for a type whose gas grows with
 * its payload (JOB_CREATE, JOB_EXTEND: the state they create) the type's
 * formula (tx_types_market.c). A pure function of the tx (no state), so the
 * mempool, the wire and the block agree on it. */
uint64_t cpc__tx_kind_gas(const struct cpc_tx_kind *k, const struct cpc_tx *tx);

/* The market's entries (tx_types_market.c), or NULL. Static storage. */
const struct cpc_tx_kind *cpc__market_tx_kind(enum cpc_tx_type t);

/* The rentals' entries (tx_types_rental.c), or NULL. Static storage. */
const struct cpc_tx_kind *cpc__rental_tx_kind(enum cpc_tx_type t);

/* Table entry for a type, or NULL if the type has none. Static storage. */
const struct cpc_tx_kind *cpc_tx_kind_of(enum cpc_tx_type t);

#endif

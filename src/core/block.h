/* block.h — block headers, blocks, roots, signing and JSON.
 *
 * Canonical header encoding (codec.h):
 *   u8 1 | var chain_id | u64 height | u64 time_ms | prev_hash[32] |
 *   tx_root[32] | compute_root[32] | state_root[32] | proposer pubkey[33] | u32 n_txs
 * Block hash = SHA256(canonical header); the proposer signs that hash.
 * tx_root = Merkle root of tx hashes. compute_root = Merkle root of
 * SHA256(canonical payload) of the block's SUBMIT_RESULT txs, in block order.
 * Empty trees have a zero root. Height 0 is the genesis block (no txs, no signature).
 *
 * JSON: {"header":{"chain_id","height","time","hash","prev_hash","tx_root",
 *        "compute_root","state_root","proposer","proposer_pubkey","signature","n_txs"},
 *        "txs":[ tx wire JSON + "status","error","gas_used","fee","index" ]}
 * ("time" is unix milliseconds; hashes are 64 lowercase hex; proposer is a cpc1 address.)
 */
#ifndef CPC_CORE_BLOCK_H
#define CPC_CORE_BLOCK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"
#include "tx.h"

struct cpc_block_header {
    char chain_id[CPC_CHAIN_ID_MAX + 1];
    uint64_t height;
    uint64_t time_ms;
    uint8_t prev_hash[32];
    uint8_t tx_root[32];
    uint8_t compute_root[32];
    uint8_t state_root[32];
    uint8_t proposer[CPC_PUBKEY_LEN];
    uint32_t n_txs;
    uint8_t sig[CPC_SIG_LEN];
};

/* Outcome of one included tx. */
struct cpc_tx_result {
    int code;                     /* 0 = success, else the enum cpc_errcode that failed it */
    char error[CPC_ERR_MSG_MAX];  /* message when code != 0 */
    uint64_t gas_used;
    uint64_t fee;
};

struct cpc_block {
    struct cpc_block_header header;
    struct cpc_tx *txs;              /* heap array of n_txs, owned */
    struct cpc_tx_result *results;   /* heap array of n_txs, owned; may be NULL */
    size_t n_txs;
};

/* Clear every tx (cpc_tx_clear), free txs/results and zero the block; NULL accepted. */
void cpc_block_clear(struct cpc_block *b);

/* Append canonical header encoding (without signature). */
void cpc_block_header_encode(const struct cpc_block_header *h, struct cpc_buf *b);
/* out = block hash. Returns 0 or CPC_ERR_NOMEM. */
int cpc_block_header_hash(const struct cpc_block_header *h, uint8_t out[32]);

/* Roots over an array of txs. Return 0 or CPC_ERR_NOMEM. */
int cpc_block_tx_root(const struct cpc_tx *txs, size_t n, uint8_t out[32]);
int cpc_block_compute_root(const struct cpc_tx *txs, size_t n, uint8_t out[32]);

/* Sign header hash with sk, setting h->proposer and h->sig. Returns 0 or error. */
int cpc_block_sign(struct cpc_block_header *h, const struct cpc_signer *s,
                   const uint8_t sk[CPC_SECKEY_LEN], struct cpc_err *err);
/* Verify h->sig by h->proposer. Returns 0, CPC_ERR_BAD_SIGNATURE or CPC_ERR_HIGH_S. */
int cpc_block_verify_sig(const struct cpc_block_header *h, struct cpc_err *err);

/* JSON of a header (new reference, NULL on OOM). */
json_t *cpc_block_header_to_json(const struct cpc_block_header *h);
/* Strict decode of header JSON ("hash" checked if present). Returns 0 or CPC_ERR_INVALID. */
int cpc_block_header_from_json(struct cpc_block_header *h, const json_t *j,
                               struct cpc_err *err);
/* Full block JSON with per-tx results when b->results is set (new reference, NULL on OOM). */
json_t *cpc_block_to_json(const struct cpc_block *b);
/* Strict decode of block JSON; per-tx result fields are read into b->results
 * when present. Caller frees with cpc_block_clear. Returns 0 or error. */
int cpc_block_from_json(struct cpc_block *b, const json_t *j, struct cpc_err *err);

#endif

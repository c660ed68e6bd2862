/* node_client.h — the chain calls that cpc-cli and cpc-worker both make
 * against cpcd: the chain's id and minimum gas price, an account's nonce and
 * balance, signing a tx with the chain's rules checked locally, posting a
 * batch of txs, and looking a tx up. Thin wrappers over http_client.h; each
 * takes the caller's client (one thread at a time) and fills err on failure.
 */
#ifndef CPC_COMMON_NODE_CLIENT_H
#define CPC_COMMON_NODE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/keys.h"
#include "../core/tx.h"
#include "http_client.h"

struct cpc_chain_info {
    char chain_id[CPC_CHAIN_ID_MAX + 1];
    uint64_t min_gas_price;
    uint64_t height;
    uint8_t latest_hash[32];     /* zeros when the node did not say */
};

struct cpc_account_info {
    uint64_t balance, stake, nonce;
    uint64_t pending_nonce;      /* next nonce to sign with (counts the mempool) */
};

/* GET /status. Returns 0, a transport error, or CPC_ERR_INVALID (answer lacks fields). */
int cpc_chain_info_fetch(struct cpc_http *h, struct cpc_chain_info *out, struct cpc_err *err);

/* GET /account/{address} (address: "cpc1..."). */
int cpc_account_fetch(struct cpc_http *h, const char *address, struct cpc_account_info *out,
                      struct cpc_err *err);

/* Set chain id, gas price and nonce, sign with seckey and check the tx with the
 * chain's admission rules (cpc_tx_check) so a bad tx never leaves the process.
 * tx keeps owning its ext bytes. */
int cpc_tx_seal(struct cpc_tx *tx, const struct cpc_chain_info *chain, uint64_t gas_price,
                uint64_t nonce, const struct cpc_signer *signer,
                const uint8_t seckey[CPC_SECKEY_LEN], struct cpc_err *err);

/* POST /txs with n signed txs (JSON objects, borrowed). per_tx[i] (caller array
 * of n) is cleared for an accepted tx (also a duplicate: already pending) or
 * gets the node's error code and message. *accepted (may be NULL) counts the
 * accepted. Returns 0 when the node answered (whatever each tx's fate), else
 * the transport or HTTP error. */
int cpc_txs_post(struct cpc_http *h, json_t *const *txs, size_t n, struct cpc_err *per_tx,
                 size_t *accepted, struct cpc_err *err);

enum cpc_tx_state {
    CPC_TXS_UNKNOWN = 0,          /* the node has never seen it (404) */
    CPC_TXS_PENDING = 1,          /* in the mempool */
    CPC_TXS_SUCCESS = 2,          /* included, applied */
    CPC_TXS_FAILED = 3,           /* included, failed (fee paid); reason in why */
};
/* GET /tx/{hash}. *height = inclusion height (0 unless success/failed); why
 * (may be NULL, cap bytes) gets the failure message. */
int cpc_tx_lookup(struct cpc_http *h, const uint8_t hash[32], enum cpc_tx_state *state,
                  uint64_t *height, char *why, size_t cap, struct cpc_err *err);

#endif

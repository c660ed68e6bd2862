/* genesis.h — genesis document: chain id, time, validator, params, balances.
 *
 * JSON: {"chain_id":"cpc-devnet-1","genesis_time":1700000000000,
 *        "validator":"02..(pubkey hex)",
 *        "params":{"min_gas_price":1,"max_block_txs":10000,"treasury":"cpc1...",
 *                  ["min_worker_stake":N],["unbonding_blocks":N],
 *                  ["protocol":3],["max_block_gas":N],["max_block_verify":N],
 *                  ["rental_minute_ms":N],
 *                  ["synthetic":{"pool":"cpc1...","reward":N,"per_block":N,
 *                                ["n":1024],["challenges":16]}]},
 *        "accounts":[{"address":"cpc1...","balance":N,"stake":N}, ...]}
 * "treasury" (required) receives the market's commission and slashes.
 * "min_worker_stake" (base units, default 10 CPC) and "unbonding_blocks" (default
 * 100) bond the market's workers (market.h, "worker stake").
 * "protocol" is the version of the rules the chain runs (absent = 1, the rules
 * before gas grew with the payload); this build runs CPC_PROTOCOL_VERSION only:
 * a chain of an older protocol cannot be replayed under newer rules, so the
 * node refuses it (cpc_genesis_check_protocol) and a newer one is rejected here.
 * "max_block_gas" bounds the sum of a block's txs' gas (absent =
 * CPC_DEFAULT_MAX_BLOCK_GAS; at least CPC_MIN_BLOCK_GAS).
 * "max_block_verify" bounds the verification work of a block's REVEALs
 * (market.h; absent = CPC_DEFAULT_MAX_BLOCK_VERIFY, at least CPC_MIN_BLOCK_VERIFY,
 * the most one legal REVEAL needs).
 * "rental_minute_ms" (absent = 60000) is the length of a rental's billing minute
 * (rental.h); a test or devnet chain may shorten it down to 1000 so that a
 * rental's hour passes in a minute. Written only when it is not 60000.
 * "synthetic" (optional; absent = disabled) enables the synthetic kind paid
 * from the "pool" account (market.h); the genesis state then holds the params
 * under CPC_KEY_SYNTH_PARAMS.
 * Total supply (sum of balances and stakes) must fit in INT64_MAX so every
 * amount is exact in JSON and SQLite.
 */
#ifndef CPC_CORE_GENESIS_H
#define CPC_CORE_GENESIS_H

#include <jansson.h>

#include "apply.h"
#include "block.h"
#include "market.h"
#include "state.h"

#define CPC_PROTOCOL_VERSION 3
/* The default bounds a block's build well under the default 1 s block time
 * (docs/protocol.md): about 5,000 new task records (about 0.3 s under ASan on
 * the 2-vCPU reference machine), or 6,250 SUBMIT_RESULTs. */
#define CPC_DEFAULT_MAX_BLOCK_GAS 500000000ULL
/* Tasks of the largest JOB_CREATE that fits the default max_block_gas, for any
 * contract but matmul (canonical contracts are under 1,000 bytes): 4,998. A
 * matmul task also pays for its reveal's verification (market.h), so fewer fit. */
#define CPC_DEFAULT_JOB_CREATE_MAX_TASKS                                                  \
    ((CPC_DEFAULT_MAX_BLOCK_GAS - CPC_GAS_JOB_CREATE - 1000 * CPC_GAS_PER_CONTRACT_BYTE) / \
     CPC_GAS_PER_TASK)
/* Room for the largest constant-gas tx (REVEAL, 200,000 gas) */
#define CPC_MIN_BLOCK_GAS 200000ULL

struct cpc_genesis_account {
    uint8_t addr[CPC_ADDR_HASH_LEN];
    uint64_t balance;
    uint64_t stake;
};

struct cpc_genesis {
    struct cpc_chain_params params;       /* includes chain_id */
    uint64_t genesis_time_ms;
    uint8_t validator[CPC_PUBKEY_LEN];
    struct cpc_synthetic_params synthetic; /* enabled = 0 when absent */
    struct cpc_genesis_account *accounts; /* heap, owned */
    size_t n_accounts;
};

/* Strict decode. Caller frees with cpc_genesis_clear. Returns 0 or CPC_ERR_INVALID/OVERFLOW. */
int cpc_genesis_from_json(struct cpc_genesis *g, const json_t *j, struct cpc_err *err);
/* 0 when g runs this build's rules (params.protocol == CPC_PROTOCOL_VERSION),
 * else CPC_ERR_INVALID with a message that says what to do. */
int cpc_genesis_check_protocol(const struct cpc_genesis *g, struct cpc_err *err);
/* New reference, NULL on OOM. */
json_t *cpc_genesis_to_json(const struct cpc_genesis *g);
/* Free accounts and zero g; NULL accepted. */
void cpc_genesis_clear(struct cpc_genesis *g);

/* Build the genesis state (caller frees) and its total supply. Returns 0 or error
 * (duplicate address, overflow, supply > INT64_MAX). */
int cpc_genesis_state(const struct cpc_genesis *g, struct cpc_state **out,
                      uint64_t *total_supply, struct cpc_err *err);

/* Header of block 0: no txs, zero prev_hash, state_root of the genesis
 * state, proposer = validator, zero signature. Returns 0 or error. */
int cpc_genesis_header(const struct cpc_genesis *g, const struct cpc_state *st,
                       struct cpc_block_header *out, struct cpc_err *err);

#endif

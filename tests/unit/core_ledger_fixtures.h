/* core_ledger_fixtures.h — shared helpers for the ledger unit tests
 * (test_core_tx/state/apply/block/chain/genesis): deterministic keys and
 * signed transactions. Header-only, static functions, test code only.
 */
#ifndef CPC_TEST_CORE_LEDGER_FIXTURES_H
#define CPC_TEST_CORE_LEDGER_FIXTURES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/apply.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/tx.h"

#define FX_CHAIN "cpc-test-1"

struct fx_key {
    uint8_t sk[CPC_SECKEY_LEN];
    uint8_t pub[CPC_PUBKEY_LEN];
    uint8_t addr[CPC_ADDR_HASH_LEN];
};

/* Key number i: sk = SHA256("cpc-test-key" || i). */
static inline void fx_key(const struct cpc_signer *s, struct fx_key *k, uint32_t i)
{
    char seed[32];
    int n = snprintf(seed, sizeof seed, "cpc-test-key-%u", (unsigned)i);
    cpc_sha256(k->sk, seed, (size_t)n);
    if (cpc_pubkey_from_seckey(s, k->pub, k->sk) != 0 || cpc_pubkey_hash(k->addr, k->pub) != 0)
        memset(k, 0, sizeof *k);
}

static inline void fx_params(struct cpc_chain_params *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->chain_id, sizeof p->chain_id, "%s", FX_CHAIN);
    p->min_gas_price = 1;
    p->max_block_txs = 10000;
}

static inline void fx_base(struct cpc_tx *tx, enum cpc_tx_type t, uint64_t nonce, uint64_t gp)
{
    memset(tx, 0, sizeof *tx);
    tx->type = t;
    snprintf(tx->chain_id, sizeof tx->chain_id, "%s", FX_CHAIN);
    tx->nonce = nonce;
    tx->gas_price = gp;
}

static inline int fx_transfer(struct cpc_tx *tx, const struct cpc_signer *s, const struct fx_key *k,
                              uint64_t nonce, const uint8_t to[CPC_ADDR_HASH_LEN], uint64_t amount)
{
    fx_base(tx, CPC_TX_TRANSFER, nonce, 1);
    memcpy(tx->u.transfer.to, to, CPC_ADDR_HASH_LEN);
    tx->u.transfer.amount = amount;
    return cpc_tx_sign(tx, s, k->sk, NULL);
}

static inline int fx_stake(struct cpc_tx *tx, const struct cpc_signer *s, const struct fx_key *k,
                           enum cpc_tx_type t, uint64_t nonce, uint64_t amount)
{
    fx_base(tx, t, nonce, 1);
    tx->u.stake.amount = amount;
    return cpc_tx_sign(tx, s, k->sk, NULL);
}

static inline int fx_result(struct cpc_tx *tx, const struct cpc_signer *s, const struct fx_key *k,
                            uint64_t nonce, uint8_t task_byte, size_t hash_len)
{
    fx_base(tx, CPC_TX_SUBMIT_RESULT, nonce, 1);
    memset(tx->u.result.task_id, task_byte, 16);
    for (size_t i = 0; i < hash_len && i < CPC_RESULT_HASH_MAX; i++)
        tx->u.result.result_hash[i] = (uint8_t)(i * 7 + task_byte);
    tx->u.result.result_hash_len = hash_len;
    memcpy(tx->u.result.worker, k->addr, CPC_ADDR_HASH_LEN);
    return cpc_tx_sign(tx, s, k->sk, NULL);
}

#endif

/* node_ledger_helpers.h — ledger steps for the platform tests that move CPC
 * (test_node_marketplace_custody.c, test_node_wallet_send.c): produce a block,
 * fund an address from the faucet, read a tx's status, link a fresh
 * self-custody address to a user's wallet. Include after
 * node_auth_fixture.h (struct fixture, expect, http_ex, str). */
#ifndef CPC_TEST_NODE_LEDGER_HELPERS_H
#define CPC_TEST_NODE_LEDGER_HELPERS_H

#include "common/keyring.h"
#include "core/bech32.h"
#include "core/keys.h"
#include "core/tx.h"
#include "core/hex.h"
#include "node/consensus.h"
#include "platform/routes_wallet.h"
#include "common/clock.h"

/* One block from the mempool now. */
static inline void produce(struct fixture *f)
{
    struct cpc_err err = {0};
    assert_int_equal(cpc_produce_block(&f->node, cpc_clock_wall_ms(), &err), 0);
}

/* The faucet sends amount to addr; mined in the next block. */
static inline void fund(struct fixture *f, const char *addr, uint64_t amount)
{
    struct cpc_key k;
    struct cpc_err err = {0};
    assert_int_equal(cpc_keyring_load(f->home, "faucet", NULL, &k, &err), 0);
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    snprintf(tx.chain_id, sizeof tx.chain_id, "%s", f->node.params.chain_id);
    uint8_t from[20];
    struct cpc_account acc;
    cpc_pubkey_hash(from, k.info.pubkey);
    cpc_node_account(&f->node, from, &acc);
    tx.nonce = acc.nonce;
    tx.gas_price = f->node.params.min_gas_price;
    assert_int_equal(cpc_address_decode(tx.u.transfer.to, addr), 0);
    tx.u.transfer.amount = amount;
    assert_int_equal(cpc_tx_sign(&tx, s, k.seckey, &err), 0);
    json_t *tj = cpc_tx_to_json(&tx);
    char *body = json_dumps(tj, JSON_COMPACT);
    json_decref(tj);
    expect(f, http_ex(f, "POST", "/tx", body, NULL, NULL, NULL), 200, NULL);
    free(body);
    cpc_signer_free(s);
    sodium_memzero(&k, sizeof k);
    produce(f);
}

/* GET /tx/{hash}'s status ("pending", "success", "failed"); owned by f->last. */
static inline const char *tx_status(struct fixture *f, const char *hash)
{
    char path[128];
    snprintf(path, sizeof path, "/tx/%s", hash);
    expect(f, http_ex(f, "GET", path, NULL, NULL, NULL, NULL), 200, NULL);
    return str(f->last, "status");
}

/* A fresh key's address, linked as the wallet of the user of tok (challenge,
 * signature, POST /me/wallet/link answered 200) into addr; the key is wiped. */
static inline void link_new_wallet(struct fixture *f, const char *tok, char addr[CPC_ADDR_STR_MAX])
{
    char challenge[80], body[512], pubhex[67], sighex[129];
    expect(f, http_ex(f, "POST", "/me/wallet/challenge", "{}", tok, NULL, NULL), 200, NULL);
    snprintf(challenge, sizeof challenge, "%s", str(f->last, "challenge"));
    struct cpc_signer *s = cpc_signer_new(NULL);
    uint8_t sk[32], pub[33], d[32], sig[64];
    do
        randombytes_buf(sk, sizeof sk);
    while (cpc_seckey_check(sk) != 0);
    assert_int_equal(cpc_pubkey_from_seckey(s, pub, sk), 0);
    assert_int_equal(cpc_pubkey_address(addr, pub), 0);
    cpc_wallet_link_digest(d, challenge, addr);
    assert_int_equal(cpc_sign(s, sig, d, sk), 0);
    cpc_hex_encode(pubhex, pub, 33);
    cpc_hex_encode(sighex, sig, 64);
    snprintf(body, sizeof body,
             "{\"challenge\":\"%s\",\"address\":\"%s\",\"pubkey\":\"%s\",\"signature\":\"%s\"}",
             challenge, addr, pubhex, sighex);
    expect(f, http_ex(f, "POST", "/me/wallet/link", body, tok, NULL, NULL), 200, NULL);
    cpc_signer_free(s);
    sodium_memzero(sk, sizeof sk);
}

#endif

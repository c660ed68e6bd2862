/* custody.c — signing with a user's custodial key (custody.h).
 *
 * Design note. The common case is one signature per request: unseal the key
 * (XChaCha20-Poly1305, routes_wallet.c), derive its public key, check that it
 * hashes to the wallet's custodial address (a sealed key of another user
 * does not open, so a mismatch means a corrupt row), fill the tx from the
 * node's chain parameters and the sender's pending nonce, sign, wipe, admit.
 * Nothing here logs or answers the key; err messages name only the user.
 */
#include "custody.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../core/bech32.h"
#include "../core/hex.h"
#include "../core/keys.h"
#include "../core/state.h"
#include "../store/platform_store.h"
#include "auth_http.h"
#include "../node/mempool.h"
#include "../node/node.h"
#include "platform.h"
#include "../node/routes_chain.h"
#include "routes_wallet.h"

bool cpc_custody_lock(struct cpc_node *n)
{
    if (!n->platform)
        return false;
    pthread_mutex_lock(&n->platform->custody_mu);
    return true;
}

void cpc_custody_unlock(struct cpc_node *n)
{
    pthread_mutex_unlock(&n->platform->custody_mu);
}

/* Fill and sign tx with w's custodial key (opened and wiped here). 0 or an error. */
static int fill_and_sign(struct cpc_node *n, struct cpc_platform *p, const struct cpc_pwallet *w,
                         struct cpc_tx *tx, struct cpc_err *err)
{
    uint8_t sk[CPC_SECKEY_LEN], from[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
    int rc = cpc__wallet_unseal(p, w, sk, err);
    if (rc == 0 && cpc_pubkey_from_seckey(n->signer, tx->pubkey, sk) != 0)
        rc = cpc_err_set(err, CPC_ERR_CRYPTO, "cannot derive the custodial public key of user %lld",
                         (long long)w->user);
    if (rc == 0 && (cpc_pubkey_hash(from, tx->pubkey) != 0 ||
                    cpc_address_decode(tx->from, w->custodial_address) != 0 ||
                    memcmp(from, tx->from, sizeof from) != 0)) /* the key is the wallet's */
        rc = cpc_err_set(err, CPC_ERR_INTERNAL, "custodial key and address of user %lld disagree",
                         (long long)w->user);
    if (rc == 0) {
        snprintf(tx->chain_id, sizeof tx->chain_id, "%s", n->params.chain_id);
        cpc_node_account(n, tx->from, &acc);
        tx->nonce = cpc_mempool_pending_nonce(n->mempool, tx->from, acc.nonce);
        tx->gas_price = n->params.min_gas_price;
        rc = cpc_tx_sign(tx, n->signer, sk, err);
    }
    sodium_memzero(sk, sizeof sk);
    return rc;
}

/* CPC locked by the user's pending withdrawals (routes_money.c) is not the
 * user's to spend: 0 when the committed balance less that covers tx's fee and
 * value, else -1 with 402 answered (or 500 on a store error). */
static int within_available(struct cpc_node *n, struct cpc_http_res *res,
                            const struct cpc_pwallet *w, const struct cpc_tx *tx)
{
    uint64_t locked = 0, cost = 0;
    struct cpc_err err = {0};
    if (cpc_pstore_withdrawal_locked(n->platform->store, w->user, &locked, NULL, &err) != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    if (locked == 0)
        return 0;
    struct cpc_account acc;
    cpc_node_account(n, tx->from, &acc);
    if (cpc_tx_max_cost(tx, &cost) == 0 && acc.balance >= locked &&
        acc.balance - locked >= cost)
        return 0;
    cpc_http_res_error(res, 402, "insufficient_funds",
                       "this needs %llu base units, and the balance less pending withdrawals "
                       "is %llu",
                       (unsigned long long)cost,
                       (unsigned long long)(acc.balance > locked ? acc.balance - locked : 0));
    return -1;
}

static int sign_admit(struct cpc_node *n, struct cpc_http_res *res, const struct cpc_pwallet *w,
                      struct cpc_tx *tx, char hash[65], bool may_spend_locked)
{
    struct cpc_platform *p = n->platform;
    struct cpc_err err = {0};
    if (!p || !w->user || w->linked_address[0]) {
        cpc_http_res_error(res, 500, "internal_error", "no custodial key for this caller");
        return -1;
    }
    if (fill_and_sign(n, p, w, tx, &err) != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    if (!may_spend_locked && within_available(n, res, w, tx) != 0)
        return -1;
    if (cpc_node_admit_answer(n, res, tx) != 0)
        return -1;
    cpc_hex_encode(hash, tx->hash, 32);
    char d[128];
    snprintf(d, sizeof d, "%s %s nonce %llu", cpc_tx_type_name(tx->type), hash,
             (unsigned long long)tx->nonce);
    cpc__auth_audit(p, w->user, "custodial_tx", d);
    return 0;
}

int cpc_custody_sign_admit(struct cpc_node *n, struct cpc_http_res *res,
                           const struct cpc_pwallet *w, struct cpc_tx *tx, char hash[65])
{
    return sign_admit(n, res, w, tx, hash, false);
}

int cpc_custody_sign_admit_payout(struct cpc_node *n, struct cpc_http_res *res,
                                  const struct cpc_pwallet *w, struct cpc_tx *tx, char hash[65])
{
    return sign_admit(n, res, w, tx, hash, true);
}

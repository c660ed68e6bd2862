/* market_credit.c — crediting the providers' marketplace earnings on the
 * ledger, exactly once (market_sync_internal.h).
 *
 * Design note. Vast pays the platform in USD, outside the chain, as the fiat
 * deposits of routes_money.c arrive; so the credit is what a fiat deposit is:
 * a ledger TRANSFER from the fiat-gateway account, signed with its key from
 * the node's keyring ([platform] fiat_gateway_key; `faucet`, funded at
 * genesis, on a cpc-devnet chain). The treasury is not used: it receives the
 * chain's commissions and pays nothing out automatically, and a separate key
 * would be one more hot key to fund and watch. The commission stays with the
 * gateway (the platform keeps the USD it did not credit), in the same
 * figures as a rental: gross = what Vast reported for the machine's day at
 * units_per_usd; the listed price was the provider's price x (1 + bps), so
 * commission = gross x bps / (10000 + bps) and the provider gets the rest,
 * its own price for the hours Vast sold.
 *
 * Exactly once. The period id "vast:<machine>:<day>" is the PRIMARY KEY of
 * marketplace_earnings. Under the custody lock (the gateway's nonces) the
 * transfer is signed first, the row written with its hash and JSON (the
 * intent), and only then admitted. After a crash (kill -9) or a refused
 * admission, the row is pending and reconcile decides by the hash: on chain
 * and successful = credited; in the mempool = wait; nowhere = the same
 * signed tx is admitted again (it cannot land twice: one nonce); when its
 * nonce was taken by another tx, or it failed on chain, it can never land,
 * so a new transfer is signed and its hash replaces the old one in the row
 * before it is admitted.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/keyring.h"
#include "../common/log.h"
#include "../core/amount.h"
#include "../core/bech32.h"
#include "../core/hex.h"
#include "../core/tx.h"
#include "../node/mempool.h"
#include "../node/node.h"
#include "../node/routes_chain.h"
#include "../platform/custody.h"
#include "../platform/platform.h"
#include "../platform/routes_wallet.h"
#include "market_sync_internal.h"
#include "routes_rentals_internal.h"

static const char *gateway_key(const struct cpc_node *n)
{
    if (n->platform->fiat_gateway_key[0])
        return n->platform->fiat_gateway_key;
    return strncmp(n->params.chain_id, "cpc-devnet", 10) == 0 ? "faucet" : NULL;
}

int cpc__msync_provider(struct cpc_market_sync *s, int64_t owner, uint32_t *bps, char *addr,
                        struct cpc_err *err)
{
    struct cpc_pwallet *w = malloc(sizeof *w);
    if (!w)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = cpc__wallet_ensure(s->n->platform, owner, w, err);
    if (rc == 0)
        snprintf(addr, 48, "%s", w->linked_address[0] ? w->linked_address : w->custodial_address);
    sodium_memzero(w, sizeof *w);
    free(w);
    uint8_t hash[CPC_ADDR_HASH_LEN];
    if (rc == 0 && cpc_address_decode(hash, addr) != 0)
        rc = cpc_err_set(err, CPC_ERR_DB, "wallet of user %lld: bad address", (long long)owner);
    if (rc == 0)
        rc = cpc__rental_commission_bps(s->n, hash, bps, err);
    return rc;
}

/* Sign a TRANSFER of amount to `to` with the gateway key into tx (caller clears), its
 * JSON into json (CPC_PMARKET_TX_JSON_MAX) and hash (65). The caller holds the custody
 * lock. 0 or an error. */
static int sign_transfer(struct cpc_node *n, const char *to, uint64_t amount, struct cpc_tx *tx,
                         char *json, char *hash, struct cpc_err *err)
{
    const char *name = gateway_key(n);
    memset(tx, 0, sizeof *tx);
    if (!name)
        return cpc_err_set(err, CPC_ERR_INVALID, "no fiat gateway key: set [platform] "
                                                 "fiat_gateway_key");
    struct cpc_key k;
    if (cpc_keyring_load(n->platform->home, name, getenv("CPC_PASSPHRASE"), &k, err) != 0)
        return cpc_err_prefix(err, "the fiat gateway key %s", name);
    tx->type = CPC_TX_TRANSFER;
    int rc = cpc_address_decode(tx->u.transfer.to, to) == 0
                 ? 0
                 : cpc_err_set(err, CPC_ERR_INVALID, "bad address %s", to);
    tx->u.transfer.amount = amount;
    snprintf(tx->chain_id, sizeof tx->chain_id, "%s", n->params.chain_id);
    if (rc == 0)
        rc = cpc_pubkey_hash(tx->from, k.info.pubkey);
    if (rc == 0) {
        struct cpc_account acc;
        cpc_node_account(n, tx->from, &acc);
        tx->nonce = cpc_mempool_pending_nonce(n->mempool, tx->from, acc.nonce);
        tx->gas_price = n->params.min_gas_price;
        rc = cpc_tx_sign(tx, n->signer, k.seckey, err);
    }
    sodium_memzero(&k, sizeof k);
    if (rc != 0)
        return rc;
    json_t *j = cpc_tx_to_json(tx);
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    if (!text || strlen(text) >= CPC_PMARKET_TX_JSON_MAX)
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "encoding a transfer");
    else
        snprintf(json, CPC_PMARKET_TX_JSON_MAX, "%s", text);
    free(text);
    cpc_hex_encode(hash, tx->hash, 32);
    return rc;
}

/* Admit tx; a duplicate counts as admitted. */
static int admit(struct cpc_node *n, const struct cpc_tx *tx, struct cpc_err *err)
{
    int dup = 0;
    return cpc_node_admit_tx(n, tx, &dup, err);
}

/* Sign a new transfer for pending period p, record it, admit it (custody lock held). */
static int resign(struct cpc_market_sync *s, const struct cpc_pmarket_period *p,
                  struct cpc_err *err)
{
    struct cpc_tx tx;
    char *json = malloc(CPC_PMARKET_TX_JSON_MAX), hash[65];
    if (!json)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = sign_transfer(s->n, p->to_addr, p->amount, &tx, json, hash, err);
    if (rc == 0)
        rc = cpc_pstore_market_period_retx(s->n->platform->store, p->period_id, hash, json, err);
    if (rc == 0)
        rc = admit(s->n, &tx, err);
    if (rc == 0)
        CPC_LOGI("marketplace: period %s: transfer signed again as %s", p->period_id, hash);
    cpc_tx_clear(&tx);
    free(json);
    return rc;
}

/* Reconcile one pending period (custody lock held). */
static int reconcile_one(struct cpc_market_sync *s, const struct cpc_pmarket_period *p,
                         uint64_t now_ms, struct cpc_err *err)
{
    struct cpc_node *n = s->n;
    uint8_t hash[32];
    if (cpc_hex_decode_exact(hash, 32, p->tx_hash) != 0)
        return resign(s, p, err);
    json_t *j = NULL;
    int rc = cpc_store_get_tx_json(n->store, hash, &j, err);
    if (rc == 0) {
        const char *st = json_string_value(json_object_get(j, "status"));
        int ok = st && strcmp(st, "success") == 0;
        json_decref(j);
        if (ok)
            return cpc_pstore_market_period_done(n->platform->store, p->period_id, now_ms, err);
        return resign(s, p, err); /* failed on chain: its nonce is spent, it cannot land */
    }
    if (rc != CPC_ERR_NOT_FOUND)
        return rc;
    struct cpc_tx tx;
    if (cpc_mempool_get(n->mempool, hash, &tx) == 0) {
        cpc_tx_clear(&tx);
        return 0; /* pending: the next block decides */
    }
    rc = cpc_tx_from_json_text(&tx, p->tx_json, strlen(p->tx_json), err);
    if (rc != 0)
        return resign(s, p, err);
    struct cpc_err e = {0};
    rc = admit(n, &tx, &e);
    cpc_tx_clear(&tx);
    if (rc == CPC_ERR_NONCE_REPLAYED)
        return resign(s, p, err); /* another tx took its nonce: it can never land */
    if (rc != 0)
        *err = e;
    else
        CPC_LOGI("marketplace: period %s: transfer %s submitted again", p->period_id,
                 p->tx_hash);
    return rc;
}

int cpc__msync_reconcile(struct cpc_market_sync *s, uint64_t now_ms, struct cpc_err *err)
{
    enum { BATCH = 16 };
    struct cpc_pmarket_period *p = malloc(BATCH * sizeof *p);
    if (!p)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    size_t count = 0;
    int rc = cpc_pstore_market_periods_pending(s->n->platform->store, s->conn->ops->name, p,
                                               BATCH, &count, err);
    int locked = rc == 0 && count ? cpc_custody_lock(s->n) : 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        struct cpc_err e = {0};
        if (reconcile_one(s, &p[i], now_ms, &e) != 0) {
            CPC_LOGW("marketplace: period %s: %s", p[i].period_id, e.msg);
            *err = e;
            rc = -1;
        }
    }
    if (locked)
        cpc_custody_unlock(s->n);
    free(p);
    return rc;
}

/* earned micro-USD as base units at units_per_usd; 0 or CPC_ERR_OVERFLOW. */
static int to_units(uint64_t earned, uint64_t per_usd, uint64_t *out, struct cpc_err *err)
{
    uint64_t whole = 0, part = 0;
    if (!cpc_mul_u64(&whole, earned / 1000000u, per_usd) ||
        !cpc_mul_u64(&part, earned % 1000000u, per_usd) ||
        !cpc_add_u64(out, whole, part / 1000000u))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "earnings overflow");
    return 0;
}

/* The period p of row's day d: figures and target (its tx not yet signed). */
static int period_of(struct cpc_market_sync *s, const struct cpc_pmarket_server *row,
                     const struct cpc_mkt_day *d, uint64_t now_ms, struct cpc_pmarket_period *p,
                     struct cpc_err *err)
{
    memset(p, 0, sizeof *p);
    snprintf(p->period_id, sizeof p->period_id, "%s:%lld:%lld", s->conn->ops->name,
             (long long)row->machine_id, (long long)d->day);
    snprintf(p->market, sizeof p->market, "%s", s->conn->ops->name);
    snprintf(p->server_id, sizeof p->server_id, "%s", row->server_id);
    p->provider = row->owner;
    p->created_ms = now_ms;
    uint32_t bps = 0;
    int rc = to_units(d->earned, s->units_per_usd, &p->gross, err);
    if (rc == 0)
        rc = cpc__msync_provider(s, row->owner, &bps, p->to_addr, err);
    if (rc != 0)
        return rc;
    /* gross x bps / (10000 + bps) without overflow: gross < 2^64, bps <= 10000 */
    p->commission = (p->gross / (10000u + bps)) * bps +
                    (p->gross % (10000u + bps)) * bps / (10000u + bps);
    p->amount = p->gross - p->commission;
    return 0;
}

int cpc__msync_credit_day(struct cpc_market_sync *s, const struct cpc_pmarket_server *row,
                          const struct cpc_mkt_day *d, uint64_t now_ms, struct cpc_err *err)
{
    struct cpc_pmarket_period *p = malloc(sizeof *p);
    if (!p)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    struct cpc_pstore *st = s->n->platform->store;
    char id[64];
    snprintf(id, sizeof id, "%s:%lld:%lld", s->conn->ops->name, (long long)row->machine_id,
             (long long)d->day);
    int rc = cpc_pstore_market_period_get(st, id, p, err);
    if (rc != CPC_ERR_NOT_FOUND) { /* recorded (pending ones are reconciled) or an error */
        free(p);
        return rc;
    }
    rc = period_of(s, row, d, now_ms, p, err);
    if (rc != 0 || p->amount == 0) {
        free(p);
        return rc;
    }
    struct cpc_tx tx;
    int locked = cpc_custody_lock(s->n);
    rc = sign_transfer(s->n, p->to_addr, p->amount, &tx, p->tx_json, p->tx_hash, err);
    if (rc == 0)
        rc = cpc_pstore_market_period_intent(st, p, err); /* the intent, before the tx */
    if (rc == 0 && (rc = admit(s->n, &tx, err)) != 0)
        CPC_LOGW("marketplace: period %s recorded, transfer %s not admitted yet: %s",
                 p->period_id, p->tx_hash, err->msg);
    else if (rc == 0)
        CPC_LOGI("marketplace: period %s: %llu base units to user %lld, tx %s", p->period_id,
                 (unsigned long long)p->amount, (long long)p->provider, p->tx_hash);
    if (locked)
        cpc_custody_unlock(s->n);
    cpc_tx_clear(&tx);
    free(p);
    return rc == CPC_ERR_DUPLICATE ? 0 : rc;
}

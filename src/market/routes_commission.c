/* routes_commission.c — the admin's per-provider commission
 * (routes_commission.h): GET /admin/users/{id}/commission answers the
 * chain's value; PUT {"bps": 0..5000} sends a COMMISSION_SET.
 *
 * Design note. The override is ledger state ('C' | provider address,
 * docs/protocol.md), so every node agrees on it and RENTAL_OPEN fixes it in
 * the record: rentals opened before a change keep their rate. Only the
 * validator may send COMMISSION_SET, so the node signs it with its validator
 * key (which pays the fee) and admits it like POST /tx; bps 1000 (the
 * default) clears the override. Who may call: an admin's session token
 * (401/403 otherwise); the target must be a provider (409 not_provider) whose
 * wallet is custodial (409 wallet_linked: its servers cannot be rented here,
 * and the override is keyed by the address that signs the offers). Each PUT
 * is audit-logged on the provider with the acting admin. Cost to the node: a
 * user and a wallet read, one chain read, and for a PUT one signature and
 * admission under the custody lock (the validator's nonces stay in order).
 */
#include "routes_commission.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../core/bech32.h"
#include "../core/hex.h"
#include "../core/state.h"
#include "../node/mempool.h"
#include "../node/node.h"
#include "../node/routes_chain.h"
#include "../platform/auth_http.h"
#include "../platform/custody.h"
#include "../platform/platform.h"
#include "rental_bodies.h"
#include "routes_rentals_internal.h"

/* The admin, the provider {id} and its custodial address: p, or NULL answered. */
static struct cpc_platform *target(struct cpc_http_req *req, struct cpc_http_res *res,
                                   struct cpc_puser *admin, struct cpc_puser *t,
                                   uint8_t addr[CPC_ADDR_HASH_LEN], char text[48])
{
    struct cpc_platform *p = cpc__auth_plat(req);
    int64_t id = 0;
    struct cpc_err err = {0};
    struct cpc_pwallet w;
    if (!p) {
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
        return NULL;
    }
    if (cpc__auth_admin(req, res, p, admin) != 0 || cpc__auth_id_param(req, res, &id) != 0)
        return NULL;
    int rc = cpc_pstore_user_by_id(p->store, id, t, &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        cpc_http_res_error(res, 404, "not_found", "no user %lld", (long long)id);
        return NULL;
    }
    if (rc == 0 && !(t->roles & CPC_ROLE_PROVIDER)) {
        cpc_http_res_error(res, 409, "not_provider", "user %lld is not a provider", (long long)id);
        return NULL;
    }
    if (rc == 0 && (rc = cpc_pstore_wallet_get(p->store, id, &w, &err)) == CPC_ERR_NOT_FOUND) {
        cpc_http_res_error(res, 409, "no_wallet", "user %lld has no custodial wallet",
                           (long long)id);
        return NULL;
    }
    if (rc == 0 && w.linked_address[0]) {
        cpc_http_res_error(res, 409, "wallet_linked",
                           "user %lld's wallet is linked: the platform does not rent its servers",
                           (long long)id);
        return NULL;
    }
    if (rc == 0 && cpc_address_decode(addr, w.custodial_address) != 0)
        rc = cpc_err_set(&err, CPC_ERR_INTERNAL, "user %lld: bad custodial address",
                         (long long)id);
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        return NULL;
    }
    snprintf(text, 48, "%s", w.custodial_address);
    return p;
}

void cpc_h_admin_commission_get(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser admin, t;
    uint8_t addr[CPC_ADDR_HASH_LEN];
    char text[48];
    uint32_t bps = 0;
    struct cpc_err err = {0};
    if (!target(req, res, &admin, &t, addr, text))
        return;
    if (cpc__rental_commission_bps(req->app, addr, &bps, &err) != 0)
        return cpc__auth_internal(res, &err);
    cpc_http_res_json(res, 200,
                      json_pack("{s:I, s:s, s:i, s:i, s:b}", "user_id", (json_int_t)t.id,
                                "provider", text, "bps", (int)bps, "default_bps",
                                CPC_COMMISSION_BPS, "override", bps != CPC_COMMISSION_BPS));
}

/* Sign COMMISSION_SET {addr, bps} with the validator key and admit it; the caller holds
 * the custody lock. 0 with hash, -1 answered. */
static int validator_send(struct cpc_node *n, struct cpc_http_res *res,
                          const uint8_t addr[CPC_ADDR_HASH_LEN], uint32_t bps, char hash[65])
{
    struct cpc_tx tx;
    struct cpc_account acc;
    struct cpc_err err = {0};
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_COMMISSION_SET;
    memcpy(tx.u.commission_set.provider, addr, CPC_ADDR_HASH_LEN);
    tx.u.commission_set.bps = bps;
    snprintf(tx.chain_id, sizeof tx.chain_id, "%s", n->params.chain_id);
    memcpy(tx.from, n->validator_addr, CPC_ADDR_HASH_LEN);
    cpc_node_account(n, tx.from, &acc);
    tx.nonce = cpc_mempool_pending_nonce(n->mempool, tx.from, acc.nonce);
    tx.gas_price = n->params.min_gas_price;
    int rc = cpc_tx_sign(&tx, n->signer, n->validator.seckey, &err);
    if (rc != 0)
        cpc__auth_internal(res, &err);
    else if ((rc = cpc_node_admit_answer(n, res, &tx)) == 0)
        cpc_hex_encode(hash, tx.hash, 32);
    cpc_tx_clear(&tx);
    return rc == 0 ? 0 : -1;
}

void cpc_h_admin_commission_put(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser admin, t;
    uint8_t addr[CPC_ADDR_HASH_LEN];
    char text[48], hash[65];
    uint32_t bps = 0;
    struct cpc_rental_body_err e;
    struct cpc_platform *p = target(req, res, &admin, &t, addr, text);
    json_t *j = p ? cpc__auth_body(req, res) : NULL;
    if (!j)
        return;
    if (cpc_commission_body_parse(j, &bps, &e) != 0) {
        cpc_http_res_error(res, 400, e.code, "%s", e.msg);
        json_decref(j);
        return;
    }
    json_decref(j);
    int locked = cpc_custody_lock(req->app);
    int rc = validator_send(req->app, res, addr, bps, hash);
    if (locked)
        cpc_custody_unlock(req->app);
    if (rc != 0)
        return;
    char d[160];
    snprintf(d, sizeof d, "bps=%u tx=%s by admin %lld", bps, hash, (long long)admin.id);
    cpc__auth_audit(p, t.id, "commission_set", d);
    cpc_http_res_json(res, 202,
                      json_pack("{s:I, s:s, s:i, s:s, s:s}", "user_id", (json_int_t)t.id,
                                "provider", text, "bps", (int)bps, "tx_hash", hash, "status",
                                "pending"));
}

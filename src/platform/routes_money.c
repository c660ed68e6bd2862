/* routes_money.c — GET /account/balance, POST /account/deposit and
 * POST /admin/deposits (routes_money.h).
 *
 * Design note. One set of books: the ledger. A user's money is the balance
 * of their wallet's account in the committed state (cpc_node_account); the
 * platform keeps no second balance. What it keeps is what the ledger cannot
 * know: the withdrawals a user asked for and an admin has not decided yet
 * (locked; the sum of pending rows, routes_money_withdrawals.c), and the
 * references of fiat deposits already credited. A fiat deposit is a ledger
 * TRANSFER from the fiat-gateway account, whose key the node holds in its
 * keyring ([platform] fiat_gateway_key; `faucet` on a cpc-devnet chain when
 * unset; 503 not_configured otherwise). It is idempotent per reference:
 * under the custody lock the reference is reserved in the store first
 * (UNIQUE), the transfer signed and admitted, then its hash recorded; a
 * second call with the reference answers the first result (200, no second
 * transfer) or 409 reference_conflict when it names another user or amount.
 * A transfer the mempool refuses drops the reservation, so the admin may
 * retry. Only admins (access tokens, never API keys) credit; each credit
 * leaves a `fiat_deposit` audit row for the user naming the admin, amount,
 * reference and tx.
 */
#include "routes_money.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/keyring.h"
#include "../common/log.h"
#include "../core/amount.h"
#include "../core/bech32.h"
#include "../core/hex.h"
#include "../core/state.h"
#include "../core/tx.h"
#include "../node/mempool.h"
#include "../node/node.h"
#include "../node/routes_chain.h"
#include "../store/platform_store.h"
#include "auth_http.h"
#include "custody.h"
#include "platform.h"
#include "routes_wallet.h"

int cpc__money_account(struct cpc_node *n, struct cpc_http_res *res, int64_t user,
                       struct cpc_pwallet *w, const char **addr, uint64_t *balance)
{
    struct cpc_err err = {0};
    int rc = cpc__wallet_ensure(n->platform, user, w, &err);
    sodium_memzero(w->sealed_key, sizeof w->sealed_key);
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    *addr = w->linked_address[0] ? w->linked_address : w->custodial_address;
    uint8_t hash[CPC_ADDR_HASH_LEN];
    if (cpc_address_decode(hash, *addr) != 0) {
        cpc_err_set(&err, CPC_ERR_DB, "wallet of user %lld: bad address", (long long)user);
        cpc__auth_internal(res, &err);
        return -1;
    }
    struct cpc_account acc;
    cpc_node_account(n, hash, &acc);
    *balance = acc.balance;
    return 0;
}

/* Add "NAME": base units and "NAME_cpc": the CPC decimal to j. */
static void put_amount(json_t *j, const char *name, uint64_t v)
{
    char s[CPC_AMOUNT_STR_MAX], k[32];
    cpc_amount_format(s, v);
    snprintf(k, sizeof k, "%s_cpc", name);
    json_object_set_new(j, name, json_integer((json_int_t)v));
    json_object_set_new(j, k, json_string(s));
}

void cpc_h_account_balance(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, cpc__auth_plat(req), &u, CPC_SCOPE_READ) == 0)
        cpc__h_account_balance_as(req, res, &u);
}

void cpc__h_account_balance_as(struct cpc_http_req *req, struct cpc_http_res *res,
                               const struct cpc_puser *user)
{
    struct cpc_node *n = req->app;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u = *user;
    struct cpc_pwallet w;
    struct cpc_err err = {0};
    const char *addr = NULL;
    uint64_t balance = 0, locked = 0;
    uint32_t pending = 0;
    if (cpc__money_account(n, res, u.id, &w, &addr, &balance) != 0)
        return;
    if (cpc_pstore_withdrawal_locked(p->store, u.id, &locked, &pending, &err) != 0)
        return cpc__auth_internal(res, &err);
    json_t *j = json_pack("{s:s, s:b, s:i}", "address", addr, "custodial",
                          !w.linked_address[0], "pending_withdrawals", (int)pending);
    if (j) {
        put_amount(j, "balance", balance);
        put_amount(j, "locked", locked);
        put_amount(j, "available", balance > locked ? balance - locked : 0);
    }
    cpc_http_res_json(res, 200, j);
}

void cpc_h_account_deposit(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = req->app;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_ACCOUNT) != 0)
        return;
    struct cpc_pwallet w;
    const char *addr = NULL;
    uint64_t balance = 0;
    if (cpc__money_account(n, res, u.id, &w, &addr, &balance) != 0)
        return;
    char how[160];
    snprintf(how, sizeof how, "cpc-cli tx send %s AMOUNT --from KEY", addr);
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:b, s:s, s:s, s:s}", "address", addr, "custodial",
                                !w.linked_address[0], "chain_id", n->params.chain_id, "how", how,
                                "note",
                                "send CPC on this chain to the address; it counts once a block "
                                "includes it (GET /account/balance). Fiat deposits are "
                                "credited by an operator."));
}

/* ---- POST /admin/deposits ---- */

struct deposit_req {
    int64_t user;
    uint64_t amount;
    char reference[CPC_PDEPOSIT_REF_MAX + 1];
};

#define DEPOSIT_SHAPE                                                                          \
    "{\"user_id\": integer, \"amount\": integer (base units) or \"amount_cpc\": \"12.5\", "     \
    "\"reference\": string of 1-128 printable ASCII characters}"

static int printable(const char *s)
{
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7e)
            return 0;
    return 1;
}

/* Decode the body into *d; -1 once answered (400/413). */
static int deposit_parse(struct cpc_http_req *req, struct cpc_http_res *res, struct deposit_req *d)
{
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return -1;
    json_error_t je;
    json_int_t user = 0;
    json_t *a = NULL, *acpc = NULL;
    const char *ref = NULL;
    size_t ref_len = 0;
    int rc = -1;
    memset(d, 0, sizeof *d);
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:I, s?o, s?o, s:s%}", "user_id", &user, "amount",
                       &a, "amount_cpc", &acpc, "reference", &ref, &ref_len) != 0) {
        cpc__auth_bad_fields(res, &je, DEPOSIT_SHAPE);
    } else if (user < 1) {
        cpc_http_res_error(res, 400, "invalid_argument", "user_id must be a positive integer");
    } else if (ref_len < 1 || ref_len > CPC_PDEPOSIT_REF_MAX || strlen(ref) != ref_len ||
               !printable(ref)) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "reference must be 1-%d printable ASCII characters without spaces",
                           CPC_PDEPOSIT_REF_MAX);
    } else if (!a == !acpc || (a && (!json_is_integer(a) || json_integer_value(a) < 1)) ||
               (acpc && (!json_is_string(acpc) ||
                         cpc_amount_parse(&d->amount, json_string_value(acpc)) != 0 ||
                         d->amount == 0 || d->amount > (uint64_t)INT64_MAX))) {
        cpc_http_res_error(res, 400, "invalid_amount",
                           "send exactly one of \"amount\" (a positive integer of base units) "
                           "or \"amount_cpc\" (a positive CPC decimal such as \"12.5\")");
    } else {
        if (a)
            d->amount = (uint64_t)json_integer_value(a);
        d->user = (int64_t)user;
        snprintf(d->reference, sizeof d->reference, "%s", ref);
        rc = 0;
    }
    json_decref(j);
    return rc;
}

/* The deposit's answer. */
static json_t *deposit_json(const struct cpc_pdeposit *d, const char *to, int repeated)
{
    json_t *j = json_pack("{s:s, s:I, s:s, s:s, s:I, s:b}", "reference", d->reference, "user_id",
                          (json_int_t)d->user, "to", to, "tx_hash", d->tx_hash, "created_ms",
                          (json_int_t)d->created_ms, "repeated", repeated);
    if (j)
        put_amount(j, "amount", d->amount);
    return j;
}

/* Sign a TRANSFER of amount to `to` with the gateway key (loaded and wiped here) and admit
 * it; the caller holds the custody lock. 0 with hash set, -1 once answered. */
static int gateway_send(struct cpc_node *n, struct cpc_http_res *res, const char *key_name,
                        const uint8_t to[CPC_ADDR_HASH_LEN], uint64_t amount, char hash[65])
{
    struct cpc_platform *p = n->platform;
    struct cpc_key k;
    struct cpc_err err = {0};
    struct cpc_tx tx;
    struct cpc_account acc;
    memset(&tx, 0, sizeof tx);
    if (cpc_keyring_load(p->home, key_name, getenv("CPC_PASSPHRASE"), &k, &err) != 0) {
        CPC_LOGE("money: fiat gateway key %s: %s", key_name, err.msg);
        cpc_http_res_error(res, 503, "not_configured",
                           "the fiat gateway key %s cannot be loaded on this node", key_name);
        return -1;
    }
    tx.type = CPC_TX_TRANSFER;
    memcpy(tx.u.transfer.to, to, CPC_ADDR_HASH_LEN);
    tx.u.transfer.amount = amount;
    snprintf(tx.chain_id, sizeof tx.chain_id, "%s", n->params.chain_id);
    int rc = cpc_pubkey_hash(tx.from, k.info.pubkey);
    if (rc == 0) {
        cpc_node_account(n, tx.from, &acc);
        tx.nonce = cpc_mempool_pending_nonce(n->mempool, tx.from, acc.nonce);
        tx.gas_price = n->params.min_gas_price;
        rc = cpc_tx_sign(&tx, n->signer, k.seckey, &err);
    }
    sodium_memzero(&k, sizeof k);
    if (rc != 0) {
        cpc__auth_internal(res, &err);
    } else if ((rc = cpc_node_admit_answer(n, res, &tx)) == 0) {
        cpc_hex_encode(hash, tx.hash, 32);
    }
    cpc_tx_clear(&tx);
    return rc == 0 ? 0 : -1;
}

/* The gateway key's name: configured, else `faucet` on a devnet chain, else NULL. */
static const char *gateway_key(const struct cpc_node *n)
{
    if (n->platform->fiat_gateway_key[0])
        return n->platform->fiat_gateway_key;
    return strncmp(n->params.chain_id, "cpc-devnet", 10) == 0 ? "faucet" : NULL;
}

/* Under the custody lock: answer a known reference, else reserve, send, record. */
static void deposit_locked(struct cpc_node *n, struct cpc_http_res *res, const char *key,
                           const struct deposit_req *r, int64_t admin, const char *to)
{
    struct cpc_platform *p = n->platform;
    struct cpc_err err = {0};
    struct cpc_pdeposit d;
    uint8_t to_hash[CPC_ADDR_HASH_LEN];
    int rc = cpc_pstore_deposit_get(p->store, r->reference, &d, &err);
    if (rc == 0) {
        if (d.user != r->user || d.amount != r->amount)
            return cpc_http_res_error(res, 409, "reference_conflict",
                                      "reference %s already credited another user or amount",
                                      r->reference);
        return cpc_http_res_json(res, 200, deposit_json(&d, to, 1));
    }
    if (rc != CPC_ERR_NOT_FOUND || cpc_address_decode(to_hash, to) != 0)
        return cpc__auth_internal(res, &err);
    memset(&d, 0, sizeof d);
    snprintf(d.reference, sizeof d.reference, "%s", r->reference);
    d.user = r->user;
    d.amount = r->amount;
    d.created_ms = cpc_platform_now(p);
    d.created_by = admin;
    if (cpc_pstore_deposit_reserve(p->store, &d, &err) != 0)
        return cpc__auth_internal(res, &err);
    if (gateway_send(n, res, key, to_hash, r->amount, d.tx_hash) != 0) {
        if (cpc_pstore_deposit_cancel(p->store, r->reference, &err) != 0)
            CPC_LOGE("money: dropping deposit %s: %s", r->reference, err.msg);
        return;
    }
    if (cpc_pstore_deposit_confirm(p->store, r->reference, d.tx_hash, &err) != 0)
        CPC_LOGE("money: deposit %s sent as %s but not recorded: %s", r->reference, d.tx_hash,
                 err.msg);
    char amt[CPC_AMOUNT_STR_MAX], detail[320];
    cpc_amount_format(amt, r->amount);
    snprintf(detail, sizeof detail, "%s CPC by admin %lld reference %s tx %s", amt,
             (long long)admin, r->reference, d.tx_hash);
    cpc__auth_audit(p, r->user, "fiat_deposit", detail);
    cpc_http_res_json(res, 200, deposit_json(&d, to, 0));
}

void cpc_h_admin_deposits_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = req->app;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin, t;
    struct cpc_err err = {0};
    if (cpc__auth_admin(req, res, p, &admin) != 0)
        return;
    struct deposit_req r;
    if (deposit_parse(req, res, &r) != 0)
        return;
    const char *key = gateway_key(n);
    if (!key)
        return cpc_http_res_error(res, 503, "not_configured",
                                  "no fiat gateway: set [platform] fiat_gateway_key to the name "
                                  "of a funded key in this node's keyring");
    int rc = cpc_pstore_user_by_id(p->store, r.user, &t, &err);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_http_res_error(res, 404, "not_found", "no user %lld", (long long)r.user);
    if (rc != 0)
        return cpc__auth_internal(res, &err);
    struct cpc_pwallet w;
    const char *to = NULL;
    uint64_t balance = 0;
    if (cpc__money_account(n, res, t.id, &w, &to, &balance) != 0)
        return;
    int locked = cpc_custody_lock(n);
    deposit_locked(n, res, key, &r, admin.id, to);
    if (locked)
        cpc_custody_unlock(n);
}

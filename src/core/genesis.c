/* genesis.c — the genesis document, the genesis state and block 0
 * (see genesis.h).
 *
 * Decoding is strict (unknown keys, wrong types, bad addresses, a validator
 * key that is not a curve point, duplicate accounts and a total supply above
 * INT64_MAX are all rejected) because every node must derive the same block
 * 0 from the same file. "stake" is optional per account (default 0).
 * params.min_worker_stake (1..INT64_MAX) and params.unbonding_blocks
 * (1..CPC_MAX_UNBONDING_BLOCKS) are optional: absent = the defaults of market.h
 * (10 CPC, 100 blocks); the writer leaves out a zero field (then the default).
 */
#include "genesis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount.h"
#include "ledger_json.h"
#include "rental.h"

/* Duplicate check and supply sum over an account list. */
static int accounts_check(const struct cpc_genesis_account *a, size_t n, uint64_t *supply,
                          struct cpc_err *err)
{
    struct cpc_state *seen = cpc_state_new();
    uint64_t sum = 0;
    int rc = 0;
    if (!seen)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct cpc_account acc;
        if (cpc_state_get(seen, a[i].addr, &acc) == 0) {
            char addr[CPC_ADDR_STR_MAX];
            cpc_address_encode(addr, a[i].addr);
            rc = cpc_err_set(err, CPC_ERR_INVALID, "accounts[%zu]: duplicate address %s", i, addr);
            goto out;
        }
        if ((rc = cpc_state_put(seen, a[i].addr, &acc)) != 0) {
            cpc_err_set(err, rc, "out of memory");
            goto out;
        }
        if (!cpc_add_u64(&sum, sum, a[i].balance) || !cpc_add_u64(&sum, sum, a[i].stake) ||
            sum > (uint64_t)INT64_MAX) {
            rc = cpc_err_set(err, CPC_ERR_OVERFLOW,
                             "accounts: total supply exceeds %lld base units", (long long)INT64_MAX);
            goto out;
        }
    }
    *supply = sum;
out:
    cpc_state_free(seen);
    return rc;
}

int cpc_genesis_from_json(struct cpc_genesis *g, const json_t *j, struct cpc_err *err)
{
    static const char *const keys[] = {"chain_id", "genesis_time", "validator", "params",
                                       "accounts", NULL};
    static const char *const pkeys[] = {"min_gas_price", "max_block_txs", "treasury",
                                        "synthetic", "min_worker_stake", "unbonding_blocks",
                                        "protocol", "max_block_gas", "max_block_verify",
                                        "rental_minute_ms",
                                        NULL};
    static const char *const akeys[] = {"address", "balance", "stake", NULL};
    const int E = CPC_ERR_INVALID;
    const json_t *pj = NULL, *aj = NULL;
    const char *s = NULL;
    size_t len = 0;
    uint64_t v = 0;
    int rc;

    memset(g, 0, sizeof *g);
    if ((rc = cpc__json_check_object(j, "genesis", keys, E, err)))
        return rc;
    if ((rc = cpc__json_str(j, NULL, "chain_id", CPC_CHAIN_ID_MAX, &s, &len, E, err)))
        return rc;
    if (!cpc__chain_id_valid(s, len))
        return cpc_err_set(err, E, "chain_id: must be printable ASCII without spaces");
    memcpy(g->params.chain_id, s, len);
    if ((rc = cpc__json_u64(j, NULL, "genesis_time", 0, INT64_MAX, &g->genesis_time_ms, E, err)) ||
        (rc = cpc__json_hex_exact(j, NULL, "validator", g->validator, CPC_PUBKEY_LEN, E, err)))
        goto fail;
    if (cpc_pubkey_check(g->validator) != 0) {
        rc = cpc_err_set(err, E, "validator: not a valid compressed secp256k1 public key");
        goto fail;
    }
    if ((rc = cpc__json_req(j, NULL, "params", &pj, E, err)) ||
        (rc = cpc__json_check_object(pj, "params", pkeys, E, err)) ||
        (rc = cpc__json_u64(pj, "params", "min_gas_price", 0, INT64_MAX, &g->params.min_gas_price,
                            E, err)) ||
        (rc = cpc__json_u64(pj, "params", "max_block_txs", 1, UINT32_MAX, &v, E, err)) ||
        (rc = cpc__json_addr(pj, "params", "treasury", g->params.treasury, E, err)))
        goto fail;
    g->params.max_block_txs = (uint32_t)v;
    g->params.protocol = 1; /* absent: the rules before the version existed */
    if (json_object_get(pj, "protocol")) {
        if ((rc = cpc__json_u64(pj, "params", "protocol", 1, CPC_PROTOCOL_VERSION, &v, E, err)))
            goto fail;
        g->params.protocol = (uint32_t)v;
    }
    g->params.max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    if (json_object_get(pj, "max_block_gas") &&
        (rc = cpc__json_u64(pj, "params", "max_block_gas", CPC_MIN_BLOCK_GAS, INT64_MAX,
                            &g->params.max_block_gas, E, err)))
        goto fail;
    g->params.max_block_verify = CPC_DEFAULT_MAX_BLOCK_VERIFY;
    if (json_object_get(pj, "max_block_verify") &&
        (rc = cpc__json_u64(pj, "params", "max_block_verify", CPC_MIN_BLOCK_VERIFY, INT64_MAX,
                            &g->params.max_block_verify, E, err)))
        goto fail;
    g->params.rental_minute_ms = CPC_RENTAL_MINUTE_MS;
    if (json_object_get(pj, "rental_minute_ms") &&
        (rc = cpc__json_u64(pj, "params", "rental_minute_ms", CPC_RENTAL_MINUTE_MIN_MS,
                            CPC_RENTAL_MINUTE_MS, &g->params.rental_minute_ms, E, err)))
        goto fail;
    g->params.min_worker_stake = CPC_DEFAULT_MIN_WORKER_STAKE;
    g->params.unbonding_blocks = CPC_DEFAULT_UNBONDING_BLOCKS;
    if ((json_object_get(pj, "min_worker_stake") &&
         (rc = cpc__json_u64(pj, "params", "min_worker_stake", 1, INT64_MAX,
                             &g->params.min_worker_stake, E, err))) ||
        (json_object_get(pj, "unbonding_blocks") &&
         (rc = cpc__json_u64(pj, "params", "unbonding_blocks", 1, CPC_MAX_UNBONDING_BLOCKS,
                             &g->params.unbonding_blocks, E, err))))
        goto fail;
    const json_t *sj = json_object_get(pj, "synthetic");
    if (sj && (rc = cpc_synthetic_params_from_json(&g->synthetic, sj, "params.synthetic", err)))
        goto fail;
    if ((rc = cpc__json_req(j, NULL, "accounts", &aj, E, err)))
        goto fail;
    if (!json_is_array(aj)) {
        rc = cpc_err_set(err, E, "accounts: expected an array");
        goto fail;
    }
    size_t n = json_array_size(aj);
    if (n) {
        g->accounts = calloc(n, sizeof *g->accounts);
        if (!g->accounts) {
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *a = json_array_get(aj, i);
        struct cpc_genesis_account *ga = &g->accounts[i];
        char where[32];
        snprintf(where, sizeof where, "accounts[%zu]", i);
        if ((rc = cpc__json_check_object(a, where, akeys, E, err)) ||
            (rc = cpc__json_addr(a, where, "address", ga->addr, E, err)) ||
            (rc = cpc__json_u64(a, where, "balance", 0, INT64_MAX, &ga->balance, E, err)))
            goto fail;
        if (json_object_get(a, "stake") &&
            (rc = cpc__json_u64(a, where, "stake", 0, INT64_MAX, &ga->stake, E, err)))
            goto fail;
    }
    g->n_accounts = n;
    uint64_t supply;
    if ((rc = accounts_check(g->accounts, n, &supply, err)))
        goto fail;
    return 0;
fail:
    cpc_genesis_clear(g);
    return rc;
}

int cpc_genesis_check_protocol(const struct cpc_genesis *g, struct cpc_err *err)
{
    if (g->params.protocol == CPC_PROTOCOL_VERSION)
        return 0;
    return cpc_err_set(err, CPC_ERR_INVALID,
                       "genesis.json is for protocol %u, this build runs protocol %u: its blocks "
                       "cannot be replayed under the new rules. Start a fresh devnet home (move "
                       "the home away or set CPC_HOME), or run the chain with an older build",
                       (unsigned)g->params.protocol, (unsigned)CPC_PROTOCOL_VERSION);
}

json_t *cpc_genesis_to_json(const struct cpc_genesis *g)
{
    json_t *accounts = json_array();
    json_t *o = NULL;
    if (!accounts)
        return NULL;
    for (size_t i = 0; i < g->n_accounts; i++) {
        char addr[CPC_ADDR_STR_MAX];
        cpc_address_encode(addr, g->accounts[i].addr);
        json_t *a = json_pack("{s:s, s:I, s:I}", "address", addr, "balance",
                              (json_int_t)g->accounts[i].balance, "stake",
                              (json_int_t)g->accounts[i].stake);
        if (!a || json_array_append_new(accounts, a) != 0) {
            json_decref(accounts);
            return NULL;
        }
    }
    char chain[CPC_CHAIN_ID_MAX + 1];
    memcpy(chain, g->params.chain_id, CPC_CHAIN_ID_MAX);
    chain[CPC_CHAIN_ID_MAX] = '\0';
    char treasury[CPC_ADDR_STR_MAX];
    cpc_address_encode(treasury, g->params.treasury);
    json_t *validator = cpc_hex_json(g->validator, CPC_PUBKEY_LEN);
    if (!validator) {
        json_decref(accounts);
        return NULL;
    }
    /* "o" steals validator and accounts, also on failure */
    o = json_pack("{s:s, s:I, s:o, s:{s:I, s:I, s:s, s:I, s:I}, s:o}", "chain_id", chain,
                  "genesis_time", (json_int_t)g->genesis_time_ms, "validator", validator,
                  "params", "min_gas_price", (json_int_t)g->params.min_gas_price,
                  "max_block_txs", (json_int_t)g->params.max_block_txs, "treasury", treasury,
                  "protocol", (json_int_t)g->params.protocol, "max_block_gas",
                  (json_int_t)g->params.max_block_gas, "accounts", accounts);
    json_t *params = o ? json_object_get(o, "params") : NULL;
    if (params && ((g->params.max_block_verify &&
                    json_object_set_new(params, "max_block_verify",
                                        json_integer((json_int_t)g->params.max_block_verify))) ||
                   (g->params.min_worker_stake &&
                    json_object_set_new(params, "min_worker_stake",
                                        json_integer((json_int_t)g->params.min_worker_stake))) ||
                   (g->params.unbonding_blocks &&
                    json_object_set_new(params, "unbonding_blocks",
                                        json_integer((json_int_t)g->params.unbonding_blocks))) ||
                   /* written only when shortened, so a default genesis stays as it was */
                   (g->params.rental_minute_ms &&
                    g->params.rental_minute_ms != CPC_RENTAL_MINUTE_MS &&
                    json_object_set_new(params, "rental_minute_ms",
                                        json_integer((json_int_t)g->params.rental_minute_ms))))) {
        json_decref(o);
        return NULL;
    }
    if (o && g->synthetic.enabled &&
        json_object_set_new(json_object_get(o, "params"), "synthetic",
                            cpc_synthetic_params_to_json(&g->synthetic)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void cpc_genesis_clear(struct cpc_genesis *g)
{
    if (!g)
        return;
    free(g->accounts);
    memset(g, 0, sizeof *g);
}

int cpc_genesis_state(const struct cpc_genesis *g, struct cpc_state **out,
                      uint64_t *total_supply, struct cpc_err *err)
{
    uint64_t supply;
    int rc;
    *out = NULL;
    if (g->params.chain_id[0] == '\0')
        return cpc_err_set(err, CPC_ERR_INVALID, "chain_id: empty");
    if ((rc = accounts_check(g->accounts, g->n_accounts, &supply, err)))
        return rc;
    struct cpc_state *st = cpc_state_new();
    if (!st)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < g->n_accounts; i++) {
        struct cpc_account acc = {.balance = g->accounts[i].balance,
                                  .stake = g->accounts[i].stake};
        if ((rc = cpc_state_put(st, g->accounts[i].addr, &acc)) != 0) {
            cpc_state_free(st);
            return cpc_err_set(err, rc, "out of memory");
        }
    }
    if (g->synthetic.enabled) {
        const uint8_t key = CPC_KEY_SYNTH_PARAMS;
        struct cpc_buf b;
        cpc_buf_init(&b);
        cpc_synthetic_params_encode(&g->synthetic, &b);
        rc = b.failed ? CPC_ERR_NOMEM : cpc_state_obj_put(st, &key, 1, b.data, b.len);
        cpc_buf_free(&b);
        if (rc != 0) {
            cpc_state_free(st);
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        }
    }
    *out = st;
    if (total_supply)
        *total_supply = supply;
    return 0;
}

int cpc_genesis_header(const struct cpc_genesis *g, const struct cpc_state *st,
                       struct cpc_block_header *out, struct cpc_err *err)
{
    memset(out, 0, sizeof *out);
    if (g->params.chain_id[0] == '\0')
        return cpc_err_set(err, CPC_ERR_INVALID, "chain_id: empty");
    memcpy(out->chain_id, g->params.chain_id, sizeof out->chain_id);
    out->chain_id[CPC_CHAIN_ID_MAX] = '\0';
    out->height = 0;
    out->time_ms = g->genesis_time_ms;
    memcpy(out->proposer, g->validator, CPC_PUBKEY_LEN);
    int rc = cpc_state_root(st, out->state_root);
    if (rc)
        return cpc_err_set(err, rc, "out of memory");
    return 0;
}

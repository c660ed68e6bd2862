/* node_client.c — chain calls shared by cpc-cli and cpc-worker (node_client.h). */
#include "node_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hex.h"

static int u64_field(const json_t *j, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(j, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

int cpc_chain_info_fetch(struct cpc_http *h, struct cpc_chain_info *out, struct cpc_err *err)
{
    json_t *st = NULL;
    memset(out, 0, sizeof *out);
    int rc = cpc_http_json(h, "GET", "/status", NULL, &st, NULL, err);
    if (rc)
        return rc;
    const char *chain = json_string_value(json_object_get(st, "chain_id"));
    const char *hash = json_string_value(json_object_get(st, "latest_block_hash"));
    if (!chain || strlen(chain) > CPC_CHAIN_ID_MAX ||
        u64_field(st, "min_gas_price", &out->min_gas_price) ||
        u64_field(st, "height", &out->height)) {
        json_decref(st);
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "node /status lacks a valid chain_id, height or min_gas_price");
    }
    snprintf(out->chain_id, sizeof out->chain_id, "%s", chain);
    if (hash && cpc_hex_decode_exact(out->latest_hash, 32, hash) != 0)
        memset(out->latest_hash, 0, 32);
    json_decref(st);
    return 0;
}

int cpc_account_fetch(struct cpc_http *h, const char *address, struct cpc_account_info *out,
                      struct cpc_err *err)
{
    char path[128];
    json_t *a = NULL;
    memset(out, 0, sizeof *out);
    snprintf(path, sizeof path, "/account/%s", address);
    int rc = cpc_http_json(h, "GET", path, NULL, &a, NULL, err);
    if (rc)
        return rc;
    if (u64_field(a, "balance", &out->balance) || u64_field(a, "nonce", &out->nonce)) {
        json_decref(a);
        return cpc_err_set(err, CPC_ERR_INVALID, "node /account lacks balance or nonce");
    }
    if (u64_field(a, "stake", &out->stake))
        out->stake = 0;
    if (u64_field(a, "pending_nonce", &out->pending_nonce))
        out->pending_nonce = out->nonce;
    json_decref(a);
    return 0;
}

int cpc_tx_seal(struct cpc_tx *tx, const struct cpc_chain_info *chain, uint64_t gas_price,
                uint64_t nonce, const struct cpc_signer *signer,
                const uint8_t seckey[CPC_SECKEY_LEN], struct cpc_err *err)
{
    snprintf(tx->chain_id, sizeof tx->chain_id, "%s", chain->chain_id);
    tx->gas_price = gas_price;
    tx->nonce = nonce;
    int rc = cpc_tx_sign(tx, signer, seckey, err);
    if (rc)
        return rc;
    return cpc_tx_check(tx, chain->chain_id, chain->min_gas_price, err);
}

int cpc_txs_post(struct cpc_http *h, json_t *const *txs, size_t n, struct cpc_err *per_tx,
                 size_t *accepted, struct cpc_err *err)
{
    json_t *arr = json_array(), *resp = NULL;
    if (!arr)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (json_array_append(arr, txs[i]) != 0) {
            json_decref(arr);
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        }
    json_t *body = json_pack("{s:o}", "txs", arr);
    if (!body)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = cpc_http_json(h, "POST", "/txs", body, &resp, NULL, err);
    json_decref(body);
    if (rc)
        return rc;
    json_t *results = json_object_get(resp, "results");
    if (json_array_size(results) != n) {
        json_decref(resp);
        return cpc_err_set(err, CPC_ERR_INVALID, "POST /txs answered %zu results for %zu txs",
                           json_array_size(results), n);
    }
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(results, i), *e = json_object_get(r, "error");
        if (!e) {
            cpc_err_clear(&per_tx[i]);
            ok++;
            continue;
        }
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        cpc_err_set(&per_tx[i], cpc_errcode_from_name(code), "%s", msg ? msg : "rejected");
        if (per_tx[i].code == CPC_ERR_DUPLICATE) { /* already pending: as good as accepted */
            cpc_err_clear(&per_tx[i]);
            ok++;
        }
    }
    if (accepted)
        *accepted = ok;
    json_decref(resp);
    return 0;
}

int cpc_tx_lookup(struct cpc_http *h, const uint8_t hash[32], enum cpc_tx_state *state,
                  uint64_t *height, char *why, size_t cap, struct cpc_err *err)
{
    char path[80], hex[65];
    json_t *t = NULL;
    long status = 0;
    cpc_hex_encode(hex, hash, 32);
    snprintf(path, sizeof path, "/tx/%s", hex);
    *state = CPC_TXS_UNKNOWN;
    if (height)
        *height = 0;
    if (why && cap)
        why[0] = 0;
    int rc = cpc_http_json(h, "GET", path, NULL, &t, &status, err);
    if (rc && status == 404) {
        cpc_err_clear(err);
        return 0;
    }
    if (rc)
        return rc;
    const char *s = json_string_value(json_object_get(t, "status"));
    if (s && !strcmp(s, "pending")) {
        *state = CPC_TXS_PENDING;
    } else if (s && (!strcmp(s, "success") || !strcmp(s, "failed"))) {
        *state = !strcmp(s, "success") ? CPC_TXS_SUCCESS : CPC_TXS_FAILED;
        uint64_t hgt = 0;
        if (height && u64_field(t, "height", &hgt) == 0)
            *height = hgt;
        const char *e = json_string_value(json_object_get(t, "error"));
        if (why && cap && e)
            snprintf(why, cap, "%s", e);
    } else {
        json_decref(t);
        return cpc_err_set(err, CPC_ERR_INVALID, "GET /tx: unexpected status");
    }
    json_decref(t);
    return 0;
}

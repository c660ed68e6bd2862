/* block.c — block headers and blocks: canonical header encoding and hash,
 * tx_root / compute_root, proposer signature, and the strict JSON form
 * (see block.h).
 *
 * Per-tx results travel in block JSON as "index","status","error",
 * "gas_used","fee" beside each tx's wire JSON. The JSON carries the failure
 * message but not its numeric code, so a decoded failed result gets
 * code CPC_ERR_INVALID; cpc_apply_block compares results by status,
 * message, gas and fee, never by that code.
 */
#include "block.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "hex.h"
#include "ledger_json.h"
#include "merkle.h"

#define HEADER_ENCODING_VERSION 1

void cpc_block_clear(struct cpc_block *b)
{
    if (!b)
        return;
    for (size_t i = 0; b->txs && i < b->n_txs; i++)
        cpc_tx_clear(&b->txs[i]);
    free(b->txs);
    free(b->results);
    memset(b, 0, sizeof *b);
}

void cpc_block_header_encode(const struct cpc_block_header *h, struct cpc_buf *b)
{
    cpc_buf_put_u8(b, HEADER_ENCODING_VERSION);
    cpc_buf_put_var(b, h->chain_id, strnlen(h->chain_id, CPC_CHAIN_ID_MAX));
    cpc_buf_put_u64(b, h->height);
    cpc_buf_put_u64(b, h->time_ms);
    cpc_buf_put(b, h->prev_hash, 32);
    cpc_buf_put(b, h->tx_root, 32);
    cpc_buf_put(b, h->compute_root, 32);
    cpc_buf_put(b, h->state_root, 32);
    cpc_buf_put(b, h->proposer, CPC_PUBKEY_LEN);
    cpc_buf_put_u32(b, h->n_txs);
}

int cpc_block_header_hash(const struct cpc_block_header *h, uint8_t out[32])
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_block_header_encode(h, &b);
    return cpc_buf_sha256_free(&b, out);
}

int cpc_block_tx_root(const struct cpc_tx *txs, size_t n, uint8_t out[32])
{
    if (n == 0) {
        memset(out, 0, 32);
        return 0;
    }
    uint8_t(*items)[32] = malloc(n * sizeof *items);
    if (!items)
        return CPC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        memcpy(items[i], txs[i].hash, 32);
    int rc = cpc_merkle_root(out, (const uint8_t(*)[32])items, n);
    free(items);
    return rc;
}

int cpc_block_compute_root(const struct cpc_tx *txs, size_t n, uint8_t out[32])
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (txs[i].type == CPC_TX_SUBMIT_RESULT)
            k++;
    if (k == 0) {
        memset(out, 0, 32);
        return 0;
    }
    uint8_t(*items)[32] = malloc(k * sizeof *items);
    if (!items)
        return CPC_ERR_NOMEM;
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = 0;
    k = 0;
    for (size_t i = 0; i < n; i++) {
        if (txs[i].type != CPC_TX_SUBMIT_RESULT)
            continue;
        b.len = 0;
        cpc_tx_encode_payload(&txs[i], &b);
        if (b.failed) {
            rc = CPC_ERR_NOMEM;
            goto out;
        }
        cpc_sha256(items[k++], b.data, b.len);
    }
    rc = cpc_merkle_root(out, (const uint8_t(*)[32])items, k);
out:
    cpc_buf_free(&b);
    free(items);
    return rc;
}

int cpc_block_sign(struct cpc_block_header *h, const struct cpc_signer *s,
                   const uint8_t sk[CPC_SECKEY_LEN], struct cpc_err *err)
{
    uint8_t digest[32];
    int rc;
    if ((rc = cpc_pubkey_from_seckey(s, h->proposer, sk)) != 0)
        return cpc_err_set(err, rc, "Invalid proposer secret key");
    if ((rc = cpc_block_header_hash(h, digest)) != 0)
        return cpc_err_set(err, rc, "out of memory");
    if ((rc = cpc_sign(s, h->sig, digest, sk)) != 0)
        return cpc_err_set(err, rc, "Block signing failed");
    return 0;
}

int cpc_block_verify_sig(const struct cpc_block_header *h, struct cpc_err *err)
{
    uint8_t digest[32];
    int rc;
    if ((rc = cpc_block_header_hash(h, digest)) != 0)
        return cpc_err_set(err, rc, "out of memory");
    return cpc_verify_err(h->sig, digest, h->proposer, "block signature", err);
}

/* ---- JSON ---- */

json_t *cpc_block_header_to_json(const struct cpc_block_header *h)
{
    uint8_t hash[32];
    char proposer[CPC_ADDR_STR_MAX];
    char chain[CPC_CHAIN_ID_MAX + 1];
    if (cpc_block_header_hash(h, hash) != 0 || cpc_pubkey_address(proposer, h->proposer) != 0)
        return NULL;
    memcpy(chain, h->chain_id, CPC_CHAIN_ID_MAX);
    chain[CPC_CHAIN_ID_MAX] = '\0';
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (cpc__json_set(o, "chain_id", json_string(chain)) ||
        cpc__json_set(o, "height", json_integer((json_int_t)h->height)) ||
        cpc__json_set(o, "time", json_integer((json_int_t)h->time_ms)) ||
        cpc__json_set(o, "hash", cpc_hex_json(hash, 32)) ||
        cpc__json_set(o, "prev_hash", cpc_hex_json(h->prev_hash, 32)) ||
        cpc__json_set(o, "tx_root", cpc_hex_json(h->tx_root, 32)) ||
        cpc__json_set(o, "compute_root", cpc_hex_json(h->compute_root, 32)) ||
        cpc__json_set(o, "state_root", cpc_hex_json(h->state_root, 32)) ||
        cpc__json_set(o, "proposer", json_string(proposer)) ||
        cpc__json_set(o, "proposer_pubkey", cpc_hex_json(h->proposer, CPC_PUBKEY_LEN)) ||
        cpc__json_set(o, "signature", cpc_hex_json(h->sig, CPC_SIG_LEN)) ||
        cpc__json_set(o, "n_txs", json_integer((json_int_t)h->n_txs))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int header_from_json(struct cpc_block_header *h, const json_t *j, const char *where,
                            struct cpc_err *err)
{
    static const char *const keys[] = {"chain_id", "height", "time", "hash", "prev_hash",
                                       "tx_root", "compute_root", "state_root", "proposer",
                                       "proposer_pubkey", "signature", "n_txs", NULL};
    const int E = CPC_ERR_INVALID;
    int rc;
    const char *s = NULL;
    size_t len = 0;
    uint64_t n = 0;

    memset(h, 0, sizeof *h);
    if ((rc = cpc__json_check_object(j, where, keys, E, err)))
        return rc;
    if ((rc = cpc__json_str(j, where, "chain_id", CPC_CHAIN_ID_MAX, &s, &len, E, err)))
        return rc;
    if (!cpc__chain_id_valid(s, len))
        return cpc_err_set(err, E, "%s.chain_id: must be printable ASCII without spaces", where);
    memcpy(h->chain_id, s, len);
    if ((rc = cpc__json_u64(j, where, "height", 0, INT64_MAX, &h->height, E, err)) ||
        (rc = cpc__json_u64(j, where, "time", 0, INT64_MAX, &h->time_ms, E, err)) ||
        (rc = cpc__json_hex_exact(j, where, "prev_hash", h->prev_hash, 32, E, err)) ||
        (rc = cpc__json_hex_exact(j, where, "tx_root", h->tx_root, 32, E, err)) ||
        (rc = cpc__json_hex_exact(j, where, "compute_root", h->compute_root, 32, E, err)) ||
        (rc = cpc__json_hex_exact(j, where, "state_root", h->state_root, 32, E, err)) ||
        (rc = cpc__json_hex_exact(j, where, "proposer_pubkey", h->proposer, CPC_PUBKEY_LEN, E,
                                  err)) ||
        (rc = cpc__json_hex_exact(j, where, "signature", h->sig, CPC_SIG_LEN, E, err)) ||
        (rc = cpc__json_u64(j, where, "n_txs", 0, UINT32_MAX, &n, E, err)))
        return rc;
    h->n_txs = (uint32_t)n;
    if (json_object_get(j, "proposer")) {
        uint8_t claimed[CPC_ADDR_HASH_LEN], derived[CPC_ADDR_HASH_LEN];
        if ((rc = cpc__json_addr(j, where, "proposer", claimed, E, err)))
            return rc;
        if (cpc_pubkey_hash(derived, h->proposer) != 0 ||
            memcmp(claimed, derived, CPC_ADDR_HASH_LEN) != 0)
            return cpc_err_set(err, E, "%s.proposer: does not match proposer_pubkey", where);
    }
    if (json_object_get(j, "hash")) {
        uint8_t claimed[32], computed[32];
        if ((rc = cpc__json_hex_exact(j, where, "hash", claimed, 32, E, err)))
            return rc;
        if ((rc = cpc_block_header_hash(h, computed)))
            return cpc_err_set(err, rc, "out of memory");
        if (memcmp(claimed, computed, 32) != 0)
            return cpc_err_set(err, E, "%s.hash: does not match the header's computed hash",
                               where);
    }
    return 0;
}

int cpc_block_header_from_json(struct cpc_block_header *h, const json_t *j,
                               struct cpc_err *err)
{
    return header_from_json(h, j, "header", err);
}

json_t *cpc_block_to_json(const struct cpc_block *b)
{
    json_t *o = json_object();
    json_t *txs = json_array();
    if (!o || !txs)
        goto fail;
    if (cpc__json_set(o, "header", cpc_block_header_to_json(&b->header)))
        goto fail;
    for (size_t i = 0; i < b->n_txs; i++) {
        json_t *t = cpc_tx_to_json(&b->txs[i]);
        if (!t)
            goto fail;
        if (b->results) {
            const struct cpc_tx_result *r = &b->results[i];
            if (cpc__json_set(t, "index", json_integer((json_int_t)i)) ||
                cpc__json_set(t, "status", json_string(r->code == 0 ? "success" : "failed")) ||
                cpc__json_set(t, "error", r->code == 0 ? json_null() : json_string(r->error)) ||
                cpc__json_set(t, "gas_used", json_integer((json_int_t)r->gas_used)) ||
                cpc__json_set(t, "fee", json_integer((json_int_t)r->fee))) {
                json_decref(t);
                goto fail;
            }
        }
        if (json_array_append_new(txs, t) != 0)
            goto fail;
    }
    if (json_object_set_new(o, "txs", txs) != 0) {
        txs = NULL; /* released by jansson on failure */
        goto fail;
    }
    return o;
fail:
    json_decref(txs);
    json_decref(o);
    return NULL;
}

/* Read the result fields of tx entry i (present when has_results). */
static int result_from_json(struct cpc_tx_result *r, const json_t *t, size_t i,
                            struct cpc_err *err)
{
    const int E = CPC_ERR_INVALID;
    char where[32];
    snprintf(where, sizeof where, "txs[%zu]", i);
    uint64_t index = 0;
    const char *status = NULL;
    int rc;
    memset(r, 0, sizeof *r);
    if ((rc = cpc__json_u64(t, where, "index", 0, INT64_MAX, &index, E, err)))
        return rc;
    if (index != i)
        return cpc_err_set(err, E, "%s.index: is %llu, expected %zu", where,
                           (unsigned long long)index, i);
    if ((rc = cpc__json_str(t, where, "status", 16, &status, NULL, E, err)))
        return rc;
    const json_t *e = json_object_get(t, "error");
    if (!e)
        return cpc_err_set(err, E, "%s.error: missing", where);
    if (strcmp(status, "success") == 0) {
        if (!json_is_null(e))
            return cpc_err_set(err, E, "%s.error: must be null when status is success", where);
    } else if (strcmp(status, "failed") == 0) {
        const char *msg;
        if ((rc = cpc__json_str(t, where, "error", CPC_ERR_MSG_MAX - 1, &msg, NULL, E, err)))
            return rc;
        r->code = CPC_ERR_INVALID;
        snprintf(r->error, sizeof r->error, "%s", msg);
    } else {
        return cpc_err_set(err, E, "%s.status: must be \"success\" or \"failed\"", where);
    }
    if ((rc = cpc__json_u64(t, where, "gas_used", 0, INT64_MAX, &r->gas_used, E, err)) ||
        (rc = cpc__json_u64(t, where, "fee", 0, INT64_MAX, &r->fee, E, err)))
        return rc;
    return 0;
}

int cpc_block_from_json(struct cpc_block *b, const json_t *j, struct cpc_err *err)
{
    static const char *const keys[] = {"header", "txs", NULL};
    static const char *const result_keys[] = {"index", "status", "error", "gas_used", "fee"};
    int rc;
    const json_t *hj = NULL, *txs = NULL;
    json_t *copy = NULL;

    memset(b, 0, sizeof *b);
    if ((rc = cpc__json_check_object(j, "block", keys, CPC_ERR_INVALID, err)) ||
        (rc = cpc__json_req(j, NULL, "header", &hj, CPC_ERR_INVALID, err)) ||
        (rc = cpc__json_req(j, NULL, "txs", &txs, CPC_ERR_INVALID, err)))
        return rc;
    if ((rc = header_from_json(&b->header, hj, "header", err)))
        goto fail;
    if (!json_is_array(txs)) {
        rc = cpc_err_set(err, CPC_ERR_INVALID, "txs: expected an array");
        goto fail;
    }
    size_t n = json_array_size(txs);
    if (n != b->header.n_txs) {
        rc = cpc_err_set(err, CPC_ERR_INVALID, "txs: %zu entries but header.n_txs is %u", n,
                         (unsigned)b->header.n_txs);
        goto fail;
    }
    if (n == 0)
        return 0;
    bool has_results = json_object_get(json_array_get(txs, 0), "status") != NULL;
    b->txs = calloc(n, sizeof *b->txs);
    if (has_results)
        b->results = calloc(n, sizeof *b->results);
    if (!b->txs || (has_results && !b->results)) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        goto fail;
    }
    b->n_txs = n; /* zeroed txs own nothing: cpc_block_clear may run over all n */
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_array_get(txs, i);
        if (!json_is_object(t)) {
            rc = cpc_err_set(err, CPC_ERR_INVALID, "txs[%zu]: expected an object", i);
            goto fail;
        }
        if ((json_object_get(t, "status") != NULL) != has_results) {
            rc = cpc_err_set(err, CPC_ERR_INVALID,
                             "txs[%zu]: results must be present on every tx or on none", i);
            goto fail;
        }
        const json_t *txj = t;
        if (has_results) {
            if ((rc = result_from_json(&b->results[i], t, i, err)))
                goto fail;
            copy = json_copy((json_t *)t);
            if (!copy) {
                rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
                goto fail;
            }
            for (size_t k = 0; k < sizeof result_keys / sizeof *result_keys; k++)
                json_object_del(copy, result_keys[k]);
            txj = copy;
        }
        rc = cpc_tx_from_json(&b->txs[i], txj, err);
        json_decref(copy);
        copy = NULL;
        if (rc) {
            cpc_err_prefix(err, "txs[%zu]", i);
            goto fail;
        }
    }
    b->n_txs = n;
    return 0;
fail:
    cpc_block_clear(b);
    return rc;
}

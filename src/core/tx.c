/* tx.c — transactions: canonical encoding, hashing, signing, stateless
 * checks and the strict JSON wire form (see tx.h).
 *
 * Everything type-specific goes through the dispatch table (tx_types.c).
 * The hot path is decode (JSON) -> cpc_tx_check (one ECDSA verify) on the
 * node's submit route; a canonical tx is a few hundred bytes, so hashing
 * costs one small cpc_buf allocation and one SHA-256.
 */
#include "tx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount.h"
#include "hash.h"
#include "hex.h"
#include "ledger_json.h"
#include "tx_types.h"

#define TX_ENCODING_VERSION 1

void cpc_tx_clear(struct cpc_tx *tx)
{
    if (!tx)
        return;
    free(tx->ext);
    tx->ext = NULL;
    tx->ext_len = 0;
}

int cpc_tx_copy(struct cpc_tx *dst, const struct cpc_tx *src)
{
    uint8_t *ext = NULL;
    if (src->ext && src->ext_len) {
        ext = malloc(src->ext_len);
        if (!ext) {
            memset(dst, 0, sizeof *dst);
            return CPC_ERR_NOMEM;
        }
        memcpy(ext, src->ext, src->ext_len);
    }
    memcpy(dst, src, sizeof *dst);
    dst->ext = ext;
    dst->ext_len = ext ? src->ext_len : 0;
    return 0;
}

const char *cpc_tx_type_name(enum cpc_tx_type t)
{
    const struct cpc_tx_kind *k = cpc_tx_kind_of(t);
    return k ? k->name : "UNKNOWN";
}

enum cpc_tx_type cpc_tx_type_from_name(const char *name)
{
    if (!name)
        return CPC_TX_NONE;
    for (int t = 1; t < CPC_TX_TYPE_COUNT; t++) {
        const struct cpc_tx_kind *k = cpc_tx_kind_of((enum cpc_tx_type)t);
        if (k && strcmp(k->name, name) == 0)
            return (enum cpc_tx_type)t;
    }
    return CPC_TX_NONE;
}

uint64_t cpc_tx_gas(const struct cpc_tx *tx)
{
    const struct cpc_tx_kind *k = cpc_tx_kind_of(tx->type);
    return k ? cpc__tx_kind_gas(k, tx) : 0;
}

int cpc_tx_fee(const struct cpc_tx *tx, uint64_t *fee)
{
    return cpc_mul_u64(fee, cpc_tx_gas(tx), tx->gas_price) ? 0 : CPC_ERR_OVERFLOW;
}

int cpc_tx_max_cost(const struct cpc_tx *tx, uint64_t *cost)
{
    uint64_t fee;
    if (cpc_tx_fee(tx, &fee) != 0)
        return CPC_ERR_OVERFLOW;
    const struct cpc_tx_kind *k = cpc_tx_kind_of(tx->type);
    uint64_t value = (k && k->value) ? k->value(tx) : 0;
    return cpc_add_u64(cost, fee, value) ? 0 : CPC_ERR_OVERFLOW;
}

bool cpc_tx_recipient(const struct cpc_tx *tx, uint8_t out[CPC_ADDR_HASH_LEN])
{
    const struct cpc_tx_kind *k = cpc_tx_kind_of(tx->type);
    return k && k->recipient ? k->recipient(tx, out) : false;
}

void cpc_tx_encode_payload(const struct cpc_tx *tx, struct cpc_buf *b)
{
    const struct cpc_tx_kind *k = cpc_tx_kind_of(tx->type);
    if (k)
        k->encode_payload(tx, b);
}

void cpc_tx_encode(const struct cpc_tx *tx, struct cpc_buf *b, bool with_sig)
{
    size_t id_len = strnlen(tx->chain_id, CPC_CHAIN_ID_MAX);
    cpc_buf_put_u8(b, TX_ENCODING_VERSION);
    cpc_buf_put_var(b, tx->chain_id, id_len);
    cpc_buf_put_u8(b, (uint8_t)tx->type);
    cpc_buf_put(b, tx->pubkey, CPC_PUBKEY_LEN);
    cpc_buf_put_u64(b, tx->nonce);
    cpc_buf_put_u64(b, tx->gas_price);
    cpc_tx_encode_payload(tx, b);
    if (with_sig)
        cpc_buf_put(b, tx->sig, CPC_SIG_LEN);
}

static int tx_digest(const struct cpc_tx *tx, bool with_sig, uint8_t out[32])
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_tx_encode(tx, &b, with_sig);
    return cpc_buf_sha256_free(&b, out);
}

int cpc_tx_sighash(const struct cpc_tx *tx, uint8_t out[32])
{
    return tx_digest(tx, false, out);
}

int cpc_tx_hash_of(const struct cpc_tx *tx, uint8_t out[32])
{
    return tx_digest(tx, true, out);
}

int cpc_tx_compute_hash(struct cpc_tx *tx)
{
    return tx_digest(tx, true, tx->hash);
}

int cpc_tx_sign(struct cpc_tx *tx, const struct cpc_signer *s,
                const uint8_t sk[CPC_SECKEY_LEN], struct cpc_err *err)
{
    uint8_t pub[CPC_PUBKEY_LEN];
    int rc;
    if (!cpc_tx_kind_of(tx->type))
        return cpc_err_set(err, CPC_ERR_UNKNOWN_TYPE, "Unknown tx type %d", (int)tx->type);
    if ((rc = cpc_pubkey_from_seckey(s, pub, sk)) != 0)
        return cpc_err_set(err, rc, "Invalid secret key");
    return cpc_tx_sign_as(tx, s, sk, pub, err);
}

int cpc_tx_sign_as(struct cpc_tx *tx, const struct cpc_signer *s,
                   const uint8_t sk[CPC_SECKEY_LEN], const uint8_t pub[CPC_PUBKEY_LEN],
                   struct cpc_err *err)
{
    uint8_t digest[32];
    int rc;
    if (!cpc_tx_kind_of(tx->type))
        return cpc_err_set(err, CPC_ERR_UNKNOWN_TYPE, "Unknown tx type %d", (int)tx->type);
    memcpy(tx->pubkey, pub, CPC_PUBKEY_LEN);
    if ((rc = cpc_pubkey_hash(tx->from, tx->pubkey)) != 0)
        return cpc_err_set(err, rc, "Cannot hash the public key");
    if ((rc = cpc_tx_sighash(tx, digest)) != 0)
        return cpc_err_set(err, rc, "out of memory");
    if ((rc = cpc_sign(s, tx->sig, digest, sk)) != 0)
        return cpc_err_set(err, rc, "Signing failed");
    if ((rc = cpc_tx_compute_hash(tx)) != 0)
        return cpc_err_set(err, rc, "out of memory");
    return 0;
}

int cpc_tx_check_payload(const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_tx_kind *k = cpc_tx_kind_of(tx->type);
    if (!k)
        return cpc_err_set(err, CPC_ERR_UNKNOWN_TYPE, "Unknown tx type %d", (int)tx->type);
    return k->check ? k->check(tx, err) : 0;
}

int cpc_tx_check(const struct cpc_tx *tx, const char *chain_id,
                 uint64_t min_gas_price, struct cpc_err *err)
{
    int rc;
    if (!cpc_tx_kind_of(tx->type))
        return cpc_err_set(err, CPC_ERR_UNKNOWN_TYPE, "Unknown tx type %d", (int)tx->type);
    if (strncmp(tx->chain_id, chain_id, CPC_CHAIN_ID_MAX + 1) != 0)
        return cpc_err_set(err, CPC_ERR_WRONG_CHAIN, "Wrong chain id: expected %s, got %.64s",
                           chain_id, tx->chain_id);
    if (tx->nonce > (uint64_t)INT64_MAX || tx->gas_price > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "nonce and gas_price must not exceed %lld",
                           (long long)INT64_MAX);
    if (tx->gas_price < min_gas_price)
        return cpc_err_set(err, CPC_ERR_FEE_TOO_LOW, "Gas price %llu is below the minimum %llu",
                           (unsigned long long)tx->gas_price,
                           (unsigned long long)min_gas_price);
    uint64_t fee;
    if (cpc_tx_fee(tx, &fee) != 0)
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "Fee (gas x gas price) overflows");
    uint8_t h[CPC_ADDR_HASH_LEN];
    if ((rc = cpc_pubkey_hash(h, tx->pubkey)) != 0)
        return cpc_err_set(err, rc, "Cannot hash the public key");
    if (memcmp(h, tx->from, CPC_ADDR_HASH_LEN) != 0)
        return cpc_err_set(err, CPC_ERR_PUBKEY_MISMATCH, "Public key does not match the from address");
    if ((rc = cpc_tx_check_payload(tx, err)) != 0)
        return rc;
    uint8_t digest[32];
    if ((rc = cpc_tx_sighash(tx, digest)) != 0)
        return cpc_err_set(err, rc, "out of memory");
    return cpc_verify_err(tx->sig, digest, tx->pubkey, "signature", err);
}

/* ---- JSON ---- */

int cpc_tx_from_json(struct cpc_tx *tx, const json_t *j, struct cpc_err *err)
{
    static const char *const keys[] = {"tx_type", "chain_id", "from", "pubkey", "nonce",
                                       "gas_price", "payload", "signature", "hash", "gas",
                                       "fee", NULL};
    int rc;
    const char *s = NULL;
    size_t len = 0;
    const json_t *v = NULL;

    memset(tx, 0, sizeof *tx);
    if ((rc = cpc__json_check_object(j, "tx", keys, CPC_ERR_INVALID, err)))
        return rc;

    if ((rc = cpc__json_str(j, NULL, "tx_type", 64, &s, NULL, CPC_ERR_INVALID, err)))
        return rc;
    tx->type = cpc_tx_type_from_name(s);
    if (tx->type == CPC_TX_NONE)
        return cpc_err_set(err, CPC_ERR_UNKNOWN_TYPE, "tx_type: unknown transaction type '%.64s'",
                           s);
    const struct cpc_tx_kind *k = cpc_tx_kind_of(tx->type);

    if ((rc = cpc__json_str(j, NULL, "chain_id", CPC_CHAIN_ID_MAX, &s, &len, CPC_ERR_INVALID,
                            err)))
        return rc;
    if (!cpc__chain_id_valid(s, len))
        return cpc_err_set(err, CPC_ERR_INVALID, "chain_id: must be printable ASCII without spaces");
    memcpy(tx->chain_id, s, len);
    tx->chain_id[len] = '\0';

    if ((rc = cpc__json_addr(j, NULL, "from", tx->from, CPC_ERR_INVALID, err)))
        return rc;
    if ((rc = cpc__json_hex_exact(j, NULL, "pubkey", tx->pubkey, CPC_PUBKEY_LEN,
                                  CPC_ERR_INVALID, err)))
        return rc;
    if ((rc = cpc__json_u64(j, NULL, "nonce", 0, INT64_MAX, &tx->nonce, CPC_ERR_INVALID, err)))
        return rc;
    if ((rc = cpc__json_u64(j, NULL, "gas_price", 0, INT64_MAX, &tx->gas_price, CPC_ERR_INVALID,
                            err)))
        return rc;
    if ((rc = cpc__json_req(j, NULL, "payload", &v, CPC_ERR_INVALID, err)))
        return rc;
    if (!json_is_object(v))
        return cpc_err_set(err, CPC_ERR_INVALID, "payload: expected an object");
    /* From the payload decoder on, tx may own ext: every failure goes through fail. */
    if ((rc = k->payload_from_json(tx, v, err)))
        goto fail;
    if ((rc = cpc__json_hex_exact(j, NULL, "signature", tx->sig, CPC_SIG_LEN, CPC_ERR_INVALID,
                                  err)))
        goto fail;
    if ((rc = cpc_tx_check_payload(tx, err)))
        goto fail;
    if ((rc = cpc_tx_compute_hash(tx))) {
        cpc_err_set(err, rc, "out of memory");
        goto fail;
    }
    if (json_object_get(j, "hash")) {
        uint8_t claimed[32];
        if ((rc = cpc__json_hex_exact(j, NULL, "hash", claimed, 32, CPC_ERR_INVALID, err)))
            goto fail;
        if (memcmp(claimed, tx->hash, 32) != 0) {
            rc = cpc_err_set(err, CPC_ERR_INVALID,
                             "hash: does not match the transaction's computed hash");
            goto fail;
        }
    }
    return 0;
fail:
    cpc_tx_clear(tx);
    return rc;
}

int cpc_tx_from_json_text(struct cpc_tx *tx, const char *text, size_t len,
                          struct cpc_err *err)
{
    memset(tx, 0, sizeof *tx); /* a failure leaves nothing to free */
    if (len > CPC_TX_JSON_MAX)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "Transaction JSON is larger than %d bytes",
                           CPC_TX_JSON_MAX);
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return cpc_err_set(err, CPC_ERR_INVALID, "Invalid JSON: %s (line %d, column %d)",
                           jerr.text, jerr.line, jerr.column);
    int rc = cpc_tx_from_json(tx, j, err);
    json_decref(j);
    return rc;
}

json_t *cpc_tx_to_json(const struct cpc_tx *tx)
{
    const struct cpc_tx_kind *k = cpc_tx_kind_of(tx->type);
    char from[CPC_ADDR_STR_MAX];
    char chain[CPC_CHAIN_ID_MAX + 1];
    json_t *o = json_object();
    if (!o)
        return NULL;
    memcpy(chain, tx->chain_id, CPC_CHAIN_ID_MAX);
    chain[CPC_CHAIN_ID_MAX] = '\0';
    cpc_address_encode(from, tx->from);
    if (cpc__json_set(o, "tx_type", json_string(cpc_tx_type_name(tx->type))) ||
        cpc__json_set(o, "chain_id", json_string(chain)) ||
        cpc__json_set(o, "from", json_string(from)) ||
        cpc__json_set(o, "pubkey", cpc_hex_json(tx->pubkey, CPC_PUBKEY_LEN)) ||
        cpc__json_set(o, "nonce", json_integer((json_int_t)tx->nonce)) ||
        cpc__json_set(o, "gas_price", json_integer((json_int_t)tx->gas_price)) ||
        cpc__json_set(o, "payload", k ? k->payload_to_json(tx) : json_object()) ||
        cpc__json_set(o, "signature", cpc_hex_json(tx->sig, CPC_SIG_LEN)) ||
        cpc__json_set(o, "hash", cpc_hex_json(tx->hash, 32)) ||
        cpc__json_set(o, "gas", json_integer((json_int_t)cpc_tx_gas(tx)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

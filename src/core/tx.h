/* tx.h — transactions: types, canonical encoding, signing, JSON wire form.
 *
 * Wire form (JSON, amounts in base units as integers):
 *   {"tx_type":"TRANSFER","chain_id":"cpc-devnet-1","from":"cpc1...",
 *    "pubkey":"02..(66 hex)","nonce":0,"gas_price":1,
 *    "payload":{"to":"cpc1...","amount":100000000000},
 *    "signature":"(128 hex)"}
 * Output adds "hash" (64 hex) and "gas". On input "hash", if present, must
 * equal the computed hash; "gas" and "fee" are ignored; other unknown keys
 * are rejected.
 *
 * Canonical encoding (what is hashed and signed), big-endian, see codec.h:
 *   u8 1 | var chain_id | u8 type | pubkey[33] | u64 nonce | u64 gas_price |
 *   payload (per type, see tx_types.c) [| sig[64]]
 * sighash = SHA256(encoding without sig); tx hash = SHA256(encoding with sig).
 * `from` is not encoded: it must equal hash160(pubkey).
 *
 * Ownership: a struct cpc_tx may own heap bytes in `ext` (variable payload
 * data, e.g. REVEAL proofs; NULL/0 for most txs). A struct cpc_tx filled by a
 * decoder (cpc_tx_from_json, cpc_tx_from_json_text) owns ext: cpc_tx_clear it.
 * Copy txs with cpc_tx_copy, never with `a = b` (that shares ext and leads to
 * a double free). A decoder fails without leaving anything to free.
 */
#ifndef CPC_CORE_TX_H
#define CPC_CORE_TX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bech32.h"
#include "codec.h"
#include "err.h"
#include "keys.h"
#include "market.h"
#include "rental.h"

enum cpc_tx_type {
    CPC_TX_NONE = 0,
    CPC_TX_TRANSFER = 1,
    CPC_TX_STAKE = 2,
    CPC_TX_UNSTAKE = 3,
    CPC_TX_SUBMIT_RESULT = 4,
    /* the compute market (docs/market.md; tx_types_market.c) */
    CPC_TX_JOB_CREATE = 5,
    CPC_TX_JOB_CANCEL = 6,
    CPC_TX_REVEAL = 7,
    CPC_TX_VERDICT = 8,
    CPC_TX_WORKER_REGISTER = 9,
    CPC_TX_JOB_EXTEND = 10,
    CPC_TX_WORKER_DEREGISTER = 11,
    CPC_TX_RESULT_REVEAL = 12,
    /* GPU rentals by the minute (docs/protocol.md; rental.h, tx_types_rental.c) */
    CPC_TX_RENTAL_OPEN = 13,
    CPC_TX_RENTAL_END = 14,
    CPC_TX_RENTAL_EXTEND = 15,
    CPC_TX_COMMISSION_SET = 16, /* the validator's per-provider commission */
    CPC_TX_TYPE_COUNT
};

#define CPC_CHAIN_ID_MAX 64
#define CPC_RESULT_HASH_MAX 64   /* bytes */
#define CPC_TX_JSON_MAX 65536    /* largest accepted tx JSON text, bytes */

struct cpc_payload_transfer {
    uint8_t to[CPC_ADDR_HASH_LEN];
    uint64_t amount;
};

struct cpc_payload_stake { /* STAKE and UNSTAKE */
    uint64_t amount;
};

struct cpc_payload_submit_result {
    uint8_t task_id[16];
    uint8_t result_hash[CPC_RESULT_HASH_MAX];
    size_t result_hash_len;   /* 1..CPC_RESULT_HASH_MAX */
    uint8_t worker[CPC_ADDR_HASH_LEN];
    /* optional lease issued by the scheduler (market.h): JSON
     * "lease":{"expires":N,"signature":"hex128"} for a single-task lease
     * (cpc_lease_sign), plus "index","size","path" for a member of a lease set
     * (one signature over the set's Merkle root, cpc_lease_set_build) */
    uint8_t has_lease;        /* 0 none, 1 single-task lease, 2 member of a lease set */
    uint64_t lease_expires;   /* block height; 0 when !has_lease */
    uint8_t lease_sig[64];    /* the validator's signature; zeros when !has_lease */
    struct cpc_lease_set_ref lease_set; /* has_lease == 2; all zero otherwise */
};

struct cpc_tx {
    enum cpc_tx_type type;
    char chain_id[CPC_CHAIN_ID_MAX + 1];
    uint8_t pubkey[CPC_PUBKEY_LEN];
    uint8_t from[CPC_ADDR_HASH_LEN]; /* as claimed on the wire; checked against pubkey */
    uint64_t nonce;
    uint64_t gas_price;
    union {
        struct cpc_payload_transfer transfer;
        struct cpc_payload_stake stake;
        struct cpc_payload_submit_result result;
        struct cpc_payload_job_create job_create;
        struct cpc_payload_job_cancel job_cancel;
        struct cpc_payload_job_extend job_extend;
        struct cpc_payload_worker_register worker_register;
        struct cpc_payload_reveal reveal;
        struct cpc_payload_verdict verdict;
        struct cpc_payload_result_reveal result_reveal;
        struct cpc_payload_rental_open rental_open;
        struct cpc_payload_rental_end rental_end;
        struct cpc_payload_rental_extend rental_extend;
        struct cpc_payload_commission_set commission_set;
    } u;
    uint8_t sig[CPC_SIG_LEN];
    uint8_t hash[32];  /* filled by cpc_tx_from_json / cpc_tx_sign / cpc_tx_compute_hash */
    uint8_t *ext;      /* heap, owned by the tx (see top); NULL for most txs */
    size_t ext_len;
};

/* Free tx->ext and zero ext/ext_len (the other fields are kept); NULL accepted. */
void cpc_tx_clear(struct cpc_tx *tx);
/* Deep copy src into dst (dst must not own ext: fresh or cleared). Returns 0 or
 * CPC_ERR_NOMEM (dst then owns nothing). */
int cpc_tx_copy(struct cpc_tx *dst, const struct cpc_tx *src);

/* Name <-> type. cpc_tx_type_name returns a static string ("UNKNOWN" for bad values). */
const char *cpc_tx_type_name(enum cpc_tx_type t);
/* Returns CPC_TX_NONE for an unknown name. */
enum cpc_tx_type cpc_tx_type_from_name(const char *name);

/* Gas declared by the tx's type (0 for an unknown type). */
uint64_t cpc_tx_gas(const struct cpc_tx *tx);
/* *fee = gas * gas_price. Returns 0 or CPC_ERR_OVERFLOW. */
int cpc_tx_fee(const struct cpc_tx *tx, uint64_t *fee);
/* *cost = fee + value the tx spends from the sender's balance (transfer/stake amount).
 * Returns 0 or CPC_ERR_OVERFLOW. */
int cpc_tx_max_cost(const struct cpc_tx *tx, uint64_t *cost);
/* If the tx names a counterparty address (TRANSFER to), copy it and return true. */
bool cpc_tx_recipient(const struct cpc_tx *tx, uint8_t out[CPC_ADDR_HASH_LEN]);

/* Append the canonical encoding (with or without the signature) to b. */
void cpc_tx_encode(const struct cpc_tx *tx, struct cpc_buf *b, bool with_sig);
/* Append the canonical payload encoding only (used for compute_root leaves). */
void cpc_tx_encode_payload(const struct cpc_tx *tx, struct cpc_buf *b);
/* out = SHA256(encoding without sig). Returns 0 or CPC_ERR_NOMEM. */
int cpc_tx_sighash(const struct cpc_tx *tx, uint8_t out[32]);
/* out = SHA256(encoding with sig), tx untouched (the hash tx->hash should
 * hold). Returns 0 or CPC_ERR_NOMEM. */
int cpc_tx_hash_of(const struct cpc_tx *tx, uint8_t out[32]);
/* tx->hash = SHA256(encoding with sig). Returns 0 or CPC_ERR_NOMEM. */
int cpc_tx_compute_hash(struct cpc_tx *tx);

/* Set tx->pubkey/from from sk, sign (low-S RFC 6979) and fill tx->hash.
 * All other fields must already be set. Returns 0 or an error code. */
int cpc_tx_sign(struct cpc_tx *tx, const struct cpc_signer *s,
                const uint8_t sk[CPC_SECKEY_LEN], struct cpc_err *err);

/* cpc_tx_sign for a sender that already knows its public key (a worker signing
 * many txs): tx->pubkey/from come from pub, which must be sk's key (else the
 * tx fails cpc_tx_check); saves deriving it per tx. Returns 0 or an error. */
int cpc_tx_sign_as(struct cpc_tx *tx, const struct cpc_signer *s,
                   const uint8_t sk[CPC_SECKEY_LEN], const uint8_t pub[CPC_PUBKEY_LEN],
                   struct cpc_err *err);

/* Stateless validation of the payload only (e.g. SUBMIT_RESULT: task id,
 * hash length, worker == sender -> CPC_ERR_INVALID_RESULT "Invalid ComputeResult: ..."). */
int cpc_tx_check_payload(const struct cpc_tx *tx, struct cpc_err *err);

/* Full stateless validation against a chain: known type, chain id
 * (CPC_ERR_WRONG_CHAIN), gas price >= min_gas_price (CPC_ERR_FEE_TOO_LOW),
 * pubkey -> from (CPC_ERR_PUBKEY_MISMATCH), payload, and signature
 * (CPC_ERR_HIGH_S / CPC_ERR_BAD_SIGNATURE). Returns 0 or the first error. */
int cpc_tx_check(const struct cpc_tx *tx, const char *chain_id,
                 uint64_t min_gas_price, struct cpc_err *err);

/* Decode the wire JSON object strictly into tx (fills tx->hash). Does not
 * verify the signature. tx is overwritten (it must not own ext); on success it
 * may own ext (cpc_tx_clear it), on failure it owns nothing. Returns 0 or
 * CPC_ERR_INVALID / CPC_ERR_UNKNOWN_TYPE / CPC_ERR_INVALID_RESULT with a
 * message naming the field. */
int cpc_tx_from_json(struct cpc_tx *tx, const json_t *j, struct cpc_err *err);
/* Parse JSON text (rejects duplicate keys, > CPC_TX_JSON_MAX) then cpc_tx_from_json. */
int cpc_tx_from_json_text(struct cpc_tx *tx, const char *text, size_t len,
                          struct cpc_err *err);
/* Wire JSON of tx including "hash" and "gas". Returns a new reference (caller json_decref's) or NULL on OOM. */
json_t *cpc_tx_to_json(const struct cpc_tx *tx);

/* Returned by cpc_tx_json_text for a tx it does not encode (use the jansson path). */
#define CPC_TX_JSON_TEXT_FALLBACK 1
/* Append to out exactly the bytes of json_dumpb(cpc_tx_to_json(tx),
 * JSON_COMPACT | JSON_SORT_KEYS), without jansson (tx_json_text.c); not
 * NUL-terminated. Handles SUBMIT_RESULT with a plain-ASCII chain id only.
 * Ownership: out stays the caller's (it may be regrown); tx is only read.
 * Returns 0, CPC_TX_JSON_TEXT_FALLBACK (out untouched) or CPC_ERR_NOMEM (out
 * has failed set, nothing appended). */
int cpc_tx_json_text(const struct cpc_tx *tx, struct cpc_buf *out);

/* The inverse, for the hot path of POST /txs: decode text when it is exactly
 * the cpc_tx_json_text of a valid SUBMIT_RESULT (hash checked, payload checked,
 * re-encoded and compared byte for byte), without jansson. Anything else, valid
 * or not, answers CPC_TX_JSON_TEXT_FALLBACK: decode it with cpc_tx_from_json_text,
 * which gives the same tx for every text this accepts (differential test and
 * fuzz target) and owns all error messages. tx never owns ext here; on
 * fallback it is zeroed. Returns 0 or CPC_TX_JSON_TEXT_FALLBACK. */
int cpc_tx_from_json_canonical(struct cpc_tx *tx, const char *text, size_t len);

#endif

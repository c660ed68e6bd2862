/* rental.h — GPU rentals by the minute as ledger state (docs/protocol.md,
 * "Rentals"): the provider's signed offer, the RENTAL_OPEN / RENTAL_END
 * payloads, the rental record, and the state effects (rental.c: codecs and
 * the offer's signature; rental_apply.c: open, end and the settlement at
 * block end). Pure: no I/O, no clocks; time is the block's.
 *
 * Economics: the provider sets rate_per_minute (what it receives per minute);
 * the customer pays rate + commission per minute, commission =
 * floor(rate * commission_bps / 10000) (CPC_COMMISSION_BPS, fixed in the
 * record at opening), which goes to the treasury. The deposit sits in the
 * rental's escrow account (cpc_rental_escrow_address), as a job's escrow
 * does, so the supply invariant over accounts covers it unchanged.
 *
 * Ownership: every struct here is plain data (no heap); JSON functions return
 * new references the caller json_decref's, NULL on OOM.
 */
#ifndef CPC_CORE_RENTAL_H
#define CPC_CORE_RENTAL_H

#include <jansson.h>
#include <stdint.h>

#include "bech32.h"
#include "codec.h"
#include "err.h"
#include "keys.h"

#define CPC_RENTAL_MINUTE_MS 60000ULL
/* Shortest billing minute a genesis may set (params.rental_minute_ms): test and
 * devnet chains run a rental's hour in a minute; the public network keeps 60000. */
#define CPC_RENTAL_MINUTE_MIN_MS 1000ULL
/* Largest rate: rate + commission stays <= INT64_MAX. */
#define CPC_RENTAL_MAX_RATE ((uint64_t)INT64_MAX / 2)
/* Gas: RENTAL_OPEN verifies the offer's signature and creates a record, its
 * escrow account and a due-index entry; RENTAL_END settles and refunds. */
#define CPC_GAS_RENTAL_OPEN 100000ULL
#define CPC_GAS_RENTAL_END 50000ULL
/* RENTAL_EXTEND reads and rewrites one record and moves one amount;
 * COMMISSION_SET writes or deletes one 5-byte object. */
#define CPC_GAS_RENTAL_EXTEND 50000ULL
#define CPC_GAS_COMMISSION_SET 30000ULL
/* Largest per-provider commission: half the provider's rate. A bound keeps a
 * validator key that leaks, or a typo, from pricing a provider out (a customer
 * never pays more than 1.5 x the provider's rate), and keeps the minute's cost
 * within CPC_RENTAL_MAX_RATE x 1.5 (no overflow). */
#define CPC_COMMISSION_MAX_BPS 5000u
/* Settlement work per block (one unit per due entry, stale or not) and minute
 * steps per block (one unit per minute of the due index walked); the rest
 * carries over to the next block, in order. */
#define CPC_RENTAL_SETTLE_WORK 4000
#define CPC_RENTAL_MINUTE_STEPS 100000
#define CPC_RENTAL_BUCKET 64 /* due entries per index bucket */

enum cpc_rental_status { CPC_RENTAL_OPEN = 0, CPC_RENTAL_ENDED = 1 };
enum cpc_rental_end_reason {
    CPC_RENTAL_END_NONE = 0,     /* still open */
    CPC_RENTAL_END_CUSTOMER = 1, /* RENTAL_END from the customer */
    CPC_RENTAL_END_PROVIDER = 2, /* RENTAL_END from the provider */
    CPC_RENTAL_END_FUNDS = 3,    /* the escrow could not cover the next minute */
};

/* What the provider signs. Encoding: server_id[16] | provider[20] | u64 rate | u64 expires_ms. */
struct cpc_rental_offer {
    uint8_t server_id[16];               /* the platform's server UUID */
    uint8_t provider[CPC_ADDR_HASH_LEN]; /* receives rate_per_minute */
    uint64_t rate_per_minute;            /* base units, 1..CPC_RENTAL_MAX_RATE */
    uint64_t expires_ms;                 /* the offer is void in a block with time > this */
};

/* RENTAL_OPEN (sent by the customer): offer | provider_pubkey[33] | provider_sig[64] | u64 deposit. */
struct cpc_payload_rental_open {
    struct cpc_rental_offer offer;
    uint8_t provider_pubkey[CPC_PUBKEY_LEN]; /* hash160 must equal offer.provider */
    uint8_t provider_sig[CPC_SIG_LEN];       /* over cpc_rental_offer_digest */
    uint64_t deposit;                        /* >= one minute (rate + commission) */
};

/* RENTAL_END (sent by the customer or the provider): rental_id[32]. */
struct cpc_payload_rental_end {
    uint8_t rental_id[32]; /* the RENTAL_OPEN tx hash */
};

/* RENTAL_EXTEND (sent by the customer): rental_id[32] | u64 amount. */
struct cpc_payload_rental_extend {
    uint8_t rental_id[32]; /* the RENTAL_OPEN tx hash */
    uint64_t amount;       /* moved into the escrow; >= one minute at the record's commission */
};

/* COMMISSION_SET (sent by the validator): provider[20] | u32 bps. bps ==
 * CPC_COMMISSION_BPS removes the provider's override (the default applies). */
struct cpc_payload_commission_set {
    uint8_t provider[CPC_ADDR_HASH_LEN];
    uint32_t bps; /* 0..CPC_COMMISSION_MAX_BPS */
};

/* The record under 'R' | rental id[32]. Encoding: u8 version(1) | customer[20] |
 * provider[20] | server_id[16] | u64 rate | u32 commission_bps | u64 deposit |
 * u64 opened_ms | u64 settled_ms | u64 paid_minutes | u8 status | u8 end_reason |
 * u64 ended_ms. The escrow left is the balance of cpc_rental_escrow_address(id). */
struct cpc_rental {
    uint8_t id[32];
    uint8_t customer[CPC_ADDR_HASH_LEN];
    uint8_t provider[CPC_ADDR_HASH_LEN];
    uint8_t server_id[16];
    uint64_t rate_per_minute;
    uint32_t commission_bps;
    uint64_t deposit;
    uint64_t opened_ms;
    uint64_t settled_ms;   /* block time up to which minutes are paid: opened + paid x 60000 */
    uint64_t paid_minutes; /* minutes paid so far */
    uint8_t status;        /* enum cpc_rental_status */
    uint8_t end_reason;    /* enum cpc_rental_end_reason */
    uint64_t ended_ms;     /* 0 while open */
};

#define CPC_KEY_RENTAL 'R'     /* 'R' | rental id[32]          -> rental record */
#define CPC_KEY_RENTAL_DUE 'M' /* 'M'                          -> cursor: u64 minute | u32 entry;
                                * 'M' | u64be minute           -> u32 entries filed there;
                                * 'M' | u64be minute | u32be b -> due bucket b (rental_apply.c) */
#define CPC_KEY_COMMISSION 'C' /* 'C' | provider[20]         -> u32 bps: the provider's
                                * commission override (absent = CPC_COMMISSION_BPS) */

struct cpc_chain_params;
/* The chain's billing minute in ms: params->rental_minute_ms, or CPC_RENTAL_MINUTE_MS
 * when 0 (params may be NULL). */
uint64_t cpc_rental_minute_ms(const struct cpc_chain_params *params);

/* Per-minute commission of rate at bps: floor(rate * bps / 10000), exact, no overflow. */
uint64_t cpc_rental_commission(uint64_t rate, uint32_t bps);
/* What the customer pays per minute: rate + commission (rate <= CPC_RENTAL_MAX_RATE). */
uint64_t cpc_rental_minute_cost(uint64_t rate, uint32_t bps);

/* Digest the provider signs: SHA256("cpc-rental-offer" | u32be len | chain_id | offer encoding). */
void cpc_rental_offer_digest(uint8_t out[32], const char *chain_id, const struct cpc_rental_offer *o);
/* Sign an offer with the provider's secret key. Returns 0 or CPC_ERR_CRYPTO. */
int cpc_rental_offer_sign(uint8_t sig[CPC_SIG_LEN], const struct cpc_signer *s,
                          const uint8_t provider_sk[CPC_SECKEY_LEN], const char *chain_id,
                          const struct cpc_rental_offer *o);
/* 0 when pub hashes to o->provider and sig is its signature over the offer,
 * else CPC_ERR_UNAUTHORIZED with the reason in err. */
int cpc_rental_offer_verify(const uint8_t sig[CPC_SIG_LEN], const uint8_t pub[CPC_PUBKEY_LEN],
                            const char *chain_id, const struct cpc_rental_offer *o,
                            struct cpc_err *err);

/* Escrow account of a rental: SHA256("cpc-rental-escrow" | id)[0..20]. */
void cpc_rental_escrow_address(uint8_t out[CPC_ADDR_HASH_LEN], const uint8_t id[32]);
/* 'R' | id; returns the key length (33). */
size_t cpc_key_rental(uint8_t key[33], const uint8_t id[32]);

/* Payload codecs (tx_types_rental.c binds them). JSON of RENTAL_OPEN:
 * {"offer":{"server_id":"uuid","provider":"cpc1..","rate_per_minute":N,"expires_ms":N},
 *  "provider_pubkey":"hex66","provider_signature":"hex128","deposit":N};
 * of RENTAL_END: {"rental_id":"hex64"}. from_json is strict (unknown keys
 * rejected, messages name the field). */
void cpc_rental_offer_encode(const struct cpc_rental_offer *o, struct cpc_buf *b);
void cpc_payload_rental_open_encode(const struct cpc_payload_rental_open *p, struct cpc_buf *b);
int cpc_payload_rental_open_from_json(struct cpc_payload_rental_open *p, const json_t *j,
                                      struct cpc_err *err);
json_t *cpc_payload_rental_open_to_json(const struct cpc_payload_rental_open *p);
void cpc_payload_rental_end_encode(const struct cpc_payload_rental_end *p, struct cpc_buf *b);
int cpc_payload_rental_end_from_json(struct cpc_payload_rental_end *p, const json_t *j,
                                     struct cpc_err *err);
json_t *cpc_payload_rental_end_to_json(const struct cpc_payload_rental_end *p);
/* RENTAL_EXTEND JSON: {"rental_id":"hex64","amount":N} (amount 1..INT64_MAX). */
void cpc_payload_rental_extend_encode(const struct cpc_payload_rental_extend *p,
                                      struct cpc_buf *b);
int cpc_payload_rental_extend_from_json(struct cpc_payload_rental_extend *p, const json_t *j,
                                        struct cpc_err *err);
json_t *cpc_payload_rental_extend_to_json(const struct cpc_payload_rental_extend *p);
/* COMMISSION_SET JSON: {"provider":"cpc1..","bps":N} (bps 0..CPC_COMMISSION_MAX_BPS). */
void cpc_payload_commission_set_encode(const struct cpc_payload_commission_set *p,
                                       struct cpc_buf *b);
int cpc_payload_commission_set_from_json(struct cpc_payload_commission_set *p, const json_t *j,
                                         struct cpc_err *err);
json_t *cpc_payload_commission_set_to_json(const struct cpc_payload_commission_set *p);
/* 'C' | provider; returns the key length (21). */
size_t cpc_key_commission(uint8_t key[21], const uint8_t provider[CPC_ADDR_HASH_LEN]);
/* The stored override value (4 bytes, u32be): 0 with *bps, CPC_ERR_INVALID when malformed
 * or above CPC_COMMISSION_MAX_BPS. */
int cpc_commission_decode(const uint8_t *data, size_t len, uint32_t *bps);

/* Record codec. decode fills r (id from the argument) or returns CPC_ERR_INVALID
 * for any malformed bytes (wrong version, truncated, trailing bytes, bad status). */
void cpc_rental_encode(const struct cpc_rental *r, struct cpc_buf *b);
int cpc_rental_decode(struct cpc_rental *r, const uint8_t id[32], const uint8_t *data, size_t len);
/* JSON view of a record (escrow is the caller's to add: it is an account balance). */
json_t *cpc_rental_to_json(const struct cpc_rental *r);

/* ---- state effects (rental_apply.c) ---- */
struct cpc_overlay;
struct cpc_block_ctx;
struct cpc_tx;
/* The record of id: 0, CPC_ERR_NOT_FOUND, or CPC_ERR_INVALID (corrupt). */
int cpc_rental_get(const struct cpc_overlay *ov, const uint8_t id[32], struct cpc_rental *out);
/* RENTAL_OPEN / RENTAL_END effects (the dispatch table's apply; see tx_types.h). */
int cpc_rental_apply_open(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                          const struct cpc_tx *tx, struct cpc_err *err);
int cpc_rental_apply_end(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                         const struct cpc_tx *tx, struct cpc_err *err);
int cpc_rental_apply_extend(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const struct cpc_tx *tx, struct cpc_err *err);
int cpc_rental_apply_commission_set(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                    const struct cpc_tx *tx, struct cpc_err *err);
/* The commission a rental of provider opened now gets: its override, else
 * CPC_COMMISSION_BPS. 0, or CPC_ERR_INVALID for a corrupt override. */
int cpc_rental_commission_of(const struct cpc_overlay *ov,
                             const uint8_t provider[CPC_ADDR_HASH_LEN], uint32_t *bps);
/* Block end: settle the due rentals, oldest minute first, within
 * CPC_RENTAL_SETTLE_WORK entries and CPC_RENTAL_MINUTE_STEPS minutes; the rest
 * carries over to the next block. An error fails the block. */
int cpc_rental_end_block(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                         struct cpc_err *err);

#endif

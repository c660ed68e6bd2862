/* tx_types_rental.c — dispatch-table entries of the rentals' tx types
 * (tx_types.h): RENTAL_OPEN and RENTAL_END. Codecs come from rental.c, state
 * effects from rental_apply.c; this file binds them to a type, a name, a
 * declared gas and the stateless checks.
 *
 *   RENTAL_OPEN  100,000 gas   value = deposit (moved into the rental's escrow);
 *                              the check verifies the provider's offer signature
 *   RENTAL_END    50,000 gas   customer or provider only (apply)
 *   RENTAL_EXTEND 50,000 gas   value = amount (moved into the escrow); the
 *                              customer of an open rental only (apply)
 *   COMMISSION_SET 30,000 gas  the validator only (apply); bps 0..5000
 * Every payload has a fixed size (RENTAL_OPEN 157 bytes, RENTAL_END 32,
 * RENTAL_EXTEND 40, COMMISSION_SET 24), so a constant gas covers them.
 */
#include <string.h>

#include "amount.h"
#include "rental.h"
#include "tx_types.h"

/* ---- RENTAL_OPEN ---- */
static void open_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_rental_open_encode(&tx->u.rental_open, b);
}
static int open_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    return cpc_payload_rental_open_from_json(&tx->u.rental_open, p, err);
}
static json_t *open_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_rental_open_to_json(&tx->u.rental_open);
}
/* Ranges, the provider's rate covered (one minute at the lowest commission,
 * 0 bps; apply checks the commission the rental gets), customer != provider, and the offer's signature
 * by offer.provider over this chain (tx->chain_id: cpc_tx_check and apply
 * require it to be the chain's). */
static int open_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_rental_open *p = &tx->u.rental_open;
    if (p->offer.rate_per_minute == 0 || p->offer.rate_per_minute > CPC_RENTAL_MAX_RATE)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.offer.rate_per_minute: must be 1..%llu",
                           (unsigned long long)CPC_RENTAL_MAX_RATE);
    if (p->offer.expires_ms > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.offer.expires_ms: too large");
    if (p->deposit > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.deposit: too large");
    if (p->deposit < p->offer.rate_per_minute) {
        char have[CPC_AMOUNT_STR_MAX], need[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(have, p->deposit);
        cpc_amount_format(need, p->offer.rate_per_minute);
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "payload.deposit: %s CPC does not cover one minute (the rate alone "
                           "is %s CPC)",
                           have, need);
    }
    if (memcmp(p->offer.provider, tx->from, CPC_ADDR_HASH_LEN) == 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.offer.provider: cannot rent from itself");
    return cpc_rental_offer_verify(p->provider_sig, p->provider_pubkey, tx->chain_id, &p->offer,
                                   err);
}
static uint64_t open_value(const struct cpc_tx *tx)
{
    return tx->u.rental_open.deposit;
}

/* ---- RENTAL_END ---- */
static void end_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_rental_end_encode(&tx->u.rental_end, b);
}
static int end_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    return cpc_payload_rental_end_from_json(&tx->u.rental_end, p, err);
}
static json_t *end_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_rental_end_to_json(&tx->u.rental_end);
}
static uint64_t no_value(const struct cpc_tx *tx)
{
    (void)tx;
    return 0;
}

/* ---- RENTAL_EXTEND ---- */
static void extend_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_rental_extend_encode(&tx->u.rental_extend, b);
}
static int extend_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    return cpc_payload_rental_extend_from_json(&tx->u.rental_extend, p, err);
}
static json_t *extend_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_rental_extend_to_json(&tx->u.rental_extend);
}
static int extend_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    uint64_t a = tx->u.rental_extend.amount;
    if (a == 0 || a > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.amount: must be 1..%lld",
                           (long long)INT64_MAX);
    return 0;
}
static uint64_t extend_value(const struct cpc_tx *tx)
{
    return tx->u.rental_extend.amount;
}

/* ---- COMMISSION_SET ---- */
static void commission_encode(const struct cpc_tx *tx, struct cpc_buf *b)
{
    cpc_payload_commission_set_encode(&tx->u.commission_set, b);
}
static int commission_from_json(struct cpc_tx *tx, const json_t *p, struct cpc_err *err)
{
    return cpc_payload_commission_set_from_json(&tx->u.commission_set, p, err);
}
static json_t *commission_to_json(const struct cpc_tx *tx)
{
    return cpc_payload_commission_set_to_json(&tx->u.commission_set);
}
static int commission_check(const struct cpc_tx *tx, struct cpc_err *err)
{
    if (tx->u.commission_set.bps > CPC_COMMISSION_MAX_BPS)
        return cpc_err_set(err, CPC_ERR_INVALID, "payload.bps: must be 0..%u",
                           CPC_COMMISSION_MAX_BPS);
    return 0;
}

static const struct cpc_tx_kind RENTAL_KINDS[] = {
    {CPC_TX_RENTAL_OPEN, "RENTAL_OPEN", CPC_GAS_RENTAL_OPEN, open_encode, open_from_json,
     open_to_json, open_check, open_value, NULL, cpc_rental_apply_open},
    {CPC_TX_RENTAL_END, "RENTAL_END", CPC_GAS_RENTAL_END, end_encode, end_from_json, end_to_json,
     NULL, no_value, NULL, cpc_rental_apply_end},
    {CPC_TX_RENTAL_EXTEND, "RENTAL_EXTEND", CPC_GAS_RENTAL_EXTEND, extend_encode,
     extend_from_json, extend_to_json, extend_check, extend_value, NULL, cpc_rental_apply_extend},
    {CPC_TX_COMMISSION_SET, "COMMISSION_SET", CPC_GAS_COMMISSION_SET, commission_encode,
     commission_from_json, commission_to_json, commission_check, no_value, NULL,
     cpc_rental_apply_commission_set},
};

const struct cpc_tx_kind *cpc__rental_tx_kind(enum cpc_tx_type t)
{
    for (size_t i = 0; i < sizeof RENTAL_KINDS / sizeof RENTAL_KINDS[0]; i++)
        if (RENTAL_KINDS[i].type == t)
            return &RENTAL_KINDS[i];
    return NULL;
}

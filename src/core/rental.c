/* rental.c — rentals' codecs (rental.h): the offer, its digest and signature,
 * the RENTAL_OPEN / RENTAL_END / RENTAL_EXTEND / COMMISSION_SET payloads
 * (binary and strict JSON), the commission override and the rental record. The state effects are in rental_apply.c.
 */
#include "rental.h"

#include <string.h>

#include "apply.h"
#include "bytes.h"
#include "hash.h"
#include "hex_json.h"
#include "ledger_json.h"
#include "market_priv.h"

uint64_t cpc_rental_minute_ms(const struct cpc_chain_params *params)
{
    return params && params->rental_minute_ms ? params->rental_minute_ms : CPC_RENTAL_MINUTE_MS;
}

uint64_t cpc_rental_commission(uint64_t rate, uint32_t bps)
{
    /* floor(rate * bps / 10000) without the product: rate = 10000 q + r */
    return (rate / 10000) * bps + (rate % 10000) * bps / 10000;
}

uint64_t cpc_rental_minute_cost(uint64_t rate, uint32_t bps)
{
    return rate + cpc_rental_commission(rate, bps);
}

void cpc_rental_offer_encode(const struct cpc_rental_offer *o, struct cpc_buf *b)
{
    cpc_buf_put(b, o->server_id, 16);
    cpc_buf_put(b, o->provider, CPC_ADDR_HASH_LEN);
    cpc_buf_put_u64(b, o->rate_per_minute);
    cpc_buf_put_u64(b, o->expires_ms);
}

void cpc_rental_offer_digest(uint8_t out[32], const char *chain_id, const struct cpc_rental_offer *o)
{
    static const char TAG[] = "cpc-rental-offer";
    size_t n = chain_id ? strlen(chain_id) : 0;
    uint8_t len_be[4], enc[16 + CPC_ADDR_HASH_LEN + 16];
    cpc_put_u32be(len_be, (uint32_t)n);
    memcpy(enc, o->server_id, 16);
    memcpy(enc + 16, o->provider, CPC_ADDR_HASH_LEN);
    for (int i = 0; i < 8; i++) {
        enc[16 + CPC_ADDR_HASH_LEN + i] = (uint8_t)(o->rate_per_minute >> (56 - 8 * i));
        enc[24 + CPC_ADDR_HASH_LEN + i] = (uint8_t)(o->expires_ms >> (56 - 8 * i));
    }
    struct cpc_sha256_ctx c;
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, TAG, sizeof TAG - 1);
    cpc_sha256_update(&c, len_be, 4);
    if (n)
        cpc_sha256_update(&c, chain_id, n);
    cpc_sha256_update(&c, enc, sizeof enc);
    cpc_sha256_final(&c, out);
}

int cpc_rental_offer_sign(uint8_t sig[CPC_SIG_LEN], const struct cpc_signer *s,
                          const uint8_t provider_sk[CPC_SECKEY_LEN], const char *chain_id,
                          const struct cpc_rental_offer *o)
{
    uint8_t d[32];
    cpc_rental_offer_digest(d, chain_id, o);
    return cpc_sign(s, sig, d, provider_sk);
}

int cpc_rental_offer_verify(const uint8_t sig[CPC_SIG_LEN], const uint8_t pub[CPC_PUBKEY_LEN],
                            const char *chain_id, const struct cpc_rental_offer *o,
                            struct cpc_err *err)
{
    uint8_t h[CPC_ADDR_HASH_LEN], d[32];
    if (cpc_pubkey_hash(h, pub) != 0 || memcmp(h, o->provider, CPC_ADDR_HASH_LEN) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           "payload.provider_pubkey: not the key of offer.provider");
    cpc_rental_offer_digest(d, chain_id, o);
    if (cpc_verify(sig, d, pub) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           "payload.provider_signature: not the provider's signature of this offer");
    return 0;
}

void cpc_rental_escrow_address(uint8_t out[CPC_ADDR_HASH_LEN], const uint8_t id[32])
{
    static const char TAG[] = "cpc-rental-escrow";
    uint8_t h[32];
    cpc_sha256_2(h, TAG, sizeof TAG - 1, id, 32);
    memcpy(out, h, CPC_ADDR_HASH_LEN);
}

size_t cpc_key_rental(uint8_t key[33], const uint8_t id[32])
{
    key[0] = CPC_KEY_RENTAL;
    memcpy(key + 1, id, 32);
    return 33;
}

/* ---------------- RENTAL_OPEN ---------------- */

void cpc_payload_rental_open_encode(const struct cpc_payload_rental_open *p, struct cpc_buf *b)
{
    cpc_rental_offer_encode(&p->offer, b);
    cpc_buf_put(b, p->provider_pubkey, CPC_PUBKEY_LEN);
    cpc_buf_put(b, p->provider_sig, CPC_SIG_LEN);
    cpc_buf_put_u64(b, p->deposit);
}

static int offer_from_json(struct cpc_rental_offer *o, const json_t *j, struct cpc_err *err)
{
    static const char *const KEYS[] = {"server_id", "provider", "rate_per_minute", "expires_ms",
                                       NULL};
    int rc = cpc__json_check_object(j, "payload.offer", KEYS, CPC_ERR_INVALID, err);
    if (rc == 0)
        rc = cpc__mkt_uuid(j, "payload.offer", "server_id", o->server_id, err);
    if (rc == 0)
        rc = cpc__json_addr(j, "payload.offer", "provider", o->provider, CPC_ERR_INVALID, err);
    if (rc == 0)
        rc = cpc__json_u64(j, "payload.offer", "rate_per_minute", 1, CPC_RENTAL_MAX_RATE,
                           &o->rate_per_minute, CPC_ERR_INVALID, err);
    if (rc == 0)
        rc = cpc__json_u64(j, "payload.offer", "expires_ms", 0, INT64_MAX, &o->expires_ms,
                           CPC_ERR_INVALID, err);
    return rc;
}

int cpc_payload_rental_open_from_json(struct cpc_payload_rental_open *p, const json_t *j,
                                      struct cpc_err *err)
{
    static const char *const KEYS[] = {"offer", "provider_pubkey", "provider_signature",
                                       "deposit", NULL};
    const json_t *offer;
    int rc = cpc__json_check_object(j, "payload", KEYS, CPC_ERR_INVALID, err);
    if (rc == 0)
        rc = cpc__json_req(j, "payload", "offer", &offer, CPC_ERR_INVALID, err);
    if (rc == 0)
        rc = offer_from_json(&p->offer, offer, err);
    if (rc == 0)
        rc = cpc__json_hex_exact(j, "payload", "provider_pubkey", p->provider_pubkey,
                                 CPC_PUBKEY_LEN, CPC_ERR_INVALID, err);
    if (rc == 0)
        rc = cpc__json_hex_exact(j, "payload", "provider_signature", p->provider_sig, CPC_SIG_LEN,
                                 CPC_ERR_INVALID, err);
    if (rc == 0)
        rc = cpc__json_u64(j, "payload", "deposit", 1, INT64_MAX, &p->deposit, CPC_ERR_INVALID,
                           err);
    return rc;
}

json_t *cpc_payload_rental_open_to_json(const struct cpc_payload_rental_open *p)
{
    json_t *o = json_object(), *offer = json_object();
    if (!o || !offer) {
        json_decref(o);
        json_decref(offer);
        return NULL;
    }
    if (cpc__json_set(offer, "server_id", cpc__mkt_uuid_json(p->offer.server_id)) ||
        cpc__json_set(offer, "provider", cpc__mkt_addr_json(p->offer.provider)) ||
        cpc__json_set(offer, "rate_per_minute", json_integer((json_int_t)p->offer.rate_per_minute)) ||
        cpc__json_set(offer, "expires_ms", json_integer((json_int_t)p->offer.expires_ms))) {
        json_decref(offer);
        json_decref(o);
        return NULL;
    }
    if (cpc__json_set(o, "offer", offer) ||
        cpc__json_set(o, "provider_pubkey", cpc_hex_json(p->provider_pubkey, CPC_PUBKEY_LEN)) ||
        cpc__json_set(o, "provider_signature", cpc_hex_json(p->provider_sig, CPC_SIG_LEN)) ||
        cpc__json_set(o, "deposit", json_integer((json_int_t)p->deposit))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------- RENTAL_END ---------------- */

void cpc_payload_rental_end_encode(const struct cpc_payload_rental_end *p, struct cpc_buf *b)
{
    cpc_buf_put(b, p->rental_id, 32);
}

int cpc_payload_rental_end_from_json(struct cpc_payload_rental_end *p, const json_t *j,
                                     struct cpc_err *err)
{
    static const char *const KEYS[] = {"rental_id", NULL};
    int rc = cpc__json_check_object(j, "payload", KEYS, CPC_ERR_INVALID, err);
    if (rc)
        return rc;
    return cpc__json_hex_exact(j, "payload", "rental_id", p->rental_id, 32, CPC_ERR_INVALID, err);
}

json_t *cpc_payload_rental_end_to_json(const struct cpc_payload_rental_end *p)
{
    json_t *o = json_object();
    if (o && cpc__json_set(o, "rental_id", cpc_hex_json(p->rental_id, 32))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------- RENTAL_EXTEND ---------------- */

void cpc_payload_rental_extend_encode(const struct cpc_payload_rental_extend *p,
                                      struct cpc_buf *b)
{
    cpc_buf_put(b, p->rental_id, 32);
    cpc_buf_put_u64(b, p->amount);
}

int cpc_payload_rental_extend_from_json(struct cpc_payload_rental_extend *p, const json_t *j,
                                        struct cpc_err *err)
{
    static const char *const KEYS[] = {"rental_id", "amount", NULL};
    int rc = cpc__json_check_object(j, "payload", KEYS, CPC_ERR_INVALID, err);
    if (rc == 0)
        rc = cpc__json_hex_exact(j, "payload", "rental_id", p->rental_id, 32, CPC_ERR_INVALID,
                                 err);
    if (rc == 0)
        rc = cpc__json_u64(j, "payload", "amount", 1, INT64_MAX, &p->amount, CPC_ERR_INVALID,
                           err);
    return rc;
}

json_t *cpc_payload_rental_extend_to_json(const struct cpc_payload_rental_extend *p)
{
    json_t *o = json_object();
    if (o && (cpc__json_set(o, "rental_id", cpc_hex_json(p->rental_id, 32)) ||
              cpc__json_set(o, "amount", json_integer((json_int_t)p->amount)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------- COMMISSION_SET ---------------- */

void cpc_payload_commission_set_encode(const struct cpc_payload_commission_set *p,
                                       struct cpc_buf *b)
{
    cpc_buf_put(b, p->provider, CPC_ADDR_HASH_LEN);
    cpc_buf_put_u32(b, p->bps);
}

int cpc_payload_commission_set_from_json(struct cpc_payload_commission_set *p, const json_t *j,
                                         struct cpc_err *err)
{
    static const char *const KEYS[] = {"provider", "bps", NULL};
    uint64_t bps = 0;
    int rc = cpc__json_check_object(j, "payload", KEYS, CPC_ERR_INVALID, err);
    if (rc == 0)
        rc = cpc__json_addr(j, "payload", "provider", p->provider, CPC_ERR_INVALID, err);
    if (rc == 0)
        rc = cpc__json_u64(j, "payload", "bps", 0, CPC_COMMISSION_MAX_BPS, &bps, CPC_ERR_INVALID,
                           err);
    p->bps = (uint32_t)bps;
    return rc;
}

json_t *cpc_payload_commission_set_to_json(const struct cpc_payload_commission_set *p)
{
    json_t *o = json_object();
    if (o && (cpc__json_set(o, "provider", cpc__mkt_addr_json(p->provider)) ||
              cpc__json_set(o, "bps", json_integer((json_int_t)p->bps)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

size_t cpc_key_commission(uint8_t key[21], const uint8_t provider[CPC_ADDR_HASH_LEN])
{
    key[0] = CPC_KEY_COMMISSION;
    memcpy(key + 1, provider, CPC_ADDR_HASH_LEN);
    return 1 + CPC_ADDR_HASH_LEN;
}

int cpc_commission_decode(const uint8_t *data, size_t len, uint32_t *bps)
{
    if (len != 4)
        return CPC_ERR_INVALID;
    *bps = cpc_get_u32be(data);
    return *bps <= CPC_COMMISSION_MAX_BPS ? 0 : CPC_ERR_INVALID;
}

/* ---------------- the record ---------------- */

#define RENTAL_RECORD_VERSION 1

void cpc_rental_encode(const struct cpc_rental *r, struct cpc_buf *b)
{
    cpc_buf_put_u8(b, RENTAL_RECORD_VERSION);
    cpc_buf_put(b, r->customer, CPC_ADDR_HASH_LEN);
    cpc_buf_put(b, r->provider, CPC_ADDR_HASH_LEN);
    cpc_buf_put(b, r->server_id, 16);
    cpc_buf_put_u64(b, r->rate_per_minute);
    cpc_buf_put_u32(b, r->commission_bps);
    cpc_buf_put_u64(b, r->deposit);
    cpc_buf_put_u64(b, r->opened_ms);
    cpc_buf_put_u64(b, r->settled_ms);
    cpc_buf_put_u64(b, r->paid_minutes);
    cpc_buf_put_u8(b, r->status);
    cpc_buf_put_u8(b, r->end_reason);
    cpc_buf_put_u64(b, r->ended_ms);
}

int cpc_rental_decode(struct cpc_rental *r, const uint8_t id[32], const uint8_t *data, size_t len)
{
    struct cpc_reader rd;
    memset(r, 0, sizeof *r);
    memcpy(r->id, id, 32);
    cpc_reader_init(&rd, data, len);
    uint8_t version = cpc_read_u8(&rd);
    cpc_read_bytes(&rd, r->customer, CPC_ADDR_HASH_LEN);
    cpc_read_bytes(&rd, r->provider, CPC_ADDR_HASH_LEN);
    cpc_read_bytes(&rd, r->server_id, 16);
    r->rate_per_minute = cpc_read_u64(&rd);
    r->commission_bps = cpc_read_u32(&rd);
    r->deposit = cpc_read_u64(&rd);
    r->opened_ms = cpc_read_u64(&rd);
    r->settled_ms = cpc_read_u64(&rd);
    r->paid_minutes = cpc_read_u64(&rd);
    r->status = cpc_read_u8(&rd);
    r->end_reason = cpc_read_u8(&rd);
    r->ended_ms = cpc_read_u64(&rd);
    if (rd.failed || rd.left || version != RENTAL_RECORD_VERSION || r->status > CPC_RENTAL_ENDED ||
        r->end_reason > CPC_RENTAL_END_FUNDS || r->rate_per_minute == 0 ||
        r->rate_per_minute > CPC_RENTAL_MAX_RATE || r->commission_bps > 10000 ||
        r->settled_ms < r->opened_ms)
        return CPC_ERR_INVALID;
    return 0;
}

static const char *end_reason_name(uint8_t reason)
{
    switch (reason) {
    case CPC_RENTAL_END_CUSTOMER:
        return "customer";
    case CPC_RENTAL_END_PROVIDER:
        return "provider";
    case CPC_RENTAL_END_FUNDS:
        return "funds";
    default:
        return "";
    }
}

json_t *cpc_rental_to_json(const struct cpc_rental *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    cpc_rental_escrow_address(escrow, r->id);
    if (cpc__json_set(o, "id", cpc_hex_json(r->id, 32)) ||
        cpc__json_set(o, "customer", cpc__mkt_addr_json(r->customer)) ||
        cpc__json_set(o, "provider", cpc__mkt_addr_json(r->provider)) ||
        cpc__json_set(o, "server_id", cpc__mkt_uuid_json(r->server_id)) ||
        cpc__json_set(o, "rate_per_minute", json_integer((json_int_t)r->rate_per_minute)) ||
        cpc__json_set(o, "commission_bps", json_integer((json_int_t)r->commission_bps)) ||
        cpc__json_set(o, "deposit", json_integer((json_int_t)r->deposit)) ||
        cpc__json_set(o, "escrow_address", cpc__mkt_addr_json(escrow)) ||
        cpc__json_set(o, "opened_ms", json_integer((json_int_t)r->opened_ms)) ||
        cpc__json_set(o, "settled_ms", json_integer((json_int_t)r->settled_ms)) ||
        cpc__json_set(o, "paid_minutes", json_integer((json_int_t)r->paid_minutes)) ||
        cpc__json_set(o, "status", json_string(r->status == CPC_RENTAL_OPEN ? "open" : "ended")) ||
        cpc__json_set(o, "end_reason", json_string(end_reason_name(r->end_reason))) ||
        cpc__json_set(o, "ended_ms", json_integer((json_int_t)r->ended_ms))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

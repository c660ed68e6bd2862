/* tx_json_text.c — a direct (jansson-free) encoder of a tx's stored JSON text.
 *
 * Design note: the store keeps every tx's wire JSON as
 * json_dumpb(cpc_tx_to_json(tx), JSON_COMPACT | JSON_SORT_KEYS), and the
 * bench's workers send the same text; building a jansson object tree per tx
 * (a dozen mallocs, a hash table, a key sort) was half of the store's commit
 * cost. cpc_tx_json_text writes those bytes directly, for SUBMIT_RESULT only
 * (the hot type); every other type, and any SUBMIT_RESULT whose output would
 * need jansson's string escaping or UTF-8 validation, is answered with
 * CPC_TX_JSON_TEXT_FALLBACK so the caller takes the jansson path. "Exactly the
 * same bytes" is a contract proved by tests/unit/test_core_tx_json_text.c and
 * fuzz/fuzz_tx_json_text.c (differential against the jansson path); anything
 * that changes cpc_tx_to_json or result_to_json must change this file too.
 *
 * What jansson 2.14 produces with JSON_COMPACT | JSON_SORT_KEYS, mirrored here:
 *   - keys in strcmp order, separators "," and ":" without spaces;
 *   - integers as "%lld" of the (json_int_t) cast, so a u64 above INT64_MAX
 *     prints negative (the decoder never yields one, but stay exact anyway);
 *   - strings verbatim when every byte is printable ASCII other than '"' and
 *     '\\' (no ESCAPE_SLASH / ENSURE_ASCII). The only free-form string is
 *     chain_id (the first CPC_CHAIN_ID_MAX bytes up to a NUL, as
 *     cpc_tx_to_json reads it); anything else in it falls back. Hex, UUIDs
 *     and bech32 addresses are always in that set.
 *   - "lease" present iff has_lease != 0; result_hash truncated to
 *     CPC_RESULT_HASH_MAX bytes, as result_to_json does.
 * The text is built in a bounded stack buffer and appended in one put; no
 * globals, no allocation besides the caller's buffer growing.
 */
#include "tx.h"

#include <string.h>

#include "hex.h"
#include "ledger_json.h"
#include "merkle.h"
#include "uuid.h"

/* Upper bound of one SUBMIT_RESULT text: ~260 bytes of keys and punctuation,
 * chain 64, two addresses < 2*48, pubkey 66, three integers 3*20, hash 64,
 * sig 128, result_hash 128, task 36, lease (expires 20 + sig 128; a set
 * member adds ~30 of keys, index 5, size 3 and a path of up to 8 * 64). */
#define TX_TEXT_BOUND 2048

static char *put_lit(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define PUT(p, lit) ((p) = put_lit((p), (lit), sizeof(lit) - 1))

/* "%lld" of (long long)v, as jansson prints a json_int_t. */
static char *put_int(char *p, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t mag = v;
    if (v > (uint64_t)INT64_MAX) { /* negative as int64: magnitude = 2^64 - v */
        *p++ = '-';
        mag = (uint64_t)0 - v;
    }
    do {
        tmp[n++] = (char)('0' + (int)(mag % 10));
        mag /= 10;
    } while (mag);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_hex(char *p, const uint8_t *in, size_t n)
{
    cpc_hex_encode(p, in, n); /* writes a NUL after, overwritten by the next put */
    return p + 2 * n;
}

/* Bytes jansson dumps verbatim (checked here for the one free-form string). */
static bool plain_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            return false;
    }
    return true;
}

/* Write the text into text[0..TX_TEXT_BOUND); returns its length, or 0 when
 * tx is not one this file encodes. */
static size_t encode(const struct cpc_tx *tx, char text[TX_TEXT_BOUND])
{
    if (tx->type != CPC_TX_SUBMIT_RESULT)
        return 0;
    size_t chain_len = strnlen(tx->chain_id, CPC_CHAIN_ID_MAX);
    if (!plain_ascii(tx->chain_id, chain_len))
        return 0;

    const struct cpc_payload_submit_result *r = &tx->u.result;
    size_t hn = r->result_hash_len <= CPC_RESULT_HASH_MAX ? r->result_hash_len
                                                          : CPC_RESULT_HASH_MAX;
    char addr[CPC_ADDR_STR_MAX];
    char *p = text;

    PUT(p, "{\"chain_id\":\"");
    p = put_lit(p, tx->chain_id, chain_len);
    PUT(p, "\",\"from\":\"");
    cpc_address_encode(addr, tx->from);
    p = put_lit(p, addr, strnlen(addr, sizeof addr));
    PUT(p, "\",\"gas\":");
    p = put_int(p, cpc_tx_gas(tx));
    PUT(p, ",\"gas_price\":");
    p = put_int(p, tx->gas_price);
    PUT(p, ",\"hash\":\"");
    p = put_hex(p, tx->hash, 32);
    PUT(p, "\",\"nonce\":");
    p = put_int(p, tx->nonce);
    PUT(p, ",\"payload\":{");
    if (r->has_lease) {
        PUT(p, "\"lease\":{\"expires\":");
        p = put_int(p, r->lease_expires);
        if (r->has_lease == 2) { /* jansson's sorted keys: expires index path signature size */
            const struct cpc_lease_set_ref *ls = &r->lease_set;
            size_t depth = ls->depth <= CPC_LEASE_PATH_MAX ? ls->depth : CPC_LEASE_PATH_MAX;
            PUT(p, ",\"index\":");
            p = put_int(p, ls->index);
            PUT(p, ",\"path\":\"");
            p = put_hex(p, &ls->path[0][0], depth * 32);
            PUT(p, "\",\"signature\":\"");
            p = put_hex(p, r->lease_sig, sizeof r->lease_sig);
            PUT(p, "\",\"size\":");
            p = put_int(p, ls->size);
            PUT(p, "},");
        } else {
            PUT(p, ",\"signature\":\"");
            p = put_hex(p, r->lease_sig, sizeof r->lease_sig);
            PUT(p, "\"},");
        }
    }
    PUT(p, "\"result_hash\":\"");
    p = put_hex(p, r->result_hash, hn);
    PUT(p, "\",\"task_id\":\"");
    cpc_uuid_format(p, r->task_id);
    p += CPC_UUID_STR_LEN;
    PUT(p, "\",\"worker_address\":\"");
    cpc_address_encode(addr, r->worker);
    p = put_lit(p, addr, strnlen(addr, sizeof addr));
    PUT(p, "\"},\"pubkey\":\"");
    p = put_hex(p, tx->pubkey, CPC_PUBKEY_LEN);
    PUT(p, "\",\"signature\":\"");
    p = put_hex(p, tx->sig, CPC_SIG_LEN);
    PUT(p, "\",\"tx_type\":\"SUBMIT_RESULT\"}");
    return (size_t)(p - text);
}

int cpc_tx_json_text(const struct cpc_tx *tx, struct cpc_buf *out)
{
    char text[TX_TEXT_BOUND];
    size_t n = encode(tx, text);
    if (n == 0)
        return CPC_TX_JSON_TEXT_FALLBACK;
    size_t before = out->len;
    cpc_buf_put(out, text, n);
    if (out->failed || out->len != before + n)
        return CPC_ERR_NOMEM;
    return 0;
}

/* ---- the decoder of that same text ----
 * A cursor over the input; every step either matches and advances or fails
 * the whole decode (the caller then takes the jansson path, which owns every
 * error message). Strings are read up to the next '"' and may not contain a
 * backslash: canonical text never escapes. */
struct cur {
    const char *p, *end;
    bool ok;
};

static void lit(struct cur *c, const char *s, size_t n)
{
    if (c->ok && (size_t)(c->end - c->p) >= n && memcmp(c->p, s, n) == 0)
        c->p += n;
    else
        c->ok = false;
}
#define LIT(c, s) lit((c), (s), sizeof(s) - 1)

/* Digits of a non-negative integer <= INT64_MAX (no sign, no leading zero). */
static uint64_t num(struct cur *c)
{
    uint64_t v = 0;
    const char *q = c->p;
    while (c->ok && q < c->end && *q >= '0' && *q <= '9' && q - c->p < 19) {
        v = v * 10 + (uint64_t)(*q - '0');
        q++;
    }
    if (!c->ok || q == c->p || (q < c->end && *q >= '0' && *q <= '9') || v > (uint64_t)INT64_MAX)
        c->ok = false;
    else
        c->p = q;
    return v;
}

/* The bytes up to the next '"' (not consumed); *n their count. */
static const char *str(struct cur *c, size_t *n)
{
    const char *q = c->p;
    while (c->ok && q < c->end && *q != '"' && *q != '\\')
        q++;
    if (!c->ok || q == c->end || *q != '"') {
        c->ok = false;
        *n = 0;
        return c->p;
    }
    const char *s = c->p;
    *n = (size_t)(q - s);
    c->p = q;
    return s;
}

/* Exactly 2n lowercase-or-not hex digits into out (the re-encode pins the case). */
static void hex(struct cur *c, uint8_t *out, size_t n)
{
    size_t len, got = 0;
    const char *s = str(c, &len);
    if (c->ok && (len != 2 * n || (n && cpc_hex_decode(out, n, &got, s, len) != 0) || got != n))
        c->ok = false;
}

static void address(struct cur *c, uint8_t out[CPC_ADDR_HASH_LEN])
{
    size_t len;
    const char *s = str(c, &len);
    char buf[CPC_ADDR_STR_MAX];
    if (!c->ok || len >= sizeof buf) {
        c->ok = false;
        return;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (cpc_address_decode(out, buf) != 0)
        c->ok = false;
}

static int decode(struct cpc_tx *tx, const char *text, size_t len)
{
    if (len > TX_TEXT_BOUND)
        return CPC_TX_JSON_TEXT_FALLBACK;
    struct cur c = {text, text + len, true};
    struct cpc_payload_submit_result *r = &tx->u.result;
    uint8_t claimed[32];
    size_t n;
    tx->type = CPC_TX_SUBMIT_RESULT;
    LIT(&c, "{\"chain_id\":\"");
    const char *chain = str(&c, &n);
    if (!c.ok || n == 0 || n > CPC_CHAIN_ID_MAX || !cpc__chain_id_valid(chain, n))
        return CPC_TX_JSON_TEXT_FALLBACK;
    memcpy(tx->chain_id, chain, n);
    LIT(&c, "\",\"from\":\"");
    address(&c, tx->from);
    LIT(&c, "\",\"gas\":");
    (void)num(&c); /* must equal cpc_tx_gas: the re-encode checks it */
    LIT(&c, ",\"gas_price\":");
    tx->gas_price = num(&c);
    LIT(&c, ",\"hash\":\"");
    hex(&c, claimed, 32);
    LIT(&c, "\",\"nonce\":");
    tx->nonce = num(&c);
    LIT(&c, ",\"payload\":{");
    if (c.ok && c.end - c.p > 8 && memcmp(c.p, "\"lease\":", 8) == 0) {
        LIT(&c, "\"lease\":{\"expires\":");
        r->lease_expires = num(&c);
        if (c.ok && c.end - c.p > 8 && memcmp(c.p, ",\"index\"", 8) == 0) {
            struct cpc_lease_set_ref *ls = &r->lease_set;
            LIT(&c, ",\"index\":");
            uint64_t index = num(&c);
            LIT(&c, ",\"path\":\"");
            const char *path = str(&c, &n);
            LIT(&c, "\",\"signature\":\"");
            hex(&c, r->lease_sig, sizeof r->lease_sig);
            LIT(&c, "\",\"size\":");
            uint64_t size = num(&c);
            LIT(&c, "},");
            if (!c.ok || size == 0 || size > CPC_LEASE_SET_MAX || index >= size)
                return CPC_TX_JSON_TEXT_FALLBACK;
            ls->index = (uint16_t)index;
            ls->size = (uint16_t)size;
            ls->depth = (uint8_t)cpc_merkle_depth(size, index);
            size_t got = 0;
            if (n != (size_t)ls->depth * 64 ||
                (n && (cpc_hex_decode(&ls->path[0][0], sizeof ls->path, &got, path, n) != 0 ||
                       got != (size_t)ls->depth * 32)))
                return CPC_TX_JSON_TEXT_FALLBACK;
            r->has_lease = 2;
        } else {
            LIT(&c, ",\"signature\":\"");
            hex(&c, r->lease_sig, sizeof r->lease_sig);
            LIT(&c, "\"},");
            r->has_lease = 1;
        }
    }
    LIT(&c, "\"result_hash\":\"");
    const char *rh = str(&c, &n);
    if (!c.ok || n == 0 || n % 2 || n > 2 * CPC_RESULT_HASH_MAX ||
        cpc_hex_decode(r->result_hash, CPC_RESULT_HASH_MAX, &r->result_hash_len, rh, n) != 0)
        return CPC_TX_JSON_TEXT_FALLBACK;
    LIT(&c, "\",\"task_id\":\"");
    const char *tid = str(&c, &n);
    char ubuf[CPC_UUID_STR_LEN + 1];
    if (!c.ok || n != CPC_UUID_STR_LEN)
        return CPC_TX_JSON_TEXT_FALLBACK;
    memcpy(ubuf, tid, n);
    ubuf[n] = '\0';
    if (cpc_uuid_parse(r->task_id, ubuf) != 0)
        return CPC_TX_JSON_TEXT_FALLBACK;
    LIT(&c, "\",\"worker_address\":\"");
    address(&c, r->worker);
    LIT(&c, "\"},\"pubkey\":\"");
    hex(&c, tx->pubkey, CPC_PUBKEY_LEN);
    LIT(&c, "\",\"signature\":\"");
    hex(&c, tx->sig, CPC_SIG_LEN);
    LIT(&c, "\",\"tx_type\":\"SUBMIT_RESULT\"}");
    if (!c.ok || c.p != c.end)
        return CPC_TX_JSON_TEXT_FALLBACK;
    /* the jansson path's checks after decoding, in its order */
    if (cpc_tx_check_payload(tx, NULL) != 0 || cpc_tx_compute_hash(tx) != 0 ||
        memcmp(claimed, tx->hash, 32) != 0)
        return CPC_TX_JSON_TEXT_FALLBACK;
    /* canonical: the input is byte for byte the text of what was decoded */
    char again[TX_TEXT_BOUND];
    size_t m = encode(tx, again);
    if (m != len || memcmp(again, text, len) != 0)
        return CPC_TX_JSON_TEXT_FALLBACK;
    return 0;
}

int cpc_tx_from_json_canonical(struct cpc_tx *tx, const char *text, size_t len)
{
    memset(tx, 0, sizeof *tx);
    int rc = decode(tx, text, len);
    if (rc != 0)
        memset(tx, 0, sizeof *tx);
    return rc;
}

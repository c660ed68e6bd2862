/* bech32.c — BIP-173 bech32 codec and ComputeChain "cpc1..." addresses.
 *
 * Written from the BIP-173 specification (checksum = BCH code over GF(32)
 * evaluated by `polymod`, HRP expanded as high bits, 0, low bits). Bech32m
 * (BIP-350) is deliberately not supported. The common case is address
 * decoding of user input, so every malformed string must give a clean
 * CPC_ERR_INVALID: length > 90, characters outside 33..126, mixed case,
 * missing separator, empty HRP, bad data characters, short or bad checksum.
 *
 * Addresses follow BIP-173 case rules: all-lowercase (canonical, what
 * cpc_address_encode emits) or all-uppercase (e.g. from QR codes) decode to
 * the same hash; mixed case is rejected. Compare accounts by decoded hash,
 * never by address string.
 */
#include "bech32.h"

#include <string.h>

#include "err.h"

#define BECH32_MAX_LEN 90
#define BECH32_CHECKSUM_LEN 6

static const char CHARSET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* Reverse of CHARSET for lowercase ASCII; -1 where the char is not in it. */
static int charset_index(unsigned char c)
{
    const char *p = (c != 0) ? strchr(CHARSET, c) : NULL;
    return p ? (int)(p - CHARSET) : -1;
}

/* One step of the BIP-173 checksum polynomial: multiply by x, add value v. */
static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
    static const uint32_t GEN[5] = {0x3b6a57b2u, 0x26508e6du, 0x1ea119fau,
                                    0x3d4233ddu, 0x2a1462b3u};
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffffu) << 5) ^ v;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1u)
            chk ^= GEN[i];
    return chk;
}

/* Checksum state after the expanded HRP (hrp must already be lowercase). */
static uint32_t polymod_hrp(const char *hrp, size_t hrp_len)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < hrp_len; i++)
        chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
    chk = polymod_step(chk, 0);
    for (size_t i = 0; i < hrp_len; i++)
        chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] & 31));
    return chk;
}

int cpc_bech32_encode(char *out, size_t out_cap, const char *hrp,
                      const uint8_t *data, size_t data_len)
{
    if (!out || !hrp || (!data && data_len))
        return CPC_ERR_INVALID;
    size_t hrp_len = strlen(hrp);
    if (hrp_len < 1 || hrp_len > BECH32_MAX_LEN)
        return CPC_ERR_INVALID;
    if (data_len > BECH32_MAX_LEN ||
        hrp_len + 1 + data_len + BECH32_CHECKSUM_LEN > BECH32_MAX_LEN)
        return CPC_ERR_INVALID;
    size_t total = hrp_len + 1 + data_len + BECH32_CHECKSUM_LEN;
    if (out_cap < total + 1)
        return CPC_ERR_TOO_LARGE;
    for (size_t i = 0; i < hrp_len; i++) {
        unsigned char c = (unsigned char)hrp[i];
        if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z'))
            return CPC_ERR_INVALID; /* encoders emit lowercase only */
    }
    for (size_t i = 0; i < data_len; i++)
        if (data[i] >> 5)
            return CPC_ERR_INVALID;

    uint32_t chk = polymod_hrp(hrp, hrp_len);
    char *p = out;
    memcpy(p, hrp, hrp_len);
    p += hrp_len;
    *p++ = '1';
    for (size_t i = 0; i < data_len; i++) {
        chk = polymod_step(chk, data[i]);
        *p++ = CHARSET[data[i]];
    }
    for (int i = 0; i < BECH32_CHECKSUM_LEN; i++)
        chk = polymod_step(chk, 0);
    chk ^= 1;
    for (int i = 0; i < BECH32_CHECKSUM_LEN; i++)
        *p++ = CHARSET[(chk >> (5 * (5 - i))) & 31];
    *p = '\0';
    return CPC_OK;
}

int cpc_bech32_decode(char *hrp_out, size_t hrp_cap, uint8_t *data_out,
                      size_t data_cap, size_t *data_len, const char *str)
{
    if (data_len)
        *data_len = 0;
    if (!hrp_out || !str || (!data_out && data_cap))
        return CPC_ERR_INVALID;
    if (hrp_cap)
        hrp_out[0] = '\0';
    size_t len = strnlen(str, BECH32_MAX_LEN + 1);
    if (len > BECH32_MAX_LEN)
        return CPC_ERR_INVALID;

    int has_lower = 0, has_upper = 0;
    size_t sep = len; /* position of the last '1' */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)str[i];
        if (c < 33 || c > 126)
            return CPC_ERR_INVALID;
        if (c >= 'a' && c <= 'z')
            has_lower = 1;
        if (c >= 'A' && c <= 'Z')
            has_upper = 1;
        if (c == '1')
            sep = i;
    }
    if (has_lower && has_upper)
        return CPC_ERR_INVALID;
    /* Need a non-empty HRP and at least the 6 checksum characters. */
    if (sep == len || sep < 1 || sep + 1 + BECH32_CHECKSUM_LEN > len)
        return CPC_ERR_INVALID;
    size_t hrp_len = sep;
    size_t n_data = len - sep - 1 - BECH32_CHECKSUM_LEN;
    if (hrp_cap < hrp_len + 1 || data_cap < n_data)
        return CPC_ERR_INVALID;

    char hrp[BECH32_MAX_LEN + 1];
    for (size_t i = 0; i < hrp_len; i++) {
        unsigned char c = (unsigned char)str[i];
        hrp[i] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    }
    hrp[hrp_len] = '\0';

    uint8_t vals[BECH32_MAX_LEN];
    uint32_t chk = polymod_hrp(hrp, hrp_len);
    for (size_t i = sep + 1; i < len; i++) {
        unsigned char c = (unsigned char)str[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        int v = charset_index(c);
        if (v < 0)
            return CPC_ERR_INVALID;
        vals[i - sep - 1] = (uint8_t)v;
        chk = polymod_step(chk, (uint8_t)v);
    }
    if (chk != 1)
        return CPC_ERR_INVALID;

    memcpy(hrp_out, hrp, hrp_len + 1);
    if (n_data)
        memcpy(data_out, vals, n_data);
    if (data_len)
        *data_len = n_data;
    return CPC_OK;
}

int cpc_bech32_convert_bits(uint8_t *out, size_t out_cap, size_t *out_len,
                            const uint8_t *in, size_t in_len, int frombits,
                            int tobits, int pad)
{
    if (out_len)
        *out_len = 0;
    if (frombits < 1 || frombits > 8 || tobits < 1 || tobits > 8 ||
        (!in && in_len) || (!out && out_cap))
        return CPC_ERR_INVALID;
    const uint32_t maxv = (1u << tobits) - 1;
    const uint32_t max_acc = (1u << (frombits + tobits - 1)) - 1;
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < in_len; i++) {
        if ((uint32_t)in[i] >> frombits)
            return CPC_ERR_INVALID;
        acc = ((acc << frombits) | in[i]) & max_acc;
        bits += frombits;
        while (bits >= tobits) {
            bits -= tobits;
            if (n >= out_cap)
                return CPC_ERR_INVALID;
            out[n++] = (uint8_t)((acc >> bits) & maxv);
        }
    }
    if (pad) {
        if (bits) {
            if (n >= out_cap)
                return CPC_ERR_INVALID;
            out[n++] = (uint8_t)((acc << (tobits - bits)) & maxv);
        }
    } else if (bits >= frombits || ((acc << (tobits - bits)) & maxv)) {
        return CPC_ERR_INVALID; /* leftover padding too long or non-zero */
    }
    if (out_len)
        *out_len = n;
    return CPC_OK;
}

void cpc_address_encode(char out[CPC_ADDR_STR_MAX], const uint8_t hash[CPC_ADDR_HASH_LEN])
{
    uint8_t five[32];
    size_t n = 0;
    /* 160 bits -> exactly 32 groups of 5: cannot fail. */
    int rc = cpc_bech32_convert_bits(five, sizeof five, &n, hash, CPC_ADDR_HASH_LEN, 8, 5, 1);
    if (rc != CPC_OK ||
        cpc_bech32_encode(out, CPC_ADDR_STR_MAX, CPC_ADDR_HRP, five, n) != CPC_OK)
        out[0] = '\0';
}

int cpc_address_decode(uint8_t hash[CPC_ADDR_HASH_LEN], const char *addr)
{
    if (!hash || !addr)
        return CPC_ERR_INVALID;
    char hrp[BECH32_MAX_LEN + 1];
    uint8_t five[BECH32_MAX_LEN];
    size_t n5 = 0;
    if (cpc_bech32_decode(hrp, sizeof hrp, five, sizeof five, &n5, addr) != CPC_OK)
        return CPC_ERR_INVALID;
    if (strcmp(hrp, CPC_ADDR_HRP) != 0 || n5 != 32)
        return CPC_ERR_INVALID;
    uint8_t tmp[CPC_ADDR_HASH_LEN];
    size_t n8 = 0;
    if (cpc_bech32_convert_bits(tmp, sizeof tmp, &n8, five, n5, 5, 8, 0) != CPC_OK ||
        n8 != CPC_ADDR_HASH_LEN)
        return CPC_ERR_INVALID;
    memcpy(hash, tmp, CPC_ADDR_HASH_LEN);
    return CPC_OK;
}

/* hex.c — lowercase hex encoding and tolerant decoding (see hex.h).
 *
 * Used for hashes, keys and signatures in JSON and on the command line.
 * Decoding accepts an optional "0x"/"0X" prefix and either case, and
 * rejects odd lengths, empty input and any non-hex character. Pure and
 * allocation-free.
 */
#include "hex.h"

#include <string.h>

#include "err.h"

static const char HEX_DIGITS[] = "0123456789abcdef";

void cpc_hex_encode(char *out, const uint8_t *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = HEX_DIGITS[in[i] >> 4];
        out[2 * i + 1] = HEX_DIGITS[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

/* 1 + digit value by byte, 0 = not a hex digit. A constant table: decoding is
 * on the hot path of every tx (hashes, keys and signatures are hex in JSON). */
static const uint8_t DIGIT1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
    ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16};

int cpc_hex_digit(int c)
{
    return c < 0 || c > 255 ? -1 : (int)DIGIT1[c] - 1;
}

int cpc_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len,
                   const char *in, size_t in_len)
{
    if (out_len)
        *out_len = 0;
    if (!in)
        return CPC_ERR_INVALID;
    if (in_len >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) {
        in += 2;
        in_len -= 2;
    }
    if (in_len == 0 || in_len % 2 != 0)
        return CPC_ERR_INVALID;
    size_t n = in_len / 2;
    /* Validate everything first so a too-large input of garbage reports INVALID
     * and out is never partially written on error. */
    const unsigned char *u = (const unsigned char *)in;
    for (size_t i = 0; i < in_len; i++)
        if (!DIGIT1[u[i]])
            return CPC_ERR_INVALID;
    if (n > out_cap)
        return CPC_ERR_TOO_LARGE;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(((DIGIT1[u[2 * i]] - 1) << 4) | (DIGIT1[u[2 * i + 1]] - 1));
    if (out_len)
        *out_len = n;
    return CPC_OK;
}

int cpc_hex_decode_exact(uint8_t *out, size_t len, const char *in)
{
    if (!in)
        return CPC_ERR_INVALID;
    size_t in_len = strlen(in);
    size_t digits = in_len;
    if (in_len >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
        digits -= 2;
    /* Check the length up front so out is never partially written. */
    if (len > SIZE_MAX / 2 || digits != 2 * len)
        return CPC_ERR_INVALID;
    size_t got = 0;
    if (cpc_hex_decode(out, len, &got, in, in_len) != CPC_OK || got != len)
        return CPC_ERR_INVALID;
    return CPC_OK;
}

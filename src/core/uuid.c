/* uuid.c — RFC 4122 textual UUIDs <-> 16 bytes (see uuid.h).
 *
 * Task and job ids travel as canonical 8-4-4-4-12 text. Parsing accepts
 * either case but only the exact 36-character hyphenated form (no braces,
 * no "urn:uuid:", no surrounding spaces); the version/variant bits are not
 * checked, since ids may be derived deterministically. Formatting is lowercase.
 */
#include "uuid.h"

#include <stddef.h>

#include "err.h"
#include "hex.h"

static int is_dash_pos(size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

int cpc_uuid_parse(uint8_t out[16], const char *text)
{
    if (!out || !text)
        return CPC_ERR_INVALID;
    uint8_t tmp[16];
    size_t nb = 0;
    size_t i = 0;
    for (; i < CPC_UUID_STR_LEN; i++) {
        if (text[i] == '\0')
            return CPC_ERR_INVALID; /* too short */
        if (is_dash_pos(i)) {
            if (text[i] != '-')
                return CPC_ERR_INVALID;
            continue;
        }
        int hi = cpc_hex_digit(text[i]);
        if (hi < 0 || is_dash_pos(i + 1))
            return CPC_ERR_INVALID;
        int lo = cpc_hex_digit(text[i + 1]);
        if (lo < 0)
            return CPC_ERR_INVALID;
        tmp[nb++] = (uint8_t)((hi << 4) | lo);
        i++;
    }
    if (text[i] != '\0' || nb != 16)
        return CPC_ERR_INVALID; /* trailing characters */
    for (size_t k = 0; k < 16; k++)
        out[k] = tmp[k];
    return CPC_OK;
}

void cpc_uuid_format(char out[CPC_UUID_STR_LEN + 1], const uint8_t in[16])
{
    static const char HEX[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t k = 0; k < 16; k++) {
        if (k == 4 || k == 6 || k == 8 || k == 10)
            out[o++] = '-';
        out[o++] = HEX[in[k] >> 4];
        out[o++] = HEX[in[k] & 0x0f];
    }
    out[o] = '\0';
}

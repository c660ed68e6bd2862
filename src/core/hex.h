/* hex.h — lowercase hex encoding/decoding of byte strings. */
#ifndef CPC_CORE_HEX_H
#define CPC_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Write 2*len lowercase hex chars plus NUL into out (caller's buffer of >= 2*len+1). */
void cpc_hex_encode(char *out, const uint8_t *in, size_t len);

/* Decode hex text (optional "0x"/"0X" prefix, either case, even digit count) of
 * length in_len into out (capacity out_cap). Stores byte count in *out_len.
 * Returns 0, or CPC_ERR_INVALID (odd length, non-hex char, empty) /
 * CPC_ERR_TOO_LARGE (does not fit). Caller owns all buffers. */
int cpc_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len,
                   const char *in, size_t in_len);

/* Value 0..15 of one hex digit (either case), or -1. */
int cpc_hex_digit(int c);

/* Same as cpc_hex_decode but requires exactly `len` bytes. Returns 0 or CPC_ERR_INVALID. */
int cpc_hex_decode_exact(uint8_t *out, size_t len, const char *in);

#endif

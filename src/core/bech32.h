/* bech32.h — BIP-173 bech32 (not bech32m) and ComputeChain addresses.
 *
 * An address is bech32("cpc", 20-byte hash160 of the compressed pubkey),
 * e.g. "cpc1qqqs...". Decoding rejects mixed case, bad checksums, wrong
 * HRP and wrong data length.
 */
#ifndef CPC_CORE_BECH32_H
#define CPC_CORE_BECH32_H

#include <stddef.h>
#include <stdint.h>

#define CPC_ADDR_HRP "cpc"
#define CPC_ADDR_HASH_LEN 20
/* "cpc" + "1" + 32 data chars + 6 checksum chars + NUL */
#define CPC_ADDR_STR_MAX 48

/* Generic BIP-173 encode of 5-bit values `data` (each < 32) with human-readable
 * part hrp into out (capacity out_cap, NUL-terminated). Returns 0 or CPC_ERR_INVALID/CPC_ERR_TOO_LARGE. */
int cpc_bech32_encode(char *out, size_t out_cap, const char *hrp,
                      const uint8_t *data, size_t data_len);

/* Generic BIP-173 decode. hrp_out (cap hrp_cap) receives the lowercase HRP;
 * data_out (cap data_cap) the 5-bit values without checksum. Returns 0 or CPC_ERR_INVALID. */
int cpc_bech32_decode(char *hrp_out, size_t hrp_cap, uint8_t *data_out,
                      size_t data_cap, size_t *data_len, const char *str);

/* Regroup bits (e.g. 8->5 with pad=1, 5->8 with pad=0) per BIP-173 reference.
 * Returns 0 or CPC_ERR_INVALID. */
int cpc_bech32_convert_bits(uint8_t *out, size_t out_cap, size_t *out_len,
                            const uint8_t *in, size_t in_len, int frombits,
                            int tobits, int pad);

/* Encode a 20-byte hash as a "cpc1..." address into out (>= CPC_ADDR_STR_MAX). */
void cpc_address_encode(char out[CPC_ADDR_STR_MAX], const uint8_t hash[CPC_ADDR_HASH_LEN]);

/* Decode and validate a "cpc1..." address into its 20-byte hash.
 * Returns 0 or CPC_ERR_INVALID. */
int cpc_address_decode(uint8_t hash[CPC_ADDR_HASH_LEN], const char *addr);

#endif

/* fuzz_bech32.c — libFuzzer target for bech32 and cpc addresses.
 * Decodes arbitrary strings as generic bech32 and as an address; whatever
 * decodes must re-encode to the (lowercased) input, and an address's hash
 * must re-encode to the same address in canonical lowercase. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bech32.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[256];
    if (size >= sizeof text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t len = strlen(text); /* the decoders see the string up to the first NUL */

    char hrp[128], re[128];
    uint8_t five[128];
    size_t n = 0;
    if (cpc_bech32_decode(hrp, sizeof hrp, five, sizeof five, &n, text) == CPC_OK) {
        if (cpc_bech32_encode(re, sizeof re, hrp, five, n) != CPC_OK)
            abort();
        if (strlen(re) != len)
            abort();
        for (size_t i = 0; i < len; i++) {
            char c = text[i];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (re[i] != c)
                abort();
        }
        /* 5 -> 8 -> 5 regrouping is lossless when it succeeds */
        uint8_t eight[128], back[128];
        size_t n8 = 0, n5 = 0;
        if (cpc_bech32_convert_bits(eight, sizeof eight, &n8, five, n, 5, 8, 0) == CPC_OK) {
            if (cpc_bech32_convert_bits(back, sizeof back, &n5, eight, n8, 8, 5, 1) != CPC_OK ||
                n5 != n || memcmp(back, five, n) != 0)
                abort();
        }
    }

    uint8_t h[CPC_ADDR_HASH_LEN];
    if (cpc_address_decode(h, text) == CPC_OK) {
        char addr[CPC_ADDR_STR_MAX];
        cpc_address_encode(addr, h);
        if (strlen(addr) != len)
            abort();
        for (size_t i = 0; i < len; i++) {
            char c = text[i];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (addr[i] != c)
                abort();
        }
    }
    return 0;
}

/* fuzz_hex.c — libFuzzer target for cpc_hex_decode / cpc_hex_decode_exact.
 * Decodes arbitrary text; when it decodes, re-encoding must give back the
 * input lowercased without its "0x" prefix, and decode_exact must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/hex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    uint8_t *out = malloc(size / 2 + 1);
    char *re = malloc(size + 1);
    if (!text || !out || !re)
        goto done;
    memcpy(text, data, size);
    text[size] = '\0';

    size_t n = 0;
    int rc = cpc_hex_decode(out, size / 2 + 1, &n, text, size);
    if (rc == CPC_OK) {
        size_t skip = (size >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) ? 2 : 0;
        if (n * 2 != size - skip)
            abort();
        cpc_hex_encode(re, out, n);
        for (size_t i = 0; i < 2 * n; i++) {
            char c = text[skip + i];
            if (c >= 'A' && c <= 'F')
                c = (char)(c - 'A' + 'a');
            if (re[i] != c)
                abort();
        }
        /* decode_exact sees the same text up to the first NUL (none here: all hex) */
        uint8_t *ex = malloc(n ? n : 1);
        if (ex) {
            if (cpc_hex_decode_exact(ex, n, text) != CPC_OK || memcmp(ex, out, n) != 0)
                abort();
            free(ex);
        }
    } else if (rc != CPC_ERR_INVALID && rc != CPC_ERR_TOO_LARGE) {
        abort();
    }
    /* a too-small buffer must be reported, never overrun */
    if (size >= 4) {
        uint8_t small[1];
        rc = cpc_hex_decode(small, sizeof small, &n, text, size);
        if (rc == CPC_OK && n > 1)
            abort();
    }
done:
    free(text);
    free(out);
    free(re);
    return 0;
}

/* fuzz_tx_json_canonical.c — libFuzzer target for cpc_tx_from_json_canonical,
 * the jansson-free decoder of canonical SUBMIT_RESULT text (POST /txs's fast
 * path). Differential: whenever it accepts an input, the jansson path
 * (cpc_tx_from_json_text) must accept it too and yield the identical tx;
 * otherwise it must say CPC_TX_JSON_TEXT_FALLBACK with tx zeroed. It never
 * allocates into tx (ext stays NULL). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cpc_tx fast, slow;
    struct cpc_err err;
    int rc = cpc_tx_from_json_canonical(&fast, (const char *)data, size);
    if (rc == CPC_TX_JSON_TEXT_FALLBACK) {
        static const struct cpc_tx zero;
        if (memcmp(&fast, &zero, sizeof zero) != 0)
            abort();
        return 0;
    }
    if (rc != 0 || fast.ext)
        abort();
    if (cpc_tx_from_json_text(&slow, (const char *)data, size, &err) != 0)
        abort(); /* accepted here, refused by the reference decoder */
    if (memcmp(&fast, &slow, sizeof fast) != 0)
        abort();
    cpc_tx_clear(&slow);
    return 0;
}

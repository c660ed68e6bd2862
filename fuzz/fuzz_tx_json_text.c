/* fuzz_tx_json_text.c — libFuzzer target for cpc_tx_json_text, the
 * jansson-free encoder of a tx's stored JSON text: arbitrary bytes are
 * decoded with cpc_tx_from_json_text; when a tx decodes and the encoder
 * handles it, its bytes must equal json_dumpb(cpc_tx_to_json(tx),
 * JSON_COMPACT | JSON_SORT_KEYS) exactly; when it does not handle it, it must
 * say CPC_TX_JSON_TEXT_FALLBACK and append nothing. Every SUBMIT_RESULT that
 * decodes must be handled (a valid chain id is printable ASCII; only '"'
 * and '\\' need the jansson path). Decoded txs may own `ext`: cpc_tx_clear. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cpc_tx tx;
    struct cpc_err err;
    if (cpc_tx_from_json_text(&tx, (const char *)data, size, &err) != 0)
        return 0;
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_buf_put(&b, "#", 1); /* the encoder appends */
    int rc = cpc_tx_json_text(&tx, &b);
    if (rc == CPC_TX_JSON_TEXT_FALLBACK) {
        if (b.len != 1)
            abort();
        if (tx.type == CPC_TX_SUBMIT_RESULT && !strchr(tx.chain_id, '"') &&
            !strchr(tx.chain_id, '\\'))
            abort(); /* the hot type must not fall back needlessly */
    } else if (rc == 0) {
        json_t *j = cpc_tx_to_json(&tx);
        if (!j)
            abort();
        char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(j);
        if (!s || strlen(s) != n || b.len != 1 + n || memcmp(b.data + 1, s, n) != 0)
            abort();
        free(s);
    } else {
        abort(); /* no allocation failure expected here */
    }
    cpc_buf_free(&b);
    cpc_tx_clear(&tx);
    return 0;
}

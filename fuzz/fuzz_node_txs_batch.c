/* fuzz_node_txs_batch.c — libFuzzer target for cpc_txs_batch_canonical, the
 * fast split of a POST /txs body. Differential: when it accepts a body, jansson
 * must parse the same body as [T,...] or {"txs":[T,...]} with the same number
 * of elements, and cpc_tx_from_json must decode each element to the identical
 * tx. Otherwise it must fall back with nothing allocated. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/txs_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cpc_tx *txs = NULL;
    size_t n = 0;
    int rc = cpc_txs_batch_canonical((const char *)data, size, 64, &txs, &n);
    if (rc == CPC_TXS_BATCH_FALLBACK) {
        if (txs || n)
            abort();
        return 0;
    }
    if (rc != 0 || !txs || n == 0 || n > 64)
        abort();
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
        abort();
    json_t *list = json_is_array(j) ? j : json_object_get(j, "txs");
    if (!json_is_array(list) || (json_is_object(j) && json_object_size(j) != 1) ||
        json_array_size(list) != n)
        abort();
    for (size_t i = 0; i < n; i++) {
        struct cpc_tx slow;
        struct cpc_err err;
        if (txs[i].ext || cpc_tx_from_json(&slow, json_array_get(list, i), &err) != 0 ||
            memcmp(&slow, &txs[i], sizeof slow) != 0)
            abort();
        cpc_tx_clear(&slow);
    }
    json_decref(j);
    free(txs);
    return 0;
}

/* fuzz_tx_json.c — libFuzzer target for the tx wire decoder
 * (cpc_tx_from_json_text on arbitrary bytes). When a tx decodes, its
 * re-encoded JSON must decode again to the same hash and re-encode to the
 * same bytes, and the stateless checks must run without crashing. Decoded
 * txs may own `ext` bytes: both are cpc_tx_clear'ed (LeakSanitizer watches). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tx.h"

static char *dump(const struct cpc_tx *tx)
{
    json_t *j = cpc_tx_to_json(tx);
    if (!j)
        abort();
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (!s)
        abort();
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cpc_tx tx, back;
    struct cpc_err err;
    if (cpc_tx_from_json_text(&tx, (const char *)data, size, &err) != 0)
        return 0;
    (void)cpc_tx_check(&tx, tx.chain_id, 0, &err);
    uint64_t cost;
    (void)cpc_tx_max_cost(&tx, &cost);
    char *a = dump(&tx);
    if (cpc_tx_from_json_text(&back, a, strlen(a), &err) != 0)
        abort(); /* our own output must decode */
    if (memcmp(back.hash, tx.hash, 32) != 0 || back.ext_len != tx.ext_len ||
        (tx.ext_len && memcmp(back.ext, tx.ext, tx.ext_len) != 0))
        abort();
    char *b = dump(&back);
    if (strcmp(a, b) != 0)
        abort();
    /* a deep copy is independent of the original */
    struct cpc_tx copy;
    if (cpc_tx_copy(&copy, &tx) == 0) {
        cpc_tx_clear(&tx);
        char *c = dump(&copy);
        if (strcmp(a, c) != 0)
            abort();
        free(c);
        cpc_tx_clear(&copy);
    }
    cpc_tx_clear(&tx);
    cpc_tx_clear(&back);
    free(a);
    free(b);
    return 0;
}

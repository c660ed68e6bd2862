/* fuzz_block_json.c — libFuzzer target for cpc_block_from_json (block JSON
 * as served by the node and read back from the store). When a block
 * decodes, its re-encoded JSON must decode to the same header and tx
 * hashes, and re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/block.h"

static char *dump(const struct cpc_block *b)
{
    json_t *j = cpc_block_to_json(b);
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
    if (size > (1u << 20))
        return 0;
    json_error_t jerr;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return 0;
    struct cpc_block b, back;
    struct cpc_err err;
    int rc = cpc_block_from_json(&b, j, &err);
    json_decref(j);
    if (rc != 0)
        return 0;
    (void)cpc_block_verify_sig(&b.header, &err);
    char *s1 = dump(&b);
    j = json_loads(s1, JSON_REJECT_DUPLICATES, &jerr);
    if (!j || cpc_block_from_json(&back, j, &err) != 0)
        abort();
    json_decref(j);
    if (memcmp(&back.header, &b.header, sizeof b.header) != 0 || back.n_txs != b.n_txs ||
        (back.results == NULL) != (b.results == NULL))
        abort();
    for (size_t i = 0; i < b.n_txs; i++)
        if (memcmp(back.txs[i].hash, b.txs[i].hash, 32) != 0)
            abort();
    char *s2 = dump(&back);
    if (strcmp(s1, s2) != 0)
        abort();
    free(s1);
    free(s2);
    cpc_block_clear(&b);
    cpc_block_clear(&back);
    return 0;
}

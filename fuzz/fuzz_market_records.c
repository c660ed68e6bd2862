/* fuzz_market_records.c — libFuzzer target for the market record decoders.
 * The first byte selects the decoder (mod 4): job, task, worker, or a REVEAL
 * ext (count byte, then the proof bytes). Records come from the state, so
 * anything a decoder accepts must re-encode to exactly the input bytes and
 * have a JSON view; a REVEAL ext that unpacks must survive JSON and back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/market.h"

static void same(const struct cpc_buf *b, const uint8_t *data, size_t size)
{
    if (b->failed || b->len != size || (size && memcmp(b->data, data, size) != 0))
        abort();
}

static void view(json_t *j)
{
    if (!j)
        abort();
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (!s)
        abort();
    free(s);
}

static void reveal(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    uint16_t count = data[0];
    const uint8_t *ext = data + 1;
    size_t ext_len = size - 1;
    struct cpc_merkle_proof mp;
    for (uint16_t i = 0; i < count; i++)
        if (cpc_reveal_proof(ext, ext_len, count, i, &mp) != 0)
            return;
    if (count == 0)
        return;
    struct cpc_payload_reveal p = {.count = count};
    memset(p.task_id, 0x42, sizeof p.task_id);
    json_t *j = cpc_payload_reveal_to_json(&p, ext, ext_len);
    if (!j)
        abort();
    struct cpc_payload_reveal p2;
    uint8_t *ext2 = NULL;
    size_t ext2_len = 0;
    struct cpc_err err;
    if (cpc_payload_reveal_from_json(&p2, &ext2, &ext2_len, j, &err) != 0)
        abort();
    json_decref(j);
    if (p2.count != count || ext2_len != ext_len || memcmp(ext2, ext, ext_len) != 0)
        abort();
    free(ext2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0] % 4;
    data++;
    size--;
    struct cpc_err err;
    struct cpc_buf b;
    cpc_buf_init(&b);
    switch (sel) {
    case 0: {
        struct cpc_job j;
        if (cpc_job_decode(&j, data, size, &err) == 0) {
            cpc_job_encode(&j, &b);
            same(&b, data, size);
            view(cpc_job_to_json(&j));
        }
        break;
    }
    case 1: {
        struct cpc_task t;
        if (cpc_task_decode(&t, data, size, &err) == 0) {
            cpc_task_encode(&t, &b);
            same(&b, data, size);
            view(cpc_task_to_json(&t));
        }
        break;
    }
    case 2: {
        struct cpc_worker w;
        if (cpc_worker_decode(&w, data, size, &err) == 0) {
            cpc_worker_encode(&w, &b);
            same(&b, data, size);
            view(cpc_worker_to_json(&w));
            (void)cpc_worker_score(&w);
            (void)cpc_worker_lease_cap(&w, 1 + size % 1000, 4096);
            (void)cpc_worker_released(&w, UINT64_MAX - size, size);
        }
        break;
    }
    default:
        reveal(data, size);
        break;
    }
    cpc_buf_free(&b);
    return 0;
}

/* kind_seed.c — the per-task seed every compute kind derives from its job's
 * seed (see kinds.h). */
#include "kinds.h"

#include "bytes.h"
#include <string.h>

#include "bytes.h"
#include "hash.h"

void cpc_kind_task_seed(uint8_t seed[32], const char *tag, const uint8_t job_seed[32],
                        uint32_t index)
{
    uint8_t idx[4];
    struct cpc_sha256_ctx c;
    cpc_put_u32be(idx, index);
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, tag, strlen(tag));
    cpc_sha256_update(&c, job_seed, 32);
    cpc_sha256_update(&c, idx, sizeof idx);
    cpc_sha256_final(&c, seed);
}

/* fuzz_node_release_body.c — the body parser of POST /worker/release
 * (cpc_worker_release_parse). Oracle: it succeeds with 1..64 ids or fails
 * with a message and no allocation left behind (ASan's leak check). */
#include <stdlib.h>
#include <string.h>

#include "market/routes_worker.h"
#include "market/scheduler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t(*ids)[16] = NULL;
    size_t n = 0;
    bool bad_json = false;
    struct cpc_err err = {0};
    int rc = cpc_worker_release_parse(data, size, &ids, &n, &bad_json, &err);
    if (rc == 0 && (n < 1 || n > CPC_SCHED_MAX_PER_CALL || !ids))
        abort();
    if (rc != 0 && (ids || n || !err.msg[0]))
        abort();
    free(ids);
    return 0;
}

/* fuzz_worker_lease_task.c — the worker's decoder of a leased task
 * (cpc_wk_task_from_json, what POST /worker/lease answers and what the state
 * file keeps). Oracles: a parse fails with a message, or succeeds and the
 * task written back (cpc_wk_task_to_json) parses again to the same task. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "worker/wk_node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
        return 0;
    struct cpc_wk_task t, u;
    struct cpc_err err = {0};
    if (cpc_wk_task_from_json(&t, j, &err) != 0) {
        if (!err.msg[0])
            abort();
    } else {
        json_t *back = cpc_wk_task_to_json(&t);
        if (!back || cpc_wk_task_from_json(&u, back, &err) != 0 || memcmp(&t, &u, sizeof t) != 0)
            abort();
        json_decref(back);
    }
    json_decref(j);
    return 0;
}

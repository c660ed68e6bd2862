/* routes_marketplace_internal.h — helpers of routes_marketplace.c shared
 * with routes_marketplace_views.c (the cluster-wide views). Not for other files. */
#ifndef CPC_NODE_ROUTES_MARKETPLACE_INTERNAL_H
#define CPC_NODE_ROUTES_MARKETPLACE_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "httpd.h"

struct cpc_node;

/* JSON string of n bytes as hex (n <= 32); new reference, NULL on OOM. */
json_t *cpc__mp_hexj(const uint8_t *b, size_t n);
/* Answer 500 out_of_memory. */
void cpc__mp_oom(struct cpc_http_res *res);
/* ?key= as an integer in min..max (def when absent); answers 400 and returns -1 otherwise. */
int cpc__mp_query_uint(struct cpc_http_req *req, struct cpc_http_res *res, const char *key,
                       uint64_t def, uint64_t min, uint64_t max, uint64_t *out);
/* Task status of (job, index): CPC_TASK_OPEN when no record, else the record's;
 * -1 on error. tid receives the task id. */
int cpc__mp_task_status(struct cpc_node *n, const uint8_t job_id[32], uint32_t index,
                        uint8_t tid[16]);

#endif

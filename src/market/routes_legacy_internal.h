/* routes_legacy_internal.h — helpers of routes_legacy.c shared with
 * routes_legacy_chain.c (GET /chain). Not for other files. */
#ifndef CPC_NODE_ROUTES_LEGACY_INTERNAL_H
#define CPC_NODE_ROUTES_LEGACY_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "../http/httpd.h"

struct cpc_node;

static inline struct cpc_node *cpc__legacy_node_of(struct cpc_http_req *req) { return req->app; }

/* The legacy error shape: {"error": msg} (see routes_legacy.c's design note). */
void cpc__legacy_error(struct cpc_http_res *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* CPC amount as a JSON number: an integer when whole, else a real. */
json_t *cpc__legacy_cpc_number(uint64_t base_units);

#endif

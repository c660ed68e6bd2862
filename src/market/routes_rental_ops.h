/* routes_rental_ops.h — what a customer and the provider's worker do with a
 * running rental (routes_rental_ops.c): POST /rentals/{id}/reboot,
 * GET /rentals/{id}/logs, and the worker's POST /worker/rentals/{id}/logs.
 * Rows are listed in cpcd/routes.c; docs/api.md, "GPU rentals". */
#ifndef CPC_MARKET_ROUTES_RENTAL_OPS_H
#define CPC_MARKET_ROUTES_RENTAL_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"
#include "../http/httpd.h"

void cpc_h_rental_reboot(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_rental_logs(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_worker_rental_logs(struct cpc_http_req *req, struct cpc_http_res *res);

/* Parse the worker's log body {"tail":"..."} (strict; tail at most CPC_PORDER_LOG_MAX
 * bytes): *tail malloc'd (caller frees). 0, CPC_ERR_INVALID (*bad_json when not a JSON
 * object) or CPC_ERR_NOMEM. Exposed for tests and fuzzing. */
int cpc_rental_log_body_parse(const void *body, size_t len, char **tail, bool *bad_json,
                              struct cpc_err *err);

#endif

/* dc_batch_body.h — the bodies of the data-center API's many-server writes
 * without HTTP: POST /dc/servers/batch {"servers": [server body, ...]} and
 * POST /dc/servers/status {"servers": [{"id", "status"}, ...]} (docs/api.md,
 * "Data-center API").
 *
 * Design note. Pure functions of the bytes, so the fuzz target
 * (fuzz/fuzz_node_dc_batch_body.c) drives what the routes run. Each item of
 * a batch goes through the same validator as POST /provider/servers
 * (server_body.h); every bad item is reported, not only the first, as
 * {"index", "field", "code", "message"}, and then no row is handed back.
 * At most CPC_PSERVER_BATCH_MAX items; the route bounds the bytes first.
 */
#ifndef CPC_MARKET_DC_BATCH_BODY_H
#define CPC_MARKET_DC_BATCH_BODY_H

#include <jansson.h>
#include <stddef.h>

#include "../store/platform_store.h"
#include "server_body.h"

#define CPC_DC_BATCH_BODY_MAX (1u << 20) /* bytes: 1000 servers of ~400 bytes, twice over */

/* Decode a batch body (len bytes, borrowed). 0: *rows (malloc'd array of *n rows, caller
 * frees) hold every item, validated, ids, owner and prices not yet set. 1: some items are
 * bad: *errors is a new array (caller owns) of {"index","field","code","message"}, *rows
 * NULL. -1: the body as a whole is bad, *e says why (an HTTP 4xx), *rows NULL. */
int cpc_dc_batch_parse(const char *body, size_t len, struct cpc_pserver **rows, size_t *n,
                       json_t **errors, struct cpc_server_body_err *e);

/* A status change of many servers: maint[i] 1 (maintenance) or 0 (active) for ids[i]. */
struct cpc_dc_status {
    char (*ids)[37];
    int *maint;
    size_t n;
};
/* Decode a status body as cpc_dc_batch_parse does (0 / 1 with *errors / -1 with *e); on 0
 * *out holds malloc'd arrays, freed by cpc_dc_status_free. */
int cpc_dc_status_parse(const char *body, size_t len, struct cpc_dc_status *out,
                        json_t **errors, struct cpc_server_body_err *e);
/* Free what *s holds (not s); NULL-safe. */
void cpc_dc_status_free(struct cpc_dc_status *s);

#endif

/* fuzz_node_rental_orders_body.c — the decoders of the rental orders
 * (rental_orders.h, routes_rental_ops.h): byte 0 even -> the rest is a
 * POST /worker/rentals/{id}/logs body (cpc_rental_log_body_parse), odd -> a
 * heartbeat's "rentals" reports (cpc_rental_reports_parse on the JSON the
 * rest holds). Oracle: success gives values in their documented ranges
 * (a tail of at most CPC_PORDER_LOG_MAX bytes; at most 64 reports of 64-hex
 * ids, a known state, port 0..65535, error at most 200 bytes); failure gives
 * a message and leaves nothing allocated (ASan's leak check). */
#include <stdlib.h>
#include <string.h>

#include "market/rental_orders.h"
#include "market/routes_rental_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reports(const uint8_t *body, size_t len)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return;
    struct cpc_rental_report *r = NULL;
    size_t n = 0;
    struct cpc_err err = {0};
    int rc = cpc_rental_reports_parse(j, &r, &n, &err);
    json_decref(j);
    if (rc != 0 && (r || n || !err.msg[0]))
        abort();
    if (rc == 0 && (n > CPC_RENTAL_ORDERS_MAX || (n && !r)))
        abort();
    for (size_t i = 0; i < n; i++) {
        static const char *const ok[] = {"running", "exited", "failed", "stopped"};
        int known = 0;
        for (size_t k = 0; k < 4; k++)
            known |= !strcmp(r[i].state, ok[k]);
        if (strlen(r[i].id) != 64 || !known || r[i].port > 65535 ||
            strlen(r[i].error) > CPC_PORDER_ERROR_MAX)
            abort();
    }
    free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1) {
        reports(data + 1, size - 1);
        return 0;
    }
    char *tail = NULL;
    bool bad_json = false;
    struct cpc_err err = {0};
    int rc = cpc_rental_log_body_parse(data + 1, size - 1, &tail, &bad_json, &err);
    if (rc == 0 && (!tail || strlen(tail) > CPC_PORDER_LOG_MAX))
        abort();
    if (rc != 0 && (tail || !err.msg[0]))
        abort();
    free(tail);
    return 0;
}

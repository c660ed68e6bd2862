/* fuzz_node_dc_batch_body.c — the body decoders of POST /dc/servers/batch
 * (cpc_dc_batch_parse) and POST /dc/servers/status (cpc_dc_status_parse).
 * Each input is decoded both ways. Oracle: a body refused as a whole is a
 * 4xx with a code and a message and hands nothing back; a body with bad
 * items hands back no rows and a non-empty list whose indexes lie inside the
 * array, each with a code and a message, in increasing order; an accepted
 * body hands back 1..1000 rows, each within the documented bounds of a
 * server (or a UUID and a 0/1 status). */
#include <stdlib.h>
#include <string.h>

#include "core/uuid.h"
#include "market/dc_batch_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_whole(const struct cpc_server_body_err *e)
{
    if (e->status < 400 || e->status > 499 || !e->code[0] || !e->msg[0])
        abort();
}

static void check_errors(const json_t *errors)
{
    size_t n = json_array_size(errors);
    json_int_t last = -1;
    if (n == 0 || n > CPC_PSERVER_BATCH_MAX)
        abort();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(errors, i);
        json_int_t at = json_integer_value(json_object_get(o, "index"));
        const char *code = json_string_value(json_object_get(o, "code"));
        const char *msg = json_string_value(json_object_get(o, "message"));
        if (at <= last || at >= (json_int_t)CPC_PSERVER_BATCH_MAX || !code || !*code || !msg ||
            !*msg || !json_is_string(json_object_get(o, "field")))
            abort();
        last = at;
    }
}

static void check_rows(const struct cpc_pserver *rows, size_t n)
{
    if (!rows || n == 0 || n > CPC_PSERVER_BATCH_MAX)
        abort();
    for (size_t i = 0; i < n; i++) {
        const struct cpc_pserver *r = &rows[i];
        if (!cpc_gpu_model_find(r->gpu_model) || r->gpu_count < 1 ||
            r->gpu_count > CPC_SERVER_GPUS_MAX || r->ssh_port_min < 1 ||
            r->ssh_port_min > r->ssh_port_max || !cpc_country_code_ok(r->country) ||
            r->price_per_gpu_hour < 1 || r->price_per_gpu_hour > CPC_SERVER_PRICE_MAX ||
            r->worker_addr[0])
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cpc_pserver *rows = NULL;
    size_t n = 0;
    json_t *errors = NULL;
    struct cpc_server_body_err e;
    int rc = cpc_dc_batch_parse((const char *)data, size, &rows, &n, &errors, &e);
    if (rc < 0 && (rows || errors))
        abort();
    if (rc < 0)
        check_whole(&e);
    else if (rc > 0 && rows)
        abort();
    else if (rc > 0)
        check_errors(errors);
    else
        check_rows(rows, n);
    free(rows);
    json_decref(errors);

    struct cpc_dc_status s;
    errors = NULL;
    rc = cpc_dc_status_parse((const char *)data, size, &s, &errors, &e);
    if (rc < 0)
        check_whole(&e);
    else if (rc > 0)
        check_errors(errors);
    else if (s.n == 0 || s.n > CPC_PSERVER_BATCH_MAX)
        abort();
    for (size_t i = 0; rc == 0 && i < s.n; i++) {
        uint8_t u[16];
        if (cpc_uuid_parse(u, s.ids[i]) != 0 || (s.maint[i] != 0 && s.maint[i] != 1))
            abort();
    }
    if (rc != 0 && (s.ids || s.maint || s.n))
        abort();
    cpc_dc_status_free(&s);
    json_decref(errors);
    return 0;
}

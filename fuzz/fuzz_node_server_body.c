/* fuzz_node_server_body.c — the body validator of POST and PUT
 * /provider/servers (cpc_server_body_apply) and the worker binding's check
 * (cpc_server_bind_verify). Each input, when it is JSON, is applied as a new
 * server's body and as an update of a valid server. Oracle: a refusal is a
 * 400 with a code and a message; an accepted body leaves a row within every
 * documented bound (model listed, 1..16 GPUs, 1..256 GB, ports 1..65535 with
 * min <= max and at most 1000 of them, an assigned country, a price 1..cap),
 * and a new server never carries a binding. */
#include <stdlib.h>
#include <string.h>

#include "market/server_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_row(const struct cpc_pserver *r)
{
    if (!cpc_gpu_model_find(r->gpu_model) || r->gpu_count < 1 ||
        r->gpu_count > CPC_SERVER_GPUS_MAX || r->vram_gb < 1 || r->vram_gb > CPC_SERVER_VRAM_MAX ||
        r->ssh_port_min < 1 || r->ssh_port_max > 65535 || r->ssh_port_min > r->ssh_port_max ||
        r->ssh_port_max - r->ssh_port_min + 1 > CPC_SERVER_PORT_SPAN_MAX ||
        !cpc_country_code_ok(r->country) || r->price_per_gpu_hour < 1 ||
        r->price_per_gpu_hour > CPC_SERVER_PRICE_MAX || !r->host[0] ||
        strlen(r->host) > CPC_PSERVER_HOST_MAX || strchr(r->host, ' ') ||
        strlen(r->cpu) > CPC_PSERVER_CPU_MAX || strlen(r->city) > CPC_PSERVER_CITY_MAX)
        abort();
}

static void check_refusal(const struct cpc_server_body_err *e)
{
    if (e->status != 400 || !e->code[0] || !e->msg[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return 0;
    struct cpc_pserver r;
    struct cpc_server_bind bind;
    struct cpc_server_body_err e;
    int op = 0;
    memset(&r, 0, sizeof r);
    if (cpc_server_body_apply(j, 1, &r, &bind, &op, &e) == 0) {
        if (op != CPC_SERVER_BIND_NONE)
            abort();
        check_row(&r);
        cpc_server_derive(&r);
        if (r.price_per_hour < r.price_per_gpu_hour * r.gpu_count || r.score == 0)
            abort();
    } else {
        check_refusal(&e);
    }
    /* an update of a valid server */
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "5f0564c9-526f-4664-b06d-6660558e3e3f");
    snprintf(r.gpu_model, sizeof r.gpu_model, "RTX 4090");
    r.gpu_count = 2;
    r.vram_gb = 24;
    r.ram_gb = 64;
    r.disk_gb = 500;
    snprintf(r.host, sizeof r.host, "gpu.example.com");
    r.ssh_port_min = 22000;
    r.ssh_port_max = 22010;
    snprintf(r.country, sizeof r.country, "DE");
    r.price_per_gpu_hour = 1000;
    if (cpc_server_body_apply(j, 0, &r, &bind, &op, &e) == 0) {
        check_row(&r);
        if (op == CPC_SERVER_BIND_SET && cpc_server_bind_verify(&bind, r.id, 7, &e) != 0)
            check_refusal(&e);
    } else {
        check_refusal(&e);
    }
    json_decref(j);
    return 0;
}

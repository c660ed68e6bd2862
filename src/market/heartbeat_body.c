/* heartbeat_body.c — strict parse of a heartbeat's "uptime_s" and "gpus"
 * (heartbeat_body.h).
 *
 * Design note. Every bound is the shared contract's: uptime_s an integer
 * >= 0; at most 16 GPUs, each an object with index 0..63 and load 0..100,
 * and optionally name (at most 63 characters of [A-Za-z0-9_ .-]), temp_c
 * -100..300 and mem_used_mb an integer >= 0; no other key. Unknown keys, wrong types and a repeated index
 * are refused with a message naming the entry, so a worker's bug shows up
 * as a 400 it can read instead of a wrong chart. Cost: at most 16 entries
 * of fixed size; the body itself is bounded by the route (BODY_SMALL).
 */
#include "heartbeat_body.h"

#include <stdio.h>
#include <string.h>

static bool gpu_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n > CPC_HB_GPU_NAME_MAX)
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ .-") == n;
}

static int gpu_parse(json_t *g, size_t i, struct cpc_hb_gpu *out, struct cpc_err *err)
{
    json_int_t index = -1, mem = 0;
    double load = -1, temp = 0;
    const char *name = "";
    json_t *t = NULL;
    json_error_t je;
    if (!json_is_object(g) ||
        json_unpack_ex(g, &je, JSON_STRICT, "{s:I, s?s, s:F, s?o, s?I}", "index", &index, "name",
                       &name, "load", &load, "temp_c", &t, "mem_used_mb", &mem) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "heartbeat: gpus[%zu] must be {index, load, name?, temp_c?, "
                           "mem_used_mb?}%s%s",
                           i, json_is_object(g) ? ": " : "", json_is_object(g) ? je.text : "");
    if (index < 0 || index > CPC_HB_GPU_INDEX_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: gpus[%zu].index must be 0..%d", i,
                           CPC_HB_GPU_INDEX_MAX);
    if (!gpu_name_ok(name))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "heartbeat: gpus[%zu].name must be at most %d of [A-Za-z0-9_ .-]", i,
                           CPC_HB_GPU_NAME_MAX);
    if (!(load >= 0 && load <= 100))
        return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: gpus[%zu].load must be 0..100", i);
    if (t && !json_is_number(t))
        return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: gpus[%zu].temp_c must be a number",
                           i);
    temp = t ? json_number_value(t) : 0;
    if (!(temp >= -100 && temp <= 300))
        return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: gpus[%zu].temp_c must be -100..300",
                           i);
    if (mem < 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: gpus[%zu].mem_used_mb must be >= 0",
                           i);
    out->index = (uint32_t)index;
    snprintf(out->name, sizeof out->name, "%s", name);
    out->load = load;
    out->temp_c = temp;
    out->has_temp = t != NULL;
    out->mem_used_mb = (uint64_t)mem;
    return 0;
}

int cpc_hb_machine_parse(const json_t *uptime, const json_t *gpus, struct cpc_hb_machine *out,
                         struct cpc_err *err)
{
    memset(out, 0, sizeof *out);
    if (uptime) {
        if (!json_is_integer(uptime) || json_integer_value(uptime) < 0)
            return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: uptime_s must be an integer >= 0");
        out->has_uptime = true;
        out->uptime_s = (uint64_t)json_integer_value(uptime);
    }
    if (!gpus)
        return 0;
    if (!json_is_array(gpus) || json_array_size(gpus) > CPC_HB_GPUS_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: gpus must be an array of at most %d",
                           CPC_HB_GPUS_MAX);
    uint64_t seen = 0;
    for (size_t i = 0; i < json_array_size(gpus); i++) {
        struct cpc_hb_gpu *g = &out->gpus[i];
        int rc = gpu_parse(json_array_get(gpus, i), i, g, err);
        if (rc != 0) {
            memset(out, 0, sizeof *out);
            return rc;
        }
        if (seen & (1ULL << g->index)) {
            unsigned index = (unsigned)g->index;
            memset(out, 0, sizeof *out);
            return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: gpus[%zu].index %u repeats", i,
                               index);
        }
        seen |= 1ULL << g->index;
        out->n_gpus = i + 1;
    }
    return 0;
}

double cpc_hb_machine_gpu_load(const struct cpc_hb_machine *m, double gpu_load)
{
    if (!m->n_gpus)
        return gpu_load;
    double sum = 0;
    for (size_t i = 0; i < m->n_gpus; i++)
        sum += m->gpus[i].load;
    return sum / (double)m->n_gpus;
}

double cpc_hb_machine_gpu_temp(const struct cpc_hb_machine *m, double gpu_temp_c)
{
    bool any = false;
    double t = 0;
    for (size_t i = 0; i < m->n_gpus; i++)
        if (m->gpus[i].has_temp && (!any || m->gpus[i].temp_c > t)) {
            t = m->gpus[i].temp_c;
            any = true;
        }
    return any ? t : gpu_temp_c;
}

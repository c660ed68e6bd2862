/* heartbeat_body.h — the machine fields of a worker heartbeat (POST
 * /worker/heartbeat, docs/protocol.md): "uptime_s" and "gpus", parsed
 * strictly by heartbeat_body.c for cpc_worker_heartbeat_parse.
 *
 * Ownership: plain data, no heap; the json_t arguments are borrowed. */
#ifndef CPC_MARKET_HEARTBEAT_BODY_H
#define CPC_MARKET_HEARTBEAT_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/err.h"

#define CPC_HB_GPUS_MAX 16
#define CPC_HB_GPU_INDEX_MAX 63
#define CPC_HB_GPU_NAME_MAX 63

struct cpc_hb_gpu {
    uint32_t index;                      /* 0..63 */
    char name[CPC_HB_GPU_NAME_MAX + 1];  /* [A-Za-z0-9_ .-], may be "" */
    double load;                         /* 0..100 */
    double temp_c;                       /* -100..300; 0 when absent */
    bool has_temp;                       /* temp_c was given */
    uint64_t mem_used_mb;
};

struct cpc_hb_machine {
    bool has_uptime;
    uint64_t uptime_s;                   /* seconds since the machine booted */
    size_t n_gpus;                       /* 0..CPC_HB_GPUS_MAX */
    struct cpc_hb_gpu gpus[CPC_HB_GPUS_MAX];
};

/* Fill *out from the heartbeat's "uptime_s" and "gpus" values (each NULL when absent):
 * 0, or CPC_ERR_INVALID with a message naming the field. */
int cpc_hb_machine_parse(const json_t *uptime, const json_t *gpus, struct cpc_hb_machine *out,
                         struct cpc_err *err);

/* The sample a heartbeat gives its servers: the mean of gpus[].load when gpus is not
 * empty, else gpu_load; the max of the given gpus[].temp_c, else gpu_temp_c. */
double cpc_hb_machine_gpu_load(const struct cpc_hb_machine *m, double gpu_load);
double cpc_hb_machine_gpu_temp(const struct cpc_hb_machine *m, double gpu_temp_c);

#endif

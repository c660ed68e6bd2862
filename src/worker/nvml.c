/* nvml.c — run-time loading of NVML (see nvml.h).
 *
 * Design: one pthread_once loads the library, resolves every symbol with
 * dlsym and calls nvmlInit_v2. The result (a function table, or NULL plus a
 * status line) is immutable afterwards, so any thread may read it. The
 * handle is never dlclose'd and nvmlShutdown is never called: NVML releases
 * its state when the process exits, and closing it while another thread may
 * still sample would be a use-after-unload. The binary therefore has no
 * link dependency on NVIDIA and runs unchanged on machines without a GPU.
 */
#include "nvml.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NVML_DEFAULT_LIB "libnvidia-ml.so.1"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static struct cpc__nvml g_tab;
static const struct cpc__nvml *g_ready; /* &g_tab once usable */
static char g_status[160];

/* dlsym into a function pointer without the object/function pointer cast warning. */
static int resolve(void *lib, const char *name, void *slot, size_t slot_size)
{
    void *p = dlsym(lib, name);
    if (!p)
        return -1;
    memcpy(slot, &p, slot_size);
    return 0;
}

static void sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = '?';
}

static void nvml_load(void)
{
    const char *env = getenv("CPC_NVML_LIB");
    const char *path = (env && *env) ? env : NVML_DEFAULT_LIB;
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        if (env && *env) {
            const char *e = dlerror();
            snprintf(g_status, sizeof g_status, "CPC_NVML_LIB=%s: cannot load: %s", path,
                     e ? e : "unknown error");
            sanitize(g_status);
        } else {
            snprintf(g_status, sizeof g_status, "%s not found: no NVIDIA driver", NVML_DEFAULT_LIB);
        }
        return;
    }
    cpc__nvml_ret (*init)(void) = NULL;
    struct {
        const char *name;
        void *slot;
        size_t size;
    } syms[] = {
        {"nvmlInit_v2", &init, sizeof init},
        {"nvmlDeviceGetCount_v2", &g_tab.device_count, sizeof g_tab.device_count},
        {"nvmlDeviceGetHandleByIndex_v2", &g_tab.handle_by_index, sizeof g_tab.handle_by_index},
        {"nvmlDeviceGetName", &g_tab.name, sizeof g_tab.name},
        {"nvmlDeviceGetMemoryInfo", &g_tab.memory_info, sizeof g_tab.memory_info},
        {"nvmlSystemGetDriverVersion", &g_tab.driver_version, sizeof g_tab.driver_version},
        {"nvmlDeviceGetCudaComputeCapability", &g_tab.compute_capability,
         sizeof g_tab.compute_capability},
        {"nvmlDeviceGetUUID", &g_tab.uuid, sizeof g_tab.uuid},
        {"nvmlDeviceGetUtilizationRates", &g_tab.utilization, sizeof g_tab.utilization},
        {"nvmlDeviceGetTemperature", &g_tab.temperature, sizeof g_tab.temperature},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        if (resolve(lib, syms[i].name, syms[i].slot, syms[i].size) != 0) {
            snprintf(g_status, sizeof g_status, "%s: symbol %s missing (driver too old?)", path,
                     syms[i].name);
            sanitize(g_status);
            memset(&g_tab, 0, sizeof g_tab);
            return; /* lib stays loaded: harmless, and dlclose could unload a shared NVML */
        }
    }
    if (resolve(lib, "nvmlDeviceGetNumGpuCores", &g_tab.num_gpu_cores,
                sizeof g_tab.num_gpu_cores) != 0)
        g_tab.num_gpu_cores = NULL; /* optional: newer drivers only */
    cpc__nvml_ret rc = init();
    if (rc != 0) {
        snprintf(g_status, sizeof g_status, "nvmlInit_v2 failed (NVML error %d): driver not loaded?",
                 rc);
        memset(&g_tab, 0, sizeof g_tab);
        return;
    }
    snprintf(g_status, sizeof g_status, "NVML loaded from %s", path);
    sanitize(g_status);
    g_ready = &g_tab;
}

const struct cpc__nvml *cpc__nvml_get(const char **status)
{
    pthread_once(&g_once, nvml_load);
    if (status)
        *status = g_status;
    return g_ready;
}

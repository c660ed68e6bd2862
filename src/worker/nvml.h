/* nvml.h — NVIDIA's NVML, loaded at run time (internal to src/worker).
 *
 * libnvidia-ml.so.1 is dlopen'ed (path overridable with env CPC_NVML_LIB,
 * for tests) the first time it is asked for, once per process (pthread_once),
 * and nvmlInit_v2 is called once; the library stays loaded and initialised
 * for the life of the process. No NVIDIA header is needed: the few types
 * used are declared here with NVML's ABI. NVML calls are thread-safe.
 */
#ifndef CPC_WORKER_NVML_H
#define CPC_WORKER_NVML_H

typedef int cpc__nvml_ret;                 /* nvmlReturn_t; 0 = NVML_SUCCESS */
typedef struct cpc__nvml_dev *cpc__nvml_device; /* nvmlDevice_t (opaque) */
struct cpc__nvml_memory { unsigned long long total, free, used; };   /* nvmlMemory_t */
struct cpc__nvml_util { unsigned int gpu, memory; };                 /* nvmlUtilization_t */
#define CPC__NVML_TEMPERATURE_GPU 0
#define CPC__NVML_NAME_LEN 96              /* NVML_DEVICE_NAME_V2_BUFFER_SIZE */
#define CPC__NVML_UUID_LEN 96              /* NVML_DEVICE_UUID_V2_BUFFER_SIZE */
#define CPC__NVML_DRIVER_LEN 80            /* NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE */

struct cpc__nvml {
    cpc__nvml_ret (*device_count)(unsigned *n);
    cpc__nvml_ret (*handle_by_index)(unsigned i, cpc__nvml_device *dev);
    cpc__nvml_ret (*name)(cpc__nvml_device dev, char *buf, unsigned len);
    cpc__nvml_ret (*memory_info)(cpc__nvml_device dev, struct cpc__nvml_memory *m);
    cpc__nvml_ret (*driver_version)(char *buf, unsigned len);
    cpc__nvml_ret (*compute_capability)(cpc__nvml_device dev, int *major, int *minor);
    cpc__nvml_ret (*uuid)(cpc__nvml_device dev, char *buf, unsigned len);
    cpc__nvml_ret (*utilization)(cpc__nvml_device dev, struct cpc__nvml_util *u);
    cpc__nvml_ret (*temperature)(cpc__nvml_device dev, int sensor, unsigned *temp);
    cpc__nvml_ret (*num_gpu_cores)(cpc__nvml_device dev, unsigned *cores); /* NULL on older drivers */
};

/* The process-wide NVML table, loaded and initialised on first call; NULL
 * when NVML is unusable. *status (may be NULL) gets a static string saying
 * what happened ("libnvidia-ml.so.1 not found: no NVIDIA driver", ...);
 * nothing to free. */
const struct cpc__nvml *cpc__nvml_get(const char **status);

#endif

/* devices.h — what this machine offers (CPU, RAM, NVIDIA GPUs) and how busy
 * it is (load samples for heartbeats).
 *
 * CPU facts come from /proc/cpuinfo, sysconf, sysinfo and
 * __builtin_cpu_supports/cpuid; GPUs from NVML loaded at run time (nvml.h),
 * so machines without NVIDIA report gpus = [] with gpu_status saying why.
 * All structs are plain values the caller owns; nothing here allocates
 * except the JSON and the sampler, which say so.
 */
#ifndef CPC_WORKER_DEVICES_H
#define CPC_WORKER_DEVICES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"

struct cpc_wk_cpu {
    char model[128];              /* "model name" of /proc/cpuinfo, "unknown" if absent */
    unsigned logical_cores;       /* online CPUs, >= 1 */
    unsigned physical_cores;      /* distinct (physical id, core id); 0 = unknown */
    uint64_t ram_mb;              /* MemTotal in MiB */
    bool avx2, avx512f, avx512bw, avx512vnni, sha_ni, aes;
};

struct cpc_wk_gpu {
    unsigned index;               /* NVML index */
    char name[96], uuid[96], driver[32];
    uint64_t vram_mb;             /* total memory in MiB */
    int cc_major, cc_minor;       /* CUDA compute capability */
    unsigned sm_count, cuda_cores; /* 0 = unknown (driver lacks nvmlDeviceGetNumGpuCores) */
};

#define CPC_WK_MAX_GPUS 16

struct cpc_wk_devices {
    struct cpc_wk_cpu cpu;
    unsigned n_gpus;
    struct cpc_wk_gpu gpus[CPC_WK_MAX_GPUS];
    char gpu_status[160];         /* why there are (no) GPUs, human readable */
};

/* Fill *out (caller's struct) with this machine's devices. A missing NVML is
 * not an error (n_gpus = 0, gpu_status says why). Returns 0 or
 * CPC_ERR_INVALID (out NULL). */
int cpc_wk_devices_detect(struct cpc_wk_devices *out, struct cpc_err *err);

/* JSON of d: {"cpu":{...},"gpus":[...],"gpu_status":...}; unknown counts are
 * null. Returns a new reference (caller json_decref's), NULL on no memory. */
json_t *cpc_wk_devices_to_json(const struct cpc_wk_devices *d);

/* Print the human table `cpc-worker devices` shows to f; borrows both. */
void cpc_wk_devices_print(FILE *f, const struct cpc_wk_devices *d);

/* CUDA cores per SM for a compute capability, 0 when not in the table. */
unsigned cpc_wk_cores_per_sm(int cc_major, int cc_minor);

/* ---- load sampling (heartbeats) ---- */
struct cpc_wk_load {
    double cpu_load_pct;          /* 0..100, busy share of all CPUs since the previous read */
    double gpu_load_pct;          /* 0..100, max utilisation over GPUs (0 without GPUs) */
    uint64_t ram_used_mb;         /* MemTotal - MemAvailable */
    double gpu_temp_c;            /* max GPU temperature (0 without GPUs) */
    bool have_gpu;                /* GPU fields are meaningful */
};
struct cpc_wk_sampler;

/* New sampler (caller frees with cpc_wk_sampler_free); NULL on no memory.
 * A sampler is used from one thread; NVML is shared process-wide. */
struct cpc_wk_sampler *cpc_wk_sampler_new(void);
/* Free s (NULL is fine). */
void cpc_wk_sampler_free(struct cpc_wk_sampler *s);
/* Read the current load into *out (caller's). CPU load is the /proc/stat
 * delta since the previous read (the first read: since boot). Returns 0 or
 * CPC_ERR_IO (/proc unreadable) / CPC_ERR_INVALID. */
int cpc_wk_sampler_read(struct cpc_wk_sampler *s, struct cpc_wk_load *out);

/* GPU index's load now, from NVML (NVML numbers GPUs in PCI bus order; the
 * worker sets CUDA_DEVICE_ORDER=PCI_BUS_ID so CUDA's numbers are the same).
 * name (<= 63 chars, only [A-Za-z0-9_ .-]; others become '_') and the three
 * numbers are the caller's; load 0..100, temp_c in C, mem_used_mb in MiB.
 * false when NVML is absent or has no such GPU (outputs then untouched). */
bool cpc_wk_gpu_sample(unsigned index, char name[64], double *load, double *temp_c,
                       uint64_t *mem_used_mb);

#endif

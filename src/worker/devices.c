/* devices.c — device detection and load sampling (see devices.h).
 *
 * Design: detection is a one-shot read of /proc/cpuinfo, sysconf and
 * sysinfo for the CPU, CPU feature bits from __builtin_cpu_supports (and
 * cpuid leaf 7 for SHA, a name clang 14 does not know), and NVML (nvml.c,
 * loaded once per process) for GPUs. NVML has no SM-count query: when the
 * driver has nvmlDeviceGetNumGpuCores we derive SMs as cores / cores-per-SM
 * of the compute capability; otherwise both stay 0 ("unknown", null in
 * JSON). The sampler keeps the previous /proc/stat totals to turn counters
 * into a load percentage; it is single-threaded by contract.
 */
#include "devices.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define CPC_X86 1
#endif

#include "nvml.h"

/* ---- CPU ---- */

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    if (i)
        memmove(s, s + i, n - i + 1);
}

/* Value after "key<spaces>:" on a /proc/cpuinfo line, or NULL. */
static const char *cpuinfo_value(const char *line, const char *key)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0)
        return NULL;
    const char *p = line + k;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

#define MAX_CORE_PAIRS 4096

static void read_cpuinfo(struct cpc_wk_cpu *cpu)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    static const long none = -1;
    long phys = none;
    long (*pairs)[2] = calloc(MAX_CORE_PAIRS, sizeof *pairs);
    unsigned n_pairs = 0;
    bool overflow = false;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        const char *v;
        if (!cpu->model[0] && (v = cpuinfo_value(line, "model name")) != NULL) {
            snprintf(cpu->model, sizeof cpu->model, "%s", v);
            trim(cpu->model);
        } else if ((v = cpuinfo_value(line, "physical id")) != NULL) {
            phys = strtol(v, NULL, 10);
        } else if ((v = cpuinfo_value(line, "core id")) != NULL && pairs) {
            long core = strtol(v, NULL, 10);
            bool seen = false;
            for (unsigned i = 0; i < n_pairs && !seen; i++)
                seen = pairs[i][0] == phys && pairs[i][1] == core;
            if (!seen) {
                if (n_pairs < MAX_CORE_PAIRS) {
                    pairs[n_pairs][0] = phys;
                    pairs[n_pairs][1] = core;
                    n_pairs++;
                } else {
                    overflow = true;
                }
            }
        } else if (line[0] == '\n') {
            phys = none; /* next processor block */
        }
    }
    fclose(f);
    free(pairs);
    if (!overflow)
        cpu->physical_cores = n_pairs;
}

static void detect_features(struct cpc_wk_cpu *cpu)
{
#ifdef CPC_X86
    __builtin_cpu_init();
    cpu->avx2 = __builtin_cpu_supports("avx2") != 0;
    cpu->avx512f = __builtin_cpu_supports("avx512f") != 0;
    cpu->avx512bw = __builtin_cpu_supports("avx512bw") != 0;
    cpu->avx512vnni = __builtin_cpu_supports("avx512vnni") != 0;
    cpu->aes = __builtin_cpu_supports("aes") != 0;
    /* SHA extensions: CPUID.(EAX=7,ECX=0):EBX bit 29 (gcc knows "sha",
     * clang 14 does not, so ask cpuid directly). */
    unsigned a, b, c, d;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
        cpu->sha_ni = (b >> 29) & 1u;
#else
    (void)cpu;
#endif
}

static void detect_cpu(struct cpc_wk_cpu *cpu)
{
    memset(cpu, 0, sizeof *cpu);
    read_cpuinfo(cpu);
    if (!cpu->model[0])
        snprintf(cpu->model, sizeof cpu->model, "unknown");
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cpu->logical_cores = n > 0 ? (unsigned)n : 1;
    if (cpu->physical_cores > cpu->logical_cores)
        cpu->physical_cores = 0; /* inconsistent (offline CPUs, odd /proc): unknown */
    struct sysinfo si;
    if (sysinfo(&si) == 0)
        cpu->ram_mb = (uint64_t)si.totalram * si.mem_unit / (1024u * 1024u);
    detect_features(cpu);
}

/* ---- GPU ---- */

unsigned cpc_wk_cores_per_sm(int cc_major, int cc_minor)
{
    switch (cc_major) {
    case 5: return 128;                         /* Maxwell */
    case 6: return cc_minor == 0 ? 64 : 128;    /* Pascal: GP100 64, others 128 */
    case 7: return 64;                          /* Volta, Turing */
    case 8: return cc_minor == 0 ? 64 : 128;    /* A100 64; 8.6/8.7/8.9 128 */
    case 9: return 128;                         /* Hopper */
    case 10:
    case 12: return 128;                        /* Blackwell */
    default: return 0;
    }
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
    for (char *p = dst; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
}

static void detect_gpus(struct cpc_wk_devices *out)
{
    const char *status = NULL;
    const struct cpc__nvml *nv = cpc__nvml_get(&status);
    out->n_gpus = 0;
    if (!nv) {
        copy_str(out->gpu_status, sizeof out->gpu_status, status ? status : "NVML unavailable");
        return;
    }
    unsigned count = 0;
    int rc = nv->device_count(&count);
    if (rc != 0) {
        snprintf(out->gpu_status, sizeof out->gpu_status,
                 "nvmlDeviceGetCount_v2 failed (NVML error %d)", rc);
        return;
    }
    char driver[CPC__NVML_DRIVER_LEN] = "";
    if (nv->driver_version(driver, sizeof driver) != 0)
        driver[0] = '\0';
    driver[sizeof driver - 1] = '\0';
    unsigned skipped = 0;
    for (unsigned i = 0; i < count && out->n_gpus < CPC_WK_MAX_GPUS; i++) {
        cpc__nvml_device dev = NULL;
        if (nv->handle_by_index(i, &dev) != 0) {
            skipped++; /* e.g. no permission on that device */
            continue;
        }
        struct cpc_wk_gpu *g = &out->gpus[out->n_gpus];
        memset(g, 0, sizeof *g);
        g->index = i;
        char buf[CPC__NVML_UUID_LEN > CPC__NVML_NAME_LEN ? CPC__NVML_UUID_LEN
                                                         : CPC__NVML_NAME_LEN];
        buf[0] = '\0';
        if (nv->name(dev, buf, sizeof buf) != 0)
            snprintf(buf, sizeof buf, "unknown");
        buf[sizeof buf - 1] = '\0';
        copy_str(g->name, sizeof g->name, buf);
        buf[0] = '\0';
        if (nv->uuid(dev, buf, sizeof buf) != 0)
            buf[0] = '\0';
        buf[sizeof buf - 1] = '\0';
        copy_str(g->uuid, sizeof g->uuid, buf);
        copy_str(g->driver, sizeof g->driver, driver);
        struct cpc__nvml_memory mem = {0, 0, 0};
        if (nv->memory_info(dev, &mem) == 0)
            g->vram_mb = mem.total / (1024ull * 1024ull);
        if (nv->compute_capability(dev, &g->cc_major, &g->cc_minor) != 0)
            g->cc_major = g->cc_minor = 0;
        unsigned cores = 0;
        if (nv->num_gpu_cores && nv->num_gpu_cores(dev, &cores) == 0 && cores > 0) {
            unsigned per_sm = cpc_wk_cores_per_sm(g->cc_major, g->cc_minor);
            g->cuda_cores = cores;
            g->sm_count = per_sm ? cores / per_sm : 0;
        }
        out->n_gpus++;
    }
    int n = snprintf(out->gpu_status, sizeof out->gpu_status, "NVML: %u GPU(s)", out->n_gpus);
    if (driver[0] && n > 0 && (size_t)n < sizeof out->gpu_status)
        n += snprintf(out->gpu_status + n, sizeof out->gpu_status - (size_t)n, ", driver %s",
                      out->gpus[0].driver[0] ? out->gpus[0].driver : driver);
    if (skipped && n > 0 && (size_t)n < sizeof out->gpu_status)
        n += snprintf(out->gpu_status + n, sizeof out->gpu_status - (size_t)n,
                      ", %u not accessible", skipped);
    if (count > CPC_WK_MAX_GPUS && n > 0 && (size_t)n < sizeof out->gpu_status)
        snprintf(out->gpu_status + n, sizeof out->gpu_status - (size_t)n,
                 ", only the first %d of %u listed", CPC_WK_MAX_GPUS, count);
}

int cpc_wk_devices_detect(struct cpc_wk_devices *out, struct cpc_err *err)
{
    if (!out)
        return cpc_err_set(err, CPC_ERR_INVALID, "devices: no output struct");
    memset(out, 0, sizeof *out);
    detect_cpu(&out->cpu);
    detect_gpus(out);
    return CPC_OK;
}

/* ---- JSON and table ---- */

static json_t *count_or_null(unsigned v)
{
    return v ? json_integer((json_int_t)v) : json_null();
}

json_t *cpc_wk_devices_to_json(const struct cpc_wk_devices *d)
{
    if (!d)
        return NULL;
    const struct cpc_wk_cpu *c = &d->cpu;
    json_t *gpus = json_array();
    if (!gpus)
        return NULL;
    for (unsigned i = 0; i < d->n_gpus && i < CPC_WK_MAX_GPUS; i++) {
        const struct cpc_wk_gpu *g = &d->gpus[i];
        char cc[24];
        snprintf(cc, sizeof cc, "%d.%d", g->cc_major, g->cc_minor);
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:o, s:o}",
                              "index", (json_int_t)g->index, "name", g->name, "uuid", g->uuid,
                              "driver", g->driver, "vram_mb", (json_int_t)g->vram_mb,
                              "compute_capability", cc, "cc_major", g->cc_major, "cc_minor",
                              g->cc_minor, "sm_count", count_or_null(g->sm_count), "cuda_cores",
                              count_or_null(g->cuda_cores));
        if (!o || json_array_append_new(gpus, o) != 0) {
            json_decref(gpus);
            return NULL;
        }
    }
    json_t *root = json_pack(
        "{s:{s:s, s:I, s:o, s:I, s:{s:b, s:b, s:b, s:b, s:b, s:b}}, s:o, s:s}", "cpu", "model",
        c->model, "logical_cores", (json_int_t)c->logical_cores, "physical_cores",
        count_or_null(c->physical_cores), "ram_mb", (json_int_t)c->ram_mb, "features", "avx2",
        c->avx2, "avx512f", c->avx512f, "avx512bw", c->avx512bw, "avx512vnni", c->avx512vnni,
        "sha", c->sha_ni, "aes", c->aes, "gpus", gpus, "gpu_status", d->gpu_status);
    return root; /* "o" steals gpus even on failure */
}

void cpc_wk_devices_print(FILE *f, const struct cpc_wk_devices *d)
{
    if (!f || !d)
        return;
    const struct cpc_wk_cpu *c = &d->cpu;
    fprintf(f, "CPU      %s\n", c->model);
    if (c->physical_cores)
        fprintf(f, "cores    %u logical, %u physical\n", c->logical_cores, c->physical_cores);
    else
        fprintf(f, "cores    %u logical, physical unknown\n", c->logical_cores);
    fprintf(f, "RAM      %" PRIu64 " MB\n", c->ram_mb);
    fprintf(f, "features%s%s%s%s%s%s%s\n", c->avx2 ? " avx2" : "", c->avx512f ? " avx512f" : "",
            c->avx512bw ? " avx512bw" : "", c->avx512vnni ? " avx512vnni" : "",
            c->sha_ni ? " sha" : "", c->aes ? " aes" : "",
            (c->avx2 || c->avx512f || c->avx512bw || c->avx512vnni || c->sha_ni || c->aes)
                ? ""
                : " none detected");
    fprintf(f, "GPUs     %u (%s)\n", d->n_gpus, d->gpu_status);
    if (d->n_gpus == 0)
        return;
    fprintf(f, "%-3s %-24s %9s %4s %5s %6s %-12s %s\n", "#", "name", "VRAM MB", "CC", "SMs",
            "cores", "driver", "uuid");
    for (unsigned i = 0; i < d->n_gpus && i < CPC_WK_MAX_GPUS; i++) {
        const struct cpc_wk_gpu *g = &d->gpus[i];
        char cc[24], sms[16], cores[16];
        snprintf(cc, sizeof cc, "%d.%d", g->cc_major, g->cc_minor);
        if (g->sm_count)
            snprintf(sms, sizeof sms, "%u", g->sm_count);
        else
            snprintf(sms, sizeof sms, "?");
        if (g->cuda_cores)
            snprintf(cores, sizeof cores, "%u", g->cuda_cores);
        else
            snprintf(cores, sizeof cores, "?");
        fprintf(f, "%-3u %-24s %9" PRIu64 " %4s %5s %6s %-12s %s\n", g->index, g->name,
                g->vram_mb, cc, sms, cores, g->driver, g->uuid);
    }
}

/* ---- load sampler ---- */

struct cpc_wk_sampler {
    uint64_t prev_total, prev_idle; /* 0, 0 before the first read: "since boot" */
    double last_cpu_pct;            /* reused when two reads see no tick in between */
};

struct cpc_wk_sampler *cpc_wk_sampler_new(void)
{
    return calloc(1, sizeof(struct cpc_wk_sampler));
}

void cpc_wk_sampler_free(struct cpc_wk_sampler *s)
{
    free(s);
}

static int read_proc_stat(uint64_t *total, uint64_t *idle)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return CPC_ERR_IO;
    char line[512];
    int rc = CPC_ERR_IO;
    if (fgets(line, sizeof line, f) && strncmp(line, "cpu ", 4) == 0) {
        /* user nice system idle iowait irq softirq steal (guest* already in user/nice) */
        unsigned long long v[8] = {0};
        int n = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                       &v[3], &v[4], &v[5], &v[6], &v[7]);
        if (n >= 4) {
            *total = 0;
            for (int i = 0; i < n; i++)
                *total += v[i];
            *idle = v[3] + (n >= 5 ? v[4] : 0);
            rc = CPC_OK;
        }
    }
    fclose(f);
    return rc;
}

static int read_ram_used(uint64_t *used_mb)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return CPC_ERR_IO;
    char line[256];
    unsigned long long total = 0, avail = 0;
    bool have_t = false, have_a = false;
    while (fgets(line, sizeof line, f) && !(have_t && have_a)) {
        if (sscanf(line, "MemTotal: %llu kB", &total) == 1)
            have_t = true;
        else if (sscanf(line, "MemAvailable: %llu kB", &avail) == 1)
            have_a = true;
    }
    fclose(f);
    if (!have_t || !have_a)
        return CPC_ERR_IO;
    *used_mb = total > avail ? (total - avail) / 1024u : 0;
    return CPC_OK;
}

int cpc_wk_sampler_read(struct cpc_wk_sampler *s, struct cpc_wk_load *out)
{
    if (!s || !out)
        return CPC_ERR_INVALID;
    memset(out, 0, sizeof *out);
    uint64_t total = 0, idle = 0;
    int rc = read_proc_stat(&total, &idle);
    if (rc != 0)
        return rc;
    if (total > s->prev_total && idle >= s->prev_idle) {
        uint64_t dt = total - s->prev_total, di = idle - s->prev_idle;
        double pct = di >= dt ? 0.0 : 100.0 * (double)(dt - di) / (double)dt;
        s->last_cpu_pct = pct < 0 ? 0 : pct > 100 ? 100 : pct;
    }
    s->prev_total = total;
    s->prev_idle = idle;
    out->cpu_load_pct = s->last_cpu_pct;
    rc = read_ram_used(&out->ram_used_mb);
    if (rc != 0)
        return rc;

    const struct cpc__nvml *nv = cpc__nvml_get(NULL);
    unsigned count = 0;
    if (nv && nv->device_count(&count) == 0) {
        for (unsigned i = 0; i < count; i++) {
            cpc__nvml_device dev = NULL;
            if (nv->handle_by_index(i, &dev) != 0)
                continue;
            struct cpc__nvml_util u = {0, 0};
            unsigned temp = 0;
            if (nv->utilization(dev, &u) == 0) {
                out->have_gpu = true;
                if ((double)u.gpu > out->gpu_load_pct)
                    out->gpu_load_pct = u.gpu > 100 ? 100.0 : (double)u.gpu;
            }
            if (nv->temperature(dev, CPC__NVML_TEMPERATURE_GPU, &temp) == 0) {
                out->have_gpu = true;
                if ((double)temp > out->gpu_temp_c)
                    out->gpu_temp_c = (double)temp;
            }
        }
    }
    return CPC_OK;
}

bool cpc_wk_gpu_sample(unsigned index, char name[64], double *load, double *temp_c,
                       uint64_t *mem_used_mb)
{
    const struct cpc__nvml *nv = cpc__nvml_get(NULL);
    cpc__nvml_device dev = NULL;
    if (!nv || nv->handle_by_index(index, &dev) != 0)
        return false;
    char nm[CPC__NVML_NAME_LEN] = "";
    struct cpc__nvml_util u = {0, 0};
    struct cpc__nvml_memory m = {0, 0, 0};
    unsigned temp = 0;
    if (nv->name(dev, nm, sizeof nm) != 0)
        snprintf(nm, sizeof nm, "GPU %u", index);
    size_t i = 0;
    for (; nm[i] && i < 63; i++) {
        char c = nm[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == ' ' || c == '.' || c == '-';
        name[i] = ok ? c : '_';
    }
    name[i] = 0;
    *load = nv->utilization(dev, &u) == 0 ? (u.gpu > 100 ? 100.0 : (double)u.gpu) : 0;
    *temp_c = nv->temperature(dev, CPC__NVML_TEMPERATURE_GPU, &temp) == 0
                  ? (temp > 300 ? 300.0 : (double)temp)
                  : 0;
    *mem_used_mb = nv->memory_info(dev, &m) == 0 ? m.used / (1024 * 1024) : 0;
    return true;
}

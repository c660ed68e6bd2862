/* executor.h — the worker's executors: each computes exactly what core's
 * reference executor computes (src/core/kinds.h), only faster (threads,
 * vector instructions, a GPU), so a result is byte-identical whoever ran it.
 *
 * Every executor takes a struct cpc_wk_ctl: a cancel flag the agent sets on
 * SIGINT/SIGTERM or when a lease is lost (the executor then returns
 * CPC_ERR_CANCELLED soon, within ~100 ms), a progress counter it adds
 * finished work units to (nonces or keys tried, rows of C done), and a
 * thread count. Executors never print and never exit; they return 0 or a
 * negative cpc_errcode with err filled.
 *
 * Files: exec_hashpow.c, exec_vanity.c, exec_matmul_cpu.c, exec_matmul.c
 * (CPU/GPU choice), exec_cuda.h + cuda/matmul.cu (optional), exec_sandbox.c;
 * exec_pool.h: one executor per GPU and the CPU, and which task runs where.
 */
#ifndef CPC_WORKER_EXECUTOR_H
#define CPC_WORKER_EXECUTOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/keys.h"
#include "../core/kinds.h"

struct cpc_wk_ctl {
    atomic_int *cancel;              /* may be NULL; non-zero = stop, return CPC_ERR_CANCELLED */
    _Atomic uint64_t *done;          /* may be NULL; executors add finished work units to it */
    unsigned threads;                /* threads to use; 0 = online CPUs */
};

/* Threads an executor uses for ctl (ctl may be NULL): ctl->threads, or the
 * online CPU count when 0; at least 1. */
unsigned cpc_wk_threads(const struct cpc_wk_ctl *ctl);
/* true when ctl's cancel flag is set (ctl may be NULL). */
bool cpc_wk_cancelled(const struct cpc_wk_ctl *ctl);

/* ---- hashpow (exec_hashpow.c) ----
 * The LOWEST nonce n in [start, start + max_tries) with SHA256(seed | u64be n)
 * having >= bits leading zero bits: the same nonce cpc_hashpow_search returns.
 * Returns 0 with *nonce, CPC_ERR_NOT_FOUND (none in range), CPC_ERR_CANCELLED,
 * CPC_ERR_INVALID (bits 0 or > CPC_HASHPOW_MAX_BITS). Progress: nonces tried. */
int cpc_wk_hashpow(const uint8_t seed[32], unsigned bits, uint64_t start, uint64_t max_tries,
                   const struct cpc_wk_ctl *ctl, uint64_t *nonce, struct cpc_err *err);

/* ---- vanity (exec_vanity.c) ----
 * The LOWEST x in [start, start + max_tries) (x a 256-bit big-endian integer)
 * with address(P + x*G) starting with "cpc1" + prefix: the same x
 * cpc_vanity_search returns. Batched incremental point addition. Returns 0
 * with found, CPC_ERR_NOT_FOUND, CPC_ERR_CANCELLED, CPC_ERR_INVALID (bad
 * prefix or pubkey). Progress: keys tried. */
int cpc_wk_vanity(const uint8_t customer_pub[CPC_PUBKEY_LEN], const char *prefix,
                  const uint8_t start[32], uint64_t max_tries, const struct cpc_wk_ctl *ctl,
                  uint8_t found[32], struct cpc_err *err);

/* ---- matmul ----
 * C = A*B (s->m x s->k times s->k x s->n, int8 -> int32, row-major, caller
 * buffers), exact: identical to cpc_matmul_reference. Progress: rows of C. */
/* CPU: oneDNN's int8 gemm when built with it (exec_matmul_onednn.c), else or
 * when it fails the own cache-blocked, vectorised kernels (AVX-512 VNNI /
 * AVX2 / portable, chosen at run time); ctl->threads threads. Returns 0,
 * CPC_ERR_CANCELLED, CPC_ERR_NOMEM. */
int cpc_wk_matmul_cpu(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B,
                      int32_t *C, const struct cpc_wk_ctl *ctl, struct cpc_err *err);
/* Name of the worker's own CPU kernel on this machine ("avx512vnni", "avx2",
 * "portable"): the one cpc_wk_matmul_cpu runs when oneDNN is absent or fails;
 * static string. */
const char *cpc_wk_matmul_cpu_kernel(void);
/* The backend cpc_wk_matmul_cpu uses here: "onednn ISA" (oneDNN's effective
 * ISA, e.g. "onednn avx512_core_vnni") when built with oneDNN and it is exact
 * on this CPU, else "own KERNEL" (e.g. "own avx512vnni"); static string. */
const char *cpc_wk_matmul_cpu_backend(void);

enum cpc_wk_device { CPC_WK_DEV_CPU = 0, CPC_WK_DEV_CUDA = 1 };
/* Whole task (exec_matmul.c): generate A and B from the spec (core's
 * generators), multiply on GPU gpu (>= 0, when built with CUDA and that
 * device works) or else on the CPU, and write C (caller buffer of m*n). *used
 * (may be NULL) says which ran. gpu < 0: CPU only. Returns 0 or an error. */
int cpc_wk_matmul(const struct cpc_matmul_spec *s, int gpu, int32_t *C,
                  const struct cpc_wk_ctl *ctl, enum cpc_wk_device *used, struct cpc_err *err);
/* The same on GPU gpu (>= 0) only, no CPU fallback (a GPU executor,
 * exec_pool.h): the GPU's failure is CPC_ERR_IO with its message, a missing
 * device too. C: the caller's m*n buffer. */
int cpc_wk_matmul_device(const struct cpc_matmul_spec *s, int gpu, int32_t *C,
                         const struct cpc_wk_ctl *ctl, struct cpc_err *err);

/* ---- exec (exec_sandbox.c) ----
 * Runs an app (an executable file: ELF or #! script) as
 *   app in/0 in/1 ... in/N-1
 * in a fresh work directory, with stdout as the output. Sandbox: bubblewrap
 * (`bwrap`) when present and usable (no network, read-only system, only the
 * work dir writable, new PID namespace, dies with the worker); otherwise a
 * weaker fallback (fork + setrlimit + setsid + close fds, no namespaces).
 * The caller picks the mode (limits.sandbox). Both enforce: wall time
 * (timeout_s, then SIGKILL of the process group), memory (RLIMIT_AS =
 * memory_mb), output size (max_output bytes: more is an error), file size
 * and process count. */
enum cpc_wk_sandbox_mode {
    CPC_WK_SANDBOX_AUTO = 0,  /* bubblewrap when usable, else the fallback */
    CPC_WK_SANDBOX_BWRAP = 1, /* bubblewrap, or an error when it is not usable */
    CPC_WK_SANDBOX_NONE = 2,  /* the fallback always */
};
/* The mode a CPC_SANDBOX value names: "none", "bwrap", anything else (NULL
 * too) auto. s is only read. */
enum cpc_wk_sandbox_mode cpc_wk_sandbox_mode_parse(const char *s);

struct cpc_wk_exec_limits {
    unsigned timeout_s;   /* 1..86400 */
    unsigned memory_mb;   /* 1..1048576 */
    size_t max_output;    /* bytes of stdout kept at most */
    enum cpc_wk_sandbox_mode sandbox; /* which sandbox runs the app */
};
struct cpc_wk_exec_report {
    int exit_code;        /* the app's exit status (0..255), -1 when killed */
    int term_signal;      /* signal that ended it, 0 when it exited */
    bool timed_out, output_too_large;
    bool sandboxed;       /* true: bubblewrap; false: the rlimit fallback */
    double wall_s;
};
/* Run app_path (readable file; copied into the work dir) with the given input
 * files (copied as in/0..). *out (malloc'd, caller frees) receives stdout.
 * Returns 0 when the app exited with status 0 within the limits; otherwise
 * CPC_ERR_INVALID_RESULT with the reason in err (non-zero exit, signal,
 * timeout, too much output), CPC_ERR_CANCELLED, CPC_ERR_IO. The report is
 * filled in every case. workdir_parent: where the work dir is made (NULL =
 * $TMPDIR or /tmp); it is removed afterwards. */
int cpc_wk_exec_run(const char *workdir_parent, const char *app_path,
                    const char *const *input_paths, unsigned n_inputs,
                    const struct cpc_wk_exec_limits *lim, const struct cpc_wk_ctl *ctl,
                    uint8_t **out, size_t *out_len, struct cpc_wk_exec_report *rep,
                    struct cpc_err *err);
/* Whether bubblewrap is found and works here (probed once per process). */
bool cpc_wk_sandbox_available(void);

#endif

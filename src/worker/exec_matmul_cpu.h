/* exec_matmul_cpu.h — internal hooks of exec_matmul_cpu.c, for the unit tests
 * (tests/unit/test_worker_matmul.c) and benches only: force one kernel, ask
 * which kernels this CPU can run, shrink the cache blocks so that small
 * matrices cross every block edge. Not part of the worker's interface. */
#ifndef CPC_WORKER_EXEC_MATMUL_CPU_H
#define CPC_WORKER_EXEC_MATMUL_CPU_H

#include <stdbool.h>

#include "executor.h"

/* Kernel names, best first ("onednn", "avx512vnni", "avx2", "portable");
 * NULL-terminated. "onednn" is exec_matmul_onednn.c (with the mc block below
 * as its band of rows); the others are this file's own kernels, which a test
 * forces by name to run the fallback. */
extern const char *const cpc__wk_matmul_cpu_kernels[];

/* true when `kernel` (one of the names above) can run on this CPU. */
bool cpc__wk_matmul_cpu_has(const char *kernel);

/* cpc_wk_matmul_cpu with a given kernel (NULL = as cpc_wk_matmul_cpu: oneDNN
 * first, then the best own kernel). Returns CPC_ERR_INVALID for an unknown kernel or one
 * this CPU lacks; otherwise as cpc_wk_matmul_cpu. Same buffer rules. */
int cpc__wk_matmul_cpu_with(const char *kernel, const struct cpc_matmul_spec *s, const int8_t *A,
                            const int8_t *B, int32_t *C, const struct cpc_wk_ctl *ctl,
                            struct cpc_err *err);

/* Override the cache blocks (rows of C per work item, k per pass, columns of
 * C per work item); 0 keeps a kernel's default. Values are rounded up to the
 * kernel's micro-tile. Process-wide and not thread-safe: tests only. */
void cpc__wk_matmul_cpu_blocks(unsigned mc, unsigned kc, unsigned nc);

#endif

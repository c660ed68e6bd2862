/* exec_matmul_onednn.h — the CPU matmul on oneDNN (exec_matmul_onednn.c),
 * internal to the worker: exec_matmul_cpu.c tries it first and keeps its own
 * kernels as the fallback; the unit tests and bench_worker reach it through
 * exec_matmul_cpu.h's kernel name "onednn". Built only with CPC_HAVE_ONEDNN
 * (CMake found libdnnl); without it every function says "not available". */
#ifndef CPC_WORKER_EXEC_MATMUL_ONEDNN_H
#define CPC_WORKER_EXEC_MATMUL_ONEDNN_H

#include <stdbool.h>

#include "executor.h"

/* true when the worker was built with oneDNN and oneDNN's ISA on this CPU
 * multiplies int8 exactly (a VNNI or AMX one: vpdpbusd accumulates in int32;
 * the older vpmaddubsw paths saturate int16 pairs). Probed once. */
bool cpc__wk_onednn_usable(void);

/* oneDNN's effective ISA ("avx512_core_vnni", "avx2_vnni", ...), or "none"
 * when built without it; static string. */
const char *cpc__wk_onednn_isa(void);

/* oneDNN's threads for gemm calls made on the calling thread from now on
 * (OpenMP builds: omp_set_num_threads; others: ignored; without oneDNN: a
 * no-op). cpc__wk_matmul_onednn sets it itself; the bench uses it to call
 * oneDNN directly with the executor's thread count. */
void cpc__wk_onednn_threads(unsigned threads);

/* CPC_ERR_INVALID (message in err) unless every buffer is given and each of
 * m, k, n is 1..CPC_MATMUL_MAX_DIM; 0 otherwise. Both CPU paths check with it
 * (defined in exec_matmul_cpu.c); nothing is read from the buffers. */
int cpc__wk_matmul_args_check(const struct cpc_matmul_spec *s, const int8_t *A,
                              const int8_t *B, const int32_t *C, struct cpc_err *err);

/* C = A*B as cpc_wk_matmul_cpu (same buffers, same checks, same result) on
 * dnnl_gemm_s8s8s32 with ctl->threads OpenMP threads, in bands of rows so that
 * cancel is polled and progress counted between calls. band_rows 0 = the
 * default (bands of about 80 ms, exec_matmul_onednn.c). Returns 0, CPC_ERR_INVALID,
 * CPC_ERR_CANCELLED, or CPC_ERR_INTERNAL when oneDNN is absent, unusable or
 * fails (then the rows it counted are taken back from ctl->done). */
int cpc__wk_matmul_onednn(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B,
                          int32_t *C, const struct cpc_wk_ctl *ctl, unsigned band_rows,
                          struct cpc_err *err);

#endif

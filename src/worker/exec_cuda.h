/* exec_cuda.h — the optional CUDA executors (cuda/matmul.cu when CMake finds
 * nvcc; exec_cuda_none.c otherwise). The binary runs on machines without
 * NVIDIA: every function then reports that no device is there. */
#ifndef CPC_WORKER_EXEC_CUDA_H
#define CPC_WORKER_EXEC_CUDA_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* true when this binary was built with nvcc. */
bool cpc_wk_cuda_built(void);
/* Number of usable CUDA devices (0 without a driver or a GPU, or when not built). */
int cpc_wk_cuda_devices(void);
/* C = A*B on device dev, int8 -> int32, exact (same bytes as
 * cpc_matmul_reference). A m x k, B k x n, C m x n, row-major host buffers
 * owned by the caller. Returns 0, or -1 with a message (<= 255 chars) in msg. */
int cpc_wk_cuda_matmul(int dev, uint32_t m, uint32_t k, uint32_t n, const int8_t *A,
                       const int8_t *B, int32_t *C, char msg[256]);

#ifdef __cplusplus
}
#endif
#endif

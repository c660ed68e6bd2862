/* exec_cuda_none.c — the CUDA entry points of a build without nvcc: no device. */
#include "exec_cuda.h"

#ifndef CPC_HAVE_CUDA
#include <stdio.h>

bool cpc_wk_cuda_built(void) { return false; }
int cpc_wk_cuda_devices(void) { return 0; }
int cpc_wk_cuda_matmul(int dev, uint32_t m, uint32_t k, uint32_t n, const int8_t *A,
                       const int8_t *B, int32_t *C, char msg[256])
{
    (void)dev; (void)m; (void)k; (void)n; (void)A; (void)B; (void)C;
    snprintf(msg, 256, "this cpc-worker was built without CUDA (nvcc not found at build time)");
    return -1;
}
#endif

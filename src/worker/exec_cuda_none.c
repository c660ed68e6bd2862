/* exec_cuda_none.c — the CUDA entry points of a build without nvcc (no
 * device), and the kernel names, which both builds use. */
#include "exec_cuda.h"

const char *cpc_wk_cuda_kernel_name(enum cpc_wk_cuda_kernel k)
{
    static const char *const names[] = {"auto", "simt", "wmma", "mma", "wgmma", "cublaslt"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

#ifndef CPC_HAVE_CUDA
#include <stdio.h>

bool cpc_wk_cuda_built(void) { return false; }
int cpc_wk_cuda_devices(void) { return 0; }

bool cpc_wk_cuda_kernel_available(int dev, enum cpc_wk_cuda_kernel k)
{
    (void)dev; (void)k;
    return false;
}

static const char no_cuda[] = "this cpc-worker was built without CUDA (nvcc not found at build time)";

enum cpc_wk_cuda_kernel cpc_wk_cuda_kernel_for(int dev, char msg[256])
{
    (void)dev;
    if (msg)
        snprintf(msg, 256, "%s", no_cuda);
    return CPC_WK_CUDA_AUTO;
}

int cpc_wk_cuda_self_check(int dev, enum cpc_wk_cuda_kernel k, char msg[256])
{
    (void)dev; (void)k;
    snprintf(msg, 256, "%s", no_cuda);
    return -1;
}

void cpc_wk_cuda_kernel_set(int dev, enum cpc_wk_cuda_kernel k, const char *note)
{
    (void)dev; (void)k; (void)note;
}

int cpc_wk_cuda_matmul_with(int dev, enum cpc_wk_cuda_kernel kern, uint32_t m, uint32_t k,
                            uint32_t n, const int8_t *A, const int8_t *B, int32_t *C,
                            char msg[256])
{
    (void)dev; (void)kern; (void)m; (void)k; (void)n; (void)A; (void)B; (void)C;
    snprintf(msg, 256, "%s", no_cuda);
    return -1;
}

int cpc_wk_cuda_matmul(int dev, uint32_t m, uint32_t k, uint32_t n, const int8_t *A,
                       const int8_t *B, int32_t *C, char msg[256])
{
    return cpc_wk_cuda_matmul_with(dev, CPC_WK_CUDA_AUTO, m, k, n, A, B, C, msg);
}
#endif

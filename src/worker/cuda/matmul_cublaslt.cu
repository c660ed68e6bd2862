/* matmul_cublaslt.cu — cpc_cu_cublaslt_run (matmul_kernels.cuh): the int8
 * product on cuBLASLt, the library kernel tried before the hand-written ones.
 *
 * cuBLASLt is column-major. Our row-major C (m x n) is, read column-major,
 * C^T (n x m, ld Np) = B^T * A^T: its first operand is B^T, the second A^T.
 * The IMMA kernels in the regular (column) order take only the "TN" form (the
 * first operand transposed, the second not), with int8 A/B, int32 C,
 * CUBLAS_COMPUTE_32I, int32 alpha/beta, 4-byte aligned pointers, leading
 * dimensions and the first operand's rows (cuBLASLt's m) and k multiples of
 * 4. So:
 *   first  = Bt (B^T made by cpc_cu_transpose_i8: Np x Kp row-major, which
 *            column-major is the Kp x Np matrix B with ld Kp), op T;
 *   second = A (m x Kp row-major = Kp x m column-major, ld Kp), op N;
 *   D      = C (m x Np row-major = Np x m column-major, ld Np).
 * Kp and Np are multiples of 64 (the transpose's tiles), the padding is zero,
 * alpha 1 and beta 0: integer sums in int32, exact; the self-check of
 * matmul_host.cu confirms it on the GPU before the worker uses it.
 *
 * The handle and a LT_WORKSPACE workspace are made once per device, on its
 * first product, and kept for the process (each GPU executor of the worker
 * drives its own device, exec_pool.h; a device's mutex serialises products
 * on it, so several devices run at once); the descriptors, which depend on
 * the shape, live only inside the call.
 *
 * Loading. libcublasLt (540 MB in CUDA 13) is opened with dlopen on first
 * use, not linked: the worker starts where it is missing (a GPU machine
 * with only the driver, a machine with no GPU) and then its self-check says
 * "libcublasLt.so.13 not found" and the hand-written kernels run. Built
 * with CPC_HAVE_CUBLASLT (cmake/cuda.cmake found the toolkit's cuBLASLt);
 * without it cpc_cu_cublaslt_supported is false.
 */
#include <cuda_runtime.h>
#include <stdio.h>

#include "matmul_kernels.cuh"

#ifdef CPC_HAVE_CUBLASLT
#include <cublasLt.h>
#include <dlfcn.h>
#include <pthread.h>

#define LT_WORKSPACE (32u << 20)
#define LT_STR2(x) #x
#define LT_STR(x) LT_STR2(x)

/* The cuBLASLt entry points, found at run time (see the file comment). */
#define LT_FUNCS(X)                                                                               \
    X(cublasLtCreate) X(cublasLtDestroy) X(cublasLtMatmulDescCreate) X(cublasLtMatmulDescDestroy) \
    X(cublasLtMatmulDescSetAttribute) X(cublasLtMatrixLayoutCreate)                               \
    X(cublasLtMatrixLayoutDestroy) X(cublasLtMatmulPreferenceCreate)                              \
    X(cublasLtMatmulPreferenceDestroy) X(cublasLtMatmulPreferenceSetAttribute)                    \
    X(cublasLtMatmulAlgoGetHeuristic) X(cublasLtMatmul) X(cublasLtGetStatusString)

static struct {
#define LT_FIELD(f) decltype(&::f) f;
    LT_FUNCS(LT_FIELD)
#undef LT_FIELD
} lt;
static pthread_once_t lt_once = PTHREAD_ONCE_INIT;
static bool lt_loaded;
static char lt_error[96];

#define LT_MAX_DEVICES 64
/* Per device: its handle and workspace, made on first use, kept. */
static struct lt_device {
    pthread_mutex_t mu;           /* held for a whole product on the device */
    cublasLtHandle_t h;
    void *ws;                     /* LT_WORKSPACE bytes on the device */
} lt_devices[LT_MAX_DEVICES];

static void lt_load(void)
{
    for (int i = 0; i < LT_MAX_DEVICES; i++)
        pthread_mutex_init(&lt_devices[i].mu, NULL);
    static const char *const names[] = {"libcublasLt.so." LT_STR(CUBLAS_VER_MAJOR),
                                        "/usr/local/cuda/lib64/libcublasLt.so." LT_STR(CUBLAS_VER_MAJOR),
                                        "libcublasLt.so"};
    void *h = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !h; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(lt_error, sizeof lt_error, "libcublasLt.so.%d not found", CUBLAS_VER_MAJOR);
        return;
    }
#define LT_SYM(f)                                                                   \
    if (!(lt.f = (decltype(&::f))dlsym(h, #f))) {                                  \
        snprintf(lt_error, sizeof lt_error, "libcublasLt lacks %s", #f);          \
        dlclose(h);                                                                 \
        return;                                                                     \
    }
    LT_FUNCS(LT_SYM)
#undef LT_SYM
    lt_loaded = true; /* kept loaded for the process */
}

struct lt_call {
    cublasLtHandle_t h;           /* the device's (borrowed) */
    cublasLtMatmulDesc_t op;
    cublasLtMatrixLayout_t la, lb, lc;
    cublasLtMatmulPreference_t pref;
    void *ws;                     /* the device's (borrowed) */
};

static void lt_free(struct lt_call *c)
{
    if (c->pref)
        lt.cublasLtMatmulPreferenceDestroy(c->pref);
    if (c->lc)
        lt.cublasLtMatrixLayoutDestroy(c->lc);
    if (c->lb)
        lt.cublasLtMatrixLayoutDestroy(c->lb);
    if (c->la)
        lt.cublasLtMatrixLayoutDestroy(c->la);
    if (c->op)
        lt.cublasLtMatmulDescDestroy(c->op);
}

/* The current device's handle and workspace into c, made when missing;
 * the device's mutex is locked on success (0) and left unlocked on -1 (why
 * in what). */
static int lt_device_take(struct lt_call *c, struct lt_device **out, const char **what)
{
    int dev = -1;
    if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= LT_MAX_DEVICES) {
        (void)cudaGetLastError();
        *what = "cudaGetDevice";
        return -1;
    }
    struct lt_device *d = &lt_devices[dev];
    pthread_mutex_lock(&d->mu);
    if (!d->h && lt.cublasLtCreate(&d->h) != CUBLAS_STATUS_SUCCESS) {
        d->h = NULL;
        *what = "cublasLtCreate";
    } else if (!d->ws && cudaMalloc(&d->ws, LT_WORKSPACE) != cudaSuccess) {
        (void)cudaGetLastError();
        d->ws = NULL;
        *what = "cudaMalloc (workspace)";
    } else {
        c->h = d->h;
        c->ws = d->ws;
        *out = d;
        return 0;
    }
    pthread_mutex_unlock(&d->mu);
    return -1;
}

/* The descriptors of the call above; a cuBLAS status. */
static cublasStatus_t lt_describe(struct lt_call *c, size_t m, size_t Kp, size_t Np)
{
    cublasStatus_t s;
    const cublasOperation_t tr = CUBLAS_OP_T;
    const uint64_t ws = LT_WORKSPACE;
    if ((s = lt.cublasLtMatmulDescCreate(&c->op, CUBLAS_COMPUTE_32I, CUDA_R_32I)) !=
            CUBLAS_STATUS_SUCCESS ||
        (s = lt.cublasLtMatmulDescSetAttribute(c->op, CUBLASLT_MATMUL_DESC_TRANSA, &tr,
                                               sizeof tr)) != CUBLAS_STATUS_SUCCESS ||
        (s = lt.cublasLtMatrixLayoutCreate(&c->la, CUDA_R_8I, Kp, Np, (int64_t)Kp)) !=
            CUBLAS_STATUS_SUCCESS ||
        (s = lt.cublasLtMatrixLayoutCreate(&c->lb, CUDA_R_8I, Kp, m, (int64_t)Kp)) !=
            CUBLAS_STATUS_SUCCESS ||
        (s = lt.cublasLtMatrixLayoutCreate(&c->lc, CUDA_R_32I, Np, m, (int64_t)Np)) !=
            CUBLAS_STATUS_SUCCESS ||
        (s = lt.cublasLtMatmulPreferenceCreate(&c->pref)) != CUBLAS_STATUS_SUCCESS)
        return s;
    return lt.cublasLtMatmulPreferenceSetAttribute(
        c->pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
}

bool cpc_cu_cublaslt_supported(int cc)
{
    pthread_once(&lt_once, lt_load);
    return cc >= 75 && lt_loaded; /* int8 IMMA in the regular order: Turing and later */
}

int cpc_cu_cublaslt_run(const int8_t *dA, const int8_t *dBt, int32_t *dC, size_t m, size_t Kp,
                        size_t Np, cudaStream_t stream, char why[128])
{
    pthread_once(&lt_once, lt_load);
    if (!lt_loaded) {
        snprintf(why, 128, "%s", lt_error);
        return -1;
    }
    struct lt_call c = {};
    struct lt_device *d = NULL;
    const int32_t one = 1, zero = 0;
    cublasLtMatmulHeuristicResult_t heur = {};
    int found = 0;
    const char *what = "descriptors";
    if (lt_device_take(&c, &d, &what) != 0) {
        snprintf(why, 128, "%s failed", what);
        return -1;
    }
    cublasStatus_t s = lt_describe(&c, m, Kp, Np);
    if (s == CUBLAS_STATUS_SUCCESS) {
        what = "cublasLtMatmulAlgoGetHeuristic";
        s = lt.cublasLtMatmulAlgoGetHeuristic(c.h, c.op, c.la, c.lb, c.lc, c.lc, c.pref, 1, &heur,
                                              &found);
    }
    if (s == CUBLAS_STATUS_SUCCESS && found < 1)
        s = CUBLAS_STATUS_NOT_SUPPORTED;
    if (s == CUBLAS_STATUS_SUCCESS && heur.workspaceSize > LT_WORKSPACE) {
        what = "cublasLtMatmulAlgoGetHeuristic (workspace over the preference)";
        s = CUBLAS_STATUS_NOT_SUPPORTED;
    }
    if (s == CUBLAS_STATUS_SUCCESS) {
        what = "cublasLtMatmul";
        s = lt.cublasLtMatmul(c.h, c.op, &one, dBt, c.la, dA, c.lb, &zero, dC, c.lc, dC, c.lc,
                              &heur.algo, c.ws, heur.workspaceSize, stream);
    }
    if (s == CUBLAS_STATUS_SUCCESS && cudaStreamSynchronize(stream) != cudaSuccess) {
        what = "cublasLtMatmul (kernel)";
        s = CUBLAS_STATUS_EXECUTION_FAILED;
    }
    if (s != CUBLAS_STATUS_SUCCESS)
        snprintf(why, 128, "%s: %s", what, lt.cublasLtGetStatusString(s));
    lt_free(&c);
    pthread_mutex_unlock(&d->mu);
    return s == CUBLAS_STATUS_SUCCESS ? 0 : -1;
}

#else /* built without cuBLASLt (cmake/cuda.cmake did not find it): never chosen */

bool cpc_cu_cublaslt_supported(int cc)
{
    (void)cc;
    return false;
}

int cpc_cu_cublaslt_run(const int8_t *dA, const int8_t *dBt, int32_t *dC, size_t m, size_t Kp,
                        size_t Np, cudaStream_t stream, char why[128])
{
    (void)dA, (void)dBt, (void)dC, (void)m, (void)Kp, (void)Np, (void)stream;
    snprintf(why, 128, "built without cuBLASLt");
    return -1;
}

#endif

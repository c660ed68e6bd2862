/* gpu_probe.h — choosing a GPU's matmul kernel with each candidate's
 * self-check in a child process of its own, so that a kernel which faults
 * (an illegal address ends the whole process's CUDA context) costs only that
 * child: the worker keeps its GPU for the kernels that pass. */
#ifndef CPC_WORKER_GPU_PROBE_H
#define CPC_WORKER_GPU_PROBE_H

#include <stddef.h>

#include "exec_cuda.h"

/* Run argv (argv[0] a path, argv NULL-terminated; the caller's) as a child
 * with stdout and stderr into out (cap > 0 bytes, NUL-terminated, the rest
 * dropped), killing it (SIGKILL) after timeout_s seconds. Returns its exit
 * status (0..255), 128 + the signal that ended it, or -1 when it could not
 * be started. */
int wk_child_run(char *const argv[], unsigned timeout_s, char *out, size_t cap);

/* Self-check dev's kernels, fastest first (wgmma, mma, wmma, simt: those the
 * GPU has), each by running `self gpu-check --gpu DEV --kernel K` (self: this
 * program, e.g. "/proc/self/exe"), until one passes; record the outcome with
 * cpc_wk_cuda_kernel_set. note (<= 255 chars) gets it in words. Returns the
 * kernel, or CPC_WK_CUDA_AUTO when none passed, there is no such GPU, or the
 * build has no CUDA. */
enum cpc_wk_cuda_kernel wk_gpu_probe(const char *self, int dev, char note[256]);

#endif

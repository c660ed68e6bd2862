/* gpu_probe.c — child-process self-checks of the CUDA kernels (gpu_probe.h).
 *
 * wk_child_run is fork + execv with the output on a pipe, read with poll
 * until the child closes it or the deadline passes (then SIGKILL); between
 * fork and exec the child only calls dup2, close, execv and _exit. The
 * parent may have CUDA initialised: exec gives the child a fresh process, and
 * the child's CUDA context is its own.
 */
#include "gpu_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/clock.h"

int wk_child_run(char *const argv[], unsigned timeout_s, char *out, size_t cap)
{
    int fd[2];
    out[0] = 0;
    /* close-on-exec: a child forked by another thread (GPUs are self-checked
     * at once, exec_pool.c) must not hold this pipe open; dup2 below clears
     * the flag on the child's own stdout and stderr */
    if (pipe2(fd, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        dup2(fd[1], STDERR_FILENO);
        close(fd[0]);
        close(fd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    bool killed = false;
    const double deadline = cpc_clock_mono_s() + timeout_s;
    for (;;) {
        double left = deadline - cpc_clock_mono_s();
        if (left <= 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        struct pollfd p = {.fd = fd[0], .events = POLLIN};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue; /* the deadline check above ends it */
        char buf[512];
        ssize_t n = read(fd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* the child closed its output: it is ending */
        size_t take = (size_t)n < cap - 1 - len ? (size_t)n : cap - 1 - len;
        memcpy(out + len, buf, take);
        len += take;
    }
    out[len] = 0;
    close(fd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (killed || WIFSIGNALED(st))
        return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first line of s, without its newline, into out. */
static void first_line(char *out, size_t cap, const char *s)
{
    size_t n = strcspn(s, "\n");
    snprintf(out, cap, "%.*s", (int)n, s);
}

enum cpc_wk_cuda_kernel wk_gpu_probe(const char *self, int dev, char note[256])
{
    static const enum cpc_wk_cuda_kernel order[] = {CPC_WK_CUDA_CUBLASLT, CPC_WK_CUDA_WGMMA,
                                                    CPC_WK_CUDA_MMA, CPC_WK_CUDA_WMMA,
                                                    CPC_WK_CUDA_SIMT};
    char failed[256] = "";
    if (!cpc_wk_cuda_built() || dev < 0 || dev >= cpc_wk_cuda_devices()) {
        snprintf(note, 256, "no CUDA device %d (%d present%s)", dev, cpc_wk_cuda_devices(),
                 cpc_wk_cuda_built() ? "" : "; built without CUDA");
        return CPC_WK_CUDA_AUTO;
    }
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!cpc_wk_cuda_kernel_available(dev, order[i]))
            continue;
        char devs[16], kname[16], out[1024], line[200];
        snprintf(devs, sizeof devs, "%d", dev);
        snprintf(kname, sizeof kname, "%s", cpc_wk_cuda_kernel_name(order[i]));
        char *argv[] = {(char *)self, "gpu-check", "--gpus", devs, "--kernel", kname, NULL};
        int rc = wk_child_run(argv, 120, out, sizeof out);
        first_line(line, sizeof line, out);
        if (rc == 0) {
            if (failed[0])
                snprintf(note, 256, "kernel %s (self-check passed in a child process); %.160s", kname,
                         failed);
            else
                snprintf(note, 256, "kernel %s (self-check passed in a child process)", kname);
            cpc_wk_cuda_kernel_set(dev, order[i], note);
            return order[i];
        }
        if (!failed[0]) /* the fastest kernel's failure is the one worth reporting */
            snprintf(failed, sizeof failed, "%s failed: %s (status %d)", kname,
                     line[0] ? line : "no output", rc);
    }
    snprintf(note, 256, "no CUDA kernel passed its self-check on device %d: %.190s", dev,
             failed[0] ? failed : "none runs on this GPU");
    cpc_wk_cuda_kernel_set(dev, CPC_WK_CUDA_AUTO, note);
    return CPC_WK_CUDA_AUTO;
}

/* exec_sandbox.c — the exec executor: run a customer's app on its inputs
 * (executor.h, cpc_wk_exec_run).
 *
 * Design. Each run gets a private work dir WORK (mkdtemp under
 * workdir_parent, $TMPDIR or /tmp; mode 0700) holding WORK/app (0755),
 * WORK/in/0..N-1 (0444, in/ itself 0555) and WORK/stderr. The app runs as
 * `./app in/0 ... in/N-1` with cwd WORK, stdin /dev/null, stdout a pipe the
 * calling thread reads (at most max_output bytes: one more byte kills it),
 * stderr the file WORK/stderr (its first 200 bytes, made printable, go into
 * the error message), and the environment PATH=/usr/bin:/bin HOME=/tmp
 * LANG=C only. Two sandboxes:
 *
 * 1. bubblewrap, when `bwrap` is on PATH and the probe
 *    `bwrap --ro-bind / / --unshare-all --die-with-parent true` succeeds
 *    (probed once per process, pthread_once). Options used:
 *      --unshare-all (user ns when possible, ipc, pid, net: only lo, uts,
 *      cgroup) --die-with-parent --new-session --cap-drop ALL
 *      --ro-bind /usr /usr, and /bin /sbin /lib /lib32 /lib64 /libx32 as
 *      --symlink when they are symlinks on the host (merged /usr, Debian 12)
 *      or --ro-bind when they are directories,
 *      --ro-bind-try /etc/alternatives and /etc/ld.so.cache (nothing else
 *      of /etc: no passwd, no worker config, no keys),
 *      --proc /proc --dev /dev --tmpfs /tmp --bind WORK /work --chdir /work.
 *    The app sees a read-only system, an empty /tmp, and /work as the only
 *    writable place that persists; it has no network and cannot see the
 *    worker's processes or home. Note: bwrap reports an app killed by
 *    signal N as exit status 128+N (like a shell), so in this mode
 *    term_signal is only set when the worker killed the sandbox itself.
 *
 * 2. The fallback (no usable bwrap, or mode CPC_WK_SANDBOX_NONE): fork, setsid,
 *    the same rlimits, all fds above 2 closed, PR_SET_PDEATHSIG, chdir WORK,
 *    execve ./app. THIS IS MUCH WEAKER: there are no namespaces, so the app
 *    can read every file the worker's user can read (including the worker's
 *    keys unless they are protected otherwise), write wherever that user can,
 *    use the network, and see other processes. Use it only for trusted apps
 *    or run the worker as a dedicated unprivileged user; rep->sandboxed says
 *    which mode ran. CPC_WK_SANDBOX_BWRAP insists on bubblewrap (error if
 *    not usable); CPC_WK_SANDBOX_AUTO picks bwrap when available. The mode
 *    is the caller's (lim->sandbox): cpc-worker reads it from the env
 *    CPC_SANDBOX ("none", "bwrap", else auto) once at start.
 *
 * Limits, set with setrlimit in the forked child before exec (so they also
 * bind bwrap itself, and are inherited by everything in the sandbox):
 *   RLIMIT_AS    = memory_mb MiB, but at least 16 MiB: bwrap and /bin/sh need
 *                  a few MiB of address space to start at all;
 *   RLIMIT_FSIZE = max_output + 64 MiB per file written;
 *   RLIMIT_NPROC = 512. Linux counts ALL tasks (threads too) of the real
 *                  user, the worker's own threads included, and ignores the
 *                  limit for root; run the worker under a dedicated user so
 *                  it means something;
 *   RLIMIT_CORE  = 0; RLIMIT_CPU = timeout_s + 1 (hard + 2), a backstop.
 * Limits already lower (hard limits of an unprivileged worker) are kept.
 * The wall-clock limit is the real one: poll() on the pipe with a deadline;
 * past it the process group gets SIGKILL (in bwrap mode --die-with-parent
 * and the PID namespace take the rest down). ctl->cancel is checked every
 * 100 ms (CPC_ERR_CANCELLED). The child is always reaped, and the work dir
 * is always removed (an own openat/unlinkat walk that first makes
 * directories writable, since the app may chmod them). Never prints.
 *
 * Caveats: between fork and exec the child only makes async-signal-safe
 * calls (the worker is multi-threaded). The caller's process must not reap
 * children it does not own (no waitpid(-1) elsewhere, no SIGCHLD=SIG_IGN).
 * PR_SET_PDEATHSIG fires when the forking THREAD ends; that thread waits
 * inside cpc_wk_exec_run until the child is reaped, so it cannot end first.
 *
 * cpc_wk_exec_run goes through four phases on one struct sbx_run: prepare
 * (work dir, stdio, argv), spawn (rlimits, fork), collect (read stdout until
 * the end, kill and reap the group, drain the pipe) and verdict (the report
 * and the error or the output); cleanup undoes whatever prepare made.
 * Concurrent runs from several threads are fine (all fds are O_CLOEXEC and
 * the child closes everything above 2).
 * Disk usage in WORK is bounded per file (RLIMIT_FSIZE), not in total: put
 * workdir_parent on a size-limited tmpfs for hostile apps. The parent dir
 * must not be mounted noexec.
 */
#include "executor.h"

#include "../common/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define SBX_MIN_MEMORY_MB 16u
#define SBX_NPROC 512
#define SBX_FSIZE_SLACK (64ull * 1024 * 1024)
#define SBX_STDERR_KEEP 200
#define SBX_TICK_MS 100
#define SBX_PROBE_TIMEOUT_S 10.0
#define SBX_DRAIN_S 1.0          /* after the app ended: wait this long for EOF */
#define SBX_MAX_INPUTS 4096u
#define SBX_RM_DEPTH 128

extern char **environ;

static const char *const k_env[] = {"PATH=/usr/bin:/bin", "HOME=/tmp", "LANG=C", NULL};

/* ---- bwrap probe (once per process) ---- */

static pthread_once_t g_probe_once = PTHREAD_ONCE_INIT;
static bool g_bwrap_ok;
static char g_bwrap_path[PATH_MAX];

static bool find_on_path(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        if (len > 0) {
            int n = snprintf(out, cap, "%.*s/%s", (int)len, path, name);
            struct stat st;
            if (n > 0 && (size_t)n < cap && out[0] == '/' && stat(out, &st) == 0 &&
                S_ISREG(st.st_mode) && access(out, X_OK) == 0)
                return true;
        }
        path += len;
        if (*path == ':')
            path++;
    }
    out[0] = '\0';
    return false;
}

static void probe_bwrap(void)
{
    if (!find_on_path("bwrap", g_bwrap_path, sizeof g_bwrap_path))
        return;
    char *const argv[] = {g_bwrap_path, "--ro-bind", "/", "/", "--unshare-all",
                          "--die-with-parent", "true", NULL};
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, g_bwrap_path, &fa, NULL, argv, (char *const *)k_env);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return;
    double deadline = cpc_clock_mono_s() + SBX_PROBE_TIMEOUT_S;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return;
        if (cpc_clock_mono_s() > deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return;
        }
        poll(NULL, 0, 10);
    }
    g_bwrap_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool cpc_wk_sandbox_available(void)
{
    pthread_once(&g_probe_once, probe_bwrap);
    return g_bwrap_ok;
}

/* ---- work dir ---- */

/* Copy src to dst (created, must not exist) with the given mode. */
static int copy_file(const char *src, const char *dst, mode_t mode, const char *what,
                     struct cpc_err *err)
{
    int rc = CPC_OK;
    int in = -1, outfd = -1;
    char buf[65536];
    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        rc = cpc_err_set(err, CPC_ERR_IO, "exec: cannot open %s %s: %s", what, src,
                         strerror(errno));
        goto cleanup;
    }
    struct stat st;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = cpc_err_set(err, CPC_ERR_IO, "exec: %s %s is not a regular file", what, src);
        goto cleanup;
    }
    outfd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (outfd < 0) {
        rc = cpc_err_set(err, CPC_ERR_IO, "exec: cannot create %s: %s", dst, strerror(errno));
        goto cleanup;
    }
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = cpc_err_set(err, CPC_ERR_IO, "exec: reading %s %s: %s", what, src,
                             strerror(errno));
            goto cleanup;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(outfd, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                rc = cpc_err_set(err, CPC_ERR_IO, "exec: writing %s: %s", dst, strerror(errno));
                goto cleanup;
            }
            off += w;
        }
    }
    if (fchmod(outfd, mode) != 0) {
        rc = cpc_err_set(err, CPC_ERR_IO, "exec: chmod %s: %s", dst, strerror(errno));
        goto cleanup;
    }
cleanup:
    if (in >= 0)
        close(in);
    if (outfd >= 0 && close(outfd) != 0 && rc == CPC_OK)
        rc = cpc_err_set(err, CPC_ERR_IO, "exec: closing %s: %s", dst, strerror(errno));
    return rc;
}

/* Remove name (relative to dfd) and everything below it, without following
 * symlinks; directories are made writable first (the app may have chmod'ed
 * them). Best effort. */
static void rm_tree_at(int dfd, const char *name, int depth)
{
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
        return;
    struct stat st;
    if (depth > SBX_RM_DEPTH || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISDIR(st.st_mode))
        return;
    (void)fchmodat(dfd, name, 0700, 0); /* a directory (checked above, not a symlink) */
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        if (!d) {
            close(fd);
        } else {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                rm_tree_at(dirfd(d), e->d_name, depth + 1);
            }
            closedir(d);
        }
    }
    (void)unlinkat(dfd, name, AT_REMOVEDIR);
}

static void rm_tree(const char *path)
{
    rm_tree_at(AT_FDCWD, path, 0);
}

/* ---- child side (async-signal-safe only) ---- */

struct child_args {
    const char *exec_path;  /* bwrap or "./app" */
    char **argv;
    const char *work;
    int devnull, out_w, err_fd;
    struct { int res; struct rlimit lim; } rl[5];
    unsigned n_rl;
    pid_t parent;
    bool pdeathsig;
};

static void child_fail(const char *what)
{
    static const char pre[] = "cpc-exec: ";
    char num[16];
    int e = errno, i = (int)sizeof num;
    num[--i] = '\n';
    do {
        num[--i] = (char)('0' + e % 10);
        e /= 10;
    } while (e && i > 1);
    num[--i] = ' ';
    ssize_t r = write(2, pre, sizeof pre - 1);
    r = write(2, what, strlen(what));
    r = write(2, " failed, errno", 14);
    r = write(2, num + i, sizeof num - (size_t)i);
    (void)r;
    _exit(127);
}

__attribute__((noreturn)) static void child_run(const struct child_args *a)
{
    if (setsid() < 0)
        child_fail("setsid");
    if (a->pdeathsig) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != a->parent)
            _exit(127); /* the worker is already gone */
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++) { /* ignored dispositions survive exec: reset them */
        struct sigaction sa;
        if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) {
            sa.sa_handler = SIG_DFL;
            sigaction(s, &sa, NULL);
        }
    }
    if (dup2(a->devnull, 0) < 0 || dup2(a->out_w, 1) < 0 || dup2(a->err_fd, 2) < 0)
        _exit(127);
    if (close_range(3, ~0u, 0) != 0) {
        for (int fd = 3; fd < 65536; fd++)
            close(fd);
    }
    for (unsigned i = 0; i < a->n_rl; i++)
        if (setrlimit(a->rl[i].res, &a->rl[i].lim) != 0)
            child_fail("setrlimit");
    if (chdir(a->work) != 0)
        child_fail("chdir to the work dir");
    execve(a->exec_path, a->argv, (char *const *)k_env);
    child_fail("execve");
    _exit(127);
}

/* ---- parent side ---- */

static int fd_above_2(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return n;
}

static void add_rlimit(struct child_args *a, int res, rlim_t want, rlim_t want_hard)
{
    struct rlimit cur;
    if (getrlimit(res, &cur) != 0)
        return;
    if (cur.rlim_max != RLIM_INFINITY) {
        if (want_hard > cur.rlim_max)
            want_hard = cur.rlim_max;
        if (want > cur.rlim_max)
            want = cur.rlim_max;
    }
    if (want > want_hard)
        want = want_hard;
    a->rl[a->n_rl].res = res;
    a->rl[a->n_rl].lim.rlim_cur = want;
    a->rl[a->n_rl].lim.rlim_max = want_hard;
    a->n_rl++;
}

/* Printable copy of the first bytes of the app's stderr ("" when none). */
static void stderr_excerpt(int fd, char *out, size_t cap)
{
    out[0] = '\0';
    if (fd < 0 || cap < 2)
        return;
    char buf[SBX_STDERR_KEEP];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    if (n <= 0)
        return;
    size_t j = 0;
    for (ssize_t i = 0; i < n && j + 1 < cap; i++) {
        unsigned char c = (unsigned char)buf[i];
        out[j++] = (c == '\n' || c == '\t') ? ' ' : (c < 0x20 || c > 0x7e) ? '?' : (char)c;
    }
    while (j > 0 && out[j - 1] == ' ')
        j--;
    out[j] = '\0';
}

/* argv for the run: bwrap options + "./app" + inputs, or "./app" + inputs.
 * Strings live in *store (one block, caller frees) or are literals. */
static char **build_argv(bool bwrap, const char *work, unsigned n_inputs, char **store)
{
    static const char *const sys_dirs[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
    enum { N_SYS = sizeof sys_dirs / sizeof sys_dirs[0] };
    size_t cap = 64 + 3 * N_SYS + (size_t)n_inputs;
    char **argv = calloc(cap, sizeof *argv);
    /* "in/%u" names + symlink targets */
    size_t store_len = (size_t)n_inputs * 16 + N_SYS * PATH_MAX;
    char *s = malloc(store_len);
    if (!argv || !s) {
        free(argv);
        free(s);
        return NULL;
    }
    *store = s;
    size_t k = 0;
    if (bwrap) {
        const char *fixed[] = {g_bwrap_path, "--unshare-all", "--die-with-parent", "--new-session",
                               "--cap-drop", "ALL", "--ro-bind", "/usr", "/usr"};
        for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
            argv[k++] = (char *)fixed[i];
        for (size_t i = 0; i < N_SYS; i++) {
            struct stat st;
            if (lstat(sys_dirs[i], &st) != 0)
                continue;
            if (S_ISLNK(st.st_mode)) {
                ssize_t n = readlink(sys_dirs[i], s, PATH_MAX - 1);
                if (n <= 0)
                    continue;
                s[n] = '\0';
                argv[k++] = "--symlink";
                argv[k++] = s;
                argv[k++] = (char *)sys_dirs[i];
                s += n + 1;
            } else if (S_ISDIR(st.st_mode)) {
                argv[k++] = "--ro-bind";
                argv[k++] = (char *)sys_dirs[i];
                argv[k++] = (char *)sys_dirs[i];
            }
        }
        const char *rest[] = {"--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
                              "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
                              "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                              "--bind", work, "/work", "--chdir", "/work"};
        for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
            argv[k++] = (char *)rest[i];
    }
    argv[k++] = "./app";
    for (unsigned i = 0; i < n_inputs; i++) {
        int n = snprintf(s, 16, "in/%u", i);
        argv[k++] = s;
        s += n + 1;
    }
    argv[k] = NULL;
    return argv;
}

enum cpc_wk_sandbox_mode cpc_wk_sandbox_mode_parse(const char *s)
{
    if (s && !strcmp(s, "none"))
        return CPC_WK_SANDBOX_NONE;
    if (s && !strcmp(s, "bwrap"))
        return CPC_WK_SANDBOX_BWRAP;
    return CPC_WK_SANDBOX_AUTO;
}

/* ---- one run, in phases ---- */

/* A run's state, carried from phase to phase. */
struct sbx_run {
    const struct cpc_wk_exec_limits *lim;
    const struct cpc_wk_ctl *ctl;
    struct cpc_wk_exec_report *rep;
    bool use_bwrap;
    int rc;                         /* set with err by a failing phase */
    /* prepare */
    char work[PATH_MAX];
    bool have_work;
    int devnull, err_fd, pfd[2];
    char **argv, *argv_store;
    uint8_t *buf;                   /* stdout so far: len bytes of cap */
    size_t len, cap;
    /* spawn */
    pid_t pid;                      /* > 0 while the child is unreaped */
    double t0;
    /* collect */
    int status;
    bool eof, exited, killed, cancelled, io_failed;
};

static int check_args(const char *app_path, const char *const *input_paths, unsigned n_inputs,
                      const struct cpc_wk_exec_limits *lim, uint8_t **out, size_t *out_len,
                      struct cpc_err *err)
{
    if (!app_path || !lim || !out || !out_len || (n_inputs > 0 && !input_paths))
        return cpc_err_set(err, CPC_ERR_INVALID, "exec: missing argument");
    if (lim->timeout_s < 1 || lim->timeout_s > 86400)
        return cpc_err_set(err, CPC_ERR_INVALID, "exec: timeout_s %u not in 1..86400",
                           lim->timeout_s);
    if (lim->memory_mb < 1 || lim->memory_mb > 1048576)
        return cpc_err_set(err, CPC_ERR_INVALID, "exec: memory_mb %u not in 1..1048576",
                           lim->memory_mb);
    if (n_inputs > SBX_MAX_INPUTS)
        return cpc_err_set(err, CPC_ERR_INVALID, "exec: %u inputs (at most %u)", n_inputs,
                           SBX_MAX_INPUTS);
    if (lim->max_output > (size_t)1 << 40)
        return cpc_err_set(err, CPC_ERR_INVALID, "exec: max_output too large");
    return CPC_OK;
}

/* Whether mode runs the app under bubblewrap; an error when it insists on
 * bubblewrap and there is none. */
static int choose_sandbox(enum cpc_wk_sandbox_mode mode, bool *use_bwrap, struct cpc_err *err)
{
    if (mode == CPC_WK_SANDBOX_NONE) {
        *use_bwrap = false;
    } else if (mode == CPC_WK_SANDBOX_BWRAP) {
        if (!cpc_wk_sandbox_available())
            return cpc_err_set(err, CPC_ERR_IO,
                               "exec: CPC_SANDBOX=bwrap but bubblewrap is missing or unusable");
        *use_bwrap = true;
    } else {
        *use_bwrap = cpc_wk_sandbox_available();
    }
    return CPC_OK;
}

/* Prepare, part one: the work dir with app, in/0.. and nothing else yet. */
static int make_work_dir(struct sbx_run *r, const char *workdir_parent, const char *app_path,
                         const char *const *input_paths, unsigned n_inputs, struct cpc_err *err)
{
    char path[PATH_MAX + 32];
    const char *parent = workdir_parent;
    if (!parent || !*parent)
        parent = getenv("TMPDIR");
    if (!parent || !*parent)
        parent = "/tmp";
    int n = snprintf(r->work, sizeof r->work, "%s/cpc-exec-XXXXXX", parent);
    if (n < 0 || (size_t)n >= sizeof r->work)
        return cpc_err_set(err, CPC_ERR_INVALID, "exec: work dir parent path too long");
    if (!mkdtemp(r->work))
        return cpc_err_set(err, CPC_ERR_IO, "exec: cannot make a work dir in %s: %s", parent,
                           strerror(errno));
    r->have_work = true;

    int rc;
    snprintf(path, sizeof path, "%s/app", r->work);
    if ((rc = copy_file(app_path, path, 0755, "app", err)) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/in", r->work);
    if (mkdir(path, 0755) != 0)
        return cpc_err_set(err, CPC_ERR_IO, "exec: mkdir %s: %s", path, strerror(errno));
    for (unsigned i = 0; i < n_inputs; i++) {
        if (!input_paths[i])
            return cpc_err_set(err, CPC_ERR_INVALID, "exec: input %u has no path", i);
        snprintf(path, sizeof path, "%s/in/%u", r->work, i);
        if ((rc = copy_file(input_paths[i], path, 0444, "input", err)) != 0)
            return rc;
    }
    snprintf(path, sizeof path, "%s/in", r->work);
    (void)chmod(path, 0555);
    return CPC_OK;
}

/* Prepare, part two: the child's stdio (WORK/stderr, /dev/null, the stdout
 * pipe), its argv and the output buffer. */
static int open_stdio(struct sbx_run *r, unsigned n_inputs, struct cpc_err *err)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/stderr", r->work);
    r->err_fd = fd_above_2(open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    r->devnull = fd_above_2(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (r->err_fd < 0 || r->devnull < 0 || pipe2(r->pfd, O_CLOEXEC) != 0)
        return cpc_err_set(err, CPC_ERR_IO, "exec: cannot set up stdio: %s", strerror(errno));
    r->pfd[0] = fd_above_2(r->pfd[0]);
    r->pfd[1] = fd_above_2(r->pfd[1]);
    if (r->pfd[0] < 0 || r->pfd[1] < 0 ||
        fcntl(r->pfd[0], F_SETFL, fcntl(r->pfd[0], F_GETFL) | O_NONBLOCK) != 0)
        return cpc_err_set(err, CPC_ERR_IO, "exec: pipe setup: %s", strerror(errno));

    r->argv = build_argv(r->use_bwrap, r->work, n_inputs, &r->argv_store);
    r->cap = r->lim->max_output + 1 < 65536 ? r->lim->max_output + 1 : 65536;
    r->buf = malloc(r->cap);
    if (!r->argv || !r->buf)
        return cpc_err_set(err, CPC_ERR_NOMEM, "exec: out of memory");
    return CPC_OK;
}

/* Spawn: the child with its rlimits; the parent keeps the read end only. */
static int spawn(struct sbx_run *r, struct cpc_err *err)
{
    const struct cpc_wk_exec_limits *lim = r->lim;
    struct child_args ca = {
        .exec_path = r->use_bwrap ? g_bwrap_path : "./app",
        .argv = r->argv,
        .work = r->work,
        .devnull = r->devnull,
        .out_w = r->pfd[1],
        .err_fd = r->err_fd,
        .parent = getpid(),
        .pdeathsig = true,
    };
    unsigned mem_mb = lim->memory_mb < SBX_MIN_MEMORY_MB ? SBX_MIN_MEMORY_MB : lim->memory_mb;
    rlim_t as = (rlim_t)mem_mb * 1024 * 1024;
    rlim_t fsize = (rlim_t)lim->max_output + SBX_FSIZE_SLACK;
    add_rlimit(&ca, RLIMIT_AS, as, as);
    add_rlimit(&ca, RLIMIT_FSIZE, fsize, fsize);
    add_rlimit(&ca, RLIMIT_NPROC, SBX_NPROC, SBX_NPROC);
    add_rlimit(&ca, RLIMIT_CORE, 0, 0);
    add_rlimit(&ca, RLIMIT_CPU, (rlim_t)lim->timeout_s + 1, (rlim_t)lim->timeout_s + 2);

    r->t0 = cpc_clock_mono_s();
    r->pid = fork();
    if (r->pid < 0)
        return cpc_err_set(err, CPC_ERR_IO, "exec: fork: %s", strerror(errno));
    if (r->pid == 0)
        child_run(&ca);
    close(r->pfd[1]);
    r->pfd[1] = -1;
    return CPC_OK;
}

/* Double the output buffer, up to max_output + 1 bytes; false when it is
 * that large already or memory ran out. */
static bool grow_output(struct sbx_run *r)
{
    size_t max = r->lim->max_output + 1;
    size_t ncap = r->cap * 2 < max ? r->cap * 2 : max;
    uint8_t *nb = ncap > r->cap ? realloc(r->buf, ncap) : NULL;
    if (!nb)
        return false;
    r->buf = nb;
    r->cap = ncap;
    return true;
}

/* Collect, while the app runs: read what the pipe holds now. Sets eof, or
 * killed when the app must be stopped (too much output, or an error in rc
 * and err with io_failed). */
static void read_ready(struct sbx_run *r, struct cpc_err *err)
{
    for (;;) {
        if (r->len == r->cap && !grow_output(r)) {
            r->rep->output_too_large = r->len > r->lim->max_output;
            if (!r->rep->output_too_large) {
                r->io_failed = true;
                r->rc = cpc_err_set(err, CPC_ERR_NOMEM, "exec: out of memory");
            }
            r->killed = true;
            return;
        }
        ssize_t n = read(r->pfd[0], r->buf + r->len, r->cap - r->len);
        if (n > 0) {
            r->len += (size_t)n;
            if (r->len > r->lim->max_output) {
                r->rep->output_too_large = true;
                r->killed = true;
                return;
            }
        } else if (n == 0) {
            r->eof = true;
            return;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            r->io_failed = true;
            r->rc = cpc_err_set(err, CPC_ERR_IO, "exec: reading the app's output: %s",
                                strerror(errno));
            r->killed = true;
            return;
        }
    }
}

/* Collect, part one: read stdout until the app ends, the deadline passes,
 * too much output arrives or we are cancelled. */
static void watch(struct sbx_run *r, struct cpc_err *err)
{
    double deadline = r->t0 + (double)r->lim->timeout_s;
    while (!r->killed && !r->exited) {
        if (cpc_wk_cancelled(r->ctl)) {
            r->cancelled = true;
            break;
        }
        double left = deadline - cpc_clock_mono_s();
        if (left <= 0) {
            r->rep->timed_out = true;
            break;
        }
        int wait_ms = left * 1000 < SBX_TICK_MS ? (int)(left * 1000) + 1 : SBX_TICK_MS;
        if (!r->eof) {
            struct pollfd p = {.fd = r->pfd[0], .events = POLLIN, .revents = 0};
            int pr = poll(&p, 1, wait_ms);
            if (pr < 0 && errno != EINTR) {
                r->io_failed = true;
                r->rc = cpc_err_set(err, CPC_ERR_IO, "exec: poll: %s", strerror(errno));
                break;
            }
            if (pr > 0)
                read_ready(r, err);
        } else {
            poll(NULL, 0, wait_ms); /* stdout closed: just wait for the exit */
        }
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, (id_t)r->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            si.si_pid == r->pid)
            r->exited = true; /* still a zombie: its pid (= pgid) cannot be reused yet */
    }
}

/* SIGKILL the unreaped child pid and its process group, then reap it. The
 * leader first: the child may not have reached setsid() yet (no group then,
 * and no descendants either); once it is dying it creates no new members,
 * and whoever joined before goes with kill(-pid). Returns waitpid's result. */
static pid_t kill_and_reap(pid_t pid, int *status)
{
    kill(pid, SIGKILL);
    kill(-pid, SIGKILL);
    pid_t w;
    while ((w = waitpid(pid, status, 0)) < 0 && errno == EINTR)
        ;
    return w;
}

/* Collect, part two: drain what the app wrote before it ended; EOF also
 * tells that every holder of the pipe (processes inside bwrap) is gone.
 * Bounded by SBX_DRAIN_S. */
static void drain(struct sbx_run *r)
{
    double until = cpc_clock_mono_s() + SBX_DRAIN_S;
    bool keep = r->exited && !r->killed && !r->cancelled && !r->rep->timed_out && !r->io_failed;
    while (!r->eof) {
        double left = until - cpc_clock_mono_s();
        if (left <= 0)
            break;
        struct pollfd p = {.fd = r->pfd[0], .events = POLLIN, .revents = 0};
        if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
            continue;
        uint8_t scratch[4096];
        uint8_t *dst = scratch;
        size_t room = sizeof scratch;
        if (keep && !r->rep->output_too_large) {
            if (r->len == r->cap)
                (void)grow_output(r);
            if (r->len < r->cap) {
                dst = r->buf + r->len;
                room = r->cap - r->len;
            }
        }
        ssize_t n = read(r->pfd[0], dst, room);
        if (n == 0) {
            r->eof = true;
        } else if (n > 0 && dst != scratch) {
            r->len += (size_t)n;
            if (r->len > r->lim->max_output)
                r->rep->output_too_large = true;
        } else if (n > 0 && keep) {
            r->rep->output_too_large = true; /* no room left (max_output reached) */
        } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
            break;
        }
    }
}

/* Collect: watch the app, make sure nothing of its group survives (the
 * leader is unreaped, zombie or alive, so -pid still names only its group),
 * reap it and drain the pipe. */
static void collect(struct sbx_run *r, struct cpc_err *err)
{
    watch(r, err);
    pid_t w = kill_and_reap(r->pid, &r->status);
    r->pid = -1;
    if (w < 0 && !r->io_failed) {
        r->io_failed = true;
        r->rc = cpc_err_set(err, CPC_ERR_INTERNAL,
                            "exec: the app's process was reaped elsewhere (waitpid: %s)",
                            strerror(errno));
    }
    if (!r->eof)
        drain(r);
}

/* Verdict: fill the report from the exit status; the error that says why
 * the run failed, or the output handed to *out. */
static int verdict(struct sbx_run *r, uint8_t **out, size_t *out_len, struct cpc_err *err)
{
    struct cpc_wk_exec_report *rep = r->rep;
    rep->wall_s = cpc_clock_mono_s() - r->t0;
    if (WIFEXITED(r->status)) {
        rep->exit_code = WEXITSTATUS(r->status);
    } else if (WIFSIGNALED(r->status)) {
        rep->term_signal = WTERMSIG(r->status);
        rep->exit_code = -1;
    }
    char tail[SBX_STDERR_KEEP + 1];
    stderr_excerpt(r->err_fd, tail, sizeof tail);
    const char *sep = tail[0] ? ": " : "";
    if (r->io_failed)
        return r->rc; /* err already set */
    if (r->cancelled)
        return cpc_err_set(err, CPC_ERR_CANCELLED, "exec: cancelled");
    if (rep->timed_out)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, "exec: app exceeded the %u s time limit",
                           r->lim->timeout_s);
    if (rep->output_too_large)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           "exec: app output exceeds the limit of %zu bytes", r->lim->max_output);
    if (rep->term_signal)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, "exec: app killed by signal %d (%s)%s%s",
                           rep->term_signal, strsignal(rep->term_signal), sep, tail);
    if (rep->exit_code != 0)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, "exec: app exited with status %d%s%s",
                           rep->exit_code, sep, tail);
    *out = r->buf;
    *out_len = r->len;
    r->buf = NULL;
    return CPC_OK;
}

/* Undo what prepare and spawn left: the child (only on an early exit path;
 * normally collect reaped it), the fds, the work dir, the buffers. */
static void cleanup(struct sbx_run *r)
{
    if (r->pid > 0)
        (void)kill_and_reap(r->pid, &r->status);
    if (r->pfd[0] >= 0)
        close(r->pfd[0]);
    if (r->pfd[1] >= 0)
        close(r->pfd[1]);
    if (r->devnull >= 0)
        close(r->devnull);
    if (r->err_fd >= 0)
        close(r->err_fd);
    if (r->have_work)
        rm_tree(r->work);
    free(r->buf);
    free(r->argv);
    free(r->argv_store);
}

int cpc_wk_exec_run(const char *workdir_parent, const char *app_path,
                    const char *const *input_paths, unsigned n_inputs,
                    const struct cpc_wk_exec_limits *lim, const struct cpc_wk_ctl *ctl,
                    uint8_t **out, size_t *out_len, struct cpc_wk_exec_report *rep,
                    struct cpc_err *err)
{
    struct cpc_wk_exec_report local_rep;
    if (!rep)
        rep = &local_rep;
    memset(rep, 0, sizeof *rep);
    rep->exit_code = -1;
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    int rc = check_args(app_path, input_paths, n_inputs, lim, out, out_len, err);
    if (rc)
        return rc;
    struct sbx_run r = {.lim = lim, .ctl = ctl, .rep = rep, .devnull = -1, .err_fd = -1,
                        .pfd = {-1, -1}, .pid = -1};
    if ((rc = choose_sandbox(lim->sandbox, &r.use_bwrap, err)) != 0)
        return rc;
    rep->sandboxed = r.use_bwrap;
    r.t0 = cpc_clock_mono_s();

    if ((rc = make_work_dir(&r, workdir_parent, app_path, input_paths, n_inputs, err)) == 0 &&
        (rc = open_stdio(&r, n_inputs, err)) == 0 && (rc = spawn(&r, err)) == 0) {
        collect(&r, err);
        rc = verdict(&r, out, out_len, err);
    }
    cleanup(&r);
    if (rc == CPC_OK && rep->wall_s == 0)
        rep->wall_s = cpc_clock_mono_s() - r.t0;
    return rc;
}

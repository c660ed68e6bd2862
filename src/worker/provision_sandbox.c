/* provision_sandbox.c — a rental as Debian's sshd inside bubblewrap.
 *
 * The rental's folder (RENTALS/ID/, RENTALS = [provision] dir or
 * STATE_DIR/rentals) holds ssh/ (host_key made by ssh-keygen at the first
 * start, authorized_keys = the customer's key only, sshd_config), passwd and
 * group (one user, cpc, uid 1000), sshd.log, and home/ and tmp/ (or under the
 * spec's workdir). The worker runs, as its own user (a root worker: as nobody,
 * see drop_to_nobody), with those paths open on fds 10..14:
 *
 *   bwrap --unshare-user --uid 1000 --gid 1000 --unshare-pid --unshare-ipc
 *         --unshare-uts --unshare-cgroup-try --new-session
 *         --ro-bind /usr /usr (+ /bin /lib /lib64 /sbin links) --ro-bind /etc /etc
 *         --setenv CPC_RENTAL RENTALS/ID/ssh      (the marker find_procs looks for)
 *         --ro-bind-fd 11 /etc/passwd --ro-bind-fd 12 /etc/group
 *         --tmpfs /run --dir /run/sshd --ro-bind-fd 10 /run/cpc-ssh
 *         --proc /proc --dev /dev [--dev-bind /dev/nvidia* ...]
 *         --bind-fd 13 /home/cpc --bind-fd 14 /tmp --chdir /home/cpc
 *         /usr/sbin/sshd -D -e -f /run/cpc-ssh/sshd_config
 *
 * What makes an unprivileged sshd work (OpenSSH 9.2): inside the user namespace
 * sshd is uid 1000 without capabilities, so it can log in only its own user;
 * /etc/passwd must name that user (our bound passwd); /run/sshd (the
 * privilege-separation dir) must exist; `StrictModes no` because the files'
 * owner is the worker's uid mapped in; `UsePAM no` (PAM needs root). The
 * network is the host's (the port must be reachable); there is no
 * --die-with-parent, so a rental outlives a worker restart, and the worker
 * finds its bwrap again by its command line (the marker).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "provision_internal.h"

#define SANDBOX_USER "cpc"
#define SANDBOX_UID "1000"
#define SANDBOX_NOBODY 65534 /* who runs bwrap when the worker is root */
#define ARGV_MAX 192 /* ~70 fixed + 3 per device node bound */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int put_file(const char *dir, const char *name, const char *text, unsigned mode,
                    struct cpc_err *err)
{
    char path[CPC_PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "path too long");
    return cpc_write_file_atomic(path, text, strlen(text), mode, err);
}

/* The folders of r: dir (config, log) and data (home, tmp). */
static int sandbox_dirs(const struct cpc_wk_provision_opts *o, const struct cpc_wk_rental *r,
                        char *dir, char *data)
{
    if (wk_rental_dir(o, r->spec.id, dir, CPC_PATH_MAX))
        return CPC_ERR_TOO_LARGE;
    snprintf(data, CPC_PATH_MAX, "%s", r->spec.workdir[0] ? r->spec.workdir : dir);
    return strlen(dir) + 16 >= CPC_PATH_MAX || strlen(data) + 16 >= CPC_PATH_MAX
               ? CPC_ERR_TOO_LARGE
               : 0;
}

static int write_config(const struct cpc_wk_provision_opts *o, const struct cpc_wk_rental *r,
                        const char *dir, struct cpc_err *err)
{
    char ssh[CPC_PATH_MAX], key[CPC_PATH_MAX + 16], conf[1024], auth[CPC_WK_RENTAL_KEY_MAX + 2];
    snprintf(ssh, sizeof ssh, "%s/ssh", dir);
    snprintf(key, sizeof key, "%s/host_key", ssh);
    int rc = cpc_mkdir_p(ssh, 0700, err);
    if (rc)
        return rc;
    if (access(key, F_OK) != 0) {
        char *const kg[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cpc-rental",
                            "-f", key, NULL};
        char out[512];
        if (wk_run(kg, out, sizeof out, true, 30000) != 0)
            return cpc_err_set(err, CPC_ERR_IO, "ssh-keygen failed: %s", out);
    }
    const char *listen = wk_listen(o);
    snprintf(conf, sizeof conf,
             "# written by cpc-worker for rental %s\n"
             "ListenAddress %s%s%s:%u\n"
             "HostKey /run/cpc-ssh/host_key\n"
             "AuthorizedKeysFile /run/cpc-ssh/authorized_keys\n"
             "PubkeyAuthentication yes\nPasswordAuthentication no\n"
             "KbdInteractiveAuthentication no\nPermitRootLogin no\nAllowUsers " SANDBOX_USER "\n"
             "StrictModes no\nUsePAM no\nPidFile none\nX11Forwarding no\n"
             "PermitUserEnvironment no\nSubsystem sftp internal-sftp\n",
             r->spec.id, strchr(listen, ':') ? "[" : "", listen, strchr(listen, ':') ? "]" : "",
             r->spec.port);
    snprintf(auth, sizeof auth, "%s\n", r->spec.ssh_public_key);
    if ((rc = put_file(ssh, "sshd_config", conf, 0600, err)) ||
        (rc = put_file(ssh, "authorized_keys", auth, 0600, err)) ||
        (rc = put_file(dir, "passwd",
                       SANDBOX_USER ":x:" SANDBOX_UID ":" SANDBOX_UID ":rental:/home/" SANDBOX_USER
                                    ":/bin/sh\n",
                       0644, err)))
        return rc;
    return put_file(dir, "group", SANDBOX_USER ":x:" SANDBOX_UID ":\n", 0644, err);
}

/* Append the NVIDIA device nodes r may use: the control nodes and /dev/nvidiaN per GPU. */
static size_t add_gpu_binds(const struct cpc_wk_rental *r, char **av, size_t n, char *pool,
                            size_t pool_cap)
{
    if (!r->spec.n_gpus)
        return n;
    glob_t g;
    if (glob("/dev/nvidia*", 0, NULL, &g) != 0)
        return n;
    size_t used = 0;
    for (size_t i = 0; i < g.gl_pathc && n + 3 + 24 < ARGV_MAX; i++) { /* room for the rest */
        const char *p = g.gl_pathv[i], *num = p + strlen("/dev/nvidia");
        bool take = *num < '0' || *num > '9'; /* nvidiactl, nvidia-uvm, nvidia-modeset ... */
        for (unsigned k = 0; !take && k < r->spec.n_gpus; k++)
            take = atoi(num) == r->spec.gpus[k];
        size_t len = strlen(p) + 1;
        if (!take || used + len > pool_cap)
            continue;
        memcpy(pool + used, p, len);
        av[n++] = "--dev-bind";
        av[n++] = pool + used;
        av[n++] = pool + used;
        used += len;
    }
    globfree(&g);
    return n;
}

/* The host paths bound into the sandbox, passed to bwrap as open fds (BIND_FD0 + i),
 * so bwrap, perhaps running as nobody, need not walk the worker's private folders. */
enum { P_SSH, P_PASSWD, P_GROUP, P_HOME, P_TMP, P_COUNT };
#define BIND_FD0 10

struct sandbox_paths {
    char path[P_COUNT][CPC_PATH_MAX];
    char marker[CPC_PATH_MAX];
    char gpus[4096];
};

static void build_argv(const struct cpc_wk_provision_opts *o, const struct cpc_wk_rental *r,
                       struct sandbox_paths *p, char **av)
{
    static const char *const head[] = {
        "--unshare-user", "--uid", SANDBOX_UID, "--gid", SANDBOX_UID, "--unshare-pid",
        "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--new-session",
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib",
        "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
        "--ro-bind", "/etc", "/etc", NULL};
    static char *const fds[] = {"10", "11", "12", "13", "14"}; /* BIND_FD0 + P_* */
    size_t n = 0;
    av[n++] = (char *)(o->bwrap ? o->bwrap : "bwrap");
    for (size_t i = 0; head[i]; i++)
        av[n++] = (char *)head[i];
    /* the marker: how find_procs knows this rental's bwrap after a restart */
    char *const tail[] = {"--setenv", "CPC_RENTAL", p->marker, "--ro-bind-fd", fds[P_PASSWD],
                          "/etc/passwd", "--ro-bind-fd", fds[P_GROUP], "/etc/group", "--tmpfs",
                          "/run", "--dir", "/run/sshd", "--ro-bind-fd", fds[P_SSH],
                          "/run/cpc-ssh", "--proc", "/proc", "--dev", "/dev", NULL};
    for (size_t i = 0; tail[i]; i++)
        av[n++] = tail[i];
    n = add_gpu_binds(r, av, n, p->gpus, sizeof p->gpus);
    char *const run[] = {"--bind-fd", fds[P_HOME], "/home/" SANDBOX_USER, "--bind-fd",
                         fds[P_TMP], "/tmp", "--chdir", "/home/" SANDBOX_USER, "--setenv",
                         "HOME", "/home/" SANDBOX_USER,
                         (char *)(o->sshd ? o->sshd : "/usr/sbin/sshd"), "-D", "-e", "-f",
                         "/run/cpc-ssh/sshd_config", NULL};
    for (size_t i = 0; run[i]; i++)
        av[n++] = run[i];
    av[n] = NULL;
}

/* A worker running as root must not run the sandbox as root: the user namespace
 * maps the customer's uid onto the uid that runs bwrap, and the customer would
 * own every root file bound in (/etc/shadow). So root hands the rental's files
 * to nobody and runs bwrap as nobody. */
static bool drop_to_nobody(void)
{
    return geteuid() == 0;
}

static int give_to_nobody(const struct sandbox_paths *p, struct cpc_err *err)
{
    static const char *const ssh_files[] = {"host_key", "host_key.pub", "authorized_keys",
                                            "sshd_config"};
    char f[CPC_PATH_MAX + 32];
    int bad = 0;
    bad |= lchown(p->path[P_SSH], SANDBOX_NOBODY, SANDBOX_NOBODY);
    bad |= lchown(p->path[P_HOME], SANDBOX_NOBODY, SANDBOX_NOBODY);
    bad |= lchown(p->path[P_TMP], SANDBOX_NOBODY, SANDBOX_NOBODY);
    for (size_t i = 0; i < sizeof ssh_files / sizeof ssh_files[0]; i++) {
        snprintf(f, sizeof f, "%s/%s", p->path[P_SSH], ssh_files[i]);
        bad |= lchown(f, SANDBOX_NOBODY, SANDBOX_NOBODY);
    }
    return bad ? cpc_err_set(err, CPC_ERR_IO, "chown of the rental's files to nobody: %s",
                             strerror(errno))
               : 0;
}

/* Every folder from / down to path lets others through (x), so bwrap run as
 * nobody can resolve the paths it binds. Returns 0 or CPC_ERR_IO naming the one. */
static int nobody_can_reach(const char *path, struct cpc_err *err)
{
    char cur[CPC_PATH_MAX];
    snprintf(cur, sizeof cur, "%s", path);
    for (;;) {
        struct stat st;
        if (stat(cur, &st) != 0 || !(st.st_mode & S_IXOTH))
            return cpc_err_set(err, CPC_ERR_IO,
                               "a root worker runs the sandbox as nobody, who cannot enter %s: "
                               "set [provision] dir to a folder nobody can reach, e.g. "
                               "/var/lib/cpc-rentals (docs/worker.md)",
                               cur);
        char *slash = strrchr(cur, '/');
        if (!slash || slash == cur)
            return 0;
        *slash = 0;
    }
}

/* chmod 0711 the rental's folder and the rentals' folder above it: nobody may walk
 * through (not list); what is inside stays 0700 (its own) or root's. The folders
 * above those must be walkable too ([provision] dir, docs/worker.md). */
static int walkable_by_nobody(const char *dir, struct cpc_err *err)
{
    char up[CPC_PATH_MAX];
    snprintf(up, sizeof up, "%s", dir);
    char *slash = strrchr(up, '/');
    if (slash && slash != up)
        *slash = 0;
    if (chmod(dir, 0711) != 0 || chmod(up, 0711) != 0)
        return cpc_err_set(err, CPC_ERR_IO, "chmod 0711 %s: %s", dir, strerror(errno));
    return nobody_can_reach(up, err);
}

/* fork, new session, stdio to the log, the bound paths on fds BIND_FD0.., maybe
 * drop root, exec bwrap. Returns the pid or -1. */
static pid_t spawn_detached(char **av, const char *log_path, const struct sandbox_paths *p)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    setsid();
    int in = open("/dev/null", O_RDONLY);
    int out = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in < 0 || out < 0)
        _exit(126);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    for (int i = 0; i < P_COUNT; i++) {
        int fd = open(p->path[i], O_PATH); /* lowest free: 3.., no O_CLOEXEC */
        if (fd < 0 || dup2(fd, BIND_FD0 + i) < 0)
            _exit(126);
        if (fd != BIND_FD0 + i)
            close(fd);
    }
    if (drop_to_nobody() && (setgroups(0, NULL) != 0 || setgid(SANDBOX_NOBODY) != 0 ||
                             setuid(SANDBOX_NOBODY) != 0))
        _exit(126);
    execvp(av[0], av);
    _exit(126);
}

static bool port_open(const char *listen, unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (!strcmp(listen, "0.0.0.0") || inet_pton(AF_INET, listen, &a.sin_addr) != 1)
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static size_t find_procs(const struct cpc_wk_provision_opts *o, const struct cpc_wk_rental *r,
                         pid_t *v, pid_t *pp, size_t cap);

static int sandbox_start(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *r,
                         struct cpc_err *err)
{
    char dir[CPC_PATH_MAX], data[CPC_PATH_MAX], log_path[CPC_PATH_MAX + 16];
    if (sandbox_dirs(o, r, dir, data))
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "rental folder path too long");
    struct sandbox_paths *p = calloc(1, sizeof *p);
    if (!p)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    snprintf(p->path[P_SSH], CPC_PATH_MAX, "%s/ssh", dir);
    snprintf(p->path[P_PASSWD], CPC_PATH_MAX, "%s/passwd", dir);
    snprintf(p->path[P_GROUP], CPC_PATH_MAX, "%s/group", dir);
    snprintf(p->path[P_HOME], CPC_PATH_MAX, "%s/home", data);
    snprintf(p->path[P_TMP], CPC_PATH_MAX, "%s/tmp", data);
    snprintf(p->marker, sizeof p->marker, "%s/ssh", dir);
    snprintf(log_path, sizeof log_path, "%s/sshd.log", dir);
    if (port_open(wk_listen(o), r->spec.port)) {
        free(p);
        return cpc_err_set(err, CPC_ERR_IO, "port %u is in use", r->spec.port);
    }
    int rc = cpc_mkdir_p(dir, 0700, err);
    if (!rc && drop_to_nobody())
        rc = walkable_by_nobody(dir, err);
    if (!rc && !(rc = cpc_mkdir_p(p->path[P_HOME], 0700, err)) &&
        !(rc = cpc_mkdir_p(p->path[P_TMP], 0700, err)) && !(rc = write_config(o, r, dir, err)) &&
        drop_to_nobody())
        rc = give_to_nobody(p, err);
    if (!rc && drop_to_nobody() && r->spec.workdir[0])
        rc = nobody_can_reach(data, err);
    char *av[ARGV_MAX];
    pid_t pid = -1;
    if (!rc) {
        build_argv(o, r, p, av);
        pid = spawn_detached(av, log_path, p);
        if (pid < 0)
            rc = cpc_err_set(err, CPC_ERR_IO, "fork: %s", strerror(errno));
    }
    free(p);
    if (rc)
        return rc;
    r->pid = pid;
    r->pid_start = wk_proc_start(pid);
    unsigned wait_ms = o->start_wait_ms ? o->start_wait_ms : 5000;
    bool reaped = false;
    for (unsigned t = 0; t < wait_ms; t += 20) {
        if (port_open(wk_listen(o), r->spec.port))
            return 0;
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            reaped = true;
            break;
        }
        sleep_ms(20);
    }
    char *tail = NULL;
    wk_file_tail(log_path, 300, &tail, NULL, NULL);
    pid_t v[32], pp[32]; /* whatever of it runs: the namespace's init ends all inside */
    for (size_t i = 0, n = find_procs(o, r, v, pp, 32); i < n; i++)
        kill(v[i], SIGKILL);
    if (!reaped) { /* still our unreaped child: its pid cannot have been reused */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    rc = cpc_err_set(err, CPC_ERR_IO, "sshd did not listen on port %u within %u ms: %s",
                     r->spec.port, wait_ms, tail ? tail : "(no log)");
    free(tail);
    r->pid = 0;
    r->pid_start = 0;
    return rc;
}

/* ---- finding a rental's processes by their command line ---- */

/* Does /proc/PID/cmdline run bwrap with the argument marker? *ppid gets its parent. */
static bool proc_matches(pid_t pid, const char *marker, pid_t *ppid)
{
    char path[64], buf[16384];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    const char *base = strrchr(buf, '/');
    if (strcmp(base ? base + 1 : buf, "bwrap") != 0)
        return false;
    bool hit = false;
    for (ssize_t i = 0; i < n && !hit; i += (ssize_t)strlen(buf + i) + 1)
        hit = !strcmp(buf + i, marker);
    if (!hit || wk_proc_start(pid) == 0)
        return false;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    n = (ssize_t)fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n > 0 ? n : 0] = 0;
    const char *p = strrchr(buf, ')');
    *ppid = p ? (pid_t)strtol(p + 4, NULL, 10) : 0; /* ") S PPID" */
    return true;
}

/* Every live process running bwrap for r: pids into v (cap), parents into pp. */
static size_t find_procs(const struct cpc_wk_provision_opts *o, const struct cpc_wk_rental *r,
                         pid_t *v, pid_t *pp, size_t cap)
{
    char dir[CPC_PATH_MAX], marker[CPC_PATH_MAX + 8];
    if (wk_rental_dir(o, r->spec.id, dir, sizeof dir))
        return 0;
    snprintf(marker, sizeof marker, "%s/ssh", dir);
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        if (proc_matches((pid_t)pid, marker, &pp[n]))
            v[n++] = (pid_t)pid;
    }
    closedir(d);
    return n;
}

static bool in_list(pid_t x, const pid_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static void kill_and_wait(const pid_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kill(v[i], SIGKILL); /* killing the namespace's init (inner bwrap) ends all inside */
    for (int t = 0; t < 250; t++) {
        bool alive = false;
        for (size_t i = 0; i < n; i++) {
            waitpid(v[i], NULL, WNOHANG); /* our own child: reap it */
            alive = alive || wk_proc_start(v[i]) != 0;
        }
        if (!alive)
            return;
        sleep_ms(20);
    }
}

static void sandbox_probe(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *r)
{
    pid_t v[32], pp[32], roots[32], extra[32];
    wk_reap_if_ours(r->pid, r->pid_start);
    size_t n = find_procs(o, r, v, pp, 32), nr = 0, ne = 0;
    for (size_t i = 0; i < n; i++)
        if (!in_list(pp[i], v, n))
            roots[nr++] = v[i]; /* an outer bwrap; its child with the same argv is inside */
    pid_t keep = 0;
    for (size_t i = 0; i < nr; i++)
        if (roots[i] == r->pid)
            keep = r->pid;
    if (!keep && nr)
        keep = roots[0];
    for (size_t i = 0; i < n; i++) /* duplicates: every tree but keep's */
        if (v[i] != keep && pp[i] != keep)
            extra[ne++] = v[i];
    if (ne)
        kill_and_wait(extra, ne);
    if (keep != r->pid) /* it may have become a zombie since the first look */
        wk_reap_if_ours(r->pid, r->pid_start);
    r->run = keep ? CPC_WK_RENTAL_RUNNING : CPC_WK_RENTAL_EXITED;
    r->pid = keep;
    r->pid_start = keep ? wk_proc_start(keep) : 0;
}

static int sandbox_stop(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *r,
                        struct cpc_err *err)
{
    pid_t v[32], pp[32];
    size_t n = find_procs(o, r, v, pp, 32);
    kill_and_wait(v, n);
    if (find_procs(o, r, v, pp, 32))
        return cpc_err_set(err, CPC_ERR_IO, "rental %s: its sandbox did not stop", r->spec.id);
    r->pid = 0;
    r->pid_start = 0;
    r->run = CPC_WK_RENTAL_EXITED;
    return 0;
}

static int sandbox_logs(const struct cpc_wk_provision_opts *o, const struct cpc_wk_rental *r,
                        size_t max, char **out, size_t *len, struct cpc_err *err)
{
    char dir[CPC_PATH_MAX], path[CPC_PATH_MAX + 16];
    if (wk_rental_dir(o, r->spec.id, dir, sizeof dir))
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "path too long");
    snprintf(path, sizeof path, "%s/sshd.log", dir);
    return wk_file_tail(path, max, out, len, err);
}

const struct wk_prov_ops wk_prov_sandbox = {sandbox_start, sandbox_probe, sandbox_stop,
                                            sandbox_logs};

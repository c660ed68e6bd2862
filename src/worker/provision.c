/* provision.c — the rentals' state file and what both provisioners share: spec
 * checks, running a program from an argv, start/stop/reboot/reconcile.
 *
 * STATE_DIR/rentals.json:
 *   {"rentals": [{"id", "kind", "image", "ssh_public_key", "port", "gpus": [..],
 *                 "workdir", "pid", "pid_start", "container"}, ...]}
 * A start records the rental (pid 0) before anything is spawned and records
 * the pid after, so a worker killed in between finds the sandbox by its
 * command line (or the container by its name) at the next reconcile.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "provision_internal.h"

#define STATE_FILE "rentals.json"
#define STATE_MAX (4u << 20)

/* ---- small helpers ---- */

int cpc_wk_provision_kind_parse(const char *s, enum cpc_wk_provision_kind *out)
{
    if (s && !strcmp(s, "sandbox"))
        *out = CPC_WK_PROVISION_SANDBOX;
    else if (s && !strcmp(s, "docker"))
        *out = CPC_WK_PROVISION_DOCKER;
    else
        return CPC_ERR_INVALID;
    return 0;
}

const char *cpc_wk_provision_kind_name(enum cpc_wk_provision_kind k)
{
    return k == CPC_WK_PROVISION_DOCKER ? "docker" : "sandbox";
}

static const struct wk_prov_ops *ops_of(enum cpc_wk_provision_kind k)
{
    return k == CPC_WK_PROVISION_DOCKER ? &wk_prov_docker : &wk_prov_sandbox;
}

const char *wk_listen(const struct cpc_wk_provision_opts *o)
{
    return o->listen[0] ? o->listen : "0.0.0.0";
}

int wk_rental_dir(const struct cpc_wk_provision_opts *o, const char *id, char *out, size_t cap)
{
    int n = o->rentals_dir[0] ? snprintf(out, cap, "%s/%s", o->rentals_dir, id)
                              : snprintf(out, cap, "%s/rentals/%s", o->state_dir, id);
    return n < 0 || (size_t)n >= cap ? CPC_ERR_TOO_LARGE : 0;
}

static bool id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > CPC_WK_RENTAL_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

int cpc_wk_rental_spec_check(const struct cpc_wk_provision_opts *o,
                             const struct cpc_wk_rental_spec *s, struct cpc_err *err)
{
    for (const char *p = o->listen; *p; p++) /* it goes into sshd_config and docker -p */
        if (!strchr("0123456789abcdefABCDEF.:", *p))
            return cpc_err_set(err, CPC_ERR_INVALID, "listen address must be an IP address");
    if (!id_ok(s->id))
        return cpc_err_set(err, CPC_ERR_INVALID, "rental id must be 1..64 lower-case hex digits");
    if (s->port < 1 || s->port > 65535)
        return cpc_err_set(err, CPC_ERR_INVALID, "port must be 1..65535, not %u", s->port);
    const char *k = s->ssh_public_key;
    if (strncmp(k, "ssh-", 4) && strncmp(k, "ecdsa-", 6) && strncmp(k, "sk-", 3))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "ssh_public_key must be one OpenSSH public key line (ssh-ed25519 ...)");
    for (const char *p = k; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "ssh_public_key must be one line without control characters");
    if (s->n_gpus > CPC_WK_RENTAL_GPUS_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "at most %d GPUs", CPC_WK_RENTAL_GPUS_MAX);
    for (unsigned i = 0; i < s->n_gpus; i++)
        if (s->gpus[i] < 0 || s->gpus[i] > 63)
            return cpc_err_set(err, CPC_ERR_INVALID, "GPU index %d is not 0..63", s->gpus[i]);
    if (o->kind == CPC_WK_PROVISION_DOCKER) {
        if (!s->image[0] || s->image[0] == '-')
            return cpc_err_set(err, CPC_ERR_INVALID, "docker rentals need an image (not \"-...\")");
        for (const char *p = s->image; *p; p++)
            if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                return cpc_err_set(err, CPC_ERR_INVALID, "image name has a space or control char");
    }
    return 0;
}

/* Field 22 of /proc/PID/stat (its start time) and its state letter; 0 when gone. */
static unsigned long long proc_stat_start(pid_t pid, char *state)
{
    *state = 0;
    if (pid <= 0)
        return 0;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the name may hold spaces; fields follow the last ')' */
    if (!p || p[1] != ' ')
        return 0;
    *state = p[2];
    p += 2;
    for (int field = 3; field < 22 && p; field++) { /* p is at field 3 (state) */
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return p ? strtoull(p, NULL, 10) : 0;
}

unsigned long long wk_proc_start(pid_t pid)
{
    char state;
    unsigned long long start = proc_stat_start(pid, &state);
    return state == 'Z' || state == 'X' ? 0 : start;
}

void wk_reap_if_ours(pid_t pid, unsigned long long start)
{
    char state;
    if (start && proc_stat_start(pid, &state) == start && (state == 'Z' || state == 'X'))
        waitpid(pid, NULL, state == 'X' ? 0 : WNOHANG); /* ECHILD: another process's child */
}

int wk_file_tail(const char *path, size_t max, char **out, size_t *len, struct cpc_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cpc_err_set(err, errno == ENOENT ? CPC_ERR_NOT_FOUND : CPC_ERR_IO, "%s: %s", path,
                           strerror(errno));
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)max ? end - (off_t)max : 0;
    size_t want = end > 0 ? (size_t)(end - from) : 0;
    char *buf = malloc(want + 1);
    ssize_t got = buf ? pread(fd, buf, want, from) : -1;
    close(fd);
    if (got < 0) {
        free(buf);
        return cpc_err_set(err, CPC_ERR_IO, "%s: cannot read", path);
    }
    buf[got] = 0;
    *out = buf;
    if (len)
        *len = (size_t)got;
    return 0;
}

/* ---- running a program ---- */

static void wk_child(char *const argv[], int out_fd, bool merge)
{
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0)
        dup2(devnull, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(merge ? out_fd : devnull, STDERR_FILENO);
    execvp(argv[0], argv);
    _exit(126);
}

int wk_run(char *const argv[], char *out, size_t cap, bool merge, unsigned timeout_ms)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return 126;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return 126;
    }
    if (pid == 0)
        wk_child(argv, p[1], merge);
    close(p[1]);
    size_t used = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool timed_out = false;
    for (;;) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (el >= (long)timeout_ms) {
            timed_out = true;
            break;
        }
        struct pollfd pf = {p[0], POLLIN, 0};
        if (poll(&pf, 1, (int)(timeout_ms - el)) <= 0)
            continue;
        char buf[4096];
        ssize_t r = read(p[0], buf, sizeof buf);
        if (r <= 0)
            break;
        if (out && used + 1 < cap) {
            size_t take = (size_t)r < cap - 1 - used ? (size_t)r : cap - 1 - used;
            memcpy(out + used, buf, take);
            used += take;
        }
    }
    close(p[0]);
    if (out && cap)
        out[used] = 0;
    if (timed_out)
        kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        return 124;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 126;
}

/* ---- the state file ---- */

struct rentals {
    struct cpc_wk_rental *v;
    size_t n;
};

static int state_path(const struct cpc_wk_provision_opts *o, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/" STATE_FILE, o->state_dir);
    return n < 0 || (size_t)n >= cap ? CPC_ERR_TOO_LARGE : 0;
}

/* Copy a string field; false when it does not fit (the record is then dropped). */
static bool copy_str(char *dst, size_t cap, json_t *j)
{
    const char *s = json_string_value(j);
    size_t n = s ? json_string_length(j) : 0;
    if (n >= cap || (s && strlen(s) != n)) /* too long, or a NUL inside */
        return false;
    memcpy(dst, s ? s : "", n + 1);
    return true;
}

static int rental_from_json(json_t *e, struct cpc_wk_rental *r)
{
    memset(r, 0, sizeof *r);
    if (!copy_str(r->spec.id, sizeof r->spec.id, json_object_get(e, "id")) ||
        !copy_str(r->spec.image, sizeof r->spec.image, json_object_get(e, "image")) ||
        !copy_str(r->spec.ssh_public_key, sizeof r->spec.ssh_public_key,
                  json_object_get(e, "ssh_public_key")) ||
        !copy_str(r->spec.workdir, sizeof r->spec.workdir, json_object_get(e, "workdir")) ||
        !copy_str(r->container, sizeof r->container, json_object_get(e, "container")))
        return CPC_ERR_INVALID;
    r->spec.port = (unsigned)json_integer_value(json_object_get(e, "port"));
    r->pid = (pid_t)json_integer_value(json_object_get(e, "pid"));
    r->pid_start = (unsigned long long)json_integer_value(json_object_get(e, "pid_start"));
    json_t *g = json_object_get(e, "gpus");
    for (size_t i = 0; i < json_array_size(g) && i < CPC_WK_RENTAL_GPUS_MAX; i++)
        r->spec.gpus[r->spec.n_gpus++] = (int)json_integer_value(json_array_get(g, i));
    if (cpc_wk_provision_kind_parse(json_string_value(json_object_get(e, "kind")), &r->kind) ||
        !id_ok(r->spec.id))
        return CPC_ERR_INVALID;
    r->run = CPC_WK_RENTAL_EXITED;
    return 0;
}

static int state_load(const struct cpc_wk_provision_opts *o, struct rentals *rs,
                      struct cpc_err *err)
{
    char path[CPC_PATH_MAX], *text = NULL;
    memset(rs, 0, sizeof *rs);
    if (state_path(o, path, sizeof path))
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "state dir path too long");
    size_t len;
    int rc = cpc_read_file(path, STATE_MAX, &text, &len, err);
    if (rc == CPC_ERR_NOT_FOUND)
        return 0;
    if (rc)
        return rc;
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    free(text);
    json_t *arr = json_object_get(root, "rentals");
    if (!json_is_array(arr)) {
        json_decref(root);
        return cpc_err_set(err, CPC_ERR_IO, "%s: not a rentals file (%s)", path, je.text);
    }
    size_t n = json_array_size(arr);
    rs->v = calloc(n ? n : 1, sizeof *rs->v);
    if (!rs->v) {
        json_decref(root);
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (rental_from_json(json_array_get(arr, i), &rs->v[rs->n]) == 0)
            rs->n++;
    json_decref(root);
    return 0;
}

static json_t *rental_to_json(const struct cpc_wk_rental *r)
{
    json_t *g = json_array();
    for (unsigned i = 0; g && i < r->spec.n_gpus; i++)
        json_array_append_new(g, json_integer(r->spec.gpus[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:s, s:I, s:I, s:s}", "id", r->spec.id, "kind",
                     cpc_wk_provision_kind_name(r->kind), "image", r->spec.image,
                     "ssh_public_key", r->spec.ssh_public_key, "port", (json_int_t)r->spec.port,
                     "gpus", g ? g : json_array(), "workdir", r->spec.workdir, "pid",
                     (json_int_t)r->pid, "pid_start", (json_int_t)r->pid_start, "container",
                     r->container);
}

static int state_save(const struct cpc_wk_provision_opts *o, const struct rentals *rs,
                      struct cpc_err *err)
{
    char path[CPC_PATH_MAX];
    if (state_path(o, path, sizeof path))
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "state dir path too long");
    int rc = cpc_mkdir_p(o->state_dir, 0700, err);
    if (rc)
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < rs->n; i++) {
        json_t *e = rental_to_json(&rs->v[i]);
        if (!e || json_array_append_new(arr, e) != 0) { /* never drop a rental silently */
            json_decref(arr);
            return cpc_err_set(err, CPC_ERR_INVALID, "rental %s cannot be recorded (not UTF-8?)",
                               rs->v[i].spec.id);
        }
    }
    json_t *root = arr ? json_pack("{s:o}", "rentals", arr) : NULL;
    char *s = root ? json_dumps(root, JSON_INDENT(1)) : NULL;
    json_decref(root);
    if (!s)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    rc = cpc_write_file_atomic(path, s, strlen(s), 0600, err);
    free(s);
    return rc;
}

static struct cpc_wk_rental *state_find(struct rentals *rs, const char *id)
{
    for (size_t i = 0; i < rs->n; i++)
        if (!strcmp(rs->v[i].spec.id, id))
            return &rs->v[i];
    return NULL;
}

static void state_remove(struct rentals *rs, struct cpc_wk_rental *r)
{
    size_t i = (size_t)(r - rs->v);
    memmove(&rs->v[i], &rs->v[i + 1], (rs->n - i - 1) * sizeof *r);
    rs->n--;
}

int wk_rentals_load(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental **v, size_t *n,
                    struct cpc_err *err)
{
    struct rentals rs;
    int rc = state_load(o, &rs, err);
    *v = rs.v;
    *n = rs.n;
    return rc;
}

int wk_rentals_save(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *v, size_t n,
                    struct cpc_err *err)
{
    struct rentals rs = {v, n};
    return state_save(o, &rs, err);
}

/* ---- the operations ---- */

static int start_recorded(const struct cpc_wk_provision_opts *o, struct rentals *rs,
                          struct cpc_wk_rental *r, struct cpc_wk_rental *out, struct cpc_err *err)
{
    const struct wk_prov_ops *ops = ops_of(r->kind);
    ops->probe(o, r);
    if (r->run != CPC_WK_RENTAL_RUNNING) {
        r->pid = 0;
        r->pid_start = 0;
        r->container[0] = 0;
        int rc = ops->start(o, r, err);
        struct cpc_err serr = {0};
        int src = state_save(o, rs, &serr); /* also after a failed start: what it found */
        if (rc)
            return rc;
        if (src)
            return cpc_err_set(err, src, "%s", serr.msg);
        r->run = CPC_WK_RENTAL_RUNNING;
    }
    if (out)
        *out = *r;
    return 0;
}

int cpc_wk_rental_start(const struct cpc_wk_provision_opts *o, const struct cpc_wk_rental_spec *s,
                        struct cpc_wk_rental *out, struct cpc_err *err)
{
    int rc = cpc_wk_rental_spec_check(o, s, err);
    if (rc)
        return rc;
    struct rentals rs;
    if ((rc = state_load(o, &rs, err)))
        return rc;
    struct cpc_wk_rental *r = state_find(&rs, s->id);
    if (r && r->kind != o->kind) {
        rc = cpc_err_set(err, CPC_ERR_DUPLICATE, "rental %s is a %s rental", s->id,
                         cpc_wk_provision_kind_name(r->kind));
        goto done;
    }
    if (!r) {
        if (rs.n >= CPC_WK_RENTALS_MAX) {
            rc = cpc_err_set(err, CPC_ERR_TOO_LARGE, "at most %d rentals", CPC_WK_RENTALS_MAX);
            goto done;
        }
        struct cpc_wk_rental *nv = realloc(rs.v, (rs.n + 1) * sizeof *nv);
        if (!nv) {
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
            goto done;
        }
        rs.v = nv;
        r = &rs.v[rs.n++];
        memset(r, 0, sizeof *r);
        r->kind = o->kind;
    }
    r->spec = *s;
    /* recorded before anything is spawned: a crash from here on is found by reconcile */
    if ((rc = state_save(o, &rs, err)) == 0)
        rc = start_recorded(o, &rs, r, out, err);
done:
    free(rs.v);
    return rc;
}

int cpc_wk_rental_stop(const struct cpc_wk_provision_opts *o, const char *id, struct cpc_err *err)
{
    struct rentals rs;
    int rc = state_load(o, &rs, err);
    if (rc)
        return rc;
    struct cpc_wk_rental *r = state_find(&rs, id ? id : "");
    if (!r)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no rental %s", id ? id : "");
    else if ((rc = ops_of(r->kind)->stop(o, r, err)) == 0) {
        state_remove(&rs, r);
        rc = state_save(o, &rs, err);
    }
    free(rs.v);
    return rc;
}

int cpc_wk_rental_reboot(const struct cpc_wk_provision_opts *o, const char *id,
                         struct cpc_wk_rental *out, struct cpc_err *err)
{
    struct rentals rs;
    int rc = state_load(o, &rs, err);
    if (rc)
        return rc;
    struct cpc_wk_rental *r = state_find(&rs, id ? id : "");
    if (!r)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no rental %s", id ? id : "");
    else if ((rc = ops_of(r->kind)->stop(o, r, err)) == 0)
        rc = start_recorded(o, &rs, r, out, err);
    free(rs.v);
    return rc;
}

int cpc_wk_rental_list(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental **out,
                       size_t *n, struct cpc_err *err)
{
    struct rentals rs;
    int rc = state_load(o, &rs, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < rs.n; i++)
        ops_of(rs.v[i].kind)->probe(o, &rs.v[i]);
    *out = rs.v;
    *n = rs.n;
    return 0;
}

int cpc_wk_rental_reconcile(const struct cpc_wk_provision_opts *o, unsigned *adopted,
                            unsigned *exited, struct cpc_err *err)
{
    struct rentals rs;
    int rc = state_load(o, &rs, err);
    if (rc)
        return rc;
    unsigned a = 0, x = 0;
    for (size_t i = 0; i < rs.n; i++) {
        ops_of(rs.v[i].kind)->probe(o, &rs.v[i]);
        if (rs.v[i].run == CPC_WK_RENTAL_RUNNING)
            a++;
        else
            x++;
    }
    rc = state_save(o, &rs, err);
    free(rs.v);
    if (adopted)
        *adopted = a;
    if (exited)
        *exited = x;
    return rc;
}

int cpc_wk_rental_logs(const struct cpc_wk_provision_opts *o, const char *id, size_t max,
                       char **out, size_t *len, struct cpc_err *err)
{
    struct rentals rs;
    int rc = state_load(o, &rs, err);
    if (rc)
        return rc;
    struct cpc_wk_rental *r = state_find(&rs, id ? id : "");
    if (!r)
        rc = cpc_err_set(err, CPC_ERR_NOT_FOUND, "no rental %s", id ? id : "");
    else
        rc = ops_of(r->kind)->logs(o, r, max, out, len, err);
    free(rs.v);
    return rc;
}

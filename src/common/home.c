/* home.c — the installation home folder and small file helpers (see home.h).
 *
 * Design note: every binary resolves one home folder (--home, $CPC_HOME,
 * $HOME/.cpc) and reads/writes its files through these helpers. Writes that
 * must survive a crash (config, genesis, keyring entries) go through
 * cpc_write_file_atomic: a temp file in the same directory, write + fsync,
 * rename over the target, then fsync the directory so the rename itself is
 * durable. Readers never see a half-written file. The common case is small
 * files (a few KiB); reads are bounded by a caller-supplied maximum.
 */
#include "home.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

int cpc_home_resolve(char *out, size_t cap, const char *flag)
{
    const char *base = NULL;
    int n;

    if (!out || cap == 0)
        return CPC_ERR_INVALID;
    out[0] = '\0';
    if (flag && flag[0]) {
        n = snprintf(out, cap, "%s", flag);
    } else {
        const char *env = getenv("CPC_HOME");
        if (env && env[0]) {
            n = snprintf(out, cap, "%s", env);
        } else {
            base = getenv("HOME");
            if (!base || !base[0]) {
                struct passwd pw, *res = NULL;
                char buf[4096];
                if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res &&
                    res->pw_dir && res->pw_dir[0])
                    base = res->pw_dir;
            }
            if (!base || !base[0])
                return CPC_ERR_INVALID;
            n = snprintf(out, cap, "%s%s.cpc", base,
                         base[strlen(base) - 1] == '/' ? "" : "/");
        }
    }
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return CPC_ERR_INVALID;
    }
    /* Drop trailing slashes (but keep "/" itself) so joined paths look clean. */
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
    return 0;
}

int cpc_home_path(char *out, size_t cap, const char *home, const char *rel)
{
    if (!out || cap == 0 || !home || !rel)
        return CPC_ERR_INVALID;
    size_t hl = strlen(home);
    const char *sep = (hl > 0 && home[hl - 1] == '/') ? "" : "/";
    while (*rel == '/')
        rel++;
    int n = snprintf(out, cap, "%s%s%s", home, sep, rel);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return CPC_ERR_TOO_LARGE;
    }
    return 0;
}

/* mkdir one component; an existing directory is fine, anything else there is not. */
static int mkdir_one(const char *path, unsigned mode, struct cpc_err *err)
{
    struct stat st;
    if (mkdir(path, (mode_t)mode) == 0)
        return 0;
    int e = errno;
    if (e == EEXIST) {
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        return cpc_err_set(err, CPC_ERR_IO, "cannot create directory %s: exists and is not a directory",
                           path);
    }
    return cpc_err_set(err, CPC_ERR_IO, "cannot create directory %s: %s", path, strerror(e));
}

int cpc_mkdir_p(const char *path, unsigned mode, struct cpc_err *err)
{
    char buf[CPC_PATH_MAX];
    size_t len;

    if (!path || !path[0])
        return cpc_err_set(err, CPC_ERR_IO, "cannot create directory: empty path");
    len = strlen(path);
    if (len >= sizeof buf)
        return cpc_err_set(err, CPC_ERR_IO, "cannot create directory: path too long (%zu bytes)", len);
    memcpy(buf, path, len + 1);
    while (len > 1 && buf[len - 1] == '/')
        buf[--len] = '\0';

    /* Parents with 0755, skipping the leading '/' and repeated slashes. */
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != '/' || buf[i - 1] == '/')
            continue;
        buf[i] = '\0';
        int rc = mkdir_one(buf, 0755, err);
        buf[i] = '/';
        if (rc)
            return rc;
    }
    return mkdir_one(buf, mode, err);
}

int cpc_home_ensure(const char *home, struct cpc_err *err)
{
    static const struct {
        const char *rel;
        unsigned mode;
    } subdirs[] = {
        {"data", 0700},    /* SQLite: ledger and private platform data */
        {"keyring", 0700}, /* encrypted keys */
        {"outbox", 0755},
    };
    char p[CPC_PATH_MAX];
    int rc;

    if (!home || !home[0])
        return cpc_err_set(err, CPC_ERR_IO, "home folder path is empty");
    rc = cpc_mkdir_p(home, 0755, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        if (cpc_home_path(p, sizeof p, home, subdirs[i].rel))
            return cpc_err_set(err, CPC_ERR_IO, "home folder path too long: %s", home);
        rc = cpc_mkdir_p(p, subdirs[i].mode, err);
        if (rc)
            return rc;
    }
    /* The keyring must stay private even if it pre-existed with looser bits. */
    if (cpc_home_path(p, sizeof p, home, "keyring") == 0) {
        struct stat st;
        if (stat(p, &st) == 0 && (st.st_mode & 077) && chmod(p, 0700) != 0)
            return cpc_err_set(err, CPC_ERR_IO, "cannot restrict permissions of %s: %s", p,
                               strerror(errno));
    }
    return 0;
}

/* write(2) the whole buffer, retrying on EINTR and short writes. */
static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* fsync the directory holding path so a rename into it is durable. */
static int fsync_parent_dir(const char *path)
{
    char dir[CPC_PATH_MAX];
    const char *slash = strrchr(path, '/');
    int fd, rc;

    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int cpc_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                          struct cpc_err *err)
{
    char tmp[CPC_PATH_MAX];
    int fd = -1, rc = CPC_ERR_IO;
    int n;

    if (!path || !path[0])
        return cpc_err_set(err, CPC_ERR_IO, "cannot write file: empty path");
    if (!data && len > 0)
        return cpc_err_set(err, CPC_ERR_IO, "cannot write %s: no data", path);
    n = snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return cpc_err_set(err, CPC_ERR_IO, "cannot write %s: path too long", path);

    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        cpc_err_set(err, CPC_ERR_IO, "cannot create temporary file for %s: %s", path,
                    strerror(errno));
        tmp[0] = '\0';
        goto out;
    }
    if (fchmod(fd, (mode_t)mode) != 0) {
        cpc_err_set(err, CPC_ERR_IO, "cannot set mode of %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (len > 0 && write_all(fd, data, len) != 0) {
        cpc_err_set(err, CPC_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fsync(fd) != 0) {
        cpc_err_set(err, CPC_ERR_IO, "cannot fsync %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        cpc_err_set(err, CPC_ERR_IO, "cannot close %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        cpc_err_set(err, CPC_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    tmp[0] = '\0'; /* now lives at path: nothing to unlink */
    if (fsync_parent_dir(path) != 0) {
        cpc_err_set(err, CPC_ERR_IO, "cannot fsync directory of %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0 && tmp[0])
        unlink(tmp);
    return rc;
}

int cpc_read_file(const char *path, size_t max, char **out, size_t *len, struct cpc_err *err)
{
    int fd = -1, rc = CPC_ERR_IO;
    char *buf = NULL;
    size_t cap, used = 0;
    struct stat st;

    if (!out)
        return cpc_err_set(err, CPC_ERR_IO, "cpc_read_file: no output pointer");
    *out = NULL;
    if (len)
        *len = 0;
    if (!path || !path[0])
        return cpc_err_set(err, CPC_ERR_IO, "cannot read file: empty path");

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return cpc_err_set(err, CPC_ERR_NOT_FOUND, "file not found: %s", path);
        return cpc_err_set(err, CPC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        cpc_err_set(err, CPC_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        cpc_err_set(err, CPC_ERR_IO, "cannot read %s: is a directory", path);
        goto out;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > (uint64_t)max) {
        rc = cpc_err_set(err, CPC_ERR_TOO_LARGE, "file %s is too large (%lld bytes, limit %zu)",
                         path, (long long)st.st_size, max);
        goto out;
    }
    /* Size hint from stat, but read until EOF: the file may change or not be regular. */
    cap = (S_ISREG(st.st_mode) ? (size_t)st.st_size : 4096) + 1;
    if (cap > max + 1)
        cap = max + 1;
    if (cap < 64)
        cap = 64;
    buf = malloc(cap + 1);
    if (!buf) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory reading %s", path);
        goto out;
    }
    for (;;) {
        if (used == cap) {
            if (used > max)
                break;
            size_t ncap = cap * 2;
            if (ncap > max + 1)
                ncap = max + 1;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory reading %s", path);
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            cpc_err_set(err, CPC_ERR_IO, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    if (used > max) {
        rc = cpc_err_set(err, CPC_ERR_TOO_LARGE, "file %s is too large (limit %zu bytes)", path, max);
        goto out;
    }
    buf[used] = '\0';
    *out = buf;
    buf = NULL;
    if (len)
        *len = used;
    rc = 0;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* tmpdir_fixture.c — temporary folders and stderr capture for unit tests
 * (tmpdir_fixture.h). */
#include "tmpdir_fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

char *tmpdir_new(const char *tmpl)
{
    char *dir = strdup(tmpl);
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return NULL;
    }
    return dir;
}

void tmpdir_free(char *dir)
{
    if (!dir)
        return;
    tmpdir_remove(dir);
    free(dir);
}

void tmpdir_remove(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    chmod(path, 0700);
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            tmpdir_remove(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

char *capture_stderr(void (*fn)(const void *arg), const void *arg)
{
    char path[] = "/tmp/cpc-test-stderr-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    if (saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
        if (saved >= 0)
            close(saved);
        close(fd);
        return NULL;
    }
    fn(arg);
    fflush(stderr);
    int restored = dup2(saved, STDERR_FILENO) >= 0;
    close(saved);
    off_t n = lseek(fd, 0, SEEK_END);
    char *buf = restored && n >= 0 ? calloc(1, (size_t)n + 1) : NULL;
    if (buf && pread(fd, buf, (size_t)n, 0) != n) {
        free(buf);
        buf = NULL;
    }
    close(fd);
    return buf;
}

/* tmpdir_fixture.c — temporary folders for unit tests (tmpdir_fixture.h). */
#include "tmpdir_fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

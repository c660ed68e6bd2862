/* home.h — the installation home folder shared by cpcd, cpc-cli and cpc-worker.
 * Resolution: explicit --home flag, else $CPC_HOME, else $HOME/.cpc.
 * Layout: config, genesis.json, data/ (SQLite), keyring/ (0700), outbox/. */
#ifndef CPC_COMMON_HOME_H
#define CPC_COMMON_HOME_H

#include <stddef.h>

#include "../core/err.h"

#define CPC_PATH_MAX 4096

/* Resolve the home path into out (cap bytes). flag may be NULL. Returns 0 or CPC_ERR_INVALID. */
int cpc_home_resolve(char *out, size_t cap, const char *flag);
/* Create home and its subfolders if missing (keyring 0700). Returns 0 or CPC_ERR_IO. */
int cpc_home_ensure(const char *home, struct cpc_err *err);
/* out = home + "/" + rel. Returns 0 or CPC_ERR_TOO_LARGE. */
int cpc_home_path(char *out, size_t cap, const char *home, const char *rel);
/* mkdir -p with mode for the last component. Returns 0 or CPC_ERR_IO. */
int cpc_mkdir_p(const char *path, unsigned mode, struct cpc_err *err);
/* Write data atomically (tmp file + fsync + rename + fsync dir) with mode. Returns 0 or CPC_ERR_IO. */
int cpc_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                          struct cpc_err *err);
/* Read a whole file (max bytes) into a malloc'd NUL-terminated buffer (caller frees).
 * Returns 0, CPC_ERR_NOT_FOUND, CPC_ERR_TOO_LARGE or CPC_ERR_IO. */
int cpc_read_file(const char *path, size_t max, char **out, size_t *len, struct cpc_err *err);

#endif

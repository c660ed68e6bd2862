/* config.h — the INI-style `HOME/config` file.
 *   # comment
 *   [node]
 *   listen = 127.0.0.1:8000
 * Keys before any section belong to section "". Values are trimmed strings.
 * It may hold secrets, so it is created owner-only (CPC_CONFIG_MODE) and
 * cpcd warns at start when others may read it (cpc_config_warn_exposed). */
#ifndef CPC_COMMON_CONFIG_H
#define CPC_COMMON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

struct cpc_config; /* opaque */

/* Load path; a missing file gives an empty config (not an error). Returns 0,
 * CPC_ERR_INVALID (message has line number) or CPC_ERR_IO. Free with cpc_config_free. */
int cpc_config_load(struct cpc_config **out, const char *path, struct cpc_err *err);
/* cpc_config_load of HOME/config; path (cap bytes, may be NULL) receives its
 * path. Errors name the path. Returns 0, CPC_ERR_TOO_LARGE (home too long)
 * or cpc_config_load's errors. Free *out with cpc_config_free. */
int cpc_config_load_home(struct cpc_config **out, const char *home, char *path, size_t cap,
                         struct cpc_err *err);
/* Free; NULL accepted. */
void cpc_config_free(struct cpc_config *c);
/* Value or NULL; the string belongs to c. */
const char *cpc_config_get(const struct cpc_config *c, const char *section, const char *key);
/* Parse an unsigned integer value; returns def if absent; CPC_ERR_INVALID if malformed. */
int cpc_config_get_u64(const struct cpc_config *c, const char *section, const char *key,
                       uint64_t def, uint64_t *out, struct cpc_err *err);

/* The mode HOME/config is created with: owner only, as it may hold secrets ([smtp]
 * password, [platform] jwt_secret). */
#define CPC_CONFIG_MODE 0600
/* Write text (len bytes) to path with mode CPC_CONFIG_MODE, atomically, unless path
 * exists (then it is left as it is; *created = 0; created may be NULL). Returns 0 or
 * CPC_ERR_IO. */
int cpc_config_create(const char *path, const char *text, size_t len, int *created,
                      struct cpc_err *err);
/* When path exists and its group or others have any permission on it, log a warning
 * (log.h) naming path, its mode and the fix, and return 1 (*mode, may be NULL, gets its
 * permission bits); else 0. path is borrowed. */
int cpc_config_warn_exposed(const char *path, unsigned *mode);

#endif

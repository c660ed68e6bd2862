/* config.h — the INI-style `HOME/config` file.
 *   # comment
 *   [node]
 *   listen = 127.0.0.1:8000
 * Keys before any section belong to section "". Values are trimmed strings. */
#ifndef CPC_COMMON_CONFIG_H
#define CPC_COMMON_CONFIG_H

#include <stdint.h>

#include "../core/err.h"

struct cpc_config; /* opaque */

/* Load path; a missing file gives an empty config (not an error). Returns 0,
 * CPC_ERR_INVALID (message has line number) or CPC_ERR_IO. Free with cpc_config_free. */
int cpc_config_load(struct cpc_config **out, const char *path, struct cpc_err *err);
/* Free; NULL accepted. */
void cpc_config_free(struct cpc_config *c);
/* Value or NULL; the string belongs to c. */
const char *cpc_config_get(const struct cpc_config *c, const char *section, const char *key);
/* Parse an unsigned integer value; returns def if absent; CPC_ERR_INVALID if malformed. */
int cpc_config_get_u64(const struct cpc_config *c, const char *section, const char *key,
                       uint64_t def, uint64_t *out, struct cpc_err *err);

#endif

/* uuid.h — RFC 4122 textual UUIDs <-> 16 bytes. */
#ifndef CPC_CORE_UUID_H
#define CPC_CORE_UUID_H

#include <stdint.h>

#define CPC_UUID_STR_LEN 36 /* without NUL */

/* Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case) into 16 bytes.
 * Returns 0 or CPC_ERR_INVALID. */
int cpc_uuid_parse(uint8_t out[16], const char *text);

/* Format 16 bytes as lowercase canonical UUID text; out >= 37 bytes. */
void cpc_uuid_format(char out[CPC_UUID_STR_LEN + 1], const uint8_t in[16]);

#endif

/* support_body.h — the JSON bodies of the support desk (routes_support.c):
 * {"subject","body"} to open a ticket, {"body"} for a message, and
 * {"status"} for an operator's status change.
 *
 * Rules: strict objects (an unknown or duplicate key is refused); subject 1..200
 * bytes of UTF-8 without control characters; body 1..8192 bytes of UTF-8 without
 * NUL or control characters other than tab, CR and LF, not only white space.
 * The text is kept as given and escaped on every JSON output.
 *
 * Ownership: plain data in the caller's struct, no heap; json is borrowed.
 */
#ifndef CPC_PLATFORM_SUPPORT_BODY_H
#define CPC_PLATFORM_SUPPORT_BODY_H

#include <stddef.h>

#include "../core/err.h"
#include "../store/platform_admin_store.h"

/* The largest request body the support routes read: a body of 8192 bytes written
 * entirely as \uXXXX escapes, a subject likewise, and the keys. */
#define CPC_SUPPORT_BODY_MAX (6u * (CPC_PTICKET_BODY_MAX + CPC_PTICKET_SUBJECT_MAX) + 256u)

enum cpc_support_shape {
    CPC_SUPPORT_TICKET,  /* {"subject", "body"} */
    CPC_SUPPORT_MESSAGE, /* {"body"} */
    CPC_SUPPORT_STATUS,  /* {"status": "open"|"pending"|"closed"} */
};

struct cpc_support_body {
    char subject[CPC_PTICKET_SUBJECT_MAX + 1];
    char body[CPC_PTICKET_BODY_MAX + 1];
    char status[8];
};

/* Decode json (len bytes) of shape into *out: 0, or CPC_ERR_INVALID / CPC_ERR_TOO_LARGE
 * with err's message naming the field. */
int cpc_support_body_decode(const char *json, size_t len, enum cpc_support_shape shape,
                            struct cpc_support_body *out, struct cpc_err *err);

#endif

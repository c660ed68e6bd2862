/* fuzz_node_support_body.c — the support desk's body decoder
 * (cpc_support_body_decode), in its three shapes picked by the first byte.
 * Oracle (abort on failure): a success gives fields within their limits
 * (subject 1..200 bytes without control characters, body 1..8192 bytes
 * without NUL, status one of open|pending|closed) that equal the JSON's
 * strings when decoded again by jansson; a failure sets an error message and
 * CPC_ERR_INVALID or CPC_ERR_TOO_LARGE. ASan's leak check covers the JSON it
 * parsed. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/support_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(json_t *j, const char *key, const char *got)
{
    const char *want = json_string_value(json_object_get(j, key));
    if (!want || strcmp(want, got) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum cpc_support_shape shape = (enum cpc_support_shape)(data[0] % 3);
    const char *json = (const char *)data + 1;
    size_t len = size - 1;
    struct cpc_support_body *b = malloc(sizeof *b);
    struct cpc_err err = {0};
    int rc = cpc_support_body_decode(json, len, shape, b, &err);
    if (rc != 0) {
        if ((rc != CPC_ERR_INVALID && rc != CPC_ERR_TOO_LARGE) || !err.msg[0])
            abort();
        free(b);
        return 0;
    }
    json_t *j = json_loadb(json, len, 0, NULL);
    if (!j)
        abort();
    size_t ns = strlen(b->subject), nb = strlen(b->body);
    if (shape == CPC_SUPPORT_TICKET) {
        if (ns < 1 || ns > CPC_PTICKET_SUBJECT_MAX)
            abort();
        for (size_t i = 0; i < ns; i++)
            if ((unsigned char)b->subject[i] < 0x20 || b->subject[i] == 0x7f)
                abort();
        same(j, "subject", b->subject);
    }
    if (shape != CPC_SUPPORT_STATUS) {
        if (nb < 1 || nb > CPC_PTICKET_BODY_MAX)
            abort();
        same(j, "body", b->body);
    } else {
        if (strcmp(b->status, "open") && strcmp(b->status, "pending") &&
            strcmp(b->status, "closed"))
            abort();
    }
    json_decref(j);
    free(b);
    return 0;
}

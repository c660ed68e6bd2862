/* support_body.c — the support desk's JSON bodies (support_body.h). */
#include "support_body.h"

#include <jansson.h>
#include <string.h>

/* 0 when s (n bytes) is text: no NUL, no control character (tab, CR and LF allowed when
 * lines), and not only white space. */
static int text_ok(const char *s, size_t n, int lines)
{
    int visible = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\t' || ((c == '\n' || c == '\r') && lines)) {
            if (!lines)
                return -1;
            continue;
        }
        if (c < 0x20 || c == 0x7f)
            return -1;
        if (c != ' ')
            visible = 1;
    }
    return visible ? 0 : -1;
}

/* The string field key of j into out (cap bytes with the NUL): 0 or an error in err. */
static int text_field(json_t *j, const char *key, size_t max, int lines, char *out,
                      struct cpc_err *err)
{
    json_t *v = json_object_get(j, key);
    if (!json_is_string(v))
        return cpc_err_set(err, CPC_ERR_INVALID, "%s must be a string", key);
    size_t n = json_string_length(v);
    if (n == 0 || n > max)
        return cpc_err_set(err, n ? CPC_ERR_TOO_LARGE : CPC_ERR_INVALID,
                           "%s must be 1..%zu bytes", key, max);
    if (text_ok(json_string_value(v), n, lines) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "%s must be text without control characters, not only spaces", key);
    memcpy(out, json_string_value(v), n);
    out[n] = 0;
    return 0;
}

int cpc_support_body_decode(const char *json, size_t len, enum cpc_support_shape shape,
                            struct cpc_support_body *out, struct cpc_err *err)
{
    memset(out, 0, sizeof *out);
    if (len > CPC_SUPPORT_BODY_MAX)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "body is at most %u bytes",
                           CPC_SUPPORT_BODY_MAX);
    json_error_t je;
    json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return cpc_err_set(err, CPC_ERR_INVALID, "body is not valid JSON: %s", je.text);
    static const char *const keys[][2] = {
        [CPC_SUPPORT_TICKET] = {"subject", "body"},
        [CPC_SUPPORT_MESSAGE] = {"body", NULL},
        [CPC_SUPPORT_STATUS] = {"status", NULL},
    };
    int rc = json_is_object(j) ? 0 : cpc_err_set(err, CPC_ERR_INVALID, "body must be an object");
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        if (rc == 0 && strcmp(k, keys[shape][0]) != 0 &&
            (!keys[shape][1] || strcmp(k, keys[shape][1]) != 0))
            rc = cpc_err_set(err, CPC_ERR_INVALID, "unknown field %.40s", k);
    }
    if (rc == 0 && shape == CPC_SUPPORT_TICKET)
        rc = text_field(j, "subject", CPC_PTICKET_SUBJECT_MAX, 0, out->subject, err);
    if (rc == 0 && shape != CPC_SUPPORT_STATUS)
        rc = text_field(j, "body", CPC_PTICKET_BODY_MAX, 1, out->body, err);
    if (rc == 0 && shape == CPC_SUPPORT_STATUS) {
        rc = text_field(j, "status", sizeof out->status - 1, 0, out->status, err);
        if (rc == 0 && strcmp(out->status, "open") && strcmp(out->status, "pending") &&
            strcmp(out->status, "closed"))
            rc = cpc_err_set(err, CPC_ERR_INVALID, "status must be open, pending or closed");
        if (rc == CPC_ERR_TOO_LARGE)
            rc = cpc_err_set(err, CPC_ERR_INVALID, "status must be open, pending or closed");
    }
    json_decref(j);
    return rc;
}

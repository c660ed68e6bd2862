/* dc_batch_body.c — the bodies of POST /dc/servers/batch and POST
 * /dc/servers/status (dc_batch_body.h).
 *
 * Design note. jansson with JSON_REJECT_DUPLICATES parses the whole body
 * (its bytes are bounded by the route), the top level must be exactly
 * {"servers": [...]} with 1..CPC_PSERVER_BATCH_MAX items, and each item is
 * checked alone so that one answer lists every bad item. The memory held is
 * the parsed tree plus one row per item (about 1 KiB each).
 */
#include "dc_batch_body.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/uuid.h"

static int whole(struct cpc_server_body_err *e, const char *code, const char *msg)
{
    memset(e, 0, sizeof *e);
    e->status = 400;
    snprintf(e->code, sizeof e->code, "%s", code);
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    return -1;
}

/* The "servers" array of a {"servers": [...]} body (borrowed from *root), or NULL with *e. */
static json_t *servers_of(const char *body, size_t len, json_t **root,
                          struct cpc_server_body_err *e)
{
    json_error_t je;
    *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    json_t *arr = NULL;
    if (!*root) {
        whole(e, "invalid_json", "body is not valid JSON");
        return NULL;
    }
    if (json_unpack_ex(*root, &je, JSON_STRICT, "{s:o}", "servers", &arr) != 0 ||
        !json_is_array(arr)) {
        whole(e, "invalid_argument", "body must be {\"servers\": [...]}");
        return NULL;
    }
    size_t n = json_array_size(arr);
    if (n == 0 || n > CPC_PSERVER_BATCH_MAX) {
        char m[80];
        snprintf(m, sizeof m, "servers holds 1..%u items", CPC_PSERVER_BATCH_MAX);
        whole(e, "invalid_argument", m);
        return NULL;
    }
    return arr;
}

static void item_error(json_t *errors, size_t i, const char *field, const char *code,
                       const char *msg)
{
    json_array_append_new(errors, json_pack("{s:I, s:s, s:s, s:s}", "index", (json_int_t)i,
                                            "field", field, "code", code, "message", msg));
}

int cpc_dc_batch_parse(const char *body, size_t len, struct cpc_pserver **rows, size_t *n,
                       json_t **errors, struct cpc_server_body_err *e)
{
    *rows = NULL;
    *n = 0;
    *errors = NULL;
    json_t *root = NULL, *arr = servers_of(body, len, &root, e);
    if (!arr) {
        json_decref(root);
        return -1;
    }
    size_t count = json_array_size(arr);
    struct cpc_pserver *out = calloc(count, sizeof *out);
    json_t *errs = json_array();
    if (!out || !errs) {
        free(out);
        json_decref(errs);
        json_decref(root);
        return whole(e, "out_of_memory", "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        struct cpc_server_bind bind;
        struct cpc_server_body_err ie;
        int op = 0;
        if (cpc_server_body_apply(json_array_get(arr, i), 1, &out[i], &bind, &op, &ie) != 0)
            item_error(errs, i, ie.field, ie.code, ie.msg);
    }
    json_decref(root);
    if (json_array_size(errs) > 0) {
        free(out);
        *errors = errs;
        return 1;
    }
    json_decref(errs);
    *rows = out;
    *n = count;
    return 0;
}

void cpc_dc_status_free(struct cpc_dc_status *s)
{
    if (!s)
        return;
    free(s->ids);
    free(s->maint);
    memset(s, 0, sizeof *s);
}

/* One {"id": uuid, "status": "maintenance"|"active"} item into ids[i], maint[i]; else an
 * error row. */
static void status_item(json_t *it, size_t i, struct cpc_dc_status *s, json_t *errs)
{
    const char *id = NULL, *st = NULL;
    json_error_t je;
    uint8_t u[16];
    if (json_unpack_ex(it, &je, JSON_STRICT, "{s:s, s:s}", "id", &id, "status", &st) != 0)
        return item_error(errs, i, "", "invalid_argument",
                          "each item is {\"id\": server id, \"status\": \"maintenance\"|"
                          "\"active\"}");
    if (strlen(id) != CPC_UUID_STR_LEN || cpc_uuid_parse(u, id) != 0)
        return item_error(errs, i, "id", "invalid_id", "id is not a server id (a UUID)");
    if (strcmp(st, "maintenance") != 0 && strcmp(st, "active") != 0)
        return item_error(errs, i, "status", "invalid_status",
                          "status is \"maintenance\" or \"active\"");
    snprintf(s->ids[i], sizeof s->ids[i], "%s", id);
    s->maint[i] = !strcmp(st, "maintenance");
}

int cpc_dc_status_parse(const char *body, size_t len, struct cpc_dc_status *out,
                        json_t **errors, struct cpc_server_body_err *e)
{
    memset(out, 0, sizeof *out);
    *errors = NULL;
    json_t *root = NULL, *arr = servers_of(body, len, &root, e);
    if (!arr) {
        json_decref(root);
        return -1;
    }
    size_t count = json_array_size(arr);
    out->ids = calloc(count, sizeof *out->ids);
    out->maint = calloc(count, sizeof *out->maint);
    json_t *errs = json_array();
    if (!out->ids || !out->maint || !errs) {
        cpc_dc_status_free(out);
        json_decref(errs);
        json_decref(root);
        return whole(e, "out_of_memory", "out of memory");
    }
    out->n = count;
    for (size_t i = 0; i < count; i++)
        status_item(json_array_get(arr, i), i, out, errs);
    json_decref(root);
    if (json_array_size(errs) > 0) {
        cpc_dc_status_free(out);
        *errors = errs;
        return 1;
    }
    json_decref(errs);
    return 0;
}

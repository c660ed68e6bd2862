/* fuzz_node_rental_body.c — the body validator of POST /rentals
 * (cpc_rental_body_parse) and its image and SSH-key checks. Oracle: a
 * refusal names a code and a message; an accepted order has exactly one of
 * gpu_id (a UUID) or requirements (a listed model or none, an assigned
 * country or none, vram <= 256, count <= 16), hours 1..720, an image that
 * passes the image check with no byte below 0x21 or above 0x7e and at most
 * 255 bytes, and an SSH key that passes the key check, of at most 8 KiB, on
 * one line. The checks agree with themselves on what they accepted. */
#include <stdlib.h>
#include <string.h>

#include "core/uuid.h"
#include "market/rental_body.h"
#include "market/server_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_order(const struct cpc_rental_order *o)
{
    uint8_t u[16];
    if (o->by_id ? cpc_uuid_parse(u, o->server_id) != 0
                 : (o->server_id[0] || (o->model[0] && !cpc_gpu_model_find(o->model)) ||
                    (o->country[0] && !cpc_country_code_ok(o->country)) ||
                    o->min_vram_gb > CPC_SERVER_VRAM_MAX ||
                    o->min_gpu_count > CPC_SERVER_GPUS_MAX))
        abort();
    if (o->hours < 1 || o->hours > CPC_RENTAL_HOURS_MAX || !cpc_rental_image_ok(o->image) ||
        !cpc_rental_ssh_key_ok(o->ssh_public_key) || strlen(o->image) > CPC_PRENTAL_IMAGE_MAX ||
        strlen(o->ssh_public_key) > CPC_PRENTAL_SSH_KEY_MAX || strchr(o->ssh_public_key, '\n'))
        abort();
    for (const char *p = o->image; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the raw bytes as an image and a key: never a crash, never a control byte accepted */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    if (cpc_rental_image_ok(s))
        for (const char *p = s; *p; p++)
            if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
                abort();
    if (cpc_rental_ssh_key_ok(s) && strchr(s, '\n'))
        abort();
    free(s);
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return 0;
    struct cpc_rental_order *o = malloc(sizeof *o);
    struct cpc_rental_body_err e;
    if (o && cpc_rental_body_parse(j, o, &e) == 0)
        check_order(o);
    else if (o && (!e.code[0] || !e.msg[0]))
        abort();
    free(o);
    json_decref(j);
    return 0;
}

/* rental_body.c — the POST /rentals body (rental_body.h). */
#include "rental_body.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/uuid.h"
#include "server_body.h"

static int refuse(struct cpc_rental_body_err *e, const char *code, const char *fmt, ...)
{
    va_list ap;
    snprintf(e->code, sizeof e->code, "%s", code);
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static int is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
static int is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

/* A path part: lower-case alnum runs joined by one '.', one or two '_', or '-'s. */
static int path_part_ok(const char *s, size_t n)
{
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

/* A registry host[:port]: letters, digits, '.', '-', with a '.' or ':' or "localhost". */
static int registry_ok(const char *s, size_t n)
{
    int dot = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.' || c == ':')
            dot = 1;
        else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-'))
            return 0;
    }
    return n > 0 && (dot || (n == 9 && !memcmp(s, "localhost", 9)));
}

int cpc_rental_image_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > CPC_PRENTAL_IMAGE_MAX)
        return 0;
    const char *at = strchr(s, '@');
    size_t end = at ? (size_t)(at - s) : len;
    if (at) { /* @sha256:<64 hex> */
        if (strlen(at) != 8 + 64 || strncmp(at, "@sha256:", 8) != 0)
            return 0;
        for (size_t i = 8; i < 72; i++)
            if (!is_hex(at[i]))
                return 0;
    }
    /* a tag: after the last ':' that follows the last '/' */
    const char *slash = memrchr(s, '/', end);
    const char *colon = memrchr(slash ? slash : s, ':', end - (size_t)((slash ? slash : s) - s));
    if (colon) {
        size_t tl = end - (size_t)(colon + 1 - s);
        if (tl == 0 || tl > 128)
            return 0;
        for (size_t i = 0; i < tl; i++) {
            char c = colon[1 + i];
            if (!is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') && c != '.' && c != '_' && c != '-')
                return 0;
        }
        end = (size_t)(colon - s);
    }
    size_t start = 0;
    const char *first = memchr(s, '/', end);
    if (first && registry_ok(s, (size_t)(first - s)) &&
        (memchr(s, '.', (size_t)(first - s)) || memchr(s, ':', (size_t)(first - s)) ||
         (size_t)(first - s) == 9))
        start = (size_t)(first - s) + 1;
    while (start <= end) { /* path parts split by '/' */
        const char *sl = memchr(s + start, '/', end - start);
        size_t pe = sl ? (size_t)(sl - s) : end;
        if (!path_part_ok(s + start, pe - start))
            return 0;
        if (!sl)
            return 1;
        start = pe + 1;
    }
    return 0;
}

static int is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

int cpc_rental_ssh_key_ok(const char *s)
{
    static const char *const kinds[] = {"ssh-ed25519 ", "ssh-rsa ", "ecdsa-sha2-nistp256 "};
    size_t len = strlen(s), k = 0;
    if (len > CPC_PRENTAL_SSH_KEY_MAX)
        return 0;
    while (k < 3 && strncmp(s, kinds[k], strlen(kinds[k])) != 0)
        k++;
    if (k == 3)
        return 0;
    const char *b = s + strlen(kinds[k]);
    size_t n = 0, pad = 0;
    while (is_b64(b[n]))
        n++;
    while (b[n + pad] == '=' && pad < 2)
        pad++;
    if (n < 16 || (n + pad) % 4 != 0)
        return 0;
    const char *rest = b + n + pad;
    if (*rest == 0)
        return 1;
    if (*rest != ' ')
        return 0;
    for (rest++; *rest; rest++) /* a comment: printable ASCII */
        if ((unsigned char)*rest < 0x20 || (unsigned char)*rest > 0x7e)
            return 0;
    return 1;
}

/* Optional unsigned integer field key of obj in [0, max] into *out. */
static int opt_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *out,
                    struct cpc_rental_body_err *e)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > max)
        return refuse(e, "invalid_requirements", "requirements.%s must be an integer 0..%llu",
                      key, (unsigned long long)max);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int requirements(const json_t *r, struct cpc_rental_order *o, struct cpc_rental_body_err *e)
{
    static const char *const known[] = {"model", "min_vram", "min_count", "max_price", "country"};
    const char *key;
    json_t *v;
    if (!json_is_object(r))
        return refuse(e, "invalid_requirements", "requirements must be an object");
    json_object_foreach((json_t *)r, key, v) {
        size_t i = 0;
        while (i < 5 && strcmp(key, known[i]) != 0)
            i++;
        if (i == 5)
            return refuse(e, "invalid_requirements", "requirements: unknown field");
    }
    const json_t *m = json_object_get(r, "model"), *c = json_object_get(r, "country");
    if (m && (!json_is_string(m) || !cpc_gpu_model_find(json_string_value(m))))
        return refuse(e, "invalid_model",
                      "requirements.model must be one of the models GET /market/prices lists");
    if (c && (!json_is_string(c) || !cpc_country_code_ok(json_string_value(c))))
        return refuse(e, "invalid_country",
                      "requirements.country must be an ISO 3166-1 alpha-2 code in capitals");
    snprintf(o->model, sizeof o->model, "%s", m ? json_string_value(m) : "");
    snprintf(o->country, sizeof o->country, "%s", c ? json_string_value(c) : "");
    uint64_t vram = 0, count = 0;
    if (opt_uint(r, "min_vram", CPC_SERVER_VRAM_MAX, &vram, e) ||
        opt_uint(r, "min_count", CPC_SERVER_GPUS_MAX, &count, e) ||
        opt_uint(r, "max_price", INT64_MAX, &o->max_price, e))
        return -1;
    o->min_vram_gb = (uint32_t)vram;
    o->min_gpu_count = (uint32_t)count;
    return 0;
}

int cpc_rental_body_parse(const json_t *body, struct cpc_rental_order *o,
                          struct cpc_rental_body_err *e)
{
    static const char *const known[] = {"gpu_id", "requirements", "hours", "image",
                                        "ssh_public_key"};
    const char *key;
    json_t *v;
    memset(o, 0, sizeof *o);
    if (!json_is_object(body))
        return refuse(e, "invalid_argument", "body must be a JSON object");
    json_object_foreach((json_t *)body, key, v) {
        size_t i = 0;
        while (i < 5 && strcmp(key, known[i]) != 0)
            i++;
        if (i == 5)
            return refuse(e, "invalid_argument", "unknown field (allowed: gpu_id, requirements, "
                                                 "hours, image, ssh_public_key)");
    }
    const json_t *id = json_object_get(body, "gpu_id"), *req = json_object_get(body, "requirements");
    uint8_t u[16];
    if (!id == !req)
        return refuse(e, "invalid_argument", "give either gpu_id or requirements");
    if (id && (!json_is_string(id) || strlen(json_string_value(id)) != 36 ||
               cpc_uuid_parse(u, json_string_value(id)) != 0))
        return refuse(e, "invalid_gpu_id", "gpu_id must be a server id (UUID)");
    if (id) {
        o->by_id = 1;
        snprintf(o->server_id, sizeof o->server_id, "%s", json_string_value(id));
    } else if (requirements(req, o, e) != 0) {
        return -1;
    }
    const json_t *h = json_object_get(body, "hours");
    if (!json_is_integer(h) || json_integer_value(h) < 1 ||
        json_integer_value(h) > CPC_RENTAL_HOURS_MAX)
        return refuse(e, "invalid_hours", "hours must be an integer 1..%u", CPC_RENTAL_HOURS_MAX);
    o->hours = (uint32_t)json_integer_value(h);
    const json_t *img = json_object_get(body, "image");
    if (img && (!json_is_string(img) || !cpc_rental_image_ok(json_string_value(img))))
        return refuse(e, "invalid_image",
                      "image must be a container reference [registry/]name[:tag][@sha256:...] "
                      "of at most %u characters",
                      CPC_PRENTAL_IMAGE_MAX);
    snprintf(o->image, sizeof o->image, "%s", img ? json_string_value(img) : CPC_RENTAL_DEFAULT_IMAGE);
    const json_t *k = json_object_get(body, "ssh_public_key");
    if (!json_is_string(k) || !cpc_rental_ssh_key_ok(json_string_value(k)))
        return refuse(e, "invalid_ssh_key",
                      "ssh_public_key must be one ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256 "
                      "key line (type, base64, optional comment) of at most 8 KiB");
    snprintf(o->ssh_public_key, sizeof o->ssh_public_key, "%s", json_string_value(k));
    return 0;
}

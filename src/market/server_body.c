/* server_body.c — the body of POST/PUT /provider/servers, the GPU models,
 * the worker binding's signature and the customer's price (server_body.h).
 *
 * Design note. One table of fields drives the validator: each names its
 * JSON key, its kind, its bounds, where it goes in the row and whether a new
 * server needs it. Unknown keys are refused rather than ignored, so a typo
 * ("gpu_modle") is a 400, not a silently missing field. Integers must be JSON
 * integers (no floats, no strings); text must hold no control characters.
 * The first bad field answers; the caller drops the half-filled row.
 */
#include "server_body.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../core/hash.h"
#include "../core/hex.h"
#include "../core/market.h"

static const struct cpc_gpu_model MODELS[] = {
    {"A100 40GB", 250}, {"A100 80GB", 280}, {"A6000", 110},     {"H100 80GB", 560},
    {"H200 141GB", 640}, {"L4", 90},        {"L40S", 330},      {"RTX 3090", 100},
    {"RTX 4090", 170},  {"RTX 5090", 230},  {"T4", 40},         {"V100", 85},
};
#define N_MODELS (sizeof MODELS / sizeof MODELS[0])

const struct cpc_gpu_model *cpc_gpu_models(size_t *n)
{
    *n = N_MODELS;
    return MODELS;
}

const struct cpc_gpu_model *cpc_gpu_model_find(const char *name)
{
    for (size_t i = 0; i < N_MODELS; i++)
        if (!strcmp(MODELS[i].name, name))
            return &MODELS[i];
    return NULL;
}

/* ISO 3166-1 alpha-2, the officially assigned codes. */
static const char COUNTRIES[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

int cpc_country_code_ok(const char *s)
{
    if (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
        return 0;
    for (const char *p = COUNTRIES; *p; p += p[2] ? 3 : 2)
        if (p[0] == s[0] && p[1] == s[1])
            return 1;
    return 0;
}

enum ftype { F_MODEL, F_U32, F_U64, F_TEXT, F_HOST, F_COUNTRY, F_WORKER };

struct field {
    const char *name;
    enum ftype type;
    uint64_t min, max; /* integers: bounds; text: max length */
    size_t off;
    int required;
};

#define AT(m) offsetof(struct cpc_pserver, m)
static const struct field FIELDS[] = {
    {"gpu_model", F_MODEL, 0, 0, AT(gpu_model), 1},
    {"gpu_count", F_U32, 1, CPC_SERVER_GPUS_MAX, AT(gpu_count), 1},
    {"vram_gb", F_U32, 1, CPC_SERVER_VRAM_MAX, AT(vram_gb), 1},
    {"cuda_cores", F_U32, 0, 1000000, AT(cuda_cores), 0},
    {"cpu", F_TEXT, 0, CPC_PSERVER_CPU_MAX, AT(cpu), 0},
    {"ram_gb", F_U32, 1, 65536, AT(ram_gb), 1},
    {"disk_gb", F_U32, 1, 1000000, AT(disk_gb), 1},
    {"host", F_HOST, 1, CPC_PSERVER_HOST_MAX, AT(host), 1},
    {"ssh_port_min", F_U32, 1, 65535, AT(ssh_port_min), 1},
    {"ssh_port_max", F_U32, 1, 65535, AT(ssh_port_max), 1},
    {"country", F_COUNTRY, 0, 0, AT(country), 1},
    {"city", F_TEXT, 0, CPC_PSERVER_CITY_MAX, AT(city), 0},
    {"price_per_gpu_hour", F_U64, 1, CPC_SERVER_PRICE_MAX, AT(price_per_gpu_hour), 1},
    {"worker", F_WORKER, 0, 0, 0, 0},
};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])

static int refuse(struct cpc_server_body_err *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(struct cpc_server_body_err *e, const char *code, const char *fmt, ...)
{
    e->status = 400;
    snprintf(e->code, sizeof e->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static int bad(struct cpc_server_body_err *e, const struct field *f, const char *what)
{
    char code[40];
    snprintf(code, sizeof code, "invalid_%s", f->name);
    return refuse(e, code, "%s must be %s", f->name, what);
}

/* Text of at most max bytes, no control characters (NUL included). */
static int text_ok(const json_t *v, uint64_t max)
{
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > max || strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* A host name or an IPv4/IPv6 address: letters, digits, '.', '-', ':'; no leading '.'/'-'. */
static int host_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CPC_PSERVER_HOST_MAX || s[0] == '.' || s[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':'))
            return 0;
    }
    return 1;
}

static int worker_parse(const json_t *v, struct cpc_server_bind *b, struct cpc_server_body_err *e)
{
    const char *addr = NULL, *pub = NULL, *sig = NULL;
    json_error_t je;
    if (!json_is_object(v) || json_unpack_ex((json_t *)v, &je, JSON_STRICT, "{s:s, s:s, s:s}",
                                             "address", &addr, "pubkey", &pub, "signature",
                                             &sig) != 0)
        return refuse(e, "invalid_worker",
                      "worker must be null or {\"address\": cpc1..., \"pubkey\": 66 hex, "
                      "\"signature\": 128 hex}");
    memset(b, 0, sizeof *b);
    if (strlen(addr) >= sizeof b->address || cpc_address_decode(b->addr_hash, addr) != 0)
        return refuse(e, "invalid_worker", "worker.address is not a cpc1 address");
    snprintf(b->address, sizeof b->address, "%s", addr);
    if (strlen(pub) != 2 * CPC_PUBKEY_LEN ||
        cpc_hex_decode_exact(b->pubkey, CPC_PUBKEY_LEN, pub) != 0 || cpc_pubkey_check(b->pubkey))
        return refuse(e, "invalid_worker",
                      "worker.pubkey must be a compressed secp256k1 key (66 hex characters)");
    if (strlen(sig) != 2 * CPC_SIG_LEN || cpc_hex_decode_exact(b->sig, CPC_SIG_LEN, sig) != 0)
        return refuse(e, "invalid_worker", "worker.signature must be 128 hex characters");
    return 0;
}

/* Apply one known field's value v onto r. */
static int apply_field(const struct field *f, const json_t *v, struct cpc_pserver *r,
                       struct cpc_server_body_err *e)
{
    char *at = (char *)r + f->off;
    char what[96];
    switch (f->type) {
    case F_MODEL: {
        const struct cpc_gpu_model *m = json_is_string(v) ? cpc_gpu_model_find(json_string_value(v))
                                                          : NULL;
        if (!m)
            return refuse(e, "invalid_gpu_model",
                          "gpu_model must be one of the listed models (GET /market/prices "
                          "and docs/api.md), e.g. \"RTX 4090\", \"A100 80GB\", \"H100 80GB\"");
        snprintf(r->gpu_model, sizeof r->gpu_model, "%s", m->name);
        return 0;
    }
    case F_U32:
    case F_U64: {
        snprintf(what, sizeof what, "an integer %" PRIu64 "..%" PRIu64, f->min, f->max);
        json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
        if (x < 0 || (uint64_t)x < f->min || (uint64_t)x > f->max)
            return bad(e, f, what);
        if (f->type == F_U32)
            *(uint32_t *)(void *)at = (uint32_t)x;
        else
            *(uint64_t *)(void *)at = (uint64_t)x;
        return 0;
    }
    case F_TEXT:
        snprintf(what, sizeof what, "a string of at most %" PRIu64 " bytes without control "
                 "characters", f->max);
        if (!text_ok(v, f->max))
            return bad(e, f, what);
        memcpy(at, json_string_value(v), json_string_length(v) + 1);
        return 0;
    case F_HOST:
        if (!json_is_string(v) || !host_ok(json_string_value(v)))
            return bad(e, f, "a host name or IP address (letters, digits, '.', '-', ':'; 1..253 "
                             "characters, no spaces)");
        memcpy(at, json_string_value(v), json_string_length(v) + 1);
        return 0;
    case F_COUNTRY:
        if (!json_is_string(v) || !cpc_country_code_ok(json_string_value(v)))
            return bad(e, f, "an ISO 3166-1 alpha-2 code in capitals, e.g. \"DE\"");
        memcpy(at, json_string_value(v), 3);
        return 0;
    default:
        return 0;
    }
}

int cpc_server_body_apply(const json_t *body, int creating, struct cpc_pserver *r,
                          struct cpc_server_bind *bind, int *bind_op,
                          struct cpc_server_body_err *e)
{
    memset(e, 0, sizeof *e);
    *bind_op = CPC_SERVER_BIND_NONE;
    if (!json_is_object(body))
        return refuse(e, "invalid_argument", "the body must be a JSON object");
    uint32_t seen = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)body, key, v) {
        size_t i = 0;
        while (i < N_FIELDS && strcmp(FIELDS[i].name, key) != 0)
            i++;
        snprintf(e->field, sizeof e->field, "%s", key); /* the field a refusal names */
        if (i == N_FIELDS)
            return refuse(e, "unknown_field", "unknown field \"%.64s\"", key);
        seen |= 1u << i;
        if (FIELDS[i].type != F_WORKER) {
            if (apply_field(&FIELDS[i], v, r, e) != 0)
                return -1;
            continue;
        }
        if (creating)
            return refuse(e, "invalid_worker",
                          "bind a worker with PUT /provider/servers/{id} once the server exists: "
                          "the signature covers its id");
        if (json_is_null(v)) {
            *bind_op = CPC_SERVER_BIND_CLEAR;
        } else {
            if (worker_parse(v, bind, e) != 0)
                return -1;
            *bind_op = CPC_SERVER_BIND_SET;
        }
    }
    for (size_t i = 0; creating && i < N_FIELDS; i++)
        if (FIELDS[i].required && !(seen & (1u << i))) {
            snprintf(e->field, sizeof e->field, "%s", FIELDS[i].name);
            return refuse(e, "missing_field", "%s is required", FIELDS[i].name);
        }
    snprintf(e->field, sizeof e->field, "ssh_port_min");
    if (r->ssh_port_min > r->ssh_port_max)
        return refuse(e, "invalid_ssh_ports", "ssh_port_min (%u) is above ssh_port_max (%u)",
                      r->ssh_port_min, r->ssh_port_max);
    if (r->ssh_port_max - r->ssh_port_min + 1 > CPC_SERVER_PORT_SPAN_MAX)
        return refuse(e, "invalid_ssh_ports", "the SSH port range holds at most %u ports",
                      CPC_SERVER_PORT_SPAN_MAX);
    e->field[0] = 0;
    return 0;
}

void cpc_server_bind_digest(uint8_t out[32], const char *server_id, int64_t owner)
{
    static const char TAG[] = "cpc-server-bind";
    char uid[24];
    int n = snprintf(uid, sizeof uid, "%" PRId64, owner);
    struct cpc_sha256_ctx c;
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, TAG, sizeof TAG - 1);
    cpc_sha256_update(&c, server_id, strlen(server_id));
    cpc_sha256_update(&c, uid, (size_t)n);
    cpc_sha256_final(&c, out);
}

int cpc_server_bind_verify(const struct cpc_server_bind *bind, const char *server_id,
                           int64_t owner, struct cpc_server_body_err *e)
{
    uint8_t h[CPC_ADDR_HASH_LEN], digest[32];
    if (cpc_pubkey_hash(h, bind->pubkey) != 0 || memcmp(h, bind->addr_hash, sizeof h) != 0)
        return refuse(e, "pubkey_mismatch", "worker.pubkey does not hash to worker.address");
    cpc_server_bind_digest(digest, server_id, owner);
    int rc = cpc_verify(bind->sig, digest, bind->pubkey);
    if (rc == CPC_ERR_HIGH_S)
        return refuse(e, "high_s", "worker.signature is not low-S (malleable)");
    if (rc != 0)
        return refuse(e, "bad_signature",
                      "worker.signature does not verify: the worker signs SHA-256(\"cpc-server-"
                      "bind\" || server id || owner's user id in decimal) with its key");
    return 0;
}

uint64_t cpc_server_customer_price(uint64_t amount) { return amount + cpc_commission_of(amount); }

void cpc_server_derive(struct cpc_pserver *r)
{
    const struct cpc_gpu_model *m = cpc_gpu_model_find(r->gpu_model);
    r->price_per_hour = cpc_server_customer_price(r->price_per_gpu_hour * r->gpu_count);
    r->score = (uint64_t)(m ? m->score : 0) * r->gpu_count;
}

/* server_body.h — the providers' GPU servers without HTTP: the body of
 * POST/PUT /provider/servers, the GPU models and their scores, the worker
 * binding's signature and the customer's price (docs/api.md, "GPU servers").
 *
 * Design note. Pure functions over jansson values and plain rows, so the
 * fuzz target (fuzz/fuzz_node_server_body.c) drives the same validator the
 * routes use. A bad body names the first bad field in e (HTTP status, error
 * code, message); the row is then half-filled and must be dropped.
 */
#ifndef CPC_MARKET_SERVER_BODY_H
#define CPC_MARKET_SERVER_BODY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/bech32.h"
#include "../core/keys.h"
#include "../store/platform_store.h"

/* A GPU model the catalogue lists, with its performance score (relative throughput,
 * RTX 3090 = 100; docs/api.md has the table). */
struct cpc_gpu_model {
    const char *name;
    uint32_t score;
};
/* The models (static table); *n = their number. */
const struct cpc_gpu_model *cpc_gpu_models(size_t *n);
/* The model named name exactly, or NULL. */
const struct cpc_gpu_model *cpc_gpu_model_find(const char *name);

#define CPC_SERVER_GPUS_MAX 16u
#define CPC_SERVER_VRAM_MAX 256u
#define CPC_SERVER_PORT_SPAN_MAX 1000u /* ssh_port_max - ssh_port_min + 1 */
#define CPC_SERVER_PRICE_MAX (10000ull * 1000000000ull) /* 10,000 CPC per GPU-hour, base units */

/* Why a body was refused (an HTTP 4xx). */
struct cpc_server_body_err {
    int status;
    char code[40];
    char msg[200];
    char field[32]; /* the body's field it names ("" for the body as a whole) */
};

/* The worker binding of a PUT body: {"address","pubkey","signature"}, decoded. */
struct cpc_server_bind {
    char address[CPC_ADDR_STR_MAX];
    uint8_t addr_hash[CPC_ADDR_HASH_LEN];
    uint8_t pubkey[CPC_PUBKEY_LEN];
    uint8_t sig[CPC_SIG_LEN];
};

#define CPC_SERVER_BIND_NONE 0   /* no "worker" field */
#define CPC_SERVER_BIND_SET 1    /* "worker": {...}: *bind filled */
#define CPC_SERVER_BIND_CLEAR 2  /* "worker": null: unbind */

/* Apply the body (borrowed; an object) onto *r (caller's row). creating: every required
 * field must be there and "worker" is refused (its signature covers the id, which does not
 * exist yet); else each field is optional and only those given change. *bind_op gets a
 * CPC_SERVER_BIND_* and *bind the decoded binding (its signature is not checked here).
 * Returns 0, or -1 with *e filled. */
int cpc_server_body_apply(const json_t *body, int creating, struct cpc_pserver *r,
                          struct cpc_server_bind *bind, int *bind_op,
                          struct cpc_server_body_err *e);

/* SHA-256("cpc-server-bind" || server_id || decimal owner id): what a worker signs. */
void cpc_server_bind_digest(uint8_t out[32], const char *server_id, int64_t owner);
/* Check bind's signature for server_id of owner: 0, or -1 with a 400 in *e. */
int cpc_server_bind_verify(const struct cpc_server_bind *bind, const char *server_id,
                           int64_t owner, struct cpc_server_body_err *e);

/* What a customer pays for amount (base units) due to a provider: amount plus the
 * platform's commission (cpc_commission_of). */
uint64_t cpc_server_customer_price(uint64_t amount);
/* Fill r->price_per_hour (the customer's, whole server) and r->score (model score x
 * gpu_count) from the other fields. */
void cpc_server_derive(struct cpc_pserver *r);
/* 1 if s is an assigned ISO 3166-1 alpha-2 code (two upper-case letters). */
int cpc_country_code_ok(const char *s);

#endif

/* rental_body.h — the body of POST /rentals without HTTP (rental_body.c):
 * {gpu_id | requirements, hours, image?, ssh_public_key} decoded and checked
 * (docs/api.md, "GPU rentals").
 *
 * Design note. A pure function over a jansson value, so the fuzz target
 * (fuzz/fuzz_node_rental_body.c) drives the same validator the route uses.
 * Strings are checked by their bytes (no locale): an image reference is
 * [registry[:port]/]path[:tag][@sha256:64 hex] of lower-case path parts, an
 * SSH key is "ssh-ed25519 | ssh-rsa | ecdsa-sha2-nistp256" + base64 (+ an
 * optional comment of printable ASCII). A bad body names the first bad field
 * in e; the order is then half-filled and must be dropped.
 */
#ifndef CPC_MARKET_RENTAL_BODY_H
#define CPC_MARKET_RENTAL_BODY_H

#include <jansson.h>
#include <stdint.h>

#include "../store/platform_store.h"

#define CPC_RENTAL_HOURS_MAX 720u
#define CPC_RENTAL_DEFAULT_IMAGE "nvidia/cuda:12.4.1-base-ubuntu22.04"

/* A decoded order: by_id with server_id, else the requirements ("" / 0 = any). */
struct cpc_rental_order {
    int by_id;
    char server_id[37];
    char model[CPC_PSERVER_MODEL_MAX + 1];
    char country[3];
    uint32_t min_vram_gb, min_gpu_count;
    uint64_t max_price; /* on the customer's price per hour; 0 = none */
    uint32_t hours;
    char image[CPC_PRENTAL_IMAGE_MAX + 1];
    char ssh_public_key[CPC_PRENTAL_SSH_KEY_MAX + 1];
};

/* Why a body was refused (HTTP 400 with code). */
struct cpc_rental_body_err {
    char code[40];
    char msg[200];
};

/* Decode body (borrowed) into *o (caller's struct): 0, or -1 with *e filled. */
int cpc_rental_body_parse(const json_t *body, struct cpc_rental_order *o,
                          struct cpc_rental_body_err *e);
/* 1 if s is a container image reference as above of at most 255 bytes. */
int cpc_rental_image_ok(const char *s);
/* 1 if s is an accepted SSH public key line of at most 8 KiB. */
int cpc_rental_ssh_key_ok(const char *s);

#endif

/* hex_json.h — bytes as a JSON string of lowercase hex, the form every hash,
 * key and signature takes in the ledger's JSON and the APIs. */
#ifndef CPC_CORE_HEX_JSON_H
#define CPC_CORE_HEX_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* New JSON string of the lowercase hex of b[0..n) (NULL on OOM); the caller
 * owns the reference (json_decref, or hand it to a *_new setter). */
json_t *cpc_hex_json(const uint8_t *b, size_t n);

#endif

/* ledger_json.h — private strict-JSON field helpers for the ledger codecs
 * (tx.c, tx_types.c, block.c, genesis.c). Internal to core (cpc__ prefix).
 *
 * Every getter names the offending field in its error message as
 * "<path>: <problem>", where path is "key" at top level or "prefix.key"
 * ("payload.to: not a valid cpc1 address"). They return 0 or the code given
 * by the caller (usually CPC_ERR_INVALID). Borrowed pointers only: nothing
 * here allocates except cpc_hex_json.
 */
#ifndef CPC_CORE_LEDGER_JSON_H
#define CPC_CORE_LEDGER_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hex_json.h"

/* Maximum length of a field path in messages. */
#define CPC__PATH_MAX 96

/* Write "prefix.key" (or "key" when prefix is NULL/empty) into out. */
void cpc__json_path(char out[CPC__PATH_MAX], const char *prefix, const char *key);

/* j must be an object whose keys are all in the NULL-terminated `allowed` list.
 * Errors: "<where>: expected an object", "<where>: unknown field 'k'". */
int cpc__json_check_object(const json_t *j, const char *where, const char *const *allowed,
                           int code, struct cpc_err *err);

/* Required field lookup: "<path>: missing". */
int cpc__json_req(const json_t *obj, const char *prefix, const char *key, const json_t **out,
                  int code, struct cpc_err *err);

/* String field of 1..max_len bytes with no embedded NUL.
 * *out borrows the JSON string (valid while obj lives). */
int cpc__json_str(const json_t *obj, const char *prefix, const char *key, size_t max_len,
                  const char **out, size_t *out_len, int code, struct cpc_err *err);

/* Integer field in [min, max] (max <= INT64_MAX): wrong type or range fails. */
int cpc__json_u64(const json_t *obj, const char *prefix, const char *key, uint64_t min,
                  uint64_t max, uint64_t *out, int code, struct cpc_err *err);

/* Hex string field decoding to exactly n bytes. */
int cpc__json_hex_exact(const json_t *obj, const char *prefix, const char *key, uint8_t *out,
                        size_t n, int code, struct cpc_err *err);

/* cpc1 address field into a 20-byte hash. */
int cpc__json_addr(const json_t *obj, const char *prefix, const char *key, uint8_t out[20],
                   int code, struct cpc_err *err);

/* Chain id rules: 1..CPC_CHAIN_ID_MAX printable ASCII characters (0x21..0x7e). */
bool cpc__chain_id_valid(const char *s, size_t len);

/* cpc_hex_json (hex_json.h): new JSON string of lowercase hex. */

/* Set key to value in obj, stealing the reference; returns -1 if value is NULL
 * or the set fails (value is released). */
int cpc__json_set(json_t *obj, const char *key, json_t *value);

#endif

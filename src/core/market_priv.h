/* market_priv.h — private helpers shared by the market codec files
 * (contract.c, market_codec.c, market_payloads.c). Internal to core
 * (cpc__mkt_ prefix); nothing here is part of the public market API.
 *
 * Messages follow ledger_json.h: "<path>: <problem>", and every integer
 * range problem reads "<path>: must be MIN..MAX" whether it was found while
 * decoding JSON or while checking a decoded binary record, so a user sees
 * the same words for the same mistake.
 */
#ifndef CPC_CORE_MARKET_PRIV_H
#define CPC_CORE_MARKET_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "err.h"
#include "market.h"

/* Largest integer a JSON view can carry (jansson integers are signed 64-bit). */
#define CPC__MKT_U64_MAX ((uint64_t)INT64_MAX)

/* Set "<path>: must be min..max" with CPC_ERR_INVALID; returns CPC_ERR_INVALID. */
int cpc__mkt_range_err(struct cpc_err *err, const char *path, uint64_t min, uint64_t max);

/* Integer field prefix.key in [min, max]. When absent: *out = def if !required,
 * else "<path>: missing". Wrong type: "<path>: expected an integer". */
int cpc__mkt_uint(const json_t *obj, const char *prefix, const char *key, bool required,
                  uint64_t def, uint64_t min, uint64_t max, uint64_t *out, struct cpc_err *err);

/* A label (gpu model): 0..CPC_GPU_MODEL_MAX printable ASCII characters (0x20..0x7e). */
bool cpc__mkt_label_ok(const char *s, size_t len);
/* Label field prefix.key (optional: absent gives ""), copied into out. */
int cpc__mkt_label(const json_t *obj, const char *prefix, const char *key,
                   char out[CPC_GPU_MODEL_MAX + 1], struct cpc_err *err);
/* Put a label as a var string (at most CPC_GPU_MODEL_MAX bytes of s). */
void cpc__mkt_put_label(struct cpc_buf *b, const char *s);
/* Read a var-string label; returns false when truncated, too long or not a label
 * (sets r->failed only for truncation). */
bool cpc__mkt_read_label(struct cpc_reader *r, char out[CPC_GPU_MODEL_MAX + 1]);

/* JSON string value v (path names it) holding hex of exactly n bytes. */
int cpc__mkt_hex_value(const json_t *v, const char *path, uint8_t *out, size_t n,
                       struct cpc_err *err);
/* Required UUID string field prefix.key: "<path>: not a UUID". */
int cpc__mkt_uuid(const json_t *obj, const char *prefix, const char *key, uint8_t out[16],
                  struct cpc_err *err);
/* New JSON string of the canonical UUID text (NULL on OOM). */
json_t *cpc__mkt_uuid_json(const uint8_t id[16]);
/* New JSON string of the cpc1 address (NULL on OOM). */
json_t *cpc__mkt_addr_json(const uint8_t addr[CPC_ADDR_HASH_LEN]);

/* Big-endian u16 (codec.h has no u16). */
void cpc__mkt_put_u16(struct cpc_buf *b, uint16_t v);
uint16_t cpc__mkt_read_u16(struct cpc_reader *r);

#endif

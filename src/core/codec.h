/* codec.h — the canonical binary encoding used for signing and hashing.
 *
 * Big-endian fixed-width integers; variable byte strings are a u32 length
 * followed by the bytes. A writer grows a heap buffer; a reader walks a
 * caller's buffer and fails (sticky error) on truncation.
 */
#ifndef CPC_CORE_CODEC_H
#define CPC_CORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

struct cpc_buf {
    uint8_t *data;  /* heap, owned by the buf; free with cpc_buf_free */
    size_t len;
    size_t cap;
    int failed;     /* sticky: set when an allocation failed */
};

/* Initialise an empty buffer (no allocation yet). */
void cpc_buf_init(struct cpc_buf *b);
/* Free b->data and reset; safe on an initialised or zeroed buf. */
void cpc_buf_free(struct cpc_buf *b);
/* Append raw bytes / fixed-width big-endian integers / u32-length-prefixed bytes / C string. */
void cpc_buf_put(struct cpc_buf *b, const void *p, size_t n);
void cpc_buf_put_u8(struct cpc_buf *b, uint8_t v);
void cpc_buf_put_u32(struct cpc_buf *b, uint32_t v);
void cpc_buf_put_u64(struct cpc_buf *b, uint64_t v);
void cpc_buf_put_var(struct cpc_buf *b, const void *p, size_t n);
void cpc_buf_put_str(struct cpc_buf *b, const char *s);
/* out = SHA-256 of b's bytes, then free b (always). Returns 0, or CPC_ERR_NOMEM
 * (out untouched) when a write into b had failed. */
int cpc_buf_sha256_free(struct cpc_buf *b, uint8_t out[32]);

struct cpc_reader {
    const uint8_t *p;  /* not owned */
    size_t left;
    int failed;        /* sticky: set on truncation */
};

void cpc_reader_init(struct cpc_reader *r, const void *data, size_t len);
uint8_t cpc_read_u8(struct cpc_reader *r);
uint32_t cpc_read_u32(struct cpc_reader *r);
uint64_t cpc_read_u64(struct cpc_reader *r);
/* Copy n bytes into out; on truncation zero-fills and sets failed. */
void cpc_read_bytes(struct cpc_reader *r, void *out, size_t n);
/* Read a u32-length-prefixed byte string into out (cap); sets failed if it does not fit. Returns length. */
size_t cpc_read_var(struct cpc_reader *r, void *out, size_t cap);

#endif

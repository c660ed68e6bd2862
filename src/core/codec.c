/* codec.c — canonical binary encoding for signing and hashing (see codec.h).
 *
 * Writer: appends big-endian integers and u32-length-prefixed byte strings to
 * a heap buffer that doubles as it grows. An allocation failure (or a length
 * that does not fit the u32 prefix) sets the sticky `failed` flag and later
 * puts are ignored, so callers check once at the end. Reader: walks a
 * caller-owned buffer; reading past the end sets the sticky `failed` flag and
 * returns zeros, so a decoder can read a whole structure and check once.
 */
#include "codec.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hash.h"

void cpc_buf_init(struct cpc_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}

void cpc_buf_free(struct cpc_buf *b)
{
    if (!b)
        return;
    free(b->data);
    cpc_buf_init(b);
}

/* Ensure room for n more bytes; sets failed and returns 0 on failure. */
static int buf_reserve(struct cpc_buf *b, size_t n)
{
    if (b->failed)
        return 0;
    if (n <= b->cap - b->len)
        return 1;
    if (n > SIZE_MAX - b->len) {
        b->failed = 1;
        return 0;
    }
    size_t need = b->len + n;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = (cap > SIZE_MAX / 2) ? need : cap * 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) {
        b->failed = 1;
        return 0;
    }
    b->data = d;
    b->cap = cap;
    return 1;
}

void cpc_buf_put(struct cpc_buf *b, const void *p, size_t n)
{
    if (n == 0 || !buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void cpc_buf_put_u8(struct cpc_buf *b, uint8_t v)
{
    cpc_buf_put(b, &v, 1);
}

void cpc_buf_put_u32(struct cpc_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    cpc_buf_put(b, x, sizeof x);
}

void cpc_buf_put_u64(struct cpc_buf *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (56 - 8 * i));
    cpc_buf_put(b, x, sizeof x);
}

void cpc_buf_put_var(struct cpc_buf *b, const void *p, size_t n)
{
    if (n > UINT32_MAX) {
        b->failed = 1; /* cannot be represented: fail rather than truncate */
        return;
    }
    /* Reserve the whole record so a failure never leaves a dangling prefix. */
    if (!buf_reserve(b, 4 + n))
        return;
    cpc_buf_put_u32(b, (uint32_t)n);
    cpc_buf_put(b, p, n);
}

void cpc_buf_put_str(struct cpc_buf *b, const char *s)
{
    cpc_buf_put_var(b, s ? s : "", s ? strlen(s) : 0);
}

int cpc_buf_sha256_free(struct cpc_buf *b, uint8_t out[32])
{
    int rc = b->failed ? CPC_ERR_NOMEM : 0;
    if (rc == 0)
        cpc_sha256(out, b->data, b->len);
    cpc_buf_free(b);
    return rc;
}

void cpc_reader_init(struct cpc_reader *r, const void *data, size_t len)
{
    r->p = (const uint8_t *)data;
    r->left = data ? len : 0;
    r->failed = 0;
}

/* Consume n bytes: returns a pointer to them, or NULL (and sets failed). */
static const uint8_t *reader_take(struct cpc_reader *r, size_t n)
{
    if (r->failed || n > r->left) {
        r->failed = 1;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

uint8_t cpc_read_u8(struct cpc_reader *r)
{
    const uint8_t *p = reader_take(r, 1);
    return p ? p[0] : 0;
}

uint32_t cpc_read_u32(struct cpc_reader *r)
{
    const uint8_t *p = reader_take(r, 4);
    if (!p)
        return 0;
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint64_t cpc_read_u64(struct cpc_reader *r)
{
    const uint8_t *p = reader_take(r, 8);
    if (!p)
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

void cpc_read_bytes(struct cpc_reader *r, void *out, size_t n)
{
    const uint8_t *p = reader_take(r, n);
    if (n == 0)
        return;
    if (p)
        memcpy(out, p, n);
    else
        memset(out, 0, n);
}

size_t cpc_read_var(struct cpc_reader *r, void *out, size_t cap)
{
    uint32_t n = cpc_read_u32(r);
    if (r->failed)
        return 0;
    if (n > cap || n > r->left) {
        r->failed = 1;
        return 0;
    }
    cpc_read_bytes(r, out, n);
    return n;
}

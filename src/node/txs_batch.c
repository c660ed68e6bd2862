/* txs_batch.c — split and decode a POST /txs body of canonical SUBMIT_RESULT
 * texts (txs_batch.h).
 *
 * The split finds each element's closing brace with a small scanner that
 * knows JSON strings (escapes included), so a brace inside a string cannot end
 * an element early; each element is then handed whole to
 * cpc_tx_from_json_canonical, which accepts nothing but the exact canonical
 * bytes. The envelope is matched literally. Any surprise means "fall back":
 * this path never produces an error of its own.
 */
#include "txs_batch.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"

static bool ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Index just past the object that starts at s[0] == '{', or 0 when unbalanced. */
static size_t object_end(const char *s, size_t len)
{
    size_t depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{') {
            depth++;
        } else if (c == '}') {
            if (depth == 0)
                return 0;
            if (--depth == 0)
                return i + 1;
        }
    }
    return 0;
}

int cpc_txs_batch_canonical(const char *body, size_t len, size_t max, struct cpc_tx **txs,
                            size_t *n)
{
    *txs = NULL;
    *n = 0;
    size_t a = 0, b = len;
    while (a < b && ws(body[a]))
        a++;
    while (b > a && ws(body[b - 1]))
        b--;
    static const char WRAP[] = "{\"txs\":[";
    bool wrapped = b - a >= sizeof WRAP - 1 && memcmp(body + a, WRAP, sizeof WRAP - 1) == 0;
    if (wrapped) {
        a += sizeof WRAP - 1;
        if (b - a < 2 || body[b - 1] != '}' || body[b - 2] != ']')
            return CPC_TXS_BATCH_FALLBACK;
        b -= 2;
    } else {
        if (b - a < 2 || body[a] != '[' || body[b - 1] != ']')
            return CPC_TXS_BATCH_FALLBACK;
        a++;
        b--;
    }
    /* one pass: find each element's end and decode it (the array grows by doubling) */
    struct cpc_tx *v = NULL;
    size_t count = 0, cap = 0;
    for (size_t i = a; i < b;) {
        size_t e = body[i] == '{' ? object_end(body + i, b - i) : 0;
        if (e == 0 || count == max || (i + e < b && (body[i + e] != ',' || i + e + 1 == b)))
            goto fallback;
        if (count == cap) {
            size_t nc = cap ? 2 * cap : 16;
            struct cpc_tx *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                free(v);
                return CPC_ERR_NOMEM;
            }
            v = nv;
            cap = nc;
        }
        if (cpc_tx_from_json_canonical(&v[count], body + i, e) != 0)
            goto fallback;
        count++;
        i += e + 1; /* the comma, or past b at the end */
    }
    if (count == 0)
        goto fallback;
    *txs = v;
    *n = count;
    return 0;
fallback:
    free(v);
    return CPC_TXS_BATCH_FALLBACK;
}

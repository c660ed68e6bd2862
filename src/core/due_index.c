/* due_index.c — see due_index.h. */
#include "due_index.h"

#include <string.h>

#include "codec.h"
#include "market_apply.h"

int cpc_due_cursor_get(const struct cpc_overlay *ov, const struct cpc_due_index *ix,
                       struct cpc_due_cursor *c, struct cpc_err *err)
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_overlay_obj_get(ov, &ix->cursor_key, 1, &b);
    memset(c, 0, sizeof *c);
    if (rc == 0) {
        struct cpc_reader r;
        cpc_reader_init(&r, b.data, b.len);
        c->slot = cpc_read_u64(&r);
        c->entry = cpc_read_u32(&r);
        c->present = 1;
        if (r.failed || r.left)
            rc = cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt %s cursor", ix->what);
    } else if (rc == CPC_ERR_NOT_FOUND) {
        rc = 0;
    } else {
        rc = cpc_err_set(err, rc, "cannot read the %s cursor", ix->what);
    }
    cpc_buf_free(&b);
    return rc;
}

int cpc_due_cursor_put(struct cpc_overlay *ov, const struct cpc_due_index *ix,
                       const struct cpc_due_cursor *c, struct cpc_err *err)
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_buf_put_u64(&b, c->slot);
    cpc_buf_put_u32(&b, c->entry);
    return cpc__market_put_encoded(ov, &ix->cursor_key, 1, &b, err);
}

int cpc_due_count_get(const struct cpc_overlay *ov, const struct cpc_due_index *ix,
                      uint64_t slot, uint32_t *count, struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_overlay_obj_get(ov, key, ix->count_key(key, slot), &b);
    *count = 0;
    if (rc == 0) {
        struct cpc_reader r;
        cpc_reader_init(&r, b.data, b.len);
        *count = cpc_read_u32(&r);
        if (r.failed || r.left)
            rc = cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt %s count", ix->what);
    } else if (rc == CPC_ERR_NOT_FOUND) {
        rc = 0;
    } else {
        rc = cpc_err_set(err, rc, "cannot read the %s count", ix->what);
    }
    cpc_buf_free(&b);
    return rc;
}

int cpc_due_drop(struct cpc_overlay *ov, const struct cpc_due_index *ix, uint64_t slot,
                 uint32_t from, uint32_t end, int all, struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    for (uint32_t bk = from / ix->bucket; end > 0 && bk <= (end - 1) / ix->bucket; bk++)
        if (cpc_overlay_obj_del(ov, key, ix->bucket_key(key, slot, bk)) != 0)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (all && cpc_overlay_obj_del(ov, key, ix->count_key(key, slot)) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return 0;
}

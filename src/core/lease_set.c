/* lease_set.c — one validator signature over all the tasks of one lease answer
 * (market.h, "lease sets"): the set's Merkle root, each member's path, the
 * signed digest, and the JSON of a member's extra lease fields.
 *
 * The chain-side check (market_apply.c) folds a result's path back to the
 * root, rebuilds the digest and verifies the one signature, so a forged index,
 * size or path changes the digest and fails like a forged signature.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hash.h"
#include "hex.h"
#include "ledger_json.h"
#include "market.h"
#include "merkle.h"

void cpc_lease_set_item(uint8_t out[32], const uint8_t task_id[16])
{
    static const char TAG[] = "cpc-lease-task";
    cpc_sha256_2(out, TAG, sizeof TAG - 1, task_id, 16);
}

void cpc_lease_set_digest(uint8_t out[32], const char *chain_id,
                          const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires,
                          uint16_t size, const uint8_t root[32])
{
    static const char TAG[] = "cpc-lease-set";
    struct cpc_sha256_ctx c;
    size_t n = chain_id ? strlen(chain_id) : 0;
    uint8_t len_be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    uint8_t tail[10];
    for (int i = 0; i < 8; i++)
        tail[i] = (uint8_t)(expires >> (56 - 8 * i));
    tail[8] = (uint8_t)(size >> 8);
    tail[9] = (uint8_t)size;
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, TAG, sizeof TAG - 1);
    cpc_sha256_update(&c, len_be, 4);
    if (n)
        cpc_sha256_update(&c, chain_id, n);
    cpc_sha256_update(&c, worker, CPC_ADDR_HASH_LEN);
    cpc_sha256_update(&c, tail, sizeof tail);
    cpc_sha256_update(&c, root, 32);
    cpc_sha256_final(&c, out);
}

int cpc_lease_set_ref_check(const struct cpc_lease_set_ref *ref)
{
    static const uint8_t zero[32];
    if (ref->size == 0 || ref->size > CPC_LEASE_SET_MAX || ref->index >= ref->size)
        return CPC_ERR_INVALID;
    if (ref->depth != cpc_merkle_depth(ref->size, ref->index))
        return CPC_ERR_INVALID;
    for (size_t k = ref->depth; k < CPC_LEASE_PATH_MAX; k++)
        if (memcmp(ref->path[k], zero, 32) != 0)
            return CPC_ERR_INVALID;
    return 0;
}

int cpc_lease_set_fold(uint8_t root[32], const uint8_t task_id[16],
                       const struct cpc_lease_set_ref *ref)
{
    if (cpc_lease_set_ref_check(ref) != 0)
        return CPC_ERR_INVALID;
    struct cpc_merkle_proof p;
    p.index = ref->index;
    p.n_leaves = ref->size;
    p.depth = ref->depth;
    memcpy(p.siblings, ref->path, (size_t)ref->depth * 32);
    uint8_t item[32];
    cpc_lease_set_item(item, task_id);
    return cpc_merkle_fold(root, item, &p) == 0 ? 0 : CPC_ERR_INVALID;
}

int cpc_lease_set_build(uint8_t root[32], struct cpc_lease_set_ref *refs,
                        const uint8_t (*task_ids)[16], size_t n)
{
    if (n == 0 || n > CPC_LEASE_SET_MAX)
        return CPC_ERR_INVALID;
    uint8_t(*items)[32] = malloc(n * 32);
    uint8_t(*paths)[32] = malloc(n * CPC_LEASE_PATH_MAX * 32);
    int rc = CPC_ERR_NOMEM;
    if (items && paths) {
        for (size_t i = 0; i < n; i++)
            cpc_lease_set_item(items[i], task_ids[i]);
        rc = cpc_merkle_tree(root, (const uint8_t(*)[32])items, n, CPC_LEASE_PATH_MAX, paths);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct cpc_lease_set_ref *r = &refs[i];
        memset(r, 0, sizeof *r);
        r->index = (uint16_t)i;
        r->size = (uint16_t)n;
        r->depth = (uint8_t)cpc_merkle_depth(n, i);
        memcpy(r->path, paths[i * CPC_LEASE_PATH_MAX], (size_t)r->depth * 32);
    }
    free(items);
    free(paths);
    return rc;
}

int cpc_lease_set_member_digest(uint8_t out[32], const char *chain_id, const uint8_t task_id[16],
                                const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires,
                                const struct cpc_lease_set_ref *ref)
{
    uint8_t root[32];
    if (cpc_lease_set_fold(root, task_id, ref) != 0)
        return CPC_ERR_INVALID;
    cpc_lease_set_digest(out, chain_id, worker, expires, ref->size, root);
    return 0;
}

int cpc_lease_set_verify(const uint8_t sig[CPC_SIG_LEN], const uint8_t validator_pub[CPC_PUBKEY_LEN],
                         const char *chain_id, const uint8_t task_id[16],
                         const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires,
                         const struct cpc_lease_set_ref *ref)
{
    uint8_t d[32];
    if (cpc_lease_set_member_digest(d, chain_id, task_id, worker, expires, ref) != 0)
        return CPC_ERR_UNAUTHORIZED;
    return cpc_verify(sig, d, validator_pub) == 0 ? 0 : CPC_ERR_UNAUTHORIZED;
}

int cpc_lease_set_to_json(json_t *lease, const struct cpc_lease_set_ref *ref)
{
    size_t depth = ref->depth <= CPC_LEASE_PATH_MAX ? ref->depth : CPC_LEASE_PATH_MAX;
    if (cpc__json_set(lease, "index", json_integer(ref->index)) ||
        cpc__json_set(lease, "size", json_integer(ref->size)) ||
        cpc__json_set(lease, "path", cpc_hex_json(&ref->path[0][0], depth * 32)))
        return CPC_ERR_NOMEM;
    return 0;
}

int cpc_lease_set_from_json(struct cpc_lease_set_ref *ref, int *present, const json_t *lease,
                            const char *where, int E, struct cpc_err *err)
{
    const json_t *ji = json_object_get(lease, "index"), *js = json_object_get(lease, "size"),
                 *jp = json_object_get(lease, "path");
    memset(ref, 0, sizeof *ref);
    *present = 0;
    if (!ji && !js && !jp)
        return 0;
    if (!ji || !js || !jp)
        return cpc_err_set(err, E, "%s: index, size and path go together", where);
    uint64_t size, index;
    int rc;
    if ((rc = cpc__json_u64(lease, where, "size", 1, CPC_LEASE_SET_MAX, &size, E, err)) ||
        (rc = cpc__json_u64(lease, where, "index", 0, size - 1, &index, E, err)))
        return rc;
    ref->size = (uint16_t)size;
    ref->index = (uint16_t)index;
    ref->depth = (uint8_t)cpc_merkle_depth(size, index);
    if (ref->depth == 0) { /* a lone task or a promoted last one: no siblings */
        if (!json_is_string(jp) || json_string_length(jp) != 0)
            return cpc_err_set(err, E, "%s.path: expected \"\" (no siblings at index %u of %u)",
                               where, (unsigned)index, (unsigned)size);
    } else if ((rc = cpc__json_hex_exact(lease, where, "path", &ref->path[0][0],
                                         (size_t)ref->depth * 32, E, err))) {
        return rc;
    }
    *present = 1;
    return 0;
}

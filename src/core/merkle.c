/* merkle.c — domain-separated binary Merkle trees and inclusion proofs (see merkle.h).
 *
 * Used for block tx_root / compute_root and for matmul row commitments, where
 * a worker opens a few rows with proofs. Leaf = SHA256(0x00 || item), node =
 * SHA256(0x01 || left || right); an odd node at the end of a level is promoted
 * unchanged to the next level (never duplicated). The root of an empty tree is
 * 32 zero bytes. Building works level by level in one heap array of n hashes.
 * A proof lists only the siblings actually hashed (promotions add none), so
 * verification needs the tree size to know where promotions happen.
 */
#include "merkle.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hash.h"

static void hash_leaf(uint8_t out[32], const uint8_t item[32])
{
    static const uint8_t prefix = 0x00;
    cpc_sha256_2(out, &prefix, 1, item, 32);
}

static void hash_node(uint8_t out[32], const uint8_t left[32], const uint8_t right[32])
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, left, 32);
    memcpy(buf + 33, right, 32);
    cpc_sha256(out, buf, sizeof buf);
}

/* Allocate the leaf level (n >= 1). Returns NULL on overflow/out of memory. */
static uint8_t (*leaf_level(const uint8_t (*items)[32], size_t n))[32]
{
    if (n > SIZE_MAX / 32)
        return NULL;
    uint8_t (*lvl)[32] = malloc(n * 32);
    if (!lvl)
        return NULL;
    for (size_t i = 0; i < n; i++)
        hash_leaf(lvl[i], items[i]);
    return lvl;
}

/* Replace lvl[0..m) by the next level in place; returns its size. */
static size_t next_level(uint8_t (*lvl)[32], size_t m)
{
    size_t j = 0;
    for (size_t i = 0; i + 1 < m; i += 2)
        hash_node(lvl[j++], lvl[i], lvl[i + 1]);
    if (m % 2)
        memmove(lvl[j++], lvl[m - 1], 32); /* odd node promoted */
    return j;
}

void cpc_merkle_leaf(uint8_t out[32], const uint8_t item[32])
{
    hash_leaf(out, item);
}

void cpc_merkle_root_of_leaves(uint8_t root[32], uint8_t (*nodes)[32], size_t n)
{
    if (n == 0) {
        memset(root, 0, 32);
        return;
    }
    size_t m = n;
    while (m > 1)
        m = next_level(nodes, m);
    memcpy(root, nodes[0], 32);
}

int cpc_merkle_root(uint8_t root[32], const uint8_t (*items)[32], size_t n)
{
    if (n == 0) {
        memset(root, 0, 32);
        return CPC_OK;
    }
    uint8_t (*lvl)[32] = leaf_level(items, n);
    if (!lvl)
        return CPC_ERR_NOMEM;
    size_t m = n;
    while (m > 1)
        m = next_level(lvl, m);
    memcpy(root, lvl[0], 32);
    free(lvl);
    return CPC_OK;
}

int cpc_merkle_prove(struct cpc_merkle_proof *proof, const uint8_t (*items)[32],
                     size_t n, size_t index)
{
    if (!proof || index >= n)
        return CPC_ERR_INVALID;
    memset(proof, 0, sizeof *proof);
    uint8_t (*lvl)[32] = leaf_level(items, n);
    if (!lvl)
        return CPC_ERR_NOMEM;
    proof->index = index;
    proof->n_leaves = n;
    size_t m = n, idx = index, depth = 0;
    while (m > 1) {
        size_t sib = idx ^ 1u;
        if (sib < m) /* else idx is the promoted odd node: no sibling */
            memcpy(proof->siblings[depth++], lvl[sib], 32);
        m = next_level(lvl, m);
        idx /= 2;
    }
    proof->depth = depth;
    free(lvl);
    return CPC_OK;
}

int cpc_merkle_fold(uint8_t root[32], const uint8_t item[32], const struct cpc_merkle_proof *proof)
{
    if (!root || !item || !proof)
        return CPC_ERR_INVALID;
    if (proof->n_leaves == 0 || proof->index >= proof->n_leaves ||
        proof->depth > CPC_MERKLE_MAX_DEPTH)
        return CPC_ERR_INVALID;
    uint8_t h[32];
    hash_leaf(h, item);
    size_t m = proof->n_leaves, idx = proof->index, k = 0;
    while (m > 1) {
        if (idx & 1u) {
            if (k >= proof->depth)
                return CPC_ERR_INVALID;
            hash_node(h, proof->siblings[k++], h);
        } else if (idx + 1 < m) {
            if (k >= proof->depth)
                return CPC_ERR_INVALID;
            hash_node(h, h, proof->siblings[k++]);
        } /* else: promoted, no hashing at this level */
        idx /= 2;
        m = m / 2 + m % 2;
    }
    if (k != proof->depth)
        return CPC_ERR_INVALID;
    memcpy(root, h, 32);
    return CPC_OK;
}

int cpc_merkle_verify(const uint8_t root[32], const uint8_t item[32],
                      const struct cpc_merkle_proof *proof)
{
    uint8_t h[32];
    if (!root || cpc_merkle_fold(h, item, proof) != CPC_OK)
        return CPC_ERR_INVALID;
    return memcmp(h, root, 32) == 0 ? CPC_OK : CPC_ERR_INVALID;
}

size_t cpc_merkle_depth(size_t n, size_t index)
{
    size_t depth = 0;
    for (size_t m = n, idx = index; m > 1; m = m / 2 + m % 2, idx /= 2)
        if ((idx ^ 1u) < m)
            depth++;
    return depth;
}

int cpc_merkle_tree(uint8_t root[32], const uint8_t (*items)[32], size_t n,
                    size_t max_depth, uint8_t (*paths)[32])
{
    if (n == 0)
        return CPC_ERR_INVALID;
    /* every level kept: level sizes n, ceil(n/2), ... sum to < 2n + depth */
    size_t total = 0;
    for (size_t m = n; ; m = m / 2 + m % 2) {
        total += m;
        if (m == 1)
            break;
    }
    if (total > SIZE_MAX / 32)
        return CPC_ERR_NOMEM;
    uint8_t(*t)[32] = malloc(total * 32);
    if (!t)
        return CPC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        hash_leaf(t[i], items[i]);
    size_t off = 0;
    for (size_t m = n; m > 1; m = m / 2 + m % 2) {
        uint8_t(*lvl)[32] = t + off, (*up)[32] = t + off + m;
        for (size_t i = 0; i + 1 < m; i += 2)
            hash_node(up[i / 2], lvl[i], lvl[i + 1]);
        if (m % 2)
            memcpy(up[m / 2], lvl[m - 1], 32);
        off += m;
    }
    memcpy(root, t[total - 1], 32);
    for (size_t i = 0; paths && i < n; i++) {
        size_t k = 0, o = 0;
        for (size_t m = n, idx = i; m > 1; o += m, m = m / 2 + m % 2, idx /= 2)
            if ((idx ^ 1u) < m && k < max_depth)
                memcpy(paths[i * max_depth + k++], t[o + (idx ^ 1u)], 32);
    }
    free(t);
    return CPC_OK;
}

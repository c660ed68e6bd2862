/* merkle.h — binary Merkle trees over 32-byte leaves with inclusion proofs.
 *
 * Domain-separated (RFC 6962 style): leaf = SHA256(0x00 || data), node =
 * SHA256(0x01 || left || right). An odd node at the end of a level is
 * promoted unchanged (no duplication, so no CVE-2012-2459 ambiguity).
 * The root of zero leaves is 32 zero bytes. Callers pass leaf *data hashes*
 * (32 bytes each); this module applies the 0x00 leaf prefix itself.
 */
#ifndef CPC_CORE_MERKLE_H
#define CPC_CORE_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define CPC_MERKLE_MAX_DEPTH 64

/* root = Merkle root of n 32-byte items. Returns 0 or CPC_ERR_NOMEM. */
int cpc_merkle_root(uint8_t root[32], const uint8_t (*items)[32], size_t n);

/* out = the level-0 node of one item, SHA256(0x00 || item), for callers that
 * cache leaves between roots. */
void cpc_merkle_leaf(uint8_t out[32], const uint8_t item[32]);
/* root = Merkle root over the level-0 nodes[0..n) (each from cpc_merkle_leaf):
 * the same root as cpc_merkle_root over the items. nodes is overwritten (used
 * as the work area); nothing is allocated. */
void cpc_merkle_root_of_leaves(uint8_t root[32], uint8_t (*nodes)[32], size_t n);

struct cpc_merkle_proof {
    size_t index;                               /* leaf index */
    size_t n_leaves;                            /* tree size */
    size_t depth;                               /* number of siblings used */
    uint8_t siblings[CPC_MERKLE_MAX_DEPTH][32]; /* bottom-up */
};

/* Build the inclusion proof of items[index]. Returns 0, CPC_ERR_INVALID (index >= n) or CPC_ERR_NOMEM. */
int cpc_merkle_prove(struct cpc_merkle_proof *proof, const uint8_t (*items)[32],
                     size_t n, size_t index);

/* Returns 0 if item (32 bytes) at proof->index is included under root, else CPC_ERR_INVALID. */
int cpc_merkle_verify(const uint8_t root[32], const uint8_t item[32],
                      const struct cpc_merkle_proof *proof);

/* root <- the root that item at proof->index folds up to along the proof (the
 * same walk as cpc_merkle_verify, for callers that sign or look up the root).
 * Returns 0, or CPC_ERR_INVALID when the proof is malformed for its tree size. */
int cpc_merkle_fold(uint8_t root[32], const uint8_t item[32], const struct cpc_merkle_proof *proof);

/* Number of siblings in the proof of leaf index in a tree of n leaves. */
size_t cpc_merkle_depth(size_t n, size_t index);

/* Build the tree once: root, and when paths is not NULL every leaf's siblings
 * (bottom-up, as in cpc_merkle_proof) at paths[i * max_depth + 0 ..
 * cpc_merkle_depth(n, i)), caller's buffer of n * max_depth entries (siblings
 * past max_depth are dropped; callers size it from cpc_merkle_depth).
 * O(n) hashes for all n proofs. Returns 0, CPC_ERR_INVALID (n == 0) or
 * CPC_ERR_NOMEM. */
int cpc_merkle_tree(uint8_t root[32], const uint8_t (*items)[32], size_t n,
                    size_t max_depth, uint8_t (*paths)[32]);

#endif

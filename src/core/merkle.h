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

#endif

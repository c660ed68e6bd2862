/* txs_batch.h — the fast path of POST /txs: a batch whose every element is the
 * canonical text of a SUBMIT_RESULT (what cpc-worker and the bench send) is
 * split and decoded without building a jansson tree. Any other body goes the
 * ordinary way (json_loadb + cpc_tx_from_json), which owns every error
 * message; for the bodies accepted here both ways give the same txs
 * (tests/unit/test_node_txs_batch.c, fuzz/fuzz_node_txs_batch.c).
 */
#ifndef CPC_NODE_TXS_BATCH_H
#define CPC_NODE_TXS_BATCH_H

#include <stddef.h>

#include "../core/tx.h"

#define CPC_TXS_BATCH_FALLBACK 1

/* Decode body when it is exactly [T,...] or {"txs":[T,...]} (whitespace allowed
 * only before and after the whole body) with 1..max elements T, each accepted by
 * cpc_tx_from_json_canonical. On 0, *txs (heap array of *n txs owning no ext;
 * the caller free()s it) and *n are set. Returns 0, CPC_TXS_BATCH_FALLBACK
 * (take the jansson path; nothing allocated) or CPC_ERR_NOMEM. */
int cpc_txs_batch_canonical(const char *body, size_t len, size_t max, struct cpc_tx **txs,
                            size_t *n);

#endif

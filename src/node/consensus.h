/* consensus.h — how blocks get ordered. `solo` (one validator, proof of
 * authority) is the default; a cluster engine (etcd Raft ordering) plugs in
 * here with the same two calls. */
#ifndef CPC_NODE_CONSENSUS_H
#define CPC_NODE_CONSENSUS_H

#include "../core/err.h"

struct cpc_node;

struct cpc_consensus_ops {
    const char *name;
    /* Start producing/following blocks for n (spawns its thread). */
    int (*start)(struct cpc_node *n, struct cpc_err *err);
    /* Stop and join; idempotent. */
    void (*stop)(struct cpc_node *n);
};

extern const struct cpc_consensus_ops cpc_consensus_solo;

/* Produce one block now from the mempool (used by solo; exposed for tests).
 * Returns 0 (block committed), or an error (nothing changed). */
int cpc_produce_block(struct cpc_node *n, uint64_t time_ms, struct cpc_err *err);

#endif

/* daemon.h — cpcd as one process: the chain node (node/node.h) with the
 * rooms above it, the platform (accounts, wallet) and the market (scheduler,
 * worker API, blobs, legacy API), served over one HTTP server.
 *
 * The daemon owns everything it opens: cpc_daemon_close frees it all, the
 * node included. The rooms' handles live in the node's opaque pointers
 * (n->platform, n->scheduler, ...) because every handler gets the node as
 * its request's app pointer. */
#ifndef CPC_CPCD_DAEMON_H
#define CPC_CPCD_DAEMON_H

#include "../node/node.h"

/* Open the node (cpc_node_open), then the scheduler, worker auth, lease
 * cache, platform, blobs and legacy API, and wire the node's hooks to them.
 * Serves nothing yet. Caller closes with cpc_daemon_close, also on failure. */
int cpc_daemon_open(struct cpc_node *n, const struct cpc_node_config *cfg, struct cpc_err *err);

/* Start the platform's and the blobs' background work, the HTTP server
 * (cpcd/routes.h) and the block producer. On failure what started is stopped. */
int cpc_daemon_start(struct cpc_node *n, struct cpc_err *err);

/* Stop producing and serving (idempotent); the handles stay open. */
void cpc_daemon_stop(struct cpc_node *n);

/* Stop, then free everything cpc_daemon_open opened; safe after a failed open. */
void cpc_daemon_close(struct cpc_node *n);

#endif

/* node.h — the chain node: genesis, store, committed state, mempool, block
 * producer, and the lifecycle of those. The daemon (src/cpcd/daemon.h) opens
 * a node and then the rooms above it (platform, market), whose handles it
 * keeps in the node's opaque pointers so every handler reaches them from
 * its request.
 *
 * Threads: the HTTP pool serves requests (reads take the state read lock,
 * writes go through the mempool); one consensus thread (solo producer)
 * builds, persists and applies blocks. The producer is the only writer of
 * `state`, `latest` and the store; it takes the write lock only to merge a
 * block's delta after the block is durably committed.
 */
#ifndef CPC_NODE_NODE_H
#define CPC_NODE_NODE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../common/home.h"
#include "../common/keyring.h"
#include "../core/apply.h"
#include "../core/genesis.h"
#include "../store/store.h"

struct cpc_mempool;
struct cpc_httpd;
struct cpc_sse_hub;
struct cpc_metrics;
struct cpc_consensus_ops;
struct cpc_scheduler;
struct cpc_worker_auth;
struct cpc_platform;
struct cpc_static_site;

struct cpc_node_config {
    char home[CPC_PATH_MAX];
    char listen[128];            /* default 127.0.0.1:8000 */
    uint64_t block_time_ms;      /* default 1000 */
    uint64_t mempool_max;        /* default 100000 txs */
    uint64_t mempool_future_max; /* txs above a missing nonce, whole pool; default mempool_max/10 */
    uint64_t mempool_future_per_account; /* the same per sender; default 64 */
    uint64_t mempool_future_ttl_s;       /* such a tx is dropped after; default 600 */
    uint64_t http_threads;       /* 0 = cores */
    /* [http]: connection limits and timeouts (httpd.h; 0 = its default) */
    uint64_t http_max_connections;      /* 4096 */
    uint64_t http_per_ip_connections;   /* 256 */
    uint64_t http_reserved_connections; /* 64 */
    uint64_t http_request_timeout_s;    /* 10 */
    uint64_t http_response_timeout_s;   /* 60 */
    char log_level[16];          /* default info */
    char web_dir[CPC_PATH_MAX];  /* [web] dir: the dashboard's built files, served at /;
                                  * default "web/dist" (relative to the working folder) */
    bool quiet_empty_blocks;     /* log empty blocks at debug level only */
};

struct cpc_node {
    struct cpc_node_config cfg;
    struct cpc_genesis genesis;
    struct cpc_chain_params params;
    uint64_t total_supply;

    struct cpc_store *store;
    struct cpc_mempool *mempool;
    struct cpc_sse_hub *sse;
    struct cpc_metrics *metrics;
    struct cpc_httpd *httpd;

    pthread_rwlock_t lock;              /* guards state, latest, latest_hash */
    struct cpc_state *state;            /* committed state */
    struct cpc_block_header latest;     /* last committed header */
    uint8_t latest_hash[32];

    struct cpc_key validator;           /* block signing key (wiped on close) */
    uint8_t validator_addr[CPC_ADDR_HASH_LEN];
    struct cpc_signer *signer;

    atomic_uint_fast64_t tx_total;      /* committed txs, all blocks */

    /* Opened, owned and freed by the daemon (src/cpcd/daemon.c); NULL in a
     * node opened alone. The node itself never looks inside them. */
    struct cpc_scheduler *scheduler;    /* market scheduler (market/scheduler.h), own lock */
    struct cpc_worker_auth *worker_auth; /* signed worker requests (market/worker_auth.h) */
    struct cpc_platform *platform;      /* accounts, sessions, mail (platform/platform.h) */
    struct cpc_blobs *blobs;            /* blob uploads, quotas, collector (market/blobs.h) */
    struct cpc_legacy *legacy;          /* legacy API limits (market/routes_legacy.h) */
    struct cpc_lease_cache *lease_cache; /* leases signed here (market/lease_cache.h) */
    struct cpc_rental_watch *rental_watch; /* low-funds emails (market/rental_watch.h) */
    struct cpc_market_sync *market_sync; /* marketplace connectors; NULL = off (market/market_sync.h) */
    struct cpc_static_site *web;        /* the dashboard's files; NULL = not built (http/static_site.h) */

    /* Set by the daemon before cpc_node_start. on_block: called by the producer
     * after each committed block with its delta (the scheduler follows the
     * market records). lease_oracle: signatures this node made itself, which
     * the block build need not verify again (known == NULL: verify all). */
    void (*on_block)(void *arg, const struct cpc_state *delta, uint64_t height);
    void *on_block_arg;
    struct cpc_lease_sig_oracle lease_oracle;

    const struct cpc_consensus_ops *consensus;
    pthread_t producer;
    atomic_bool running;
    pthread_mutex_t wake_mu;            /* producer sleeps on wake_cv between blocks */
    pthread_cond_t wake_cv;
};

/* Fill cfg with defaults, then HOME/config [node] values. Flags are applied by main after. */
int cpc_node_config_load(struct cpc_node_config *cfg, const char *home, struct cpc_err *err);

/* Create HOME (config, devnet genesis.json, faucet + validator keys) if it has no
 * genesis yet. Prints nothing; returns 0 or error. *created tells whether it did. */
int cpc_node_init_home(const char *home, const char *chain_id, bool *created, struct cpc_err *err);

/* Open the chain (genesis, validator key, store, state, mempool, event hub,
 * metrics) without producing. Caller closes with cpc_node_close, also after a
 * failed open. */
int cpc_node_open(struct cpc_node *n, const struct cpc_node_config *cfg, struct cpc_err *err);
/* Start the block producer (consensus). */
int cpc_node_start(struct cpc_node *n, struct cpc_err *err);
/* Stop the block producer (idempotent). */
void cpc_node_stop(struct cpc_node *n);
/* Free what cpc_node_open opened (not the daemon's handles); safe after a failed open. */
void cpc_node_close(struct cpc_node *n);

/* Re-execute every stored block from genesis with full validation and compare the
 * result with the stored state. Returns 0 when they match; *blocks gets the count. */
int cpc_node_replay(struct cpc_node *n, uint64_t *blocks, struct cpc_err *err);

/* A read view of the committed chain, consistent until cpc_node_view_end:
 * the state, and a copy of the last header and its hash. The producer cannot
 * merge a block while a view is open, so keep it short (no I/O, no waits).
 * v->state is the node's: read it only inside the view, never free it. */
struct cpc_node_view {
    const struct cpc_state *state;
    struct cpc_block_header latest;
    uint8_t latest_hash[32];
};
void cpc_node_view_begin(struct cpc_node *n, struct cpc_node_view *v);
void cpc_node_view_end(struct cpc_node *n, struct cpc_node_view *v);

/* Height of the last committed block. */
uint64_t cpc_node_height(struct cpc_node *n);

/* Copy one committed object into out (cpc_state_obj_get; out is the caller's).
 * Returns 0, CPC_ERR_NOT_FOUND or an error. */
int cpc_node_obj_get(struct cpc_node *n, const uint8_t *key, size_t klen, struct cpc_buf *out);

/* Copy the committed account (zeros if unknown) under the read lock. */
void cpc_node_account(struct cpc_node *n, const uint8_t addr[CPC_ADDR_HASH_LEN],
                      struct cpc_account *out);

#endif

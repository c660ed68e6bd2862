/* blobs.h — content-addressed blobs of exec jobs (PUT/GET /blobs/{sha256}):
 * who may store them, how much, and how long they stay.
 *
 * Design note. A blob is a file HOME/data/blobs/HEX named by the SHA-256 of
 * its bytes. Storing one costs the node disk, so PUT needs an account: a
 * signed request (X-CPC-* headers, the signer's address) or an access token
 * / API key with the `jobs` scope (the user's wallet address). The account
 * must be a registered worker (workers upload their outputs) or hold at
 * least min_balance, so fresh keys cost money; each account has a quota in
 * bytes and in blobs, and the node a total cap, all from HOME/config
 * [blobs]. Who uploaded what is a table (store_blobs.h). A collector thread
 * runs every sweep_interval_s: a blob whose row has not been kept for
 * grace_s is deleted unless an active exec job names it (its app, its
 * inputs, or a result its tasks collected), which keeps it for another
 * grace_s; its bytes then leave the uploader's quota, and the file goes with
 * its last row. Files with no row (uploaded before quotas existed) are
 * collected the same way, by their modification time. A job created for a
 * blob already past its grace period races the next sweep: the collector
 * reads the committed state, so upload such a blob again before its job
 * (that restarts its grace period). GET stays public: a
 * blob is addressed by its hash, exec contracts (and so every hash a worker
 * needs) are on chain, and a read costs no storage.
 */
#ifndef CPC_NODE_BLOBS_H
#define CPC_NODE_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../http/httpd.h"

struct cpc_node;

#define CPC_BLOBS_QUOTA_BYTES_DEFAULT (1ull << 30)  /* per account */
#define CPC_BLOBS_QUOTA_COUNT_DEFAULT 10000ull /* blobs per account (worker outputs too) */
#define CPC_BLOBS_MAX_TOTAL_DEFAULT (16ull << 30)   /* the node's blob bytes */
#define CPC_BLOBS_GRACE_S_DEFAULT 86400ull          /* unreferenced blobs live this long */
#define CPC_BLOBS_SWEEP_S_DEFAULT 600ull            /* collector period */
#define CPC_BLOBS_MIN_BALANCE_DEFAULT 1000000000ull /* 1 CPC, base units */

struct cpc_blobs_config {
    uint64_t quota_bytes, quota_count, max_total_bytes;
    uint64_t grace_s, sweep_interval_s;
    uint64_t min_balance; /* base units; registered workers need none */
};

/* Defaults, then HOME/config [blobs] quota_bytes, quota_count, max_total_bytes,
 * grace_s, sweep_interval_s, min_balance. Every value but min_balance must be
 * at least 1 (CPC_ERR_INVALID otherwise). cfg is the caller's. */
int cpc_blobs_config_load(struct cpc_blobs_config *cfg, const char *home, struct cpc_err *err);

struct cpc_blobs;

/* New blob service of node n (borrowed, must outlive it) with cfg (copied).
 * Free with cpc_blobs_free. NULL on OOM. */
struct cpc_blobs *cpc_blobs_new(struct cpc_node *n, const struct cpc_blobs_config *cfg);
/* Start the collector thread. 0 or CPC_ERR_INTERNAL. */
int cpc_blobs_start(struct cpc_blobs *b, struct cpc_err *err);
/* Stop the collector thread (idempotent). */
void cpc_blobs_stop(struct cpc_blobs *b);
/* Stop and free; NULL accepted. */
void cpc_blobs_free(struct cpc_blobs *b);

struct cpc_blobs_sweep_stats {
    uint64_t examined;    /* rows and row-less files past the grace period */
    uint64_t kept;        /* of those, still referenced by an active job */
    uint64_t rows_deleted;
    uint64_t files_deleted;
    uint64_t bytes_freed; /* of the deleted files */
};

/* One collection at now_s (unix seconds): see the design note. *stats (may be
 * NULL) gets the counts. Returns 0 or the first store/state error. */
int cpc_blobs_sweep(struct cpc_blobs *b, uint64_t now_s, struct cpc_blobs_sweep_stats *stats,
                    struct cpc_err *err);

/* PUT /blobs/{sha256} and GET /blobs/{sha256} (routes.c). */
void cpc_h_blob_put(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_blob_get(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

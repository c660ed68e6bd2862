/* metrics.h — Prometheus metrics of the node, rendered as text format 0.0.4.
 *
 * HTTP: cpc_http_requests_total{code}, cpc_http_errors_total (status >= 400),
 * cpc_http_request_duration_seconds histogram. Chain: cpc_height,
 * cpc_mempool_size, cpc_txs_committed_total, cpc_tx_per_second (committed,
 * over the last 10 s), cpc_blocks_total, cpc_sse_subscribers. Thread-safe
 * (atomics / one mutex for the rate window). */
#ifndef CPC_NODE_METRICS_H
#define CPC_NODE_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct cpc_metrics; /* opaque */

/* NULL on OOM; free with cpc_metrics_free (NULL accepted). */
struct cpc_metrics *cpc_metrics_new(void);
void cpc_metrics_free(struct cpc_metrics *m);

/* Record one HTTP request: status code and duration in seconds. */
void cpc_metrics_http(struct cpc_metrics *m, int status, double seconds);
/* A block at height with n_txs was committed at now_ms (monotonic or wall ms). */
void cpc_metrics_block(struct cpc_metrics *m, uint64_t height, uint64_t n_txs, uint64_t now_ms);
void cpc_metrics_set_mempool(struct cpc_metrics *m, uint64_t size);
void cpc_metrics_set_sse(struct cpc_metrics *m, uint64_t subscribers);
/* Committed tx/s over the last 10 s ending at now_ms. */
double cpc_metrics_tx_rate(struct cpc_metrics *m, uint64_t now_ms);

/* Render all metrics; returns a malloc'd NUL-terminated string (caller frees), NULL on OOM. */
char *cpc_metrics_render(struct cpc_metrics *m, uint64_t now_ms);

#endif

/* bench_node.h — helpers shared by the end-to-end benches (bench_ledger,
 * bench_market): a clock, a keep-alive JSON-over-HTTP call with optional
 * extra headers, a temporary node home with a custom genesis and a
 * validator key in its keyring, and a real cpcd child process on
 * 127.0.0.1 (the binary next to the bench unless told otherwise).
 *
 * Benches are programs, not library code: these helpers print to stderr
 * and return -1 / NULL on failure, and the caller decides to stop.
 */
#ifndef CPC_BENCH_NODE_H
#define CPC_BENCH_NODE_H

#include <curl/curl.h>
#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/keyring.h"
#include "core/genesis.h"

/* Monotonic seconds. */
double bench_now_s(void);

/* PATH_MAX buffer <- "<directory of this executable>/<name>". -1 on error. */
int bench_sibling_path(char *out, size_t cap, const char *name);

/* One HTTP call on handle c (kept alive between calls). body NULL = GET,
 * else POST with Content-Type: application/json. headers: extra lines or
 * NULL. *status (may be NULL) receives the HTTP status (0 on transport
 * error). Returns the parsed body (new reference) or NULL. */
json_t *bench_http_json(CURL *c, const char *url, const char *body, size_t body_len,
                        struct curl_slist *headers, long *status);

/* Random valid secret key with its public key. */
void bench_random_key(struct cpc_signer *s, struct cpc_key *k);

/* A running cpcd on a temporary home. */
struct bench_node {
    char home[64];          /* /tmp/cpc-bench-XXXXXX */
    char base[64];          /* http://127.0.0.1:PORT */
    pid_t pid;
    struct cpc_key validator;
};

/* mkdtemp a home, create it and its `validator` key. Fills g->validator.
 * -1 on error (message printed). */
int bench_node_prepare(struct bench_node *bn, struct cpc_genesis *g);

/* Write g as HOME/genesis.json, start cpcd (path) with --block-time and
 * --mempool-max, and wait (up to 10 s) until GET /status answers; *status
 * (may be NULL) receives that answer. -1 on error (the child is stopped). */
int bench_node_start(struct bench_node *bn, const char *cpcd, const struct cpc_genesis *g,
                     unsigned block_time_ms, size_t mempool_max, json_t **status);

/* SIGTERM the child (if running) and wait for it. */
void bench_node_stop(struct bench_node *bn);

/* Stop, remove the home (kept when CPC_BENCH_KEEP=1, for cpcd replay or a look
 * inside), wipe the validator key. NULL-safe after a failed prepare. */
void bench_node_cleanup(struct bench_node *bn);

#endif

/* routes_chain.h — the chain area's REST handlers (routes_chain.c) and the
 * tx admission that every room submitting a tx shares (POST /tx, /txs, the
 * marketplace's confirm/cancel, custodial signing). The route table that
 * lists these handlers is the daemon's (src/cpcd/routes.c). */
#ifndef CPC_NODE_ROUTES_CHAIN_H
#define CPC_NODE_ROUTES_CHAIN_H

#include "../http/httpd.h"

void cpc_h_status(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_block(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_blocks(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_tx_get(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_tx_post(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_txs_post(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_account(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_account_txs(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_balance(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_events(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_metrics(struct cpc_http_req *req, struct cpc_http_res *res);

/* Tx admission shared by POST /tx, /txs, the marketplace's confirm/cancel and
 * custodial signing (custody.c):
 * stateless checks against this chain (cpc_tx_check: chain id, min gas price,
 * pubkey, payload, signature), then the mempool with the sender's committed
 * account. Returns 0 (*duplicate = 1 when the same tx is already pending) or
 * the error with its message. The pool keeps its own copy of tx. */
struct cpc_node;
struct cpc_tx;
int cpc_node_admit_tx(struct cpc_node *n, const struct cpc_tx *tx, int *duplicate,
                      struct cpc_err *err);
/* cpc_node_admit_tx for a handler: on success refresh the mempool gauge and
 * return 0 (a duplicate counts as success); else answer the error as POST /tx
 * does and return -1. tx stays the caller's. */
struct cpc_http_res;
int cpc_node_admit_answer(struct cpc_node *n, struct cpc_http_res *res, const struct cpc_tx *tx);

#endif

/* routes_marketplace_internal.h — helpers of routes_marketplace.c shared
 * with routes_marketplace_views.c (the cluster-wide views) and
 * routes_marketplace_auth.c (who calls, and custodial signing), and with
 * blobs.c (who uploads: cpc__mp_caller). Not for other files. */
#ifndef CPC_NODE_ROUTES_MARKETPLACE_INTERNAL_H
#define CPC_NODE_ROUTES_MARKETPLACE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/bech32.h"
#include "../core/tx.h"
#include "../store/platform_store.h"
#include "../http/httpd.h"

struct cpc_node;

/* JSON string of n bytes as hex (n <= 32); new reference, NULL on OOM. */
json_t *cpc__mp_hexj(const uint8_t *b, size_t n);
/* Answer 500 out_of_memory. */
void cpc__mp_oom(struct cpc_http_res *res);
/* Task status of (job, index): CPC_TASK_OPEN when no record, else the record's;
 * -1 on error. tid receives the task id. */
int cpc__mp_task_status(struct cpc_node *n, const uint8_t job_id[32], uint32_t index,
                        uint8_t tid[16]);

/* Who sends a marketplace request. */
struct cpc__mp_caller {
    char addr[CPC_ADDR_STR_MAX]; /* the caller's ledger address; "" = anonymous */
    int64_t user;                /* platform user (session token or API key), 0 if none */
    int custodial;               /* 1: addr is the user's custodial key, held by this node */
    struct cpc_pwallet wallet;   /* the user's wallet, when user != 0 */
};

/* Identify the caller: a signed request (the X-CPC-* headers: addr is the
 * signer), or an access token or API key with the `jobs` scope
 * (Authorization: Bearer / X-API-Key: addr is the user's wallet address),
 * not both; neither = anonymous. 0, or -1 with the answer set (400, 401,
 * 403, 429, 503). */
int cpc__mp_caller(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc__mp_caller *c);

/* True when the node would sign for c: a custodial user and no "tx" in body.
 * A handler that will sign then holds the custody lock (custody.h) from
 * reading the draft to recording the outcome. */
bool cpc__mp_custody_intent(const struct cpc__mp_caller *c, const json_t *body);

/* cpc_custody_sign_admit (custody.h) with c's wallet: c must be a custodial
 * user (500 otherwise) and the caller holds the custody lock. 0, or -1 with
 * the answer set; tx stays the caller's, hash gets the tx hash (hex). */
int cpc__mp_custodial_admit(struct cpc_node *n, struct cpc_http_res *res,
                            const struct cpc__mp_caller *c, struct cpc_tx *tx, char hash[65]);

/* Owner rule: an owned draft may only be changed by its owner, through a signed
 * request or session (signer) and/or a signed tx (sender). "" = not given.
 * 0 or -1 (403 set). */
struct cpc_draft;
int cpc__mp_owner_check(struct cpc_http_res *res, const struct cpc_draft *d, const char *signer,
                        const char *sender);

/* With no "tx" in body, may the node sign for c (what: the tx type's name)?
 * 1 yes (c is a custodial user), 0 when body carries a tx, -1 answered (400:
 * anonymous, or a linked wallet whose key the node does not hold). */
int cpc__mp_wants_custody(struct cpc_http_res *res, const json_t *body,
                          const struct cpc__mp_caller *c, const char *what);

/* The custodial JOB_CANCEL / JOB_EXTEND (want) of draft d's job, signed and
 * admitted for c after the owner check; for an extend, body is
 * {"add_blocks":N,"add_tasks":N}, each optional (the chain checks the rest).
 * *have_tx = 1 once tx holds a tx (the caller clears it). 0 or -1 answered. */
int cpc__mp_custodial_job_tx(struct cpc_node *n, struct cpc_http_res *res,
                             const struct cpc_draft *d, json_t *body,
                             const struct cpc__mp_caller *c, enum cpc_tx_type want,
                             struct cpc_tx *tx, int *have_tx, char hash[65]);

#endif

/* custody.h — signing with a user's custodial key (custody.c), shared by the
 * marketplace (routes_marketplace_auth.c: JOB_CREATE / JOB_CANCEL /
 * JOB_EXTEND) and the wallet (routes_wallet_send.c: TRANSFER).
 *
 * Design note. The node holds one key per user it may sign with: the
 * custodial key of the user's wallet (routes_wallet.c), sealed at rest. A
 * signature opens it, signs, wipes it and admits the tx like POST /tx; every
 * such tx leaves a `custodial_tx` audit row. The custody lock serialises the
 * handlers that sign: one takes it before it reads what the tx depends on
 * (a draft, a balance) and releases it after recording the outcome, so
 * concurrent requests see each other's effects and a user's txs take
 * consecutive nonces.
 */
#ifndef CPC_NODE_CUSTODY_H
#define CPC_NODE_CUSTODY_H

#include <stdbool.h>

#include "../core/tx.h"
#include "../http/httpd.h"

struct cpc_node;
struct cpc_pwallet;

/* Take the node's custody lock; false (nothing held) when the node has no platform. */
bool cpc_custody_lock(struct cpc_node *n);
/* Release the lock a true cpc_custody_lock took. */
void cpc_custody_unlock(struct cpc_node *n);

/* Sign tx (type and payload already set; the rest is filled here: chain id,
 * sender, public key, the sender's next pending nonce, the minimum gas price)
 * with the custodial key of w (borrowed; w->linked_address must be "": 500
 * otherwise), then admit it like POST /tx. The caller holds the custody lock.
 * The key is opened only for the signature and wiped; an audit row
 * `custodial_tx` of w->user records the tx. On 0 hash gets the tx hash (hex);
 * -1 with the answer set (the admission's error as POST /tx answers it).
 * tx stays the caller's (cpc_tx_clear). Funds locked by the user's pending
 * withdrawals are not spendable: a tx whose fee and value need them is
 * refused with 402 insufficient_funds before admission. */
int cpc_custody_sign_admit(struct cpc_node *n, struct cpc_http_res *res,
                           const struct cpc_pwallet *w, struct cpc_tx *tx, char hash[65]);
/* cpc_custody_sign_admit for a withdrawal's approval, the one tx that spends
 * the locked funds themselves. Same ownership rules. */
int cpc_custody_sign_admit_payout(struct cpc_node *n, struct cpc_http_res *res,
                                  const struct cpc_pwallet *w, struct cpc_tx *tx, char hash[65]);

#endif

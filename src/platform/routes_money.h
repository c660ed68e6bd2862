/* routes_money.h — money in and out of a platform user's ledger account
 * (routes_money.c: balance, deposit address, admin fiat credits;
 * routes_money_withdrawals.c: withdrawal requests and their decisions).
 * Rules in docs/platform.md ("Money in and out"). */
#ifndef CPC_PLATFORM_ROUTES_MONEY_H
#define CPC_PLATFORM_ROUTES_MONEY_H

#include <jansson.h>
#include <stdint.h>

#include "../http/httpd.h"

struct cpc_platform;
struct cpc_puser;
struct cpc_pwallet;
struct cpc_node;
struct cpc_pwithdrawal;

#define CPC_WITHDRAWALS_PENDING_MAX 20u /* pending withdrawals per user */

/* GET /account/balance: balance, locked (pending withdrawals), available. */
void cpc_h_account_balance(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /account/deposit: the address to send CPC to, and how. */
void cpc_h_account_deposit(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /admin/deposits: credit a fiat deposit from the fiat-gateway account. */
void cpc_h_admin_deposits_post(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /provider/withdrawals, GET /provider/withdrawals. */
void cpc_h_provider_withdrawals_post(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_provider_withdrawals_list(struct cpc_http_req *req, struct cpc_http_res *res);
/* The bodies of GET /account/balance and POST /provider/withdrawals for user (borrowed),
 * already authenticated (the /dc routes call them after their own dc-scope check). */
void cpc__h_account_balance_as(struct cpc_http_req *req, struct cpc_http_res *res,
                               const struct cpc_puser *user);
void cpc__h_provider_withdrawals_post_as(struct cpc_http_req *req, struct cpc_http_res *res,
                                         const struct cpc_puser *user);
/* POST /admin/withdrawals/{id}/approve and /reject. */
void cpc_h_admin_withdrawal_approve(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_admin_withdrawal_reject(struct cpc_http_req *req, struct cpc_http_res *res);

/* The user's wallet (made on first use) into *w (caller's; sealed key wiped), its active
 * address (linked, else custodial) into addr (borrowed from w) and the committed balance
 * into *balance; -1 once answered (500). */
int cpc__money_account(struct cpc_node *n, struct cpc_http_res *res, int64_t user,
                       struct cpc_pwallet *w, const char **addr, uint64_t *balance);

/* A new JSON view of withdrawal w (borrowed; caller owns the result, NULL on OOM): what
 * the provider's list and the admin's queue show. */
json_t *cpc__withdrawal_json(const struct cpc_pwithdrawal *w);

#endif

/* routes_wallet.h — the user's ledger account (routes_wallet.c):
 * GET /me/wallet, POST /me/wallet/challenge, POST /me/wallet/link. Rules are
 * in docs/platform.md ("Ledger wallet"). */
#ifndef CPC_NODE_ROUTES_WALLET_H
#define CPC_NODE_ROUTES_WALLET_H

#include <stdint.h>

#include "../http/httpd.h"

struct cpc_puser;
struct cpc_platform;

#define CPC_CHALLENGE_TTL_MS (10u * 60u * 1000u)
#define CPC_CHALLENGE_HEX_LEN 64

void cpc_h_me_wallet(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_me_wallet_challenge(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_me_wallet_link(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /me/wallet/link after authentication: u is the authenticated user (borrowed).
 * The fuzzer calls it directly, as it has no HTTP connection for headers. */
void cpc__h_me_wallet_link_as(struct cpc_http_req *req, struct cpc_http_res *res,
                              const struct cpc_puser *u);
/* The user's wallet into *w (caller's struct), made (custodial) on first use.
 * 0 or an error. */
struct cpc_pwallet;
struct cpc_err;
int cpc__wallet_ensure(struct cpc_platform *p, int64_t user, struct cpc_pwallet *w,
                       struct cpc_err *err);
/* Open w's sealed custodial key into sk (caller's buffer; the caller wipes it
 * with sodium_memzero). 0, or CPC_ERR_CRYPTO with sk zeroed. */
int cpc__wallet_unseal(const struct cpc_platform *p, const struct cpc_pwallet *w,
                       uint8_t sk[32], struct cpc_err *err);
/* The digest a link signature covers: SHA-256("cpc-link" || challenge || address). */
void cpc_wallet_link_digest(uint8_t out[32], const char *challenge, const char *address);
/* The keyed hash under which a challenge is stored; -1 unless it is 64 lowercase hex. */
int cpc_wallet_challenge_hash(const struct cpc_platform *p, const char *challenge,
                              uint8_t hash[32]);

#endif

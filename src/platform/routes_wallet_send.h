/* routes_wallet_send.h — POST /me/wallet/send (routes_wallet_send.c): a
 * signed-in user's TRANSFER out of their custodial wallet, signed by the
 * node. Rules are in docs/api.md ("Custodial signing"). */
#ifndef CPC_NODE_ROUTES_WALLET_SEND_H
#define CPC_NODE_ROUTES_WALLET_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bech32.h"
#include "../core/err.h"
#include "../http/httpd.h"

#define CPC_WALLET_SEND_PW_MAX 1024 /* as cpc_auth_password_problem's limit */
#define CPC_WALLET_SEND_CODE_MAX 32 /* a TOTP or recovery code */

/* A decoded body of POST /me/wallet/send. It holds the password and code:
 * the holder wipes it with cpc_wallet_send_req_wipe. */
struct cpc_wallet_send_req {
    uint8_t to[CPC_ADDR_HASH_LEN];
    char to_str[CPC_ADDR_STR_MAX]; /* the canonical (lowercase) form of "to" */
    uint64_t amount;               /* base units, 1..INT64_MAX */
    char password[CPC_WALLET_SEND_PW_MAX + 1];
    size_t password_len;
    char totp[CPC_WALLET_SEND_CODE_MAX + 1]; /* "" = none sent */
};

/* Decode body (len bytes, borrowed): {"to": cpc1 address, exactly one of
 * "amount" (integer, base units) or "amount_cpc" (CPC decimal string, at
 * most 9 decimals), "password": string, "totp"?: string}, strict (no other
 * key, no duplicate key, at most CPC_AUTH_BODY_MAX bytes). 0 with *out (the
 * caller's) filled, or -1 with *status (400 or 413), *code (a static error
 * code: invalid_json, too_large, invalid_argument, invalid_address,
 * invalid_amount) and err->msg set, and *out wiped. No allocation outlives
 * the call. */
int cpc_wallet_send_parse(const char *body, size_t len, struct cpc_wallet_send_req *out,
                          int *status, const char **code, struct cpc_err *err);
/* Zero r (the password and code with sodium_memzero). */
void cpc_wallet_send_req_wipe(struct cpc_wallet_send_req *r);

void cpc_h_me_wallet_send(struct cpc_http_req *req, struct cpc_http_res *res);

#endif

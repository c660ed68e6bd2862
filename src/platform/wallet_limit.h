/* wallet_limit.h — the per-user daily limit of custodial transfers
 * (POST /me/wallet/send): [platform] wallet_send_daily_limit_cpc, a CPC
 * decimal (0 or absent: no limit), over a rolling 24 hours.
 *
 * Design note. Every send the node signs is recorded in the platform store
 * (wallet_sends, platform_store.h) with the platform clock's
 * time and its amount; fees do not count. The limit is checked twice: once
 * before the password (cheap, and a refused send then spends no TOTP or
 * recovery code and no argon2 time), and binding under the custody lock,
 * where the test and the record are one store statement, so concurrent
 * sends cannot both slip under it. A send is recorded before it is signed
 * and the record is dropped when the tx is not admitted. Recording goes on
 * with no limit set, so a limit switched on counts the last 24 hours.
 * Refusals answer 403 daily_limit with what can be sent now and when more
 * frees up; they never count as failed logins.
 */
#ifndef CPC_NODE_WALLET_LIMIT_H
#define CPC_NODE_WALLET_LIMIT_H

#include <jansson.h>
#include <stdint.h>

#include "../core/err.h"

struct cpc_config;
struct cpc_http_res;
struct cpc_platform;

#define CPC_WALLET_SEND_WINDOW_MS (24ull * 3600ull * 1000ull)

/* What a user may still send now. */
struct cpc_wallet_allowance {
    uint64_t limit;        /* base units per 24 h; 0 = no limit (the rest is then 0) */
    uint64_t sent;         /* counted in the last 24 h */
    uint64_t remaining;    /* limit - sent, 0 when at or above */
    uint64_t frees_ms;     /* when the oldest counted send leaves the window; 0 = none counted */
    uint64_t frees_amount; /* what frees up then */
};

/* [platform] wallet_send_daily_limit_cpc into *limit (base units, <= 2^63-1); 0 when
 * absent or 0. CPC_ERR_INVALID naming the key when it is not a CPC decimal. */
int cpc_wallet_limit_read(uint64_t *limit, const struct cpc_config *c, struct cpc_err *err);

/* Fill *a (caller's struct) for user at now_ms from the store; with no limit set, only
 * a->limit = 0 (the store is not read). */
int cpc_wallet_allowance(struct cpc_platform *p, int64_t user, uint64_t now_ms,
                         struct cpc_wallet_allowance *a, struct cpc_err *err);

/* Answer 403 daily_limit for a send of amount over a (with Retry-After when more frees
 * up later), and audit-log it as wallet_send_limited of user. */
void cpc_wallet_limit_refuse(struct cpc_platform *p, struct cpc_http_res *res, int64_t user,
                             const struct cpc_wallet_allowance *a, uint64_t amount,
                             uint64_t now_ms);

/* The caller holds the custody lock: record a send of amount by user at the platform
 * clock when the limit allows it. 0 with *id = the record (settle it with
 * cpc_wallet_limit_settle), or -1 with the answer set (403 daily_limit, or 500). */
int cpc_wallet_limit_reserve(struct cpc_platform *p, struct cpc_http_res *res, int64_t user,
                             uint64_t amount, int64_t *id);

/* Settle record id: confirm it with the admitted tx's hash (borrowed), or drop it when
 * hash is NULL (not admitted). Failures are logged: the answer is already decided. */
void cpc_wallet_limit_settle(struct cpc_platform *p, int64_t id, const char *hash);

/* Add send_limit, send_limit_cpc, send_remaining, send_remaining_cpc and send_frees_ms
 * to obj (borrowed) from a: null when no limit is set (send_frees_ms also when nothing
 * is counted). */
void cpc_wallet_allowance_json(json_t *obj, const struct cpc_wallet_allowance *a);

#endif

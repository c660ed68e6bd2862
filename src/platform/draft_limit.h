/* draft_limit.h — abuse limits of POST /marketplace/jobs: how many drafts a
 * client IP and an owner may create per window, and how long an unconfirmed
 * draft lives. Settings in HOME/config [market]:
 *   draft_limit_window_s  the window of the two limits (default 3600, 1 s .. 7 days)
 *   draft_limit_ip        drafts per client IP per window (default 60; 0 = no limit)
 *   draft_limit_owner     drafts per owner per window (default 60; 0 = no limit)
 *   draft_ttl_s           an unconfirmed draft is deleted this long after its
 *                         creation (default 86400; 0 = kept for ever)
 *
 * Design note. Counted in the platform's draft limiter (ratelimit.h, a table
 * of its own, so a flood of drafts cannot evict the windows of API keys or
 * the mail routes), by the platform clock. Identities are keyed hashes
 * (auth_mail_limit.h: cpc__limit_key, an IPv6 peer by its /64); the owner is
 * the draft's owner address (the signer of a signed request, or a signed-in
 * user's wallet), so an anonymous draft counts against its IP only. The IP
 * is counted first and the owner only when the IP passed. Only drafts that
 * would be stored are counted (a body that fails validation stores nothing).
 * Over a limit: 429 rate_limited with Retry-After; the first refusal of an
 * identity in a window is logged once. Expiry is by created_at (platform
 * clock, unix seconds): expired drafts are deleted on every insert (at most
 * CPC_DRAFT_EXPIRE_BATCH a time, so the work per request is bounded) and
 * answer 404 when read before that, so the table holds at most what the
 * limits let in over one draft_ttl_s.
 */
#ifndef CPC_NODE_DRAFT_LIMIT_H
#define CPC_NODE_DRAFT_LIMIT_H

#include <stdint.h>

#include "../core/err.h"

struct cpc_config;
struct cpc_http_req;
struct cpc_http_res;
struct cpc_platform;

#define CPC_DRAFT_WINDOW_S_DEFAULT 3600u
#define CPC_DRAFT_WINDOW_S_MAX (7u * 24u * 3600u)
#define CPC_DRAFT_LIMIT_IP_DEFAULT 60u
#define CPC_DRAFT_LIMIT_OWNER_DEFAULT 60u
#define CPC_DRAFT_TTL_S_DEFAULT 86400u
#define CPC_DRAFT_TTL_S_MAX (365u * 24u * 3600u)
#define CPC_DRAFT_EXPIRE_BATCH 256u /* expired drafts deleted per insert at most */

struct cpc_draft_limits {
    uint64_t window_ms;
    uint32_t per_ip;    /* drafts per window per client IP; 0 = no limit */
    uint32_t per_owner; /* drafts per window per owner address; 0 = no limit */
    uint64_t ttl_s;     /* an unconfirmed draft's life; 0 = no expiry */
};

/* Fill *l (caller's struct) from c's [market] section (defaults where absent); 0 or
 * CPC_ERR_INVALID with a message naming the setting. */
int cpc_draft_limits_read(struct cpc_draft_limits *l, const struct cpc_config *c,
                          struct cpc_err *err);
/* Count one draft from the peer of req for owner ("" = anonymous: IP only) in p's draft
 * limiter; 0 when allowed, else 429 rate_limited with Retry-After is in res and -1.
 * Everything is borrowed. */
int cpc__draft_limit(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                     const char *owner);
/* The created_at (unix s) before which an unconfirmed draft has expired at now_ms (platform
 * clock); 0 when drafts do not expire. */
uint64_t cpc_draft_expired_before(const struct cpc_draft_limits *l, uint64_t now_ms);

#endif

/* draft_limit.c — the draft limits of POST /marketplace/jobs (draft_limit.h).
 *
 * Design note. Same limiter, keys and answers as the mail routes
 * (auth_mail_limit.c), in a table of the platform's own (draft_limiter), in
 * the limiter domain DRAFT_DOMAIN, which no mail route uses.
 */
#include "draft_limit.h"

#include <stdio.h>
#include <string.h>

#include "../common/config.h"
#include "../common/log.h"
#include "auth_http.h"
#include "auth_mail_limit.h"
#include "../http/httpd.h"
#include "platform.h"

#define DRAFT_DOMAIN 0x40u /* limiter domain of drafts (the mail routes use 0..2) */

static int read_u64(const struct cpc_config *c, const char *key, uint64_t def, uint64_t max,
                    uint64_t *out, struct cpc_err *err)
{
    int rc = cpc_config_get_u64(c, "market", key, def, out, err);
    if (rc != 0)
        return cpc_err_prefix(err, "[market] %s", key);
    if (*out > max)
        return cpc_err_set(err, CPC_ERR_INVALID, "[market] %s must be at most %llu", key,
                           (unsigned long long)max);
    return 0;
}

int cpc_draft_limits_read(struct cpc_draft_limits *l, const struct cpc_config *c,
                          struct cpc_err *err)
{
    uint64_t win = 0, ip = 0, owner = 0, ttl = 0;
    int rc;
    if ((rc = read_u64(c, "draft_limit_window_s", CPC_DRAFT_WINDOW_S_DEFAULT,
                       CPC_DRAFT_WINDOW_S_MAX, &win, err)) != 0 ||
        (rc = read_u64(c, "draft_limit_ip", CPC_DRAFT_LIMIT_IP_DEFAULT, UINT32_MAX, &ip, err)) !=
            0 ||
        (rc = read_u64(c, "draft_limit_owner", CPC_DRAFT_LIMIT_OWNER_DEFAULT, UINT32_MAX, &owner,
                       err)) != 0 ||
        (rc = read_u64(c, "draft_ttl_s", CPC_DRAFT_TTL_S_DEFAULT, CPC_DRAFT_TTL_S_MAX, &ttl,
                       err)) != 0)
        return rc;
    if (win < 1)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "[market] draft_limit_window_s must be 1..%u seconds",
                           CPC_DRAFT_WINDOW_S_MAX);
    l->window_ms = win * 1000u;
    l->per_ip = (uint32_t)ip;
    l->per_owner = (uint32_t)owner;
    l->ttl_s = ttl;
    return 0;
}

uint64_t cpc_draft_expired_before(const struct cpc_draft_limits *l, uint64_t now_ms)
{
    uint64_t now_s = now_ms / 1000u;
    if (!l->ttl_s || now_s <= l->ttl_s)
        return 0;
    return now_s - l->ttl_s;
}

/* Count key against limit; over it answer 429 (whom: "from this address" or "for this
 * owner") and log the first refusal of the window. */
static int hit(struct cpc_http_res *res, struct cpc_platform *p, uint64_t key, uint32_t limit,
               const char *whom, const char *detail)
{
    if (limit == 0)
        return 0;
    const struct cpc_draft_limits *l = &p->draft_limits;
    uint64_t now = cpc_platform_now(p);
    struct cpc_rl_verdict v;
    cpc_ratelimit_hit(&p->draft_limiter, key, limit, l->window_ms, now, &v);
    if (v.allowed)
        return 0;
    if (v.refused == 1) /* once per identity and window */
        CPC_LOGW("marketplace: draft limit reached (%s); refusing until the window ends",
                 detail);
    char ra[24];
    cpc__auth_retry_after(res, v.reset_ms, now, ra);
    cpc_http_res_error(res, 429, "rate_limited",
                       "too many job drafts %s: at most %u per %llu s; retry in %s s", whom,
                       limit, (unsigned long long)(l->window_ms / 1000u), ra);
    return -1;
}

int cpc__draft_limit(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                     const char *owner)
{
    const struct cpc_draft_limits *l = &p->draft_limits;
    const char *ip = cpc__auth_ip(req);
    char detail[112];
    snprintf(detail, sizeof detail, "ip %.64s", ip);
    if (hit(res, p, cpc__limit_ip_key(p, DRAFT_DOMAIN, ip), l->per_ip, "from this address",
            detail) != 0)
        return -1;
    if (!owner || !*owner)
        return 0;
    snprintf(detail, sizeof detail, "owner %.90s", owner);
    return hit(res, p, cpc__limit_key(p, DRAFT_DOMAIN, 'o', owner, strlen(owner)), l->per_owner,
               "for this owner", detail);
}

/* auth_mail_limit.c — per-IP and per-email limits of the routes that send
 * mail (auth_mail_limit.h).
 *
 * Design note. A key is CPC_RL_KIND_MAIL | 62 bits of BLAKE2b-64 keyed with
 * the platform's limit key over (route, 'i' or 'e', value); the value of an
 * IP is its address family and bytes after inet_pton (IPv6 cut to /64), or
 * the text when it does not parse. Nothing but the hash reaches the table,
 * the audit log or the node log for an email.
 */
#include "auth_mail_limit.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../common/config.h"
#include "../common/log.h"
#include "auth_http.h"
#include "../http/httpd.h"
#include "platform.h"

static const char *const route_path[CPC_MAIL_ROUTES] = {
    "/auth/register", "/auth/verify/resend", "/auth/password/forgot"};
static const char *const route_name[CPC_MAIL_ROUTES] = {"register", "resend", "forgot"};

static int read_u32(const struct cpc_config *c, const char *key, uint32_t def, uint32_t *out,
                    struct cpc_err *err)
{
    uint64_t v = 0;
    int rc = cpc_config_get_u64(c, "platform", key, def, &v, err);
    if (rc != 0)
        return cpc_err_prefix(err, "[platform] %s", key);
    if (v > UINT32_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "[platform] %s must be at most %u", key,
                           UINT32_MAX);
    *out = (uint32_t)v;
    return 0;
}

int cpc_mail_limits_read(struct cpc_mail_limits *l, const struct cpc_config *c,
                         struct cpc_err *err)
{
    uint64_t win = 0;
    int rc = cpc_config_get_u64(c, "platform", "mail_limit_window_s", CPC_MAIL_WINDOW_S_DEFAULT,
                                &win, err);
    if (rc != 0)
        return cpc_err_prefix(err, "[platform] mail_limit_window_s");
    if (win < 1 || win > CPC_MAIL_WINDOW_S_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "[platform] mail_limit_window_s must be 1..%u seconds",
                           CPC_MAIL_WINDOW_S_MAX);
    l->window_ms = win * 1000u;
    l->per_email[CPC_MAIL_REGISTER] = 0;
    if ((rc = read_u32(c, "register_limit_ip", 5, &l->per_ip[CPC_MAIL_REGISTER], err)) != 0 ||
        (rc = read_u32(c, "resend_limit_ip", 10, &l->per_ip[CPC_MAIL_RESEND], err)) != 0 ||
        (rc = read_u32(c, "resend_limit_email", 3, &l->per_email[CPC_MAIL_RESEND], err)) != 0 ||
        (rc = read_u32(c, "forgot_limit_ip", 10, &l->per_ip[CPC_MAIL_FORGOT], err)) != 0 ||
        (rc = read_u32(c, "forgot_limit_email", 3, &l->per_email[CPC_MAIL_FORGOT], err)) != 0)
        return rc;
    return 0;
}

uint64_t cpc__limit_key(const struct cpc_platform *p, uint8_t domain, char kind,
                        const void *value, size_t len)
{
    crypto_generichash_state st;
    uint8_t head[2] = {domain, (uint8_t)kind}, out[8];
    crypto_generichash_init(&st, p->limit_key, sizeof p->limit_key, sizeof out);
    crypto_generichash_update(&st, head, sizeof head);
    crypto_generichash_update(&st, value, len);
    crypto_generichash_final(&st, out, sizeof out);
    uint64_t k = 0;
    memcpy(&k, out, sizeof k);
    return CPC_RL_KIND_MAIL | (k & ~(3ull << 62));
}

uint64_t cpc__limit_ip_key(const struct cpc_platform *p, uint8_t domain, const char *ip)
{
    uint8_t a[17];
    if (inet_pton(AF_INET, ip, a + 1) == 1) {
        a[0] = 4;
        return cpc__limit_key(p, domain, 'i', a, 5);
    }
    if (inet_pton(AF_INET6, ip, a + 1) == 1) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a + 1, mapped, sizeof mapped) == 0) {
            a[0] = 4;
            memmove(a + 1, a + 13, 4);
            return cpc__limit_key(p, domain, 'i', a, 5);
        }
        a[0] = 6;
        return cpc__limit_key(p, domain, 'i', a, 9); /* the /64 */
    }
    return cpc__limit_key(p, domain, 't', ip, strlen(ip));
}

/* "hour", "minute" or "N s" for the window in a message. */
static void window_text(char out[32], uint64_t window_ms)
{
    if (window_ms == 3600000u)
        snprintf(out, 32, "hour");
    else if (window_ms == 60000u)
        snprintf(out, 32, "minute");
    else
        snprintf(out, 32, "%llu s", (unsigned long long)(window_ms / 1000u));
}

/* Count key against limit; on a refusal answer 429 (whom: "from this address" or "for this
 * email address") and audit the first refusal of the window. */
static int hit(struct cpc_http_res *res, struct cpc_platform *p, enum cpc_mail_route route,
               uint64_t key, uint32_t limit, const char *whom, const char *detail)
{
    if (limit == 0)
        return 0;
    uint64_t now = cpc_platform_now(p);
    struct cpc_rl_verdict v;
    cpc_ratelimit_hit(&p->mail_limiter, key, limit, p->mail_limits.window_ms, now, &v);
    if (v.allowed)
        return 0;
    if (v.refused == 1) { /* once per identity and window: floods do not flood the log */
        cpc__auth_audit(p, 0, "mail_rate_limited", detail);
        CPC_LOGW("auth: %s limit reached (%s); refusing until the window ends",
                 route_path[route], detail);
    }
    char ra[24], win[32];
    cpc__auth_retry_after(res, v.reset_ms, now, ra);
    window_text(win, p->mail_limits.window_ms);
    cpc_http_res_error(res, 429, "rate_limited",
                       "too many %s requests %s: at most %u per %s; retry in %s s",
                       route_path[route], whom, limit, win, ra);
    return -1;
}

int cpc__auth_mail_limit(struct cpc_http_req *req, struct cpc_http_res *res,
                         struct cpc_platform *p, enum cpc_mail_route route, const char *email)
{
    const struct cpc_mail_limits *l = &p->mail_limits;
    const char *ip = cpc__auth_ip(req);
    char detail[96];
    snprintf(detail, sizeof detail, "%s ip %.64s", route_name[route], ip);
    if (hit(res, p, route, cpc__limit_ip_key(p, (uint8_t)route, ip), l->per_ip[route],
            "from this address", detail) != 0)
        return -1;
    if (!email)
        return 0;
    snprintf(detail, sizeof detail, "%s email, ip %.64s", route_name[route], ip);
    return hit(res, p, route, cpc__limit_key(p, (uint8_t)route, 'e', email, strlen(email)),
               l->per_email[route], "for this email address", detail);
}

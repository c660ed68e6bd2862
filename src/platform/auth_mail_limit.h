/* auth_mail_limit.h — abuse limits of the unauthenticated routes that send
 * mail: POST /auth/register, /auth/verify/resend and /auth/password/forgot,
 * per client IP and per target email, each over a window of
 * [platform] mail_limit_window_s (default one hour).
 *
 * Design note. Counted in the platform's mail limiter (ratelimit.h, its own
 * table so floods of these routes cannot evict the windows of API keys and
 * access tokens). Identities are keyed by a keyed BLAKE2b (the platform's
 * limit key) of route, kind and value, so the table holds no email in clear;
 * an IPv6 peer counts by its /64 (one host holds a whole /64), an
 * IPv4-mapped one as IPv4. The IP is counted first and the email only when
 * the IP passed, so a refused address cannot use up someone's email budget.
 * The email is counted whether or not an account has it, and over the limit
 * both answer the same 429, so the limit reveals nothing about accounts.
 * Register has no email limit (a second sign-up of an address is 409 and
 * sends nothing). The first refusal of an identity in a window is audit-
 * logged (mail_rate_limited, never with the email) and logged once.
 */
#ifndef CPC_NODE_AUTH_MAIL_LIMIT_H
#define CPC_NODE_AUTH_MAIL_LIMIT_H

#include <stdint.h>

#include "../core/err.h"

struct cpc_config;
struct cpc_http_req;
struct cpc_http_res;
struct cpc_platform;

enum cpc_mail_route { CPC_MAIL_REGISTER, CPC_MAIL_RESEND, CPC_MAIL_FORGOT, CPC_MAIL_ROUTES };

#define CPC_MAIL_WINDOW_S_DEFAULT 3600u
#define CPC_MAIL_WINDOW_S_MAX (7u * 24u * 3600u)

struct cpc_mail_limits {
    uint64_t window_ms;
    uint32_t per_ip[CPC_MAIL_ROUTES];    /* requests per window per IP; 0 = no limit */
    uint32_t per_email[CPC_MAIL_ROUTES]; /* requests per window per email; 0 = no limit */
};

/* Fill *l (caller's struct) from c's [platform] section (defaults where absent); returns 0 or
 * CPC_ERR_INVALID with a message naming the setting. */
int cpc_mail_limits_read(struct cpc_mail_limits *l, const struct cpc_config *c,
                         struct cpc_err *err);
/* The limiter key (CPC_RL_KIND_MAIL | 62 bits) of an identity: keyed BLAKE2b-64 (p's limit
 * key) over domain (the mail routes use their enum value; other limits their own value
 * above CPC_MAIL_ROUTES), kind ('e' email, 'o' owner, ...) and value (len bytes, borrowed). */
uint64_t cpc__limit_key(const struct cpc_platform *p, uint8_t domain, char kind,
                        const void *value, size_t len);
/* The key of a client IP (text) in domain: its family and bytes, IPv6 cut to its /64 (one host
 * holds a whole /64), IPv4-mapped as IPv4, the text when it does not parse. */
uint64_t cpc__limit_ip_key(const struct cpc_platform *p, uint8_t domain, const char *ip);
/* Count this request of route from the peer of req for email (normalised; NULL: IP only) in
 * p's mail limiter; 0 when allowed, else 429 rate_limited with Retry-After is in res and -1.
 * req, p and email are borrowed. */
int cpc__auth_mail_limit(struct cpc_http_req *req, struct cpc_http_res *res,
                         struct cpc_platform *p, enum cpc_mail_route route, const char *email);

#endif

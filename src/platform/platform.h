/* platform.h — the platform context of a node (docs/platform.md): accounts
 * store, mailer, keys, settings and the clock every platform rule reads.
 *
 * Design note. One context per node, created at open and freed at close.
 * Settings come from HOME/config:
 *   [platform] jwt_secret (>= 32 chars; else HOME/platform.key, 32 random
 *              bytes made on first start, mode 0600), bind_sessions
 *              (default true: a refresh token only works from the IP and
 *              User-Agent it was issued to), argon2_opslimit and
 *              argon2_memlimit_kib (default libsodium INTERACTIVE; values
 *              below libsodium's MIN are raised to MIN — tests use MIN to
 *              stay fast), the mail-route limits (register_limit_ip,
 *              resend_limit_ip, resend_limit_email, forgot_limit_ip,
 *              forgot_limit_email, mail_limit_window_s; auth_mail_limit.h),
 *              wallet_send_daily_limit_cpc (a CPC decimal per user per rolling
 *              24 h of POST /me/wallet/send; default 0 = no limit;
 *              wallet_limit.h), max_servers_per_user (GPU servers a provider
 *              may list, 1..10000, default 100; routes_servers.c),
 *              fiat_gateway_key (a keyring name whose account credits fiat
 *              deposits; default `faucet` on a cpc-devnet chain, else none),
 *              payout_address (a cpc1 address receiving approved withdrawals;
 *              default the genesis treasury), payout_provider (default
 *              manual; payout.h) — routes_money.c;
 *   [market]   draft_limit_window_s, draft_limit_ip, draft_limit_owner,
 *              draft_ttl_s (drafts of POST /marketplace/jobs; draft_limit.h);
 *   [smtp]     see mailer.h;
 *   [webhooks] see webhooks.h.
 * Secrets derived here (JWT key, code-hash key, mail- and TOTP-sealing keys,
 * the API-key hash key, the wallet-sealing key and the limit key) never
 * leave this struct and are wiped on free. All platform time goes through
 * cpc_platform_now, so tests move the clock instead of sleeping; so do the
 * request limiter of API keys and access tokens and the mail-route limiter
 * (ratelimit.h).
 */
#ifndef CPC_NODE_PLATFORM_H
#define CPC_NODE_PLATFORM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/home.h"
#include "../core/err.h"
#include "auth_mail_limit.h"
#include "draft_limit.h"
#include "../http/ratelimit.h"

struct cpc_pstore;
struct cpc_mailer;
struct cpc_payout_provider;
struct cpc_webhooks;

typedef uint64_t (*cpc_clock_fn)(void *arg); /* unix milliseconds */

#define CPC_PLATFORM_SECRET_MAX 256
#define CPC_PLATFORM_HASH_STR 128 /* crypto_pwhash_STRBYTES */

struct cpc_platform {
    char home[CPC_PATH_MAX];
    struct cpc_pstore *store;
    struct cpc_mailer *mailer;
    uint8_t jwt_key[CPC_PLATFORM_SECRET_MAX];
    size_t jwt_key_len;
    uint8_t code_key[32];           /* keyed hash of email codes */
    uint8_t mail_key[32];           /* seals queued mail bodies */
    uint8_t totp_key[32];           /* seals TOTP secrets at rest */
    uint8_t apikey_key[32];         /* keyed hash of API keys and link challenges */
    uint8_t wallet_key[32];         /* seals custodial ledger keys at rest */
    uint8_t webhook_key[32];        /* seals webhook secrets at rest (webhooks.h) */
    struct cpc_webhooks *webhooks;  /* [webhooks]: the delivery threads (webhooks.h) */
    uint8_t limit_key[32];          /* keyed hash of the mail limiter's IPs and emails, and of
                                     * the unknown emails whose failed logins are counted */
    struct cpc_ratelimit limiter;   /* per API key / access-token subject requests */
    struct cpc_ratelimit mail_limiter;    /* register / resend / forgot per IP and email */
    struct cpc_mail_limits mail_limits;   /* their settings (auth_mail_limit.h) */
    struct cpc_ratelimit draft_limiter;   /* POST /marketplace/jobs per IP and owner */
    struct cpc_draft_limits draft_limits; /* their settings and the drafts' life (draft_limit.h) */
    char dummy_hash[CPC_PLATFORM_HASH_STR]; /* verified for unknown emails (timing) */
    unsigned long long pw_ops;
    size_t pw_mem;
    atomic_uint_fast64_t login_pw_verifies; /* argon2id verifications by POST /auth/login */
    int bind_sessions;
    uint64_t send_daily_limit;      /* base units per user per 24 h of custodial sends; 0 = none */
    uint32_t max_servers_per_user;  /* [platform] max_servers_per_user */
    char public_url[256];           /* [platform] public_url: base of links in mail */
    char fiat_gateway_key[65];      /* [platform] fiat_gateway_key: keyring name; "" = default */
    char payout_address[48];        /* [platform] payout_address; "" = the treasury */
    const struct cpc_payout_provider *payout; /* [platform] payout_provider (payout.h) */
    cpc_clock_fn clock;
    void *clock_arg;
    pthread_mutex_t custody_mu;     /* one custodial tx signed at a time (nonce order) */
};

/* Read settings, load or create the secret, open the store (tables in db_path)
 * and the mailer (not yet delivering). Caller frees with cpc_platform_free. */
int cpc_platform_new(struct cpc_platform **out, const char *home, const char *db_path,
                     struct cpc_err *err);
/* Start background mail delivery. */
int cpc_platform_start(struct cpc_platform *p, struct cpc_err *err);
/* Replace the clock (tests); call before cpc_platform_start. fn NULL = wall clock. */
void cpc_platform_set_clock(struct cpc_platform *p, cpc_clock_fn fn, void *arg);
/* The platform's current time in unix ms. */
uint64_t cpc_platform_now(const struct cpc_platform *p);
/* Stop the mailer, close the store, wipe the keys; NULL accepted. */
void cpc_platform_free(struct cpc_platform *p);

#endif

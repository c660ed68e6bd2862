/* platform.c — create and free the platform context (platform.h): settings,
 * the master secret, derived keys, the dummy password hash, store, mailer.
 *
 * Design note. The master secret is [platform] jwt_secret when set (at least
 * 32 characters), else HOME/platform.key: 32 random bytes written atomically
 * with mode 0600 on first start and reused after. The JWT key is the secret
 * itself; the code, mail, TOTP, API-key, wallet and limit keys are libsodium KDF
 * subkeys of its SHA-256, so
 * one leaked derived key does not give the others. The dummy hash is made
 * once at start with the configured limits, so a login for an unknown email
 * costs the same argon2 verification as a real one.
 */
#include "platform.h"

#include <oath.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../common/config.h"
#include "webhooks.h"
#include "../store/platform_store.h"
#include "mailer.h"
#include "wallet_limit.h"
#include "../common/clock.h"
#include "../common/keyring.h"
#include "../core/bech32.h"
#include "payout.h"

static int bool_value(const char *v, int def)
{
    if (!v)
        return def;
    if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
        return 0;
    return 1;
}

static int load_secret(struct cpc_platform *p, const struct cpc_config *c, struct cpc_err *err)
{
    const char *v = cpc_config_get(c, "platform", "jwt_secret");
    if (v && *v) {
        size_t n = strlen(v);
        if (n < 32 || n > CPC_PLATFORM_SECRET_MAX)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "[platform] jwt_secret must be 32..%d characters",
                               CPC_PLATFORM_SECRET_MAX);
        memcpy(p->jwt_key, v, n);
        p->jwt_key_len = n;
        return 0;
    }
    char path[CPC_PATH_MAX];
    cpc_home_path(path, sizeof path, p->home, "platform.key");
    char *text = NULL;
    size_t len = 0;
    int rc = cpc_read_file(path, 4096, &text, &len, err);
    if (rc == 0) {
        if (len != 32) {
            sodium_memzero(text, len);
            free(text);
            return cpc_err_set(err, CPC_ERR_INVALID, "%s must hold exactly 32 bytes", path);
        }
        memcpy(p->jwt_key, text, 32);
        sodium_memzero(text, len);
        free(text);
        p->jwt_key_len = 32;
        return 0;
    }
    if (rc != CPC_ERR_NOT_FOUND)
        return rc;
    randombytes_buf(p->jwt_key, 32);
    p->jwt_key_len = 32;
    if ((rc = cpc_write_file_atomic(path, p->jwt_key, 32, 0600, err)) != 0)
        return cpc_err_prefix(err, "writing %s", path);
    return 0;
}

static int derive_keys(struct cpc_platform *p)
{
    uint8_t master[crypto_kdf_KEYBYTES];
    crypto_hash_sha256(master, p->jwt_key, p->jwt_key_len);
    int rc = crypto_kdf_derive_from_key(p->code_key, sizeof p->code_key, 1, "cpc-code", master);
    if (rc == 0)
        rc = crypto_kdf_derive_from_key(p->mail_key, sizeof p->mail_key, 2, "cpc-mail", master);
    if (rc == 0)
        rc = crypto_kdf_derive_from_key(p->totp_key, sizeof p->totp_key, 3, "cpc-totp", master);
    if (rc == 0)
        rc = crypto_kdf_derive_from_key(p->apikey_key, sizeof p->apikey_key, 4, "cpc-apik",
                                        master);
    if (rc == 0)
        rc = crypto_kdf_derive_from_key(p->wallet_key, sizeof p->wallet_key, 5, "cpc-wall",
                                        master);
    if (rc == 0)
        rc = crypto_kdf_derive_from_key(p->limit_key, sizeof p->limit_key, 6, "cpc-rlim",
                                        master);
    if (rc == 0)
        rc = crypto_kdf_derive_from_key(p->webhook_key, sizeof p->webhook_key, 7, "cpc-hook",
                                        master);
    sodium_memzero(master, sizeof master);
    return rc;
}

/* [platform] fiat_gateway_key, payout_address, payout_provider (routes_money.c). */
static int money_settings_read(struct cpc_platform *p, const struct cpc_config *c,
                               struct cpc_err *err)
{
    const char *key = cpc_config_get(c, "platform", "fiat_gateway_key");
    const char *addr = cpc_config_get(c, "platform", "payout_address");
    const char *prov = cpc_config_get(c, "platform", "payout_provider");
    uint8_t hash[CPC_ADDR_HASH_LEN];
    if (key && *key) {
        if (cpc_keyring_check_name(key, err) != 0)
            return cpc_err_prefix(err, "[platform] fiat_gateway_key");
        snprintf(p->fiat_gateway_key, sizeof p->fiat_gateway_key, "%s", key);
    }
    if (addr && *addr) {
        if (strlen(addr) >= sizeof p->payout_address || cpc_address_decode(hash, addr) != 0)
            return cpc_err_set(err, CPC_ERR_INVALID, "[platform] payout_address: not a cpc1 "
                                                     "address");
        snprintf(p->payout_address, sizeof p->payout_address, "%s", addr);
    }
    p->payout = cpc_payout_provider_find(prov && *prov ? prov : "manual");
    if (!p->payout)
        return cpc_err_set(err, CPC_ERR_INVALID, "[platform] payout_provider: unknown (manual)");
    return 0;
}

static int read_settings(struct cpc_platform *p, const struct cpc_config *c, struct cpc_err *err)
{
    uint64_t ops = 0, kib = 0;
    int rc;
    if ((rc = cpc_config_get_u64(c, "platform", "argon2_opslimit",
                                 crypto_pwhash_OPSLIMIT_INTERACTIVE, &ops, err)) != 0 ||
        (rc = cpc_config_get_u64(c, "platform", "argon2_memlimit_kib",
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024u, &kib, err)) != 0)
        return cpc_err_prefix(err, "[platform]");
    if (ops < crypto_pwhash_OPSLIMIT_MIN)
        ops = crypto_pwhash_OPSLIMIT_MIN;
    if (ops > crypto_pwhash_OPSLIMIT_SENSITIVE)
        ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
    uint64_t mem = kib * 1024u;
    if (mem < crypto_pwhash_MEMLIMIT_MIN)
        mem = crypto_pwhash_MEMLIMIT_MIN;
    if (mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
        mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
    p->pw_ops = ops;
    p->pw_mem = (size_t)mem;
    if ((rc = cpc_mail_limits_read(&p->mail_limits, c, err)) != 0 ||
        (rc = cpc_wallet_limit_read(&p->send_daily_limit, c, err)) != 0 ||
        (rc = cpc_draft_limits_read(&p->draft_limits, c, err)) != 0)
        return rc;
    uint64_t servers = 0;
    if ((rc = cpc_config_get_u64(c, "platform", "max_servers_per_user", 100, &servers, err)) != 0)
        return cpc_err_prefix(err, "[platform]");
    if (servers < 1 || servers > 10000)
        return cpc_err_set(err, CPC_ERR_INVALID, "[platform] max_servers_per_user: 1..10000");
    p->max_servers_per_user = (uint32_t)servers;
    if ((rc = money_settings_read(p, c, err)) != 0)
        return rc;
    p->bind_sessions = bool_value(cpc_config_get(c, "platform", "bind_sessions"), 1);
    /* links in mail point here; the node's own default address otherwise */
    const char *url = cpc_config_get(c, "platform", "public_url");
    const char *listen = cpc_config_get(c, "node", "listen");
    if (url && *url)
        snprintf(p->public_url, sizeof p->public_url, "%s", url);
    else
        snprintf(p->public_url, sizeof p->public_url, "http://%s",
                 listen && *listen ? listen : "127.0.0.1:8000");
    size_t n = strlen(p->public_url);
    while (n && p->public_url[n - 1] == '/')
        p->public_url[--n] = 0;
    return 0;
}

int cpc_platform_new(struct cpc_platform **out, const char *home, const char *db_path,
                     struct cpc_err *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return cpc_err_set(err, CPC_ERR_CRYPTO, "libsodium failed to initialise");
    if (oath_init() != OATH_OK) /* idempotent; TOTP needs it */
        return cpc_err_set(err, CPC_ERR_CRYPTO, "liboath failed to initialise");
    struct cpc_platform *p = sodium_malloc(sizeof *p);
    if (!p)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    memset(p, 0, sizeof *p);
    cpc_ratelimit_init(&p->limiter);
    cpc_ratelimit_init(&p->mail_limiter);
    cpc_ratelimit_init(&p->draft_limiter);
    pthread_mutex_init(&p->custody_mu, NULL);
    snprintf(p->home, sizeof p->home, "%s", home);
    p->clock = cpc_clock_wall_ms_fn;

    struct cpc_config *c = NULL;
    char path[CPC_PATH_MAX];
    int rc = cpc_config_load_home(&c, home, path, sizeof path, err);
    if (rc != 0)
        goto fail;
    /* the secrets below may come from it: warn at start when others can read it */
    cpc_config_warn_exposed(path, NULL);
    if ((rc = read_settings(p, c, err)) != 0 || (rc = load_secret(p, c, err)) != 0)
        goto fail;
    if (derive_keys(p) != 0) {
        rc = cpc_err_set(err, CPC_ERR_CRYPTO, "cannot derive the platform keys");
        goto fail;
    }
    if (crypto_pwhash_str(p->dummy_hash, "cpc dummy password 0", 20, p->pw_ops, p->pw_mem) != 0) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "argon2id: out of memory");
        goto fail;
    }
    if ((rc = cpc_pstore_open(&p->store, db_path, err)) != 0)
        goto fail;
    struct cpc_mailer_opts mo = {
        .home = home, .config = c, .key = p->mail_key, .clock = p->clock, .clock_arg = NULL};
    if ((rc = cpc_mailer_new(&p->mailer, p->store, &mo, err)) != 0 ||
        (rc = cpc_webhooks_new(&p->webhooks, p, c, err)) != 0)
        goto fail;
    cpc_config_free(c);
    *out = p;
    return 0;
fail:
    cpc_config_free(c);
    cpc_platform_free(p);
    return cpc_err_prefix(err, "platform");
}

int cpc_platform_start(struct cpc_platform *p, struct cpc_err *err)
{
    int rc = cpc_mailer_start(p->mailer, err);
    return rc ? rc : cpc_webhooks_start(p->webhooks, err);
}

void cpc_platform_set_clock(struct cpc_platform *p, cpc_clock_fn fn, void *arg)
{
    p->clock = fn ? fn : cpc_clock_wall_ms_fn;
    p->clock_arg = fn ? arg : NULL;
    cpc_mailer_set_clock(p->mailer, p->clock, p->clock_arg);
}

uint64_t cpc_platform_now(const struct cpc_platform *p) { return p->clock(p->clock_arg); }

void cpc_platform_free(struct cpc_platform *p)
{
    if (!p)
        return;
    cpc_webhooks_free(p->webhooks);
    cpc_mailer_free(p->mailer);
    cpc_pstore_close(p->store);
    cpc_ratelimit_destroy(&p->limiter);
    cpc_ratelimit_destroy(&p->mail_limiter);
    cpc_ratelimit_destroy(&p->draft_limiter);
    pthread_mutex_destroy(&p->custody_mu);
    sodium_free(p); /* wipes the keys */
}

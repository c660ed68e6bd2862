/* platform_store.h — persistence of platform accounts (docs/platform.md):
 * users, email codes, refresh tokens, login attempts, the audit log and the
 * mail queue (platform_sqlite.c); profile, password reset lookup, TOTP
 * secrets, recovery codes and the read side of the attempts and audit log
 * (platform_sqlite_account.c); API keys, ledger wallets and link challenges
 * (platform_sqlite_keys.c); the accounting of custodial sends for the daily
 * limit (platform_sqlite_wallet.c); the providers' GPU servers and the
 * catalogue's reads (platform_sqlite_servers.c); fiat deposits and withdrawal
 * requests (platform_sqlite_money.c).
 *
 * Design note. This is an interface: an opaque handle plus plain-data rows,
 * so a PostgreSQL implementation can replace platform_sqlite.c without
 * touching the callers. Nothing here is secret in clear: passwords arrive as
 * argon2id strings, codes and refresh tokens as 32-byte hashes, mail bodies
 * as sealed blobs (the caller encrypts). Every call is thread-safe (the
 * SQLite implementation serialises one connection behind a mutex; platform
 * traffic is small next to the ledger's). Times are unix milliseconds given
 * by the caller (its injectable clock), never read here. Returns 0 or a
 * negative cpc_errcode with err filled; CPC_ERR_NOT_FOUND for a missing row,
 * CPC_ERR_DUPLICATE for a unique-key clash.
 */
#ifndef CPC_STORE_PLATFORM_STORE_H
#define CPC_STORE_PLATFORM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

struct cpc_pstore; /* opaque */

#define CPC_ROLE_PROVIDER 1u
#define CPC_ROLE_CUSTOMER 2u
#define CPC_ROLE_ADMIN 4u

#define CPC_PUSER_EMAIL_MAX 254
#define CPC_PUSER_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
#define CPC_PUSER_NAME_MAX 100

struct cpc_puser {
    int64_t id;
    char email[CPC_PUSER_EMAIL_MAX + 1];
    char password_hash[CPC_PUSER_HASH_MAX + 1];
    uint32_t roles;             /* CPC_ROLE_* bits */
    int email_verified;
    char kyc_status[16];        /* "none", later "pending", "verified", ... */
    int blocked;
    uint32_t failed_logins;     /* since the last success or lockout */
    uint64_t locked_until_ms;   /* 0 = not locked */
    uint64_t created_ms;
    uint32_t token_version;     /* bumped by logout-all: older access tokens die */
    char display_name[CPC_PUSER_NAME_MAX + 1];
    int totp_enabled;           /* 2FA active (user_totp.enabled) */
};

#define CPC_PCODE_VERIFY "verify"
#define CPC_PCODE_RESET "reset"

#define CPC_PREFRESH_IP_MAX 63
#define CPC_PREFRESH_UA_MAX 255

struct cpc_prefresh {
    int64_t id;
    int64_t user;
    char family[33];            /* 32 hex chars, shared by a chain of rotations */
    uint8_t token_hash[32];     /* SHA-256 of the token */
    char ip[CPC_PREFRESH_IP_MAX + 1];
    char user_agent[CPC_PREFRESH_UA_MAX + 1];
    uint64_t created_ms, last_used_ms, expires_ms;
    int remember_me;
    int revoked;
    int64_t replaced_by;        /* 0 = not rotated */
};

struct cpc_pmail {
    int64_t id;
    char *to;                   /* malloc'd; cpc_pmail_clear frees */
    char *subject;
    uint8_t *body;              /* sealed blob as given to cpc_pstore_mail_add */
    size_t body_len;
    uint32_t attempts;
};

/* Open (creating if needed) the platform tables in the SQLite file at path and run
 * its own pending migrations (table platform_migrations). Caller closes with cpc_pstore_close. */
int cpc_pstore_open(struct cpc_pstore **out, const char *path, struct cpc_err *err);
/* Close; NULL accepted. */
void cpc_pstore_close(struct cpc_pstore *s);
/* Highest applied platform migration (for tests). */
int cpc_pstore_schema_version(struct cpc_pstore *s);

/* ---- users ---- */
/* Insert a user (email already normalised; stored verbatim). *id gets the new id.
 * CPC_ERR_DUPLICATE when the email exists. Strings are copied. */
int cpc_pstore_user_create(struct cpc_pstore *s, const char *email, const char *password_hash,
                           uint32_t roles, uint64_t now_ms, int64_t *id, struct cpc_err *err);
/* Fill *u (caller's struct) by email or id; CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_user_by_email(struct cpc_pstore *s, const char *email, struct cpc_puser *u,
                             struct cpc_err *err);
int cpc_pstore_user_by_id(struct cpc_pstore *s, int64_t id, struct cpc_puser *u,
                          struct cpc_err *err);
/* Mark the email verified. */
int cpc_pstore_user_set_verified(struct cpc_pstore *s, int64_t id, struct cpc_err *err);
/* Count one failed login; when the count reaches max_failures the account is locked
 * until lock_until_ms and the count restarts (*locked = 1). */
int cpc_pstore_user_login_failed(struct cpc_pstore *s, int64_t id, uint32_t max_failures,
                                 uint64_t lock_until_ms, int *locked, struct cpc_err *err);
/* A successful login: the failure count goes back to 0. */
int cpc_pstore_user_login_ok(struct cpc_pstore *s, int64_t id, struct cpc_err *err);
/* token_version += 1 (every access token issued before dies). */
int cpc_pstore_user_bump_token_version(struct cpc_pstore *s, int64_t id, struct cpc_err *err);

/* ---- email codes (hashed) ---- */
/* Retire the user's unused codes of this purpose, then store a new one. */
int cpc_pstore_code_put(struct cpc_pstore *s, int64_t user, const char *purpose,
                        const uint8_t code_hash[32], uint64_t expires_ms, struct cpc_err *err);
/* The newest unused, unexpired code: *id and hash_out (32 bytes). CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_code_active(struct cpc_pstore *s, int64_t user, const char *purpose,
                           uint64_t now_ms, int64_t *id, uint8_t hash_out[32],
                           struct cpc_err *err);
/* Mark a code used. */
int cpc_pstore_code_use(struct cpc_pstore *s, int64_t id, struct cpc_err *err);
/* Count a wrong guess; the code is retired at max_attempts. */
int cpc_pstore_code_fail(struct cpc_pstore *s, int64_t id, uint32_t max_attempts,
                         struct cpc_err *err);

/* ---- refresh tokens (hashed) ---- */
/* Insert r (r->id ignored); *id gets the new row id. */
int cpc_pstore_refresh_insert(struct cpc_pstore *s, const struct cpc_prefresh *r, int64_t *id,
                              struct cpc_err *err);
/* Fill *r (caller's struct) from the row whose hash matches. CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_refresh_by_hash(struct cpc_pstore *s, const uint8_t hash[32],
                               struct cpc_prefresh *r, struct cpc_err *err);
/* In one transaction: insert next, then mark old_id revoked and replaced by it
 * (only if it is still live). CPC_ERR_DUPLICATE (nothing written) when old_id was
 * already revoked or rotated: a concurrent reuse. */
int cpc_pstore_refresh_rotate(struct cpc_pstore *s, int64_t old_id,
                              const struct cpc_prefresh *next, uint64_t now_ms,
                              int64_t *new_id, struct cpc_err *err);
/* Revoke one token / a whole family / every token of a user (*n = rows changed, may be NULL). */
int cpc_pstore_refresh_revoke(struct cpc_pstore *s, int64_t id, struct cpc_err *err);
int cpc_pstore_refresh_revoke_family(struct cpc_pstore *s, const char *family, int *n,
                                     struct cpc_err *err);
int cpc_pstore_refresh_revoke_user(struct cpc_pstore *s, int64_t user, int *n,
                                   struct cpc_err *err);

/* ---- login attempts, audit ---- */
/* Record one login attempt (strings copied; email normalised). rate_limited marks an
 * attempt refused by the rate limit: kept for the record, not counted by attempt_nth. */
int cpc_pstore_attempt_add(struct cpc_pstore *s, const char *email, const char *ip, int success,
                           int rate_limited, uint64_t ms, const char *user_agent,
                           struct cpc_err *err);
/* The time of the nth (1-based) most recent counted attempt from ip at or after
 * since_ms: *found = 0 when there are fewer than nth. */
int cpc_pstore_attempt_nth(struct cpc_pstore *s, const char *ip, uint64_t since_ms, uint32_t nth,
                           int *found, uint64_t *ms, struct cpc_err *err);
/* Append an audit row (user 0 = none; detail may be NULL; never a secret). */
int cpc_pstore_audit(struct cpc_pstore *s, uint64_t ms, int64_t user, const char *event,
                     const char *detail, struct cpc_err *err);

/* ---- mail queue ---- */
/* Queue a message (strings and body copied); *id may be NULL. */
int cpc_pstore_mail_add(struct cpc_pstore *s, const char *to, const char *subject,
                        const uint8_t *body, size_t body_len, uint64_t now_ms, int64_t *id,
                        struct cpc_err *err);
/* The oldest unsent message due at now_ms into *m (caller frees with cpc_pmail_clear).
 * CPC_ERR_NOT_FOUND if none is due. */
int cpc_pstore_mail_next_due(struct cpc_pstore *s, uint64_t now_ms, struct cpc_pmail *m,
                             struct cpc_err *err);
/* Earliest next_try_ms among unsent messages; CPC_ERR_NOT_FOUND if none is pending. */
int cpc_pstore_mail_earliest(struct cpc_pstore *s, uint64_t *ms, struct cpc_err *err);
/* Delivered: sent_ms set and the body wiped. */
int cpc_pstore_mail_sent(struct cpc_pstore *s, int64_t id, uint64_t now_ms, struct cpc_err *err);
/* A failed try: attempts += 1, retry at next_try_ms, last_error kept (copied; no secrets). */
int cpc_pstore_mail_failed(struct cpc_pstore *s, int64_t id, uint64_t next_try_ms,
                           const char *last_error, struct cpc_err *err);
/* Free a message's strings; NULL accepted. */
void cpc_pmail_clear(struct cpc_pmail *m);

/* ==== profile, reset tokens, TOTP, recovery codes, history (platform_sqlite_account.c) ==== */

#define CPC_PTOTP_SEALED_MAX 256
#define CPC_RECOVERY_CODES 10

struct cpc_pattempt {
    int64_t id;
    char ip[CPC_PREFRESH_IP_MAX + 1];
    char user_agent[CPC_PREFRESH_UA_MAX + 1];
    uint64_t ms;
    int success;
};

struct cpc_paudit {
    int64_t id;
    uint64_t ms;
    int64_t user;               /* 0 = none */
    char event[48];
    char detail[256];
};

/* ---- users: profile and administration ---- */
/* New password hash; also clears the failed-login count and any lockout. */
int cpc_pstore_user_set_password(struct cpc_pstore *s, int64_t id, const char *password_hash,
                                 struct cpc_err *err);
/* roles := CPC_ROLE_* bits. */
int cpc_pstore_user_set_roles(struct cpc_pstore *s, int64_t id, uint32_t roles,
                              struct cpc_err *err);
/* display_name (copied, <= CPC_PUSER_NAME_MAX bytes). */
int cpc_pstore_user_set_display_name(struct cpc_pstore *s, int64_t id, const char *name,
                                     struct cpc_err *err);
/* blocked := 0/1. */
int cpc_pstore_user_set_blocked(struct cpc_pstore *s, int64_t id, int blocked,
                                struct cpc_err *err);
/* kyc_status := status (one of none, pending, verified, rejected; copied). */
int cpc_pstore_user_set_kyc(struct cpc_pstore *s, int64_t id, const char *status,
                            struct cpc_err *err);

/* ---- reset tokens (email_codes rows found by hash) ---- */
/* The unused, unexpired code of purpose whose hash is hash: *id and *user.
 * CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_code_by_hash(struct cpc_pstore *s, const char *purpose, const uint8_t hash[32],
                            uint64_t now_ms, int64_t *id, int64_t *user, struct cpc_err *err);
/* Mark code id used; *won = 1 only for the caller that flipped it (single use under races). */
int cpc_pstore_code_claim(struct cpc_pstore *s, int64_t id, int *won, struct cpc_err *err);

/* ---- TOTP (secret sealed by the caller) and recovery codes (hashed) ---- */
/* Store a new, not yet enabled secret for user (replaces a pending one). CPC_ERR_DUPLICATE
 * when 2FA is already enabled. */
int cpc_pstore_totp_put(struct cpc_pstore *s, int64_t user, const uint8_t *sealed, size_t len,
                        uint64_t now_ms, struct cpc_err *err);
/* The user's sealed secret into buf (cap bytes), *len, *enabled, *last_step.
 * CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_totp_get(struct cpc_pstore *s, int64_t user, uint8_t *buf, size_t cap,
                        size_t *len, int *enabled, uint64_t *last_step, struct cpc_err *err);
/* Record that the code of time step `step` was used: *ok = 0 when a code of that step or
 * a later one was already accepted (a replay). */
int cpc_pstore_totp_use_step(struct cpc_pstore *s, int64_t user, uint64_t step, int *ok,
                             struct cpc_err *err);
/* In one transaction: enable 2FA (last_step := step) and replace the recovery codes by
 * the CPC_RECOVERY_CODES given hashes. CPC_ERR_NOT_FOUND if no pending secret. */
int cpc_pstore_totp_enable(struct cpc_pstore *s, int64_t user, uint64_t step,
                           const uint8_t hashes[][32], struct cpc_err *err);
/* Remove the secret and every recovery code of user. */
int cpc_pstore_totp_disable(struct cpc_pstore *s, int64_t user, struct cpc_err *err);
/* Use an unused recovery code of user with this hash: *ok = 1 if one was consumed. */
int cpc_pstore_recovery_use(struct cpc_pstore *s, int64_t user, const uint8_t hash[32], int *ok,
                            struct cpc_err *err);

/* ---- reads ---- */
/* Login attempts for email, newest first, after skipping offset: up to cap rows into the
 * caller's array, *n = rows filled. */
int cpc_pstore_attempt_list(struct cpc_pstore *s, const char *email, uint32_t offset,
                            struct cpc_pattempt *rows, size_t cap, size_t *n,
                            struct cpc_err *err);
/* The audit log, newest first, same paging. */
int cpc_pstore_audit_list(struct cpc_pstore *s, uint32_t offset, struct cpc_paudit *rows,
                          size_t cap, size_t *n, struct cpc_err *err);

/* ==== API keys, ledger wallets, link challenges (platform_sqlite_keys.c) ==== */

#define CPC_PAPIKEY_NAME_MAX 64
#define CPC_PAPIKEY_PREFIX_LEN 12   /* "cpc_" + 8 characters of the key: not secret */
#define CPC_PAPIKEY_IPS_MAX 800     /* comma-separated canonical CIDRs */
#define CPC_PWALLET_SEALED_MAX 128

struct cpc_papikey {
    int64_t id;
    int64_t user;
    char name[CPC_PAPIKEY_NAME_MAX + 1];
    char prefix[CPC_PAPIKEY_PREFIX_LEN + 1];
    uint32_t scopes;            /* CPC_SCOPE_* bits (auth_apikey.h) */
    char ip_whitelist[CPC_PAPIKEY_IPS_MAX + 1]; /* "" = any address */
    uint32_t rate_per_min;
    uint64_t created_ms;
};

struct cpc_pwallet {
    int64_t user;
    char custodial_address[48]; /* cpc1... of the custodial key */
    uint8_t sealed_key[CPC_PWALLET_SEALED_MAX]; /* the custodial secret key, sealed by the caller */
    size_t sealed_len;
    char linked_address[48];    /* "" = the custodial address is the wallet */
    uint64_t created_ms, linked_ms;
};

/* ---- API keys (stored as a keyed hash) ---- */
/* Insert k (k->id ignored) with the key's hash; *id gets the new id. At most max_per_user
 * keys per user: CPC_ERR_TOO_LARGE beyond (nothing written). */
int cpc_pstore_apikey_insert(struct cpc_pstore *s, const struct cpc_papikey *k,
                             const uint8_t hash[32], uint32_t max_per_user, int64_t *id,
                             struct cpc_err *err);
/* Fill *k (caller's struct) from the key whose hash matches. CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_apikey_by_hash(struct cpc_pstore *s, const uint8_t hash[32],
                              struct cpc_papikey *k, struct cpc_err *err);
/* The user's keys, oldest first: up to cap rows into the caller's array, *n filled. */
int cpc_pstore_apikey_list(struct cpc_pstore *s, int64_t user, struct cpc_papikey *rows,
                           size_t cap, size_t *n, struct cpc_err *err);
/* Delete key id if it belongs to user: *deleted = 1 if a row went. */
int cpc_pstore_apikey_delete(struct cpc_pstore *s, int64_t user, int64_t id, int *deleted,
                             struct cpc_err *err);

/* ---- ledger wallets ---- */
/* Fill *w (caller's struct; wipe sealed_key after use). CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_wallet_get(struct cpc_pstore *s, int64_t user, struct cpc_pwallet *w,
                          struct cpc_err *err);
/* Create the user's wallet with a custodial address and its sealed key (copied).
 * CPC_ERR_DUPLICATE when one exists (a concurrent first use: read it again). */
int cpc_pstore_wallet_create(struct cpc_pstore *s, int64_t user, const char *address,
                             const uint8_t *sealed, size_t len, uint64_t now_ms,
                             struct cpc_err *err);
/* The wallet becomes address (copied); the custodial key is kept. CPC_ERR_NOT_FOUND if
 * the user has no wallet row. */
int cpc_pstore_wallet_link(struct cpc_pstore *s, int64_t user, const char *address,
                           uint64_t now_ms, struct cpc_err *err);

/* ---- link challenges (stored as a hash; single use) ---- */
/* Store a challenge hash for user, valid until expires_ms. */
int cpc_pstore_challenge_put(struct cpc_pstore *s, int64_t user, const uint8_t hash[32],
                             uint64_t expires_ms, struct cpc_err *err);
/* Spend the user's unused, unexpired challenge with this hash: *ok = 1 only for the caller
 * that spent it (single use under races). */
int cpc_pstore_challenge_claim(struct cpc_pstore *s, int64_t user, const uint8_t hash[32],
                               uint64_t now_ms, int *ok, struct cpc_err *err);

/* ---- login timing ---- */
/* In one transaction: record a failed, not rate-limited login attempt (strings copied, as
 * cpc_pstore_attempt_add) and count the failure of user id (as cpc_pstore_user_login_failed,
 * *locked = 1 when it locks), so a wrong password for a known email commits once, like the
 * attempt row of an unknown email. */
int cpc_pstore_login_failed_record(struct cpc_pstore *s, int64_t id, const char *email,
                                   const char *ip, uint64_t ms, const char *user_agent,
                                   uint32_t max_failures, uint64_t lock_until_ms, int *locked,
                                   struct cpc_err *err);

/* ---- failed logins of unknown emails (platform migration 5) ----
 * Counted like an account's (max_failures lock the email until lock_until_ms)
 * under key, a keyed hash of the email the caller makes: the email itself is
 * never stored here. Bounded: every record first deletes the rows whose last
 * failure is before keep_since_ms, then keeps at most max_rows rows (>= 1),
 * dropping the least recently failed others. */
struct cpc_punknown_limits {
    uint32_t max_failures;
    uint64_t lock_until_ms;
    uint64_t keep_since_ms;
    uint32_t max_rows;
};
/* *until_ms = when key's lock ends (0: never locked, or no failures kept). */
int cpc_pstore_unknown_login_locked_until(struct cpc_pstore *s, const uint8_t key[32],
                                          uint64_t *until_ms, struct cpc_err *err);
/* In one transaction: record a failed login attempt (strings copied, as
 * cpc_pstore_attempt_add), count the failure of key, lock it at lim->max_failures
 * (*locked = 1 when this failure locks it) and apply the bounds; one commit, as
 * cpc_pstore_login_failed_record for an account. lim is borrowed. */
int cpc_pstore_unknown_login_failed_record(struct cpc_pstore *s, const uint8_t key[32],
                                           const char *email, const char *ip, uint64_t ms,
                                           const char *user_agent,
                                           const struct cpc_punknown_limits *lim, int *locked,
                                           struct cpc_err *err);

/* ==== custodial send accounting (platform_sqlite_wallet.c) ==== */

/* A user's recorded sends with ms > since (the caller's window). */
struct cpc_psend_window {
    uint64_t sum;           /* their amounts, base units */
    uint32_t count;
    uint64_t oldest_ms;     /* the oldest one's time (0 when count is 0) */
    uint64_t oldest_amount; /* the amounts recorded at oldest_ms */
};

/* In one transaction: delete user's sends with ms <= since_ms (out of the window), then
 * record a send of amount (1 .. 2^63-1) at now_ms, tx hash to come, only when limit is 0
 * or the sum of the sends with ms > since_ms plus amount is at most limit (<= 2^63-1).
 * *ok = 1 and *id = the row when recorded; *ok = 0 (nothing recorded) over the limit. */
int cpc_pstore_send_reserve(struct cpc_pstore *s, int64_t user, uint64_t now_ms,
                            uint64_t since_ms, uint64_t amount, uint64_t limit, int64_t *id,
                            int *ok, struct cpc_err *err);
/* Set the tx hash (64 hex, copied) of the reserved send id. CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_send_confirm(struct cpc_pstore *s, int64_t id, const char *tx_hash,
                            struct cpc_err *err);
/* Delete the reserved send id (its tx was not admitted); a missing row is not an error. */
int cpc_pstore_send_cancel(struct cpc_pstore *s, int64_t id, struct cpc_err *err);
/* Fill *w (caller's struct) with user's sends since since_ms (exclusive). */
int cpc_pstore_send_window(struct cpc_pstore *s, int64_t user, uint64_t since_ms,
                           struct cpc_psend_window *w, struct cpc_err *err);

/* ==== GPU servers (platform_sqlite_servers.c, platform migration 6) ==== */

#define CPC_PSERVER_MODEL_MAX 31
#define CPC_PSERVER_CPU_MAX 128
#define CPC_PSERVER_HOST_MAX 253
#define CPC_PSERVER_CITY_MAX 64

/* One provider's server: plain data, copied in and out. The caller fills id (a random
 * UUID), price_per_hour (what a customer pays per hour, commission included) and score
 * (routes_servers.c); worker_addr "" = no worker bound (NULL in the table). */
struct cpc_pserver {
    char id[37];
    int64_t owner;
    char gpu_model[CPC_PSERVER_MODEL_MAX + 1];
    uint32_t gpu_count, vram_gb, cuda_cores;
    char cpu[CPC_PSERVER_CPU_MAX + 1];
    uint32_t ram_gb, disk_gb;
    char host[CPC_PSERVER_HOST_MAX + 1];
    uint32_t ssh_port_min, ssh_port_max;
    char country[3];
    char city[CPC_PSERVER_CITY_MAX + 1];
    uint64_t price_per_gpu_hour; /* base units, what the provider receives */
    uint64_t price_per_hour;     /* base units, what the customer pays for the whole server */
    uint64_t score;
    char worker_addr[48];        /* cpc1 address or "" */
    uint64_t created_ms, updated_ms;
    int maintenance; /* 1: out of the catalogue, not rentable (migration 12; read only) */
};

/* Catalogue filters: "" and 0 mean "any". Rows come sorted by price_per_hour (then id),
 * or by score descending (then price, id) when sort_by_score; limit rows from offset. */
struct cpc_pserver_filter {
    const char *gpu_model, *country, *city; /* borrowed; "" = any */
    uint64_t min_price, max_price;           /* on price_per_hour; max 0 = none */
    uint32_t min_vram_gb, min_gpu_count;
    int sort_by_score;
    uint64_t limit, offset;
};

/* Called for each row (borrowed for the call; copy what you keep), under the store's lock:
 * it must not call the store. Return non-zero to stop. */
typedef int (*cpc_pserver_fn)(void *arg, const struct cpc_pserver *row);

/* Insert r (copied) unless its owner already has max_per_user servers (CPC_ERR_TOO_LARGE,
 * checked in the same statement); CPC_ERR_DUPLICATE on an id or worker clash. */
int cpc_pstore_server_add(struct cpc_pstore *s, const struct cpc_pserver *r,
                          uint32_t max_per_user, struct cpc_err *err);
/* Fill *r (caller's struct) with server id; CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_server_get(struct cpc_pstore *s, const char *id, struct cpc_pserver *r,
                          struct cpc_err *err);
/* Hand owner's servers to cb, oldest first. */
int cpc_pstore_server_list_owner(struct cpc_pstore *s, int64_t owner, cpc_pserver_fn cb,
                                 void *arg, struct cpc_err *err);
/* Overwrite the row r->id of r->owner with r (created_ms kept); CPC_ERR_NOT_FOUND when
 * no such row belongs to r->owner; CPC_ERR_DUPLICATE when the worker is bound elsewhere. */
int cpc_pstore_server_update(struct cpc_pstore *s, const struct cpc_pserver *r,
                             struct cpc_err *err);
/* Delete server id of owner; CPC_ERR_NOT_FOUND when owner has no such server. */
int cpc_pstore_server_delete(struct cpc_pstore *s, const char *id, int64_t owner,
                             struct cpc_err *err);
/* Hand the catalogue rows matching f (borrowed) to cb, in f's order and page. */
int cpc_pstore_server_search(struct cpc_pstore *s, const struct cpc_pserver_filter *f,
                             cpc_pserver_fn cb, void *arg, struct cpc_err *err);

/* Per model: the count and the min, median (the middle one, or the floor of the mean of
 * the middle two) and max of price_per_gpu_hour. */
struct cpc_pserver_prices {
    char gpu_model[CPC_PSERVER_MODEL_MAX + 1];
    uint64_t count, min, median, max;
};
/* Fill rows (caller's array of cap) by model name; *n = rows filled. */
int cpc_pstore_server_prices(struct cpc_pstore *s, struct cpc_pserver_prices *rows, size_t cap,
                             size_t *n, struct cpc_err *err);
struct cpc_pserver_place {
    char country[3];
    char city[CPC_PSERVER_CITY_MAX + 1];
    uint64_t count;
};
/* Fill rows (caller's array of cap) with (country, city, servers) by country then city;
 * *n = rows filled (at most cap: the rest are left out). */
int cpc_pstore_server_locations(struct cpc_pstore *s, struct cpc_pserver_place *rows, size_t cap,
                                size_t *n, struct cpc_err *err);

/* ==== GPU rentals (platform_sqlite_rentals.c, platform migration 7) ==== */

#define CPC_PRENTAL_SSH_KEY_MAX 8192
#define CPC_PRENTAL_IMAGE_MAX 255

/* The platform's row of one rental: plain data, copied in and out. id is the rental id
 * (the RENTAL_OPEN tx hash, 64 hex); ended_ms 0 while the platform counts it open. */
struct cpc_prental {
    char id[65];
    int64_t user;
    char server_id[37];
    char ssh_public_key[CPC_PRENTAL_SSH_KEY_MAX + 1];
    char image[CPC_PRENTAL_IMAGE_MAX + 1];
    uint32_t hours, ssh_port;
    uint64_t created_ms, ended_ms;
    char end_tx[65]; /* the last RENTAL_END sent for the customer (tx hash), "" = none */
};

/* Called for each row (borrowed for the call), under the store's lock: it must not call
 * the store. Return non-zero to stop. */
typedef int (*cpc_prental_fn)(void *arg, const struct cpc_prental *row);

/* Insert r (copied; ended_ms and end_tx ignored: NULL). CPC_ERR_DUPLICATE on an id clash. */
int cpc_pstore_rental_add(struct cpc_pstore *s, const struct cpc_prental *r, struct cpc_err *err);
/* Fill *r (caller's struct) with rental id; CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_rental_get(struct cpc_pstore *s, const char *id, struct cpc_prental *r,
                          struct cpc_err *err);
/* Hand user's rentals to cb, newest first, limit rows from offset. */
int cpc_pstore_rental_list_user(struct cpc_pstore *s, int64_t user, uint64_t limit,
                                uint64_t offset, cpc_prental_fn cb, void *arg,
                                struct cpc_err *err);
/* Hand server_id's rentals without ended_ms to cb, lowest port first, at most limit. */
int cpc_pstore_rental_list_open(struct cpc_pstore *s, const char *server_id, uint64_t limit,
                                cpc_prental_fn cb, void *arg, struct cpc_err *err);
/* Set ended_ms of rental id unless already set (a missing row or a second call: no change). */
int cpc_pstore_rental_set_ended(struct cpc_pstore *s, const char *id, uint64_t ended_ms,
                                struct cpc_err *err);
/* Record tx_hash (64 hex) as the RENTAL_END sent for rental id. */
int cpc_pstore_rental_set_end_tx(struct cpc_pstore *s, const char *id, const char *tx_hash,
                                 struct cpc_err *err);
/* *port = the lowest port of [port_min, port_max] no open row of server_id holds;
 * CPC_ERR_TOO_LARGE when every one is taken. */
int cpc_pstore_rental_free_port(struct cpc_pstore *s, const char *server_id, uint32_t port_min,
                                uint32_t port_max, uint32_t *port, struct cpc_err *err);
/* ==== rental money views (platform_sqlite_rental_money.c, platform migration 11) ==== */

/* The part of a rental row the money views and the low-funds watcher read: plain data.
 * ended_ms / warned_ms 0 when not set. */
struct cpc_prental_ref {
    char id[65];
    int64_t user;
    char server_id[37];
    char image[CPC_PRENTAL_IMAGE_MAX + 1];
    uint32_t hours, ssh_port;
    uint64_t created_ms, ended_ms, warned_ms;
};

/* Called for each row (borrowed for the call), under the store's lock: it must not call
 * the store. Return non-zero to stop. */
typedef int (*cpc_prental_ref_fn)(void *arg, const struct cpc_prental_ref *row);

/* Hand the rentals the watcher is not done with (no watched_ms) whose id is above after
 * ("" = from the first), in id order, at most limit, to cb. */
int cpc_pstore_rental_watch_list(struct cpc_pstore *s, const char *after, uint64_t limit,
                                 cpc_prental_ref_fn cb, void *arg, struct cpc_err *err);
/* Set warned_ms of rental id to ms unless set: *claimed 1 when this call set it. */
int cpc_pstore_rental_claim_warned(struct cpc_pstore *s, const char *id, uint64_t ms,
                                   int *claimed, struct cpc_err *err);
/* Set watched_ms of rental id to ms (and ended_ms to ms unless set) unless watched_ms is
 * set: *claimed 1 when this call set it. */
int cpc_pstore_rental_claim_watched(struct cpc_pstore *s, const char *id, uint64_t ms,
                                    int *claimed, struct cpc_err *err);
/* Hand the rentals of owner's servers to cb, newest first, limit rows from offset. */
int cpc_pstore_rental_list_provider(struct cpc_pstore *s, int64_t owner, uint64_t limit,
                                    uint64_t offset, cpc_prental_ref_fn cb, void *arg,
                                    struct cpc_err *err);
/* Hand every rental to cb, newest first, limit rows from offset. */
int cpc_pstore_rental_list_all(struct cpc_pstore *s, uint64_t limit, uint64_t offset,
                               cpc_prental_ref_fn cb, void *arg, struct cpc_err *err);

/* ==== servers' load samples (platform_sqlite_stats.c, platform migration 10) ==== */

#define CPC_PSAMPLE_MINUTE_KEEP_MS (7ULL * 86400000ULL)  /* per-minute rows */
#define CPC_PSAMPLE_HOUR_KEEP_MS (90ULL * 86400000ULL)   /* hourly rows */

/* One point: a minute's sample (samples 1) or an hour's (means of cpu, gpu and ram over
 * its samples, max of temp_c and uptime_s). t_ms is the minute's or hour's start. */
struct cpc_psample {
    uint64_t t_ms;
    uint32_t samples;
    double cpu, gpu, temp_c;
    uint64_t ram_mb, uptime_s;
};
typedef int (*cpc_psample_fn)(void *arg, const struct cpc_psample *row);

/* Store v (t_ms and samples ignored) as the sample of minute now_ms for every server bound
 * to worker (cpc1 address), unless that minute already has one (then nothing changes);
 * rows past the retention are deleted. *stored (may be NULL) = servers that took it. */
int cpc_pstore_sample_add(struct cpc_pstore *s, const char *worker, uint64_t now_ms,
                          const struct cpc_psample *v, int *stored, struct cpc_err *err);
/* Hand server_id's points with t_ms in [from_ms, to_ms) to cb (borrowed, under the store's
 * lock: it must not call the store), oldest first, at most limit; hourly picks hour rows. */
int cpc_pstore_samples(struct cpc_pstore *s, const char *server_id, int hourly, uint64_t from_ms,
                       uint64_t to_ms, uint64_t limit, cpc_psample_fn cb, void *arg,
                       struct cpc_err *err);
/* *minutes = minutes with a sample of server_id in the hours overlapping [from_ms, to_ms). */
int cpc_pstore_sample_minutes(struct cpc_pstore *s, const char *server_id, uint64_t from_ms,
                              uint64_t to_ms, uint64_t *minutes, struct cpc_err *err);

/* Hand owner's servers' rentals created before to_ms and not ended before from_ms to cb
 * (only id and server_id set)
 * (borrowed, under the store's lock), oldest first, at most limit. */
int cpc_pstore_provider_rentals(struct cpc_pstore *s, int64_t owner, uint64_t from_ms,
                                uint64_t to_ms, uint64_t limit, cpc_prental_ref_fn cb, void *arg,
                                struct cpc_err *err);

/* ==== rental orders (platform_sqlite_orders.c, platform migration 9) ==== */

#define CPC_PORDER_ERROR_MAX 200
#define CPC_PORDER_LOG_MAX 16384

/* One rental a worker should run: its platform row and the customer's reboot count. */
struct cpc_porder {
    char id[65];
    char image[CPC_PRENTAL_IMAGE_MAX + 1];
    char ssh_public_key[CPC_PRENTAL_SSH_KEY_MAX + 1];
    uint32_t ssh_port;
    uint32_t gpu_count; /* the rented server's GPUs: a rental takes the whole server */
    uint64_t created_ms, reboot_seq;
};
/* Called for each row (borrowed for the call), under the store's lock: it must not call
 * the store. Return non-zero to stop. */
typedef int (*cpc_porder_fn)(void *arg, const struct cpc_porder *row);
/* A worker's report on one rental (all borrowed; state running|exited|failed|stopped). */
struct cpc_porder_report {
    const char *id, *state, *error;
    uint32_t port;
    uint64_t reboot_done, state_ms;
};
/* What the platform knows of a rental's provisioning: plain data; state "" = no report. */
struct cpc_porder_state {
    uint64_t reboot_seq, reboot_done, state_ms, log_ms;
    char state[16];
    uint32_t port;
    char error[CPC_PORDER_ERROR_MAX + 1];
    int has_log;
};

/* Hand the rentals without ended_ms of the server bound to worker_addr (cpc1 address) to
 * cb, lowest port first, at most limit. */
int cpc_pstore_orders_desired(struct cpc_pstore *s, const char *worker_addr, uint64_t limit,
                              cpc_porder_fn cb, void *arg, struct cpc_err *err);
/* Record r (copied) when rental r->id is on the server bound to worker_addr: *applied 1,
 * else 0 (nothing written). */
int cpc_pstore_orders_report(struct cpc_pstore *s, const char *worker_addr,
                             const struct cpc_porder_report *r, int *applied,
                             struct cpc_err *err);
/* Overwrite the log tail (borrowed, at most CPC_PORDER_LOG_MAX bytes) of rental id when it
 * is on the server bound to worker_addr: *applied 1, else 0. */
int cpc_pstore_orders_logs(struct cpc_pstore *s, const char *worker_addr, const char *id,
                           const char *tail, uint64_t now_ms, int *applied, struct cpc_err *err);
/* Add one to rental id's reboot count; *seq = the new count. */
int cpc_pstore_orders_reboot(struct cpc_pstore *s, const char *id, uint64_t *seq,
                             struct cpc_err *err);
/* Fill *o (caller's) for rental id, and *log_tail (may be NULL; malloc'd, caller frees;
 * NULL when none) with its log; CPC_ERR_NOT_FOUND when the rental has no order row. */
int cpc_pstore_orders_get(struct cpc_pstore *s, const char *id, struct cpc_porder_state *o,
                          char **log_tail, struct cpc_err *err);
/* *busy = 1 when server_id has a rental row without ended_ms, else 0. */
int cpc_pstore_server_busy(struct cpc_pstore *s, const char *server_id, int *busy,
                           struct cpc_err *err);

/* ==== deposits and withdrawals (platform_sqlite_money.c, platform migration 8) ==== */

#define CPC_PDEPOSIT_REF_MAX 128
#define CPC_PWITHDRAWAL_DEST_MAX 128
#define CPC_PWITHDRAWAL_REASON_MAX 500

/* A fiat deposit credited by an admin; tx_hash "" while its transfer is being signed. */
struct cpc_pdeposit {
    char reference[CPC_PDEPOSIT_REF_MAX + 1];
    int64_t user;
    uint64_t amount;            /* base units */
    char tx_hash[65];
    uint64_t created_ms;
    int64_t created_by;         /* the admin */
};

/* A withdrawal request: status "pending", "approved" or "rejected". */
struct cpc_pwithdrawal {
    char id[37];                /* uuid */
    int64_t user;
    uint64_t amount;            /* base units */
    char method[16];            /* card, sbp, usdt_trc20, usdt_erc20, btc */
    char destination[CPC_PWITHDRAWAL_DEST_MAX + 1];
    char status[16];
    char tx_hash[65];           /* the approval's TRANSFER; "" before */
    char reason[CPC_PWITHDRAWAL_REASON_MAX + 1]; /* the rejection's */
    uint64_t created_ms;
    uint64_t decided_ms;        /* 0 while pending */
    int64_t decided_by;         /* the admin; 0 while pending */
};

/* Record d (copied) with tx_hash ""; CPC_ERR_DUPLICATE when its reference exists. */
int cpc_pstore_deposit_reserve(struct cpc_pstore *s, const struct cpc_pdeposit *d,
                               struct cpc_err *err);
/* Set the tx hash of a reserved deposit (once). */
int cpc_pstore_deposit_confirm(struct cpc_pstore *s, const char *reference, const char *tx_hash,
                               struct cpc_err *err);
/* Delete a reservation whose transfer was not admitted (tx_hash still ""). */
int cpc_pstore_deposit_cancel(struct cpc_pstore *s, const char *reference, struct cpc_err *err);
/* The deposit of reference into *d (caller's struct); CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_deposit_get(struct cpc_pstore *s, const char *reference, struct cpc_pdeposit *d,
                           struct cpc_err *err);
/* Insert w (copied; status pending) only when the user's pending sum plus w->amount is at
 * most balance and fewer than max_pending are pending: *added 1, else 0 (nothing written). */
int cpc_pstore_withdrawal_add(struct cpc_pstore *s, const struct cpc_pwithdrawal *w,
                              uint64_t balance, uint32_t max_pending, int *added,
                              struct cpc_err *err);
/* *sum = the amounts of user's pending withdrawals, *count (may be NULL) their number. */
int cpc_pstore_withdrawal_locked(struct cpc_pstore *s, int64_t user, uint64_t *sum,
                                 uint32_t *count, struct cpc_err *err);
/* The withdrawal id into *w (caller's struct); CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_withdrawal_get(struct cpc_pstore *s, const char *id, struct cpc_pwithdrawal *w,
                              struct cpc_err *err);
/* Fill rows (caller's array of cap) with user's withdrawals, newest first, from offset. */
int cpc_pstore_withdrawal_list(struct cpc_pstore *s, int64_t user, uint32_t offset,
                               struct cpc_pwithdrawal *rows, size_t cap, size_t *n,
                               struct cpc_err *err);
/* Move a pending withdrawal to status ("approved" or "rejected") with reason (borrowed), by
 * admin at now_ms: *changed 1, or 0 when it was not pending (nothing written). */
int cpc_pstore_withdrawal_decide(struct cpc_pstore *s, const char *id, const char *status,
                                 const char *reason, int64_t admin, uint64_t now_ms,
                                 int *changed, struct cpc_err *err);
/* Record the TRANSFER of an approved withdrawal (once). */
int cpc_pstore_withdrawal_set_tx(struct cpc_pstore *s, const char *id, const char *tx_hash,
                                 struct cpc_err *err);
/* Back to pending: an approval whose transfer was not admitted (tx_hash still ""). */
int cpc_pstore_withdrawal_undo(struct cpc_pstore *s, const char *id, struct cpc_err *err);

/* ==== data-center API (platform_sqlite_dc.c, platform migration 12) ==== */

#define CPC_PSERVER_BATCH_MAX 1000u /* servers in one batch */

/* Insert rows[0..n) (copied; the caller fills them as for cpc_pstore_server_add) in one
 * transaction, all or none: CPC_ERR_TOO_LARGE when the owner's servers plus n would pass
 * max_per_user (every row has the owner of rows[0]); CPC_ERR_DUPLICATE on an id clash. */
int cpc_pstore_server_add_batch(struct cpc_pstore *s, const struct cpc_pserver *rows, size_t n,
                                uint32_t max_per_user, struct cpc_err *err);
/* Set maintenance (0 or 1, maint[i]) of owner's servers ids[i] for i < n in one
 * transaction, all or none: CPC_ERR_NOT_FOUND with *bad = the first index owner has no
 * such server at. All arrays borrowed. */
int cpc_pstore_server_set_maintenance(struct cpc_pstore *s, int64_t owner,
                                      const char (*ids)[37], const int *maint, size_t n,
                                      uint64_t now_ms, size_t *bad, struct cpc_err *err);
/* A server whose latest minute sample reached a temperature: plain data. */
struct cpc_pserver_hot {
    char server_id[37];
    uint64_t t_ms;
    double temp_c;
};
/* Fill rows (caller's array of cap) with owner's servers whose latest sample has
 * temp_c >= min_temp; *n = rows filled. */
int cpc_pstore_dc_hot(struct cpc_pstore *s, int64_t owner, double min_temp,
                      struct cpc_pserver_hot *rows, size_t cap, size_t *n, struct cpc_err *err);
/* An open rental on owner's server whose worker reported provisioning failed. */
struct cpc_porder_failed {
    char rental_id[65];
    char server_id[37];
    char error[CPC_PORDER_ERROR_MAX + 1];
    uint64_t state_ms;
};
/* Fill rows (caller's array of cap), newest report first; *n = rows filled. */
int cpc_pstore_dc_failed_orders(struct cpc_pstore *s, int64_t owner,
                                struct cpc_porder_failed *rows, size_t cap, size_t *n,
                                struct cpc_err *err);

#endif

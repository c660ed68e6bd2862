/* auth_apikey.h — API keys for data centers and scripts: the key format,
 * its keyed hash, scopes and IP whitelists (CIDR lists); pure functions of
 * their inputs and the platform keys, no store, no HTTP.
 *
 * Design note. A key is "cpc_" + 43 characters of URL-safe base64 (no
 * padding) of 32 random bytes; it is shown once and kept only as
 * BLAKE2b-256 keyed with the platform's API-key subkey, so a copied
 * database reveals nothing usable. The first 12 characters ("cpc_" + 8)
 * are the non-secret display prefix. Scopes are bits: read (GET of one's
 * own data), jobs (marketplace jobs, for the routes that take Bearer auth
 * later), account (changes to one's own account and wallet link), dc (the
 * data-center API under /dc, granted only to providers: platform migration
 * 12 widened the stored scopes to 1..15);
 * CPC_SCOPE_SESSION is not grantable: it marks routes an access token must
 * call (password, 2FA, logout-all, admin, wallet send, and the API keys
 * themselves: a key never creates, lists or deletes keys). A whitelist is at most 16 CIDRs,
 * IPv4 or IPv6, parsed strictly with inet_pton (no host bits set below the
 * prefix, the prefix in decimal without sign or leading zeros) and stored
 * canonically (inet_ntop) comma-separated; "" allows any address. An
 * IPv4-mapped IPv6 peer (::ffff:a.b.c.d) is matched as IPv4.
 */
#ifndef CPC_NODE_AUTH_APIKEY_H
#define CPC_NODE_AUTH_APIKEY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/platform_store.h"

struct cpc_platform;

#define CPC_SCOPE_READ 1u
#define CPC_SCOPE_JOBS 2u
#define CPC_SCOPE_ACCOUNT 4u
#define CPC_SCOPE_DC 8u           /* the data-center API (/dc/...); providers only */
#define CPC_SCOPE_ALL 15u         /* every grantable scope */
#define CPC_SCOPE_SESSION 0x100u  /* access tokens only; never granted to a key */

#define CPC_APIKEY_B64_LEN 43
#define CPC_APIKEY_LEN (4 + CPC_APIKEY_B64_LEN)
#define CPC_APIKEY_CIDRS_MAX 16
#define CPC_APIKEY_RATE_DEFAULT 1000u
#define CPC_APIKEY_RATE_MAX 100000u

/* A new key (secret: wipe after use) and its display prefix (caller's buffers). */
void cpc_apikey_new(char key[CPC_APIKEY_LEN + 1], char prefix[CPC_PAPIKEY_PREFIX_LEN + 1]);
/* The keyed hash of a presented key; -1 when it is not of the key format. */
int cpc_apikey_hash(const struct cpc_platform *p, const char *key, uint8_t hash[32]);
/* Scope names (JSON array of strings, at least one) -> bits; -1 on a bad shape or name. */
int cpc_scopes_parse(const json_t *arr, uint32_t *bits);
/* A new JSON array of the scope names in bits (caller owns it). */
json_t *cpc_scopes_json(uint32_t bits);
/* One CIDR "addr/len" into canonical text (caller's buffer of 64); -1 if malformed. */
int cpc_cidr_canon(const char *cidr, char out[64]);
/* A JSON array of CIDR strings (at most CPC_APIKEY_CIDRS_MAX) into the stored list form
 * (caller's buffer); -1 with why (static string) when it is not valid. */
int cpc_cidr_list_parse(const json_t *arr, char out[CPC_PAPIKEY_IPS_MAX + 1], const char **why);
/* A new JSON array of the CIDRs of a stored list (caller owns it). */
json_t *cpc_cidr_list_json(const char *list);
/* 1 if ip (textual) is allowed by the stored list ("" allows any), else 0. */
int cpc_cidr_list_allows(const char *list, const char *ip);

#endif

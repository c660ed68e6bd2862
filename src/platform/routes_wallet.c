/* routes_wallet.c — GET /me/wallet, POST /me/wallet/challenge,
 * POST /me/wallet/link.
 *
 * Design note. Every user gets a ledger account on first use (the first GET
 * /me/wallet or link): a custodial secp256k1 key made from libsodium
 * randomness, sealed with XChaCha20-Poly1305 under the platform's wallet
 * key (random nonce in front, "cpc-wallet:<user id>" as associated data, so
 * a sealed key copied to another user's row does not open) and wiped from
 * memory at once; no route ever returns or logs it. Only custody.c opens
 * it, for one signature: the user's own JOB_CREATE / JOB_CANCEL / JOB_EXTEND
 * (routes_marketplace_auth.c) and TRANSFERs (POST /me/wallet/send,
 * routes_wallet_send.c). A user may instead link an address they
 * hold: a challenge
 * (32 random bytes as 64 hex characters, valid 10 minutes, single use) is
 * stored only as its keyed BLAKE2b hash; the link body carries the
 * challenge, the address, the compressed public key and a compact low-S
 * ECDSA signature over SHA-256("cpc-link" || challenge || address) (address
 * in its canonical lowercase form). The public key must hash to the address
 * (constant-time compare), the signature must verify (high-S refused
 * separately), and only then is the challenge spent (UPDATE ... AND used =
 * 0), so a reused or expired challenge fails even with a good signature.
 * The balance is read from the node's committed state (cpc_node_account);
 * the daily send limit and what remains of it from wallet_limit.h.
 */
#include "routes_wallet.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../core/amount.h"
#include "../core/hash.h"
#include "../core/hex.h"
#include "../core/keys.h"
#include "../core/state.h"
#include "../store/platform_store.h"
#include "auth_http.h"
#include "../node/node.h"
#include "platform.h"
#include "wallet_limit.h"

#define SEALED_LEN (crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + CPC_SECKEY_LEN + \
                    crypto_aead_xchacha20poly1305_ietf_ABYTES)

static size_t wallet_ad(char ad[40], int64_t user)
{
    return (size_t)snprintf(ad, 40, "cpc-wallet:%lld", (long long)user);
}

/* A new custodial key for user: its address and the sealed secret (wiped here). */
static int custodial_new(const struct cpc_platform *p, int64_t user, char addr[CPC_ADDR_STR_MAX],
                         uint8_t sealed[SEALED_LEN], struct cpc_err *err)
{
    uint8_t sk[CPC_SECKEY_LEN], pub[CPC_PUBKEY_LEN], seed[32];
    int rc = 0;
    do
        randombytes_buf(sk, sizeof sk);
    while (cpc_seckey_check(sk) != 0);
    randombytes_buf(seed, sizeof seed);
    struct cpc_signer *s = cpc_signer_new(seed);
    if (!s || cpc_pubkey_from_seckey(s, pub, sk) != 0 || cpc_pubkey_address(addr, pub) != 0) {
        rc = cpc_err_set(err, CPC_ERR_CRYPTO, "cannot derive a custodial key");
        goto out;
    }
    char ad[40];
    size_t adn = wallet_ad(ad, user);
    randombytes_buf(sealed, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, sk, sizeof sk,
        (const uint8_t *)ad, adn, NULL, sealed, p->wallet_key);
out:
    cpc_signer_free(s);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

int cpc__wallet_unseal(const struct cpc_platform *p, const struct cpc_pwallet *w,
                       uint8_t sk[CPC_SECKEY_LEN], struct cpc_err *err)
{
    char ad[40];
    size_t adn = wallet_ad(ad, w->user);
    unsigned long long n = 0;
    if (w->sealed_len != SEALED_LEN ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            sk, &n, NULL, w->sealed_key + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            SEALED_LEN - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const uint8_t *)ad, adn,
            w->sealed_key, p->wallet_key) != 0 ||
        n != CPC_SECKEY_LEN) {
        sodium_memzero(sk, CPC_SECKEY_LEN);
        return cpc_err_set(err, CPC_ERR_CRYPTO, "the custodial key of user %lld does not open",
                           (long long)w->user);
    }
    return 0;
}

/* The user's wallet into *w, made on first use. */
int cpc__wallet_ensure(struct cpc_platform *p, int64_t user, struct cpc_pwallet *w,
                       struct cpc_err *err)
{
    int rc = cpc_pstore_wallet_get(p->store, user, w, err);
    if (rc != CPC_ERR_NOT_FOUND)
        return rc;
    char addr[CPC_ADDR_STR_MAX];
    uint8_t sealed[SEALED_LEN];
    if ((rc = custodial_new(p, user, addr, sealed, err)) != 0)
        return rc;
    rc = cpc_pstore_wallet_create(p->store, user, addr, sealed, sizeof sealed,
                                  cpc_platform_now(p), err);
    sodium_memzero(sealed, sizeof sealed);
    if (rc == 0) {
        char d[64];
        snprintf(d, sizeof d, "custodial %s", addr);
        cpc__auth_audit(p, user, "wallet_created", d);
    }
    if (rc != 0 && rc != CPC_ERR_DUPLICATE) /* a concurrent first use made it: read that */
        return rc;
    return cpc_pstore_wallet_get(p->store, user, w, err);
}

void cpc_h_me_wallet(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_READ) != 0)
        return;
    struct cpc_pwallet w;
    struct cpc_err err = {0};
    int rc = cpc__wallet_ensure(p, u.id, &w, &err);
    sodium_memzero(w.sealed_key, sizeof w.sealed_key);
    if (rc != 0)
        return cpc__auth_internal(res, &err);
    int custodial = w.linked_address[0] == 0;
    const char *addr = custodial ? w.custodial_address : w.linked_address;
    uint8_t hash[CPC_ADDR_HASH_LEN];
    if (cpc_address_decode(hash, addr) != 0) {
        cpc_err_set(&err, CPC_ERR_DB, "wallet of user %lld: bad address", (long long)u.id);
        return cpc__auth_internal(res, &err);
    }
    struct cpc_account acc;
    cpc_node_account((struct cpc_node *)req->app, hash, &acc);
    struct cpc_wallet_allowance allow;
    if (cpc_wallet_allowance(p, u.id, cpc_platform_now(p), &allow, &err) != 0)
        return cpc__auth_internal(res, &err);
    char bal[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(bal, acc.balance);
    json_t *j = json_pack("{s:s, s:b, s:I, s:s, s:I}", "address", addr, "custodial", custodial,
                          "balance", (json_int_t)acc.balance, "balance_cpc", bal, "nonce",
                          (json_int_t)acc.nonce);
    if (j)
        cpc_wallet_allowance_json(j, &allow);
    cpc_http_res_json(res, 200, j);
}

int cpc_wallet_challenge_hash(const struct cpc_platform *p, const char *challenge,
                              uint8_t hash[32])
{
    if (strlen(challenge) != CPC_CHALLENGE_HEX_LEN)
        return -1;
    for (size_t i = 0; i < CPC_CHALLENGE_HEX_LEN; i++)
        if (!((challenge[i] >= '0' && challenge[i] <= '9') ||
              (challenge[i] >= 'a' && challenge[i] <= 'f')))
            return -1;
    crypto_generichash_state st;
    crypto_generichash_init(&st, p->apikey_key, sizeof p->apikey_key, 32);
    crypto_generichash_update(&st, (const uint8_t *)"cpc-challenge:", 14);
    crypto_generichash_update(&st, (const uint8_t *)challenge, CPC_CHALLENGE_HEX_LEN);
    crypto_generichash_final(&st, hash, 32);
    return 0;
}

void cpc_wallet_link_digest(uint8_t out[32], const char *challenge, const char *address)
{
    struct cpc_sha256_ctx c;
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, "cpc-link", 8);
    cpc_sha256_update(&c, challenge, strlen(challenge));
    cpc_sha256_update(&c, address, strlen(address));
    cpc_sha256_final(&c, out);
}

void cpc_h_me_wallet_challenge(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_ACCOUNT) != 0)
        return;
    uint8_t raw[32], hash[32];
    char hex[CPC_CHALLENGE_HEX_LEN + 1];
    randombytes_buf(raw, sizeof raw);
    cpc_hex_encode(hex, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    struct cpc_err err = {0};
    uint64_t exp = cpc_platform_now(p) + CPC_CHALLENGE_TTL_MS;
    if (cpc_wallet_challenge_hash(p, hex, hash) != 0 ||
        cpc_pstore_challenge_put(p->store, u.id, hash, exp, &err) != 0) {
        sodium_memzero(hex, sizeof hex);
        if (!err.code)
            cpc_err_set(&err, CPC_ERR_INTERNAL, "a new challenge does not parse");
        return cpc__auth_internal(res, &err);
    }
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:i, s:I}", "challenge", hex, "expires_in",
                                (int)(CPC_CHALLENGE_TTL_MS / 1000u), "expires_ms",
                                (json_int_t)exp));
    sodium_memzero(hex, sizeof hex);
}

/* Decode exactly n bytes of hex (either case); -1 otherwise. */
static int hex_exact(uint8_t *out, size_t n, const char *s)
{
    return strlen(s) == 2 * n && cpc_hex_decode_exact(out, n, s) == 0 ? 0 : -1;
}

void cpc__h_me_wallet_link_as(struct cpc_http_req *req, struct cpc_http_res *res,
                              const struct cpc_puser *u)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    const char *address = NULL, *pubkey = NULL, *signature = NULL, *challenge = NULL;
    json_error_t je;
    uint8_t ahash[CPC_ADDR_HASH_LEN], phash[CPC_ADDR_HASH_LEN], pub[CPC_PUBKEY_LEN];
    uint8_t sig[CPC_SIG_LEN], digest[32], chash[32];
    char canon[CPC_ADDR_STR_MAX];
    struct cpc_err err = {0};
    struct cpc_pwallet w;
    memset(&w, 0, sizeof w);
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s, s:s, s:s, s:s}", "address", &address,
                       "pubkey", &pubkey, "signature", &signature, "challenge",
                       &challenge) != 0) {
        cpc__auth_bad_fields(res, &je,
                             "{\"address\": cpc1..., \"pubkey\": 66 hex, \"signature\": 128 "
                             "hex, \"challenge\": 64 hex}");
        goto out;
    }
    if (cpc_address_decode(ahash, address) != 0) {
        cpc_http_res_error(res, 400, "invalid_address", "address is not a valid cpc1 address");
        goto out;
    }
    cpc_address_encode(canon, ahash);
    if (hex_exact(pub, sizeof pub, pubkey) != 0 || cpc_pubkey_check(pub) != 0) {
        cpc_http_res_error(res, 400, "invalid_pubkey",
                           "pubkey must be a compressed secp256k1 key (66 hex characters)");
        goto out;
    }
    if (hex_exact(sig, sizeof sig, signature) != 0) {
        cpc_http_res_error(res, 400, "invalid_signature",
                           "signature must be a compact r||s signature (128 hex characters)");
        goto out;
    }
    if (cpc_wallet_challenge_hash(p, challenge, chash) != 0) {
        cpc_http_res_error(res, 400, "invalid_challenge",
                           "challenge must be the 64 hex characters of POST /me/wallet/challenge");
        goto out;
    }
    if (cpc_pubkey_hash(phash, pub) != 0 || sodium_memcmp(phash, ahash, sizeof ahash) != 0) {
        cpc_http_res_error(res, 400, "pubkey_mismatch", "pubkey does not hash to address");
        goto out;
    }
    cpc_wallet_link_digest(digest, challenge, canon);
    int vrc = cpc_verify(sig, digest, pub);
    if (vrc == CPC_ERR_HIGH_S) {
        cpc_http_res_error(res, 400, "high_s", "signature is not low-S (malleated)");
        goto out;
    }
    if (vrc != 0) {
        cpc_http_res_error(res, 400, "bad_signature",
                           "signature does not verify over SHA-256(\"cpc-link\" || challenge || "
                           "address)");
        goto out;
    }
    int ok = 0;
    if (cpc_pstore_challenge_claim(p->store, u->id, chash, cpc_platform_now(p), &ok, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (!ok) {
        cpc_http_res_error(res, 400, "invalid_challenge",
                           "challenge unknown, already used or expired; ask for a new one");
        goto out;
    }
    if (cpc__wallet_ensure(p, u->id, &w, &err) != 0 ||
        cpc_pstore_wallet_link(p->store, u->id, canon, cpc_platform_now(p), &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    char d[64];
    snprintf(d, sizeof d, "linked %s", canon);
    cpc__auth_audit(p, u->id, "wallet_linked", d);
    cpc_http_res_json(res, 200, json_pack("{s:s, s:b}", "address", canon, "custodial", 0));
out:
    sodium_memzero(&w, sizeof w);
    json_decref(j);
}

void cpc_h_me_wallet_link(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, cpc__auth_plat(req), &u, CPC_SCOPE_ACCOUNT) == 0)
        cpc__h_me_wallet_link_as(req, res, &u);
}

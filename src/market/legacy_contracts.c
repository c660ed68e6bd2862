/* legacy_contracts.c — the legacy API's pure part: the contract registry,
 * the replay verifier and assignments (contract instances). No node state
 * and no I/O; the handlers that use them are routes_legacy.c.
 *
 * - Replay: verification exactly as the proof of concept did it:
 *   sha256("{client_id}-{contract_id}-{n}") as lowercase hex for
 *   n = 1..work_units_done; the expected result_data is the LAST hash
 *   starting with the contract's zeros, else "dummy_result_data".
 * - Assignments: GET /get_task hands out a registry contract under a fresh
 *   contract INSTANCE id, "{template}-{16 hex nonce}{24 hex tag}", the tag
 *   an HMAC-SHA256 of template and nonce keyed with a key derived from the
 *   legacy secret key. Nothing is stored: a submission names its instance
 *   and the node checks the tag. The bare template ids ("sc-001") are not
 *   assignments and are refused.
 */
#include "legacy_contracts.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../core/hash.h"
#include "../core/hex.h"

#define NONCE_LEN 8 /* bytes of an assignment's nonce */
#define TAG_LEN 12  /* bytes of its HMAC tag */

static const struct cpc_legacy_contract REGISTRY[] = {
    {"sc-001", "simple-hash-pow", "Find a hash starting with 3 zeros.", 1000, 10, 3},
    {"sc-002", "complex-hash-pow", "Find a hash starting with 4 zeros.", 5000, 50, 4},
};
#define N_CONTRACTS (sizeof REGISTRY / sizeof REGISTRY[0])

/* ---- registry and replay (pure) ---- */

const struct cpc_legacy_contract *cpc_legacy_contracts(size_t *n)
{
    *n = N_CONTRACTS;
    return REGISTRY;
}

const struct cpc_legacy_contract *cpc_legacy_contract_find(const char *contract_id)
{
    if (!contract_id)
        return NULL;
    for (size_t i = 0; i < N_CONTRACTS; i++)
        if (strcmp(REGISTRY[i].contract_id, contract_id) == 0)
            return &REGISTRY[i];
    return NULL;
}

/* Whether the lowercase hex of h starts with `zeros` '0' digits. */
static int hex_zeros(const uint8_t h[32], unsigned zeros)
{
    for (unsigned i = 0; i < zeros && i < 64; i++) {
        unsigned nib = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0x0f);
        if (nib != 0)
            return 0;
    }
    return 1;
}

void cpc_legacy_expected_result(const char *client_id, const char *contract_id, unsigned zeros,
                                uint64_t units, char out[CPC_LEGACY_RESULT_TEXT_MAX + 1])
{
    /* prefix "{client_id}-{contract_id}-" hashed once, then the decimal n per unit */
    struct cpc_sha256_ctx base, c;
    uint8_t h[32], last[32];
    int found = 0;
    cpc_sha256_init(&base);
    cpc_sha256_update(&base, client_id, strlen(client_id));
    cpc_sha256_update(&base, "-", 1);
    cpc_sha256_update(&base, contract_id, strlen(contract_id));
    cpc_sha256_update(&base, "-", 1);
    for (uint64_t n = 1; n <= units; n++) {
        char num[24];
        int len = snprintf(num, sizeof num, "%llu", (unsigned long long)n);
        c = base;
        cpc_sha256_update(&c, num, (size_t)len);
        cpc_sha256_final(&c, h);
        if (hex_zeros(h, zeros)) {
            memcpy(last, h, 32);
            found = 1;
        }
    }
    if (found)
        cpc_hex_encode(out, last, 32);
    else
        snprintf(out, CPC_LEGACY_RESULT_TEXT_MAX + 1, "%s", CPC_LEGACY_DUMMY_RESULT);
}

void cpc_legacy_task_id(uint8_t out[16], const char *client_id, const char *contract_id)
{
    static const char tag[] = "cpc-legacy-task";
    struct cpc_sha256_ctx c;
    uint8_t h[32];
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, tag, sizeof tag); /* with its NUL */
    cpc_sha256_update(&c, client_id, strlen(client_id) + 1);
    cpc_sha256_update(&c, contract_id, strlen(contract_id));
    cpc_sha256_final(&c, h);
    memcpy(out, h, 16);
    out[6] = (uint8_t)((out[6] & 0x0f) | 0x80); /* version 8: custom (RFC 9562) */
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

/* ---- assignments (contract instances) ---- */

void cpc_legacy_tag_key(const struct cpc_key *legacy, uint8_t out[CPC_LEGACY_TAG_KEY_LEN])
{
    static const char label[] = "cpc-legacy-assignment";
    crypto_auth_hmacsha256(out, (const unsigned char *)label, sizeof label, legacy->seckey);
}

/* tag = HMAC-SHA256(tag key, template NUL nonce)[0..12] */
static void assignment_tag(const uint8_t key[CPC_LEGACY_TAG_KEY_LEN], const char *template_id,
                           const uint8_t nonce[NONCE_LEN], uint8_t tag[TAG_LEN])
{
    crypto_auth_hmacsha256_state st;
    uint8_t full[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, CPC_LEGACY_TAG_KEY_LEN);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)template_id,
                                  strlen(template_id) + 1);
    crypto_auth_hmacsha256_update(&st, nonce, NONCE_LEN);
    crypto_auth_hmacsha256_final(&st, full);
    memcpy(tag, full, TAG_LEN);
    sodium_memzero(&st, sizeof st);
}

void cpc_legacy_assignment_new(const uint8_t key[CPC_LEGACY_TAG_KEY_LEN],
                               const struct cpc_legacy_contract *c, char out[CPC_LEGACY_ID_MAX + 1])
{
    uint8_t nonce[NONCE_LEN], tag[TAG_LEN];
    char hn[2 * NONCE_LEN + 1], ht[2 * TAG_LEN + 1];
    randombytes_buf(nonce, sizeof nonce);
    assignment_tag(key, c->contract_id, nonce, tag);
    cpc_hex_encode(hn, nonce, NONCE_LEN);
    cpc_hex_encode(ht, tag, TAG_LEN);
    snprintf(out, CPC_LEGACY_ID_MAX + 1, "%s-%s%s", c->contract_id, hn, ht);
}

const struct cpc_legacy_contract *
cpc_legacy_assignment_contract(const uint8_t key[CPC_LEGACY_TAG_KEY_LEN], const char *id)
{
    for (size_t i = 0; i < N_CONTRACTS; i++) {
        const char *t = REGISTRY[i].contract_id;
        size_t tl = strlen(t);
        const char *rest = id + tl + 1;
        uint8_t nonce[NONCE_LEN], tag[TAG_LEN], want[TAG_LEN];
        if (strncmp(id, t, tl) != 0 || id[tl] != '-' ||
            strlen(rest) != 2 * (NONCE_LEN + TAG_LEN))
            continue;
        char hn[2 * NONCE_LEN + 1], canon[2 * (NONCE_LEN + TAG_LEN) + 1];
        memcpy(hn, rest, 2 * NONCE_LEN);
        hn[2 * NONCE_LEN] = '\0';
        if (cpc_hex_decode_exact(nonce, NONCE_LEN, hn) != 0 ||
            cpc_hex_decode_exact(tag, TAG_LEN, rest + 2 * NONCE_LEN) != 0)
            return NULL;
        /* one spelling per instance: lowercase hex, as handed out */
        cpc_hex_encode(canon, nonce, NONCE_LEN);
        cpc_hex_encode(canon + 2 * NONCE_LEN, tag, TAG_LEN);
        if (strcmp(canon, rest) != 0)
            return NULL;
        assignment_tag(key, t, nonce, want);
        return sodium_memcmp(want, tag, TAG_LEN) == 0 ? &REGISTRY[i] : NULL;
    }
    return NULL;
}

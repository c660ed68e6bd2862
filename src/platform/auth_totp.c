/* auth_totp.c — TOTP secrets, codes and recovery codes (auth_totp.h).
 * No I/O and no store; liboath does RFC 6238, libsodium the rest.
 */
#include "auth_totp.h"

#include <ctype.h>
#include <oath.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth_tokens.h"
#include "platform.h"

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void cpc_totp_secret_new(uint8_t raw[CPC_TOTP_SECRET_BYTES], char b32[CPC_TOTP_B32_LEN + 1])
{
    randombytes_buf(raw, CPC_TOTP_SECRET_BYTES);
    /* RFC 4648 base32: 20 bytes = 160 bits = 32 symbols, no padding */
    size_t o = 0;
    for (size_t i = 0; i < CPC_TOTP_SECRET_BYTES; i += 5) {
        uint64_t v = 0;
        for (int k = 0; k < 5; k++)
            v = (v << 8) | raw[i + (size_t)k];
        for (int k = 7; k >= 0; k--)
            b32[o++] = B32[(v >> (5 * k)) & 31u];
    }
    b32[o] = 0;
}

static void ad_of(int64_t user, char ad[40], size_t *n)
{
    int k = snprintf(ad, 40, "cpc-totp|%lld", (long long)user);
    *n = k > 0 ? (size_t)k : 0;
}

void cpc_totp_seal(const struct cpc_platform *p, int64_t user,
                   const uint8_t raw[CPC_TOTP_SECRET_BYTES], uint8_t out[CPC_TOTP_SEALED_LEN])
{
    char ad[40];
    size_t adn = 0;
    ad_of(user, ad, &adn);
    randombytes_buf(out, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + 24, NULL, raw, CPC_TOTP_SECRET_BYTES,
                                               (const uint8_t *)ad, adn, NULL, out,
                                               p->totp_key);
}

int cpc_totp_open(const struct cpc_platform *p, int64_t user, const uint8_t *sealed, size_t len,
                  uint8_t raw[CPC_TOTP_SECRET_BYTES])
{
    if (len != CPC_TOTP_SEALED_LEN)
        return -1;
    char ad[40];
    size_t adn = 0;
    ad_of(user, ad, &adn);
    return crypto_aead_xchacha20poly1305_ietf_decrypt(raw, NULL, NULL, sealed + 24, len - 24,
                                                      (const uint8_t *)ad, adn, sealed,
                                                      p->totp_key) == 0
               ? 0
               : -1;
}

/* liboath's comparison callback: constant time over the six digits. */
static int ct_cmp(void *handle, const char *test_otp)
{
    const char *want = handle;
    if (strlen(test_otp) != 6)
        return 1;
    return sodium_memcmp(want, test_otp, 6) == 0 ? 0 : 1;
}

int cpc_totp_check(const uint8_t raw[CPC_TOTP_SECRET_BYTES], uint64_t now_ms, const char *code,
                   uint64_t *step)
{
    if (!cpc_auth_code_format_ok(code))
        return -1;
    char want[7];
    memcpy(want, code, 7);
    time_t now = (time_t)(now_ms / 1000u);
    int pos = 0;
    int rc = oath_totp_validate2_callback((const char *)raw, CPC_TOTP_SECRET_BYTES, now,
                                          CPC_TOTP_STEP_S, 0, 6, 1, &pos, ct_cmp, want);
    sodium_memzero(want, sizeof want);
    if (rc < 0)
        return -1;
    int64_t s = (int64_t)(now / (time_t)CPC_TOTP_STEP_S) + pos;
    *step = s < 0 ? 0 : (uint64_t)s;
    return 0;
}

void cpc_recovery_new(char out[CPC_RECOVERY_LEN + 2])
{
    size_t o = 0;
    for (int i = 0; i < CPC_RECOVERY_LEN; i++) {
        if (i == CPC_RECOVERY_LEN / 2)
            out[o++] = '-';
        out[o++] = (char)tolower((unsigned char)B32[randombytes_uniform(32)]);
    }
    out[o] = 0;
}

int cpc_recovery_hash(const struct cpc_platform *p, int64_t user, const char *code,
                      uint8_t hash[32])
{
    char norm[CPC_RECOVERY_LEN + 1];
    size_t n = 0;
    for (const char *c = code; c && *c; c++) {
        if (*c == '-' && n == CPC_RECOVERY_LEN / 2)
            continue;
        char ch = (char)toupper((unsigned char)*c);
        if (n >= CPC_RECOVERY_LEN || !strchr(B32, ch) || ch == 0)
            return -1;
        norm[n++] = (char)tolower((unsigned char)ch);
    }
    if (n != CPC_RECOVERY_LEN)
        return -1;
    norm[n] = 0;
    cpc_auth_code_hash(p, user, "recovery", norm, hash);
    sodium_memzero(norm, sizeof norm);
    return 0;
}

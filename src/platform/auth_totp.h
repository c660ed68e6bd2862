/* auth_totp.h — TOTP 2FA credentials (RFC 6238 through liboath) and
 * recovery codes; pure functions of the platform keys, no store.
 *
 * Design note. A secret is 20 random bytes (160 bits, RFC 4226's
 * recommendation), shown once as base32 (32 characters, no padding) and kept
 * sealed: XChaCha20-Poly1305 with the platform's TOTP key, a random nonce
 * in front and the user id as associated data, so a sealed secret copied to
 * another user's row does not open. Codes are SHA-1, 30 s, 6 digits, and
 * accepted one step either side; liboath compares them through a callback
 * that uses sodium_memcmp. Recovery codes are 10 characters of the base32
 * alphabet shown as "xxxxx-xxxxx" (50 bits), stored as the keyed code hash
 * of (user, "recovery", code); input is matched case-insensitively, with or
 * without the dash.
 */
#ifndef CPC_NODE_AUTH_TOTP_H
#define CPC_NODE_AUTH_TOTP_H

#include <stddef.h>
#include <stdint.h>

struct cpc_platform;

#define CPC_TOTP_SECRET_BYTES 20
#define CPC_TOTP_B32_LEN 32
#define CPC_TOTP_STEP_S 30u
#define CPC_TOTP_SEALED_LEN (24 + CPC_TOTP_SECRET_BYTES + 16)
#define CPC_RECOVERY_LEN 10 /* without the dash */

/* A new random secret (caller's buffers; raw is secret: wipe it after use). */
void cpc_totp_secret_new(uint8_t raw[CPC_TOTP_SECRET_BYTES], char b32[CPC_TOTP_B32_LEN + 1]);
/* Seal raw for user into out (CPC_TOTP_SEALED_LEN bytes). */
void cpc_totp_seal(const struct cpc_platform *p, int64_t user,
                   const uint8_t raw[CPC_TOTP_SECRET_BYTES], uint8_t out[CPC_TOTP_SEALED_LEN]);
/* Open a sealed secret of user into raw; -1 if it does not authenticate. */
int cpc_totp_open(const struct cpc_platform *p, int64_t user, const uint8_t *sealed, size_t len,
                  uint8_t raw[CPC_TOTP_SECRET_BYTES]);
/* 0 if code (six digits) is valid at now_ms within one step either side; *step gets the
 * matching time step (unix seconds / 30). -1 otherwise. */
int cpc_totp_check(const uint8_t raw[CPC_TOTP_SECRET_BYTES], uint64_t now_ms, const char *code,
                   uint64_t *step);
/* A new recovery code "xxxxx-xxxxx" (caller's buffer). */
void cpc_recovery_new(char out[CPC_RECOVERY_LEN + 2]);
/* Keyed hash of a presented recovery code for user; -1 if it is not of the code format. */
int cpc_recovery_hash(const struct cpc_platform *p, int64_t user, const char *code,
                      uint8_t hash[32]);

#endif

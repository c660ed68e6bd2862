/* auth_tokens.h — the platform's credentials: JWT access tokens, opaque
 * refresh tokens, email codes and password rules.
 *
 * Design note. Access tokens are JWT HS256 (libjwt) with claims sub (user
 * id), iat, exp (15 min) and ver (the user's token_version, so logout-all
 * kills them early). Decoding pins the algorithm: the header is read first
 * and anything but "alg":"HS256" is refused before libjwt sees the token,
 * then libjwt verifies the signature and the algorithm is checked again;
 * exp is checked against the platform clock. Refresh tokens are 32 random
 * bytes in hex (64 chars), stored only as SHA-256. Email codes are six
 * random digits, stored as a keyed BLAKE2b of (user, purpose, code).
 */
#ifndef CPC_NODE_AUTH_TOKENS_H
#define CPC_NODE_AUTH_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

struct cpc_platform;

#define CPC_ACCESS_TTL_S 900u
#define CPC_REFRESH_HEX_LEN 64

/* Issue an access token; *out is malloc'd (caller frees). */
int cpc_auth_jwt_issue(const struct cpc_platform *p, int64_t user, uint32_t version,
                       char **out, struct cpc_err *err);
/* Verify a token (alg pinned to HS256, signature, exp); fills *user and *version.
 * CPC_ERR_UNAUTHORIZED with the reason otherwise. */
int cpc_auth_jwt_verify(const struct cpc_platform *p, const char *token, int64_t *user,
                        uint32_t *version, struct cpc_err *err);

/* A fresh refresh token (hex, NUL-terminated, caller's buffer) and its SHA-256. */
void cpc_auth_refresh_new(char hex[CPC_REFRESH_HEX_LEN + 1], uint8_t hash[32]);
/* SHA-256 of a presented token; -1 if it is not 64 hex characters. */
int cpc_auth_refresh_hash(const char *hex, uint8_t hash[32]);
/* 32 random hex chars (a token family id) into the caller's buffer. */
void cpc_auth_family_new(char out[33]);

/* Six random digits (caller's buffer). */
void cpc_auth_code_new(char code[7]);
/* Keyed hash of a code for (user, purpose). */
void cpc_auth_code_hash(const struct cpc_platform *p, int64_t user, const char *purpose,
                        const char *code, uint8_t hash[32]);
/* 1 if s is exactly six ASCII digits. */
int cpc_auth_code_format_ok(const char *s);

/* Normalise an email (trim, ASCII lowercase) into out; 0 or -1 if it is not a
 * plausible address (3..254 bytes, one '@', printable ASCII without spaces or
 * header/address specials, a dot in the domain). */
int cpc_auth_email_normalise(const char *in, size_t in_len, char *out, size_t cap);
/* NULL if the password is acceptable, else a static message. */
const char *cpc_auth_password_problem(const char *pw, size_t len);

#endif

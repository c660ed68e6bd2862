/* keyring.h — named secp256k1 keys in HOME/keyring/NAME.json (mode 0600, dir 0700).
 *
 * Plain file:     {"name","address","pubkey","encrypted":false,"seckey":"hex"}
 * Encrypted file: {"name","address","pubkey","encrypted":true,
 *                  "kdf":{"alg":"argon2id13","opslimit":N,"memlimit":N,"salt":"hex"},
 *                  "cipher":"xchacha20poly1305-ietf","nonce":"hex","ciphertext":"hex"}
 * Key names: 1-64 chars of [A-Za-z0-9_.-], not starting with '.'.
 * Secret material is wiped (sodium_memzero) when no longer needed.
 */
#ifndef CPC_COMMON_KEYRING_H
#define CPC_COMMON_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/bech32.h"
#include "../core/err.h"
#include "../core/keys.h"

#define CPC_KEY_NAME_MAX 64

struct cpc_key_info {
    char name[CPC_KEY_NAME_MAX + 1];
    char address[CPC_ADDR_STR_MAX];
    uint8_t pubkey[CPC_PUBKEY_LEN];
    bool encrypted;
};

struct cpc_key {
    struct cpc_key_info info;
    uint8_t seckey[CPC_SECKEY_LEN];
};

/* Returns 0 if name is a valid key name, else CPC_ERR_INVALID. */
int cpc_keyring_check_name(const char *name, struct cpc_err *err);
/* Generate a new random key and store it. passphrase NULL or "" = unencrypted.
 * CPC_ERR_DUPLICATE if the name exists. *out (may be NULL) receives the key; wipe it after. */
int cpc_keyring_create(const char *home, const char *name, const char *passphrase,
                       struct cpc_key *out, struct cpc_err *err);
/* Store a given secret key under name (same rules as create). */
int cpc_keyring_import(const char *home, const char *name, const uint8_t seckey[CPC_SECKEY_LEN],
                       const char *passphrase, struct cpc_key *out, struct cpc_err *err);
/* Public info without decrypting. CPC_ERR_NOT_FOUND if absent. */
int cpc_keyring_info(const char *home, const char *name, struct cpc_key_info *out,
                     struct cpc_err *err);
/* Load and decrypt. Encrypted key with NULL passphrase -> CPC_ERR_UNAUTHORIZED
 * ("key NAME is encrypted: set CPC_PASSPHRASE"); wrong passphrase -> CPC_ERR_CRYPTO. */
int cpc_keyring_load(const char *home, const char *name, const char *passphrase,
                     struct cpc_key *out, struct cpc_err *err);
/* Load and decrypt a key file at path (the keyring's format; its name is the
 * file's base name without ".json", which must match the file's "name").
 * Errors as cpc_keyring_load. */
int cpc_keyring_load_file(const char *path, const char *passphrase, struct cpc_key *out,
                          struct cpc_err *err);
/* All keys sorted by name; *out is a malloc'd array (caller frees), *n its length. */
int cpc_keyring_list(const char *home, struct cpc_key_info **out, size_t *n,
                     struct cpc_err *err);
/* Remove a key file. CPC_ERR_NOT_FOUND if absent. */
int cpc_keyring_delete(const char *home, const char *name, struct cpc_err *err);
/* Wipe secret bytes. */
void cpc_key_wipe(struct cpc_key *k);

/* Fill buf with n cryptographically secure random bytes (libsodium). */
void cpc_random_bytes(void *buf, size_t n);
/* A new signing context blinded with fresh randomness; NULL on failure. Free with cpc_signer_free. */
struct cpc_signer *cpc_signer_new_random(void);

#endif

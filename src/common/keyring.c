/* keyring.c — named secp256k1 keys stored one per file in HOME/keyring/ (see keyring.h).
 *
 * Design note: a key file is small JSON written atomically with mode 0600 in a
 * 0700 folder. Plain files hold the secret key as hex; encrypted files hold it
 * sealed with XChaCha20-Poly1305 (IETF) under a key derived from the passphrase
 * by argon2id (INTERACTIVE limits, recorded in the file so they can change later),
 * with the address as associated data (a ciphertext moved to another address
 * does not open). The common case is a handful of keys and one load per command,
 * so nothing is cached. The file text we write is built with snprintf (all
 * fields are hex or restricted names) so the buffer holding a plain secret can be
 * wiped; every secret copy is cleared with sodium_memzero before it is released.
 */
#include "keyring.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/hex.h"
#include "home.h"
#include "log.h"

#define KEYRING_DIR "keyring"
#define KEYFILE_MAX 16384
#define KDF_ALG "argon2id13"
#define CIPHER_NAME "xchacha20poly1305-ietf"
#define SALT_LEN crypto_pwhash_SALTBYTES
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define AEAD_KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define CT_LEN (CPC_SECKEY_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES)

/* ---------- randomness and signers ---------- */

void cpc_random_bytes(void *buf, size_t n)
{
    /* idempotent; randombytes_buf also works (and aborts itself on failure) without it */
    if (sodium_init() < 0)
        randombytes_stir();
    randombytes_buf(buf, n);
}

struct cpc_signer *cpc_signer_new_random(void)
{
    uint8_t seed[32];
    if (sodium_init() < 0)
        return NULL;
    randombytes_buf(seed, sizeof seed);
    struct cpc_signer *s = cpc_signer_new(seed);
    sodium_memzero(seed, sizeof seed);
    return s;
}

void cpc_key_wipe(struct cpc_key *k)
{
    if (k)
        sodium_memzero(k->seckey, sizeof k->seckey);
}

/* ---------- names and paths ---------- */

int cpc_keyring_check_name(const char *name, struct cpc_err *err)
{
    if (!name || !*name)
        return cpc_err_set(err, CPC_ERR_INVALID, "key name must not be empty");
    size_t n = strlen(name);
    if (n > CPC_KEY_NAME_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "key name too long (%zu chars, max %d)", n,
                           CPC_KEY_NAME_MAX);
    if (name[0] == '.')
        return cpc_err_set(err, CPC_ERR_INVALID, "invalid key name \"%s\": must not start with '.'",
                           name);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
        if (!ok)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "invalid key name \"%.*s\": use 1-%d chars of [A-Za-z0-9_.-]",
                               (int)(n > 64 ? 64 : n), name, CPC_KEY_NAME_MAX);
    }
    return 0;
}

static int keyring_dir(char *out, size_t cap, const char *home, struct cpc_err *err)
{
    if (!home || !*home)
        return cpc_err_set(err, CPC_ERR_INVALID, "no home folder given");
    if (cpc_home_path(out, cap, home, KEYRING_DIR) != 0)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "home path too long");
    return 0;
}

static int key_path(char *out, size_t cap, const char *home, const char *name,
                    struct cpc_err *err)
{
    char dir[CPC_PATH_MAX];
    int rc = keyring_dir(dir, sizeof dir, home, err);
    if (rc)
        return rc;
    int n = snprintf(out, cap, "%s/%s.json", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "key path too long");
    return 0;
}

/* key_path of a name that must pass cpc_keyring_check_name first. */
static int named_key_path(char *out, size_t cap, const char *home, const char *name,
                          struct cpc_err *err)
{
    int rc = cpc_keyring_check_name(name, err);
    return rc ? rc : key_path(out, cap, home, name, err);
}

/* ---------- file encoding ---------- */

/* Fill info (name, pubkey, address) from a secret key. */
static int derive_info(struct cpc_key *k, const char *name, struct cpc_err *err)
{
    struct cpc_signer *s = cpc_signer_new_random();
    if (!s)
        return cpc_err_set(err, CPC_ERR_CRYPTO, "could not create a signing context");
    int rc = cpc_pubkey_from_seckey(s, k->info.pubkey, k->seckey);
    cpc_signer_free(s);
    if (rc)
        return cpc_err_set(err, CPC_ERR_CRYPTO, "could not derive the public key");
    rc = cpc_pubkey_address(k->info.address, k->info.pubkey);
    if (rc)
        return cpc_err_set(err, CPC_ERR_CRYPTO, "could not derive the address");
    snprintf(k->info.name, sizeof k->info.name, "%s", name);
    return 0;
}

/* Build the file text for k into a malloc'd buffer (*out, *len). Caller wipes and frees. */
static int encode_file(const struct cpc_key *k, const char *passphrase, char **out, size_t *len,
                       struct cpc_err *err)
{
    char pubhex[2 * CPC_PUBKEY_LEN + 1];
    cpc_hex_encode(pubhex, k->info.pubkey, CPC_PUBKEY_LEN);
    size_t cap = 1024;
    char *buf = malloc(cap);
    if (!buf)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int n;
    if (!passphrase || !*passphrase) {
        char skhex[2 * CPC_SECKEY_LEN + 1];
        cpc_hex_encode(skhex, k->seckey, CPC_SECKEY_LEN);
        n = snprintf(buf, cap,
                     "{\n  \"name\": \"%s\",\n  \"address\": \"%s\",\n  \"pubkey\": \"%s\",\n"
                     "  \"encrypted\": false,\n  \"seckey\": \"%s\"\n}\n",
                     k->info.name, k->info.address, pubhex, skhex);
        sodium_memzero(skhex, sizeof skhex);
    } else {
        uint8_t salt[SALT_LEN], nonce[NONCE_LEN], key[AEAD_KEY_LEN], ct[CT_LEN];
        unsigned long long ctlen = 0;
        unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
        cpc_random_bytes(salt, sizeof salt);
        cpc_random_bytes(nonce, sizeof nonce);
        if (crypto_pwhash(key, sizeof key, passphrase, strlen(passphrase), salt, ops, mem,
                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
            sodium_memzero(key, sizeof key);
            free(buf);
            return cpc_err_set(err, CPC_ERR_NOMEM, "argon2id key derivation failed (out of memory)");
        }
        crypto_aead_xchacha20poly1305_ietf_encrypt(
            ct, &ctlen, k->seckey, CPC_SECKEY_LEN, (const unsigned char *)k->info.address,
            strlen(k->info.address), NULL, nonce, key);
        sodium_memzero(key, sizeof key);
        char salthex[2 * SALT_LEN + 1], noncehex[2 * NONCE_LEN + 1], cthex[2 * CT_LEN + 1];
        cpc_hex_encode(salthex, salt, sizeof salt);
        cpc_hex_encode(noncehex, nonce, sizeof nonce);
        cpc_hex_encode(cthex, ct, (size_t)ctlen);
        n = snprintf(buf, cap,
                     "{\n  \"name\": \"%s\",\n  \"address\": \"%s\",\n  \"pubkey\": \"%s\",\n"
                     "  \"encrypted\": true,\n"
                     "  \"kdf\": {\n    \"alg\": \"" KDF_ALG "\",\n    \"opslimit\": %llu,\n"
                     "    \"memlimit\": %zu,\n    \"salt\": \"%s\"\n  },\n"
                     "  \"cipher\": \"" CIPHER_NAME "\",\n  \"nonce\": \"%s\",\n"
                     "  \"ciphertext\": \"%s\"\n}\n",
                     k->info.name, k->info.address, pubhex, ops, mem, salthex, noncehex, cthex);
    }
    if (n < 0 || (size_t)n >= cap) {
        sodium_memzero(buf, cap);
        free(buf);
        return cpc_err_set(err, CPC_ERR_INTERNAL, "key file text does not fit");
    }
    *out = buf;
    *len = (size_t)n;
    return 0;
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Parse the public part of a key file; checks consistency (name, pubkey -> address).
 * *root receives the parsed document (caller json_decref's). */
static int parse_file(const char *text, size_t len, const char *name, struct cpc_key_info *info,
                      json_t **root, struct cpc_err *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return cpc_err_set(err, CPC_ERR_INVALID, "key file for %s is corrupt (not a JSON object)",
                           name);
    }
    const char *fname = jstr(j, "name"), *addr = jstr(j, "address"), *pub = jstr(j, "pubkey");
    json_t *enc = json_object_get(j, "encrypted");
    memset(info, 0, sizeof *info);
    if (!fname || !addr || !pub || !json_is_boolean(enc))
        goto corrupt;
    if (strcmp(fname, name) != 0)
        goto corrupt;
    if (cpc_hex_decode_exact(info->pubkey, CPC_PUBKEY_LEN, pub) != 0 ||
        cpc_pubkey_check(info->pubkey) != 0)
        goto corrupt;
    if (cpc_pubkey_address(info->address, info->pubkey) != 0 || strcmp(info->address, addr) != 0)
        goto corrupt;
    snprintf(info->name, sizeof info->name, "%s", name);
    info->encrypted = json_is_true(enc);
    *root = j;
    return 0;
corrupt:
    json_decref(j);
    return cpc_err_set(err, CPC_ERR_INVALID,
                       "key file for %s is corrupt (bad or inconsistent name/address/pubkey)", name);
}

static int read_key_path(const char *path, const char *name, struct cpc_key_info *info,
                         json_t **root, struct cpc_err *err);

static int read_key_file(const char *home, const char *name, struct cpc_key_info *info,
                         json_t **root, struct cpc_err *err)
{
    char path[CPC_PATH_MAX];
    int rc = named_key_path(path, sizeof path, home, name, err);
    if (rc)
        return rc;
    return read_key_path(path, name, info, root, err);
}

static int read_key_path(const char *path, const char *name, struct cpc_key_info *info,
                         json_t **root, struct cpc_err *err)
{
    int rc;
    char *text = NULL;
    size_t len = 0;
    rc = cpc_read_file(path, KEYFILE_MAX, &text, &len, err);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "key %s not found", name);
    if (rc)
        return rc;
    rc = parse_file(text, len, name, info, root, err);
    sodium_memzero(text, len);
    free(text);
    return rc;
}

/* ---------- store ---------- */

static int store_key(const char *home, struct cpc_key *k, const char *passphrase,
                     struct cpc_err *err)
{
    char dir[CPC_PATH_MAX], path[CPC_PATH_MAX];
    char *text = NULL;
    size_t len = 0;
    int rc = keyring_dir(dir, sizeof dir, home, err);
    if (rc)
        return rc;
    rc = key_path(path, sizeof path, home, k->info.name, err);
    if (rc)
        return rc;
    rc = cpc_mkdir_p(dir, 0700, err);
    if (rc)
        return rc;
    if (chmod(dir, 0700) != 0)
        return cpc_err_set(err, CPC_ERR_IO, "chmod 0700 %s: %s", dir, strerror(errno));
    struct stat st;
    if (lstat(path, &st) == 0)
        return cpc_err_set(err, CPC_ERR_DUPLICATE, "key %s already exists", k->info.name);
    if (errno != ENOENT)
        return cpc_err_set(err, CPC_ERR_IO, "stat %s: %s", path, strerror(errno));
    k->info.encrypted = passphrase && *passphrase;
    rc = encode_file(k, passphrase, &text, &len, err);
    if (rc)
        return rc;
    rc = cpc_write_file_atomic(path, text, len, 0600, err);
    sodium_memzero(text, len);
    free(text);
    return rc;
}

int cpc_keyring_import(const char *home, const char *name, const uint8_t seckey[CPC_SECKEY_LEN],
                       const char *passphrase, struct cpc_key *out, struct cpc_err *err)
{
    struct cpc_key k;
    memset(&k, 0, sizeof k);
    int rc = cpc_keyring_check_name(name, err);
    if (rc)
        return rc;
    if (cpc_seckey_check(seckey) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "invalid secret key: must be non-zero and below the curve order");
    memcpy(k.seckey, seckey, CPC_SECKEY_LEN);
    rc = derive_info(&k, name, err);
    if (rc == 0)
        rc = store_key(home, &k, passphrase, err);
    if (rc == 0 && out)
        *out = k;
    cpc_key_wipe(&k);
    return rc;
}

int cpc_keyring_create(const char *home, const char *name, const char *passphrase,
                       struct cpc_key *out, struct cpc_err *err)
{
    uint8_t sk[CPC_SECKEY_LEN];
    int rc = cpc_keyring_check_name(name, err);
    if (rc)
        return rc;
    do {
        cpc_random_bytes(sk, sizeof sk);
    } while (cpc_seckey_check(sk) != 0); /* probability ~2^-128 */
    rc = cpc_keyring_import(home, name, sk, passphrase, out, err);
    sodium_memzero(sk, sizeof sk);
    return rc;
}

/* ---------- load ---------- */

int cpc_keyring_info(const char *home, const char *name, struct cpc_key_info *out,
                     struct cpc_err *err)
{
    json_t *root = NULL;
    int rc = read_key_file(home, name, out, &root, err);
    json_decref(root);
    return rc;
}

static int decrypt_seckey(const json_t *root, const struct cpc_key_info *info,
                          const char *passphrase, uint8_t sk[CPC_SECKEY_LEN], struct cpc_err *err)
{
    const char *name = info->name;
    json_t *kdf = json_object_get(root, "kdf");
    const char *alg = jstr(kdf, "alg"), *salthex = jstr(kdf, "salt");
    const char *cipher = jstr(root, "cipher"), *noncehex = jstr(root, "nonce");
    const char *cthex = jstr(root, "ciphertext");
    json_t *jops = json_object_get(kdf, "opslimit"), *jmem = json_object_get(kdf, "memlimit");
    uint8_t salt[SALT_LEN], nonce[NONCE_LEN], ct[CT_LEN], key[AEAD_KEY_LEN];
    if (!json_is_object(kdf) || !alg || !salthex || !cipher || !noncehex || !cthex ||
        !json_is_integer(jops) || !json_is_integer(jmem))
        return cpc_err_set(err, CPC_ERR_INVALID, "key file for %s is corrupt (missing kdf/cipher fields)",
                           name);
    if (strcmp(alg, KDF_ALG) != 0 || strcmp(cipher, CIPHER_NAME) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "key file for %s uses an unsupported kdf or cipher (%s, %s)", name, alg,
                           cipher);
    json_int_t ops = json_integer_value(jops), mem = json_integer_value(jmem);
    /* bound the work a (possibly tampered) file can make us do */
    if (ops < (json_int_t)crypto_pwhash_OPSLIMIT_MIN ||
        ops > (json_int_t)crypto_pwhash_OPSLIMIT_SENSITIVE ||
        mem < (json_int_t)crypto_pwhash_MEMLIMIT_MIN ||
        mem > (json_int_t)crypto_pwhash_MEMLIMIT_SENSITIVE)
        return cpc_err_set(err, CPC_ERR_INVALID, "key file for %s has out-of-range kdf limits",
                           name);
    if (cpc_hex_decode_exact(salt, sizeof salt, salthex) != 0 ||
        cpc_hex_decode_exact(nonce, sizeof nonce, noncehex) != 0 ||
        cpc_hex_decode_exact(ct, sizeof ct, cthex) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "key file for %s is corrupt (bad salt/nonce/ciphertext)",
                           name);
    if (crypto_pwhash(key, sizeof key, passphrase, strlen(passphrase), salt,
                      (unsigned long long)ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        sodium_memzero(key, sizeof key);
        return cpc_err_set(err, CPC_ERR_NOMEM, "argon2id key derivation failed (out of memory)");
    }
    unsigned long long mlen = 0;
    int bad = crypto_aead_xchacha20poly1305_ietf_decrypt(
        sk, &mlen, NULL, ct, sizeof ct, (const unsigned char *)info->address,
        strlen(info->address), nonce, key);
    sodium_memzero(key, sizeof key);
    if (bad || mlen != CPC_SECKEY_LEN) {
        sodium_memzero(sk, CPC_SECKEY_LEN);
        return cpc_err_set(err, CPC_ERR_CRYPTO, "wrong passphrase for key %s", name);
    }
    return 0;
}

static int load_key(const char *home, const char *path, const char *name,
                    const char *passphrase, struct cpc_key *out, struct cpc_err *err);

int cpc_keyring_load(const char *home, const char *name, const char *passphrase,
                     struct cpc_key *out, struct cpc_err *err)
{
    return load_key(home, NULL, name, passphrase, out, err);
}

int cpc_keyring_load_file(const char *path, const char *passphrase, struct cpc_key *out,
                          struct cpc_err *err)
{
    char name[CPC_KEY_NAME_MAX + 1];
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".json"))
        n -= 5;
    if (n == 0 || n > CPC_KEY_NAME_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: a key file is named NAME.json", path);
    memcpy(name, base, n);
    name[n] = 0;
    int rc = load_key(NULL, path, name, passphrase, out, err);
    if (rc == CPC_ERR_NOT_FOUND)
        cpc_err_set(err, rc, "key file %s not found", path);
    return rc;
}

/* home + name, or path (name = its base name). */
static int load_key(const char *home, const char *path, const char *name,
                    const char *passphrase, struct cpc_key *out, struct cpc_err *err)
{
    json_t *root = NULL;
    struct cpc_key k;
    memset(&k, 0, sizeof k);
    int rc = path ? read_key_path(path, name, &k.info, &root, err)
                  : read_key_file(home, name, &k.info, &root, err);
    if (rc)
        goto done;
    if (k.info.encrypted) {
        if (!passphrase || !*passphrase) {
            rc = cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "key %s is encrypted: set CPC_PASSPHRASE",
                             name);
            goto done;
        }
        rc = decrypt_seckey(root, &k.info, passphrase, k.seckey, err);
        if (rc)
            goto done;
    } else {
        const char *skhex = jstr(root, "seckey");
        if (!skhex || cpc_hex_decode_exact(k.seckey, CPC_SECKEY_LEN, skhex) != 0) {
            rc = cpc_err_set(err, CPC_ERR_INVALID, "key file for %s is corrupt (bad seckey)", name);
            goto done;
        }
    }
    /* the secret must match the public half recorded in the file */
    struct cpc_key chk;
    memset(&chk, 0, sizeof chk);
    memcpy(chk.seckey, k.seckey, CPC_SECKEY_LEN);
    if (cpc_seckey_check(chk.seckey) != 0) {
        rc = cpc_err_set(err, CPC_ERR_INVALID, "key file for %s holds an invalid secret key", name);
    } else {
        rc = derive_info(&chk, name, err);
        if (rc == 0 && memcmp(chk.info.pubkey, k.info.pubkey, CPC_PUBKEY_LEN) != 0)
            rc = cpc_err_set(err, CPC_ERR_INVALID,
                             "key file for %s is corrupt (secret key does not match pubkey)", name);
    }
    cpc_key_wipe(&chk);
    if (rc == 0 && out)
        *out = k;
done:
    json_decref(root);
    cpc_key_wipe(&k);
    return rc;
}

/* ---------- list and delete ---------- */

static int cmp_info(const void *a, const void *b)
{
    return strcmp(((const struct cpc_key_info *)a)->name, ((const struct cpc_key_info *)b)->name);
}

int cpc_keyring_list(const char *home, struct cpc_key_info **out, size_t *n, struct cpc_err *err)
{
    char dir[CPC_PATH_MAX];
    struct cpc_key_info *arr = NULL;
    size_t cnt = 0, cap = 0;
    *out = NULL;
    *n = 0;
    int rc = keyring_dir(dir, sizeof dir, home, err);
    if (rc)
        return rc;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0; /* no keyring yet: no keys */
        return cpc_err_set(err, CPC_ERR_IO, "open %s: %s", dir, strerror(errno));
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l <= 5 || strcmp(de->d_name + l - 5, ".json") != 0)
            continue;
        char name[CPC_KEY_NAME_MAX + 1];
        if (l - 5 > CPC_KEY_NAME_MAX)
            continue;
        memcpy(name, de->d_name, l - 5);
        name[l - 5] = '\0';
        if (cpc_keyring_check_name(name, NULL) != 0)
            continue;
        struct cpc_key_info info;
        struct cpc_err e;
        cpc_err_clear(&e);
        if (cpc_keyring_info(home, name, &info, &e) != 0) {
            CPC_LOGW("skipping key %s: %s", name, e.msg);
            continue;
        }
        if (cnt == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            struct cpc_key_info *na = realloc(arr, ncap * sizeof *na);
            if (!na) {
                closedir(d);
                free(arr);
                return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
            }
            arr = na;
            cap = ncap;
        }
        arr[cnt++] = info;
    }
    closedir(d);
    if (cnt)
        qsort(arr, cnt, sizeof *arr, cmp_info);
    *out = arr;
    *n = cnt;
    return 0;
}

int cpc_keyring_delete(const char *home, const char *name, struct cpc_err *err)
{
    char path[CPC_PATH_MAX];
    int rc = named_key_path(path, sizeof path, home, name, err);
    if (rc)
        return rc;
    if (unlink(path) != 0) {
        if (errno == ENOENT)
            return cpc_err_set(err, CPC_ERR_NOT_FOUND, "key %s not found", name);
        return cpc_err_set(err, CPC_ERR_IO, "delete %s: %s", path, strerror(errno));
    }
    return 0;
}

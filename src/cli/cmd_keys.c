/* cmd_keys.c — `cpc-cli keys add|show|list|delete|export|import`.
 * Thin wrappers over the keyring (common/keyring.h): they pick the passphrase
 * (CPC_PASSPHRASE or a TTY prompt), print, and warn where a secret is exposed. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/hex.h"
#include "cli.h"

#define UNENCRYPTED_WARNING "key stored unencrypted (file mode 0600); use --encrypt to protect it"

static int store_new(struct cli_ctx *c, const char *name, const uint8_t *seckey,
                     struct cpc_err *err)
{
    char pass[CLI_PASS_MAX];
    struct cpc_key k;
    memset(&k, 0, sizeof k);
    int rc = cpc_keyring_check_name(name, err);
    if (rc)
        return rc;
    struct cpc_key_info existing;
    if (cpc_keyring_info(c->home, name, &existing, NULL) == 0)
        return cpc_err_set(err, CPC_ERR_DUPLICATE, "key %s already exists", name);
    rc = cli_new_passphrase(c->flags & F_ENCRYPT, pass, sizeof pass, err);
    if (rc)
        return rc;
    rc = seckey ? cpc_keyring_import(c->home, name, seckey, pass, &k, err)
                : cpc_keyring_create(c->home, name, pass, &k, err);
    sodium_memzero(pass, sizeof pass);
    if (rc)
        return rc;
    if (!k.info.encrypted)
        cli_warn(UNENCRYPTED_WARNING);
    cli_print_key_info(c, &k.info, false);
    cpc_key_wipe(&k);
    return 0;
}

static int keys_add(struct cli_ctx *c, struct cpc_err *err)
{
    return store_new(c, c->args[0], NULL, err);
}

static int keys_show(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_key_info k;
    int rc = cpc_keyring_info(c->home, c->args[0], &k, err);
    if (rc)
        return rc;
    cli_print_key_info(c, &k, true);
    return 0;
}

static int keys_list(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_key_info *keys = NULL;
    size_t n = 0;
    int rc = cpc_keyring_list(c->home, &keys, &n, err);
    if (rc)
        return rc;
    if (c->json) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < n; i++) {
            if (json_array_append_new(arr, cli_key_info_json(&keys[i])) != 0) {
                json_decref(arr);
                arr = NULL;
            }
        }
        if (!arr) {
            free(keys);
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        }
        cli_print_json(arr);
        json_decref(arr);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%s  %s%s\n", keys[i].name, keys[i].address,
                   keys[i].encrypted ? " [encrypted]" : "");
    }
    free(keys);
    return 0;
}

static int keys_delete(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_key_info k;
    const char *name = c->args[0];
    int rc = cpc_keyring_info(c->home, name, &k, err);
    if (rc)
        return rc;
    if (!(c->flags & F_YES)) {
        if (!isatty(STDIN_FILENO))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "refusing to delete key %s without confirmation: pass --yes", name);
        char q[CPC_KEY_NAME_MAX + CPC_ADDR_STR_MAX + 32];
        snprintf(q, sizeof q, "Delete key %s (%s)?", name, k.address);
        if (!cli_confirm(q))
            return cpc_err_set(err, CPC_ERR_INVALID, "aborted: key %s not deleted", name);
    }
    rc = cpc_keyring_delete(c->home, name, err);
    if (rc)
        return rc;
    if (c->json) {
        json_t *j = json_pack("{s:s, s:s}", "deleted", name, "address", k.address);
        if (j)
            cli_print_json(j);
        json_decref(j);
    } else {
        printf("deleted key %s (%s)\n", name, k.address);
    }
    return 0;
}

static int keys_export(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_key_info info;
    struct cpc_key k;
    char pass[CLI_PASS_MAX], hex[2 * CPC_SECKEY_LEN + 1];
    memset(&k, 0, sizeof k);
    int rc = cpc_keyring_info(c->home, c->args[0], &info, err);
    if (rc)
        return rc;
    rc = cli_unlock_passphrase(&info, pass, sizeof pass, err);
    if (rc == 0)
        rc = cpc_keyring_load(c->home, c->args[0], pass, &k, err);
    sodium_memzero(pass, sizeof pass);
    if (rc)
        return rc;
    cli_warn("this is the SECRET key of %s: anyone who sees it controls the account",
             k.info.address);
    cpc_hex_encode(hex, k.seckey, CPC_SECKEY_LEN);
    cpc_key_wipe(&k);
    printf("%s\n", hex);
    fflush(stdout);
    sodium_memzero(hex, sizeof hex);
    return 0;
}

/* Trim ASCII whitespace in place; returns the start. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int keys_import(struct cli_ctx *c, struct cpc_err *err)
{
    char buf[512];
    uint8_t sk[CPC_SECKEY_LEN];
    const char *name = c->args[0];
    const char *src = c->nargs > 1 ? c->args[1] : NULL;
    int rc = cpc_keyring_check_name(name, err);
    if (rc)
        return rc;
    memset(buf, 0, sizeof buf);
    if (src && strcmp(src, "-") != 0) {
        if (strlen(src) >= sizeof buf)
            return cpc_err_set(err, CPC_ERR_INVALID, "secret key must be 64 hex characters");
        snprintf(buf, sizeof buf, "%s", src);
    } else if (!isatty(STDIN_FILENO) || src) {
        size_t n = fread(buf, 1, sizeof buf - 1, stdin);
        buf[n] = '\0';
        if (n == sizeof buf - 1 && !feof(stdin)) {
            sodium_memzero(buf, sizeof buf);
            return cpc_err_set(err, CPC_ERR_INVALID, "secret key must be 64 hex characters");
        }
    } else {
        rc = cli_read_secret("Secret key (64 hex): ", buf, sizeof buf, err);
        if (rc)
            return rc;
    }
    char *hex = trim(buf);
    if (cpc_hex_decode_exact(sk, sizeof sk, hex) != 0) {
        rc = cpc_err_set(err, CPC_ERR_INVALID, "secret key must be 64 hex characters");
    } else {
        rc = store_new(c, name, sk, err);
    }
    sodium_memzero(buf, sizeof buf);
    sodium_memzero(sk, sizeof sk);
    return rc;
}

const struct cli_cmd cli_keys_cmds[] = {
    {"keys", "add", 1, 1, F_ENCRYPT, "keys add NAME [--encrypt]",
     "Create a new key in the keyring and print its name, address and public key.\n"
     "The key is encrypted (argon2id + XChaCha20-Poly1305) when CPC_PASSPHRASE is set or\n"
     "--encrypt is given (then the passphrase is asked twice on the terminal).",
     keys_add},
    {"keys", "show", 1, 1, 0, "keys show NAME",
     "Print a key's public info as a JSON object: name, address, pubkey, encrypted.", keys_show},
    {"keys", "list", 0, 0, 0, "keys list",
     "List the keys: one line \"NAME  ADDRESS [encrypted]\" each (JSON array with -o json).",
     keys_list},
    {"keys", "delete", 1, 1, F_YES, "keys delete NAME [--yes]",
     "Delete a key file. Asks for confirmation on a terminal; without one, --yes is required.",
     keys_delete},
    {"keys", "export", 1, 1, 0, "keys export NAME",
     "Print the secret key as 64 hex characters (decrypting it if needed).", keys_export},
    {"keys", "import", 1, 2, F_ENCRYPT, "keys import NAME [HEX|-] [--encrypt]",
     "Store a secret key given as 64 hex characters: as argument, or read from stdin when the\n"
     "argument is \"-\" or absent (a terminal asks for it with echo off). Encryption as in 'keys add'.",
     keys_import},
    {0},
};

/* output.c — how cpc-cli prints: pretty JSON, key info (text or JSON) and warnings.
 * JSON is printed with 2-space indentation and insertion order kept, so a
 * field such as `"address": "cpc1...",` stands on its own line for scripts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/hex.h"
#include "cli.h"

void cli_print_json(const json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (!s) {
        fprintf(stderr, "Error: out of memory\n");
        return;
    }
    printf("%s\n", s);
    free(s);
}

json_t *cli_key_info_json(const struct cpc_key_info *k)
{
    char pub[2 * CPC_PUBKEY_LEN + 1];
    cpc_hex_encode(pub, k->pubkey, CPC_PUBKEY_LEN);
    return json_pack("{s:s, s:s, s:s, s:b}", "name", k->name, "address", k->address, "pubkey",
                     pub, "encrypted", k->encrypted);
}

void cli_print_key_info(const struct cli_ctx *c, const struct cpc_key_info *k, bool always_json)
{
    if (always_json || c->json) {
        json_t *j = cli_key_info_json(k);
        if (j)
            cli_print_json(j);
        else
            fprintf(stderr, "Error: out of memory\n");
        json_decref(j);
        return;
    }
    char pub[2 * CPC_PUBKEY_LEN + 1];
    cpc_hex_encode(pub, k->pubkey, CPC_PUBKEY_LEN);
    printf("name: %s\naddress: %s\npubkey: %s\n", k->name, k->address, pub);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    fputs("Warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* cmd_query.c — `cpc-cli query block|balance|account|tx` and the helpers every
 * network command shares (lazy HTTP client, ADDR-or-KEYNAME resolution).
 * Arguments are validated before any request, so a typo never reaches the node. */
#include <stdio.h>
#include <string.h>

#include "../core/amount.h"
#include "../core/hex.h"
#include "cli.h"

struct cpc_http *cli_http(struct cli_ctx *c, struct cpc_err *err)
{
    if (!c->http) {
        c->http = cpc_http_new(c->node_url, 0);
        if (!c->http)
            cpc_err_set(err, CPC_ERR_NOMEM, "could not create an HTTP client for %s", c->node_url);
    }
    return c->http;
}

int cli_resolve_address(const struct cli_ctx *c, const char *arg, char out[CPC_ADDR_STR_MAX],
                        uint8_t hash[CPC_ADDR_HASH_LEN], struct cpc_err *err)
{
    if (cpc_address_decode(hash, arg) == 0) {
        cpc_address_encode(out, hash);
        return 0;
    }
    struct cpc_key_info k;
    if (cpc_keyring_check_name(arg, NULL) == 0 && cpc_keyring_info(c->home, arg, &k, NULL) == 0 &&
        cpc_address_decode(hash, k.address) == 0) {
        memcpy(out, k.address, CPC_ADDR_STR_MAX);
        return 0;
    }
    return cpc_err_set(err, CPC_ERR_INVALID,
                       "\"%.100s\" is neither a valid cpc1 address nor a key in the keyring", arg);
}

/* GET path and print the answer as pretty JSON. */
static int get_and_print(struct cli_ctx *c, const char *path, struct cpc_err *err)
{
    struct cpc_http *h = cli_http(c, err);
    if (!h)
        return CPC_ERR_NOMEM;
    json_t *j = NULL;
    int rc = cpc_http_json(h, "GET", path, NULL, &j, NULL, err);
    if (rc)
        return rc;
    cli_print_json(j);
    json_decref(j);
    return 0;
}

static int query_block(struct cli_ctx *c, struct cpc_err *err)
{
    const char *h = c->args[0];
    char path[64];
    if (strcmp(h, "latest") != 0) {
        size_t n = strlen(h);
        if (n == 0 || n > 20 || strspn(h, "0123456789") != n)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "invalid block height \"%.40s\": use a number or \"latest\"", h);
    }
    snprintf(path, sizeof path, "/block/%s", h);
    return get_and_print(c, path, err);
}

static int query_balance(struct cli_ctx *c, struct cpc_err *err)
{
    char addr[CPC_ADDR_STR_MAX], path[96];
    uint8_t hash[CPC_ADDR_HASH_LEN];
    int rc = cli_resolve_address(c, c->args[0], addr, hash, err);
    if (rc)
        return rc;
    struct cpc_http *h = cli_http(c, err);
    if (!h)
        return CPC_ERR_NOMEM;
    snprintf(path, sizeof path, "/balance/%s", addr);
    json_t *j = NULL;
    rc = cpc_http_json(h, "GET", path, NULL, &j, NULL, err);
    if (rc)
        return rc;
    json_t *jb = json_object_get(j, "balance");
    if (!json_is_integer(jb) || json_integer_value(jb) < 0) {
        json_decref(j);
        return cpc_err_set(err, CPC_ERR_INVALID, "node answered without a valid \"balance\"");
    }
    uint64_t bal = (uint64_t)json_integer_value(jb);
    json_decref(j);
    char cpc[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(cpc, bal);
    if (c->json) {
        json_t *o = json_pack("{s:s, s:I, s:s}", "address", addr, "balance", (json_int_t)bal,
                              "balance_cpc", cpc);
        if (!o)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        cli_print_json(o);
        json_decref(o);
    } else {
        printf("%s CPC\n", cpc);
    }
    return 0;
}

static int query_account(struct cli_ctx *c, struct cpc_err *err)
{
    char addr[CPC_ADDR_STR_MAX], path[96];
    uint8_t hash[CPC_ADDR_HASH_LEN];
    int rc = cli_resolve_address(c, c->args[0], addr, hash, err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "/account/%s", addr);
    return get_and_print(c, path, err);
}

static int query_tx(struct cli_ctx *c, struct cpc_err *err)
{
    uint8_t hash[32];
    char hex[65], path[96];
    if (cpc_hex_decode_exact(hash, sizeof hash, c->args[0]) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "invalid tx hash \"%.80s\": expected 64 hex characters",
                           c->args[0]);
    cpc_hex_encode(hex, hash, sizeof hash);
    snprintf(path, sizeof path, "/tx/%s", hex);
    return get_and_print(c, path, err);
}

const struct cli_cmd cli_query_cmds[] = {
    {"query", "block", 1, 1, 0, "query block HEIGHT|latest",
     "Print a block (header and transactions) as JSON.", query_block},
    {"query", "balance", 1, 1, 0, "query balance ADDRESS|KEYNAME",
     "Print an account's balance in CPC (JSON: address, balance in base units, balance_cpc).",
     query_balance},
    {"query", "account", 1, 1, 0, "query account ADDRESS|KEYNAME",
     "Print an account (balance, nonce, stake, pending_nonce) as JSON.", query_account},
    {"query", "tx", 1, 1, 0, "query tx HASH",
     "Print a transaction and its status (pending, success, failed) as JSON.", query_tx},
    {"query", "job", 1, 1, 0, "query job JOB_ID",
     "Print a job (status, escrow, per-task states) as JSON.", cli_job_show},
    {0},
};

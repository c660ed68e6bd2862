/* cmd_tx.c — `cpc-cli tx send|stake|unstake|submit-result`.
 *
 * Every command runs the same pipeline: check the arguments and build the
 * payload locally (submit-result also runs the core's cpc_tx_check_payload, so a
 * malformed result is refused before any network call), unlock the --from key,
 * then GET /status (chain_id, min_gas_price) -> GET /account/{from}
 * (pending_nonce) -> sign -> POST /tx, and with --wait poll GET /tx/{hash}
 * every 200 ms until it is no longer pending.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/amount.h"
#include "../core/hex.h"
#include "../core/tx.h"
#include "../core/uuid.h"
#include "../common/clock.h"
#include "../common/node_client.h"
#include "cli.h"

#define POLL_MS 200

int cli_parse_amount(const char *text, uint64_t *out, struct cpc_err *err)
{
    int rc = cpc_amount_parse(out, text);
    if (rc == CPC_ERR_OVERFLOW)
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "amount \"%.40s\" is too large", text);
    if (rc)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "invalid amount \"%.40s\": use CPC with at most 9 decimals (e.g. 1.5)",
                           text);
    if (*out == 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "amount must be greater than 0");
    return 0;
}

/* Check --from and fill the sender's pubkey/from into tx. */
int cli_start_tx(struct cli_ctx *c, struct cpc_tx *tx, enum cpc_tx_type type,
                    struct cpc_key_info *info, struct cpc_err *err)
{
    memset(tx, 0, sizeof *tx);
    tx->type = type;
    if (!c->from)
        return cpc_err_set(err, CLI_USAGE, "missing --from KEY");
    int rc = cpc_keyring_info(c->home, c->from, info, err);
    if (rc)
        return rc;
    memcpy(tx->pubkey, info->pubkey, CPC_PUBKEY_LEN);
    if (cpc_address_decode(tx->from, info->address) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "key %s has an invalid address", c->from);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Poll GET /tx/{hash} until its status is not "pending". *out = the tx JSON. */
static int wait_tx(struct cli_ctx *c, const char *hash, json_t **out, struct cpc_err *err)
{
    char path[96];
    snprintf(path, sizeof path, "/tx/%s", hash);
    double deadline = cpc_clock_mono_s() + c->timeout_s;
    for (;;) {
        json_t *j = NULL;
        long status = 0;
        int rc = cpc_http_json(c->http, "GET", path, NULL, &j, &status, err);
        if (rc == 0) {
            const char *st = json_string_value(json_object_get(j, "status"));
            if (st && strcmp(st, "pending") != 0) {
                *out = j;
                return 0;
            }
            json_decref(j);
        } else if (status != 404) {
            return rc; /* 404: not indexed yet, keep waiting */
        }
        if (cpc_clock_mono_s() >= deadline)
            return cpc_err_set(err, CPC_ERR_CONNECTION,
                               "timed out after %u s waiting for tx %s (still pending; see: cpc-cli query tx %s)",
                               c->timeout_s, hash, hash);
        sleep_ms(POLL_MS);
    }
}

/* Print the outcome. answer (may be NULL): the node's answer to a wrapped post
 * (e.g. a marketplace confirm), shown as "draft". Returns 0, or 1 (already
 * reported) when the tx failed. */
static int report(struct cli_ctx *c, const char *hash, const json_t *res, const json_t *answer,
                  struct cpc_err *err)
{
    const char *status = res ? json_string_value(json_object_get(res, "status")) : "pending";
    json_t *jh = res ? json_object_get(res, "height") : NULL;
    json_t *je = res ? json_object_get(res, "error") : NULL;
    const char *emsg = json_string_value(je);
    if (!emsg && json_is_object(je)) /* tolerate {"code","message"} */
        emsg = json_string_value(json_object_get(je, "message"));
    if (!status)
        status = "unknown";
    bool failed = res && strcmp(status, "success") != 0;
    if (c->json) {
        json_t *o = json_pack("{s:s, s:s}", "hash", hash, "status", status);
        if (!o)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        if (res) {
            json_object_set_new(o, "height", json_is_integer(jh) ? json_integer(json_integer_value(jh))
                                                                 : json_null());
            json_object_set_new(o, "error", emsg ? json_string(emsg) : json_null());
        }
        if (answer)
            json_object_set(o, "draft", (json_t *)answer);
        cli_print_json(o);
        json_decref(o);
    } else {
        printf("hash: %s\n", hash);
        const char *aid = json_string_value(json_object_get(answer, "id"));
        if (aid) {
            const char *ast = json_string_value(json_object_get(answer, "status"));
            const char *ajob = json_string_value(json_object_get(answer, "job_id"));
            printf("draft: %s (%s)\n", aid, ast ? ast : "?");
            if (ajob)
                printf("job_id: %s\n", ajob);
        }
        if (!res) {
            printf("(pending; see: cpc-cli query tx %s)\n", hash);
        } else {
            if (json_is_integer(jh))
                printf("height: %" JSON_INTEGER_FORMAT "\n", json_integer_value(jh));
            printf("status: %s\n", status);
            if (failed)
                printf("error: %s\n", emsg ? emsg : "(no message)");
        }
    }
    if (failed) {
        fflush(stdout);
        fprintf(stderr, "Error: transaction %s %s: %s\n", hash, status, emsg ? emsg : "(no message)");
        return 1;
    }
    return 0;
}

int cli_sign_and_send(struct cli_ctx *c, struct cpc_tx *tx, const struct cpc_key_info *info,
                      struct cpc_err *err)
{
    return cli_sign_and_post(c, tx, info, "/tx", false, err);
}

/* Unlock the key, fetch chain id / gas price / nonce, sign, post, maybe wait, print. */
int cli_sign_and_post(struct cli_ctx *c, struct cpc_tx *tx, const struct cpc_key_info *info,
                      const char *post_path, bool wrap, struct cpc_err *err)
{
    char pass[CLI_PASS_MAX], hash[65];
    struct cpc_key key;
    struct cpc_signer *signer = NULL;
    json_t *body = NULL, *resp = NULL, *res = NULL,
           *wrapped = NULL;
    memset(&key, 0, sizeof key);

    int rc = cli_unlock_passphrase(info, pass, sizeof pass, err);
    if (rc == 0)
        rc = cpc_keyring_load(c->home, info->name, pass, &key, err);
    sodium_memzero(pass, sizeof pass);
    if (rc)
        goto done;
    if (!cli_http(c, err)) {
        rc = CPC_ERR_NOMEM;
        goto done;
    }

    /* chain id and minimum gas price, then the nonce */
    struct cpc_chain_info chain;
    rc = cpc_chain_info_fetch(c->http, &chain, err);
    if (rc)
        goto done;
    uint64_t min_gas = chain.min_gas_price, nonce = c->nonce;
    if (c->chain_id)
        snprintf(chain.chain_id, sizeof chain.chain_id, "%s", c->chain_id);
    if (!(c->flags & F_NONCE)) {
        struct cpc_account_info acct;
        rc = cpc_account_fetch(c->http, info->address, &acct, err);
        if (rc)
            goto done;
        nonce = acct.pending_nonce;
    }

    /* sign, check locally with the chain's rules, post */
    signer = cpc_signer_new_random();
    if (!signer) {
        rc = cpc_err_set(err, CPC_ERR_CRYPTO, "could not create a signing context");
        goto done;
    }
    /* a --chain-id override is signed and checked as given: the node refuses it */
    rc = cpc_tx_seal(tx, &chain, (c->flags & F_GAS_PRICE) ? c->gas_price : min_gas, nonce, signer,
                     key.seckey, err);
    cpc_key_wipe(&key);
    if (rc)
        goto done;
    body = cpc_tx_to_json(tx);
    if (!body) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (c->flags & F_DRY_RUN) { /* signed, checked, not sent */
        cli_print_json(body);
        goto done;
    }
    if (wrap && !(wrapped = json_pack("{s:O}", "tx", body))) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = cpc_http_json(c->http, "POST", post_path, wrap ? wrapped : body, &resp, NULL, err);
    if (rc)
        goto done;
    cpc_hex_encode(hash, tx->hash, sizeof tx->hash);
    const char *rh = json_string_value(json_object_get(resp, wrap ? "tx_hash" : "hash"));
    if (rh && strcmp(rh, hash) != 0) {
        rc = cpc_err_set(err, CPC_ERR_INTERNAL, "node reported hash %.64s, expected %s", rh, hash);
        goto done;
    }
    if (c->flags & F_WAIT) {
        rc = wait_tx(c, hash, &res, err);
        if (rc)
            goto done;
    }
    rc = report(c, hash, res, wrap ? resp : NULL, err);
done:
    cpc_key_wipe(&key);
    cpc_tx_clear(tx);
    cpc_signer_free(signer);
    json_decref(body);
    json_decref(resp);
    json_decref(res);
    json_decref(wrapped);
    return rc;
}

static int tx_send(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_tx tx;
    struct cpc_key_info info;
    char to[CPC_ADDR_STR_MAX];
    int rc = cli_start_tx(c, &tx, CPC_TX_TRANSFER, &info, err);
    if (rc)
        return rc;
    rc = cli_resolve_address(c, c->args[0], to, tx.u.transfer.to, err);
    if (rc)
        return rc;
    rc = cli_parse_amount(c->args[1], &tx.u.transfer.amount, err);
    if (rc)
        return rc;
    return cli_sign_and_send(c, &tx, &info, err);
}

static int tx_stake_common(struct cli_ctx *c, enum cpc_tx_type type, struct cpc_err *err)
{
    struct cpc_tx tx;
    struct cpc_key_info info;
    int rc = cli_start_tx(c, &tx, type, &info, err);
    if (rc)
        return rc;
    rc = cli_parse_amount(c->args[0], &tx.u.stake.amount, err);
    if (rc)
        return rc;
    return cli_sign_and_send(c, &tx, &info, err);
}

static int tx_stake(struct cli_ctx *c, struct cpc_err *err)
{
    return tx_stake_common(c, CPC_TX_STAKE, err);
}

static int tx_unstake(struct cli_ctx *c, struct cpc_err *err)
{
    return tx_stake_common(c, CPC_TX_UNSTAKE, err);
}

static int tx_submit_result(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_tx tx;
    struct cpc_key_info info;
    if (!c->task_id)
        return cpc_err_set(err, CLI_USAGE, "missing --task-id UUID");
    if (!c->result_hash)
        return cpc_err_set(err, CLI_USAGE, "missing --result-hash HEX");
    int rc = cli_start_tx(c, &tx, CPC_TX_SUBMIT_RESULT, &info, err);
    if (rc)
        return rc;
    struct cpc_payload_submit_result *p = &tx.u.result;
    if (cpc_uuid_parse(p->task_id, c->task_id) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           "Invalid ComputeResult: task_id is not a UUID (\"%.60s\")", c->task_id);
    int hrc = cpc_hex_decode(p->result_hash, sizeof p->result_hash, &p->result_hash_len,
                             c->result_hash, strlen(c->result_hash));
    if (hrc == CPC_ERR_TOO_LARGE)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           "Invalid ComputeResult: result_hash is longer than %d bytes",
                           CPC_RESULT_HASH_MAX);
    if (hrc != 0 || p->result_hash_len == 0)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, "Invalid ComputeResult: result_hash is not hex");
    if (c->worker_addr) {
        char addr[CPC_ADDR_STR_MAX];
        if (cli_resolve_address(c, c->worker_addr, addr, p->worker, NULL) != 0)
            return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                               "Invalid ComputeResult: worker_address is not a valid cpc1 address");
    } else {
        memcpy(p->worker, tx.from, CPC_ADDR_HASH_LEN);
    }
    /* local validation before anything touches the network */
    rc = cpc_tx_check_payload(&tx, err);
    if (rc)
        return rc;
    return cli_sign_and_send(c, &tx, &info, err);
}

/* Read a whole stream (at most CPC_TX_JSON_MAX bytes) into a malloc'd string. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0 || n > CPC_TX_JSON_MAX)
            break;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (buf) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

/* `tx broadcast FILE|-`: post a tx signed elsewhere (e.g. by --dry-run), as it is. */
static int tx_broadcast(struct cli_ctx *c, struct cpc_err *err)
{
    const char *src = c->nargs ? c->args[0] : "-";
    FILE *f = strcmp(src, "-") ? fopen(src, "rb") : stdin;
    if (!f)
        return cpc_err_set(err, CPC_ERR_IO, "cannot open %s", src);
    size_t len = 0;
    char *text = read_all(f, &len);
    if (f != stdin)
        fclose(f);
    if (!text)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    json_error_t je;
    json_t *body = len > CPC_TX_JSON_MAX ? NULL : json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!body)
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: not a JSON transaction (at most %d bytes)",
                           src, CPC_TX_JSON_MAX);
    json_t *resp = NULL, *res = NULL;
    int rc = 0;
    if (!cli_http(c, err)) {
        rc = CPC_ERR_NOMEM;
        goto done;
    }
    rc = cpc_http_json(c->http, "POST", "/tx", body, &resp, NULL, err);
    if (rc)
        goto done;
    const char *hash = json_string_value(json_object_get(resp, "hash"));
    if (!hash || strlen(hash) != 64) {
        rc = cpc_err_set(err, CPC_ERR_INVALID, "node answered without a tx hash");
        goto done;
    }
    if (c->flags & F_WAIT && (rc = wait_tx(c, hash, &res, err)) != 0)
        goto done;
    rc = report(c, hash, res, NULL, err);
done:
    json_decref(body);
    json_decref(resp);
    json_decref(res);
    return rc;
}

const struct cli_cmd cli_tx_cmds[] = {
    {"tx", "send", 2, 2, F_TX, "tx send TO AMOUNT --from KEY",
     "Transfer AMOUNT CPC (decimals allowed, e.g. 1.5) to TO, a cpc1 address or a key name.",
     tx_send},
    {"tx", "stake", 1, 1, F_TX, "tx stake AMOUNT --from KEY",
     "Lock AMOUNT CPC of the sender's balance as stake.", tx_stake},
    {"tx", "unstake", 1, 1, F_TX, "tx unstake AMOUNT --from KEY",
     "Return AMOUNT CPC of stake to the sender's balance.", tx_unstake},
    {"tx", "submit-result", 0, 0, F_TX | F_TASK_ID | F_RESULT_HASH | F_WORKER_ADDR,
     "tx submit-result --task-id UUID --result-hash HEX --from KEY [--worker-address ADDR]",
     "Submit a compute result for a task. The worker address defaults to the sender and must\n"
     "equal it. The result is validated locally before anything is sent.",
     tx_submit_result},
    {"tx", "broadcast", 0, 1, F_WAIT | F_TIMEOUT, "tx broadcast [FILE|-]",
     "Send a transaction signed elsewhere (for example with --dry-run) exactly as it is,\n"
     "read from FILE or standard input.",
     tx_broadcast},
    {0},
};

/* cmd_job.c — `cpc-cli job create|cancel|show` and `cpc-cli worker register|show`.
 *
 * job create reads a kind-level contract (docs/market.md) from FILE.json (or
 * stdin with "-"), validates it locally with the core's contract rules, and
 * sends JOB_CREATE from --from: budget + 10% commission move to escrow. The
 * job id is the tx hash. job show / worker show print the node's view of the
 * on-chain records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/amount.h"
#include "../core/hex.h"
#include "../core/market.h"
#include "cli.h"

static json_t *load_json_file(const char *path, struct cpc_err *err)
{
    json_error_t je;
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        cpc_err_set(err, CPC_ERR_IO, "cannot open %s", path);
        return NULL;
    }
    json_t *j = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    if (f != stdin)
        fclose(f);
    if (!j)
        cpc_err_set(err, CPC_ERR_INVALID, "%s: line %d: %s", path, je.line, je.text);
    return j;
}

static int job_create(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_tx tx;
    struct cpc_key_info info;
    json_t *j = load_json_file(c->args[0], err);
    if (!j)
        return err->code;
    int rc = cli_start_tx(c, &tx, CPC_TX_JOB_CREATE, &info, err);
    if (rc == 0)
        rc = cpc_payload_job_create_from_json(&tx.u.job_create, j, err);
    json_decref(j);
    if (rc)
        return rc;
    uint64_t budget, commission;
    if ((rc = cpc_contract_budget(&tx.u.job_create.contract, &budget, &commission, err)) != 0)
        return rc;
    char b[CPC_AMOUNT_STR_MAX], cm[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(b, budget);
    cpc_amount_format(cm, commission);
    if (!c->json)
        fprintf(stderr, "escrow: %s CPC budget + %s CPC commission (10%%); the job id is the tx hash\n",
                b, cm);
    return cli_sign_and_send(c, &tx, &info, err);
}

static int parse_job_id(const char *text, uint8_t id[32], struct cpc_err *err)
{
    if (cpc_hex_decode_exact(id, 32, text) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "job id must be 64 hex characters");
    return 0;
}

static int job_cancel(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_tx tx;
    struct cpc_key_info info;
    int rc = cli_start_tx(c, &tx, CPC_TX_JOB_CANCEL, &info, err);
    if (rc == 0)
        rc = parse_job_id(c->args[0], tx.u.job_cancel.job_id, err);
    if (rc)
        return rc;
    return cli_sign_and_send(c, &tx, &info, err);
}

static int get_and_print(struct cli_ctx *c, const char *path, struct cpc_err *err)
{
    json_t *j = NULL;
    if (!cli_http(c, err))
        return CPC_ERR_NOMEM;
    int rc = cpc_http_json(c->http, "GET", path, NULL, &j, NULL, err);
    if (rc)
        return rc;
    cli_print_json(j);
    json_decref(j);
    return 0;
}

int cli_job_show(struct cli_ctx *c, struct cpc_err *err)
{
    uint8_t id[32];
    int rc = parse_job_id(c->args[0], id, err);
    if (rc)
        return rc;
    char path[128];
    snprintf(path, sizeof path, "/market/job/%s", c->args[0]);
    return get_and_print(c, path, err);
}

static int worker_register(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_tx tx;
    struct cpc_key_info info;
    if (!c->stake)
        return cpc_err_set(err, CLI_USAGE, "missing --stake AMOUNT (CPC; 0 updates capabilities only)");
    int rc = cli_start_tx(c, &tx, CPC_TX_WORKER_REGISTER, &info, err);
    if (rc)
        return rc;
    struct cpc_payload_worker_register *p = &tx.u.worker_register;
    if (strcmp(c->stake, "0") != 0 && (rc = cli_parse_amount(c->stake, &p->stake, err)) != 0)
        return rc;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    p->cpu_cores = cores > 0 ? (uint32_t)cores : 1;
    return cli_sign_and_send(c, &tx, &info, err);
}

static int worker_show(struct cli_ctx *c, struct cpc_err *err)
{
    char addr[CPC_ADDR_STR_MAX];
    uint8_t hash[CPC_ADDR_HASH_LEN];
    int rc = cli_resolve_address(c, c->args[0], addr, hash, err);
    if (rc)
        return rc;
    char path[128];
    snprintf(path, sizeof path, "/market/worker/%s", addr);
    return get_and_print(c, path, err);
}

const struct cli_cmd cli_job_cmds[] = {
    {"job", "create", 1, 1, F_TX, "job create FILE.json --from KEY",
     "Create a job from a kind-level contract (hashpow, matmul, vanity or exec; see\n"
     "docs/market.md). Its budget plus the 10% platform commission move into the job's\n"
     "escrow; leftovers come back on completion, cancel or expiry. FILE may be - (stdin).",
     job_create},
    {"job", "cancel", 1, 1, F_TX, "job cancel JOB_ID --from KEY",
     "Cancel an active job you created: open tasks close, escrow leftovers are refunded.",
     job_cancel},
    {"job", "show", 1, 1, 0, "job show JOB_ID",
     "Print the job's on-chain record with its status and per-task states.", cli_job_show},
    {0},
};

const struct cli_cmd cli_worker_cmds[] = {
    {"worker", "register", 0, 0, F_TX | F_STAKE, "worker register --stake AMOUNT --from KEY",
     "Register the --from key as a compute provider, locking AMOUNT CPC of its balance as\n"
     "stake (slashed by 10% of a task's reward for each rejected result). Run again to add\n"
     "stake or update capabilities (this machine's CPU cores are recorded).",
     worker_register},
    {"worker", "show", 1, 1, 0, "worker show ADDR|KEYNAME",
     "Print a worker's record: locked stake, capabilities and reputation.", worker_show},
    {0},
};

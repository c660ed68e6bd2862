/* cmd_job.c — `cpc-cli job create|quote|confirm|cancel|extend|show|list|upload` and
 * `cpc-cli worker register|deregister|show`.
 *
 * job create reads a kind-level contract (docs/market.md) from FILE.json (or
 * stdin with "-"), validates it locally with the core's contract rules, and
 * sends JOB_CREATE from --from: budget + 10% commission move to escrow. The
 * job id is the tx hash. job show / worker show print the node's view of the
 * on-chain records.
 *
 * The marketplace path (docs/api.md, Marketplace): job quote posts FILE.json
 * (the high-level form or a kind-level contract) to POST /marketplace/jobs
 * and prints the draft id and the quote; job confirm fetches the draft's
 * contract, signs a JOB_CREATE of exactly that contract and posts it wrapped
 * as {"tx":...} to /marketplace/jobs/{id}/confirm (cli_sign_and_post). job
 * cancel, job extend and job show accept a draft id (a UUID) as well as a job id.
 * job extend sends JOB_EXTEND (--blocks N more deadline blocks, --tasks N more
 * tasks escrowed with 10% commission); with a draft id it goes through
 * /marketplace/jobs/{id}/extend.
 *
 * job upload stores a file as a blob of exec jobs (PUT /blobs/{sha256}), a
 * request signed with the --from key (req_sign.h): the node charges it to
 * that account's blob quota. It prints {"sha256","size","created",...}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <time.h>

#include "../common/clock.h"
#include "../common/req_sign.h"
#include "../core/amount.h"
#include "../core/hash.h"
#include "../core/hex.h"
#include "../core/market.h"
#include "../core/uuid.h"
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

/* Tell what a JOB_CREATE tx locks (on stderr, unless --json). */
static int say_escrow(const struct cli_ctx *c, const struct cpc_tx *tx, struct cpc_err *err)
{
    uint64_t budget, commission;
    int rc = cpc_contract_budget(&tx->u.job_create.contract, &budget, &commission, err);
    if (rc != 0)
        return rc;
    char b[CPC_AMOUNT_STR_MAX], cm[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(b, budget);
    cpc_amount_format(cm, commission);
    if (!c->json)
        fprintf(stderr,
                "escrow: %s CPC budget + %s CPC commission (10%%); gas %llu (the fee is gas x gas "
                "price: it grows with the tasks); the job id is the tx hash\n",
                b, cm, (unsigned long long)cpc_tx_gas(tx));
    return 0;
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
    if ((rc = say_escrow(c, &tx, err)) != 0)
        return rc;
    return cli_sign_and_send(c, &tx, &info, err);
}

static int parse_job_id(const char *text, uint8_t id[32], struct cpc_err *err)
{
    if (cpc_hex_decode_exact(id, 32, text) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "job id must be 64 hex characters");
    return 0;
}

static int is_draft_id(const char *text)
{
    uint8_t u[16];
    return strlen(text) == CPC_UUID_STR_LEN && cpc_uuid_parse(u, text) == 0;
}

/* GET path into *out (the caller decrefs it). */
static int get_json(struct cli_ctx *c, const char *path, json_t **out, struct cpc_err *err)
{
    if (!cli_http(c, err))
        return CPC_ERR_NOMEM;
    return cpc_http_json(c->http, "GET", path, NULL, out, NULL, err);
}

/* GET /marketplace/jobs/{id} into *out. */
static int get_draft(struct cli_ctx *c, const char *id, json_t **out, struct cpc_err *err)
{
    char path[128];
    if (!is_draft_id(id))
        return cpc_err_set(err, CPC_ERR_INVALID, "draft id must be a UUID (from cpc-cli job quote)");
    snprintf(path, sizeof path, "/marketplace/jobs/%s", id);
    return get_json(c, path, out, err);
}

static int draft_cancel(struct cli_ctx *c, struct cpc_err *err)
{
    const char *id = c->args[0];
    json_t *d = NULL, *resp = NULL;
    char path[128];
    int rc = get_draft(c, id, &d, err);
    if (rc)
        return rc;
    const char *st = json_string_value(json_object_get(d, "status"));
    const char *job = json_string_value(json_object_get(d, "job_id"));
    snprintf(path, sizeof path, "/marketplace/jobs/%s/cancel", id);
    if (st && !strcmp(st, "confirmed") && job) {
        struct cpc_tx tx;
        struct cpc_key_info info;
        rc = cli_start_tx(c, &tx, CPC_TX_JOB_CANCEL, &info, err);
        if (rc == 0)
            rc = parse_job_id(job, tx.u.job_cancel.job_id, err);
        if (rc == 0)
            rc = cli_sign_and_post(c, &tx, &info, path, true, err);
    } else {
        rc = cpc_http_json(c->http, "POST", path, NULL, &resp, NULL, err);
        if (rc == 0) {
            if (c->json)
                cli_print_json(resp);
            else
                printf("draft: %s (%s)\n", id,
                       json_string_value(json_object_get(resp, "status")));
        }
    }
    json_decref(d);
    json_decref(resp);
    return rc;
}

static int job_cancel(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_tx tx;
    struct cpc_key_info info;
    if (is_draft_id(c->args[0]))
        return draft_cancel(c, err);
    int rc = cli_start_tx(c, &tx, CPC_TX_JOB_CANCEL, &info, err);
    if (rc == 0)
        rc = parse_job_id(c->args[0], tx.u.job_cancel.job_id, err);
    if (rc)
        return rc;
    return cli_sign_and_send(c, &tx, &info, err);
}

static int job_extend(struct cli_ctx *c, struct cpc_err *err)
{
    uint64_t blocks = 0, tasks = 0;
    if ((c->flags & F_BLOCKS) &&
        (cpc_parse_u64(c->blocks, &blocks) || blocks > CPC_MAX_DEADLINE_BLOCKS))
        return cpc_err_set(err, CLI_USAGE, "--blocks must be 0..%llu, got \"%s\"",
                           (unsigned long long)CPC_MAX_DEADLINE_BLOCKS, c->blocks);
    if ((c->flags & F_TASKS) && (cpc_parse_u64(c->tasks, &tasks) || tasks > CPC_MAX_TASKS))
        return cpc_err_set(err, CLI_USAGE, "--tasks must be 0..%d, got \"%s\"", CPC_MAX_TASKS,
                           c->tasks);
    if (blocks == 0 && tasks == 0)
        return cpc_err_set(err, CLI_USAGE, "give --blocks N and/or --tasks N (not both 0)");
    const char *id = c->args[0];
    json_t *d = NULL;
    char path[128];
    int rc = 0;
    const char *job = id;
    if (is_draft_id(id)) {
        if ((rc = get_draft(c, id, &d, err)) != 0)
            return rc;
        const char *st = json_string_value(json_object_get(d, "status"));
        job = json_string_value(json_object_get(d, "job_id"));
        if (!st || strcmp(st, "confirmed") != 0 || !job) {
            rc = cpc_err_set(err, CPC_ERR_INVALID,
                             "draft %s is %s: only a confirmed job can be extended", id,
                             st ? st : "unknown");
            json_decref(d);
            return rc;
        }
    }
    struct cpc_tx tx;
    struct cpc_key_info info;
    rc = cli_start_tx(c, &tx, CPC_TX_JOB_EXTEND, &info, err);
    if (rc == 0)
        rc = parse_job_id(job, tx.u.job_extend.job_id, err);
    if (rc == 0) {
        tx.u.job_extend.add_blocks = blocks;
        tx.u.job_extend.add_tasks = (uint32_t)tasks;
        if (d) {
            snprintf(path, sizeof path, "/marketplace/jobs/%s/extend", id);
            rc = cli_sign_and_post(c, &tx, &info, path, true, err);
        } else {
            rc = cli_sign_and_send(c, &tx, &info, err);
        }
    }
    json_decref(d);
    return rc;
}

static int get_and_print(struct cli_ctx *c, const char *path, struct cpc_err *err)
{
    json_t *j = NULL;
    int rc = get_json(c, path, &j, err);
    if (rc)
        return rc;
    cli_print_json(j);
    json_decref(j);
    return 0;
}

int cli_job_show(struct cli_ctx *c, struct cpc_err *err)
{
    uint8_t id[32];
    if (is_draft_id(c->args[0])) {
        json_t *d = NULL;
        int rc = get_draft(c, c->args[0], &d, err);
        if (rc == 0)
            cli_print_json(d);
        json_decref(d);
        return rc;
    }
    int rc = parse_job_id(c->args[0], id, err);
    if (rc)
        return rc;
    char path[128];
    snprintf(path, sizeof path, "/market/job/%s", c->args[0]);
    return get_and_print(c, path, err);
}

static int job_quote(struct cli_ctx *c, struct cpc_err *err)
{
    json_t *j = load_json_file(c->args[0], err), *resp = NULL;
    if (!j)
        return err->code;
    int rc = cli_http(c, err) ? 0 : CPC_ERR_NOMEM;
    if (rc == 0)
        rc = cpc_http_json(c->http, "POST", "/marketplace/jobs", j, &resp, NULL, err);
    json_decref(j);
    if (rc)
        return rc;
    if (c->json) {
        cli_print_json(resp);
        json_decref(resp);
        return 0;
    }
    const char *id = json_string_value(json_object_get(resp, "id"));
    json_t *q = json_object_get(resp, "quote");
    const char *jt = json_string_value(json_object_get(q, "job_type"));
    printf("draft: %s\n", id ? id : "?");
    if (jt)
        printf("job type: %s\n", jt);
    const char *rule = json_string_value(json_object_get(q, "rule"));
    if (rule)
        printf("rule: %s\n", rule);
    size_t i;
    json_t *step;
    json_array_foreach(json_object_get(q, "steps"), i, step)
        printf("  %s\n", json_string_value(step));
    json_t *tot = json_object_get(q, "total");
    if (json_is_integer(tot)) {
        char t[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(t, (uint64_t)json_integer_value(tot));
        printf("estimate: %s CPC (budget + 10%% commission, moved to escrow at confirm)\n", t);
    }
    printf("confirm with: cpc-cli job confirm %s --from KEY\n", id ? id : "DRAFT_ID");
    json_decref(resp);
    return 0;
}

static int job_confirm(struct cli_ctx *c, struct cpc_err *err)
{
    const char *id = c->args[0];
    struct cpc_tx tx;
    struct cpc_key_info info;
    json_t *d = NULL;
    char path[128];
    int rc = cli_start_tx(c, &tx, CPC_TX_JOB_CREATE, &info, err);
    if (rc == 0)
        rc = get_draft(c, id, &d, err);
    if (rc == 0) {
        const char *st = json_string_value(json_object_get(d, "status"));
        if (!st || strcmp(st, "draft") != 0)
            rc = cpc_err_set(err, CPC_ERR_INVALID, "draft %s is %s, not draft", id, st ? st : "?");
    }
    if (rc == 0)
        rc = cpc_payload_job_create_from_json(&tx.u.job_create, json_object_get(d, "contract"),
                                              err);
    json_decref(d);
    if (rc)
        return rc;
    if ((rc = say_escrow(c, &tx, err)) != 0)
        return rc;
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", id);
    return cli_sign_and_post(c, &tx, &info, path, true, err);
}

static int job_list(struct cli_ctx *c, struct cpc_err *err)
{
    char path[160], addr[CPC_ADDR_STR_MAX];
    uint8_t hash[CPC_ADDR_HASH_LEN];
    if (c->nargs > 0) {
        int rc = cli_resolve_address(c, c->args[0], addr, hash, err);
        if (rc)
            return rc;
        snprintf(path, sizeof path, "/marketplace/jobs?owner=%s&limit=100", addr);
    } else {
        snprintf(path, sizeof path, "/marketplace/jobs?limit=100");
    }
    json_t *j = NULL;
    int rc = get_json(c, path, &j, err);
    if (rc)
        return rc;
    if (c->json) {
        cli_print_json(j);
    } else {
        size_t i;
        json_t *e;
        printf("%-36s  %-9s  %-8s  %14s  %s\n", "DRAFT", "STATUS", "TYPE", "TOTAL_CPC", "JOB_ID");
        json_array_foreach(json_object_get(j, "jobs"), i, e) {
            char t[CPC_AMOUNT_STR_MAX] = "-";
            json_t *tot = json_object_get(e, "total");
            if (json_is_integer(tot))
                cpc_amount_format(t, (uint64_t)json_integer_value(tot));
            const char *jt = json_string_value(json_object_get(e, "job_type"));
            const char *jid = json_string_value(json_object_get(e, "job_id"));
            printf("%-36s  %-9s  %-8s  %14s  %s\n", json_string_value(json_object_get(e, "id")),
                   json_string_value(json_object_get(e, "status")), jt ? jt : "-", t,
                   jid ? jid : "-");
        }
    }
    json_decref(j);
    return 0;
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

static int worker_deregister(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_tx tx;
    struct cpc_key_info info;
    int rc = cli_start_tx(c, &tx, CPC_TX_WORKER_DEREGISTER, &info, err);
    if (rc)
        return rc;
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

#define UPLOAD_MAX (16u << 20) /* the node's blob limit */

static int job_upload(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_key_info info;
    struct cpc_key key;
    struct cpc_signer *signer = NULL;
    struct cpc_http_resp r = {0};
    char pass[CLI_PASS_MAX], *data = NULL, hex[65], path[96];
    size_t len = 0;
    memset(&key, 0, sizeof key);
    if (!c->from)
        return cpc_err_set(err, CLI_USAGE, "job upload needs --from KEY (the account charged)");
    int rc = cpc_read_file(c->args[0], UPLOAD_MAX, &data, &len, err);
    if (rc)
        return rc;
    uint8_t h[32];
    cpc_sha256(h, data, len);
    cpc_hex_encode(hex, h, 32);
    snprintf(path, sizeof path, "/blobs/%s", hex);
    rc = cpc_keyring_info(c->home, c->from, &info, err);
    if (rc == 0)
        rc = cli_unlock_passphrase(&info, pass, sizeof pass, err);
    if (rc == 0)
        rc = cpc_keyring_load(c->home, info.name, pass, &key, err);
    sodium_memzero(pass, sizeof pass);
    if (rc == 0 && !(signer = cpc_signer_new_random()))
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (rc == 0 && !cli_http(c, err))
        rc = CPC_ERR_NOMEM;
    uint64_t ts = cpc_clock_wall_ms();
    struct cpc_req_sig sig;
    if (rc == 0)
        rc = cpc_req_sign(&sig, signer, &key, "PUT", path, data, len, ts, err);
    if (rc == 0) {
        char h1[128], h2[64], h3[160];
        snprintf(h1, sizeof h1, "%s: %s", CPC_REQ_HDR_PUBKEY, sig.pubkey);
        snprintf(h2, sizeof h2, "%s: %s", CPC_REQ_HDR_TIMESTAMP, sig.timestamp);
        snprintf(h3, sizeof h3, "%s: %s", CPC_REQ_HDR_SIGNATURE, sig.signature);
        const char *headers[] = {h1, h2, h3, NULL};
        rc = cpc_http_request_h(c->http, "PUT", path, data, len, "application/octet-stream",
                                headers, &r, err);
    }
    json_t *j = rc == 0 ? json_loadb(r.body ? r.body : "", r.len, 0, NULL) : NULL;
    if (rc == 0 && (r.status == 200 || r.status == 201)) {
        if (c->json || !j)
            cli_print_json(j);
        else
            printf("blob %s: %zu bytes, %s (charged to %s)\n", hex, len,
                   r.status == 201 ? "stored" : "already stored",
                   json_string_value(json_object_get(j, "uploader")));
    } else if (rc == 0) {
        const char *m = json_string_value(
            json_object_get(json_object_get(j, "error"), "message"));
        const char *code = json_string_value(
            json_object_get(json_object_get(j, "error"), "code"));
        rc = cpc_err_set(err, code ? cpc_errcode_from_name(code) : CPC_ERR_IO,
                         "PUT %s: HTTP %ld: %s", path, r.status, m ? m : "no message");
        if (rc == 0 || rc == CPC_ERR_INTERNAL)
            rc = err->code = CPC_ERR_IO;
    }
    json_decref(j);
    cpc_http_resp_free(&r);
    cpc_signer_free(signer);
    cpc_key_wipe(&key);
    free(data);
    return rc;
}

const struct cli_cmd cli_job_cmds[] = {
    {"job", "create", 1, 1, F_TX, "job create FILE.json --from KEY",
     "Create a job from a kind-level contract (hashpow, matmul, vanity or exec; see\n"
     "docs/market.md). Its budget plus the 10% platform commission move into the job's\n"
     "escrow; leftovers come back on completion, cancel or expiry. FILE may be - (stdin).",
     job_create},
    {"job", "quote", 1, 1, 0, "job quote FILE.json",
     "Ask the node's marketplace for a quote: FILE (or - for stdin) holds the high-level\n"
     "form, e.g. {\"type\":\"ml_training\",\"framework\":\"pytorch\",\"dataset_size\":\"500GB\",\n"
     "\"model_params\":\"70B\",\"priority\":\"high\",\"max_budget\":1000} (max_budget in CPC), or a\n"
     "kind-level contract. Prints the draft id, the job type (Light, Medium, Heavy, Parallel),\n"
     "the rule that fired and the estimate. Nothing is paid until job confirm.",
     job_quote},
    {"job", "confirm", 1, 1, F_TX, "job confirm DRAFT_ID --from KEY",
     "Sign a JOB_CREATE carrying the draft's contract and send it to the marketplace: the\n"
     "budget plus 10% commission move into the job's escrow and the job starts. The job id\n"
     "is the tx hash.",
     job_confirm},
    {"job", "cancel", 1, 1, F_TX, "job cancel JOB_ID|DRAFT_ID --from KEY",
     "Cancel an active job you created: open tasks close, escrow leftovers are refunded.\n"
     "With a DRAFT_ID (a UUID from job quote): an unconfirmed draft is dropped (no tx, no\n"
     "--from needed); a confirmed one is cancelled on chain through the marketplace.",
     job_cancel},
    {"job", "extend", 1, 1, F_TX | F_BLOCKS | F_TASKS,
     "job extend JOB_ID|DRAFT_ID [--blocks N] [--tasks N] --from KEY",
     "Extend an active job you created: --blocks N moves its deadline N blocks later,\n"
     "--tasks N appends N tasks whose budget plus 10% commission move from your balance\n"
     "into the job's escrow (at least one of the two). With a DRAFT_ID, a confirmed draft's\n"
     "job is extended through the marketplace.",
     job_extend},
    {"job", "show", 1, 1, 0, "job show JOB_ID|DRAFT_ID",
     "Print the job's on-chain record with its status and per-task states; with a DRAFT_ID,\n"
     "the marketplace draft (contract, quote) and its on-chain job once confirmed.",
     cli_job_show},
    {"job", "list", 0, 1, 0, "job list [ADDR|KEYNAME]",
     "List marketplace drafts, newest first (at most 100): all of them, or those owned by\n"
     "ADDR (the address that signed the draft request or confirmed it).",
     job_list},
    {"job", "upload", 1, 1, F_FROM, "job upload FILE --from KEY",
     "Store FILE on the node as a blob of exec jobs (an app or an input, named by its\n"
     "SHA-256 in the contract). The request is signed with KEY, whose account is charged:\n"
     "it must hold the node's minimum balance (or be a registered worker) and stay within\n"
     "its blob quota. Blobs no active job references are collected after a grace period\n"
     "(24 h by default). Prints the hash.",
     job_upload},
    {0},
};

const struct cli_cmd cli_worker_cmds[] = {
    {"worker", "register", 0, 0, F_TX | F_STAKE, "worker register --stake AMOUNT --from KEY",
     "Register the --from key as a compute provider, locking AMOUNT CPC of its balance as\n"
     "stake (slashed by 10% of a task's reward for each rejected result); the lock must be\n"
     "at least the chain's min_worker_stake (10 CPC on a devnet). Run again to add stake or\n"
     "update capabilities (this machine's CPU cores are recorded).",
     worker_register},
    {"worker", "deregister", 0, 0, F_TX, "worker deregister --from KEY",
     "Send WORKER_DEREGISTER: the --from worker gets no new leases; results of leases it\n"
     "holds are still taken during the unbonding period (genesis unbonding_blocks, 100 on\n"
     "a devnet). Once the period has passed and none of its results awaits a reveal or a\n"
     "quorum, `tx unstake` can take the locked stake. `worker register` bonds it again.",
     worker_deregister},
    {"worker", "show", 1, 1, 0, "worker show ADDR|KEYNAME",
     "Print a worker's record: locked stake, capabilities and reputation.", worker_show},
    {0},
};

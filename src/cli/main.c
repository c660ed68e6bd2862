/* main.c — cpc-cli entry point: flag parsing, command dispatch, help and exit codes.
 *
 * Design note: argv is scanned once. Every "--flag" (global or command flag,
 * also "--flag=value") may stand anywhere, before or after the command words;
 * the remaining words are "GROUP SUB ARGS..." (or "status"). Each command in
 * the cmd_*.c tables declares the flags it accepts, so a flag that means
 * nothing for a command is a usage error rather than silently ignored.
 * Exit codes: 0 success, 1 failure ("Error: <message>" on stderr), 2 bad usage
 * (usage on stderr). --help / -h anywhere prints the most specific usage on
 * stdout and exits 0.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/amount.h"
#include "../core/tx.h"
#include "cli.h"

#define DEFAULT_NODE "http://localhost:8000"

struct flag_def {
    const char *name;
    const char *alias; /* short form or NULL */
    uint64_t bit;      /* 0 for --help/--version */
    int takes_value;
    size_t slot;       /* offset of its value in struct cli_ctx (platform flags), else 0 */
};
#define OPT(name, bit, field) {name, NULL, bit, 1, offsetof(struct cli_ctx, o.field)}

static const struct flag_def FLAGS[] = {
    {"--home", NULL, F_HOME, 1, 0},
    {"--node", NULL, F_NODE, 1, 0},
    {"--output", "-o", F_OUTPUT, 1, 0},
    {"--from", NULL, F_FROM, 1, 0},
    {"--gas-price", NULL, F_GAS_PRICE, 1, 0},
    {"--wait", NULL, F_WAIT, 0, 0},
    {"--timeout", NULL, F_TIMEOUT, 1, 0},
    {"--nonce", NULL, F_NONCE, 1, 0},
    {"--encrypt", NULL, F_ENCRYPT, 0, 0},
    {"--yes", "-y", F_YES, 0, 0},
    {"--task-id", NULL, F_TASK_ID, 1, 0},
    {"--result-hash", NULL, F_RESULT_HASH, 1, 0},
    {"--worker-address", NULL, F_WORKER_ADDR, 1, 0},
    {"--chain-id", NULL, F_CHAIN_ID, 1, 0},
    {"--dry-run", NULL, F_DRY_RUN, 0, 0},
    {"--stake", NULL, F_STAKE, 1, 0},
    {"--blocks", NULL, F_BLOCKS, 1, 0},
    {"--tasks", NULL, F_TASKS, 1, 0},
    OPT("--email", F_EMAIL, email),
    OPT("--api-key", F_API_KEY, api_key),
    OPT("--model", F_MODEL, model),
    OPT("--min-price", F_MIN_PRICE, min_price),
    OPT("--max-price", F_MAX_PRICE, max_price),
    OPT("--location", F_LOCATION, location),
    OPT("--min-vram", F_MIN_VRAM, min_vram),
    OPT("--count", F_COUNT, count),
    OPT("--status", F_STATUS, status),
    OPT("--sort", F_SORT, sort),
    OPT("--page", F_PAGE, page),
    OPT("--hours", F_HOURS, hours),
    OPT("--image", F_IMAGE, image),
    OPT("--ssh-key", F_SSH_KEY, ssh_key),
    {"--print", NULL, F_PRINT, 0, 0},
    OPT("--gpus", F_GPUS, gpus),
    OPT("--vram", F_VRAM, vram),
    OPT("--price", F_PRICE, price),
    OPT("--host", F_HOST, host),
    OPT("--ports", F_PORTS, ports),
    OPT("--country", F_COUNTRY, country),
    OPT("--city", F_CITY, city),
    OPT("--worker-key", F_WORKER_KEY, worker_key),
    OPT("--ram", F_RAM, ram),
    OPT("--disk", F_DISK, disk),
    OPT("--cpu", F_CPU, cpu),
    {"--help", "-h", 0, 0, 0},
    {"--version", NULL, 0, 0, 0},
    {NULL, NULL, 0, 0, 0},
};

static int run_status(struct cli_ctx *c, struct cpc_err *err);

static const struct cli_cmd STATUS_CMD[] = {
    {NULL, "status", 0, 0, 0, "status", "Print the node's GET /status as JSON.", run_status},
    {0},
};

/* commands without a group word */
static const struct cli_cmd *const TOP_LEVEL[] = {STATUS_CMD, cli_account_cmds, cli_rent_cmds, NULL};

struct group {
    const char *name;
    const char *summary;
    const struct cli_cmd *cmds;
};

static const struct group GROUPS[] = {
    {"keys", "Manage the local keyring", cli_keys_cmds},
    {"tx", "Build, sign and send transactions", cli_tx_cmds},
    {"query", "Read chain state from the node", cli_query_cmds},
    {"job", "Create, cancel and inspect compute jobs", cli_job_cmds},
    {"worker", "Register or deregister as a compute provider", cli_worker_cmds},
    {"gpu", "Search the GPU catalogue (platform account)", cli_gpu_cmds},
    {"rental", "Inspect, reach and end your GPU rentals (platform account)", cli_rental_cmds},
    {"server", "List your GPU servers as a provider (platform account)", cli_server_cmds},
    {NULL, NULL, NULL},
};

static const char GLOBAL_OPTS[] =
    "Global options (may appear anywhere on the line):\n"
    "  --home DIR            home folder (default: $CPC_HOME, else ~/.cpc)\n"
    "  --node URL            node to talk to (default: $CPC_NODE, else " DEFAULT_NODE ")\n"
    "  -o, --output FORMAT   text (default) or json\n"
    "  -h, --help            show help for any command or group\n"
    "  --version             print the version\n";

static const char PLATFORM_OPTS[] =
    "Platform options (login first, or use an API key):\n"
    "  --api-key KEY         an API key (cpc_...) instead of the login session;\n"
    "                        prefer $CPC_API_KEY (a flag shows in the process list)\n";

static const char TX_OPTS[] =
    "Transaction options:\n"
    "  --from KEY            key (in the keyring) that signs and pays\n"
    "  --gas-price N         base units per gas (default: the node's min_gas_price)\n"
    "  --nonce N             override the account's next nonce\n"
    "  --wait                wait until the tx is included (polls every 200 ms)\n"
    "  --timeout SECONDS     how long --wait waits (default 60)\n"
    "  --chain-id ID         sign for this chain id instead of the node's\n"
    "  --dry-run             sign and print the tx JSON without sending it\n"
    "                        (send it later with: cpc-cli tx broadcast FILE)\n";

static void usage_top(FILE *f)
{
    fprintf(f, "Usage: cpc-cli [--home DIR] [--node URL] [--output text|json] COMMAND ...\n\n"
               "The ComputeChain command line: keys, transactions, queries and GPU rentals.\n\nCommands:\n");
    for (const struct group *g = GROUPS; g->name; g++)
        for (const struct cli_cmd *c = g->cmds; c->name; c++)
            fprintf(f, "  %s\n", c->synopsis);
    for (const struct cli_cmd *const *t = TOP_LEVEL; *t; t++)
        for (const struct cli_cmd *c = *t; c->name; c++)
            fprintf(f, "  %s\n", c->synopsis);
    fprintf(f, "\n%s", GLOBAL_OPTS);
    fprintf(f, "\nRun 'cpc-cli COMMAND --help' for details on a command.\n");
}

static void usage_group(FILE *f, const struct group *g)
{
    fprintf(f, "Usage: cpc-cli %s COMMAND ...\n\n%s.\n\nCommands:\n", g->name, g->summary);
    for (const struct cli_cmd *c = g->cmds; c->name; c++)
        fprintf(f, "  %s\n", c->synopsis);
    if (g->cmds == cli_tx_cmds)
        fprintf(f, "\n%s", TX_OPTS);
    fprintf(f, "\n%s", GLOBAL_OPTS);
}

static void usage_cmd(FILE *f, const struct cli_cmd *c)
{
    fprintf(f, "Usage: cpc-cli %s\n\n%s\n", c->synopsis, c->help);
    if ((c->flags & F_TX) == F_TX)
        fprintf(f, "\n%s", TX_OPTS);
    if (c->flags & F_API_KEY)
        fprintf(f, "\n%s", PLATFORM_OPTS);
    fprintf(f, "\n%s", GLOBAL_OPTS);
}

static const struct flag_def *find_flag(const char *name, size_t len)
{
    for (const struct flag_def *f = FLAGS; f->name; f++) {
        if (strlen(f->name) == len && !strncmp(f->name, name, len))
            return f;
        if (f->alias && strlen(f->alias) == len && !strncmp(f->alias, name, len))
            return f;
    }
    return NULL;
}

static const char *flag_name(uint64_t bit)
{
    for (const struct flag_def *f = FLAGS; f->name; f++)
        if (f->bit == bit)
            return f->name;
    return "?";
}

struct parsed {
    const char *words[CLI_MAX_ARGS + 2];
    int nwords;
    bool help, version;
    const char *home_flag, *output;
};

/* Returns 0 or CLI_USAGE (message in err). */
static int parse_argv(int argc, char **argv, struct parsed *p, struct cli_ctx *c,
                      struct cpc_err *err)
{
    bool only_words = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_words || a[0] != '-' || !strcmp(a, "-")) {
            if (p->nwords >= CLI_MAX_ARGS + 2)
                return cpc_err_set(err, CLI_USAGE, "too many arguments");
            p->words[p->nwords++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_words = true;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t nlen = eq && a[1] == '-' ? (size_t)(eq - a) : strlen(a);
        const struct flag_def *f = find_flag(a, nlen);
        if (!f)
            return cpc_err_set(err, CLI_USAGE, "unknown flag %.*s", (int)nlen, a);
        const char *val = NULL;
        if (f->takes_value) {
            if (eq && a[1] == '-')
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return cpc_err_set(err, CLI_USAGE, "flag %s needs a value", f->name);
        } else if (eq && a[1] == '-') {
            return cpc_err_set(err, CLI_USAGE, "flag %s takes no value", f->name);
        }
        c->flags |= f->bit;
        if (f->slot) {
            *(const char **)(void *)((char *)c + f->slot) = val;
            continue;
        }
        switch (f->bit) {
        case 0:
            if (!strcmp(f->name, "--help"))
                p->help = true;
            else
                p->version = true;
            break;
        case F_HOME: p->home_flag = val; break;
        case F_NODE: c->node_url = val; break;
        case F_OUTPUT: p->output = val; break;
        case F_FROM: c->from = val; break;
        case F_GAS_PRICE:
            if (cpc_parse_u64(val, &c->gas_price))
                return cpc_err_set(err, CLI_USAGE, "--gas-price must be a non-negative integer, got \"%s\"", val);
            break;
        case F_NONCE:
            if (cpc_parse_u64(val, &c->nonce))
                return cpc_err_set(err, CLI_USAGE, "--nonce must be a non-negative integer, got \"%s\"", val);
            break;
        case F_TIMEOUT: {
            uint64_t t;
            if (cpc_parse_u64(val, &t) || t == 0 || t > 86400)
                return cpc_err_set(err, CLI_USAGE, "--timeout must be 1..86400 seconds, got \"%s\"", val);
            c->timeout_s = (unsigned)t;
            break;
        }
        case F_TASK_ID: c->task_id = val; break;
        case F_RESULT_HASH: c->result_hash = val; break;
        case F_WORKER_ADDR: c->worker_addr = val; break;
        case F_STAKE: c->stake = val; break;
        case F_BLOCKS: c->blocks = val; break;
        case F_TASKS: c->tasks = val; break;
        case F_CHAIN_ID:
            if (!*val || strlen(val) > CPC_CHAIN_ID_MAX)
                return cpc_err_set(err, CLI_USAGE, "--chain-id must be 1..%d characters", CPC_CHAIN_ID_MAX);
            c->chain_id = val;
            break;
        default: break;
        }
    }
    return 0;
}

static const struct group *find_group(const char *name)
{
    for (const struct group *g = GROUPS; g->name; g++)
        if (!strcmp(g->name, name))
            return g;
    return NULL;
}

static const struct cli_cmd *find_cmd(const struct cli_cmd *cmds, const char *name)
{
    for (const struct cli_cmd *c = cmds; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

static int run_status(struct cli_ctx *c, struct cpc_err *err)
{
    struct cpc_http *h = cli_http(c, err);
    if (!h)
        return err->code;
    json_t *j = NULL;
    int rc = cpc_http_json(h, "GET", "/status", NULL, &j, NULL, err);
    if (rc)
        return rc;
    cli_print_json(j);
    json_decref(j);
    return 0;
}

static int usage_error(const struct cpc_err *err, void (*print)(FILE *, const void *), const void *arg)
{
    if (err && err->msg[0])
        fprintf(stderr, "Error: %s\n\n", err->msg);
    print(stderr, arg);
    return 2;
}

static void print_top(FILE *f, const void *unused) { (void)unused; usage_top(f); }
static void print_group(FILE *f, const void *g) { usage_group(f, g); }
static void print_cmd(FILE *f, const void *c) { usage_cmd(f, c); }

int main(int argc, char **argv)
{
    struct cli_ctx ctx;
    struct parsed p;
    struct cpc_err err;
    memset(&ctx, 0, sizeof ctx);
    memset(&p, 0, sizeof p);
    cpc_err_clear(&err);
    ctx.timeout_s = 60;

    if (parse_argv(argc, argv, &p, &ctx, &err) != 0)
        return usage_error(&err, print_top, NULL);

    /* find the command */
    const struct cli_cmd *cmd = NULL;
    const struct group *grp = NULL;
    int first_arg = 0;
    if (p.nwords == 0 || !strcmp(p.words[0], "help")) {
        if (p.version && p.nwords == 0) {
            printf("cpc-cli %s\n", CPC_VERSION);
            return 0;
        }
        if (p.help || p.nwords > 0) {
            usage_top(stdout);
            return 0;
        }
        return usage_error(NULL, print_top, NULL);
    }
    for (const struct cli_cmd *const *t = TOP_LEVEL; *t && !cmd; t++)
        cmd = find_cmd(*t, p.words[0]);
    if (cmd) {
        first_arg = 1;
    } else if ((grp = find_group(p.words[0])) != NULL) {
        if (p.nwords < 2) {
            if (p.help) {
                usage_group(stdout, grp);
                return 0;
            }
            cpc_err_set(&err, CLI_USAGE, "'%s' needs a command", grp->name);
            return usage_error(&err, print_group, grp);
        }
        cmd = find_cmd(grp->cmds, p.words[1]);
        if (!cmd) {
            cpc_err_set(&err, CLI_USAGE, "unknown command '%s %s'", grp->name, p.words[1]);
            return usage_error(&err, print_group, grp);
        }
        first_arg = 2;
    } else {
        cpc_err_set(&err, CLI_USAGE, "unknown command '%s'", p.words[0]);
        return usage_error(&err, print_top, NULL);
    }
    if (p.help) {
        usage_cmd(stdout, cmd);
        return 0;
    }

    /* check flags and arity */
    uint64_t bad = ctx.flags & ~(F_GLOBAL | cmd->flags);
    if (bad) {
        uint64_t bit = bad & (~bad + 1u);
        cpc_err_set(&err, CLI_USAGE, "flag %s is not valid for '%s%s%s'", flag_name(bit),
                    cmd->group ? cmd->group : "", cmd->group ? " " : "", cmd->name);
        return usage_error(&err, print_cmd, cmd);
    }
    int nargs = p.nwords - first_arg;
    if (nargs < cmd->min_args || nargs > cmd->max_args) {
        cpc_err_set(&err, CLI_USAGE, "%s arguments for '%s%s%s'",
                    nargs < cmd->min_args ? "missing" : "too many", cmd->group ? cmd->group : "",
                    cmd->group ? " " : "", cmd->name);
        return usage_error(&err, print_cmd, cmd);
    }
    for (int i = 0; i < nargs; i++)
        ctx.args[i] = p.words[first_arg + i];
    ctx.nargs = nargs;

    /* global settings */
    if (p.output) {
        if (!strcmp(p.output, "json"))
            ctx.json = true;
        else if (strcmp(p.output, "text") != 0) {
            cpc_err_set(&err, CLI_USAGE, "--output must be text or json, got \"%s\"", p.output);
            return usage_error(&err, print_cmd, cmd);
        }
    }
    if (!ctx.node_url) {
        const char *env = getenv("CPC_NODE");
        ctx.node_url = env && *env ? env : DEFAULT_NODE;
    }
    if (!*ctx.node_url) {
        cpc_err_set(&err, CLI_USAGE, "--node must not be empty");
        return usage_error(&err, print_cmd, cmd);
    }
    if (cpc_home_resolve(ctx.home, sizeof ctx.home, p.home_flag) != 0) {
        fprintf(stderr, "Error: cannot determine the home folder: pass --home DIR or set CPC_HOME\n");
        return 1;
    }

    int rc = cmd->run(&ctx, &err);
    cpc_http_free(ctx.http);
    fflush(stdout);
    if (rc == 0)
        return 0;
    if (rc == CLI_USAGE)
        return usage_error(&err, print_cmd, cmd);
    if (rc == 1) /* failure already reported by the handler */
        return 1;
    fprintf(stderr, "Error: %s\n", err.msg[0] ? err.msg : cpc_errcode_name(rc));
    return 1;
}

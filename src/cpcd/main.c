/* main.c — cpcd: the ComputeChain node.
 *
 *   cpcd [start] [flags]   run the node (default); first start creates a devnet home
 *   cpcd init [flags]      create the home (config, genesis.json, keys) and exit
 *   cpcd replay [flags]    re-execute every block from genesis and compare the state
 *   cpcd admin create --email E [flags]   make or promote a platform admin
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../core/bech32.h"
#include "admin_cli.h"
#include "../node/consensus.h"
#include "daemon.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: cpcd [COMMAND] [FLAGS]\n"
            "\n"
            "The ComputeChain node: ledger, block producer and REST API.\n"
            "\n"
            "Commands:\n"
            "  start        run the node (default). On an empty home it first writes a\n"
            "               devnet genesis and a funded `faucet` key.\n"
            "  init         create the home (config, genesis.json, keyring) and exit\n"
            "  replay       re-execute every stored block from genesis, verifying\n"
            "               signatures and roots, and compare with the stored state\n"
            "  admin create --email E\n"
            "               create a platform admin (or give an existing user the role);\n"
            "               the password is prompted for (echo off), or read as one line\n"
            "               of stdin when stdin is not a terminal; prints the user id\n"
            "\n"
            "Flags:\n"
            "  --home DIR          node home (env CPC_HOME, default ~/.cpc)\n"
            "  --listen ADDR:PORT  REST API address (default 127.0.0.1:8000)\n"
            "  --block-time MS     milliseconds between blocks (default 1000)\n"
            "  --mempool-max N     most pending transactions (default 100000)\n"
            "  --chain-id ID       chain id for a new home (default cpc-devnet-1)\n"
            "  --log-level LEVEL   error|warn|info|debug (default info)\n"
            "  --web-dir DIR       the dashboard's built files, served at / (default web/dist,\n"
            "                      or [web] dir in the config; '' serves the API alone)\n"
            "  --quiet-empty       log empty blocks at debug level only\n"
            "  -h, --help          show this help\n"
            "  --version           print the version\n");
}

struct args {
    const char *cmd, *sub, *email;
    const char *home, *listen, *block_time, *mempool_max, *chain_id, *log_level, *web_dir;
    int quiet_empty;
};

static int take(int argc, char **argv, int *i, const char *name, const char **out)
{
    size_t len = strlen(name);
    if (strncmp(argv[*i], name, len) != 0)
        return 0;
    if (argv[*i][len] == '=') {
        *out = argv[*i] + len + 1;
        return 1;
    }
    if (argv[*i][len] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "cpcd: %s needs a value\n", name);
        exit(2);
    }
    *out = argv[++*i];
    return 1;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof *a);
    a->cmd = "start";
    int cmd_seen = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            exit(0);
        }
        if (!strcmp(argv[i], "--version")) {
            printf("cpcd %s\n", CPC_VERSION);
            exit(0);
        }
        if (!strcmp(argv[i], "--quiet-empty")) {
            a->quiet_empty = 1;
            continue;
        }
        if (take(argc, argv, &i, "--home", &a->home) ||
            take(argc, argv, &i, "--listen", &a->listen) ||
            take(argc, argv, &i, "--block-time", &a->block_time) ||
            take(argc, argv, &i, "--mempool-max", &a->mempool_max) ||
            take(argc, argv, &i, "--chain-id", &a->chain_id) ||
            take(argc, argv, &i, "--log-level", &a->log_level) ||
            take(argc, argv, &i, "--web-dir", &a->web_dir) ||
            take(argc, argv, &i, "--email", &a->email))
            continue;
        if (cmd_seen && !strcmp(a->cmd, "admin") && !a->sub && !strcmp(argv[i], "create")) {
            a->sub = argv[i];
            continue;
        }
        if (argv[i][0] != '-' && !cmd_seen &&
            (!strcmp(argv[i], "start") || !strcmp(argv[i], "init") ||
             !strcmp(argv[i], "replay") || !strcmp(argv[i], "admin"))) {
            a->cmd = argv[i];
            cmd_seen = 1;
            continue;
        }
        fprintf(stderr, "cpcd: unknown argument '%s'\n\n", argv[i]);
        usage(stderr);
        return -1;
    }
    if (!strcmp(a->cmd, "admin") && (!a->sub || !a->email)) {
        fprintf(stderr, "cpcd: usage: cpcd admin create --email E [--home DIR]\n");
        return -1;
    }
    if (a->email && strcmp(a->cmd, "admin") != 0) {
        fprintf(stderr, "cpcd: --email belongs to `cpcd admin create`\n");
        return -1;
    }
    return 0;
}

static int admin_create(const char *home, const char *email)
{
    struct cpc_err err = {0};
    int64_t id = 0;
    int created = 0;
    if (cpc_admin_create(home, email, 0, stderr, &id, &created, &err) != 0) {
        fprintf(stderr, "Error: %s\n", err.msg);
        return 1;
    }
    fprintf(stderr, "%s admin %s\n", created ? "created" : "promoted", email);
    printf("%lld\n", (long long)id);
    return 0;
}

static int parse_ms(const char *s, uint64_t *out, const char *what)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-' || v == 0 || v > 3600000ULL) {
        fprintf(stderr, "cpcd: %s must be a positive integer (got '%s')\n", what, s);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    struct args a;
    if (parse_args(argc, argv, &a) != 0)
        return 2;

    char home[CPC_PATH_MAX];
    if (cpc_home_resolve(home, sizeof home, a.home) != 0) {
        fprintf(stderr, "Error: cannot resolve the home folder (set --home or CPC_HOME)\n");
        return 1;
    }
    struct cpc_err err = {0};
    bool created = false;
    if (cpc_node_init_home(home, a.chain_id, &created, &err) != 0) {
        fprintf(stderr, "Error: %s\n", err.msg);
        return 1;
    }
    struct cpc_node_config cfg;
    if (cpc_node_config_load(&cfg, home, &err) != 0) {
        fprintf(stderr, "Error: %s\n", err.msg);
        return 1;
    }
    if (a.listen)
        snprintf(cfg.listen, sizeof cfg.listen, "%s", a.listen);
    if (a.log_level)
        snprintf(cfg.log_level, sizeof cfg.log_level, "%s", a.log_level);
    if (a.web_dir)
        snprintf(cfg.web_dir, sizeof cfg.web_dir, "%s", a.web_dir);
    if ((a.block_time && parse_ms(a.block_time, &cfg.block_time_ms, "--block-time") != 0) ||
        (a.mempool_max && parse_ms(a.mempool_max, &cfg.mempool_max, "--mempool-max") != 0))
        return 2;
    cfg.quiet_empty_blocks = a.quiet_empty;
    enum cpc_log_level lvl;
    if (cpc_log_parse_level(cfg.log_level, &lvl) != 0) {
        fprintf(stderr, "Error: unknown log level '%s'\n", cfg.log_level);
        return 2;
    }
    cpc_log_set_level(lvl);
    if (created)
        CPC_LOGI("created devnet home %s (genesis.json, keyring/faucet, keyring/validator; "
                 "devnet keys are stored unencrypted)", home);
    if (!strcmp(a.cmd, "admin"))
        return admin_create(home, a.email);
    if (!strcmp(a.cmd, "init")) {
        printf("%s home %s\n", created ? "initialised" : "already initialised", home);
        return 0;
    }

    /* Signals are handled by sigwait in this thread only. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct cpc_node node;
    if (cpc_daemon_open(&node, &cfg, &err) != 0) {
        fprintf(stderr, "Error: %s\n", err.msg);
        cpc_daemon_close(&node);
        return 1;
    }
    if (!strcmp(a.cmd, "replay")) {
        uint64_t blocks = 0;
        int rc = cpc_node_replay(&node, &blocks, &err);
        if (rc != 0)
            fprintf(stderr, "Error: replay failed: %s\n", err.msg);
        else
            printf("replayed %llu blocks from genesis: state matches, supply %llu\n",
                   (unsigned long long)blocks, (unsigned long long)node.total_supply);
        cpc_daemon_close(&node);
        return rc ? 1 : 0;
    }
    if (cpc_daemon_start(&node, &err) != 0) {
        fprintf(stderr, "Error: %s\n", err.msg);
        cpc_daemon_close(&node);
        return 1;
    }
    char validator[CPC_ADDR_STR_MAX];
    cpc_address_encode(validator, node.validator_addr);
    CPC_LOGI("cpcd %s  chain=%s  height=%llu  consensus=%s  validator=%s", CPC_VERSION,
             node.params.chain_id, (unsigned long long)node.latest.height,
             node.consensus->name, validator);
    CPC_LOGI("REST API on http://%s  (home %s)", cfg.listen, home);
    int sig = 0;
    sigwait(&set, &sig);
    CPC_LOGI("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    cpc_daemon_close(&node);
    return 0;
}

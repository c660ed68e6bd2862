/* main.c — cpc-worker: the provider agent's command line.
 *
 *   cpc-worker [--home DIR] init [--from KEY]
 *   cpc-worker [--home DIR] register --stake CPC [--from KEY] [--node URL]
 *   cpc-worker devices [--json]
 *   cpc-worker gpu-check --gpus INDEX --kernel cublaslt|wgmma|mma|wmma|simt   (internal)
 *   cpc-worker [--home DIR] rental start|stop|reboot|status|reconcile|logs ...  (rental_cli.c)
 *   cpc-worker [--home DIR] [run] [--from KEY | --key FILE] [--node URL] [--threads N]
 *              [--gpus all|none|0,2,3] [--cpu on|off] [--max-tasks N] [--once] [--json]
 *              [--log-level L] [--no-synthetic]
 *
 * Exit codes: 0 success, 1 failure ("cpc-worker: <message>" on stderr), 2 bad
 * usage. The node URL comes from --node, else $CPC_NODE, else
 * http://127.0.0.1:8000; the key from --from (default "worker") in the
 * keyring of the home that cpc-cli uses too. An encrypted key is unlocked
 * with $CPC_PASSPHRASE. $CPC_SANDBOX picks how exec tasks run: "none" (the
 * rlimit fallback), "bwrap" (bubblewrap or fail), else bubblewrap when usable.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/home.h"
#include "../common/keyring.h"
#include "../common/log.h"
#include "../common/node_client.h"
#include "../core/amount.h"
#include "../core/hex.h"
#include "../core/market.h"
#include "agent.h"
#include "devices.h"
#include "exec_cuda.h"
#include "executor.h"
#include "gpu_probe.h"
#include "rental_cli.h"

#define DEFAULT_NODE "http://127.0.0.1:8000"
#define DEFAULT_KEY "worker"
#define WK_SELF "/proc/self/exe" /* this program, for gpu_probe's children */

struct args {
    const char *home, *node, *from, *key_file, *stake, *gpus, *log_level, *kernel, *cpu;
    unsigned threads, max_tasks;
    bool once, json, no_synthetic, help;
    const char *cmd;
};

static const char USAGE[] =
    "Usage: cpc-worker [--home DIR] [COMMAND] [OPTIONS]\n"
    "\n"
    "The ComputeChain provider agent: leases tasks from a node, runs them on this\n"
    "machine's CPU (and NVIDIA GPUs when built with CUDA), submits signed results,\n"
    "answers verification challenges and gets paid for verified work.\n"
    "\n"
    "Commands:\n"
    "  init                 create the worker key (--from, default \"worker\") if missing; print its address\n"
    "  register --stake N   send WORKER_REGISTER: lock N CPC of stake, declare this machine's capabilities\n"
    "  devices              print the CPU and GPUs found (--json for JSON)\n"
    "  gpu-check            (internal) self-check one CUDA kernel: --gpus I --kernel "
    "cublaslt|wgmma|mma|wmma|simt\n"
    "  run                  the agent loop (the default command)\n"
    "  rental ...           start, stop, watch customers' SSH rentals (rental --help)\n"
    "\n"
    "Options:\n"
    "  --home DIR           installation home (default $CPC_HOME or ~/.cpc)\n"
    "  --node URL           node API (default $CPC_NODE or " DEFAULT_NODE ")\n"
    "  --from KEY           key name in HOME/keyring (default \"" DEFAULT_KEY "\")\n"
    "  --key FILE           a key file instead of --from\n"
    "  --threads N          CPU threads for executors (default: all cores)\n"
    "  --gpus all|none|LIST CUDA devices to use, one executor each: all (default; auto\n"
    "                       is the same), none (or off), or indexes like 0,2,3\n"
    "  --cpu on|off         a CPU executor too (default on)\n"
    "  --max-tasks N        tasks leased at once, 1..64 (default: one per executor, at least 4)\n"
    "  --once               one lease round: run what was leased, submit, reveal, exit\n"
    "  --no-synthetic       do not run idle-time synthetic work\n"
    "  --json               one JSON event per line on stdout\n"
    "  --log-level L        error|warn|info|debug (default info)\n"
    "  -h, --help           this help;  --version  the version\n"
    "\n"
    "Signals: the first SIGINT/SIGTERM finishes the running task, submits it and\n"
    "exits; a second one stops the task at once and gives its lease back.\n"
    "State: HOME/worker/ADDRESS/state.json (results and signed txs survive a crash).\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "cpc-worker: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nRun 'cpc-worker --help' for usage.\n");
    return 2;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    uint64_t v;
    if (cpc_parse_u64(s, &v) != 0 || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    static const char *const VALUE_FLAGS[] = {"--home", "--node", "--from", "--key",
                                              "--stake", "--gpus", "--log-level", "--threads",
                                              "--max-tasks", "--kernel", "--cpu", NULL};
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i], *val = NULL;
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            a->help = true;
            continue;
        }
        if (!strcmp(arg, "--version")) {
            printf("cpc-worker %s\n", CPC_VERSION);
            exit(0);
        }
        if (!strcmp(arg, "--once")) { a->once = true; continue; }
        if (!strcmp(arg, "--json")) { a->json = true; continue; }
        if (!strcmp(arg, "--no-synthetic")) { a->no_synthetic = true; continue; }
        if (strncmp(arg, "--", 2) == 0) {
            char *eq = strchr(arg, '=');
            size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
            const char *name = NULL;
            for (int k = 0; VALUE_FLAGS[k]; k++)
                if (strlen(VALUE_FLAGS[k]) == len && !strncmp(arg, VALUE_FLAGS[k], len))
                    name = VALUE_FLAGS[k];
            if (!name)
                return usage_error("unknown option %s", arg);
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return usage_error("%s needs a value", name);
            if (!strcmp(name, "--home")) a->home = val;
            else if (!strcmp(name, "--node")) a->node = val;
            else if (!strcmp(name, "--from")) a->from = val;
            else if (!strcmp(name, "--key")) a->key_file = val;
            else if (!strcmp(name, "--stake")) a->stake = val;
            else if (!strcmp(name, "--gpus")) a->gpus = val;
            else if (!strcmp(name, "--log-level")) a->log_level = val;
            else if (!strcmp(name, "--kernel")) a->kernel = val;
            else if (!strcmp(name, "--cpu")) a->cpu = val;
            else if (!strcmp(name, "--threads")) {
                if (parse_uint(val, 1, 1024, &a->threads))
                    return usage_error("--threads must be 1..1024, not \"%s\"", val);
            } else if (!strcmp(name, "--max-tasks")) {
                if (parse_uint(val, 1, 64, &a->max_tasks))
                    return usage_error("--max-tasks must be 1..64, not \"%s\"", val);
            }
            continue;
        }
        if (a->cmd)
            return usage_error("unexpected argument \"%s\"", arg);
        a->cmd = arg;
    }
    if (!a->cmd)
        a->cmd = "run";
    if (strcmp(a->cmd, "run") && strcmp(a->cmd, "init") && strcmp(a->cmd, "register") &&
        strcmp(a->cmd, "devices") && strcmp(a->cmd, "gpu-check"))
        return usage_error("unknown command \"%s\" (init, register, devices, run, rental)", a->cmd);
    if (a->from && a->key_file)
        return usage_error("%s", "give --from KEY or --key FILE, not both");
    return 0;
}

static int fail(const struct cpc_err *e)
{
    fprintf(stderr, "cpc-worker: %s\n", e->msg[0] ? e->msg : "failed");
    return 1;
}

static int load_key(const struct args *a, const char *home, struct cpc_key *key,
                    struct cpc_err *err)
{
    const char *pass = getenv("CPC_PASSPHRASE");
    if (a->key_file)
        return cpc_keyring_load_file(a->key_file, pass, key, err);
    int rc = cpc_keyring_load(home, a->from ? a->from : DEFAULT_KEY, pass, key, err);
    if (rc == CPC_ERR_NOT_FOUND)
        cpc_err_set(err, rc, "key %s not found in %s/keyring: run `cpc-worker init --from %s`",
                    a->from ? a->from : DEFAULT_KEY, home, a->from ? a->from : DEFAULT_KEY);
    return rc;
}

/* ---- init ---- */

static int cmd_init(const struct args *a, const char *home)
{
    struct cpc_err err = {0};
    const char *name = a->from ? a->from : DEFAULT_KEY;
    struct cpc_key_info info;
    bool created = false;
    int rc = cpc_home_ensure(home, &err);
    if (rc == 0)
        rc = cpc_keyring_info(home, name, &info, &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        struct cpc_key k;
        const char *pass = getenv("CPC_PASSPHRASE");
        rc = cpc_keyring_create(home, name, pass, &k, &err);
        if (rc == 0) {
            info = k.info;
            created = true;
        }
        cpc_key_wipe(&k);
    }
    if (rc)
        return fail(&err);
    printf("{\"name\": \"%s\", \"address\": \"%s\", \"created\": %s}\n", info.name, info.address,
           created ? "true" : "false");
    if (created && !a->json)
        fprintf(stderr, "cpc-worker: new key %s in %s/keyring; fund %s, then run `cpc-worker "
                        "register --stake N --from %s`\n",
                name, home, info.address, name);
    return 0;
}

/* ---- devices ---- */

/* Each GPU entry of `devices --json` gets its load now, the members of the
 * heartbeat's `gpus` entries (docs/worker.md): load, temp_c, mem_used_mb. */
static void add_gpu_loads(json_t *gpus)
{
    size_t i;
    json_t *g;
    json_array_foreach(gpus, i, g) {
        char name[64];
        double load = 0, temp = 0;
        uint64_t mem = 0;
        json_int_t idx = json_integer_value(json_object_get(g, "index"));
        if (idx < 0 || !cpc_wk_gpu_sample((unsigned)idx, name, &load, &temp, &mem))
            continue;
        json_object_set_new(g, "load", json_real(load));
        json_object_set_new(g, "temp_c", json_real(temp));
        json_object_set_new(g, "mem_used_mb", json_integer((json_int_t)mem));
    }
}

static void print_gpu_loads(const struct cpc_wk_devices *d)
{
    for (unsigned i = 0; i < d->n_gpus; i++) {
        char name[64];
        double load = 0, temp = 0;
        uint64_t mem = 0;
        if (cpc_wk_gpu_sample(d->gpus[i].index, name, &load, &temp, &mem))
            printf("GPU %u load: %.0f%%, %.0f C, %llu MiB used\n", d->gpus[i].index, load, temp,
                   (unsigned long long)mem);
    }
}

static int cmd_devices(const struct args *a)
{
    struct cpc_wk_devices d;
    struct cpc_err err = {0};
    if (cpc_wk_devices_detect(&d, &err) != 0)
        return fail(&err);
    if (a->json) {
        json_t *j = cpc_wk_devices_to_json(&d);
        if (j) {
            add_gpu_loads(json_object_get(j, "gpus"));
            json_object_set_new(j, "matmul_cpu_kernel", json_string(cpc_wk_matmul_cpu_kernel()));
            json_object_set_new(j, "matmul_backend", json_string(cpc_wk_matmul_cpu_backend()));
            json_object_set_new(j, "cuda_built", json_boolean(cpc_wk_cuda_built()));
            int nd = cpc_wk_cuda_devices();
            json_object_set_new(j, "cuda_devices", json_integer(nd));
            json_t *ks = json_array();
            for (int i = 0; i < nd && ks; i++) {
                char note[256];
                enum cpc_wk_cuda_kernel k = wk_gpu_probe(WK_SELF, i, note);
                json_array_append_new(ks, json_pack("{s:i, s:s, s:s}", "gpu", i, "kernel",
                                                    k == CPC_WK_CUDA_AUTO ? "none"
                                                                          : cpc_wk_cuda_kernel_name(k),
                                                    "self_check", note));
            }
            json_object_set_new(j, "cuda_kernels", ks ? ks : json_null());
            json_object_set_new(j, "sandbox",
                                json_string(cpc_wk_sandbox_available() ? "bubblewrap"
                                                                       : "rlimit (weaker)"));
        }
        char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(j);
        return s ? 0 : 1;
    }
    cpc_wk_devices_print(stdout, &d);
    print_gpu_loads(&d);
    printf("matmul CPU backend: %s\nmatmul CPU kernel: %s\nCUDA: %s, %d device(s)\n"
           "exec sandbox: %s\n",
           cpc_wk_matmul_cpu_backend(), cpc_wk_matmul_cpu_kernel(),
           cpc_wk_cuda_built() ? "built" : "not built",
           cpc_wk_cuda_devices(),
           cpc_wk_sandbox_available() ? "bubblewrap" : "rlimit fallback (weaker: no namespaces)");
    for (int i = 0, nd = cpc_wk_cuda_devices(); i < nd; i++) {
        char note[256]; /* the chosen kernel, or why none */
        (void)wk_gpu_probe(WK_SELF, i, note);
        printf("CUDA GPU %d matmul: %s\n", i, note);
    }
    return 0;
}

/* ---- gpu-check: one kernel's self-check, in this process (run as a child by gpu_probe.c) ---- */

static int cmd_gpu_check(const struct args *a)
{
    unsigned g;
    if (!a->gpus || parse_uint(a->gpus, 0, 63, &g))
        return usage_error("%s", "gpu-check needs --gpus INDEX (0..63)");
    static const enum cpc_wk_cuda_kernel ks[] = {CPC_WK_CUDA_SIMT, CPC_WK_CUDA_WMMA, CPC_WK_CUDA_MMA,
                                                 CPC_WK_CUDA_WGMMA, CPC_WK_CUDA_CUBLASLT};
    enum cpc_wk_cuda_kernel k = CPC_WK_CUDA_AUTO;
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        if (a->kernel && !strcmp(a->kernel, cpc_wk_cuda_kernel_name(ks[i])))
            k = ks[i];
    if (k == CPC_WK_CUDA_AUTO)
        return usage_error("gpu-check needs --kernel cublaslt, wgmma, mma, wmma or simt, not \"%s\"",
                           a->kernel ? a->kernel : "");
    char msg[256];
    if (cpc_wk_cuda_self_check((int)g, k, msg) != 0) {
        printf("%s\n", msg);
        return 1;
    }
    printf("ok: the %s kernel on GPU %u matches the CPU\n", a->kernel, g);
    return 0;
}

/* ---- register ---- */

static int cmd_register(const struct args *a, const char *home, const char *node_url)
{
    struct cpc_err err = {0};
    uint64_t stake = 0;
    if (!a->stake)
        return usage_error("%s", "register needs --stake CPC (0 updates capabilities only)");
    if (strcmp(a->stake, "0") != 0 && cpc_amount_parse(&stake, a->stake) != 0)
        return usage_error("--stake \"%s\" is not an amount in CPC (e.g. 100 or 1.5)", a->stake);
    struct cpc_key key;
    int rc = load_key(a, home, &key, &err);
    if (rc)
        return fail(&err);
    struct cpc_wk_devices d;
    cpc_wk_devices_detect(&d, NULL);
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_WORKER_REGISTER;
    struct cpc_payload_worker_register *p = &tx.u.worker_register;
    p->stake = stake;
    p->cpu_cores = d.cpu.logical_cores;
    p->ram_gb = (uint32_t)(d.cpu.ram_mb / 1024);
    p->gpu_count = d.n_gpus;
    if (d.n_gpus) {
        snprintf(p->gpu_model, sizeof p->gpu_model, "%s", d.gpus[0].name);
        p->vram_gb = (uint32_t)(d.gpus[0].vram_mb / 1024);
    }
    memcpy(tx.pubkey, key.info.pubkey, CPC_PUBKEY_LEN);
    cpc_pubkey_hash(tx.from, key.info.pubkey);
    struct cpc_http *h = cpc_http_new(node_url, 0);
    struct cpc_signer *signer = cpc_signer_new_random();
    struct cpc_chain_info chain;
    struct cpc_account_info acct;
    json_t *j = NULL;
    if (!h || !signer) {
        rc = cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = cpc_chain_info_fetch(h, &chain, &err)) ||
        (rc = cpc_account_fetch(h, key.info.address, &acct, &err)) ||
        (rc = cpc_tx_seal(&tx, &chain, chain.min_gas_price, acct.pending_nonce, signer,
                          key.seckey, &err)))
        goto done;
    j = cpc_tx_to_json(&tx);
    struct cpc_err per = {0};
    size_t ok = 0;
    if (!j) {
        rc = cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = cpc_txs_post(h, &j, 1, &per, &ok, &err)) != 0)
        goto done;
    if (!ok) {
        err = per;
        rc = per.code ? per.code : CPC_ERR_INTERNAL;
        goto done;
    }
    /* wait for inclusion (blocks are ~1 s) */
    enum cpc_tx_state st = CPC_TXS_PENDING;
    uint64_t height = 0;
    char why[256] = "";
    for (int i = 0; i < 600 && (st == CPC_TXS_PENDING || st == CPC_TXS_UNKNOWN); i++) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
        if ((rc = cpc_tx_lookup(h, tx.hash, &st, &height, why, sizeof why, &err)) != 0)
            goto done;
    }
    char hash[65];
    cpc_hex_encode(hash, tx.hash, 32);
    if (st != CPC_TXS_SUCCESS) {
        rc = cpc_err_set(&err, CPC_ERR_INVALID, "WORKER_REGISTER %s %s: %s", hash,
                         st == CPC_TXS_FAILED ? "failed" : "not included in 60 s", why);
        goto done;
    }
    char amt[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(amt, stake);
    printf("{\"address\": \"%s\", \"tx\": \"%s\", \"height\": %llu, \"stake_added\": \"%s\", "
           "\"cpu_cores\": %u, \"ram_gb\": %u, \"gpu_count\": %u, \"gpu_model\": \"%s\"}\n",
           key.info.address, hash, (unsigned long long)height, amt, p->cpu_cores, p->ram_gb,
           p->gpu_count, p->gpu_model);
done:
    cpc_key_wipe(&key);
    cpc_tx_clear(&tx);
    json_decref(j);
    cpc_signer_free(signer);
    cpc_http_free(h);
    return rc ? fail(&err) : 0;
}

/* ---- run ---- */

static atomic_int g_stop; /* the only global: what a signal handler may touch */

static void on_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&g_stop, 1);
}

static int cmd_run(const struct args *a, const char *home, const char *node_url)
{
    struct cpc_err err = {0};
    struct cpc_wk_opts o;
    memset(&o, 0, sizeof o);
    snprintf(o.home, sizeof o.home, "%s", home);
    o.node_url = node_url;
    o.threads = a->threads;
    o.max_tasks = a->max_tasks;
    o.once = a->once;
    o.synthetic = !a->no_synthetic;
    o.json = a->json;
    o.tty = isatty(STDOUT_FILENO) && !a->json;
    o.level = CPC_LOG_INFO;
    o.lease_wait_ms = 5000;
    o.heartbeat_ms = 5000;
    o.sandbox = cpc_wk_sandbox_mode_parse(getenv("CPC_SANDBOX"));
    if (wk_gpu_select_parse(a->gpus, &o.gpus, &err) != 0)
        return usage_error("%s", err.msg);
    if (a->cpu && strcmp(a->cpu, "on") && strcmp(a->cpu, "off"))
        return usage_error("--cpu must be on or off, not \"%s\"", a->cpu);
    o.cpu = !a->cpu || !strcmp(a->cpu, "on");
    if (a->log_level && cpc_log_parse_level(a->log_level, &o.level) != 0)
        return usage_error("--log-level must be error, warn, info or debug, not \"%s\"",
                           a->log_level);
    cpc_log_set_level(o.level);
    struct cpc_key key;
    if (load_key(a, home, &key, &err) != 0)
        return fail(&err);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = cpc_wk_agent_run(&o, &key, &g_stop, &err);
    cpc_key_wipe(&key);
    return rc ? fail(&err) : 0;
}

/* `[--home DIR] rental ...`: the rental commands parse their own options. */
static int rental_dispatch(int argc, char **argv, int *code)
{
    const char *home_flag = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--home") && i + 1 < argc) {
            home_flag = argv[++i];
            continue;
        }
        if (!strncmp(argv[i], "--home=", 7)) {
            home_flag = argv[i] + 7;
            continue;
        }
        if (strcmp(argv[i], "rental") != 0)
            return 0;
        char home[CPC_PATH_MAX];
        if (cpc_home_resolve(home, sizeof home, home_flag) != 0) {
            fprintf(stderr, "cpc-worker: cannot resolve the home folder (set --home or CPC_HOME)\n");
            *code = 1;
        } else
            *code = cpc_wk_rental_cli(argc - i - 1, argv + i + 1, home);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct args a;
    int rc = 0;
    if (rental_dispatch(argc, argv, &rc))
        return rc;
    rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    if (a.help) {
        fputs(USAGE, stdout);
        return 0;
    }
    /* CUDA numbers GPUs as NVML does (PCI bus order), so a GPU's index is the
     * same in --gpus, `devices` and the heartbeat's loads */
    setenv("CUDA_DEVICE_ORDER", "PCI_BUS_ID", 0);
    char home[CPC_PATH_MAX];
    if (cpc_home_resolve(home, sizeof home, a.home) != 0) {
        fprintf(stderr, "cpc-worker: cannot resolve the home folder (set --home or CPC_HOME)\n");
        return 1;
    }
    const char *node = a.node ? a.node : getenv("CPC_NODE");
    if (!node || !*node)
        node = DEFAULT_NODE;
    if (!strcmp(a.cmd, "init"))
        return cmd_init(&a, home);
    if (!strcmp(a.cmd, "devices"))
        return cmd_devices(&a);
    if (!strcmp(a.cmd, "gpu-check"))
        return cmd_gpu_check(&a);
    if (!strcmp(a.cmd, "register"))
        return cmd_register(&a, home, node);
    return cmd_run(&a, home, node);
}

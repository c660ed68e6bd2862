/* rental_cli.c — `cpc-worker rental start|stop|reboot|status|reconcile|logs`.
 *
 * The provisioner comes from HOME/config:
 *   [provision]
 *   kind = sandbox        # or docker
 *   listen = 0.0.0.0      # the address the rentals' sshd (or docker -p) binds
 *   dir = /var/lib/cpc-rentals   # the rentals' folders (default HOME/worker/rentals)
 * and --kind / --listen override it. Rentals are kept in HOME/worker/rentals.json and
 * HOME/worker/rentals/ID/; with --address ADDR, in the folder of the running worker of
 * that address, HOME/worker/ADDR/ (what `cpc-worker run` provisions for the node).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/config.h"
#include "../common/home.h"
#include "../core/amount.h"
#include "../core/bech32.h"
#include "provision.h"
#include "rental_cli.h"

static const char RENTAL_USAGE[] =
    "Usage: cpc-worker [--home DIR] rental COMMAND [OPTIONS]\n"
    "\n"
    "A rental gives a customer SSH access to a container on this machine.\n"
    "\n"
    "Commands:\n"
    "  start --id ID --key-file F --port P [--image I] [--gpus I,J] [--workdir DIR]\n"
    "                       start the rental (or adopt the one running under ID)\n"
    "  stop --id ID         stop it and forget it (its files stay)\n"
    "  reboot --id ID       stop and start again, same key, host key and home\n"
    "  status               one JSON line per rental: id, kind, port, running, pid\n"
    "  reconcile            after a restart: adopt what runs, mark the rest exited\n"
    "  logs --id ID [--bytes N]   the last N bytes (default 4096) of its log\n"
    "\n"
    "Options:\n"
    "  --kind sandbox|docker   the provisioner (default: [provision] kind in HOME/config,\n"
    "                          else sandbox)\n"
    "  --listen ADDR        address to bind (default: [provision] listen, else 0.0.0.0)\n"
    "  --address cpc1...    act on the rentals that `cpc-worker run` of this worker address\n"
    "                       provisions (HOME/worker/ADDRESS), not the standalone ones\n"
    "\n"
    "sandbox: Debian's sshd in bubblewrap as this user; log in as \"cpc\".\n"
    "docker:  docker run -d --name cpc-rental-ID ... IMAGE (see deploy/rental/).\n";

struct rental_args {
    const char *sub, *id, *key_file, *port, *image, *gpus, *workdir, *kind, *listen, *bytes,
        *address;
    bool help;
};

static int rental_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "cpc-worker rental: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nRun 'cpc-worker rental --help' for usage.\n");
    return 2;
}

static int parse(int argc, char **argv, struct rental_args *a)
{
    static const char *const names[] = {"--id", "--key-file", "--port", "--image", "--gpus",
                                        "--workdir", "--kind", "--listen", "--bytes", "--address",
                                        NULL};
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            a->help = true;
            continue;
        }
        if (strncmp(argv[i], "--", 2) != 0) {
            if (a->sub)
                return rental_usage("unexpected argument \"%s\"", argv[i]);
            a->sub = argv[i];
            continue;
        }
        int k = 0;
        while (names[k] && strcmp(names[k], argv[i]))
            k++;
        if (!names[k])
            return rental_usage("unknown option %s", argv[i]);
        if (i + 1 >= argc)
            return rental_usage("%s needs a value", argv[i]);
        const char **slot[] = {&a->id, &a->key_file, &a->port, &a->image, &a->gpus,
                               &a->workdir, &a->kind, &a->listen, &a->bytes, &a->address};
        *slot[k] = argv[++i];
    }
    if (a->help)
        return 0;
    if (!a->sub)
        return rental_usage("%s", "which command? start, stop, reboot, status, reconcile, logs");
    const char *subs[] = {"start", "stop", "reboot", "status", "reconcile", "logs", NULL};
    int k = 0;
    while (subs[k] && strcmp(subs[k], a->sub))
        k++;
    if (!subs[k])
        return rental_usage("unknown rental command \"%s\"", a->sub);
    if (strcmp(a->sub, "status") && strcmp(a->sub, "reconcile") && !a->id)
        return rental_usage("%s needs --id ID", a->sub);
    if (!strcmp(a->sub, "start") && (!a->key_file || !a->port))
        return rental_usage("%s", "start needs --key-file F and --port P");
    return 0;
}

static int fail_msg(const struct cpc_err *e)
{
    fprintf(stderr, "cpc-worker rental: %s\n", e->msg[0] ? e->msg : "failed");
    return 1;
}

/* The provisioner options: HOME/config's [provision], then the flags. */
static int load_opts(const struct rental_args *a, const char *home,
                     struct cpc_wk_provision_opts *o)
{
    struct cpc_err err = {0};
    struct cpc_config *c = NULL;
    memset(o, 0, sizeof *o);
    if (cpc_config_load_home(&c, home, NULL, 0, &err) != 0)
        return fail_msg(&err);
    const char *kind = a->kind ? a->kind : cpc_config_get(c, "provision", "kind");
    const char *listen = a->listen ? a->listen : cpc_config_get(c, "provision", "listen");
    const char *dir = cpc_config_get(c, "provision", "dir");
    int rc = 0;
    if (kind && cpc_wk_provision_kind_parse(kind, &o->kind) != 0)
        rc = rental_usage("provision kind must be sandbox or docker, not \"%s\"", kind);
    else if (listen && strlen(listen) >= sizeof o->listen)
        rc = rental_usage("listen address too long: %s", listen);
    else if (listen)
        snprintf(o->listen, sizeof o->listen, "%s", listen);
    if (!rc && dir && (dir[0] != '/' || strlen(dir) >= sizeof o->rentals_dir))
        rc = rental_usage("[provision] dir must be an absolute path, not \"%s\"", dir);
    else if (!rc && dir)
        snprintf(o->rentals_dir, sizeof o->rentals_dir, "%s", dir);
    cpc_config_free(c);
    char abs[CPC_PATH_MAX];
    if (!rc && !realpath(home, abs)) {
        if (cpc_home_ensure(home, &err) != 0 || !realpath(home, abs))
            return fail_msg(&err);
    }
    uint8_t raw[CPC_ADDR_HASH_LEN];
    if (!rc && a->address && cpc_address_decode(raw, a->address) != 0)
        rc = rental_usage("--address must be a cpc1... address, not \"%s\"", a->address);
    if (!rc && snprintf(o->state_dir, sizeof o->state_dir, "%s/worker%s%s", abs,
                        a->address ? "/" : "", a->address ? a->address : "") >=
                   (int)sizeof o->state_dir)
        rc = rental_usage("home path too long: %s", home);
    return rc;
}

static int parse_gpus(const char *s, struct cpc_wk_rental_spec *sp)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (sp->n_gpus >= CPC_WK_RENTAL_GPUS_MAX || cpc_parse_u64(t, &v) || v > 63)
            return -1;
        sp->gpus[sp->n_gpus++] = (int)v;
    }
    return 0;
}

static void print_rental(const struct cpc_wk_rental *r)
{
    printf("{\"id\": \"%s\", \"kind\": \"%s\", \"port\": %u, \"running\": %s, \"pid\": %d, "
           "\"container\": \"%s\"}\n",
           r->spec.id, cpc_wk_provision_kind_name(r->kind), r->spec.port,
           r->run == CPC_WK_RENTAL_RUNNING ? "true" : "false", (int)r->pid, r->container);
}

static int cmd_start(const struct rental_args *a, const struct cpc_wk_provision_opts *o)
{
    struct cpc_wk_rental_spec *s = calloc(1, sizeof *s);
    struct cpc_err err = {0};
    uint64_t port;
    char *key = NULL;
    int rc = 0;
    if (!s)
        return 1;
    if (cpc_parse_u64(a->port, &port) || port < 1 || port > 65535)
        rc = rental_usage("--port must be 1..65535, not \"%s\"", a->port);
    else if (a->gpus && parse_gpus(a->gpus, s))
        rc = rental_usage("--gpus must be device indices like 0,1, not \"%s\"", a->gpus);
    else if (strlen(a->id) > CPC_WK_RENTAL_ID_MAX ||
             (a->image && strlen(a->image) >= sizeof s->image) ||
             (a->workdir && strlen(a->workdir) >= sizeof s->workdir))
        rc = rental_usage("%s", "--id, --image or --workdir is too long");
    else if (cpc_read_file(a->key_file, CPC_WK_RENTAL_KEY_MAX - 1, &key, NULL, &err) != 0)
        rc = fail_msg(&err);
    if (rc) {
        free(s);
        return rc;
    }
    char *nl = strchr(key, '\n');
    if (nl)
        *nl = 0;
    snprintf(s->id, sizeof s->id, "%s", a->id);
    snprintf(s->ssh_public_key, sizeof s->ssh_public_key, "%s", key);
    snprintf(s->image, sizeof s->image, "%s", a->image ? a->image : "");
    snprintf(s->workdir, sizeof s->workdir, "%s", a->workdir ? a->workdir : "");
    s->port = (unsigned)port;
    free(key);
    struct cpc_wk_rental r;
    rc = cpc_wk_rental_start(o, s, &r, &err);
    free(s);
    if (rc)
        return fail_msg(&err);
    print_rental(&r);
    return 0;
}

static int run_sub(const struct rental_args *a, const struct cpc_wk_provision_opts *o)
{
    struct cpc_err err = {0};
    if (!strcmp(a->sub, "start"))
        return cmd_start(a, o);
    if (!strcmp(a->sub, "stop")) {
        if (cpc_wk_rental_stop(o, a->id, &err))
            return fail_msg(&err);
        printf("{\"id\": \"%s\", \"stopped\": true}\n", a->id);
        return 0;
    }
    if (!strcmp(a->sub, "reboot")) {
        struct cpc_wk_rental r;
        if (cpc_wk_rental_reboot(o, a->id, &r, &err))
            return fail_msg(&err);
        print_rental(&r);
        return 0;
    }
    if (!strcmp(a->sub, "reconcile")) {
        unsigned ad = 0, ex = 0;
        if (cpc_wk_rental_reconcile(o, &ad, &ex, &err))
            return fail_msg(&err);
        printf("{\"adopted\": %u, \"exited\": %u}\n", ad, ex);
        return 0;
    }
    if (!strcmp(a->sub, "logs")) {
        uint64_t max = 4096;
        if (a->bytes && (cpc_parse_u64(a->bytes, &max) || max < 1 || max > (1u << 20)))
            return rental_usage("--bytes must be 1..1048576, not \"%s\"", a->bytes);
        char *text = NULL;
        size_t len = 0;
        if (cpc_wk_rental_logs(o, a->id, (size_t)max, &text, &len, &err))
            return fail_msg(&err);
        fwrite(text, 1, len, stdout);
        free(text);
        return 0;
    }
    struct cpc_wk_rental *v = NULL;
    size_t n = 0;
    if (cpc_wk_rental_list(o, &v, &n, &err))
        return fail_msg(&err);
    for (size_t i = 0; i < n; i++)
        print_rental(&v[i]);
    free(v);
    return 0;
}

int cpc_wk_rental_cli(int argc, char **argv, const char *home)
{
    struct rental_args a;
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc;
    if (a.help) {
        fputs(RENTAL_USAGE, stdout);
        return 0;
    }
    struct cpc_wk_provision_opts o;
    if ((rc = load_opts(&a, home, &o)) != 0)
        return rc;
    return run_sub(&a, &o);
}

/* cmd_server.c — a provider's GPU servers from the command line: `server
 * add|list|rm` over /provider/servers.
 *
 * `server add` turns on the provider role when the account lacks it (PATCH
 * /me, the other roles kept), creates the server and, with --worker-key NAME,
 * binds that keyring key's worker to it: the key signs SHA-256("cpc-server-bind"
 * ‖ server id ‖ the owner's user id in decimal) (docs/api.md) and the
 * signature goes with PUT /provider/servers/{id}. A binding the node refuses
 * deletes the server again, so a failed add leaves nothing behind.
 * --ram and --disk default to this machine's memory and root file system.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>

#include "../core/hash.h"
#include "../core/hex.h"
#include "cli.h"

static uint64_t local_ram_gb(void)
{
    struct sysinfo si;
    if (sysinfo(&si) != 0)
        return 1;
    uint64_t gb = (uint64_t)si.totalram * si.mem_unit / (1024ull * 1024 * 1024);
    return gb ? gb : 1;
}

static uint64_t local_disk_gb(void)
{
    struct statvfs vs;
    if (statvfs("/", &vs) != 0)
        return 1;
    uint64_t gb = (uint64_t)vs.f_blocks * vs.f_frsize / (1024ull * 1024 * 1024);
    return gb ? gb : 1;
}

static int set_int(json_t *b, const char *key, const char *flag, const char *text, uint64_t lo,
                   uint64_t hi, struct cpc_err *err)
{
    uint64_t v;
    int rc = cli_parse_int_flag(flag, text, lo, hi, &v, err);
    if (rc == 0)
        json_object_set_new(b, key, json_integer((json_int_t)v));
    return rc;
}

static int add_body(const struct cli_ctx *c, json_t *b, struct cpc_err *err)
{
    const struct cli_opts *o = &c->o;
    if (!o->model || !o->gpus || !o->vram || !o->price || !o->host || !o->ports || !o->country)
        return cpc_err_set(err, CLI_USAGE, "server add needs --model, --gpus, --vram, --price, "
                                           "--host, --ports and --country");
    unsigned lo = 0, hi = 0;
    int used = 0;
    if (sscanf(o->ports, "%5u-%5u%n", &lo, &hi, &used) != 2 || (size_t)used != strlen(o->ports) ||
        !isdigit((unsigned char)o->ports[0]))
        return cpc_err_set(err, CLI_USAGE, "--ports is a range A-B (e.g. 22000-22099), got \"%s\"",
                           o->ports);
    uint64_t price;
    int rc = cli_parse_cpc("--price", o->price, &price, err);
    char num[24];
    if (!rc)
        rc = set_int(b, "gpu_count", "--gpus", o->gpus, 1, 16, err);
    if (!rc)
        rc = set_int(b, "vram_gb", "--vram", o->vram, 1, 256, err);
    snprintf(num, sizeof num, "%llu", (unsigned long long)local_ram_gb());
    if (!rc)
        rc = set_int(b, "ram_gb", "--ram", o->ram ? o->ram : num, 1, 65536, err);
    snprintf(num, sizeof num, "%llu", (unsigned long long)local_disk_gb());
    if (!rc)
        rc = set_int(b, "disk_gb", "--disk", o->disk ? o->disk : num, 1, 1000000, err);
    if (rc)
        return rc;
    json_object_set_new(b, "gpu_model", json_string(o->model));
    json_object_set_new(b, "price_per_gpu_hour", json_integer((json_int_t)price));
    json_object_set_new(b, "host", json_string(o->host));
    json_object_set_new(b, "ssh_port_min", json_integer(lo));
    json_object_set_new(b, "ssh_port_max", json_integer(hi));
    json_object_set_new(b, "country", json_string(o->country));
    if (o->city)
        json_object_set_new(b, "city", json_string(o->city));
    if (o->cpu)
        json_object_set_new(b, "cpu", json_string(o->cpu));
    return 0;
}

/* GET /me; adds the provider role when missing. *uid gets the user's id. */
static int ensure_provider(struct cli_ctx *c, json_int_t *uid, struct cpc_err *err)
{
    json_t *me = NULL, *ans = NULL;
    int rc = cli_api(c, "GET", "/me", NULL, &me, err);
    if (rc)
        return rc;
    *uid = json_integer_value(json_object_get(me, "id"));
    json_t *roles = json_object_get(me, "roles"), *r;
    size_t i;
    bool has = false;
    json_array_foreach(roles, i, r) {
        if (json_is_string(r) && !strcmp(json_string_value(r), "provider"))
            has = true;
    }
    if (!has) { /* every role kept (PATCH /me refuses a change of admin) */
        json_t *nr = json_array();
        json_array_foreach(roles, i, r) {
            if (json_is_string(r))
                json_array_append(nr, r);
        }
        json_array_append_new(nr, json_string("provider"));
        json_t *body = json_pack("{s:o}", "roles", nr);
        rc = cli_api(c, "PATCH", "/me", body, &ans, err);
        json_decref(body);
        json_decref(ans);
        if (rc == 0)
            cli_warn("the account now has the provider role");
    }
    json_decref(me);
    return rc;
}

/* The worker binding of server id for owner uid, signed by keyring key `name`. */
static int bind_body(struct cli_ctx *c, const char *name, const char *id, json_int_t uid,
                     json_t **out, struct cpc_err *err)
{
    struct cpc_key_info info;
    struct cpc_key key;
    char pass[CLI_PASS_MAX], uidt[24];
    memset(&key, 0, sizeof key);
    int rc = cpc_keyring_info(c->home, name, &info, err);
    if (!rc)
        rc = cli_unlock_passphrase(&info, pass, sizeof pass, err);
    if (!rc)
        rc = cpc_keyring_load(c->home, name, pass, &key, err);
    sodium_memzero(pass, sizeof pass);
    if (rc)
        return rc;
    snprintf(uidt, sizeof uidt, "%lld", (long long)uid);
    struct cpc_sha256_ctx h;
    uint8_t digest[32], sig[CPC_SIG_LEN];
    cpc_sha256_init(&h);
    cpc_sha256_update(&h, "cpc-server-bind", 15);
    cpc_sha256_update(&h, id, strlen(id));
    cpc_sha256_update(&h, uidt, strlen(uidt));
    cpc_sha256_final(&h, digest);
    struct cpc_signer *s = cpc_signer_new_random();
    rc = s ? cpc_sign(s, sig, digest, key.seckey)
           : cpc_err_set(err, CPC_ERR_CRYPTO, "could not create a signing context");
    cpc_signer_free(s);
    cpc_key_wipe(&key);
    if (rc)
        return err->code ? rc : cpc_err_set(err, rc, "could not sign the binding");
    char pub[2 * CPC_PUBKEY_LEN + 1], sigx[2 * CPC_SIG_LEN + 1];
    cpc_hex_encode(pub, info.pubkey, CPC_PUBKEY_LEN);
    cpc_hex_encode(sigx, sig, CPC_SIG_LEN);
    *out = json_pack("{s:{s:s, s:s, s:s}}", "worker", "address", info.address, "pubkey", pub,
                     "signature", sigx);
    return 0;
}

static int bind_worker(struct cli_ctx *c, json_int_t uid, json_t **server, struct cpc_err *err)
{
    char id[64], path[128];
    snprintf(id, sizeof id, "%s", cli_str_of(*server, "id"));
    snprintf(path, sizeof path, "/provider/servers/%s", id);
    json_t *body = NULL, *ans = NULL;
    int rc = bind_body(c, c->o.worker_key, id, uid, &body, err);
    if (!rc)
        rc = cli_api(c, "PUT", path, body, &ans, err);
    json_decref(body);
    if (rc == 0) {
        json_decref(*server);
        *server = ans;
        return 0;
    }
    struct cpc_err e2;
    cpc_err_clear(&e2);
    ans = NULL;
    rc = cli_api(c, "DELETE", path, NULL, &ans, &e2);
    json_decref(ans);
    if (rc == 0)
        return cpc_err_prefix(err, "binding worker %s failed, server removed again: ",
                              c->o.worker_key);
    return cpc_err_prefix(err, "binding worker %s failed (server %s stays, unbound): ",
                          c->o.worker_key, id);
}

static void print_server(const json_t *s)
{
    char price[CPC_AMOUNT_STR_MAX];
    printf("%-36s  %-12s %4llu %13s  %-22s %5llu-%-5llu %-8s %s\n", cli_str_of(s, "id"),
           cli_str_of(s, "gpu_model"), (unsigned long long)cli_int_of(s, "gpu_count"),
           cli_cpc(price, cli_int_of(s, "price_per_gpu_hour")), cli_str_of(s, "host"),
           (unsigned long long)cli_int_of(s, "ssh_port_min"),
           (unsigned long long)cli_int_of(s, "ssh_port_max"), cli_str_of(s, "status"),
           cli_str_of(s, "worker"));
}

static void print_header(void)
{
    printf("%-36s  %-12s %4s %13s  %-22s %-11s %-8s %s\n", "ID", "MODEL", "GPUS", "CPC/GPU-HOUR",
           "HOST", "PORTS", "STATUS", "WORKER");
}

static int run_add(struct cli_ctx *c, struct cpc_err *err)
{
    json_t *body = json_object(), *s = NULL;
    json_int_t uid = 0;
    int rc = add_body(c, body, err);
    if (!rc && c->o.worker_key)
        rc = cpc_keyring_check_name(c->o.worker_key, err);
    if (!rc)
        rc = ensure_provider(c, &uid, err);
    if (!rc)
        rc = cli_api(c, "POST", "/provider/servers", body, &s, err);
    json_decref(body);
    if (!rc && c->o.worker_key)
        rc = bind_worker(c, uid, &s, err);
    if (!rc) {
        if (c->json) {
            cli_print_json(s);
        } else {
            print_header();
            print_server(s);
        }
    }
    json_decref(s);
    return rc;
}

static int run_list(struct cli_ctx *c, struct cpc_err *err)
{
    json_t *j = NULL, *list, *s;
    int rc = cli_api(c, "GET", "/provider/servers", NULL, &j, err);
    if (rc)
        return rc;
    list = json_object_get(j, "servers");
    size_t i;
    if (c->json) {
        cli_print_json(j);
    } else if (json_array_size(list) == 0) {
        printf("No servers.\n");
    } else {
        print_header();
        json_array_foreach(list, i, s)
            print_server(s);
    }
    json_decref(j);
    return 0;
}

static int run_rm(struct cli_ctx *c, struct cpc_err *err)
{
    char path[128];
    int rc0 = cli_check_server_id(c->args[0], err);
    if (rc0)
        return rc0;
    snprintf(path, sizeof path, "/provider/servers/%s", c->args[0]);
    json_t *j = NULL;
    int rc = cli_api(c, "DELETE", path, NULL, &j, err);
    if (rc)
        return rc;
    if (c->json)
        cli_print_json(j);
    else
        printf("Server %s removed\n", c->args[0]);
    json_decref(j);
    return 0;
}

const struct cli_cmd cli_server_cmds[] = {
    {"server", "add", 0, 0,
     F_API_KEY | F_MODEL | F_GPUS | F_VRAM | F_PRICE | F_HOST | F_PORTS | F_COUNTRY | F_CITY |
         F_WORKER_KEY | F_RAM | F_DISK | F_CPU,
     "server add --model M --gpus N --vram G --price P --host H --ports A-B --country C\n"
     "             [--city X] [--ram G] [--disk G] [--cpu TEXT] [--worker-key NAME]",
     "List a GPU server for rent (turns on the provider role if the account lacks it).\n"
     "--model is one of the catalogue's models (\"RTX 4090\", docs/api.md); --gpus 1..16;\n"
     "--vram GB per GPU; --price CPC per GPU-hour that you receive (customers pay 10% on\n"
     "top); --host the address customers ssh to and --ports the SSH ports rentals get;\n"
     "--country an ISO code (DE). --ram and --disk (GB) default to this machine's.\n"
     "--worker-key NAME binds the cpc-worker whose key NAME is in the local keyring: the\n"
     "key signs the binding, and the server is online while that worker heartbeats.",
     run_add},
    {"server", "list", 0, 0, F_API_KEY, "server list", "Your servers, oldest first.", run_list},
    {"server", "rm", 1, 1, F_API_KEY, "server rm SERVER_ID", "Remove one of your servers.",
     run_rm},
    {0},
};

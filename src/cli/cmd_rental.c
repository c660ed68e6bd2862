/* cmd_rental.c — GPU rentals from the command line: `rent`, `rentals`,
 * `rental show|ssh|end|extend|reboot|logs`.
 *
 * `rent` orders through POST /rentals (the node signs the provider's offer
 * and the customer's RENTAL_OPEN with the custodial keys) and prints the
 * rental id and its cost per hour; --wait polls GET /rentals/{id} until a
 * block opened it. `rental ssh` asks GET /rentals/{id}/connection and runs
 * ssh with execvp (no shell), after checking that the host and user the node
 * answered cannot be read by ssh as options.
 *
 * `rental extend` tops the escrow up through POST /rentals/{id}/extend (a
 * RENTAL_EXTEND tx signed by the customer's custodial key); `rental reboot` and
 * `rental logs` go to the provider's worker through the node (heartbeat orders).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define SSH_KEY_MAX (8 * 1024)

/* The public key file's first line (a private key is refused, not sent). */
static int read_ssh_key(const char *file, char **out, struct cpc_err *err)
{
    size_t len = 0;
    int rc = cpc_read_file(file, SSH_KEY_MAX, out, &len, err);
    if (rc == CPC_ERR_TOO_LARGE)
        return cpc_err_set(err, rc, "--ssh-key %s: a public key is at most 8 KiB", file);
    if (rc)
        return cpc_err_set(err, rc, "--ssh-key %s: %s", file, err->msg);
    if (strstr(*out, "PRIVATE KEY")) {
        free(*out);
        *out = NULL;
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "--ssh-key %s is a private key: pass the public one (%s.pub)", file, file);
    }
    (*out)[strcspn(*out, "\r\n")] = 0;
    return 0;
}

static int rent_body(const struct cli_ctx *c, json_t **out, struct cpc_err *err)
{
    const struct cli_opts *o = &c->o;
    uint64_t hours, v;
    if (!o->hours || !o->ssh_key)
        return cpc_err_set(err, CLI_USAGE, "rent needs --hours H and --ssh-key FILE");
    int rc = cli_parse_int_flag("--hours", o->hours, 1, 720, &hours, err);
    if (rc)
        return rc;
    bool by_req = o->model || o->count || o->max_price || o->min_vram;
    if ((c->nargs == 1) == by_req)
        return cpc_err_set(err, CLI_USAGE, "give either a GPU_ID or requirements (--model, "
                                           "--count, --max-price, --min-vram), not both");
    json_t *b = json_pack("{s:I}", "hours", (json_int_t)hours);
    if (c->nargs == 1) {
        json_object_set_new(b, "gpu_id", json_string(c->args[0]));
    } else {
        json_t *req = json_object();
        json_object_set_new(b, "requirements", req);
        if (o->model)
            json_object_set_new(req, "model", json_string(o->model));
        if (!rc && o->count && !(rc = cli_parse_int_flag("--count", o->count, 1, 16, &v, err)))
            json_object_set_new(req, "min_count", json_integer((json_int_t)v));
        if (!rc && o->min_vram &&
            !(rc = cli_parse_int_flag("--min-vram", o->min_vram, 1, 256, &v, err)))
            json_object_set_new(req, "min_vram", json_integer((json_int_t)v));
        if (!rc && o->max_price && !(rc = cli_parse_cpc("--max-price", o->max_price, &v, err)))
            json_object_set_new(req, "max_price", json_integer((json_int_t)v));
    }
    if (!rc && o->image)
        json_object_set_new(b, "image", json_string(o->image));
    char *key = NULL;
    if (!rc && !(rc = read_ssh_key(o->ssh_key, &key, err)))
        json_object_set_new(b, "ssh_public_key", json_string(key));
    free(key);
    if (rc) {
        json_decref(b);
        return rc;
    }
    *out = b;
    return 0;
}

/* Poll GET /rentals/{id} every 200 ms until its status is not `until_not`. */
static int wait_status(struct cli_ctx *c, const char *id, const char *until_not, json_t **out,
                       struct cpc_err *err)
{
    char path[128];
    snprintf(path, sizeof path, "/rentals/%s", id);
    struct timespec ts = {0, 200 * 1000 * 1000};
    for (unsigned i = 0; i < c->timeout_s * 5u; i++) {
        json_t *j = NULL;
        int rc = cli_api(c, "GET", path, NULL, &j, err);
        if (rc)
            return rc;
        if (strcmp(cli_str_of(j, "status"), until_not) != 0) {
            *out = j;
            return 0;
        }
        json_decref(j);
        nanosleep(&ts, NULL);
    }
    return cpc_err_set(err, CPC_ERR_CANCELLED, "rental %s is still %s after %u s (--timeout)", id,
                       until_not, c->timeout_s);
}

static void print_rent(const json_t *j)
{
    char per_hour[CPC_AMOUNT_STR_MAX], rate[CPC_AMOUNT_STR_MAX], fee[CPC_AMOUNT_STR_MAX],
        dep[CPC_AMOUNT_STR_MAX];
    uint64_t r = cli_int_of(j, "rate_per_minute"), cm = cli_int_of(j, "commission_per_minute");
    printf("Rental %s\n", cli_str_of(j, "id"));
    printf("  server   %s (%s x %llu)\n", cli_str_of(j, "server_id"), cli_str_of(j, "gpu_model"),
           (unsigned long long)cli_int_of(j, "gpu_count"));
    printf("  costs    %s CPC per hour (provider %s + commission %s)\n",
           cli_cpc(per_hour, (r + cm) * 60), cli_cpc(rate, r * 60), cli_cpc(fee, cm * 60));
    printf("  deposit  %s CPC for %llu minutes\n", cli_cpc(dep, cli_int_of(j, "deposit")),
           (unsigned long long)cli_int_of(j, "minutes_covered"));
    printf("  image    %s\n", cli_str_of(j, "image"));
    printf("  status   %s\n", cli_str_of(j, "status"));
}

static int run_rent(struct cli_ctx *c, struct cpc_err *err)
{
    json_t *body = NULL, *ans = NULL, *open = NULL;
    int rc = rent_body(c, &body, err);
    if (rc)
        return rc;
    rc = cli_api(c, "POST", "/rentals", body, &ans, err);
    json_decref(body);
    if (rc)
        return rc;
    char id[65];
    snprintf(id, sizeof id, "%s", cli_str_of(ans, "id"));
    if (c->flags & F_WAIT) {
        rc = wait_status(c, id, "pending", &open, err);
        if (rc == 0) {
            json_object_set(ans, "status", json_object_get(open, "status"));
            if (strcmp(cli_str_of(open, "status"), "open") != 0)
                rc = cpc_err_set(err, CPC_ERR_INVALID, "rental %s did not open: %s", id,
                                 cli_str_of(open, "status"));
        }
        json_decref(open);
    }
    if (c->json)
        cli_print_json(ans);
    else
        print_rent(ans);
    if (!c->json && rc == 0)
        printf("Connect: cpc-cli rental ssh %s\n", id);
    json_decref(ans);
    return rc;
}

static int run_list(struct cli_ctx *c, struct cpc_err *err)
{
    char q[128] = "/rentals";
    uint64_t page = 1;
    int rc = c->o.page ? cli_parse_int_flag("--page", c->o.page, 1, 100000, &page, err) : 0;
    if (rc)
        return rc;
    snprintf(q, sizeof q, "/rentals?limit=20&offset=%llu", (unsigned long long)(page - 1) * 20);
    json_t *j = NULL;
    if ((rc = cli_api(c, "GET", q, NULL, &j, err)))
        return rc;
    json_t *list = json_object_get(j, "rentals"), *r;
    size_t i;
    if (c->json) {
        cli_print_json(j);
    } else if (json_array_size(list) == 0) {
        printf("No rentals.\n");
    } else {
        printf("%-64s  %-7s %5s  %-36s %s\n", "ID", "STATUS", "HOURS", "SERVER", "CREATED");
        json_array_foreach(list, i, r)
            printf("%-64s  %-7s %5llu  %-36s %s\n", cli_str_of(r, "id"), cli_str_of(r, "status"),
                   (unsigned long long)cli_int_of(r, "hours"), cli_str_of(r, "server_id"),
                   cli_str_of(r, "created_at"));
    }
    json_decref(j);
    return 0;
}

static int run_show(struct cli_ctx *c, struct cpc_err *err)
{
    char path[128];
    json_t *j = NULL;
    int rc = cli_check_rental_id(c->args[0], err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "/rentals/%s", c->args[0]);
    if ((rc = cli_api(c, "GET", path, NULL, &j, err)))
        return rc;
    if (c->json) {
        cli_print_json(j);
    } else {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
            printf("%-22s %s\n", k, s ? s : json_string_value(v));
            free(s);
        }
    }
    json_decref(j);
    return 0;
}

/* host: a name or address ssh cannot take for an option; user: a login name. */
static bool safe_word(const char *s, const char *extra)
{
    if (!*s || *s == '-' || strlen(s) > 253)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
            return false;
    return true;
}

static int run_ssh(struct cli_ctx *c, struct cpc_err *err)
{
    char path[160], port[8], dest[320];
    json_t *j = NULL;
    int rc = cli_check_rental_id(c->args[0], err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "/rentals/%s/connection", c->args[0]);
    if ((rc = cli_api(c, "GET", path, NULL, &j, err)))
        return rc;
    const char *host = cli_str_of(j, "host"), *user = cli_str_of(j, "user");
    uint64_t p = cli_int_of(j, "port");
    if (!safe_word(host, ".-:") || !safe_word(user, "_-") || p == 0 || p > 65535) {
        json_decref(j);
        return cpc_err_set(err, CPC_ERR_INVALID, "the node's connection answer is not usable");
    }
    snprintf(port, sizeof port, "%llu", (unsigned long long)p);
    snprintf(dest, sizeof dest, "%s@%s", user, host);
    if (c->flags & F_PRINT) {
        if (c->json) {
            json_t *o = json_pack("{s:s, s:s, s:I, s:o}", "host", host, "user", user, "port",
                                  (json_int_t)p, "command",
                                  json_sprintf("ssh -p %s %s", port, dest));
            cli_print_json(o);
            json_decref(o);
        } else {
            printf("ssh -p %s %s\n", port, dest);
        }
        json_decref(j);
        return 0;
    }
    json_decref(j);
    fflush(stdout);
    char *argv[] = {"ssh", "-p", port, dest, NULL};
    execvp("ssh", argv);
    return cpc_err_set(err, CPC_ERR_IO, "could not run ssh: %s (print the command with --print)",
                       strerror(errno));
}

static int run_end(struct cli_ctx *c, struct cpc_err *err)
{
    char path[128];
    json_t *j = NULL, *done = NULL;
    int rc = cli_check_rental_id(c->args[0], err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "/rentals/%s", c->args[0]);
    if ((rc = cli_api(c, "DELETE", path, NULL, &j, err)))
        return rc;
    if ((c->flags & F_WAIT) && (rc = wait_status(c, c->args[0], "open", &done, err)) == 0)
        json_object_set(j, "status", json_object_get(done, "status"));
    json_decref(done);
    if (c->json)
        cli_print_json(j);
    else
        printf("Rental %s %s (tx %s)\n", c->args[0], cli_str_of(j, "status"),
               cli_str_of(j, "tx_hash"));
    json_decref(j);
    return rc;
}

static int run_extend(struct cli_ctx *c, struct cpc_err *err)
{
    char path[128], amount[CPC_AMOUNT_STR_MAX];
    uint64_t hours;
    json_t *j = NULL, *done = NULL;
    int rc = cli_check_rental_id(c->args[0], err);
    if (rc)
        return rc;
    if (!c->o.hours)
        return cpc_err_set(err, CLI_USAGE, "rental extend needs --hours H");
    if ((rc = cli_parse_int_flag("--hours", c->o.hours, 1, 720, &hours, err)))
        return rc;
    json_t *body = json_pack("{s:I}", "hours", (json_int_t)hours);
    snprintf(path, sizeof path, "/rentals/%s/extend", c->args[0]);
    rc = cli_api(c, "POST", path, body, &j, err);
    json_decref(body);
    if (rc)
        return rc;
    /* --wait: until a block took the top-up (the view's funded_until_ms reached the answer's) */
    for (unsigned i = 0; (c->flags & F_WAIT) && i < c->timeout_s * 5u; i++) {
        json_decref(done);
        done = NULL;
        snprintf(path, sizeof path, "/rentals/%s", c->args[0]);
        if ((rc = cli_api(c, "GET", path, NULL, &done, err)))
            break;
        if (cli_int_of(done, "funded_until_ms") >= cli_int_of(j, "funded_until_ms")) {
            json_object_set_new(j, "status", json_string("extended"));
            break;
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    json_decref(done);
    if (rc == 0 && (c->flags & F_WAIT) && strcmp(cli_str_of(j, "status"), "extended") != 0)
        rc = cpc_err_set(err, CPC_ERR_CANCELLED, "the extension of %s is not in a block after "
                                                 "%u s (--timeout)", c->args[0], c->timeout_s);
    if (c->json)
        cli_print_json(j);
    else
        printf("Rental %s %s by %llu hours: %s CPC, %llu minutes more (tx %s)\n", c->args[0],
               cli_str_of(j, "status"), (unsigned long long)hours,
               cli_cpc(amount, cli_int_of(j, "amount")),
               (unsigned long long)cli_int_of(j, "minutes_added"), cli_str_of(j, "tx_hash"));
    json_decref(j);
    return rc;
}

static int run_reboot(struct cli_ctx *c, struct cpc_err *err)
{
    char path[128];
    json_t *j = NULL;
    int rc = cli_check_rental_id(c->args[0], err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "/rentals/%s/reboot", c->args[0]);
    if ((rc = cli_api(c, "POST", path, NULL, &j, err)))
        return rc;
    if (c->json)
        cli_print_json(j);
    else
        printf("Rental %s: reboot %llu ordered; the provider's worker restarts it within "
               "seconds (same key, host key and home)\n",
               c->args[0], (unsigned long long)cli_int_of(j, "reboot_seq"));
    json_decref(j);
    return 0;
}

static int run_logs(struct cli_ctx *c, struct cpc_err *err)
{
    char path[128];
    json_t *j = NULL;
    int rc = cli_check_rental_id(c->args[0], err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "/rentals/%s/logs", c->args[0]);
    if ((rc = cli_api(c, "GET", path, NULL, &j, err)))
        return rc;
    if (c->json) {
        cli_print_json(j);
    } else if (!json_is_string(json_object_get(j, "tail"))) {
        printf("No log yet: the provider's worker uploads it within 30 s of the start.\n");
    } else {
        /* the provider's worker wrote this text: no control character reaches the
         * terminal (an escape sequence could rewrite the screen), only \n and \t */
        for (const unsigned char *t = (const unsigned char *)cli_str_of(j, "tail"); *t; t++)
            putchar(*t == '\n' || *t == '\t' || (*t >= 0x20 && *t != 0x7f) ? *t : '?');
    }
    json_decref(j);
    return 0;
}

const struct cli_cmd cli_rent_cmds[] = {
    {NULL, "rent", 0, 1,
     F_API_KEY | F_MODEL | F_COUNT | F_MAX_PRICE | F_MIN_VRAM | F_HOURS | F_IMAGE | F_SSH_KEY |
         F_WAIT | F_TIMEOUT,
     "rent (GPU_ID | --model M [--count N] [--max-price P] [--min-vram G]) --hours H\n"
     "       --ssh-key FILE.pub [--image IMG] [--wait [--timeout S]]",
     "Rent a GPU server for H hours (1..720): the server GPU_ID of `gpu search`, or the\n"
     "cheapest online one that fits the requirements (--max-price in CPC per hour for the\n"
     "whole server). The deposit for the hours is taken from your platform balance and\n"
     "paid by the minute; `rental end` refunds the rest. Prints the rental id and what it\n"
     "costs per hour. --ssh-key is the OpenSSH public key that may log in; --image the\n"
     "container image (default: the node's, nvidia/cuda:12.4.1-base-ubuntu22.04). --wait\n"
     "waits until a block opened the rental.",
     run_rent},
    {NULL, "rentals", 0, 0, F_API_KEY | F_PAGE, "rentals [--page N]",
     "Your rentals, newest first (20 a page).", run_list},
    {0},
};

const struct cli_cmd cli_rental_cmds[] = {
    {"rental", "show", 1, 1, F_API_KEY, "rental show RENTAL_ID",
     "One rental: status, prices, minutes paid, escrow left, when it ends.", run_show},
    {"rental", "ssh", 1, 1, F_API_KEY | F_PRINT, "rental ssh RENTAL_ID [--print]",
     "Log in to the rented machine: runs `ssh -p PORT cpc@HOST` (no shell in between), or\n"
     "prints that command with --print.",
     run_ssh},
    {"rental", "end", 1, 1, F_API_KEY | F_WAIT | F_TIMEOUT, "rental end RENTAL_ID [--wait]",
     "End the rental now: the next block pays the minutes used (the one in progress counts\n"
     "whole) and refunds the rest of the deposit. --wait waits until it is ended.",
     run_end},
    {"rental", "extend", 1, 1, F_API_KEY | F_HOURS | F_WAIT | F_TIMEOUT,
     "rental extend RENTAL_ID --hours H [--wait]",
     "Add H hours (1..720) to an open rental: the deposit for them is taken from your\n"
     "platform balance into the rental's escrow (a RENTAL_EXTEND tx), at the rental's own\n"
     "price. --wait waits until a block took it.",
     run_extend},
    {"rental", "reboot", 1, 1, F_API_KEY, "rental reboot RENTAL_ID",
     "Restart the rented container (an open rental): the provider's worker stops and\n"
     "starts it again once, with the same key, host key and home.",
     run_reboot},
    {"rental", "logs", 1, 1, F_API_KEY, "rental logs RENTAL_ID",
     "The last log lines of the rented container (sshd's, or `docker logs`), as the\n"
     "provider's worker last uploaded them (at most every 30 s, 16 KiB).",
     run_logs},
    {0},
};

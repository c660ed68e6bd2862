/* cmd_gpu.c — the GPU catalogue from the command line: `gpu search` (GET
 * /market/gpu with filters, a sort and a page) and `gpu show ID`.
 *
 * Prices on the command line are CPC per hour for the whole server, as the
 * customer pays them (the provider's price + the commission); the node takes
 * base units. --location is a country code ("DE"), "DE/Berlin", or a city.
 * The node sorts by price (cheapest first) or score (--sort perf); it has no
 * "most expensive first", so --sort -price is refused rather than faked over
 * one page.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define PAGE_SIZE 20

static int add_num(char *q, size_t cap, const char *name, uint64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    return cli_query_add(q, cap, name, t);
}

/* --location: "DE", "DE/Berlin" or "Berlin". */
static int add_location(char *q, size_t cap, const char *loc, struct cpc_err *err)
{
    char country[3] = {0};
    const char *city = loc;
    if (isupper((unsigned char)loc[0]) && isupper((unsigned char)loc[1]) &&
        (loc[2] == 0 || loc[2] == '/')) {
        memcpy(country, loc, 2);
        city = loc[2] ? loc + 3 : "";
        if (cli_query_add(q, cap, "country", country))
            return cpc_err_set(err, CLI_USAGE, "--location is too long");
    }
    if (*city && (strlen(city) > 64 || cli_query_add(q, cap, "city", city)))
        return cpc_err_set(err, CLI_USAGE, "--location: a city is at most 64 bytes");
    return 0;
}

static int search_query(const struct cli_ctx *c, char *q, size_t cap, struct cpc_err *err)
{
    const struct cli_opts *o = &c->o;
    uint64_t v, page = 1;
    snprintf(q, cap, "/market/gpu");
    int rc = 0;
    if (o->model && (strlen(o->model) > 64 || cli_query_add(q, cap, "model", o->model)))
        return cpc_err_set(err, CLI_USAGE, "--model is too long");
    if (o->min_price && !(rc = cli_parse_cpc("--min-price", o->min_price, &v, err)))
        rc = add_num(q, cap, "min_price", v);
    if (!rc && o->max_price && !(rc = cli_parse_cpc("--max-price", o->max_price, &v, err)))
        rc = add_num(q, cap, "max_price", v);
    if (!rc && o->min_vram && !(rc = cli_parse_int_flag("--min-vram", o->min_vram, 1, 256, &v, err)))
        rc = add_num(q, cap, "min_vram", v);
    if (!rc && o->count && !(rc = cli_parse_int_flag("--count", o->count, 1, 16, &v, err)))
        rc = add_num(q, cap, "min_count", v);
    if (!rc && o->page && !(rc = cli_parse_int_flag("--page", o->page, 1, 100000, &page, err)))
        rc = add_num(q, cap, "offset", (page - 1) * PAGE_SIZE);
    if (rc)
        return rc;
    if (o->location && (rc = add_location(q, cap, o->location, err)))
        return rc;
    if (o->status) {
        if (strcmp(o->status, "online") && strcmp(o->status, "offline"))
            return cpc_err_set(err, CLI_USAGE, "--status is online or offline, got \"%s\"",
                               o->status);
        cli_query_add(q, cap, "status", o->status);
    }
    if (o->sort) {
        if (!strcmp(o->sort, "perf"))
            cli_query_add(q, cap, "sort", "score");
        else if (!strcmp(o->sort, "-price"))
            return cpc_err_set(err, CLI_USAGE, "--sort -price: the node lists cheapest first "
                                               "(price) or best first (perf), not dearest first");
        else if (strcmp(o->sort, "price") != 0)
            return cpc_err_set(err, CLI_USAGE, "--sort is price or perf, got \"%s\"", o->sort);
    }
    return add_num(q, cap, "limit", PAGE_SIZE) ? cpc_err_set(err, CLI_USAGE, "filters too long")
                                                : 0;
}

static void print_server_row(const json_t *s)
{
    char price[CPC_AMOUNT_STR_MAX], loc[80];
    const char *city = json_string_value(json_object_get(s, "city"));
    snprintf(loc, sizeof loc, "%s%s%s", cli_str_of(s, "country"), city && *city ? "/" : "",
             city ? city : "");
    printf("%-36s  %-12s %4llu %5llu  %14s %6llu  %-16s %s\n", cli_str_of(s, "id"),
           cli_str_of(s, "gpu_model"), (unsigned long long)cli_int_of(s, "gpu_count"),
           (unsigned long long)cli_int_of(s, "vram_gb"),
           cli_cpc(price, cli_int_of(s, "price_per_hour")),
           (unsigned long long)cli_int_of(s, "score"), loc, cli_str_of(s, "status"));
}

static int run_search(struct cli_ctx *c, struct cpc_err *err)
{
    char q[2048];
    int rc = search_query(c, q, sizeof q, err);
    json_t *j = NULL;
    if (rc || (rc = cli_api(c, "GET", q, NULL, &j, err)))
        return rc;
    json_t *list = json_object_get(j, "servers");
    if (c->json) {
        cli_print_json(j);
    } else if (json_array_size(list) == 0) {
        printf("No GPU server matches.\n");
    } else {
        printf("%-36s  %-12s %4s %5s  %14s %6s  %-16s %s\n", "ID", "MODEL", "GPUS", "VRAM",
               "CPC/HOUR", "SCORE", "LOCATION", "STATUS");
        size_t i;
        json_t *s;
        json_array_foreach(list, i, s)
            print_server_row(s);
    }
    json_decref(j);
    return 0;
}

static int run_show(struct cli_ctx *c, struct cpc_err *err)
{
    char path[256];
    int rc0 = cli_check_server_id(c->args[0], err);
    if (rc0)
        return rc0;
    snprintf(path, sizeof path, "/market/gpu/%s", c->args[0]);
    json_t *j = NULL;
    int rc = cli_api(c, "GET", path, NULL, &j, err);
    if (rc)
        return rc;
    cli_print_json(j);
    json_decref(j);
    return 0;
}

const struct cli_cmd cli_gpu_cmds[] = {
    {"gpu", "search", 0, 0,
     F_API_KEY | F_MODEL | F_MIN_PRICE | F_MAX_PRICE | F_LOCATION | F_MIN_VRAM | F_COUNT |
         F_STATUS | F_SORT | F_PAGE,
     "gpu search [--model M] [--min-price P] [--max-price P] [--location L] [--min-vram G]\n"
     "             [--count N] [--status online|offline] [--sort price|perf] [--page N]",
     "Search the GPU catalogue (20 servers a page). --model is the exact model (\"RTX 4090\");\n"
     "prices are CPC per hour for the whole server, commission included; --min-vram is GB\n"
     "per GPU; --count the least number of GPUs; --location a country code (DE), DE/Berlin\n"
     "or a city; --sort price (cheapest first, the default) or perf (best score first).\n"
     "A table, or the node's JSON with -o json.",
     run_search},
    {"gpu", "show", 1, 1, F_API_KEY, "gpu show SERVER_ID",
     "One server of the catalogue as JSON.", run_show},
    {0},
};

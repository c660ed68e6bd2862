/* routes_gpu.c — the customers' GPU catalogue (routes_gpu.h).
 *
 * Design note. Any signed-in user (session token, or an API key with the
 * read scope) may browse; the views never carry the owner (id or email),
 * the host, the SSH ports or the bound worker: those are the provider's, and
 * a customer learns how to reach a machine only by renting it. The price
 * shown is what the customer pays per hour for the whole server: the
 * provider's price per GPU-hour times gpu_count plus the platform's
 * commission: the provider's override on the chain (COMMISSION_SET), else
 * 10%, applied to each row answered (at most one page: one wallet read and one
 * chain read per row). The stored price_per_hour that ?min_price, ?max_price
 * and the price sort use is the one at 10% (cpc_server_customer_price): an
 * override moves a provider's shown prices, not its place in the order.
 * Filters and both sorts run in SQL
 * on indexed columns; only ?status, which the scheduler knows and the
 * database does not, is filtered here, over at most CPC_GPU_SCAN_MAX rows in
 * the page's order, so a status query costs the node a bounded scan.
 */
#include "routes_gpu.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bech32.h"
#include "../core/rental.h"
#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "routes_rentals_internal.h"
#include "routes_servers.h"
#include "rental_orders.h"
#include "server_body.h"

/* The caller signed in (token, or a key with the read scope): p, or NULL answered. */
static struct cpc_platform *reader(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (!p) {
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
        return NULL;
    }
    return cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_READ) == 0 ? p : NULL;
}

struct page {
    struct {
        int64_t owner; /* of each row of arr */
        uint64_t hour; /* its provider's price per hour (price_per_gpu_hour x gpu_count) */
    } rows[CPC_GPU_PAGE_MAX];
    struct cpc_node *n;
    const char *status;  /* NULL: any */
    uint64_t skip, want; /* matches to skip, then to keep */
    uint64_t scanned;
    json_t *arr;
};

/* A status filter of online or busy keeps every row the scheduler counts online
 * (busy is online with a rental: the store says which after the search, page_finish). */
static int filter_online(const struct page *pg)
{
    return pg->status && strcmp(pg->status, "offline") != 0;
}

static int page_row(void *arg, const struct cpc_pserver *r)
{
    struct page *pg = arg;
    const char *st = cpc__server_status(pg->n, r);
    if (pg->status && ++pg->scanned > CPC_GPU_SCAN_MAX)
        return 1;
    if (pg->status && strcmp(st, filter_online(pg) ? "online" : pg->status) != 0)
        return 0;
    if (filter_online(pg)) {
        json_array_append_new(pg->arr, cpc__server_json(r, st, 0));
        return 0;
    }
    if (pg->skip) {
        pg->skip--;
        return 0;
    }
    pg->rows[json_array_size(pg->arr)].owner = r->owner;
    pg->rows[json_array_size(pg->arr)].hour = r->price_per_gpu_hour * r->gpu_count;
    json_array_append_new(pg->arr, cpc__server_json(r, st, 0));
    return json_array_size(pg->arr) >= pg->want;
}

/* Set o's price_per_hour to what a rental of owner's server costs an hour: the provider's
 * price `hour` plus its commission on the chain (override or 10%). 0, or an error in err. */
static int price_with_commission(struct cpc_node *n, struct cpc_platform *p, int64_t owner,
                                 uint64_t hour, json_t *o, struct cpc_err *err)
{
    struct cpc_pwallet w;
    uint8_t addr[CPC_ADDR_HASH_LEN];
    uint32_t bps = CPC_COMMISSION_BPS;
    int rc = cpc_pstore_wallet_get(p->store, owner, &w, err);
    if (rc == CPC_ERR_NOT_FOUND)
        return 0; /* no wallet yet: no override can name it */
    if (rc == 0 && !w.linked_address[0] && cpc_address_decode(addr, w.custodial_address) == 0)
        rc = cpc__rental_commission_bps(n, addr, &bps, err);
    if (rc != 0 || bps == CPC_COMMISSION_BPS || hour > (uint64_t)INT64_MAX / 2)
        return rc;
    if (json_object_set_new(o, "price_per_hour",
                            json_integer((json_int_t)(hour + cpc_rental_commission(hour, bps)))))
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return 0;
}

/* After the search: busy marked, and an online/busy filter's skip and page applied. */
static void page_finish(struct page *pg)
{
    cpc__servers_mark_busy(pg->n, pg->arr);
    if (!filter_online(pg))
        return;
    json_t *keep = json_array();
    for (size_t i = 0; keep && i < json_array_size(pg->arr) &&
                       json_array_size(keep) < pg->want; i++) {
        json_t *o = json_array_get(pg->arr, i);
        if (strcmp(json_string_value(json_object_get(o, "status")), pg->status) != 0)
            continue;
        if (pg->skip)
            pg->skip--;
        else
            json_array_append(keep, o);
    }
    json_decref(pg->arr);
    pg->arr = keep;
}

/* ?key as text of at most max bytes without control characters ("" when absent); -1
 * answered 400 otherwise. */
static int text_arg(struct cpc_http_req *req, struct cpc_http_res *res, const char *key,
                    size_t max, const char **out)
{
    const char *v = cpc_http_req_query(req, key);
    *out = v ? v : "";
    size_t n = strlen(*out);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)(*out)[i] < 0x20 || (*out)[i] == 0x7f)
            n = max + 1;
    if (n > max) {
        cpc_http_res_error(res, 400, "invalid_argument", "%s is at most %zu characters", key,
                           max);
        return -1;
    }
    return 0;
}

/* Parse the query into *f and pg->status; -1 answered 400. */
static int parse_filter(struct cpc_http_req *req, struct cpc_http_res *res,
                        struct cpc_pserver_filter *f, struct page *pg)
{
    uint64_t vram = 0, count = 0;
    const char *sort = cpc_http_req_query(req, "sort"), *status = cpc_http_req_query(req, "status");
    if (text_arg(req, res, "model", CPC_PSERVER_MODEL_MAX, &f->gpu_model) ||
        text_arg(req, res, "country", 2, &f->country) ||
        text_arg(req, res, "city", CPC_PSERVER_CITY_MAX, &f->city) ||
        cpc_http_req_query_uint(req, res, "min_price", 0, 0, INT64_MAX, &f->min_price) ||
        cpc_http_req_query_uint(req, res, "max_price", 0, 0, INT64_MAX, &f->max_price) ||
        cpc_http_req_query_uint(req, res, "min_vram", 0, 0, CPC_SERVER_VRAM_MAX, &vram) ||
        cpc_http_req_query_uint(req, res, "min_count", 0, 0, CPC_SERVER_GPUS_MAX, &count) ||
        cpc_http_req_query_uint(req, res, "limit", 20, 1, CPC_GPU_PAGE_MAX, &f->limit) ||
        cpc_http_req_query_uint(req, res, "offset", 0, 0, 1000000, &f->offset))
        return -1;
    if (f->gpu_model[0] && !cpc_gpu_model_find(f->gpu_model)) {
        cpc_http_res_error(res, 400, "invalid_model",
                           "model must be one of the models GET /market/prices lists");
        return -1;
    }
    if (f->country[0] && !cpc_country_code_ok(f->country)) {
        cpc_http_res_error(res, 400, "invalid_country",
                           "country must be an ISO 3166-1 alpha-2 code in capitals");
        return -1;
    }
    if (sort && strcmp(sort, "price") != 0 && strcmp(sort, "score") != 0) {
        cpc_http_res_error(res, 400, "invalid_sort", "sort is \"price\" or \"score\"");
        return -1;
    }
    if (status && strcmp(status, "online") != 0 && strcmp(status, "offline") != 0 &&
        strcmp(status, "busy") != 0) {
        cpc_http_res_error(res, 400, "invalid_status",
                           "status is \"online\", \"busy\" or \"offline\"");
        return -1;
    }
    f->min_vram_gb = (uint32_t)vram;
    f->min_gpu_count = (uint32_t)count;
    f->sort_by_score = sort && !strcmp(sort, "score");
    pg->status = status;
    pg->want = f->limit;
    if (status) { /* filtered here: read from the start in order, skip the matches */
        pg->skip = f->offset;
        f->offset = 0;
        f->limit = CPC_GPU_SCAN_MAX;
    }
    return 0;
}

void cpc_h_market_gpu(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = reader(req, res);
    if (!p)
        return;
    struct cpc_pserver_filter f;
    struct page pg;
    memset(&f, 0, sizeof f);
    memset(&pg, 0, sizeof pg);
    pg.n = req->app;
    if (parse_filter(req, res, &f, &pg) != 0)
        return;
    uint64_t limit = pg.want, offset = pg.status ? pg.skip : f.offset;
    pg.arr = json_array();
    struct cpc_err err = {0};
    int rc = cpc_pstore_server_search(p->store, &f, page_row, &pg, &err);
    for (size_t i = 0; rc == 0 && i < json_array_size(pg.arr); i++)
        rc = price_with_commission(req->app, p, pg.rows[i].owner, pg.rows[i].hour,
                                   json_array_get(pg.arr, i), &err);
    if (rc != 0) {
        json_decref(pg.arr);
        cpc__auth_internal(res, &err);
        return;
    }
    page_finish(&pg);
    cpc_http_res_json(res, 200,
                      json_pack("{s:o, s:I, s:I, s:s}", "servers", pg.arr, "limit",
                                (json_int_t)limit, "offset", (json_int_t)offset, "sort",
                                f.sort_by_score ? "score" : "price"));
}

void cpc_h_market_gpu_get(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = reader(req, res);
    if (!p)
        return;
    const char *id = cpc__server_id_param(req, res);
    if (!id)
        return;
    struct cpc_pserver r;
    struct cpc_err err = {0};
    int rc = cpc_pstore_server_get(p->store, id, &r, &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        cpc_http_res_error(res, 404, "not_found", "no such server");
        return;
    }
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        return;
    }
    json_t *o = cpc__server_json(&r, cpc__server_view_status(req->app, &r), 0);
    if (o && price_with_commission(req->app, p, r.owner, r.price_per_gpu_hour * r.gpu_count, o,
                                   &err) != 0) {
        json_decref(o);
        cpc__auth_internal(res, &err);
        return;
    }
    cpc_http_res_json(res, 200, o);
}

void cpc_h_market_prices(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = reader(req, res);
    if (!p)
        return;
    size_t nm = 0, n = 0;
    const struct cpc_gpu_model *m = cpc_gpu_models(&nm);
    struct cpc_pserver_prices rows[32];
    struct cpc_err err = {0};
    if (cpc_pstore_server_prices(p->store, rows, sizeof rows / sizeof rows[0], &n, &err) != 0) {
        cpc__auth_internal(res, &err);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < nm; i++) {
        const struct cpc_pserver_prices *pr = NULL;
        for (size_t k = 0; k < n && !pr; k++)
            pr = !strcmp(rows[k].gpu_model, m[i].name) ? &rows[k] : NULL;
        json_t *o = json_pack("{s:s, s:I, s:I}", "gpu_model", m[i].name, "score",
                              (json_int_t)m[i].score, "servers",
                              (json_int_t)(pr ? pr->count : 0));
        json_object_set_new(o, "min", pr ? json_integer((json_int_t)cpc_server_customer_price(
                                                  pr->min))
                                         : json_null());
        json_object_set_new(o, "median",
                            pr ? json_integer((json_int_t)cpc_server_customer_price(pr->median))
                               : json_null());
        json_object_set_new(o, "max", pr ? json_integer((json_int_t)cpc_server_customer_price(
                                                  pr->max))
                                         : json_null());
        json_array_append_new(arr, o);
    }
    cpc_http_res_json(res, 200, json_pack("{s:o}", "models", arr));
}

void cpc_h_market_locations(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = reader(req, res);
    if (!p)
        return;
    struct cpc_pserver_place *rows = calloc(CPC_GPU_LOCATIONS_MAX, sizeof *rows);
    size_t n = 0;
    struct cpc_err err = {0};
    if (!rows) {
        cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        cpc__auth_internal(res, &err);
        return;
    }
    if (cpc_pstore_server_locations(p->store, rows, CPC_GPU_LOCATIONS_MAX, &n, &err) != 0) {
        free(rows);
        cpc__auth_internal(res, &err);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "country", rows[i].country,
                                             "city", rows[i].city, "servers",
                                             (json_int_t)rows[i].count));
    free(rows);
    cpc_http_res_json(res, 200, json_pack("{s:o}", "locations", arr));
}

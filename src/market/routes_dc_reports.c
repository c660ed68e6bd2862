/* routes_dc_reports.c — the data-center API's reports and money: GET
 * /dc/stats, /dc/revenue, /dc/utilization, /dc/alerts, /dc/balance,
 * /dc/transactions and POST /dc/withdraw (routes_dc.h).
 *
 * Design note. Same caller rule as routes_dc.c (a provider, dc scope).
 * Revenue and utilization come from the ledger through provider_income.c,
 * the very computation GET /provider/stats runs: paid minutes x rate per
 * bucket, rented (paid) minutes / billing minutes of the period. The period
 * is ?from= .. ?to= in unix ms (default: the 30 days ending now), at most
 * 366 days, so an answer has at most 366 buckets and reads at most
 * CPC_INCOME_RENTALS_MAX rentals ("rentals_truncated" beyond).
 * Alerts: offline servers (bound or not, maintenance excluded), servers whose
 * latest minute sample reached ?temp_c= (default 85), open rentals whose
 * worker reported provisioning failed, and open rentals with at most 15
 * minutes of escrow left (rental_figures.h); each kind at most
 * CPC_DC_ALERTS_MAX rows. Money: GET /dc/balance and POST /dc/withdraw run
 * the handlers of GET /account/balance and POST /provider/withdrawals
 * themselves (the same books, the same locks); /dc/transactions lists the
 * custodial wallet's ledger txs as GET /account/{address}/txs does.
 */
#include "routes_dc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bech32.h"
#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "../platform/routes_money.h"
#include "../store/store.h"
#include "provider_income.h"
#include "rental_figures.h"
#include "rental_orders.h"
#include "routes_servers.h"

#define DAY_MS 86400000ULL
#define PERIOD_MAX_MS (366ULL * DAY_MS)
#define CPC_DC_ALERTS_MAX 1000u
#define LOW_FUNDS_MINUTES 15u
#define TEMP_DEFAULT_C 85.0

void cpc_h_dc_stats(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__dc_caller(req, res, &u) != 0)
        return;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_pserver *rows = NULL;
    size_t n = 0;
    struct cpc_err err = {0};
    if (cpc__dc_fleet(p, u.id, &rows, &n, &err) != 0)
        return cpc__auth_internal(res, &err);
    uint64_t cnt[4] = {0}, gpus = 0, rented = 0, rented_gpus = 0, bound = 0;
    static const char *const names[4] = {"online", "offline", "busy", "maintenance"};
    for (size_t i = 0; i < n; i++) {
        const char *st = cpc__server_status(req->app, &rows[i]);
        int busy = 0;
        if (cpc_pstore_server_busy(p->store, rows[i].id, &busy, &err) != 0) {
            free(rows);
            return cpc__auth_internal(res, &err);
        }
        if (busy && !strcmp(st, "online"))
            st = "busy";
        for (int k = 0; k < 4; k++)
            cnt[k] += !strcmp(st, names[k]);
        gpus += rows[i].gpu_count;
        rented += busy != 0;
        rented_gpus += busy ? rows[i].gpu_count : 0;
        bound += rows[i].worker_addr[0] != 0;
    }
    free(rows);
    cpc_http_res_json(res, 200,
                      json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "servers",
                                (json_int_t)n, "online", (json_int_t)cnt[0], "offline",
                                (json_int_t)cnt[1], "busy", (json_int_t)cnt[2], "maintenance",
                                (json_int_t)cnt[3], "bound", (json_int_t)bound, "gpus",
                                (json_int_t)gpus, "rented_now", (json_int_t)rented,
                                "rented_gpus", (json_int_t)rented_gpus, "max_servers",
                                (json_int_t)p->max_servers_per_user));
}

/* The period [from, to) of ?from=&to=, or answer 400. */
static int period(struct cpc_http_req *req, struct cpc_http_res *res, uint64_t now,
                  uint64_t *from, uint64_t *to)
{
    if (cpc__auth_query_ms(req, res, "to", now, to) != 0 ||
        cpc__auth_query_ms(req, res, "from", *to > 30 * DAY_MS ? *to - 30 * DAY_MS : 0,
                           from) != 0)
        return -1;
    if (*from >= *to || *to - *from > PERIOD_MAX_MS) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "from must be before to, at most 366 days apart");
        return -1;
    }
    return 0;
}

/* The caller, its period and its income loaded from load_from; -1 once answered. */
static int income_for(struct cpc_http_req *req, struct cpc_http_res *res,
                      struct cpc_provider_income *pi, uint64_t *from, uint64_t *to,
                      int64_t (*first)(uint64_t from, void *arg), void *arg)
{
    struct cpc_puser u;
    if (cpc__dc_caller(req, res, &u) != 0)
        return -1;
    struct cpc_platform *p = cpc__auth_plat(req);
    if (period(req, res, cpc_platform_now(p), from, to) != 0)
        return -1;
    cpc_provider_income_init(pi, req->app);
    struct cpc_err err = {0};
    uint64_t load_from = first ? (uint64_t)first(*from, arg) : *from;
    if (cpc_provider_income_load(pi, p, u.id, load_from, *to, &err) != 0) {
        cpc_provider_income_free(pi);
        cpc__auth_internal(res, &err);
        return -1;
    }
    return 0;
}

static int64_t bucket_start(uint64_t from, void *arg)
{
    uint64_t a, b;
    char label[16];
    cpc_period_bucket(*(enum cpc_period *)arg, from, &a, &b, label);
    return (int64_t)a;
}

void cpc_h_dc_revenue(struct cpc_http_req *req, struct cpc_http_res *res)
{
    const char *g = cpc_http_req_query(req, "group");
    g = g ? g : "day";
    enum cpc_period k = !strcmp(g, "week")    ? CPC_PERIOD_WEEK
                        : !strcmp(g, "month") ? CPC_PERIOD_MONTH
                                              : CPC_PERIOD_DAY;
    if (strcmp(g, "day") != 0 && strcmp(g, "week") != 0 && strcmp(g, "month") != 0)
        return cpc_http_res_error(res, 400, "invalid_argument", "group is day, week or month");
    struct cpc_provider_income pi;
    uint64_t from, to;
    if (income_for(req, res, &pi, &from, &to, bucket_start, &k) != 0)
        return;
    json_t *buckets = cpc_provider_income_buckets(&pi, k, from, to);
    json_int_t total = 0;
    for (size_t i = 0; i < json_array_size(buckets); i++) {
        json_int_t a = json_integer_value(json_object_get(json_array_get(buckets, i), "amount"));
        total = a > INT64_MAX - total ? INT64_MAX : total + a;
    }
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:I, s:I, s:o, s:I, s:I, s:b}", "group", g, "from_ms",
                                (json_int_t)from, "to_ms", (json_int_t)to, "buckets", buckets,
                                "total", total, "rentals_counted", (json_int_t)pi.n_rentals,
                                "rentals_truncated", pi.truncated));
    cpc_provider_income_free(&pi);
}

static double ratio(uint64_t part, uint64_t whole)
{
    return whole ? (part >= whole ? 1.0 : (double)part / (double)whole) : 0.0;
}

void cpc_h_dc_utilization(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_provider_income pi;
    uint64_t from, to;
    if (income_for(req, res, &pi, &from, &to, NULL, NULL) != 0)
        return;
    uint64_t period_min = (to - from + pi.minute_ms - 1) / pi.minute_ms, all = 0;
    json_t *arr = json_array();
    for (size_t s = 0; arr && s < pi.n_servers; s++) {
        uint64_t m = cpc_provider_income_minutes(&pi, s, from, to);
        all += m;
        json_array_append_new(arr, json_pack("{s:s, s:I, s:f}", "id", pi.servers[s],
                                             "rented_minutes", (json_int_t)m, "utilization",
                                             ratio(m, period_min)));
    }
    cpc_http_res_json(
        res, 200,
        json_pack("{s:I, s:I, s:I, s:I, s:o, s:{s:I, s:f}, s:I, s:b}", "from_ms",
                  (json_int_t)from, "to_ms", (json_int_t)to, "minute_ms",
                  (json_int_t)pi.minute_ms, "period_minutes", (json_int_t)period_min, "servers",
                  arr, "overall", "rented_minutes", (json_int_t)all, "utilization",
                  ratio(all, period_min * pi.n_servers), "rentals_counted",
                  (json_int_t)pi.n_rentals, "rentals_truncated", pi.truncated));
    cpc_provider_income_free(&pi);
}

/* ---- GET /dc/alerts ---- */

struct open_refs {
    struct cpc_prental_ref *rows;
    size_t n, cap;
};

static int keep_open(void *arg, const struct cpc_prental_ref *r)
{
    struct open_refs *o = arg;
    if (!r->ended_ms && o->n < o->cap)
        o->rows[o->n++] = *r;
    return 0;
}

/* Offline servers (maintenance is not an alert) into alerts. */
static void offline_alerts(struct cpc_http_req *req, const struct cpc_pserver *rows, size_t n,
                           json_t *alerts)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < CPC_DC_ALERTS_MAX; i++)
        if (!strcmp(cpc__server_status(req->app, &rows[i]), "offline")) {
            k++;
            json_array_append_new(alerts, json_pack("{s:s, s:s, s:b}", "type", "offline",
                                                    "server_id", rows[i].id, "bound",
                                                    rows[i].worker_addr[0] != 0));
        }
}

static int hot_alerts(struct cpc_platform *p, int64_t owner, double temp, json_t *alerts,
                      struct cpc_err *err)
{
    struct cpc_pserver_hot *hot = calloc(CPC_DC_ALERTS_MAX, sizeof *hot);
    size_t n = 0;
    int rc = hot ? cpc_pstore_dc_hot(p->store, owner, temp, hot, CPC_DC_ALERTS_MAX, &n, err)
                 : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++)
        json_array_append_new(alerts, json_pack("{s:s, s:s, s:f, s:I}", "type",
                                                "high_temperature", "server_id",
                                                hot[i].server_id, "temp_c", hot[i].temp_c,
                                                "at_ms", (json_int_t)hot[i].t_ms));
    free(hot);
    return rc;
}

static int failed_alerts(struct cpc_platform *p, int64_t owner, json_t *alerts,
                         struct cpc_err *err)
{
    struct cpc_porder_failed *f = calloc(CPC_DC_ALERTS_MAX, sizeof *f);
    size_t n = 0;
    int rc = f ? cpc_pstore_dc_failed_orders(p->store, owner, f, CPC_DC_ALERTS_MAX, &n, err)
               : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++)
        json_array_append_new(alerts, json_pack("{s:s, s:s, s:s, s:s, s:I}", "type",
                                                "provisioning_failed", "rental_id",
                                                f[i].rental_id, "server_id", f[i].server_id,
                                                "error", f[i].error, "at_ms",
                                                (json_int_t)f[i].state_ms));
    free(f);
    return rc;
}

/* Open rentals on owner's servers with at most LOW_FUNDS_MINUTES of escrow left. */
static int funds_alerts(struct cpc_node *n, int64_t owner, json_t *alerts, struct cpc_err *err)
{
    struct open_refs o = {calloc(CPC_DC_ALERTS_MAX, sizeof *o.rows), 0, CPC_DC_ALERTS_MAX};
    int rc = o.rows ? cpc_pstore_rental_list_provider(n->platform->store, owner,
                                                      4 * CPC_DC_ALERTS_MAX, 0, keep_open, &o,
                                                      err)
                    : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < o.n; i++) {
        struct cpc_rental_figures f;
        int found = cpc_rental_figures_read(n, o.rows[i].id, &f, err);
        if (found < 0)
            rc = err->code ? err->code : CPC_ERR_INTERNAL;
        if (found == 1 && !strcmp(cpc_rental_figures_status(&f), "open") &&
            f.minutes_left <= LOW_FUNDS_MINUTES)
            json_array_append_new(alerts,
                                  json_pack("{s:s, s:s, s:s, s:I, s:I}", "type", "low_balance",
                                            "rental_id", o.rows[i].id, "server_id",
                                            o.rows[i].server_id, "minutes_left",
                                            (json_int_t)f.minutes_left, "escrow_left",
                                            (json_int_t)f.escrow_left));
    }
    free(o.rows);
    return rc;
}

void cpc_h_dc_alerts(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__dc_caller(req, res, &u) != 0)
        return;
    struct cpc_platform *p = cpc__auth_plat(req);
    double temp = TEMP_DEFAULT_C;
    const char *t = cpc_http_req_query(req, "temp_c");
    if (t) {
        char *end = NULL;
        errno = 0;
        long v = strtol(t, &end, 10);
        if (!*t || *end || errno != 0 || v < 0 || v > 200)
            return cpc_http_res_error(res, 400, "invalid_argument",
                                      "temp_c is an integer 0..200 (degrees Celsius)");
        temp = (double)v;
    }
    struct cpc_pserver *rows = NULL;
    size_t n = 0;
    struct cpc_err err = {0};
    json_t *alerts = json_array();
    int rc = cpc__dc_fleet(p, u.id, &rows, &n, &err);
    if (rc == 0)
        offline_alerts(req, rows, n, alerts);
    free(rows);
    if (rc == 0)
        rc = hot_alerts(p, u.id, temp, alerts, &err);
    if (rc == 0)
        rc = failed_alerts(p, u.id, alerts, &err);
    if (rc == 0)
        rc = funds_alerts(req->app, u.id, alerts, &err);
    if (rc != 0) {
        json_decref(alerts);
        return cpc__auth_internal(res, &err);
    }
    cpc_http_res_json(res, 200,
                      json_pack("{s:o, s:f, s:i}", "alerts", alerts, "temp_threshold_c", temp,
                                "low_balance_minutes", (int)LOW_FUNDS_MINUTES));
}

/* ---- money: the provider cabinet's books ---- */

void cpc_h_dc_balance(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__dc_caller(req, res, &u) == 0)
        cpc__h_account_balance_as(req, res, &u);
}

void cpc_h_dc_withdraw(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (cpc__dc_caller(req, res, &u) == 0)
        cpc__h_provider_withdrawals_post_as(req, res, &u);
}

void cpc_h_dc_transactions(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    uint32_t limit = 0, offset = 0;
    if (cpc__dc_caller(req, res, &u) != 0 || cpc__auth_paging(req, res, 50, 500, &limit, &offset))
        return;
    struct cpc_node *n = req->app;
    struct cpc_pwallet w;
    const char *addr = NULL;
    uint64_t balance = 0;
    if (cpc__money_account(n, res, u.id, &w, &addr, &balance) != 0)
        return;
    uint8_t h[CPC_ADDR_HASH_LEN];
    struct cpc_err err = {0};
    json_t *arr = NULL;
    if (cpc_address_decode(h, w.custodial_address) != 0)
        return cpc_http_res_error(res, 500, "internal_error", "the wallet's address is corrupt");
    if (cpc_store_list_txs_by_address(n->store, h, limit, offset, &arr, &err) != 0)
        return cpc__auth_internal(res, &err);
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:o, s:i, s:i}", "address", w.custodial_address, "txs",
                                arr, "limit", (int)limit, "offset", (int)offset));
}

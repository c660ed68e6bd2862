/* routes_server_stats.c — the servers' load as a time series and the
 * provider's statistics (routes_server_stats.h).
 *
 * Design note. Samples: every successful heartbeat gives the servers bound to
 * its worker one sample (cpu_load, the mean of gpus[].load or gpu_load,
 * ram_used_mb, the max of gpus[].temp_c or gpu_temp_c, uptime_s), kept by
 * the platform store at most once a minute per server, 7 days per minute and
 * 90 days per hour (platform_sqlite_stats.c states the bounds).
 * Who may read: a server's series only its provider (another user gets 404
 * as for a missing server); a rental's series only the customer who ordered
 * it, clipped to the rental's lifetime on the chain (opened_ms .. ended_ms,
 * now while open). One answer holds at most CPC_STATS_POINTS_MAX points: a
 * wider range is refused 400 with the figure, never cut silently.
 * Provider stats: the period is the trailing day, week (7 days) or month (30
 * days) ending now, its start rounded down to the hour (uptime comes from
 * hour rows). Uptime = minutes with a sample / minutes of the period. Rented
 * minutes and income come from the ledger (provider_income.c, shared with the
 * data-center reports), not the platform: the rentals of
 * the provider's servers (platform rows) are read on the chain (cpc_rental),
 * whose minutes are paid contiguously from opened_ms, so the paid minutes
 * falling in [a, b) are those m < paid_minutes with opened_ms + m x minute in
 * [a, b), and the income there is their count x rate_per_minute (rental_income.h,
 * shared with the operators' finance report). Income is
 * given for every whole UTC day, ISO week (Monday 00:00 UTC) and calendar
 * month that overlaps the period, each bucket counting all its paid minutes.
 * Cost: one store read per server (at most max_servers_per_user) and one
 * state read per rental (at most CPC_INCOME_RENTALS_MAX; beyond that the
 * answer says "rentals_truncated": true), under the per-token request limit.
 */
#include "routes_server_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../core/hex.h"
#include "../core/rental.h"
#include "../core/uuid.h"
#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "provider_income.h"
#include "rental_income.h"
#include "routes_rentals_internal.h"
#include "routes_servers.h"

#define MINUTE_MS 60000ULL
#define HOUR_MS 3600000ULL
#define DAY_MS 86400000ULL
#define TIME_MAX_MS CPC_QUERY_TIME_MAX_MS

void cpc_server_stats_record(struct cpc_node *n, const uint8_t worker[CPC_ADDR_HASH_LEN],
                             const struct cpc_heartbeat_req *hb)
{
    struct cpc_platform *p = n->platform;
    if (!p)
        return;
    char addr[CPC_ADDR_STR_MAX];
    cpc_address_encode(addr, worker);
    struct cpc_psample v = {
        .cpu = hb->load.cpu_load,
        .gpu = cpc_hb_machine_gpu_load(&hb->machine, hb->load.gpu_load),
        .temp_c = cpc_hb_machine_gpu_temp(&hb->machine, hb->load.gpu_temp_c),
        .ram_mb = hb->load.ram_used_mb,
        .uptime_s = hb->machine.uptime_s,
    };
    struct cpc_err err = {0};
    if (cpc_pstore_sample_add(p->store, addr, cpc_platform_now(p), &v, NULL, &err) != 0)
        CPC_LOGW("server stats of worker %s: %s", addr, err.msg);
}

/* ---- series ---- */

static int point_json(void *arg, const struct cpc_psample *v)
{
    json_t *o = json_pack("{s:I, s:f, s:f, s:I, s:f, s:I}", "t_ms", (json_int_t)v->t_ms, "cpu",
                          v->cpu, "gpu", v->gpu, "ram_mb", (json_int_t)v->ram_mb, "temp_c",
                          v->temp_c, "uptime_s", (json_int_t)v->uptime_s);
    if (o && v->samples != 1)
        json_object_set_new(o, "samples", json_integer(v->samples));
    json_array_append_new(arg, o);
    return 0;
}

/* Answer server_id's points in [from, to) at unit (hourly or not). */
static void series_answer(struct cpc_http_res *res, struct cpc_platform *p, const char *server_id,
                          uint64_t from, uint64_t to, int hourly, json_t *extra)
{
    json_t *arr = json_array();
    struct cpc_err err = {0};
    if (cpc_pstore_samples(p->store, server_id, hourly, from, to, CPC_STATS_POINTS_MAX,
                           point_json, arr, &err) != 0) {
        json_decref(arr);
        json_decref(extra);
        return cpc__auth_internal(res, &err);
    }
    json_t *o = extra ? extra : json_object();
    json_object_set_new(o, "server_id", json_string(server_id));
    json_object_set_new(o, "from_ms", json_integer((json_int_t)from));
    json_object_set_new(o, "to_ms", json_integer((json_int_t)to));
    json_object_set_new(o, "step", json_string(hourly ? "hour" : "minute"));
    json_object_set_new(o, "points", arr);
    cpc_http_res_json(res, 200, o);
}

/* Slots of unit whose start lies in [from, to). */
static uint64_t slots(uint64_t from, uint64_t to, uint64_t unit)
{
    uint64_t a = (from + unit - 1) / unit, b = (to + unit - 1) / unit;
    return b > a ? b - a : 0;
}

void cpc_h_provider_server_stats(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    if (!p)
        return cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
    struct cpc_puser u;
    if (cpc__auth_provider(req, res, p, &u, CPC_SCOPE_READ) != 0)
        return;
    const char *id = cpc__server_id_param(req, res);
    if (!id)
        return;
    struct cpc_pserver r;
    struct cpc_err err = {0};
    int rc = cpc_pstore_server_get(p->store, id, &r, &err);
    if (rc == CPC_ERR_NOT_FOUND || (rc == 0 && r.owner != u.id))
        return cpc_http_res_error(res, 404, "not_found", "no such server");
    if (rc != 0)
        return cpc__auth_internal(res, &err);
    const char *step = cpc_http_req_query(req, "step");
    int hourly = step && !strcmp(step, "hour");
    if (step && !hourly && strcmp(step, "minute"))
        return cpc_http_res_error(res, 400, "invalid_argument", "step must be minute or hour");
    uint64_t now = cpc_platform_now(p), to = 0, from = 0;
    if (cpc__auth_query_ms(req, res, "to", now, &to) != 0)
        return;
    uint64_t span = hourly ? 7 * DAY_MS : DAY_MS;
    if (cpc__auth_query_ms(req, res, "from", to > span ? to - span : 0, &from) != 0)
        return;
    if (from >= to)
        return cpc_http_res_error(res, 400, "invalid_argument", "from must be before to");
    uint64_t unit = hourly ? HOUR_MS : MINUTE_MS;
    if (slots(from, to, unit) > CPC_STATS_POINTS_MAX)
        return cpc_http_res_error(res, 400, "too_many_points",
                                  "at most %d points per answer: from..to spans %llu %ss; "
                                  "narrow it or use step=hour",
                                  CPC_STATS_POINTS_MAX,
                                  (unsigned long long)slots(from, to, unit),
                                  hourly ? "hour" : "minute");
    series_answer(res, p, id, from, to, hourly, NULL);
}

void cpc_h_rental_stats(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    if (!p)
        return cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_READ) != 0)
        return;
    const char *id = req->n_params ? req->params[0] : "";
    uint8_t raw[32];
    struct cpc_prental *row = malloc(sizeof *row);
    if (!row)
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    struct cpc_err err = {0};
    int rc = strlen(id) == 64 && cpc_hex_decode_exact(raw, 32, id) == 0
                 ? cpc_pstore_rental_get(p->store, id, row, &err)
                 : CPC_ERR_NOT_FOUND;
    if (rc == CPC_ERR_NOT_FOUND || (rc == 0 && row->user != u.id)) {
        free(row);
        return cpc_http_res_error(res, 404, "not_found", "no such rental");
    }
    if (rc != 0) {
        free(row);
        return cpc__auth_internal(res, &err);
    }
    struct cpc_rental rec;
    int found = cpc__rental_chain_record(req->app, id, &rec, NULL, &err);
    uint64_t now = cpc_platform_now(p);
    uint64_t from = found == 1 ? rec.opened_ms : row->created_ms;
    uint64_t to = found == 1 && rec.ended_ms ? rec.ended_ms : row->ended_ms ? row->ended_ms : now;
    char server[37];
    snprintf(server, sizeof server, "%s", row->server_id);
    free(row);
    if (found < 0)
        return cpc__auth_internal(res, &err);
    to = to > from ? to : from;
    /* minute points while they fit and are kept, else hour points (the last ones) */
    int hourly = slots(from, to, MINUTE_MS) > CPC_STATS_POINTS_MAX ||
                 from + CPC_PSAMPLE_MINUTE_KEEP_MS < now;
    if (hourly && slots(from, to, HOUR_MS) > CPC_STATS_POINTS_MAX)
        from = to - (uint64_t)CPC_STATS_POINTS_MAX * HOUR_MS;
    json_t *extra = json_pack("{s:s, s:s}", "rental_id", id, "status",
                              found == 1 ? (rec.status == CPC_RENTAL_ENDED ? "ended" : "open")
                                         : "pending");
    series_answer(res, p, server, from, to, hourly, extra);
}

/* ---- provider stats ---- */

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? (part >= whole ? 100.0 : 100.0 * (double)part / (double)whole) : 0.0;
}

/* The servers' uptime and rented minutes over [from, to) into o. */
static int server_rows(const struct cpc_provider_income *ps, struct cpc_platform *p, uint64_t from,
                       uint64_t to, json_t *o, struct cpc_err *err)
{
    uint64_t period_min = (to - from + MINUTE_MS - 1) / MINUTE_MS, up_all = 0, rented_all = 0;
    json_t *arr = json_array();
    for (size_t s = 0; arr && s < ps->n_servers; s++) {
        uint64_t up = 0, rented = 0;
        int rc = cpc_pstore_sample_minutes(p->store, ps->servers[s], from, to, &up, err);
        if (rc != 0) {
            json_decref(arr);
            return rc;
        }
        up = up < period_min ? up : period_min;
        for (size_t i = 0; i < ps->n_rentals; i++)
            if (ps->rentals[i].server == s)
                rented += cpc_rental_paid_in(&ps->rentals[i].rec, ps->minute_ms, from, to);
        up_all += up;
        rented_all += rented;
        json_array_append_new(arr, json_pack("{s:s, s:I, s:f, s:I, s:f, s:f}", "id",
                                             ps->servers[s], "minutes_online", (json_int_t)up,
                                             "uptime_pct", pct(up, period_min), "rented_minutes",
                                             (json_int_t)rented, "hours_rented",
                                             (double)rented / 60.0, "utilisation_pct",
                                             pct(rented * ps->minute_ms / MINUTE_MS, period_min)));
    }
    uint64_t all_min = period_min * ps->n_servers;
    json_object_set_new(o, "period_minutes", json_integer((json_int_t)period_min));
    json_object_set_new(o, "servers", arr);
    json_object_set_new(o, "overall",
                        json_pack("{s:f, s:I, s:f, s:f}", "uptime_pct", pct(up_all, all_min),
                                  "rented_minutes", (json_int_t)rented_all, "hours_rented",
                                  (double)rented_all / 60.0, "utilisation_pct",
                                  pct(rented_all * ps->minute_ms / MINUTE_MS, all_min)));
    return 0;
}

void cpc_h_provider_stats(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    if (!p)
        return cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
    struct cpc_puser u;
    if (cpc__auth_provider(req, res, p, &u, CPC_SCOPE_READ) != 0)
        return;
    const char *period = cpc_http_req_query(req, "period");
    period = period ? period : "day";
    uint64_t days = !strcmp(period, "day") ? 1 : !strcmp(period, "week") ? 7
                                               : !strcmp(period, "month") ? 30 : 0;
    if (!days)
        return cpc_http_res_error(res, 400, "invalid_argument",
                                  "period must be day, week or month");
    uint64_t now = cpc_platform_now(p);
    uint64_t from = now > days * DAY_MS ? (now - days * DAY_MS) / HOUR_MS * HOUR_MS : 0;
    uint64_t to = now > from ? now : from + 1;
    uint64_t wa, ma, unused;
    char label[16];
    cpc_period_bucket(CPC_PERIOD_WEEK, from, &wa, &unused, label);
    cpc_period_bucket(CPC_PERIOD_MONTH, from, &ma, &unused, label);
    struct cpc_provider_income ps;
    cpc_provider_income_init(&ps, req->app);
    struct cpc_err err = {0};
    json_t *o = json_pack("{s:s, s:I, s:I}", "period", period, "from_ms", (json_int_t)from,
                          "to_ms", (json_int_t)to);
    int rc = o ? cpc_provider_income_load(&ps, p, u.id, wa < ma ? wa : ma, to, &err)
               : cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
    if (rc == 0)
        rc = server_rows(&ps, p, from, to, o, &err);
    if (rc != 0) {
        cpc_provider_income_free(&ps);
        json_decref(o);
        return cpc__auth_internal(res, &err);
    }
    json_t *inc =
        json_pack("{s:o, s:o, s:o}", "by_day",
                  cpc_provider_income_buckets(&ps, CPC_PERIOD_DAY, from, to), "by_week",
                  cpc_provider_income_buckets(&ps, CPC_PERIOD_WEEK, from, to), "by_month",
                  cpc_provider_income_buckets(&ps, CPC_PERIOD_MONTH, from, to));
    json_object_set_new(o, "income", inc);
    json_object_set_new(o, "rentals_counted", json_integer((json_int_t)ps.n_rentals));
    json_object_set_new(o, "rentals_truncated", json_boolean(ps.truncated));
    cpc_provider_income_free(&ps);
    cpc_http_res_json(res, 200, o);
}

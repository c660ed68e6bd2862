/* routes_finance.c — the platform's money for the operators (routes_finance.h).
 *
 * Design note. Every amount of a rental comes from the ledger: the platform's
 * rental rows say which ids exist, and each id's chain record gives its paid
 * minutes, rate and commission rate; rental_income.h cuts them into the
 * period's buckets (UTC days, ISO weeks or calendar months, the first and
 * last cut to [from, to)), the same code the provider statistics use. So
 * the commission column over a period is exactly what the treasury was
 * credited for the minutes paid in it (the treasury's only other credits are
 * job commissions and slashes, which the report leaves out). Gross = what
 * customers paid = provider income + commission. Payouts are the approved
 * withdrawals by decision time (withdrawals table); pending ones are a total
 * now. The treasury's balance is the committed state's.
 * Who may call: an admin's session (API keys 403). Cost: at most
 * CPC_FINANCE_RENTALS_MAX state reads (beyond: "rentals_truncated": true),
 * CPC_FINANCE_BUCKETS_MAX buckets (a wider range is refused 400) and one
 * indexed SUM per bucket, under the per-token request limit.
 */
#include "routes_finance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/amount.h"
#include "../core/bech32.h"
#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "../store/platform_admin_store.h"
#include "rental_figures.h"
#include "rental_income.h"

#define DAY_MS 86400000ULL
#define TIME_MAX_MS CPC_QUERY_TIME_MAX_MS
#define PAGE 500u

struct finance {
    uint64_t from, to, minute_ms;
    enum cpc_period group;
    struct cpc_rental *recs;
    size_t n_recs, cap_recs;
    char (*ids)[65];
    size_t n_ids;
    int truncated;
    struct cpc_income_bucket *buckets;
    uint64_t *payouts;
    size_t n_buckets;
};

static void finance_free(struct finance *f)
{
    free(f->recs);
    free(f->ids);
    free(f->buckets);
    free(f->payouts);
}

static int keep_id(void *arg, const struct cpc_prental_ref *r)
{
    struct finance *f = arg;
    snprintf(f->ids[f->n_ids++], 65, "%s", r->id);
    return 0;
}

/* Read every platform rental's chain record into f->recs (at most CPC_FINANCE_RENTALS_MAX). */
static int load_rentals(struct finance *f, struct cpc_node *n, struct cpc_platform *p,
                        struct cpc_err *err)
{
    f->ids = calloc(PAGE, sizeof *f->ids);
    if (!f->ids)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (uint64_t off = 0;; off += PAGE) {
        f->n_ids = 0;
        int rc = cpc_pstore_rental_list_all(p->store, PAGE, off, keep_id, f, err);
        if (rc != 0)
            return rc;
        for (size_t i = 0; i < f->n_ids; i++) {
            if (f->n_recs == CPC_FINANCE_RENTALS_MAX) {
                f->truncated = 1;
                return 0;
            }
            if (f->n_recs == f->cap_recs) {
                size_t cap = f->cap_recs ? 2 * f->cap_recs : 64;
                void *g = realloc(f->recs, cap * sizeof *f->recs);
                if (!g)
                    return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
                f->recs = g;
                f->cap_recs = cap;
            }
            struct cpc_rental_figures fig;
            int found = cpc_rental_figures_read(n, f->ids[i], &fig, err);
            if (found < 0)
                return err->code;
            if (found)
                f->recs[f->n_recs++] = fig.rec;
        }
        if (f->n_ids < PAGE)
            return 0;
    }
}

/* Parse the query, read the ledger and the withdrawals into *f: 0, or -1 answered. */
static int finance_build(struct cpc_http_req *req, struct cpc_http_res *res,
                         struct cpc_platform *p, struct finance *f)
{
    struct cpc_node *n = req->app;
    uint64_t now = cpc_platform_now(p);
    const char *group = cpc_http_req_query(req, "group");
    memset(f, 0, sizeof *f);
    if (group && cpc_period_parse(group, &f->group) != 0) {
        cpc_http_res_error(res, 400, "invalid_argument", "group must be day, week or month");
        return -1;
    }
    uint64_t month_ago;
    if (cpc__auth_query_ms(req, res, "to", now < TIME_MAX_MS ? now : TIME_MAX_MS, &f->to) != 0)
        return -1;
    month_ago = f->to > 30 * DAY_MS ? f->to - 30 * DAY_MS : 0;
    if (cpc__auth_query_ms(req, res, "from", month_ago, &f->from) != 0)
        return -1;
    if (f->from >= f->to) {
        cpc_http_res_error(res, 400, "invalid_argument", "from must be before to");
        return -1;
    }
    uint64_t nb = cpc_period_count(f->group, f->from, f->to);
    if (nb > CPC_FINANCE_BUCKETS_MAX) {
        cpc_http_res_error(res, 400, "too_many_buckets",
                           "at most %u buckets per answer: from..to spans %llu %ss",
                           CPC_FINANCE_BUCKETS_MAX, (unsigned long long)nb,
                           cpc_period_name(f->group));
        return -1;
    }
    f->minute_ms = cpc_rental_minute_ms(&n->params);
    f->buckets = calloc(nb ? nb : 1, sizeof *f->buckets);
    f->payouts = calloc(nb ? nb : 1, sizeof *f->payouts);
    struct cpc_err err = {0};
    int rc = f->buckets && f->payouts ? load_rentals(f, n, p, &err)
                                      : cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
    if (rc == 0)
        f->n_buckets = cpc_income_buckets(f->group, f->from, f->to, 1, f->recs, f->n_recs,
                                          f->minute_ms, f->buckets, nb);
    for (size_t i = 0; rc == 0 && i < f->n_buckets; i++) {
        uint64_t count = 0;
        rc = cpc_pstore_withdrawal_sum(p->store, "approved", f->buckets[i].from_ms,
                                       f->buckets[i].to_ms, &f->payouts[i], &count, &err);
    }
    if (rc != 0) {
        finance_free(f);
        cpc__auth_internal(res, &err);
        return -1;
    }
    return 0;
}

/* The admin's platform, or NULL answered. */
static struct cpc_platform *admin_plat(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin;
    if (!p)
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
    else if (cpc__auth_admin(req, res, p, &admin) != 0)
        return NULL;
    return p;
}

static json_t *amount(uint64_t v)
{
    return json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v));
}

static uint64_t add(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

void cpc_h_admin_finance(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = admin_plat(req, res);
    struct finance f;
    if (!p || finance_build(req, res, p, &f) != 0)
        return;
    struct cpc_node *n = req->app;
    uint64_t minutes = 0, prov = 0, comm = 0, paid = 0, pend = 0, pend_n = 0;
    json_t *arr = json_array();
    for (size_t i = 0; i < f.n_buckets; i++) {
        const struct cpc_income_bucket *b = &f.buckets[i];
        minutes = add(minutes, b->minutes);
        prov = add(prov, b->provider_income);
        comm = add(comm, b->commission);
        paid = add(paid, f.payouts[i]);
        json_t *o = json_pack("{s:s, s:I, s:I, s:I}", cpc_period_name(f.group), b->label,
                              "from_ms", (json_int_t)b->from_ms, "to_ms", (json_int_t)b->to_ms,
                              "minutes", (json_int_t)b->minutes);
        json_object_set_new(o, "gross", amount(add(b->provider_income, b->commission)));
        json_object_set_new(o, "provider_income", amount(b->provider_income));
        json_object_set_new(o, "commission", amount(b->commission));
        json_object_set_new(o, "payouts", amount(f.payouts[i]));
        json_array_append_new(arr, o);
    }
    struct cpc_err err = {0};
    if (cpc_pstore_withdrawal_sum(p->store, "pending", 0, TIME_MAX_MS, &pend, &pend_n, &err) !=
        0) {
        json_decref(arr);
        finance_free(&f);
        return cpc__auth_internal(res, &err);
    }
    struct cpc_account acc;
    char addr[CPC_ADDR_STR_MAX], cpc[CPC_AMOUNT_STR_MAX];
    cpc_node_account(n, n->params.treasury, &acc);
    cpc_address_encode(addr, n->params.treasury);
    cpc_amount_format(cpc, acc.balance);
    json_t *o = json_pack("{s:I, s:I, s:s, s:{s:s, s:I, s:s}}", "from_ms", (json_int_t)f.from,
                          "to_ms", (json_int_t)f.to, "group", cpc_period_name(f.group),
                          "treasury", "address", addr, "balance", (json_int_t)acc.balance,
                          "balance_cpc", cpc);
    json_t *tot = json_pack("{s:I}", "minutes", (json_int_t)minutes);
    json_object_set_new(tot, "gross", amount(add(prov, comm)));
    json_object_set_new(tot, "provider_income", amount(prov));
    json_object_set_new(tot, "commission", amount(comm));
    json_object_set_new(tot, "payouts", amount(paid));
    json_object_set_new(tot, "payouts_pending", amount(pend));
    json_object_set_new(tot, "payouts_pending_count", amount(pend_n));
    json_object_set_new(o, "totals", tot);
    json_object_set_new(o, "buckets", arr);
    json_object_set_new(o, "rentals_counted", json_integer((json_int_t)f.n_recs));
    json_object_set_new(o, "rentals_truncated", json_boolean(f.truncated));
    finance_free(&f);
    cpc_http_res_json(res, 200, o);
}

/* Append s as one RFC 4180 field (quoted when it holds a comma, quote, CR or LF). */
static void csv_field(char **buf, size_t *len, size_t *cap, const char *s, int last)
{
    size_t need = 2 * strlen(s) + 5;
    if (*len + need > *cap) {
        size_t c = (*cap + need) * 2;
        char *g = realloc(*buf, c);
        if (!g) {
            free(*buf);
            *buf = NULL;
            return;
        }
        *buf = g;
        *cap = c;
    }
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    char *o = *buf + *len;
    if (quote)
        *o++ = '"';
    for (; *s; s++) {
        if (*s == '"')
            *o++ = '"';
        *o++ = *s;
    }
    if (quote)
        *o++ = '"';
    if (last) {
        *o++ = '\r';
        *o++ = '\n';
    } else {
        *o++ = ',';
    }
    *len = (size_t)(o - *buf);
}

void cpc_h_admin_revenue_csv(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = admin_plat(req, res);
    struct finance f;
    if (!p || finance_build(req, res, p, &f) != 0)
        return;
    static const char *const head[] = {"period",         "from",       "to",      "minutes",
                                       "gross",          "provider_income", "commission",
                                       "payouts"};
    size_t len = 0, cap = 256 + f.n_buckets * 160;
    char *buf = malloc(cap), cell[8][40];
    for (size_t c = 0; buf && c < 8; c++)
        csv_field(&buf, &len, &cap, head[c], c == 7);
    for (size_t i = 0; buf && i < f.n_buckets; i++) {
        const struct cpc_income_bucket *b = &f.buckets[i];
        snprintf(cell[0], sizeof cell[0], "%s", b->label);
        cpc__auth_iso_time(cell[1], b->from_ms);
        cpc__auth_iso_time(cell[2], b->to_ms);
        snprintf(cell[3], sizeof cell[3], "%llu", (unsigned long long)b->minutes);
        snprintf(cell[4], sizeof cell[4], "%llu",
                 (unsigned long long)add(b->provider_income, b->commission));
        snprintf(cell[5], sizeof cell[5], "%llu", (unsigned long long)b->provider_income);
        snprintf(cell[6], sizeof cell[6], "%llu", (unsigned long long)b->commission);
        snprintf(cell[7], sizeof cell[7], "%llu", (unsigned long long)f.payouts[i]);
        for (size_t c = 0; c < 8; c++)
            csv_field(&buf, &len, &cap, cell[c], c == 7);
    }
    finance_free(&f);
    if (!buf)
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    cpc_http_res_header(res, "Content-Disposition", "attachment; filename=\"revenue.csv\"");
    cpc_http_res_text(res, 200, "text/csv; charset=utf-8; header=present", buf, len);
    free(buf);
}

/* provider_income.c — a provider's income and rented minutes from the
 * ledger (provider_income.h).
 *
 * Design note. Moved here from routes_server_stats.c so that GET
 * /provider/stats and the data-center reports (routes_dc_reports.c) run the
 * same computation, not two copies. Cost: one store read of the owner's
 * servers (at most max_servers_per_user), one of their rentals and one state
 * read per rental (at most CPC_INCOME_RENTALS_MAX; beyond that the caller
 * says "rentals_truncated").
 */
#include "provider_income.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/codec.h"
#include "../core/hex.h"
#include "../core/uuid.h"
#include "../node/node.h"
#include "../platform/platform.h"
#include "../store/platform_store.h"

#define DAY_MS 86400000ULL

void cpc_provider_income_init(struct cpc_provider_income *pi, struct cpc_node *n)
{
    memset(pi, 0, sizeof *pi);
    pi->n = n;
    pi->minute_ms = cpc_rental_minute_ms(&n->params);
}

/* The chain record of rental id (64 hex): 1 found, 0 not (yet), -1 error in err. */
int cpc_provider_chain_rental(struct cpc_node *n, const char *id, struct cpc_rental *rec,
                              struct cpc_err *err)
{
    uint8_t raw[32], key[33];
    if (cpc_hex_decode_exact(raw, 32, id) != 0)
        return 0;
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_node_obj_get(n, key, cpc_key_rental(key, raw), &b);
    if (rc == 0 && cpc_rental_decode(rec, raw, b.data, b.len) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "rental %s: corrupt record", id);
    else if (rc != 0 && rc != CPC_ERR_NOT_FOUND)
        cpc_err_set(err, rc, "reading rental %s", id);
    cpc_buf_free(&b);
    return rc == 0 ? 1 : rc == CPC_ERR_NOT_FOUND ? 0 : -1;
}


/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d, and back (H. Hinnant's
 * civil calendar algorithms; valid for every date this API takes). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}


/* The bucket of kind holding t: its [start, end) in ms and its label. */
void cpc_income_bucket_of(enum cpc_income_bucket k, uint64_t t, uint64_t *start, uint64_t *end,
                          char label[16])
{
    int64_t day = (int64_t)(t / DAY_MS), y;
    unsigned m, d;
    if (k == CPC_INCOME_DAY) {
        civil_from_days(day, &y, &m, &d);
        snprintf(label, 16, "%04lld-%02u-%02u", (long long)y, m, d);
        *start = (uint64_t)day * DAY_MS;
        *end = *start + DAY_MS;
    } else if (k == CPC_INCOME_WEEK) {
        int64_t monday = day - (day + 3) % 7; /* 1970-01-01 was a Thursday */
        civil_from_days(monday + 3, &y, &m, &d); /* the ISO year is its Thursday's */
        int64_t week = (monday + 3 - days_from_civil(y, 1, 1)) / 7 + 1;
        snprintf(label, 16, "%04lld-W%02lld", (long long)y, (long long)week);
        *start = (uint64_t)monday * DAY_MS;
        *end = *start + 7 * DAY_MS;
    } else {
        civil_from_days(day, &y, &m, &d);
        snprintf(label, 16, "%04lld-%02u", (long long)y, m);
        *start = (uint64_t)days_from_civil(y, m, 1) * DAY_MS;
        *end = (uint64_t)days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * DAY_MS;
    }
}

/* Paid minutes of r whose start lies in [a, b); minute = the chain's billing minute
 * (cpc_rental_minute_ms: 60000 but on a test chain). */
uint64_t cpc_income_paid_in(const struct cpc_rental *r, uint64_t minute, uint64_t a, uint64_t b)
{
    uint64_t o = r->opened_ms;
    uint64_t lo = a > o ? (a - o + minute - 1) / minute : 0;
    uint64_t hi = b > o ? (b - o + minute - 1) / minute : 0;
    lo = lo < r->paid_minutes ? lo : r->paid_minutes;
    hi = hi < r->paid_minutes ? hi : r->paid_minutes;
    return hi - lo;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static int keep_server(void *arg, const struct cpc_pserver *r)
{
    struct cpc_provider_income *ps = arg;
    if (ps->n_servers == ps->cap_servers) {
        size_t cap = ps->cap_servers ? 2 * ps->cap_servers : 16;
        void *g = realloc(ps->servers, cap * sizeof *ps->servers);
        if (!g)
            return 1;
        ps->servers = g;
        ps->cap_servers = cap;
    }
    snprintf(ps->servers[ps->n_servers++], 37, "%s", r->id);
    return 0;
}

static int keep_ref(void *arg, const struct cpc_prental_ref *r)
{
    struct cpc_provider_income *ps = arg;
    if (ps->n_refs == ps->cap_refs) {
        size_t cap = ps->cap_refs ? 2 * ps->cap_refs : 64;
        void *g = realloc(ps->refs, cap * sizeof *ps->refs);
        if (!g)
            return 1;
        ps->refs = g;
        ps->cap_refs = cap;
    }
    ps->refs[ps->n_refs++] = *r;
    return 0;
}

void cpc_provider_income_free(struct cpc_provider_income *ps)
{
    free(ps->servers);
    free(ps->refs);
    free(ps->rentals);
}

/* Load owner's servers and the chain records of their rentals alive in [from, to). */
int cpc_provider_income_load(struct cpc_provider_income *ps, struct cpc_platform *p,
                             int64_t owner, uint64_t from, uint64_t to, struct cpc_err *err)
{
    int rc = cpc_pstore_server_list_owner(p->store, owner, keep_server, ps, err);
    if (rc == 0)
        rc = cpc_pstore_provider_rentals(p->store, owner, from, to, CPC_INCOME_RENTALS_MAX + 1,
                                         keep_ref, ps, err);
    if (rc != 0)
        return rc;
    if (ps->n_refs > CPC_INCOME_RENTALS_MAX) {
        ps->truncated = 1;
        ps->n_refs = CPC_INCOME_RENTALS_MAX;
    }
    ps->rentals = calloc(ps->n_refs ? ps->n_refs : 1, sizeof *ps->rentals);
    if (!ps->rentals)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < ps->n_refs; i++) {
        struct cpc_provider_rental *pr = &ps->rentals[ps->n_rentals];
        char sid[37];
        int found = cpc_provider_chain_rental(ps->n, ps->refs[i].id, &pr->rec, err);
        if (found < 0)
            return err->code;
        if (!found)
            continue; /* not opened (yet): nothing paid */
        cpc_uuid_format(sid, pr->rec.server_id);
        for (pr->server = 0; pr->server < ps->n_servers; pr->server++)
            if (!strcmp(ps->servers[pr->server], ps->refs[i].server_id))
                break;
        if (pr->server < ps->n_servers && !strcmp(sid, ps->refs[i].server_id))
            ps->n_rentals++;
    }
    return 0;
}

/* {"<kind>": label, "from_ms", "to_ms", "amount"} for every bucket of kind overlapping
 * [from, to). */
json_t *cpc_provider_income_buckets(const struct cpc_provider_income *ps,
                                    enum cpc_income_bucket k, uint64_t from, uint64_t to)
{
    static const char *const names[] = {"day", "week", "month"};
    json_t *arr = json_array();
    uint64_t t = from;
    while (arr && t < to) {
        uint64_t a, b, amount = 0;
        char label[16];
        cpc_income_bucket_of(k, t, &a, &b, label);
        for (size_t i = 0; i < ps->n_rentals; i++) {
            const struct cpc_rental *r = &ps->rentals[i].rec;
            amount = sat_add(amount, sat_mul(cpc_income_paid_in(r, ps->minute_ms, a, b),
                                             r->rate_per_minute));
        }
        json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:I}", names[k], label, "from_ms",
                                             (json_int_t)a, "to_ms", (json_int_t)b, "amount",
                                             (json_int_t)(amount > INT64_MAX ? INT64_MAX
                                                                              : amount)));
        t = b;
    }
    return arr;
}

uint64_t cpc_provider_income_minutes(const struct cpc_provider_income *pi, size_t s, uint64_t a,
                                     uint64_t b)
{
    uint64_t m = 0;
    for (size_t i = 0; i < pi->n_rentals; i++)
        if (s == SIZE_MAX || pi->rentals[i].server == s)
            m = sat_add(m, cpc_income_paid_in(&pi->rentals[i].rec, pi->minute_ms, a, b));
    return m;
}

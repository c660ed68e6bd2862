/* rental_income.c — calendar buckets and the money rentals earned in them
 * (rental_income.h). */
#include "rental_income.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000ULL

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

int cpc_period_parse(const char *name, enum cpc_period *k)
{
    static const char *const names[] = {"day", "week", "month"};
    for (int i = 0; name && i < 3; i++)
        if (!strcmp(name, names[i])) {
            *k = (enum cpc_period)i;
            return 0;
        }
    return -1;
}

const char *cpc_period_name(enum cpc_period k)
{
    return k == CPC_PERIOD_DAY ? "day" : k == CPC_PERIOD_WEEK ? "week" : "month";
}

void cpc_period_bucket(enum cpc_period k, uint64_t t, uint64_t *start, uint64_t *end,
                       char label[16])
{
    int64_t day = (int64_t)(t / DAY_MS), y;
    unsigned m, d;
    if (k == CPC_PERIOD_DAY) {
        civil_from_days(day, &y, &m, &d);
        snprintf(label, 16, "%04lld-%02u-%02u", (long long)y, m, d);
        *start = (uint64_t)day * DAY_MS;
        *end = *start + DAY_MS;
    } else if (k == CPC_PERIOD_WEEK) {
        int64_t monday = day - (day + 3) % 7; /* 1970-01-01 was a Thursday */
        civil_from_days(monday + 3, &y, &m, &d); /* the ISO year is its Thursday's */
        int64_t week = (monday + 3 - days_from_civil(y, 1, 1)) / 7 + 1;
        snprintf(label, 16, "%04lld-W%02lld", (long long)y, (long long)week);
        *start = monday > 0 ? (uint64_t)monday * DAY_MS : 0;
        *end = (uint64_t)(monday + 7) * DAY_MS;
    } else {
        civil_from_days(day, &y, &m, &d);
        snprintf(label, 16, "%04lld-%02u", (long long)y, m);
        *start = (uint64_t)days_from_civil(y, m, 1) * DAY_MS;
        *end = (uint64_t)days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * DAY_MS;
    }
}

uint64_t cpc_period_count(enum cpc_period k, uint64_t from, uint64_t to)
{
    if (from >= to)
        return 0;
    uint64_t a, b, a2, b2;
    char label[16];
    cpc_period_bucket(k, from, &a, &b, label);
    cpc_period_bucket(k, to - 1, &a2, &b2, label);
    if (k != CPC_PERIOD_MONTH)
        return (b2 - a) / (k == CPC_PERIOD_DAY ? DAY_MS : 7 * DAY_MS);
    int64_t y1, y2;
    unsigned m1, m2, d;
    civil_from_days((int64_t)(a / DAY_MS), &y1, &m1, &d);
    civil_from_days((int64_t)(a2 / DAY_MS), &y2, &m2, &d);
    return (uint64_t)((y2 - y1) * 12 + (int64_t)m2 - (int64_t)m1 + 1);
}

uint64_t cpc_rental_paid_in(const struct cpc_rental *r, uint64_t minute, uint64_t a, uint64_t b)
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

size_t cpc_income_buckets(enum cpc_period k, uint64_t from, uint64_t to, int clip,
                          const struct cpc_rental *recs, size_t n, uint64_t minute_ms,
                          struct cpc_income_bucket *out, size_t cap)
{
    size_t filled = 0;
    for (uint64_t t = from; t < to && filled < cap; filled++) {
        struct cpc_income_bucket *bk = &out[filled];
        memset(bk, 0, sizeof *bk);
        uint64_t a, b;
        cpc_period_bucket(k, t, &a, &b, bk->label);
        t = b;
        if (clip) {
            a = a > from ? a : from;
            b = b < to ? b : to;
        }
        bk->from_ms = a;
        bk->to_ms = b;
        for (size_t i = 0; i < n; i++) {
            uint64_t m = cpc_rental_paid_in(&recs[i], minute_ms, a, b);
            uint64_t comm = cpc_rental_commission(recs[i].rate_per_minute,
                                                  recs[i].commission_bps);
            bk->minutes = sat_add(bk->minutes, m);
            bk->provider_income = sat_add(bk->provider_income,
                                          sat_mul(m, recs[i].rate_per_minute));
            bk->commission = sat_add(bk->commission, sat_mul(m, comm));
        }
    }
    return filled;
}

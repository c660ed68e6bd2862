/* rental_income.h — calendar buckets (UTC day, ISO week, calendar month) and
 * the money rentals earned in each, from their chain records: the provider
 * statistics (routes_server_stats.c) and the operators' finance and revenue
 * report (routes_finance.c) share it, so both count the same minutes.
 *
 * A rental's minutes are paid contiguously from opened_ms, so the paid
 * minutes falling in [a, b) are those m < paid_minutes with opened_ms + m x
 * minute in [a, b); their provider income is count x rate_per_minute and
 * their commission count x floor(rate x commission_bps / 10000) — the exact
 * amount the treasury was credited for them. Sums saturate at UINT64_MAX.
 *
 * Ownership: plain data, no heap; pure (no I/O, no clock).
 */
#ifndef CPC_MARKET_RENTAL_INCOME_H
#define CPC_MARKET_RENTAL_INCOME_H

#include <stddef.h>
#include <stdint.h>

#include "../core/rental.h"

enum cpc_period { CPC_PERIOD_DAY, CPC_PERIOD_WEEK, CPC_PERIOD_MONTH };

/* "day", "week" or "month" into *k: 0, or -1 for anything else (name may be NULL). */
int cpc_period_parse(const char *name, enum cpc_period *k);
/* "day", "week" or "month" (static string). */
const char *cpc_period_name(enum cpc_period k);
/* The bucket of kind k holding t (unix ms): its [start, end) and its label
 * ("2026-03-01", "2026-W09", "2026-03"; caller's buffer). */
void cpc_period_bucket(enum cpc_period k, uint64_t t, uint64_t *start, uint64_t *end,
                       char label[16]);
/* How many buckets of k overlap [from, to). */
uint64_t cpc_period_count(enum cpc_period k, uint64_t from, uint64_t to);

/* Paid minutes of r whose start lies in [a, b); minute = the chain's billing minute. */
uint64_t cpc_rental_paid_in(const struct cpc_rental *r, uint64_t minute, uint64_t a, uint64_t b);

struct cpc_income_bucket {
    char label[16];
    uint64_t from_ms, to_ms;   /* the bucket, cut to the period when clipped */
    uint64_t minutes;          /* paid minutes starting in it */
    uint64_t provider_income;  /* their minutes x rate */
    uint64_t commission;       /* their minutes x commission per minute */
};

/* The buckets of k overlapping [from, to), in order, at most cap, into out (caller's);
 * with clip each is cut to [from, to), else whole. Sums over recs[0..n) (borrowed).
 * Returns the buckets filled. */
size_t cpc_income_buckets(enum cpc_period k, uint64_t from, uint64_t to, int clip,
                          const struct cpc_rental *recs, size_t n, uint64_t minute_ms,
                          struct cpc_income_bucket *out, size_t cap);

#endif

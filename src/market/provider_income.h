/* provider_income.h — a provider's income and rented minutes from the
 * ledger, computed once for every view that shows them: GET /provider/stats
 * (routes_server_stats.c) and GET /dc/revenue, /dc/utilization
 * (routes_dc_reports.c).
 *
 * The rentals of the provider's servers (platform rows) are read on the chain
 * (cpc_rental), whose minutes are paid contiguously from opened_ms, so the
 * paid minutes falling in [a, b) are those m < paid_minutes with opened_ms +
 * m x minute in [a, b), and the income there is their count x
 * rate_per_minute. Buckets are whole UTC days, ISO weeks (Monday 00:00 UTC)
 * and calendar months, each counting all its paid minutes (the calendar and
 * the paid-minute count are rental_income.h's, shared with the operators'
 * finance report).
 *
 * Ownership: struct cpc_provider_income owns its arrays; free it with
 * cpc_provider_income_free. Returned JSON belongs to the caller.
 */
#ifndef CPC_MARKET_PROVIDER_INCOME_H
#define CPC_MARKET_PROVIDER_INCOME_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/rental.h"
#include "rental_income.h"

struct cpc_node;
struct cpc_platform;
struct cpc_prental_ref;

#define CPC_INCOME_RENTALS_MAX 10000 /* rentals one answer reads */

struct cpc_provider_rental {
    struct cpc_rental rec;
    size_t server; /* index into servers */
};

struct cpc_provider_income {
    struct cpc_node *n;  /* borrowed */
    uint64_t minute_ms;  /* the chain's billing minute */
    char (*servers)[37]; /* the owner's servers, oldest first */
    size_t n_servers, cap_servers;
    struct cpc_prental_ref *refs;
    size_t n_refs, cap_refs;
    struct cpc_provider_rental *rentals; /* the ones the chain holds, on listed servers */
    size_t n_rentals;
    int truncated; /* more than CPC_INCOME_RENTALS_MAX rentals: the rest left out */
};

/* An empty *pi for node n (borrowed). */
void cpc_provider_income_init(struct cpc_provider_income *pi, struct cpc_node *n);
/* Load owner's servers and the chain records of their rentals alive in [from, to). */
int cpc_provider_income_load(struct cpc_provider_income *pi, struct cpc_platform *p,
                             int64_t owner, uint64_t from, uint64_t to, struct cpc_err *err);
/* Free what *pi holds (not pi itself). */
void cpc_provider_income_free(struct cpc_provider_income *pi);

/* Paid minutes in [a, b) of the rentals on server index s (SIZE_MAX: every server). */
uint64_t cpc_provider_income_minutes(const struct cpc_provider_income *pi, size_t s, uint64_t a,
                                     uint64_t b);
/* A new array of {"<day|week|month>": label, "from_ms", "to_ms", "amount"} for every bucket
 * of kind overlapping [from, to): amount = paid minutes there x rate, saturating. */
json_t *cpc_provider_income_buckets(const struct cpc_provider_income *pi,
                                    enum cpc_period k, uint64_t from, uint64_t to);


#endif

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
#include "routes_rentals_internal.h"

void cpc_provider_income_init(struct cpc_provider_income *pi, struct cpc_node *n)
{
    memset(pi, 0, sizeof *pi);
    pi->n = n;
    pi->minute_ms = cpc_rental_minute_ms(&n->params);
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
        int found = cpc__rental_chain_record(ps->n, ps->refs[i].id, &pr->rec, NULL, err);
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
                                    enum cpc_period k, uint64_t from, uint64_t to)
{
    json_t *arr = json_array();
    uint64_t t = from;
    while (arr && t < to) {
        uint64_t a, b, amount = 0;
        char label[16];
        cpc_period_bucket(k, t, &a, &b, label);
        for (size_t i = 0; i < ps->n_rentals; i++) {
            const struct cpc_rental *r = &ps->rentals[i].rec;
            amount = sat_add(amount, sat_mul(cpc_rental_paid_in(r, ps->minute_ms, a, b),
                                             r->rate_per_minute));
        }
        json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:I}", cpc_period_name(k), label, "from_ms",
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
            m = sat_add(m, cpc_rental_paid_in(&pi->rentals[i].rec, pi->minute_ms, a, b));
    return m;
}

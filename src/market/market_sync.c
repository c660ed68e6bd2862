/* market_sync.c — the marketplace sync loop (market_sync.h).
 *
 * Design note. One thread per configured connector wakes every
 * sync_interval_s (or sooner on a kick) and makes one pass, never on a
 * request's path; each call to the marketplace is bounded by timeout_ms and a
 * pass reads at most CPC_MKT_MACHINES_MAX machines and MAX_ROWS rows, so a
 * pass costs at most (1 + 2 x rows) requests. For each server row of the
 * marketplace (the provider's opt-in, platform migration 15):
 *   link     a row without a machine id takes the account's machine whose
 *            hostname is the server's host, when exactly one is;
 *   want     listed = opted in, not deleted, no rental of ours open on it;
 *   price    the provider's price_per_gpu_hour x (10000 + commission bps) /
 *            10000 (the provider's chain override, COMMISSION_SET, when set),
 *            in micro-USD at units_per_usd; the minimum bid is min_bid_percent
 *            of it; a change of the provider's price or commission lists the
 *            machine again at the new price;
 *   unlist   when not wanted (opted out, deleted, rented on our market: never
 *            booked twice) and listed;
 *   booking  Vast's current_rentals_running > 0 marks the row booked: the
 *            catalogue shows it busy and POST /rentals refuses it (409
 *            server_busy); a booking that starts or ends opens or closes a
 *            marketplace_bookings row;
 *   earnings the completed days of the last earnings_days are credited once
 *            each (market_credit.c).
 * A failing row records its error and does not hold up the others.
 * Telling the provider's agent of a booking is not done: the worker learns
 * only of our own rentals (docs/marketplaces.md).
 */
#include "market_sync.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/config.h"
#include "../common/log.h"
#include "../node/node.h"
#include "../platform/platform.h"
#include "market_sync_internal.h"

#define MAX_ROWS 4096 /* server rows looked at per pass */
#define DAY_MS 86400000ull

const char *cpc_market_sync_name(const struct cpc_market_sync *s)
{
    return s ? s->conn->ops->name : "vast";
}

static int config_u64(const struct cpc_config *c, const char *k, uint64_t def, uint64_t min,
                      uint64_t max, uint64_t *out, struct cpc_err *err)
{
    int rc = cpc_config_get_u64(c, "marketplace.vast", k, def, out, err);
    if (rc == 0 && (*out < min || *out > max))
        rc = cpc_err_set(err, CPC_ERR_INVALID, "[marketplace.vast] %s must be %llu..%llu", k,
                         (unsigned long long)min, (unsigned long long)max);
    return rc;
}

int cpc_market_sync_open(struct cpc_market_sync **out, struct cpc_node *n, const char *home,
                         struct cpc_err *err)
{
    *out = NULL;
    struct cpc_config *c = NULL;
    int rc = cpc_config_load_home(&c, home, NULL, 0, err);
    if (rc != 0)
        return rc;
    const char *key = cpc_config_get(c, "marketplace.vast", "api_key");
    const char *url = cpc_config_get(c, "marketplace.vast", "base_url");
    if (!key || !*key || !n->platform) {
        cpc_config_free(c);
        return 0;
    }
    struct cpc_market_sync *s = calloc(1, sizeof *s);
    uint64_t interval = 0, timeout = 0;
    if (!s)
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (rc == 0)
        rc = config_u64(c, "sync_interval_s", 300, 0, 86400, &interval, err);
    if (rc == 0)
        rc = config_u64(c, "units_per_usd", 1000000000ull, 1, 1000000000000000ull,
                        &s->units_per_usd, err);
    if (rc == 0)
        rc = config_u64(c, "min_bid_percent", 100, 1, 100, &s->min_bid_percent, err);
    if (rc == 0)
        rc = config_u64(c, "earnings_days", 7, 1, CPC_MKT_DAYS_MAX - 1, &s->earnings_days, err);
    if (rc == 0)
        rc = config_u64(c, "timeout_ms", 15000, 100, 120000, &timeout, err);
    if (rc == 0 && url && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "[marketplace.vast] base_url must be http(s)");
    if (rc == 0 && !(s->conn = cpc_vast_connector_new(url ? url : "https://console.vast.ai",
                                                      key, (long)timeout)))
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    cpc_config_free(c);
    if (rc != 0) {
        cpc_market_sync_free(s);
        return rc;
    }
    s->n = n;
    s->interval_ms = interval * 1000u;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->step, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->started = false;
    *out = s;
    return 0;
}

static void *loop(void *arg)
{
    struct cpc_market_sync *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        pthread_mutex_unlock(&s->mu);
        struct cpc_err err = {0};
        if (cpc_market_sync_step(s, &err) != 0)
            CPC_LOGW("marketplace %s: %s", s->conn->ops->name, err.msg);
        pthread_mutex_lock(&s->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(s->interval_ms / 1000u);
        while (!s->stop && !s->kick)
            if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0)
                break;
        s->kick = false;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int cpc_market_sync_start(struct cpc_market_sync *s, struct cpc_err *err)
{
    if (!s || s->started || s->interval_ms == 0)
        return 0; /* 0: no loop; passes only through cpc_market_sync_step */
    s->stop = false;
    if (pthread_create(&s->thread, NULL, loop, s) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "marketplace: cannot start its thread");
    s->started = true;
    return 0;
}

void cpc_market_sync_stop(struct cpc_market_sync *s)
{
    if (!s || !s->started)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    s->started = false;
}

void cpc_market_sync_free(struct cpc_market_sync *s)
{
    if (!s)
        return;
    cpc_market_sync_stop(s);
    if (s->n) { /* fully opened */
        pthread_mutex_destroy(&s->mu);
        pthread_mutex_destroy(&s->step);
        pthread_cond_destroy(&s->cv);
    }
    cpc_mkt_connector_free(s->conn);
    free(s);
}

void cpc_market_sync_kick(struct cpc_market_sync *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->kick = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static const struct cpc_mkt_machine *machine_by_id(const struct cpc_market_sync *s, int64_t id)
{
    for (size_t i = 0; i < s->n_machines; i++)
        if (s->machines[i].id == id)
            return &s->machines[i];
    return NULL;
}

/* The one machine whose hostname is host, else NULL (none, or more than one). */
static const struct cpc_mkt_machine *machine_by_host(const struct cpc_market_sync *s,
                                                     const char *host)
{
    const struct cpc_mkt_machine *m = NULL;
    for (size_t i = 0; i < s->n_machines; i++) {
        if (!host[0] || strcmp(s->machines[i].hostname, host) != 0)
            continue;
        if (m)
            return NULL;
        m = &s->machines[i];
    }
    return m;
}

/* The listed price (micro-USD per GPU-hour) of r at commission bps; 0 when it overflows. */
static uint64_t list_price(const struct cpc_market_sync *s, const struct cpc_pmarket_server *r,
                           uint32_t bps)
{
    uint64_t base = r->price_per_gpu_hour, units;
    if (base > UINT64_MAX / 20001u)
        return 0;
    units = base * (10000u + bps) / 10000u;
    /* units x 1e6 / units_per_usd, in two steps to stay in 64 bits */
    uint64_t whole = units / s->units_per_usd, rest = units % s->units_per_usd;
    if (whole > CPC_MKT_MICRO_MAX / 1000000u)
        return 0;
    uint64_t micro = whole * 1000000u;
    if (rest > UINT64_MAX / 1000000u)
        micro += (uint64_t)((double)rest * 1e6 / (double)s->units_per_usd);
    else
        micro += rest * 1000000u / s->units_per_usd;
    return micro;
}

/* Publish or unlist r on machine m as wanted; r's state and error updated. */
static int sync_listing(struct cpc_market_sync *s, struct cpc_pmarket_server *r,
                        const struct cpc_mkt_machine *m, struct cpc_err *err)
{
    int want = r->opted_in && !r->deleted && !r->rented;
    int listed = m->listed || !strcmp(r->state, "published") || !strcmp(r->state, "booked");
    if (!want) {
        if (listed && s->conn->ops->unpublish(s->conn, m->id, err) != 0)
            return -1;
        snprintf(r->state, sizeof r->state, "unlisted");
        r->published_price = 0;
        return 0;
    }
    uint32_t bps = 0;
    char addr[48];
    if (cpc__msync_provider(s, r->owner, &bps, addr, err) != 0)
        return -1;
    uint64_t price = list_price(s, r, bps);
    if (price == 0)
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "price out of range");
    uint64_t min_bid = price / 100u * s->min_bid_percent + price % 100u * s->min_bid_percent / 100u;
    if (!listed || !m->listed || price != r->published_price ||
        r->price_per_gpu_hour != r->published_base) {
        if (s->conn->ops->publish(s->conn, m->id, price, min_bid, err) != 0)
            return -1;
        r->published_price = price;
        r->published_base = r->price_per_gpu_hour;
    }
    snprintf(r->state, sizeof r->state, "published");
    return 0;
}

/* Credit the completed days of r's machine in the window. */
static int sync_earnings(struct cpc_market_sync *s, const struct cpc_pmarket_server *r,
                         uint64_t now_ms, struct cpc_err *err)
{
    if (r->deleted || r->owner <= 0)
        return 0;
    int64_t today = (int64_t)(now_ms / DAY_MS), from = today - (int64_t)s->earnings_days;
    size_t count = 0;
    int rc = s->conn->ops->earnings(s->conn, r->machine_id, from, today, s->days,
                                    CPC_MKT_DAYS_MAX, &count, err);
    for (size_t i = 0; rc == 0 && i < count; i++)
        if (s->days[i].day >= from && s->days[i].day < today && s->days[i].earned > 0)
            rc = cpc__msync_credit_day(s, r, &s->days[i], now_ms, err);
    return rc;
}

/* One row: link, list or unlist, booking, earnings; saved with its error. */
static int sync_row(struct cpc_market_sync *s, struct cpc_pmarket_server *r, uint64_t now_ms,
                    struct cpc_err *err)
{
    int was_booked = r->booked, rc = 0;
    const struct cpc_mkt_machine *m = NULL;
    if (r->machine_id == 0 && r->opted_in && !r->deleted && (m = machine_by_host(s, r->host)))
        r->machine_id = m->id;
    else if (r->machine_id != 0)
        m = machine_by_id(s, r->machine_id);
    r->last_error[0] = '\0';
    if (!m && r->opted_in && !r->deleted) {
        snprintf(r->last_error, sizeof r->last_error,
                 r->machine_id ? "machine %lld is not in the account"
                               : "no machine of the account has this host name",
                 (long long)r->machine_id);
        snprintf(r->state, sizeof r->state, "pending");
    } else if (m && (rc = sync_listing(s, r, m, err)) != 0) {
        snprintf(r->last_error, sizeof r->last_error, "%s", err->msg);
    }
    r->booked = m && m->rentals > 0;
    if (r->booked && !strcmp(r->state, "published"))
        snprintf(r->state, sizeof r->state, "booked");
    if (!m && !r->opted_in)
        snprintf(r->state, sizeof r->state, "unlisted");
    r->last_sync_ms = now_ms;
    struct cpc_err e = {0};
    if (r->machine_id && sync_earnings(s, r, now_ms, &e) != 0 && !r->last_error[0]) {
        snprintf(r->last_error, sizeof r->last_error, "earnings: %s", e.msg);
        if (rc == 0) {
            *err = e;
            rc = -1;
        }
    }
    int src = cpc_pstore_market_server_save(s->n->platform->store, s->conn->ops->name, r,
                                            was_booked, &e);
    if (src != 0 && rc == 0) {
        *err = e;
        rc = src;
    }
    return rc;
}

int cpc_market_sync_step(struct cpc_market_sync *s, struct cpc_err *err)
{
    pthread_mutex_lock(&s->step);
    struct cpc_platform *p = s->n->platform;
    uint64_t now = cpc_platform_now(p);
    const char *name = s->conn->ops->name;
    struct cpc_err first = {0};
    int rc = cpc__msync_reconcile(s, now, &first);
    struct cpc_err e = {0};
    int mrc = s->conn->ops->machines(s->conn, s->machines, CPC_MKT_MACHINES_MAX,
                                     &s->n_machines, &e);
    if (mrc != 0 && rc == 0) {
        first = e;
        rc = mrc;
    }
    char after[37] = "";
    size_t seen = 0, count = 0;
    const size_t cap = sizeof s->rows / sizeof s->rows[0];
    do {
        if (mrc != 0 || cpc_pstore_market_servers(p->store, name, after, s->rows, cap, &count,
                                                  &e) != 0) {
            if (mrc == 0 && rc == 0) {
                first = e;
                rc = -1;
            }
            break;
        }
        for (size_t i = 0; i < count; i++) {
            struct cpc_err re = {0};
            if (sync_row(s, &s->rows[i], now, &re) != 0 && rc == 0) {
                first = re;
                rc = -1;
            }
        }
        if (count)
            snprintf(after, sizeof after, "%s", s->rows[count - 1].server_id);
        seen += count;
    } while (count == cap && seen < MAX_ROWS);
    if (cpc_pstore_market_sync_set(p->store, name, now, rc ? first.msg : "", &e) != 0 && !rc) {
        first = e;
        rc = -1;
    }
    pthread_mutex_unlock(&s->step);
    if (rc != 0)
        *err = first;
    return rc;
}

int cpc_market_server_booked(struct cpc_node *n, const char *server_id)
{
    int booked = 0;
    struct cpc_err err = {0};
    if (!n->platform)
        return 0;
    if (cpc_pstore_market_booked(n->platform->store, server_id, &booked, &err) != 0) {
        CPC_LOGE("marketplace: is %s booked: %s", server_id, err.msg);
        return 0;
    }
    return booked;
}

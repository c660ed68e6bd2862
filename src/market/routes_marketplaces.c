/* routes_marketplaces.c — PUT /provider/servers/{id}/marketplaces and GET
 * /admin/integrations (routes_marketplaces.h).
 *
 * Design note. Opting in only records the provider's wish (platform
 * migration 15, a row per server and marketplace) and kicks the sync loop;
 * every call to the marketplace happens on the loop's thread
 * (market_sync.c), so a request costs one SQLite upsert whatever Vast does.
 * Only the provider that owns the server may call it (another's server is 404,
 * as a missing one); API keys need the account scope. The opt-in is recorded
 * when no connector is configured too ("enabled": false in the answer), so a
 * provider may opt in before the operator turns the connector on. The admin
 * view reads the figures the loop recorded: it never calls the marketplace.
 */
#include "routes_marketplaces.h"

#include <stdio.h>
#include <string.h>

#include "../core/amount.h"
#include "../node/node.h"
#include "../platform/auth_apikey.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "../store/market_connector_store.h"
#include "market_sync.h"
#include "routes_servers.h"

int cpc_marketplaces_body_parse(const json_t *j, int *vast, char *msg, size_t cap)
{
    const char *k;
    json_t *v;
    *vast = -1;
    if (!json_is_object(j)) {
        snprintf(msg, cap, "body must be a JSON object");
        return -1;
    }
    json_object_foreach((json_t *)j, k, v) {
        if (strcmp(k, "vast") != 0) {
            snprintf(msg, cap, "unknown marketplace: %.40s (known: vast)", k);
            return -1;
        }
        if (!json_is_boolean(v)) {
            snprintf(msg, cap, "vast must be true or false");
            return -1;
        }
        *vast = json_is_true(v);
    }
    if (*vast < 0) {
        snprintf(msg, cap, "name a marketplace: {\"vast\": true|false}");
        return -1;
    }
    return 0;
}

/* The provider's view of r on marketplace name (new reference). */
static json_t *row_json(const struct cpc_pmarket_server *r, int enabled)
{
    char price[32];
    snprintf(price, sizeof price, "%llu.%06llu", (unsigned long long)(r->published_price / 1000000),
             (unsigned long long)(r->published_price % 1000000));
    return json_pack("{s:b, s:b, s:s, s:o, s:s?, s:b, s:I, s:s?}", "enabled", enabled,
                     "opted_in", r->opted_in, "state", r->state, "machine_id",
                     r->machine_id ? json_integer(r->machine_id) : json_null(),
                     "listed_price_usd_per_gpu_hour", r->published_price ? price : NULL,
                     "booked", r->booked, "last_sync_ms", (json_int_t)r->last_sync_ms,
                     "last_error", r->last_error[0] ? r->last_error : NULL);
}

void cpc_h_provider_server_marketplaces_put(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = req->app;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    struct cpc_pserver r;
    struct cpc_err err = {0};
    if (cpc__auth_provider(req, res, p, &u, CPC_SCOPE_ACCOUNT) != 0)
        return;
    const char *id = cpc__server_id_param(req, res);
    if (!id)
        return;
    int rc = cpc_pstore_server_get(p->store, id, &r, &err);
    if (rc == CPC_ERR_NOT_FOUND || (rc == 0 && r.owner != u.id))
        return cpc_http_res_error(res, 404, "not_found", "no such server");
    if (rc != 0)
        return cpc__auth_internal(res, &err);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    int vast = 0;
    char msg[128];
    rc = cpc_marketplaces_body_parse(j, &vast, msg, sizeof msg);
    json_decref(j);
    if (rc != 0)
        return cpc_http_res_error(res, 400, "invalid_argument", "%s", msg);
    struct cpc_pmarket_server m;
    if (cpc_pstore_market_opt(p->store, r.id, "vast", vast, cpc_platform_now(p), &err) != 0 ||
        cpc_pstore_market_server_get(p->store, r.id, "vast", &m, &err) != 0)
        return cpc__auth_internal(res, &err);
    char d[96];
    snprintf(d, sizeof d, "id=%s vast=%s", r.id, vast ? "in" : "out");
    cpc__auth_audit(p, u.id, "server_marketplaces", d);
    cpc_market_sync_kick(n->market_sync);
    cpc_http_res_json(res, 200, json_pack("{s:s, s:{s:o}}", "server_id", r.id, "marketplaces",
                                          "vast", row_json(&m, n->market_sync != NULL)));
}

static void put_amount(json_t *j, const char *name, uint64_t v)
{
    char s[CPC_AMOUNT_STR_MAX], k[48];
    cpc_amount_format(s, v);
    snprintf(k, sizeof k, "%s_cpc", name);
    json_object_set_new(j, name, json_integer((json_int_t)v));
    json_object_set_new(j, k, json_string(s));
}

void cpc_h_admin_integrations(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = req->app;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin;
    struct cpc_err err = {0};
    if (cpc__auth_admin(req, res, p, &admin) != 0)
        return;
    struct cpc_pmarket_stats st;
    if (cpc_pstore_market_stats(p->store, "vast", &st, &err) != 0)
        return cpc__auth_internal(res, &err);
    json_t *c = json_pack(
        "{s:s, s:b, s:o, s:s?, s:I, s:I, s:I, s:I, s:I, s:I}", "name", "vast", "enabled",
        n->market_sync != NULL, "last_sync_ms",
        st.last_sync_ms ? json_integer((json_int_t)st.last_sync_ms) : json_null(), "last_error",
        st.last_error[0] ? st.last_error : NULL, "servers_opted_in",
        (json_int_t)st.servers_opted_in, "servers_published", (json_int_t)st.servers_published,
        "bookings", (json_int_t)st.bookings_total, "bookings_open",
        (json_int_t)st.bookings_open, "periods_credited", (json_int_t)st.periods_credited,
        "periods_pending", (json_int_t)st.periods_pending);
    if (c)
        put_amount(c, "earnings_credited", st.earnings_credited);
    cpc_http_res_json(res, 200, json_pack("{s:[o]}", "integrations", c));
}

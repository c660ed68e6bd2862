/* routes_rental_money.c — the provider's and the admin's rentals
 * (routes_rental_money.h).
 *
 * Design note. Both views list platform rows (which rentals exist, newest
 * first) and read every amount from the ledger through rental_figures.h, the
 * same function the customer's invoice uses, so the three agree to the unit:
 * the provider's income is the invoice's provider_income, the admin's
 * customer_paid its total_charged. The provider sees the rentals of its own
 * servers (a server it deleted drops out) and of the customer only a short
 * address (first 10 and last 4 characters), never an email or user id. The
 * admin sees every rental and the customer's user id.
 *
 * Who may call: /provider/rentals a user with the provider role (session, or
 * an API key with the read scope); /admin/rentals an admin's session only.
 * Cost to the node: one SELECT of at most CPC_RENTAL_VIEW_PAGE_MAX rows and
 * three state reads a row, under the per-token request limit.
 */
#include "routes_rental_money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bech32.h"
#include "../node/node.h"
#include "../platform/auth_apikey.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "../store/platform_store.h"
#include "rental_figures.h"
#include "routes_rentals.h"

struct view {
    struct cpc_node *n;
    struct cpc_platform *p;
    int admin;
    json_t *arr;
    struct cpc_prental_ref *rows;
    size_t count;
};

static int keep_ref(void *arg, const struct cpc_prental_ref *r)
{
    struct view *v = arg;
    v->rows[v->count++] = *r;
    return 0;
}

/* "cpc1abcdefg…wxyz" of hash into out. */
static void short_address(char out[CPC_ADDR_STR_MAX], const uint8_t hash[CPC_ADDR_HASH_LEN])
{
    char full[CPC_ADDR_STR_MAX];
    cpc_address_encode(full, hash);
    size_t len = strlen(full);
    snprintf(out, CPC_ADDR_STR_MAX, "%.10s...%s", full, len > 4 ? full + len - 4 : full);
}

/* The entry of row r: a new reference, or NULL with err. */
static json_t *entry(struct view *v, const struct cpc_prental_ref *r, struct cpc_err *err)
{
    struct cpc_rental_figures f;
    memset(&f, 0, sizeof f);
    int found = cpc_rental_figures_read(v->n, r->id, &f, err);
    if (found < 0)
        return NULL;
    const char *status = found ? cpc_rental_figures_status(&f) : "pending";
    if (!found && cpc_platform_now(v->p) > r->created_ms + CPC_RENTAL_OFFER_TTL_MS +
                                               CPC_RENTAL_MINUTE_MS)
        status = "failed";
    const char *reason = found ? cpc_rental_figures_reason(&f) : NULL;
    json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "id", r->id, "server_id", r->server_id,
                          "status", status, "end_reason",
                          reason ? json_string(reason) : json_null());
    if (!o)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory"), NULL;
    cpc__auth_json_time(o, "created_at", r->created_ms);
    cpc__auth_json_time(o, "started_at", found ? f.rec.opened_ms : 0);
    cpc__auth_json_time(o, "ended_at", found ? f.rec.ended_ms : 0);
    cpc__auth_json_u64(o, "minutes_paid", f.minutes);
    cpc__auth_json_u64(o, "rate_per_minute", f.rate_per_minute);
    cpc__auth_json_u64(o, "price_per_hour", f.price_per_hour);
    if (v->admin) {
        char addr[CPC_ADDR_STR_MAX] = "";
        if (found)
            cpc_address_encode(addr, f.rec.provider);
        json_object_set_new(o, "customer_user", json_integer((json_int_t)r->user));
        json_object_set_new(o, "provider", found ? json_string(addr) : json_null());
        cpc__auth_json_u64(o, "customer_paid", f.charged);
        cpc__auth_json_u64(o, "provider_received", f.provider_income);
        cpc__auth_json_u64(o, "commission", f.commission);
        cpc__auth_json_u64(o, "deposit", f.deposit);
        cpc__auth_json_u64(o, "refunded", f.refunded);
        cpc__auth_json_u64(o, "escrow_left", f.escrow_left);
    } else {
        char addr[CPC_ADDR_STR_MAX] = "";
        if (found)
            short_address(addr, f.rec.customer);
        json_object_set_new(o, "customer", found ? json_string(addr) : json_null());
        cpc__auth_json_u64(o, "income", f.provider_income);
    }
    return o;
}

/* List the page (limit from offset) of owner's rentals (admin: every rental) and answer. */
static void answer(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                   int64_t owner, int admin)
{
    uint32_t limit, offset;
    if (cpc__auth_paging(req, res, 20, CPC_RENTAL_VIEW_PAGE_MAX, &limit, &offset) != 0)
        return;
    struct view v = {req->app, p, admin, json_array(), calloc(limit, sizeof *v.rows), 0};
    struct cpc_err err = {0};
    int rc;
    if (!v.arr || !v.rows)
        rc = cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
    else if (admin)
        rc = cpc_pstore_rental_list_all(p->store, limit, offset, keep_ref, &v, &err);
    else
        rc = cpc_pstore_rental_list_provider(p->store, owner, limit, offset, keep_ref, &v, &err);
    for (size_t i = 0; rc == 0 && i < v.count; i++) {
        json_t *o = entry(&v, &v.rows[i], &err);
        rc = o ? json_array_append_new(v.arr, o) : -1;
    }
    free(v.rows);
    if (rc != 0) {
        json_decref(v.arr);
        cpc__auth_internal(res, &err);
        return;
    }
    cpc_http_res_json(res, 200, json_pack("{s:o, s:I, s:I}", "rentals", v.arr, "limit",
                                          (json_int_t)limit, "offset", (json_int_t)offset));
}

static struct cpc_platform *platform_or_503(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    if (!p)
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
    return p;
}

void cpc_h_provider_rentals(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_platform *p = platform_or_503(req, res);
    if (p && cpc__auth_provider(req, res, p, &u, CPC_SCOPE_READ) == 0)
        answer(req, res, p, u.id, 0);
}

void cpc_h_admin_rentals(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_platform *p = platform_or_503(req, res);
    if (p && cpc__auth_admin(req, res, p, &u) == 0)
        answer(req, res, p, 0, 1);
}

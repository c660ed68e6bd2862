/* rental_orders.c — the loop between a customer's rental and the provider's
 * worker that runs it (rental_orders.h).
 *
 * Design note. The node never pushes: each signed heartbeat of a worker is
 * answered with the complete desired set of the server bound to it (a worker
 * is bound to one server at most, gpu_servers_worker), and the worker starts
 * what is missing and stops the rest (docs/worker.md). A rental is in the set
 * when its platform row is not ended and its chain record is OPEN: one whose
 * RENTAL_OPEN is not in a block yet is not, and one the chain ended (by the
 * customer, the provider or its funds) leaves the set, which is the stop
 * order; its row gets ended_ms here, so the query reads only live rows.
 * Cost to the node per heartbeat: one indexed query of at most
 * CPC_RENTAL_ORDERS_MAX rows and as many record reads, plus at most as many
 * report upserts; a worker is rate-limited by its heartbeat period and its
 * signature. A report or log row is written only for a rental on the
 * signer's own server (the store joins on worker_addr), so a worker cannot
 * touch another's rentals, and each rental has one row: storage is bounded.
 */
#include "rental_orders.h"
#include "webhook_events.h"
#include "routes_rentals_internal.h"

#include <stdlib.h>
#include <string.h>

#include "../core/bech32.h"
#include "../core/hex.h"
#include "../core/state.h"
#include "../node/node.h"
#include "../platform/platform.h"
#include "routes_rentals.h"
#include "routes_servers.h"

static int hex64_ok(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* One report object into *r: 0 or CPC_ERR_INVALID. */
static int report_parse(json_t *o, size_t i, struct cpc_rental_report *r, struct cpc_err *err)
{
    static const char *const states[] = {"running", "exited", "failed", "stopped"};
    const char *id = NULL, *state = NULL, *error = "";
    json_int_t port = 0, done = 0;
    json_error_t je;
    if (json_unpack_ex(o, &je, JSON_STRICT, "{s:s, s:s, s?I, s?s, s?I}", "id", &id, "state",
                       &state, "port", &port, "error", &error, "reboot_done", &done) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: rentals[%zu]: %s", i, je.text);
    if (!hex64_ok(id))
        return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: rentals[%zu].id must be 64 hex", i);
    size_t k = 0;
    while (k < 4 && strcmp(states[k], state) != 0)
        k++;
    if (k == 4)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "heartbeat: rentals[%zu].state must be running, exited, failed or "
                           "stopped", i);
    if (json_object_get(o, "port") && (port < 1 || port > 65535))
        return cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: rentals[%zu].port must be 1..65535",
                           i);
    if (strlen(error) > CPC_PORDER_ERROR_MAX || done < 0)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "heartbeat: rentals[%zu]: error is at most %d bytes, reboot_done "
                           ">= 0", i, CPC_PORDER_ERROR_MAX);
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->state, sizeof r->state, "%s", state);
    snprintf(r->error, sizeof r->error, "%s", error);
    r->port = (uint32_t)port;
    r->reboot_done = (uint64_t)done;
    return 0;
}

int cpc_rental_reports_parse(const json_t *arr, struct cpc_rental_report **out, size_t *n,
                             struct cpc_err *err)
{
    *out = NULL;
    *n = 0;
    size_t cnt = json_array_size(arr);
    if (!json_is_array(arr) || cnt > CPC_RENTAL_ORDERS_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "heartbeat: rentals must be an array of at most %d reports",
                           CPC_RENTAL_ORDERS_MAX);
    if (cnt == 0)
        return 0;
    struct cpc_rental_report *v = calloc(cnt, sizeof *v);
    if (!v)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < cnt; i++) {
        int rc = report_parse(json_array_get(arr, i), i, &v[i], err);
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (!strcmp(v[k].id, v[i].id))
                rc = cpc_err_set(err, CPC_ERR_INVALID, "heartbeat: rentals[%zu]: id repeated", i);
        if (rc != 0) {
            free(v);
            return rc;
        }
    }
    *out = v;
    *n = cnt;
    return 0;
}

int cpc_rental_orders_record(struct cpc_node *n, const uint8_t worker[20],
                             const struct cpc_rental_report *r, size_t cnt, struct cpc_err *err)
{
    if (!n->platform || cnt == 0)
        return 0;
    char addr[CPC_ADDR_STR_MAX];
    cpc_address_encode(addr, worker);
    uint64_t now = cpc_platform_now(n->platform);
    for (size_t i = 0; i < cnt; i++) {
        struct cpc_porder_report pr = {r[i].id, r[i].state, r[i].error, r[i].port,
                                       r[i].reboot_done, now};
        int applied = 0;
        int rc = cpc_pstore_orders_report(n->platform->store, addr, &pr, &applied, err);
        if (rc == 0 && applied) /* server.error when the order has just failed */
            rc = cpc_webhook_order_report(n, r[i].id, r[i].state, r[i].error, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

struct desired {
    struct cpc_porder *rows;
    size_t n;
};

static int keep_order(void *arg, const struct cpc_porder *o)
{
    struct desired *d = arg;
    d->rows[d->n++] = *o;
    return d->n >= CPC_RENTAL_ORDERS_MAX;
}

/* The answer's entry for row o when its rental is open on the chain (*out new), else
 * *out NULL (and the row's end recorded when the chain ended it or it never opened). */
static int order_entry(struct cpc_node *n, const struct cpc_porder *o, json_t **out,
                       struct cpc_err *err)
{
    struct cpc_rental rec;
    uint64_t escrow = 0, now = cpc_platform_now(n->platform), ended = 0;
    *out = NULL;
    int found = cpc__rental_chain_record(n, o->id, &rec, &escrow, err);
    if (found < 0)
        return -1;
    if (found && rec.status == CPC_RENTAL_ENDED)
        ended = rec.ended_ms ? rec.ended_ms : now;
    else if (!found && now > o->created_ms + CPC_RENTAL_OFFER_TTL_MS + CPC_RENTAL_MINUTE_MS)
        ended = now; /* its offer expired before any block took it */
    if (ended)
        return cpc_pstore_rental_set_ended(n->platform->store, o->id, ended, err);
    if (!found)
        return 0; /* not in a block yet */
    uint64_t cost = cpc_rental_minute_cost(rec.rate_per_minute, rec.commission_bps);
    uint64_t ends =
        rec.settled_ms + (cost ? escrow / cost : 0) * cpc_rental_minute_ms(&n->params);
    *out = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", o->id, "image", o->image,
                     "ssh_public_key", o->ssh_public_key, "port", (json_int_t)o->ssh_port,
                     "gpus", (json_int_t)o->gpu_count, "reboot_seq", (json_int_t)o->reboot_seq,
                     "ends_ms", (json_int_t)ends);
    return *out ? 0 : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
}

json_t *cpc_rental_orders_desired(struct cpc_node *n, const uint8_t worker[20],
                                  struct cpc_err *err)
{
    if (!n->platform) {
        cpc_err_set(err, CPC_ERR_INTERNAL, "this node has no platform");
        return NULL;
    }
    char addr[CPC_ADDR_STR_MAX];
    cpc_address_encode(addr, worker);
    struct desired d = {calloc(CPC_RENTAL_ORDERS_MAX, sizeof *d.rows), 0};
    json_t *arr = json_array();
    int rc = d.rows && arr ? 0 : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (rc == 0)
        rc = cpc_pstore_orders_desired(n->platform->store, addr, CPC_RENTAL_ORDERS_MAX,
                                       keep_order, &d, err);
    for (size_t i = 0; rc == 0 && i < d.n; i++) {
        json_t *e = NULL;
        rc = order_entry(n, &d.rows[i], &e, err);
        if (rc == 0 && e && json_array_append_new(arr, e) != 0)
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    free(d.rows);
    if (rc != 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

json_t *cpc__rental_provisioning_json(struct cpc_platform *p, const char *id,
                                      struct cpc_err *err)
{
    struct cpc_porder_state o;
    int rc = cpc_pstore_orders_get(p->store, id, &o, NULL, err);
    if (rc != 0 && rc != CPC_ERR_NOT_FOUND)
        return NULL;
    json_t *j = json_pack("{s:s, s:s?, s:o}", "state", o.state[0] ? o.state : "pending",
                          "error", o.error[0] ? o.error : NULL, "updated_ms",
                          o.state_ms ? json_integer((json_int_t)o.state_ms) : json_null());
    if (!j)
        cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return j;
}

const char *cpc__server_view_status(struct cpc_node *n, const struct cpc_pserver *r)
{
    const char *st = cpc__server_status(n, r);
    if (strcmp(st, "online") != 0 || !n->platform)
        return st;
    int busy = 0;
    struct cpc_err err = {0};
    if (cpc_pstore_server_busy(n->platform->store, r->id, &busy, &err) != 0)
        return st;
    return busy ? "busy" : st;
}

void cpc__servers_mark_busy(struct cpc_node *n, json_t *arr)
{
    for (size_t i = 0; n->platform && i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);
        const char *id = json_string_value(json_object_get(o, "id"));
        const char *st = json_string_value(json_object_get(o, "status"));
        int busy = 0;
        struct cpc_err err = {0};
        if (id && st && !strcmp(st, "online") &&
            cpc_pstore_server_busy(n->platform->store, id, &busy, &err) == 0 && busy)
            json_object_set_new(o, "status", json_string("busy"));
    }
}

/* routes_servers.c — the providers' cabinet: POST/GET /provider/servers and
 * GET/PUT/DELETE /provider/servers/{id} (routes_servers.h).
 *
 * Design note. Who may call: a session access token or an API key (read for
 * GET, account for the writes) of a user holding the provider role; anyone
 * else gets 403. Each provider sees only their own servers: a server of
 * another user answers 404 exactly like a missing one, and the store's UPDATE
 * and DELETE name the owner in SQL, so a race cannot cross users either.
 * Cost to the node: at most [platform] max_servers_per_user rows per user
 * (checked in the INSERT itself), bodies of at most CPC_AUTH_BODY_MAX bytes,
 * and the per-token request limit of every authenticated route.
 *
 * A cpc-worker is bound by PUT with {"worker": {address, pubkey, signature}},
 * the signature by the worker's key over SHA-256("cpc-server-bind" || server
 * id || owner's user id): the node then knows the machine runs that worker,
 * and the server's status follows the worker's heartbeats in the scheduler.
 * The owner's id in the message stops another provider from replaying a
 * binding onto a server of theirs; a worker is bound to one server at most.
 * Adds, deletes, binds and unbinds leave audit rows (server_added,
 * server_deleted, server_bound, server_unbound).
 */
#include "routes_servers.h"

#include <sodium.h>
#include <string.h>

#include "../core/uuid.h"
#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "market_sync.h"
#include "scheduler.h"
#include "server_body.h"
#include "rental_orders.h"

const char *cpc__server_status(struct cpc_node *n, const struct cpc_pserver *r)
{
    uint8_t h[CPC_ADDR_HASH_LEN];
    if (r->maintenance)
        return "maintenance";
    if (!r->worker_addr[0] || !n->scheduler || cpc_address_decode(h, r->worker_addr) != 0)
        return "offline";
    return cpc_scheduler_worker_online(n->scheduler, h) ? "online" : "offline";
}

json_t *cpc__server_json(const struct cpc_pserver *r, const char *status, int owner_view)
{
    json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:s, s:i, s:i, s:s, s:s, s:I, s:I, s:s}",
                          "id", r->id, "gpu_model", r->gpu_model, "gpu_count", (int)r->gpu_count,
                          "vram_gb", (int)r->vram_gb, "cuda_cores", (int)r->cuda_cores, "cpu",
                          r->cpu, "ram_gb", (int)r->ram_gb, "disk_gb", (int)r->disk_gb,
                          "country", r->country, "city", r->city, "price_per_hour",
                          (json_int_t)r->price_per_hour, "score", (json_int_t)r->score, "status",
                          status);
    if (!o || !owner_view)
        return o;
    char created[32], updated[32];
    cpc__auth_iso_time(created, r->created_ms);
    cpc__auth_iso_time(updated, r->updated_ms);
    json_object_set_new(o, "host", json_string(r->host));
    json_object_set_new(o, "ssh_port_min", json_integer(r->ssh_port_min));
    json_object_set_new(o, "ssh_port_max", json_integer(r->ssh_port_max));
    json_object_set_new(o, "price_per_gpu_hour", json_integer((json_int_t)r->price_per_gpu_hour));
    json_object_set_new(o, "worker",
                        r->worker_addr[0] ? json_string(r->worker_addr) : json_null());
    json_object_set_new(o, "created_at", json_string(created));
    json_object_set_new(o, "updated_at", json_string(updated));
    return o;
}

const char *cpc__server_id_param(struct cpc_http_req *req, struct cpc_http_res *res)
{
    uint8_t u[16];
    const char *id = req->n_params ? req->params[0] : "";
    if (strlen(id) != CPC_UUID_STR_LEN || cpc_uuid_parse(u, id) != 0) {
        cpc_http_res_error(res, 404, "not_found", "no such server");
        return NULL;
    }
    return id;
}

/* The caller as a provider (scope: the API-key scope the route takes): 0, or -1 answered. */
static int provider(struct cpc_http_req *req, struct cpc_http_res *res, uint32_t scope,
                    struct cpc_puser *u)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    if (!p) {
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
        return -1;
    }
    return cpc__auth_provider(req, res, p, u, scope);
}

static void body_refused(struct cpc_http_res *res, const struct cpc_server_body_err *e)
{
    cpc_http_res_error(res, e->status ? e->status : 400, e->code, "%s", e->msg);
}

void cpc__server_new_id(char out[CPC_UUID_STR_LEN + 1])
{
    uint8_t u[16];
    randombytes_buf(u, sizeof u);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    cpc_uuid_format(out, u);
}

void cpc_h_provider_servers_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (provider(req, res, CPC_SCOPE_ACCOUNT, &u) != 0)
        return;
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    struct cpc_pserver r;
    struct cpc_server_bind bind;
    struct cpc_server_body_err e;
    int op = 0;
    memset(&r, 0, sizeof r);
    if (cpc_server_body_apply(j, 1, &r, &bind, &op, &e) != 0) {
        body_refused(res, &e);
        goto out;
    }
    cpc__server_new_id(r.id);
    r.owner = u.id;
    r.created_ms = r.updated_ms = cpc_platform_now(p);
    cpc_server_derive(&r);
    struct cpc_err err = {0};
    int rc = cpc_pstore_server_add(p->store, &r, p->max_servers_per_user, &err);
    if (rc == CPC_ERR_TOO_LARGE) {
        cpc_http_res_error(res, 409, "too_many_servers",
                           "at most %u servers per user; delete one first",
                           p->max_servers_per_user);
        goto out;
    }
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    char d[64];
    snprintf(d, sizeof d, "id=%s", r.id);
    cpc__auth_audit(p, u.id, "server_added", d);
    cpc_http_res_json(res, 201, cpc__server_json(&r, "offline", 1));
out:
    json_decref(j);
}

struct owner_list {
    struct cpc_node *n;
    json_t *arr;
};

static int list_one(void *arg, const struct cpc_pserver *r)
{
    struct owner_list *l = arg;
    json_array_append_new(l->arr, cpc__server_json(r, cpc__server_status(l->n, r), 1));
    return 0;
}

void cpc_h_provider_servers_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    if (provider(req, res, CPC_SCOPE_READ, &u) != 0)
        return;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct owner_list l = {req->app, json_array()};
    struct cpc_err err = {0};
    if (cpc_pstore_server_list_owner(p->store, u.id, list_one, &l, &err) != 0) {
        json_decref(l.arr);
        cpc__auth_internal(res, &err);
        return;
    }
    cpc__servers_mark_busy(req->app, l.arr);
    cpc_http_res_json(res, 200,
                      json_pack("{s:o, s:i}", "servers", l.arr, "max_servers",
                                (int)p->max_servers_per_user));
}

/* The caller's own server {id} into *r: 0, or -1 answered (404 for another's). */
static int own_server(struct cpc_http_req *req, struct cpc_http_res *res, uint32_t scope,
                      struct cpc_puser *u, struct cpc_pserver *r)
{
    if (provider(req, res, scope, u) != 0)
        return -1;
    const char *id = cpc__server_id_param(req, res);
    if (!id)
        return -1;
    struct cpc_err err = {0};
    int rc = cpc_pstore_server_get(cpc__auth_plat(req)->store, id, r, &err);
    if (rc == CPC_ERR_NOT_FOUND || (rc == 0 && r->owner != u->id)) {
        cpc_http_res_error(res, 404, "not_found", "no such server");
        return -1;
    }
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    return 0;
}

void cpc_h_provider_server_get(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_pserver r;
    if (own_server(req, res, CPC_SCOPE_READ, &u, &r) != 0)
        return;
    cpc_http_res_json(res, 200, cpc__server_json(&r, cpc__server_view_status(req->app, &r), 1));
}

void cpc_h_provider_server_put(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc__server_put_as(req, res, CPC_SCOPE_ACCOUNT);
}

void cpc__server_put_as(struct cpc_http_req *req, struct cpc_http_res *res, uint32_t scope)
{
    struct cpc_puser u;
    struct cpc_pserver r;
    if (own_server(req, res, scope, &u, &r) != 0)
        return;
    struct cpc_platform *p = cpc__auth_plat(req);
    json_t *j = cpc__auth_body(req, res);
    if (!j)
        return;
    struct cpc_server_bind bind;
    struct cpc_server_body_err e;
    int op = 0;
    if (cpc_server_body_apply(j, 0, &r, &bind, &op, &e) != 0 ||
        (op == CPC_SERVER_BIND_SET && cpc_server_bind_verify(&bind, r.id, u.id, &e) != 0)) {
        body_refused(res, &e);
        goto out;
    }
    if (op == CPC_SERVER_BIND_SET)
        snprintf(r.worker_addr, sizeof r.worker_addr, "%s", bind.address);
    else if (op == CPC_SERVER_BIND_CLEAR)
        r.worker_addr[0] = 0;
    r.updated_ms = cpc_platform_now(p);
    cpc_server_derive(&r);
    struct cpc_err err = {0};
    int rc = cpc_pstore_server_update(p->store, &r, &err);
    if (rc == CPC_ERR_DUPLICATE) {
        cpc_http_res_error(res, 409, "worker_bound", "this worker is bound to another server");
        goto out;
    }
    if (rc == CPC_ERR_NOT_FOUND) { /* deleted meanwhile */
        cpc_http_res_error(res, 404, "not_found", "no such server");
        goto out;
    }
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    cpc_market_sync_kick(((struct cpc_node *)req->app)->market_sync); /* a new price */
    if (op != CPC_SERVER_BIND_NONE) {
        char d[128];
        snprintf(d, sizeof d, "id=%s worker=%s", r.id, r.worker_addr[0] ? r.worker_addr : "none");
        cpc__auth_audit(p, u.id, op == CPC_SERVER_BIND_SET ? "server_bound" : "server_unbound", d);
    }
    cpc_http_res_json(res, 200, cpc__server_json(&r, cpc__server_view_status(req->app, &r), 1));
out:
    json_decref(j);
}

void cpc_h_provider_server_delete(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc__server_delete_as(req, res, CPC_SCOPE_ACCOUNT);
}

void cpc__server_delete_as(struct cpc_http_req *req, struct cpc_http_res *res, uint32_t scope)
{
    struct cpc_puser u;
    if (provider(req, res, scope, &u) != 0)
        return;
    const char *id = cpc__server_id_param(req, res);
    if (!id)
        return;
    struct cpc_err err = {0};
    struct cpc_platform *p = cpc__auth_plat(req);
    int rc = cpc_pstore_server_delete(p->store, id, u.id, &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        cpc_http_res_error(res, 404, "not_found", "no such server");
        return;
    }
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        return;
    }
    char d[64];
    snprintf(d, sizeof d, "id=%s", id);
    cpc__auth_audit(p, u.id, "server_deleted", d);
    cpc_market_sync_kick(((struct cpc_node *)req->app)->market_sync); /* unlist it on Vast */
    cpc_http_res_json(res, 200, json_pack("{s:s, s:b}", "id", id, "deleted", 1));
}

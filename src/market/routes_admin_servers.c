/* routes_admin_servers.c — every GPU server for the operators
 * (routes_admin_servers.h).
 *
 * Design note. The status of a server is the catalogue's own
 * (cpc__server_view_status: online when its worker was heard within the
 * scheduler's timeout, busy when online with an open rental, else offline),
 * so operators and customers never disagree. Load is the newest minute
 * sample the heartbeats left (platform_sqlite_stats.c), uptime its machine
 * uptime. The provider is named by id and email (operators only). Filters
 * model, country and provider (a user id or an exact email) run in SQL; the
 * status filter needs the live status, so the filtered ids are read in pages
 * of 200 until the page is full, at most CPC_ADMIN_SERVERS_SCAN_MAX servers
 * (then "scan_truncated": true). The map groups every server by (country,
 * city) with how many are online (busy included) and how many GPUs they
 * hold, for a dashboard to draw.
 * Who may call: an admin's session (API keys 403). Cost: a few reads per
 * server listed, or per server on the map.
 */
#include "routes_admin_servers.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "../store/platform_admin_store.h"
#include "rental_orders.h"
#include "routes_servers.h"

#define PAGE_MAX 200u
#define CHUNK 200u

static struct cpc_platform *admin_plat(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser admin;
    if (!p)
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
    else if (cpc__auth_admin(req, res, p, &admin) != 0)
        return NULL;
    return p;
}

/* The admin's view of server r with status st: a new reference or NULL with err. */
static json_t *server_entry(struct cpc_platform *p, const struct cpc_pserver *r, const char *st,
                            struct cpc_err *err)
{
    struct cpc_psample v;
    struct cpc_puser u;
    int found = 0;
    if (cpc_pstore_sample_latest(p->store, r->id, &v, &found, err) != 0)
        return NULL;
    int rc = cpc_pstore_user_by_id(p->store, r->owner, &u, err);
    if (rc != 0 && rc != CPC_ERR_NOT_FOUND)
        return NULL;
    json_t *o = cpc__server_json(r, st, 1);
    if (!o)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory"), NULL;
    json_object_set_new(o, "provider",
                        json_pack("{s:I, s:s?}", "id", (json_int_t)r->owner, "email",
                                  rc == 0 ? u.email : NULL));
    json_object_set_new(o, "location", json_pack("{s:s, s:s}", "country", r->country, "city",
                                                 r->city));
    json_object_set_new(o, "load",
                        found ? json_pack("{s:I, s:f, s:f, s:I, s:f}", "t_ms",
                                          (json_int_t)v.t_ms, "cpu", v.cpu, "gpu", v.gpu,
                                          "ram_mb", (json_int_t)v.ram_mb, "temp_c", v.temp_c)
                              : json_null());
    json_object_set_new(o, "uptime_s", found ? json_integer((json_int_t)v.uptime_s)
                                             : json_null());
    memset(&u, 0, sizeof u);
    return o;
}

struct scan {
    const char *status; /* "" = any */
    uint32_t limit, offset;
    uint64_t matched, read;
    int truncated;
    json_t *arr;
};

/* Read the ids of f page by page, keeping those of s->status for the page. */
static int scan_servers(struct cpc_node *n, struct cpc_platform *p,
                        struct cpc_pserver_admin_filter *f, struct scan *s, struct cpc_err *err)
{
    char(*ids)[37] = calloc(CHUNK, sizeof *ids);
    if (!ids)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = 0;
    f->limit = CHUNK;
    for (f->offset = s->status[0] ? 0 : s->offset; rc == 0; f->offset += CHUNK) {
        size_t got = 0;
        if (s->status[0] == 0)
            f->limit = s->limit;
        if ((rc = cpc_pstore_server_admin_ids(p->store, f, ids, CHUNK, &got, err)) != 0)
            break;
        for (size_t i = 0; rc == 0 && i < got && json_array_size(s->arr) < s->limit; i++) {
            struct cpc_pserver r;
            rc = cpc_pstore_server_get(p->store, ids[i], &r, err);
            if (rc == CPC_ERR_NOT_FOUND) { /* deleted meanwhile */
                rc = 0;
                continue;
            }
            const char *st = rc == 0 ? cpc__server_view_status(n, &r) : "";
            if (rc != 0 || (s->status[0] && strcmp(st, s->status) != 0))
                continue;
            if (s->status[0] && s->matched++ < s->offset)
                continue;
            json_t *o = server_entry(p, &r, st, err);
            rc = o ? json_array_append_new(s->arr, o) : -1;
        }
        s->read += got;
        if (got < f->limit || json_array_size(s->arr) >= s->limit || !s->status[0])
            break;
        if (s->read >= CPC_ADMIN_SERVERS_SCAN_MAX) {
            s->truncated = 1;
            break;
        }
    }
    free(ids);
    return rc < 0 && err->code == 0 ? cpc_err_set(err, CPC_ERR_NOMEM, "out of memory") : rc;
}

/* The SQL filters of the query into *f (strings borrowed from req or buf): 0, or -1. */
static int server_filter(struct cpc_http_req *req, struct cpc_http_res *res,
                         struct cpc_pserver_admin_filter *f, char buf[CPC_PUSER_EMAIL_MAX + 1])
{
    const char *model = cpc_http_req_query(req, "model"),
               *country = cpc_http_req_query(req, "country"),
               *prov = cpc_http_req_query(req, "provider");
    *f = (struct cpc_pserver_admin_filter){model ? model : "", country ? country : "", buf, 0,
                                           0, 0};
    buf[0] = 0;
    size_t n = prov ? strlen(prov) : 0;
    if (n > CPC_PUSER_EMAIL_MAX || (country && strlen(country) != 2)) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "country is two letters and provider a user id or an email");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)prov[i]);
    buf[n] = 0;
    if (n && n <= 18 && strspn(buf, "0123456789") == n) {
        f->owner = strtoll(buf, NULL, 10);
        buf[0] = 0;
    }
    return 0;
}

void cpc_h_admin_servers(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = admin_plat(req, res);
    struct cpc_pserver_admin_filter f;
    char buf[CPC_PUSER_EMAIL_MAX + 1];
    struct scan s = {0};
    if (!p || server_filter(req, res, &f, buf) != 0 ||
        cpc__auth_paging(req, res, 50, PAGE_MAX, &s.limit, &s.offset) != 0)
        return;
    const char *st = cpc_http_req_query(req, "status");
    s.status = st ? st : "";
    if (st && strcmp(st, "online") && strcmp(st, "offline") && strcmp(st, "busy"))
        return cpc_http_res_error(res, 400, "invalid_argument",
                                  "status must be online, offline or busy");
    s.arr = json_array();
    struct cpc_err err = {0};
    if (!s.arr || scan_servers(req->app, p, &f, &s, &err) != 0) {
        json_decref(s.arr);
        return cpc__auth_internal(res, &err);
    }
    cpc_http_res_json(res, 200, json_pack("{s:o, s:i, s:i, s:b}", "servers", s.arr, "limit",
                                          (int)s.limit, "offset", (int)s.offset,
                                          "scan_truncated", s.truncated));
}

static int place_cmp(const void *a, const void *b)
{
    const struct cpc_pserver_place *x = a, *y = b;
    int c = strcmp(x->country, y->country);
    return c ? c : strcmp(x->city, y->city);
}

/* Count the online servers and the GPUs of each place (places sorted). */
static int count_online(struct cpc_node *n, struct cpc_platform *p,
                        struct cpc_pserver_place *places, size_t np, uint64_t *online,
                        uint64_t *gpus, int *truncated, struct cpc_err *err)
{
    char(*ids)[37] = calloc(CHUNK, sizeof *ids);
    if (!ids)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    struct cpc_pserver_admin_filter f = {"", "", "", 0, CHUNK, 0};
    int rc = 0;
    for (size_t got = CHUNK; rc == 0 && got == CHUNK; f.offset += CHUNK) {
        if (f.offset >= CPC_ADMIN_SERVERS_SCAN_MAX) {
            *truncated = 1;
            break;
        }
        rc = cpc_pstore_server_admin_ids(p->store, &f, ids, CHUNK, &got, err);
        for (size_t i = 0; rc == 0 && i < got; i++) {
            struct cpc_pserver r;
            struct cpc_pserver_place key;
            if (cpc_pstore_server_get(p->store, ids[i], &r, err) != 0)
                continue;
            snprintf(key.country, sizeof key.country, "%s", r.country);
            snprintf(key.city, sizeof key.city, "%s", r.city);
            struct cpc_pserver_place *hit = bsearch(&key, places, np, sizeof *places, place_cmp);
            if (!hit)
                continue;
            gpus[hit - places] += r.gpu_count;
            if (strcmp(cpc__server_view_status(n, &r), "offline"))
                online[hit - places]++;
        }
    }
    free(ids);
    return rc;
}

void cpc_h_admin_server_locations(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = admin_plat(req, res);
    if (!p)
        return;
    struct cpc_pserver_place *places = calloc(CPC_ADMIN_PLACES_MAX, sizeof *places);
    uint64_t *online = calloc(CPC_ADMIN_PLACES_MAX, sizeof *online);
    uint64_t *gpus = calloc(CPC_ADMIN_PLACES_MAX, sizeof *gpus);
    size_t np = 0;
    int truncated = 0;
    struct cpc_err err = {0};
    int rc = places && online && gpus ? cpc_pstore_server_locations(p->store, places,
                                                            CPC_ADMIN_PLACES_MAX, &np, &err)
                              : cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
    if (rc == 0) {
        qsort(places, np, sizeof *places, place_cmp);
        rc = count_online(req->app, p, places, np, online, gpus, &truncated, &err);
    }
    json_t *arr = json_array();
    for (size_t i = 0; rc == 0 && i < np; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I, s:I}", "country",
                                             places[i].country, "city", places[i].city, "count",
                                             (json_int_t)places[i].count, "online",
                                             (json_int_t)online[i], "gpus", (json_int_t)gpus[i]));
    free(places);
    free(online);
    free(gpus);
    if (rc != 0) {
        json_decref(arr);
        return cpc__auth_internal(res, &err);
    }
    cpc_http_res_json(res, 200, json_pack("{s:o, s:b}", "locations", arr, "truncated",
                                          truncated || np == CPC_ADMIN_PLACES_MAX));
}

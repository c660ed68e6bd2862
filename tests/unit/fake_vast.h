/* fake_vast.h — a fake Vast.ai host API on 127.0.0.1 for the connector's tests
 * (test_node_marketplace_vast.c). This machine cannot reach Vast.ai, so the
 * fake answers as vast-ai/vast-python vast.py (commit b25bd952, 2024-12-13)
 * and docs.vast.ai show them: GET /api/v0/machines?owner=me ->
 * {"machines":[...]}, PUT /api/v0/machines/create_asks/ -> {"success":true},
 * DELETE /api/v0/machines/{id}/asks/ -> {"success":true},
 * GET /api/v0/users/me/machine-earnings -> {"summary","per_machine","per_day"}.
 * Requests without "Authorization: Bearer <key>" get 401. One machine; the
 * test sets its host name, bookings and earnings, and reads what was asked.
 * Header-only: included by one test file. */
#ifndef CPC_TEST_FAKE_VAST_H
#define CPC_TEST_FAKE_VAST_H

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_vast {
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t mu;
    char key[64];
    long machine_id;
    char hostname[128];
    int listed;
    double price_gpu, min_bid; /* the last create_asks */
    int rentals;               /* current_rentals_running */
    json_t *per_day;           /* the earnings rows answered (owned) */
    int asks, unlists, earnings_calls, unauthorized;
    char last_earnings_query[256];
};

struct fv_conn {
    char body[4096];
    size_t len;
};

static enum MHD_Result fv_answer(struct MHD_Connection *c, unsigned status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static json_t *fv_machines(struct fake_vast *v)
{
    json_t *m = json_pack("{s:i, s:s, s:i, s:s, s:b, s:f, s:f, s:i, s:i}", "id",
                          (int)v->machine_id, "hostname", v->hostname, "num_gpus", 1,
                          "gpu_name", "RTX 4090", "listed", v->listed, "listed_gpu_cost",
                          v->listed ? v->price_gpu : 0.0, "min_bid_price", v->min_bid,
                          "current_rentals_running", v->rentals,
                          "current_rentals_running_on_demand", 0);
    return json_pack("{s:[o]}", "machines", m);
}

static enum MHD_Result fv_route(struct fake_vast *v, struct MHD_Connection *c, const char *url,
                                const char *method, struct fv_conn *b)
{
    char ask_path[96];
    snprintf(ask_path, sizeof ask_path, "/api/v0/machines/%ld/asks/", v->machine_id);
    if (!strcmp(method, "GET") && !strcmp(url, "/api/v0/machines"))
        return fv_answer(c, 200, fv_machines(v));
    if (!strcmp(method, "PUT") && !strcmp(url, "/api/v0/machines/create_asks/")) {
        json_t *j = json_loadb(b->body, b->len, 0, NULL);
        json_t *m = json_object_get(j, "machine");
        if (!j || json_integer_value(m) != v->machine_id) {
            json_decref(j);
            return fv_answer(c, 200, json_pack("{s:b, s:s}", "success", 0, "msg", "no such machine"));
        }
        v->price_gpu = json_number_value(json_object_get(j, "price_gpu"));
        v->min_bid = json_number_value(json_object_get(j, "price_min_bid"));
        v->listed = 1;
        v->asks++;
        json_decref(j);
        return fv_answer(c, 200, json_pack("{s:b}", "success", 1));
    }
    if (!strcmp(method, "DELETE") && !strcmp(url, ask_path)) {
        v->listed = 0;
        v->unlists++;
        return fv_answer(c, 200, json_pack("{s:b}", "success", 1));
    }
    if (!strcmp(method, "GET") && !strcmp(url, "/api/v0/users/me/machine-earnings")) {
        const char *sday = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sday");
        const char *eday = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "eday");
        const char *mid = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "machid");
        snprintf(v->last_earnings_query, sizeof v->last_earnings_query, "sday=%s eday=%s machid=%s",
                 sday ? sday : "-", eday ? eday : "-", mid ? mid : "-");
        v->earnings_calls++;
        return fv_answer(c, 200, json_pack("{s:{s:f}, s:[], s:O}", "summary", "total_gpu", 0.0,
                                           "per_machine", "per_day", v->per_day));
    }
    return fv_answer(c, 404, json_pack("{s:s}", "error", "not found"));
}

static enum MHD_Result fv_handler(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct fake_vast *v = cls;
    struct fv_conn *b = *con_cls;
    if (!b) {
        *con_cls = calloc(1, sizeof *b);
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (b->len + n < sizeof b->body) {
            memcpy(b->body + b->len, upload, n);
            b->len += n;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    char want[96];
    snprintf(want, sizeof want, "Bearer %s", v->key);
    pthread_mutex_lock(&v->mu);
    enum MHD_Result rc;
    if (!auth || strcmp(auth, want) != 0) {
        v->unauthorized++;
        rc = fv_answer(c, 401, json_pack("{s:s}", "error", "unauthorized"));
    } else {
        rc = fv_route(v, c, url, method, b);
    }
    pthread_mutex_unlock(&v->mu);
    return rc;
}

static void fv_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode t)
{
    (void)cls, (void)c, (void)t;
    free(*con_cls);
    *con_cls = NULL;
}

/* Start the fake on an ephemeral port of 127.0.0.1 with key, one machine of hostname. */
static inline void fake_vast_start(struct fake_vast *v, const char *key, long machine_id,
                                   const char *hostname)
{
    memset(v, 0, sizeof *v);
    pthread_mutex_init(&v->mu, NULL);
    snprintf(v->key, sizeof v->key, "%s", key);
    snprintf(v->hostname, sizeof v->hostname, "%s", hostname);
    v->machine_id = machine_id;
    v->per_day = json_array();
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    v->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, fv_handler, v,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, fv_done, v, MHD_OPTION_END);
    assert_non_null(v->d);
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(v->d, MHD_DAEMON_INFO_BIND_PORT);
    v->port = i->port;
    assert_true(v->port > 0);
}

static inline void fake_vast_stop(struct fake_vast *v)
{
    MHD_stop_daemon(v->d);
    json_decref(v->per_day);
    pthread_mutex_destroy(&v->mu);
}

/* Vast reports earned USD (gpu_earn) for machine's day (replaces the rows). */
static inline void fake_vast_earn(struct fake_vast *v, long day, double gpu_earn)
{
    pthread_mutex_lock(&v->mu);
    json_array_append_new(v->per_day, json_pack("{s:i, s:f, s:f, s:f, s:f}", "day", (int)day,
                                                "gpu_earn", gpu_earn, "sto_earn", 0.0,
                                                "bwu_earn", 0.0, "bwd_earn", 0.0));
    pthread_mutex_unlock(&v->mu);
}

#endif

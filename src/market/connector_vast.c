/* connector_vast.c — the Vast.ai connector (connector.h).
 *
 * Design note. The requests follow Vast's own CLI, vast-ai/vast-python
 * vast.py at commit b25bd952634d493f74fe6876c8e70f917b36d527 (2024-12-13),
 * and the host pages of docs.vast.ai (cli/reference: list machine, unlist
 * machine, show machines, show earnings):
 *   show machines   GET    /api/v0/machines?owner=me          -> {"machines":[...]}
 *   list machine    PUT    /api/v0/machines/create_asks/
 *                          {"machine","price_gpu","price_min_bid",...} -> {"success"}
 *   unlist machine  DELETE /api/v0/machines/{id}/asks/          -> {"success"}
 *   show earnings   GET    /api/v0/users/me/machine-earnings?owner=me&sday&eday&machid
 * The key goes in "Authorization: Bearer KEY" (vast.py's headers; never in
 * the URL, so it stays out of logs). Prices are USD per GPU-hour as JSON
 * numbers: micro-USD is turned into a number with six decimals here and
 * nowhere else. The answers are decoded by connector_vast_decode.c.
 *
 * This machine cannot reach Vast.ai: the tests run the connector against a
 * fake server on 127.0.0.1 that answers as the above shows
 * (tests/unit/test_node_marketplace_vast.c); base_url is configurable for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/http_client.h"
#include "connector.h"

struct vast {
    struct cpc_mkt_connector base; /* first: the connector is a struct vast */
    struct cpc_http *http;
    char auth[320];
};

static struct vast *V(struct cpc_mkt_connector *c) { return (struct vast *)c; }

/* method path (body may be NULL) with the key; a 2xx answer in *out. */
static int call(struct vast *v, const char *method, const char *path, const char *body,
                struct cpc_http_resp *out, struct cpc_err *err)
{
    const char *headers[] = {v->auth, "Accept: application/json", NULL};
    memset(out, 0, sizeof *out);
    int rc = cpc_http_request_h(v->http, method, path, body, body ? strlen(body) : 0,
                                body ? "application/json" : NULL, headers, out, err);
    if (rc != 0)
        return cpc_err_prefix(err, "vast: %s %s", method, path);
    if (out->status < 200 || out->status > 299) {
        rc = cpc_err_set(err, CPC_ERR_IO, "vast: %s %s answered %ld", method, path,
                         out->status);
        cpc_http_resp_free(out);
    }
    return rc;
}

static int machines(struct cpc_mkt_connector *c, struct cpc_mkt_machine *out, size_t cap,
                    size_t *count, struct cpc_err *err)
{
    struct cpc_http_resp r;
    *count = 0;
    int rc = call(V(c), "GET", "/api/v0/machines?owner=me", NULL, &r, err);
    if (rc == 0) {
        rc = cpc_vast_decode_machines(r.body, r.len, out, cap, count, err);
        cpc_http_resp_free(&r);
    }
    return rc;
}

static int publish(struct cpc_mkt_connector *c, int64_t machine, uint64_t price,
                   uint64_t min_bid, struct cpc_err *err)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"machine\":%lld,\"price_gpu\":%llu.%06llu,\"price_min_bid\":%llu.%06llu}",
             (long long)machine, (unsigned long long)(price / 1000000),
             (unsigned long long)(price % 1000000), (unsigned long long)(min_bid / 1000000),
             (unsigned long long)(min_bid % 1000000));
    struct cpc_http_resp r;
    int rc = call(V(c), "PUT", "/api/v0/machines/create_asks/", body, &r, err);
    if (rc == 0) {
        rc = cpc_vast_decode_success(r.body, r.len, err);
        cpc_http_resp_free(&r);
    }
    return rc;
}

static int unpublish(struct cpc_mkt_connector *c, int64_t machine, struct cpc_err *err)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v0/machines/%lld/asks/", (long long)machine);
    struct cpc_http_resp r;
    int rc = call(V(c), "DELETE", path, NULL, &r, err);
    if (rc == 0) {
        rc = cpc_vast_decode_success(r.body, r.len, err);
        cpc_http_resp_free(&r);
    }
    return rc;
}

static int earnings(struct cpc_mkt_connector *c, int64_t machine, int64_t from_day,
                    int64_t to_day, struct cpc_mkt_day *out, size_t cap, size_t *count,
                    struct cpc_err *err)
{
    char path[192];
    snprintf(path, sizeof path,
             "/api/v0/users/me/machine-earnings?owner=me&sday=%lld&eday=%lld&machid=%lld",
             (long long)from_day, (long long)to_day, (long long)machine);
    struct cpc_http_resp r;
    *count = 0;
    int rc = call(V(c), "GET", path, NULL, &r, err);
    if (rc == 0) {
        rc = cpc_vast_decode_earnings(r.body, r.len, out, cap, count, err);
        cpc_http_resp_free(&r);
    }
    return rc;
}

static void destroy(struct cpc_mkt_connector *c)
{
    struct vast *v = V(c);
    cpc_http_free(v->http);
    memset(v->auth, 0, sizeof v->auth);
    free(v);
}

static const struct cpc_mkt_connector_ops vast_ops = {
    .name = "vast", .machines = machines, .publish = publish, .unpublish = unpublish,
    .earnings = earnings, .destroy = destroy,
};

struct cpc_mkt_connector *cpc_vast_connector_new(const char *base_url, const char *api_key,
                                                 long timeout_ms)
{
    struct vast *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->base.ops = &vast_ops;
    snprintf(v->auth, sizeof v->auth, "Authorization: Bearer %s", api_key);
    v->http = cpc_http_new(base_url, timeout_ms ? timeout_ms : 15000);
    if (!v->http) {
        free(v);
        return NULL;
    }
    return &v->base;
}

void cpc_mkt_connector_free(struct cpc_mkt_connector *c)
{
    if (c)
        c->ops->destroy(c);
}

/* connector_vast_decode.c — the decoders of Vast.ai's answers (connector.h).
 *
 * Design note. These bytes come from the network, so every field is checked:
 * the document must be an object under CPC_VAST_BODY_MAX with no duplicate
 * keys, numbers must be finite and in range, strings bounded; a field we do
 * not read is ignored (Vast adds fields). Fields follow vast-ai/vast-python
 * vast.py (commit b25bd952, 2024-12-13): `show machines` reads
 * r.json()["machines"] with machine_fields ("id", "hostname",
 * "listed_gpu_cost", "min_bid_price", ...); `show earnings` prints
 * machine-earnings, whose rows are {"day","gpu_earn","sto_earn","bwu_earn",
 * "bwd_earn"} in "per_day"; host commands answer {"success": bool, "msg"}.
 * The booking signal is "current_rentals_running" (+ "_on_demand"), which
 * the machines answer carries (docs.vast.ai, show machines). fuzz/
 * fuzz_vast_answer.c runs all three.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "connector.h"

#define CPC_VAST_BODY_MAX (4u << 20)

int cpc_vast_usd_micro(double v, uint64_t *out)
{
    if (!isfinite(v) || v < 0 || v >= (double)CPC_MKT_MICRO_MAX / 1e6)
        return -1;
    *out = (uint64_t)(v * 1e6 + 0.5);
    return 0;
}

static json_t *load(const char *body, size_t len, struct cpc_err *err)
{
    if (len > CPC_VAST_BODY_MAX) {
        cpc_err_set(err, CPC_ERR_INVALID, "vast: answer of %zu bytes is too large", len);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        cpc_err_set(err, CPC_ERR_INVALID, "vast: answer is not JSON: %s", je.text);
    else if (!json_is_object(j)) {
        json_decref(j);
        j = NULL;
        cpc_err_set(err, CPC_ERR_INVALID, "vast: answer is not an object");
    }
    return j;
}

/* Optional number field k of o as micro-USD into *out (absent or null: 0). */
static int money(json_t *o, const char *k, uint64_t *out, struct cpc_err *err)
{
    json_t *v = json_object_get(o, k);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v) || cpc_vast_usd_micro(json_number_value(v), out) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "vast: %s is not an amount of USD", k);
    return 0;
}

/* Optional non-negative integer field k (absent or null: 0). */
static int count_field(json_t *o, const char *k, uint32_t *out, struct cpc_err *err)
{
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
        return cpc_err_set(err, CPC_ERR_INVALID, "vast: %s is not a count", k);
    *out += (uint32_t)json_integer_value(v);
    return 0;
}

static int machine(json_t *o, struct cpc_mkt_machine *m, struct cpc_err *err)
{
    memset(m, 0, sizeof *m);
    json_t *id = json_object_get(o, "id");
    if (!json_is_object(o) || !json_is_integer(id) || json_integer_value(id) <= 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "vast: a machine without a positive id");
    m->id = (int64_t)json_integer_value(id);
    json_t *h = json_object_get(o, "hostname");
    if (h && !json_is_null(h)) {
        if (!json_is_string(h) || json_string_length(h) >= sizeof m->hostname)
            return cpc_err_set(err, CPC_ERR_INVALID, "vast: machine %lld: bad hostname",
                               (long long)m->id);
        snprintf(m->hostname, sizeof m->hostname, "%s", json_string_value(h));
    }
    json_t *l = json_object_get(o, "listed");
    m->listed = json_is_true(l);
    if (money(o, "listed_gpu_cost", &m->listed_price, err) != 0 ||
        money(o, "min_bid_price", &m->min_bid, err) != 0 ||
        count_field(o, "current_rentals_running", &m->rentals, err) != 0 ||
        count_field(o, "current_rentals_running_on_demand", &m->rentals, err) != 0)
        return CPC_ERR_INVALID;
    if (!l && m->listed_price > 0)
        m->listed = 1;
    return 0;
}

int cpc_vast_decode_machines(const char *body, size_t len, struct cpc_mkt_machine *out,
                             size_t cap, size_t *count, struct cpc_err *err)
{
    *count = 0;
    json_t *j = load(body, len, err);
    if (!j)
        return CPC_ERR_INVALID;
    json_t *arr = json_object_get(j, "machines");
    int rc = 0;
    if (!json_is_array(arr))
        rc = cpc_err_set(err, CPC_ERR_INVALID, "vast: no \"machines\" array");
    else if (json_array_size(arr) > cap)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "vast: more than %zu machines", cap);
    for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++)
        if ((rc = machine(json_array_get(arr, i), &out[i], err)) == 0)
            (*count)++;
    json_decref(j);
    if (rc != 0)
        *count = 0;
    return rc;
}

static int day_row(json_t *o, struct cpc_mkt_day *d, struct cpc_err *err)
{
    static const char *const parts[] = {"gpu_earn", "sto_earn", "bwu_earn", "bwd_earn"};
    memset(d, 0, sizeof *d);
    json_t *day = json_object_get(o, "day");
    if (!json_is_object(o) || !json_is_integer(day) || json_integer_value(day) < 0 ||
        json_integer_value(day) > 10000000)
        return cpc_err_set(err, CPC_ERR_INVALID, "vast: an earnings row without a day");
    d->day = (int64_t)json_integer_value(day);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        uint64_t v = 0;
        if (money(o, parts[i], &v, err) != 0)
            return CPC_ERR_INVALID;
        d->earned += v; /* each < CPC_MKT_MICRO_MAX: no overflow */
    }
    return 0;
}

int cpc_vast_decode_earnings(const char *body, size_t len, struct cpc_mkt_day *out, size_t cap,
                             size_t *count, struct cpc_err *err)
{
    *count = 0;
    json_t *j = load(body, len, err);
    if (!j)
        return CPC_ERR_INVALID;
    json_t *arr = json_object_get(j, "per_day");
    int rc = 0;
    if (arr && !json_is_array(arr))
        rc = cpc_err_set(err, CPC_ERR_INVALID, "vast: \"per_day\" is not an array");
    else if (json_array_size(arr) > cap)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "vast: more than %zu days", cap);
    for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
        if ((rc = day_row(json_array_get(arr, i), &out[i], err)) != 0)
            break;
        for (size_t k = 0; k < i; k++)
            if (out[k].day == out[i].day)
                rc = cpc_err_set(err, CPC_ERR_INVALID, "vast: day %lld twice",
                                 (long long)out[i].day);
        if (rc == 0)
            (*count)++;
    }
    json_decref(j);
    if (rc != 0)
        *count = 0;
    return rc;
}

int cpc_vast_decode_success(const char *body, size_t len, struct cpc_err *err)
{
    json_t *j = load(body, len, err);
    if (!j)
        return CPC_ERR_INVALID;
    int rc = 0;
    if (!json_is_true(json_object_get(j, "success"))) {
        const char *msg = json_string_value(json_object_get(j, "msg"));
        rc = cpc_err_set(err, CPC_ERR_INVALID, "vast: refused: %.160s", msg ? msg : "no reason");
    }
    json_decref(j);
    return rc;
}

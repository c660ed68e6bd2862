/* wk_node.c — signed worker calls and lease parsing (wk_node.h). */
#include "wk_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/req_sign.h"
#include "../core/hex.h"
#include "../core/uuid.h"
#include "../core/hex_json.h"

struct cpc_wk_node {
    struct cpc_http *http;
    struct cpc_signer *signer;
    struct cpc_key key;
    uint64_t last_ts;
};

struct cpc_wk_node *cpc_wk_node_new(const char *url, const struct cpc_key *key, long timeout_ms)
{
    struct cpc_wk_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->http = cpc_http_new(url, timeout_ms);
    n->signer = cpc_signer_new_random();
    if (!n->http || !n->signer) {
        cpc_wk_node_free(n);
        return NULL;
    }
    n->key = *key;
    return n;
}

void cpc_wk_node_free(struct cpc_wk_node *n)
{
    if (!n)
        return;
    cpc_http_free(n->http);
    cpc_signer_free(n->signer);
    cpc_key_wipe(&n->key);
    free(n);
}

struct cpc_http *cpc_wk_node_http(struct cpc_wk_node *n) { return n->http; }

static uint64_t next_ts(struct cpc_wk_node *n)
{
    uint64_t now = cpc_clock_wall_ms();
    n->last_ts = now > n->last_ts ? now : n->last_ts + 1;
    return n->last_ts;
}

/* The three X-CPC-* headers of a signed request, and the NULL-ended list of them. */
struct sig_headers {
    char pubkey[128], ts[64], sig[160];
    const char *list[4];
};

/* Sign method + path + body with a fresh timestamp into h. */
static int sign_headers(struct cpc_wk_node *n, const char *method, const char *path,
                        const void *body, size_t body_len, struct sig_headers *h,
                        struct cpc_err *err)
{
    uint64_t ts = next_ts(n);
    struct cpc_req_sig sig;
    int rc = cpc_req_sign(&sig, n->signer, &n->key, method, path, body, body_len, ts, err);
    if (rc)
        return rc;
    snprintf(h->pubkey, sizeof h->pubkey, "X-CPC-Pubkey: %s", sig.pubkey);
    snprintf(h->ts, sizeof h->ts, "X-CPC-Timestamp: %llu", (unsigned long long)ts);
    snprintf(h->sig, sizeof h->sig, "X-CPC-Signature: %s", sig.signature);
    h->list[0] = h->pubkey;
    h->list[1] = h->ts;
    h->list[2] = h->sig;
    h->list[3] = NULL;
    return 0;
}

int cpc_wk_node_signed(struct cpc_wk_node *n, const char *method, const char *path,
                       const json_t *body, json_t **out, long *status, struct cpc_err *err)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : strdup("{}");
    if (!text)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    size_t len = strlen(text);
    struct sig_headers h;
    int rc = sign_headers(n, method, path, text, len, &h, err);
    if (rc == 0)
        rc = cpc_http_json_h(n->http, method, path, text, len, h.list, out, status, err);
    free(text);
    return rc;
}

int cpc_wk_node_signed_raw(struct cpc_wk_node *n, const char *method, const char *path,
                           const void *body, size_t body_len, const char *content_type,
                           struct cpc_http_resp *out, struct cpc_err *err)
{
    struct sig_headers h;
    int rc = sign_headers(n, method, path, body, body_len, &h, err);
    if (rc)
        return rc;
    return cpc_http_request_h(n->http, method, path, body, body_len, content_type, h.list, out,
                              err);
}

static int hex_field(const json_t *o, const char *key, uint8_t *out, size_t len,
                     struct cpc_err *err)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || cpc_hex_decode_exact(out, len, s) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "lease task: %s must be %zu hex bytes", key, len);
    return 0;
}

static int u64_field(const json_t *o, const char *key, uint64_t max, uint64_t *out,
                     struct cpc_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return cpc_err_set(err, CPC_ERR_INVALID, "lease task: %s must be an integer 0..%llu", key,
                           (unsigned long long)max);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

int cpc_wk_task_from_json(struct cpc_wk_task *t, const json_t *j, struct cpc_err *err)
{
    memset(t, 0, sizeof *t);
    const char *tid = json_string_value(json_object_get(j, "task_id"));
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const json_t *p = json_object_get(j, "params"), *lease = json_object_get(j, "lease");
    uint64_t v = 0;
    int rc;
    if (!tid || cpc_uuid_parse(t->task_id, tid) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "lease task: task_id must be a UUID");
    cpc_uuid_format(t->task_id_s, t->task_id);
    if (!kind || (t->kind = cpc_kind_from_name(kind)) == CPC_KIND_NONE)
        return cpc_err_set(err, CPC_ERR_INVALID, "lease task: unknown kind \"%.20s\"",
                           kind ? kind : "");
    if (!json_is_object(p) || !json_is_object(lease))
        return cpc_err_set(err, CPC_ERR_INVALID, "lease task: params and lease must be objects");
    if ((rc = hex_field(j, "job_id", t->job_id, 32, err)) ||
        (rc = hex_field(j, "seed", t->seed, 32, err)) ||
        (rc = u64_field(j, "index", UINT32_MAX, &v, err)))
        return rc;
    t->index = (uint32_t)v;
    if ((rc = u64_field(j, "reward", INT64_MAX, &t->reward, err)) ||
        (rc = u64_field(lease, "expires", INT64_MAX, &t->lease_expires, err)) ||
        (rc = hex_field(lease, "signature", t->lease_sig, 64, err)))
        return rc;
    int in_set = 0;
    if ((rc = cpc_lease_set_from_json(&t->lease_set, &in_set, lease, "lease task: lease",
                                      CPC_ERR_INVALID, err)))
        return rc;
    t->lease_in_set = (uint8_t)in_set;
    switch (t->kind) {
    case CPC_KIND_HASHPOW:
        if ((rc = u64_field(p, "bits", CPC_HASHPOW_MAX_BITS, &v, err)))
            return rc;
        t->p.hashpow.bits = (unsigned)v;
        return 0;
    case CPC_KIND_MATMUL: {
        uint64_t m, k, nn, ch;
        if ((rc = u64_field(p, "m", CPC_MATMUL_MAX_DIM, &m, err)) ||
            (rc = u64_field(p, "k", CPC_MATMUL_MAX_DIM, &k, err)) ||
            (rc = u64_field(p, "n", CPC_MATMUL_MAX_DIM, &nn, err)) ||
            (rc = u64_field(p, "challenges", CPC_MATMUL_MAX_CHALLENGES, &ch, err)))
            return rc;
        if (!m || !k || !nn)
            return cpc_err_set(err, CPC_ERR_INVALID, "lease task: matmul dimensions must be >= 1");
        t->p.matmul.m = (uint32_t)m;
        t->p.matmul.k = (uint32_t)k;
        t->p.matmul.n = (uint32_t)nn;
        t->p.matmul.challenges = (uint32_t)ch;
        return 0;
    }
    case CPC_KIND_VANITY: {
        const char *prefix = json_string_value(json_object_get(p, "prefix"));
        if ((rc = hex_field(p, "pubkey", t->p.vanity.pubkey, CPC_PUBKEY_LEN, err)))
            return rc;
        if (!prefix || cpc_vanity_check_prefix(prefix, err) != 0)
            return cpc_err_set(err, CPC_ERR_INVALID, "lease task: bad vanity prefix");
        snprintf(t->p.vanity.prefix, sizeof t->p.vanity.prefix, "%s", prefix);
        return 0;
    }
    case CPC_KIND_EXEC: {
        const json_t *in = json_object_get(p, "inputs");
        uint64_t to, mem;
        if ((rc = hex_field(p, "app", t->p.exec.app, 32, err)) ||
            (rc = u64_field(p, "timeout_s", 86400, &to, err)) ||
            (rc = u64_field(p, "memory_mb", 1u << 20, &mem, err)))
            return rc;
        if (!json_is_array(in) || json_array_size(in) > CPC_MAX_EXEC_INPUTS)
            return cpc_err_set(err, CPC_ERR_INVALID, "lease task: inputs must be an array of at "
                                                     "most %d hashes", CPC_MAX_EXEC_INPUTS);
        t->p.exec.n_inputs = (unsigned)json_array_size(in);
        for (unsigned i = 0; i < t->p.exec.n_inputs; i++) {
            const char *h = json_string_value(json_array_get(in, i));
            if (!h || cpc_hex_decode_exact(t->p.exec.inputs[i], 32, h) != 0)
                return cpc_err_set(err, CPC_ERR_INVALID, "lease task: inputs[%u] is not a hash", i);
        }
        t->p.exec.timeout_s = (unsigned)to;
        t->p.exec.memory_mb = (unsigned)mem;
        return 0;
    }
    default:
        return cpc_err_set(err, CPC_ERR_INVALID, "lease task: no executor for kind %s", kind);
    }
}

json_t *cpc_wk_task_to_json(const struct cpc_wk_task *t)
{
    json_t *p = NULL;
    switch (t->kind) {
    case CPC_KIND_HASHPOW:
        p = json_pack("{s:i}", "bits", (int)t->p.hashpow.bits);
        break;
    case CPC_KIND_MATMUL:
        p = json_pack("{s:I, s:I, s:I, s:I}", "m", (json_int_t)t->p.matmul.m, "k",
                      (json_int_t)t->p.matmul.k, "n", (json_int_t)t->p.matmul.n, "challenges",
                      (json_int_t)t->p.matmul.challenges);
        break;
    case CPC_KIND_VANITY:
        p = json_pack("{s:o, s:s}", "pubkey", cpc_hex_json(t->p.vanity.pubkey, CPC_PUBKEY_LEN), "prefix",
                      t->p.vanity.prefix);
        break;
    case CPC_KIND_EXEC: {
        json_t *in = json_array();
        for (unsigned i = 0; in && i < t->p.exec.n_inputs; i++)
            json_array_append_new(in, cpc_hex_json(t->p.exec.inputs[i], 32));
        p = in ? json_pack("{s:o, s:o, s:I, s:I}", "app", cpc_hex_json(t->p.exec.app, 32), "inputs", in,
                           "timeout_s", (json_int_t)t->p.exec.timeout_s, "memory_mb",
                           (json_int_t)t->p.exec.memory_mb)
               : NULL;
        break;
    }
    default:
        return NULL;
    }
    if (!p)
        return NULL;
    json_t *lease = json_pack("{s:I, s:o}", "expires", (json_int_t)t->lease_expires, "signature",
                              cpc_hex_json(t->lease_sig, 64));
    if (lease && t->lease_in_set && cpc_lease_set_to_json(lease, &t->lease_set) != 0) {
        json_decref(lease);
        lease = NULL;
    }
    if (!lease) {
        json_decref(p);
        return NULL;
    }
    return json_pack("{s:s, s:o, s:I, s:s, s:o, s:o, s:I, s:o}", "task_id", t->task_id_s,
                     "job_id", cpc_hex_json(t->job_id, 32), "index", (json_int_t)t->index, "kind",
                     cpc_kind_name(t->kind), "params", p, "seed", cpc_hex_json(t->seed, 32), "reward",
                     (json_int_t)t->reward, "lease", lease);
}

int cpc_wk_lease(struct cpc_wk_node *n, unsigned max_tasks, unsigned wait_ms,
                 struct cpc_wk_task **tasks, size_t *count, uint64_t *height,
                 struct cpc_err *err)
{
    *tasks = NULL;
    *count = 0;
    json_t *body = json_pack("{s:i, s:i}", "max_tasks", (int)max_tasks, "wait_ms", (int)wait_ms);
    json_t *out = NULL;
    if (!body)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = cpc_wk_node_signed(n, "POST", "/worker/lease", body, &out, NULL, err);
    json_decref(body);
    if (rc)
        return rc;
    json_t *arr = json_object_get(out, "tasks"), *h = json_object_get(out, "height");
    if (!json_is_array(arr) || !json_is_integer(h)) {
        json_decref(out);
        return cpc_err_set(err, CPC_ERR_INVALID, "lease answer lacks tasks or height");
    }
    *height = (uint64_t)json_integer_value(h);
    size_t cnt = json_array_size(arr);
    if (cnt && !(*tasks = calloc(cnt, sizeof **tasks))) {
        json_decref(out);
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < cnt; i++) {
        if ((rc = cpc_wk_task_from_json(&(*tasks)[*count], json_array_get(arr, i), err)) != 0)
            break;
        (*count)++;
    }
    json_decref(out);
    if (rc) {
        free(*tasks);
        *tasks = NULL;
        *count = 0;
    }
    return rc;
}

int cpc_wk_release(struct cpc_wk_node *n, const uint8_t (*task_ids)[16], size_t count,
                   struct cpc_err *err)
{
    json_t *ids = json_array();
    if (!ids)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        char s[37];
        cpc_uuid_format(s, task_ids[i]);
        json_array_append_new(ids, json_string(s));
    }
    json_t *body = json_pack("{s:o}", "task_ids", ids);
    int rc = body ? cpc_wk_node_signed(n, "POST", "/worker/release", body, NULL, NULL, err)
                  : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    json_decref(body);
    return rc;
}

/* routes_marketplace.c — the Marketplace REST API (routes_marketplace.h).
 *
 * Design note: drafts live in SQLite (store_market.h), jobs on chain. The
 * handlers never move money: confirm, cancel and extend only admit a
 * customer-signed JOB_CREATE / JOB_CANCEL / JOB_EXTEND through the same
 * admission as POST /tx (cpc_node_admit_tx), after checking that the tx
 * matches the draft (the contract's canonical encoding, or the job id) and
 * that its sender is the draft's owner. The customer's key signs: their own,
 * sent in the body, or their custodial one, which the node holds and uses
 * for a signed-in owner who sends no tx (routes_marketplace_auth.c, which
 * also says who the caller is). Reads of jobs, tasks and workers decode records of the
 * committed state under the node's read lock; the cluster and queue views
 * walk the state's objects once per call and are bounded in what they return.
 * The common case is cheap: create a draft (parse + quote + one INSERT),
 * confirm it (one tx check + one UPDATE), read it (one SELECT + one lookup).
 * Drafts cost the node a row each, so creating one is limited per client IP
 * and per owner, and a draft never confirmed expires by the platform clock
 * (draft_limit.h): each insert first deletes a bounded batch of expired
 * ones, and reads and lists treat them as gone.
 */
#include "routes_marketplace.h"
#include "routes_marketplace_internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"
#include "../common/req_sign.h"
#include "../core/amount.h"
#include "../core/hex.h"
#include "../core/market.h"
#include "../core/tx.h"
#include "../core/uuid.h"
#include "../store/store_market.h"
#include "../platform/custody.h"
#include "../platform/draft_limit.h"
#include "market_quote.h"
#include "../node/mempool.h"
#include "../http/metrics.h"
#include "../node/node.h"
#include "../platform/platform.h"
#include "../node/routes_chain.h"
#include "scheduler.h"
#include "worker_auth.h"

#define LOG_DEFAULT CPC_JOB_TXS_MAX

static struct cpc_node *node_of(struct cpc_http_req *req) { return req->app; }

/* created_at (unix s) before which a draft never confirmed has expired; 0: none expire. */
static uint64_t expired_before(const struct cpc_node *n)
{
    const struct cpc_platform *p = n->platform;
    return p ? cpc_draft_expired_before(&p->draft_limits, cpc_platform_now(p)) : 0;
}

/* Now in unix seconds, by the platform clock when there is one. */
static uint64_t now_s(const struct cpc_node *n)
{
    return n->platform ? cpc_platform_now(n->platform) / 1000u : (uint64_t)time(NULL);
}

json_t *cpc__mp_hexj(const uint8_t *b, size_t n)
{
    char s[2 * 32 + 1];
    cpc_hex_encode(s, b, n);
    return json_string(s);
}

void cpc__mp_oom(struct cpc_http_res *res)
{
    cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
}

/* An error from a decoder or a rule: 400 (500 for NOMEM/DB/IO), its code name. */
static void bad_input(struct cpc_http_res *res, const struct cpc_err *err)
{
    int st = cpc_errcode_http_status(err->code);
    if (st == 413 || st == 404 || st == 409 || st == 401)
        st = 400;
    cpc_http_res_error(res, st, cpc_errcode_name(err->code), "%s", err->msg);
}

/* Parse a JSON body of at most CPC_MP_BODY_MAX. empty_ok: an empty body is NULL
 * without an error. Returns 0 or -1 with the answer set. */
static int parse_body(struct cpc_http_req *req, struct cpc_http_res *res, int empty_ok,
                      json_t **out)
{
    *out = NULL;
    if (req->body_len > CPC_MP_BODY_MAX) {
        cpc_http_res_error(res, 413, "too_large", "request body exceeds %d bytes",
                           CPC_MP_BODY_MAX);
        return -1;
    }
    if (req->body_len == 0) {
        if (empty_ok)
            return 0;
        cpc_http_res_error(res, 400, "invalid_json", "request body is empty");
        return -1;
    }
    json_error_t je;
    *out = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!*out) {
        cpc_http_res_error(res, 400, "invalid_json", "body is not valid JSON: %s (at %d:%d)",
                           je.text, je.line, je.column);
        return -1;
    }
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        cpc_http_res_error(res, 400, "invalid_json", "request body must be a JSON object");
        return -1;
    }
    return 0;
}

/* Load the draft named by the path. 0, or -1 with the answer set. */
static int load_draft(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_draft *d)
{
    struct cpc_err err = {0};
    const char *id = req->n_params ? req->params[0] : "";
    int rc = cpc_store_draft_get(node_of(req)->store, id, d, &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        cpc_http_res_error(res, 404, "not_found", "job draft %.40s not found", id);
        return -1;
    }
    if (rc) {
        cpc_http_res_from_err(res, &err);
        return -1;
    }
    if (!d->job_id[0] && d->created_at < expired_before(node_of(req))) {
        /* never confirmed and past its life: gone (the next insert deletes the row) */
        cpc_http_res_error(res, 404, "not_found",
                           "job draft %.40s not found (a draft not confirmed within %llu s "
                           "expires)",
                           id, (unsigned long long)node_of(req)->platform->draft_limits.ttl_s);
        cpc_draft_clear(d);
        return -1;
    }
    return 0;
}

/* Read one record of the committed state. 0, CPC_ERR_NOT_FOUND or an error. */
static int read_obj(struct cpc_node *n, const uint8_t *key, size_t klen, struct cpc_buf *b)
{
    return cpc_node_obj_get(n, key, klen, b);
}

static int get_job(struct cpc_node *n, const uint8_t id[32], struct cpc_job *j,
                   struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = read_obj(n, key, cpc_key_job(key, id), &b);
    if (rc == 0)
        rc = cpc_job_decode(j, b.data, b.len, err);
    else
        cpc_err_set(err, rc, "job not found");
    cpc_buf_free(&b);
    return rc;
}

/* Task status of (job, index): 0 OPEN when no record, else the record's. -1 on error. */
int cpc__mp_task_status(struct cpc_node *n, const uint8_t job_id[32], uint32_t index,
                       uint8_t tid[16])
{
    uint8_t key[CPC_KEY_MAX];
    cpc_task_id(tid, job_id, index);
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = read_obj(n, key, cpc_key_task(key, tid), &b);
    int st = CPC_TASK_OPEN;
    if (rc == 0) {
        struct cpc_task t;
        st = cpc_task_decode(&t, b.data, b.len, NULL) == 0 ? t.status : -1;
    } else if (rc != CPC_ERR_NOT_FOUND) {
        st = -1;
    }
    cpc_buf_free(&b);
    return st;
}

static const char *sender_of(const struct cpc_tx *tx, char out[CPC_ADDR_STR_MAX])
{
    cpc_address_encode(out, tx->from);
    return out;
}

int cpc__mp_owner_check(struct cpc_http_res *res, const struct cpc_draft *d, const char *signer,
                       const char *sender)
{
    if (!d->owner[0])
        return 0;
    if (signer[0] && strcmp(signer, d->owner) != 0) {
        cpc_http_res_error(res, 403, "forbidden",
                           "draft %s belongs to %s; the request is signed by %s", d->id,
                           d->owner, signer);
        return -1;
    }
    if (sender && sender[0] && strcmp(sender, d->owner) != 0) {
        cpc_http_res_error(res, 403, "forbidden",
                           "draft %s belongs to %s; the tx is signed by %s", d->id, d->owner,
                           sender);
        return -1;
    }
    if (!signer[0] && !(sender && sender[0])) {
        cpc_http_res_error(res, 403, "forbidden",
                           "draft %s belongs to %s: sign the request with that key", d->id,
                           d->owner);
        return -1;
    }
    return 0;
}

/* Decode body {"tx": {...}} into tx (caller cpc_tx_clear's on 0). -1 with the answer set. */
static int body_tx(struct cpc_http_res *res, json_t *body, enum cpc_tx_type want,
                   struct cpc_tx *tx)
{
    json_t *t = json_object_get(body, "tx");
    if (!t || json_object_size(body) != 1 || !json_is_object(t)) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "body must be {\"tx\": a signed %s transaction (wire JSON)}",
                           cpc_tx_type_name(want));
        return -1;
    }
    struct cpc_err err = {0};
    if (cpc_tx_from_json(tx, t, &err) != 0) {
        bad_input(res, &err);
        return -1;
    }
    if (tx->type != want) {
        cpc_http_res_error(res, 400, "invalid_argument", "tx must be a %s, not %s",
                           cpc_tx_type_name(want), cpc_tx_type_name(tx->type));
        cpc_tx_clear(tx);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* drafts                                                              */

static json_t *load_text(const char *text)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    return j ? j : json_null();
}

static json_t *draft_json(const struct cpc_draft *d)
{
    return json_pack("{s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:o}", "id", d->id, "status",
                     cpc_draft_status_name(d->status), "owner",
                     d->owner[0] ? json_string(d->owner) : json_null(),
                     "created_at", (json_int_t)d->created_at, "job_id",
                     d->job_id[0] ? json_string(d->job_id) : json_null(), "request",
                     load_text(d->request), "contract", load_text(d->contract), "quote",
                     load_text(d->quote));
}

void cpc_h_mp_jobs_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    struct cpc__mp_caller caller;
    json_t *body = NULL, *quote = NULL, *cj = NULL;
    char *contract_text = NULL, *quote_text = NULL, *request_text = NULL;
    if (parse_body(req, res, 0, &body) != 0 || cpc__mp_caller(req, res, &caller) != 0)
        goto done;
    struct cpc_contract c;
    struct cpc_err err = {0};
    int rc = cpc_mq_draft(body, n->cfg.block_time_ms ? n->cfg.block_time_ms : 1000, &c, &quote,
                          &err);
    if (rc) {
        if (rc == CPC_ERR_NOMEM) {
            cpc__mp_oom(res);
        } else if (quote) { /* over max_budget: show the estimate with the error */
            cpc_http_res_json(res, 400,
                              json_pack("{s:{s:s, s:s}, s:O}", "error", "code",
                                        cpc_errcode_name(rc), "message", err.msg, "quote",
                                        quote));
        } else {
            bad_input(res, &err);
        }
        goto done;
    }
    cj = cpc_contract_to_json(&c);
    contract_text = cj ? json_dumps(cj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    quote_text = json_dumps(quote, JSON_COMPACT | JSON_SORT_KEYS);
    request_text = malloc(req->body_len + 1);
    if (!contract_text || !quote_text || !request_text) {
        cpc__mp_oom(res);
        goto done;
    }
    memcpy(request_text, req->body, req->body_len);
    request_text[req->body_len] = '\0';
    if (strlen(request_text) != req->body_len) {
        cpc_http_res_error(res, 400, "invalid_json", "request body contains a NUL byte");
        goto done;
    }
    if (n->platform && cpc__draft_limit(req, res, n->platform, caller.addr) != 0)
        goto done;
    /* expired drafts go before a new one comes: the table stays what the limits let in */
    uint64_t cutoff = expired_before(n);
    uint32_t expired = 0;
    if (cutoff && cpc_store_draft_expire(n->store, cutoff, CPC_DRAFT_EXPIRE_BATCH, &expired,
                                         &err) != 0)
        CPC_LOGE("marketplace: expiring drafts: %s", err.msg);
    else if (expired)
        CPC_LOGD("marketplace: %u expired drafts deleted", expired);
    struct cpc_draft d;
    memset(&d, 0, sizeof d);
    uint8_t u[16];
    randombytes_buf(u, sizeof u);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* variant 10 */
    cpc_uuid_format(d.id, u);
    snprintf(d.owner, sizeof d.owner, "%s", caller.addr);
    d.created_at = now_s(n);
    d.request = request_text;
    d.contract = contract_text;
    d.quote = quote_text;
    d.status = CPC_DRAFT_OPEN;
    rc = cpc_store_draft_add(n->store, &d, &err);
    if (rc) {
        cpc_http_res_from_err(res, &err);
        goto done;
    }
    json_t *out = json_pack("{s:s, s:s, s:o, s:O, s:O}", "id", d.id, "status", "draft", "owner",
                            caller.addr[0] ? json_string(caller.addr) : json_null(), "quote", quote,
                            "contract", cj);
    if (!out)
        cpc__mp_oom(res);
    else
        cpc_http_res_json(res, 201, out);
done:
    free(contract_text);
    free(quote_text);
    free(request_text);
    json_decref(cj);
    json_decref(quote);
    json_decref(body);
}

void cpc_h_mp_jobs_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint64_t limit, offset;
    if (cpc_http_req_query_uint(req, res, "limit", 20, 1, CPC_DRAFT_LIST_MAX, &limit) != 0 ||
        cpc_http_req_query_uint(req, res, "offset", 0, 0, 1000000, &offset) != 0)
        return;
    const char *ow = cpc_http_req_query(req, "owner");
    char owner[CPC_ADDR_STR_MAX];
    if (ow) {
        uint8_t h[CPC_ADDR_HASH_LEN];
        if (cpc_address_decode(h, ow) != 0)
            return cpc_http_res_error(res, 400, "invalid_address",
                                      "owner is not a valid cpc1 address: %.80s", ow);
        cpc_address_encode(owner, h);
    }
    json_t *arr = NULL;
    struct cpc_err err = {0};
    if (cpc_store_draft_list(n->store, ow ? owner : NULL, (uint32_t)limit, (uint32_t)offset,
                             expired_before(n), &arr, &err) != 0)
        return cpc_http_res_from_err(res, &err);
    cpc_http_res_json(res, 200,
                      json_pack("{s:o, s:o, s:I, s:I}", "jobs", arr, "owner",
                                ow ? json_string(owner) : json_null(), "limit",
                                (json_int_t)limit, "offset", (json_int_t)offset));
}

/* The on-chain side of a confirmed draft: "tx" (the JOB_CREATE's state), "job" (the
 * record) and "escrow_balance". */
static void add_chain_view(struct cpc_node *n, const struct cpc_draft *d, json_t *o)
{
    uint8_t id[32];
    if (!d->job_id[0] || cpc_hex_decode_exact(id, 32, d->job_id) != 0) {
        json_object_set_new(o, "tx", json_null());
        json_object_set_new(o, "job", json_null());
        return;
    }
    struct cpc_err err = {0};
    json_t *txj = NULL;
    json_t *txv = json_null();
    if (cpc_store_get_tx_json(n->store, id, &txj, &err) == 0) {
        txv = json_pack("{s:s, s:O, s:O, s:O}", "hash", d->job_id, "status",
                        json_object_get(txj, "status"), "height",
                        json_object_get(txj, "height"), "error", json_object_get(txj, "error"));
        json_decref(txj);
    } else {
        struct cpc_tx tx;
        if (cpc_mempool_get(n->mempool, id, &tx) == 0) {
            cpc_tx_clear(&tx);
            txv = json_pack("{s:s, s:s, s:n, s:n}", "hash", d->job_id, "status", "pending",
                            "height", "error");
        } else {
            txv = json_pack("{s:s, s:s, s:n, s:s}", "hash", d->job_id, "status", "unknown",
                            "height", "error",
                            "the tx is neither pending nor committed (dropped from the mempool)");
        }
    }
    json_object_set_new(o, "tx", txv ? txv : json_null());
    struct cpc_job job;
    if (get_job(n, id, &job, &err) == 0) {
        json_t *jj = cpc_job_to_json(&job);
        json_object_set_new(o, "job", jj ? jj : json_null());
        uint8_t esc[CPC_ADDR_HASH_LEN];
        struct cpc_account acc;
        cpc_escrow_address(esc, id);
        cpc_node_account(n, esc, &acc);
        json_object_set_new(o, "escrow_balance", json_integer((json_int_t)acc.balance));
        json_object_set_new(o, "job_status", json_string(json_string_value(
                                                 json_object_get(jj, "status"))));
        json_object_set_new(o, "tasks_done", json_integer(job.tasks_done));
        json_object_set_new(o, "tasks", json_integer(job.contract.tasks));
    } else {
        json_object_set_new(o, "job", json_null());
    }
}

void cpc_h_mp_job_get(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_draft d;
    if (load_draft(req, res, &d) != 0)
        return;
    json_t *o = draft_json(&d);
    if (!o) {
        cpc_draft_clear(&d);
        return cpc__mp_oom(res);
    }
    add_chain_view(node_of(req), &d, o);
    cpc_draft_clear(&d);
    cpc_http_res_json(res, 200, o);
}

void cpc_h_mp_job_quote(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_draft d;
    if (load_draft(req, res, &d) != 0)
        return;
    json_t *o = json_pack("{s:s, s:s, s:o}", "id", d.id, "status",
                          cpc_draft_status_name(d.status), "quote",
                          load_text(d.quote));
    cpc_draft_clear(&d);
    if (!o)
        return cpc__mp_oom(res);
    cpc_http_res_json(res, 200, o);
}

/* First top-level key whose value differs between two contract JSONs, or NULL. */
static const char *first_diff(json_t *a, json_t *b)
{
    const char *k;
    json_t *v;
    json_object_foreach(a, k, v) {
        if (!json_equal(v, json_object_get(b, k)))
            return k;
    }
    json_object_foreach(b, k, v) {
        if (!json_object_get(a, k))
            return k;
    }
    return NULL;
}

/* Draft id: from -> to in the store (job_id and owner as cpc_store_draft_transition
 * takes them; may be NULL). 0, or -1 with the answer set (409 when another request
 * moved the draft first). All arguments are borrowed. */
static int draft_move(struct cpc_node *n, struct cpc_http_res *res, const char *id,
                      enum cpc_draft_status from, enum cpc_draft_status to, const char *job_id,
                      const char *owner)
{
    struct cpc_err err = {0};
    if (cpc_store_draft_transition(n->store, id, from, to, job_id, owner, &err) == 0)
        return 0;
    if (err.code == CPC_ERR_DUPLICATE)
        cpc_http_res_error(res, 409, "conflict", "%s", err.msg);
    else
        cpc_http_res_from_err(res, &err);
    return -1;
}

/* One action on a draft (confirm, cancel, extend): the request's body and
 * caller, the custody lock when the caller's intent needs it (held until the
 * outcome is recorded), the draft, and the tx the action decoded. */
struct mp_action {
    struct cpc_node *n;
    json_t *body;
    struct cpc__mp_caller caller;
    bool locked;
    struct cpc_draft d;
    struct cpc_tx tx;
    int have_tx; /* tx was decoded (mp_action_end clears it) */
};

/* Parses the body, names the caller, takes the custody lock when needed and
 * loads the draft of the path. 0, or -1 with the answer set. Either way the
 * caller owns act and ends it with mp_action_end. */
static int mp_action_begin(struct mp_action *act, struct cpc_http_req *req,
                           struct cpc_http_res *res)
{
    memset(act, 0, sizeof *act);
    act->n = node_of(req);
    if (parse_body(req, res, 1, &act->body) != 0 ||
        cpc__mp_caller(req, res, &act->caller) != 0)
        return -1;
    if (cpc__mp_custody_intent(&act->caller, act->body))
        act->locked = cpc_custody_lock(act->n);
    return load_draft(req, res, &act->d);
}

/* Releases what mp_action_begin and the action took: the lock, the tx, the draft, the body. */
static void mp_action_end(struct mp_action *act)
{
    if (act->locked)
        cpc_custody_unlock(act->n);
    if (act->have_tx)
        cpc_tx_clear(&act->tx);
    cpc_draft_clear(&act->d);
    json_decref(act->body);
}

void cpc_h_mp_job_confirm(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    char sender[CPC_ADDR_STR_MAX], hash[65];
    struct cpc_err err = {0};
    json_t *dj = NULL, *tj = NULL;
    int custody = 0;
    struct mp_action act;
    if (mp_action_begin(&act, req, res) != 0)
        goto done;
    const char *signer = act.caller.addr;
    if ((custody = cpc__mp_wants_custody(res, act.body, &act.caller, "JOB_CREATE")) < 0)
        goto done;
    if (custody) {
        if (act.body && json_object_size(act.body) != 0) {
            cpc_http_res_error(res, 400, "invalid_argument",
                               "body must be empty (the node signs) or {\"tx\": ...}");
            goto done;
        }
        if (cpc__mp_owner_check(res, &act.d, signer, signer) != 0)
            goto done;
        if (act.d.status != CPC_DRAFT_OPEN) {
            cpc_http_res_error(res, 409, "conflict", "draft %s is already %s%s%s", act.d.id,
                               cpc_draft_status_name(act.d.status),
                               act.d.job_id[0] ? " as job " : "", act.d.job_id);
            goto done;
        }
        memset(&act.tx, 0, sizeof act.tx);
        act.tx.type = CPC_TX_JOB_CREATE;
        dj = load_text(act.d.contract);
        if (cpc_contract_from_json(&act.tx.u.job_create.contract, dj, &err) != 0) {
            cpc_http_res_error(res, 500, "internal_error", "stored contract of draft %s: %s",
                               act.d.id, err.msg);
            goto done;
        }
        act.have_tx = 1;
        if (cpc__mp_custodial_admit(n, res, &act.caller, &act.tx, hash) != 0)
            goto done;
        sender_of(&act.tx, sender);
        goto confirmed;
    }
    if (body_tx(res, act.body, CPC_TX_JOB_CREATE, &act.tx) != 0)
        goto done;
    act.have_tx = 1;
    sender_of(&act.tx, sender);
    cpc_hex_encode(hash, act.tx.hash, 32);
    if (cpc__mp_owner_check(res, &act.d, signer, sender) != 0)
        goto done;
    if (act.d.status == CPC_DRAFT_CONFIRMED && !strcmp(act.d.job_id, hash)) { /* a retry */
        cpc_http_res_json(res, 200,
                          json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", act.d.id, "status",
                                    "confirmed", "job_id", hash, "tx_hash", hash, "duplicate",
                                    1));
        goto done;
    }
    if (act.d.status != CPC_DRAFT_OPEN) {
        cpc_http_res_error(res, 409, "conflict", "draft %s is already %s%s%s", act.d.id,
                           cpc_draft_status_name(act.d.status),
                           act.d.job_id[0] ? " as job " : "", act.d.job_id);
        goto done;
    }
    /* the tx's contract must be the draft's, byte for byte in the canonical encoding */
    struct cpc_contract dc;
    dj = load_text(act.d.contract);
    if (cpc_contract_from_json(&dc, dj, &err) != 0) {
        cpc_http_res_error(res, 500, "internal_error", "stored contract of draft %s: %s",
                           act.d.id, err.msg);
        goto done;
    }
    struct cpc_buf a, b;
    cpc_buf_init(&a);
    cpc_buf_init(&b);
    cpc_contract_encode(&dc, &a);
    cpc_contract_encode(&act.tx.u.job_create.contract, &b);
    int same = !a.failed && !b.failed && a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
    cpc_buf_free(&a);
    cpc_buf_free(&b);
    if (!same) {
        tj = cpc_contract_to_json(&act.tx.u.job_create.contract);
        const char *k = tj ? first_diff(dj, tj) : NULL;
        cpc_http_res_error(res, 409, "conflict",
                           "the tx's contract differs from draft %s%s%s; sign the draft's "
                           "contract (GET /marketplace/jobs/%s)",
                           act.d.id, k ? " in " : "", k ? k : "", act.d.id);
        goto done;
    }
    if (cpc_node_admit_answer(n, res, &act.tx) != 0)
        goto done;
confirmed:
    if (draft_move(n, res, act.d.id, CPC_DRAFT_OPEN, CPC_DRAFT_CONFIRMED, hash, sender) != 0)
        goto done;
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", act.d.id, "status",
                                "confirmed", "job_id", hash, "tx_hash", hash, "owner",
                                act.d.owner[0] ? act.d.owner : sender));
done:
    mp_action_end(&act);
    json_decref(dj);
    json_decref(tj);
}

/* The signed tx (type want) in body for draft d's job: decoded, sent by the
 * draft's owner, naming d's job (verb: "cancels" / "extends", for the
 * message), admitted to the mempool. Returns 0, or -1 with the answer set.
 * *have_tx says whether *tx was decoded (the caller clears it then). */
static int admit_job_tx(struct cpc_node *n, struct cpc_http_res *res, const struct cpc_draft *d,
                        json_t *body, const struct cpc__mp_caller *c, enum cpc_tx_type want,
                        const char *verb, struct cpc_tx *tx, int *have_tx, char hash[65])
{
    char sender[CPC_ADDR_STR_MAX], jid[65];
    const char *signer = c->addr;
    int custody = cpc__mp_wants_custody(res, body, c, cpc_tx_type_name(want));
    if (custody < 0)
        return -1;
    if (custody)
        return cpc__mp_custodial_job_tx(n, res, d, body, c, want, tx, have_tx, hash);
    if (body_tx(res, body, want, tx) != 0)
        return -1;
    *have_tx = 1;
    sender_of(tx, sender);
    cpc_hex_encode(hash, tx->hash, 32);
    if (cpc__mp_owner_check(res, d, signer, sender) != 0)
        return -1;
    cpc_hex_encode(jid, want == CPC_TX_JOB_CANCEL ? tx->u.job_cancel.job_id
                                                  : tx->u.job_extend.job_id, 32);
    if (strcmp(jid, d->job_id) != 0) {
        cpc_http_res_error(res, 409, "conflict", "the tx %s job %s, but draft %s is job %s", verb,
                           jid, d->id, d->job_id);
        return -1;
    }
    return cpc_node_admit_answer(n, res, tx);
}

void cpc_h_mp_job_cancel(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    char hash[65];
    struct mp_action act;
    if (mp_action_begin(&act, req, res) != 0)
        goto done;
    const char *signer = act.caller.addr;
    int with_tx = act.body && json_object_size(act.body) > 0;
    if (act.d.status == CPC_DRAFT_CANCELLED) {
        cpc_http_res_error(res, 409, "conflict", "draft %s is already cancelled", act.d.id);
        goto done;
    }
    if (act.d.status == CPC_DRAFT_OPEN) {
        if (with_tx) {
            cpc_http_res_error(res, 400, "invalid_argument",
                               "draft %s is not confirmed: cancel it with an empty body",
                               act.d.id);
            goto done;
        }
        if (cpc__mp_owner_check(res, &act.d, signer, NULL) != 0 ||
            draft_move(n, res, act.d.id, CPC_DRAFT_OPEN, CPC_DRAFT_CANCELLED, NULL, NULL) != 0)
            goto done;
        cpc_http_res_json(res, 200,
                          json_pack("{s:s, s:s}", "id", act.d.id, "status", "cancelled"));
        goto done;
    }
    /* confirmed: the signed JOB_CANCEL of the draft's job (or the custodial key signs it) */
    if (!with_tx && !(act.caller.user && act.caller.custodial)) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "draft %s is confirmed as job %s: body must be {\"tx\": a signed "
                           "JOB_CANCEL of that job}",
                           act.d.id, act.d.job_id);
        goto done;
    }
    if (admit_job_tx(n, res, &act.d, act.body, &act.caller, CPC_TX_JOB_CANCEL, "cancels",
                     &act.tx, &act.have_tx, hash) != 0 ||
        draft_move(n, res, act.d.id, CPC_DRAFT_CONFIRMED, CPC_DRAFT_CANCELLED, NULL, NULL) != 0)
        goto done;
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:s, s:s, s:s}", "id", act.d.id, "status", "cancelled",
                                "job_id", act.d.job_id, "tx_hash", hash));
done:
    mp_action_end(&act);
}

/* POST /marketplace/jobs/{id}/extend: {"tx": a signed JOB_EXTEND of the draft's job}.
 * Only a confirmed draft has a job to extend; the owner checks are those of cancel.
 * The chain decides the rest (creator only, job active, escrow of added tasks). */
void cpc_h_mp_job_extend(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    char hash[65];
    struct mp_action act;
    if (mp_action_begin(&act, req, res) != 0)
        goto done;
    if (act.d.status != CPC_DRAFT_CONFIRMED) {
        cpc_http_res_error(res, 409, "conflict",
                           "draft %s is %s: only a confirmed job can be extended", act.d.id,
                           cpc_draft_status_name(act.d.status));
        goto done;
    }
    if (!act.body || json_object_size(act.body) == 0) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "body must be {\"tx\": a signed JOB_EXTEND of job %s}",
                           act.d.job_id);
        goto done;
    }
    if (admit_job_tx(n, res, &act.d, act.body, &act.caller, CPC_TX_JOB_EXTEND, "extends",
                     &act.tx, &act.have_tx, hash) != 0)
        goto done;
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "id", act.d.id, "status",
                                "confirmed", "job_id", act.d.job_id, "tx_hash", hash,
                                "add_blocks", (json_int_t)act.tx.u.job_extend.add_blocks,
                                "add_tasks",
                                (json_int_t)act.tx.u.job_extend.add_tasks));
done:
    mp_action_end(&act);
}

static const char *event_name(const char *tx_type)
{
    if (!tx_type)
        return "unknown";
    if (!strcmp(tx_type, "JOB_CREATE"))
        return "created";
    if (!strcmp(tx_type, "JOB_CANCEL"))
        return "cancelled";
    if (!strcmp(tx_type, "JOB_EXTEND"))
        return "extended";
    if (!strcmp(tx_type, "SUBMIT_RESULT"))
        return "result";
    if (!strcmp(tx_type, "REVEAL") || !strcmp(tx_type, "RESULT_REVEAL"))
        return "reveal";
    if (!strcmp(tx_type, "VERDICT"))
        return "verdict";
    return "other";
}

void cpc_h_mp_job_logs(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint64_t limit;
    if (cpc_http_req_query_uint(req, res, "limit", LOG_DEFAULT, 1, CPC_JOB_TXS_MAX, &limit) != 0)
        return;
    struct cpc_draft d;
    if (load_draft(req, res, &d) != 0)
        return;
    uint8_t id[32];
    json_t *events = NULL;
    bool truncated = false;
    struct cpc_err err = {0};
    struct cpc_job job;
    const char *job_status = "none";
    if (d.job_id[0] && cpc_hex_decode_exact(id, 32, d.job_id) == 0) {
        if (get_job(n, id, &job, &err) == 0) {
            uint64_t to = job.created_height + job.contract.deadline_blocks + CPC_REVEAL_WINDOW + 1;
            if (to < job.created_height)
                to = UINT64_MAX;
            job_status = "on_chain";
            if (cpc_store_job_txs(n->store, id, job.contract.tasks, job.created_height, to,
                                  (uint32_t)limit, &events, &truncated, &err) != 0) {
                cpc_draft_clear(&d);
                return cpc_http_res_from_err(res, &err);
            }
        } else {
            json_t *txj = NULL;
            events = json_array();
            if (cpc_store_get_tx_json(n->store, id, &txj, &err) == 0) {
                job_status = "create_failed";
                json_array_append_new(events, txj);
            } else {
                job_status = "pending";
            }
        }
    }
    if (!events)
        events = json_array();
    if (!events) {
        cpc_draft_clear(&d);
        return cpc__mp_oom(res);
    }
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
        json_object_set_new(e, "event",
                            json_string(event_name(json_string_value(json_object_get(e, "tx_type")))));
    json_t *o = json_pack("{s:s, s:o, s:s, s:I, s:b, s:o}", "id", d.id, "job_id",
                          d.job_id[0] ? json_string(d.job_id) : json_null(), "job", job_status,
                          "count", (json_int_t)json_array_size(events), "truncated", truncated,
                          "events", events);
    cpc_draft_clear(&d);
    if (!o)
        return cpc__mp_oom(res);
    cpc_http_res_json(res, 200, o);
}

void cpc_h_mp_job_resources(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    struct cpc_draft d;
    if (load_draft(req, res, &d) != 0)
        return;
    uint8_t id[32];
    json_t *r = NULL;
    if (d.job_id[0] && cpc_hex_decode_exact(id, 32, d.job_id) == 0)
        r = cpc_scheduler_job_resources(n->scheduler, id);
    if (!r) /* not confirmed yet */
        r = json_pack("{s:o, s:I, s:[], s:b}", "job_id",
                      d.job_id[0] ? json_string(d.job_id) : json_null(), "leases", 0, "workers",
                      "scheduled", 0);
    if (r)
        json_object_set_new(r, "id", json_string(d.id));
    cpc_draft_clear(&d);
    if (!r)
        return cpc__mp_oom(res);
    cpc_http_res_json(res, 200, r);
}

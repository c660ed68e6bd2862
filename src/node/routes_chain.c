/* routes_chain.c — REST handlers of the ledger: status, blocks, txs, accounts,
 * events and metrics. Reads come from the store's reader pool or the
 * in-memory state under its read lock; writes only enter the mempool. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/amount.h"
#include "../core/hex.h"
#include "consensus.h"
#include "mempool.h"
#include "../http/metrics.h"
#include "node.h"
#include "routes_chain.h"
#include "txs_batch.h"
#include "../common/clock.h"
#include "../core/hex_json.h"

#define MAX_BATCH 10000

static struct cpc_node *node_of(struct cpc_http_req *req) { return req->app; }

static int query_u64(struct cpc_http_req *req, struct cpc_http_res *res, const char *key,
                     uint64_t def, uint64_t *out)
{
    const char *v = cpc_http_req_query(req, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (cpc_parse_u64(v, out) != 0) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "query parameter %s must be a non-negative integer", key);
        return -1;
    }
    return 0;
}

static int path_address(struct cpc_http_req *req, struct cpc_http_res *res,
                        uint8_t addr[CPC_ADDR_HASH_LEN])
{
    if (req->n_params < 1 || cpc_address_decode(addr, req->params[0]) != 0) {
        cpc_http_res_error(res, 400, "invalid_address", "not a valid cpc1 address: %.80s",
                           req->n_params ? req->params[0] : "");
        return -1;
    }
    return 0;
}

void cpc_h_status(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    struct cpc_node_view v;
    cpc_node_view_begin(n, &v); /* copies the last header and its hash */
    cpc_node_view_end(n, &v);
    const struct cpc_block_header h = v.latest;
    const uint8_t *hash = v.latest_hash;
    char validator[CPC_ADDR_STR_MAX];
    cpc_address_encode(validator, n->validator_addr);
    json_t *j = json_pack("{s:s, s:I, s:o, s:I, s:I, s:i, s:s, s:I, s:I, s:s, s:s, s:I, s:I}",
                          "chain_id", n->params.chain_id,
                          "height", (json_int_t)h.height,
                          "latest_block_hash", cpc_hex_json(hash, 32),
                          "latest_block_time", (json_int_t)h.time_ms,
                          "mempool_size", (json_int_t)cpc_mempool_size(n->mempool),
                          "peers", 0,
                          "version", CPC_VERSION,
                          "min_gas_price", (json_int_t)n->params.min_gas_price,
                          "total_supply", (json_int_t)n->total_supply,
                          "consensus", n->consensus->name,
                          "validator", validator,
                          "block_time_ms", (json_int_t)n->cfg.block_time_ms,
                          "total_txs", (json_int_t)atomic_load(&n->tx_total));
    /* the chain's rules version and block gas limit (genesis params) */
    if (j && (json_object_set_new(j, "protocol", json_integer((json_int_t)n->params.protocol)) ||
              json_object_set_new(j, "max_block_gas",
                                  json_integer((json_int_t)n->params.max_block_gas)))) {
        json_decref(j);
        j = NULL;
    }
    cpc_http_res_json(res, 200, j);
}

static int block_height_param(struct cpc_http_req *req, struct cpc_http_res *res, uint64_t *h)
{
    struct cpc_node *n = node_of(req);
    const char *id = req->params[0];
    if (strcmp(id, "latest") == 0) {
        *h = cpc_node_height(n);
        return 0;
    }
    uint8_t hash[32];
    if (strlen(id) == 64 && cpc_hex_decode_exact(hash, sizeof hash, id) == 0) {
        struct cpc_err err = {0};
        int rc = cpc_store_block_height_by_hash(n->store, hash, h, &err);
        if (rc == CPC_ERR_NOT_FOUND)
            cpc_http_res_error(res, 404, "not_found", "no block has hash %s", id);
        else if (rc != 0)
            cpc_http_res_from_err(res, &err);
        return rc == 0 ? 0 : -1;
    }
    if (cpc_parse_u64(id, h) != 0) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "block id must be a height, a block hash (64 hex) or \"latest\", "
                           "got %.40s", id);
        return -1;
    }
    return 0;
}

void cpc_h_block(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint64_t h;
    if (block_height_param(req, res, &h) != 0)
        return;
    struct cpc_err err = {0};
    json_t *j = NULL;
    int rc = cpc_store_get_block_json(n->store, h, &j, &err);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_http_res_error(res, 404, "not_found", "block %llu not found",
                                  (unsigned long long)h);
    if (rc != 0)
        return cpc_http_res_from_err(res, &err);
    cpc_http_res_json(res, 200, j);
}

void cpc_h_blocks(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint64_t latest, from, limit;
    latest = cpc_node_height(n);
    if (query_u64(req, res, "limit", 20, &limit) != 0)
        return;
    if (limit == 0 || limit > 100)
        return cpc_http_res_error(res, 400, "invalid_argument", "limit must be 1..100");
    uint64_t def_from = latest + 1 > limit ? latest + 1 - limit : 0;
    /* a height of the chain: beyond it is a 400 naming the range, as every
     * bounded query parameter (and a from above INT64_MAX never echoes as -1) */
    if (cpc_http_req_query_uint(req, res, "from", def_from, 0, latest, &from) != 0)
        return;
    json_t *arr = json_array();
    struct cpc_err err = {0};
    for (uint64_t h = from; h <= latest && h - from < limit; h++) {
        struct cpc_block_header hd;
        int rc = cpc_store_get_header(n->store, h, &hd, &err);
        if (rc != 0) {
            json_decref(arr);
            return cpc_http_res_from_err(res, &err);
        }
        json_array_append_new(arr, cpc_block_header_to_json(&hd));
    }
    cpc_http_res_json(res, 200,
                      json_pack("{s:o, s:I, s:I, s:I}", "blocks", arr, "from", (json_int_t)from,
                                "limit", (json_int_t)limit, "height", (json_int_t)latest));
}

void cpc_h_tx_get(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t hash[32];
    if (cpc_hex_decode_exact(hash, 32, req->params[0]) != 0)
        return cpc_http_res_error(res, 400, "invalid_argument",
                                  "tx hash must be 64 hex characters");
    struct cpc_err err = {0};
    json_t *j = NULL;
    int rc = cpc_store_get_tx_json(n->store, hash, &j, &err);
    if (rc == 0)
        return cpc_http_res_json(res, 200, j);
    if (rc != CPC_ERR_NOT_FOUND)
        return cpc_http_res_from_err(res, &err);
    struct cpc_tx tx;
    if (cpc_mempool_get(n->mempool, hash, &tx) == 0) {
        j = cpc_tx_to_json(&tx);
        cpc_tx_clear(&tx);
        json_object_set_new(j, "status", json_string("pending"));
        json_object_set_new(j, "height", json_null());
        return cpc_http_res_json(res, 200, j);
    }
    cpc_http_res_error(res, 404, "not_found", "transaction %s not found", req->params[0]);
}

int cpc_node_admit_tx(struct cpc_node *n, const struct cpc_tx *tx, int *duplicate,
                      struct cpc_err *err)
{
    *duplicate = 0;
    int rc = cpc_tx_check(tx, n->params.chain_id, n->params.min_gas_price, err);
    if (rc != 0)
        return rc;
    struct cpc_account acc;
    cpc_node_account(n, tx->from, &acc);
    rc = cpc_mempool_add(n->mempool, tx, &acc, err); /* the pool keeps its own copy */
    if (rc == CPC_ERR_DUPLICATE) {
        *duplicate = 1;
        return 0;
    }
    return rc;
}

int cpc_node_admit_answer(struct cpc_node *n, struct cpc_http_res *res, const struct cpc_tx *tx)
{
    int dup = 0;
    struct cpc_err err = {0};
    if (cpc_node_admit_tx(n, tx, &dup, &err) != 0) {
        cpc_http_res_from_err(res, &err);
        return -1;
    }
    cpc_metrics_set_mempool(n->metrics, cpc_mempool_size(n->mempool));
    return 0;
}

/* Check and admit one decoded tx (tx stays the caller's). On success (or
 * duplicate) fills hash and returns 0. */
static int admit_decoded(struct cpc_node *n, struct cpc_tx *tx, uint8_t hash[32], int *duplicate,
                         struct cpc_err *err)
{
    *duplicate = 0;
    memcpy(hash, tx->hash, 32);
    return cpc_node_admit_tx(n, tx, duplicate, err);
}

/* Decode, check and admit one tx. On success (or duplicate) fills hash and returns 0. */
static int admit(struct cpc_node *n, const json_t *txj, uint8_t hash[32], int *duplicate,
                 struct cpc_err *err)
{
    struct cpc_tx tx;
    *duplicate = 0;
    int rc = cpc_tx_from_json(&tx, txj, err);
    if (rc != 0)
        return rc; /* a failed decode owns nothing */
    rc = admit_decoded(n, &tx, hash, duplicate, err);
    cpc_tx_clear(&tx);
    return rc;
}

static json_t *parse_body(struct cpc_http_req *req, struct cpc_http_res *res)
{
    json_error_t je;
    if (req->body_len == 0) {
        cpc_http_res_error(res, 400, "invalid_json", "request body is empty");
        return NULL;
    }
    json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        cpc_http_res_error(res, 400, "invalid_json", "body is not valid JSON: %s (at %d:%d)",
                           je.text, je.line, je.column);
    return j;
}

void cpc_h_tx_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    if (req->body_len > CPC_TX_JSON_MAX)
        return cpc_http_res_error(res, 413, "too_large", "a transaction is at most %d bytes",
                                  CPC_TX_JSON_MAX);
    uint8_t hash[32];
    int dup = 0;
    struct cpc_err err = {0};
    struct cpc_tx tx;
    int rc;
    if (cpc_tx_from_json_canonical(&tx, req->body, req->body_len) == 0) { /* txs_batch.h */
        rc = admit_decoded(n, &tx, hash, &dup, &err);
    } else {
        json_t *j = parse_body(req, res);
        if (!j)
            return;
        rc = admit(n, j, hash, &dup, &err);
        json_decref(j);
    }
    if (rc != 0)
        return cpc_http_res_from_err(res, &err);
    cpc_metrics_set_mempool(n->metrics, cpc_mempool_size(n->mempool));
    json_t *out = json_pack("{s:o, s:s}", "hash", cpc_hex_json(hash, 32), "status", "pending");
    if (dup)
        json_object_set_new(out, "duplicate", json_true());
    cpc_http_res_json(res, 200, out);
}

/* One entry of the batch answer's "results". */
static json_t *batch_result(int rc, size_t i, const uint8_t hash[32], const struct cpc_err *err)
{
    if (rc == 0)
        return json_pack("{s:o}", "hash", cpc_hex_json(hash, 32));
    return json_pack("{s:I, s:{s:s, s:s}}", "index", (json_int_t)i, "error", "code",
                     cpc_errcode_name(err->code), "message", err->msg);
}

static void batch_answer(struct cpc_node *n, struct cpc_http_res *res, size_t count,
                         size_t accepted, json_t *results)
{
    cpc_metrics_set_mempool(n->metrics, cpc_mempool_size(n->mempool));
    cpc_http_res_json(res, 200,
                      json_pack("{s:I, s:I, s:o}", "accepted", (json_int_t)accepted, "rejected",
                                (json_int_t)(count - accepted), "results", results));
}

/* The fast path (txs_batch.h): every element is a canonical SUBMIT_RESULT. */
static bool txs_post_canonical(struct cpc_node *n, struct cpc_http_req *req,
                               struct cpc_http_res *res)
{
    struct cpc_tx *txs;
    size_t count;
    if (cpc_txs_batch_canonical(req->body, req->body_len, MAX_BATCH, &txs, &count) != 0)
        return false;
    json_t *results = json_array();
    size_t accepted = 0;
    for (size_t i = 0; i < count; i++) {
        uint8_t hash[32];
        int dup = 0;
        struct cpc_err err = {0};
        int rc = admit_decoded(n, &txs[i], hash, &dup, &err);
        accepted += rc == 0;
        json_array_append_new(results, batch_result(rc, i, hash, &err));
    }
    free(txs); /* canonical txs own no ext */
    batch_answer(n, res, count, accepted, results);
    return true;
}

void cpc_h_txs_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    if (txs_post_canonical(n, req, res))
        return;
    json_t *j = parse_body(req, res);
    if (!j)
        return;
    json_t *list = json_is_array(j) ? j : json_object_get(j, "txs");
    if (!json_is_array(list) || (json_is_object(j) && json_object_size(j) != 1)) {
        json_decref(j);
        return cpc_http_res_error(res, 400, "invalid_argument",
                                  "body must be {\"txs\":[...]} or an array of transactions");
    }
    size_t count = json_array_size(list);
    if (count == 0 || count > MAX_BATCH) {
        json_decref(j);
        return cpc_http_res_error(res, 400, "invalid_argument",
                                  "a batch holds 1..%d transactions", MAX_BATCH);
    }
    json_t *results = json_array();
    size_t accepted = 0;
    for (size_t i = 0; i < count; i++) {
        uint8_t hash[32];
        int dup = 0;
        struct cpc_err err = {0};
        int rc = admit(n, json_array_get(list, i), hash, &dup, &err);
        accepted += rc == 0;
        json_array_append_new(results, batch_result(rc, i, hash, &err));
    }
    json_decref(j);
    batch_answer(n, res, count, accepted, results);
}

void cpc_h_account(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t addr[CPC_ADDR_HASH_LEN];
    if (path_address(req, res, addr) != 0)
        return;
    struct cpc_account acc;
    cpc_node_account(n, addr, &acc);
    uint64_t pending = cpc_mempool_pending_nonce(n->mempool, addr, acc.nonce);
    char bal[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(bal, acc.balance);
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:I, s:s, s:I, s:I, s:I}", "address", req->params[0],
                                "balance", (json_int_t)acc.balance, "balance_cpc", bal, "nonce",
                                (json_int_t)acc.nonce, "stake", (json_int_t)acc.stake,
                                "pending_nonce", (json_int_t)pending));
}

void cpc_h_account_txs(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t addr[CPC_ADDR_HASH_LEN];
    uint64_t limit, offset;
    if (path_address(req, res, addr) != 0 || query_u64(req, res, "limit", 50, &limit) != 0 ||
        query_u64(req, res, "offset", 0, &offset) != 0)
        return;
    if (limit == 0 || limit > 500 || offset > UINT32_MAX)
        return cpc_http_res_error(res, 400, "invalid_argument", "limit must be 1..500");
    struct cpc_err err = {0};
    json_t *arr = NULL;
    if (cpc_store_list_txs_by_address(n->store, addr, (uint32_t)limit, (uint32_t)offset, &arr,
                                      &err) != 0)
        return cpc_http_res_from_err(res, &err);
    cpc_http_res_json(res, 200, json_pack("{s:s, s:o}", "address", req->params[0], "txs", arr));
}

void cpc_h_balance(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    uint8_t addr[CPC_ADDR_HASH_LEN];
    if (path_address(req, res, addr) != 0)
        return;
    struct cpc_account acc;
    cpc_node_account(n, addr, &acc);
    char bal[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(bal, acc.balance);
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:I, s:s}", "address", req->params[0], "balance",
                                (json_int_t)acc.balance, "balance_cpc", bal));
}

void cpc_h_events(struct cpc_http_req *req, struct cpc_http_res *res)
{
    cpc_http_res_sse(res, node_of(req)->sse);
}

void cpc_h_metrics(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = node_of(req);
    cpc_metrics_set_mempool(n->metrics, cpc_mempool_size(n->mempool));
    char *text = cpc_metrics_render(n->metrics, cpc_clock_wall_ms());
    if (!text)
        return cpc_http_res_error(res, 500, "internal_error", "out of memory");
    cpc_http_res_text(res, 200, "text/plain; version=0.0.4", text, strlen(text));
    free(text);
}

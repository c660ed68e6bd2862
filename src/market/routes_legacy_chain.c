/* routes_legacy_chain.c — GET /chain of the legacy proof-of-concept API
 * (the rest is routes_legacy.c, whose design note this one continues).
 *
 * GET /chain: ledger blocks in the legacy shape {index, timestamp,
 * transactions, previous_hash, hash, nonce}: a TRANSFER from the legacy key
 * reads as {"type":"reward"}, its SUBMIT_RESULT as {"type":"work_receipt"},
 * any other tx as {"type":"<tx_type lowercase>"}; ?from=&limit= page
 * through it (default: the last 100 blocks). A page stops before the
 * block that would take it past CPC_LEGACY_CHAIN_PAGE_BYTES (blocks are
 * serialised one by one into the answer, never all held as JSON trees),
 * and X-Next-From / Link rel="next" say where the next page starts, so
 * one call costs the node a bounded amount of work and memory.
 */
#include "routes_legacy.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/keyring.h"
#include "../core/amount.h"
#include "../core/hex.h"
#include "../core/uuid.h"
#include "../store/store_legacy.h"
#include "../node/node.h"
#include "routes_legacy_internal.h"
#include "../core/hex_json.h"

#define CHAIN_DEFAULT_LIMIT 100
#define CHAIN_MAX_LIMIT 100

static json_t *nullable_string(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* One ledger tx in the legacy shape. legacy is NULL when the home has no legacy key. */
static json_t *legacy_tx(struct cpc_node *n, const struct cpc_tx *tx,
                         const struct cpc_tx_result *result, const uint8_t *legacy)
{
    char from[CPC_ADDR_STR_MAX], to[CPC_ADDR_STR_MAX];
    const char *status = !result ? "success" : result->code == 0 ? "success" : "failed";
    cpc_address_encode(from, tx->from);
    int by_legacy = legacy && memcmp(tx->from, legacy, CPC_ADDR_HASH_LEN) == 0;
    struct cpc_legacy_receipt r;
    struct cpc_err err = {0};
    int have_receipt = 0;
    memset(&r, 0, sizeof r);
    if (by_legacy && (tx->type == CPC_TX_TRANSFER || tx->type == CPC_TX_SUBMIT_RESULT))
        have_receipt = cpc_store_legacy_receipt_by_tx(n->store, tx->hash, &r, &err) == 0;

    if (by_legacy && tx->type == CPC_TX_TRANSFER) {
        char client[CPC_LEGACY_ID_MAX + 1] = "";
        cpc_address_encode(to, tx->u.transfer.to);
        if (have_receipt)
            snprintf(client, sizeof client, "%s", r.client_id);
        else if (cpc_store_legacy_client_by_address(n->store, to, client, &err) != 0)
            client[0] = '\0';
        return json_pack("{s:s, s:o, s:o, s:s, s:o, s:o, s:s}", "type", "reward", "client_id",
                         nullable_string(client), "contract_id",
                         nullable_string(have_receipt ? r.contract_id : NULL), "to", to,
                         "amount", cpc__legacy_cpc_number(tx->u.transfer.amount), "tx_hash",
                         cpc_hex_json(tx->hash, 32), "status", status);
    }
    if (by_legacy && tx->type == CPC_TX_SUBMIT_RESULT) {
        char task[CPC_UUID_STR_LEN + 1], rh[2 * CPC_RESULT_HASH_MAX + 1];
        size_t hl = tx->u.result.result_hash_len <= CPC_RESULT_HASH_MAX
                        ? tx->u.result.result_hash_len
                        : CPC_RESULT_HASH_MAX;
        cpc_uuid_format(task, tx->u.result.task_id);
        cpc_hex_encode(rh, tx->u.result.result_hash, hl);
        json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s}", "type", "work_receipt", "task_id", task,
                              "result_hash", rh, "tx_hash", cpc_hex_json(tx->hash, 32), "status", status);
        if (o) {
            json_object_set_new(o, "client_id", nullable_string(have_receipt ? r.client_id : NULL));
            json_object_set_new(o, "contract_id",
                                nullable_string(have_receipt ? r.contract_id : NULL));
            json_object_set_new(o, "work_units",
                                have_receipt ? json_integer((json_int_t)r.work_units)
                                             : json_null());
            json_object_set_new(o, "result_data",
                                nullable_string(have_receipt ? r.result_data : NULL));
        }
        return o;
    }
    char type[32];
    snprintf(type, sizeof type, "%s", cpc_tx_type_name(tx->type));
    for (char *p = type; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    json_t *o = json_pack("{s:s, s:s, s:o, s:s}", "type", type, "from", from, "tx_hash",
                          cpc_hex_json(tx->hash, 32), "status", status);
    if (o && tx->type == CPC_TX_TRANSFER) {
        cpc_address_encode(to, tx->u.transfer.to);
        json_object_set_new(o, "to", json_string(to));
        json_object_set_new(o, "amount", cpc__legacy_cpc_number(tx->u.transfer.amount));
    }
    return o;
}

/* The answer of GET /chain, built as text (NUL-terminated). */
struct page {
    char *p;
    size_t len, cap;
};

static int page_put(struct page *pg, const char *s, size_t n)
{
    if (pg->len + n + 1 > pg->cap) {
        size_t nc = pg->cap ? pg->cap : 4096;
        while (nc < pg->len + n + 1)
            nc *= 2;
        char *np = realloc(pg->p, nc);
        if (!np)
            return -1;
        pg->p = np;
        pg->cap = nc;
    }
    memcpy(pg->p + pg->len, s, n);
    pg->len += n;
    pg->p[pg->len] = '\0';
    return 0;
}

void cpc_h_legacy_chain(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = cpc__legacy_node_of(req);
    uint64_t latest, from, limit = CHAIN_DEFAULT_LIMIT;
    latest = cpc_node_height(n);

    const char *q = cpc_http_req_query(req, "limit");
    if (q && (cpc_parse_u64(q, &limit) != 0 || limit == 0 || limit > CHAIN_MAX_LIMIT))
        return cpc__legacy_error(res, 400, "limit must be an integer from 1 to %d",
                                 CHAIN_MAX_LIMIT);
    from = latest + 1 > limit ? latest + 1 - limit : 0;
    q = cpc_http_req_query(req, "from");
    if (q && cpc_parse_u64(q, &from) != 0)
        return cpc__legacy_error(res, 400, "from must be a non-negative integer (a block height)");

    struct cpc_key_info info;
    struct cpc_err err = {0};
    uint8_t legacy_addr[CPC_ADDR_HASH_LEN];
    const uint8_t *legacy = NULL;
    if (cpc_keyring_info(n->cfg.home, CPC_LEGACY_KEY_NAME, &info, &err) == 0 &&
        cpc_pubkey_hash(legacy_addr, info.pubkey) == 0)
        legacy = legacy_addr;

    struct page page = {0};
    if (page_put(&page, "[", 1) != 0)
        return cpc__legacy_error(res, 500, "out of memory");
    uint64_t h;
    for (h = from; h <= latest && h - from < limit; h++) {
        struct cpc_block b;
        uint8_t hash[32];
        memset(&b, 0, sizeof b);
        if (cpc_store_get_block(n->store, h, &b, &err) != 0 ||
            cpc_block_header_hash(&b.header, hash) != 0) {
            cpc_block_clear(&b);
            free(page.p);
            return cpc__legacy_error(res, 500, "Cannot read block %llu: %s", (unsigned long long)h,
                                     err.msg);
        }
        json_t *txs = json_array();
        for (size_t i = 0; txs && i < b.n_txs; i++) {
            json_t *t = legacy_tx(n, &b.txs[i], b.results ? &b.results[i] : NULL, legacy);
            if (!t || json_array_append_new(txs, t) != 0) {
                json_decref(txs);
                txs = NULL;
            }
        }
        json_t *blk = txs ? json_pack("{s:I, s:f, s:o, s:o, s:o, s:i}", "index", (json_int_t)h,
                                      "timestamp", (double)b.header.time_ms / 1000.0,
                                      "transactions", txs, "previous_hash",
                                      cpc_hex_json(b.header.prev_hash, 32), "hash", cpc_hex_json(hash, 32), "nonce", 0)
                          : NULL;
        cpc_block_clear(&b);
        char *text = blk ? json_dumps(blk, JSON_COMPACT) : NULL;
        json_decref(blk);
        if (!text) {
            free(page.p);
            return cpc__legacy_error(res, 500, "out of memory");
        }
        size_t tl = strlen(text);
        if (h > from && page.len + 1 + tl + 1 > CPC_LEGACY_CHAIN_PAGE_BYTES) {
            free(text); /* this block starts the next page */
            break;
        }
        int rc = (h > from ? page_put(&page, ",", 1) : 0) || page_put(&page, text, tl);
        free(text);
        if (rc != 0) {
            free(page.p);
            return cpc__legacy_error(res, 500, "out of memory");
        }
    }
    if (page_put(&page, "]", 1) != 0) {
        free(page.p);
        return cpc__legacy_error(res, 500, "out of memory");
    }
    res->status = 200;
    res->content_type = "application/json";
    res->body = page.p;
    res->body_len = page.len;
    if (h <= latest) {
        char next[24], link[96];
        snprintf(next, sizeof next, "%llu", (unsigned long long)h);
        snprintf(link, sizeof link, "</chain?from=%llu&limit=%llu>; rel=\"next\"",
                 (unsigned long long)h, (unsigned long long)limit);
        cpc_http_res_header(res, "X-Next-From", next);
        cpc_http_res_header(res, "Link", link);
    }
}

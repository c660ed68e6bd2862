/* fuzz_node_api_body.c — the JSON API body parser of POST /tx and POST /txs.
 *
 * Feeds arbitrary bytes as the request body to the real handlers, against an
 * in-memory node (genesis state, mempool, metrics; no store, no sockets). Every
 * input must end in a well-formed answer: a JSON body, and for any status >= 400
 * the {"error":{"code","message"}} envelope. Odd-length inputs go to /txs, even-length ones to
 * /tx. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/genesis.h"
#include "node/mempool.h"
#include "http/metrics.h"
#include "node/node.h"
#include "node/routes_chain.h"

static struct cpc_node *make_node(void)
{
    static struct cpc_node n;
    static int ready;
    if (ready)
        return &n;
    memset(&n, 0, sizeof n);
    snprintf(n.params.chain_id, sizeof n.params.chain_id, "fuzz-chain");
    n.params.min_gas_price = 1;
    n.params.max_block_txs = 100;
    pthread_rwlock_init(&n.lock, NULL);
    n.state = cpc_state_new();
    n.mempool = cpc_mempool_new(64);
    n.metrics = cpc_metrics_new();
    ready = 1;
    return &n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cpc_node *n = make_node();
    int batch = (int)(size & 1);
    char *body = malloc(size + 1);
    if (!body)
        return 0;
    if (size)
        memcpy(body, data, size);
    body[size] = 0;
    struct cpc_http_req req;
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.path = batch ? "/txs" : "/tx";
    req.body = body;
    req.body_len = size;
    req.remote_ip = "127.0.0.1";
    req.app = n;
    struct cpc_http_res res;
    memset(&res, 0, sizeof res);
    if (batch)
        cpc_h_txs_post(&req, &res);
    else
        cpc_h_tx_post(&req, &res);
    if (res.status == 0 || !res.body)
        abort();
    json_t *j = json_loadb(res.body, res.body_len, 0, NULL);
    if (!j)
        abort();
    if (res.status >= 400) {
        json_t *e = json_object_get(j, "error");
        if (!json_is_string(json_object_get(e, "code")) ||
            !json_is_string(json_object_get(e, "message")))
            abort();
    }
    json_decref(j);
    free(res.body);
    for (size_t i = 0; i < res.n_headers; i++) {
        free(res.headers[i][0]);
        free(res.headers[i][1]);
    }
    free(body);
    return 0;
}

/* consensus_solo.c — one validator (proof of authority): the block producer.
 *
 * Every block_time_ms the producer takes candidates from the mempool,
 * builds and signs a block with core's cpc_block_build, commits it to the
 * store in one transaction, and only then merges the delta into the
 * served state. If the commit fails nothing is applied and the next tick
 * retries, so a crash at any point leaves the last committed block intact.
 * Empty blocks are produced too: the clock keeps ticking for deadlines.
 * The build gets the node's lease oracle (node.h, set by the daemon to the
 * market's lease cache): signatures this node made need no second ECDSA verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"
#include "../core/hex.h"
#include "consensus.h"
#include "mempool.h"
#include "../http/metrics.h"
#include "node.h"
#include "../http/sse.h"
#include "../common/clock.h"

static void lookup_committed(void *arg, const uint8_t addr[CPC_ADDR_HASH_LEN],
                             struct cpc_account *out)
{
    /* Only the producer writes the state, so it may read without the lock. */
    struct cpc_node *n = arg;
    cpc_state_get(n->state, addr, out);
}

static void publish_block(struct cpc_node *n, const struct cpc_block *b, const uint8_t hash[32])
{
    json_t *hj = cpc_block_header_to_json(&b->header);
    if (hj) {
        char *s = json_dumps(hj, JSON_COMPACT | JSON_SORT_KEYS);
        if (s)
            cpc_sse_publish(n->sse, "block", s);
        free(s);
        json_decref(hj);
    }
    char line[256], hex[65];
    for (size_t i = 0; i < b->n_txs; i++) {
        cpc_hex_encode(hex, b->txs[i].hash, 32);
        const struct cpc_tx_result *r = &b->results[i];
        snprintf(line, sizeof line,
                 "{\"hash\":\"%s\",\"height\":%llu,\"index\":%zu,\"status\":\"%s\",\"tx_type\":\"%s\"}",
                 hex, (unsigned long long)b->header.height, i, r->code ? "failed" : "success",
                 cpc_tx_type_name(b->txs[i].type));
        cpc_sse_publish(n->sse, "tx", line);
    }
    (void)hash;
}

int cpc_produce_block(struct cpc_node *n, uint64_t time_ms, struct cpc_err *err)
{
    struct cpc_tx *cands = NULL;
    size_t n_cands = cpc_mempool_select(n->mempool, lookup_committed, n,
                                        n->params.max_block_txs, &cands);
    const struct cpc_tx **ptrs = NULL;
    if (n_cands) {
        ptrs = malloc(n_cands * sizeof *ptrs);
        if (!ptrs) {
            for (size_t i = 0; i < n_cands; i++)
                cpc_tx_clear(&cands[i]);
            free(cands);
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < n_cands; i++)
            ptrs[i] = &cands[i];
    }
    if (time_ms < n->latest.time_ms)
        time_ms = n->latest.time_ms; /* block time never goes backwards */

    /* Our own lease signatures need no second verify (node.h lease_oracle);
     * only this local build uses it, received blocks and replay verify all. */
    struct cpc_block_request req = {.state = n->state, .prev = &n->latest, .params = &n->params,
                                    .time_ms = time_ms, .candidates = ptrs,
                                    .n_candidates = n_cands, .signer = n->signer,
                                    .validator_sk = n->validator.seckey,
                                    .lease_sigs =
                                        n->lease_oracle.known ? &n->lease_oracle : NULL};
    struct cpc_block_built built;
    int rc = cpc_block_assemble(&req, &built, err);
    /* owned here from now on, freed below */
    struct cpc_block b = built.block;
    struct cpc_state *delta = built.delta;
    size_t *skipped = built.skipped, n_skipped = built.n_skipped;
    int *skipped_codes = built.skipped_codes;
    if (rc == 0)
        rc = cpc_store_commit_block(n->store, &b, delta, err);
    if (rc == 0) {
        uint8_t hash[32];
        cpc_block_header_hash(&b.header, hash);
        pthread_rwlock_wrlock(&n->lock);
        int mrc = cpc_state_merge(n->state, delta);
        n->latest = b.header;
        memcpy(n->latest_hash, hash, 32);
        pthread_rwlock_unlock(&n->lock);
        if (mrc != 0) {
            /* The block is durable; the in-memory view is not. Stop rather than serve it. */
            CPC_LOGE("out of memory applying block %llu; restart the node",
                     (unsigned long long)b.header.height);
            abort();
        }
        /* the daemon's followers (the market scheduler) see the committed delta */
        if (n->on_block)
            n->on_block(n->on_block_arg, delta, b.header.height);
        atomic_fetch_add(&n->tx_total, b.n_txs);
        cpc_mempool_remove_block(n->mempool, &b, lookup_committed, n);
        for (size_t i = 0; i < n_skipped; i++) {
            /* A tx waiting for an earlier nonce may still become valid; others never will. */
            if (skipped_codes && skipped_codes[i] == CPC_ERR_NONCE_GAP)
                continue;
            cpc_mempool_remove(n->mempool, cands[skipped[i]].hash);
        }
        uint64_t now = cpc_clock_wall_ms();
        cpc_metrics_block(n->metrics, b.header.height, b.n_txs, now);
        cpc_metrics_set_mempool(n->metrics, cpc_mempool_size(n->mempool));
        cpc_metrics_set_sse(n->metrics, cpc_sse_subscribers(n->sse));
        publish_block(n, &b, hash);
        char hex[65];
        cpc_hex_encode(hex, hash, 32);
        enum cpc_log_level lvl =
            (b.n_txs == 0 && n->cfg.quiet_empty_blocks) ? CPC_LOG_DEBUG : CPC_LOG_INFO;
        cpc_log(lvl, "block %llu  txs=%zu  hash=%.16s  mempool=%zu",
                (unsigned long long)b.header.height, b.n_txs, hex, cpc_mempool_size(n->mempool));
    }
    cpc_block_clear(&b);
    cpc_state_free(delta);
    free(skipped);
    free(skipped_codes);
    free(ptrs);
    for (size_t i = 0; i < n_cands; i++)
        cpc_tx_clear(&cands[i]); /* selected copies own their ext */
    free(cands);
    return rc;
}

static void *producer_main(void *arg)
{
    struct cpc_node *n = arg;
    uint64_t next = cpc_clock_wall_ms() + n->cfg.block_time_ms;
    while (atomic_load(&n->running)) {
        pthread_mutex_lock(&n->wake_mu);
        while (atomic_load(&n->running)) {
            uint64_t now = cpc_clock_wall_ms();
            if (now >= next)
                break;
            struct timespec ts;
            uint64_t until = next;
            ts.tv_sec = (time_t)(until / 1000);
            ts.tv_nsec = (long)(until % 1000) * 1000000L;
            pthread_cond_timedwait(&n->wake_cv, &n->wake_mu, &ts);
        }
        pthread_mutex_unlock(&n->wake_mu);
        if (!atomic_load(&n->running))
            break;
        struct cpc_err err = {0};
        if (cpc_produce_block(n, cpc_clock_wall_ms(), &err) != 0)
            CPC_LOGE("block production failed (will retry): %s", err.msg);
        next += n->cfg.block_time_ms;
        uint64_t now = cpc_clock_wall_ms();
        if (next < now)
            next = now; /* fell behind: don't burst */
    }
    return NULL;
}

static int solo_start(struct cpc_node *n, struct cpc_err *err)
{
    if (pthread_create(&n->producer, NULL, producer_main, n) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "cannot start the block producer thread");
    return 0;
}

static void solo_stop(struct cpc_node *n)
{
    pthread_mutex_lock(&n->wake_mu);
    pthread_cond_broadcast(&n->wake_cv);
    pthread_mutex_unlock(&n->wake_mu);
    pthread_join(n->producer, NULL);
}

const struct cpc_consensus_ops cpc_consensus_solo = {
    .name = "solo",
    .start = solo_start,
    .stop = solo_stop,
};

/* node.c — open, start, stop and close the chain node; replay; account reads.
 *
 * Open order: genesis.json -> validator key -> store (init block 0 on an
 * empty DB) -> committed state, checked against the latest header's
 * state_root and the genesis supply, so a damaged DB is refused at start
 * rather than served.
 */
#include "node.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"
#include "../core/hex.h"
#include "../http/metrics.h"
#include "../http/sse.h"
#include "consensus.h"
#include "mempool.h"
#include "../common/clock.h"

static int load_genesis(struct cpc_node *n, char **text_out, struct cpc_err *err)
{
    char path[CPC_PATH_MAX];
    char *text = NULL;
    size_t len = 0;
    cpc_home_path(path, sizeof path, n->cfg.home, "genesis.json");
    int rc = cpc_read_file(path, 64u << 20, &text, &len, err);
    if (rc != 0)
        return cpc_err_prefix(err, "reading %s", path);
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        free(text);
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: line %d: %s", path, je.line, je.text);
    }
    rc = cpc_genesis_from_json(&n->genesis, j, err);
    if (rc == 0) {
        free(text);
        text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        if (!text)
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    json_decref(j);
    if (rc != 0) {
        free(text);
        if (err && rc != CPC_ERR_NOMEM) {
            char msg[CPC_ERR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s: %s (a home made by an older cpcd: move %s away, or "
                                      "set CPC_HOME, to start a fresh devnet)",
                     path, err->msg, n->cfg.home);
            snprintf(err->msg, sizeof err->msg, "%s", msg);
            return rc;
        }
        return cpc_err_prefix(err, "%s", path);
    }
    /* An older chain's blocks only reproduce their state roots under the rules
     * they were made with: refuse here, not deep inside block validation. */
    if ((rc = cpc_genesis_check_protocol(&n->genesis, err)) != 0) {
        free(text);
        return cpc_err_prefix(err, "%s", path);
    }
    *text_out = text;
    n->params = n->genesis.params;
    return 0;
}

static int load_validator(struct cpc_node *n, struct cpc_err *err)
{
    int rc = cpc_keyring_load(n->cfg.home, "validator", getenv("CPC_PASSPHRASE"), &n->validator,
                              err);
    if (rc != 0)
        return cpc_err_prefix(err, "loading the validator key");
    if (memcmp(n->validator.info.pubkey, n->genesis.validator, CPC_PUBKEY_LEN) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           "keyring/validator (%s) is not the validator named in genesis.json",
                           n->validator.info.address);
    if (cpc_pubkey_hash(n->validator_addr, n->validator.info.pubkey) != 0)
        return cpc_err_set(err, CPC_ERR_CRYPTO, "cannot hash the validator key");
    n->signer = cpc_signer_new_random();
    if (!n->signer)
        return cpc_err_set(err, CPC_ERR_CRYPTO, "cannot create a signing context");
    return 0;
}

static int open_chain(struct cpc_node *n, const char *genesis_text, struct cpc_err *err)
{
    char path[CPC_PATH_MAX];
    cpc_home_path(path, sizeof path, n->cfg.home, "data/chain.db");
    int rc = cpc_store_open(&n->store, path, err);
    if (rc != 0)
        return rc;

    struct cpc_state *gstate = NULL;
    rc = cpc_genesis_state(&n->genesis, &gstate, &n->total_supply, err);
    if (rc != 0)
        return rc;

    uint64_t height = 0;
    rc = cpc_store_latest_height(n->store, &height, err);
    if (rc == CPC_ERR_NOT_FOUND) {
        struct cpc_block_header h0;
        if ((rc = cpc_genesis_header(&n->genesis, gstate, &h0, err)) != 0 ||
            (rc = cpc_store_init_genesis(n->store, genesis_text, &h0, gstate, n->total_supply,
                                         err)) != 0) {
            cpc_state_free(gstate);
            return rc;
        }
        n->state = gstate;
        n->latest = h0;
        return cpc_block_header_hash(&n->latest, n->latest_hash);
    }
    cpc_state_free(gstate);
    if (rc != 0)
        return rc;

    char *stored_chain = NULL;
    if (cpc_store_meta_get(n->store, "chain_id", &stored_chain, err) == 0) {
        int same = strcmp(stored_chain, n->params.chain_id) == 0;
        if (!same)
            rc = cpc_err_set(err, CPC_ERR_WRONG_CHAIN,
                             "database holds chain %s but genesis.json says %s", stored_chain,
                             n->params.chain_id);
        free(stored_chain);
        if (rc != 0)
            return rc;
    }
    if ((rc = cpc_store_get_header(n->store, height, &n->latest, err)) != 0 ||
        (rc = cpc_block_header_hash(&n->latest, n->latest_hash)) != 0 ||
        (rc = cpc_store_load_state(n->store, &n->state, err)) != 0)
        return rc;
    uint8_t root[32];
    if ((rc = cpc_state_root(n->state, root)) != 0)
        return cpc_err_set(err, rc, "cannot compute the state root");
    if (memcmp(root, n->latest.state_root, 32) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID_BLOCK,
                           "stored accounts do not match the state root of block %llu",
                           (unsigned long long)height);
    if ((rc = cpc_state_check_supply(n->state, n->total_supply, err)) != 0)
        return cpc_err_prefix(err, "supply check at start");
    return 0;
}

int cpc_node_open(struct cpc_node *n, const struct cpc_node_config *cfg, struct cpc_err *err)
{
    memset(n, 0, sizeof *n);
    n->cfg = *cfg;
    pthread_rwlock_init(&n->lock, NULL);
    pthread_mutex_init(&n->wake_mu, NULL);
    pthread_cond_init(&n->wake_cv, NULL);
    atomic_init(&n->running, false);
    n->consensus = &cpc_consensus_solo;

    char *genesis_text = NULL;
    int rc = load_genesis(n, &genesis_text, err);
    if (rc == 0)
        rc = load_validator(n, err);
    if (rc == 0)
        rc = open_chain(n, genesis_text, err);
    free(genesis_text);
    if (rc != 0)
        return rc;
    struct cpc_mempool_limits ml = {
        .max_txs = (size_t)cfg->mempool_max,
        .max_future = (size_t)cfg->mempool_future_max,
        .max_future_per_account = (size_t)cfg->mempool_future_per_account,
        .future_ttl_ms = cfg->mempool_future_ttl_s > UINT64_MAX / 1000u
                             ? UINT64_MAX
                             : cfg->mempool_future_ttl_s * 1000u,
    };
    n->mempool = cpc_mempool_new_limits(&ml);
    if (n->mempool)
        cpc_mempool_set_max_gas(n->mempool, n->params.max_block_gas);
    n->sse = cpc_sse_hub_new(8192);
    n->metrics = cpc_metrics_new();
    if (!n->mempool || !n->sse || !n->metrics)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    uint64_t txs = 0;
    if (cpc_store_tx_count(n->store, &txs, err) != 0)
        return cpc_err_prefix(err, "counting transactions");
    atomic_store(&n->tx_total, txs);
    cpc_metrics_block(n->metrics, n->latest.height, 0, cpc_clock_wall_ms());
    return 0;
}

int cpc_node_start(struct cpc_node *n, struct cpc_err *err)
{
    atomic_store(&n->running, true);
    int rc = n->consensus->start(n, err);
    if (rc != 0)
        atomic_store(&n->running, false);
    return rc;
}

void cpc_node_stop(struct cpc_node *n)
{
    if (n->consensus && atomic_load(&n->running)) {
        atomic_store(&n->running, false);
        n->consensus->stop(n);
    }
}

void cpc_node_close(struct cpc_node *n)
{
    cpc_node_stop(n);
    cpc_sse_hub_free(n->sse);
    cpc_metrics_free(n->metrics);
    cpc_mempool_free(n->mempool);
    cpc_state_free(n->state);
    cpc_store_close(n->store);
    cpc_signer_free(n->signer);
    cpc_key_wipe(&n->validator);
    cpc_genesis_clear(&n->genesis);
    pthread_cond_destroy(&n->wake_cv);
    pthread_mutex_destroy(&n->wake_mu);
    pthread_rwlock_destroy(&n->lock);
    memset(n, 0, sizeof *n);
}

void cpc_node_view_begin(struct cpc_node *n, struct cpc_node_view *v)
{
    pthread_rwlock_rdlock(&n->lock);
    v->state = n->state;
    v->latest = n->latest;
    memcpy(v->latest_hash, n->latest_hash, 32);
}

void cpc_node_view_end(struct cpc_node *n, struct cpc_node_view *v)
{
    v->state = NULL;
    pthread_rwlock_unlock(&n->lock);
}

uint64_t cpc_node_height(struct cpc_node *n)
{
    pthread_rwlock_rdlock(&n->lock);
    uint64_t h = n->latest.height;
    pthread_rwlock_unlock(&n->lock);
    return h;
}

int cpc_node_obj_get(struct cpc_node *n, const uint8_t *key, size_t klen, struct cpc_buf *out)
{
    pthread_rwlock_rdlock(&n->lock);
    int rc = cpc_state_obj_get(n->state, key, klen, out);
    pthread_rwlock_unlock(&n->lock);
    return rc;
}

void cpc_node_account(struct cpc_node *n, const uint8_t addr[CPC_ADDR_HASH_LEN],
                      struct cpc_account *out)
{
    pthread_rwlock_rdlock(&n->lock);
    cpc_state_get(n->state, addr, out);
    pthread_rwlock_unlock(&n->lock);
}

int cpc_node_replay(struct cpc_node *n, uint64_t *blocks, struct cpc_err *err)
{
    struct cpc_state *st = NULL;
    uint64_t supply = 0, latest = 0;
    struct cpc_block_header prev;
    int rc = cpc_genesis_state(&n->genesis, &st, &supply, err);
    if (rc != 0)
        return rc;
    if ((rc = cpc_genesis_header(&n->genesis, st, &prev, err)) != 0 ||
        (rc = cpc_store_latest_height(n->store, &latest, err)) != 0)
        goto out;
    struct cpc_block_header stored0;
    if ((rc = cpc_store_get_header(n->store, 0, &stored0, err)) != 0)
        goto out;
    if (memcmp(&stored0.state_root, &prev.state_root, 32) != 0) {
        rc = cpc_err_set(err, CPC_ERR_INVALID_BLOCK, "block 0 does not match genesis.json");
        goto out;
    }
    for (uint64_t h = 1; h <= latest; h++) {
        struct cpc_block b;
        struct cpc_state *delta = NULL;
        if ((rc = cpc_store_get_block(n->store, h, &b, err)) != 0)
            goto out;
        rc = cpc_apply_block(st, &prev, &b, &n->params, n->genesis.validator, true, &delta, NULL,
                             err);
        if (rc == 0) {
            rc = cpc_state_merge(st, delta);
            if (rc != 0)
                cpc_err_set(err, rc, "out of memory");
        }
        if (rc == 0)
            rc = cpc_state_check_supply(st, supply, err);
        prev = b.header;
        cpc_state_free(delta);
        cpc_block_clear(&b);
        if (rc != 0) {
            cpc_err_prefix(err, "block %llu", (unsigned long long)h);
            goto out;
        }
        if (blocks)
            *blocks = h;
    }
    uint8_t a[32], b2[32];
    struct cpc_state *stored = NULL;
    if ((rc = cpc_store_load_state(n->store, &stored, err)) != 0)
        goto out;
    rc = cpc_state_root(st, a);
    if (rc == 0)
        rc = cpc_state_root(stored, b2);
    cpc_state_free(stored);
    if (rc == 0 && memcmp(a, b2, 32) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID_BLOCK,
                         "replayed state differs from the stored accounts");
out:
    cpc_state_free(st);
    return rc;
}

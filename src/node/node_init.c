/* node_init.c — first start on an empty home: config, devnet genesis, keys.
 *
 * Writes HOME/config (commented defaults), creates the `validator` key
 * (signs blocks, receives fees), the `faucet` key (funded in genesis), the
 * `treasury` key (genesis params.treasury: the market's commission) and the
 * `legacy` key (funded in genesis with 10,000,000 CPC: pays the legacy API's
 * rewards, routes_legacy.c) and the `reward_pool` key (funded with 10,000,000
 * CPC: pays the synthetic kind's rewards, genesis params.synthetic: 1 CPC per
 * result, 10 per block, n = 1024 as the issue says (cpc-worker's int8 CPU kernel
 * multiplies it in a few ms), 16 challenges) in HOME/keyring, unencrypted: this
 * is a devnet
 * convenience, said in the log.
 * genesis.json is written last, atomically, so a crash midway is retried
 * cleanly on the next start (existing keys are reused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/config.h"
#include "../core/amount.h"
#include "../core/hex.h"
#include "node.h"
#include "../common/clock.h"

#define DEVNET_FAUCET_CPC 1000000000ULL /* 1e9 CPC = 1e18 base units */
#define DEVNET_LEGACY_CPC 10000000ULL   /* 1e7 CPC: legacy API rewards */
#define DEVNET_POOL_CPC 10000000ULL     /* 1e7 CPC: synthetic rewards */

static const char default_config[] =
    "# ComputeChain node configuration (cpcd). Flags override these values.\n"
    "[node]\n"
    "# Address the REST API and dashboard listen on. Keep 127.0.0.1 unless a\n"
    "# reverse proxy or firewall protects the port.\n"
    "listen = 127.0.0.1:8000\n"
    "# Milliseconds between blocks.\n"
    "block_time_ms = 1000\n"
    "# Most transactions held in the mempool.\n"
    "mempool_max = 100000\n"
    "# Transactions above a missing nonce of their sender cannot run yet: at most\n"
    "# this many in the pool (0 = mempool_max / 10), this many per sender, and\n"
    "# each is dropped this many seconds after admission if its gap stays open.\n"
    "mempool_future_max = 0\n"
    "mempool_future_per_account = 64\n"
    "mempool_future_ttl_s = 600\n"
    "# HTTP worker threads (0 = number of cores).\n"
    "http_threads = 0\n"
    "log_level = info\n"
    "\n"
    "[http]\n"
    "# Connections in all, and from one address (behind a reverse proxy every\n"
    "# client shares the proxy's address: raise per_ip_connections there).\n"
    "max_connections = 4096\n"
    "per_ip_connections = 256\n"
    "# The last connections of the total, kept for /status and the worker routes.\n"
    "reserved_connections = 64\n"
    "# Seconds a request's headers and body (or an idle keep-alive connection)\n"
    "# may pause, and an answer being sent may pause.\n"
    "request_timeout_s = 10\n"
    "response_timeout_s = 60\n";

static int ensure_key(const char *home, const char *name, struct cpc_key_info *info,
                      struct cpc_err *err)
{
    int rc = cpc_keyring_info(home, name, info, err);
    if (rc == 0)
        return 0;
    if (rc != CPC_ERR_NOT_FOUND)
        return rc;
    struct cpc_key k;
    rc = cpc_keyring_create(home, name, NULL, &k, err);
    if (rc != 0)
        return rc;
    *info = k.info;
    cpc_key_wipe(&k);
    return 0;
}

int cpc_node_init_home(const char *home, const char *chain_id, bool *created, struct cpc_err *err)
{
    char path[CPC_PATH_MAX];
    *created = false;
    int rc = cpc_home_ensure(home, err);
    if (rc != 0)
        return rc;
    cpc_home_path(path, sizeof path, home, "genesis.json");
    if (access(path, F_OK) == 0)
        return 0;

    char cfgpath[CPC_PATH_MAX];
    cpc_home_path(cfgpath, sizeof cfgpath, home, "config");
    /* owner-only: [smtp] and [platform] secrets may be added to it */
    if ((rc = cpc_config_create(cfgpath, default_config, sizeof default_config - 1, NULL, err)) !=
        0)
        return rc;

    struct cpc_key_info validator, faucet, treasury, legacy, pool;
    if ((rc = ensure_key(home, "validator", &validator, err)) != 0 ||
        (rc = ensure_key(home, "faucet", &faucet, err)) != 0 ||
        (rc = ensure_key(home, "treasury", &treasury, err)) != 0 ||
        (rc = ensure_key(home, "legacy", &legacy, err)) != 0 ||
        (rc = ensure_key(home, "reward_pool", &pool, err)) != 0)
        return cpc_err_prefix(err, "creating devnet keys");

    struct cpc_genesis g;
    memset(&g, 0, sizeof g);
    snprintf(g.params.chain_id, sizeof g.params.chain_id, "%s",
             chain_id && *chain_id ? chain_id : "cpc-devnet-1");
    g.params.min_gas_price = 1;
    g.params.max_block_txs = 10000;
    g.params.min_worker_stake = CPC_DEFAULT_MIN_WORKER_STAKE;
    g.params.unbonding_blocks = CPC_DEFAULT_UNBONDING_BLOCKS;
    g.params.max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    g.params.max_block_verify = CPC_DEFAULT_MAX_BLOCK_VERIFY;
    g.params.protocol = CPC_PROTOCOL_VERSION;
    g.genesis_time_ms = cpc_clock_wall_ms();
    memcpy(g.validator, validator.pubkey, CPC_PUBKEY_LEN);
    if (cpc_address_decode(g.params.treasury, treasury.address) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "treasury key has a bad address");
    struct cpc_genesis_account acc[3];
    memset(acc, 0, sizeof acc);
    if (cpc_address_decode(acc[0].addr, faucet.address) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "faucet key has a bad address");
    acc[0].balance = DEVNET_FAUCET_CPC * CPC_BASE_PER_CPC;
    if (cpc_address_decode(acc[1].addr, legacy.address) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "legacy key has a bad address");
    acc[1].balance = DEVNET_LEGACY_CPC * CPC_BASE_PER_CPC;
    if (cpc_address_decode(acc[2].addr, pool.address) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "reward_pool key has a bad address");
    acc[2].balance = DEVNET_POOL_CPC * CPC_BASE_PER_CPC;
    g.synthetic.enabled = 1;
    memcpy(g.synthetic.pool, acc[2].addr, CPC_ADDR_HASH_LEN);
    g.synthetic.reward = CPC_BASE_PER_CPC; /* 1 CPC */
    g.synthetic.per_block = 10;
    g.synthetic.n = 1024;
    g.synthetic.challenges = 16;
    g.accounts = acc;
    g.n_accounts = 3;
    json_t *j = cpc_genesis_to_json(&g);
    g.accounts = NULL;
    if (!j)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (!text)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    size_t len = strlen(text);
    rc = cpc_write_file_atomic(path, text, len, 0644, err);
    free(text);
    if (rc == 0)
        *created = true;
    return rc;
}

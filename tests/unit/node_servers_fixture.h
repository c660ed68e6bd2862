/* node_servers_fixture.h — what the GPU-server tests (test_node_provider_servers.c,
 * test_node_gpu_catalogue.c) share on top of node_auth_fixture.h: a node whose
 * scheduler reads the fixture's clock (so a worker goes offline by moving the
 * clock, not by sleeping), providers signed up with the provider role, server
 * bodies, and a cpc-worker key that is registered in the scheduler (the record
 * the chain would hold after WORKER_REGISTER) and sends signed heartbeats.
 * Header-only: every function is static, included by one test file each. */
#ifndef CPC_TEST_NODE_SERVERS_FIXTURE_H
#define CPC_TEST_NODE_SERVERS_FIXTURE_H

#include "node_auth_fixture.h"

#include <pthread.h>

#include "common/clock.h"
#include "common/keyring.h"
#include "common/req_sign.h"
#include "core/codec.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/keys.h"
#include "core/market.h"
#include "core/state.h"
#include "core/tx.h"
#include "node/consensus.h"
#include "market/scheduler.h"

/* A node with extra appended to [platform], its scheduler on the fixture's clock. */
static inline int servers_setup_with(void **state, const char *extra)
{
    setup_with(state, extra);
    struct fixture *f = *state;
    cpc_scheduler_set_clock(f->node.scheduler, test_clock, f);
    return 0;
}

/* A signed-in user with the provider role: its access token (out, 2048 bytes) and id. */
static inline int64_t provider_up(struct fixture *f, const char *email, char *out)
{
    advance(f, 61000); /* a fresh per-IP login window */
    json_t *j = signup_login(f, email, PW);
    snprintf(out, 2048, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, http_ex(f, "PATCH", "/me", "{\"roles\":[\"provider\"]}", out, NULL, NULL), 200,
           NULL);
    assert_int_equal(http_ex(f, "GET", "/me", NULL, out, NULL, &j), 200);
    int64_t id = (int64_t)json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    return id;
}

/* A valid server body (new reference) with the given fields; label goes in "cpu". */
static inline json_t *server_body(const char *label, const char *model, int count, int vram,
                                  json_int_t price, const char *country, const char *city)
{
    return json_pack("{s:s, s:i, s:i, s:i, s:s, s:i, s:i, s:s, s:i, s:i, s:s, s:s, s:I}",
                     "gpu_model", model, "gpu_count", count, "vram_gb", vram, "cuda_cores",
                     16384, "cpu", label, "ram_gb", 128, "disk_gb", 2000, "host",
                     "gpu1.example.com", "ssh_port_min", 22000, "ssh_port_max", 22099,
                     "country", country, "city", city, "price_per_gpu_hour", price);
}

/* POST body (stolen) as tok; asserts 201 and returns the new id in id (37 bytes). */
static inline void server_add(struct fixture *f, const char *tok, json_t *body, char *id)
{
    json_t *j = NULL;
    expect(f, call(f, "POST", "/provider/servers", body, tok, &j), 201, NULL);
    snprintf(id, 37, "%s", str(j, "id"));
    assert_int_equal(strlen(id), 36);
    json_decref(j);
}

/* The worker: a key in the node's keyring, registered in the scheduler (which counts the
 * registration as hearing from it: it is online for the heartbeat timeout after this). */
static inline void worker_up(struct fixture *f, const char *name, struct cpc_key *k)
{
    struct cpc_err err = {0};
    assert_int_equal(cpc_keyring_create(f->home, name, NULL, k, &err), 0);
    struct cpc_worker w;
    memset(&w, 0, sizeof w);
    assert_int_equal(cpc_pubkey_hash(w.addr, k->info.pubkey), 0);
    w.cpu_cores = 4;
    w.locked = 1000 * CPC_DEFAULT_MIN_WORKER_STAKE;
    struct cpc_state *d = cpc_state_new();
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_worker_encode(&w, &b);
    assert_int_equal(cpc_state_obj_put(d, key, cpc_key_worker(key, w.addr), b.data, b.len), 0);
    cpc_buf_free(&b);
    assert_int_equal(cpc_scheduler_on_block(f->node.scheduler, d, f->node.latest.height), 0);
    cpc_state_free(d);
}

static inline void worker_address(const struct cpc_key *k, char out[CPC_ADDR_STR_MAX])
{
    assert_int_equal(cpc_pubkey_address(out, k->info.pubkey), 0);
}

/* A signed POST /worker/heartbeat by k, at wall-clock timestamps that never repeat. */
static inline void heartbeat(struct fixture *f, const struct cpc_key *k)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static uint64_t last;
    pthread_mutex_lock(&mu);
    uint64_t now = cpc_clock_wall_ms();
    last = now > last ? now : last + 1;
    uint64_t ts = last;
    pthread_mutex_unlock(&mu);
    const char body[] = "{}";
    struct cpc_req_sig sig;
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_int_equal(cpc_req_sign(&sig, s, k, "POST", "/worker/heartbeat", body, 2, ts, NULL), 0);
    cpc_signer_free(s);
    struct nt_req r = {"POST", "/worker/heartbeat", body, 2, nt_sig_headers(NULL, &sig), UA,
                       NULL, NULL, 10, NULL};
    struct nt_buf out = {0};
    long st = nt_http(f->curl, f->base, &r, &out);
    if (st != 200)
        fprintf(stderr, "heartbeat: %ld %s\n", st, out.p ? out.p : "");
    free(out.p);
    assert_int_equal(st, 200);
}

/* {"address","pubkey","signature"}: k signs SHA-256("cpc-server-bind" || server_id ||
 * owner in decimal), computed here from the documented message, not the node's helper. */
static inline json_t *bind_body(const struct cpc_key *k, const char *server_id, int64_t owner)
{
    char msg[128], addr[CPC_ADDR_STR_MAX], pub[2 * CPC_PUBKEY_LEN + 1], sig[2 * CPC_SIG_LEN + 1];
    int n = snprintf(msg, sizeof msg, "cpc-server-bind%s%lld", server_id, (long long)owner);
    uint8_t digest[32], raw[CPC_SIG_LEN];
    cpc_sha256(digest, msg, (size_t)n);
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_int_equal(cpc_sign(s, raw, digest, k->seckey), 0);
    cpc_signer_free(s);
    worker_address(k, addr);
    cpc_hex_encode(pub, k->info.pubkey, CPC_PUBKEY_LEN);
    cpc_hex_encode(sig, raw, CPC_SIG_LEN);
    return json_pack("{s:{s:s, s:s, s:s}}", "worker", "address", addr, "pubkey", pub,
                     "signature", sig);
}

/* The "cpu" labels of the answer's "servers", comma-separated, into out. */
static inline void labels(json_t *j, char *out, size_t cap)
{
    out[0] = 0;
    json_t *arr = json_object_get(j, "servers");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", i ? "," : "", str(json_array_get(arr, i), "cpu"));
    }
}

/* ---- ledger reads and blocks for the rental and money tests ---- */

/* The committed account of addr (cpc1...). */
static inline struct cpc_account account_of(struct fixture *f, const char *addr)
{
    uint8_t a[20];
    struct cpc_account acc;
    assert_int_equal(cpc_address_decode(a, addr), 0);
    cpc_node_account(&f->node, a, &acc);
    return acc;
}

static inline uint64_t treasury_balance(struct fixture *f)
{
    struct cpc_account acc;
    cpc_node_account(&f->node, f->node.params.treasury, &acc);
    return acc.balance;
}

/* The custodial wallet address of the user of token tok. */
static inline void wallet_of(struct fixture *f, const char *tok, char out[64])
{
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, tok, NULL, NULL), 200, NULL);
    snprintf(out, 64, "%s", str(f->last, "address"));
}

/* The fee of a tx of type at the chain's minimum gas price. */
static inline uint64_t fee_of(struct fixture *f, enum cpc_tx_type type)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = type;
    tx.gas_price = f->node.params.min_gas_price;
    uint64_t fee = 0;
    assert_int_equal(cpc_tx_fee(&tx, &fee), 0);
    return fee;
}

/* One block from the mempool at time_ms. */
static inline void produce_at(struct fixture *f, uint64_t time_ms)
{
    struct cpc_err err = {0};
    assert_int_equal(cpc_produce_block(&f->node, time_ms, &err), 0);
}

#endif

/* routes_legacy.c — the legacy proof-of-concept API, on the real ledger:
 * its node-wide state and the handlers of GET /register, GET /get_task,
 * POST /submit_work and GET /get_balance. GET /chain is
 * routes_legacy_chain.c; the contract registry, the replay verifier and
 * assignments (contract instances) are legacy_contracts.c.
 *
 * Design note. The first proof of concept kept a toy chain in memory; its
 * clients (register, fetch a task, hash, submit, read the balance and the
 * chain) keep working here, but every reward is a real, signed ledger tx:
 *
 * - The node holds a `legacy` key (HOME/keyring/legacy.json). A new devnet
 *   home gets it from cpc_node_init_home, funded in genesis; an older home
 *   gets it created here on first use, unfunded, and submissions then answer
 *   503 {"error":"Legacy rewards are not funded"} until someone funds it.
 * - GET /register: a random UUID v4 client id (libsodium). The client gets a
 *   ledger account whose custodial key is derived in the node,
 *   HMAC-SHA256(key = legacy secret key, "cpc-legacy-client" NUL client_id),
 *   so only its ADDRESS is stored (legacy_clients, store_legacy.h): rewards
 *   are sent TO it, which needs no secret, and the key can be re-derived
 *   when the platform adds custody and withdrawal. Until then the client
 *   cannot spend its balance.
 * - GET /register is limited per client IP (HOME/config [legacy]
 *   register_limit per register_window_s, default 10 an hour; 429 beyond,
 *   with Retry-After): each client is a ledger account the node pays into.
 * - GET /get_task: a registry contract under a fresh contract INSTANCE id
 *   (an assignment, legacy_contracts.c), its tag keyed with a key derived
 *   from the legacy secret key once per node, so a task costs no key file
 *   read. Nothing is stored: a submission names its instance, the node
 *   checks the tag, and an instance is paid once (one reward per
 *   assignment, legacy_receipts.assignment is unique). A client earns again
 *   by fetching a new task and doing its work.
 * - POST /submit_work: verification by replay, exactly as the proof of
 *   concept did it (legacy_contracts.c); work_units_done is capped at 10x the
 *   requirement (at most 50,000 hashes, a few ms). A verified submission with
 *   enough units submits two txs from the legacy key through the mempool
 *   (nonces from its pending nonce): a SUBMIT_RESULT (the `work_receipt`:
 *   task id derived from client+contract, result hash sha256(result_data))
 *   and a TRANSFER of the reward to the client's address (the `reward`). The
 *   receipt goes first: if the reward cannot be admitted the receipt is
 *   withdrawn, and a stray receipt never moves money. A second payment of the
 *   same assignment (whatever its work_units_done or result_data) is refused
 *   by a unique claim row written BEFORE the txs enter the mempool
 *   (legacy_receipts); a claim whose txs were refused is deleted. A crash
 *   between the claim and the next block loses that reward (the mempool is in
 *   memory) but can never pay it twice. One process-wide mutex serialises
 *   submissions, so two requests never take the same legacy nonce.
 * - GET /get_balance/{client_id}: the committed balance plus the rewards of
 *   the client's recent claims whose reward tx is still pending (in the
 *   mempool, or committed after the balance was read), in CPC: a client
 *   sees its reward as soon as the submission succeeds, never twice.
 *
 * Error bodies on these routes are {"error":"Missing data"} — a bare string,
 * unlike the node's {"error":{"code","message"}} envelope — because the
 * specification (and the proof of concept's clients) demand that shape here.
 * Amounts shown to legacy clients are CPC numbers (integers when whole).
 */
#include "routes_legacy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/config.h"
#include "../common/home.h"
#include "../common/keyring.h"
#include "../core/amount.h"
#include "../core/hash.h"
#include "../core/uuid.h"
#include "../store/store_legacy.h"
#include "../node/mempool.h"
#include "../http/metrics.h"
#include "../node/node.h"
#include "../http/ratelimit.h"
#include "routes_legacy_internal.h"
#include "../common/clock.h"

#define RECENT_CLAIMS 32     /* claims /get_balance looks at for pending rewards */
#define RECENT_CLAIMS_S 3600 /* ... made within this many seconds */

struct cpc_legacy {
    struct cpc_ratelimit rl; /* /register per client IP */
    uint64_t register_limit, register_window_ms;
    uint8_t ip_key[crypto_shorthash_KEYBYTES];
    pthread_mutex_t tag_mu; /* guards the two below */
    int have_tag_key;
    uint8_t tag_key[CPC_LEGACY_TAG_KEY_LEN]; /* cpc_legacy_tag_key of the legacy key, once */
};

int cpc_legacy_new(struct cpc_legacy **out, const char *home, struct cpc_err *err)
{
    char path[CPC_PATH_MAX];
    struct cpc_config *c = NULL;
    uint64_t limit = 0, window_s = 0;
    *out = NULL;
    if (cpc_home_path(path, sizeof path, home, "config") != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "home path too long");
    int rc = cpc_config_load(&c, path, err);
    if (rc == 0)
        rc = cpc_config_get_u64(c, "legacy", "register_limit", CPC_LEGACY_REGISTER_LIMIT, &limit,
                                err);
    if (rc == 0)
        rc = cpc_config_get_u64(c, "legacy", "register_window_s", CPC_LEGACY_REGISTER_WINDOW_S,
                                &window_s, err);
    cpc_config_free(c);
    if (rc != 0)
        return rc;
    if (limit == 0 || limit > UINT32_MAX || window_s == 0 || window_s > 366ull * 86400)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "config [legacy] register_limit must be 1..%u and register_window_s "
                           "1..31622400",
                           UINT32_MAX);
    struct cpc_legacy *l = calloc(1, sizeof *l);
    if (!l)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    cpc_ratelimit_init(&l->rl);
    pthread_mutex_init(&l->tag_mu, NULL);
    l->register_limit = limit;
    l->register_window_ms = window_s * 1000;
    randombytes_buf(l->ip_key, sizeof l->ip_key);
    *out = l;
    return 0;
}

void cpc_legacy_free(struct cpc_legacy *l)
{
    if (!l)
        return;
    cpc_ratelimit_destroy(&l->rl);
    pthread_mutex_destroy(&l->tag_mu);
    sodium_memzero(l->tag_key, sizeof l->tag_key);
    free(l);
}

/* Serialises submissions: claim check, legacy nonce allocation, mempool admission. */
static pthread_mutex_t submit_mu = PTHREAD_MUTEX_INITIALIZER;

void cpc__legacy_error(struct cpc_http_res *res, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *j = json_pack("{s:s}", "error", msg);
    if (!j) /* msg was not UTF-8 (it echoes no client bytes, but stay safe) */
        j = json_pack("{s:s}", "error", "internal error");
    cpc_http_res_json(res, status, j);
}

json_t *cpc__legacy_cpc_number(uint64_t base_units)
{
    if (base_units % CPC_BASE_PER_CPC == 0)
        return json_integer((json_int_t)(base_units / CPC_BASE_PER_CPC));
    return json_real((double)base_units / (double)CPC_BASE_PER_CPC);
}

/* ---- the legacy key ---- */

/* Public info of the legacy key, creating it (unfunded, unencrypted like the
 * devnet keys of node_init.c) when the home has none. */
static int legacy_key_info(struct cpc_node *n, struct cpc_key_info *info, struct cpc_err *err)
{
    int rc = cpc_keyring_info(n->cfg.home, CPC_LEGACY_KEY_NAME, info, err);
    if (rc != CPC_ERR_NOT_FOUND)
        return rc;
    struct cpc_key k;
    rc = cpc_keyring_create(n->cfg.home, CPC_LEGACY_KEY_NAME, NULL, &k, err);
    if (rc == CPC_ERR_DUPLICATE) /* another request created it first */
        return cpc_keyring_info(n->cfg.home, CPC_LEGACY_KEY_NAME, info, err);
    if (rc != 0)
        return rc;
    *info = k.info;
    cpc_key_wipe(&k);
    return 0;
}

/* Load the legacy key (creating it if needed). Caller wipes *k. */
static int legacy_key_load(struct cpc_node *n, struct cpc_key *k, struct cpc_err *err)
{
    struct cpc_key_info info;
    int rc = legacy_key_info(n, &info, err);
    if (rc == 0)
        rc = cpc_keyring_load(n->cfg.home, CPC_LEGACY_KEY_NAME, getenv("CPC_PASSPHRASE"), k, err);
    if (rc != 0)
        cpc_err_prefix(err, "the legacy key");
    return rc;
}

/* The assignment tag key of the node's legacy key into out: derived once per
 * node (n->legacy caches it), so GET /get_task reads no key file. */
static int tag_key_of(struct cpc_node *n, uint8_t out[CPC_LEGACY_TAG_KEY_LEN],
                      struct cpc_err *err)
{
    struct cpc_legacy *l = n->legacy;
    int rc = 0;
    if (l)
        pthread_mutex_lock(&l->tag_mu);
    if (!l || !l->have_tag_key) {
        struct cpc_key k;
        memset(&k, 0, sizeof k);
        rc = legacy_key_load(n, &k, err);
        if (rc == 0)
            cpc_legacy_tag_key(&k, l ? l->tag_key : out);
        cpc_key_wipe(&k);
        if (rc == 0 && l)
            l->have_tag_key = 1;
    }
    if (rc == 0 && l)
        memcpy(out, l->tag_key, CPC_LEGACY_TAG_KEY_LEN);
    if (l)
        pthread_mutex_unlock(&l->tag_mu);
    return rc;
}

/* The custodial address of client_id, derived from the legacy secret key. */
static int client_address(struct cpc_node *n, const struct cpc_key *legacy, const char *client_id,
                          char addr[CPC_ADDR_STR_MAX], struct cpc_err *err)
{
    static const char tag[] = "cpc-legacy-client";
    uint8_t sk[CPC_SECKEY_LEN], pub[CPC_PUBKEY_LEN];
    int rc = CPC_ERR_CRYPTO;
    for (uint8_t ctr = 0; ctr < 8; ctr++) {
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, legacy->seckey, CPC_SECKEY_LEN);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)tag, sizeof tag);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)client_id, strlen(client_id));
        if (ctr) /* only if the first output is not a valid key (p ~ 2^-128) */
            crypto_auth_hmacsha256_update(&st, &ctr, 1);
        crypto_auth_hmacsha256_final(&st, sk);
        sodium_memzero(&st, sizeof st);
        if (cpc_seckey_check(sk) == 0) {
            rc = 0;
            break;
        }
    }
    if (rc == 0 && (cpc_pubkey_from_seckey(n->signer, pub, sk) != 0 ||
                    cpc_pubkey_address(addr, pub) != 0))
        rc = CPC_ERR_CRYPTO;
    sodium_memzero(sk, sizeof sk);
    if (rc != 0)
        return cpc_err_set(err, rc, "cannot derive the client's account key");
    return 0;
}

/* ---- handlers ---- */

/* The limiter identity of a client address: an IPv4 address, or the /64 of
 * an IPv6 one (a host owns a whole /64), keyed-hashed. */
static uint64_t ip_identity(const struct cpc_legacy *l, const char *ip)
{
    unsigned char a6[16], a4[4];
    const unsigned char *b = (const unsigned char *)ip;
    size_t len = strlen(ip);
    if (inet_pton(AF_INET6, ip, a6) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        b = a6;
        len = memcmp(a6, mapped, 12) == 0 ? 16 : 8;
        if (len == 16) { /* ::ffff:a.b.c.d is that IPv4 address */
            b = a6 + 12;
            len = 4;
        }
    } else if (inet_pton(AF_INET, ip, a4) == 1) {
        b = a4;
        len = 4;
    }
    uint64_t key;
    crypto_shorthash((unsigned char *)&key, b, len, l->ip_key);
    return key | (1ull << 63); /* never 0 (an empty slot) */
}

/* Count one registration of the caller's IP; 0, or -1 with 429 answered. */
static int register_allowed(struct cpc_node *n, struct cpc_http_req *req,
                            struct cpc_http_res *res)
{
    struct cpc_legacy *l = n->legacy;
    if (!l)
        return 0;
    struct cpc_rl_verdict v;
    uint64_t now = cpc_clock_wall_ms();
    cpc_ratelimit_hit(&l->rl, ip_identity(l, req->remote_ip ? req->remote_ip : ""),
                      (uint32_t)l->register_limit, l->register_window_ms, now, &v);
    if (v.allowed)
        return 0;
    uint64_t wait_s = v.reset_ms > now ? (v.reset_ms - now + 999) / 1000 : 1;
    char ra[24];
    snprintf(ra, sizeof ra, "%llu", (unsigned long long)wait_s);
    cpc__legacy_error(res, 429,
                      "Too many registrations from this address: at most %llu per %llu s, retry in "
                      "%llu s",
                      (unsigned long long)l->register_limit,
                      (unsigned long long)(l->register_window_ms / 1000),
                      (unsigned long long)wait_s);
    cpc_http_res_header(res, "Retry-After", ra);
    return -1;
}

void cpc_h_legacy_register(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = cpc__legacy_node_of(req);
    struct cpc_err err = {0};
    struct cpc_key legacy;
    if (register_allowed(n, req, res) != 0)
        return;
    memset(&legacy, 0, sizeof legacy);
    if (legacy_key_load(n, &legacy, &err) != 0) {
        cpc_key_wipe(&legacy);
        return cpc__legacy_error(res, 503, "Legacy API unavailable: %s", err.msg);
    }
    for (int attempt = 0; attempt < 4; attempt++) {
        uint8_t id[16];
        char client_id[CPC_UUID_STR_LEN + 1], addr[CPC_ADDR_STR_MAX];
        cpc_random_bytes(id, sizeof id);
        id[6] = (uint8_t)((id[6] & 0x0f) | 0x40); /* version 4 */
        id[8] = (uint8_t)((id[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        cpc_uuid_format(client_id, id);
        int rc = client_address(n, &legacy, client_id, addr, &err);
        if (rc == 0)
            rc = cpc_store_legacy_client_add(n->store, client_id, addr, (uint64_t)time(NULL),
                                             &err);
        if (rc == CPC_ERR_DUPLICATE) /* a 2^-122 collision: draw again */
            continue;
        cpc_key_wipe(&legacy);
        if (rc != 0)
            return cpc__legacy_error(res, 500, "Cannot register the client: %s", err.msg);
        return cpc_http_res_json(res, 200, json_pack("{s:s}", "client_id", client_id));
    }
    cpc_key_wipe(&legacy);
    cpc__legacy_error(res, 500, "Cannot register the client: no free client id");
}

void cpc_h_legacy_get_task(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = cpc__legacy_node_of(req);
    struct cpc_err err = {0};
    uint8_t key[CPC_LEGACY_TAG_KEY_LEN];
    char instance[CPC_LEGACY_ID_MAX + 1];
    uint32_t r;
    if (tag_key_of(n, key, &err) != 0)
        return cpc__legacy_error(res, 503, "Legacy API unavailable: %s", err.msg);
    cpc_random_bytes(&r, sizeof r);
    size_t n_contracts;
    const struct cpc_legacy_contract *registry = cpc_legacy_contracts(&n_contracts);
    const struct cpc_legacy_contract *c = &registry[r % n_contracts];
    cpc_legacy_assignment_new(key, c, instance);
    sodium_memzero(key, sizeof key);
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:s, s:s, s:I, s:I}", "contract_id", instance,
                                "task_type", c->task_type, "description", c->description,
                                "work_units_required", (json_int_t)c->work_units_required,
                                "reward", (json_int_t)c->reward_cpc));
}

/* The proof of concept's test was `all([client_id, contract_id,
 * work_units_done, result_data])`: absent, null, false, "" and 0 are missing. */
static int is_missing(const json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v))
        return 1;
    if (json_is_string(v))
        return json_string_length(v) == 0;
    if (json_is_integer(v))
        return json_integer_value(v) == 0;
    if (json_is_real(v))
        return json_real_value(v) == 0.0;
    return 0;
}

/* A string field without NUL bytes, or NULL (the caller answers 400). */
static const char *text_field(const json_t *v)
{
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return json_string_value(v);
}

struct submission {
    const char *client_id;
    const char *instance; /* the assignment: contract instance id from /get_task */
    const struct cpc_legacy_contract *contract;
    uint64_t units;
    const char *result_data;
    char address[CPC_ADDR_STR_MAX];   /* the client's account */
};

/* Sign a legacy tx of type t at nonce (payload already set). */
static int sign_tx(struct cpc_node *n, struct cpc_tx *tx, const struct cpc_key *legacy,
                   uint64_t nonce, struct cpc_err *err)
{
    snprintf(tx->chain_id, sizeof tx->chain_id, "%s", n->params.chain_id);
    tx->nonce = nonce;
    tx->gas_price = n->params.min_gas_price ? n->params.min_gas_price : 1;
    int rc = cpc_tx_sign(tx, n->signer, legacy->seckey, err);
    if (rc == 0)
        rc = cpc_tx_check(tx, n->params.chain_id, n->params.min_gas_price, err);
    return rc;
}

/* Answer a refused admission of a legacy tx. */
static void admission_error(struct cpc_http_res *res, const struct cpc_err *err)
{
    if (err->code == CPC_ERR_INSUFFICIENT_BALANCE)
        return cpc__legacy_error(res, 503, "Legacy rewards are not funded");
    if (err->code == CPC_ERR_MEMPOOL_FULL || err->code == CPC_ERR_NONCE_GAP)
        return cpc__legacy_error(res, 503, "The node is busy, submit again later (%s)", err->msg);
    cpc__legacy_error(res, 500, "Cannot issue the reward: %s", err->msg);
}

/* Claim, sign and admit the work_receipt and reward txs. Answers res. Runs under submit_mu. */
static void pay(struct cpc_node *n, const struct submission *s, const struct cpc_key *legacy,
                struct cpc_http_res *res)
{
    struct cpc_err err = {0};
    struct cpc_legacy_receipt r;
    struct cpc_tx receipt, reward;
    uint8_t legacy_addr[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
    uint64_t amount, fees, need;
    int rc;

    memset(&r, 0, sizeof r);
    memset(&receipt, 0, sizeof receipt);
    memset(&reward, 0, sizeof reward);

    if (cpc_store_legacy_receipt_by_assignment(n->store, s->instance, &r, &err) == 0)
        return cpc_http_res_json(res, 200,
                                 json_pack("{s:s, s:s}", "status", "rejected", "message",
                                           "Work already rewarded"));
    if (err.code != CPC_ERR_NOT_FOUND)
        return cpc__legacy_error(res, 500, "Cannot read the receipts: %s", err.msg);

    if (cpc_pubkey_hash(legacy_addr, legacy->info.pubkey) != 0)
        return cpc__legacy_error(res, 500, "Cannot hash the legacy key");
    if (!cpc_mul_u64(&amount, s->contract->reward_cpc, CPC_BASE_PER_CPC))
        return cpc__legacy_error(res, 500, "Reward overflows");

    /* txs: the receipt (nonce k), then the reward (nonce k+1) */
    receipt.type = CPC_TX_SUBMIT_RESULT;
    cpc_legacy_task_id(receipt.u.result.task_id, s->client_id, s->instance);
    cpc_sha256(receipt.u.result.result_hash, s->result_data, strlen(s->result_data));
    receipt.u.result.result_hash_len = 32;
    memcpy(receipt.u.result.worker, legacy_addr, CPC_ADDR_HASH_LEN);
    reward.type = CPC_TX_TRANSFER;
    if (cpc_address_decode(reward.u.transfer.to, s->address) != 0)
        return cpc__legacy_error(res, 500, "The client's stored address is invalid");
    reward.u.transfer.amount = amount;

    cpc_node_account(n, legacy_addr, &acc);
    uint64_t nonce = cpc_mempool_pending_nonce(n->mempool, legacy_addr, acc.nonce);
    if ((rc = sign_tx(n, &receipt, legacy, nonce, &err)) != 0 ||
        (rc = sign_tx(n, &reward, legacy, nonce + 1, &err)) != 0)
        return cpc__legacy_error(res, 500, "Cannot sign the reward: %s", err.msg);

    /* An unfunded (or drained) legacy key: say so before claiming anything. */
    uint64_t f1 = 0, f2 = 0;
    if (cpc_tx_fee(&receipt, &f1) != 0 || cpc_tx_fee(&reward, &f2) != 0 ||
        !cpc_add_u64(&fees, f1, f2) || !cpc_add_u64(&need, amount, fees))
        return cpc__legacy_error(res, 500, "Reward overflows");
    if (acc.balance < need)
        return cpc__legacy_error(res, 503, "Legacy rewards are not funded");

    snprintf(r.client_id, sizeof r.client_id, "%s", s->client_id);
    snprintf(r.contract_id, sizeof r.contract_id, "%s", s->instance);
    snprintf(r.assignment, sizeof r.assignment, "%s", s->instance);
    snprintf(r.result_data, sizeof r.result_data, "%s", s->result_data);
    cpc_uuid_format(r.task_id, receipt.u.result.task_id);
    r.work_units = s->units;
    r.reward = amount;
    memcpy(r.receipt_tx, receipt.hash, 32);
    memcpy(r.reward_tx, reward.hash, 32);
    r.created_at = (uint64_t)time(NULL);
    rc = cpc_store_legacy_receipt_add(n->store, &r, &err);
    if (rc == CPC_ERR_DUPLICATE)
        return cpc_http_res_json(res, 200,
                                 json_pack("{s:s, s:s}", "status", "rejected", "message",
                                           "Work already rewarded"));
    if (rc != 0)
        return cpc__legacy_error(res, 500, "Cannot record the receipt: %s", err.msg);

    rc = cpc_mempool_add(n->mempool, &receipt, &acc, &err);
    if (rc == 0) {
        rc = cpc_mempool_add(n->mempool, &reward, &acc, &err);
        if (rc != 0) /* last of the legacy run (we hold submit_mu): no nonce gap left behind */
            cpc_mempool_remove(n->mempool, receipt.hash);
    }
    if (rc != 0) {
        struct cpc_err e2 = {0};
        cpc_store_legacy_receipt_delete(n->store, r.client_id, r.contract_id, r.result_data,
                                        &e2);
        return admission_error(res, &err);
    }
    cpc_metrics_set_mempool(n->metrics, cpc_mempool_size(n->mempool));
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:o}", "status", "success", "reward_issued",
                                cpc__legacy_cpc_number(amount)));
}

void cpc_h_legacy_submit_work(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = cpc__legacy_node_of(req);
    struct submission s;
    struct cpc_err err = {0};
    json_error_t je;
    memset(&s, 0, sizeof s);

    json_t *j = req->body_len ? json_loadb(req->body, req->body_len,
                                           JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je)
                              : NULL;
    if (req->body_len && !j)
        return cpc__legacy_error(res, 400, "Invalid JSON: %s", je.text);
    const json_t *cid = json_object_get(j, "client_id");
    const json_t *kid = json_object_get(j, "contract_id");
    const json_t *units = json_object_get(j, "work_units_done");
    const json_t *rd = json_object_get(j, "result_data");
    if (!json_is_object(j) || is_missing(cid) || is_missing(kid) || is_missing(units) ||
        is_missing(rd)) {
        json_decref(j);
        return cpc__legacy_error(res, 400, "Missing data");
    }
    s.client_id = text_field(cid);
    s.result_data = text_field(rd);
    const char *contract_id = text_field(kid);
    if (!s.client_id || !contract_id || !s.result_data) {
        json_decref(j);
        return cpc__legacy_error(res, 400,
                                 "Invalid data: client_id, contract_id and result_data must be "
                                 "strings");
    }
    uint8_t tag_key[CPC_LEGACY_TAG_KEY_LEN];
    if (tag_key_of(n, tag_key, &err) != 0) {
        json_decref(j);
        return cpc__legacy_error(res, 503, "Legacy rewards are not available: %s", err.msg);
    }
    s.instance = contract_id;
    s.contract = cpc_legacy_assignment_contract(tag_key, contract_id);
    sodium_memzero(tag_key, sizeof tag_key);
    if (!s.contract) {
        json_decref(j);
        return cpc__legacy_error(res, 400, "Invalid contract ID");
    }
    uint64_t cap = s.contract->work_units_required * CPC_LEGACY_WORK_CAP;
    if (!json_is_integer(units) || json_integer_value(units) < 0) {
        json_decref(j);
        return cpc__legacy_error(res, 400,
                                 "Invalid data: work_units_done must be a positive integer");
    }
    s.units = (uint64_t)json_integer_value(units);
    if (s.units > cap) {
        json_decref(j);
        return cpc__legacy_error(res, 400,
                                 "Too much work claimed: work_units_done is at most %llu for %s "
                                 "(%dx the %llu units required)",
                                 (unsigned long long)cap, s.contract->contract_id,
                                 CPC_LEGACY_WORK_CAP,
                                 (unsigned long long)s.contract->work_units_required);
    }
    int rc = cpc_store_legacy_client_address(n->store, s.client_id, s.address, &err);
    if (rc == CPC_ERR_NOT_FOUND) {
        json_decref(j);
        return cpc__legacy_error(res, 400, "Unknown client ID");
    }
    if (rc != 0) {
        json_decref(j);
        return cpc__legacy_error(res, 500, "Cannot read the client: %s", err.msg);
    }

    char expected[CPC_LEGACY_RESULT_TEXT_MAX + 1];
    cpc_legacy_expected_result(s.client_id, s.instance, s.contract->zeros, s.units, expected);
    if (strcmp(expected, s.result_data) != 0) {
        json_decref(j);
        return cpc_http_res_json(
            res, 200,
            json_pack("{s:s, s:s}", "status", "rejected", "message",
                      "Work verification failed: result_data does not match the replay of the "
                      "reported work units"));
    }
    if (s.units < s.contract->work_units_required) {
        json_t *out = json_pack("{s:s, s:o}", "status", "pending", "message",
                                json_sprintf("Not enough work done. %llu / %llu",
                                             (unsigned long long)s.units,
                                             (unsigned long long)s.contract->work_units_required));
        json_decref(j);
        return cpc_http_res_json(res, 200, out);
    }

    struct cpc_key legacy;
    memset(&legacy, 0, sizeof legacy);
    if (legacy_key_load(n, &legacy, &err) != 0) {
        cpc_key_wipe(&legacy);
        json_decref(j);
        return cpc__legacy_error(res, 503, "Legacy rewards are not available: %s", err.msg);
    }
    pthread_mutex_lock(&submit_mu);
    pay(n, &s, &legacy, res);
    pthread_mutex_unlock(&submit_mu);
    cpc_key_wipe(&legacy);
    json_decref(j);
}

/* Whether tx hash was committed above height with success: 1 yes, 0 no (not
 * committed, failed, or at most height: in the balance already). */
static int committed_after(struct cpc_node *n, const uint8_t hash[32], uint64_t height,
                           int *committed)
{
    json_t *j = NULL;
    struct cpc_err err = {0};
    *committed = cpc_store_get_tx_json(n->store, hash, &j, &err) == 0;
    const char *status = json_string_value(json_object_get(j, "status"));
    int after = *committed &&
                (uint64_t)json_integer_value(json_object_get(j, "height")) > height && status &&
                strcmp(status, "success") == 0;
    json_decref(j);
    return after;
}

/* *out = rewards of the client's recent claims not yet in a balance read at
 * height: reward txs still in the mempool, or committed above height. The
 * store is checked again after the mempool, as a block leaves the mempool
 * only after its commit: a reward is never missed between the two, nor
 * counted twice. */
static int pending_rewards(struct cpc_node *n, const char *client_id, uint64_t height,
                           uint64_t *out, struct cpc_err *err)
{
    struct cpc_legacy_receipt *r = calloc(RECENT_CLAIMS, sizeof *r);
    size_t cnt = 0;
    uint64_t now = (uint64_t)time(NULL);
    *out = 0;
    if (!r)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = cpc_store_legacy_receipts_recent(n->store, client_id,
                                              now > RECENT_CLAIMS_S ? now - RECENT_CLAIMS_S : 0,
                                              r, RECENT_CLAIMS, &cnt, err);
    for (size_t i = 0; rc == 0 && i < cnt; i++) {
        int committed = 0, add = committed_after(n, r[i].reward_tx, height, &committed);
        if (!committed) {
            struct cpc_tx tx;
            memset(&tx, 0, sizeof tx);
            if (cpc_mempool_get(n->mempool, r[i].reward_tx, &tx) == 0) {
                add = 1;
                cpc_tx_clear(&tx);
            } else {
                add = committed_after(n, r[i].reward_tx, height, &committed);
            }
        }
        if (add && !cpc_add_u64(out, *out, r[i].reward))
            *out = UINT64_MAX;
    }
    free(r);
    return rc;
}

void cpc_h_legacy_get_balance(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = cpc__legacy_node_of(req);
    struct cpc_err err = {0};
    char addr_text[CPC_ADDR_STR_MAX];
    uint8_t addr[CPC_ADDR_HASH_LEN];
    const char *client_id = req->n_params ? req->params[0] : "";
    int rc = cpc_store_legacy_client_address(n->store, client_id, addr_text, &err);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc__legacy_error(res, 404, "Unknown client ID");
    if (rc != 0)
        return cpc__legacy_error(res, 500, "Cannot read the client: %s", err.msg);
    if (cpc_address_decode(addr, addr_text) != 0)
        return cpc__legacy_error(res, 500, "The client's stored address is invalid");
    struct cpc_account acc;
    uint64_t height;
    struct cpc_node_view v;
    cpc_node_view_begin(n, &v);
    cpc_state_get(v.state, addr, &acc);
    height = v.latest.height;
    cpc_node_view_end(n, &v);
    uint64_t balance = acc.balance, pending = 0;
    if (pending_rewards(n, client_id, height, &pending, &err) != 0)
        return cpc__legacy_error(res, 500, "Cannot read the client's rewards: %s", err.msg);
    if (!cpc_add_u64(&balance, balance, pending))
        balance = UINT64_MAX;
    /* client_id is a registered id (ASCII UUID), safe to echo */
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:o}", "client_id", client_id, "balance",
                                cpc__legacy_cpc_number(balance)));
}

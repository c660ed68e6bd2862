/* test_node_api.c — the chain REST API of a real node in this process, over
 * real HTTP on 127.0.0.1 (ephemeral port). Blocks are produced on demand with
 * cpc_produce_block (the producer's own timer is set to an hour), so every
 * step is deterministic. Covers the named admission errors the CLI relays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "common/keyring.h"
#include "core/genesis.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/tx.h"
#include "node/consensus.h"
#include "http/httpd.h"
#include "node/node.h"
#include "node_test_fixture.h"

struct fixture {
    char home[256];
    struct cpc_node node;
    char base[64];
    struct cpc_key faucet;
    struct cpc_key other;
    struct cpc_signer *signer;
    CURL *curl;
};

/* Returns HTTP status; *out = parsed JSON (or NULL). */
static long http(struct fixture *f, const char *method, const char *path, const char *body,
                 json_t **out)
{
    struct nt_req r = {method, path, body, body ? strlen(body) : 0, .timeout_s = 10};
    return nt_http_json(f->curl, f->base, &r, out);
}

static int setup_pool(void **state, uint64_t mempool_max)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_true(nt_home_new(f->home, "/tmp/cpc-api-XXXXXX", "api-test", NULL));
    struct cpc_node_config cfg;
    nt_config_load(&cfg, f->home);
    cfg.mempool_max = mempool_max;
    nt_node_open(&f->node, &cfg);
    nt_node_start(&f->node, f->base);
    struct cpc_err err = {0};
    assert_int_equal(cpc_keyring_load(f->home, "faucet", NULL, &f->faucet, &err), 0);
    assert_int_equal(cpc_keyring_create(f->home, "other", NULL, &f->other, &err), 0);
    f->signer = cpc_signer_new_random();
    f->curl = curl_easy_init();
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_pool(state, 50);
}

static int setup_large_pool(void **state)
{
    return setup_pool(state, 5000);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    curl_easy_cleanup(f->curl);
    cpc_signer_free(f->signer);
    nt_node_down(&f->node, f->home);
    free(f);
    return 0;
}

static struct cpc_tx transfer(struct fixture *f, const struct cpc_key *from, uint64_t nonce,
                              const char *to, uint64_t amount)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    snprintf(tx.chain_id, sizeof tx.chain_id, "api-test");
    tx.nonce = nonce;
    tx.gas_price = 1;
    assert_int_equal(cpc_address_decode(tx.u.transfer.to, to), 0);
    tx.u.transfer.amount = amount;
    assert_int_equal(cpc_tx_sign(&tx, f->signer, from->seckey, NULL), 0);
    return tx;
}

static char *tx_text(const struct cpc_tx *tx)
{
    json_t *j = cpc_tx_to_json(tx);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static long post_tx(struct fixture *f, const struct cpc_tx *tx, json_t **out)
{
    char *s = tx_text(tx);
    long st = http(f, "POST", "/tx", s, out);
    free(s);
    return st;
}

/* s' = n - s on the 32-byte big-endian s half of a compact signature. */
static void make_high_s(uint8_t sig[64])
{
    static const uint8_t n[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                  0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48,
                                  0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - sig[32 + i] - borrow;
        borrow = d < 0;
        sig[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

static void test_status_and_blocks(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    assert_int_equal(http(f, "GET", "/status", NULL, &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "chain_id")), "api-test");
    assert_int_equal(json_integer_value(json_object_get(j, "height")), 0);
    assert_true(json_is_integer(json_object_get(j, "mempool_size")));
    assert_true(json_is_integer(json_object_get(j, "peers")));
    assert_true(json_is_string(json_object_get(j, "version")));
    assert_int_equal(strlen(json_string_value(json_object_get(j, "latest_block_hash"))), 64);
    /* the rules version and block gas limit of the chain (genesis params) */
    assert_int_equal(json_integer_value(json_object_get(j, "protocol")), CPC_PROTOCOL_VERSION);
    assert_int_equal(json_integer_value(json_object_get(j, "max_block_gas")),
                     CPC_DEFAULT_MAX_BLOCK_GAS);
    json_decref(j);
    nt_produce(&f->node);
    nt_produce(&f->node);
    assert_int_equal(http(f, "GET", "/block/latest", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "header"), "height")), 2);
    json_decref(j);
    assert_int_equal(http(f, "GET", "/blocks?from=0&limit=2", NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "blocks")), 2);
    json_decref(j);
    assert_int_equal(http(f, "GET", "/blocks?limit=0", NULL, &j), 400);
    json_decref(j);
    /* from is a height of the chain (0..2 here): beyond it, 2^63 and 2^64-1
     * included, is a 400 naming the range, never an echo of "from":-1 */
    assert_int_equal(http(f, "GET", "/blocks?from=2&limit=5", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "from")), 2);
    assert_int_equal(json_array_size(json_object_get(j, "blocks")), 1);
    json_decref(j);
    static const char *const beyond[] = {"3", "9223372036854775808", "18446744073709551615"};
    for (size_t i = 0; i < sizeof beyond / sizeof beyond[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "/blocks?from=%s", beyond[i]);
        assert_int_equal(http(f, "GET", path, NULL, &j), 400);
        assert_string_equal(err_code(j), "invalid_argument");
        assert_non_null(strstr(err_msg(j), "0..2"));
        json_decref(j);
    }
    assert_int_equal(http(f, "GET", "/block/99", NULL, &j), 404);
    assert_string_equal(err_code(j), "not_found");
    json_decref(j);
    /* a block by its hash (the explorer's links and search) */
    assert_int_equal(http(f, "GET", "/status", NULL, &j), 200);
    char path[96];
    snprintf(path, sizeof path, "/block/%s",
             json_string_value(json_object_get(j, "latest_block_hash")));
    json_decref(j);
    assert_int_equal(http(f, "GET", path, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "header"), "height")), 2);
    json_decref(j);
    assert_int_equal(http(f, "GET", "/block/00000000000000000000000000000000000000000000000000000000000000ff",
                          NULL, &j), 404);
    assert_string_equal(err_code(j), "not_found");
    json_decref(j);
    path[strlen(path) - 1] = '\0'; /* 63 hex digits: neither a hash nor a height */
    assert_int_equal(http(f, "GET", path, NULL, &j), 400);
    assert_non_null(strstr(err_msg(j), "block hash"));
    json_decref(j);
    assert_int_equal(http(f, "GET", "/block/-1", NULL, &j), 400);
    json_decref(j);
    assert_int_equal(http(f, "GET", "/nope", NULL, &j), 404);
    json_decref(j);
    assert_int_equal(http(f, "DELETE", "/status", NULL, &j), 405);
    json_decref(j);
    assert_int_equal(http(f, "GET", "/metrics", NULL, NULL), 200);
}

static void test_transfer_flow(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    struct cpc_tx tx = transfer(f, &f->faucet, 0, f->other.info.address, 5000000000ULL);
    assert_int_equal(post_tx(f, &tx, &j), 200);
    char hash[65];
    cpc_hex_encode(hash, tx.hash, 32);
    assert_string_equal(json_string_value(json_object_get(j, "hash")), hash);
    json_decref(j);
    char path[128];
    snprintf(path, sizeof path, "/tx/%s", hash);
    assert_int_equal(http(f, "GET", path, NULL, &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "pending");
    json_decref(j);
    /* the same tx again is a harmless duplicate */
    assert_int_equal(post_tx(f, &tx, &j), 200);
    assert_true(json_is_true(json_object_get(j, "duplicate")));
    json_decref(j);
    snprintf(path, sizeof path, "/account/%s", f->faucet.info.address);
    assert_int_equal(http(f, "GET", path, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "pending_nonce")), 1);
    json_decref(j);
    nt_produce(&f->node);
    snprintf(path, sizeof path, "/tx/%s", hash);
    assert_int_equal(http(f, "GET", path, NULL, &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "success");
    assert_int_equal(json_integer_value(json_object_get(j, "height")), 1);
    json_decref(j);
    snprintf(path, sizeof path, "/balance/%s", f->other.info.address);
    assert_int_equal(http(f, "GET", path, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "balance")), 5000000000LL);
    json_decref(j);
    snprintf(path, sizeof path, "/account/%s/txs", f->other.info.address);
    assert_int_equal(http(f, "GET", path, NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "txs")), 1);
    json_decref(j);
    /* replaying nonce 0 now fails with a named error */
    struct cpc_tx again = transfer(f, &f->faucet, 0, f->other.info.address, 7);
    assert_int_equal(post_tx(f, &again, &j), 409);
    assert_string_equal(err_code(j), "nonce_replayed");
    json_decref(j);
}

static void test_named_errors(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    /* wrong chain id */
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    strcpy(tx.chain_id, "other-chain");
    tx.gas_price = 1;
    cpc_address_decode(tx.u.transfer.to, f->other.info.address);
    tx.u.transfer.amount = 1;
    assert_int_equal(cpc_tx_sign(&tx, f->signer, f->faucet.seckey, NULL), 0);
    assert_int_equal(post_tx(f, &tx, &j), 400);
    assert_string_equal(err_code(j), "wrong_chain_id");
    assert_non_null(strstr(err_msg(j), "api-test"));
    json_decref(j);

    /* high-S signature */
    tx = transfer(f, &f->faucet, 0, f->other.info.address, 1);
    make_high_s(tx.sig);
    cpc_tx_compute_hash(&tx);
    assert_int_equal(post_tx(f, &tx, &j), 400);
    assert_string_equal(err_code(j), "high_s_signature");
    json_decref(j);

    /* bad signature */
    tx = transfer(f, &f->faucet, 0, f->other.info.address, 1);
    tx.sig[5] ^= 0x01;
    cpc_tx_compute_hash(&tx);
    assert_int_equal(post_tx(f, &tx, &j), 400);
    assert_string_equal(err_code(j), "invalid_signature");
    json_decref(j);

    /* pubkey does not match from */
    tx = transfer(f, &f->faucet, 0, f->other.info.address, 1);
    cpc_address_decode(tx.from, f->other.info.address);
    assert_int_equal(post_tx(f, &tx, &j), 400);
    assert_string_equal(err_code(j), "pubkey_mismatch");
    json_decref(j);

    /* cannot pay: "other" has nothing yet in this fixture */
    tx = transfer(f, &f->other, 0, f->faucet.info.address, 1);
    assert_int_equal(post_tx(f, &tx, &j), 400);
    assert_string_equal(err_code(j), "insufficient_balance");
    assert_non_null(strstr(err_msg(j), "Insufficient balance"));
    json_decref(j);

    /* SUBMIT_RESULT whose worker is not the sender */
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_SUBMIT_RESULT;
    strcpy(tx.chain_id, "api-test");
    tx.gas_price = 1;
    memset(tx.u.result.task_id, 0x11, 16);
    tx.u.result.result_hash_len = 4;
    memset(tx.u.result.result_hash, 0xab, 4);
    cpc_address_decode(tx.u.result.worker, f->other.info.address);
    assert_int_equal(cpc_tx_sign(&tx, f->signer, f->faucet.seckey, NULL), 0);
    assert_int_equal(post_tx(f, &tx, &j), 400);
    assert_string_equal(err_code(j), "invalid_compute_result");
    assert_non_null(strstr(err_msg(j), "Invalid ComputeResult"));
    json_decref(j);

    /* malformed bodies */
    assert_int_equal(http(f, "POST", "/tx", "{\"tx_type\":", &j), 400);
    assert_string_equal(err_code(j), "invalid_json");
    json_decref(j);
    assert_int_equal(http(f, "POST", "/tx", "{\"tx_type\":\"TRANSFER\"}", &j), 400);
    json_decref(j);
    assert_int_equal(http(f, "POST", "/tx", "[1,2,3]", &j), 400);
    json_decref(j);
    assert_int_equal(http(f, "GET", "/tx/zz", NULL, &j), 400);
    json_decref(j);
    assert_int_equal(http(f, "GET", "/account/cpc1notanaddress", NULL, &j), 400);
    assert_string_equal(err_code(j), "invalid_address");
    json_decref(j);
}

static void test_batch_and_full_mempool(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    /* 60 txs against a mempool of 50: the batch reports each outcome */
    json_t *arr = json_array();
    for (uint64_t i = 0; i < 60; i++) {
        struct cpc_tx tx = transfer(f, &f->faucet, i, f->other.info.address, 1000);
        json_array_append_new(arr, cpc_tx_to_json(&tx));
    }
    json_t *body = json_pack("{s:o}", "txs", arr);
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    assert_int_equal(http(f, "POST", "/txs", s, &j), 200);
    free(s);
    assert_int_equal(json_integer_value(json_object_get(j, "accepted")), 50);
    assert_int_equal(json_integer_value(json_object_get(j, "rejected")), 10);
    json_t *r = json_array_get(json_object_get(j, "results"), 55);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
                        "mempool_full");
    json_decref(j);
    struct cpc_tx one = transfer(f, &f->faucet, 50, f->other.info.address, 1000);
    assert_int_equal(post_tx(f, &one, &j), 503);
    assert_string_equal(err_code(j), "mempool_full");
    json_decref(j);
    nt_produce(&f->node);
    assert_int_equal(http(f, "GET", "/status", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "mempool_size")), 0);
    json_decref(j);
    assert_int_equal(http(f, "GET", "/block/1", NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "txs")), 50);
    json_decref(j);
    /* the whole chain replays from genesis to the same state */
    struct cpc_err err = {0};
    uint64_t blocks = 0;
    assert_int_equal(cpc_node_replay(&f->node, &blocks, &err), 0);
    assert_int_equal(blocks, 1);
}


static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Sends head (request line and headers, no body) on a fresh connection to
 * the node and reads what comes back within timeout_ms into out. */
static void raw_exchange(struct fixture *f, const char *head, unsigned timeout_ms, char *out,
                         size_t cap)
{
    unsigned port = 0;
    assert_int_equal(sscanf(f->base, "http://127.0.0.1:%u", &port), 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    size_t len = 0;
    uint64_t end = mono_ms() + timeout_ms;
    out[0] = '\0';
    while (len + 1 < cap && mono_ms() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(end - mono_ms())) <= 0)
            break;
        ssize_t r = recv(fd, out + len, cap - 1 - len, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
        out[len] = '\0';
    }
    close(fd);
}

/* POST /tx takes at most 64 KiB: a larger Content-Length is refused with 413
 * at once, before the body is sent (it used to be buffered up to 16 MiB
 * whatever the route). PUT /blobs keeps its own, larger limit. */
static void test_body_limit_per_route(void **state)
{
    struct fixture *f = *state;
    char out[4096];
    uint64_t t0 = mono_ms();
    raw_exchange(f,
                 "POST /tx HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Content-Length: 1000000\r\n\r\n",
                 2000, out, sizeof out);
    assert_true(mono_ms() - t0 < 2000);
    assert_non_null(strstr(out, "HTTP/1.1 413"));
    assert_non_null(strstr(out, "\"code\":\"too_large\""));
    assert_non_null(strstr(out, "exceeds 65536 bytes"));
    /* a GET route takes no body at all */
    raw_exchange(f, "GET /status HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n", 2000,
                 out, sizeof out);
    assert_non_null(strstr(out, "HTTP/1.1 413"));
    /* a 100 KiB blob passes the route's body limit (16 MiB) and reaches the
     * handler, which wants an account (test_node_blobs.c uploads with one) */
    size_t n = 100 * 1024;
    char *blob = malloc(n);
    assert_non_null(blob);
    memset(blob, 'b', n);
    uint8_t h[32];
    char hex[65], path[96];
    cpc_sha256(h, blob, n);
    cpc_hex_encode(hex, h, 32);
    snprintf(path, sizeof path, "/blobs/%s", hex);
    struct nt_req r = {"PUT", path, blob, n, .timeout_s = 10};
    assert_int_equal(nt_http_json(f->curl, f->base, &r, NULL), 401);
    free(blob);
    /* the node still answers on a fresh connection */
    assert_int_equal(http(f, "GET", "/status", NULL, NULL), 200);
}

static size_t grab_header(char *d, size_t sz, size_t nm, void *arg)
{
    char *next = arg;
    size_t n = sz * nm;
    if (n > 13 && strncasecmp(d, "X-Next-From: ", 13) == 0)
        snprintf(next, 24, "%.*s", (int)(n - 13 > 20 ? 20 : n - 13 - 2), d + 13);
    return n;
}

/* GET /chain pages by size: two blocks of 1,200 transfers (about 300 KB
 * each in the legacy shape) do not come in one answer; X-Next-From says
 * where the next page starts, and following it reaches the tip. */
static void test_chain_pages(void **state)
{
    struct fixture *f = *state;
    for (uint64_t b = 0; b < 2; b++) {
        json_t *arr = json_array();
        for (uint64_t i = 0; i < 1200; i++) {
            struct cpc_tx tx = transfer(f, &f->faucet, b * 1200 + i, f->other.info.address, 1);
            json_array_append_new(arr, cpc_tx_to_json(&tx));
        }
        json_t *body = json_pack("{s:o}", "txs", arr), *j = NULL;
        char *s = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        assert_int_equal(http(f, "POST", "/txs", s, &j), 200);
        free(s);
        assert_int_equal(json_integer_value(json_object_get(j, "accepted")), 1200);
        json_decref(j);
        nt_produce(&f->node);
    }
    uint64_t from = 0, blocks = 0;
    int pages = 0;
    while (1) {
        char path[64], next[24] = "";
        snprintf(path, sizeof path, "/chain?from=%llu", (unsigned long long)from);
        struct nt_buf body = {0};
        struct nt_req r = {"GET", path, .timeout_s = 30, .on_header = grab_header,
                           .header_arg = next};
        assert_int_equal(nt_http(f->curl, f->base, &r, &body), 200);
        json_t *page = nt_json(&body);
        free(body.p);
        assert_true(json_is_array(page));
        size_t n = json_array_size(page);
        assert_true(n >= 1);
        /* more than one block only within the page size (512 KiB) */
        assert_true(n == 1 || body.n <= 512 * 1024);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(page, 0), "index")),
                         from);
        json_t *last = json_array_get(page, n - 1);
        assert_non_null(json_object_get(last, "transactions"));
        assert_non_null(json_object_get(last, "previous_hash"));
        uint64_t last_index = (uint64_t)json_integer_value(json_object_get(last, "index"));
        json_decref(page);
        blocks += n;
        pages++;
        if (!next[0])
            break;
        assert_int_equal(strtoull(next, NULL, 10), last_index + 1);
        from = last_index + 1;
    }
    assert_int_equal(blocks, 3); /* genesis and the two blocks */
    assert_true(pages >= 2);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_and_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transfer_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_named_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_and_full_mempool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_limit_per_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_pages, setup_large_pool, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

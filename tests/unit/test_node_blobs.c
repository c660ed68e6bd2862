/* test_node_blobs.c — blob uploads of a real node in this process over real
 * HTTP on 127.0.0.1 (blobs.h): PUT needs an account (a signed request here;
 * test_node_blobs_token.c has access tokens), a funded one or a registered
 * worker, within its quota and the node's total; GET stays public; the
 * collector deletes blobs no active exec job references once their grace
 * period has passed (called directly with a clock past it) and their bytes
 * leave the uploader's quota. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/home.h"
#include "common/keyring.h"
#include "common/req_sign.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/market.h"
#include "market/blobs.h"
#include "node/mempool.h"
#include "node/node.h"
#include "store/store_blobs.h"
#include "node_test_fixture.h"
#include "common/clock.h"

struct fixture {
    char home[256];
    struct cpc_node node;
    char base[64];
    struct cpc_key faucet, stranger;
    char faucet_addr[CPC_ADDR_STR_MAX];
    CURL *curl;
};

static uint64_t next_ts(void)
{
    static uint64_t last;
    uint64_t now = cpc_clock_wall_ms();
    last = now > last ? now : last + 1;
    return last;
}

/* PUT /blobs/{sha256 of data} signed by key (NULL: anonymous); *out the JSON answer. */
static long put(struct fixture *f, const struct cpc_key *key, const void *data, size_t len,
                json_t **out)
{
    uint8_t h[32];
    char hex[65], path[96];
    cpc_sha256(h, data, len);
    cpc_hex_encode(hex, h, 32);
    snprintf(path, sizeof path, "/blobs/%s", hex);
    struct nt_req r = {"PUT", path, data, len, .timeout_s = 10};
    if (key) {
        struct cpc_req_sig sig;
        struct cpc_signer *s = cpc_signer_new(NULL);
        assert_int_equal(cpc_req_sign(&sig, s, key, "PUT", path, data, len, next_ts(), NULL), 0);
        cpc_signer_free(s);
        r.headers = nt_sig_headers(NULL, &sig);
    }
    return nt_http_json(f->curl, f->base, &r, out);
}

static long get(struct fixture *f, const void *data, size_t len, struct nt_buf *out)
{
    uint8_t h[32];
    char hex[65], path[96];
    cpc_sha256(h, data, len);
    cpc_hex_encode(hex, h, 32);
    snprintf(path, sizeof path, "/blobs/%s", hex);
    struct nt_req r = {"GET", path, NULL, 0, .timeout_s = 10};
    return nt_http(f->curl, f->base, &r, out);
}

static void file_of(struct fixture *f, const void *data, size_t len, char path[512])
{
    uint8_t h[32];
    char hex[65];
    cpc_sha256(h, data, len);
    cpc_hex_encode(hex, h, 32);
    snprintf(path, 512, "%s/data/blobs/%s", f->home, hex);
}

static struct fixture *start(const char *config_extra)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct cpc_err err = {0};
    nt_home_new(f->home, "/tmp/cpc-blobs-XXXXXX", "blobs-test", config_extra);
    nt_node_up(&f->node, f->home, f->base);
    assert_int_equal(cpc_keyring_load(f->home, "faucet", NULL, &f->faucet, &err), 0);
    assert_int_equal(cpc_keyring_create(f->home, "stranger", NULL, &f->stranger, &err), 0);
    snprintf(f->faucet_addr, sizeof f->faucet_addr, "%s", f->faucet.info.address);
    f->curl = curl_easy_init();
    return f;
}

static int setup(void **state)
{
    *state = start(NULL);
    return 0;
}

static int setup_quota(void **state)
{
    *state = start("\n[blobs]\nquota_count = 2\nquota_bytes = 3000\nmax_total_bytes = 4500\n");
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    curl_easy_cleanup(f->curl);
    cpc_key_wipe(&f->faucet);
    cpc_key_wipe(&f->stranger);
    nt_node_down(&f->node, f->home);
    free(f);
    return 0;
}

static void usage(struct fixture *f, const char *addr, uint64_t *bytes, uint64_t *count)
{
    struct cpc_err err = {0};
    assert_int_equal(cpc_store_blob_usage(f->node.store, addr, bytes, count, &err), 0);
}

/* Anonymous uploads are refused; a signed one by an unfunded key too; the
 * funded faucet's is stored, charged to it, and readable by anyone. */
static void test_put_needs_a_funded_account(void **state)
{
    struct fixture *f = *state;
    static const char data[] = "#!/bin/sh\necho hello\n";
    json_t *j = NULL;
    char path[512];
    file_of(f, data, sizeof data - 1, path);

    assert_int_equal(put(f, NULL, data, sizeof data - 1, &j), 401);
    assert_string_equal(err_code(j), "unauthorized");
    json_decref(j);
    assert_int_not_equal(access(path, F_OK), 0); /* nothing stored */

    assert_int_equal(put(f, &f->stranger, data, sizeof data - 1, &j), 403);
    assert_string_equal(err_code(j), "forbidden");
    assert_non_null(strstr(err_msg(j), "not a registered worker"));
    json_decref(j);
    assert_int_not_equal(access(path, F_OK), 0);

    assert_int_equal(put(f, &f->faucet, data, sizeof data - 1, &j), 201);
    assert_true(json_is_true(json_object_get(j, "created")));
    assert_string_equal(str(j, "uploader"), f->faucet_addr);
    json_decref(j);
    assert_int_equal(access(path, R_OK), 0);
    uint64_t bytes, count;
    usage(f, f->faucet_addr, &bytes, &count);
    assert_int_equal(bytes, sizeof data - 1);
    assert_int_equal(count, 1);

    /* a bad signature is refused, not taken as anonymous */
    uint8_t h[32];
    char hex[65], p[96];
    cpc_sha256(h, data, sizeof data - 1);
    cpc_hex_encode(hex, h, 32);
    snprintf(p, sizeof p, "/blobs/%s", hex);
    struct cpc_req_sig sig;
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_int_equal(cpc_req_sign(&sig, s, &f->faucet, "PUT", p, "x", 1, next_ts(), NULL), 0);
    cpc_signer_free(s);
    struct nt_req r = {"PUT", p, data, sizeof data - 1, .timeout_s = 10};
    r.headers = nt_sig_headers(NULL, &sig);
    assert_int_equal(nt_http_json(f->curl, f->base, &r, &j), 401);
    json_decref(j);

    /* GET is public */
    struct nt_buf b = {0};
    assert_int_equal(get(f, data, sizeof data - 1, &b), 200);
    assert_int_equal(b.n, sizeof data - 1);
    assert_memory_equal(b.p, data, sizeof data - 1);
    free(b.p);
}

/* Per-account count and bytes, the node's total, and re-uploads that cost nothing. */
static void test_quota(void **state)
{
    struct fixture *f = *state;
    struct cpc_err err = {0};
    json_t *j = NULL;
    char a[1000], b[1000], c[2500], d[100];
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    memset(c, 'c', sizeof c);
    memset(d, 'd', sizeof d);

    assert_int_equal(put(f, &f->faucet, a, sizeof a, &j), 201);
    json_decref(j);
    assert_int_equal(put(f, &f->faucet, a, sizeof a, &j), 200); /* the same blob: no charge */
    assert_true(json_is_false(json_object_get(j, "created")));
    json_decref(j);
    uint64_t bytes, count;
    usage(f, f->faucet_addr, &bytes, &count);
    assert_int_equal(bytes, 1000);
    assert_int_equal(count, 1);
    /* 1000 + 2500 > 3000 bytes */
    assert_int_equal(put(f, &f->faucet, c, sizeof c, &j), 403);
    assert_string_equal(err_code(j), "quota_exceeded");
    json_decref(j);
    char path[512];
    file_of(f, c, sizeof c, path);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(put(f, &f->faucet, b, sizeof b, &j), 201);
    json_decref(j);
    /* a third blob: over the count of 2 */
    assert_int_equal(put(f, &f->faucet, d, sizeof d, &j), 403);
    assert_string_equal(err_code(j), "quota_exceeded");
    assert_non_null(strstr(err_msg(j), "at most 2 blobs"));
    json_decref(j);
    usage(f, f->faucet_addr, &bytes, &count);
    assert_int_equal(bytes, 2000);
    assert_int_equal(count, 2);

    /* another funded account: its own quota, but the node holds 4500 bytes at most */
    struct cpc_key other;
    assert_int_equal(cpc_keyring_create(f->home, "other", NULL, &other, &err), 0);
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    snprintf(tx.chain_id, sizeof tx.chain_id, "blobs-test");
    tx.gas_price = f->node.params.min_gas_price ? f->node.params.min_gas_price : 1;
    assert_int_equal(cpc_address_decode(tx.u.transfer.to, other.info.address), 0);
    tx.u.transfer.amount = 5000000000ull;
    struct cpc_signer *sg = cpc_signer_new(NULL);
    assert_int_equal(cpc_tx_sign(&tx, sg, f->faucet.seckey, &err), 0);
    cpc_signer_free(sg);
    uint8_t fa[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
    assert_int_equal(cpc_address_decode(fa, f->faucet_addr), 0);
    cpc_node_account(&f->node, fa, &acc);
    assert_int_equal(cpc_mempool_add(f->node.mempool, &tx, &acc, &err), 0);
    nt_produce(&f->node);
    assert_int_equal(put(f, &other, c, sizeof c, &j), 201); /* 2000 + 2500 <= 4500 */
    json_decref(j);
    assert_int_equal(put(f, &other, d, sizeof d, &j), 507); /* 4600 > 4500 */
    assert_string_equal(err_code(j), "insufficient_storage");
    json_decref(j);
    cpc_key_wipe(&other);
}

static void inject_exec_job(struct fixture *f, uint8_t tag, const void *app, size_t app_len,
                            const void *out, size_t out_len)
{
    struct cpc_job j;
    memset(&j, 0, sizeof j);
    memset(j.id, tag, 32);
    j.contract.kind = CPC_KIND_EXEC;
    cpc_sha256(j.contract.p.exec.app, app, app_len);
    j.contract.p.exec.n_inputs = 0;
    j.contract.p.exec.timeout_s = 10;
    j.contract.p.exec.memory_mb = 64;
    j.contract.tasks = 1;
    j.contract.reward = 1000;
    j.contract.replication = 1;
    j.contract.deadline_blocks = 100;
    j.contract.priority = CPC_PRIORITY_NORMAL;
    j.contract.max_budget = 1000000;
    j.status = CPC_JOB_ACTIVE;
    struct cpc_task t;
    memset(&t, 0, sizeof t);
    memcpy(t.job_id, j.id, 32);
    cpc_task_id(t.id, j.id, 0);
    t.n_results = 1;
    cpc_sha256(t.results[0].hash, out, out_len);
    t.results[0].hash_len = 32;
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    pthread_rwlock_wrlock(&f->node.lock);
    cpc_job_encode(&j, &b);
    assert_int_equal(cpc_state_obj_put(f->node.state, key, cpc_key_job(key, j.id), b.data, b.len),
                     0);
    b.len = 0;
    cpc_task_encode(&t, &b);
    assert_int_equal(
        cpc_state_obj_put(f->node.state, key, cpc_key_task(key, t.id), b.data, b.len), 0);
    pthread_rwlock_unlock(&f->node.lock);
    cpc_buf_free(&b);
}

/* The collector: past the grace period, unreferenced blobs go (file, row,
 * quota), blobs an active exec job names stay; row-less old files go too. */
static void test_collector(void **state)
{
    struct fixture *f = *state;
    struct cpc_err err = {0};
    json_t *j = NULL;
    static const char app[] = "#!/bin/sh\ncat in/0\n", out[] = "OUTPUT\n", junk[] = "junk";
    const char *blobs[3] = {app, out, junk};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(put(f, &f->faucet, blobs[i], strlen(blobs[i]), &j), 201);
        json_decref(j);
    }
    /* a file with no row, as stored before uploads were recorded, 2 days old */
    static const char old[] = "an anonymous upload";
    char old_path[512], p[512];
    file_of(f, old, strlen(old), old_path);
    FILE *fp = fopen(old_path, "wb");
    assert_non_null(fp);
    fputs(old, fp);
    fclose(fp);
    struct timespec two_days[2] = {{time(NULL) - 2 * 86400, 0}, {time(NULL) - 2 * 86400, 0}};
    assert_int_equal(utimensat(AT_FDCWD, old_path, two_days, 0), 0);
    inject_exec_job(f, 0x42, app, strlen(app), out, strlen(out));

    /* within the grace period nothing goes, except the old row-less file */
    struct cpc_blobs_sweep_stats st;
    uint64_t now = (uint64_t)time(NULL);
    assert_int_equal(cpc_blobs_sweep(f->node.blobs, now, &st, &err), 0);
    assert_int_equal(st.rows_deleted, 0);
    assert_int_equal(st.files_deleted, 1);
    assert_int_not_equal(access(old_path, F_OK), 0);
    for (int i = 0; i < 3; i++) {
        file_of(f, blobs[i], strlen(blobs[i]), p);
        assert_int_equal(access(p, R_OK), 0);
    }

    /* a day and a bit later: junk goes, the job's app and output stay */
    assert_int_equal(cpc_blobs_sweep(f->node.blobs, now + 86400 + 60, &st, &err), 0);
    assert_int_equal(st.examined, 3);
    assert_int_equal(st.kept, 2);
    assert_int_equal(st.rows_deleted, 1);
    assert_int_equal(st.files_deleted, 1);
    assert_int_equal(st.bytes_freed, strlen(junk));
    file_of(f, junk, strlen(junk), p);
    assert_int_not_equal(access(p, F_OK), 0);
    struct nt_buf b = {0};
    assert_int_equal(get(f, junk, strlen(junk), &b), 404);
    free(b.p);
    file_of(f, app, strlen(app), p);
    assert_int_equal(access(p, R_OK), 0);
    uint64_t bytes, count;
    usage(f, f->faucet_addr, &bytes, &count);
    assert_int_equal(count, 2);
    assert_int_equal(bytes, strlen(app) + strlen(out));

    /* the job ends: a grace period after the last sweep that saw it, both go */
    uint8_t key[CPC_KEY_MAX], id[32];
    memset(id, 0x42, 32);
    pthread_rwlock_wrlock(&f->node.lock);
    assert_int_equal(cpc_state_obj_del(f->node.state, key, cpc_key_job(key, id)), 0);
    pthread_rwlock_unlock(&f->node.lock);
    assert_int_equal(cpc_blobs_sweep(f->node.blobs, now + 86400 + 120, &st, &err), 0);
    assert_int_equal(st.rows_deleted, 0); /* kept at now + 86460: not yet */
    assert_int_equal(cpc_blobs_sweep(f->node.blobs, now + 2 * 86400 + 120, &st, &err), 0);
    assert_int_equal(st.rows_deleted, 2);
    assert_int_equal(st.files_deleted, 2);
    usage(f, f->faucet_addr, &bytes, &count);
    assert_int_equal(count, 0);
    assert_int_equal(bytes, 0);
    /* the quota is free again: the same upload is stored anew */
    assert_int_equal(put(f, &f->faucet, app, strlen(app), &j), 201);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_needs_a_funded_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota, setup_quota, teardown),
        cmocka_unit_test_setup_teardown(test_collector, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_node_lease_cache.c — the node's cache of its own lease signatures
 * (node/lease_cache.c): a signed lease equals cpc_lease_sign's and verifies,
 * it is known only for the exact (key, digest, signature), a full set
 * forgets its oldest lease; and the scheduler limits read from HOME/config
 * [market] (node/scheduler_config.c): absent, set, out of range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/keyring.h"
#include "core/market.h"
#include "market/lease_cache.h"
#include "market/scheduler.h"

static void fixed_key(struct cpc_key *k, struct cpc_signer *s, uint8_t b)
{
    memset(k, 0, sizeof *k);
    memset(k->seckey, b, 32);
    assert_int_equal(cpc_pubkey_from_seckey(s, k->info.pubkey, k->seckey), 0);
}

static void test_sign_and_known(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_key val, other;
    fixed_key(&val, s, 7);
    fixed_key(&other, s, 8);
    struct cpc_lease_cache *c = cpc_lease_cache_new(&val, s, 0);
    assert_non_null(c);
    uint8_t task[16], worker[20], sig[64], ref[64], d[32];
    memset(task, 1, sizeof task);
    memset(worker, 2, sizeof worker);
    assert_int_equal(cpc_lease_cache_sign(c, sig, "cpc-t", task, worker, 99), 0);
    assert_int_equal(cpc_lease_sign(ref, s, val.seckey, "cpc-t", task, worker, 99), 0);
    assert_memory_equal(sig, ref, 64); /* RFC 6979: deterministic */
    assert_int_equal(cpc_lease_verify(sig, val.info.pubkey, "cpc-t", task, worker, 99), 0);
    cpc_lease_digest(d, "cpc-t", task, worker, 99);
    assert_true(cpc_lease_cache_known(c, val.info.pubkey, d, sig));
    /* another key, another digest, another signature: not known */
    assert_false(cpc_lease_cache_known(c, other.info.pubkey, d, sig));
    uint8_t d2[32];
    cpc_lease_digest(d2, "cpc-t", task, worker, 100);
    assert_false(cpc_lease_cache_known(c, val.info.pubkey, d2, sig));
    uint8_t bad[64];
    memcpy(bad, sig, 64);
    bad[63] ^= 1;
    assert_false(cpc_lease_cache_known(c, val.info.pubkey, d, bad));
    uint64_t hits = 0, misses = 0;
    cpc_lease_cache_stats(c, &hits, &misses);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 2); /* the other key is refused before the table */
    /* the oracle form used by the producer */
    struct cpc_lease_sig_oracle o = cpc_lease_cache_oracle(c);
    assert_true(o.known(o.arg, val.info.pubkey, d, sig));
    assert_null(cpc_lease_cache_oracle(NULL).known);
    cpc_lease_cache_free(c);
    cpc_lease_cache_free(NULL);
    cpc_signer_free(s);
}

static void test_bounded_overwrite(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_key val;
    fixed_key(&val, s, 9);
    /* 1 slot rounds up to one set of 4 ways: 4 leases are kept, the 5th
     * replaces the oldest */
    struct cpc_lease_cache *c = cpc_lease_cache_new(&val, s, 1);
    assert_non_null(c);
    uint8_t task[16] = {0}, worker[20] = {0}, sig[5][64], d[5][32];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cpc_lease_cache_sign(c, sig[i], "cpc-t", task, worker, (uint64_t)i + 1),
                         0);
        cpc_lease_digest(d[i], "cpc-t", task, worker, (uint64_t)i + 1);
    }
    for (int i = 0; i < 4; i++)
        assert_true(cpc_lease_cache_known(c, val.info.pubkey, d[i], sig[i]));
    /* signing a kept lease again refreshes it in place, evicting nothing */
    uint8_t again[64];
    assert_int_equal(cpc_lease_cache_sign(c, again, "cpc-t", task, worker, 1), 0);
    assert_memory_equal(again, sig[0], 64);
    for (int i = 0; i < 4; i++)
        assert_true(cpc_lease_cache_known(c, val.info.pubkey, d[i], sig[i]));
    /* the 5th lease replaces the oldest fill, now lease 2 */
    assert_int_equal(cpc_lease_cache_sign(c, sig[4], "cpc-t", task, worker, 5), 0);
    cpc_lease_digest(d[4], "cpc-t", task, worker, 5);
    assert_false(cpc_lease_cache_known(c, val.info.pubkey, d[1], sig[1])); /* forgotten: verify */
    assert_true(cpc_lease_cache_known(c, val.info.pubkey, d[0], sig[0]));
    assert_true(cpc_lease_cache_known(c, val.info.pubkey, d[2], sig[2]));
    assert_true(cpc_lease_cache_known(c, val.info.pubkey, d[3], sig[3]));
    assert_true(cpc_lease_cache_known(c, val.info.pubkey, d[4], sig[4]));
    assert_false(cpc_lease_cache_known(c, val.info.pubkey, d[0], sig[4])); /* cross pairs */
    cpc_lease_cache_free(c);
    assert_null(cpc_lease_cache_new(NULL, s, 0));
    cpc_signer_free(s);
}

static void write_config(const char *home, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/config", home);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_scheduler_config(void **state)
{
    (void)state;
    char home[] = "/tmp/cpc-test-lcache-XXXXXX";
    assert_non_null(mkdtemp(home));
    struct cpc_scheduler_opts o;
    struct cpc_err err = {0};
    assert_int_equal(cpc_scheduler_opts_load(&o, home, &err), 0); /* no file */
    assert_int_equal(o.worker_max_leases, 0);
    assert_int_equal(o.job_parallelism, 0);
    write_config(home, "[node]\nlisten = 127.0.0.1:1\n[market]\nworker_max_leases = 64\n"
                       "job_parallelism = 1024\n");
    assert_int_equal(cpc_scheduler_opts_load(&o, home, &err), 0);
    assert_int_equal(o.worker_max_leases, 64);
    assert_int_equal(o.job_parallelism, 1024);
    write_config(home, "[market]\nworker_max_leases = 0\n");
    assert_int_equal(cpc_scheduler_opts_load(&o, home, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "worker_max_leases"));
    write_config(home, "[market]\njob_parallelism = 100001\n");
    assert_int_equal(cpc_scheduler_opts_load(&o, home, &err), CPC_ERR_INVALID);
    write_config(home, "[market]\njob_parallelism = many\n");
    assert_int_not_equal(cpc_scheduler_opts_load(&o, home, &err), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/config", home);
    unlink(path);
    rmdir(home);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_and_known),
        cmocka_unit_test(test_bounded_overwrite),
        cmocka_unit_test(test_scheduler_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_store_sqlite.c — the SQLite store against the real core: migrations,
 * genesis, block commits and read-back, state objects (upserts, deletes,
 * reload, root), rejection and rollback of bad commits, corruption
 * detection, and concurrent readers during commits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/apply.h"
#include "core/bech32.h"
#include "core/block.h"
#include "core/genesis.h"
#include "core/hex.h"
#include "core/state.h"
#include "core/tx.h"
#include "store/store.h"
#include "core_ledger_fixtures.h"
#include "tmpdir_fixture.h"

#define GENESIS_TIME 1700000000000ull
#define ALICE_FUNDS 1000000000000000ull /* 10^15 */
#define BOB_FUNDS 1000000ull

/* ---- fixture: temp dir + a small chain driven by the real core ---- */

struct chain {
    char dir[64];
    char db[128];
    struct cpc_signer *signer;
    struct fx_key val, alice, bob, carol;
    struct cpc_genesis g;
    char *genesis_json;
    struct cpc_state *state;       /* in-memory state after the last block */
    struct cpc_block_header prev;  /* last block's header */
    uint64_t supply;
    uint64_t nonce_alice, nonce_bob;
    struct cpc_store *s;
};


static int setup(void **state)
{
    struct chain *c = calloc(1, sizeof *c);
    struct cpc_err err = {0};
    if (!c)
        return -1;
    strcpy(c->dir, "/tmp/cpc-test-store-XXXXXX");
    if (!mkdtemp(c->dir))
        return -1;
    snprintf(c->db, sizeof c->db, "%s/ledger.db", c->dir);
    c->signer = cpc_signer_new(NULL);
    if (!c->signer)
        return -1;
    fx_key(c->signer, &c->val, 0);
    fx_key(c->signer, &c->alice, 1);
    fx_key(c->signer, &c->bob, 2);
    fx_key(c->signer, &c->carol, 3);

    fx_params(&c->g.params);
    c->g.genesis_time_ms = GENESIS_TIME;
    memcpy(c->g.validator, c->val.pub, CPC_PUBKEY_LEN);
    c->g.accounts = calloc(2, sizeof *c->g.accounts);
    if (!c->g.accounts)
        return -1;
    c->g.n_accounts = 2;
    memcpy(c->g.accounts[0].addr, c->alice.addr, CPC_ADDR_HASH_LEN);
    c->g.accounts[0].balance = ALICE_FUNDS;
    memcpy(c->g.accounts[1].addr, c->bob.addr, CPC_ADDR_HASH_LEN);
    c->g.accounts[1].balance = BOB_FUNDS;
    c->g.accounts[1].stake = 500;
    if (cpc_genesis_state(&c->g, &c->state, &c->supply, &err) != 0 ||
        cpc_genesis_header(&c->g, c->state, &c->prev, &err) != 0) {
        fprintf(stderr, "genesis: %s\n", err.msg);
        return -1;
    }
    json_t *gj = cpc_genesis_to_json(&c->g);
    if (!gj)
        return -1;
    c->genesis_json = json_dumps(gj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(gj);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct chain *c = *state;
    cpc_store_close(c->s);
    cpc_state_free(c->state);
    cpc_genesis_clear(&c->g);
    free(c->genesis_json);
    cpc_signer_free(c->signer);
    tmpdir_remove(c->dir);
    free(c);
    return 0;
}

static void open_store(struct chain *c)
{
    struct cpc_err err = {0};
    int rc = cpc_store_open(&c->s, c->db, &err);
    if (rc)
        fail_msg("cpc_store_open: %s", err.msg);
}

static void init_genesis(struct chain *c)
{
    struct cpc_err err = {0};
    int rc = cpc_store_init_genesis(c->s, c->genesis_json, &c->prev, c->state, c->supply, &err);
    if (rc)
        fail_msg("init_genesis: %s", err.msg);
}

/* Build the next block from txs with the real core (all must be included). */
static void build_block(struct chain *c, const struct cpc_tx *txs, size_t n, struct cpc_block *b,
                        struct cpc_state **delta)
{
    struct cpc_err err = {0};
    const struct cpc_tx **cands = calloc(n ? n : 1, sizeof *cands);
    size_t *skipped = NULL, n_skipped = 0;
    assert_non_null(cands);
    for (size_t i = 0; i < n; i++)
        cands[i] = &txs[i];
    memset(b, 0, sizeof *b);
    int rc = cpc_block_build(c->state, &c->prev, &c->g.params, c->prev.time_ms + 1000, cands, n,
                             c->signer, c->val.sk, b, delta, &skipped, NULL, &n_skipped, &err);
    free(cands);
    free(skipped);
    if (rc)
        fail_msg("cpc_block_build: %s", err.msg);
    assert_int_equal(n_skipped, 0);
    assert_int_equal(b->n_txs, n);
}

/* After a successful commit: advance the in-memory chain. */
static void advance(struct chain *c, const struct cpc_block *b, const struct cpc_state *delta)
{
    assert_int_equal(cpc_state_merge(c->state, delta), 0);
    c->prev = b->header;
}

/* Build, commit and advance; the block is returned for inspection (caller clears). */
static void commit_next(struct chain *c, const struct cpc_tx *txs, size_t n, struct cpc_block *b)
{
    struct cpc_state *delta = NULL;
    struct cpc_err err = {0};
    build_block(c, txs, n, b, &delta);
    int rc = cpc_store_commit_block(c->s, b, delta, &err);
    if (rc)
        fail_msg("commit_block %llu: %s", (unsigned long long)b->header.height, err.msg);
    advance(c, b, delta);
    cpc_state_free(delta);
}

static void assert_json_equal(json_t *got, json_t *want)
{
    if (!json_equal(got, want)) {
        char *a = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
        char *b = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
        fprintf(stderr, "got:  %s\nwant: %s\n", a, b);
        free(a);
        free(b);
        fail_msg("JSON differs");
    }
}

static void assert_header_equal(const struct cpc_block_header *a, const struct cpc_block_header *b)
{
    assert_string_equal(a->chain_id, b->chain_id);
    assert_true(a->height == b->height);
    assert_true(a->time_ms == b->time_ms);
    assert_memory_equal(a->prev_hash, b->prev_hash, 32);
    assert_memory_equal(a->tx_root, b->tx_root, 32);
    assert_memory_equal(a->compute_root, b->compute_root, 32);
    assert_memory_equal(a->state_root, b->state_root, 32);
    assert_memory_equal(a->proposer, b->proposer, CPC_PUBKEY_LEN);
    assert_int_equal(a->n_txs, b->n_txs);
    assert_memory_equal(a->sig, b->sig, CPC_SIG_LEN);
}

static void assert_state_matches(struct chain *c)
{
    struct cpc_state *loaded = NULL;
    struct cpc_err err = {0};
    uint8_t r1[32], r2[32];
    int rc = cpc_store_load_state(c->s, &loaded, &err);
    if (rc)
        fail_msg("load_state: %s", err.msg);
    assert_int_equal(cpc_state_count(loaded), cpc_state_count(c->state));
    assert_int_equal(cpc_state_root(loaded, r1), 0);
    assert_int_equal(cpc_state_root(c->state, r2), 0);
    assert_memory_equal(r1, r2, 32);
    cpc_state_free(loaded);
}

/* Read the block back every way the store offers and compare to the original. */
static void assert_block_roundtrip(struct chain *c, const struct cpc_block *b)
{
    struct cpc_err err = {0};
    json_t *want = cpc_block_to_json(b), *got = NULL;
    assert_non_null(want);
    int rc = cpc_store_get_block_json(c->s, b->header.height, &got, &err);
    if (rc)
        fail_msg("get_block_json: %s", err.msg);
    assert_json_equal(got, want);
    json_decref(got);

    struct cpc_block_header h;
    assert_int_equal(cpc_store_get_header(c->s, b->header.height, &h, &err), 0);
    assert_header_equal(&h, &b->header);

    struct cpc_block d;
    rc = cpc_store_get_block(c->s, b->header.height, &d, &err);
    if (rc)
        fail_msg("get_block: %s", err.msg);
    assert_header_equal(&d.header, &b->header);
    assert_int_equal(d.n_txs, b->n_txs);
    for (size_t i = 0; i < b->n_txs; i++) {
        assert_memory_equal(d.txs[i].hash, b->txs[i].hash, 32);
        assert_non_null(d.results);
        assert_int_equal(d.results[i].code, b->results[i].code); /* exact code restored */
        assert_string_equal(d.results[i].error, b->results[i].error);
        assert_true(d.results[i].gas_used == b->results[i].gas_used);
        assert_true(d.results[i].fee == b->results[i].fee);
    }
    json_t *again = cpc_block_to_json(&d);
    assert_json_equal(again, want);
    json_decref(again);
    json_decref(want);
    cpc_block_clear(&d);
}

/* ---- tests ---- */

static void test_open_migrate_reopen(void **state)
{
    struct chain *c = *state;
    struct cpc_err err = {0};
    uint64_t h = 99, n = 99;

    open_store(c);
    int version = cpc_store_schema_version(c->s); /* 2 (objects) or later */
    assert_true(version >= 2);
    assert_int_equal(cpc_store_latest_height(c->s, &h, &err), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_store_tx_count(c->s, &n, &err), 0);
    assert_true(n == 0);
    cpc_store_close(c->s);
    c->s = NULL;

    /* reopen: no-op migration, same version, one row per migration */
    open_store(c);
    assert_int_equal(cpc_store_schema_version(c->s), version);
    cpc_store_close(c->s);
    c->s = NULL;

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(c->db, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), max(version) FROM schema_migrations",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), version);
    assert_int_equal(sqlite3_column_int(st, 1), version);
    sqlite3_finalize(st);
    /* WAL is persistent in the file */
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    /* tables are STRICT: a text amount is refused */
    char *msg = NULL;
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO accounts VALUES ('x', 'lots', 0, 0, 0)", NULL,
                                      NULL, &msg),
                         SQLITE_OK);
    sqlite3_free(msg);
    msg = NULL;
    /* objects: keys are 1..33 bytes, values BLOBs (not NULL, not text) */
    assert_int_not_equal(sqlite3_exec(db, "INSERT INTO objects VALUES (x'', x'00')", NULL, NULL,
                                      &msg),
                         SQLITE_OK);
    sqlite3_free(msg);
    msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "INSERT INTO objects VALUES (x'01', NULL)", NULL, NULL,
                                      &msg),
                         SQLITE_OK);
    sqlite3_free(msg);
    msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "INSERT INTO objects VALUES (x'01', 'text')", NULL, NULL,
                                      &msg),
                         SQLITE_OK);
    sqlite3_free(msg);
    /* a version-1 file (only the ledger tables) is migrated on open: drop every
     * table a later migration created and forget those migrations */
    for (;;) {
        char drop[160] = "";
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT IN ('meta', 'blocks', 'txs', "
                                            "'accounts', 'schema_migrations') LIMIT 1",
                                            -1, &st, NULL),
                         SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(drop, sizeof drop, "DROP TABLE \"%s\"", sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        if (!drop[0])
            break;
        assert_int_equal(sqlite3_exec(db, drop, NULL, NULL, NULL), SQLITE_OK);
    }
    assert_int_equal(sqlite3_exec(db, "DELETE FROM schema_migrations WHERE version >= 2", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    open_store(c);
    assert_int_equal(cpc_store_schema_version(c->s), version);
    cpc_store_close(c->s);
    c->s = NULL;
    assert_int_equal(sqlite3_open(c->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM objects", NULL, NULL, NULL),
                     SQLITE_OK);
    /* a newer schema than this binary knows is refused with a clear message */
    assert_int_equal(
        sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (99, 0)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    struct cpc_store *s2 = (struct cpc_store *)0x1;
    assert_int_equal(cpc_store_open(&s2, c->db, &err), CPC_ERR_DB);
    assert_null(s2);
    assert_non_null(strstr(err.msg, "99"));
    assert_non_null(strstr(err.msg, "newer"));
}

static void test_bad_paths(void **state)
{
    struct chain *c = *state;
    struct cpc_err err = {0};
    struct cpc_store *s = NULL;
    char p[160];

    /* not a database */
    snprintf(p, sizeof p, "%s/garbage.db", c->dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not an sqlite file at all\n", f);
    fclose(f);
    int rc = cpc_store_open(&s, p, &err);
    assert_true(rc == CPC_ERR_DB || rc == CPC_ERR_IO);
    assert_null(s);
    assert_non_null(strstr(err.msg, "garbage.db"));

    /* missing directory */
    snprintf(p, sizeof p, "%s/no/such/dir/x.db", c->dir);
    assert_int_equal(cpc_store_open(&s, p, &err), CPC_ERR_IO);
    assert_null(s);
    assert_int_equal(cpc_store_open(&s, ":memory:", &err), CPC_ERR_IO);
    assert_int_equal(cpc_store_open(&s, "", &err), CPC_ERR_IO);
}

static void test_meta(void **state)
{
    struct chain *c = *state;
    struct cpc_err err = {0};
    char *v = NULL;
    open_store(c);
    assert_int_equal(cpc_store_meta_get(c->s, "node_id", &v, &err), CPC_ERR_NOT_FOUND);
    assert_null(v);
    assert_non_null(strstr(err.msg, "node_id"));
    assert_int_equal(cpc_store_meta_set(c->s, "node_id", "abc", &err), 0);
    assert_int_equal(cpc_store_meta_set(c->s, "node_id", "it's \"quoted\"; DROP TABLE x", &err), 0);
    assert_int_equal(cpc_store_meta_get(c->s, "node_id", &v, &err), 0);
    assert_string_equal(v, "it's \"quoted\"; DROP TABLE x");
    free(v);
    assert_int_equal(cpc_store_meta_set(c->s, "empty", "", &err), 0);
    assert_int_equal(cpc_store_meta_get(c->s, "empty", &v, &err), 0);
    assert_string_equal(v, "");
    free(v);
}

static void test_genesis_and_blocks(void **state)
{
    struct chain *c = *state;
    struct cpc_err err = {0};
    uint64_t h = 0, n = 0;
    char *v = NULL;

    open_store(c);
    /* committing before genesis is refused */
    {
        struct cpc_block b;
        struct cpc_state *delta = NULL;
        build_block(c, NULL, 0, &b, &delta);
        assert_int_equal(cpc_store_commit_block(c->s, &b, delta, &err), CPC_ERR_INVALID);
        assert_non_null(strstr(err.msg, "genesis"));
        cpc_state_free(delta);
        cpc_block_clear(&b);
    }
    init_genesis(c);
    /* a second init is refused */
    assert_int_equal(cpc_store_init_genesis(c->s, c->genesis_json, &c->prev, c->state, c->supply,
                                            &err),
                     CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "already"));

    assert_int_equal(cpc_store_latest_height(c->s, &h, &err), 0);
    assert_true(h == 0);
    assert_int_equal(cpc_store_meta_get(c->s, "chain_id", &v, &err), 0);
    assert_string_equal(v, FX_CHAIN);
    free(v);
    assert_int_equal(cpc_store_meta_get(c->s, "total_supply", &v, &err), 0);
    char want_supply[32];
    snprintf(want_supply, sizeof want_supply, "%llu", (unsigned long long)(ALICE_FUNDS + BOB_FUNDS + 500));
    assert_string_equal(v, want_supply);
    free(v);
    assert_int_equal(cpc_store_meta_get(c->s, "genesis", &v, &err), 0);
    assert_string_equal(v, c->genesis_json);
    free(v);
    struct cpc_block_header h0;
    assert_int_equal(cpc_store_get_header(c->s, 0, &h0, &err), 0);
    assert_header_equal(&h0, &c->prev);
    assert_state_matches(c);
    struct cpc_block g0 = {.header = c->prev};
    assert_block_roundtrip(c, &g0);

    /* block 1: three transfers alice -> bob, alice -> carol, alice -> bob */
    struct cpc_tx t1[3];
    assert_int_equal(fx_transfer(&t1[0], c->signer, &c->alice, 0, c->bob.addr, 1000), 0);
    assert_int_equal(fx_transfer(&t1[1], c->signer, &c->alice, 1, c->carol.addr, 2000), 0);
    assert_int_equal(fx_transfer(&t1[2], c->signer, &c->alice, 2, c->bob.addr, 3000), 0);
    struct cpc_block b1;
    commit_next(c, t1, 3, &b1);
    assert_block_roundtrip(c, &b1);
    assert_state_matches(c);

    /* block 2: bob overspends (included, fails), alice stakes (no recipient) */
    struct cpc_tx t2[2];
    assert_int_equal(fx_transfer(&t2[0], c->signer, &c->bob, 0, c->alice.addr, BOB_FUNDS * 10), 0);
    assert_int_equal(fx_stake(&t2[1], c->signer, &c->alice, CPC_TX_STAKE, 3, 5000), 0);
    struct cpc_block b2;
    commit_next(c, t2, 2, &b2);
    assert_int_not_equal(b2.results[0].code, 0); /* the overspend failed after inclusion */
    assert_int_equal(b2.results[1].code, 0);
    assert_block_roundtrip(c, &b2);
    assert_state_matches(c);

    /* block 3: empty */
    struct cpc_block b3;
    commit_next(c, NULL, 0, &b3);
    assert_block_roundtrip(c, &b3);
    assert_int_equal(cpc_store_latest_height(c->s, &h, &err), 0);
    assert_true(h == 3);
    assert_int_equal(cpc_store_tx_count(c->s, &n, &err), 0);
    assert_true(n == 5);

    /* tx lookup */
    json_t *tj = NULL;
    assert_int_equal(cpc_store_get_tx_json(c->s, t1[1].hash, &tj, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(tj, "height")), 1);
    assert_int_equal(json_integer_value(json_object_get(tj, "index")), 1);
    assert_string_equal(json_string_value(json_object_get(tj, "status")), "success");
    assert_true(json_is_null(json_object_get(tj, "error")));
    assert_int_equal(json_integer_value(json_object_get(tj, "gas_used")), b1.results[1].gas_used);
    assert_int_equal(json_integer_value(json_object_get(tj, "fee")), b1.results[1].fee);
    assert_true(b1.results[1].fee > 0);
    char hex[65];
    cpc_hex_encode(hex, t1[1].hash, 32);
    assert_string_equal(json_string_value(json_object_get(tj, "hash")), hex);
    /* everything else is exactly the wire JSON */
    json_t *wire = cpc_tx_to_json(&t1[1]);
    json_t *copy = json_deep_copy(tj);
    const char *extra[] = {"height", "index", "status", "error", "gas_used", "fee"};
    for (size_t i = 0; i < 6; i++)
        json_object_del(copy, extra[i]);
    assert_json_equal(copy, wire);
    json_decref(copy);
    json_decref(wire);
    json_decref(tj);

    assert_int_equal(cpc_store_get_tx_json(c->s, t2[0].hash, &tj, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(tj, "height")), 2);
    assert_string_equal(json_string_value(json_object_get(tj, "status")), "failed");
    assert_string_equal(json_string_value(json_object_get(tj, "error")), b2.results[0].error);
    assert_true(strlen(b2.results[0].error) > 0);
    json_decref(tj);

    uint8_t unknown[32];
    memset(unknown, 0xab, sizeof unknown);
    assert_int_equal(cpc_store_get_tx_json(c->s, unknown, &tj, &err), CPC_ERR_NOT_FOUND);
    assert_null(tj);
    assert_non_null(strstr(err.msg, "abababab"));
    assert_int_equal(cpc_store_get_block_json(c->s, 4, &tj, &err), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_store_get_block_json(c->s, UINT64_MAX, &tj, &err), CPC_ERR_NOT_FOUND);
    struct cpc_block_header hx;
    assert_int_equal(cpc_store_get_header(c->s, 77, &hx, &err), CPC_ERR_NOT_FOUND);

    /* by-address listing, newest first: bob appears in t1[0], t1[2] (recipient), t2[0] (sender) */
    json_t *arr = NULL;
    assert_int_equal(cpc_store_list_txs_by_address(c->s, c->bob.addr, 10, 0, &arr, &err), 0);
    assert_int_equal(json_array_size(arr), 3);
    const uint8_t *want_bob[3] = {t2[0].hash, t1[2].hash, t1[0].hash};
    for (size_t i = 0; i < 3; i++) {
        cpc_hex_encode(hex, want_bob[i], 32);
        assert_string_equal(json_string_value(json_object_get(json_array_get(arr, i), "hash")), hex);
    }
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "height")), 2);
    json_decref(arr);
    /* limit / offset */
    assert_int_equal(cpc_store_list_txs_by_address(c->s, c->bob.addr, 1, 1, &arr, &err), 0);
    assert_int_equal(json_array_size(arr), 1);
    cpc_hex_encode(hex, t1[2].hash, 32);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "hash")), hex);
    json_decref(arr);
    assert_int_equal(cpc_store_list_txs_by_address(c->s, c->bob.addr, 10, 3, &arr, &err), 0);
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);
    /* alice: all 4 of her txs plus the failed one naming her as recipient */
    assert_int_equal(cpc_store_list_txs_by_address(c->s, c->alice.addr, 100, 0, &arr, &err), 0);
    assert_int_equal(json_array_size(arr), 5);
    cpc_hex_encode(hex, t2[1].hash, 32); /* index 1 of block 2 is the newest */
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "hash")), hex);
    json_decref(arr);
    /* carol: exactly once (self-listing dedup is exercised by sender <> recipient rule) */
    assert_int_equal(cpc_store_list_txs_by_address(c->s, c->carol.addr, 100, 0, &arr, &err), 0);
    assert_int_equal(json_array_size(arr), 1);
    json_decref(arr);
    assert_int_equal(cpc_store_list_txs_by_address(c->s, c->val.addr, 100, 0, &arr, &err), 0);
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);

    /* single accounts */
    struct cpc_account a, want;
    assert_int_equal(cpc_store_get_account(c->s, c->alice.addr, &a, &err), 0);
    assert_int_equal(cpc_state_get(c->state, c->alice.addr, &want), 0);
    assert_true(a.balance == want.balance && a.nonce == want.nonce && a.stake == want.stake);
    assert_true(a.nonce == 4 && a.stake == 5000);
    uint8_t nobody[CPC_ADDR_HASH_LEN];
    memset(nobody, 7, sizeof nobody);
    assert_int_equal(cpc_store_get_account(c->s, nobody, &a, &err), CPC_ERR_NOT_FOUND);
    assert_true(a.balance == 0 && a.nonce == 0 && a.stake == 0);

    /* everything survives a reopen */
    cpc_store_close(c->s);
    c->s = NULL;
    open_store(c);
    assert_int_equal(cpc_store_latest_height(c->s, &h, &err), 0);
    assert_true(h == 3);
    assert_int_equal(cpc_store_tx_count(c->s, &n, &err), 0);
    assert_true(n == 5);
    assert_state_matches(c);
    assert_block_roundtrip(c, &b2);

    cpc_block_clear(&b1);
    cpc_block_clear(&b2);
    cpc_block_clear(&b3);
}

/* Snapshot of what a failed commit must not change. */
struct snap {
    uint64_t height, txs;
    uint8_t root[32];
};

static void take_snap(struct chain *c, struct snap *sn)
{
    struct cpc_err err = {0};
    struct cpc_state *st = NULL;
    assert_int_equal(cpc_store_latest_height(c->s, &sn->height, &err), 0);
    assert_int_equal(cpc_store_tx_count(c->s, &sn->txs, &err), 0);
    assert_int_equal(cpc_store_load_state(c->s, &st, &err), 0);
    assert_int_equal(cpc_state_root(st, sn->root), 0);
    cpc_state_free(st);
}

static void assert_unchanged(struct chain *c, const struct snap *before)
{
    struct snap now;
    take_snap(c, &now);
    assert_true(now.height == before->height);
    assert_true(now.txs == before->txs);
    assert_memory_equal(now.root, before->root, 32);
    /* and directly in the file: nothing above the latest height */
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(c->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT count(*) FROM txs WHERE height > ?1) + "
                                        "(SELECT count(*) FROM blocks WHERE height > ?1) + "
                                        "(SELECT count(*) FROM accounts WHERE updated_height > ?1)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)before->height);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_rejects_and_rollback(void **state)
{
    struct chain *c = *state;
    struct cpc_err err = {0};
    struct snap before;

    open_store(c);
    init_genesis(c);
    struct cpc_tx t1[2];
    assert_int_equal(fx_transfer(&t1[0], c->signer, &c->alice, 0, c->bob.addr, 10), 0);
    assert_int_equal(fx_transfer(&t1[1], c->signer, &c->alice, 1, c->bob.addr, 20), 0);
    struct cpc_block b1;
    commit_next(c, t1, 2, &b1);
    take_snap(c, &before);

    /* the same block again: height 1 does not follow 1 */
    assert_int_equal(cpc_store_commit_block(c->s, &b1, NULL, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "does not follow"));
    assert_unchanged(c, &before);

    /* a proper block 2 ... */
    struct cpc_tx t2[3];
    assert_int_equal(fx_transfer(&t2[0], c->signer, &c->alice, 2, c->carol.addr, 30), 0);
    assert_int_equal(fx_transfer(&t2[1], c->signer, &c->alice, 3, c->carol.addr, 40), 0);
    assert_int_equal(fx_transfer(&t2[2], c->signer, &c->bob, 0, c->carol.addr, 50), 0);
    struct cpc_block b2;
    struct cpc_state *delta = NULL;
    build_block(c, t2, 3, &b2, &delta);

    /* ... with a height gap */
    b2.header.height = 3;
    assert_int_equal(cpc_store_commit_block(c->s, &b2, delta, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "height 3"));
    b2.header.height = 2;
    assert_unchanged(c, &before);

    /* ... with a wrong prev_hash */
    b2.header.prev_hash[5] ^= 1;
    assert_int_equal(cpc_store_commit_block(c->s, &b2, delta, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "prev_hash"));
    b2.header.prev_hash[5] ^= 1;
    assert_unchanged(c, &before);

    /* ... header/tx count mismatch, and missing results */
    b2.header.n_txs = 2;
    assert_int_equal(cpc_store_commit_block(c->s, &b2, delta, &err), CPC_ERR_INVALID);
    b2.header.n_txs = 3;
    struct cpc_tx_result *res = b2.results;
    b2.results = NULL;
    assert_int_equal(cpc_store_commit_block(c->s, &b2, delta, &err), CPC_ERR_INVALID);
    b2.results = res;
    assert_unchanged(c, &before);

    /* forced failure half-way: the last tx's fee does not fit SQLite, after the
     * block row and two tx rows went in -> everything rolled back */
    uint64_t fee = b2.results[2].fee;
    b2.results[2].fee = UINT64_MAX;
    assert_int_equal(cpc_store_commit_block(c->s, &b2, delta, &err), CPC_ERR_OVERFLOW);
    assert_non_null(strstr(err.msg, "not committed"));
    b2.results[2].fee = fee;
    assert_unchanged(c, &before);
    json_t *j = NULL;
    assert_int_equal(cpc_store_get_tx_json(c->s, t2[0].hash, &j, &err), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_store_get_block_json(c->s, 2, &j, &err), CPC_ERR_NOT_FOUND);

    /* forced failure by a constraint: a tx already stored in block 1 */
    struct cpc_tx saved = b2.txs[1];
    b2.txs[1] = b1.txs[0];
    assert_int_equal(cpc_store_commit_block(c->s, &b2, delta, &err), CPC_ERR_DB);
    assert_non_null(strstr(err.msg, "cannot be stored"));
    b2.txs[1] = saved;
    assert_unchanged(c, &before);

    /* forced failure in the account upserts (last step before COMMIT) */
    struct cpc_state *bad = cpc_state_clone(delta);
    struct cpc_account huge = {.balance = UINT64_MAX};
    assert_int_equal(cpc_state_put(bad, c->carol.addr, &huge), 0);
    assert_int_equal(cpc_store_commit_block(c->s, &b2, bad, &err), CPC_ERR_OVERFLOW);
    assert_non_null(strstr(err.msg, "balance"));
    cpc_state_free(bad);
    assert_unchanged(c, &before);

    /* and the untouched block still commits cleanly afterwards */
    int rc = cpc_store_commit_block(c->s, &b2, delta, &err);
    if (rc)
        fail_msg("commit after rollbacks: %s", err.msg);
    advance(c, &b2, delta);
    assert_block_roundtrip(c, &b2);
    assert_state_matches(c);
    uint64_t n = 0;
    assert_int_equal(cpc_store_tx_count(c->s, &n, &err), 0);
    assert_true(n == 5);

    cpc_state_free(delta);
    cpc_block_clear(&b1);
    cpc_block_clear(&b2);
}

/* Bypass the CHECK constraints to plant bad rows; the store must refuse them. */
static void test_corruption_detected(void **state)
{
    struct chain *c = *state;
    struct cpc_err err = {0};
    open_store(c);
    init_genesis(c);
    struct cpc_tx t[1];
    assert_int_equal(fx_transfer(&t[0], c->signer, &c->alice, 0, c->bob.addr, 10), 0);
    struct cpc_block b1;
    commit_next(c, t, 1, &b1);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(c->db, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char sql[256];
    char a[CPC_ADDR_STR_MAX];
    cpc_address_encode(a, c->bob.addr);
    snprintf(sql, sizeof sql,
             "PRAGMA ignore_check_constraints=ON; UPDATE accounts SET balance = -5 WHERE address = '%s';"
             "UPDATE txs SET json = '{not json' WHERE height = 1;",
             a);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    struct cpc_state *st = NULL;
    assert_int_equal(cpc_store_load_state(c->s, &st, &err), CPC_ERR_DB);
    assert_null(st);
    assert_non_null(strstr(err.msg, "negative"));
    struct cpc_account acc;
    assert_int_equal(cpc_store_get_account(c->s, c->bob.addr, &acc, &err), CPC_ERR_DB);
    json_t *j = NULL;
    assert_int_equal(cpc_store_get_tx_json(c->s, t[0].hash, &j, &err), CPC_ERR_DB);
    assert_null(j);
    assert_non_null(strstr(err.msg, "not JSON"));
    struct cpc_block d;
    assert_int_equal(cpc_store_get_block(c->s, 1, &d, &err), CPC_ERR_DB);
    cpc_block_clear(&b1);
}

/* ---- concurrency ---- */

struct reader_ctx {
    struct cpc_store *s;
    atomic_int stop;
    atomic_long reads;
    atomic_int errors;
    char msg[CPC_ERR_MSG_MAX];
};

static void *reader_main(void *arg)
{
    struct reader_ctx *r = arg;
    long i = 0;
    while (!atomic_load(&r->stop)) {
        struct cpc_err err = {0};
        uint64_t h = 0;
        json_t *j = NULL;
        int rc = cpc_store_latest_height(r->s, &h, &err);
        if (!rc)
            rc = cpc_store_get_block_json(r->s, h, &j, &err);
        json_decref(j);
        if (!rc && (i % 4) == 0) {
            struct cpc_state *st = NULL;
            rc = cpc_store_load_state(r->s, &st, &err);
            cpc_state_free(st);
        }
        if (!rc && (i % 4) == 1) {
            uint64_t n;
            rc = cpc_store_tx_count(r->s, &n, &err);
        }
        if (rc) {
            if (atomic_fetch_add(&r->errors, 1) == 0)
                snprintf(r->msg, sizeof r->msg, "%s", err.msg);
        }
        atomic_fetch_add(&r->reads, 1);
        i++;
    }
    return NULL;
}

static void test_concurrent_readers(void **state)
{
    struct chain *c = *state;
    open_store(c);
    init_genesis(c);

    struct reader_ctx rc = {.s = c->s};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader_main, &rc), 0);
    while (atomic_load(&rc.reads) < 2)
        usleep(1000);

    long reads_at_start = atomic_load(&rc.reads);
    for (uint64_t blk = 0; blk < 20; blk++) {
        struct cpc_tx t[5];
        for (int k = 0; k < 5; k++)
            assert_int_equal(fx_transfer(&t[k], c->signer, &c->alice, c->nonce_alice++,
                                         (k & 1) ? c->bob.addr : c->carol.addr, 100 + (uint64_t)k),
                             0);
        struct cpc_block b;
        commit_next(c, t, 5, &b);
        cpc_block_clear(&b);
    }
    atomic_store(&rc.stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    if (atomic_load(&rc.errors))
        fail_msg("%d reader errors, first: %s", atomic_load(&rc.errors), rc.msg);
    assert_true(atomic_load(&rc.reads) > reads_at_start);
    assert_state_matches(c);
    uint64_t n = 0;
    assert_int_equal(cpc_store_tx_count(c->s, &n, NULL), 0);
    assert_true(n == 100);
}

/* Throughput of the hot path: one block of 10k txs (figure printed, loosely checked). */
static void test_big_block_throughput(void **state)
{
    struct chain *c = *state;
    struct cpc_err err = {0};
    enum { N = 10000 };
    open_store(c);
    init_genesis(c);
    struct cpc_tx *t = calloc(N, sizeof *t);
    assert_non_null(t);
    for (uint64_t i = 0; i < N; i++)
        assert_int_equal(fx_transfer(&t[i], c->signer, &c->alice, i, (i & 1) ? c->bob.addr : c->carol.addr, 1), 0);
    struct cpc_block b;
    struct cpc_state *delta = NULL;
    build_block(c, t, N, &b, &delta);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = cpc_store_commit_block(c->s, &b, delta, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc)
        fail_msg("commit: %s", err.msg);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("store: committed a %d-tx block in %.3f s (%.0f tx rows/s)\n", N, secs, N / secs);
    advance(c, &b, delta);
    assert_state_matches(c);
    json_t *arr = NULL;
    assert_int_equal(cpc_store_list_txs_by_address(c->s, c->bob.addr, 5000, 0, &arr, &err), 0);
    assert_int_equal(json_array_size(arr), 1000); /* capped */
    json_decref(arr);
    cpc_state_free(delta);
    cpc_block_clear(&b);
    free(t);
}

/* ---- crash safety: SIGKILL a committing process, then check consistency ---- */

/* Child: reload chain state from the store and commit blocks until killed. */
static void crash_child(struct chain *c)
{
    struct cpc_err err = {0};
    struct cpc_store *s = NULL;
    struct cpc_state *st = NULL;
    struct cpc_block_header prev;
    uint64_t h = 0;
    if (cpc_store_open(&s, c->db, &err) || cpc_store_latest_height(s, &h, &err) ||
        cpc_store_get_header(s, h, &prev, &err) || cpc_store_load_state(s, &st, &err))
        _exit(2);
    for (int round = 0; round < 100000; round++) {
        struct cpc_account a;
        struct cpc_tx t[20];
        const struct cpc_tx *cands[20];
        cpc_state_get(st, c->alice.addr, &a);
        for (int k = 0; k < 20; k++) {
            if (fx_transfer(&t[k], c->signer, &c->alice, a.nonce + (uint64_t)k, c->bob.addr, 1))
                _exit(3);
            cands[k] = &t[k];
        }
        struct cpc_block b;
        struct cpc_state *delta = NULL;
        if (cpc_block_build(st, &prev, &c->g.params, prev.time_ms + 1000, cands, 20, c->signer,
                            c->val.sk, &b, &delta, NULL, NULL, NULL, &err) ||
            cpc_store_commit_block(s, &b, delta, &err) || cpc_state_merge(st, delta))
            _exit(4);
        prev = b.header;
        cpc_state_free(delta);
        cpc_block_clear(&b);
    }
    _exit(0);
}

static void test_sigkill_leaves_consistent_db(void **state)
{
    struct chain *c = *state;
    struct cpc_err err = {0};
    open_store(c);
    init_genesis(c);
    cpc_store_close(c->s);
    c->s = NULL;

    uint64_t last = 0;
    for (int round = 0; round < 4; round++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            crash_child(c);
        usleep(150000 + (useconds_t)round * 70000);
        kill(pid, SIGKILL);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status))
            fail_msg("child exited early with status %d", WEXITSTATUS(status));

        open_store(c);
        uint64_t h = 0, ntx = 0;
        assert_int_equal(cpc_store_latest_height(c->s, &h, &err), 0);
        assert_true(h >= last); /* nothing committed is lost */
        last = h;
        /* the stored accounts are exactly the state the latest header commits to */
        struct cpc_block_header hdr;
        struct cpc_state *st = NULL;
        uint8_t root[32];
        assert_int_equal(cpc_store_get_header(c->s, h, &hdr, &err), 0);
        assert_int_equal(cpc_store_load_state(c->s, &st, &err), 0);
        assert_int_equal(cpc_state_root(st, root), 0);
        assert_memory_equal(root, hdr.state_root, 32);
        cpc_state_free(st);
        /* every block is whole (get_block_json checks n_txs against the rows) */
        for (uint64_t i = 1; i <= h; i++) {
            json_t *j = NULL;
            int rc = cpc_store_get_block_json(c->s, i, &j, &err);
            if (rc)
                fail_msg("block %llu: %s", (unsigned long long)i, err.msg);
            json_decref(j);
        }
        assert_int_equal(cpc_store_tx_count(c->s, &ntx, &err), 0);
        assert_true(ntx == h * 20);
        cpc_store_close(c->s);
        c->s = NULL;
    }
    printf("store: %llu blocks survived 4 SIGKILLs intact\n", (unsigned long long)last);
    assert_true(last > 0); /* the children did commit something */
}


/* Objects of a block's delta: upserted, replaced and deleted in the block's
 * transaction; they survive reopening and load_state gives the same root. */
static int count_objects(struct chain *c)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int n = -1;
    assert_int_equal(sqlite3_open_v2(c->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM objects", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void assert_obj(const struct cpc_state *st, const uint8_t *key, size_t klen,
                       const void *val, size_t vlen)
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    assert_int_equal(cpc_state_obj_get(st, key, klen, &b), 0);
    assert_int_equal(b.len, vlen);
    if (vlen)
        assert_memory_equal(b.data, val, vlen);
    cpc_buf_free(&b);
}

static void test_objects_persist(void **state)
{
    struct chain *c = *state;
    struct cpc_err err = {0};
    struct cpc_block b;
    struct cpc_state *delta = NULL, *loaded = NULL;
    static const uint8_t k1[] = {'J', 1, 2, 3}, k2[] = {'T', 9}, k3[] = {'W'};
    uint8_t k33[33], big[5000];
    memset(k33, 0xee, sizeof k33);
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 13);

    /* genesis with one object of its own */
    assert_int_equal(cpc_state_obj_put(c->state, k3, sizeof k3, (const uint8_t *)"genesis", 7), 0);
    assert_int_equal(cpc_genesis_header(&c->g, c->state, &c->prev, &err), 0);
    open_store(c);
    init_genesis(c);
    assert_int_equal(count_objects(c), 1);
    assert_state_matches(c);

    /* block 1: the delta adds objects (an empty value and a 33-byte key among them) */
    build_block(c, NULL, 0, &b, &delta);
    assert_int_equal(cpc_state_obj_put(delta, k1, sizeof k1, big, sizeof big), 0);
    assert_int_equal(cpc_state_obj_put(delta, k2, sizeof k2, NULL, 0), 0);
    assert_int_equal(cpc_state_obj_put(delta, k33, sizeof k33, (const uint8_t *)"x", 1), 0);
    assert_int_equal(cpc_store_commit_block(c->s, &b, delta, &err), 0);
    advance(c, &b, delta);
    cpc_state_free(delta);
    cpc_block_clear(&b);
    /* W, the market stub's H|0, J, T, and the 33-byte key */
    assert_int_equal(count_objects(c), 5);
    assert_int_equal(cpc_state_obj_count(c->state), 5);
    assert_state_matches(c);

    /* block 2: replace one, delete two (tombstones in the delta), delete an absent key */
    build_block(c, NULL, 0, &b, &delta);
    assert_int_equal(cpc_state_obj_put(delta, k1, sizeof k1, (const uint8_t *)"v2", 2), 0);
    assert_int_equal(cpc_state_obj_del(delta, k2, sizeof k2), 0);
    assert_int_equal(cpc_state_obj_del(delta, k3, sizeof k3), 0);
    static const uint8_t never[] = {'Z', 0};
    assert_int_equal(cpc_state_obj_del(delta, never, sizeof never), 0);
    assert_int_equal(cpc_state_obj_count(delta), 2); /* H|1 and J: tombstones are not live */
    assert_int_equal(cpc_store_commit_block(c->s, &b, delta, &err), 0);
    advance(c, &b, delta);
    cpc_state_free(delta);
    cpc_block_clear(&b);
    assert_int_equal(count_objects(c), 4); /* H|0, H|1, J, 33-byte key */
    assert_state_matches(c);

    /* a failed commit (wrong height) writes no object */
    build_block(c, NULL, 0, &b, &delta);
    b.header.height += 5;
    assert_int_equal(cpc_state_obj_put(delta, k2, sizeof k2, (const uint8_t *)"no", 2), 0);
    assert_int_equal(cpc_store_commit_block(c->s, &b, delta, &err), CPC_ERR_INVALID);
    cpc_state_free(delta);
    cpc_block_clear(&b);
    assert_int_equal(count_objects(c), 4);

    /* reopen: everything is still there, deletes included, and the root agrees */
    cpc_store_close(c->s);
    c->s = NULL;
    open_store(c);
    assert_int_equal(cpc_store_load_state(c->s, &loaded, &err), 0);
    assert_int_equal(cpc_state_obj_count(loaded), 4);
    assert_obj(loaded, k1, sizeof k1, "v2", 2);
    assert_obj(loaded, k33, sizeof k33, "x", 1);
    struct cpc_buf v;
    cpc_buf_init(&v);
    assert_int_equal(cpc_state_obj_get(loaded, k2, sizeof k2, &v), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_state_obj_get(loaded, k3, sizeof k3, &v), CPC_ERR_NOT_FOUND);
    cpc_buf_free(&v);
    uint8_t r1[32], r2[32];
    assert_int_equal(cpc_state_root(loaded, r1), 0);
    assert_int_equal(cpc_state_root(c->state, r2), 0);
    assert_memory_equal(r1, r2, 32);
    cpc_state_free(loaded);

    /* a corrupt object row is reported, never trusted */
    cpc_store_close(c->s);
    c->s = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(c->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO objects VALUES (zeroblob(40), x'00')", NULL,
                                  NULL, NULL),
                     SQLITE_CONSTRAINT); /* the CHECK holds */
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA ignore_check_constraints = ON;"
                                  "INSERT INTO objects VALUES (zeroblob(40), x'00')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    open_store(c);
    assert_int_equal(cpc_store_load_state(c->s, &loaded, &err), CPC_ERR_DB);
    assert_null(loaded);
    assert_non_null(strstr(err.msg, "bad object key (40 bytes)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_migrate_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_genesis_and_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects_persist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejects_and_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corruption_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_readers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_block_throughput, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_leaves_consistent_db, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_store_legacy.c — the legacy API tables (store_legacy.h): migration 3,
 * clients (add, duplicate, lookups both ways), receipts (claim, double claim,
 * lookups by key and by either tx hash, delete), argument checks, that
 * rows survive a reopen, and one claim per assignment (migration 7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_legacy.h"
#include "store_test_fixture.h"

static int setup(void **state) { return store_fx_setup(state, "/tmp/cpc-legacy-store-XXXXXX"); }

static int teardown(void **state) { return store_fx_teardown(state); }

#define CID "6f1c2a8e-3b7d-4c9a-8e21-5d4f0a9b7c13"
#define ADDR "cpc1gnpq85jq7ks96xzx7xwtlgjrr7cmm2sxech2sh"

static struct cpc_legacy_receipt receipt(const char *result, uint8_t tag)
{
    struct cpc_legacy_receipt r;
    memset(&r, 0, sizeof r);
    snprintf(r.client_id, sizeof r.client_id, "%s", CID);
    snprintf(r.contract_id, sizeof r.contract_id, "sc-001");
    snprintf(r.result_data, sizeof r.result_data, "%s", result);
    snprintf(r.task_id, sizeof r.task_id, "ff50c694-c4a3-8e7f-aa9a-9ef50d350907");
    r.work_units = 1000;
    r.reward = 10000000000ULL;
    memset(r.receipt_tx, tag, 32);
    memset(r.reward_tx, (uint8_t)(tag + 1), 32);
    r.created_at = 1700000000;
    return r;
}

static void test_migration_version(void **state)
{
    struct store_fx *f = *state;
    assert_true(cpc_store_schema_version(f->s) >= 3);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM sqlite_schema WHERE name IN "
                                        "('legacy_clients','legacy_receipts')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 2);
    sqlite3_finalize(st);
    /* STRICT: a text created_at is refused */
    char *msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "INSERT INTO legacy_clients VALUES ('a', 'b', 'now')",
                                      NULL, NULL, &msg),
                         SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(db);
}

static void test_clients(void **state)
{
    struct store_fx *f = *state;
    struct cpc_err err = {0};
    char addr[CPC_ADDR_STR_MAX];
    char cid[CPC_LEGACY_ID_MAX + 1];

    assert_int_equal(cpc_store_legacy_client_address(f->s, CID, addr, &err), CPC_ERR_NOT_FOUND);
    assert_string_equal(addr, "");
    assert_int_equal(cpc_store_legacy_client_add(f->s, CID, ADDR, 1700000000, &err), 0);
    assert_int_equal(cpc_store_legacy_client_address(f->s, CID, addr, &err), 0);
    assert_string_equal(addr, ADDR);
    assert_int_equal(cpc_store_legacy_client_by_address(f->s, ADDR, cid, &err), 0);
    assert_string_equal(cid, CID);
    assert_int_equal(cpc_store_legacy_client_by_address(f->s, "cpc1nobody", cid, &err),
                     CPC_ERR_NOT_FOUND);

    /* same id again: duplicate, first row kept */
    assert_int_equal(cpc_store_legacy_client_add(f->s, CID, "cpc1other", 1, &err),
                     CPC_ERR_DUPLICATE);
    assert_non_null(strstr(err.msg, "already exists"));
    /* the address is unique too */
    assert_int_equal(cpc_store_legacy_client_add(f->s, "another", ADDR, 1, &err),
                     CPC_ERR_DUPLICATE);
    assert_int_equal(cpc_store_legacy_client_address(f->s, CID, addr, &err), 0);
    assert_string_equal(addr, ADDR);

    /* lookups are exact: case matters, oversized ids are simply unknown */
    assert_int_equal(cpc_store_legacy_client_address(f->s, "6F1C2A8E-3B7D-4C9A-8E21-5D4F0A9B7C13",
                                                     addr, &err),
                     CPC_ERR_NOT_FOUND);
    char big[200];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(cpc_store_legacy_client_address(f->s, big, addr, &err), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_store_legacy_client_add(f->s, big, "cpc1x", 1, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "longer than 64"));
    assert_int_equal(cpc_store_legacy_client_add(f->s, "", "cpc1x", 1, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_store_legacy_client_add(f->s, "x", "cpc1x", (uint64_t)INT64_MAX + 1, &err),
                     CPC_ERR_OVERFLOW);
    assert_int_equal(cpc_store_legacy_client_add(NULL, "x", "y", 1, &err), CPC_ERR_INVALID);
}

static void test_receipts(void **state)
{
    struct store_fx *f = *state;
    struct cpc_err err = {0};
    struct cpc_legacy_receipt got;
    assert_int_equal(cpc_store_legacy_client_add(f->s, CID, ADDR, 1700000000, &err), 0);

    struct cpc_legacy_receipt r = receipt("dummy_result_data", 0x11);
    assert_int_equal(cpc_store_legacy_receipt_get(f->s, CID, "sc-001", "dummy_result_data", &got,
                                                  &err),
                     CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &r, &err), 0);

    /* the same (client, contract, result) again is refused: no double payment */
    struct cpc_legacy_receipt again = receipt("dummy_result_data", 0x21);
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &again, &err), CPC_ERR_DUPLICATE);
    assert_non_null(strstr(err.msg, "already paid"));
    /* another result of the same client and contract is a new claim */
    struct cpc_legacy_receipt other = receipt("000ee8b9227b775fa3c0e0e9eaa766be4ef2ae497b44e698449484c00320a4a8", 0x31);
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &other, &err), 0);

    assert_int_equal(cpc_store_legacy_receipt_get(f->s, CID, "sc-001", "dummy_result_data", &got,
                                                  &err),
                     0);
    assert_memory_equal(&got, &r, sizeof r);

    uint8_t h[32];
    memset(h, 0x11, 32); /* receipt tx of r */
    assert_int_equal(cpc_store_legacy_receipt_by_tx(f->s, h, &got, &err), 0);
    assert_string_equal(got.result_data, "dummy_result_data");
    memset(h, 0x32, 32); /* reward tx of other */
    assert_int_equal(cpc_store_legacy_receipt_by_tx(f->s, h, &got, &err), 0);
    assert_string_equal(got.result_data, other.result_data);
    assert_int_equal(got.reward, 10000000000ULL);
    assert_int_equal(got.work_units, 1000);
    memset(h, 0x99, 32);
    assert_int_equal(cpc_store_legacy_receipt_by_tx(f->s, h, &got, &err), CPC_ERR_NOT_FOUND);

    /* a receipt needs a registered client (foreign key) */
    struct cpc_legacy_receipt stranger = receipt("x", 0x41);
    snprintf(stranger.client_id, sizeof stranger.client_id, "nobody");
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &stranger, &err), CPC_ERR_DB);

    /* delete releases the claim; deleting twice is fine */
    assert_int_equal(
        cpc_store_legacy_receipt_delete(f->s, CID, "sc-001", "dummy_result_data", &err), 0);
    assert_int_equal(
        cpc_store_legacy_receipt_delete(f->s, CID, "sc-001", "dummy_result_data", &err), 0);
    assert_int_equal(cpc_store_legacy_receipt_get(f->s, CID, "sc-001", "dummy_result_data", &got,
                                                  &err),
                     CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &again, &err), 0);

    /* bad arguments */
    struct cpc_legacy_receipt empty = receipt("", 0x51);
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &empty, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "result_data is empty"));
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, NULL, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_store_legacy_receipt_get(f->s, CID, "", "x", &got, &err),
                     CPC_ERR_NOT_FOUND);

    /* rows survive a reopen */
    cpc_store_close(f->s);
    f->s = NULL;
    store_fx_open(f);
    assert_int_equal(cpc_store_legacy_receipt_get(f->s, CID, "sc-001", "dummy_result_data", &got,
                                                  &err),
                     0);
    assert_memory_equal(&got, &again, sizeof again);
    char addr[CPC_ADDR_STR_MAX];
    assert_int_equal(cpc_store_legacy_client_address(f->s, CID, addr, &err), 0);
    assert_string_equal(addr, ADDR);
}

/* Migration 7: an assignment (contract instance) is claimed once, whatever
 * the result; receipts without one (paid before the rule) coexist. */
static void test_assignment_paid_once(void **state)
{
    struct store_fx *f = *state;
    struct cpc_err err = {0};
    struct cpc_legacy_receipt got;
    assert_true(cpc_store_schema_version(f->s) >= 6);
    assert_int_equal(cpc_store_legacy_client_add(f->s, CID, ADDR, 1700000000, &err), 0);
    assert_int_equal(cpc_store_legacy_client_add(f->s, "other", "cpc1other", 1700000000, &err),
                     0);
    const char *inst = "sc-001-00112233445566778899aabbccddeeff0011223344";
    assert_int_equal(cpc_store_legacy_receipt_by_assignment(f->s, inst, &got, &err),
                     CPC_ERR_NOT_FOUND);
    struct cpc_legacy_receipt r = receipt("dummy_result_data", 0x11);
    snprintf(r.contract_id, sizeof r.contract_id, "%s", inst);
    snprintf(r.assignment, sizeof r.assignment, "%s", inst);
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &r, &err), 0);
    /* another result, another client: the same assignment is not paid twice */
    struct cpc_legacy_receipt again = receipt("000abc", 0x21);
    snprintf(again.contract_id, sizeof again.contract_id, "%s", inst);
    snprintf(again.assignment, sizeof again.assignment, "%s", inst);
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &again, &err), CPC_ERR_DUPLICATE);
    snprintf(again.client_id, sizeof again.client_id, "other");
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &again, &err), CPC_ERR_DUPLICATE);
    /* receipts of before the rule (no assignment) are several */
    struct cpc_legacy_receipt old1 = receipt("a", 0x31), old2 = receipt("b", 0x41);
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &old1, &err), 0);
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &old2, &err), 0);
    assert_int_equal(cpc_store_legacy_receipt_by_assignment(f->s, inst, &got, &err), 0);
    assert_memory_equal(&got, &r, sizeof r);
    assert_int_equal(cpc_store_legacy_receipt_by_tx(f->s, old1.receipt_tx, &got, &err), 0);
    assert_string_equal(got.assignment, "");
    /* the client's recent claims, newest first */
    struct cpc_legacy_receipt rows[4];
    size_t n = 0;
    old2.created_at = 1700000100;
    assert_int_equal(cpc_store_legacy_receipt_delete(f->s, CID, "sc-001", "b", &err), 0);
    assert_int_equal(cpc_store_legacy_receipt_add(f->s, &old2, &err), 0);
    assert_int_equal(cpc_store_legacy_receipts_recent(f->s, CID, 0, rows, 4, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].result_data, "b");
    assert_int_equal(cpc_store_legacy_receipts_recent(f->s, CID, 1700000050, rows, 4, &n, &err),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(cpc_store_legacy_receipts_recent(f->s, CID, 0, rows, 2, &n, &err), 0);
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migration_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receipts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assignment_paid_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

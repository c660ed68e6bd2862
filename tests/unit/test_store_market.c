/* test_store_market.c — marketplace drafts (store_market.h): migration 4,
 * add / get round trip, duplicate ids, forward-only status moves (a lost race
 * is CPC_ERR_DUPLICATE naming the current status), owner set once, listing
 * newest first by owner and bounds, argument checks, rows surviving a reopen,
 * the bounded job-tx query on an empty chain, and the expiry of drafts never
 * confirmed (migration 5's index; batches; confirmed ones kept). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_market.h"
#include "store_test_fixture.h"

static int setup(void **state) { return store_fx_setup(state, "/tmp/cpc-mkt-store-XXXXXX"); }

static int teardown(void **state) { return store_fx_teardown(state); }

#define ID1 "6f1c2a8e-3b7d-4c9a-8e21-5d4f0a9b7c13"
#define ID2 "0b8e7c6d-1a2b-4c3d-9e8f-001122334455"
#define ADDR "cpc1gnpq85jq7ks96xzx7xwtlgjrr7cmm2sxech2sh"
#define JOB "ab00000000000000000000000000000000000000000000000000000000000001"

static struct cpc_draft draft(const char *id, const char *owner, uint64_t at)
{
    struct cpc_draft d;
    memset(&d, 0, sizeof d);
    snprintf(d.id, sizeof d.id, "%s", id);
    snprintf(d.owner, sizeof d.owner, "%s", owner);
    d.created_at = at;
    d.request = "{\"type\":\"inference\",\"max_budget\":1}";
    d.contract = "{\"kind\":\"exec\"}";
    d.quote = "{\"job_type\":\"Light\",\"total\":9166667}";
    d.status = CPC_DRAFT_OPEN;
    return d;
}

static void test_add_get_transition(void **state)
{
    struct store_fx *f = *state;
    struct cpc_err err = {0};
    assert_true(cpc_store_schema_version(f->s) >= 4);
    struct cpc_draft d = draft(ID1, "", 1700000000);
    assert_int_equal(cpc_store_draft_add(f->s, &d, &err), 0);
    assert_int_equal(cpc_store_draft_add(f->s, &d, &err), CPC_ERR_DUPLICATE);
    assert_string_equal(err.msg, "store: draft " ID1 " already exists");
    struct cpc_draft g;
    assert_int_equal(cpc_store_draft_get(f->s, ID1, &g, &err), 0);
    assert_string_equal(g.id, ID1);
    assert_string_equal(g.owner, "");
    assert_int_equal(g.created_at, 1700000000);
    assert_string_equal(g.request, d.request);
    assert_string_equal(g.contract, d.contract);
    assert_string_equal(g.quote, d.quote);
    assert_string_equal(cpc_draft_status_name(g.status), "draft");
    assert_string_equal(g.job_id, "");
    cpc_draft_clear(&g);
    /* confirm: job id and owner set */
    assert_int_equal(cpc_store_draft_transition(
                         f->s, ID1, CPC_DRAFT_OPEN, CPC_DRAFT_CONFIRMED, JOB, ADDR, &err), 0);
    /* a second confirm loses: the row says why */
    assert_int_equal(cpc_store_draft_transition(
                         f->s, ID1, CPC_DRAFT_OPEN, CPC_DRAFT_CONFIRMED, JOB, NULL, &err),
                     CPC_ERR_DUPLICATE);
    assert_string_equal(err.msg, "draft " ID1 " is confirmed, not draft");
    /* the owner is set only once */
    assert_int_equal(cpc_store_draft_transition(
                         f->s, ID1, CPC_DRAFT_CONFIRMED, CPC_DRAFT_CANCELLED, NULL,
                         "cpc1other", &err),
                     0);
    assert_int_equal(cpc_store_draft_get(f->s, ID1, &g, &err), 0);
    assert_string_equal(cpc_draft_status_name(g.status), "cancelled");
    assert_string_equal(g.owner, ADDR);
    assert_string_equal(g.job_id, JOB);
    cpc_draft_clear(&g);
    /* survives a reopen */
    cpc_store_close(f->s);
    store_fx_open(f);
    assert_int_equal(cpc_store_draft_get(f->s, ID1, &g, &err), 0);
    assert_string_equal(cpc_draft_status_name(g.status), "cancelled");
    cpc_draft_clear(&g);
    /* unknown / malformed ids, bad arguments */
    assert_int_equal(cpc_store_draft_get(f->s, ID2, &g, &err), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_store_draft_get(f->s, "x'; DROP TABLE job_drafts;--", &g, &err),
                     CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_store_draft_transition(
                         f->s, ID2, CPC_DRAFT_OPEN, CPC_DRAFT_CANCELLED, NULL, NULL, &err),
                     CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_store_draft_transition(
                         f->s, ID1, CPC_DRAFT_OPEN, (enum cpc_draft_status)7, NULL, NULL, &err),
                     CPC_ERR_INVALID);
    assert_int_equal(cpc_store_draft_transition(
                         f->s, ID1, CPC_DRAFT_OPEN, CPC_DRAFT_CONFIRMED, "abc", NULL, &err),
                     CPC_ERR_INVALID);
    d = draft("not-a-uuid", "", 1);
    assert_int_equal(cpc_store_draft_add(f->s, &d, &err), CPC_ERR_INVALID);
    d = draft(ID2, "", 1);
    d.status = CPC_DRAFT_CONFIRMED;
    assert_int_equal(cpc_store_draft_add(f->s, &d, &err), CPC_ERR_INVALID);
}

static void test_list_and_job_txs(void **state)
{
    struct store_fx *f = *state;
    struct cpc_err err = {0};
    struct cpc_draft a = draft(ID1, ADDR, 100), b = draft(ID2, "", 200);
    assert_int_equal(cpc_store_draft_add(f->s, &a, &err), 0);
    assert_int_equal(cpc_store_draft_add(f->s, &b, &err), 0);
    json_t *l = NULL;
    assert_int_equal(cpc_store_draft_list(f->s, NULL, 10, 0, 0, &l, &err), 0);
    assert_int_equal(json_array_size(l), 2);
    json_t *e0 = json_array_get(l, 0);
    assert_string_equal(json_string_value(json_object_get(e0, "id")), ID2); /* newest first */
    assert_true(json_is_null(json_object_get(e0, "owner")));
    assert_string_equal(json_string_value(json_object_get(e0, "job_type")), "Light");
    assert_int_equal(json_integer_value(json_object_get(e0, "total")), 9166667);
    json_decref(l);
    assert_int_equal(cpc_store_draft_list(f->s, ADDR, 10, 0, 0, &l, &err), 0);
    assert_int_equal(json_array_size(l), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "owner")), ADDR);
    json_decref(l);
    assert_int_equal(cpc_store_draft_list(f->s, NULL, 1, 1, 0, &l, &err), 0);
    assert_int_equal(json_array_size(l), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "id")), ID1);
    json_decref(l);
    assert_int_equal(cpc_store_draft_list(f->s, NULL, 0, 0, 0, &l, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_store_draft_list(f->s, NULL, CPC_DRAFT_LIST_MAX + 1, 0, 0, &l, &err),
                     CPC_ERR_INVALID);
    /* no chain yet: no txs, bounds checked */
    uint8_t job[32];
    memset(job, 7, 32);
    bool trunc = true;
    assert_int_equal(cpc_store_job_txs(f->s, job, 10, 0, UINT64_MAX, 200, &l, &trunc, &err), 0);
    assert_int_equal(json_array_size(l), 0);
    assert_false(trunc);
    json_decref(l);
    assert_int_equal(cpc_store_job_txs(f->s, job, 10, 0, 5, 201, &l, NULL, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_store_job_txs(f->s, job, 100001, 0, 5, 10, &l, NULL, &err),
                     CPC_ERR_INVALID);
}

#define ID3 "1c9d2e3f-4a5b-4c6d-8e7f-8899aabbccdd"
#define ID4 "2d0e3f4a-5b6c-4d7e-9f80-99aabbccddee"

/* Drafts never confirmed (still drafts, or cancelled before confirming) and
 * created before the cutoff go, oldest first and at most max a call; a
 * confirmed one and a younger one stay, and the list leaves expired ones out. */
static void test_draft_expire(void **state)
{
    struct store_fx *f = *state;
    struct cpc_err err = {0};
    assert_true(cpc_store_schema_version(f->s) >= 5);
    struct cpc_draft a = draft(ID1, "", 100), b = draft(ID2, ADDR, 110), c = draft(ID3, ADDR, 120),
                     d = draft(ID4, "", 500);
    assert_int_equal(cpc_store_draft_add(f->s, &a, &err), 0);
    assert_int_equal(cpc_store_draft_add(f->s, &b, &err), 0);
    assert_int_equal(cpc_store_draft_add(f->s, &c, &err), 0);
    assert_int_equal(cpc_store_draft_add(f->s, &d, &err), 0);
    assert_int_equal(cpc_store_draft_transition(
                         f->s, ID2, CPC_DRAFT_OPEN, CPC_DRAFT_CANCELLED, NULL, NULL, &err),
                     0);
    assert_int_equal(cpc_store_draft_transition(
                         f->s, ID3, CPC_DRAFT_OPEN, CPC_DRAFT_CONFIRMED, JOB, NULL, &err),
                     0);
    json_t *l = NULL;
    assert_int_equal(cpc_store_draft_list(f->s, NULL, 10, 0, 300, &l, &err), 0);
    assert_int_equal(json_array_size(l), 2); /* ID4 (young) and ID3 (confirmed) */
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "id")), ID4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 1), "id")), ID3);
    json_decref(l);
    assert_int_equal(cpc_store_draft_list(f->s, ADDR, 10, 0, 300, &l, &err), 0);
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    uint32_t n = 9;
    assert_int_equal(cpc_store_draft_expire(f->s, 300, 1, &n, &err), 0);
    assert_int_equal(n, 1);
    struct cpc_draft g;
    assert_int_equal(cpc_store_draft_get(f->s, ID1, &g, &err), CPC_ERR_NOT_FOUND); /* oldest */
    assert_int_equal(cpc_store_draft_get(f->s, ID2, &g, &err), 0);
    cpc_draft_clear(&g);
    assert_int_equal(cpc_store_draft_expire(f->s, 300, 256, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cpc_store_draft_get(f->s, ID2, &g, &err), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_store_draft_expire(f->s, 300, 256, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(cpc_store_draft_get(f->s, ID3, &g, &err), 0);
    cpc_draft_clear(&g);
    assert_int_equal(cpc_store_draft_get(f->s, ID4, &g, &err), 0);
    cpc_draft_clear(&g);
    assert_int_equal(cpc_store_draft_expire(f->s, 300, 0, &n, &err), CPC_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_get_transition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_job_txs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_draft_expire, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

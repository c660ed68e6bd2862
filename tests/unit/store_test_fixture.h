/* store_test_fixture.h — the fixture of the store table tests
 * (test_store_legacy.c, test_store_market.c): one SQLite store in a fresh
 * temporary folder per test, reopened on demand to check that rows survive. */
#ifndef CPC_TEST_STORE_TEST_FIXTURE_H
#define CPC_TEST_STORE_TEST_FIXTURE_H

#include "store/store.h"

struct store_fx {
    char dir[64];
    char db[128]; /* dir/chain.db */
    struct cpc_store *s;
};

/* Opens f->db into f->s (asserting success; the error is printed). f->s is
 * owned by the fixture and closed by store_fx_teardown. */
void store_fx_open(struct store_fx *f);

/* cmocka set-up: a fresh folder from tmpl ("/tmp/name-XXXXXX") and its store
 * opened; *state = the fixture (owned; freed by store_fx_teardown). */
int store_fx_setup(void **state, const char *tmpl);

/* cmocka tear-down: closes the store, removes its folder and frees the fixture. */
int store_fx_teardown(void **state);

#endif

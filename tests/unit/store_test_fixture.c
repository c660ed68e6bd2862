/* store_test_fixture.c — one store in a temporary folder per test (store_test_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "store_test_fixture.h"
#include "tmpdir_fixture.h"

void store_fx_open(struct store_fx *f)
{
    struct cpc_err err = {0};
    int rc = cpc_store_open(&f->s, f->db, &err);
    if (rc)
        fprintf(stderr, "open: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

int store_fx_setup(void **state, const char *tmpl)
{
    struct store_fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "%s", tmpl);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/chain.db", f->dir);
    store_fx_open(f);
    *state = f;
    return 0;
}

int store_fx_teardown(void **state)
{
    struct store_fx *f = *state;
    cpc_store_close(f->s);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* test_base_uuid.c — UUID text <-> bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/uuid.h"

static void test_parse_format(void **state)
{
    (void)state;
    uint8_t u[16];
    char s[CPC_UUID_STR_LEN + 1];
    const uint8_t want[16] = {0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
                              0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00};
    assert_int_equal(cpc_uuid_parse(u, "123e4567-e89b-12d3-a456-426614174000"), CPC_OK);
    assert_memory_equal(u, want, 16);
    cpc_uuid_format(s, u);
    assert_string_equal(s, "123e4567-e89b-12d3-a456-426614174000");
    /* upper case accepted, output is lowercase */
    assert_int_equal(cpc_uuid_parse(u, "123E4567-E89B-12D3-A456-426614174000"), CPC_OK);
    assert_memory_equal(u, want, 16);
    memset(u, 0xff, 16);
    cpc_uuid_format(s, u);
    assert_string_equal(s, "ffffffff-ffff-ffff-ffff-ffffffffffff");
    memset(u, 0, 16);
    cpc_uuid_format(s, u);
    assert_string_equal(s, "00000000-0000-0000-0000-000000000000");
    uint8_t back[16];
    for (int k = 0; k < 50; k++) {
        for (int i = 0; i < 16; i++)
            u[i] = (uint8_t)(k * 13 + i * 29);
        cpc_uuid_format(s, u);
        assert_int_equal(strlen(s), 36);
        assert_int_equal(cpc_uuid_parse(back, s), CPC_OK);
        assert_memory_equal(back, u, 16);
    }
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "123e4567-e89b-12d3-a456-42661417400",     /* short */
        "123e4567-e89b-12d3-a456-4266141740000",   /* long */
        "123e4567e89b12d3a456426614174000",        /* no dashes */
        "123e4567-e89b-12d3-a456_426614174000",    /* wrong separator */
        "123e456-7e89b-12d3-a456-426614174000",    /* dash misplaced */
        "123e4567-e89b-12d3-a456-42661417400g",    /* non-hex */
        "{123e4567-e89b-12d3-a456-426614174000}",
        " 123e4567-e89b-12d3-a456-426614174000",
        "123e4567-e89b-12d3-a456-426614174000 ",
        "123e4567--89b-12d3-a456-426614174000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t u[16];
        memset(u, 0x5a, 16);
        assert_int_equal(cpc_uuid_parse(u, bad[i]), CPC_ERR_INVALID);
        assert_int_equal(u[0], 0x5a);
    }
    uint8_t u[16];
    assert_int_equal(cpc_uuid_parse(u, NULL), CPC_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_base_codec.c — canonical binary writer/reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"

static void test_write_layout(void **state)
{
    (void)state;
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_buf_put_u8(&b, 0xab);
    cpc_buf_put_u32(&b, 0x01020304u);
    cpc_buf_put_u64(&b, 0x1122334455667788ULL);
    cpc_buf_put_var(&b, "xyz", 3);
    cpc_buf_put_str(&b, "hi");
    cpc_buf_put_str(&b, NULL);
    cpc_buf_put(&b, "\x00\xff", 2);
    const uint8_t want[] = {
        0xab,
        0x01, 0x02, 0x03, 0x04,
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
        0, 0, 0, 3, 'x', 'y', 'z',
        0, 0, 0, 2, 'h', 'i',
        0, 0, 0, 0,
        0x00, 0xff,
    };
    assert_int_equal(b.failed, 0);
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    cpc_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    cpc_buf_free(&b); /* twice is fine */
}

static void test_growth(void **state)
{
    (void)state;
    struct cpc_buf b;
    cpc_buf_init(&b);
    for (uint32_t i = 0; i < 10000; i++)
        cpc_buf_put_u32(&b, i);
    assert_int_equal(b.failed, 0);
    assert_int_equal(b.len, 40000);
    assert_true(b.cap >= b.len);
    struct cpc_reader r;
    cpc_reader_init(&r, b.data, b.len);
    for (uint32_t i = 0; i < 10000; i++)
        assert_int_equal(cpc_read_u32(&r), i);
    assert_int_equal(r.left, 0);
    assert_int_equal(r.failed, 0);
    cpc_buf_free(&b);

    /* a zeroed (not initialised) buf also works */
    struct cpc_buf z = {0};
    cpc_buf_put_u8(&z, 1);
    assert_int_equal(z.len, 1);
    cpc_buf_free(&z);
}

static void test_read_round_trip(void **state)
{
    (void)state;
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_buf_put_u8(&b, 200);
    cpc_buf_put_u64(&b, UINT64_MAX - 5);
    cpc_buf_put_var(&b, "hello", 5);
    cpc_buf_put(&b, "\x01\x02\x03", 3);

    struct cpc_reader r;
    char s[16];
    uint8_t three[3];
    cpc_reader_init(&r, b.data, b.len);
    assert_int_equal(cpc_read_u8(&r), 200);
    assert_true(cpc_read_u64(&r) == UINT64_MAX - 5);
    assert_int_equal(cpc_read_var(&r, s, sizeof s), 5);
    assert_memory_equal(s, "hello", 5);
    cpc_read_bytes(&r, three, 3);
    assert_memory_equal(three, "\x01\x02\x03", 3);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.left, 0);
    /* reading past the end: zero and sticky failure */
    assert_int_equal(cpc_read_u8(&r), 0);
    assert_int_equal(r.failed, 1);
    cpc_buf_free(&b);
}

static void test_read_truncation(void **state)
{
    (void)state;
    const uint8_t data[] = {0x00, 0x00, 0x00, 0x05, 'a', 'b'};
    struct cpc_reader r;
    char out[8];

    /* var longer than the remaining input */
    cpc_reader_init(&r, data, sizeof data);
    assert_int_equal(cpc_read_var(&r, out, sizeof out), 0);
    assert_int_equal(r.failed, 1);
    /* sticky: later reads fail even though bytes remain */
    assert_int_equal(cpc_read_u8(&r), 0);
    assert_int_equal(r.failed, 1);

    /* var that does not fit the caller's capacity */
    const uint8_t d2[] = {0, 0, 0, 3, 'a', 'b', 'c'};
    cpc_reader_init(&r, d2, sizeof d2);
    assert_int_equal(cpc_read_var(&r, out, 2), 0);
    assert_int_equal(r.failed, 1);

    /* truncated u32 / u64 */
    cpc_reader_init(&r, data, 3);
    assert_int_equal(cpc_read_u32(&r), 0);
    assert_int_equal(r.failed, 1);
    cpc_reader_init(&r, data, 7);
    assert_true(cpc_read_u64(&r) == 0);
    assert_int_equal(r.failed, 1);

    /* read_bytes zero-fills on truncation */
    uint8_t buf[4];
    memset(buf, 0x77, sizeof buf);
    cpc_reader_init(&r, data, 2);
    cpc_read_bytes(&r, buf, 4);
    assert_int_equal(r.failed, 1);
    const uint8_t zero[4] = {0};
    assert_memory_equal(buf, zero, 4);

    /* empty input */
    cpc_reader_init(&r, NULL, 0);
    assert_int_equal(cpc_read_u8(&r), 0);
    assert_int_equal(r.failed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_layout),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_read_round_trip),
        cmocka_unit_test(test_read_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* node_totp_helper.h — the TOTP code a test's authenticator app would show
 * (liboath), for the platform tests with 2FA (test_node_auth_password_totp.c,
 * test_node_wallet_send.c). Include after node_auth_fixture.h. */
#ifndef CPC_TEST_NODE_TOTP_HELPER_H
#define CPC_TEST_NODE_TOTP_HELPER_H

#include <oath.h>

/* The code at the fixture's clock + skew_s for a base32 secret. */
static inline void totp_now(struct fixture *f, const char *b32, long skew_s, char out[7])
{
    char *raw = NULL;
    size_t n = 0;
    assert_int_equal(oath_base32_decode(b32, strlen(b32), &raw, &n), OATH_OK);
    time_t now = (time_t)(test_clock(f) / 1000u) + skew_s;
    assert_int_equal(oath_totp_generate(raw, n, now, 30, 0, 6, out), OATH_OK);
    free(raw);
}

#endif

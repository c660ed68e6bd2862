/* kind_vanity.c — the `vanity` compute kind, split-key (see kinds.h).
 *
 * The customer publishes a public key P and an address prefix; the worker
 * searches a partial secret key x such that address(P + x*G) starts with
 * "cpc1" + prefix. The customer's full key is then sk + x (mod n), and the
 * worker never sees sk. Verification is one point addition
 * (secp256k1_ec_pubkey_tweak_add) plus one hash160 and a bech32 encoding.
 *
 * x must be a valid secret key (1..n-1): x = 0 would hand back the customer's
 * own address. Public-key parsing and tweaking need no secrets and no signing
 * tables, so every call uses secp256k1_context_static (core keeps no global
 * state). The reference search simply tries x = start, start+1, ... and is
 * what the worker's fast executors must agree with.
 */
#include "kinds.h"

#include <string.h>

#include <secp256k1.h>

static const char vanity_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

int cpc_vanity_check_prefix(const char *prefix, struct cpc_err *err)
{
    if (!prefix)
        return cpc_err_set(err, CPC_ERR_INVALID, "vanity: missing prefix");
    size_t len = strnlen(prefix, CPC_VANITY_MAX_PREFIX + 1);
    if (len == 0 || len > CPC_VANITY_MAX_PREFIX)
        return cpc_err_set(err, CPC_ERR_INVALID, "vanity: prefix must be 1 to %d characters",
                           CPC_VANITY_MAX_PREFIX);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)prefix[i];
        if (!memchr(vanity_charset, ch, sizeof vanity_charset - 1))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "vanity: prefix character %zu (0x%02x) is not in the bech32 charset %s",
                               i + 1, ch, vanity_charset);
    }
    cpc_err_clear(err);
    return CPC_OK;
}

static int parse_customer(secp256k1_pubkey *pk, const uint8_t pub[CPC_PUBKEY_LEN])
{
    if (!pub || (pub[0] != 0x02 && pub[0] != 0x03))
        return 0;
    return secp256k1_ec_pubkey_parse(secp256k1_context_static, pk, pub, CPC_PUBKEY_LEN);
}

/* Address of an already-parsed P + x*G; CPC_ERR_INVALID_RESULT for a bad x or infinity. */
static int tweaked_address(char out[CPC_ADDR_STR_MAX], secp256k1_pubkey pk, const uint8_t partial[32])
{
    uint8_t ser[CPC_PUBKEY_LEN];
    size_t len = sizeof ser;
    if (cpc_seckey_check(partial) != CPC_OK)
        return CPC_ERR_INVALID_RESULT;
    if (!secp256k1_ec_pubkey_tweak_add(secp256k1_context_static, &pk, partial))
        return CPC_ERR_INVALID_RESULT;
    if (!secp256k1_ec_pubkey_serialize(secp256k1_context_static, ser, &len, &pk,
                                       SECP256K1_EC_COMPRESSED) || len != sizeof ser)
        return CPC_ERR_INTERNAL;
    return cpc_pubkey_address(out, ser);
}

int cpc_vanity_address(char out[CPC_ADDR_STR_MAX], const uint8_t customer_pub[CPC_PUBKEY_LEN],
                       const uint8_t partial[32])
{
    secp256k1_pubkey pk;
    if (!out || !partial)
        return CPC_ERR_INVALID;
    out[0] = '\0';
    if (!parse_customer(&pk, customer_pub))
        return CPC_ERR_INVALID;
    return tweaked_address(out, pk, partial);
}

/* 1 when addr starts with "cpc1" + prefix. */
static int has_prefix(const char *addr, const char *prefix)
{
    static const char head[] = CPC_ADDR_HRP "1";
    size_t hl = sizeof head - 1, pl = strlen(prefix);
    return strncmp(addr, head, hl) == 0 && strncmp(addr + hl, prefix, pl) == 0;
}

int cpc_vanity_verify(const uint8_t customer_pub[CPC_PUBKEY_LEN], const char *prefix,
                      const uint8_t partial[32], struct cpc_err *err)
{
    char addr[CPC_ADDR_STR_MAX];
    secp256k1_pubkey pk;
    int rc = cpc_vanity_check_prefix(prefix, err);
    if (rc != CPC_OK)
        return rc;
    if (!parse_customer(&pk, customer_pub))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "vanity: customer public key is not a compressed secp256k1 point");
    if (!partial)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, "Invalid ComputeResult: missing partial key");
    rc = tweaked_address(addr, pk, partial);
    if (rc == CPC_ERR_INVALID_RESULT)
        return cpc_err_set(err, rc,
                           "Invalid ComputeResult: partial key is not a valid scalar or gives the point at infinity");
    if (rc != CPC_OK)
        return cpc_err_set(err, rc, "vanity: cannot derive the address");
    if (!has_prefix(addr, prefix))
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           "Invalid ComputeResult: address %s does not start with " CPC_ADDR_HRP "1%s",
                           addr, prefix);
    cpc_err_clear(err);
    return CPC_OK;
}

/* x += 1 as a 256-bit big-endian integer (wraps to 0 after 2^256-1). */
static void inc256(uint8_t x[32])
{
    for (int i = 31; i >= 0; i--)
        if (++x[i] != 0)
            break;
}

int cpc_vanity_search(const uint8_t customer_pub[CPC_PUBKEY_LEN], const char *prefix,
                      const uint8_t start[32], uint64_t max_tries, uint8_t found[32])
{
    char addr[CPC_ADDR_STR_MAX];
    secp256k1_pubkey pk;
    uint8_t x[32];
    if (!start || !found || cpc_vanity_check_prefix(prefix, NULL) != CPC_OK ||
        !parse_customer(&pk, customer_pub))
        return CPC_ERR_INVALID;
    memcpy(x, start, sizeof x);
    for (uint64_t t = 0; t < max_tries; t++, inc256(x)) {
        int rc = tweaked_address(addr, pk, x);
        if (rc == CPC_ERR_INVALID_RESULT)
            continue; /* x = 0, x >= n or x = -sk: not a usable partial key */
        if (rc != CPC_OK)
            return rc;
        if (has_prefix(addr, prefix)) {
            memcpy(found, x, 32);
            return CPC_OK;
        }
    }
    return CPC_ERR_NOT_FOUND;
}

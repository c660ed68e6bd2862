/* withdrawal_body.c — decoding and checking a withdrawal request
 * (withdrawal_body.h). */
#include "withdrawal_body.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../core/amount.h"
#include "../core/bech32.h"
#include "auth_http.h"

#define SHAPE                                                                                    \
    "{\"amount\": integer (base units) or \"amount_cpc\": \"12.5\", \"method\": \"card\"|"       \
    "\"sbp\"|\"usdt_trc20\"|\"usdt_erc20\"|\"btc\", \"destination\": string}"

const char *const cpc_withdrawal_methods[] = {"card", "sbp", "usdt_trc20", "usdt_erc20", "btc",
                                              NULL};

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int all_of(const char *s, const char *set)
{
    for (; *s; s++)
        if (!strchr(set, *s))
            return 0;
    return 1;
}

static int luhn_ok(const char *d, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(d[n - 1 - i] - '0');
        if (i % 2 == 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

static int btc_ok(const char *d, size_t n)
{
    if (n >= 14 && n <= 90 && !strncmp(d, "bc1", 3)) {
        char hrp[8];
        uint8_t data[96];
        size_t dl = 0;
        /* BIP-173 (witness version 0; bech32m taproot bc1p is not taken), lowercase */
        return all_of(d, "bc1qpzry9x8gf2tvdw0s3jn54khce6mua7l") &&
               cpc_bech32_decode(hrp, sizeof hrp, data, sizeof data, &dl, d) == 0 &&
               !strcmp(hrp, "bc") && dl >= 1 && data[0] == 0;
    }
    return n >= 26 && n <= 35 && (d[0] == '1' || d[0] == '3') && all_of(d, B58);
}

int cpc_withdrawal_destination_check(const char *method, const char *d, struct cpc_err *err)
{
    size_t n = strlen(d);
    if (!strcmp(method, "card")) {
        if (n < 12 || n > 19 || !all_of(d, "0123456789") || !luhn_ok(d, n))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "card: destination must be a card number of 12-19 digits (no "
                               "spaces) with a valid check digit");
    } else if (!strcmp(method, "sbp")) {
        if (n != 12 || strncmp(d, "+7", 2) != 0 || !all_of(d + 2, "0123456789"))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "sbp: destination must be a phone number +7XXXXXXXXXX");
    } else if (!strcmp(method, "usdt_trc20")) {
        if (n != 34 || d[0] != 'T' || !all_of(d, B58))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "usdt_trc20: destination must be a Tron address: T and 33 "
                               "base58 characters");
    } else if (!strcmp(method, "usdt_erc20")) {
        if (n != 42 || strncmp(d, "0x", 2) != 0 || !all_of(d + 2, "0123456789abcdefABCDEF"))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "usdt_erc20: destination must be 0x and 40 hex digits");
    } else if (!strcmp(method, "btc")) {
        if (!btc_ok(d, n))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "btc: destination must be a bech32 bc1... address or a base58 "
                               "1.../3... address");
    } else {
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "method must be one of card, sbp, usdt_trc20, usdt_erc20, btc");
    }
    return 0;
}

static int known_method(const char *m)
{
    for (int i = 0; cpc_withdrawal_methods[i]; i++)
        if (!strcmp(m, cpc_withdrawal_methods[i]))
            return 1;
    return 0;
}

static int bad(struct cpc_withdrawal_req *out, int *status, const char **code, int st,
               const char *c)
{
    memset(out, 0, sizeof *out);
    *status = st;
    *code = c;
    return -1;
}

/* Exactly one of amount (integer) or amount_cpc (string) into *out, 1..INT64_MAX. */
static int amount_of(const json_t *a, const json_t *acpc, uint64_t *out, struct cpc_err *err)
{
    if (!a == !acpc)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "send exactly one of \"amount\" (an integer of base units, 1 CPC = "
                           "10^9) or \"amount_cpc\" (a CPC decimal string such as \"12.5\")");
    if (a) {
        if (!json_is_integer(a) || json_integer_value(a) < 1)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "amount must be a positive integer of base units (1 CPC = 10^9)");
        *out = (uint64_t)json_integer_value(a);
        return 0;
    }
    const char *s = json_string_value(acpc);
    if (!s || cpc_amount_parse(out, s) != 0 || *out == 0 || *out > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "amount_cpc must be a positive CPC decimal string such as \"12.5\" "
                           "(at most 9 decimals)");
    return 0;
}

int cpc_withdrawal_parse(const char *body, size_t len, struct cpc_withdrawal_req *out,
                         int *status, const char **code, struct cpc_err *err)
{
    memset(out, 0, sizeof *out);
    *status = 0;
    *code = NULL;
    if (len == 0) {
        cpc_err_set(err, CPC_ERR_INVALID, "request body is empty");
        return bad(out, status, code, 400, "invalid_json");
    }
    if (len > CPC_AUTH_BODY_MAX) {
        cpc_err_set(err, CPC_ERR_TOO_LARGE, "body is at most %d bytes", CPC_AUTH_BODY_MAX);
        return bad(out, status, code, 413, "too_large");
    }
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        cpc_err_set(err, CPC_ERR_INVALID, "body is not valid JSON: %s", je.text);
        return bad(out, status, code, 400, "invalid_json");
    }
    const char *method = NULL, *dest = NULL;
    size_t dest_len = 0;
    json_t *a = NULL, *acpc = NULL;
    int rc = 0;
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s?o, s?o, s:s, s:s%}", "amount", &a, "amount_cpc",
                       &acpc, "method", &method, "destination", &dest, &dest_len) != 0) {
        cpc_err_set(err, CPC_ERR_INVALID, "body must be %s: %s", SHAPE, je.text);
        rc = bad(out, status, code, 400, "invalid_argument");
    } else if (amount_of(a, acpc, &out->amount, err) != 0) {
        rc = bad(out, status, code, 400, "invalid_amount");
    } else if (!known_method(method)) {
        cpc_err_set(err, CPC_ERR_INVALID,
                    "method must be one of card, sbp, usdt_trc20, usdt_erc20, btc");
        rc = bad(out, status, code, 400, "invalid_argument");
    } else if (dest_len > CPC_PWITHDRAWAL_DEST_MAX || strlen(dest) != dest_len) {
        cpc_err_set(err, CPC_ERR_INVALID, "destination is at most %d bytes, without NUL",
                    CPC_PWITHDRAWAL_DEST_MAX);
        rc = bad(out, status, code, 400, "invalid_destination");
    } else if (cpc_withdrawal_destination_check(method, dest, err) != 0) {
        rc = bad(out, status, code, 400, "invalid_destination");
    } else {
        snprintf(out->method, sizeof out->method, "%s", method);
        snprintf(out->destination, sizeof out->destination, "%s", dest);
    }
    json_decref(j);
    return rc;
}

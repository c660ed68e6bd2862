/* amount.c — checked u64 arithmetic and CPC decimal text (see amount.h).
 *
 * Amounts are u64 base units, 1 CPC = 10^9. Parsing is strict: ASCII digits,
 * optionally '.' followed by 1..9 digits ("1.5", "0.000000001", "100"). Rejected: empty, ".", "1.", ".5",
 * signs, spaces, exponents, more than 9 decimals (CPC_ERR_INVALID) and values
 * above UINT64_MAX base units (CPC_ERR_OVERFLOW). Formatting trims trailing
 * fractional zeros: 100 CPC -> "100", 1 unit -> "0.000000001", 0 -> "0".
 */
#include "amount.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

bool cpc_add_u64(uint64_t *out, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

bool cpc_sub_u64(uint64_t *out, uint64_t a, uint64_t b)
{
    if (b > a)
        return false;
    *out = a - b;
    return true;
}

bool cpc_mul_u64(uint64_t *out, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int cpc_amount_parse(uint64_t *out, const char *text)
{
    if (!out || !text)
        return CPC_ERR_INVALID;
    const char *p = text;
    uint64_t whole = 0;
    int overflow = 0;
    if (!is_digit(*p))
        return CPC_ERR_INVALID; /* empty, sign, space, leading '.' */
    while (is_digit(*p)) {
        if (!cpc_mul_u64(&whole, whole, 10) || !cpc_add_u64(&whole, whole, (uint64_t)(*p - '0')))
            overflow = 1; /* keep scanning: a malformed tail is still INVALID */
        p++;
    }
    uint64_t frac = 0;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (is_digit(*p)) {
            if (++nd > CPC_DECIMALS)
                return CPC_ERR_INVALID;
            frac = frac * 10 + (uint64_t)(*p - '0');
            p++;
        }
        if (nd == 0)
            return CPC_ERR_INVALID; /* "1." */
        for (; nd < CPC_DECIMALS; nd++)
            frac *= 10;
    }
    if (*p != '\0')
        return CPC_ERR_INVALID;
    uint64_t total;
    if (overflow || !cpc_mul_u64(&total, whole, CPC_BASE_PER_CPC) ||
        !cpc_add_u64(&total, total, frac))
        return CPC_ERR_OVERFLOW;
    *out = total;
    return CPC_OK;
}

void cpc_amount_format(char out[CPC_AMOUNT_STR_MAX], uint64_t base_units)
{
    uint64_t whole = base_units / CPC_BASE_PER_CPC;
    uint64_t frac = base_units % CPC_BASE_PER_CPC;
    if (frac == 0) {
        snprintf(out, CPC_AMOUNT_STR_MAX, "%llu", (unsigned long long)whole);
        return;
    }
    char digits[CPC_DECIMALS + 1];
    snprintf(digits, sizeof digits, "%09llu", (unsigned long long)frac);
    size_t n = CPC_DECIMALS;
    while (n > 0 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    snprintf(out, CPC_AMOUNT_STR_MAX, "%llu.%s", (unsigned long long)whole, digits);
}

int cpc_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

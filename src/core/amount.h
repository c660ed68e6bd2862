/* amount.h — CPC amounts: u64 base units, 1 CPC = 10^9 base units.
 * Checked arithmetic and decimal text conversion ("1.5" <-> 1500000000). */
#ifndef CPC_CORE_AMOUNT_H
#define CPC_CORE_AMOUNT_H

#include <stdbool.h>
#include <stdint.h>

#define CPC_DECIMALS 9
#define CPC_BASE_PER_CPC 1000000000ULL
/* "18446744073.709551615" + NUL and some slack */
#define CPC_AMOUNT_STR_MAX 32

/* *out = a + b; returns false (and leaves *out unchanged) on overflow. */
bool cpc_add_u64(uint64_t *out, uint64_t a, uint64_t b);
/* *out = a - b; returns false if b > a. */
bool cpc_sub_u64(uint64_t *out, uint64_t a, uint64_t b);
/* *out = a * b; returns false on overflow. */
bool cpc_mul_u64(uint64_t *out, uint64_t a, uint64_t b);

/* Strict decimal u64: "0".."18446744073709551615", digits only (no sign, space,
 * prefix or exponent). Returns 0, or -1 on anything else (*out untouched). */
int cpc_parse_u64(const char *s, uint64_t *out);

/* Parse a CPC decimal ("100", "0.5", "1.000000001"; at most 9 decimals, no
 * sign, no exponent) into base units. Returns 0, CPC_ERR_INVALID or CPC_ERR_OVERFLOW. */
int cpc_amount_parse(uint64_t *out, const char *text);

/* Format base units as CPC decimal with trailing zeros trimmed ("100", "0.5"). out >= CPC_AMOUNT_STR_MAX. */
void cpc_amount_format(char out[CPC_AMOUNT_STR_MAX], uint64_t base_units);

#endif

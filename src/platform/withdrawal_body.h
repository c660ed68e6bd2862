/* withdrawal_body.h — the body of POST /provider/withdrawals (withdrawal_body.c):
 * {"amount": base units | "amount_cpc": "12.5", "method", "destination"}.
 *
 * Design note. A pure decoder (no I/O), so the fuzzer calls it directly.
 * The destination is checked per method: card 12-19 digits with a valid
 * Luhn check digit; sbp a Russian phone "+7" and 10 digits; usdt_trc20 a
 * Tron address ("T" and 33 base58 characters); usdt_erc20 "0x" and 40 hex
 * digits; btc a bech32 "bc1" witness-v0 address with a valid BIP-173
 * checksum (taproot bc1p, bech32m, is not taken), or a
 * base58 "1..."/"3..." address of 26-35 characters. Shapes only: whether
 * the account exists is the payout operator's check.
 */
#ifndef CPC_PLATFORM_WITHDRAWAL_BODY_H
#define CPC_PLATFORM_WITHDRAWAL_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../store/platform_store.h"

struct cpc_withdrawal_req {
    uint64_t amount; /* base units, 1..INT64_MAX */
    char method[16];
    char destination[CPC_PWITHDRAWAL_DEST_MAX + 1];
};

/* The method names, NULL-terminated (static). */
extern const char *const cpc_withdrawal_methods[];

/* 0 when dest is a valid destination of method, else -1 (err says why). */
int cpc_withdrawal_destination_check(const char *method, const char *dest, struct cpc_err *err);

/* Decode body (len bytes, borrowed) into *out (caller's). 0, or -1 with *status (400 or
 * 413), *code (static) and err set and *out zeroed. */
int cpc_withdrawal_parse(const char *body, size_t len, struct cpc_withdrawal_req *out,
                         int *status, const char **code, struct cpc_err *err);

#endif

/* err.c — error codes, names and message formatting (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cpc_err_set(struct cpc_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int cpc_err_prefix(struct cpc_err *err, const char *fmt, ...)
{
    if (!err)
        return CPC_ERR_INTERNAL;
    char prefix[CPC_ERR_MSG_MAX];
    char old[CPC_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    return err->code;
}

void cpc_err_clear(struct cpc_err *err)
{
    if (err) {
        err->code = CPC_OK;
        err->msg[0] = '\0';
    }
}

const char *cpc_errcode_name(int code)
{
    switch (code) {
    case CPC_OK: return "ok";
    case CPC_ERR_INVALID: return "invalid_argument";
    case CPC_ERR_NOMEM: return "out_of_memory";
    case CPC_ERR_NOT_FOUND: return "not_found";
    case CPC_ERR_OVERFLOW: return "overflow";
    case CPC_ERR_INSUFFICIENT_BALANCE: return "insufficient_balance";
    case CPC_ERR_NONCE_REPLAYED: return "nonce_replayed";
    case CPC_ERR_NONCE_GAP: return "nonce_gap";
    case CPC_ERR_WRONG_CHAIN: return "wrong_chain_id";
    case CPC_ERR_BAD_SIGNATURE: return "invalid_signature";
    case CPC_ERR_HIGH_S: return "high_s_signature";
    case CPC_ERR_PUBKEY_MISMATCH: return "pubkey_mismatch";
    case CPC_ERR_INVALID_RESULT: return "invalid_compute_result";
    case CPC_ERR_UNKNOWN_TYPE: return "unknown_tx_type";
    case CPC_ERR_FEE_TOO_LOW: return "fee_too_low";
    case CPC_ERR_DUPLICATE: return "duplicate";
    case CPC_ERR_MEMPOOL_FULL: return "mempool_full";
    case CPC_ERR_INSUFFICIENT_STAKE: return "insufficient_stake";
    case CPC_ERR_IO: return "io_error";
    case CPC_ERR_DB: return "database_error";
    case CPC_ERR_CONNECTION: return "connection_refused";
    case CPC_ERR_CRYPTO: return "crypto_error";
    case CPC_ERR_INVALID_BLOCK: return "invalid_block";
    case CPC_ERR_UNAUTHORIZED: return "unauthorized";
    case CPC_ERR_TOO_LARGE: return "too_large";
    case CPC_ERR_INTERNAL: return "internal_error";
    case CPC_ERR_CANCELLED: return "cancelled";
    default: return "unknown_error";
    }
}

int cpc_errcode_http_status(int code)
{
    switch (code) {
    case CPC_OK: return 200;
    case CPC_ERR_NOT_FOUND: return 404;
    case CPC_ERR_DUPLICATE: return 409;
    case CPC_ERR_NONCE_REPLAYED: return 409;
    case CPC_ERR_UNAUTHORIZED: return 401;
    case CPC_ERR_TOO_LARGE: return 413;
    case CPC_ERR_MEMPOOL_FULL: return 503;
    case CPC_ERR_NOMEM:
    case CPC_ERR_IO:
    case CPC_ERR_DB:
    case CPC_ERR_CRYPTO:
    case CPC_ERR_INTERNAL: return 500;
    default: return 400;
    }
}

int cpc_errcode_from_name(const char *name)
{
    if (!name)
        return CPC_ERR_INTERNAL;
    for (int c = CPC_OK; c >= CPC_ERR_LAST; c--)
        if (strcmp(cpc_errcode_name(c), name) == 0)
            return c;
    return CPC_ERR_INTERNAL;
}

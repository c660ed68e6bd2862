/* err.h — error codes and the error-message carrier used by every layer.
 *
 * Functions return 0 (CPC_OK) or a negative enum cpc_errcode, and fill an
 * optional `struct cpc_err *` with a human-readable message. The code's
 * stable name (cpc_errcode_name) is what goes into HTTP error bodies as
 * {"error":{"code":NAME,"message":MSG}}; the message is what the CLI prints.
 * No allocation: the message lives inside the struct.
 */
#ifndef CPC_CORE_ERR_H
#define CPC_CORE_ERR_H

#include <stddef.h>

enum cpc_errcode {
    CPC_OK = 0,
    CPC_ERR_INVALID = -1,            /* malformed input (generic) */
    CPC_ERR_NOMEM = -2,
    CPC_ERR_NOT_FOUND = -3,
    CPC_ERR_OVERFLOW = -4,           /* amount arithmetic would overflow */
    CPC_ERR_INSUFFICIENT_BALANCE = -5,
    CPC_ERR_NONCE_REPLAYED = -6,     /* tx nonce < account nonce */
    CPC_ERR_NONCE_GAP = -7,          /* tx nonce too far ahead */
    CPC_ERR_WRONG_CHAIN = -8,        /* chain id differs from this chain's */
    CPC_ERR_BAD_SIGNATURE = -9,      /* signature does not verify / unparsable */
    CPC_ERR_HIGH_S = -10,            /* non-canonical (high-S) signature */
    CPC_ERR_PUBKEY_MISMATCH = -11,   /* pubkey does not hash to `from` */
    CPC_ERR_INVALID_RESULT = -12,    /* malformed SUBMIT_RESULT payload: "Invalid ComputeResult" */
    CPC_ERR_UNKNOWN_TYPE = -13,      /* unknown tx type */
    CPC_ERR_FEE_TOO_LOW = -14,       /* gas price below the chain minimum / replacement underpriced */
    CPC_ERR_DUPLICATE = -15,         /* already known */
    CPC_ERR_MEMPOOL_FULL = -16,
    CPC_ERR_INSUFFICIENT_STAKE = -17,
    CPC_ERR_IO = -18,
    CPC_ERR_DB = -19,
    CPC_ERR_CONNECTION = -20,        /* could not reach a node */
    CPC_ERR_CRYPTO = -21,            /* crypto library failure / wrong passphrase */
    CPC_ERR_INVALID_BLOCK = -22,     /* block fails validation */
    CPC_ERR_UNAUTHORIZED = -23,
    CPC_ERR_TOO_LARGE = -24,         /* input exceeds a size limit */
    CPC_ERR_INTERNAL = -25,
    CPC_ERR_CANCELLED = -26          /* stopped on request (a signal, a lease lost) */
};
#define CPC_ERR_LAST CPC_ERR_CANCELLED

#define CPC_ERR_MSG_MAX 256

struct cpc_err {
    int code;                     /* enum cpc_errcode */
    char msg[CPC_ERR_MSG_MAX];    /* NUL-terminated, human readable */
};

/* Set code and printf-style message; err may be NULL. Returns code (so
 * `return cpc_err_set(err, CPC_ERR_INVALID, "...")` works). */
int cpc_err_set(struct cpc_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message: "prefix: old message". err may be NULL. Returns err->code (or CPC_ERR_INTERNAL if NULL). */
int cpc_err_prefix(struct cpc_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reset to CPC_OK with an empty message. err may be NULL. */
void cpc_err_clear(struct cpc_err *err);

/* Stable snake_case name of a code ("insufficient_balance"); static string, never NULL. */
const char *cpc_errcode_name(int code);

/* Inverse of cpc_errcode_name; unknown names give CPC_ERR_INTERNAL. */
int cpc_errcode_from_name(const char *name);

/* HTTP status that best fits a code (400, 404, 409, 503 ...). */
int cpc_errcode_http_status(int code);

#endif

/* fuzz_node_withdrawal_body.c — the body decoder of POST /provider/withdrawals
 * (cpc_withdrawal_parse). Oracle (abort on failure): a success has an amount
 * of 1..INT64_MAX base units, a known method and a destination that passes
 * that method's check again; a failure sets a 400 or 413 status, an error
 * code and a message, and leaves the request zeroed; ASan's leak check
 * covers the JSON it parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/withdrawal_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cpc_withdrawal_req r;
    struct cpc_err err = {0};
    int status = 0;
    const char *code = NULL;
    int rc = cpc_withdrawal_parse((const char *)data, size, &r, &status, &code, &err);
    if (rc == 0) {
        int known = 0;
        for (int i = 0; cpc_withdrawal_methods[i]; i++)
            known |= !strcmp(r.method, cpc_withdrawal_methods[i]);
        struct cpc_err e2 = {0};
        if (status != 0 || code || !known || r.amount < 1 || r.amount > (uint64_t)INT64_MAX ||
            !r.destination[0] || cpc_withdrawal_destination_check(r.method, r.destination, &e2))
            abort();
    } else if (rc != -1 || (status != 400 && status != 413) || !code || !code[0] || !err.msg[0] ||
               !all_zero(&r, sizeof r)) {
        abort();
    }
    return 0;
}

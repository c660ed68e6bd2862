/* fuzz_node_wallet_send.c — the body decoder of POST /me/wallet/send
 * (cpc_wallet_send_parse). Oracle (abort on failure): a success names a
 * valid address whose canonical form is to_str, an amount of 1..INT64_MAX
 * base units, a password within the limit; a failure sets a 400 or 413
 * status, an error code and a message, and leaves the request zeroed (no
 * secret left behind); ASan's leak check covers the JSON it parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bech32.h"
#include "platform/routes_wallet_send.h"

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
    struct cpc_wallet_send_req r;
    struct cpc_err err = {0};
    int status = 0;
    const char *code = NULL;
    int rc = cpc_wallet_send_parse((const char *)data, size, &r, &status, &code, &err);
    if (rc == 0) {
        uint8_t to[CPC_ADDR_HASH_LEN];
        char canon[CPC_ADDR_STR_MAX];
        if (status != 0 || code || cpc_address_decode(to, r.to_str) != 0 ||
            memcmp(to, r.to, sizeof to) != 0)
            abort();
        cpc_address_encode(canon, to);
        if (strcmp(canon, r.to_str) != 0 || r.amount < 1 || r.amount > (uint64_t)INT64_MAX ||
            r.password_len > CPC_WALLET_SEND_PW_MAX || strlen(r.totp) > CPC_WALLET_SEND_CODE_MAX)
            abort();
    } else if (rc != -1 || (status != 400 && status != 413) || !code || !code[0] || !err.msg[0] ||
               !all_zero(&r, sizeof r)) {
        abort();
    }
    cpc_wallet_send_req_wipe(&r);
    return 0;
}

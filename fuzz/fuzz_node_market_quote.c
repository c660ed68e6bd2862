/* fuzz_node_market_quote.c — libFuzzer target for the marketplace's request
 * parser and sizing (src/market/market_quote.c) on arbitrary JSON text: the
 * high-level form ("type", "dataset_size", "model_params", "max_budget", ...)
 * and the kind-level contract. Every failure must carry its code and a
 * message; every success must give a contract that passes the chain's own
 * checks, whose budget + commission equals the quote's total and fits
 * max_budget, and a quote that serialises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "market/market_quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return 0;
    struct cpc_contract c;
    json_t *quote = NULL;
    struct cpc_err err = {0};
    int rc = cpc_mq_draft(j, 1000, &c, &quote, &err);
    if (rc != 0) {
        if (rc > 0 || err.code != rc || err.msg[0] == '\0')
            abort();
        if (quote && rc != CPC_ERR_INVALID)
            abort(); /* only an over-budget estimate comes with its quote */
        goto done;
    }
    if (!quote || cpc_contract_check(&c, &err) != 0)
        abort();
    uint64_t budget = 0, commission = 0;
    if (cpc_contract_budget(&c, &budget, &commission, &err) != 0)
        abort();
    json_t *t = json_object_get(quote, "total");
    if (!json_is_integer(t) || (uint64_t)json_integer_value(t) != budget + commission ||
        budget + commission > c.max_budget)
        abort();
    char *s = json_dumps(quote, JSON_COMPACT);
    if (!s)
        abort();
    free(s);
    /* a high-level request parses the same way twice and quotes identically */
    struct cpc_mq_request r;
    if (json_object_get(j, "type") && cpc_mq_parse(&r, j, &err) == 0) {
        struct cpc_mq_quote q1, q2;
        if (cpc_mq_quote(&r, 1000, &q1, &err) != 0 || cpc_mq_quote(&r, 1000, &q2, &err) != 0 ||
            memcmp(&q1, &q2, sizeof q1) != 0 || q1.tasks != c.tasks || q1.reward != c.reward)
            abort();
    }
done:
    json_decref(quote);
    json_decref(j);
    return 0;
}

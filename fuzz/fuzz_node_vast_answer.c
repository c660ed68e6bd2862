/* fuzz_node_vast_answer.c — the decoders of Vast.ai's answers
 * (connector_vast_decode.c: machines, earnings, a host command's success),
 * which parse untrusted JSON from the network, and the body of
 * PUT /provider/servers/{id}/marketplaces (cpc_marketplaces_body_parse).
 * Each input goes through all four. Oracle: a refusal is CPC_ERR_INVALID with a
 * message and no rows; an accepted answer holds at most its cap of rows, each
 * machine with a positive id and a bounded host name, every amount under
 * CPC_MKT_MICRO_MAX (per day: four parts, so under four times it), no day
 * twice; an accepted body names vast as 0 or 1. */
#include <stdlib.h>
#include <string.h>

#include "market/connector.h"
#include "market/routes_marketplaces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cpc_mkt_machine machines[8];
static struct cpc_mkt_day days[8];

static void check_refusal(int rc, const struct cpc_err *err, size_t count)
{
    if (rc != CPC_ERR_INVALID || !err->msg[0] || count != 0)
        abort();
}

static void check_machines(const char *p, size_t size)
{
    struct cpc_err err = {0};
    size_t count = 99;
    int rc = cpc_vast_decode_machines(p, size, machines, 8, &count, &err);
    if (rc != 0)
        return check_refusal(rc, &err, count);
    if (count > 8)
        abort();
    for (size_t i = 0; i < count; i++)
        if (machines[i].id <= 0 || strlen(machines[i].hostname) >= sizeof machines[i].hostname ||
            machines[i].listed_price >= CPC_MKT_MICRO_MAX ||
            machines[i].min_bid >= CPC_MKT_MICRO_MAX)
            abort();
}

static void check_days(const char *p, size_t size)
{
    struct cpc_err err = {0};
    size_t count = 99;
    int rc = cpc_vast_decode_earnings(p, size, days, 8, &count, &err);
    if (rc != 0)
        return check_refusal(rc, &err, count);
    if (count > 8)
        abort();
    for (size_t i = 0; i < count; i++) {
        if (days[i].day < 0 || days[i].earned >= 4 * CPC_MKT_MICRO_MAX)
            abort();
        for (size_t k = 0; k < i; k++)
            if (days[k].day == days[i].day)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    check_machines(p, size);
    check_days(p, size);
    struct cpc_err err = {0};
    int rc = cpc_vast_decode_success(p, size, &err);
    if (rc != 0 && (rc != CPC_ERR_INVALID || !err.msg[0]))
        abort();
    json_t *j = json_loadb(p, size, JSON_REJECT_DUPLICATES, NULL);
    if (j) {
        int vast = 7;
        char msg[128] = "";
        rc = cpc_marketplaces_body_parse(j, &vast, msg, sizeof msg);
        if ((rc == 0 && vast != 0 && vast != 1) || (rc != 0 && !msg[0]))
            abort();
        json_decref(j);
    }
    return 0;
}

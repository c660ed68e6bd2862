/* fuzz_node_legacy_assignment.c — the assignment id decoder of POST
 * /submit_work (cpc_legacy_assignment_contract), with a fixed tag key.
 * Oracles: arbitrary text never maps to a contract unless it is exactly an
 * id the key makes (the input's bytes after the first are used as the
 * nonce of a real one, which must round-trip); no crash, no read past NUL. */
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "market/routes_legacy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t k[CPC_LEGACY_TAG_KEY_LEN];
    memset(k, 0x5a, sizeof k);
    char *id = malloc(size + 1);
    if (!id)
        return 0;
    memcpy(id, data, size);
    id[size] = '\0';
    const struct cpc_legacy_contract *c = cpc_legacy_assignment_contract(k, id);
    if (c) {
        /* a hit is an id of the right shape whose tag verifies: 7 + 40 chars */
        if (strlen(id) != strlen(c->contract_id) + 41 || strncmp(id, c->contract_id, 6) != 0)
            abort();
    }
    /* real ids round-trip, and a flipped character never verifies */
    size_t n = 0;
    const struct cpc_legacy_contract *reg = cpc_legacy_contracts(&n);
    char made[CPC_LEGACY_ID_MAX + 1];
    cpc_legacy_assignment_new(k, &reg[size % n], made);
    if (cpc_legacy_assignment_contract(k, made) != &reg[size % n])
        abort();
    if (size) {
        size_t at = 7 + data[0] % 40;
        made[at] = made[at] == '0' ? '1' : '0';
        if (cpc_legacy_assignment_contract(k, made) != NULL)
            abort();
    }
    free(id);
    return 0;
}

/* kind_exec.c — the `exec` compute kind: replication quorum (see kinds.h).
 *
 * An opaque program cannot be re-executed cheaply by the node, so each task
 * runs on several distinct workers and their result hashes vote: a value
 * shared by a strict majority (> n/2) of the n replicas wins, like BOINC's
 * and iExec's quorum. Replicas whose hash length is 0 or above 64 are
 * malformed: they count in n but never match anything. At most
 * CPC_EXEC_MAX_REPLICAS replicas, so the O(n^2) comparison is trivial.
 */
#include "kinds.h"

#include <string.h>

static int well_formed(const uint8_t *lens, unsigned i)
{
    return lens[i] >= 1 && lens[i] <= 64;
}

int cpc_exec_quorum(const uint8_t (*hashes)[64], const uint8_t *lens, unsigned n)
{
    if (!hashes || !lens || n == 0 || n > CPC_EXEC_MAX_REPLICAS)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        if (!well_formed(lens, i))
            continue;
        unsigned votes = 0;
        for (unsigned j = 0; j < n; j++)
            if (well_formed(lens, j) && lens[j] == lens[i] && memcmp(hashes[i], hashes[j], lens[i]) == 0)
                votes++;
        if (2 * votes > n)
            return (int)i; /* the first index of the majority value */
    }
    return -1;
}

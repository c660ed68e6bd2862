/* fuzz_worker_state.c — the worker's state-file decoder (agent_state.c,
 * wk_state_load): whatever HOME/worker/ADDRESS/state.json holds after a crash
 * or a hand edit, loading it either succeeds with consistent items or fails
 * with a message; never a crash, never a leak. A loaded state is saved and
 * loaded again, and must give the same items (round trip). The state file
 * lives in a temporary folder made once per process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/home.h"
#include "core/keys.h"
#include "worker/agent_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static struct cpc_key key;

static void cleanup(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/state.json", dir);
    unlink(path);
    rmdir(dir);
}

static void init_once(void)
{
    if (dir[0])
        return;
    snprintf(dir, sizeof dir, "/tmp/cpc-fuzz-state-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    atexit(cleanup);
    /* a fixed key: secret 0x01..01 */
    memset(key.seckey, 1, sizeof key.seckey);
    struct cpc_signer *s = cpc_signer_new(key.seckey);
    if (!s || cpc_pubkey_from_seckey(s, key.info.pubkey, key.seckey) != 0 ||
        cpc_pubkey_address(key.info.address, key.info.pubkey) != 0)
        abort();
    cpc_signer_free(s);
}

static void free_items(struct wk_agent *a)
{
    for (size_t i = 0; i < a->n_items; i++)
        wk_item_clear(&a->items[i]);
    free(a->items);
    a->items = NULL;
    a->n_items = a->cap_items = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    struct wk_agent a;
    memset(&a, 0, sizeof a);
    a.key = key;
    snprintf(a.address, sizeof a.address, "%s", key.info.address);
    snprintf(a.dir, sizeof a.dir, "%s", dir);
    char path[128];
    snprintf(path, sizeof path, "%s/state.json", dir);
    struct cpc_err err = {0};
    if (cpc_write_file_atomic(path, data, size, 0600, &err) != 0)
        abort();
    int rc = wk_state_load(&a, &err);
    if (rc != 0) {
        if (!err.msg[0])
            abort();
        free_items(&a);
        return 0;
    }
    size_t n = a.n_items;
    uint64_t nonce = a.next_nonce, done = a.done;
    if (wk_state_save(&a, &err) != 0)
        abort();
    free_items(&a);
    a.next_nonce = a.done = a.earned = 0;
    if (wk_state_load(&a, &err) != 0 || a.n_items != n || a.next_nonce != nonce ||
        a.done != done)
        abort();
    free_items(&a);
    return 0;
}

/* fuzz_worker_rentals.c — the rentals' state-file decoder (provision.c,
 * wk_rentals_load): whatever HOME/worker/rentals.json holds after a crash or a
 * hand edit, loading it either succeeds (records that do not parse or do not
 * fit are dropped) or fails with a message; never a crash, never a leak. What
 * loads is saved and loaded again and must give the same records (round trip),
 * or the save must refuse it: a rental is never dropped silently. Nothing is
 * probed or started. The file lives in a temporary folder made once per process. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/home.h"
#include "worker/provision_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cpc_wk_provision_opts g_opts;

static void cleanup(void)
{
    char path[CPC_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/rentals.json", g_opts.state_dir);
    unlink(path);
    rmdir(g_opts.state_dir);
}

static void init_once(void)
{
    if (g_opts.state_dir[0])
        return;
    snprintf(g_opts.state_dir, sizeof g_opts.state_dir, "/tmp/cpc-fuzz-rentals-XXXXXX");
    if (!mkdtemp(g_opts.state_dir))
        abort();
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    char path[CPC_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/rentals.json", g_opts.state_dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    struct cpc_err err = {0};
    struct cpc_wk_rental *v = NULL, *w = NULL;
    size_t n = 0, m = 0;
    if (wk_rentals_load(&g_opts, &v, &n, &err) != 0) {
        if (!err.msg[0])
            abort(); /* a failure says why */
        free(v);
        return 0;
    }
    if (wk_rentals_save(&g_opts, v, n, &err) == 0) {
        if (wk_rentals_load(&g_opts, &w, &m, &err) != 0 || m != n)
            abort();
        for (size_t i = 0; i < n; i++)
            if (memcmp(&v[i], &w[i], sizeof v[i]) != 0)
                abort();
    } else if (!err.msg[0]) {
        abort();
    }
    free(v);
    free(w);
    return 0;
}

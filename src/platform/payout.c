/* payout.c — the payout providers (payout.h). */
#include "payout.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/home.h"
#include "../store/platform_store.h"

/* manual: HOME/payouts/<id>.json for an operator. */
static int manual_submit(const char *home, const struct cpc_pwithdrawal *w, struct cpc_err *err)
{
    char dir[CPC_PATH_MAX], path[CPC_PATH_MAX + 48];
    int rc = cpc_home_path(dir, sizeof dir, home, "payouts");
    if (rc == 0)
        rc = cpc_mkdir_p(dir, 0700, err);
    else
        cpc_err_set(err, rc, "payouts folder path too long");
    if (rc != 0)
        return rc;
    snprintf(path, sizeof path, "%s/%s.json", dir, w->id);
    json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:I}", "id", w->id, "user",
                          (json_int_t)w->user, "amount", (json_int_t)w->amount, "method",
                          w->method, "destination", w->destination, "tx_hash", w->tx_hash,
                          "approved_ms", (json_int_t)w->decided_ms, "approved_by",
                          (json_int_t)w->decided_by);
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    if (!text)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    rc = cpc_write_file_atomic(path, text, strlen(text), 0600, err);
    free(text);
    return rc;
}

static const struct cpc_payout_provider PROVIDERS[] = {
    {"manual", manual_submit},
};

const struct cpc_payout_provider *cpc_payout_provider_find(const char *name)
{
    for (size_t i = 0; i < sizeof PROVIDERS / sizeof PROVIDERS[0]; i++)
        if (!strcmp(PROVIDERS[i].name, name))
            return &PROVIDERS[i];
    return NULL;
}

/* job_invoices.c — the invoice of a marketplace job (job_invoices.h).
 *
 * Design note. Like a rental's, a job's invoice is a view, not a stored
 * document: its id is "job-" + the job id (the JOB_CREATE tx hash), so it is
 * stable and joins the chain record by key. Which jobs are the caller's comes
 * from the node's tx index (the successful JOB_CREATEs its custodial address
 * sent) and the marketplace drafts (a linked wallet's jobs confirmed through
 * /marketplace); every amount comes from the job record's money totals
 * (job_figures.h), which core adds on each payment, commission and refund, so
 * the lines sum to what the escrow paid out, to the unit.
 *
 * Cost to the node: one indexed SELECT over the caller's own JOB_CREATEs per
 * list (bounded rows) and three state reads per invoice (record, escrow,
 * record again).
 */
#include "job_invoices.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hex.h"
#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/platform.h"
#include "../store/platform_store.h"
#include "job_figures.h"

/* The user's custodial and linked addresses: 1, 0 (no wallet), -1 with err. */
static int addresses(struct cpc_platform *p, int64_t user, char custodial[48], char linked[48],
                     struct cpc_err *err)
{
    struct cpc_pwallet *w = malloc(sizeof *w);
    if (!w)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory"), -1;
    int rc = cpc_pstore_wallet_get(p->store, user, w, err);
    if (rc == 0) {
        snprintf(custodial, 48, "%s", w->custodial_address);
        snprintf(linked, 48, "%s", w->linked_address);
    }
    sodium_memzero(w, sizeof *w);
    free(w);
    if (rc == CPC_ERR_NOT_FOUND)
        return 0;
    return rc == 0 ? 1 : -1;
}

int cpc__job_invoices_list(struct cpc_node *n, struct cpc_platform *p, int64_t user,
                           uint32_t limit, uint32_t offset, struct cpc_user_job *out, size_t *cnt,
                           struct cpc_err *err)
{
    char custodial[48], linked[48];
    *cnt = 0;
    int have = addresses(p, user, custodial, linked, err);
    if (have <= 0)
        return have;
    return cpc_store_user_jobs(n->store, custodial, linked, NULL, limit, offset, out, cnt, err);
}

int cpc__job_invoice_find(struct cpc_node *n, struct cpc_platform *p, int64_t user,
                          const char *id, struct cpc_user_job *out, struct cpc_err *err)
{
    size_t plen = strlen(CPC_JOB_INVOICE_PREFIX), cnt = 0;
    uint8_t raw[32];
    char custodial[48], linked[48];
    if (strlen(id) != plen + 64 || strncmp(id, CPC_JOB_INVOICE_PREFIX, plen) != 0 ||
        cpc_hex_decode_exact(raw, 32, id + plen) != 0)
        return 0;
    int have = addresses(p, user, custodial, linked, err);
    if (have <= 0)
        return have;
    if (cpc_store_user_jobs(n->store, custodial, linked, raw, 1, 0, out, &cnt, err) != 0)
        return -1;
    return cnt == 1;
}

/* {item, description, quantity, unit, unit_price, amount}: a new reference. */
static json_t *line(const char *item, const char *desc, uint64_t qty, const char *unit,
                    uint64_t price, uint64_t amount)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:I, s:I}", "item", item, "description", desc,
                     "quantity", (json_int_t)qty, "unit", unit, "unit_price", (json_int_t)price,
                     "amount", (json_int_t)amount);
}

/* Lines and totals of f (zeros when the record is not there). */
static void add_figures(json_t *o, const struct cpc_job_figures *f, int found)
{
    const struct cpc_contract *c = &f->rec.contract;
    const struct cpc_job_money *m = &f->rec.money;
    json_t *lines = json_array();
    if (found) {
        json_array_append_new(lines, line("tasks", "Results accepted and paid to workers",
                                          m->results_paid, "result", c->reward, f->rewards));
        if (m->bonus_results)
            json_array_append_new(lines, line("early_bonus", "Early bonuses paid to workers",
                                              m->bonus_results, "result", c->early_bonus,
                                              f->bonuses));
        json_array_append_new(lines, line("commission",
                                          "Platform commission (10% of each payment, rounded "
                                          "down per payment)",
                                          1, "job", f->commission, f->commission));
    }
    json_object_set_new(o, "lines", lines);
    cpc__auth_json_u64(o, "tasks", found ? c->tasks : 0);
    cpc__auth_json_u64(o, "tasks_done", found ? f->rec.tasks_done : 0);
    cpc__auth_json_u64(o, "replication", found ? c->replication : 0);
    cpc__auth_json_u64(o, "reward", found ? c->reward : 0);
    cpc__auth_json_u64(o, "early_bonus", found ? c->early_bonus : 0);
    cpc__auth_json_u64(o, "results_paid", m->results_paid);
    cpc__auth_json_u64(o, "workers_paid", f->rewards + f->bonuses);
    cpc__auth_json_u64(o, "commission", f->commission);
    cpc__auth_json_u64(o, "total_charged", f->charged);
    cpc__auth_json_u64(o, "escrowed", f->escrowed);
    cpc__auth_json_u64(o, "refunded", f->refunded);
    cpc__auth_json_u64(o, "escrow_left", f->escrow_left);
}

static const char *job_status_name(uint8_t s)
{
    static const char *const names[] = {"unknown", "active", "completed", "cancelled", "expired"};
    return s <= CPC_JOB_EXPIRED ? names[s] : "unknown";
}

json_t *cpc__job_invoice_json(struct cpc_node *n, const struct cpc_user_job *j,
                              struct cpc_err *err)
{
    uint8_t raw[32];
    struct cpc_job_figures f;
    memset(&f, 0, sizeof f);
    if (cpc_hex_decode_exact(raw, 32, j->id) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "job id %s is not 64 hex", j->id), NULL;
    int found = cpc_job_figures_read(n, raw, &f, err);
    if (found < 0)
        return NULL;
    char id[80], t[32];
    snprintf(id, sizeof id, CPC_JOB_INVOICE_PREFIX "%s", j->id);
    cpc__auth_iso_time(t, j->created_ms);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id", id, "kind", "job",
                          "job_id", j->id, "status",
                          found ? cpc_job_figures_status(&f) : "pending", "job_status",
                          found ? job_status_name(f.rec.status) : "unknown", "currency", "CPC",
                          "created_at", t, "created_height", (json_int_t)j->height);
    if (!o)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory"), NULL;
    json_object_set_new(o, "job_kind",
                        json_string(found ? cpc_kind_name(f.rec.contract.kind) : "unknown"));
    add_figures(o, &f, found);
    return o;
}

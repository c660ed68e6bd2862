/* job_figures.c — one job's money from the ledger (job_figures.h).
 *
 * Design note. The record and the escrow balance are two reads of the
 * committed state, each under the node's read lock; a block committed between
 * them would pair a record with another block's balance. So the record is
 * read again after the balance and the pair is kept only when the record's
 * money did not move (at most a few tries), as rental_figures.c does. */
#include "job_figures.h"

#include <string.h>

#include "../core/state.h"
#include "../node/node.h"

void cpc_job_figures_compute(const struct cpc_job *rec, uint64_t escrow,
                             struct cpc_job_figures *out)
{
    const struct cpc_job_money *m = &rec->money;
    memset(out, 0, sizeof *out);
    out->rec = *rec;
    /* paid = results_paid x reward + bonus_paid (core keeps it so); the three
     * lines are each at most what the escrow paid, within the supply */
    out->bonuses = m->bonus_paid;
    out->rewards = m->paid - m->bonus_paid;
    out->commission = m->commission;
    out->charged = m->paid + m->commission;
    out->escrowed = m->escrowed;
    out->refunded = m->refund;
    out->escrow_left = escrow;
}

/* The record of id into *rec: 1, 0 none, -1 with err. */
static int record(struct cpc_node *n, const uint8_t id[32], struct cpc_job *rec,
                  struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_node_obj_get(n, key, cpc_key_job(key, id), &b);
    if (rc == 0 && cpc_job_decode(rec, b.data, b.len, err) != 0)
        rc = CPC_ERR_INVALID;
    else if (rc != 0 && rc != CPC_ERR_NOT_FOUND)
        cpc_err_set(err, rc, "reading a job record");
    cpc_buf_free(&b);
    return rc == 0 ? 1 : rc == CPC_ERR_NOT_FOUND ? 0 : -1;
}

int cpc_job_figures_read(struct cpc_node *n, const uint8_t id[32], struct cpc_job_figures *out,
                         struct cpc_err *err)
{
    uint8_t esc[CPC_ADDR_HASH_LEN];
    cpc_escrow_address(esc, id);
    struct cpc_job a, b;
    struct cpc_account acc;
    memset(&acc, 0, sizeof acc);
    int found = record(n, id, &a, err);
    for (int tries = 0; found == 1 && tries < 4; tries++) {
        cpc_node_account(n, esc, &acc);
        found = record(n, id, &b, err);
        if (found != 1)
            break;
        if (memcmp(&a.money, &b.money, sizeof a.money) == 0 && a.status == b.status &&
            a.refunded == b.refunded)
            break;
        a = b;
    }
    if (found == 1)
        cpc_job_figures_compute(&a, acc.balance, out);
    return found;
}

const char *cpc_job_figures_status(const struct cpc_job_figures *f)
{
    return f->rec.refunded ? "closed" : "open";
}

/* job_invoices.h — the customer's invoices of marketplace jobs
 * (job_invoices.c), served by routes_invoices.c next to the rental ones
 * (docs/api.md, "Invoices"). An invoice id is "job-" + the job id (64 hex).
 *
 * Ownership: JSON results are new references (the caller decrefs); arrays
 * are the caller's.
 */
#ifndef CPC_MARKET_JOB_INVOICES_H
#define CPC_MARKET_JOB_INVOICES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../store/store_market.h"

struct cpc_node;
struct cpc_platform;

#define CPC_JOB_INVOICE_PREFIX "job-"

/* The jobs of platform user `user`, newest first, limit (1..CPC_USER_JOBS_MAX) from
 * offset into out (the caller's array of limit), *n how many: those its custodial
 * address created, and those its linked wallet confirmed through /marketplace
 * (cpc_store_user_jobs). A user without a wallet has none. 0 or an error. */
int cpc__job_invoices_list(struct cpc_node *n, struct cpc_platform *p, int64_t user,
                           uint32_t limit, uint32_t offset, struct cpc_user_job *out, size_t *cnt,
                           struct cpc_err *err);

/* Whether the invoice id ("job-<hex64>") is one of user's jobs: 1 (its row into *out),
 * 0 (malformed, unknown, or another's), -1 with err. */
int cpc__job_invoice_find(struct cpc_node *n, struct cpc_platform *p, int64_t user,
                          const char *id, struct cpc_user_job *out, struct cpc_err *err);

/* The invoice of job row j: a new reference, or NULL with err. */
json_t *cpc__job_invoice_json(struct cpc_node *n, const struct cpc_user_job *j,
                              struct cpc_err *err);

#endif

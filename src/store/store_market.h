/* store_market.h — marketplace drafts (migration 4; migration 5 indexes the
 * unconfirmed ones for expiry), a bounded query of a job's market
 * transactions, and the jobs of a platform user (for its invoices), in the
 * node's SQLite database.
 *
 *   job_drafts(id TEXT PRIMARY KEY (random UUID), owner TEXT (cpc1 address that
 *              signed the request, or NULL), created_at INTEGER (unix s, the
 *              platform clock),
 *              request TEXT (the body as sent), contract TEXT (kind-level contract
 *              JSON), quote TEXT (JSON), status TEXT (draft|confirmed|cancelled),
 *              job_id TEXT (64 hex once confirmed))
 *
 * A draft is platform data, not ledger data: written outside block commits
 * (the writer mutex serialises the writes with them), never in the state root.
 * Status moves only forward: draft -> confirmed -> cancelled, or draft ->
 * cancelled; the move is one conditional UPDATE, so two racing confirms
 * cannot both win. Reads use the reader pool; everything is thread-safe.
 * A draft never confirmed (no job_id: still a draft, or cancelled before
 * confirmation) expires: the caller deletes those created before its cutoff
 * (cpc_store_draft_expire) and lists without them.
 */
#ifndef CPC_STORE_STORE_MARKET_H
#define CPC_STORE_STORE_MARKET_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/bech32.h"
#include "../core/err.h"
#include "store.h"

#define CPC_DRAFT_TEXT_MAX (64 * 1024) /* request / contract / quote text, bytes */
#define CPC_DRAFT_LIST_MAX 100
#define CPC_JOB_TXS_MAX 200            /* events per job log answer */
#define CPC_JOB_TXS_SCAN 200000        /* candidate rows examined at most per call */

/* Where a draft stands; it moves only forward (see above). */
enum cpc_draft_status {
    CPC_DRAFT_OPEN,      /* "draft": quoted, not yet confirmed */
    CPC_DRAFT_CONFIRMED, /* "confirmed": its JOB_CREATE is in the chain */
    CPC_DRAFT_CANCELLED, /* "cancelled" */
};

/* The status's stored and API name (static string); "unknown" for a bad value. */
const char *cpc_draft_status_name(enum cpc_draft_status st);

/* The status named name ("draft", "confirmed", "cancelled"). Returns 0 or
 * CPC_ERR_INVALID. */
int cpc_draft_status_parse(const char *name, enum cpc_draft_status *out);

struct cpc_draft {
    char id[37];                  /* canonical lowercase UUID */
    char owner[CPC_ADDR_STR_MAX]; /* "" = anonymous */
    uint64_t created_at;          /* unix seconds */
    char *request;                /* malloc'd JSON texts (owned; cpc_draft_clear) */
    char *contract;
    char *quote;
    enum cpc_draft_status status;
    char job_id[65];              /* "" until confirmed */
};

/* Free the texts and zero d; NULL accepted. */
void cpc_draft_clear(struct cpc_draft *d);

/* Insert a new draft (status must be CPC_DRAFT_OPEN). Texts are borrowed. Returns 0,
 * CPC_ERR_DUPLICATE (id exists), CPC_ERR_INVALID (bad id/owner/status/text) or
 * CPC_ERR_DB/IO. */
int cpc_store_draft_add(struct cpc_store *s, const struct cpc_draft *d, struct cpc_err *err);

/* Read one draft into *out (owns its texts: cpc_draft_clear). CPC_ERR_NOT_FOUND
 * when unknown (also for a malformed id). */
int cpc_store_draft_get(struct cpc_store *s, const char *id, struct cpc_draft *out,
                        struct cpc_err *err);

/* Move draft id from status `from` to `to`. job_id (NULL: keep) is set; owner
 * (NULL: keep) is set only when the row has none. Returns 0, CPC_ERR_NOT_FOUND,
 * CPC_ERR_DUPLICATE when the draft is no longer in `from` (someone else moved it),
 * CPC_ERR_INVALID for bad arguments, or CPC_ERR_DB/IO. */
int cpc_store_draft_transition(struct cpc_store *s, const char *id, enum cpc_draft_status from,
                               enum cpc_draft_status to, const char *job_id, const char *owner,
                               struct cpc_err *err);

/* Drafts newest first (owner NULL = all) as a JSON array (new reference) of
 * {"id","owner","created_at","status","job_id","job_type","total"} (owner/job_id
 * null when unset; job_type/total from the quote). limit 1..CPC_DRAFT_LIST_MAX.
 * Drafts never confirmed and created before expired_before (unix s; 0 = none) are
 * left out. */
int cpc_store_draft_list(struct cpc_store *s, const char *owner, uint32_t limit, uint32_t offset,
                         uint64_t expired_before, json_t **out, struct cpc_err *err);

/* Delete at most max (>= 1) drafts never confirmed (no job_id) created before before_s
 * (unix s), oldest first; *deleted (may be NULL) gets how many. Returns 0 or CPC_ERR_DB. */
int cpc_store_draft_expire(struct cpc_store *s, uint64_t before_s, uint32_t max,
                           uint32_t *deleted, struct cpc_err *err);

/* The committed market txs of a job, newest first, between two heights
 * (inclusive): its JOB_CREATE (hash = job id), JOB_CANCEL naming it, and every
 * SUBMIT_RESULT / REVEAL / VERDICT naming one of its n_tasks task ids
 * (cpc_task_id). Each is the tx JSON with "height","index","status","error",
 * "gas_used","fee". At most limit (1..CPC_JOB_TXS_MAX) are returned and at most
 * CPC_JOB_TXS_SCAN candidate rows examined; *truncated (may be NULL) tells that
 * the scan stopped at that cap. *out is a new reference. */
int cpc_store_job_txs(struct cpc_store *s, const uint8_t job_id[32], uint32_t n_tasks,
                      uint64_t from_height, uint64_t to_height, uint32_t limit, json_t **out,
                      bool *truncated, struct cpc_err *err);

/* A job of a platform user (its JOB_CREATE tx): the job id and when its block was made. */
struct cpc_user_job {
    char id[65];          /* 64 lowercase hex: the JOB_CREATE tx hash */
    uint64_t created_ms;  /* the block's time */
    uint64_t height;
};
#define CPC_USER_JOBS_MAX 1000 /* rows per call */

/* The jobs of a user, newest first (height, index): every successful JOB_CREATE sent
 * by custodial (its custodial address), and those sent by linked (its linked wallet
 * address; NULL or "" = none) whose job a marketplace draft owned by linked names.
 * only (NULL: all) keeps just that job id. At most limit (1..CPC_USER_JOBS_MAX) rows
 * from offset into out (the caller's array of limit); *n gets how many. Returns 0,
 * CPC_ERR_INVALID or CPC_ERR_DB. */
int cpc_store_user_jobs(struct cpc_store *s, const char *custodial, const char *linked,
                        const uint8_t *only, uint32_t limit, uint32_t offset, struct cpc_user_job *out, size_t *n,
                        struct cpc_err *err);

#endif

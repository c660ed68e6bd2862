/* store_blobs.h — who stored which blob (PUT /blobs/{sha256}), in the node's
 * SQLite database (migration 6):
 *
 *   blob_uploads(sha256 BLOB, uploader TEXT (cpc1 address), size INTEGER,
 *                uploaded_at INTEGER, kept_at INTEGER (unix s),
 *                PRIMARY KEY (sha256, uploader))
 *
 * One row per (blob, account that uploaded it): the same bytes uploaded by
 * two accounts count in both quotas, and the file stays while either row
 * does. kept_at starts at the upload and moves forward each time the blob
 * collector finds the blob still referenced by a job (or the same account
 * uploads it again); a row whose kept_at is older than the grace period is
 * collected. Platform data, not ledger data: written outside block commits
 * (the writer mutex serialises them), never in the state root. Thread-safe.
 */
#ifndef CPC_STORE_STORE_BLOBS_H
#define CPC_STORE_STORE_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bech32.h"
#include "../core/err.h"
#include "store.h"

struct cpc_blob_upload {
    uint8_t sha256[32];
    char uploader[CPC_ADDR_STR_MAX];
    uint64_t size;
    uint64_t uploaded_at;
    uint64_t kept_at;
};

/* Bytes and rows charged to uploader into *bytes and *count (0 when none). */
int cpc_store_blob_usage(struct cpc_store *s, const char *uploader, uint64_t *bytes,
                         uint64_t *count, struct cpc_err *err);

/* Bytes of every row (all accounts) into *bytes: the node-wide total. */
int cpc_store_blob_total(struct cpc_store *s, uint64_t *bytes, struct cpc_err *err);

/* Record u (borrowed). A new (sha256, uploader) row gives *created = 1; an
 * existing one only has its kept_at moved to u->kept_at (*created = 0).
 * Returns 0, CPC_ERR_INVALID for an empty uploader, or CPC_ERR_DB/IO. */
int cpc_store_blob_record(struct cpc_store *s, const struct cpc_blob_upload *u, int *created,
                          struct cpc_err *err);

/* Delete the row (sha256, uploader) if its kept_at < before (UINT64_MAX: in
 * any case); an absent or since-kept row is not an error. *left (may be NULL)
 * gets the rows of sha256 that remain (any uploader). */
int cpc_store_blob_delete(struct cpc_store *s, const uint8_t sha256[32], const char *uploader,
                          uint64_t before, uint64_t *left, struct cpc_err *err);

/* Up to max rows whose kept_at < before, oldest first, into out (caller's
 * array of max); *n gets how many. */
int cpc_store_blob_expired(struct cpc_store *s, uint64_t before, struct cpc_blob_upload *out,
                           size_t max, size_t *n, struct cpc_err *err);

/* Move kept_at of every row of sha256 to at (a blob found still referenced). */
int cpc_store_blob_keep(struct cpc_store *s, const uint8_t sha256[32], uint64_t at,
                        struct cpc_err *err);

/* Rows of sha256 (any uploader) into *count. */
int cpc_store_blob_rows(struct cpc_store *s, const uint8_t sha256[32], uint64_t *count,
                        struct cpc_err *err);

#endif

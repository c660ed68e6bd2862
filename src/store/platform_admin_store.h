/* platform_admin_store.h — the operators' reads and the support desk in the
 * platform store (platform_sqlite_admin.c, platform migration 14): user
 * search, the admin's server and withdrawal lists (ids, read in full through
 * platform_store.h), the latest load sample of a server, the sums of
 * withdrawals over a period, and support tickets with their messages.
 *
 * Same rules as platform_store.h: plain data in and out, strings copied,
 * times given by the caller, 0 or a negative cpc_errcode with err filled.
 */
#ifndef CPC_STORE_PLATFORM_ADMIN_STORE_H
#define CPC_STORE_PLATFORM_ADMIN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "platform_store.h"

/* ---- users ---- */
/* Search filters (borrowed): q "" = any, else users whose email holds q (as given: emails
 * are stored lower case) or whose id is q_id; role 0 = any, else a CPC_ROLE_* bit the user
 * must hold; blocked / verified -1 = any, else 0 or 1. Rows by id, limit from offset. */
struct cpc_puser_filter {
    const char *q;
    int64_t q_id;
    uint32_t role;
    int blocked, verified;
    uint32_t limit, offset;
};
/* The matching users' ids into ids (caller's array, cap >= f->limit); *n = ids filled.
 * Read each with cpc_pstore_user_by_id. */
int cpc_pstore_user_search_ids(struct cpc_pstore *s, const struct cpc_puser_filter *f,
                               int64_t *ids, size_t cap, size_t *n, struct cpc_err *err);

/* ---- servers ---- */
/* Every server's id matching the filters ("" / 0 = any; owner_email exact), oldest first,
 * limit from offset, into ids (caller's array of cap >= limit); *n = ids filled. */
struct cpc_pserver_admin_filter {
    const char *gpu_model, *country, *owner_email;
    int64_t owner;
    uint32_t limit, offset;
};
int cpc_pstore_server_admin_ids(struct cpc_pstore *s, const struct cpc_pserver_admin_filter *f,
                                char (*ids)[37], size_t cap, size_t *n, struct cpc_err *err);
/* The newest minute sample of server_id into *v (caller's): *found 0 when it has none. */
int cpc_pstore_sample_latest(struct cpc_pstore *s, const char *server_id, struct cpc_psample *v,
                             int *found, struct cpc_err *err);

/* ---- withdrawals ---- */
/* Ids of the withdrawals with status ("" = every one): pending oldest first (the queue),
 * the others newest decided first; limit from offset into ids (cap >= limit). */
int cpc_pstore_withdrawal_admin_ids(struct cpc_pstore *s, const char *status, uint32_t limit,
                                    uint32_t offset, char (*ids)[37], size_t cap, size_t *n,
                                    struct cpc_err *err);
/* The sum and count of withdrawals with status whose time (decided_ms for approved and
 * rejected, created_ms for pending) lies in [from_ms, to_ms). */
int cpc_pstore_withdrawal_sum(struct cpc_pstore *s, const char *status, uint64_t from_ms,
                              uint64_t to_ms, uint64_t *sum, uint64_t *count,
                              struct cpc_err *err);

/* ---- support tickets ---- */
#define CPC_PTICKET_SUBJECT_MAX 200
#define CPC_PTICKET_BODY_MAX 8192

/* status: "open" (waiting for the operators), "pending" (waiting for the user), "closed". */
struct cpc_pticket {
    int64_t id, user;
    char subject[CPC_PTICKET_SUBJECT_MAX + 1];
    char status[8];
    uint64_t created_ms, updated_ms;
    uint32_t messages;
};
struct cpc_pticket_msg {
    int64_t id, ticket, author;
    int staff; /* 1: an operator's reply */
    char body[CPC_PTICKET_BODY_MAX + 1];
    uint64_t created_ms;
};
/* The user-side limits: at most max_open tickets not closed, at most max_msgs messages
 * (ticket openings included) written by the user after since_ms. */
struct cpc_pticket_limits {
    uint32_t max_open, max_msgs;
    uint64_t since_ms;
};
enum cpc_pticket_outcome {
    CPC_PTICKET_DONE = 0,
    CPC_PTICKET_TOO_MANY_OPEN = 1,
    CPC_PTICKET_RATE_LIMITED = 2,
    CPC_PTICKET_CLOSED = 3,
};

/* In one transaction, within lim (borrowed): a new open ticket of user with its first
 * message; *id the ticket, *outcome DONE or why nothing was written. */
int cpc_pstore_ticket_open(struct cpc_pstore *s, int64_t user, const char *subject,
                           const char *body, uint64_t now_ms,
                           const struct cpc_pticket_limits *lim, int64_t *id, int *outcome,
                           struct cpc_err *err);
/* Ticket id into *t (caller's); CPC_ERR_NOT_FOUND if none. */
int cpc_pstore_ticket_get(struct cpc_pstore *s, int64_t id, struct cpc_pticket *t,
                          struct cpc_err *err);
/* Tickets of user (0 = everyone's) with status ("" = any), newest updated first, limit
 * from offset into rows (caller's array, cap >= limit). */
int cpc_pstore_ticket_list(struct cpc_pstore *s, int64_t user, const char *status,
                           uint32_t limit, uint32_t offset, struct cpc_pticket *rows,
                           size_t cap, size_t *n, struct cpc_err *err);
/* Messages of ticket, oldest first, limit from offset into rows (caller's, cap >= limit). */
int cpc_pstore_ticket_messages(struct cpc_pstore *s, int64_t ticket, uint32_t limit,
                               uint32_t offset, struct cpc_pticket_msg *rows, size_t cap,
                               size_t *n, struct cpc_err *err);
/* In one transaction: add a message by author to ticket unless it is closed; a user's
 * (staff 0) counts against lim (borrowed; NULL for staff) and reopens the ticket ("open"),
 * an operator's sets it "pending". *outcome DONE, CLOSED or RATE_LIMITED (nothing written);
 * CPC_ERR_NOT_FOUND when there is no such ticket. */
int cpc_pstore_ticket_reply(struct cpc_pstore *s, int64_t ticket, int64_t author, int staff,
                            const char *body, uint64_t now_ms,
                            const struct cpc_pticket_limits *lim, int *outcome,
                            struct cpc_err *err);
/* status := open|pending|closed; CPC_ERR_NOT_FOUND when there is no such ticket. */
int cpc_pstore_ticket_set_status(struct cpc_pstore *s, int64_t id, const char *status,
                                 uint64_t now_ms, struct cpc_err *err);

#endif

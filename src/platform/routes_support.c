/* routes_support.c — the support desk (routes_support.h).
 *
 * Design note. A ticket belongs to the user who opened it: another user gets
 * 404 as for a missing one. Status: "open" waits for the operators (a new
 * ticket, a user's message), "pending" waits for the user (an operator's
 * reply), "closed" takes no more messages (409) until an operator reopens it.
 * Bodies are stored as given and only ever leave as JSON strings (escaped
 * by jansson) or as a plain-text mail; the mail's subject names only the
 * ticket number, never user text, so nothing a user writes reaches a header.
 * Cost to a user: at most CPC_SUPPORT_OPEN_MAX tickets not closed and
 * CPC_SUPPORT_MSGS_PER_HOUR messages an hour (429 with Retry-After), each at
 * most 8 KiB, so a user adds at most 30 x 8 KiB an hour to the database; the
 * request body itself is bounded by its route (CPC_SUPPORT_BODY_MAX). Reads
 * are paged (at most 100 tickets, 200 messages). Operators' writes are
 * audit-logged.
 */
#include "routes_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../store/platform_admin_store.h"
#include "auth_apikey.h"
#include "auth_http.h"
#include "mailer.h"
#include "platform.h"
#include "support_body.h"

#define HOUR_MS 3600000ULL
#define TICKETS_PAGE_MAX 100u
#define MESSAGES_PAGE_MAX 200u

static struct cpc_platform *plat(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    if (!p)
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
    return p;
}

static json_t *ticket_json(const struct cpc_pticket *t)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:i}", "id", (json_int_t)t->id, "user_id",
                          (json_int_t)t->user, "subject", t->subject, "status", t->status,
                          "messages", (int)t->messages);
    if (o) {
        cpc__auth_json_time(o, "created_at", t->created_ms);
        cpc__auth_json_time(o, "updated_at", t->updated_ms);
    }
    return o;
}

/* Decode the request body of shape into a new struct (caller frees), or NULL answered. */
static struct cpc_support_body *body_of(struct cpc_http_req *req, struct cpc_http_res *res,
                                        enum cpc_support_shape shape)
{
    struct cpc_support_body *b = malloc(sizeof *b);
    struct cpc_err err = {0};
    if (!b) {
        cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
        return NULL;
    }
    int rc = cpc_support_body_decode(req->body ? req->body : "", req->body_len, shape, b, &err);
    if (rc != 0) {
        free(b);
        int big = req->body_len > CPC_SUPPORT_BODY_MAX;
        cpc_http_res_error(res, big ? 413 : 400, big ? "too_large" : "invalid_argument", "%s",
                           err.msg);
        return NULL;
    }
    return b;
}

static void limited(struct cpc_http_res *res, struct cpc_platform *p, int outcome)
{
    char ra[24];
    uint64_t now = cpc_platform_now(p);
    if (outcome == CPC_PTICKET_TOO_MANY_OPEN)
        return cpc_http_res_error(res, 429, "too_many_tickets",
                                  "at most %u tickets may be open; close one first",
                                  CPC_SUPPORT_OPEN_MAX);
    if (outcome == CPC_PTICKET_CLOSED)
        return cpc_http_res_error(res, 409, "ticket_closed", "the ticket is closed");
    cpc__auth_retry_after(res, now + HOUR_MS, now, ra);
    cpc_http_res_error(res, 429, "rate_limited",
                       "at most %u support messages an hour; retry in %s s",
                       CPC_SUPPORT_MSGS_PER_HOUR, ra);
}

static struct cpc_pticket_limits user_limits(struct cpc_platform *p)
{
    uint64_t now = cpc_platform_now(p);
    return (struct cpc_pticket_limits){CPC_SUPPORT_OPEN_MAX, CPC_SUPPORT_MSGS_PER_HOUR,
                                       now > HOUR_MS ? now - HOUR_MS : 0};
}

void cpc_h_support_tickets_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = plat(req, res);
    struct cpc_puser u;
    if (!p || cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_ACCOUNT) != 0)
        return;
    struct cpc_support_body *b = body_of(req, res, CPC_SUPPORT_TICKET);
    if (!b)
        return;
    struct cpc_pticket_limits lim = user_limits(p);
    struct cpc_err err = {0};
    int64_t id = 0;
    int outcome = 0;
    struct cpc_pticket t;
    int rc = cpc_pstore_ticket_open(p->store, u.id, b->subject, b->body, cpc_platform_now(p),
                                    &lim, &id, &outcome, &err);
    free(b);
    if (rc == 0 && outcome != CPC_PTICKET_DONE)
        return limited(res, p, outcome);
    if (rc != 0 || (rc = cpc_pstore_ticket_get(p->store, id, &t, &err)) != 0)
        return cpc__auth_internal(res, &err);
    cpc_http_res_json(res, 201, ticket_json(&t));
}

/* ?status= ("" when absent) into *status: 0, or -1 answered 400. */
static int status_query(struct cpc_http_req *req, struct cpc_http_res *res, const char **status)
{
    const char *s = cpc_http_req_query(req, "status");
    *status = s ? s : "";
    if (s && strcmp(s, "open") && strcmp(s, "pending") && strcmp(s, "closed")) {
        cpc_http_res_error(res, 400, "invalid_argument", "status must be open, pending or closed");
        return -1;
    }
    return 0;
}

/* Answer the page of user's (0: everyone's) tickets with ?status. */
static void list_answer(struct cpc_http_req *req, struct cpc_http_res *res, struct cpc_platform *p,
                        int64_t user)
{
    uint32_t limit = 0, offset = 0;
    const char *status;
    if (status_query(req, res, &status) != 0 ||
        cpc__auth_paging(req, res, 20, TICKETS_PAGE_MAX, &limit, &offset) != 0)
        return;
    struct cpc_pticket *rows = calloc(limit, sizeof *rows);
    size_t n = 0;
    struct cpc_err err = {0};
    int rc = rows ? cpc_pstore_ticket_list(p->store, user, status, limit, offset, rows, limit,
                                           &n, &err)
                  : cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
    json_t *arr = json_array();
    for (size_t i = 0; rc == 0 && i < n; i++)
        json_array_append_new(arr, ticket_json(&rows[i]));
    free(rows);
    if (rc != 0) {
        json_decref(arr);
        return cpc__auth_internal(res, &err);
    }
    cpc_http_res_json(res, 200, json_pack("{s:o, s:i, s:i}", "tickets", arr, "limit", (int)limit,
                                          "offset", (int)offset));
}

void cpc_h_support_tickets_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = plat(req, res);
    struct cpc_puser u;
    if (p && cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_READ) == 0)
        list_answer(req, res, p, u.id);
}

/* Ticket {id} into *t when owner is 0 (an operator) or owns it; -1 answered 404/500. */
static int ticket_param(struct cpc_http_req *req, struct cpc_http_res *res,
                        struct cpc_platform *p, int64_t owner, struct cpc_pticket *t)
{
    int64_t id = 0;
    if (cpc__auth_id_param(req, res, &id) != 0)
        return -1;
    struct cpc_err err = {0};
    int rc = cpc_pstore_ticket_get(p->store, id, t, &err);
    if (rc == CPC_ERR_NOT_FOUND || (rc == 0 && owner && t->user != owner)) {
        cpc_http_res_error(res, 404, "not_found", "no such ticket");
        return -1;
    }
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    return 0;
}

void cpc_h_support_ticket_get(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = plat(req, res);
    struct cpc_puser u;
    struct cpc_pticket t;
    uint32_t limit = 0, offset = 0;
    if (!p || cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_READ) != 0 ||
        ticket_param(req, res, p, (u.roles & CPC_ROLE_ADMIN) ? 0 : u.id, &t) != 0 ||
        cpc__auth_paging(req, res, MESSAGES_PAGE_MAX, MESSAGES_PAGE_MAX, &limit, &offset) != 0)
        return;
    struct cpc_pticket_msg *rows = calloc(limit, sizeof *rows);
    size_t n = 0;
    struct cpc_err err = {0};
    int rc = rows ? cpc_pstore_ticket_messages(p->store, t.id, limit, offset, rows, limit, &n,
                                               &err)
                  : cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
    json_t *o = ticket_json(&t), *arr = json_array();
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_t *m = json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)rows[i].id, "author_id",
                              (json_int_t)rows[i].author, "from",
                              rows[i].staff ? "support" : "user", "body", rows[i].body);
        if (m)
            cpc__auth_json_time(m, "created_at", rows[i].created_ms);
        json_array_append_new(arr, m);
    }
    free(rows);
    if (rc != 0 || !o) {
        json_decref(o);
        json_decref(arr);
        return cpc__auth_internal(res, &err);
    }
    json_object_set_new(o, "thread", arr);
    cpc_http_res_json(res, 200, o);
}

void cpc_h_support_ticket_message(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = plat(req, res);
    struct cpc_puser u;
    struct cpc_pticket t;
    if (!p || cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_ACCOUNT) != 0 ||
        ticket_param(req, res, p, u.id, &t) != 0)
        return;
    struct cpc_support_body *b = body_of(req, res, CPC_SUPPORT_MESSAGE);
    if (!b)
        return;
    struct cpc_pticket_limits lim = user_limits(p);
    struct cpc_err err = {0};
    int outcome = 0;
    int rc = cpc_pstore_ticket_reply(p->store, t.id, u.id, 0, b->body, cpc_platform_now(p), &lim,
                                     &outcome, &err);
    free(b);
    if (rc == 0 && outcome != CPC_PTICKET_DONE)
        return limited(res, p, outcome);
    if (rc != 0 || (rc = cpc_pstore_ticket_get(p->store, t.id, &t, &err)) != 0)
        return cpc__auth_internal(res, &err);
    cpc_http_res_json(res, 201, ticket_json(&t));
}

void cpc_h_admin_support_tickets(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = plat(req, res);
    struct cpc_puser admin;
    if (p && cpc__auth_admin(req, res, p, &admin) == 0)
        list_answer(req, res, p, 0);
}

/* Queue the "new reply" notice to the ticket's user; failures are logged. */
static void notify(struct cpc_platform *p, const struct cpc_pticket *t, const char *reply)
{
    struct cpc_puser u;
    struct cpc_err err = {0};
    if (cpc_pstore_user_by_id(p->store, t->user, &u, &err) != 0) {
        CPC_LOGW("support ticket %lld: no user to notify: %s", (long long)t->id, err.msg);
        return;
    }
    size_t cap = strlen(reply) + sizeof t->subject + 512;
    char *text = malloc(cap), subject[96];
    if (!text)
        return;
    snprintf(subject, sizeof subject, "Support ticket #%lld: new reply", (long long)t->id);
    snprintf(text, cap,
             "Our support team replied to your ticket #%lld (\"%s\"):\n\n%s\n\n"
             "Read the whole thread and answer at %s/support/tickets/%lld\n",
             (long long)t->id, t->subject, reply, p->public_url, (long long)t->id);
    if (cpc_mailer_send(p->mailer, u.email, subject, text, &err) != 0)
        CPC_LOGW("support ticket %lld: queueing the notice: %s", (long long)t->id, err.msg);
    free(text);
}

void cpc_h_admin_support_reply(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = plat(req, res);
    struct cpc_puser admin;
    struct cpc_pticket t;
    if (!p || cpc__auth_admin(req, res, p, &admin) != 0 || ticket_param(req, res, p, 0, &t) != 0)
        return;
    struct cpc_support_body *b = body_of(req, res, CPC_SUPPORT_MESSAGE);
    if (!b)
        return;
    struct cpc_err err = {0};
    int outcome = 0;
    int rc = cpc_pstore_ticket_reply(p->store, t.id, admin.id, 1, b->body, cpc_platform_now(p),
                                     NULL, &outcome, &err);
    if (rc == 0 && outcome != CPC_PTICKET_DONE) {
        free(b);
        return limited(res, p, outcome);
    }
    if (rc != 0 || (rc = cpc_pstore_ticket_get(p->store, t.id, &t, &err)) != 0) {
        free(b);
        return cpc__auth_internal(res, &err);
    }
    notify(p, &t, b->body);
    free(b);
    char d[64];
    snprintf(d, sizeof d, "ticket %lld by admin %lld", (long long)t.id, (long long)admin.id);
    cpc__auth_audit(p, t.user, "support_replied", d);
    cpc_http_res_json(res, 201, ticket_json(&t));
}

void cpc_h_admin_support_status(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_platform *p = plat(req, res);
    struct cpc_puser admin;
    struct cpc_pticket t;
    if (!p || cpc__auth_admin(req, res, p, &admin) != 0 || ticket_param(req, res, p, 0, &t) != 0)
        return;
    struct cpc_support_body *b = body_of(req, res, CPC_SUPPORT_STATUS);
    if (!b)
        return;
    struct cpc_err err = {0};
    char d[96];
    snprintf(d, sizeof d, "ticket %lld %s -> %s by admin %lld", (long long)t.id, t.status,
             b->status, (long long)admin.id);
    int rc = cpc_pstore_ticket_set_status(p->store, t.id, b->status, cpc_platform_now(p), &err);
    free(b);
    if (rc != 0 || (rc = cpc_pstore_ticket_get(p->store, t.id, &t, &err)) != 0)
        return cpc__auth_internal(res, &err);
    cpc__auth_audit(p, t.user, "support_status", d);
    cpc_http_res_json(res, 200, ticket_json(&t));
}

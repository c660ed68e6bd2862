/* routes_invoices.c — the customer's invoices (routes_rental_money.h): its
 * rentals' here, its marketplace jobs' from job_invoices.c, listed together.
 *
 * Design note. An invoice is a view, not a stored document: one per rental
 * the caller ordered, its id "rent-" + the rental id (the RENTAL_OPEN tx
 * hash, 64 lowercase hex), so it is stable and joins the chain record by key.
 * The platform row says only that the rental is the caller's and which
 * server and image it ran; every amount is the chain's, through
 * rental_figures.h (the provider's and admin's views use the same function,
 * so the three agree to the unit). A rental still running gives an "open"
 * invoice with the figures so far; one no block took is "pending", and
 * "failed" once its offer expired. Amounts are base units (integers; 1 CPC =
 * 10^9); the HTML page also prints them in CPC.
 *
 * Who may call: a session token or an API key with the read scope; another
 * user's invoice answers 404 like a missing one. Cost to the node: one
 * SELECT of at most CPC_INVOICE_PAGE_MAX rows and three state reads per
 * invoice (record, escrow, record again), under the per-token request limit.
 * A list of both kinds merges the two newest-first sources by creation time:
 * it first reads the times of the first offset + limit of each (at most
 * CPC_INVOICE_MERGE_MAX, so two bounded SELECTs), which says which rental
 * rows and which jobs the page holds, then reads just those rental rows; with
 * ?kind= one source is paged directly.
 * The HTML page is self-contained (inline style, no script, no external
 * asset), every value HTML-escaped, and is served with a Content-Security-
 * Policy that forbids anything else.
 */
#include "routes_rental_money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/amount.h"
#include "../core/codec.h"
#include "../core/hex.h"
#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/auth_apikey.h"
#include "../platform/platform.h"
#include "../store/platform_store.h"
#include "job_invoices.h"
#include "rental_figures.h"
#include "routes_rentals.h"

#define INVOICE_PREFIX "rent-"

/* {item, description, quantity, unit, unit_price, amount}: a new reference. */
static json_t *line(const char *item, const char *desc, uint64_t qty, uint64_t price,
                    uint64_t amount)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:I, s:I}", "item", item, "description", desc,
                     "quantity", (json_int_t)qty, "unit", "minute", "unit_price",
                     (json_int_t)price, "amount", (json_int_t)amount);
}

/* The server part of the invoice (platform row; null when the provider deleted it). */
static json_t *server_json(struct cpc_platform *p, const char *server_id, struct cpc_err *err,
                           int *rc)
{
    struct cpc_pserver s;
    *rc = cpc_pstore_server_get(p->store, server_id, &s, err);
    if (*rc == CPC_ERR_NOT_FOUND) {
        *rc = 0;
        return json_pack("{s:s}", "id", server_id);
    }
    if (*rc != 0)
        return NULL;
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "id", server_id, "gpu_model", s.gpu_model,
                     "gpu_count", (int)s.gpu_count, "cpu", s.cpu, "country", s.country, "city",
                     s.city);
}

/* The figures part: status, times, lines and totals (zeros before the chain has it). */
static void add_figures(json_t *o, const struct cpc_rental_figures *f, int found)
{
    json_t *lines = json_array();
    if (found) {
        char bps[64];
        snprintf(bps, sizeof bps, "Platform commission (%u.%02u%%)", f->rec.commission_bps / 100,
                 f->rec.commission_bps % 100);
        json_array_append_new(lines, line("gpu_time", "GPU time at the provider's price",
                                          f->minutes, f->rate_per_minute, f->provider_income));
        json_array_append_new(lines, line("commission", bps, f->minutes,
                                          f->commission_per_minute, f->commission));
    }
    char hours[48];
    snprintf(hours, sizeof hours, "%llu.%02llu", (unsigned long long)(f->minutes / 60),
             (unsigned long long)(f->minutes % 60 * 100 / 60));
    cpc__auth_json_u64(o, "minutes", f->minutes);
    json_object_set_new(o, "hours", json_string(hours));
    cpc__auth_json_u64(o, "price_per_hour", f->price_per_hour);
    cpc__auth_json_u64(o, "rate_per_minute", f->rate_per_minute);
    cpc__auth_json_u64(o, "commission_bps", f->rec.commission_bps);
    cpc__auth_json_u64(o, "commission_per_minute", f->commission_per_minute);
    json_object_set_new(o, "lines", lines);
    cpc__auth_json_u64(o, "provider_income", f->provider_income);
    cpc__auth_json_u64(o, "commission", f->commission);
    cpc__auth_json_u64(o, "total_charged", f->charged);
    cpc__auth_json_u64(o, "deposit", f->deposit);
    cpc__auth_json_u64(o, "refunded", f->refunded);
    cpc__auth_json_u64(o, "escrow_left", f->escrow_left);
    cpc__auth_json_time(o, "opened_at", found ? f->rec.opened_ms : 0);
    cpc__auth_json_time(o, "ended_at", found ? f->rec.ended_ms : 0);
    const char *reason = found ? cpc_rental_figures_reason(f) : NULL;
    json_object_set_new(o, "end_reason", reason ? json_string(reason) : json_null());
}

/* The invoice of row r (the caller's): a new reference, or NULL with err. */
static json_t *invoice_json(struct cpc_node *n, struct cpc_platform *p,
                            const struct cpc_prental *r, struct cpc_err *err)
{
    struct cpc_rental_figures f;
    memset(&f, 0, sizeof f);
    int found = cpc_rental_figures_read(n, r->id, &f, err), rc = 0;
    if (found < 0)
        return NULL;
    const char *status = found ? cpc_rental_figures_status(&f) : "pending";
    if (!found && cpc_platform_now(p) > r->created_ms + CPC_RENTAL_OFFER_TTL_MS +
                                            CPC_RENTAL_MINUTE_MS)
        status = "failed";
    json_t *server = server_json(p, r->server_id, err, &rc);
    if (!server)
        return rc ? NULL : (cpc_err_set(err, CPC_ERR_NOMEM, "out of memory"), NULL);
    char id[80];
    snprintf(id, sizeof id, INVOICE_PREFIX "%s", r->id);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "id", id, "kind", "rental",
                          "rental_id", r->id, "status", status, "currency", "CPC", "server",
                          server, "image", r->image);
    if (!o)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory"), NULL;
    cpc__auth_json_time(o, "created_at", r->created_ms);
    add_figures(o, &f, found);
    return o;
}

struct rows {
    struct cpc_prental *rows;
    size_t n, cap;
    uint64_t *created; /* pass 1 of a merged list: the rows' times only */
};

static int keep_row(void *arg, const struct cpc_prental *r)
{
    struct rows *l = arg;
    if (l->n >= l->cap)
        return 1;
    if (l->created)
        l->created[l->n++] = r->created_ms;
    else
        l->rows[l->n++] = *r;
    return 0;
}

/* One page of the caller's invoices: which rental rows (from offset r_skip) and
 * job rows (from j_skip) it shows, and in what order (seq: 'r' or 'j'). */
struct page {
    uint32_t r_skip, r_take, j_skip, j_take;
    struct cpc_user_job *jobs; /* the jobs of the window (j_skip.. are the page's) */
    char *seq;
    size_t n;
};

/* Rentals and jobs merged newest first (a rental first on a tie): the window of the
 * first offset + limit of each decides which of them the page [offset, offset + limit)
 * holds. 0, or -1 with err. */
static int merge_page(struct cpc_node *n, struct cpc_platform *p, int64_t user, uint32_t limit,
                      uint32_t offset, struct page *pg, struct cpc_err *err)
{
    uint32_t window = offset + limit;
    size_t nj = 0;
    struct rows l = {NULL, 0, window, calloc(window, sizeof(uint64_t))};
    if (!l.created)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory"), -1;
    int rc = cpc_pstore_rental_list_user(p->store, user, window, 0, keep_row, &l, err);
    if (rc == 0)
        rc = cpc__job_invoices_list(n, p, user, window, 0, pg->jobs, &nj, err);
    for (size_t i = 0, k = 0; rc == 0 && i + k < window && (i < l.n || k < nj);) {
        int rental = k >= nj || (i < l.n && l.created[i] >= pg->jobs[k].created_ms);
        if (i + k >= offset) {
            pg->seq[pg->n++] = rental ? 'r' : 'j';
            *(rental ? &pg->r_take : &pg->j_take) += 1;
        } else {
            *(rental ? &pg->r_skip : &pg->j_skip) += 1;
        }
        *(rental ? &i : &k) += 1;
    }
    free(l.created);
    return rc == 0 ? 0 : -1;
}

/* The invoices of page pg as a JSON array (new reference), or NULL with err. */
static json_t *page_json(struct cpc_node *n, struct cpc_platform *p, int64_t user,
                         const struct page *pg, struct cpc_err *err)
{
    struct rows l = {calloc(pg->r_take ? pg->r_take : 1, sizeof *l.rows), 0, pg->r_take, NULL};
    json_t *arr = json_array();
    int rc = l.rows && arr ? 0 : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (rc == 0 && pg->r_take)
        rc = cpc_pstore_rental_list_user(p->store, user, pg->r_take, pg->r_skip, keep_row, &l,
                                         err);
    size_t ri = 0, ji = pg->j_skip;
    for (size_t i = 0; rc == 0 && i < pg->n; i++) {
        json_t *o;
        if (pg->seq[i] == 'r' && ri >= l.n)
            continue; /* a rental went away between the two reads */
        o = pg->seq[i] == 'r' ? invoice_json(n, p, &l.rows[ri++], err)
                              : cpc__job_invoice_json(n, &pg->jobs[ji++], err);
        rc = o ? json_array_append_new(arr, o) : -1;
    }
    free(l.rows);
    if (rc != 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* kind=rental|job (absent: both) into *want ('r', 'j' or 0). 0, or -1 answered. */
static int kind_query(struct cpc_http_req *req, struct cpc_http_res *res, char *want)
{
    const char *k = cpc_http_req_query(req, "kind");
    *want = 0;
    if (!k || !*k)
        return 0;
    if (!strcmp(k, "rental") || !strcmp(k, "job")) {
        *want = k[0];
        return 0;
    }
    cpc_http_res_error(res, 400, "invalid_argument", "kind must be rental or job");
    return -1;
}

void cpc_h_invoices_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_platform *p = cpc__auth_plat(req);
    uint32_t limit, offset;
    char want;
    if (!p) {
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
        return;
    }
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_READ) != 0 ||
        cpc__auth_paging(req, res, 20, CPC_INVOICE_PAGE_MAX, &limit, &offset) != 0 ||
        kind_query(req, res, &want) != 0)
        return;
    if (!want && offset + limit > CPC_INVOICE_MERGE_MAX) {
        cpc_http_res_error(res, 400, "invalid_argument",
                           "offset + limit of a mixed list is at most %u: page further with "
                           "kind=rental or kind=job",
                           (unsigned)CPC_INVOICE_MERGE_MAX);
        return;
    }
    struct cpc_err err = {0};
    uint32_t window = want ? limit : offset + limit;
    struct page pg = {0};
    pg.jobs = calloc(window, sizeof *pg.jobs);
    pg.seq = calloc(window, 1);
    int rc = pg.jobs && pg.seq ? 0 : cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
    size_t nj = 0;
    if (rc == 0 && want == 'r') { /* one source: page it directly */
        pg.r_skip = offset;
        pg.r_take = limit;
        memset(pg.seq, 'r', limit);
        pg.n = limit;
    } else if (rc == 0 && want == 'j') {
        rc = cpc__job_invoices_list(req->app, p, u.id, limit, offset, pg.jobs, &nj, &err);
        pg.j_take = (uint32_t)nj;
        memset(pg.seq, 'j', nj);
        pg.n = nj;
    } else if (rc == 0) {
        rc = merge_page(req->app, p, u.id, limit, offset, &pg, &err);
    }
    json_t *arr = rc == 0 ? page_json(req->app, p, u.id, &pg, &err) : NULL;
    free(pg.jobs);
    free(pg.seq);
    if (!arr) {
        cpc__auth_internal(res, &err);
        return;
    }
    cpc_http_res_json(res, 200, json_pack("{s:o, s:I, s:I}", "invoices", arr, "limit",
                                          (json_int_t)limit, "offset", (json_int_t)offset));
}

/* The caller's job invoice {id}: a new reference, or NULL answered (404 for another's). */
static json_t *own_job_invoice(struct cpc_http_req *req, struct cpc_http_res *res,
                               struct cpc_platform *p, const struct cpc_puser *u, const char *id)
{
    struct cpc_user_job j;
    struct cpc_err err = {0};
    json_t *o = NULL;
    int found = cpc__job_invoice_find(req->app, p, u->id, id, &j, &err);
    if (found == 0)
        cpc_http_res_error(res, 404, "not_found", "no such invoice");
    else if (found < 0 || !(o = cpc__job_invoice_json(req->app, &j, &err)))
        cpc__auth_internal(res, &err);
    return o;
}

/* The caller's invoice {id}: a new reference, or NULL answered (404 for another's). */
static json_t *own_invoice(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_platform *p = cpc__auth_plat(req);
    if (!p) {
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
        return NULL;
    }
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_READ) != 0)
        return NULL;
    const char *id = req->n_params ? req->params[0] : "";
    if (!strncmp(id, CPC_JOB_INVOICE_PREFIX, strlen(CPC_JOB_INVOICE_PREFIX)))
        return own_job_invoice(req, res, p, &u, id);
    size_t plen = strlen(INVOICE_PREFIX);
    uint8_t raw[32];
    struct cpc_err err = {0};
    struct cpc_prental *r = malloc(sizeof *r);
    if (!r) {
        cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        cpc__auth_internal(res, &err);
        return NULL;
    }
    int ok = strlen(id) == plen + 64 && !strncmp(id, INVOICE_PREFIX, plen) &&
             cpc_hex_decode_exact(raw, 32, id + plen) == 0;
    int rc = ok ? cpc_pstore_rental_get(p->store, id + plen, r, &err) : CPC_ERR_NOT_FOUND;
    json_t *o = NULL;
    if (rc == CPC_ERR_NOT_FOUND || (rc == 0 && r->user != u.id))
        cpc_http_res_error(res, 404, "not_found", "no such invoice");
    else if (rc != 0 || !(o = invoice_json(req->app, p, r, &err)))
        cpc__auth_internal(res, &err);
    free(r);
    return o;
}

void cpc_h_invoice_get(struct cpc_http_req *req, struct cpc_http_res *res)
{
    json_t *o = own_invoice(req, res);
    if (o)
        cpc_http_res_json(res, 200, o);
}

/* ---- the printable page ---- */

/* Append s HTML-escaped (& < > " ' and nothing else changed). */
static void put_esc(struct cpc_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': cpc_buf_put(b, "&amp;", 5); break;
        case '<': cpc_buf_put(b, "&lt;", 4); break;
        case '>': cpc_buf_put(b, "&gt;", 4); break;
        case '"': cpc_buf_put(b, "&quot;", 6); break;
        case '\'': cpc_buf_put(b, "&#39;", 5); break;
        default: cpc_buf_put(b, s, 1);
        }
    }
}

static void put(struct cpc_buf *b, const char *s) { cpc_buf_put(b, s, strlen(s)); }

/* The string or integer member key of o as text into out. */
static const char *text_of(const json_t *o, const char *key, char out[40])
{
    const json_t *v = json_object_get(o, key);
    if (json_is_integer(v)) {
        snprintf(out, 40, "%lld", (long long)json_integer_value(v));
        return out;
    }
    return json_is_string(v) ? json_string_value(v) : "";
}

/* A table row: label, then the member key of o, as CPC when cpc. */
static void put_row(struct cpc_buf *b, const char *label, const json_t *o, const char *key,
                    int cpc)
{
    char t[40], a[CPC_AMOUNT_STR_MAX];
    put(b, "<tr><th>");
    put_esc(b, label);
    put(b, "</th><td>");
    if (cpc) {
        cpc_amount_format(a, (uint64_t)json_integer_value(json_object_get(o, key)));
        put_esc(b, a);
        put(b, " CPC");
    } else {
        put_esc(b, text_of(o, key, t));
    }
    put(b, "</td></tr>\n");
}

static const char PAGE_HEAD[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>Invoice</title>\n<style>\n"
    "body{font-family:sans-serif;margin:2em;color:#111}table{border-collapse:collapse;"
    "margin:1em 0}th,td{border:1px solid #999;padding:.3em .6em;text-align:left}"
    "td.n{text-align:right}\n"
    "@media print{body{margin:0;font-size:11pt}.noprint{display:none}"
    "@page{margin:1.5cm}}\n</style></head><body>\n";

static void put_lines(struct cpc_buf *b, const json_t *inv)
{
    put(b, "<table><tr><th>Item</th><th>Quantity</th><th>Unit price</th><th>Amount</th></tr>\n");
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(inv, "lines"), i, l)
    {
        char t[40], a[CPC_AMOUNT_STR_MAX];
        put(b, "<tr><td>");
        put_esc(b, text_of(l, "description", t));
        put(b, "</td><td class=\"n\">");
        put_esc(b, text_of(l, "quantity", t));
        put(b, " ");
        put_esc(b, text_of(l, "unit", t));
        put(b, "</td><td class=\"n\">");
        cpc_amount_format(a, (uint64_t)json_integer_value(json_object_get(l, "unit_price")));
        put_esc(b, a);
        put(b, " CPC</td><td class=\"n\">");
        cpc_amount_format(a, (uint64_t)json_integer_value(json_object_get(l, "amount")));
        put_esc(b, a);
        put(b, " CPC</td></tr>\n");
    }
    put(b, "</table>\n");
}

/* The rows that say what a rental invoice is for. */
static void rental_rows(struct cpc_buf *b, const json_t *inv)
{
    const json_t *srv = json_object_get(inv, "server");
    put_row(b, "Rental", inv, "rental_id", 0);
    put_row(b, "Ordered", inv, "created_at", 0);
    put_row(b, "Opened", inv, "opened_at", 0);
    put_row(b, "Ended", inv, "ended_at", 0);
    put_row(b, "End reason", inv, "end_reason", 0);
    put_row(b, "Server", srv, "id", 0);
    put_row(b, "GPU model", srv, "gpu_model", 0);
    put_row(b, "GPU count", srv, "gpu_count", 0);
    put_row(b, "CPU", srv, "cpu", 0);
    put_row(b, "Location", srv, "city", 0);
    put_row(b, "Image", inv, "image", 0);
    put_row(b, "Minutes used", inv, "minutes", 0);
    put_row(b, "Hours used", inv, "hours", 0);
    put_row(b, "Provider's price per hour", inv, "price_per_hour", 1);
}

/* The rows that say what a job invoice is for. */
static void job_rows(struct cpc_buf *b, const json_t *inv)
{
    put_row(b, "Job", inv, "job_id", 0);
    put_row(b, "Job status", inv, "job_status", 0);
    put_row(b, "Created", inv, "created_at", 0);
    put_row(b, "Block", inv, "created_height", 0);
    put_row(b, "Kind", inv, "job_kind", 0);
    put_row(b, "Tasks", inv, "tasks", 0);
    put_row(b, "Tasks done", inv, "tasks_done", 0);
    put_row(b, "Replicas per task", inv, "replication", 0);
    put_row(b, "Reward per result", inv, "reward", 1);
}

/* The page of invoice inv into b. */
static void invoice_page(struct cpc_buf *b, const json_t *inv)
{
    int job = !strcmp(json_string_value(json_object_get(inv, "kind")), "job");
    put(b, PAGE_HEAD);
    put(b, "<h1>Invoice ");
    put_esc(b, json_string_value(json_object_get(inv, "id")));
    put(b, "</h1>\n<table>\n");
    put_row(b, "Status", inv, "status", 0);
    if (job)
        job_rows(b, inv);
    else
        rental_rows(b, inv);
    put(b, "</table>\n");
    put_lines(b, inv);
    put(b, "<table>\n");
    put_row(b, "Total charged", inv, "total_charged", 1);
    put_row(b, job ? "Escrowed" : "Deposit", inv, job ? "escrowed" : "deposit", 1);
    put_row(b, "Refunded", inv, "refunded", 1);
    put_row(b, "Escrow left", inv, "escrow_left", 1);
    put(b, "</table>\n<p class=\"noprint\">Amounts are on the ComputeChain ledger; "
           "1 CPC = 1,000,000,000 base units.</p>\n</body></html>\n");
}

void cpc_h_invoice_html(struct cpc_http_req *req, struct cpc_http_res *res)
{
    json_t *o = own_invoice(req, res);
    if (!o)
        return;
    struct cpc_buf b;
    cpc_buf_init(&b);
    invoice_page(&b, o);
    json_decref(o);
    if (b.failed) {
        struct cpc_err err = {0};
        cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        cpc__auth_internal(res, &err);
    } else {
        cpc_http_res_text(res, 200, "text/html; charset=utf-8", (const char *)b.data, b.len);
        cpc_http_res_header(res, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'");
        cpc_http_res_header(res, "X-Content-Type-Options", "nosniff");
    }
    cpc_buf_free(&b);
}

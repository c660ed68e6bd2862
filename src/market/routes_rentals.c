/* routes_rentals.c — the customers' GPU rentals (routes_rentals.h) over the
 * ledger's rentals (src/core/rental.h) and the providers' servers.
 *
 * Design note. Users are custodial: the node holds each user's ledger key
 * (custody.h). An order makes two signatures. The PROVIDER's custodial key
 * signs the offer {server, provider address, rate, expiry} at the server's
 * listed price: rate_per_minute = ceil(price_per_gpu_hour x gpu_count / 60),
 * rounded UP so the provider receives at least its listed price per hour;
 * the offer expires CPC_RENTAL_OFFER_TTL_MS after the order. The CUSTOMER's
 * custodial key signs the RENTAL_OPEN carrying that offer and a deposit of
 * hours x 60 x (rate + commission), commission = floor(rate x bps / 10000)
 * per minute (cpc_rental_commission with the provider's commission, as the
 * chain computes it). When the committed balance less the fee cannot cover every hour, the
 * deposit is the whole minutes it covers, at least one hour; below that the
 * order is refused 402 insufficient_funds. The rental id is the tx hash; the
 * rental is open once a block includes it. A provider whose wallet is linked
 * (the node does not hold its key) cannot be rented here.
 *
 * Who may call: a session token or an API key with the account scope for the
 * writes, read for the reads. A customer sees only its own rentals: another
 * user's id answers 404 like a missing one. Views never carry the provider's
 * email, id or keys; the host and port only in /connection, to the renter.
 * Cost to the node: one row per admitted RENTAL_OPEN (the customer pays its
 * fee), a catalogue read of at most CPC_RENTAL_CANDIDATES_MAX rows, and the
 * per-token request limit. A DELETE while the rental's RENTAL_END is pending
 * sends nothing (409 ending): a double click costs no second fee. The custody lock is held from choosing the port
 * to recording the row, so two orders of one server get different ports.
 * The row's ended_ms is set when a view, or an order of the same server
 * looking for a free port, finds the chain record ended, or the RENTAL_OPEN
 * never applied (no record a minute after its offer expired): the port is
 * then free again. An order reads at most one port span (1,000) of a
 * server's open rows. POST /rentals/{id}/extend (RENTAL_EXTEND) is in
 * routes_rental_extend.c, over the helpers of routes_rentals_internal.h.
 * Commission: the provider's override on the chain (COMMISSION_SET, read by
 * cpc__rental_commission_bps), else 10%, as RENTAL_OPEN will fix it; an
 * override changed between the order and its block changes the record's
 * commission, never below one minute of deposit (the deposit covers an hour).
 */
#include "routes_rentals.h"

#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../core/amount.h"
#include "../core/hex.h"
#include "../core/market.h"
#include "../core/rental.h"
#include "../core/state.h"
#include "../core/uuid.h"
#include "../node/mempool.h"
#include "../node/node.h"
#include "../platform/auth_http.h"
#include "../platform/custody.h"
#include "../platform/platform.h"
#include "../platform/routes_wallet.h"
#include "market_sync.h"
#include "rental_body.h"
#include "routes_rentals_internal.h"
#include "server_body.h"
#include "routes_servers.h"
#include "rental_orders.h"

/* The caller signed in with scope: p and *u, or NULL answered. */
static struct cpc_platform *customer(struct cpc_http_req *req, struct cpc_http_res *res,
                                     uint32_t scope, struct cpc_puser *u)
{
    struct cpc_platform *p = cpc__auth_plat(req);
    if (!p) {
        cpc_http_res_error(res, 503, "unavailable", "this node has no platform accounts");
        return NULL;
    }
    return cpc__auth_bearer(req, res, p, u, scope) == 0 ? p : NULL;
}

/* The body as JSON (at most CPC_RENTAL_BODY_MAX bytes): new reference, or NULL answered. */
static json_t *order_body(struct cpc_http_req *req, struct cpc_http_res *res)
{
    json_error_t je;
    if (req->body_len > CPC_RENTAL_BODY_MAX) {
        cpc_http_res_error(res, 413, "too_large", "body is at most %u bytes", CPC_RENTAL_BODY_MAX);
        return NULL;
    }
    json_t *j = req->body_len ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je)
                              : NULL;
    if (!j)
        cpc_http_res_error(res, 400, "invalid_json", "body must be a JSON object");
    return j;
}

int cpc__rental_commission_bps(struct cpc_node *n, const uint8_t provider[CPC_ADDR_HASH_LEN],
                               uint32_t *bps, struct cpc_err *err)
{
    uint8_t key[1 + CPC_ADDR_HASH_LEN];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_node_obj_get(n, key, cpc_key_commission(key, provider), &b);
    if (rc == 0 && cpc_commission_decode(b.data, b.len, bps) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "corrupt commission override");
    else if (rc == CPC_ERR_NOT_FOUND) {
        *bps = CPC_COMMISSION_BPS;
        rc = 0;
    } else if (rc != 0)
        cpc_err_set(err, rc, "reading a commission override");
    cpc_buf_free(&b);
    return rc;
}

/* ---- choosing the server ---- */

struct candidates {
    struct cpc_node *n;
    int64_t customer;
    struct cpc_pserver rows[CPC_RENTAL_CANDIDATES_MAX];
    size_t count;
};

static int keep_online(void *arg, const struct cpc_pserver *r)
{
    struct candidates *c = arg;
    if (r->owner != c->customer && !strcmp(cpc__server_status(c->n, r), "online"))
        c->rows[c->count++] = *r;
    return c->count >= CPC_RENTAL_CANDIDATES_MAX;
}

/* The provider's wallet of r into *w: 1 custodial, 0 linked (not rentable here), -1 error. */
static int provider_wallet(struct cpc_platform *p, const struct cpc_pserver *r,
                           struct cpc_pwallet *w, struct cpc_err *err)
{
    if (cpc__wallet_ensure(p, r->owner, w, err) != 0)
        return -1;
    return w->linked_address[0] == '\0';
}

/* The server of order o into *r and its provider's wallet into *w: 0, or -1 answered. */
static int choose_server(struct cpc_http_req *req, struct cpc_http_res *res,
                         struct cpc_platform *p, int64_t user, const struct cpc_rental_order *o,
                         struct cpc_pserver *r, struct cpc_pwallet *w)
{
    struct cpc_err err = {0};
    int rc;
    if (o->by_id) {
        rc = cpc_pstore_server_get(p->store, o->server_id, r, &err);
        if (rc == CPC_ERR_NOT_FOUND) {
            cpc_http_res_error(res, 404, "not_found", "no such server");
            return -1;
        }
        if (rc == 0 && r->owner == user) {
            cpc_http_res_error(res, 409, "own_server", "you cannot rent your own server");
            return -1;
        }
        if (rc == 0 && r->maintenance) {
            cpc_http_res_error(res, 409, "server_maintenance",
                               "this server is in maintenance (its provider's choice)");
            return -1;
        }
        if (rc == 0 && strcmp(cpc__server_status(req->app, r), "online") != 0) {
            cpc_http_res_error(res, 409, "server_offline", "this server is offline");
            return -1;
        }
        if (rc == 0 && cpc_market_server_booked(req->app, r->id)) {
            cpc_http_res_error(res, 409, "server_busy", "this server is booked on a marketplace");
            return -1;
        }
        if (rc == 0 && (rc = provider_wallet(p, r, w, &err)) == 0) {
            cpc_http_res_error(res, 409, "server_unavailable",
                               "this server cannot be rented through the platform");
            return -1;
        }
        if (rc < 0) {
            cpc__auth_internal(res, &err);
            return -1;
        }
        return 0;
    }
    static struct candidates zero;
    struct candidates *c = malloc(sizeof *c);
    if (!c) {
        cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        cpc__auth_internal(res, &err);
        return -1;
    }
    *c = zero;
    c->n = req->app;
    c->customer = user;
    struct cpc_pserver_filter f = {.gpu_model = o->model, .country = o->country, .city = "",
                                   .max_price = o->max_price, .min_vram_gb = o->min_vram_gb,
                                   .min_gpu_count = o->min_gpu_count,
                                   .limit = 4 * CPC_RENTAL_CANDIDATES_MAX};
    rc = cpc_pstore_server_search(p->store, &f, keep_online, c, &err);
    int found = 0;
    for (size_t i = 0; rc == 0 && !found && i < c->count; i++) {
        if (cpc_market_server_booked(req->app, c->rows[i].id))
            continue; /* booked on a marketplace (market_sync.h) */
        int k = provider_wallet(p, &c->rows[i], w, &err);
        if (k < 0)
            rc = -1;
        else if (k == 1) {
            *r = c->rows[i];
            found = 1;
        }
    }
    free(c);
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    if (!found) {
        cpc_http_res_error(res, 409, "no_server", "no online server meets the requirements");
        return -1;
    }
    return 0;
}

/* ---- money ---- */

/* rate_per_minute of r (rounded up), 0 when out of the chain's range. */
static uint64_t server_rate(const struct cpc_pserver *r)
{
    uint64_t hour;
    if (__builtin_mul_overflow(r->price_per_gpu_hour, (uint64_t)r->gpu_count, &hour))
        return 0;
    uint64_t rate = hour / 60 + (hour % 60 != 0);
    return rate <= CPC_RENTAL_MAX_RATE ? rate : 0;
}

/* Sign the offer o with the provider's custodial key of w into the payload. 0 or error. */
static int sign_offer(struct cpc_node *n, struct cpc_platform *p, const struct cpc_pwallet *w,
                      struct cpc_payload_rental_open *pl, struct cpc_err *err)
{
    uint8_t sk[CPC_SECKEY_LEN];
    int rc = cpc__wallet_unseal(p, w, sk, err);
    if (rc == 0 && cpc_pubkey_from_seckey(n->signer, pl->provider_pubkey, sk) != 0)
        rc = cpc_err_set(err, CPC_ERR_CRYPTO, "cannot derive the provider's public key");
    if (rc == 0)
        rc = cpc_rental_offer_sign(pl->provider_sig, n->signer, sk, n->params.chain_id,
                                   &pl->offer);
    sodium_memzero(sk, sizeof sk);
    return rc;
}

/* The deposit for o at cost per minute from a committed balance, fee apart: 0 when the
 * balance cannot cover one hour (answered 402), else the deposit. */
static uint64_t deposit_for(struct cpc_http_res *res, uint32_t hours, uint64_t cost,
                            uint64_t balance, uint64_t fee)
{
    uint64_t want, hour;
    if (__builtin_mul_overflow((uint64_t)hours * 60u, cost, &want) ||
        __builtin_mul_overflow((uint64_t)60u, cost, &hour))
        want = hour = UINT64_MAX;
    uint64_t have = balance > fee ? balance - fee : 0;
    if (have < hour) {
        char need_s[CPC_AMOUNT_STR_MAX], have_s[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(need_s, hour == UINT64_MAX ? UINT64_MAX : hour + fee);
        cpc_amount_format(have_s, balance);
        cpc_http_res_error(res, 402, "insufficient_funds",
                           "the first hour and the fee cost %s CPC; your balance is %s CPC",
                           need_s, have_s);
        return 0;
    }
    return want <= have ? want : have / cost * cost;
}

/* The server id of r as 16 bytes: 0 or -1. */
static int uuid_ok(const struct cpc_pserver *r, uint8_t out[16])
{
    return cpc_uuid_parse(out, r->id) == 0 ? 0 : -1;
}

/* ---- POST /rentals ---- */

struct order_ctx {
    uint32_t bps; /* the provider's commission, as the chain reads it now */
    struct cpc_rental_order o;
    struct cpc_pserver server;
    struct cpc_pwallet provider, wallet;
    struct cpc_tx tx;
    struct cpc_prental row;
};

int cpc__rental_chain_record(struct cpc_node *n, const char *id, struct cpc_rental *rec,
                             uint64_t *escrow, struct cpc_err *err)
{
    uint8_t raw[32], key[33], esc[CPC_ADDR_HASH_LEN];
    if (strlen(id) != 64 || cpc_hex_decode_exact(raw, 32, id) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "rental id %s is not hex", id), -1;
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_node_obj_get(n, key, cpc_key_rental(key, raw), &b);
    if (rc == 0 && cpc_rental_decode(rec, raw, b.data, b.len) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "rental %s: corrupt record", id);
    else if (rc != 0 && rc != CPC_ERR_NOT_FOUND)
        cpc_err_set(err, rc, "reading rental %s", id);
    cpc_buf_free(&b);
    if (rc == CPC_ERR_NOT_FOUND)
        return 0;
    if (rc != 0)
        return -1;
    if (escrow) {
        struct cpc_account acc;
        cpc_rental_escrow_address(esc, raw);
        cpc_node_account(n, esc, &acc);
        *escrow = acc.balance;
    }
    return 1;
}

/* Where rental id (created at created_ms; ended_ms as its row says, 0 = open) stands:
 * *status pending / open / ended / failed (no record a minute after its offer expired);
 * 1 with *rec and *escrow when the chain has the record, 0 without; the row's end is
 * recorded when the chain or the expiry says so. -1 with err on an error. */
static int rental_state(struct cpc_node *n, struct cpc_platform *p, const char *id,
                        uint64_t created_ms, uint64_t ended_ms, struct cpc_rental *rec,
                        uint64_t *escrow, const char **status, struct cpc_err *err)
{
    int found = cpc__rental_chain_record(n, id, rec, escrow, err);
    if (found < 0)
        return -1;
    uint64_t now = cpc_platform_now(p), ended = 0;
    *status = "pending";
    if (found)
        *status = rec->status == CPC_RENTAL_ENDED ? "ended" : "open";
    else if (now > created_ms + CPC_RENTAL_OFFER_TTL_MS + CPC_RENTAL_MINUTE_MS)
        *status = "failed"; /* its offer expired before any block took it */
    if (found && rec->status == CPC_RENTAL_ENDED)
        ended = rec->ended_ms;
    else if (!found && !strcmp(*status, "failed"))
        ended = now;
    if (ended && !ended_ms && cpc_pstore_rental_set_ended(p->store, id, ended, err))
        return -1;
    return found;
}

struct open_rows {
    size_t n;
    struct {
        char id[65];
        uint64_t created_ms;
    } rows[CPC_SERVER_PORT_SPAN_MAX];
};

static int keep_open(void *arg, const struct cpc_prental *r)
{
    struct open_rows *o = arg;
    snprintf(o->rows[o->n].id, sizeof o->rows[o->n].id, "%s", r->id);
    o->rows[o->n++].created_ms = r->created_ms;
    return o->n >= CPC_SERVER_PORT_SPAN_MAX;
}

/* Record the end of server_id's rentals the platform counts open but the chain ended
 * (or that never opened), so their ports are free again: at most one port span of rows.
 * 0 or an error. */
static int sync_server(struct cpc_node *n, struct cpc_platform *p, const char *server_id,
                       struct cpc_err *err)
{
    struct open_rows *o = calloc(1, sizeof *o);
    if (!o)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = cpc_pstore_rental_list_open(p->store, server_id, CPC_SERVER_PORT_SPAN_MAX,
                                         keep_open, o, err);
    struct cpc_rental rec;
    uint64_t escrow;
    const char *status;
    for (size_t i = 0; rc == 0 && i < o->n; i++)
        rc = rental_state(n, p, o->rows[i].id, o->rows[i].created_ms, 0, &rec, &escrow, &status,
                          err) < 0
                 ? -1
                 : 0;
    free(o);
    return rc;
}

/* Under the custody lock: port, offer, RENTAL_OPEN, admission, row. 0 or -1 answered. */
static int place_order(struct cpc_http_req *req, struct cpc_http_res *res,
                       struct cpc_platform *p, int64_t user, struct order_ctx *c, char hash[65])
{
    struct cpc_node *n = req->app;
    struct cpc_err err = {0};
    uint32_t port = 0;
    int rc = sync_server(n, p, c->server.id, &err);
    if (rc == 0)
        rc = cpc_pstore_rental_free_port(p->store, c->server.id, c->server.ssh_port_min,
                                         c->server.ssh_port_max, &port, &err);
    if (rc == CPC_ERR_TOO_LARGE || rc == CPC_ERR_NOT_FOUND) {
        cpc_http_res_error(res, 409, "server_full", "every SSH port of this server is rented");
        return -1;
    }
    uint64_t rate = server_rate(&c->server);
    struct cpc_payload_rental_open *pl = &c->tx.u.rental_open;
    c->tx.type = CPC_TX_RENTAL_OPEN;
    c->tx.gas_price = n->params.min_gas_price;
    if (rc == 0 && (uuid_ok(&c->server, pl->offer.server_id) != 0 || !rate ||
                    cpc_address_decode(pl->offer.provider, c->provider.custodial_address) != 0))
        rc = cpc_err_set(&err, CPC_ERR_INTERNAL, "server %s: bad id, price or provider",
                         c->server.id);
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    pl->offer.rate_per_minute = rate;
    pl->offer.expires_ms = cpc_platform_now(p) + CPC_RENTAL_OFFER_TTL_MS;
    uint8_t from[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
    uint64_t fee = 0;
    if (cpc_address_decode(from, c->wallet.custodial_address) != 0 ||
        cpc_tx_fee(&c->tx, &fee) != 0) {
        cpc_err_set(&err, CPC_ERR_INTERNAL, "wallet of user %lld: bad address or fee",
                    (long long)user);
        cpc__auth_internal(res, &err);
        return -1;
    }
    if (cpc__rental_commission_bps(n, pl->offer.provider, &c->bps, &err) != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    cpc_node_account(n, from, &acc);
    pl->deposit = deposit_for(res, c->o.hours, cpc_rental_minute_cost(rate, c->bps), acc.balance,
                              fee);
    if (!pl->deposit)
        return -1;
    if (sign_offer(n, p, &c->provider, pl, &err) != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    if (cpc_custody_sign_admit(n, res, &c->wallet, &c->tx, hash) != 0)
        return -1;
    struct cpc_prental *row = &c->row;
    snprintf(row->id, sizeof row->id, "%s", hash);
    row->user = user;
    snprintf(row->server_id, sizeof row->server_id, "%s", c->server.id);
    snprintf(row->ssh_public_key, sizeof row->ssh_public_key, "%s", c->o.ssh_public_key);
    snprintf(row->image, sizeof row->image, "%s", c->o.image);
    row->hours = c->o.hours;
    row->ssh_port = port;
    row->created_ms = cpc_platform_now(p);
    if (cpc_pstore_rental_add(p->store, row, &err) != 0) { /* the tx is in: say so */
        cpc_err_prefix(&err, "RENTAL_OPEN %s admitted, its row not recorded", hash);
        cpc__auth_internal(res, &err);
        return -1;
    }
    char d[128];
    snprintf(d, sizeof d, "id=%s server=%s", hash, c->server.id);
    cpc__auth_audit(p, user, "rental_ordered", d);
    return 0;
}

void cpc_h_rentals_post(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_platform *p = customer(req, res, CPC_SCOPE_ACCOUNT, &u);
    if (!p)
        return;
    json_t *j = order_body(req, res);
    if (!j)
        return;
    struct order_ctx *c = calloc(1, sizeof *c);
    struct cpc_rental_body_err e;
    struct cpc_err err = {0};
    char hash[65];
    int locked = 0;
    if (!c) {
        cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (cpc_rental_body_parse(j, &c->o, &e) != 0) {
        cpc_http_res_error(res, 400, e.code, "%s", e.msg);
        goto out;
    }
    if (cpc__wallet_ensure(p, u.id, &c->wallet, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (c->wallet.linked_address[0]) {
        cpc_http_res_error(res, 409, "wallet_linked",
                           "your wallet is linked to %s, whose key this node does not hold: "
                           "send the RENTAL_OPEN yourself (POST /tx)",
                           c->wallet.linked_address);
        goto out;
    }
    if (choose_server(req, res, p, u.id, &c->o, &c->server, &c->provider) != 0)
        goto out;
    locked = cpc_custody_lock(req->app);
    if (place_order(req, res, p, u.id, c, hash) != 0)
        goto out;
    cpc_market_sync_kick(((struct cpc_node *)req->app)->market_sync); /* unlist it on Vast */
    const struct cpc_payload_rental_open *pl = &c->tx.u.rental_open;
    uint64_t cost = cpc_rental_minute_cost(pl->offer.rate_per_minute, c->bps);
    cpc_http_res_json(
        res, 202,
        json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:s}", "id", hash,
                  "tx_hash", hash, "server_id", c->server.id, "gpu_model", c->server.gpu_model,
                  "gpu_count", (int)c->server.gpu_count, "image", c->o.image, "hours",
                  (int)c->o.hours, "rate_per_minute", (json_int_t)pl->offer.rate_per_minute,
                  "commission_per_minute", (json_int_t)(cost - pl->offer.rate_per_minute),
                  "deposit", (json_int_t)pl->deposit, "minutes_covered",
                  (json_int_t)(pl->deposit / cost), "ssh_port", (json_int_t)c->row.ssh_port,
                  "status", "pending"));
out:
    if (locked)
        cpc_custody_unlock(req->app);
    if (c)
        cpc_tx_clear(&c->tx);
    free(c);
    json_decref(j);
}

/* ---- views ---- */

json_t *cpc__rental_json(struct cpc_node *n, struct cpc_platform *p, const struct cpc_prental *r,
                         struct cpc_err *err)
{
    struct cpc_rental rec;
    uint64_t escrow = 0;
    const char *status;
    int found = rental_state(n, p, r->id, r->created_ms, r->ended_ms, &rec, &escrow, &status, err);
    if (found < 0)
        return NULL;
    static const char *const reasons[] = {NULL, "customer", "provider", "funds"};
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "id", r->id, "tx_hash", r->id,
                          "server_id", r->server_id, "image", r->image, "hours", (int)r->hours,
                          "status", status);
    cpc__auth_json_time(o, "created_at", r->created_ms);
    json_t *prov = o ? cpc__rental_provisioning_json(p, r->id, err) : NULL;
    if (!prov) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "provisioning", prov);
    if (!found)
        return o;
    uint64_t comm = cpc_rental_commission(rec.rate_per_minute, rec.commission_bps);
    uint64_t cost = rec.rate_per_minute + comm;
    json_object_set_new(o, "rate_per_minute", json_integer((json_int_t)rec.rate_per_minute));
    json_object_set_new(o, "commission_per_minute", json_integer((json_int_t)comm));
    json_object_set_new(o, "deposit", json_integer((json_int_t)rec.deposit));
    json_object_set_new(o, "minutes_paid", json_integer((json_int_t)rec.paid_minutes));
    json_object_set_new(o, "paid_to_provider",
                        json_integer((json_int_t)(rec.paid_minutes * rec.rate_per_minute)));
    json_object_set_new(o, "commission_paid", json_integer((json_int_t)(rec.paid_minutes * comm)));
    json_object_set_new(o, "escrow_left", json_integer((json_int_t)escrow));
    cpc__auth_json_time(o, "opened_at", rec.opened_ms);
    uint64_t until = rec.status == CPC_RENTAL_ENDED
                         ? rec.ended_ms
                         : rec.settled_ms + escrow / cost * cpc_rental_minute_ms(&n->params);
    cpc__auth_json_time(o, "ends_at", until);
    json_object_set_new(o, "funded_until_ms", json_integer((json_int_t)until));
    json_object_set_new(o, "commission_bps", json_integer((json_int_t)rec.commission_bps));
    cpc__auth_json_time(o, "ended_at", rec.status == CPC_RENTAL_ENDED ? rec.ended_ms : 0);
    json_object_set_new(o, "end_reason", rec.end_reason < 4 && reasons[rec.end_reason]
                                             ? json_string(reasons[rec.end_reason])
                                             : json_null());
    return o;
}

struct list_ctx {
    struct cpc_prental *rows;
    size_t n;
};

static int keep_row(void *arg, const struct cpc_prental *r)
{
    struct list_ctx *l = arg;
    l->rows[l->n++] = *r;
    return 0;
}

void cpc_h_rentals_list(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_platform *p = customer(req, res, CPC_SCOPE_READ, &u);
    uint64_t limit, offset;
    if (!p || cpc_http_req_query_uint(req, res, "limit", 20, 1, CPC_RENTAL_PAGE_MAX, &limit) ||
        cpc_http_req_query_uint(req, res, "offset", 0, 0, 1000000, &offset))
        return;
    struct list_ctx l = {calloc(limit, sizeof *l.rows), 0};
    struct cpc_err err = {0};
    json_t *arr = json_array();
    int rc = l.rows ? cpc_pstore_rental_list_user(p->store, u.id, limit, offset, keep_row, &l,
                                                  &err)
                    : cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        json_t *o = cpc__rental_json(req->app, p, &l.rows[i], &err);
        rc = o ? json_array_append_new(arr, o) : -1;
    }
    free(l.rows);
    if (rc != 0) {
        json_decref(arr);
        cpc__auth_internal(res, &err);
        return;
    }
    cpc_http_res_json(res, 200, json_pack("{s:o, s:I, s:I}", "rentals", arr, "limit",
                                          (json_int_t)limit, "offset", (json_int_t)offset));
}

struct cpc_platform *cpc__rental_own(struct cpc_http_req *req, struct cpc_http_res *res,
                                     uint32_t scope, struct cpc_puser *u, struct cpc_prental *r)
{
    struct cpc_platform *p = customer(req, res, scope, u);
    if (!p)
        return NULL;
    const char *id = req->n_params ? req->params[0] : "";
    uint8_t raw[32];
    struct cpc_err err = {0};
    int rc = strlen(id) == 64 && cpc_hex_decode_exact(raw, 32, id) == 0
                 ? cpc_pstore_rental_get(p->store, id, r, &err)
                 : CPC_ERR_NOT_FOUND;
    if (rc == CPC_ERR_NOT_FOUND || (rc == 0 && r->user != u->id)) {
        cpc_http_res_error(res, 404, "not_found", "no such rental");
        return NULL;
    }
    if (rc != 0) {
        cpc__auth_internal(res, &err);
        return NULL;
    }
    return p;
}

void cpc_h_rental_get(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_prental *r = malloc(sizeof *r);
    struct cpc_platform *p = r ? cpc__rental_own(req, res, CPC_SCOPE_READ, &u, r) : NULL;
    struct cpc_err err = {0};
    json_t *o = p ? cpc__rental_json(req->app, p, r, &err) : NULL;
    if (o)
        cpc_http_res_json(res, 200, o);
    else if (p || !r)
        cpc__auth_internal(res, &err);
    free(r);
}

void cpc_h_rental_connection(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_prental *r = malloc(sizeof *r);
    struct cpc_platform *p = r ? cpc__rental_own(req, res, CPC_SCOPE_READ, &u, r) : NULL;
    struct cpc_pserver s;
    struct cpc_err err = {0};
    int rc = p ? cpc_pstore_server_get(p->store, r->server_id, &s, &err) : 0;
    if (p && rc == CPC_ERR_NOT_FOUND)
        cpc_http_res_error(res, 410, "server_gone", "the provider deleted this server");
    else if ((p && rc != 0) || !r)
        cpc__auth_internal(res, &err);
    else if (p) {
        char cmd[320];
        snprintf(cmd, sizeof cmd, "ssh -p %u cpc@%s", r->ssh_port, s.host);
        cpc_http_res_json(res, 200,
                          json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "id", r->id, "host", s.host,
                                    "port", (int)r->ssh_port, "user", "cpc", "command", cmd,
                                    "image", r->image));
    }
    free(r);
}

int cpc__rental_tx_pending(struct cpc_node *n, const char *hash)
{
    uint8_t h[32];
    struct cpc_tx tx;
    if (strlen(hash) != 64 || cpc_hex_decode_exact(h, 32, hash) != 0)
        return 0;
    memset(&tx, 0, sizeof tx);
    int rc = cpc_mempool_get(n->mempool, h, &tx);
    cpc_tx_clear(&tx);
    return rc != CPC_ERR_NOT_FOUND; /* NOMEM: say pending rather than send twice */
}

/* Under the custody lock: row r of the caller, re-read (a DELETE beside this one may have
 * sent its RENTAL_END), then the RENTAL_END signed by the caller's custodial key. */
static void end_rental(struct cpc_http_req *req, struct cpc_http_res *res,
                       struct cpc_platform *p, int64_t user, struct cpc_prental *r)
{
    struct cpc_node *n = req->app;
    struct cpc_err err = {0};
    struct cpc_pwallet w;
    struct cpc_rental rec;
    uint64_t escrow = 0;
    int found = -1;
    if (cpc_pstore_rental_get(p->store, r->id, r, &err) != 0 ||
        (found = cpc__rental_chain_record(n, r->id, &rec, &escrow, &err)) < 0 ||
        (found && cpc__wallet_ensure(p, user, &w, &err) != 0)) {
        cpc__auth_internal(res, &err);
    } else if (!found) {
        cpc_http_res_error(res, 409, "not_open", "the rental is not open yet (no block took it)");
    } else if (rec.status == CPC_RENTAL_ENDED) {
        cpc_http_res_error(res, 409, "already_ended", "the rental has ended");
    } else if (r->end_tx[0] && cpc__rental_tx_pending(n, r->end_tx)) {
        cpc_http_res_error(res, 409, "ending", "a RENTAL_END of this rental is pending: tx %s",
                           r->end_tx);
    } else if (w.linked_address[0]) {
        cpc_http_res_error(res, 409, "wallet_linked",
                           "your wallet is linked: send the RENTAL_END yourself (POST /tx)");
    } else {
        struct cpc_tx tx;
        char hash[65];
        memset(&tx, 0, sizeof tx);
        tx.type = CPC_TX_RENTAL_END;
        memcpy(tx.u.rental_end.rental_id, rec.id, 32);
        if (cpc_custody_sign_admit(n, res, &w, &tx, hash) == 0) {
            if (cpc_pstore_rental_set_end_tx(p->store, r->id, hash, &err) != 0)
                cpc__auth_internal(res, &err); /* sent, not recorded */
            else
                cpc_http_res_json(res, 202, json_pack("{s:s, s:s, s:s}", "id", r->id, "tx_hash",
                                                      hash, "status", "ending"));
        }
        cpc_tx_clear(&tx);
    }
}

void cpc_h_rental_delete(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_puser u;
    struct cpc_prental *r = malloc(sizeof *r);
    struct cpc_platform *p = r ? cpc__rental_own(req, res, CPC_SCOPE_ACCOUNT, &u, r) : NULL;
    if (!r) {
        struct cpc_err err = {0};
        cpc_err_set(&err, CPC_ERR_NOMEM, "out of memory");
        cpc__auth_internal(res, &err);
    } else if (p) {
        int locked = cpc_custody_lock(req->app);
        end_rental(req, res, p, u.id, r);
        if (locked)
            cpc_custody_unlock(req->app);
    }
    free(r);
}

/* routes_wallet_send.c — POST /me/wallet/send (routes_wallet_send.h).
 *
 * Design note. The only route that moves a user's CPC out of the custodial
 * wallet, so it asks more than a session: an access token (never an API
 * key: CPC_SCOPE_SESSION), the account password on every call (argon2id, as
 * login; a wrong one counts toward the login lockout: 5 failures lock the
 * account 15 minutes, and a locked account cannot send), and the second
 * factor when 2FA is on (a wrong code counts too). The body is decoded and
 * checked before the password (cheap errors first; argon2 is the slow
 * part, run outside any lock). Then, under the custody lock (custody.h), the
 * committed balance less pending withdrawals (routes_money.h) must cover
 * amount + fee, and the TRANSFER is signed and
 * admitted like POST /tx; the mempool's admission (pending txs included) is
 * the final judge and its error is answered as POST /tx answers it. The lock
 * makes concurrent sends take consecutive nonces. The daily limit
 * (wallet_limit.h) is checked before the password, so a refused send spends
 * no code, and binding under the lock, where the send is recorded before it
 * is signed (dropped again when it is not admitted). A send leaves a
 * `wallet_send` audit row (besides custody's `custodial_tx`) and mails the
 * user a notice with the amount, recipient and tx hash, so a stolen session
 * cannot drain a wallet unnoticed. The password and code are wiped after
 * use; neither is logged.
 */
#include "routes_wallet_send.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "../core/amount.h"
#include "../core/state.h"
#include "../core/tx.h"
#include "../store/platform_store.h"
#include "auth_http.h"
#include "custody.h"
#include "mailer.h"
#include "../node/node.h"
#include "platform.h"
#include "routes_2fa.h"
#include "routes_wallet.h"
#include "wallet_limit.h"

/* The login's lockout rule (routes_auth.c): wrong passwords and codes here count too. */
#define SEND_MAX_FAILS 5u
#define SEND_LOCK_MS (15u * 60u * 1000u)

#define SHAPE                                                                                    \
    "{\"to\": cpc1 address, \"amount\": integer (base units) or \"amount_cpc\": \"12.5\", "      \
    "\"password\": string, \"totp\"?: string}"

static int bad(int *status, const char **code, int st, const char *c)
{
    *status = st;
    *code = c;
    return -1;
}

/* The amount of exactly one of amount (integer) or amount_cpc (string) into *out. */
static int parse_amount(const json_t *a, const json_t *acpc, uint64_t *out, struct cpc_err *err)
{
    if (!a == !acpc)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "send exactly one of \"amount\" (an integer of base units, 1 CPC = "
                           "10^9) or \"amount_cpc\" (a CPC decimal string such as \"12.5\")");
    if (a) {
        if (!json_is_integer(a))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "amount must be an integer of base units (1 CPC = 10^9); send a "
                               "CPC decimal as \"amount_cpc\": \"12.5\"");
        json_int_t v = json_integer_value(a);
        if (v < 1)
            return cpc_err_set(err, CPC_ERR_INVALID, "amount must be at least 1 base unit");
        *out = (uint64_t)v;
        return 0;
    }
    const char *s = json_string_value(acpc);
    int rc = s ? cpc_amount_parse(out, s) : CPC_ERR_INVALID;
    if (rc != 0 || *out > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "amount_cpc must be a CPC decimal string such as \"12.5\" (no sign, "
                           "at most 9 decimals, at most %lld base units)",
                           (long long)INT64_MAX);
    if (*out == 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "amount_cpc must be more than 0");
    return 0;
}

int cpc_wallet_send_parse(const char *body, size_t len, struct cpc_wallet_send_req *out,
                          int *status, const char **code, struct cpc_err *err)
{
    memset(out, 0, sizeof *out);
    if (len == 0) {
        cpc_err_set(err, CPC_ERR_INVALID, "request body is empty");
        return bad(status, code, 400, "invalid_json");
    }
    if (len > CPC_AUTH_BODY_MAX) {
        cpc_err_set(err, CPC_ERR_TOO_LARGE, "body is at most %d bytes", CPC_AUTH_BODY_MAX);
        return bad(status, code, 413, "too_large");
    }
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        cpc_err_set(err, CPC_ERR_INVALID, "body is not valid JSON: %s", je.text);
        return bad(status, code, 400, "invalid_json");
    }
    const char *to = NULL, *pw = NULL, *totp = NULL;
    size_t pw_len = 0;
    json_t *a = NULL, *acpc = NULL;
    int rc = -1;
    if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s, s?o, s?o, s:s%, s?s}", "to", &to, "amount", &a,
                       "amount_cpc", &acpc, "password", &pw, &pw_len, "totp", &totp) != 0) {
        cpc_err_set(err, CPC_ERR_INVALID, "body must be %s: %s", SHAPE, je.text);
        bad(status, code, 400, "invalid_argument");
        goto out;
    }
    if (pw_len > CPC_WALLET_SEND_PW_MAX || (totp && strlen(totp) > CPC_WALLET_SEND_CODE_MAX)) {
        cpc_err_set(err, CPC_ERR_INVALID, "password is at most %d bytes, totp at most %d",
                    CPC_WALLET_SEND_PW_MAX, CPC_WALLET_SEND_CODE_MAX);
        bad(status, code, 400, "invalid_argument");
        goto out;
    }
    if (cpc_address_decode(out->to, to) != 0) {
        cpc_err_set(err, CPC_ERR_INVALID, "to is not a valid cpc1 address");
        bad(status, code, 400, "invalid_address");
        goto out;
    }
    cpc_address_encode(out->to_str, out->to);
    if (parse_amount(a, acpc, &out->amount, err) != 0) {
        bad(status, code, 400, "invalid_amount");
        goto out;
    }
    memcpy(out->password, pw, pw_len);
    out->password_len = pw_len;
    if (totp)
        snprintf(out->totp, sizeof out->totp, "%s", totp);
    rc = 0;
out:
    /* the parsed copies of the secrets die with j: wipe them first */
    if (pw)
        sodium_memzero((char *)pw, pw_len);
    if (totp)
        sodium_memzero((char *)totp, strlen(totp));
    json_decref(j);
    if (rc != 0)
        cpc_wallet_send_req_wipe(out);
    return rc;
}

void cpc_wallet_send_req_wipe(struct cpc_wallet_send_req *r)
{
    sodium_memzero(r, sizeof *r);
}

static void locked_answer(struct cpc_http_res *res, uint64_t until, uint64_t now)
{
    char when[32], ra[24];
    cpc__auth_iso_time(when, until);
    snprintf(ra, sizeof ra, "%llu", (unsigned long long)((until - now + 999u) / 1000u));
    cpc_http_res_error(res, 423, "account_locked",
                       "account locked until %s after %u failed logins or sends", when,
                       SEND_MAX_FAILS);
    cpc_http_res_header(res, "Retry-After", ra);
}

/* Password, then the second factor when 2FA is on; a wrong one counts as a failed
 * login. 0 when both pass, else -1 with the answer set (401, 423, 500). */
static int reauth(struct cpc_platform *p, struct cpc_http_req *req, struct cpc_http_res *res,
                  const struct cpc_puser *u, const struct cpc_wallet_send_req *r)
{
    struct cpc_err err = {0};
    const char *ip = cpc__auth_ip(req);
    int good = crypto_pwhash_str_verify(u->password_hash, r->password, r->password_len) == 0;
    int totp_bad = 0;
    if (good && u->totp_enabled) {
        if (!r->totp[0]) {
            cpc_http_res_error(res, 401, "totp_required",
                               "this account uses two-factor authentication: send \"totp\" "
                               "(the 6-digit code, or a recovery code)");
            return -1;
        }
        int ok = 0;
        if (cpc__auth_second_factor(p, u->id, r->totp, &ok, &err) != 0) {
            cpc__auth_internal(res, &err);
            return -1;
        }
        good = ok;
        totp_bad = !ok;
    }
    if (good) {
        if (cpc_pstore_user_login_ok(p->store, u->id, &err) != 0) {
            cpc__auth_internal(res, &err);
            return -1;
        }
        return 0;
    }
    uint64_t now = cpc_platform_now(p);
    int locked = 0;
    if (cpc_pstore_user_login_failed(p->store, u->id, SEND_MAX_FAILS, now + SEND_LOCK_MS, &locked,
                                     &err) != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    cpc__auth_audit(p, u->id, totp_bad ? "wallet_send_totp_failed" : "wallet_send_failed", ip);
    if (locked) {
        cpc__auth_audit(p, u->id, "lockout", ip);
        CPC_LOGW("wallet: account %lld locked for 15 min after %u failed sends or logins",
                 (long long)u->id, SEND_MAX_FAILS);
        locked_answer(res, now + SEND_LOCK_MS, now);
    } else if (totp_bad) {
        cpc_http_res_error(res, 401, "invalid_totp", "wrong, reused or spent two-factor code");
    } else {
        cpc_http_res_error(res, 401, "invalid_credentials", "wrong password");
    }
    return -1;
}

/* Under the custody lock: the committed balance covers amount + fee, the daily limit
 * records the send, then sign and admit (the record is dropped when that fails). 0 with
 * tx signed and hash set, or -1 with the answer set. */
static int send_locked(struct cpc_node *n, struct cpc_http_res *res, const struct cpc_pwallet *w,
                       const struct cpc_wallet_send_req *r, struct cpc_tx *tx, char hash[65])
{
    uint8_t from[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
    uint64_t fee = 0, need = 0;
    char have_s[CPC_AMOUNT_STR_MAX], max_s[CPC_AMOUNT_STR_MAX], fee_s[CPC_AMOUNT_STR_MAX];
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_TRANSFER;
    memcpy(tx->u.transfer.to, r->to, sizeof r->to);
    tx->u.transfer.amount = r->amount;
    tx->gas_price = n->params.min_gas_price;
    if (cpc_address_decode(from, w->custodial_address) != 0 || cpc_tx_fee(tx, &fee) != 0) {
        cpc_http_res_error(res, 500, "internal_error", "wallet of user %lld: bad address or fee",
                           (long long)w->user);
        return -1;
    }
    cpc_node_account(n, from, &acc);
    /* CPC locked by pending withdrawals (routes_money.c) is not the user's to send */
    uint64_t locked = 0;
    struct cpc_err err = {0};
    if (cpc_pstore_withdrawal_locked(n->platform->store, w->user, &locked, NULL, &err) != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    uint64_t have = acc.balance > locked ? acc.balance - locked : 0;
    if (!cpc_add_u64(&need, r->amount, fee) || need > have) {
        cpc_amount_format(have_s, have);
        cpc_amount_format(max_s, have > fee ? have - fee : 0);
        cpc_amount_format(fee_s, fee);
        cpc_http_res_error(res, 400, "insufficient_balance",
                           "Insufficient balance: have %s CPC available (less pending "
                           "withdrawals), can send at most %s CPC (the fee is %s CPC)",
                           have_s, max_s, fee_s);
        return -1;
    }
    int64_t rec = 0;
    if (cpc_wallet_limit_reserve(n->platform, res, w->user, r->amount, &rec) != 0)
        return -1;
    int rc = cpc_custody_sign_admit(n, res, w, tx, hash);
    cpc_wallet_limit_settle(n->platform, rec, rc == 0 ? hash : NULL);
    return rc;
}

/* Tell the user their wallet sent CPC (queued; a failure is logged, not answered:
 * the tx is already admitted). */
static void notify(struct cpc_platform *p, const struct cpc_puser *u, const struct cpc_pwallet *w,
                   const struct cpc_tx *tx, const char *hash)
{
    char amt[CPC_AMOUNT_STR_MAX], fee_s[CPC_AMOUNT_STR_MAX], to[CPC_ADDR_STR_MAX], when[32];
    char subject[96], body[1024];
    uint64_t fee = 0;
    cpc_tx_fee(tx, &fee);
    cpc_amount_format(amt, tx->u.transfer.amount);
    cpc_amount_format(fee_s, fee);
    cpc_address_encode(to, tx->u.transfer.to);
    cpc__auth_iso_time(when, cpc_platform_now(p));
    snprintf(subject, sizeof subject, "ComputeChain: you sent %s CPC", amt);
    snprintf(body, sizeof body,
             "Your ComputeChain wallet %s sent %s CPC to %s at %s.\n"
             "Fee: %s CPC. Transaction: %s (nonce %llu).\n\n"
             "If you did not make this transfer, change your password now, sign out "
             "everywhere (POST /auth/logout-all) and contact the operator of this node.\n",
             w->custodial_address, amt, to, when, fee_s, hash, (unsigned long long)tx->nonce);
    struct cpc_err err = {0};
    if (cpc_mailer_send(p->mailer, u->email, subject, body, &err) != 0)
        CPC_LOGE("wallet: queueing the send notice of user %lld: %s", (long long)u->id, err.msg);
}

void cpc_h_me_wallet_send(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = req->app;
    struct cpc_platform *p = cpc__auth_plat(req);
    struct cpc_puser u;
    if (cpc__auth_bearer(req, res, p, &u, CPC_SCOPE_SESSION) != 0)
        return;
    struct cpc_wallet_send_req r;
    struct cpc_pwallet w;
    struct cpc_err err = {0};
    struct cpc_tx tx;
    int status = 0, have_tx = 0;
    const char *code = NULL;
    char hash[65];
    memset(&w, 0, sizeof w);
    memset(&tx, 0, sizeof tx);
    if (cpc_wallet_send_parse(req->body, req->body_len, &r, &status, &code, &err) != 0) {
        cpc_http_res_error(res, status, code, "%s", err.msg);
        goto out;
    }
    uint64_t now = cpc_platform_now(p);
    if (u.locked_until_ms > now) {
        locked_answer(res, u.locked_until_ms, now);
        goto out;
    }
    if (cpc__wallet_ensure(p, u.id, &w, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (w.linked_address[0]) {
        cpc_http_res_error(res, 400, "linked_wallet",
                           "your wallet is linked to %s, whose key this node does not hold: sign "
                           "the TRANSFER with it and send it to POST /tx",
                           w.linked_address);
        goto out;
    }
    if (!strcmp(r.to_str, w.custodial_address)) {
        cpc_http_res_error(res, 400, "invalid_address", "to is this wallet's own address");
        goto out;
    }
    struct cpc_wallet_allowance allow;
    if (cpc_wallet_allowance(p, u.id, now, &allow, &err) != 0) {
        cpc__auth_internal(res, &err);
        goto out;
    }
    if (allow.limit && r.amount > allow.remaining) { /* before the password: no code spent */
        cpc_wallet_limit_refuse(p, res, u.id, &allow, r.amount, now);
        goto out;
    }
    if (reauth(p, req, res, &u, &r) != 0)
        goto out;
    int locked = cpc_custody_lock(n);
    int rc = send_locked(n, res, &w, &r, &tx, hash);
    have_tx = 1;
    if (locked)
        cpc_custody_unlock(n);
    if (rc != 0)
        goto out;
    char amt[CPC_AMOUNT_STR_MAX], d[200];
    cpc_amount_format(amt, r.amount);
    snprintf(d, sizeof d, "%s CPC to %s tx %s nonce %llu", amt, r.to_str, hash,
             (unsigned long long)tx.nonce);
    cpc__auth_audit(p, u.id, "wallet_send", d);
    notify(p, &u, &w, &tx, hash);
    uint64_t fee = 0;
    cpc_tx_fee(&tx, &fee);
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:I, s:s}", "hash", hash, "nonce",
                                (json_int_t)tx.nonce, "from", w.custodial_address, "to", r.to_str,
                                "amount", (json_int_t)r.amount, "amount_cpc", amt, "fee",
                                (json_int_t)fee, "status", "pending"));
out:
    if (have_tx)
        cpc_tx_clear(&tx);
    cpc_wallet_send_req_wipe(&r);
    sodium_memzero(&w, sizeof w);
}

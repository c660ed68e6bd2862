/* wallet_limit.c — the daily limit of custodial transfers (wallet_limit.h).
 *
 * Design note. The window is rolling: a send recorded at t counts while
 * now < t + 24 h, so "since" is now - 24 h, exclusive. The store does the
 * binding test and the record in one statement; this file turns the
 * numbers into answers.
 */
#include "wallet_limit.h"

#include <stdio.h>
#include <string.h>

#include "../common/config.h"
#include "../common/log.h"
#include "../core/amount.h"
#include "../store/platform_store.h"
#include "auth_http.h"
#include "../http/httpd.h"
#include "platform.h"

#define KEY "wallet_send_daily_limit_cpc"

int cpc_wallet_limit_read(uint64_t *limit, const struct cpc_config *c, struct cpc_err *err)
{
    *limit = 0;
    const char *v = cpc_config_get(c, "platform", KEY);
    if (!v || !*v)
        return 0;
    uint64_t x = 0;
    if (cpc_amount_parse(&x, v) != 0 || x > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "[platform] " KEY " must be a CPC decimal such as \"250\" or \"0.5\" "
                           "(at most 9 decimals, at most %lld base units; 0 = no limit), not "
                           "\"%s\"",
                           (long long)INT64_MAX, v);
    *limit = x;
    return 0;
}

static uint64_t since_of(uint64_t now_ms)
{
    return now_ms > CPC_WALLET_SEND_WINDOW_MS ? now_ms - CPC_WALLET_SEND_WINDOW_MS : 0;
}

int cpc_wallet_allowance(struct cpc_platform *p, int64_t user, uint64_t now_ms,
                         struct cpc_wallet_allowance *a, struct cpc_err *err)
{
    memset(a, 0, sizeof *a);
    a->limit = p->send_daily_limit;
    if (!a->limit)
        return 0;
    struct cpc_psend_window w;
    int rc = cpc_pstore_send_window(p->store, user, since_of(now_ms), &w, err);
    if (rc != 0)
        return rc;
    a->sent = w.sum;
    a->remaining = w.sum < a->limit ? a->limit - w.sum : 0;
    if (w.count) {
        a->frees_ms = w.oldest_ms + CPC_WALLET_SEND_WINDOW_MS;
        a->frees_amount = w.oldest_amount;
    }
    return 0;
}

void cpc_wallet_limit_refuse(struct cpc_platform *p, struct cpc_http_res *res, int64_t user,
                             const struct cpc_wallet_allowance *a, uint64_t amount,
                             uint64_t now_ms)
{
    char lim[CPC_AMOUNT_STR_MAX], rem[CPC_AMOUNT_STR_MAX], sent[CPC_AMOUNT_STR_MAX];
    char amt[CPC_AMOUNT_STR_MAX], fr[CPC_AMOUNT_STR_MAX], when[32], ra[24], d[96];
    cpc_amount_format(lim, a->limit);
    cpc_amount_format(rem, a->remaining);
    cpc_amount_format(sent, a->sent);
    cpc_amount_format(amt, amount);
    snprintf(d, sizeof d, "%s CPC refused, %s CPC left of %s CPC", amt, rem, lim);
    cpc__auth_audit(p, user, "wallet_send_limited", d);
    if (amount > a->limit) {
        cpc_http_res_error(res, 403, "daily_limit",
                           "Daily transfer limit: at most %s CPC per 24 hours, so %s CPC cannot "
                           "be sent at once; you can send %s CPC now",
                           lim, amt, rem);
        return;
    }
    if (!a->frees_ms) { /* nothing counted: only a race with a concurrent prune gets here */
        cpc_http_res_error(res, 403, "daily_limit",
                           "Daily transfer limit of %s CPC per 24 hours: you can send %s CPC now",
                           lim, rem);
        return;
    }
    cpc_amount_format(fr, a->frees_amount);
    cpc__auth_iso_time(when, a->frees_ms);
    cpc__auth_retry_after(res, a->frees_ms, now_ms, ra);
    cpc_http_res_error(res, 403, "daily_limit",
                       "Daily transfer limit of %s CPC per 24 hours: %s CPC sent in the last 24 "
                       "hours, you can send %s CPC now; %s CPC more frees up at %s (in %s s)",
                       lim, sent, rem, fr, when, ra);
}

int cpc_wallet_limit_reserve(struct cpc_platform *p, struct cpc_http_res *res, int64_t user,
                             uint64_t amount, int64_t *id)
{
    struct cpc_err err = {0};
    uint64_t now = cpc_platform_now(p);
    int ok = 0;
    if (cpc_pstore_send_reserve(p->store, user, now, since_of(now), amount, p->send_daily_limit,
                                id, &ok, &err) != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    if (ok)
        return 0;
    struct cpc_wallet_allowance a;
    if (cpc_wallet_allowance(p, user, now, &a, &err) != 0) {
        cpc__auth_internal(res, &err);
        return -1;
    }
    cpc_wallet_limit_refuse(p, res, user, &a, amount, now);
    return -1;
}

void cpc_wallet_limit_settle(struct cpc_platform *p, int64_t id, const char *hash)
{
    struct cpc_err err = {0};
    int rc = hash ? cpc_pstore_send_confirm(p->store, id, hash, &err)
                  : cpc_pstore_send_cancel(p->store, id, &err);
    if (rc != 0)
        CPC_LOGE("wallet: %s send record %lld: %s", hash ? "confirming" : "dropping",
                 (long long)id, err.msg);
}

static json_t *amount_or_null(uint64_t v, int set, int as_text)
{
    if (!set)
        return json_null();
    if (!as_text)
        return json_integer((json_int_t)v);
    char s[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(s, v);
    return json_string(s);
}

void cpc_wallet_allowance_json(json_t *obj, const struct cpc_wallet_allowance *a)
{
    int on = a->limit != 0;
    json_object_set_new(obj, "send_limit", amount_or_null(a->limit, on, 0));
    json_object_set_new(obj, "send_limit_cpc", amount_or_null(a->limit, on, 1));
    json_object_set_new(obj, "send_remaining", amount_or_null(a->remaining, on, 0));
    json_object_set_new(obj, "send_remaining_cpc", amount_or_null(a->remaining, on, 1));
    json_object_set_new(obj, "send_frees_ms",
                        amount_or_null(a->frees_ms, on && a->frees_ms != 0, 0));
}

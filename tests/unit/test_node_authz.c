/* test_node_authz.c — the authorization matrix of cpcd's routing table.
 *
 * Every route of cpc_daemon_routes() must have a rule here (public, signed
 * worker request, any signed-in user, admin) and says which API-key scope it
 * takes (KEY_ANY on public routes, KEY_NONE where only an access token may
 * call, else the one scope: read, jobs, account or dc); a route added without a
 * rule, or a rule for a route that is gone, fails
 * test_every_route_has_a_rule. Then each route is called over real HTTP by
 * nine identities: anonymous, a customer (a session access token), a
 * provider, an admin, a blocked user, an expired token, and three API keys
 * of the customer, each with one scope alone (read, jobs, account), and the
 * answer must match the rule:
 *   public: nobody is refused for who they are (no 401/403);
 *   signed: everyone without the worker signature gets 401;
 *   user:   anonymous, expired and blocked get 401/403; customer, provider
 *           and admin are not refused for who they are;
 *   admin:  as user, but customer and provider get 403;
 *   provider_only: as user, but only the provider is served (customer and admin
 *           get 403 forbidden; the customer's API keys too, with the
 *           route's scope or not);
 *   optional: anonymous and signed-in users are served (the marketplace:
 *           a session token names the caller's wallet), but a blocked user
 *           or an expired token is refused rather than taken as anonymous;
 *   and an API key is refused (403 insufficient_scope) on every non-public
 *           route whose rule does not name its scope: the signed worker
 *           routes, the admin routes and the session-only ones (password,
 *           2FA, logout-all, wallet send, and the API keys themselves, so a
 *           key can never mint a key with more scopes than its own).
 * "Not refused for who they are" means no 401/403 whose error code is about
 * the caller's token or role (invalid_token, token_expired, forbidden, ...):
 * a 401 for a wrong old password is the route working, not a refusal.
 * Each identity signs in again before every call (the fake clock moves 61 s
 * per sign-in, so the per-IP limit of 5 logins a minute never bites), so a
 * route that revokes sessions (logout-all, password change) cannot disturb
 * the next call. Ids in admin paths name a throwaway user; and
 * test_no_cross_user_access shows a provider can neither see nor delete a
 * customer's key, history, wallet or profile.
 * GET /events (an endless stream) is called only anonymously, with a short
 * timeout, and must start streaming.
 */
#include "node_auth_fixture.h"

#include "core/bech32.h"
#include "cpcd/admin_cli.h"
#include "platform/auth_apikey.h"
#include "cpcd/routes.h"

enum access { PUBLIC, SIGNED, USER, ADMIN, OPTIONAL, PROVIDER_ONLY };

/* The API keys a route takes: any (public), none (an access token only, or a
 * worker signature), or a key holding one scope. */
#define KEY_ANY CPC_SCOPE_ALL
#define KEY_NONE 0u
#define KEY_READ CPC_SCOPE_READ
#define KEY_JOBS CPC_SCOPE_JOBS
#define KEY_ACCOUNT CPC_SCOPE_ACCOUNT
#define KEY_DC CPC_SCOPE_DC

struct rule {
    const char *method, *pattern;
    enum access access;
    unsigned key;
};

static const struct rule RULES[] = {
    /* chain */
    {"GET", "/", PUBLIC, KEY_ANY},
    {"GET", "/status", PUBLIC, KEY_ANY},
    {"GET", "/block/{id}", PUBLIC, KEY_ANY},
    {"GET", "/blocks", PUBLIC, KEY_ANY},
    {"GET", "/tx/{hash}", PUBLIC, KEY_ANY},
    {"POST", "/tx", PUBLIC, KEY_ANY},
    {"POST", "/txs", PUBLIC, KEY_ANY},
    {"GET", "/account/balance", USER, KEY_READ},
    {"POST", "/account/deposit", USER, KEY_ACCOUNT},
    {"GET", "/account/{address}", PUBLIC, KEY_ANY},
    {"GET", "/account/{address}/txs", PUBLIC, KEY_ANY},
    {"GET", "/balance/{address}", PUBLIC, KEY_ANY},
    {"GET", "/events", PUBLIC, KEY_ANY},
    {"GET", "/metrics", PUBLIC, KEY_ANY},
    /* worker protocol (signed by the worker key) and market reads */
    {"POST", "/worker/lease", SIGNED, KEY_NONE},
    {"POST", "/worker/heartbeat", SIGNED, KEY_NONE},
    {"POST", "/worker/release", SIGNED, KEY_NONE},
    {"POST", "/worker/rentals/{id}/logs", SIGNED, KEY_NONE},
    {"GET", "/worker/status", SIGNED, KEY_NONE},
    {"PUT", "/blobs/{sha256}", USER, KEY_JOBS}, /* or a signed request (test_node_blobs.c) */
    {"GET", "/blobs/{sha256}", PUBLIC, KEY_ANY},
    {"GET", "/market/task/{task_id}", PUBLIC, KEY_ANY},
    {"GET", "/market/job/{job_id}", PUBLIC, KEY_ANY},
    {"GET", "/market/job/{job_id}/resources", PUBLIC, KEY_ANY},
    {"GET", "/market/job/{job_id}/txs", PUBLIC, KEY_ANY},
    {"GET", "/market/worker/{address}", PUBLIC, KEY_ANY},
    {"GET", "/market/workers", PUBLIC, KEY_ANY},
    {"GET", "/market/synthetic", PUBLIC, KEY_ANY},
    /* marketplace: reads are public; writes take an optional session token
     * (or a signed request), which names the owner; money moves only by a
     * tx signed by the customer's key (their own or their custodial one) */
    {"POST", "/marketplace/jobs", OPTIONAL, KEY_JOBS},
    {"GET", "/marketplace/jobs", PUBLIC, KEY_ANY},
    {"GET", "/marketplace/jobs/{id}", PUBLIC, KEY_ANY},
    {"GET", "/marketplace/jobs/{id}/quote", PUBLIC, KEY_ANY},
    {"POST", "/marketplace/jobs/{id}/confirm", OPTIONAL, KEY_JOBS},
    {"GET", "/marketplace/jobs/{id}/logs", PUBLIC, KEY_ANY},
    {"GET", "/marketplace/jobs/{id}/resources", PUBLIC, KEY_ANY},
    {"POST", "/marketplace/jobs/{id}/cancel", OPTIONAL, KEY_JOBS},
    {"POST", "/marketplace/jobs/{id}/extend", OPTIONAL, KEY_JOBS},
    {"GET", "/marketplace/cluster/status", PUBLIC, KEY_ANY},
    {"GET", "/marketplace/pricing", PUBLIC, KEY_ANY},
    {"GET", "/marketplace/queue", PUBLIC, KEY_ANY},
    /* GPU servers: the providers' cabinet (provider role), the catalogue (any user) */
    {"POST", "/provider/servers", PROVIDER_ONLY, KEY_ACCOUNT},
    {"GET", "/provider/servers", PROVIDER_ONLY, KEY_READ},
    {"GET", "/provider/servers/{id}", PROVIDER_ONLY, KEY_READ},
    {"PUT", "/provider/servers/{id}", PROVIDER_ONLY, KEY_ACCOUNT},
    {"DELETE", "/provider/servers/{id}", PROVIDER_ONLY, KEY_ACCOUNT},
    {"GET", "/provider/servers/{id}/stats", PROVIDER_ONLY, KEY_READ},
    {"PUT", "/provider/servers/{id}/marketplaces", PROVIDER_ONLY, KEY_ACCOUNT},
    {"GET", "/provider/stats", PROVIDER_ONLY, KEY_READ},
    {"GET", "/market/gpu", USER, KEY_READ},
    {"GET", "/market/gpu/{id}", USER, KEY_READ},
    {"GET", "/market/prices", USER, KEY_READ},
    {"GET", "/market/locations", USER, KEY_READ},
    /* GPU rentals: any user, their own rentals only */
    {"POST", "/rentals", USER, KEY_ACCOUNT},
    {"GET", "/rentals", USER, KEY_READ},
    {"GET", "/rentals/{id}", USER, KEY_READ},
    {"DELETE", "/rentals/{id}", USER, KEY_ACCOUNT},
    {"GET", "/rentals/{id}/connection", USER, KEY_READ},
    {"POST", "/rentals/{id}/extend", USER, KEY_ACCOUNT},
    /* rental money: the customer's invoices, the provider's and the admin's rentals */
    {"GET", "/account/invoices", USER, KEY_READ},
    {"GET", "/account/invoices/{id}", USER, KEY_READ},
    {"GET", "/account/invoices/{id}/html", USER, KEY_READ},
    {"GET", "/provider/rentals", PROVIDER_ONLY, KEY_READ},
    {"GET", "/admin/rentals", ADMIN, KEY_NONE},
    {"GET", "/rentals/{id}/stats", USER, KEY_READ},
    {"POST", "/rentals/{id}/reboot", USER, KEY_ACCOUNT},
    {"GET", "/rentals/{id}/logs", USER, KEY_READ},
    /* accounts */
    {"POST", "/auth/register", PUBLIC, KEY_ANY},
    {"POST", "/auth/verify", PUBLIC, KEY_ANY},
    {"GET", "/auth/verify", PUBLIC, KEY_ANY},
    {"POST", "/auth/verify/resend", PUBLIC, KEY_ANY},
    {"POST", "/auth/login", PUBLIC, KEY_ANY},
    {"POST", "/auth/refresh", PUBLIC, KEY_ANY},
    {"POST", "/auth/logout", PUBLIC, KEY_ANY},
    {"POST", "/auth/logout-all", USER, KEY_NONE},
    {"GET", "/me", USER, KEY_READ},
    {"POST", "/auth/password/forgot", PUBLIC, KEY_ANY},
    {"POST", "/auth/password/reset", PUBLIC, KEY_ANY},
    {"POST", "/auth/password/change", USER, KEY_NONE},
    {"POST", "/auth/2fa/setup", USER, KEY_NONE},
    {"POST", "/auth/2fa/enable", USER, KEY_NONE},
    {"POST", "/auth/2fa/disable", USER, KEY_NONE},
    {"GET", "/auth/history", USER, KEY_READ},
    {"PATCH", "/me", USER, KEY_ACCOUNT},
    {"POST", "/me/kyc", USER, KEY_ACCOUNT},
    {"POST", "/admin/users/{id}/block", ADMIN, KEY_NONE},
    {"POST", "/admin/users/{id}/unblock", ADMIN, KEY_NONE},
    {"POST", "/admin/users/{id}/kyc", ADMIN, KEY_NONE},
    {"GET", "/admin/audit", ADMIN, KEY_NONE},
    {"GET", "/admin/integrations", ADMIN, KEY_NONE},
    {"GET", "/admin/users/{id}/commission", ADMIN, KEY_NONE},
    {"PUT", "/admin/users/{id}/commission", ADMIN, KEY_NONE},
    {"POST", "/api-keys", USER, KEY_NONE},
    {"GET", "/api-keys", USER, KEY_NONE},
    {"DELETE", "/api-keys/{id}", USER, KEY_NONE},
    {"POST", "/webhooks", USER, KEY_ACCOUNT},
    {"GET", "/webhooks", USER, KEY_ACCOUNT},
    {"DELETE", "/webhooks/{id}", USER, KEY_ACCOUNT},
    {"GET", "/webhooks/{id}/deliveries", USER, KEY_ACCOUNT},
    {"POST", "/webhooks/{id}/deliveries/{delivery_id}/redeliver", USER, KEY_ACCOUNT},
    {"POST", "/webhooks/{id}/test", USER, KEY_ACCOUNT},
    {"GET", "/me/wallet", USER, KEY_READ},
    {"POST", "/me/wallet/challenge", USER, KEY_ACCOUNT},
    {"POST", "/me/wallet/link", USER, KEY_ACCOUNT},
    {"POST", "/me/wallet/send", USER, KEY_NONE},
    /* money in and out */
    {"POST", "/admin/deposits", ADMIN, KEY_NONE},
    {"POST", "/provider/withdrawals", PROVIDER_ONLY, KEY_ACCOUNT},
    {"GET", "/provider/withdrawals", PROVIDER_ONLY, KEY_READ},
    {"POST", "/admin/withdrawals/{id}/approve", ADMIN, KEY_NONE},
    {"POST", "/admin/withdrawals/{id}/reject", ADMIN, KEY_NONE},
    /* the operators: users, servers, finance, the withdrawal queue; support */
    {"GET", "/admin/users", ADMIN, KEY_NONE},
    {"POST", "/admin/users/{id}/verify", ADMIN, KEY_NONE},
    {"GET", "/admin/servers", ADMIN, KEY_NONE},
    {"GET", "/admin/servers/locations", ADMIN, KEY_NONE},
    {"GET", "/admin/finance", ADMIN, KEY_NONE},
    {"GET", "/admin/reports/revenue.csv", ADMIN, KEY_NONE},
    {"GET", "/admin/withdrawals", ADMIN, KEY_NONE},
    {"POST", "/support/tickets", USER, KEY_ACCOUNT},
    {"GET", "/support/tickets", USER, KEY_READ},
    {"GET", "/support/tickets/{id}", USER, KEY_READ},
    {"POST", "/support/tickets/{id}/messages", USER, KEY_ACCOUNT},
    {"GET", "/admin/support/tickets", ADMIN, KEY_NONE},
    {"POST", "/admin/support/tickets/{id}/messages", ADMIN, KEY_NONE},
    {"POST", "/admin/support/tickets/{id}/status", ADMIN, KEY_NONE},
    /* the data-center API: a provider's dc key (or session) only */
    {"POST", "/dc/servers/batch", PROVIDER_ONLY, KEY_DC},
    {"POST", "/dc/servers/status", PROVIDER_ONLY, KEY_DC},
    {"GET", "/dc/servers", PROVIDER_ONLY, KEY_DC},
    {"PUT", "/dc/servers/{id}", PROVIDER_ONLY, KEY_DC},
    {"DELETE", "/dc/servers/{id}", PROVIDER_ONLY, KEY_DC},
    {"GET", "/dc/stats", PROVIDER_ONLY, KEY_DC},
    {"GET", "/dc/revenue", PROVIDER_ONLY, KEY_DC},
    {"GET", "/dc/utilization", PROVIDER_ONLY, KEY_DC},
    {"GET", "/dc/alerts", PROVIDER_ONLY, KEY_DC},
    {"GET", "/dc/balance", PROVIDER_ONLY, KEY_DC},
    {"GET", "/dc/transactions", PROVIDER_ONLY, KEY_DC},
    {"POST", "/dc/withdraw", PROVIDER_ONLY, KEY_DC},
    /* legacy proof-of-concept API */
    {"GET", "/register", PUBLIC, KEY_ANY},
    {"GET", "/get_task", PUBLIC, KEY_ANY},
    {"POST", "/submit_work", PUBLIC, KEY_ANY},
    {"GET", "/get_balance/{client_id}", PUBLIC, KEY_ANY},
    {"GET", "/chain", PUBLIC, KEY_ANY},
};
#define N_RULES (sizeof RULES / sizeof RULES[0])

static const struct rule *rule_of(const char *method, const char *pattern)
{
    for (size_t i = 0; i < N_RULES; i++)
        if (!strcmp(RULES[i].method, method) && !strcmp(RULES[i].pattern, pattern))
            return &RULES[i];
    return NULL;
}

static void test_every_route_has_a_rule(void **state)
{
    (void)state;
    size_t n = 0, missing = 0, gone = 0;
    const struct cpc_route *r = cpc_daemon_routes(&n);
    for (size_t i = 0; i < n; i++)
        if (!rule_of(r[i].method, r[i].pattern)) {
            fprintf(stderr, "route without an authorization rule: %s %s\n", r[i].method,
                    r[i].pattern);
            missing++;
        }
    for (size_t k = 0; k < N_RULES; k++) {
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found = !strcmp(r[i].method, RULES[k].method) &&
                    !strcmp(r[i].pattern, RULES[k].pattern);
        if (!found) {
            fprintf(stderr, "rule for a route that is not in the table: %s %s\n",
                    RULES[k].method, RULES[k].pattern);
            gone++;
        }
    }
    assert_int_equal(missing, 0);
    assert_int_equal(gone, 0);
    /* the key column agrees with the access: public routes take any key, the
     * signed and admin ones none, a user route a single scope or none */
    for (size_t k = 0; k < N_RULES; k++) {
        unsigned key = RULES[k].key;
        int ok = RULES[k].access == PUBLIC     ? key == KEY_ANY
                 : RULES[k].access == SIGNED   ? key == KEY_NONE
                 : RULES[k].access == ADMIN    ? key == KEY_NONE
                 : RULES[k].access == OPTIONAL ? key == KEY_JOBS
                 : RULES[k].access == PROVIDER_ONLY ? key == KEY_READ || key == KEY_ACCOUNT ||
                                                          key == KEY_DC
                                               : key == KEY_NONE || key == KEY_READ ||
                                                     key == KEY_ACCOUNT || key == KEY_JOBS;
        if (!ok)
            fail_msg("rule %s %s: key column %u does not fit its access", RULES[k].method,
                     RULES[k].pattern, key);
    }
}

/* ---- identities ---- */

enum who {
    ANON,
    CUSTOMER,
    PROVIDER,
    ADMIN_USER,
    BLOCKED,
    EXPIRED,
    KEY_READ_ONLY,
    KEY_JOBS_ONLY,
    KEY_ACCOUNT_ONLY,
    N_WHO
};
static const char *const WHO[N_WHO] = {
    "anonymous",     "customer",         "provider",        "admin",
    "blocked",       "expired token",    "API key (read)",  "API key (jobs)",
    "API key (account)"};
/* The scope an identity's API key holds (0: not a key). */
static unsigned key_scope(enum who w)
{
    return w == KEY_READ_ONLY ? KEY_READ
           : w == KEY_JOBS_ONLY ? KEY_JOBS
           : w == KEY_ACCOUNT_ONLY ? KEY_ACCOUNT
                                   : 0u;
}

struct ids {
    int64_t victim_id, blocked_id;
    char address[CPC_ADDR_STR_MAX];
    char key[3][64]; /* the customer's keys: read, jobs, account alone */
};

static void sign_in(struct fixture *f, const char *email, char out[2048])
{
    json_t *j = NULL;
    advance(f, 61000); /* a fresh per-IP login window */
    long st = login(f, email, PW, NULL, &j);
    if (st != 200)
        fail_msg("login %s: %ld %s", email, st, err_code(j) ? err_code(j) : "");
    snprintf(out, 2048, "%s", str(j, "access_token"));
    json_decref(j);
}

static int64_t user_id(struct fixture *f, const char *token)
{
    json_t *j = NULL;
    assert_int_equal(http_ex(f, "GET", "/me", NULL, token, NULL, &j), 200);
    int64_t id = (int64_t)json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    return id;
}

static void set_blocked(struct fixture *f, int64_t id, int blocked)
{
    char admin[2048], path[96];
    sign_in(f, "admin@example.com", admin);
    snprintf(path, sizeof path, "/admin/users/%lld/%s", (long long)id,
             blocked ? "block" : "unblock");
    long st = http_ex(f, "POST", path, "{}", admin, NULL, NULL);
    assert_true(st == 200 || st == 204);
}

/* A fresh token for w ("" for anonymous). */
static void token_for(struct fixture *f, struct ids *ids, enum who w, char out[2048])
{
    out[0] = 0;
    switch (w) {
    case ANON:
        return;
    case CUSTOMER:
        return sign_in(f, "customer@example.com", out);
    case PROVIDER:
        return sign_in(f, "provider@example.com", out);
    case ADMIN_USER:
        return sign_in(f, "admin@example.com", out);
    case BLOCKED:
        set_blocked(f, ids->blocked_id, 0);
        sign_in(f, "blocked@example.com", out);
        set_blocked(f, ids->blocked_id, 1);
        return;
    case EXPIRED:
        sign_in(f, "customer@example.com", out);
        advance(f, 16 * 60 * 1000); /* access tokens last 15 min */
        return;
    case KEY_READ_ONLY:
    case KEY_JOBS_ONLY:
    case KEY_ACCOUNT_ONLY:
        advance(f, 61000); /* a fresh per-key rate window, as for sign-ins */
        snprintf(out, 2048, "%s", ids->key[w - KEY_READ_ONLY]);
        return;
    default:
        return;
    }
}

static void make_users(struct fixture *f, struct ids *ids)
{
    advance(f, 61000);
    json_t *j = signup_login(f, "customer@example.com", PW);
    json_decref(j);
    advance(f, 61000);
    j = signup_login(f, "provider@example.com", PW);
    char tok[2048];
    snprintf(tok, sizeof tok, "%s", str(j, "access_token"));
    json_decref(j);
    assert_int_equal(http_ex(f, "PATCH", "/me", "{\"roles\":[\"provider\"]}", tok, NULL, NULL),
                     200);
    advance(f, 61000);
    j = signup_login(f, "blocked@example.com", PW);
    snprintf(tok, sizeof tok, "%s", str(j, "access_token"));
    json_decref(j);
    ids->blocked_id = user_id(f, tok);
    advance(f, 61000);
    j = signup_login(f, "victim@example.com", PW);
    snprintf(tok, sizeof tok, "%s", str(j, "access_token"));
    json_decref(j);
    ids->victim_id = user_id(f, tok);
    /* the admin, as `cpcd admin create` makes one (password on stdin) */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char line[] = PW "\n";
    assert_int_equal(write(fds[1], line, strlen(line)), (ssize_t)strlen(line));
    close(fds[1]);
    struct cpc_err err = {0};
    int64_t admin_id = 0;
    int created = 0;
    assert_int_equal(cpc_admin_create(f->home, "admin@example.com", fds[0], stderr, &admin_id,
                                      &created, &err),
                     0);
    close(fds[0]);
    set_blocked(f, ids->blocked_id, 1);
    cpc_address_encode(ids->address, f->node.validator_addr);
    /* the customer's API keys, one scope each, made with its session */
    static const char *const scope[3] = {"read", "jobs", "account"};
    char cust[2048], body[96];
    sign_in(f, "customer@example.com", cust);
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof body, "{\"name\":\"%s\",\"scopes\":[\"%s\"]}", scope[i],
                 scope[i]);
        json_t *k = NULL;
        assert_int_equal(http_ex(f, "POST", "/api-keys", body, cust, NULL, &k), 201);
        snprintf(ids->key[i], sizeof ids->key[i], "%s", str(k, "key"));
        json_decref(k);
    }
}

/* The route's pattern with concrete values for its {params}. */
static void concrete_path(const struct ids *ids, const char *pattern, char *out, size_t cap)
{
    char *o = out, *end = out + cap - 1;
    for (const char *p = pattern; *p && o < end;) {
        if (*p != '{') {
            *o++ = *p++;
            continue;
        }
        const char *close = strchr(p, '}');
        size_t n = (size_t)(close - p - 1);
        char name[32], val[96];
        snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
        if (!strcmp(name, "address"))
            snprintf(val, sizeof val, "%s", ids->address);
        else if (!strcmp(name, "task_id") || !strcmp(name, "client_id"))
            snprintf(val, sizeof val, "5f0564c9-526f-8664-b06d-6660558e3e3f");
        else if (!strcmp(name, "hash") || !strcmp(name, "sha256") || !strcmp(name, "job_id"))
            snprintf(val, sizeof val, "%064d", 0);
        else if (strstr(pattern, "/admin/users/"))
            snprintf(val, sizeof val, "%lld", (long long)ids->victim_id);
        else if (strstr(pattern, "/api-keys/"))
            snprintf(val, sizeof val, "999999"); /* nobody's: the keys above stay */
        else if (strstr(pattern, "/marketplace/jobs/"))
            snprintf(val, sizeof val, "5f0564c9-526f-8664-b06d-6660558e3e3f");
        else
            snprintf(val, sizeof val, "1");
        for (const char *v = val; *v && o < end;)
            *o++ = *v++;
        p = close + 1;
    }
    *o = 0;
}

/* A 401/403 that refuses the caller (token, role, block), as opposed to a
 * route's own 401 (e.g. a wrong old password). */
static int refused(long st, json_t *j)
{
    if (st != 401 && st != 403)
        return 0;
    const char *c = err_code(j);
    if (!c)
        return 1;
    static const char *const OWN[] = {"invalid_credentials", "invalid_totp", "totp_required",
                                      NULL};
    for (int i = 0; OWN[i]; i++)
        if (!strcmp(c, OWN[i]))
            return 0;
    return 1;
}

/* Whether the rule refuses w, an identity without an API key. */
static int refusal_expected(enum access access, enum who w)
{
    switch (access) {
    case PUBLIC:
        return 0;
    case SIGNED:
        return 1;
    case USER:
        return w == ANON || w == BLOCKED || w == EXPIRED;
    case OPTIONAL:
        return w == BLOCKED || w == EXPIRED;
    case PROVIDER_ONLY:
        return w != PROVIDER;
    default: /* ADMIN */
        return w != ADMIN_USER;
    }
}

static void test_matrix(void **state)
{
    struct fixture *f = *state;
    struct ids ids;
    memset(&ids, 0, sizeof ids);
    make_users(f, &ids);
    size_t n = 0, checked = 0;
    const struct cpc_route *r = cpc_daemon_routes(&n);
    for (size_t i = 0; i < n; i++) {
        const struct rule *rl = rule_of(r[i].method, r[i].pattern);
        assert_non_null(rl);
        if (!strcmp(r[i].pattern, "/events"))
            continue; /* a stream: test_events_is_public */
        char path[256];
        concrete_path(&ids, r[i].pattern, path, sizeof path);
        const char *body = strcmp(r[i].method, "GET") ? "{}" : NULL;
        for (int w = 0; w < N_WHO; w++) {
            char tok[2048];
            token_for(f, &ids, (enum who)w, tok);
            json_t *j = NULL;
            long st = http_ex(f, r[i].method, path, body, tok[0] ? tok : NULL, NULL, &j);
            int ref = refused(st, j);
            unsigned ks = key_scope((enum who)w);
            /* an API key is served only where the rule names its scope (KEY_ANY on
             * public routes) */
            int want_refused = ks ? !(rl->key & ks) || rl->access == PROVIDER_ONLY
                                  : refusal_expected(rl->access, (enum who)w);
            if (ref != want_refused)
                fail_msg("%s %s as %s: HTTP %ld (%s), expected %s", r[i].method, path, WHO[w],
                         st, err_code(j) ? err_code(j) : "no error code",
                         want_refused ? "a refusal" : "no refusal");
            if (want_refused && (w == ANON || w == EXPIRED))
                assert_int_equal(st, 401); /* no credentials / stale ones: 401, not 403 */
            if (rl->access == ADMIN && (w == CUSTOMER || w == PROVIDER))
                assert_int_equal(st, 403); /* signed in, but not an admin */
            if (rl->access == PROVIDER_ONLY && (w == CUSTOMER || w == ADMIN_USER || ks)) {
                assert_int_equal(st, 403); /* signed in (a customer's key), not a provider */
                assert_string_equal(err_code(j),
                                    ks && !(rl->key & ks) ? "insufficient_scope" : "forbidden");
            }
            if (want_refused && ks && rl->access != SIGNED && rl->access != PROVIDER_ONLY) {
                /* a valid key on a route it may not call: 403, not 401 */
                assert_int_equal(st, 403);
                assert_string_equal(err_code(j), "insufficient_scope");
            }
            json_decref(j);
            checked++;
        }
    }
    fprintf(stderr, "authz: %zu calls over %zu routes\n", checked, n);
    assert_true(checked >= (n - 1) * N_WHO);
}

/* Nobody reads or changes another user's data: what the customer owns (an
 * API key, its logins, its wallet, its profile) is invisible to the
 * provider, and the provider's attempts to delete or use it fail. */
static void test_no_cross_user_access(void **state)
{
    struct fixture *f = *state;
    struct ids ids;
    memset(&ids, 0, sizeof ids);
    make_users(f, &ids);
    char cust[2048], prov[2048], path[64];
    sign_in(f, "customer@example.com", cust);
    json_t *j = NULL;
    assert_int_equal(http_ex(f, "POST", "/api-keys", "{\"name\":\"mine\",\"scopes\":[\"read\"]}",
                             cust, NULL, &j),
                     201);
    long long key_id = (long long)json_integer_value(json_object_get(j, "id"));
    char key[96];
    snprintf(key, sizeof key, "%s", str(j, "key"));
    json_decref(j);
    assert_int_equal(http_ex(f, "GET", "/me/wallet", NULL, cust, NULL, &j), 200);
    char cust_addr[CPC_ADDR_STR_MAX];
    snprintf(cust_addr, sizeof cust_addr, "%s", str(j, "address"));
    json_decref(j);

    sign_in(f, "provider@example.com", prov);
    /* the customer's key: not listed, not deletable (404 like a missing one) */
    assert_int_equal(http_ex(f, "GET", "/api-keys", NULL, prov, NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "keys")), 0);
    json_decref(j);
    snprintf(path, sizeof path, "/api-keys/%lld", key_id);
    assert_int_equal(http_ex(f, "DELETE", path, NULL, prov, NULL, NULL), 404);
    /* its own views show only its own data */
    assert_int_equal(http_ex(f, "GET", "/me", NULL, prov, NULL, &j), 200);
    assert_string_equal(str(j, "email"), "provider@example.com");
    json_decref(j);
    assert_int_equal(http_ex(f, "GET", "/auth/history?limit=100", NULL, prov, NULL, &j), 200);
    json_t *a = json_object_get(j, "attempts");
    assert_true(json_array_size(a) > 0);
    json_decref(j);
    assert_int_equal(http_ex(f, "GET", "/me/wallet", NULL, prov, NULL, &j), 200);
    assert_string_not_equal(str(j, "address"), cust_addr);
    json_decref(j);
    /* admin reads of the audit log are not open to the provider */
    assert_int_equal(http_ex(f, "GET", "/admin/audit", NULL, prov, NULL, NULL), 403);
    /* the key still works for its owner, and only as its owner */
    assert_int_equal(http_ex(f, "GET", "/me", NULL, key, NULL, &j), 200);
    assert_string_equal(str(j, "email"), "customer@example.com");
    json_decref(j);
    /* and the customer can still delete it */
    assert_int_equal(http_ex(f, "DELETE", path, NULL, cust, NULL, NULL) / 100, 2);
}

/* GET /events streams for anyone: the first bytes arrive within 2 s. */
static size_t first_bytes(char *d, size_t sz, size_t nm, void *arg)
{
    (void)d;
    *(size_t *)arg += sz * nm;
    return 0; /* got something: stop the transfer */
}

static void test_events_is_public(void **state)
{
    struct fixture *f = *state;
    char url[128];
    snprintf(url, sizeof url, "%s/events", f->base);
    CURL *c = curl_easy_init();
    size_t got = 0;
    long st = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, first_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_perform(c); /* ends by our write callback or the timeout */
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    curl_easy_cleanup(c);
    assert_int_equal(st, 200);
}

int main(void)
{
    cpc_log_set_level(CPC_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_has_a_rule),
        cmocka_unit_test_setup_teardown(test_matrix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_cross_user_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_is_public, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_node_authz.c — the authorization matrix of cpcd's routing table.
 *
 * Every route of cpc_node_routes() must have a rule here (public, signed
 * worker request, any signed-in user, admin); a route added without a rule,
 * or a rule for a route that is gone, fails test_every_route_has_a_rule. Then
 * each route is called over real HTTP by six identities: anonymous, a
 * customer, a provider, an admin, a blocked user and an expired token, and
 * the answer must match the rule:
 *   public: nobody is refused for who they are (no 401/403);
 *   signed: everyone without the worker signature gets 401;
 *   user:   anonymous, expired and blocked get 401/403; customer, provider
 *           and admin are not refused for who they are;
 *   admin:  as user, but customer and provider get 403;
 *   optional: anonymous and signed-in users are served (the marketplace:
 *           a session token names the caller's wallet), but a blocked user
 *           or an expired token is refused rather than taken as anonymous.
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
#include "node/admin_cli.h"
#include "node/routes.h"

enum access { PUBLIC, SIGNED, USER, ADMIN, OPTIONAL };

struct rule {
    const char *method, *pattern;
    enum access access;
};

static const struct rule RULES[] = {
    /* chain */
    {"GET", "/", PUBLIC},
    {"GET", "/status", PUBLIC},
    {"GET", "/block/{id}", PUBLIC},
    {"GET", "/blocks", PUBLIC},
    {"GET", "/tx/{hash}", PUBLIC},
    {"POST", "/tx", PUBLIC},
    {"POST", "/txs", PUBLIC},
    {"GET", "/account/{address}", PUBLIC},
    {"GET", "/account/{address}/txs", PUBLIC},
    {"GET", "/balance/{address}", PUBLIC},
    {"GET", "/events", PUBLIC},
    {"GET", "/metrics", PUBLIC},
    /* worker protocol (signed by the worker key) and market reads */
    {"POST", "/worker/lease", SIGNED},
    {"POST", "/worker/heartbeat", SIGNED},
    {"POST", "/worker/release", SIGNED},
    {"GET", "/worker/status", SIGNED},
    {"PUT", "/blobs/{sha256}", USER}, /* or a signed request (test_node_blobs.c) */
    {"GET", "/blobs/{sha256}", PUBLIC},
    {"GET", "/market/task/{task_id}", PUBLIC},
    {"GET", "/market/job/{job_id}", PUBLIC},
    {"GET", "/market/job/{job_id}/resources", PUBLIC},
    {"GET", "/market/worker/{address}", PUBLIC},
    {"GET", "/market/synthetic", PUBLIC},
    /* marketplace: reads are public; writes take an optional session token
     * (or a signed request), which names the owner; money moves only by a
     * tx signed by the customer's key (their own or their custodial one) */
    {"POST", "/marketplace/jobs", OPTIONAL},
    {"GET", "/marketplace/jobs", PUBLIC},
    {"GET", "/marketplace/jobs/{id}", PUBLIC},
    {"GET", "/marketplace/jobs/{id}/quote", PUBLIC},
    {"POST", "/marketplace/jobs/{id}/confirm", OPTIONAL},
    {"GET", "/marketplace/jobs/{id}/logs", PUBLIC},
    {"GET", "/marketplace/jobs/{id}/resources", PUBLIC},
    {"POST", "/marketplace/jobs/{id}/cancel", OPTIONAL},
    {"POST", "/marketplace/jobs/{id}/extend", OPTIONAL},
    {"GET", "/marketplace/cluster/status", PUBLIC},
    {"GET", "/marketplace/pricing", PUBLIC},
    {"GET", "/marketplace/queue", PUBLIC},
    /* accounts */
    {"POST", "/auth/register", PUBLIC},
    {"POST", "/auth/verify", PUBLIC},
    {"GET", "/auth/verify", PUBLIC},
    {"POST", "/auth/verify/resend", PUBLIC},
    {"POST", "/auth/login", PUBLIC},
    {"POST", "/auth/refresh", PUBLIC},
    {"POST", "/auth/logout", PUBLIC},
    {"POST", "/auth/logout-all", USER},
    {"GET", "/me", USER},
    {"POST", "/auth/password/forgot", PUBLIC},
    {"POST", "/auth/password/reset", PUBLIC},
    {"POST", "/auth/password/change", USER},
    {"POST", "/auth/2fa/setup", USER},
    {"POST", "/auth/2fa/enable", USER},
    {"POST", "/auth/2fa/disable", USER},
    {"GET", "/auth/history", USER},
    {"PATCH", "/me", USER},
    {"POST", "/me/kyc", USER},
    {"POST", "/admin/users/{id}/block", ADMIN},
    {"POST", "/admin/users/{id}/unblock", ADMIN},
    {"POST", "/admin/users/{id}/kyc", ADMIN},
    {"GET", "/admin/audit", ADMIN},
    {"POST", "/api-keys", USER},
    {"GET", "/api-keys", USER},
    {"DELETE", "/api-keys/{id}", USER},
    {"GET", "/me/wallet", USER},
    {"POST", "/me/wallet/challenge", USER},
    {"POST", "/me/wallet/link", USER},
    {"POST", "/me/wallet/send", USER},
    /* legacy proof-of-concept API */
    {"GET", "/register", PUBLIC},
    {"GET", "/get_task", PUBLIC},
    {"POST", "/submit_work", PUBLIC},
    {"GET", "/get_balance/{client_id}", PUBLIC},
    {"GET", "/chain", PUBLIC},
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
    const struct cpc_route *r = cpc_node_routes(&n);
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
}

/* ---- identities ---- */

enum who { ANON, CUSTOMER, PROVIDER, ADMIN_USER, BLOCKED, EXPIRED, N_WHO };
static const char *const WHO[N_WHO] = {"anonymous", "customer", "provider",
                                       "admin",     "blocked",  "expired token"};

struct ids {
    int64_t victim_id, blocked_id;
    char address[CPC_ADDR_STR_MAX];
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

static void test_matrix(void **state)
{
    struct fixture *f = *state;
    struct ids ids;
    memset(&ids, 0, sizeof ids);
    make_users(f, &ids);
    size_t n = 0, checked = 0;
    const struct cpc_route *r = cpc_node_routes(&n);
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
            int want_refused;
            switch (rl->access) {
            case PUBLIC:
                want_refused = 0;
                break;
            case SIGNED:
                want_refused = 1;
                break;
            case USER:
                want_refused = w == ANON || w == BLOCKED || w == EXPIRED;
                break;
            case OPTIONAL:
                want_refused = w == BLOCKED || w == EXPIRED;
                break;
            default: /* ADMIN */
                want_refused = w != ADMIN_USER;
                break;
            }
            if (ref != want_refused)
                fail_msg("%s %s as %s: HTTP %ld (%s), expected %s", r[i].method, path, WHO[w],
                         st, err_code(j) ? err_code(j) : "no error code",
                         want_refused ? "a refusal" : "no refusal");
            if (want_refused && (w == ANON || w == EXPIRED))
                assert_int_equal(st, 401); /* no credentials / stale ones: 401, not 403 */
            if (rl->access == ADMIN && (w == CUSTOMER || w == PROVIDER))
                assert_int_equal(st, 403); /* signed in, but not an admin */
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

/* fuzz_node_auth_body.c — the JSON bodies of the platform account routes.
 *
 * Feeds arbitrary bytes as the request body to the real handlers of
 * routes_auth.c against a node that holds only what they need: req->app is a
 * struct cpc_node whose only member set is platform, made once per process by
 * cpc_platform_new over a temporary home (mkdtemp under /tmp) whose config
 * asks for libsodium's minimum argon2 limits, with the platform store in
 * SQLite ":memory:". The home is removed as soon as the platform is open (and
 * again by the atexit handler, which also frees the platform). The mail
 * thread is never started: handlers only queue mail in the store, so nothing
 * is written to HOME/outbox however long the fuzzer runs.
 *
 * Input: byte 0 picks the route, byte0 % 18 =
 *   0 register, 1 verify, 2 verify/resend, 3 login, 4 refresh, 5 logout,
 *   6 password/forgot, 7 password/reset, 8 password/change, 9 2fa/enable,
 *   10 2fa/disable, 11 PATCH /me, 12 admin users/{id}/kyc, 13 me/kyc,
 *   14 POST /api-keys, 15 POST /me/wallet/link (third slice; as the verified
 *   user), 16 the CIDR parsers alone (the body as a JSON whitelist array, or
 *   else as one CIDR string, matched against 127.0.0.1 and ::1), 17 the API
 *   key format check (the body as a presented key);
 * the rest is the body (18 keeps every older seed on its route: byte 0 is
 * below 14 or 129). Routes 8..12, 14 and 15 need a Bearer token, which needs an
 * HTTP connection for the header: the fuzzer calls their handlers after
 * authentication (cpc__h_*_as) with a seeded user instead, so the body
 * parsers behind the token are reached (13 has no _as: it answers 401). byte0 < 128 moves the platform clock 16 minutes
 * forward first (past the 1-minute login rate window and the 15-minute
 * lockout, so each such input sees no time-based state of the previous ones);
 * byte0 >= 128 moves it 1 ms, so bursts can reach the 429 and 423 answers.
 *
 * Fixed state made at start, so seeds reach the deep paths:
 *   fuzz@example.com   / "Correct horse 42", verified (login 200, register 409);
 *   pending@example.com / same password, unverified; before every verify input
 *                        its code is re-armed to "123456" (until the first
 *                        correct verify confirms the account);
 *   refresh tokens "ab" x 32 and "cd" x 32 (IP 127.0.0.1, no User-Agent),
 *   two families of the verified user, for the refresh and logout seeds;
 *   totp@example.com / same password, verified, a pending (not enabled) TOTP
 *   secret: the user of 2fa/enable; 2fa/disable and PATCH /me run as
 *   fuzz@example.com (2fa/disable then answers 409 totp_not_enabled past the
 *   parser) with the admin role added for admin kyc (target = {id} "1");
 *   before every reset input the reset token "ee" x 32 is re-armed for the
 *   verified user (the seeds reset and change its password to the same one);
 *   a link challenge "b" x 64 of the verified user (the first link seed with
 *   a good signature spends it: later ones answer invalid_challenge).
 *
 * Oracle (abort on failure): status in 200..599, a non-NULL body that parses
 * as JSON, and for status >= 400 the {"error":{"code":string,"message":string}}
 * envelope. FUZZ_AUTH_TRACE=1 in the environment prints every answer. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/log.h"
#include "platform/auth_tokens.h"
#include "http/httpd.h"
#include "node/node.h"
#include "platform/platform.h"
#include "platform/auth_totp.h"
#include "platform/routes_2fa.h"
#include "platform/routes_admin.h"
#include "platform/routes_auth.h"
#include "platform/routes_password.h"
#include "platform/routes_profile.h"
#include "platform/routes_apikeys.h"
#include "platform/routes_wallet.h"
#include "platform/auth_apikey.h"
#include "store/platform_store.h"

#define FUZZ_PW "Correct horse 42"
#define FUZZ_IP "127.0.0.1"
#define STEP_FAR_MS (16ull * 60u * 1000u)

static char g_home[64];
static struct cpc_node g_node;
static uint64_t g_now = 1700000000000ull; /* 2023-11-14, moved by every input */
static int64_t g_pending_id, g_ok_id, g_totp_id;
static void *volatile g_keep[3];
static int g_trace; /* FUZZ_AUTH_TRACE=1: print each answer (debugging seeds) */

static uint64_t fuzz_clock(void *arg)
{
    (void)arg;
    return g_now;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void remove_home(void)
{
    if (g_home[0])
        nftw(g_home, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    g_home[0] = 0;
}

static void cleanup(void)
{
    cpc_platform_free(g_node.platform);
    g_node.platform = NULL;
    g_keep[0] = g_keep[1] = g_keep[2] = NULL;
    remove_home();
}

static void die(const char *what, const struct cpc_err *err)
{
    fprintf(stderr, "fuzz_node_auth_body: %s: %s\n", what, err ? err->msg : "");
    abort();
}

typedef void (*handler_fn)(struct cpc_http_req *req, struct cpc_http_res *res);
typedef void (*as_fn)(struct cpc_http_req *req, struct cpc_http_res *res,
                      const struct cpc_puser *u);

static void res_free(struct cpc_http_res *res)
{
    free(res->body);
    for (size_t i = 0; i < res->n_headers; i++) {
        free(res->headers[i][0]);
        free(res->headers[i][1]);
    }
    memset(res, 0, sizeof *res);
}

/* Call h (or as with user u) with body; returns the status and frees the answer. */
static int call_as(handler_fn h, as_fn as, int64_t u, const char *body, size_t len,
                   struct cpc_http_res *keep)
{
    struct cpc_http_req req;
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.path = "/auth";
    req.body = body;
    req.body_len = len;
    req.remote_ip = FUZZ_IP;
    req.app = &g_node;
    req.params[0] = "1";
    req.n_params = 1;
    struct cpc_http_res res;
    memset(&res, 0, sizeof res);
    if (as) {
        struct cpc_puser user;
        struct cpc_err err = {0};
        if (cpc_pstore_user_by_id(g_node.platform->store, u, &user, &err) != 0)
            die("fuzz user lookup", &err);
        as(&req, &res, &user);
    } else {
        h(&req, &res);
    }
    int st = res.status;
    if (keep)
        *keep = res;
    else
        res_free(&res);
    return st;
}

static int call(handler_fn h, const char *body, size_t len, struct cpc_http_res *keep)
{
    return call_as(h, NULL, 0, body, len, keep);
}

static void add_refresh(int64_t user, char ch, const char *family)
{
    char hex[CPC_REFRESH_HEX_LEN + 1];
    memset(hex, ch, CPC_REFRESH_HEX_LEN);
    hex[CPC_REFRESH_HEX_LEN] = 0;
    struct cpc_prefresh r;
    memset(&r, 0, sizeof r);
    r.user = user;
    snprintf(r.family, sizeof r.family, "%s", family);
    if (cpc_auth_refresh_hash(hex, r.token_hash) != 0)
        die("refresh hash", NULL);
    snprintf(r.ip, sizeof r.ip, "%s", FUZZ_IP);
    r.created_ms = r.last_used_ms = g_now;
    r.expires_ms = g_now + 1000ull * 3600u * 24u * 365u * 1000u; /* never, for the fuzzer */
    struct cpc_err err = {0};
    if (cpc_pstore_refresh_insert(g_node.platform->store, &r, NULL, &err) != 0)
        die("refresh insert", &err);
}

static int64_t add_user(const char *email, int verified)
{
    char body[256];
    int n = snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, FUZZ_PW);
    if (call(cpc_h_auth_register, body, (size_t)n, NULL) != 201)
        die("seeding a user", NULL);
    struct cpc_err err = {0};
    struct cpc_puser u;
    if (cpc_pstore_user_by_email(g_node.platform->store, email, &u, &err) != 0)
        die("seeded user lookup", &err);
    if (verified && cpc_pstore_user_set_verified(g_node.platform->store, u.id, &err) != 0)
        die("verifying the seeded user", &err);
    return u.id;
}

static void setup(void)
{
    static int ready;
    if (ready)
        return;
    ready = 1;
    g_trace = getenv("FUZZ_AUTH_TRACE") != NULL;
    cpc_log_set_level(CPC_LOG_ERROR);
    snprintf(g_home, sizeof g_home, "/tmp/cpc-fuzz-auth-XXXXXX");
    if (!mkdtemp(g_home))
        die("mkdtemp", NULL);
    atexit(cleanup);
    char path[256];
    snprintf(path, sizeof path, "%s/config", g_home);
    FILE *f = fopen(path, "w");
    if (!f)
        die("writing the config", NULL);
    /* below libsodium's MIN is raised to MIN; no [smtp]: mail would go to the
     * outbox, but the mail thread is never started */
    fputs("[platform]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8\n", f);
    fclose(f);
    struct cpc_err err = {0};
    memset(&g_node, 0, sizeof g_node);
    if (cpc_platform_new(&g_node.platform, g_home, ":memory:", &err) != 0)
        die("cpc_platform_new", &err);
    /* The platform lives in sodium_malloc'd pages, which LeakSanitizer does not
     * scan: keep its heap children reachable from a global as well. */
    g_keep[0] = g_node.platform->store;
    g_keep[1] = g_node.platform->mailer;
    g_keep[2] = g_node.platform->webhooks;
    /* Everything the home holds (config, platform.key) has been read and the
     * store is in memory: remove the home now, so even a crash (which exits
     * without atexit) leaves nothing under /tmp. */
    remove_home();
    cpc_platform_set_clock(g_node.platform, fuzz_clock, NULL);
    int64_t ok = g_ok_id = add_user("fuzz@example.com", 1);
    g_pending_id = add_user("pending@example.com", 0);
    g_totp_id = add_user("totp@example.com", 1);
    add_refresh(ok, 'a', "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    add_refresh(ok, 'c', "cccccccccccccccccccccccccccccccc");
    uint8_t raw[CPC_TOTP_SECRET_BYTES], sealed[CPC_TOTP_SEALED_LEN];
    char b32[CPC_TOTP_B32_LEN + 1];
    cpc_totp_secret_new(raw, b32);
    cpc_totp_seal(g_node.platform, g_totp_id, raw, sealed);
    if (cpc_pstore_totp_put(g_node.platform->store, g_totp_id, sealed, sizeof sealed, g_now,
                            &err) != 0 ||
        cpc_pstore_user_set_roles(g_node.platform->store, ok, CPC_ROLE_CUSTOMER | CPC_ROLE_ADMIN,
                                  &err) != 0)
        die("seeding 2FA and the admin", &err);
    char chal[65];
    memset(chal, 'b', 64);
    chal[64] = 0;
    uint8_t chash[32];
    if (cpc_wallet_challenge_hash(g_node.platform, chal, chash) != 0 ||
        cpc_pstore_challenge_put(g_node.platform->store, ok, chash, UINT64_C(1) << 62, &err) != 0)
        die("seeding a link challenge", &err);
}

/* Route 16: the CIDR parsers alone; route 17: the key format. Abort on an inconsistency. */
static void parsers_only(unsigned route, const char *body, size_t len)
{
    if (route == 17) {
        uint8_t h[32];
        int rc = cpc_apikey_hash(g_node.platform, body, h);
        if (rc == 0 && (strlen(body) != CPC_APIKEY_LEN || strncmp(body, "cpc_", 4) != 0))
            abort();
        return;
    }
    json_t *j = json_loadb(body, len, 0, NULL);
    if (json_is_array(j)) {
        char list[CPC_PAPIKEY_IPS_MAX + 1];
        const char *why = NULL;
        if (cpc_cidr_list_parse(j, list, &why) == 0) {
            json_t *back = cpc_cidr_list_json(list); /* canonical form round-trips */
            char again[CPC_PAPIKEY_IPS_MAX + 1];
            if (cpc_cidr_list_parse(back, again, &why) != 0 || strcmp(list, again) != 0)
                abort();
            json_decref(back);
            (void)cpc_cidr_list_allows(list, "127.0.0.1");
            (void)cpc_cidr_list_allows(list, "::1");
        } else if (!why) {
            abort();
        }
        uint32_t bits = 0;
        if (cpc_scopes_parse(j, &bits) == 0 && (bits == 0 || (bits & ~CPC_SCOPE_ALL)))
            abort();
    } else if (len < 128 && !memchr(body, 0, len)) {
        char canon[64], again[64];
        if (cpc_cidr_canon(body, canon) == 0 &&
            (cpc_cidr_canon(canon, again) != 0 || strcmp(canon, again) != 0))
            abort();
    }
    json_decref(j);
}

/* The reset token "ee" x 32 for the verified user (reset inputs only). */
static void rearm_reset(void)
{
    char tok[65];
    memset(tok, 'e', 64);
    tok[64] = 0;
    uint8_t hash[32];
    struct cpc_err err = {0};
    cpc_auth_code_hash(g_node.platform, 0, CPC_PCODE_RESET, tok, hash);
    if (cpc_pstore_code_put(g_node.platform->store, g_ok_id, CPC_PCODE_RESET, hash,
                            g_now + 3600000u, &err) != 0)
        die("reset token put", &err);
}

/* Give the unverified user a fresh active code "123456" (verify inputs only). */
static void rearm_code(void)
{
    struct cpc_err err = {0};
    struct cpc_puser u;
    if (cpc_pstore_user_by_id(g_node.platform->store, g_pending_id, &u, &err) != 0)
        die("pending user lookup", &err);
    if (u.email_verified)
        return;
    uint8_t hash[32];
    cpc_auth_code_hash(g_node.platform, g_pending_id, CPC_PCODE_VERIFY, "123456", hash);
    if (cpc_pstore_code_put(g_node.platform->store, g_pending_id, CPC_PCODE_VERIFY, hash,
                            g_now + 3600000u, &err) != 0)
        die("code put", &err);
}

static void check(const struct cpc_http_res *res)
{
    if (res->status < 200 || res->status > 599 || !res->body)
        abort();
    json_t *j = json_loadb(res->body, res->body_len, 0, NULL);
    if (!j)
        abort();
    if (res->status >= 400) {
        json_t *e = json_object_get(j, "error");
        if (!json_is_string(json_object_get(e, "code")) ||
            !json_is_string(json_object_get(e, "message")))
            abort();
    }
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const handler_fn routes[18] = {
        cpc_h_auth_register,        cpc_h_auth_verify,        cpc_h_auth_verify_resend,
        cpc_h_auth_login,           cpc_h_auth_refresh,       cpc_h_auth_logout,
        cpc_h_auth_password_forgot, cpc_h_auth_password_reset, NULL,
        NULL,                       NULL,                     NULL,
        NULL,                       cpc_h_me_kyc};
    static const as_fn as_routes[18] = {
        [8] = cpc__h_auth_password_change_as, [9] = cpc__h_auth_2fa_enable_as,
        [10] = cpc__h_auth_2fa_disable_as, [11] = cpc__h_me_patch_as,
        [12] = cpc__h_admin_kyc_as, [14] = cpc__h_apikeys_post_as,
        [15] = cpc__h_me_wallet_link_as};
    setup();
    unsigned sel = size ? data[0] : 0;
    unsigned route = sel % 18u;
    g_now += sel < 128 ? STEP_FAR_MS : 1u;
    if (route == 1)
        rearm_code();
    if (route == 7)
        rearm_reset();
    size_t len = size ? size - 1 : 0;
    char *body = malloc(len + 1);
    if (!body)
        return 0;
    if (len)
        memcpy(body, data + 1, len);
    body[len] = 0;
    if (route >= 16) {
        parsers_only(route, body, len);
        free(body);
        return 0;
    }
    struct cpc_http_res res;
    call_as(routes[route], as_routes[route], route == 9 ? g_totp_id : g_ok_id, body, len, &res);
    if (g_trace)
        fprintf(stderr, "route %u -> %d %.*s\n", route, res.status,
                res.body ? (int)(res.body_len > 160 ? 160 : res.body_len) : 0,
                res.body ? res.body : "");
    check(&res);
    res_free(&res);
    free(body);
    return 0;
}

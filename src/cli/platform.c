/* platform.c — how cpc-cli talks to the platform API (cli.h): credentials,
 * the session file, error answers and the small parsers the platform
 * commands share.
 *
 * Design note. The platform's routes take `Authorization: Bearer` with an
 * access token (15 minutes) or an API key. An API key (--api-key, else
 * $CPC_API_KEY) wins: scripts never touch a session. Otherwise `cpc-cli login`
 * left HOME/session.json (mode 0600, written atomically) with the node's URL
 * and both tokens; a 401 refreshes once (POST /auth/refresh rotates the
 * refresh token, so the new pair is saved before the retry). The session
 * names its node and is never sent to another one. Tokens and keys are
 * checked to be printable ASCII without spaces before they go into a header
 * (no header injection from a tampered file), and no token is ever printed.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/amount.h"
#include "cli.h"

#define TOKEN_MAX 4096
#define SESSION_FILE "session.json"

static bool token_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n >= TOKEN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (t[i] <= ' ' || t[i] > '~')
            return false;
    return true;
}

static int api_error(long status, json_t *j, char *code, struct cpc_err *err)
{
    json_t *e = json_object_get(j, "error");
    const char *c = json_string_value(json_object_get(e, "code"));
    const char *m = json_string_value(json_object_get(e, "message"));
    if (!c && json_is_string(e)) /* the legacy shape {"error":"..."} */
        m = json_string_value(e);
    if (code)
        snprintf(code, 64, "%s", c ? c : "");
    int rc = status == 401 || status == 403 ? CPC_ERR_UNAUTHORIZED
             : status == 404                ? CPC_ERR_NOT_FOUND
             : status >= 500                ? CPC_ERR_INTERNAL
                                            : CPC_ERR_INVALID;
    return cpc_err_set(err, rc, "%s (%s, HTTP %ld)", m ? m : "the node refused the request",
                       c ? c : "no code", status);
}

/* One request with an optional header line (borrowed). */
static int api_raw(struct cli_ctx *c, const char *method, const char *path, const json_t *body,
                   const char *header, json_t **out, long *status, char *code, struct cpc_err *err)
{
    *out = NULL;
    *status = 0;
    if (code)
        code[0] = 0;
    struct cpc_http *h = cli_http(c, err);
    if (!h)
        return CPC_ERR_NOMEM;
    char *req = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && !req)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    const char *hdrs[2] = {header, NULL};
    struct cpc_http_resp r;
    memset(&r, 0, sizeof r);
    int rc = cpc_http_request_h(h, method, path, req, req ? strlen(req) : 0,
                                req ? "application/json" : NULL, header ? hdrs : NULL, &r, err);
    if (req) { /* it may hold a password */
        sodium_memzero(req, strlen(req));
        free(req);
    }
    if (rc)
        return rc;
    *status = r.status;
    json_error_t je;
    json_t *j = r.len ? json_loadb(r.body, r.len, 0, &je) : NULL;
    if (r.body)
        sodium_memzero(r.body, r.len);
    cpc_http_resp_free(&r);
    if (*status >= 200 && *status < 300) {
        if (!j && !(j = json_object()))
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        *out = j;
        return 0;
    }
    rc = api_error(*status, j, code, err);
    json_decref(j);
    return rc;
}

int cli_api_anon(struct cli_ctx *c, const char *method, const char *path, const json_t *body,
                 json_t **out, long *status, char *code, struct cpc_err *err)
{
    long st;
    return api_raw(c, method, path, body, NULL, out, status ? status : &st, code, err);
}

static int session_path(const struct cli_ctx *c, char *out, size_t cap)
{
    return cpc_home_path(out, cap, c->home, SESSION_FILE);
}

int cli_session_save(const struct cli_ctx *c, const char *email, const json_t *login,
                     struct cpc_err *err)
{
    const char *at = json_string_value(json_object_get(login, "access_token"));
    const char *rt = json_string_value(json_object_get(login, "refresh_token"));
    if (!at || !rt || !token_ok(at) || !token_ok(rt))
        return cpc_err_set(err, CPC_ERR_INVALID, "the node's login answer has no usable tokens");
    char path[CPC_PATH_MAX];
    if (session_path(c, path, sizeof path) || cpc_mkdir_p(c->home, 0700, err))
        return err->code ? err->code : cpc_err_set(err, CPC_ERR_IO, "home path too long");
    json_t *s = json_pack("{s:s, s:s, s:s, s:s}", "node", c->node_url, "email", email,
                          "access_token", at, "refresh_token", rt);
    char *text = s ? json_dumps(s, JSON_INDENT(2)) : NULL;
    json_decref(s);
    if (!text)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = cpc_write_file_atomic(path, text, strlen(text), 0600, err);
    sodium_memzero(text, strlen(text));
    free(text);
    return rc;
}

void cli_session_remove(const struct cli_ctx *c)
{
    char path[CPC_PATH_MAX];
    if (session_path(c, path, sizeof path) == 0)
        unlink(path);
}

/* The session as JSON (new reference); CPC_ERR_NOT_FOUND with a hint when there is none. */
static int session_read(const struct cli_ctx *c, json_t **out, struct cpc_err *err)
{
    char path[CPC_PATH_MAX], *text = NULL;
    size_t len = 0;
    if (session_path(c, path, sizeof path))
        return cpc_err_set(err, CPC_ERR_IO, "home path too long");
    int rc = cpc_read_file(path, 64 * 1024, &text, &len, err);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, rc, "not logged in: run `cpc-cli login --email EMAIL` "
                                    "(or set CPC_API_KEY)");
    if (rc)
        return rc;
    json_error_t je;
    *out = json_loadb(text, len, 0, &je);
    sodium_memzero(text, len);
    free(text);
    const char *node = json_string_value(json_object_get(*out, "node"));
    if (!node) {
        json_decref(*out);
        *out = NULL;
        return cpc_err_set(err, CPC_ERR_INVALID, "%s is damaged: log in again", path);
    }
    if (strcmp(node, c->node_url) != 0) {
        rc = cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                         "the session is for %s, not %s: log in to this node first", node,
                         c->node_url);
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    return 0;
}

int cli_session_load(const struct cli_ctx *c, char *refresh, size_t cap, char *email,
                     size_t email_cap, struct cpc_err *err)
{
    json_t *s = NULL;
    int rc = session_read(c, &s, err);
    if (rc)
        return rc;
    const char *rt = json_string_value(json_object_get(s, "refresh_token"));
    const char *em = json_string_value(json_object_get(s, "email"));
    snprintf(refresh, cap, "%s", rt && token_ok(rt) ? rt : "");
    snprintf(email, email_cap, "%s", em ? em : "");
    json_decref(s);
    return 0;
}

/* POST /auth/refresh with the session's refresh token; saves the new pair. */
static int session_refresh(struct cli_ctx *c, json_t *session, struct cpc_err *err)
{
    const char *rt = json_string_value(json_object_get(session, "refresh_token"));
    const char *email = json_string_value(json_object_get(session, "email"));
    if (!rt || !token_ok(rt))
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "the session has expired: log in again");
    json_t *body = json_pack("{s:s}", "refresh_token", rt), *ans = NULL;
    long st;
    int rc = api_raw(c, "POST", "/auth/refresh", body, NULL, &ans, &st, NULL, err);
    json_decref(body);
    if (rc)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           "the session has expired (%s): run `cpc-cli login` again", err->msg);
    rc = cli_session_save(c, email ? email : "", ans, err);
    if (rc == 0) {
        json_object_set(session, "access_token", json_object_get(ans, "access_token"));
        json_object_set(session, "refresh_token", json_object_get(ans, "refresh_token"));
    }
    json_decref(ans);
    return rc;
}

int cli_api(struct cli_ctx *c, const char *method, const char *path, const json_t *body,
            json_t **out, struct cpc_err *err)
{
    char header[TOKEN_MAX + 32];
    long st = 0;
    const char *key = c->o.api_key;
    if (!key && getenv("CPC_API_KEY") && *getenv("CPC_API_KEY"))
        key = getenv("CPC_API_KEY");
    if (key) {
        if (!token_ok(key))
            return cpc_err_set(err, CLI_USAGE, "the API key must be one word of printable ASCII");
        snprintf(header, sizeof header, "Authorization: Bearer %s", key);
        int rc = api_raw(c, method, path, body, header, out, &st, NULL, err);
        sodium_memzero(header, sizeof header);
        return rc;
    }
    json_t *s = NULL;
    int rc = session_read(c, &s, err);
    for (int attempt = 0; rc == 0; attempt++) {
        const char *at = json_string_value(json_object_get(s, "access_token"));
        if (!at || !token_ok(at)) {
            rc = cpc_err_set(err, CPC_ERR_INVALID, "the session file is damaged: log in again");
            break;
        }
        snprintf(header, sizeof header, "Authorization: Bearer %s", at);
        rc = api_raw(c, method, path, body, header, out, &st, NULL, err);
        sodium_memzero(header, sizeof header);
        if (rc == 0 || st != 401 || attempt > 0)
            break;
        rc = session_refresh(c, s, err);
    }
    json_decref(s);
    return rc;
}

int cli_query_add(char *buf, size_t cap, const char *name, const char *value)
{
    size_t n = strlen(buf);
    int w = snprintf(buf + n, cap - n, "%c%s=", strchr(buf, '?') ? '&' : '?', name);
    if (w < 0 || (size_t)w >= cap - n)
        return -1;
    n += (size_t)w;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (n + 4 >= cap)
            return -1;
        if (isalnum(*p) || strchr("-._~", *p))
            buf[n++] = (char)*p;
        else
            n += (size_t)snprintf(buf + n, cap - n, "%%%02X", *p);
    }
    buf[n] = 0;
    return 0;
}

int cli_parse_cpc(const char *flag, const char *text, uint64_t *out, struct cpc_err *err)
{
    if (cpc_amount_parse(out, text) != 0)
        return cpc_err_set(err, CLI_USAGE, "%s must be an amount in CPC (e.g. 2 or 0.5), got \"%s\"",
                           flag, text);
    return 0;
}

int cli_parse_int_flag(const char *flag, const char *text, uint64_t lo, uint64_t hi,
                       uint64_t *out, struct cpc_err *err)
{
    if (cpc_parse_u64(text, out) != 0 || *out < lo || *out > hi)
        return cpc_err_set(err, CLI_USAGE, "%s must be an integer %llu..%llu, got \"%s\"", flag,
                           (unsigned long long)lo, (unsigned long long)hi, text);
    return 0;
}

const char *cli_cpc(char *out, uint64_t base_units)
{
    cpc_amount_format(out, base_units);
    return out;
}

int cli_check_server_id(const char *id, struct cpc_err *err)
{
    size_t n = strlen(id);
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)id[i]) && id[i] != '-')
            n = 0;
    if (n != 36)
        return cpc_err_set(err, CLI_USAGE, "a server id is a UUID, got \"%.80s\"", id);
    return 0;
}

uint64_t cli_int_of(const json_t *j, const char *k)
{
    json_int_t v = json_integer_value(json_object_get(j, k));
    return v > 0 ? (uint64_t)v : 0;
}

const char *cli_str_of(const json_t *j, const char *k)
{
    const char *s = json_string_value(json_object_get(j, k));
    return s ? s : "-";
}

int cli_check_rental_id(const char *id, struct cpc_err *err)
{
    size_t n = strlen(id);
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)id[i]))
            n = 0;
    if (n != 64)
        return cpc_err_set(err, CLI_USAGE, "a rental id is 64 hex digits, got \"%.80s\"", id);
    return 0;
}

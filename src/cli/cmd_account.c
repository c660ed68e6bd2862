/* cmd_account.c — the platform account from the command line: login, logout,
 * balance and deposit (top-level commands).
 *
 * The password comes from the terminal with echo off, or, when stdin is not a
 * terminal (scripts: `echo "$PW" | cpc-cli login --email E`), as one line of
 * stdin; a second line is the 2FA code when the node asks for one. The tokens
 * go to HOME/session.json (platform.c) and are never printed.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* One line: from the TTY with echo off, else from stdin. */
static int read_input(const char *prompt, char *buf, size_t cap, struct cpc_err *err)
{
    if (isatty(STDIN_FILENO))
        return cli_read_secret(prompt, buf, cap, err);
    if (!fgets(buf, (int)cap, stdin))
        return cpc_err_set(err, CPC_ERR_INVALID, "%s expected one line on stdin", prompt);
    size_t n = strcspn(buf, "\r\n");
    if (buf[n] == 0 && n + 1 >= cap)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "the input line is too long");
    buf[n] = 0;
    return 0;
}

static int run_login(struct cli_ctx *c, struct cpc_err *err)
{
    const char *email = c->o.email;
    if (!email || !*email)
        return cpc_err_set(err, CLI_USAGE, "login needs --email EMAIL");
    char pw[CLI_PASS_MAX], code[64], totp[64];
    int rc = read_input("Password: ", pw, sizeof pw, err);
    if (rc)
        return rc;
    json_t *body = json_pack("{s:s, s:s}", "email", email, "password", pw), *ans = NULL;
    long st = 0;
    rc = body ? cli_api_anon(c, "POST", "/auth/login", body, &ans, &st, code, err)
              : cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (rc && st == 401 && !strcmp(code, "totp_required")) {
        rc = read_input("2FA code: ", totp, sizeof totp, err);
        if (rc == 0) {
            json_object_set_new(body, "totp", json_string(totp));
            rc = cli_api_anon(c, "POST", "/auth/login", body, &ans, &st, code, err);
        }
        sodium_memzero(totp, sizeof totp);
    }
    sodium_memzero(pw, sizeof pw);
    if (body) { /* the password is in it: overwrite before freeing */
        json_object_set_new(body, "password", json_string(""));
        json_decref(body);
    }
    if (rc)
        return rc;
    rc = cli_session_save(c, email, ans, err);
    json_decref(ans);
    if (rc)
        return rc;
    if (c->json) {
        json_t *j = json_pack("{s:s, s:s, s:b}", "email", email, "node", c->node_url,
                              "logged_in", 1);
        cli_print_json(j);
        json_decref(j);
    } else {
        printf("Logged in as %s on %s (session in %s/session.json)\n", email, c->node_url,
               c->home);
    }
    return 0;
}

static int run_logout(struct cli_ctx *c, struct cpc_err *err)
{
    char rt[4096], email[320];
    int rc = cli_session_load(c, rt, sizeof rt, email, sizeof email, err);
    if (rc == CPC_ERR_NOT_FOUND) {
        printf("Not logged in\n");
        return 0;
    }
    if (rc)
        return rc;
    bool revoked = false;
    if (rt[0]) {
        json_t *body = json_pack("{s:s}", "refresh_token", rt), *ans = NULL;
        struct cpc_err e2;
        cpc_err_clear(&e2);
        if (cli_api_anon(c, "POST", "/auth/logout", body, &ans, NULL, NULL, &e2) == 0)
            revoked = json_is_true(json_object_get(ans, "revoked"));
        else
            cli_warn("the node did not revoke the session: %s", e2.msg);
        json_decref(body);
        json_decref(ans);
    }
    sodium_memzero(rt, sizeof rt);
    cli_session_remove(c);
    printf("Logged out%s%s%s\n", email[0] ? " " : "", email, revoked ? " (session revoked)" : "");
    return 0;
}

static int run_balance(struct cli_ctx *c, struct cpc_err *err)
{
    json_t *j = NULL;
    int rc = cli_api(c, "GET", "/account/balance", NULL, &j, err);
    if (rc)
        return rc;
    if (c->json) {
        cli_print_json(j);
    } else {
        printf("Address    %s\n", json_string_value(json_object_get(j, "address")));
        printf("Balance    %s CPC\n", json_string_value(json_object_get(j, "balance_cpc")));
        printf("Locked     %s CPC\n", json_string_value(json_object_get(j, "locked_cpc")));
        printf("Available  %s CPC\n", json_string_value(json_object_get(j, "available_cpc")));
    }
    json_decref(j);
    return 0;
}

static int run_deposit(struct cli_ctx *c, struct cpc_err *err)
{
    json_t *j = NULL, *body = json_object();
    int rc = cli_api(c, "POST", "/account/deposit", body, &j, err);
    json_decref(body);
    if (rc)
        return rc;
    if (c->json) {
        cli_print_json(j);
    } else {
        printf("Send CPC to %s\n", json_string_value(json_object_get(j, "address")));
        const char *how = json_string_value(json_object_get(j, "how"));
        const char *note = json_string_value(json_object_get(j, "note"));
        if (how)
            printf("  %s\n", how);
        if (note)
            printf("%s\n", note);
    }
    json_decref(j);
    return 0;
}

const struct cli_cmd cli_account_cmds[] = {
    {NULL, "login", 0, 0, F_EMAIL, "login --email EMAIL",
     "Log in to the node's platform account. The password is read from the terminal with\n"
     "echo off, or as one line of stdin when stdin is not a terminal; with 2FA on, the code\n"
     "is asked next (the next line of stdin). The tokens are kept in HOME/session.json\n"
     "(mode 0600) for this node only and never printed; the access token is refreshed\n"
     "once when the node answers 401. Scripts may use an API key instead: $CPC_API_KEY.",
     run_login},
    {NULL, "logout", 0, 0, 0, "logout",
     "Revoke the login session on the node and delete HOME/session.json.", run_logout},
    {NULL, "balance", 0, 0, F_API_KEY, "balance",
     "The platform account's wallet: address, balance, locked by withdrawals, available.",
     run_balance},
    {NULL, "deposit", 0, 0, F_API_KEY, "deposit",
     "How to pay CPC into the platform account: its wallet address and a tx send line.",
     run_deposit},
    {0},
};

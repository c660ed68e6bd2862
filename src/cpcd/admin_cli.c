/* admin_cli.c — `cpcd admin create` (admin_cli.h).
 *
 * Design note. The first admin cannot come from the HTTP API (nobody could
 * grant the role), so the operator makes it on the node's machine, where
 * holding the home already means full control. The password is read from a
 * terminal with echo off (asked twice), or, when stdin is not a terminal
 * (scripts, `echo pw | cpcd admin create ...`), as one line of stdin; it
 * obeys the register rules and is stored as argon2id like any other. The
 * platform store is opened directly (HOME/data/chain.db; SQLite's busy
 * timeout lets a running node share the file); the mail thread is never
 * started. The change is audit-logged.
 */
#include "admin_cli.h"

#include <sodium.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../common/home.h"
#include "../store/platform_store.h"
#include "../platform/auth_tokens.h"
#include "../platform/platform.h"

#define PW_LINE_MAX 1030

/* One line from fd into buf (without the newline); -1 on EOF before any byte or overflow. */
static int read_line(int fd, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r <= 0)
            break;
        if (c == '\n')
            goto done;
        if (n + 1 >= cap)
            return -1;
        buf[n++] = c;
    }
    if (n == 0)
        return -1;
done:
    if (n && buf[n - 1] == '\r')
        n--;
    buf[n] = 0;
    *len = n;
    return 0;
}

static int prompt(int fd, FILE *out, const char *what, char *buf, size_t cap, size_t *len)
{
    struct termios old, quiet;
    int tty = tcgetattr(fd, &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fprintf(out, "%s", what);
    fflush(out);
    int rc = read_line(fd, buf, cap, len);
    if (tty) {
        tcsetattr(fd, TCSAFLUSH, &old);
        fprintf(out, "\n");
    }
    return rc;
}

static int read_password(int fd, FILE *tty_out, char *pw, size_t cap, size_t *len,
                         struct cpc_err *err)
{
    if (!isatty(fd)) {
        if (read_line(fd, pw, cap, len) != 0)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "expected the password as one line on stdin");
        return 0;
    }
    char again[PW_LINE_MAX];
    size_t alen = 0;
    int rc = 0;
    if (prompt(fd, tty_out, "Password: ", pw, cap, len) != 0 ||
        prompt(fd, tty_out, "Repeat password: ", again, sizeof again, &alen) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "no password entered");
    else if (alen != *len || sodium_memcmp(again, pw, alen) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "the passwords differ");
    sodium_memzero(again, sizeof again);
    return rc;
}

int cpc_admin_create(const char *home, const char *email_in, int in_fd, FILE *tty_out,
                     int64_t *id, int *created, struct cpc_err *err)
{
    char email[CPC_PUSER_EMAIL_MAX + 1], pw[PW_LINE_MAX], hash[CPC_PLATFORM_HASH_STR];
    size_t pw_len = 0;
    struct cpc_platform *p = NULL;
    int rc;
    *id = 0;
    *created = 0;
    memset(pw, 0, sizeof pw);
    memset(hash, 0, sizeof hash);
    if (cpc_auth_email_normalise(email_in, strlen(email_in), email, sizeof email) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "'%s' is not a valid email address", email_in);
    if ((rc = read_password(in_fd, tty_out, pw, sizeof pw, &pw_len, err)) != 0)
        goto out;
    const char *why = cpc_auth_password_problem(pw, pw_len);
    if (why) {
        rc = cpc_err_set(err, CPC_ERR_INVALID, "%s", why);
        goto out;
    }
    char db[CPC_PATH_MAX];
    cpc_home_path(db, sizeof db, home, "data/chain.db");
    if ((rc = cpc_platform_new(&p, home, db, err)) != 0)
        goto out;
    if (crypto_pwhash_str(hash, pw, pw_len, p->pw_ops, p->pw_mem) != 0) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "argon2id: out of memory");
        goto out;
    }
    uint64_t now = cpc_platform_now(p);
    struct cpc_puser u;
    rc = cpc_pstore_user_by_email(p->store, email, &u, err);
    if (rc == CPC_ERR_NOT_FOUND) {
        rc = cpc_pstore_user_create(p->store, email, hash, CPC_ROLE_ADMIN, now, id, err);
        *created = rc == 0;
    } else if (rc == 0) {
        *id = u.id;
        if ((rc = cpc_pstore_user_set_roles(p->store, u.id, u.roles | CPC_ROLE_ADMIN, err)) == 0)
            rc = cpc_pstore_user_set_password(p->store, u.id, hash, err);
    }
    if (rc == 0)
        rc = cpc_pstore_user_set_verified(p->store, *id, err);
    if (rc == 0)
        rc = cpc_pstore_audit(p->store, now, *id, *created ? "admin_created" : "admin_promoted",
                              "cpcd admin create", err);
out:
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(hash, sizeof hash);
    cpc_platform_free(p);
    return rc;
}

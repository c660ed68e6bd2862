/* passphrase.c — secrets and confirmations from the terminal.
 * $CPC_PASSPHRASE wins over any prompt (scripts, CI). Prompts go to stderr and
 * read stdin with echo off (termios), only when stdin is a TTY; without a TTY
 * the caller gets a clear error instead of a hang. Buffers are wiped by callers. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

static int read_line_fd(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    int too_long = 0;
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (ch == '\n')
            break;
        if (n + 1 < cap)
            buf[n++] = ch;
        else
            too_long = 1;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return too_long ? -1 : 0;
}

int cli_read_secret(const char *prompt, char *buf, size_t cap, struct cpc_err *err)
{
    buf[0] = '\0';
    if (!isatty(STDIN_FILENO))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "no terminal to read a passphrase from: set CPC_PASSPHRASE");
    struct termios old, quiet;
    int have_tio = tcgetattr(STDIN_FILENO, &old) == 0;
    if (have_tio) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    fputs(prompt, stderr);
    fflush(stderr);
    int rc = read_line_fd(STDIN_FILENO, buf, cap);
    if (have_tio)
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fputc('\n', stderr);
    if (rc) {
        sodium_memzero(buf, cap);
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "input too long (max %zu chars)", cap - 1);
    }
    return 0;
}

static int copy_env(char *buf, size_t cap, struct cpc_err *err)
{
    const char *env = getenv("CPC_PASSPHRASE");
    size_t n = strlen(env);
    if (n + 1 > cap)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "CPC_PASSPHRASE too long (max %zu chars)",
                           cap - 1);
    memcpy(buf, env, n + 1);
    return 0;
}

int cli_unlock_passphrase(const struct cpc_key_info *k, char *buf, size_t cap,
                          struct cpc_err *err)
{
    buf[0] = '\0';
    if (!k->encrypted)
        return 0;
    const char *env = getenv("CPC_PASSPHRASE");
    if (env && *env)
        return copy_env(buf, cap, err);
    if (!isatty(STDIN_FILENO))
        return 0; /* the keyring reports "key NAME is encrypted: set CPC_PASSPHRASE" */
    char prompt[128];
    snprintf(prompt, sizeof prompt, "Passphrase for key %s: ", k->name);
    return cli_read_secret(prompt, buf, cap, err);
}

int cli_new_passphrase(bool encrypt, char *buf, size_t cap, struct cpc_err *err)
{
    buf[0] = '\0';
    const char *env = getenv("CPC_PASSPHRASE");
    if (env && *env)
        return copy_env(buf, cap, err);
    if (!encrypt)
        return 0;
    if (!isatty(STDIN_FILENO))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "--encrypt needs a passphrase: set CPC_PASSPHRASE or run on a terminal");
    char again[CLI_PASS_MAX];
    int rc = cli_read_secret("New passphrase: ", buf, cap, err);
    if (rc == 0 && !*buf)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "empty passphrase");
    if (rc == 0)
        rc = cli_read_secret("Repeat passphrase: ", again, sizeof again, err);
    if (rc == 0 && strcmp(buf, again) != 0)
        rc = cpc_err_set(err, CPC_ERR_INVALID, "passphrases do not match");
    sodium_memzero(again, sizeof again);
    if (rc)
        sodium_memzero(buf, cap);
    return rc;
}

bool cli_confirm(const char *question)
{
    if (!isatty(STDIN_FILENO))
        return false;
    char line[16];
    fprintf(stderr, "%s [y/N] ", question);
    fflush(stderr);
    if (read_line_fd(STDIN_FILENO, line, sizeof line) != 0)
        return false;
    return !strcmp(line, "y") || !strcmp(line, "Y") || !strcmp(line, "yes") ||
           !strcmp(line, "YES") || !strcmp(line, "Yes");
}

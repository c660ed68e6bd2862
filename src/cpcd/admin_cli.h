/* admin_cli.h — `cpcd admin create --email E`: make (or promote) a platform
 * administrator from the command line (admin_cli.c). */
#ifndef CPC_NODE_ADMIN_CLI_H
#define CPC_NODE_ADMIN_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"

/* Read the password from in_fd (a TTY: prompted twice on tty_out with echo off; else one
 * line), then create the user email in HOME's platform store with the admin role, or add
 * the role (and set that password) if the user exists. The email counts as verified.
 * *id gets the user id, *created 1 for a new user. Nothing is owned by the caller. */
int cpc_admin_create(const char *home, const char *email, int in_fd, FILE *tty_out, int64_t *id,
                     int *created, struct cpc_err *err);

#endif

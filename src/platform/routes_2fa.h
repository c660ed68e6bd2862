/* routes_2fa.h — TOTP two-factor authentication (routes_2fa.c):
 * POST /auth/2fa/setup, /auth/2fa/enable, /auth/2fa/disable, and the second
 * factor check the login uses. Rules are in docs/platform.md. */
#ifndef CPC_NODE_ROUTES_2FA_H
#define CPC_NODE_ROUTES_2FA_H

#include <stdint.h>

#include "../core/err.h"
#include "../http/httpd.h"

struct cpc_puser;

struct cpc_platform;

void cpc_h_auth_2fa_setup(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_auth_2fa_enable(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_auth_2fa_disable(struct cpc_http_req *req, struct cpc_http_res *res);

/* Check a second factor of user: six digits = a TOTP code (each time step is accepted
 * once), otherwise a recovery code (spent). *ok = 1 if accepted. Nonzero only on a
 * store failure (err filled). */
int cpc__auth_second_factor(struct cpc_platform *p, int64_t user, const char *code, int *ok,
                            struct cpc_err *err);
/* POST /auth/2fa/enable after authentication: u is the authenticated user (borrowed). The
 * fuzzer calls it directly, as it has no HTTP connection for headers. */
void cpc__h_auth_2fa_enable_as(struct cpc_http_req *req, struct cpc_http_res *res,
                               const struct cpc_puser *u);
/* POST /auth/2fa/disable after authentication: u is the authenticated user (borrowed). The
 * fuzzer calls it directly, as it has no HTTP connection for headers. */
void cpc__h_auth_2fa_disable_as(struct cpc_http_req *req, struct cpc_http_res *res,
                                const struct cpc_puser *u);

#endif

/* webhook_send.h — the network half of webhook delivery (webhook_send.c):
 * the address check against SSRF, the signature and one signed POST.
 *
 * Design note. Internal to src/platform (cpc__ prefix). A host is resolved
 * once per attempt; every address it resolves to must be public (not
 * private, loopback, link-local, CGNAT, multicast, reserved or
 * unspecified, in IPv4 or IPv6, IPv4-mapped included) unless the host is
 * in [webhooks] allow_http_hosts, and plain http is only for those hosts.
 * The first address is pinned for the connection (CURLOPT_RESOLVE), so a
 * DNS answer that changes between the check and the connect (rebinding)
 * cannot move it; redirects are not followed and no proxy is used.
 */
#ifndef CPC_PLATFORM_WEBHOOK_SEND_H
#define CPC_PLATFORM_WEBHOOK_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "webhook_body.h"

#define CPC__WH_ADDR_MAX 64

/* 1 when host is listed in allow (a comma- or space-separated list, borrowed), else 0. */
int cpc__webhook_host_allowed(const char *allow, const char *host);
/* 1 when the textual address ip is one a webhook may not reach, 0 when public, -1 when not
 * an address. */
int cpc__webhook_addr_private(const char *ip);
/* Check u against allow (see the note) and resolve its host: 0 with addr (caller's buffer)
 * the pinned address, or -1 with err saying why (fit for a 400 message). May block on DNS. */
int cpc__webhook_target(const char *allow, const struct cpc_webhook_url *u,
                        char addr[CPC__WH_ADDR_MAX], struct cpc_err *err);
/* The X-CPC-Signature value "t=<t>,v1=<hex>" of body under secret into out (caller's). */
void cpc__webhook_sign(const char *secret, uint64_t t, const char *body, size_t len,
                       char out[96]);
/* POST body (borrowed) to url pinned to addr with curl (a CURL *, one per thread, reused
 * for keep-alive), the signature and event id headers, timeout_ms. *status gets the HTTP
 * status (0 when none came); 0 when an answer came, else -1 with err. */
int cpc__webhook_post(void *curl, const char *url, const struct cpc_webhook_url *u,
                      const char *addr, const char *body, const char *sig, const char *event_id,
                      long timeout_ms, long *status, struct cpc_err *err);

#endif

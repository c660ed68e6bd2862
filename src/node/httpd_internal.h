/* httpd_internal.h — private glue between httpd.c and sse.c, plus the
 * path helpers exposed for tests and the path fuzz target. Not part of the
 * public node API: only httpd.c, sse.c, tests and fuzz targets include it.
 *
 * SSE streams: httpd.c creates one subscriber per GET /events connection
 * (cpc__sse_sub_new), feeds MHD_create_response_from_callback with
 * cpc__sse_read / cpc__sse_sub_free, and on stop sets its `stopping` flag
 * and calls cpc__sse_wake_all on every hub it served, so that every
 * suspended stream is resumed and ends before MHD_stop_daemon (MHD panics
 * on suspended connections at stop).
 */
#ifndef CPC_NODE_HTTPD_INTERNAL_H
#define CPC_NODE_HTTPD_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cpc_sse_hub;
struct MHD_Connection;
struct cpc__sse_sub;

/* Longest accepted request path (without query string). */
#define CPC__HTTP_MAX_PATH 2048

/* Decode %XX escapes of s in place (no '+' translation: this is for path
 * segments). Returns the decoded length, or -1 on a malformed escape or a
 * decoded NUL byte. */
ssize_t cpc__url_decode(char *s);

/* Validate a raw request path: starts with '/', at most CPC__HTTP_MAX_PATH
 * bytes, no raw or %-encoded NUL, no "." / ".." segment (raw or decoded),
 * no malformed escape. Returns 0 when acceptable, -1 otherwise. */
int cpc__http_path_check(const char *path, size_t len);

/* New subscriber of hub for conn; `stopping` (owned by the server) makes
 * the stream end instead of suspending. NULL on OOM. */
struct cpc__sse_sub *cpc__sse_sub_new(struct cpc_sse_hub *hub, struct MHD_Connection *conn,
                                      const atomic_int *stopping);
/* MHD_ContentReaderCallback over a subscriber (cls). */
ssize_t cpc__sse_read(void *cls, uint64_t pos, char *buf, size_t max);
/* MHD_ContentReaderFreeCallback: unsubscribes and frees cls. */
void cpc__sse_sub_free(void *cls);
/* Resume every suspended subscriber of hub. */
void cpc__sse_wake_all(struct cpc_sse_hub *hub);
/* Change the keep-alive interval (default 15000 ms); for tests. */
void cpc__sse_set_ping_ms(struct cpc_sse_hub *hub, unsigned ms);

#endif

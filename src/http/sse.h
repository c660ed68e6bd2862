/* sse.h — Server-Sent Events fan-out for GET /events.
 *
 * A hub keeps a bounded ring of recent events. Each subscriber stream reads
 * from the ring at its own cursor; when it has nothing to send its MHD
 * connection is suspended (holding no thread) and cpc_sse_publish resumes
 * it. A subscriber that falls more than the ring size behind skips ahead
 * (it gets a ": lagged N" comment). A keep-alive comment goes out every
 * 15 s so dead peers are noticed. Thread-safe. */
#ifndef CPC_NODE_SSE_H
#define CPC_NODE_SSE_H

#include <stddef.h>

struct cpc_sse_hub; /* opaque */

/* New hub keeping the last ring_size events; NULL on OOM. */
struct cpc_sse_hub *cpc_sse_hub_new(size_t ring_size);
/* Close all streams and free; NULL accepted. Call after the HTTP server stopped. */
void cpc_sse_hub_free(struct cpc_sse_hub *hub);
/* Queue "event: NAME\ndata: DATA\n\n" (data must be one line, e.g. compact JSON; copied). */
void cpc_sse_publish(struct cpc_sse_hub *hub, const char *event, const char *data);
/* Number of connected subscribers. */
size_t cpc_sse_subscribers(struct cpc_sse_hub *hub);

#endif

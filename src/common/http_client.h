/* http_client.h — a small libcurl client for talking to cpcd.
 * One easy handle per client object, reused so the connection stays alive;
 * a client object must be used by one thread at a time. */
#ifndef CPC_COMMON_HTTP_CLIENT_H
#define CPC_COMMON_HTTP_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "../core/err.h"

struct cpc_http; /* opaque */

struct cpc_http_resp {
    long status;
    char *body;   /* malloc'd, NUL-terminated; free with cpc_http_resp_free */
    size_t len;
};

/* New client for base_url ("http://127.0.0.1:8000", no trailing slash needed).
 * timeout_ms 0 = 30 s. Returns NULL on OOM. Free with cpc_http_free. */
struct cpc_http *cpc_http_new(const char *base_url, long timeout_ms);
/* Free; NULL accepted. */
void cpc_http_free(struct cpc_http *h);
const char *cpc_http_base_url(const struct cpc_http *h);

/* Raw request. body may be NULL. Returns 0 when an HTTP answer arrived (any
 * status), CPC_ERR_CONNECTION ("Connection refused: could not reach URL") when
 * the node cannot be reached, CPC_ERR_IO on other transport errors. */
int cpc_http_request(struct cpc_http *h, const char *method, const char *path,
                     const char *body, size_t body_len, const char *content_type,
                     struct cpc_http_resp *out, struct cpc_err *err);
/* The same with extra header lines ("Name: value"), a NULL-terminated array
 * (may be NULL), borrowed. */
int cpc_http_request_h(struct cpc_http *h, const char *method, const char *path,
                       const char *body, size_t body_len, const char *content_type,
                       const char *const *headers, struct cpc_http_resp *out,
                       struct cpc_err *err);
void cpc_http_resp_free(struct cpc_http_resp *r);

/* JSON request: body (borrowed, may be NULL) is sent compact; a 2xx answer is
 * parsed into *out (new reference). A non-2xx answer carrying
 * {"error":{"code","message"}} becomes that code (cpc_errcode_from_name) and
 * message in err. *status (may be NULL) gets the HTTP status. */
int cpc_http_json(struct cpc_http *h, const char *method, const char *path,
                  const json_t *body, json_t **out, long *status, struct cpc_err *err);

/* cpc_http_json with the body as JSON text (req, req_len; borrowed, may be
 * NULL) and extra header lines (NULL-terminated, may be NULL): for signed
 * requests, whose signature covers the exact bytes sent. */
int cpc_http_json_h(struct cpc_http *h, const char *method, const char *path, const char *req,
                    size_t req_len, const char *const *headers, json_t **out, long *status,
                    struct cpc_err *err);

#endif

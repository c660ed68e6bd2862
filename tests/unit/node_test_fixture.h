/* node_test_fixture.h — the shared fixture of the node tests that talk to a
 * real node in their own process over real HTTP on 127.0.0.1 (ephemeral
 * port): a fresh home, the node opened and started with blocks only when the
 * test produces one, libcurl requests (optionally signed as worker requests),
 * and small JSON accessors. Built once into cpc_test_node (tests/CMakeLists.txt)
 * and linked into every node test; functions that assert use cmocka. */
#ifndef CPC_TEST_NODE_TEST_FIXTURE_H
#define CPC_TEST_NODE_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>
#include <jansson.h>

#include "common/req_sign.h"
#include "cpcd/daemon.h"

#define NT_HOME_MAX 256
#define NT_BASE_MAX 64

/* A response body as libcurl delivers it (NUL-terminated once non-empty). */
struct nt_buf {
    char *p; /* owned by the holder: free(b.p) */
    size_t n;
};

/* libcurl write callback: appends to the struct nt_buf at arg (which keeps
 * ownership of its bytes). Returns len, or 0 when out of memory. */
size_t nt_on_data(char *d, size_t sz, size_t nm, void *arg);

/* One request. body NULL: none; else body_len bytes with Content-Type:
 * application/json. All pointers are borrowed except headers. */
struct nt_req {
    const char *method;
    const char *path; /* appended to the base URL */
    const void *body;
    size_t body_len;
    struct curl_slist *headers; /* extra lines (may be NULL): owned, freed by nt_http */
    const char *user_agent;     /* NULL: none */
    size_t (*on_header)(char *d, size_t sz, size_t nm, void *arg); /* NULL: ignored */
    void *header_arg;
    long timeout_s;
    const char *local_ip; /* NULL: any; else the client's address (e.g. 127.0.0.2), on a
                             fresh connection that is not reused */
};

/* Performs r against base on c (reset first). Returns the HTTP status, or -1
 * when no answer came (printed to stderr). *out (may be NULL) receives the body,
 * owned by the caller; else it is freed. No cmocka assert: safe off the test's
 * thread. */
long nt_http(CURL *c, const char *base, const struct nt_req *r, struct nt_buf *out);

/* nt_http asserting an answer came; *out (may be NULL) = the body parsed as
 * JSON (new reference, NULL when not JSON). */
long nt_http_json(CURL *c, const char *base, const struct nt_req *r, json_t **out);

/* Appends the three signed-request headers of sig to h; returns the list
 * (owned by the caller, as curl_slist_append's). */
struct curl_slist *nt_sig_headers(struct curl_slist *h, const struct cpc_req_sig *sig);

/* The body parsed as JSON (new reference; NULL when empty or not JSON); b is borrowed. */
json_t *nt_json(const struct nt_buf *b);

/* home (NT_HOME_MAX bytes) = a fresh folder from tmpl ("/tmp/name-XXXXXX"),
 * initialised as a node home of chain_id; config_extra (may be NULL) is
 * appended to its config file. Returns cpc_node_init_home's *created. The
 * caller removes the folder (nt_node_down). */
bool nt_home_new(char *home, const char *tmpl, const char *chain_id, const char *config_extra);

/* cfg = home's config for a test: listening on 127.0.0.1:0, block time one
 * hour (blocks only when the test produces them). home is borrowed. */
void nt_config_load(struct cpc_node_config *cfg, const char *home);

/* cpc_daemon_open, asserting success (the error is printed). The caller owns
 * node and closes it (nt_node_down). */
void nt_node_open(struct cpc_node *node, const struct cpc_node_config *cfg);

/* cpc_daemon_start, asserting success (printed); base (NT_BASE_MAX bytes) =
 * "http://127.0.0.1:PORT" of its API. */
void nt_node_start(struct cpc_node *node, char *base);

/* nt_config_load + nt_node_open + nt_node_start with the test defaults. */
void nt_node_up(struct cpc_node *node, const char *home, char *base);

/* Closes node and removes its home folder (both owned by the caller's fixture). */
void nt_node_down(struct cpc_node *node, const char *home);

/* Produces one block now (cpc_produce_block), asserting success (the error is printed). */
void nt_produce(struct cpc_node *node);

static inline const char *err_code(json_t *j)
{
    return json_string_value(json_object_get(json_object_get(j, "error"), "code"));
}

static inline const char *err_msg(json_t *j)
{
    return json_string_value(json_object_get(json_object_get(j, "error"), "message"));
}

static inline const char *str(json_t *j, const char *k)
{
    return json_string_value(json_object_get(j, k));
}

#endif

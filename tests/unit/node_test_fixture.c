/* node_test_fixture.c — a node in a fresh home and HTTP to it, for node tests
 * (node_test_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/consensus.h"
#include "http/httpd.h"
#include "node_test_fixture.h"
#include "tmpdir_fixture.h"
#include "common/clock.h"

size_t nt_on_data(char *d, size_t sz, size_t nm, void *arg)
{
    struct nt_buf *b = arg;
    size_t len = sz * nm;
    char *np = realloc(b->p, b->n + len + 1);
    if (!np)
        return 0;
    memcpy(np + b->n, d, len);
    b->p = np;
    b->n += len;
    b->p[b->n] = 0;
    return len;
}

long nt_http(CURL *c, const char *base, const struct nt_req *r, struct nt_buf *out)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", base, r->path);
    struct nt_buf b = {0};
    struct curl_slist *h = r->headers;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, nt_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, r->timeout_s);
    if (r->on_header) {
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, r->on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, r->header_arg);
    }
    if (r->user_agent)
        curl_easy_setopt(c, CURLOPT_USERAGENT, r->user_agent);
    char iface[80];
    if (r->local_ip) { /* another loopback address; its connection is not kept for others */
        snprintf(iface, sizeof iface, "host!%s", r->local_ip);
        curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
        curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    }
    if (r->body) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
    }
    if (h)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    long status = 0;
    CURLcode cr = curl_easy_perform(c);
    if (cr != CURLE_OK) {
        fprintf(stderr, "%s %s %.*s: %s\n", r->method, r->path, r->body ? (int)r->body_len : 0,
                r->body ? (const char *)r->body : "", curl_easy_strerror(cr));
        status = -1;
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(h);
    if (out)
        *out = b;
    else
        free(b.p);
    return status;
}

long nt_http_json(CURL *c, const char *base, const struct nt_req *r, json_t **out)
{
    struct nt_buf b = {0};
    long status = nt_http(c, base, r, &b);
    assert_true(status >= 0); /* an answer came (curl_easy_perform gave CURLE_OK) */
    if (out)
        *out = nt_json(&b);
    free(b.p);
    return status;
}

struct curl_slist *nt_sig_headers(struct curl_slist *h, const struct cpc_req_sig *sig)
{
    char line[256];
    snprintf(line, sizeof line, CPC_REQ_HDR_PUBKEY ": %s", sig->pubkey);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, CPC_REQ_HDR_TIMESTAMP ": %s", sig->timestamp);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, CPC_REQ_HDR_SIGNATURE ": %s", sig->signature);
    return curl_slist_append(h, line);
}

json_t *nt_json(const struct nt_buf *b)
{
    return b->p ? json_loadb(b->p, b->n, 0, NULL) : NULL;
}

bool nt_home_new(char *home, const char *tmpl, const char *chain_id, const char *config_extra)
{
    snprintf(home, NT_HOME_MAX, "%s", tmpl);
    assert_non_null(mkdtemp(home));
    struct cpc_err err = {0};
    bool created = false;
    assert_int_equal(cpc_node_init_home(home, chain_id, &created, &err), 0);
    if (config_extra) {
        char path[NT_HOME_MAX + 16];
        snprintf(path, sizeof path, "%s/config", home);
        FILE *cf = fopen(path, "a");
        assert_non_null(cf);
        fputs(config_extra, cf);
        fclose(cf);
    }
    return created;
}

void nt_config_load(struct cpc_node_config *cfg, const char *home)
{
    struct cpc_err err = {0};
    assert_int_equal(cpc_node_config_load(cfg, home, &err), 0);
    snprintf(cfg->listen, sizeof cfg->listen, "127.0.0.1:0");
    cfg->block_time_ms = 3600000; /* blocks only when the test asks */
}

void nt_node_open(struct cpc_node *node, const struct cpc_node_config *cfg)
{
    struct cpc_err err = {0};
    int rc = cpc_daemon_open(node, cfg, &err);
    if (rc)
        fprintf(stderr, "open: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

void nt_node_start(struct cpc_node *node, char *base)
{
    struct cpc_err err = {0};
    int rc = cpc_daemon_start(node, &err);
    if (rc)
        fprintf(stderr, "start: %s\n", err.msg);
    assert_int_equal(rc, 0);
    snprintf(base, NT_BASE_MAX, "http://127.0.0.1:%u", cpc_httpd_port(node->httpd));
}

void nt_node_up(struct cpc_node *node, const char *home, char *base)
{
    struct cpc_node_config cfg;
    nt_config_load(&cfg, home);
    nt_node_open(node, &cfg);
    nt_node_start(node, base);
}

void nt_node_down(struct cpc_node *node, const char *home)
{
    cpc_daemon_close(node);
    tmpdir_remove(home);
}

void nt_produce(struct cpc_node *node)
{
    struct cpc_err err = {0};
    int rc = cpc_produce_block(node, cpc_clock_wall_ms(), &err);
    if (rc)
        fprintf(stderr, "produce: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

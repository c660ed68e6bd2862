/* webhook_receiver.h — a small HTTP receiver on 127.0.0.1 for the webhook
 * tests (libmicrohttpd, as src/http): it records every POST (path, event id,
 * signature, body) and answers by path: /fail3 fails its first 3 requests
 * with 500, /redirect answers 302 to http://10.0.0.1/, anything else 200.
 * Ownership: rx_start fills the caller's struct; rx_stop frees what it holds. */
#ifndef CPC_TEST_WEBHOOK_RECEIVER_H
#define CPC_TEST_WEBHOOK_RECEIVER_H

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RX_MAX 64

struct rx_hit {
    char path[64], event_id[64], sig[128];
    char *body;
    int answered;
};

struct rx {
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t mu;
    struct rx_hit hits[RX_MAX];
    int n, fails;
};

struct rx_conn {
    char *buf;
    size_t len;
};

static enum MHD_Result rx_answer(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *data,
                                 size_t *size, void **con_cls)
{
    struct rx *r = cls;
    struct rx_conn *cc = *con_cls;
    (void)version;
    (void)method;
    if (!cc) {
        *con_cls = calloc(1, sizeof *cc);
        return MHD_YES;
    }
    if (*size) {
        cc->buf = realloc(cc->buf, cc->len + *size + 1);
        memcpy(cc->buf + cc->len, data, *size);
        cc->len += *size;
        cc->buf[cc->len] = 0;
        *size = 0;
        return MHD_YES;
    }
    const char *ev = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CPC-Event-Id");
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CPC-Signature");
    int status = 200;
    pthread_mutex_lock(&r->mu);
    if (!strcmp(url, "/fail3") && r->fails++ < 3)
        status = 500;
    if (!strcmp(url, "/redirect"))
        status = 302;
    if (r->n < RX_MAX) {
        struct rx_hit *h = &r->hits[r->n++];
        snprintf(h->path, sizeof h->path, "%s", url);
        snprintf(h->event_id, sizeof h->event_id, "%s", ev ? ev : "");
        snprintf(h->sig, sizeof h->sig, "%s", sig ? sig : "");
        h->body = strdup(cc->buf ? cc->buf : "");
        h->answered = status;
    }
    pthread_mutex_unlock(&r->mu);
    struct MHD_Response *res = MHD_create_response_from_buffer(2, (void *)"ok",
                                                               MHD_RESPMEM_PERSISTENT);
    if (status == 302)
        MHD_add_response_header(res, "Location", "http://10.0.0.1/");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, res);
    MHD_destroy_response(res);
    return ret;
}

static void rx_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode t)
{
    struct rx_conn *cc = *con_cls;
    (void)cls, (void)c, (void)t;
    if (cc) {
        free(cc->buf);
        free(cc);
    }
    *con_cls = NULL;
}

static inline int rx_start(struct rx *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
                            rx_answer, r, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_NOTIFY_COMPLETED, rx_done, r, MHD_OPTION_END);
    if (!r->d)
        return -1;
    r->port = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static inline void rx_stop(struct rx *r)
{
    MHD_stop_daemon(r->d);
    for (int i = 0; i < r->n && i < RX_MAX; i++)
        free(r->hits[i].body);
    pthread_mutex_destroy(&r->mu);
}

/* The number of hits so far. */
static inline int rx_count(struct rx *r)
{
    pthread_mutex_lock(&r->mu);
    int n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

#endif

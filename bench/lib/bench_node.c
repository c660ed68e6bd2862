/* bench_node.c — shared helpers of the end-to-end benches (see bench_node.h):
 * clock, JSON over keep-alive HTTP, a temporary home with a custom genesis,
 * and a cpcd child process. The common case is one node per bench run.
 */
#include "bench_node.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/home.h"
#include "core/keys.h"

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_sibling_path(char *out, size_t cap, const char *name)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0)
        return -1;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = 0;
    int w = snprintf(out, cap, "%s/%s", self, name);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

struct resp {
    char *p;
    size_t n;
};

static size_t on_data(char *d, size_t sz, size_t nm, void *arg)
{
    struct resp *r = arg;
    size_t len = sz * nm;
    char *np = realloc(r->p, r->n + len + 1);
    if (!np)
        return 0;
    memcpy(np + r->n, d, len);
    r->p = np;
    r->n += len;
    r->p[r->n] = 0;
    return len;
}

json_t *bench_http_json(CURL *c, const char *url, const char *body, size_t body_len,
                        struct curl_slist *headers, long *status)
{
    struct resp r = {0};
    struct curl_slist *h = NULL;
    if (body)
        h = curl_slist_append(h, "Content-Type: application/json");
    for (struct curl_slist *x = headers; x; x = x->next)
        h = curl_slist_append(h, x->data);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    json_t *j = NULL;
    long st = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
        if (r.p)
            j = json_loadb(r.p, r.n, 0, NULL);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    free(r.p);
    if (status)
        *status = st;
    return j;
}

void bench_random_key(struct cpc_signer *s, struct cpc_key *k)
{
    memset(k, 0, sizeof *k);
    do
        cpc_random_bytes(k->seckey, 32);
    while (cpc_seckey_check(k->seckey) != 0);
    cpc_pubkey_from_seckey(s, k->info.pubkey, k->seckey);
    cpc_pubkey_address(k->info.address, k->info.pubkey);
}

int bench_node_prepare(struct bench_node *bn, struct cpc_genesis *g)
{
    memset(bn, 0, sizeof *bn);
    bn->pid = -1;
    snprintf(bn->home, sizeof bn->home, "/tmp/cpc-bench-XXXXXX");
    if (!mkdtemp(bn->home)) {
        fprintf(stderr, "bench: mkdtemp: %s\n", strerror(errno));
        bn->home[0] = 0;
        return -1;
    }
    struct cpc_err err = {0};
    if (cpc_home_ensure(bn->home, &err) != 0 ||
        cpc_keyring_create(bn->home, "validator", NULL, &bn->validator, &err) != 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    memcpy(g->validator, bn->validator.info.pubkey, CPC_PUBKEY_LEN);
    return 0;
}

int bench_node_start(struct bench_node *bn, const char *cpcd, const struct cpc_genesis *g,
                     unsigned block_time_ms, size_t mempool_max, json_t **status)
{
    if (status)
        *status = NULL;
    if (access(cpcd, X_OK) != 0) {
        fprintf(stderr, "bench: cpcd not found at %s (use --cpcd)\n", cpcd);
        return -1;
    }
    json_t *gj = cpc_genesis_to_json(g);
    char *gtext = gj ? json_dumps(gj, JSON_INDENT(1)) : NULL;
    json_decref(gj);
    char path[CPC_PATH_MAX];
    struct cpc_err err = {0};
    int rc = -1;
    if (!gtext || cpc_home_path(path, sizeof path, bn->home, "genesis.json") != 0 ||
        cpc_write_file_atomic(path, gtext, strlen(gtext), 0644, &err) != 0) {
        fprintf(stderr, "bench: cannot write genesis.json: %s\n", err.msg);
        free(gtext);
        return -1;
    }
    free(gtext);
    char bt[32], mp[32];
    snprintf(bt, sizeof bt, "%u", block_time_ms);
    snprintf(mp, sizeof mp, "%zu", mempool_max);
    CURL *c = curl_easy_init();
    /* a few ports, in case one is taken */
    for (unsigned attempt = 0; attempt < 4 && rc != 0; attempt++) {
        unsigned port = 20000 + (unsigned)((getpid() * 7 + attempt * 7919) % 30000);
        char listen[64], url[128];
        snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
        snprintf(bn->base, sizeof bn->base, "http://%s", listen);
        snprintf(url, sizeof url, "%s/status", bn->base);
        bn->pid = fork();
        if (bn->pid < 0) {
            fprintf(stderr, "bench: fork: %s\n", strerror(errno));
            break;
        }
        if (bn->pid == 0) {
            execl(cpcd, "cpcd", "--home", bn->home, "--listen", listen, "--block-time", bt,
                  "--mempool-max", mp, "--log-level", "warn", "--quiet-empty", (char *)NULL);
            _exit(127);
        }
        for (int i = 0; i < 200; i++) {
            usleep(50000);
            int wst;
            if (waitpid(bn->pid, &wst, WNOHANG) == bn->pid) {
                bn->pid = -1; /* exited: port taken or bad home */
                break;
            }
            json_t *st = bench_http_json(c, url, NULL, 0, NULL, NULL);
            if (st) {
                if (status)
                    *status = st;
                else
                    json_decref(st);
                rc = 0;
                break;
            }
        }
        if (rc != 0 && bn->pid > 0)
            bench_node_stop(bn);
    }
    curl_easy_cleanup(c);
    if (rc != 0)
        fprintf(stderr, "bench: cpcd did not start\n");
    return rc;
}

void bench_node_stop(struct bench_node *bn)
{
    if (bn->pid > 0) {
        kill(bn->pid, SIGTERM);
        waitpid(bn->pid, NULL, 0);
    }
    bn->pid = -1;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

void bench_node_cleanup(struct bench_node *bn)
{
    bench_node_stop(bn);
    const char *keep = getenv("CPC_BENCH_KEEP");
    if (bn->home[0] && keep && !strcmp(keep, "1"))
        fprintf(stderr, "bench: kept the node home %s (CPC_BENCH_KEEP=1)\n", bn->home);
    else if (bn->home[0])
        nftw(bn->home, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    bn->home[0] = 0;
    cpc_key_wipe(&bn->validator);
}

/* bench_ledger.c — end-to-end ledger throughput against the signature bound.
 *
 * 1. Makes a fresh home: a validator key and ACCOUNTS funded accounts in a
 *    custom genesis.json.
 * 2. Pre-signs TXS transfers (nonce-major across accounts) and pre-encodes
 *    them as POST /txs batches of BATCH.
 * 3. Starts a real cpcd (the binary next to this one; lib/bench_node.c) on 127.0.0.1, submits
 *    the batches over HTTP from CLIENTS connections (keep-alive), and measures
 *    committed tx/s from the first submit until /status reports them all
 *    included.
 * 4. In the same run, measures libsecp256k1 ECDSA verifications per second on
 *    one core (cpc_verify), the physical bound of admission.
 * Last line: ledger: committed_tx_per_s=X verify_per_s_one_core=Y ratio=Z
 */
#include <curl/curl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <secp256k1.h>

#include "common/home.h"
#include "common/keyring.h"
#include "core/amount.h"
#include "core/genesis.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/tx.h"
#include "lib/bench_node.h"

/* Concurrent client connections (keep-alive). More than one per node core, so
 * that the server's thread pool, which binds each connection to one thread,
 * gets work on every thread. */
#define CLIENTS 4

#define now_s bench_now_s

struct opts {
    size_t txs, accounts, batch;
    unsigned block_time_ms;
    char cpcd[PATH_MAX];
};

static void usage(void)
{
    printf("Usage: bench_ledger [--txs N] [--accounts A] [--batch B] [--block-time MS] [--cpcd PATH]\n"
           "Measures committed tx/s of a fresh cpcd over HTTP against ECDSA verify/s on one core.\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
    o->txs = 40000;
    o->accounts = 400;
    o->batch = 500;
    o->block_time_ms = 250;
    if (bench_sibling_path(o->cpcd, sizeof o->cpcd, "cpcd") != 0)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage();
            exit(0);
        } else if (!strcmp(argv[i], "--txs") && v) {
            o->txs = strtoull(v, NULL, 10), i++;
        } else if (!strcmp(argv[i], "--accounts") && v) {
            o->accounts = strtoull(v, NULL, 10), i++;
        } else if (!strcmp(argv[i], "--batch") && v) {
            o->batch = strtoull(v, NULL, 10), i++;
        } else if (!strcmp(argv[i], "--block-time") && v) {
            o->block_time_ms = (unsigned)strtoul(v, NULL, 10), i++;
        } else if (!strcmp(argv[i], "--cpcd") && v) {
            snprintf(o->cpcd, sizeof o->cpcd, "%s", v), i++;
        } else {
            fprintf(stderr, "bench_ledger: bad argument %s\n", argv[i]);
            return -1;
        }
    }
    if (!o->txs || !o->accounts || !o->batch || o->accounts > o->txs || o->batch > 10000) {
        fprintf(stderr, "bench_ledger: need txs >= accounts >= 1 and 1 <= batch <= 10000\n");
        return -1;
    }
    return 0;
}

static json_t *http_json(CURL *c, const char *url, const char *body, size_t body_len)
{
    return bench_http_json(c, url, body, body_len, NULL, NULL);
}

/* ---- submission threads ---- */
struct job {
    char **batches;
    size_t *lens;
    size_t n_batches;
    size_t next; /* shared cursor */
    pthread_mutex_t mu;
    char url[128];
    size_t rejected;
    char first_error[256];
};

static void *submitter(void *arg)
{
    struct job *jb = arg;
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    for (;;) {
        pthread_mutex_lock(&jb->mu);
        size_t i = jb->next++;
        pthread_mutex_unlock(&jb->mu);
        if (i >= jb->n_batches)
            break;
        json_t *r = http_json(c, jb->url, jb->batches[i], jb->lens[i]);
        size_t rej = r ? (size_t)json_integer_value(json_object_get(r, "rejected")) : 1;
        if (rej) {
            pthread_mutex_lock(&jb->mu);
            jb->rejected += rej;
            if (!jb->first_error[0]) {
                char *s = r ? json_dumps(r, JSON_COMPACT) : NULL;
                snprintf(jb->first_error, sizeof jb->first_error, "%.250s",
                         s ? s : "no answer");
                free(s);
            }
            pthread_mutex_unlock(&jb->mu);
        }
        json_decref(r);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* libsecp256k1 alone, on pre-parsed keys and signatures: for reference only. */
static double measure_raw_verify_one_core(void)
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t sk[32], msg[32];
    do
        cpc_random_bytes(sk, 32);
    while (cpc_seckey_check(sk) != 0);
    cpc_random_bytes(msg, 32);
    secp256k1_pubkey pk;
    secp256k1_ecdsa_signature sig;
    if (!secp256k1_ec_pubkey_create(ctx, &pk, sk) ||
        !secp256k1_ecdsa_sign(ctx, &sig, msg, sk, NULL, NULL)) {
        secp256k1_context_destroy(ctx);
        return 0;
    }
    size_t count = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 256; i++)
            count += (size_t)secp256k1_ecdsa_verify(secp256k1_context_static, &sig, msg, &pk);
        t = now_s();
    } while (t - t0 < 1.0);
    secp256k1_context_destroy(ctx);
    return (double)count / (t - t0);
}

/* What admission must do per tx: parse the 33-byte pubkey and the compact
 * signature, reject high-S, verify (cpc_verify over libsecp256k1). */
static double measure_verify_one_core(void)
{
    enum { N = 256 };
    struct cpc_signer *s = cpc_signer_new_random();
    static uint8_t sk[N][32], pub[N][33], dig[N][32], sig[N][64];
    for (int i = 0; i < N; i++) {
        do
            cpc_random_bytes(sk[i], 32);
        while (cpc_seckey_check(sk[i]) != 0);
        cpc_pubkey_from_seckey(s, pub[i], sk[i]);
        cpc_random_bytes(dig[i], 32);
        cpc_sign(s, sig[i], dig[i], sk[i]);
    }
    cpc_signer_free(s);
    size_t count = 0, bad = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < N; i++)
            bad += cpc_verify(sig[i], dig[i], pub[i]) != 0;
        count += N;
        t = now_s();
    } while (t - t0 < 2.0);
    if (bad)
        fprintf(stderr, "bench_ledger: %zu verifications failed\n", bad);
    return (double)count / (t - t0);
}

int main(int argc, char **argv)
{
    struct opts o;
    if (parse(argc, argv, &o) != 0)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct cpc_err err = {0};
    int rc = 1;
    struct bench_node bn;
    struct cpc_key *acc = calloc(o.accounts, sizeof *acc);
    struct cpc_signer *signer = cpc_signer_new_random();
    struct job jb;
    memset(&jb, 0, sizeof jb);
    struct cpc_genesis g;
    memset(&g, 0, sizeof g);
    pthread_mutex_init(&jb.mu, NULL);

    printf("bench_ledger: %zu transfers from %zu accounts, batches of %zu, block time %u ms\n",
           o.txs, o.accounts, o.batch, o.block_time_ms);
    if (bench_node_prepare(&bn, &g) != 0)
        goto out;
    snprintf(g.params.chain_id, sizeof g.params.chain_id, "cpc-bench");
    g.params.min_gas_price = 1;
    g.params.max_block_txs = 10000;
    g.params.max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    g.params.max_block_verify = CPC_DEFAULT_MAX_BLOCK_VERIFY;
    g.params.protocol = CPC_PROTOCOL_VERSION;
    g.genesis_time_ms = (uint64_t)time(NULL) * 1000;
    memset(g.params.treasury, 0x7e, sizeof g.params.treasury); /* no market in this bench: any address */
    g.n_accounts = o.accounts;
    g.accounts = calloc(o.accounts, sizeof *g.accounts);
    for (size_t i = 0; i < o.accounts; i++) {
        do
            cpc_random_bytes(acc[i].seckey, 32);
        while (cpc_seckey_check(acc[i].seckey) != 0);
        cpc_pubkey_from_seckey(signer, acc[i].info.pubkey, acc[i].seckey);
        cpc_pubkey_hash(g.accounts[i].addr, acc[i].info.pubkey);
        g.accounts[i].balance = 1000000 * CPC_BASE_PER_CPC;
    }

    /* Pre-sign, nonce-major so every batch spreads over many senders. */
    size_t per = o.txs / o.accounts;
    size_t total = per * o.accounts;
    jb.n_batches = (total + o.batch - 1) / o.batch;
    jb.batches = calloc(jb.n_batches, sizeof *jb.batches);
    jb.lens = calloc(jb.n_batches, sizeof *jb.lens);
    double ts0 = now_s();
    json_t *arr = json_array();
    size_t k = 0, b = 0;
    for (size_t nonce = 0; nonce < per; nonce++)
        for (size_t a = 0; a < o.accounts; a++) {
            struct cpc_tx tx;
            memset(&tx, 0, sizeof tx);
            tx.type = CPC_TX_TRANSFER;
            snprintf(tx.chain_id, sizeof tx.chain_id, "cpc-bench");
            tx.nonce = nonce;
            tx.gas_price = 1;
            memcpy(tx.u.transfer.to, g.accounts[(a + 1 + nonce) % o.accounts].addr, 20);
            tx.u.transfer.amount = 1000 + nonce;
            if (cpc_tx_sign(&tx, signer, acc[a].seckey, &err) != 0)
                goto out;
            json_array_append_new(arr, cpc_tx_to_json(&tx));
            if (++k % o.batch == 0 || k == total) {
                json_t *body = json_pack("{s:o}", "txs", arr);
                jb.batches[b] = json_dumps(body, JSON_COMPACT);
                jb.lens[b] = strlen(jb.batches[b]);
                b++;
                json_decref(body);
                arr = json_array();
            }
        }
    json_decref(arr);
    printf("bench_ledger: pre-signed %zu txs in %.2f s\n", total, now_s() - ts0);

    /* Start cpcd on a free port. */
    json_t *st = NULL;
    if (bench_node_start(&bn, o.cpcd, &g, o.block_time_ms, total + 1000, &st) != 0)
        goto out;
    char url[128];
    snprintf(url, sizeof url, "%s/status", bn.base);
    CURL *c = curl_easy_init();
    uint64_t base_txs = (uint64_t)json_integer_value(json_object_get(st, "total_txs"));
    json_decref(st);

    snprintf(jb.url, sizeof jb.url, "%s/txs", bn.base);
    double t0 = now_s();
    pthread_t th[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&th[i], NULL, submitter, &jb);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);
    double t_sub = now_s();
    if (jb.rejected) {
        fprintf(stderr, "bench_ledger: %zu txs rejected, first: %s\n", jb.rejected,
                jb.first_error);
        curl_easy_cleanup(c);
        goto out;
    }
    uint64_t done = 0;
    double t1 = t0;
    for (;;) {
        st = http_json(c, url, NULL, 0);
        done = st ? (uint64_t)json_integer_value(json_object_get(st, "total_txs")) - base_txs : 0;
        json_decref(st);
        t1 = now_s();
        if (done >= total || t1 - t0 > 300)
            break;
        usleep(10000);
    }
    curl_easy_cleanup(c);
    if (done < total) {
        fprintf(stderr, "bench_ledger: only %llu of %zu txs committed in 300 s\n",
                (unsigned long long)done, total);
        goto out;
    }
    double tps = (double)total / (t1 - t0);
    printf("bench_ledger: submitted in %.2f s, all committed after %.2f s\n", t_sub - t0,
           t1 - t0);
    bench_node_stop(&bn);

    double vps = measure_verify_one_core();
    double raw = measure_raw_verify_one_core();
    printf("bench_ledger: committed %.0f tx/s over HTTP; ECDSA verify of wire (pubkey, sig) "
           "%.0f/s on one core (libsecp256k1 on pre-parsed keys: %.0f/s, ratio to that %.3f)\n",
           tps, vps, raw, raw > 0 ? tps / raw : 0.0);
    printf("ledger: committed_tx_per_s=%.0f verify_per_s_one_core=%.0f ratio=%.3f\n", tps, vps,
           tps / vps);
    rc = 0;
out:
    if (rc && err.msg[0])
        fprintf(stderr, "bench_ledger: %s\n", err.msg);
    for (size_t i = 0; i < jb.n_batches; i++)
        free(jb.batches ? jb.batches[i] : NULL);
    free(jb.batches);
    free(jb.lens);
    free(acc);
    free(g.accounts);
    cpc_signer_free(signer);
    bench_node_cleanup(&bn);
    curl_global_cleanup();
    return rc;
}

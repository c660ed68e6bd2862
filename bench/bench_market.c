/* bench_market.c — end-to-end market throughput: tiny hashpow tasks leased,
 * executed, submitted and settled over HTTP against a fresh cpcd.
 *
 * 1. A temporary home (lib/bench_node.c): a custom genesis funding one
 *    customer and WORKERS worker keys, the validator key in the keyring.
 * 2. cpcd starts (block time BLOCK_TIME ms). Setup, not timed: every worker
 *    sends WORKER_REGISTER, the customer sends JOBS JOB_CREATE txs of TASKS
 *    hashpow tasks each (bits 1..4, job j gets 1 + j % 4).
 * 3. Timed: WORKERS threads, one per worker key, each loop: a signed
 *    POST /worker/lease {"max_tasks":64,"wait_ms":...} (a long-poll while the
 *    worker still holds unsettled leases: the scheduler gives one worker at
 *    most worker_max_leases, default 8, and one job at most job_parallelism,
 *    default 64, live leases), solve every task with the core reference
 *    (cpc_hashpow_search), sign one SUBMIT_RESULT per task carrying its
 *    lease, and send them in one POST /txs.
 *    The clock runs from the first lease until GET /market/job/{id} reports
 *    tasks_done == tasks for every job (the results settled on chain).
 *    Pipeline depth: the bench writes HOME/config [market] worker_max_leases
 *    = 64 and job_parallelism = 1024 (--worker-max-leases, --job-parallelism;
 *    cpcd's defaults stay 8 and 64), so up to 128 x 64 = 8192 leases are in
 *    flight instead of 1024; it prints them in its second line. Results are
 *    signed with cpc_tx_sign_as (the worker knows its own public key) and
 *    the POST /txs body is written with cpc_tx_json_text (no jansson tree;
 *    each tx's text is its canonical sorted-key JSON, as the store keeps it).
 *    Each lease answer is signed once (a lease set, market.h); every result
 *    carries its task's place in the set.
 * 4. Steps 1-3 run --rounds times (default 3), each with a new home, node and
 *    chain; the market line reports the median round (all rounds are printed),
 *    so one slow or lucky round on a shared machine does not move it.
 * 5. The verify/detect measurements of bench_matmul_verify
 *    (lib/matmul_measure.c) run afterwards, on an idle machine.
 * Last three lines:
 *   market: tasks_per_s=X vs_slurm_500=X/500 vs_boinc_102=X/102
 *   verify: matmul_n=1024 verify_cost_ratio=R
 *   detect: lazy=P partial_1_8=P bound_partial_1_8=B
 * (vs_* are the ratios of our rate to Slurm's ~500 jobs/s scheduler
 * throughput and BOINC's ~102 tasks/s, printed as numbers.)
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/home.h"
#include "common/keyring.h"
#include "common/req_sign.h"
#include "core/amount.h"
#include "core/genesis.h"
#include "core/hex.h"
#include "core/kinds.h"
#include "core/market.h"
#include "core/tx.h"
#include "core/uuid.h"
#include "lib/bench_node.h"
#include "lib/matmul_measure.h"

#define CHAIN "cpc-mbench"
#define SLURM_JOBS_PER_S 500.0
#define BOINC_TASKS_PER_S 102.0
#define LEASE_MAX 64
#define REWARD 100000ULL            /* base units per task */
/* Each worker locks enough stake that a fresh worker's lease cap (2 per
 * min_worker_stake unit, docs/market.md "Scheduler limits") reaches the node's
 * worker_max_leases: (max + 1) / 2 units, and keeps 100 CPC spare for fees. */
#define WORKER_MIN_STAKE CPC_DEFAULT_MIN_WORKER_STAKE
#define WORKER_STAKE(max_leases) (((uint64_t)(max_leases) + 1) / 2 * WORKER_MIN_STAKE)
#define WORKER_FUNDS(max_leases) (WORKER_STAKE(max_leases) + 100ULL * CPC_BASE_PER_CPC)
#define TIMEOUT_S 600.0
/* The node's scheduler limits for this bench (HOME/config [market]); cpcd's
 * own defaults are 8 and 64. See the header comment. */
#define BENCH_WORKER_MAX_LEASES 64
#define BENCH_JOB_PARALLELISM 1024

struct opts {
    unsigned jobs, tasks, workers, block_time_ms, wait_ms, matmul_n, worker_max_leases,
        job_parallelism, rounds;
    int skip_matmul;
    char cpcd[PATH_MAX];
};

static void usage(void)
{
    printf("Usage: bench_market [--jobs J] [--tasks T] [--workers W] [--block-time MS]\n"
           "                    [--wait-ms MS] [--worker-max-leases N] [--job-parallelism N]\n"
           "                    [--matmul-n N] [--no-matmul] [--rounds N] [--cpcd PATH]\n"
           "Tiny hashpow tasks leased, solved, submitted and settled end to end over HTTP\n"
           "against a fresh cpcd, in N independent rounds (a new node and chain each; the\n"
           "median is reported); then the matmul verify-cost and detection figures.\n"
           "Defaults: 16 jobs x 1250 tasks, 128 workers (one thread each), 100 ms blocks,\n"
           "3 rounds, node [market] worker_max_leases %u, job_parallelism %u (HOME/config).\n",
           BENCH_WORKER_MAX_LEASES, BENCH_JOB_PARALLELISM);
}

static int parse_u(const char *v, unsigned *out)
{
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    if (!*v || *end || x > 1000000000UL)
        return -1;
    *out = (unsigned)x;
    return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->jobs = 16;
    o->tasks = 1250;
    o->workers = 128;
    o->block_time_ms = 100;
    o->wait_ms = 1000;
    o->matmul_n = 1024;
    o->worker_max_leases = BENCH_WORKER_MAX_LEASES;
    o->job_parallelism = BENCH_JOB_PARALLELISM;
    o->rounds = 3;
    if (bench_sibling_path(o->cpcd, sizeof o->cpcd, "cpcd") != 0)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned *dst = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            exit(0);
        } else if (!strcmp(a, "--no-matmul")) {
            o->skip_matmul = 1;
            continue;
        } else if (!strcmp(a, "--cpcd") && v) {
            snprintf(o->cpcd, sizeof o->cpcd, "%s", v);
            i++;
            continue;
        } else if (!strcmp(a, "--jobs")) {
            dst = &o->jobs;
        } else if (!strcmp(a, "--tasks")) {
            dst = &o->tasks;
        } else if (!strcmp(a, "--workers")) {
            dst = &o->workers;
        } else if (!strcmp(a, "--block-time")) {
            dst = &o->block_time_ms;
        } else if (!strcmp(a, "--wait-ms")) {
            dst = &o->wait_ms;
        } else if (!strcmp(a, "--worker-max-leases")) {
            dst = &o->worker_max_leases;
        } else if (!strcmp(a, "--job-parallelism")) {
            dst = &o->job_parallelism;
        } else if (!strcmp(a, "--matmul-n")) {
            dst = &o->matmul_n;
        } else if (!strcmp(a, "--rounds")) {
            dst = &o->rounds;
        }
        if (!dst || !v || parse_u(v, dst) != 0) {
            fprintf(stderr, "bench_market: bad argument %s\n", a);
            return -1;
        }
        i++;
    }
    /* one JOB_CREATE (100,000 gas + 100,000 per task + contract bytes) must fit
     * the default block gas limit */
    const unsigned max_tasks =
        (unsigned)((CPC_DEFAULT_MAX_BLOCK_GAS - CPC_GAS_JOB_CREATE) / CPC_GAS_PER_TASK) - 10;
    if (!o->jobs || o->jobs > 1000 || !o->tasks || o->tasks > max_tasks || !o->workers ||
        o->workers > 1024 || !o->block_time_ms || o->wait_ms > 25000 || !o->matmul_n ||
        o->matmul_n > CPC_MATMUL_MAX_DIM || !o->worker_max_leases ||
        o->worker_max_leases > 4096 || !o->job_parallelism || o->job_parallelism > 100000 ||
        !o->rounds || o->rounds > 15) {
        fprintf(stderr, "bench_market: need 1 <= jobs <= 1000, 1 <= tasks <= %d, "
                        "1 <= workers <= 1024, wait-ms <= 25000, 1 <= worker-max-leases <= "
                        "4096, 1 <= job-parallelism <= 100000, 1 <= rounds <= 15\n",
                max_tasks);
        return -1;
    }
    return 0;
}

/* ---- shared state ---- */

struct worker {
    struct cpc_key key;
    uint8_t addr[CPC_ADDR_HASH_LEN];
    uint64_t nonce; /* next tx nonce */
    uint64_t last_ts; /* last signed-request timestamp, unix ms */
};

struct run {
    const struct opts *o;
    struct worker *workers;
    char base[64];
    atomic_bool stop;
    atomic_uint_fast64_t lease_calls, lease_empty, leased, submitted, rejected, unavailable,
        http_errors, submit_calls;
    pthread_mutex_t mu;
    char first_error[512];
};

struct thread_arg {
    struct run *r;
    struct worker *w;
};

__attribute__((format(printf, 2, 3))) static void note_error(struct run *r, const char *fmt,
                                                              ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&r->mu);
    if (!r->first_error[0])
        vsnprintf(r->first_error, sizeof r->first_error, fmt, ap);
    pthread_mutex_unlock(&r->mu);
    va_end(ap);
}

static void note_json_error(struct run *r, const char *what, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    char buf[400];
    snprintf(buf, sizeof buf, "%s: %.360s", what, s ? s : "no answer");
    free(s);
    note_error(r, "%s", buf);
}

/* Timestamp of w's next signed request: unix ms, strictly increasing (the
 * same request signed twice in one millisecond would be a replay). */
static uint64_t next_ts(struct worker *w)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    w->last_ts = now > w->last_ts ? now : w->last_ts + 1;
    return w->last_ts;
}

/* Signed lease call for one worker. New reference to the answer, or NULL. */
static json_t *lease(struct run *r, CURL *c, const struct cpc_signer *signer,
                     struct worker *w)
{
    char body[96], url[128];
    int len = snprintf(body, sizeof body, "{\"max_tasks\":%d,\"wait_ms\":%u}", LEASE_MAX,
                       r->o->wait_ms);
    struct cpc_req_sig sig;
    struct cpc_err err = {0};
    if (cpc_req_sign(&sig, signer, &w->key, "POST", "/worker/lease", body, (size_t)len,
                     next_ts(w), &err) != 0) {
        note_error(r, "signing a lease request: %s", err.msg);
        return NULL;
    }
    char h1[128], h2[64], h3[192];
    snprintf(h1, sizeof h1, CPC_REQ_HDR_PUBKEY ": %s", sig.pubkey);
    snprintf(h2, sizeof h2, CPC_REQ_HDR_TIMESTAMP ": %s", sig.timestamp);
    snprintf(h3, sizeof h3, CPC_REQ_HDR_SIGNATURE ": %s", sig.signature);
    struct curl_slist *h = curl_slist_append(NULL, h1);
    h = curl_slist_append(h, h2);
    h = curl_slist_append(h, h3);
    snprintf(url, sizeof url, "%s/worker/lease", r->base);
    long status = 0;
    json_t *j = bench_http_json(c, url, body, (size_t)len, h, &status);
    curl_slist_free_all(h);
    atomic_fetch_add(&r->lease_calls, 1);
    if (status == 503) { /* replay window full: back off */
        atomic_fetch_add(&r->unavailable, 1);
        json_decref(j);
        usleep(20000);
        return NULL;
    }
    if (status != 200 || !j) {
        atomic_fetch_add(&r->http_errors, 1);
        note_json_error(r, "lease", j);
        json_decref(j);
        return NULL;
    }
    return j;
}

/* A POST /txs body being built: "{\"txs\":[" tx "," tx ... then "]}". */
struct txs_body {
    struct cpc_buf text;
    size_t n;        /* txs appended */
};

static void txs_body_reset(struct txs_body *b)
{
    b->text.len = 0;
    b->n = 0;
    cpc_buf_put(&b->text, "{\"txs\":[", 8);
}

/* Append tx's wire JSON (cpc_tx_json_text: no jansson for SUBMIT_RESULT;
 * the jansson dump with the same flags otherwise). Returns 0 or -1. */
static int txs_body_add(struct txs_body *b, const struct cpc_tx *tx)
{
    if (b->n)
        cpc_buf_put(&b->text, ",", 1);
    int rc = cpc_tx_json_text(tx, &b->text);
    if (rc == CPC_TX_JSON_TEXT_FALLBACK) {
        json_t *j = cpc_tx_to_json(tx);
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(j);
        if (!s)
            return -1;
        cpc_buf_put(&b->text, s, strlen(s));
        free(s);
        rc = 0;
    }
    if (rc != 0 || b->text.failed)
        return -1;
    b->n++;
    return 0;
}

/* Solve one leased task and append its signed SUBMIT_RESULT to body. */
static int solve(struct run *r, const struct cpc_signer *signer, struct worker *w,
                 const json_t *t, struct txs_body *body)
{
    const json_t *lj = json_object_get(t, "lease");
    const char *tid = json_string_value(json_object_get(t, "task_id"));
    const char *seed_hex = json_string_value(json_object_get(t, "seed"));
    const char *lsig_hex = json_string_value(json_object_get(lj, "signature"));
    json_int_t bits = json_integer_value(json_object_get(json_object_get(t, "params"), "bits"));
    json_int_t expires = json_integer_value(json_object_get(lj, "expires"));
    uint8_t seed[32], lsig[64];
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    if (!tid || !seed_hex || !lsig_hex || bits < 1 || bits > 32 || expires <= 0 ||
        cpc_uuid_parse(tx.u.result.task_id, tid) != 0 ||
        cpc_hex_decode_exact(seed, 32, seed_hex) != 0 ||
        cpc_hex_decode_exact(lsig, 64, lsig_hex) != 0) {
        note_json_error(r, "unexpected lease entry", (json_t *)t);
        return -1;
    }
    int in_set = 0;
    struct cpc_err perr = {0};
    if (cpc_lease_set_from_json(&tx.u.result.lease_set, &in_set, lj, "lease", CPC_ERR_INVALID,
                                &perr) != 0) {
        note_error(r, "lease set fields: %s", perr.msg);
        return -1;
    }
    uint64_t nonce = 0;
    if (cpc_hashpow_search(seed, (unsigned)bits, 0, 1u << 30, &nonce) != 0) {
        note_error(r, "%s", "hashpow: no nonce found");
        return -1;
    }
    tx.type = CPC_TX_SUBMIT_RESULT;
    snprintf(tx.chain_id, sizeof tx.chain_id, CHAIN);
    tx.nonce = w->nonce;
    tx.gas_price = 1;
    for (int i = 0; i < 8; i++)
        tx.u.result.result_hash[i] = (uint8_t)(nonce >> (56 - 8 * i));
    tx.u.result.result_hash_len = 8;
    memcpy(tx.u.result.worker, w->addr, CPC_ADDR_HASH_LEN);
    tx.u.result.has_lease = in_set ? 2 : 1;
    tx.u.result.lease_expires = (uint64_t)expires;
    memcpy(tx.u.result.lease_sig, lsig, 64);
    struct cpc_err err = {0};
    if (cpc_tx_sign_as(&tx, signer, w->key.seckey, w->key.info.pubkey, &err) != 0) {
        note_error(r, "signing a result: %s", err.msg);
        return -1;
    }
    if (txs_body_add(body, &tx) != 0)
        return -1;
    w->nonce++;
    return 0;
}

static int submit(struct run *r, CURL *c, struct txs_body *body)
{
    cpc_buf_put(&body->text, "]}", 2);
    if (body->text.failed)
        return -1;
    char url[128];
    snprintf(url, sizeof url, "%s/txs", r->base);
    long status = 0;
    json_t *j = bench_http_json(c, url, (const char *)body->text.data, body->text.len, NULL,
                                &status);
    atomic_fetch_add(&r->submit_calls, 1);
    json_int_t acc = json_integer_value(json_object_get(j, "accepted"));
    json_int_t rej = json_integer_value(json_object_get(j, "rejected"));
    if (status != 200 || !j || rej) {
        atomic_fetch_add(&r->rejected, rej ? (uint64_t)rej : body->n);
        note_json_error(r, "POST /txs", j);
        json_decref(j);
        return -1;
    }
    atomic_fetch_add(&r->submitted, (uint64_t)acc);
    json_decref(j);
    return 0;
}

/* One worker: lease (a long-poll while its previous results are not yet
 * settled), solve, submit its results in one POST /txs, again. */
static void *worker_thread(void *arg)
{
    struct thread_arg *ta = arg;
    struct run *r = ta->r;
    struct worker *w = ta->w;
    CURL *c = curl_easy_init();
    struct cpc_signer *signer = cpc_signer_new_random();
    struct txs_body body;
    cpc_buf_init(&body.text);
    txs_body_reset(&body);
    if (!c || !signer || body.text.failed) {
        note_error(r, "%s", "thread setup: out of memory");
        atomic_store(&r->stop, true);
    }
    while (!atomic_load(&r->stop)) {
        txs_body_reset(&body);
        json_t *j = lease(r, c, signer, w);
        json_t *tasks = json_object_get(j, "tasks");
        size_t n = json_array_size(tasks);
        if (j && n == 0)
            atomic_fetch_add(&r->lease_empty, 1);
        atomic_fetch_add(&r->leased, n);
        for (size_t k = 0; k < n; k++)
            if (solve(r, signer, w, json_array_get(tasks, k), &body) != 0) {
                atomic_store(&r->stop, true);
                break;
            }
        json_decref(j);
        if (!j && atomic_load(&r->http_errors) > 100)
            atomic_store(&r->stop, true);
        if (body.n && !atomic_load(&r->stop) && submit(r, c, &body) != 0)
            atomic_store(&r->stop, true);
    }
    cpc_buf_free(&body.text);
    cpc_signer_free(signer);
    curl_easy_cleanup(c);
    return NULL;
}

/* ---- setup ---- */

static json_t *signed_tx_json(struct cpc_tx *tx, const struct cpc_signer *s,
                              const uint8_t sk[32], struct cpc_err *err)
{
    snprintf(tx->chain_id, sizeof tx->chain_id, CHAIN);
    tx->gas_price = 1;
    if (cpc_tx_sign(tx, s, sk, err) != 0)
        return NULL;
    return cpc_tx_to_json(tx);
}

/* HOME/config with the bench's scheduler limits ([market], scheduler.h) and
 * room for every worker's connection from 127.0.0.1 ([http], httpd.h). */
static int write_market_config(const char *home, const struct opts *o)
{
    char path[PATH_MAX], text[320];
    struct cpc_err err = {0};
    int len = snprintf(text, sizeof text,
                       "# written by bench_market\n[market]\nworker_max_leases = %u\n"
                       "job_parallelism = %u\n[http]\nper_ip_connections = %u\n",
                       o->worker_max_leases, o->job_parallelism, 2 * o->workers + 64);
    if (cpc_home_path(path, sizeof path, home, "config") != 0 ||
        cpc_write_file_atomic(path, text, (size_t)len, 0644, &err) != 0) {
        fprintf(stderr, "bench_market: cannot write %s/config: %s\n", home, err.msg);
        return -1;
    }
    return 0;
}

/* CPU seconds (user + system) used so far by process pid. */
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t status_height(CURL *c, const char *base)
{
    char url[128];
    snprintf(url, sizeof url, "%s/status", base);
    json_t *st = bench_http_json(c, url, NULL, 0, NULL, NULL);
    uint64_t h = (uint64_t)json_integer_value(json_object_get(st, "height"));
    json_decref(st);
    return h;
}

/* tasks_done of one job (-1 if unreadable); *completed when its status says so. */
static long job_done(CURL *c, const char *base, const char *job_hex, int *completed)
{
    char url[192];
    snprintf(url, sizeof url, "%s/market/job/%s?limit=0", base, job_hex);
    long status = 0;
    json_t *j = bench_http_json(c, url, NULL, 0, NULL, &status);
    long done = -1;
    if (status == 200 && j) {
        done = (long)json_integer_value(json_object_get(j, "tasks_done"));
        const char *s = json_string_value(json_object_get(j, "status"));
        *completed = s && !strcmp(s, "completed");
    }
    json_decref(j);
    return done;
}

/* One round: a fresh node and chain, the jobs set up, then timed from the first
 * lease until every task is settled. *tps_out gets the tasks per second. 0 or 1. */
static int market_round(const struct opts *opts, unsigned round, double *tps_out)
{
    struct opts o = *opts;
    int rc = 1;
    struct cpc_err err = {0};
    struct bench_node bn;
    struct cpc_genesis g;
    memset(&g, 0, sizeof g);
    struct cpc_signer *signer = cpc_signer_new_random();
    struct cpc_key customer;
    memset(&customer, 0, sizeof customer);
    struct run r;
    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.mu, NULL);
    r.o = &o;
    r.workers = calloc(o.workers, sizeof *r.workers);
    char(*job_hex)[65] = calloc(o.jobs, sizeof *job_hex);
    long *done_of = calloc(o.jobs, sizeof *done_of);
    pthread_t *th = calloc(o.workers, sizeof *th);
    struct thread_arg *ta = calloc(o.workers, sizeof *ta);
    CURL *c = curl_easy_init();
    json_t *setup = json_array();
    char *setup_text = NULL;
    size_t started = 0;
    const uint64_t total = (uint64_t)o.jobs * o.tasks;
    if (!signer || !r.workers || !job_hex || !done_of || !th || !ta || !c || !setup) {
        fprintf(stderr, "bench_market: out of memory\n");
        return 1;
    }
    printf("bench_market: round %u of %u\n", round + 1, o.rounds);

    /* genesis: the customer and the workers funded */
    if (bench_node_prepare(&bn, &g) != 0)
        goto out;
    snprintf(g.params.chain_id, sizeof g.params.chain_id, CHAIN);
    g.params.min_gas_price = 1;
    g.params.max_block_txs = 10000;
    g.params.min_worker_stake = WORKER_MIN_STAKE;
    g.params.unbonding_blocks = CPC_DEFAULT_UNBONDING_BLOCKS;
    g.params.max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    g.params.max_block_verify = CPC_DEFAULT_MAX_BLOCK_VERIFY;
    g.params.protocol = CPC_PROTOCOL_VERSION;
    g.genesis_time_ms = (uint64_t)time(NULL) * 1000;
    bench_random_key(signer, &customer);
    struct cpc_key treasury;
    bench_random_key(signer, &treasury);
    cpc_pubkey_hash(g.params.treasury, treasury.info.pubkey);
    g.n_accounts = 1 + o.workers;
    g.accounts = calloc(g.n_accounts, sizeof *g.accounts);
    if (!g.accounts)
        goto out;
    cpc_pubkey_hash(g.accounts[0].addr, customer.info.pubkey);
    g.accounts[0].balance = 1000000000ULL * CPC_BASE_PER_CPC;
    for (unsigned i = 0; i < o.workers; i++) {
        struct worker *w = &r.workers[i];
        bench_random_key(signer, &w->key);
        cpc_pubkey_hash(w->addr, w->key.info.pubkey);
        memcpy(g.accounts[1 + i].addr, w->addr, CPC_ADDR_HASH_LEN);
        g.accounts[1 + i].balance = WORKER_FUNDS(o.worker_max_leases);
    }
    /* setup txs: WORKER_REGISTER x workers, JOB_CREATE x jobs */
    for (unsigned i = 0; i < o.workers; i++) {
        struct cpc_tx tx;
        memset(&tx, 0, sizeof tx);
        tx.type = CPC_TX_WORKER_REGISTER;
        tx.nonce = r.workers[i].nonce++;
        tx.u.worker_register.stake = WORKER_STAKE(o.worker_max_leases);
        tx.u.worker_register.cpu_cores = 2;
        tx.u.worker_register.ram_gb = 4;
        json_t *j = signed_tx_json(&tx, signer, r.workers[i].key.seckey, &err);
        if (!j || json_array_append_new(setup, j) != 0)
            goto out;
    }
    for (unsigned i = 0; i < o.jobs; i++) {
        struct cpc_tx tx;
        memset(&tx, 0, sizeof tx);
        tx.type = CPC_TX_JOB_CREATE;
        tx.nonce = i;
        struct cpc_contract *ct = &tx.u.job_create.contract;
        ct->kind = CPC_KIND_HASHPOW;
        ct->p.hashpow.bits = (uint8_t)(1 + i % 4);
        ct->tasks = o.tasks;
        ct->reward = REWARD;
        ct->replication = 1;
        ct->deadline_blocks = 1000000;
        ct->priority = CPC_PRIORITY_NORMAL;
        ct->max_budget = UINT64_MAX;
        uint64_t budget = 0, commission = 0;
        if (cpc_contract_budget(ct, &budget, &commission, &err) != 0)
            goto out;
        ct->max_budget = budget + commission;
        json_t *j = signed_tx_json(&tx, signer, customer.seckey, &err);
        if (!j || json_array_append_new(setup, j) != 0)
            goto out;
        cpc_hex_encode(job_hex[i], tx.hash, 32);
    }

    if (write_market_config(bn.home, &o) != 0 ||
        bench_node_start(&bn, o.cpcd, &g, o.block_time_ms, 1000000, NULL) != 0)
        goto out;
    snprintf(r.base, sizeof r.base, "%s", bn.base);
    double ts = bench_now_s();
    for (size_t off = 0; off < json_array_size(setup); off += 5000) {
        json_t *part = json_array();
        for (size_t i = off; i < json_array_size(setup) && i < off + 5000; i++)
            json_array_append(part, json_array_get(setup, i));
        json_t *body = json_pack("{s:o}", "txs", part);
        setup_text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        char url[128];
        snprintf(url, sizeof url, "%s/txs", bn.base);
        json_t *j = setup_text ? bench_http_json(c, url, setup_text, strlen(setup_text), NULL,
                                                 NULL)
                               : NULL;
        free(setup_text);
        setup_text = NULL;
        if (!j || json_integer_value(json_object_get(j, "rejected"))) {
            note_json_error(&r, "setup txs", j);
            json_decref(j);
            fprintf(stderr, "bench_market: %s\n", r.first_error);
            goto out;
        }
        json_decref(j);
    }
    /* wait until every job is on chain and active, and the last worker registered */
    for (unsigned i = 0; i < o.jobs; i++) {
        int completed = 0;
        while (job_done(c, bn.base, job_hex[i], &completed) < 0) {
            if (bench_now_s() - ts > 60) {
                fprintf(stderr, "bench_market: job %s not on chain after 60 s\n", job_hex[i]);
                goto out;
            }
            usleep(20000);
        }
    }
    for (unsigned i = 0; i < o.workers; i++) {
        char url[192];
        snprintf(url, sizeof url, "%s/market/worker/%s", bn.base, r.workers[i].key.info.address);
        long status = 0;
        json_t *j = bench_http_json(c, url, NULL, 0, NULL, &status);
        json_decref(j);
        if (status != 200) {
            fprintf(stderr, "bench_market: worker %s is not registered (HTTP %ld)\n",
                    r.workers[i].key.info.address, status);
            goto out;
        }
    }
    printf("bench_market: setup (%u registrations, %u jobs) on chain in %.2f s\n", o.workers,
           o.jobs, bench_now_s() - ts);

    /* timed: from the first lease until every task is settled */
    uint64_t h0 = status_height(c, bn.base);
    double node_cpu0 = proc_cpu_s(bn.pid), self_cpu0 = self_cpu_s();
    double t0 = bench_now_s(), t1 = t0;
    for (unsigned i = 0; i < o.workers; i++) {
        ta[i].r = &r;
        ta[i].w = &r.workers[i];
        if (pthread_create(&th[i], NULL, worker_thread, &ta[i]) != 0) {
            atomic_store(&r.stop, true);
            break;
        }
        started++;
    }
    /* Jobs are served in order (priority, then age), so poll the first job not
     * yet seen complete, moving on as soon as it is: about one GET per tick,
     * which keeps the observer's own load on the node small. */
    uint64_t done = 0;
    unsigned cur = 0;
    while (!atomic_load(&r.stop) && cur < o.jobs) {
        usleep(10000);
        while (cur < o.jobs) {
            int completed = 0;
            long d = job_done(c, bn.base, job_hex[cur], &completed);
            if (d >= 0)
                done_of[cur] = d;
            if (d < (long)o.tasks)
                break;
            cur++;
        }
        done = 0;
        for (unsigned i = 0; i < o.jobs; i++)
            done += (uint64_t)(done_of[i] > 0 ? done_of[i] : 0);
        t1 = bench_now_s();
        if (t1 - t0 > TIMEOUT_S)
            break;
    }
    /* read the counters now: joining waits for the workers' pending long-polls */
    double node_cpu = proc_cpu_s(bn.pid) - node_cpu0, self_cpu = self_cpu_s() - self_cpu0;
    uint64_t h1 = status_height(c, bn.base);
    atomic_store(&r.stop, true);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (r.first_error[0])
        fprintf(stderr, "bench_market: %s\n", r.first_error);
    if (done < total) {
        fprintf(stderr, "bench_market: only %" PRIu64 " of %" PRIu64 " tasks settled after %.1f s\n",
                done, total, t1 - t0);
        goto out;
    }
    for (unsigned i = 0; i < o.jobs; i++) {
        int completed = 0;
        if (job_done(c, bn.base, job_hex[i], &completed) != (long)o.tasks || !completed) {
            fprintf(stderr, "bench_market: job %s is not completed\n", job_hex[i]);
            goto out;
        }
    }
    bench_node_stop(&bn);

    double secs = t1 - t0, tps = (double)total / secs;
    uint64_t calls = atomic_load(&r.lease_calls), leased = atomic_load(&r.leased);
    printf("bench_market: %" PRIu64 " tasks settled in %.2f s over %" PRIu64 " blocks "
           "(%.0f tasks/block)\n",
           total, secs, h1 - h0, h1 > h0 ? (double)total / (double)(h1 - h0) : 0.0);
    printf("bench_market: %" PRIu64 " lease calls (%" PRIu64 " empty, %" PRIu64
           " answered 503), %.1f tasks per call; %" PRIu64 " POST /txs, %" PRIu64
           " results accepted, %" PRIu64 " rejected\n",
           calls, atomic_load(&r.lease_empty), atomic_load(&r.unavailable),
           calls ? (double)leased / (double)calls : 0.0, atomic_load(&r.submit_calls),
           atomic_load(&r.submitted), atomic_load(&r.rejected));
    printf("bench_market: CPU while timed: cpcd %.2f s (%.0f us/task), bench workers %.2f s "
           "(%.0f us/task), on %ld cores\n",
           node_cpu, node_cpu / (double)total * 1e6, self_cpu, self_cpu / (double)total * 1e6,
           sysconf(_SC_NPROCESSORS_ONLN));
    if (atomic_load(&r.submitted) != total)
        printf("bench_market: note: %" PRIu64 " results submitted for %" PRIu64 " tasks\n",
               atomic_load(&r.submitted), total);

    printf("bench_market: round %u: %.0f tasks/s\n", round + 1, tps);
    *tps_out = tps;
    rc = 0;
out:
    if (rc && err.msg[0])
        fprintf(stderr, "bench_market: %s\n", err.msg);
    atomic_store(&r.stop, true);
    bench_node_cleanup(&bn);
    json_decref(setup);
    free(setup_text);
    curl_easy_cleanup(c);
    for (unsigned i = 0; r.workers && i < o.workers; i++)
        cpc_key_wipe(&r.workers[i].key);
    cpc_key_wipe(&customer);
    free(r.workers);
    free(job_hex);
    free(done_of);
    free(th);
    free(ta);
    free(g.accounts);
    cpc_signer_free(signer);
    pthread_mutex_destroy(&r.mu);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    struct opts o;
    if (parse(argc, argv, &o) != 0)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    printf("bench_market: %u jobs x %u hashpow tasks (bits 1..4), %u workers (one thread "
           "each), lease max_tasks %d, block time %u ms, %u rounds\n",
           o.jobs, o.tasks, o.workers, LEASE_MAX, o.block_time_ms, o.rounds);
    printf("bench_market: node config [market] worker_max_leases = %u, job_parallelism = %u "
           "(cpcd defaults 8 and 64): up to %llu leases in flight\n",
           o.worker_max_leases, o.job_parallelism,
           (unsigned long long)o.workers * o.worker_max_leases <
                   (unsigned long long)o.jobs * o.job_parallelism
               ? (unsigned long long)o.workers * o.worker_max_leases
               : (unsigned long long)o.jobs * o.job_parallelism);
    double tps[15];
    int rc = 0;
    for (unsigned i = 0; i < o.rounds && rc == 0; i++)
        rc = market_round(&o, i, &tps[i]);
    struct mm_verify_cost v;
    struct mm_detection d;
    memset(&v, 0, sizeof v);
    memset(&d, 0, sizeof d);
    if (rc == 0 && !o.skip_matmul) {
        if (mm_measure_verify_cost(o.matmul_n, &v) != 0 || mm_measure_detection(&d) != 0)
            rc = 1;
        else
            printf("bench_market: matmul n=%u multiply %.3f s CPU, verify %.4f s CPU "
                   "(%d challenged rows)\n",
                   v.n, v.multiply_s, v.verify_s, MM_CHALLENGES);
    }
    if (rc == 0) {
        /* the median round: one slow or lucky round on a shared machine does not move it */
        double sorted[15];
        memcpy(sorted, tps, o.rounds * sizeof *tps);
        qsort(sorted, o.rounds, sizeof *sorted, cmp_double);
        double med = o.rounds % 2 ? sorted[o.rounds / 2]
                                  : (sorted[o.rounds / 2 - 1] + sorted[o.rounds / 2]) / 2;
        printf("bench_market: rounds (tasks/s):");
        for (unsigned i = 0; i < o.rounds; i++)
            printf(" %.0f", tps[i]);
        printf("; median %.0f, min %.0f, max %.0f\n", med, sorted[0], sorted[o.rounds - 1]);
        printf("market: tasks_per_s=%.0f vs_slurm_500=%.2f vs_boinc_102=%.2f\n", med,
               med / SLURM_JOBS_PER_S, med / BOINC_TASKS_PER_S);
        if (!o.skip_matmul) {
            mm_print_verify_line(&v);
            mm_print_detect_line(&d);
        }
    }
    curl_global_cleanup();
    return rc;
}

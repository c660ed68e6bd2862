/* mempool.c — pending transactions (see mempool.h for the rules).
 *
 * Layout: a hash set of all pending tx hashes (open addressing) for
 * duplicate detection and lookup, and a table of senders (open addressing
 * on the 20-byte address) each holding its txs sorted by nonce. The common
 * case is one sender submitting a run of consecutive nonces, so per-sender
 * arrays stay short and insertion at the end is O(1).
 *
 * Every pending tx is a heap copy made with cpc_tx_copy (it may own `ext`
 * bytes) inside an mp_entry that also records its admission time, and is
 * released with free_tx; txs handed out (select, get) are copies again, so
 * the caller never shares memory with the pool.
 *
 * Future txs: each sender remembers the committed nonce it was last checked
 * against (`base`) and the length of its runnable run from there (`run`);
 * txs[run..n) are future. sender_recount keeps `future` and the pool's
 * n_future in step after every change to a sender, and the sender's place
 * in the victim heap: a binary min-heap of the senders with pending txs,
 * ordered by their last tx (a future one first, then the lowest gas price,
 * then the newest), so finding what to evict when the pool or the future
 * quota is full costs O(1) and each change O(log senders). The heap holds
 * pointers into the sender table and is rebuilt when the table is.
 */
#include "mempool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/amount.h"
#include "../core/hex.h"
#include "../common/clock.h"

/* A pending tx and its admission time; tx is the first member, so a
 * struct cpc_tx * of the pool converts back with entry_of. */
struct mp_entry {
    struct cpc_tx tx;
    uint64_t added_ms;
};

struct mp_sender {
    uint8_t addr[CPC_ADDR_HASH_LEN];
    uint64_t arrival;         /* order of first appearance */
    struct cpc_tx **txs;      /* sorted by nonce, owned (each the tx of an mp_entry) */
    size_t n, cap;
    uint64_t base;            /* committed nonce last seen for this sender */
    size_t run;               /* txs[0..run) are base, base+1, ...: runnable */
    size_t future;            /* n - run, as counted in the pool's n_future */
    size_t hpos;              /* index in the victim heap, NO_HPOS when not in it */
    int used;                 /* slot in use (sender table) */
};

#define NO_HPOS ((size_t)-1)

struct mp_hslot {
    struct cpc_tx *tx;        /* NULL = empty, TOMB = deleted */
};

#define TOMB ((struct cpc_tx *)1)

struct cpc_mempool {
    pthread_mutex_t mu;
    struct cpc_mempool_limits lim;
    size_t count;
    size_t n_future;          /* sum of the senders' `future` */
    uint64_t arrivals;
    uint64_t (*now_ms)(void *arg);
    void *now_arg;

    struct mp_hslot *hset;    /* by tx hash */
    size_t hcap, hused;       /* hused counts live + tombstones */

    struct mp_sender *senders;
    size_t scap, sused;

    struct mp_sender **heap;  /* victim heap (see the note above) */
    size_t heap_n, heap_cap;
    uint64_t max_gas; /* 0 = no limit; set once before use */
};

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* ---- hash set ---- */

static int hset_grow(struct cpc_mempool *mp);

static struct mp_hslot *hset_find(struct cpc_mempool *mp, const uint8_t hash[32])
{
    size_t mask = mp->hcap - 1;
    for (size_t i = load64(hash) & mask;; i = (i + 1) & mask) {
        struct mp_hslot *s = &mp->hset[i];
        if (!s->tx)
            return NULL;
        if (s->tx != TOMB && memcmp(s->tx->hash, hash, 32) == 0)
            return s;
    }
}

static int hset_insert(struct cpc_mempool *mp, struct cpc_tx *tx)
{
    if ((mp->hused + 1) * 4 >= mp->hcap * 3 && hset_grow(mp) != 0)
        return CPC_ERR_NOMEM;
    size_t mask = mp->hcap - 1;
    for (size_t i = load64(tx->hash) & mask;; i = (i + 1) & mask) {
        struct mp_hslot *s = &mp->hset[i];
        if (!s->tx) {
            s->tx = tx;
            mp->hused++;
            return 0;
        }
    }
}

static int hset_grow(struct cpc_mempool *mp)
{
    size_t ncap = mp->hcap ? mp->hcap * 2 : 1024;
    /* Rehash at the same size when mostly tombstones. */
    if (mp->hcap && mp->count * 2 < mp->hcap / 2)
        ncap = mp->hcap;
    struct mp_hslot *old = mp->hset;
    size_t ocap = mp->hcap;
    struct mp_hslot *nh = calloc(ncap, sizeof *nh);
    if (!nh)
        return CPC_ERR_NOMEM;
    mp->hset = nh;
    mp->hcap = ncap;
    mp->hused = 0;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].tx && old[i].tx != TOMB)
            hset_insert(mp, old[i].tx);
    free(old);
    return 0;
}

/* ---- victim heap ---- */

static uint64_t tail_added(const struct mp_sender *s);

/* Whether a's last tx should be evicted before b's. */
static bool victim_before(const struct mp_sender *a, const struct mp_sender *b)
{
    bool fa = a->future > 0, fb = b->future > 0;
    if (fa != fb)
        return fa;
    uint64_t pa = a->txs[a->n - 1]->gas_price, pb = b->txs[b->n - 1]->gas_price;
    if (pa != pb)
        return pa < pb;
    return tail_added(a) > tail_added(b);
}

static void heap_set(struct cpc_mempool *mp, size_t i, struct mp_sender *s)
{
    mp->heap[i] = s;
    s->hpos = i;
}

static void heap_up(struct cpc_mempool *mp, size_t i)
{
    struct mp_sender *s = mp->heap[i];
    while (i > 0 && victim_before(s, mp->heap[(i - 1) / 2])) {
        heap_set(mp, i, mp->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(mp, i, s);
}

static void heap_down(struct cpc_mempool *mp, size_t i)
{
    struct mp_sender *s = mp->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= mp->heap_n)
            break;
        if (c + 1 < mp->heap_n && victim_before(mp->heap[c + 1], mp->heap[c]))
            c++;
        if (!victim_before(mp->heap[c], s))
            break;
        heap_set(mp, i, mp->heap[c]);
        i = c;
    }
    heap_set(mp, i, s);
}

static void heap_remove(struct cpc_mempool *mp, struct mp_sender *s)
{
    size_t i = s->hpos;
    if (i == NO_HPOS)
        return;
    s->hpos = NO_HPOS;
    struct mp_sender *last = mp->heap[--mp->heap_n];
    if (i == mp->heap_n)
        return;
    heap_set(mp, i, last);
    heap_up(mp, i);
    heap_down(mp, last->hpos);
}

/* Put s where its last tx belongs (in, out or moved). 0, or CPC_ERR_NOMEM. */
static int heap_fix(struct cpc_mempool *mp, struct mp_sender *s)
{
    if (s->n == 0) {
        heap_remove(mp, s);
        return 0;
    }
    if (s->hpos == NO_HPOS) {
        if (mp->heap_n == mp->heap_cap) {
            size_t nc = mp->heap_cap ? mp->heap_cap * 2 : 256;
            struct mp_sender **nh = realloc(mp->heap, nc * sizeof *nh);
            if (!nh)
                return CPC_ERR_NOMEM;
            mp->heap = nh;
            mp->heap_cap = nc;
        }
        heap_set(mp, mp->heap_n++, s);
        heap_up(mp, s->hpos);
        return 0;
    }
    heap_up(mp, s->hpos);
    heap_down(mp, s->hpos);
    return 0;
}

/* After the sender table moved: the same senders, new addresses. */
static void heap_rebuild(struct cpc_mempool *mp)
{
    mp->heap_n = 0;
    for (size_t i = 0; i < mp->scap; i++) {
        struct mp_sender *s = &mp->senders[i];
        if (s->used && s->hpos != NO_HPOS)
            heap_set(mp, mp->heap_n++, s); /* at most as many as before: fits */
    }
    for (size_t i = mp->heap_n / 2; i-- > 0;)
        heap_down(mp, i);
}

/* ---- senders ---- */

static struct mp_sender *sender_find(struct cpc_mempool *mp, const uint8_t addr[20], int create)
{
    if (create && (mp->sused + 1) * 4 >= mp->scap * 3) {
        size_t ncap = mp->scap ? mp->scap * 2 : 256;
        struct mp_sender *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return NULL;
        size_t nused = 0;
        for (size_t i = 0; i < mp->scap; i++) {
            struct mp_sender *o = &mp->senders[i];
            if (!o->used)
                continue;
            if (o->n == 0) { /* drop empty senders on rehash */
                free(o->txs);
                continue;
            }
            size_t m = ncap - 1;
            for (size_t j = load64(o->addr) & m;; j = (j + 1) & m)
                if (!ns[j].used) {
                    ns[j] = *o;
                    nused++;
                    break;
                }
        }
        free(mp->senders);
        mp->senders = ns;
        mp->scap = ncap;
        mp->sused = nused;
        heap_rebuild(mp);
    }
    if (!mp->scap)
        return NULL;
    size_t mask = mp->scap - 1;
    for (size_t i = load64(addr) & mask;; i = (i + 1) & mask) {
        struct mp_sender *s = &mp->senders[i];
        if (!s->used) {
            if (!create)
                return NULL;
            memset(s, 0, sizeof *s);
            memcpy(s->addr, addr, CPC_ADDR_HASH_LEN);
            s->hpos = NO_HPOS;
            s->used = 1;
            s->arrival = mp->arrivals++;
            mp->sused++;
            return s;
        }
        if (memcmp(s->addr, addr, CPC_ADDR_HASH_LEN) == 0)
            return s;
    }
}

/* Index of the first tx with nonce >= nonce. */
static size_t sender_lower_bound(const struct mp_sender *s, uint64_t nonce)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->txs[mid]->nonce < nonce)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct mp_entry *entry_of(struct cpc_tx *tx)
{
    return (struct mp_entry *)(void *)tx;
}

static uint64_t tail_added(const struct mp_sender *s)
{
    return entry_of(s->txs[s->n - 1])->added_ms;
}

static void free_tx(struct cpc_tx *tx)
{
    if (tx)
        cpc_tx_clear(tx);
    free(tx ? entry_of(tx) : NULL);
}

static void drop_tx(struct cpc_mempool *mp, struct cpc_tx *tx)
{
    struct mp_hslot *h = hset_find(mp, tx->hash);
    if (h)
        h->tx = TOMB;
    free_tx(tx);
    mp->count--;
}

/* Remove txs [from, to) from sender s. */
static void sender_erase(struct cpc_mempool *mp, struct mp_sender *s, size_t from, size_t to)
{
    if (from >= to)
        return;
    for (size_t i = from; i < to; i++)
        drop_tx(mp, s->txs[i]);
    memmove(&s->txs[from], &s->txs[to], (s->n - to) * sizeof *s->txs);
    s->n -= to - from;
}

/* Recompute the sender's runnable run from s->base and its future count
 * (and the pool's). Call after every change to s->txs or s->base. */
static void sender_recount(struct cpc_mempool *mp, struct mp_sender *s)
{
    size_t run = 0;
    while (run < s->n && s->txs[run]->nonce == s->base + run)
        run++;
    mp->n_future -= s->future;
    s->run = run;
    s->future = s->n - run;
    mp->n_future += s->future;
    /* out of memory: the sender stays out of the heap, so it is never evicted */
    (void)heap_fix(mp, s);
}

/* Drop the sender's txs below the committed nonce. */
static void sender_prune(struct cpc_mempool *mp, struct mp_sender *s, uint64_t committed_nonce)
{
    s->base = committed_nonce;
    sender_erase(mp, s, 0, sender_lower_bound(s, committed_nonce));
    sender_recount(mp, s);
}

/* Drop the sender's future txs admitted future_ttl_ms or more before now. */
static void sender_expire(struct cpc_mempool *mp, struct mp_sender *s, uint64_t now)
{
    size_t keep = s->run;
    for (size_t i = s->run; i < s->n; i++) {
        if (now - entry_of(s->txs[i])->added_ms >= mp->lim.future_ttl_ms)
            drop_tx(mp, s->txs[i]);
        else
            s->txs[keep++] = s->txs[i];
    }
    if (keep == s->n)
        return;
    s->n = keep;
    sender_recount(mp, s);
}

/* The sender whose last tx may leave to make room for a tx of `except` at
 * gas_price: a future one first (any price when the newcomer is runnable,
 * else strictly cheaper), else a runnable one strictly cheaper (only when
 * !future_only). Among equals the newest goes. NULL when none. O(1): the
 * heap's top, or the better of its children when the top is `except`. */
static struct mp_sender *find_victim(struct cpc_mempool *mp, const struct mp_sender *except,
                                     uint64_t gas_price, bool newcomer_runnable,
                                     bool future_only)
{
    if (mp->heap_n == 0)
        return NULL;
    struct mp_sender *v = mp->heap[0];
    if (v == except) {
        v = mp->heap_n > 1 ? mp->heap[1] : NULL;
        if (mp->heap_n > 2 && victim_before(mp->heap[2], v))
            v = mp->heap[2];
        if (!v)
            return NULL;
    }
    bool fut = v->future > 0;
    uint64_t price = v->txs[v->n - 1]->gas_price;
    if (fut)
        return newcomer_runnable || price < gas_price ? v : NULL;
    return !future_only && price < gas_price ? v : NULL;
}

static void evict_tail(struct cpc_mempool *mp, struct mp_sender *s)
{
    sender_erase(mp, s, s->n - 1, s->n);
    sender_recount(mp, s);
}

/* ---- public ---- */

struct cpc_mempool *cpc_mempool_new(size_t max_txs)
{
    struct cpc_mempool_limits lim = {.max_txs = max_txs};
    return cpc_mempool_new_limits(&lim);
}

struct cpc_mempool *cpc_mempool_new_limits(const struct cpc_mempool_limits *lim)
{
    struct cpc_mempool *mp = calloc(1, sizeof *mp);
    if (!mp)
        return NULL;
    pthread_mutex_init(&mp->mu, NULL);
    mp->lim = *lim;
    if (!mp->lim.max_txs)
        mp->lim.max_txs = CPC_MEMPOOL_DEFAULT_MAX;
    if (!mp->lim.max_future)
        mp->lim.max_future = mp->lim.max_txs / 10 ? mp->lim.max_txs / 10 : 1;
    if (!mp->lim.max_future_per_account)
        mp->lim.max_future_per_account = CPC_MEMPOOL_DEFAULT_FUTURE_PER_ACCOUNT;
    if (!mp->lim.future_ttl_ms)
        mp->lim.future_ttl_ms = CPC_MEMPOOL_DEFAULT_FUTURE_TTL_MS;
    mp->now_ms = cpc_clock_mono_ms_fn;
    if (hset_grow(mp) != 0) {
        cpc_mempool_free(mp);
        return NULL;
    }
    return mp;
}

void cpc_mempool_set_clock(struct cpc_mempool *mp, uint64_t (*now_ms)(void *arg), void *arg)
{
    mp->now_ms = now_ms ? now_ms : cpc_clock_mono_ms_fn;
    mp->now_arg = now_ms ? arg : NULL;
}

void cpc_mempool_free(struct cpc_mempool *mp)
{
    if (!mp)
        return;
    for (size_t i = 0; i < mp->scap; i++) {
        struct mp_sender *s = &mp->senders[i];
        if (!s->used)
            continue;
        for (size_t j = 0; j < s->n; j++)
            free_tx(s->txs[j]);
        free(s->txs);
    }
    free(mp->senders);
    free(mp->heap);
    free(mp->hset);
    pthread_mutex_destroy(&mp->mu);
    free(mp);
}

/* Caps for a new (not replacing) tx of sender s, already pruned against the
 * committed nonce: per-account and pool future quotas, then the pool size,
 * evicting the cheapest tx where the rules allow. 0 or the error. */
static int make_room(struct cpc_mempool *mp, struct mp_sender *s, const struct cpc_tx *tx,
                     struct cpc_err *err)
{
    bool runnable = tx->nonce == s->base + s->run;
    if (!runnable && s->future >= mp->lim.max_future_per_account)
        return cpc_err_set(err, CPC_ERR_NONCE_GAP,
                           "Too many pending transactions above a missing nonce (%zu); submit "
                           "nonce %llu first",
                           s->future, (unsigned long long)(s->base + s->run));
    if (!runnable && mp->n_future >= mp->lim.max_future) {
        struct mp_sender *v = find_victim(mp, s, tx->gas_price, false, true);
        if (!v)
            return cpc_err_set(err, CPC_ERR_MEMPOOL_FULL,
                               "Mempool holds its most transactions above a missing nonce "
                               "(%zu); submit the missing nonce %llu first, or retry later",
                               mp->n_future, (unsigned long long)(s->base + s->run));
        evict_tail(mp, v);
    }
    if (mp->count >= mp->lim.max_txs) {
        struct mp_sender *v = find_victim(mp, s, tx->gas_price, runnable, !runnable);
        if (!v)
            return cpc_err_set(err, CPC_ERR_MEMPOOL_FULL,
                               "Mempool is full (%zu transactions); retry later or raise the gas "
                               "price",
                               mp->count);
        evict_tail(mp, v);
    }
    return 0;
}

void cpc_mempool_set_max_gas(struct cpc_mempool *mp, uint64_t max_gas)
{
    mp->max_gas = max_gas;
}

int cpc_mempool_add(struct cpc_mempool *mp, const struct cpc_tx *tx,
                    const struct cpc_account *committed, struct cpc_err *err)
{
    int rc = 0;
    char a[CPC_AMOUNT_STR_MAX], b[CPC_AMOUNT_STR_MAX];
    uint64_t cost, gas = cpc_tx_gas(tx);
    if (mp->max_gas && gas > mp->max_gas)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE,
                           "Transaction gas %llu exceeds the block gas limit %llu: it can never "
                           "be included (split the job into smaller ones)",
                           (unsigned long long)gas, (unsigned long long)mp->max_gas);
    if (cpc_tx_max_cost(tx, &cost) != 0)
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "Transaction cost overflows");
    if (tx->nonce < committed->nonce)
        return cpc_err_set(err, CPC_ERR_NONCE_REPLAYED,
                           "Nonce %llu already used (account nonce is %llu)",
                           (unsigned long long)tx->nonce, (unsigned long long)committed->nonce);
    if (tx->nonce - committed->nonce >= CPC_MEMPOOL_MAX_AHEAD)
        return cpc_err_set(err, CPC_ERR_NONCE_GAP,
                           "Nonce %llu is too far ahead of the account nonce %llu",
                           (unsigned long long)tx->nonce, (unsigned long long)committed->nonce);

    pthread_mutex_lock(&mp->mu);
    if (hset_find(mp, tx->hash)) {
        rc = cpc_err_set(err, CPC_ERR_DUPLICATE, "Transaction already known");
        goto out;
    }
    struct mp_sender *s = sender_find(mp, tx->from, 1);
    if (!s) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        goto out;
    }
    uint64_t now = mp->now_ms(mp->now_arg);
    sender_prune(mp, s, committed->nonce);
    sender_expire(mp, s, now);
    size_t pos = sender_lower_bound(s, tx->nonce);
    int replace = pos < s->n && s->txs[pos]->nonce == tx->nonce;
    if (replace && tx->gas_price <= s->txs[pos]->gas_price) {
        rc = cpc_err_set(err, CPC_ERR_FEE_TOO_LOW,
                         "Replacement transaction underpriced: gas price must exceed %llu",
                         (unsigned long long)s->txs[pos]->gas_price);
        goto out;
    }
    /* Costs of the pending txs before this nonce, plus this one. */
    uint64_t total = cost;
    for (size_t i = 0; i < pos; i++) {
        uint64_t c;
        if (cpc_tx_max_cost(s->txs[i], &c) != 0 || !cpc_add_u64(&total, total, c)) {
            rc = cpc_err_set(err, CPC_ERR_OVERFLOW, "Pending costs overflow");
            goto out;
        }
    }
    if (total > committed->balance) {
        cpc_amount_format(a, committed->balance);
        cpc_amount_format(b, total);
        rc = cpc_err_set(err, CPC_ERR_INSUFFICIENT_BALANCE,
                         "Insufficient balance: have %s CPC, need %s CPC (amount + fee%s)", a, b,
                         pos ? " + pending txs" : "");
        goto out;
    }
    if (!replace && (rc = make_room(mp, s, tx, err)) != 0)
        goto out;
    struct mp_entry *e = malloc(sizeof *e);
    struct cpc_tx *copy = e ? &e->tx : NULL;
    if (!copy || cpc_tx_copy(copy, tx) != 0) {
        free(e);
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        goto out;
    }
    e->added_ms = now;
    if (hset_insert(mp, copy) != 0) {
        free_tx(copy);
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (replace) {
        struct mp_hslot *h = hset_find(mp, s->txs[pos]->hash);
        if (h)
            h->tx = TOMB;
        free_tx(s->txs[pos]);
        s->txs[pos] = copy;
        sender_recount(mp, s); /* the last tx's price may have changed */
        goto out;
    }
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 4;
        struct cpc_tx **nt = realloc(s->txs, ncap * sizeof *nt);
        if (!nt) {
            struct mp_hslot *h = hset_find(mp, copy->hash);
            if (h)
                h->tx = TOMB;
            free_tx(copy);
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
            goto out;
        }
        s->txs = nt;
        s->cap = ncap;
    }
    memmove(&s->txs[pos + 1], &s->txs[pos], (s->n - pos) * sizeof *s->txs);
    s->txs[pos] = copy;
    s->n++;
    mp->count++;
    sender_recount(mp, s);
out:
    pthread_mutex_unlock(&mp->mu);
    return rc;
}

struct sel {
    struct mp_sender *s;
    size_t start;    /* first index of the consecutive run */
    size_t len;      /* run length */
};

static int sel_cmp(const void *pa, const void *pb)
{
    const struct sel *a = pa, *b = pb;
    uint64_t ga = a->s->txs[a->start]->gas_price, gb = b->s->txs[b->start]->gas_price;
    if (ga != gb)
        return ga > gb ? -1 : 1;
    return a->s->arrival < b->s->arrival ? -1 : (a->s->arrival > b->s->arrival);
}

size_t cpc_mempool_select(struct cpc_mempool *mp, cpc_account_lookup_fn lookup, void *arg,
                          size_t max, struct cpc_tx **out)
{
    *out = NULL;
    size_t n_out = 0;
    pthread_mutex_lock(&mp->mu);
    uint64_t now = mp->now_ms(mp->now_arg);
    struct sel *sels = mp->sused ? malloc(mp->sused * sizeof *sels) : NULL;
    size_t n_sel = 0;
    for (size_t i = 0; sels && i < mp->scap; i++) {
        struct mp_sender *s = &mp->senders[i];
        if (!s->used || s->n == 0)
            continue;
        struct cpc_account acc;
        lookup(arg, s->addr, &acc);
        sender_prune(mp, s, acc.nonce);
        sender_expire(mp, s, now);
        if (s->run == 0)
            continue; /* empty, or waiting for a missing nonce */
        sels[n_sel++] = (struct sel){s, 0, s->run};
    }
    if (n_sel) {
        qsort(sels, n_sel, sizeof *sels, sel_cmp);
        size_t total = 0;
        for (size_t i = 0; i < n_sel; i++)
            total += sels[i].len;
        if (total > max)
            total = max;
        struct cpc_tx *arr = total ? malloc(total * sizeof *arr) : NULL;
        bool oom = false;
        for (size_t i = 0; arr && !oom && i < n_sel && n_out < total; i++)
            for (size_t j = 0; !oom && j < sels[i].len && n_out < total; j++) {
                if (cpc_tx_copy(&arr[n_out], sels[i].s->txs[sels[i].start + j]) != 0)
                    oom = true;
                else
                    n_out++;
            }
        if (oom) { /* give back nothing rather than a partial run */
            for (size_t i = 0; i < n_out; i++)
                cpc_tx_clear(&arr[i]);
            free(arr);
            arr = NULL;
        }
        *out = arr;
        if (!arr)
            n_out = 0;
    }
    free(sels);
    pthread_mutex_unlock(&mp->mu);
    return n_out;
}

void cpc_mempool_remove_block(struct cpc_mempool *mp, const struct cpc_block *b,
                              cpc_account_lookup_fn lookup, void *arg)
{
    pthread_mutex_lock(&mp->mu);
    for (size_t i = 0; i < b->n_txs; i++) {
        struct mp_sender *s = sender_find(mp, b->txs[i].from, 0);
        if (!s)
            continue;
        struct cpc_account acc;
        lookup(arg, s->addr, &acc);
        sender_prune(mp, s, acc.nonce);
    }
    pthread_mutex_unlock(&mp->mu);
}

void cpc_mempool_remove(struct cpc_mempool *mp, const uint8_t hash[32])
{
    pthread_mutex_lock(&mp->mu);
    struct mp_hslot *h = hset_find(mp, hash);
    if (h) {
        struct cpc_tx *tx = h->tx;
        struct mp_sender *s = sender_find(mp, tx->from, 0);
        if (s) {
            size_t pos = sender_lower_bound(s, tx->nonce);
            if (pos < s->n && s->txs[pos] == tx) {
                sender_erase(mp, s, pos, pos + 1);
                sender_recount(mp, s);
            }
        }
    }
    pthread_mutex_unlock(&mp->mu);
}

size_t cpc_mempool_size(struct cpc_mempool *mp)
{
    pthread_mutex_lock(&mp->mu);
    size_t n = mp->count;
    pthread_mutex_unlock(&mp->mu);
    return n;
}

size_t cpc_mempool_future_count(struct cpc_mempool *mp)
{
    pthread_mutex_lock(&mp->mu);
    size_t n = mp->n_future;
    pthread_mutex_unlock(&mp->mu);
    return n;
}

uint64_t cpc_mempool_pending_nonce(struct cpc_mempool *mp, const uint8_t addr[CPC_ADDR_HASH_LEN],
                                   uint64_t committed_nonce)
{
    uint64_t next = committed_nonce;
    pthread_mutex_lock(&mp->mu);
    struct mp_sender *s = sender_find(mp, addr, 0);
    if (s) {
        for (size_t i = sender_lower_bound(s, committed_nonce); i < s->n; i++) {
            if (s->txs[i]->nonce != next)
                break;
            next++;
        }
    }
    pthread_mutex_unlock(&mp->mu);
    return next;
}

int cpc_mempool_get(struct cpc_mempool *mp, const uint8_t hash[32], struct cpc_tx *out)
{
    int rc = CPC_ERR_NOT_FOUND;
    pthread_mutex_lock(&mp->mu);
    struct mp_hslot *h = hset_find(mp, hash);
    if (h)
        rc = cpc_tx_copy(out, h->tx);
    pthread_mutex_unlock(&mp->mu);
    return rc;
}

/* bench_rentals.c — the cost of settling rentals at block end (core only, no
 * node): a genesis in memory, 10,000 RENTAL_OPENs of one customer from one
 * provider's offer in blocks at T0 (5,000 per block: the default
 * max_block_gas), all due at T0 + 60 s. Timed: cpc_block_build of an empty
 * block at T0 + 30 s (nothing due) and of each block from T0 + 60 s on (one
 * per second) until every rental was settled once; CPC_RENTAL_SETTLE_WORK
 * bounds what one block settles, so they spread over several blocks. Each
 * build is timed REPS times on the same base state (a build does not change
 * it), the median kept; then the block is applied and the next one timed.
 * Output: one line per settling block, then
 *   rentals: open=10000 settle_block_ms=X empty_block_ms=Y ratio_to_empty=Z share_of_interval=W
 * where X is the slowest settling block and W = X / 1000 ms (the block interval).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/amount.h"
#include "core/apply.h"
#include "core/genesis.h"
#include "core/hash.h"
#include "core/rental.h"
#include "core/tx.h"

#define N 10000
#define PER_BLOCK 5000
#define REPS 5
#define T0 600000ULL
#define CHAIN "cpc-bench-rentals"

struct key {
    uint8_t sk[32], pub[33], addr[20];
};

static struct cpc_signer *S;
static struct key val, treasury, customer, provider;
static struct cpc_chain_params params;
static struct cpc_state *st;
static struct cpc_block_header prev;

static void key_of(struct key *k, int i)
{
    char seed[32];
    int n = snprintf(seed, sizeof seed, "bench-rental-key-%d", i);
    cpc_sha256(k->sk, seed, (size_t)n);
    if (cpc_pubkey_from_seckey(S, k->pub, k->sk) != 0 || cpc_pubkey_hash(k->addr, k->pub) != 0) {
        fprintf(stderr, "bench_rentals: key %d\n", i);
        exit(1);
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Build the block at t from txs; *ms the median build time; apply it when keep. */
static void block(const struct cpc_tx *const *txs, size_t n, uint64_t t, double *ms, int keep)
{
    double times[REPS];
    int reps = n > 0 ? 1 : REPS; /* the opening blocks are setup: built once */
    for (int r = 0; r < reps; r++) {
        struct cpc_block b;
        struct cpc_state *delta = NULL;
        size_t *skipped = NULL, n_skipped = 0;
        int *codes = NULL;
        struct cpc_err err = {0};
        double t0 = now_ms();
        if (cpc_block_build(st, &prev, &params, t, txs, n, S, val.sk, &b, &delta, &skipped, &codes,
                            &n_skipped, &err) != 0 ||
            n_skipped) {
            fprintf(stderr, "bench_rentals: build: %s (%zu skipped)\n", err.msg, n_skipped);
            exit(1);
        }
        times[r] = now_ms() - t0;
        free(skipped);
        free(codes);
        if (keep && r == reps - 1) {
            if (cpc_state_merge(st, delta) != 0) {
                fprintf(stderr, "bench_rentals: merge\n");
                exit(1);
            }
            prev = b.header;
        }
        cpc_state_free(delta);
        cpc_block_clear(&b);
    }
    qsort(times, (size_t)reps, sizeof times[0], cmp_double);
    *ms = times[reps / 2];
}

static uint64_t paid_total(const uint8_t (*ids)[32])
{
    struct cpc_overlay ov;
    uint64_t total = 0;
    if (cpc_overlay_init(&ov, st, NULL) != 0)
        exit(1);
    for (size_t i = 0; i < N; i++) {
        struct cpc_rental r;
        if (cpc_rental_get(&ov, ids[i], &r) == 0)
            total += r.paid_minutes;
    }
    cpc_overlay_free(&ov);
    return total;
}

int main(void)
{
    S = cpc_signer_new(NULL);
    key_of(&val, 0);
    key_of(&treasury, 1);
    key_of(&customer, 2);
    key_of(&provider, 3);
    struct cpc_genesis g;
    memset(&g, 0, sizeof g);
    snprintf(g.params.chain_id, sizeof g.params.chain_id, "%s", CHAIN);
    g.params.min_gas_price = 1;
    g.params.max_block_txs = 10000;
    g.params.max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    g.params.max_block_verify = CPC_DEFAULT_MAX_BLOCK_VERIFY;
    g.params.protocol = CPC_PROTOCOL_VERSION;
    memcpy(g.params.treasury, treasury.addr, 20);
    g.genesis_time_ms = 1000;
    memcpy(g.validator, val.pub, 33);
    struct cpc_genesis_account acc = {.balance = 1000000ULL * CPC_BASE_PER_CPC};
    memcpy(acc.addr, customer.addr, 20);
    g.accounts = &acc;
    g.n_accounts = 1;
    struct cpc_err err = {0};
    uint64_t supply;
    if (cpc_genesis_state(&g, &st, &supply, &err) != 0 ||
        cpc_genesis_header(&g, st, &prev, &err) != 0) {
        fprintf(stderr, "bench_rentals: genesis: %s\n", err.msg);
        return 1;
    }
    params = g.params;

    /* setup: 10,000 RENTAL_OPENs of one offer, all at T0 */
    struct cpc_rental_offer o = {.rate_per_minute = 1000000, .expires_ms = T0};
    memset(o.server_id, 0x42, 16);
    memcpy(o.provider, provider.addr, 20);
    uint8_t sig[64];
    if (cpc_rental_offer_sign(sig, S, provider.sk, CHAIN, &o) != 0)
        return 1;
    struct cpc_tx *txs = calloc(N, sizeof *txs);
    const struct cpc_tx **ptrs = calloc(N, sizeof *ptrs);
    uint8_t(*ids)[32] = calloc(N, 32);
    if (!txs || !ptrs || !ids)
        return 1;
    for (size_t i = 0; i < N; i++) {
        struct cpc_tx *tx = &txs[i];
        tx->type = CPC_TX_RENTAL_OPEN;
        snprintf(tx->chain_id, sizeof tx->chain_id, "%s", CHAIN);
        tx->nonce = i;
        tx->gas_price = 1;
        tx->u.rental_open.offer = o;
        memcpy(tx->u.rental_open.provider_pubkey, provider.pub, 33);
        memcpy(tx->u.rental_open.provider_sig, sig, 64);
        tx->u.rental_open.deposit = 10 * cpc_rental_minute_cost(o.rate_per_minute, 1000);
        if (cpc_tx_sign(tx, S, customer.sk, &err) != 0)
            return 1;
        memcpy(ids[i], tx->hash, 32);
        ptrs[i] = tx;
    }
    double ms;
    for (size_t i = 0; i < N; i += PER_BLOCK)
        block(ptrs + i, PER_BLOCK, T0, &ms, 1);

    double empty_ms, worst = 0;
    block(NULL, 0, T0 + 30000, &empty_ms, 0);
    int settling = 0;
    for (uint64_t t = T0 + 60000; paid_total(ids) < N; t += 1000) {
        block(NULL, 0, t, &ms, 1);
        settling++;
        printf("rentals: settling block %d at T0+%llu ms: build_ms=%.2f settled_so_far=%llu\n",
               settling, (unsigned long long)(t - T0), ms, (unsigned long long)paid_total(ids));
        if (ms > worst)
            worst = ms;
        if (settling > 20) {
            fprintf(stderr, "bench_rentals: not all settled after 20 blocks\n");
            return 1;
        }
    }
    if (cpc_state_check_supply(st, supply, &err) != 0) {
        fprintf(stderr, "bench_rentals: %s\n", err.msg);
        return 1;
    }
    printf("rentals: open=%d settle_block_ms=%.2f empty_block_ms=%.3f ratio_to_empty=%.1f "
           "share_of_interval=%.3f settling_blocks=%d cap_per_block=%d\n",
           N, worst, empty_ms, empty_ms > 0 ? worst / empty_ms : 0.0, worst / 1000.0, settling,
           CPC_RENTAL_SETTLE_WORK);
    for (size_t i = 0; i < N; i++)
        cpc_tx_clear(&txs[i]);
    free(txs);
    free(ptrs);
    free(ids);
    cpc_state_free(st);
    cpc_signer_free(S);
    return 0;
}

/* bench_state_root.c — the per-block cost of the state root on a large state.
 *
 * A base state of ACCOUNTS accounts and OBJECTS market-like objects (33-byte
 * keys, 120-byte values) takes BLOCKS blocks; each block's overlay changes
 * CHANGED accounts and CHANGED objects (updates, inserts and deletions), then
 * its root is computed (cpc_overlay_root, what the block builder does) and
 * the delta is merged into the base (cpc_state_merge, what the commit does).
 * The reference, measured in the same run on the same states: the root built
 * from nothing (cpc_state_root of a fresh copy, which has no cached leaves),
 * i.e. what every block cost before the root kept its index.
 * Both roots are compared, so the figure is for the right answer.
 * Sizes: --accounts, --objects, --changed, --blocks (defaults 200000, 200000,
 * 2000, 10).
 * Last line: state_root: accounts=A objects=O changed=C block_ms=X full_ms=Y ratio=Y/X
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/state.h"

static unsigned ACCOUNTS = 200000, OBJECTS = 200000, CHANGED = 2000, BLOCKS = 10;

/* --accounts N --objects N --changed N --blocks N (the defaults above). 0 or -1. */
static int parse(int argc, char **argv)
{
    /* flag and value go in pairs: i steps by two */
    for (int i = 1; i < argc; i += 2) {
        unsigned *dst = !strcmp(argv[i], "--accounts") ? &ACCOUNTS
                      : !strcmp(argv[i], "--objects")  ? &OBJECTS
                      : !strcmp(argv[i], "--changed")  ? &CHANGED
                      : !strcmp(argv[i], "--blocks")   ? &BLOCKS
                                                       : NULL;
        char *end = NULL;
        unsigned long v = dst && i + 1 < argc ? strtoul(argv[i + 1], &end, 10) : 0;
        if (!dst || !end || *end || v == 0 || v > 10000000) {
            fprintf(stderr, "usage: bench_state_root [--accounts N] [--objects N] "
                            "[--changed N] [--blocks N] (each 1..10000000)\n");
            return -1;
        }
        *dst = (unsigned)v;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void addr_of(uint8_t a[20], uint64_t i)
{
    memset(a, 0, 20);
    uint64_t x = i * 0x9e3779b97f4a7c15ULL;
    memcpy(a, &x, 8);
    memcpy(a + 12, &i, 8);
}

static size_t key_of(uint8_t k[CPC_OBJ_KEY_MAX], uint64_t i)
{
    k[0] = (uint8_t)('t' + (i & 1)); /* two record families, like tasks and results */
    uint64_t x = i * 0xff51afd7ed558ccdULL;
    memset(k + 1, 0, CPC_OBJ_KEY_MAX - 1);
    memcpy(k + 1, &x, 8);
    memcpy(k + 9, &i, 8);
    return CPC_OBJ_KEY_MAX;
}

static void val_of(uint8_t v[120], uint64_t salt)
{
    for (int i = 0; i < 120; i += 8) {
        uint64_t x = salt * 0xc2b2ae3d27d4eb4fULL + (uint64_t)i;
        memcpy(v + i, &x, 8);
    }
}

/* A full copy built through plain puts: no cached leaves, no index. */
static struct cpc_state *fresh_copy(const struct cpc_state *st);

static int copy_acc(const uint8_t addr[CPC_ADDR_HASH_LEN], const struct cpc_account *acc, void *arg)
{
    return cpc_state_put(arg, addr, acc);
}

static int copy_obj(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, int tomb,
                    void *arg)
{
    return tomb ? 0 : cpc_state_obj_put(arg, key, klen, val, vlen);
}

static struct cpc_state *fresh_copy(const struct cpc_state *st)
{
    struct cpc_state *c = cpc_state_new();
    if (!c || cpc_state_foreach(st, copy_acc, c) != 0 || cpc_state_obj_foreach(st, copy_obj, c) != 0) {
        cpc_state_free(c);
        return NULL;
    }
    return c;
}

int main(int argc, char **argv)
{
    if (parse(argc, argv) != 0)
        return 2;
    struct cpc_state *base = cpc_state_new();
    uint8_t a[20], k[CPC_OBJ_KEY_MAX], v[120], root[32], want[32];
    for (uint64_t i = 0; i < ACCOUNTS; i++) {
        struct cpc_account acc = {1000 + i, i % 7, 0};
        addr_of(a, i);
        if (cpc_state_put(base, a, &acc) != 0)
            return 1;
    }
    uint64_t next_obj = 0;
    for (; next_obj < OBJECTS; next_obj++) {
        val_of(v, next_obj);
        size_t kl = key_of(k, next_obj);
        if (cpc_state_obj_put(base, k, kl, v, sizeof v) != 0)
            return 1;
    }
    double t0 = now_s();
    if (cpc_state_root(base, root) != 0)
        return 1;
    printf("bench_state_root: %u accounts, %u objects; first root (builds the index) %.1f ms\n",
           ACCOUNTS, OBJECTS, (now_s() - t0) * 1e3);
    double block_s = 0, merge_s = 0, full_s = 0;
    for (unsigned b = 0; b < BLOCKS; b++) {
        struct cpc_overlay ov;
        if (cpc_overlay_init(&ov, base, NULL) != 0)
            return 1;
        for (unsigned i = 0; i < CHANGED; i++) {
            struct cpc_account acc = {rnd() % 1000000, (uint64_t)b + 1, 0};
            addr_of(a, rnd() % ACCOUNTS);
            if (cpc_overlay_put(&ov, a, &acc) != 0)
                return 1;
        }
        for (unsigned i = 0; i < CHANGED; i++) {
            uint64_t which = rnd() % 4;
            val_of(v, rnd());
            if (which == 0) { /* a new record */
                size_t kl = key_of(k, next_obj++);
                if (cpc_overlay_obj_put(&ov, k, kl, v, sizeof v) != 0)
                    return 1;
            } else if (which == 1) { /* a deletion (maybe of one already gone) */
                size_t kl = key_of(k, rnd() % next_obj);
                if (cpc_overlay_obj_del(&ov, k, kl) != 0)
                    return 1;
            } else { /* an update */
                size_t kl = key_of(k, rnd() % next_obj);
                if (cpc_overlay_obj_put(&ov, k, kl, v, sizeof v) != 0)
                    return 1;
            }
        }
        t0 = now_s();
        if (cpc_overlay_root(&ov, root) != 0)
            return 1;
        block_s += now_s() - t0;
        struct cpc_state *delta = cpc_overlay_take_delta(&ov);
        t0 = now_s();
        if (!delta || cpc_state_merge(base, delta) != 0)
            return 1;
        merge_s += now_s() - t0;
        cpc_state_free(delta);
        cpc_overlay_free(&ov);
        struct cpc_state *copy = fresh_copy(base);
        if (!copy)
            return 1;
        t0 = now_s();
        if (cpc_state_root(copy, want) != 0)
            return 1;
        full_s += now_s() - t0;
        cpc_state_free(copy);
        if (memcmp(root, want, 32) != 0) {
            fprintf(stderr, "bench_state_root: block %u: the roots differ\n", b);
            return 1;
        }
    }
    double block_ms = block_s * 1e3 / BLOCKS, full_ms = full_s * 1e3 / BLOCKS;
    printf("bench_state_root: %u blocks of %u account and %u object changes: overlay root %.2f ms, "
           "merge %.2f ms, full rebuild %.2f ms per block (roots equal)\n",
           BLOCKS, CHANGED, CHANGED, block_ms, merge_s * 1e3 / BLOCKS, full_ms);
    printf("state_root: accounts=%u objects=%u changed=%u block_ms=%.2f full_ms=%.2f ratio=%.2f\n",
           ACCOUNTS, OBJECTS, 2 * CHANGED, block_ms, full_ms, full_ms / block_ms);
    cpc_state_free(base);
    return 0;
}

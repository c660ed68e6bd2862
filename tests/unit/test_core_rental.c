/* test_core_rental.c — GPU rentals as ledger state (rental.h): a provider's
 * signed offer opened by a customer, settled at block end by block times
 * (the provider paid exactly minutes x rate, the treasury minutes x
 * commission, the rest refunded once at the end), ended by the customer or
 * the provider but not by a third party, ended when the escrow runs out, bad
 * offers refused with a clear error, 10,000 rentals due in one block settled
 * within the per-block cap in order, and every chain replayed from genesis
 * with cpc_apply_block to the same state root. Every block is built with
 * cpc_block_build, re-validated with cpc_apply_block (signatures on), and the
 * supply invariant is checked after it. */
#include "core_market_fixture.h"

#include "core/rental.h"

#define T0 600000ULL  /* the opening block's time: minute 10 exactly */
#define MIN 60000ULL
#define RATE 1000000ULL            /* provider's base units per minute */
#define COMM (RATE / 10)           /* the treasury's, per minute */
#define COST (RATE + COMM)         /* what the customer pays per minute */

static struct cpc_state *genesis;
static struct cpc_block_header genesis_header;
static struct cpc_block *blocks;
static size_t n_blocks;

static int setup(void **state)
{
    (void)state;
    struct market_setup o = {.first_key = 700, .deadline_blocks = 200};
    market_setup_chain(&o);
    genesis = cpc_state_clone(C.st);
    assert_non_null(genesis);
    genesis_header = C.prev;
    blocks = NULL;
    n_blocks = 0;
    return 0;
}

static int teardown_all(void **state)
{
    for (size_t i = 0; i < n_blocks; i++)
        cpc_block_clear(&blocks[i]);
    free(blocks);
    cpc_state_free(genesis);
    return teardown(state);
}

/* Build the block at time_ms from txs (all must be included), re-validate it,
 * apply it, check the supply; keep it for replay. codes[i] (may be NULL) gets
 * each tx's result code, last_msg the first one's message. */
static void rstep(struct cpc_tx *txs, size_t n, uint64_t time_ms, int *codes)
{
    const struct cpc_tx **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    assert_non_null(ptrs);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &txs[i];
    struct cpc_err err = {0};
    struct cpc_block b;
    struct cpc_state *delta = NULL, *delta2 = NULL;
    size_t *skipped = NULL, n_skipped = 0;
    int *skipped_codes = NULL;
    int rc = cpc_block_build(C.st, &C.prev, &C.params, time_ms, ptrs, n, C.s, C.val.sk, &b, &delta,
                             &skipped, &skipped_codes, &n_skipped, &err);
    free(ptrs);
    if (rc)
        fail_msg("build: %s", err.msg);
    if (n_skipped)
        fail_msg("tx %zu skipped (code %d)", skipped[0], skipped_codes[0]);
    free(skipped);
    free(skipped_codes);
    if (cpc_apply_block(C.st, &C.prev, &b, &C.params, C.val.pub, true, &delta2, NULL, &err))
        fail_msg("re-validate: %s", err.msg);
    assert_int_equal(cpc_state_merge(C.st, delta), 0);
    assert_int_equal(cpc_state_check_supply(C.st, C.supply, &err), 0);
    for (size_t i = 0; i < b.n_txs && codes; i++)
        codes[i] = b.results[i].code;
    if (b.n_txs)
        snprintf(last_msg, sizeof last_msg, "%s", b.results[0].error);
    C.prev = b.header;
    cpc_block_header_hash(&C.prev, C.prev_hash);
    cpc_state_free(delta);
    cpc_state_free(delta2);
    blocks = realloc(blocks, (n_blocks + 1) * sizeof *blocks);
    assert_non_null(blocks);
    blocks[n_blocks++] = b;
}

/* One tx in a block at time_ms; its result code must be expect. Clears tx. */
static void rstep1(struct cpc_tx *tx, uint64_t time_ms, int expect)
{
    int code = -999;
    rstep(tx, 1, time_ms, &code);
    if (code != expect)
        fail_msg("%s: code %d (%s), want %d", cpc_tx_type_name(tx->type), code, last_msg, expect);
    cpc_tx_clear(tx);
}

/* Apply every kept block again from genesis: the same state root. */
static void replay_matches(void)
{
    struct cpc_state *st = cpc_state_clone(genesis);
    assert_non_null(st);
    struct cpc_block_header prev = genesis_header;
    struct cpc_err err = {0};
    for (size_t i = 0; i < n_blocks; i++) {
        struct cpc_state *delta = NULL;
        if (cpc_apply_block(st, &prev, &blocks[i], &C.params, C.val.pub, true, &delta, NULL, &err))
            fail_msg("replay block %zu: %s", i, err.msg);
        assert_int_equal(cpc_state_merge(st, delta), 0);
        cpc_state_free(delta);
        prev = blocks[i].header;
    }
    uint8_t a[32], b[32];
    assert_int_equal(cpc_state_root(st, a), 0);
    assert_int_equal(cpc_state_root(C.st, b), 0);
    assert_memory_equal(a, b, 32);
    cpc_state_free(st);
}

static uint64_t fee(const struct cpc_tx *tx)
{
    uint64_t f = 0;
    assert_int_equal(cpc_tx_fee(tx, &f), 0);
    return f;
}

static void offer_of(struct cpc_rental_offer *o, const struct fx_key *provider, uint8_t server,
                     uint64_t rate, uint64_t expires_ms)
{
    memset(o, 0, sizeof *o);
    memset(o->server_id, server, 16);
    o->server_id[6] = 0x40 | (server & 0x0f); /* a version-4 UUID */
    o->server_id[8] = 0x80 | (server & 0x3f);
    memcpy(o->provider, provider->addr, 20);
    o->rate_per_minute = rate;
    o->expires_ms = expires_ms;
}

/* A RENTAL_OPEN of customer `from` with nonce, the offer signed by `signer`
 * (whose pubkey the tx carries), not yet signed by from. */
static void open_unsigned(struct cpc_tx *tx, const struct fx_key *from, uint64_t nonce,
                          const struct cpc_rental_offer *o, const struct fx_key *signer,
                          uint64_t deposit)
{
    fx_base(tx, CPC_TX_RENTAL_OPEN, nonce, 1);
    tx->u.rental_open.offer = *o;
    memcpy(tx->u.rental_open.provider_pubkey, signer->pub, 33);
    assert_int_equal(cpc_rental_offer_sign(tx->u.rental_open.provider_sig, C.s, signer->sk,
                                           FX_CHAIN, o),
                     0);
    tx->u.rental_open.deposit = deposit;
    (void)from;
}

static void open_tx(struct cpc_tx *tx, const struct fx_key *from, const struct cpc_rental_offer *o,
                    const struct fx_key *signer, uint64_t deposit)
{
    open_unsigned(tx, from, acct(from).nonce, o, signer, deposit);
    assert_int_equal(cpc_tx_sign(tx, C.s, from->sk, NULL), 0);
}

static void end_tx(struct cpc_tx *tx, const struct fx_key *from, const uint8_t id[32])
{
    fx_base(tx, CPC_TX_RENTAL_END, 0, 1);
    memcpy(tx->u.rental_end.rental_id, id, 32);
    sign_from(tx, from);
}

static struct cpc_rental rental_of(const uint8_t id[32])
{
    struct cpc_rental r;
    struct cpc_overlay ov;
    assert_int_equal(cpc_overlay_init(&ov, C.st, NULL), 0);
    assert_int_equal(cpc_rental_get(&ov, id, &r), 0);
    cpc_overlay_free(&ov);
    return r;
}

static uint64_t escrow_of(const uint8_t id[32])
{
    uint8_t a[20];
    struct cpc_account acc;
    cpc_rental_escrow_address(a, id);
    cpc_state_get(C.st, a, &acc);
    return acc.balance;
}

/* Open a rental of the customer from w1's offer at T0 with deposit; id <- its id. */
static uint64_t open_rental(uint8_t id[32], uint64_t deposit)
{
    struct cpc_rental_offer o;
    struct cpc_tx tx;
    offer_of(&o, &C.w1, 1, RATE, T0 + MIN);
    open_tx(&tx, &C.customer, &o, &C.w1, deposit);
    memcpy(id, tx.hash, 32);
    uint64_t f = fee(&tx);
    rstep1(&tx, T0, 0);
    return f;
}

static void test_settles_exactly_and_refunds_once(void **state)
{
    (void)state;
    uint64_t c0 = acct(&C.customer).balance, p0 = acct(&C.w1).balance,
             t0 = acct(&C.treasury).balance;
    uint8_t id[32];
    uint64_t deposit = 10 * COST + 500000;
    uint64_t fees = open_rental(id, deposit);
    assert_int_equal(escrow_of(id), deposit);
    assert_int_equal(acct(&C.customer).balance, c0 - fees - deposit);
    struct cpc_rental r = rental_of(id);
    assert_int_equal(r.status, CPC_RENTAL_OPEN);
    assert_int_equal(r.opened_ms, T0);
    assert_int_equal(r.commission_bps, CPC_COMMISSION_BPS);

    /* minutes paid at each block: floor((time - opened) / 60 s) */
    static const struct { uint64_t at, paid; } STEPS[] = {
        {T0 + 30000, 0}, {T0 + MIN, 1}, {T0 + MIN + 1000, 1}, {T0 + 200000, 3}, {T0 + 239999, 3},
    };
    for (size_t i = 0; i < sizeof STEPS / sizeof STEPS[0]; i++) {
        rstep(NULL, 0, STEPS[i].at, NULL);
        r = rental_of(id);
        assert_int_equal(r.paid_minutes, STEPS[i].paid);
        assert_int_equal(r.settled_ms, T0 + STEPS[i].paid * MIN);
        assert_int_equal(acct(&C.w1).balance, p0 + STEPS[i].paid * RATE);
        assert_int_equal(acct(&C.treasury).balance, t0 + STEPS[i].paid * COMM);
        assert_int_equal(escrow_of(id), deposit - STEPS[i].paid * COST);
    }
    /* ended at T0 + 250 s: settled to T0 + 180 s, 70 s elapsed: one full
     * minute and the started one -> 5 minutes in all */
    struct cpc_tx tx;
    end_tx(&tx, &C.customer, id);
    fees += fee(&tx);
    rstep1(&tx, T0 + 250000, 0);
    r = rental_of(id);
    assert_int_equal(r.status, CPC_RENTAL_ENDED);
    assert_int_equal(r.end_reason, CPC_RENTAL_END_CUSTOMER);
    assert_int_equal(r.paid_minutes, 5);
    assert_int_equal(r.ended_ms, T0 + 250000);
    assert_int_equal(acct(&C.w1).balance, p0 + 5 * RATE);
    assert_int_equal(acct(&C.treasury).balance, t0 + 5 * COMM);
    assert_int_equal(escrow_of(id), 0);
    assert_int_equal(acct(&C.customer).balance, c0 - fees - 5 * COST);
    /* nothing more is paid later, and it cannot end twice */
    rstep(NULL, 0, T0 + 10 * MIN, NULL);
    assert_int_equal(acct(&C.w1).balance, p0 + 5 * RATE);
    end_tx(&tx, &C.customer, id);
    rstep1(&tx, T0 + 11 * MIN, CPC_ERR_INVALID);
    assert_non_null(strstr(last_msg, "already ended"));
    replay_matches();
}

static void test_end_by_provider_not_third_party(void **state)
{
    (void)state;
    uint64_t c0 = acct(&C.customer).balance, p0 = acct(&C.w1).balance;
    uint8_t id[32];
    uint64_t deposit = 4 * COST;
    uint64_t fees = open_rental(id, deposit);
    struct cpc_tx tx;
    end_tx(&tx, &C.w2, id); /* a third party: refused, fee taken, nothing else moves */
    rstep1(&tx, T0 + 5000, CPC_ERR_UNAUTHORIZED);
    assert_non_null(strstr(last_msg, "customer or provider"));
    assert_int_equal(rental_of(id).status, CPC_RENTAL_OPEN);
    assert_int_equal(escrow_of(id), deposit);
    /* the provider ends it 10 s in: the started minute counts */
    end_tx(&tx, &C.w1, id);
    uint64_t pf = fee(&tx);
    rstep1(&tx, T0 + 10000, 0);
    struct cpc_rental r = rental_of(id);
    assert_int_equal(r.status, CPC_RENTAL_ENDED);
    assert_int_equal(r.end_reason, CPC_RENTAL_END_PROVIDER);
    assert_int_equal(r.paid_minutes, 1);
    assert_int_equal(acct(&C.w1).balance, p0 - pf + RATE);
    assert_int_equal(acct(&C.customer).balance, c0 - fees - COST);
    assert_int_equal(escrow_of(id), 0);
    /* an unknown rental */
    uint8_t none[32] = {7};
    end_tx(&tx, &C.customer, none);
    rstep1(&tx, T0 + 20000, CPC_ERR_NOT_FOUND);
    replay_matches();
}

static void test_funds_run_out(void **state)
{
    (void)state;
    uint64_t c0 = acct(&C.customer).balance, p0 = acct(&C.w1).balance,
             t0 = acct(&C.treasury).balance;
    uint8_t a[32], b[32];
    uint64_t fees = open_rental(a, 3 * COST + COST / 2); /* 3.5 minutes */
    struct cpc_rental_offer o;
    struct cpc_tx tx;
    offer_of(&o, &C.w1, 2, RATE, T0 + MIN);
    open_tx(&tx, &C.customer, &o, &C.w1, 2 * COST); /* 2 minutes, blocks far apart */
    memcpy(b, tx.hash, 32);
    fees += fee(&tx);
    rstep1(&tx, T0 + 1000, 0);
    rstep(NULL, 0, T0 + MIN, NULL);
    rstep(NULL, 0, T0 + 2 * MIN, NULL);
    assert_int_equal(rental_of(a).status, CPC_RENTAL_OPEN);
    assert_int_equal(rental_of(b).status, CPC_RENTAL_OPEN); /* settled once (minute 1) */
    assert_int_equal(rental_of(b).paid_minutes, 1);
    /* a: 3rd minute leaves half a minute -> ends (funds), the half refunded */
    rstep(NULL, 0, T0 + 3 * MIN, NULL);
    struct cpc_rental r = rental_of(a);
    assert_int_equal(r.status, CPC_RENTAL_ENDED);
    assert_int_equal(r.end_reason, CPC_RENTAL_END_FUNDS);
    assert_int_equal(r.paid_minutes, 3);
    assert_int_equal(escrow_of(a), 0);
    /* b: its 2nd minute ended at T0 + 121 s and was paid here, escrow empty -> ended */
    r = rental_of(b);
    assert_int_equal(r.status, CPC_RENTAL_ENDED);
    assert_int_equal(r.end_reason, CPC_RENTAL_END_FUNDS);
    assert_int_equal(r.paid_minutes, 2);
    assert_int_equal(acct(&C.w1).balance, p0 + 5 * RATE);
    assert_int_equal(acct(&C.treasury).balance, t0 + 5 * COMM);
    assert_int_equal(acct(&C.customer).balance, c0 - fees - 5 * COST);
    /* a gap of an hour: a rental of 2 minutes pays 2, not 60 */
    uint8_t c[32];
    offer_of(&o, &C.w1, 3, RATE, UINT32_MAX);
    open_tx(&tx, &C.customer, &o, &C.w1, 2 * COST);
    memcpy(c, tx.hash, 32);
    rstep1(&tx, T0 + 4 * MIN, 0);
    rstep(NULL, 0, T0 + 64 * MIN, NULL);
    r = rental_of(c);
    assert_int_equal(r.status, CPC_RENTAL_ENDED);
    assert_int_equal(r.paid_minutes, 2);
    assert_int_equal(acct(&C.w1).balance, p0 + 7 * RATE);
    replay_matches();
}

/* The stateless check refuses tx with code and a message containing what. */
static void check_refuses(const struct cpc_tx *tx, int code, const char *what)
{
    struct cpc_err err = {0};
    int rc = cpc_tx_check(tx, FX_CHAIN, 1, &err);
    if (rc != code || !strstr(err.msg, what))
        fail_msg("check: %d (%s), want %d (%s)", rc, err.msg, code, what);
}

static void test_bad_offers_refused(void **state)
{
    (void)state;
    struct cpc_rental_offer o;
    struct cpc_tx tx;
    offer_of(&o, &C.w1, 1, RATE, T0 + MIN);
    /* signed by another key carrying its own pubkey: not offer.provider's key */
    open_tx(&tx, &C.customer, &o, &C.w2, 2 * COST);
    check_refuses(&tx, CPC_ERR_UNAUTHORIZED, "provider_pubkey");
    /* w1's pubkey but w2's signature */
    open_tx(&tx, &C.customer, &o, &C.w2, 2 * COST);
    memcpy(tx.u.rental_open.provider_pubkey, C.w1.pub, 33);
    assert_int_equal(cpc_tx_sign(&tx, C.s, C.customer.sk, NULL), 0);
    check_refuses(&tx, CPC_ERR_UNAUTHORIZED, "provider_signature");
    /* a rate changed after signing */
    open_tx(&tx, &C.customer, &o, &C.w1, 2 * COST);
    tx.u.rental_open.offer.rate_per_minute = RATE / 2;
    assert_int_equal(cpc_tx_sign(&tx, C.s, C.customer.sk, NULL), 0);
    check_refuses(&tx, CPC_ERR_UNAUTHORIZED, "provider_signature");
    /* an offer of another chain */
    open_tx(&tx, &C.customer, &o, &C.w1, 2 * COST);
    assert_int_equal(cpc_rental_offer_sign(tx.u.rental_open.provider_sig, C.s, C.w1.sk,
                                           "cpc-other-1", &o),
                     0);
    assert_int_equal(cpc_tx_sign(&tx, C.s, C.customer.sk, NULL), 0);
    check_refuses(&tx, CPC_ERR_UNAUTHORIZED, "provider_signature");
    /* zero rate */
    struct cpc_rental_offer z;
    offer_of(&z, &C.w1, 1, 0, T0 + MIN);
    open_tx(&tx, &C.customer, &z, &C.w1, 2 * COST);
    check_refuses(&tx, CPC_ERR_INVALID, "rate_per_minute");
    /* deposit below the rate alone: refused before any state (the commission
     * the rental gets is state: apply checks rate + commission) */
    open_tx(&tx, &C.customer, &o, &C.w1, RATE - 1);
    check_refuses(&tx, CPC_ERR_INVALID, "does not cover one minute");
    /* the rate is enough for the check */
    open_tx(&tx, &C.customer, &o, &C.w1, RATE);
    struct cpc_err err = {0};
    assert_int_equal(cpc_tx_check(&tx, FX_CHAIN, 1, &err), 0);
    /* renting from oneself */
    offer_of(&z, &C.customer, 1, RATE, T0 + MIN);
    open_tx(&tx, &C.customer, &z, &C.customer, 2 * COST);
    check_refuses(&tx, CPC_ERR_INVALID, "itself");
    /* the builder leaves a refused one out: nothing reaches the chain */
    open_tx(&tx, &C.customer, &o, &C.w1, RATE - 1);
    const struct cpc_tx *ptr = &tx;
    struct cpc_block b;
    struct cpc_state *delta = NULL;
    size_t *skipped = NULL, n_skipped = 0;
    int *codes = NULL;
    assert_int_equal(cpc_block_build(C.st, &C.prev, &C.params, T0, &ptr, 1, C.s, C.val.sk, &b,
                                     &delta, &skipped, &codes, &n_skipped, &err),
                     0);
    assert_int_equal(n_skipped, 1);
    assert_int_equal(codes[0], CPC_ERR_INVALID);
    assert_int_equal(b.n_txs, 0);
    free(skipped);
    free(codes);
    cpc_state_free(delta);
    cpc_block_clear(&b);
    /* an expired offer: included, fails, only the fee is taken */
    uint64_t c0 = acct(&C.customer).balance;
    open_tx(&tx, &C.customer, &o, &C.w1, 2 * COST);
    uint64_t f = fee(&tx);
    rstep1(&tx, T0 + MIN + 1, CPC_ERR_INVALID);
    assert_non_null(strstr(last_msg, "expired"));
    assert_int_equal(acct(&C.customer).balance, c0 - f);
    /* the rate but not rate + commission: included, fails at apply, fee only */
    c0 = acct(&C.customer).balance;
    offer_of(&o, &C.w1, 1, RATE, T0 + 2 * MIN);
    open_tx(&tx, &C.customer, &o, &C.w1, COST - 1);
    f = fee(&tx);
    rstep1(&tx, T0 + MIN + 1, CPC_ERR_INVALID);
    assert_non_null(strstr(last_msg, "does not cover one minute"));
    assert_int_equal(acct(&C.customer).balance, c0 - f);
    /* a deposit the customer does not have */
    offer_of(&o, &C.w1, 1, RATE, T0 + 2 * MIN);
    open_tx(&tx, &C.w2, &o, &C.w1, CPC(5000));
    rstep1(&tx, T0 + MIN + 2, CPC_ERR_INSUFFICIENT_BALANCE);
    replay_matches();
}

static void extend_tx(struct cpc_tx *tx, const struct fx_key *from, const uint8_t id[32],
                      uint64_t amount)
{
    fx_base(tx, CPC_TX_RENTAL_EXTEND, 0, 1);
    memcpy(tx->u.rental_extend.rental_id, id, 32);
    tx->u.rental_extend.amount = amount;
    sign_from(tx, from);
}

static void commission_tx(struct cpc_tx *tx, const struct fx_key *from,
                          const struct fx_key *provider, uint32_t bps)
{
    fx_base(tx, CPC_TX_COMMISSION_SET, 0, 1);
    memcpy(tx->u.commission_set.provider, provider->addr, 20);
    tx->u.commission_set.bps = bps;
    sign_from(tx, from);
}

/* RENTAL_EXTEND raises the escrow of an open rental (the customer's only),
 * the settlement then lasts longer, and the end refunds the unused part. */
static void test_extend_lasts_longer_and_refunds(void **state)
{
    (void)state;
    uint64_t c0 = acct(&C.customer).balance, p0 = acct(&C.w1).balance,
             t0 = acct(&C.treasury).balance, w2 = acct(&C.w2).balance;
    uint8_t id[32];
    uint64_t fees = open_rental(id, 2 * COST); /* two minutes */
    struct cpc_tx tx;
    extend_tx(&tx, &C.customer, id, 3 * COST);
    fees += fee(&tx);
    rstep1(&tx, T0 + 30000, 0);
    assert_int_equal(escrow_of(id), 5 * COST);
    assert_int_equal(rental_of(id).deposit, 5 * COST);
    assert_int_equal(acct(&C.customer).balance, c0 - fees - 5 * COST);
    /* the provider or a third party cannot: fee only, the escrow unchanged */
    extend_tx(&tx, &C.w2, id, COST);
    uint64_t f2 = fee(&tx);
    rstep1(&tx, T0 + 31000, CPC_ERR_UNAUTHORIZED);
    assert_non_null(strstr(last_msg, "only the rental's customer"));
    assert_int_equal(acct(&C.w2).balance, w2 - f2);
    extend_tx(&tx, &C.w1, id, COST);
    uint64_t pf = fee(&tx);
    rstep1(&tx, T0 + 32000, CPC_ERR_UNAUTHORIZED);
    /* less than one minute, or nothing at all */
    extend_tx(&tx, &C.customer, id, COST - 1);
    fees += fee(&tx);
    rstep1(&tx, T0 + 33000, CPC_ERR_INVALID);
    assert_non_null(strstr(last_msg, "does not cover one minute"));
    extend_tx(&tx, &C.customer, id, 0);
    check_refuses(&tx, CPC_ERR_INVALID, "payload.amount");
    cpc_tx_clear(&tx);
    assert_int_equal(escrow_of(id), 5 * COST);
    /* without the extension it would end for funds at T0 + 2 min; it lasts */
    for (uint64_t m = 1; m <= 3; m++)
        rstep(NULL, 0, T0 + m * MIN, NULL);
    struct cpc_rental r = rental_of(id);
    assert_int_equal(r.status, CPC_RENTAL_OPEN);
    assert_int_equal(r.paid_minutes, 3);
    assert_int_equal(escrow_of(id), 2 * COST);
    /* the end 10 s later pays the 4th minute and refunds one unused minute */
    end_tx(&tx, &C.customer, id);
    fees += fee(&tx);
    rstep1(&tx, T0 + 3 * MIN + 10000, 0);
    r = rental_of(id);
    assert_int_equal(r.status, CPC_RENTAL_ENDED);
    assert_int_equal(r.paid_minutes, 4);
    assert_int_equal(escrow_of(id), 0);
    assert_int_equal(acct(&C.customer).balance, c0 - fees - 4 * COST);
    assert_int_equal(acct(&C.w1).balance, p0 - pf + 4 * RATE);
    assert_int_equal(acct(&C.treasury).balance, t0 + 4 * COMM); /* fees go to the proposer */
    /* not after the end, nor an unknown rental */
    extend_tx(&tx, &C.customer, id, COST);
    rstep1(&tx, T0 + 4 * MIN, CPC_ERR_INVALID);
    assert_non_null(strstr(last_msg, "already ended"));
    uint8_t none[32] = {9};
    extend_tx(&tx, &C.customer, none, COST);
    rstep1(&tx, T0 + 4 * MIN + 1, CPC_ERR_NOT_FOUND);
    replay_matches();
}

/* The override of w1 under 'C', or 0 when absent. */
static uint32_t override_of(const struct fx_key *k, int *present)
{
    uint8_t key[21];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_state_obj_get(C.st, key, cpc_key_commission(key, k->addr), &b);
    uint32_t bps = 0;
    *present = rc == 0;
    if (rc == 0)
        assert_int_equal(cpc_commission_decode(b.data, b.len, &bps), 0);
    cpc_buf_free(&b);
    return bps;
}

/* COMMISSION_SET: the validator's only; a rental opened after pays the
 * override, one opened before keeps its 10%; the default value clears it. */
static void test_commission_override(void **state)
{
    (void)state;
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER; /* the validator's fees */
    memcpy(tx.u.transfer.to, C.val.addr, 20);
    tx.u.transfer.amount = CPC(1);
    sign_from(&tx, &C.customer);
    rstep1(&tx, T0 - 1000, 0);
    uint8_t before[32], after[32], cleared[32];
    open_rental(before, 10 * COST);
    /* a customer, the provider itself: refused */
    commission_tx(&tx, &C.customer, &C.w1, 2500);
    rstep1(&tx, T0 + 500, CPC_ERR_UNAUTHORIZED);
    assert_non_null(strstr(last_msg, "validator only"));
    commission_tx(&tx, &C.w1, &C.w1, 0);
    rstep1(&tx, T0 + 600, CPC_ERR_UNAUTHORIZED);
    int present;
    override_of(&C.w1, &present);
    assert_false(present);
    /* above the cap: refused by the check */
    commission_tx(&tx, &C.val, &C.w1, CPC_COMMISSION_MAX_BPS + 1);
    check_refuses(&tx, CPC_ERR_INVALID, "payload.bps");
    cpc_tx_clear(&tx);
    commission_tx(&tx, &C.val, &C.w1, 2500);
    rstep1(&tx, T0 + 1000, 0);
    assert_int_equal(override_of(&C.w1, &present), 2500);
    assert_true(present);
    /* a deposit for 10% no longer covers a minute at 25% */
    const uint64_t cost25 = RATE + RATE / 4;
    struct cpc_rental_offer o;
    offer_of(&o, &C.w1, 2, RATE, T0 + MIN);
    open_tx(&tx, &C.customer, &o, &C.w1, cost25 - 1);
    rstep1(&tx, T0 + 1500, CPC_ERR_INVALID);
    assert_non_null(strstr(last_msg, "2500 bps"));
    open_tx(&tx, &C.customer, &o, &C.w1, 10 * cost25);
    memcpy(after, tx.hash, 32);
    rstep1(&tx, T0 + 2000, 0);
    assert_int_equal(rental_of(before).commission_bps, CPC_COMMISSION_BPS);
    assert_int_equal(rental_of(after).commission_bps, 2500);
    /* at T0 + 2 min the older has paid two minutes at 10%, the newer one at 25% */
    uint64_t t0 = acct(&C.treasury).balance, p0 = acct(&C.w1).balance;
    rstep(NULL, 0, T0 + 2 * MIN, NULL);
    assert_int_equal(acct(&C.treasury).balance - t0, 2 * COMM + RATE / 4);
    assert_int_equal(acct(&C.w1).balance - p0, 3 * RATE);
    assert_int_equal(escrow_of(after), 9 * cost25);
    /* the default value clears the override: the key is gone */
    commission_tx(&tx, &C.val, &C.w1, CPC_COMMISSION_BPS);
    rstep1(&tx, T0 + 2 * MIN + 3000, 0);
    override_of(&C.w1, &present);
    assert_false(present);
    offer_of(&o, &C.w1, 3, RATE, T0 + 3 * MIN);
    open_tx(&tx, &C.customer, &o, &C.w1, 3 * COST);
    memcpy(cleared, tx.hash, 32);
    rstep1(&tx, T0 + 2 * MIN + 4000, 0);
    assert_int_equal(rental_of(cleared).commission_bps, CPC_COMMISSION_BPS);
    assert_int_equal(rental_of(after).commission_bps, 2500); /* kept */
    /* 0 bps is an override too (stored, not the default) */
    commission_tx(&tx, &C.val, &C.w2, 0);
    rstep1(&tx, T0 + 2 * MIN + 5000, 0);
    assert_int_equal(override_of(&C.w2, &present), 0);
    assert_true(present);
    replay_matches();
}

/* The JSON wire form of the four types round-trips to the same tx hash, and the
 * decoder is strict. */
/* A test chain's genesis may shorten the billing minute (params.rental_minute_ms):
 * the same rules by 1 s minutes, replayed to the same root; genesis refuses a
 * minute under 1 s or over 60 s and writes the field only when it is shortened. */
static void test_short_billing_minute(void **state)
{
    (void)state;
    C.params.rental_minute_ms = 1000;
    uint64_t p0 = acct(&C.w1).balance;
    uint8_t id[32];
    open_rental(id, 10 * COST);
    static const struct { uint64_t at, paid; } STEPS[] = {
        {T0 + 999, 0}, {T0 + 1000, 1}, {T0 + 3500, 3}, {T0 + 9999, 9}};
    for (size_t i = 0; i < sizeof STEPS / sizeof STEPS[0]; i++) {
        rstep(NULL, 0, STEPS[i].at, NULL);
        struct cpc_rental r = rental_of(id);
        assert_int_equal(r.paid_minutes, STEPS[i].paid);
        assert_int_equal(r.settled_ms, T0 + STEPS[i].paid * 1000);
        assert_int_equal(acct(&C.w1).balance, p0 + STEPS[i].paid * RATE);
    }
    /* the tenth second is the escrow's last minute: then it ends for funds */
    rstep(NULL, 0, T0 + 11000, NULL);
    struct cpc_rental r = rental_of(id);
    assert_int_equal(r.paid_minutes, 10);
    assert_int_equal(r.status, CPC_RENTAL_ENDED);
    assert_int_equal(r.end_reason, CPC_RENTAL_END_FUNDS);
    replay_matches();

    /* genesis: written only when shortened, read back, bounded to 1..60 s */
    struct cpc_genesis g0 = {.params = C.params, .genesis_time_ms = 1};
    g0.params.protocol = CPC_PROTOCOL_VERSION;
    g0.params.min_worker_stake = 1;
    g0.params.unbonding_blocks = 1;
    g0.params.max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    g0.params.max_block_verify = CPC_DEFAULT_MAX_BLOCK_VERIFY;
    memcpy(g0.validator, C.val.pub, CPC_PUBKEY_LEN);
    json_t *j = cpc_genesis_to_json(&g0);
    assert_non_null(j);
    json_t *pj = json_object_get(j, "params");
    assert_int_equal(json_integer_value(json_object_get(pj, "rental_minute_ms")), 1000);
    struct cpc_genesis g;
    struct cpc_err err = {0};
    if (cpc_genesis_from_json(&g, j, &err) != 0)
        fail_msg("genesis: %s", err.msg);
    assert_int_equal(g.params.rental_minute_ms, 1000);
    cpc_genesis_clear(&g);
    static const json_int_t BAD[] = {999, 60001, 0};
    for (size_t i = 0; i < 3; i++) {
        json_object_set_new(pj, "rental_minute_ms", json_integer(BAD[i]));
        memset(&err, 0, sizeof err);
        assert_int_not_equal(cpc_genesis_from_json(&g, j, &err), 0);
        if (!strstr(err.msg, "rental_minute_ms"))
            fail_msg("rental_minute_ms %lld: %s", (long long)BAD[i], err.msg);
    }
    json_decref(j);
    g0.params.rental_minute_ms = CPC_RENTAL_MINUTE_MS;
    j = cpc_genesis_to_json(&g0);
    assert_non_null(j);
    assert_null(json_object_get(json_object_get(j, "params"), "rental_minute_ms"));
    assert_int_equal(cpc_genesis_from_json(&g, j, &err), 0);
    assert_int_equal(g.params.rental_minute_ms, CPC_RENTAL_MINUTE_MS);
    cpc_genesis_clear(&g);
    json_decref(j);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    struct cpc_rental_offer o;
    struct cpc_tx tx, back, e;
    offer_of(&o, &C.w1, 9, RATE, T0 + MIN);
    open_tx(&tx, &C.customer, &o, &C.w1, 3 * COST);
    end_tx(&e, &C.w1, tx.hash);
    struct cpc_tx x, cs;
    extend_tx(&x, &C.customer, tx.hash, 2 * COST);
    commission_tx(&cs, &C.val, &C.w1, 1500);
    const struct cpc_tx *both[] = {&tx, &e, &x, &cs};
    for (int i = 0; i < 4; i++) {
        json_t *j = cpc_tx_to_json(both[i]);
        assert_non_null(j);
        char *text = json_dumps(j, JSON_COMPACT);
        struct cpc_err err = {0};
        memset(&back, 0, sizeof back);
        if (cpc_tx_from_json_text(&back, text, strlen(text), &err))
            fail_msg("%s: %s", text, err.msg);
        assert_memory_equal(back.hash, both[i]->hash, 32);
        assert_int_equal(cpc_tx_check(&back, FX_CHAIN, 1, &err), 0);
        /* an unknown key in the payload is refused */
        json_object_set_new(json_object_get(j, "payload"), "extra", json_integer(1));
        free(text);
        text = json_dumps(j, JSON_COMPACT);
        assert_int_equal(cpc_tx_from_json_text(&back, text, strlen(text), &err), CPC_ERR_INVALID);
        free(text);
        json_decref(j);
    }
}

static int count_due_keys(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                          int tombstone, void *arg)
{
    (void)klen;
    (void)val;
    (void)vlen;
    if (!tombstone && key[0] == CPC_KEY_RENTAL_DUE)
        ++*(size_t *)arg;
    return 0;
}

/* 10,000 rentals due in one block: settled over blocks of at most
 * CPC_RENTAL_SETTLE_WORK, in filing order, each paid once. */
static void test_ten_thousand_due_in_one_block(void **state)
{
    (void)state;
    enum { N = 10000 };
    struct cpc_tx *txs = calloc(N, sizeof *txs);
    uint8_t(*ids)[32] = calloc(N, 32);
    assert_non_null(txs);
    assert_non_null(ids);
    struct cpc_rental_offer o;
    offer_of(&o, &C.w1, 5, RATE, T0 + MIN); /* one offer, reused: it is the provider's price */
    uint64_t n0 = acct(&C.customer).nonce, p0 = acct(&C.w1).balance,
             t0 = acct(&C.treasury).balance;
    for (size_t i = 0; i < N; i++) {
        open_unsigned(&txs[i], &C.customer, n0 + i, &o, &C.w1, 3 * COST);
        assert_int_equal(cpc_tx_sign(&txs[i], C.s, C.customer.sk, NULL), 0);
        memcpy(ids[i], txs[i].hash, 32);
    }
    int *codes = calloc(N, sizeof *codes);
    assert_non_null(codes);
    rstep(txs, N, T0, codes);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(codes[i], 0);
    /* all due at T0 + 60 s; each block settles the next CPC_RENTAL_SETTLE_WORK in order */
    size_t settled = 0;
    for (uint64_t blk = 0; settled < N; blk++) {
        assert_true(blk < 10);
        rstep(NULL, 0, T0 + MIN + blk * 1000, NULL);
        settled = settled + CPC_RENTAL_SETTLE_WORK < N ? settled + CPC_RENTAL_SETTLE_WORK : N;
        for (size_t i = 0; i < N; i += 97)
            assert_int_equal(rental_of(ids[i]).paid_minutes, i < settled ? 1 : 0);
        assert_int_equal(rental_of(ids[settled - 1]).paid_minutes, 1);
        if (settled < N)
            assert_int_equal(rental_of(ids[settled]).paid_minutes, 0);
        assert_int_equal(acct(&C.w1).balance, p0 + settled * RATE);
        assert_int_equal(acct(&C.treasury).balance, t0 + settled * COMM);
    }
    for (size_t i = 0; i < N; i++) {
        struct cpc_rental r = rental_of(ids[i]);
        assert_int_equal(r.paid_minutes, 1);
        assert_int_equal(r.status, CPC_RENTAL_OPEN);
    }
    /* the next minute: each once more (none lost, none paid twice) */
    for (uint64_t blk = 0; blk < 4; blk++)
        rstep(NULL, 0, T0 + 2 * MIN + blk * 1000, NULL);
    assert_int_equal(acct(&C.w1).balance, p0 + 2 * N * RATE);
    assert_int_equal(acct(&C.treasury).balance, t0 + 2 * N * COMM);
    for (size_t i = 0; i < N; i += 13)
        assert_int_equal(rental_of(ids[i]).paid_minutes, 2);
    /* the index holds only what is pending: the cursor, one count and the
     * buckets of the 10,000 entries due at T0 + 3 min */
    size_t due_keys = 0;
    assert_int_equal(cpc_state_obj_foreach(C.st, count_due_keys, &due_keys), 0);
    assert_int_equal(due_keys, 1 + 1 + (N + CPC_RENTAL_BUCKET - 1) / CPC_RENTAL_BUCKET);
    for (size_t i = 0; i < N; i++)
        cpc_tx_clear(&txs[i]);
    free(txs);
    free(ids);
    free(codes);
    replay_matches();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_settles_exactly_and_refunds_once, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_end_by_provider_not_third_party, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_funds_run_out, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_bad_offers_refused, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_json_round_trip, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_extend_lasts_longer_and_refunds, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_commission_override, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_ten_thousand_due_in_one_block, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_short_billing_minute, setup, teardown_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

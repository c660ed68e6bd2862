/* market.h — the compute market's on-chain data: contracts, jobs, tasks,
 * workers, leases, and the payloads of the market's transactions.
 *
 * Records live in the state's object map (state.h) under 1-byte prefixed
 * keys and are stored in the canonical binary encoding (codec.h); the state
 * root commits to them. Money never sits in a record: a job's escrow is the
 * balance of its escrow account (cpc_escrow_address), a worker's locked
 * stake is part of its account's `stake`, so the supply invariant over
 * accounts keeps covering the market.
 *
 * Economics (fixed in this version):
 *   budget     = tasks x replication x (reward + early_bonus)
 *   commission = budget x 10%, also escrowed at JOB_CREATE; budget + commission <= max_budget
 *   accepted result: escrow -> worker reward (+ early_bonus when settled within
 *                    early_blocks of creation); escrow -> treasury 10% of that payment
 *   rejected result (wrong, missed reveal, outvoted, no lease): 10% of the task reward
 *                    moves from the worker's stake to the treasury
 *   completion, cancel or expiry: what is left in escrow goes back to the creator
 *
 * Worker stake (params.min_worker_stake, params.unbonding_blocks; docs/market.md):
 *   WORKER_REGISTER must leave at least min_worker_stake locked; a market result or
 *   synthetic commit is refused (no slash, nothing to slash) from a sender that is
 *   not registered or whose locked stake fell below the minimum, and a synthetic
 *   commit also from a deregistering worker. WORKER_DEREGISTER sets unbonding_since;
 *   leased results are still taken until unbonding_since + unbonding_blocks, none
 *   after; the lock ends at that height once `pending` is 0 (UNSTAKE may then take
 *   it, which zeroes `locked`). WORKER_REGISTER ends an unbonding (or starts a new
 *   bond after it); the reputation counters stay.
 */
#ifndef CPC_CORE_MARKET_H
#define CPC_CORE_MARKET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bech32.h"
#include "codec.h"
#include "err.h"
#include "keys.h"
#include "kinds.h"

#define CPC_COMMISSION_BPS 1000       /* 10% platform commission */
#define CPC_SLASH_BPS 1000            /* 10% of the task reward */
#define CPC_REVEAL_WINDOW 10          /* blocks after the commit to send REVEAL */
#define CPC_EXEC_REVEAL_WINDOW 10     /* blocks after an exec task's commit window closed
                                       * to send RESULT_REVEAL */
#define CPC_DEFAULT_CHALLENGES 16     /* matmul rows opened per task */
#define CPC_MAX_TASKS 100000          /* tasks per job */
/* Gas of the txs that create state in proportion to their payload (docs/protocol.md):
 * JOB_CREATE = CPC_GAS_JOB_CREATE + tasks * CPC_GAS_PER_TASK
 *              + tasks * ceil(reveal work / CPC_VERIFY_WORK_PER_GAS)   (matmul only)
 *              + canonical contract bytes * CPC_GAS_PER_CONTRACT_BYTE,
 * JOB_EXTEND = CPC_GAS_JOB_EXTEND + add_tasks * CPC_GAS_PER_TASK.
 * A task's gas also pays for closing it later (expiry or cancel touch every task);
 * a matmul task's also for the verification of its REVEAL (a constant 200,000
 * gas whatever the contract). JOB_EXTEND carries no contract, so its added
 * tasks pay no verification term: the block's verification budget below, not
 * gas, is what bounds a block's verification. */
#define CPC_GAS_JOB_CREATE 100000ULL
#define CPC_GAS_JOB_EXTEND 50000ULL
#define CPC_GAS_PER_TASK 100000ULL
#define CPC_GAS_PER_CONTRACT_BYTE 100ULL
#define CPC_VERIFY_WORK_PER_GAS 256ULL
#define CPC_MAX_REPLICATION CPC_EXEC_MAX_REPLICAS
#define CPC_MAX_EXEC_INPUTS 8
#define CPC_GPU_MODEL_MAX 32
#define CPC_MAX_DEADLINE_BLOCKS 10000000ULL
/* Verification work of a matmul (or synthetic) REVEAL, in work units of about
 * one int8 multiply-add of the reference verifier (cpc_matmul_verify_rows):
 *   work = challenges*k*n                       multiply-adds of the challenged rows
 *        + CPC_VERIFY_GEN_WEIGHT*(k*n + challenges*k)   elements of B and of the A rows
 *                                                       generated (splitmix64 each)
 *        + CPC_VERIFY_LEAF_WEIGHT*challenges*n          C row elements hashed into leaves
 *        + CPC_VERIFY_NODE_WEIGHT*challenges*(ceil(log2 m) + 1)   Merkle proof nodes
 *                                                       decoded, hashed into the tx
 *                                                       hash and folded
 * Weights measured under ASan on the 2-vCPU reference machine: one generated
 * element about 16 ns, one multiply-add 5..10 ns, one hashed element about 2 of
 * those, one proof node about 1.4 us (a reveal of m = 16384, k = n = 1 and 64
 * challenges took 1.34 ms: 2,500 of them, what max_block_gas admits, 3.4 s).
 * A block's REVEALs may verify at most params.max_block_verify units together
 * (apply.h); that is at least CPC_MIN_BLOCK_VERIFY, and a matmul contract (or the
 * synthetic params) whose reveal needs more than CPC_MIN_BLOCK_VERIFY is refused,
 * so one REVEAL always fits an empty block of any chain. The default, 3 x 2^24
 * units (a 44-challenge reveal of 1024 x 1024, or two synthetic reveals of the
 * devnet's n = 1024, 16 challenges), verifies in about 0.3 s under ASan there,
 * 0.45 s with the other cores busy: within the 1 s block interval next to a full
 * block's gas-bounded work (genesis.h). A chain whose validator runs an
 * optimised build may raise it in its genesis. */
#define CPC_VERIFY_GEN_WEIGHT 3ULL
#define CPC_VERIFY_LEAF_WEIGHT 2ULL
#define CPC_VERIFY_NODE_WEIGHT 256ULL
#define CPC_MIN_BLOCK_VERIFY (3ULL << 24)
#define CPC_DEFAULT_MAX_BLOCK_VERIFY (3ULL << 24)
#define CPC_MATMUL_MAX_REVEAL_WORK CPC_MIN_BLOCK_VERIFY
/* The work above for an m x k A, a k x n B and `challenges` rows; saturates at
 * UINT64_MAX (any values: gas is computed before a contract is checked). */
uint64_t cpc_matmul_reveal_work(uint64_t m, uint64_t k, uint64_t n, uint64_t challenges);
/* Worker bond defaults (genesis params.min_worker_stake, params.unbonding_blocks). */
#define CPC_DEFAULT_MIN_WORKER_STAKE 10000000000ULL /* 10 CPC in base units */
#define CPC_DEFAULT_UNBONDING_BLOCKS 100ULL
#define CPC_MAX_UNBONDING_BLOCKS 10000000ULL

enum cpc_job_kind {
    CPC_KIND_NONE = 0,
    CPC_KIND_HASHPOW = 1,
    CPC_KIND_MATMUL = 2,
    CPC_KIND_VANITY = 3,
    CPC_KIND_EXEC = 4,
};

enum cpc_priority { CPC_PRIORITY_LOW = 0, CPC_PRIORITY_NORMAL = 1, CPC_PRIORITY_HIGH = 2 };

struct cpc_requirements {
    char gpu_model[CPC_GPU_MODEL_MAX + 1]; /* "" = any */
    uint32_t min_vram_gb;
    uint32_t min_cpu_cores;
};

/* A declarative job contract (JOB_CREATE payload). */
struct cpc_contract {
    enum cpc_job_kind kind;
    union {
        struct { uint8_t bits; } hashpow;                          /* 1..64 */
        struct { uint32_t m, k, n; uint16_t challenges; } matmul;  /* dims 1..16384; challenges 1..64,
                                                                    * <= m; reveal work (below) at most
                                                                    * CPC_MATMUL_MAX_REVEAL_WORK */
        struct { uint8_t pubkey[CPC_PUBKEY_LEN]; char prefix[CPC_VANITY_MAX_PREFIX + 1]; } vanity;
        struct {
            uint8_t app[32];                             /* content hash of the registered app */
            uint8_t inputs[CPC_MAX_EXEC_INPUTS][32];     /* content hashes */
            uint8_t n_inputs;
            uint32_t timeout_s;                          /* 1..86400 */
            uint32_t memory_mb;                          /* 1..1048576 */
        } exec;
    } p;
    uint32_t tasks;            /* 1..CPC_MAX_TASKS */
    uint64_t reward;           /* per task (per replica), base units, > 0 */
    uint8_t replication;       /* 1 for hashpow/matmul/vanity; 1..9 for exec */
    uint64_t deadline_blocks;  /* 1..CPC_MAX_DEADLINE_BLOCKS after creation */
    enum cpc_priority priority;
    uint64_t max_budget;       /* cap on budget + commission */
    struct cpc_requirements req;
    uint64_t early_bonus;      /* extra per result settled within early_blocks; 0 = none */
    uint64_t early_blocks;
};

/* ---- contract codec ----
 * JSON (kind-level form; amounts in base units):
 *  {"kind":"hashpow|matmul|vanity|exec",
 *   "params":{ hashpow: "bits" | matmul: "m","k","n",["challenges"] |
 *              vanity: "pubkey","prefix" | exec: "app","inputs":[..],"timeout_s","memory_mb" },
 *   "tasks":N,"reward":N,["replication":N],"deadline":BLOCKS,["priority":"low|normal|high"],
 *   "max_budget":N,["requirements":{"gpu_model","min_vram_gb","min_cpu_cores"}],
 *   ["early_bonus":N,"early_blocks":N]}
 * Strict: unknown keys, wrong types, out-of-range values -> CPC_ERR_INVALID naming the field;
 * unknown kind -> CPC_ERR_INVALID "contract.kind: unknown kind X"; budget overflow or
 * budget + commission > max_budget -> CPC_ERR_OVERFLOW / CPC_ERR_INVALID. */
int cpc_contract_from_json(struct cpc_contract *c, const json_t *j, struct cpc_err *err);
/* New reference, NULL on OOM. */
json_t *cpc_contract_to_json(const struct cpc_contract *c);
void cpc_contract_encode(const struct cpc_contract *c, struct cpc_buf *b);
/* Decode from a reader; sets r->failed or returns CPC_ERR_INVALID on bad values. */
int cpc_contract_decode(struct cpc_contract *c, struct cpc_reader *r, struct cpc_err *err);
/* Range and consistency checks (also run by from_json and decode). */
int cpc_contract_check(const struct cpc_contract *c, struct cpc_err *err);
/* budget and commission (see top). Returns 0, CPC_ERR_OVERFLOW, or CPC_ERR_INVALID when
 * budget + commission > max_budget. */
int cpc_contract_budget(const struct cpc_contract *c, uint64_t *budget, uint64_t *commission,
                        struct cpc_err *err);
/* 10% of amount (floor). */
uint64_t cpc_commission_of(uint64_t amount);
const char *cpc_kind_name(enum cpc_job_kind k);          /* "hashpow" ..., "unknown" */
enum cpc_job_kind cpc_kind_from_name(const char *name); /* CPC_KIND_NONE if unknown */

/* ---- records ---- */

enum cpc_job_status {
    CPC_JOB_ACTIVE = 1,
    CPC_JOB_COMPLETED = 2,
    CPC_JOB_CANCELLED = 3,
    CPC_JOB_EXPIRED = 4,
};

/* The money of a job as the chain moved it (protocol 3): each path that moves
 * the job's escrow adds what it moved here, in the same state transition, so
 * an invoice reads every figure from the record instead of rebuilding it
 * (commission is floored per payment, the early bonus depends on each
 * result's height, and a refund is the escrow's balance at close):
 *   escrowed   += total at JOB_CREATE (budget + commission) and each JOB_EXTEND's cost
 *   results_paid++, paid += pay (reward, + early_bonus when early: bonus_results++,
 *              bonus_paid += early_bonus), commission += floor(pay x 10%)  per accepted result
 *   refund      = the escrow's balance moved back to the creator at close (refunded = 1)
 * So paid = (results_paid x reward) + bonus_paid, and escrowed = paid + commission +
 * refund + what the escrow still holds, to the unit (less only if someone else
 * sent money to the escrow address, which the refund then returns too).
 * Slashes take the worker's stake, never the escrow: they are not here. */
struct cpc_job_money {
    uint64_t escrowed;               /* moved from the creator into the escrow */
    uint64_t paid;                   /* to workers: rewards + early bonuses */
    uint64_t bonus_paid;             /* the early-bonus part of paid */
    uint64_t commission;             /* to the treasury */
    uint64_t refund;                 /* back to the creator when the job finished */
    uint32_t results_paid;           /* accepted results paid (exec: each paid replica) */
    uint32_t bonus_results;          /* of which settled early (paid the bonus) */
};

struct cpc_job {
    uint8_t id[32];                  /* hash of the JOB_CREATE tx */
    uint8_t creator[CPC_ADDR_HASH_LEN];
    struct cpc_contract contract;
    uint8_t seed[32];                /* SHA256("cpc-job" | prev block hash | id) */
    uint64_t created_height;
    uint8_t status;                  /* enum cpc_job_status */
    uint8_t refunded;                /* escrow leftovers returned */
    uint32_t tasks_done;             /* tasks accepted (all replicas settled) */
    uint32_t tasks_committed;        /* matmul tasks awaiting REVEAL, exec tasks in
                                      * their reveal phase: escrow stays until they settle */
    struct cpc_job_money money;      /* every unit the job's escrow took in and paid out */
};

enum cpc_task_status {
    CPC_TASK_OPEN = 0,       /* waiting for results */
    CPC_TASK_COMMITTED = 1,  /* matmul root committed, waiting for REVEAL; exec: every
                              * replica committed, waiting for RESULT_REVEALs */
    CPC_TASK_DONE = 2,       /* accepted and paid */
    CPC_TASK_CLOSED = 3,     /* job ended before the task was done; exec: disputed (a reveal
                              * phase without a majority kept revealed replicas: VERDICT) */
    CPC_TASK_UNPAID = 4,     /* synthetic: accepted, but the pool or the block's cap was exhausted */
};

/* A replica's state. exec replicas are commit-reveal: SUBMIT_RESULT carries
 * only the commitment (cpc_exec_commitment), the result follows in a
 * RESULT_REVEAL once every replica has committed. */
enum cpc_replica_state {
    CPC_REPLICA_PLAIN = 0,      /* hash is the value itself (synthetic: seed | height) */
    CPC_REPLICA_COMMITTED = 1,  /* exec: commit known, result not revealed (hash empty) */
    CPC_REPLICA_REVEALED = 2,   /* exec: hash = the revealed result, which opens commit */
    CPC_REPLICA_REJECTED = 3,   /* exec: a reveal that did not open commit (slashed; hash empty) */
};

struct cpc_task_result {
    uint8_t worker[CPC_ADDR_HASH_LEN];
    uint8_t hash[64];
    uint8_t hash_len;
    uint8_t state;                   /* enum cpc_replica_state */
    uint8_t commit[32];              /* exec: the commitment; zero for PLAIN */
};

struct cpc_task {
    uint8_t id[16];                  /* cpc_task_id(job, index) */
    uint8_t job_id[32];
    uint32_t index;
    uint8_t status;                  /* enum cpc_task_status */
    uint32_t attempts;               /* rejected results so far */
    uint8_t worker[CPC_ADDR_HASH_LEN]; /* committing worker (matmul) */
    uint8_t commit_root[32];
    uint64_t commit_height;
    uint64_t reveal_deadline;        /* last height at which REVEAL is accepted */
    uint8_t n_results;               /* exec replicas (commitments) collected */
    struct cpc_task_result results[CPC_MAX_REPLICATION];
};

struct cpc_worker {
    uint8_t addr[CPC_ADDR_HASH_LEN];
    uint64_t locked;                 /* part of the account's stake locked for slashing */
    uint32_t cpu_cores;
    uint32_t ram_gb;
    char gpu_model[CPC_GPU_MODEL_MAX + 1];
    uint32_t vram_gb;
    uint32_t gpu_count;
    uint64_t accepted, rejected, timed_out;
    uint64_t registered_height;
    uint64_t unbonding_since;        /* height of its WORKER_DEREGISTER; 0 = bonded */
    uint32_t pending;                /* its results the chain has not settled: commits
                                      * awaiting REVEAL, exec replicas awaiting the quorum */
};

/* Reputation score in per-mille: (accepted + 1) * 1000 / (accepted + 4*rejected + timed_out + 1),
 * capped to 1000. */
uint32_t cpc_worker_score(const struct cpc_worker *w);

/* The effective minimum stake of params' min_worker_stake (0 reads as 1). */
uint64_t cpc_worker_min_stake(uint64_t min_worker_stake);
/* True once a deregistered worker's lock has ended at `height`: unbonding_since
 * != 0, height >= unbonding_since + unbonding_blocks and nothing pending. */
bool cpc_worker_released(const struct cpc_worker *w, uint64_t height, uint64_t unbonding_blocks);
/* Live leases the scheduler lets w hold (docs/market.md, "Scheduler limits"):
 *   units = locked / min_stake, trust = 1 + floor(log2(accepted + 1)),
 *   cap   = clamp(2 x units x trust x score / 1000, 1, max_leases),
 * and 0 when w may not lease at all (units 0, or deregistering). */
uint32_t cpc_worker_lease_cap(const struct cpc_worker *w, uint64_t min_stake, uint32_t max_leases);

void cpc_job_encode(const struct cpc_job *j, struct cpc_buf *b);
int cpc_job_decode(struct cpc_job *j, const uint8_t *data, size_t len, struct cpc_err *err);
void cpc_task_encode(const struct cpc_task *t, struct cpc_buf *b);
int cpc_task_decode(struct cpc_task *t, const uint8_t *data, size_t len, struct cpc_err *err);
void cpc_worker_encode(const struct cpc_worker *w, struct cpc_buf *b);
int cpc_worker_decode(struct cpc_worker *w, const uint8_t *data, size_t len, struct cpc_err *err);
/* JSON views for the API (new references, NULL on OOM). */
json_t *cpc_job_to_json(const struct cpc_job *j);
json_t *cpc_task_to_json(const struct cpc_task *t);
json_t *cpc_worker_to_json(const struct cpc_worker *w);

/* ---- keys in the state's object map ---- */
#define CPC_KEY_JOB 'J'       /* 'J' | job id[32]            -> job */
#define CPC_KEY_TASK 'T'      /* 'T' | task id[16]           -> task */
#define CPC_KEY_WORKER 'W'    /* 'W' | address[20]           -> worker */
#define CPC_KEY_BLOCKHASH 'H' /* 'H' | u64be height          -> block hash[32] (recent) */
#define CPC_KEY_DEADLINE 'D'  /* 'D' | u64be height          -> u32 deadlines added there;
                               * 'D' | u64be height | u32be b -> deadline bucket b;
                               * 'D'                          -> deadline cursor (market_deadlines.c) */
#define CPC_KEY_VANITY_DONE 'V' /* 'V' | address hash[20]   -> task id: a delivered vanity key (pays once) */
#define CPC_KEY_SYNTH_PARAMS 'Y' /* 'Y'                     -> synthetic params (genesis; absent = disabled) */
#define CPC_KEY_SYNTH_COUNT 'S'  /* 'S' | u64be height      -> u32 synthetic rewards paid in that block */
/* 'R' (rental records) and 'M' (their due index) are rental.h's. */
#define CPC_KEY_MAX 33

size_t cpc_key_job(uint8_t key[CPC_KEY_MAX], const uint8_t id[32]);
size_t cpc_key_task(uint8_t key[CPC_KEY_MAX], const uint8_t id[16]);
size_t cpc_key_worker(uint8_t key[CPC_KEY_MAX], const uint8_t addr[CPC_ADDR_HASH_LEN]);
size_t cpc_key_blockhash(uint8_t key[CPC_KEY_MAX], uint64_t height);
size_t cpc_key_deadline(uint8_t key[CPC_KEY_MAX], uint64_t height);
size_t cpc_key_deadline_bucket(uint8_t key[CPC_KEY_MAX], uint64_t height, uint32_t bucket);
/* Deadline entries per bucket, and the work (entries + tasks closed by
 * expiries) that one block's end spends on due deadlines before carrying the
 * rest over to the next block. */
#define CPC_DEADLINE_BUCKET 64
#define CPC_DEADLINE_WORK 5000

/* Task id: SHA256("cpc-task" | job id | u32be index)[0..16] with the UUID version
 * nibble set to 8 and the variant bits to 10 (RFC 9562 custom UUID). */
void cpc_task_id(uint8_t out[16], const uint8_t job_id[32], uint32_t index);
/* Escrow account: SHA256("cpc-escrow" | job id)[0..20]. */
void cpc_escrow_address(uint8_t out[CPC_ADDR_HASH_LEN], const uint8_t job_id[32]);
/* Job seed: SHA256("cpc-job" | prev block hash | job id). */
void cpc_job_seed(uint8_t out[32], const uint8_t prev_hash[32], const uint8_t job_id[32]);
/* Challenge seed of a matmul commit: SHA256("cpc-challenge" | hash of the commit block | task id). */
void cpc_challenge_seed(uint8_t out[32], const uint8_t commit_block_hash[32], const uint8_t task_id[16]);

/* ---- synthetic: idle-time Proof-of-Compute paid from a genesis pool ----
 * A worker picks a recent height h (its hash still kept, see CPC_BLOCKHASH_KEEP),
 * multiplies the n x n x n matmul seeded by SHA256(H[h] | worker address) and
 * commits with SUBMIT_RESULT: task_id = cpc_synthetic_task_id(h, worker), result_hash
 * = row root[32] | u64be h (40 bytes), no lease. REVEAL as for matmul (params.challenges
 * rows). A valid reveal pays `reward` from `pool` while the pool can pay and fewer than
 * per_block were paid in this block (else the task ends CPC_TASK_UNPAID); a failed or
 * missed reveal slashes 10% of `reward`. No commission: the pool is the network's money.
 * The task record has job_id = cpc_synthetic_job_id() and results[0] = {worker,
 * seed[32] | u64be h} (n_results 1): what the verifier needs. */
struct cpc_synthetic_params {
    uint8_t enabled;
    uint8_t pool[CPC_ADDR_HASH_LEN];
    uint64_t reward;        /* base units per accepted result, >= 1 */
    uint32_t per_block;     /* rewards paid per block at most, >= 1 */
    uint32_t n;             /* matrix size, 1..CPC_MATMUL_MAX_DIM (default 1024) */
    uint16_t challenges;    /* rows opened, 1..CPC_MATMUL_MAX_CHALLENGES (default 16); the
                             * reveal work of (n, n, n, challenges) at most
                             * CPC_MATMUL_MAX_REVEAL_WORK */
};
#define CPC_SYNTHETIC_RESULT_LEN 40
/* UUID v8 from SHA256("cpc-synthetic" | u64be h | worker[20])[0..16]. */
void cpc_synthetic_task_id(uint8_t out[16], uint64_t height, const uint8_t worker[CPC_ADDR_HASH_LEN]);
/* SHA256(block hash of h | worker[20]): the matmul seed (kinds.h spec.seed). */
void cpc_synthetic_seed(uint8_t out[32], const uint8_t block_hash[32],
                        const uint8_t worker[CPC_ADDR_HASH_LEN]);
/* The pseudo job id of synthetic tasks: SHA256("cpc-synthetic-job"). */
void cpc_synthetic_job_id(uint8_t out[32]);
/* JSON {"pool","reward","per_block",["n"],["challenges"]} (strict, prefix for messages). */
int cpc_synthetic_params_from_json(struct cpc_synthetic_params *p, const json_t *j,
                                   const char *where, struct cpc_err *err);
json_t *cpc_synthetic_params_to_json(const struct cpc_synthetic_params *p); /* NULL on OOM */
/* Binary: pool[20] | u64 reward | u32 per_block | u32 n | u32 challenges. */
void cpc_synthetic_params_encode(const struct cpc_synthetic_params *p, struct cpc_buf *b);
int cpc_synthetic_params_decode(struct cpc_synthetic_params *p, const uint8_t *data, size_t len);

/* ---- leases: issued off-chain by the scheduler, signed by the validator ----
 * digest = SHA256("cpc-lease" | var chain_id | task id[16] | worker[20] | u64be expires) */
void cpc_lease_digest(uint8_t out[32], const char *chain_id, const uint8_t task_id[16],
                      const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires);
int cpc_lease_sign(uint8_t sig[CPC_SIG_LEN], const struct cpc_signer *s,
                   const uint8_t validator_sk[CPC_SECKEY_LEN], const char *chain_id,
                   const uint8_t task_id[16], const uint8_t worker[CPC_ADDR_HASH_LEN],
                   uint64_t expires);
/* 0 if sig is the validator's over this lease, else CPC_ERR_UNAUTHORIZED. */
int cpc_lease_verify(const uint8_t sig[CPC_SIG_LEN], const uint8_t validator_pub[CPC_PUBKEY_LEN],
                     const char *chain_id, const uint8_t task_id[16],
                     const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires);

/* ---- lease sets: one validator signature for all the tasks of one lease answer ----
 * The scheduler hands out up to CPC_LEASE_SET_MAX tasks per call. Signing each
 * lease costs one ECDSA signature per task, so a lease answer signs once:
 *   item_i = SHA256("cpc-lease-task" | task id[16]) for the tasks in answer order,
 *   root   = Merkle root (merkle.h) of the items,
 *   digest = SHA256("cpc-lease-set" | var chain_id | worker[20] | u64be expires |
 *                   u16be size | root).
 * A result then carries its task's index, the set size and the Merkle path
 * (struct cpc_lease_set_ref); the chain folds the path back to the root and
 * checks the one signature. A single-task lease keeps the cpc_lease_digest form. */
#define CPC_LEASE_SET_MAX 256  /* tasks under one signature */
#define CPC_LEASE_PATH_MAX 8   /* = ceil(log2(CPC_LEASE_SET_MAX)) siblings */

struct cpc_lease_set_ref {
    uint16_t index;            /* this task's position in the set, < size */
    uint16_t size;             /* 1..CPC_LEASE_SET_MAX */
    uint8_t depth;             /* = cpc_merkle_depth(size, index) */
    uint8_t path[CPC_LEASE_PATH_MAX][32]; /* siblings, bottom-up; the rest zero */
};

void cpc_lease_set_item(uint8_t out[32], const uint8_t task_id[16]);
void cpc_lease_set_digest(uint8_t out[32], const char *chain_id,
                          const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires,
                          uint16_t size, const uint8_t root[32]);
/* 0 when ref is well formed (size 1..max, index < size, depth matches, unused
 * path entries zero), else CPC_ERR_INVALID. */
int cpc_lease_set_ref_check(const struct cpc_lease_set_ref *ref);
/* root <- the set root that task_id at ref's position folds up to. 0 or CPC_ERR_INVALID. */
int cpc_lease_set_fold(uint8_t root[32], const uint8_t task_id[16],
                       const struct cpc_lease_set_ref *ref);
/* Build the set of n (1..CPC_LEASE_SET_MAX) task ids: *root, and refs[i] for
 * task i (caller's array of n). 0, CPC_ERR_INVALID or CPC_ERR_NOMEM. */
int cpc_lease_set_build(uint8_t root[32], struct cpc_lease_set_ref *refs,
                        const uint8_t (*task_ids)[16], size_t n);
/* out <- the signed digest of the set that task_id at ref's position belongs to
 * (fold, then cpc_lease_set_digest). 0 or CPC_ERR_INVALID (malformed ref). */
int cpc_lease_set_member_digest(uint8_t out[32], const char *chain_id, const uint8_t task_id[16],
                                const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires,
                                const struct cpc_lease_set_ref *ref);
/* 0 if sig is the validator's over the set that task_id is a member of, else
 * CPC_ERR_UNAUTHORIZED (bad path or signature). */
int cpc_lease_set_verify(const uint8_t sig[CPC_SIG_LEN], const uint8_t validator_pub[CPC_PUBKEY_LEN],
                         const char *chain_id, const uint8_t task_id[16],
                         const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires,
                         const struct cpc_lease_set_ref *ref);
/* JSON of a set member's extra lease fields: adds "index", "size" and "path"
 * (hex of depth * 32 bytes, "" when depth is 0) to the lease object lease.
 * 0 or CPC_ERR_NOMEM. */
int cpc_lease_set_to_json(json_t *lease, const struct cpc_lease_set_ref *ref);
/* Parse those fields from a lease object. *present = 0 when none of the three
 * is there (a single-task lease); all three or none, else an error with code E
 * naming where ("lease"). 0 or E. */
int cpc_lease_set_from_json(struct cpc_lease_set_ref *ref, int *present, const json_t *lease,
                            const char *where, int E, struct cpc_err *err);

/* ---- payloads of the market's transactions (members of struct cpc_tx's union) ---- */

struct cpc_payload_job_create {        /* JOB_CREATE: payload JSON = the contract object */
    struct cpc_contract contract;
};
struct cpc_payload_job_cancel {        /* JOB_CANCEL: {"job_id":"hex32"} */
    uint8_t job_id[32];
};
struct cpc_payload_job_extend {        /* JOB_EXTEND: {"job_id":"hex32",["add_blocks":N],["add_tasks":N]}, not both 0 */
    uint8_t job_id[32];
    uint64_t add_blocks;               /* deadline_blocks grows by this (total <= CPC_MAX_DEADLINE_BLOCKS) */
    uint32_t add_tasks;                /* tasks appended (total <= CPC_MAX_TASKS), escrowed with 10% */
};
struct cpc_payload_worker_register {   /* WORKER_REGISTER: {"stake",["cpu_cores","ram_gb","gpu_model","vram_gb","gpu_count"]} */
    uint64_t stake;                    /* moved balance -> stake and locked; may be 0 to update capabilities */
    uint32_t cpu_cores, ram_gb, vram_gb, gpu_count;
    char gpu_model[CPC_GPU_MODEL_MAX + 1];
};
/* WORKER_DEREGISTER: payload {} (no fields, no payload bytes): the sender's worker
 * record starts unbonding (market.h "worker stake", docs/market.md). */
struct cpc_payload_reveal {            /* REVEAL: {"task_id":uuid,"proofs":[["hex32",...],...]} */
    uint8_t task_id[16];
    uint16_t count;                    /* proofs, one per challenged row, in challenge order */
    /* the proofs themselves live in the tx's heap `ext` bytes: count x (u8 depth | depth x 32) */
};
struct cpc_payload_result_reveal {     /* RESULT_REVEAL: {"task_id":uuid,"result":hex,"salt":hex32} */
    uint8_t task_id[16];
    uint8_t result[64];                /* the exec result committed to, 1..64 bytes */
    uint8_t result_len;
    uint8_t salt[32];                  /* the worker's secret of the commitment */
};
struct cpc_payload_verdict {           /* VERDICT (validator only): {"task_id","accept":bool,["result_hash":hex]} */
    uint8_t task_id[16];
    uint8_t accept;
    uint8_t result_hash[64];           /* exec: the hash declared correct (when accept) */
    uint8_t result_hash_len;
};

/* Binary payload codecs (append / decode) and JSON codecs for the market tx types,
 * used by the dispatch table. `ext`: REVEAL proofs (see above). */
void cpc_payload_job_create_encode(const struct cpc_payload_job_create *p, struct cpc_buf *b);
int cpc_payload_job_create_from_json(struct cpc_payload_job_create *p, const json_t *j, struct cpc_err *err);
json_t *cpc_payload_job_create_to_json(const struct cpc_payload_job_create *p);
void cpc_payload_job_cancel_encode(const struct cpc_payload_job_cancel *p, struct cpc_buf *b);
int cpc_payload_job_cancel_from_json(struct cpc_payload_job_cancel *p, const json_t *j, struct cpc_err *err);
json_t *cpc_payload_job_cancel_to_json(const struct cpc_payload_job_cancel *p);
void cpc_payload_job_extend_encode(const struct cpc_payload_job_extend *p, struct cpc_buf *b);
int cpc_payload_job_extend_from_json(struct cpc_payload_job_extend *p, const json_t *j, struct cpc_err *err);
json_t *cpc_payload_job_extend_to_json(const struct cpc_payload_job_extend *p);
/* Escrow that extending a job by add_tasks costs: add_tasks x replication x
 * (reward + early_bonus) plus 10% of it. Returns 0 or CPC_ERR_OVERFLOW. */
int cpc_job_extend_cost(const struct cpc_contract *c, uint32_t add_tasks, uint64_t *total,
                        struct cpc_err *err);
void cpc_payload_worker_register_encode(const struct cpc_payload_worker_register *p, struct cpc_buf *b);
int cpc_payload_worker_register_from_json(struct cpc_payload_worker_register *p, const json_t *j, struct cpc_err *err);
json_t *cpc_payload_worker_register_to_json(const struct cpc_payload_worker_register *p);
/* WORKER_DEREGISTER's payload: exactly {} (strict: any key is CPC_ERR_INVALID). */
int cpc_payload_empty_from_json(const json_t *j, struct cpc_err *err);
void cpc_payload_reveal_encode(const struct cpc_payload_reveal *p, const uint8_t *ext, size_t ext_len, struct cpc_buf *b);
/* Decodes the payload and allocates *ext (caller owns, free()). */
int cpc_payload_reveal_from_json(struct cpc_payload_reveal *p, uint8_t **ext, size_t *ext_len, const json_t *j, struct cpc_err *err);
json_t *cpc_payload_reveal_to_json(const struct cpc_payload_reveal *p, const uint8_t *ext, size_t ext_len);
/* Unpack proof i of a REVEAL's ext bytes into a merkle proof (index/n_leaves left for the caller). */
int cpc_reveal_proof(const uint8_t *ext, size_t ext_len, uint16_t count, uint16_t i, struct cpc_merkle_proof *out);
/* Pack count proofs into malloc'd ext bytes (caller frees). */
int cpc_reveal_pack(const struct cpc_merkle_proof *proofs, uint16_t count, uint8_t **ext, size_t *ext_len);
/* RESULT_REVEAL: task_id[16] | var result (1..64 bytes) | salt[32]. JSON strict. */
void cpc_payload_result_reveal_encode(const struct cpc_payload_result_reveal *p, struct cpc_buf *b);
int cpc_payload_result_reveal_from_json(struct cpc_payload_result_reveal *p, const json_t *j, struct cpc_err *err);
json_t *cpc_payload_result_reveal_to_json(const struct cpc_payload_result_reveal *p); /* NULL on OOM */
/* The commitment an exec replica's SUBMIT_RESULT carries:
 * SHA256("cpc-exec-commit" | result | worker[20] | salt[32]). Binding the
 * worker's address makes another worker's commitment useless to a copier: it
 * cannot be opened by anyone else, even with the salt. */
void cpc_exec_commitment(uint8_t out[32], const uint8_t *result, size_t result_len,
                         const uint8_t worker[CPC_ADDR_HASH_LEN], const uint8_t salt[32]);
void cpc_payload_verdict_encode(const struct cpc_payload_verdict *p, struct cpc_buf *b);
int cpc_payload_verdict_from_json(struct cpc_payload_verdict *p, const json_t *j, struct cpc_err *err);
json_t *cpc_payload_verdict_to_json(const struct cpc_payload_verdict *p);

#endif

/* store.h — persistence of the ledger (SQLite, WAL, synchronous=FULL).
 *
 * One writer connection, used by one thread at a time (the block producer):
 * cpc_store_init_genesis and cpc_store_commit_block each run in ONE
 * `BEGIN IMMEDIATE` transaction, so a crash leaves either the whole block
 * or none of it. Read functions are thread-safe: they borrow a connection
 * from a small internal pool of read-only connections (WAL readers never
 * block the writer). Schema changes are numbered migrations recorded in
 * `schema_migrations`. All SQL is prepared (sqlite3_prepare_v3 PERSISTENT).
 *
 * Tables: meta(key,value), blocks(height,hash,time_ms,n_txs,header_json),
 * txs(hash,height,idx,tx_type,sender,recipient,status,error,gas_used,fee,
 * json) indexed by hash, (sender,height), (recipient,height), (height,idx);
 * accounts(address,balance,nonce,stake,updated_height);
 * objects(key,value): the state's object map (state.h; migration 2).
 */
#ifndef CPC_STORE_STORE_H
#define CPC_STORE_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/block.h"
#include "../core/err.h"
#include "../core/state.h"

struct cpc_store; /* opaque */

/* Open (creating if needed) the database file at path and run pending
 * migrations. Returns 0 or CPC_ERR_DB/CPC_ERR_IO. Close with cpc_store_close. */
int cpc_store_open(struct cpc_store **out, const char *path, struct cpc_err *err);
/* Close all connections; NULL accepted. */
void cpc_store_close(struct cpc_store *s);

/* Highest applied migration number (for tests). */
int cpc_store_schema_version(struct cpc_store *s);

/* meta key/value. get: *value is malloc'd (caller frees); CPC_ERR_NOT_FOUND if absent. */
int cpc_store_meta_get(struct cpc_store *s, const char *key, char **value, struct cpc_err *err);
int cpc_store_meta_set(struct cpc_store *s, const char *key, const char *value, struct cpc_err *err);

/* In one transaction: meta chain_id/genesis/total_supply, block 0 (header h0,
 * no txs), every account and every live object of st. Fails with CPC_ERR_INVALID
 * if a block exists. */
int cpc_store_init_genesis(struct cpc_store *s, const char *genesis_json,
                           const struct cpc_block_header *h0, const struct cpc_state *st,
                           uint64_t total_supply, struct cpc_err *err);

/* In one transaction: the block row, one txs row per tx (with b->results,
 * which must be set), an upsert of every account and live object in delta and
 * a delete of every tombstoned object key of delta. Requires
 * b->header.height == latest + 1 (else CPC_ERR_INVALID). */
int cpc_store_commit_block(struct cpc_store *s, const struct cpc_block *b,
                           const struct cpc_state *delta, struct cpc_err *err);

/* Latest committed height; CPC_ERR_NOT_FOUND on an empty store. */
int cpc_store_latest_height(struct cpc_store *s, uint64_t *height, struct cpc_err *err);
/* Header at height (decoded). CPC_ERR_NOT_FOUND if absent. */
int cpc_store_get_header(struct cpc_store *s, uint64_t height, struct cpc_block_header *h,
                         struct cpc_err *err);
/* Full block with txs and results (caller frees with cpc_block_clear). CPC_ERR_NOT_FOUND if absent. */
int cpc_store_get_block(struct cpc_store *s, uint64_t height, struct cpc_block *b,
                        struct cpc_err *err);
/* Height of the block whose header hash is hash into *height. CPC_ERR_NOT_FOUND
 * if no stored block has it. hash is borrowed. */
int cpc_store_block_height_by_hash(struct cpc_store *s, const uint8_t hash[32], uint64_t *height,
                                   struct cpc_err *err);
/* Block JSON as block.h documents it (new reference). CPC_ERR_NOT_FOUND if absent. */
int cpc_store_get_block_json(struct cpc_store *s, uint64_t height, json_t **out,
                             struct cpc_err *err);
/* Tx JSON (wire JSON + "height","index","status","error","gas_used","fee")
 * as a new reference. CPC_ERR_NOT_FOUND if unknown. */
int cpc_store_get_tx_json(struct cpc_store *s, const uint8_t hash[32], json_t **out,
                          struct cpc_err *err);
/* Txs where address is sender or recipient, newest first, as a JSON array (new reference). */
int cpc_store_list_txs_by_address(struct cpc_store *s, const uint8_t addr[CPC_ADDR_HASH_LEN],
                                  uint32_t limit, uint32_t offset, json_t **out,
                                  struct cpc_err *err);
/* Load every account and object into a new state (caller frees). */
int cpc_store_load_state(struct cpc_store *s, struct cpc_state **out, struct cpc_err *err);
/* One account from the DB (CPC_ERR_NOT_FOUND if never seen). */
int cpc_store_get_account(struct cpc_store *s, const uint8_t addr[CPC_ADDR_HASH_LEN],
                          struct cpc_account *out, struct cpc_err *err);
/* Total number of committed txs (for /status and metrics). */
int cpc_store_tx_count(struct cpc_store *s, uint64_t *out, struct cpc_err *err);

#endif

/* market_connector_store.h — the rows of the marketplace connectors (platform
 * migration 15, platform_sqlite_market.c): per server and marketplace the
 * provider's opt-in and what the sync loop published; the bookings it saw;
 * the earnings periods it credited (one row per period, written as an intent
 * before its ledger transfer is submitted); each connector's last sync.
 *
 * Ownership: every struct is the caller's; strings in them are copied in.
 * Pointer arguments are borrowed. Functions return 0 or a negative cpc_errcode
 * with err set (CPC_ERR_NOT_FOUND for a missing row, CPC_ERR_DUPLICATE for a
 * period already recorded).
 */
#ifndef CPC_STORE_MARKET_CONNECTOR_STORE_H
#define CPC_STORE_MARKET_CONNECTOR_STORE_H

#include <stdint.h>

#include "../core/err.h"

struct cpc_pstore;

#define CPC_PMARKET_NAME_MAX 15
#define CPC_PMARKET_ERROR_MAX 200
#define CPC_PMARKET_TX_JSON_MAX 4096

/* One server on one marketplace, joined with its gpu_servers row. */
struct cpc_pmarket_server {
    char server_id[37];
    int opted_in;
    int64_t machine_id;       /* the marketplace's id; 0 = not linked yet */
    uint64_t published_price; /* per GPU-hour in micro-USD as listed; 0 = not listed */
    uint64_t published_base;  /* the provider's price_per_gpu_hour it was computed from */
    char state[16];           /* pending, published, booked, unlisted */
    int booked;
    uint64_t last_sync_ms;
    char last_error[CPC_PMARKET_ERROR_MAX + 1];
    /* from gpu_servers (deleted = no such row any more) and rentals */
    int deleted, rented;
    int64_t owner;
    char host[254];
    uint64_t price_per_gpu_hour;
    uint32_t gpu_count;
};

/* An earnings period credited (or being credited) to a provider. */
struct cpc_pmarket_period {
    char period_id[64]; /* "<market>:<machine>:<day>" */
    char market[CPC_PMARKET_NAME_MAX + 1];
    char server_id[37];
    int64_t provider;
    uint64_t gross, commission, amount; /* base units; amount = gross - commission */
    char to_addr[48];
    char tx_hash[65];
    char tx_json[CPC_PMARKET_TX_JSON_MAX]; /* the signed TRANSFER, for a resubmission */
    char state[16];                        /* pending, credited */
    uint64_t created_ms, credited_ms;
};

/* What GET /admin/integrations shows of one connector. */
struct cpc_pmarket_stats {
    uint64_t last_sync_ms;
    char last_error[CPC_PMARKET_ERROR_MAX + 1];
    uint64_t servers_opted_in, servers_published, bookings_total, bookings_open;
    uint64_t periods_credited, periods_pending, earnings_credited; /* base units */
};

/* Set server_id's opt-in on market (a new row starts "pending"). */
int cpc_pstore_market_opt(struct cpc_pstore *s, const char *server_id, const char *market,
                          int opted_in, uint64_t now_ms, struct cpc_err *err);
/* The row of server_id on market into *out. */
int cpc_pstore_market_server_get(struct cpc_pstore *s, const char *server_id, const char *market,
                                 struct cpc_pmarket_server *out, struct cpc_err *err);
/* Up to cap rows of market with server_id > after (id order) into out[]; *count set. */
int cpc_pstore_market_servers(struct cpc_pstore *s, const char *market, const char *after,
                              struct cpc_pmarket_server *out, size_t cap, size_t *count,
                              struct cpc_err *err);
/* Write r's machine_id, published_price, published_base, state, booked, last_sync_ms and
 * last_error; a booking that starts opens a booking row, one that ends closes it. */
int cpc_pstore_market_server_save(struct cpc_pstore *s, const char *market,
                                  const struct cpc_pmarket_server *r, int was_booked,
                                  struct cpc_err *err);
/* *booked = 1 when server_id is booked on any marketplace now. */
int cpc_pstore_market_booked(struct cpc_pstore *s, const char *server_id, int *booked,
                             struct cpc_err *err);
/* The period row period_id into *out. */
int cpc_pstore_market_period_get(struct cpc_pstore *s, const char *period_id,
                                 struct cpc_pmarket_period *out, struct cpc_err *err);
/* Record p (state pending, its tx already signed, not yet submitted): CPC_ERR_DUPLICATE
 * when the period is already recorded. */
int cpc_pstore_market_period_intent(struct cpc_pstore *s, const struct cpc_pmarket_period *p,
                                    struct cpc_err *err);
/* Replace the pending period's tx (a re-signed transfer), before it is submitted. */
int cpc_pstore_market_period_retx(struct cpc_pstore *s, const char *period_id,
                                  const char *tx_hash, const char *tx_json, struct cpc_err *err);
/* Mark the period credited (its tx committed and succeeded). */
int cpc_pstore_market_period_done(struct cpc_pstore *s, const char *period_id, uint64_t now_ms,
                                  struct cpc_err *err);
/* Up to cap pending periods of market into out[]; *count set. */
int cpc_pstore_market_periods_pending(struct cpc_pstore *s, const char *market,
                                      struct cpc_pmarket_period *out, size_t cap, size_t *count,
                                      struct cpc_err *err);
/* Record the connector's last sync and error ("" = none). */
int cpc_pstore_market_sync_set(struct cpc_pstore *s, const char *market, uint64_t now_ms,
                               const char *error, struct cpc_err *err);
/* The connector's figures into *out (zeros for a market never synced). */
int cpc_pstore_market_stats(struct cpc_pstore *s, const char *market,
                            struct cpc_pmarket_stats *out, struct cpc_err *err);

#endif

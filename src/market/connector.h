/* connector.h — a marketplace that resells our providers' GPUs (Vast.ai
 * first: connector_vast.c; RunPod or Lambda would be one more
 * implementation of the same operations). docs/marketplaces.md is the design.
 *
 * The platform is ONE host account on each marketplace; the connector speaks
 * that account's host API. Money crosses it as integer micro-USD (1 USD =
 * 1,000,000), never as floating point in our books; days are the
 * marketplace's day numbers (Unix time / 86400).
 *
 * Ownership: a connector comes from its constructor and is freed with
 * cpc_mkt_connector_free; the caller owns every out array; a connector is
 * used by one thread at a time (the sync loop's).
 */
#ifndef CPC_MARKET_CONNECTOR_H
#define CPC_MARKET_CONNECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

#define CPC_MKT_MACHINES_MAX 1024 /* machines read per sync */
#define CPC_MKT_DAYS_MAX 64       /* earnings days read per machine per sync */
#define CPC_MKT_MICRO_MAX 1000000000000ull /* 1,000,000 USD: larger figures are refused */

/* A machine of the host account as the marketplace shows it. */
struct cpc_mkt_machine {
    int64_t id;
    char hostname[128];
    uint64_t listed_price; /* micro-USD per GPU-hour; 0 = not listed */
    uint64_t min_bid;      /* micro-USD per GPU-hour */
    uint32_t rentals;      /* client contracts running on it now (a booking) */
    int listed;
};

/* What a machine earned on one day (everything the marketplace pays the host). */
struct cpc_mkt_day {
    int64_t day;
    uint64_t earned; /* micro-USD */
};

struct cpc_mkt_connector;

struct cpc_mkt_connector_ops {
    const char *name; /* "vast": the key of its config section and its rows */
    /* The account's machines into out[0..cap); *count set. 0 or an error. */
    int (*machines)(struct cpc_mkt_connector *c, struct cpc_mkt_machine *out, size_t cap,
                    size_t *count, struct cpc_err *err);
    /* List machine (or update its listing) at price and min_bid per GPU-hour. */
    int (*publish)(struct cpc_mkt_connector *c, int64_t machine, uint64_t price,
                   uint64_t min_bid, struct cpc_err *err);
    /* Remove machine's listing (its running contracts stay until they end). */
    int (*unpublish)(struct cpc_mkt_connector *c, int64_t machine, struct cpc_err *err);
    /* machine's earnings per day for days [from_day, to_day) into out[0..cap). */
    int (*earnings)(struct cpc_mkt_connector *c, int64_t machine, int64_t from_day,
                    int64_t to_day, struct cpc_mkt_day *out, size_t cap, size_t *count,
                    struct cpc_err *err);
    void (*destroy)(struct cpc_mkt_connector *c);
};

struct cpc_mkt_connector {
    const struct cpc_mkt_connector_ops *ops;
};

/* The Vast.ai connector for base_url ("https://console.vast.ai"; a fake's URL in tests)
 * and api_key (copied), each request bounded by timeout_ms (0 = 15 s). NULL on OOM. */
struct cpc_mkt_connector *cpc_vast_connector_new(const char *base_url, const char *api_key,
                                                 long timeout_ms);
/* NULL accepted. */
void cpc_mkt_connector_free(struct cpc_mkt_connector *c);

/* The decoders of Vast's answers (connector_vast_decode.c): pure, for untrusted bytes
 * (body, len borrowed). 0, or CPC_ERR_INVALID with the reason in err. */
/* GET /api/v0/machines?owner=me: {"machines":[{...}]} into out[0..cap). */
int cpc_vast_decode_machines(const char *body, size_t len, struct cpc_mkt_machine *out,
                             size_t cap, size_t *count, struct cpc_err *err);
/* GET /api/v0/users/me/machine-earnings: the "per_day" rows into out[0..cap). */
int cpc_vast_decode_earnings(const char *body, size_t len, struct cpc_mkt_day *out, size_t cap,
                             size_t *count, struct cpc_err *err);
/* A host command's answer {"success": true} (or false with "msg"). */
int cpc_vast_decode_success(const char *body, size_t len, struct cpc_err *err);
/* A JSON number of USD (0 <= v < CPC_MKT_MICRO_MAX / 1e6) as micro-USD, rounded. */
int cpc_vast_usd_micro(double v, uint64_t *out);

#endif

/* cli.h — private header shared by the cpc-cli source files.
 *
 * main.c parses the whole command line once into struct cli_ctx (global and
 * command flags may appear anywhere), picks the command from the positional
 * words and calls its handler. Handlers return 0, CLI_USAGE (bad usage: exit 2)
 * or a negative cpc_errcode with err filled (printed as "Error: <msg>", exit 1).
 */
#ifndef CPC_CLI_CLI_H
#define CPC_CLI_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/home.h"
#include "../common/http_client.h"
#include "../common/keyring.h"
#include "../core/amount.h"
#include "../core/err.h"
#include "../core/tx.h"

#define CLI_USAGE 2   /* handler return: usage error (message in err), exit 2 */
#define CLI_MAX_ARGS 16

/* flag bits: which flags were given (and which a command accepts) */
enum {
    F_HOME = 1u << 0,
    F_NODE = 1u << 1,
    F_OUTPUT = 1u << 2,
    F_FROM = 1u << 3,
    F_GAS_PRICE = 1u << 4,
    F_WAIT = 1u << 5,
    F_TIMEOUT = 1u << 6,
    F_NONCE = 1u << 7,
    F_ENCRYPT = 1u << 8,
    F_YES = 1u << 9,
    F_TASK_ID = 1u << 10,
    F_RESULT_HASH = 1u << 11,
    F_WORKER_ADDR = 1u << 12,
    F_CHAIN_ID = 1u << 13,
    F_DRY_RUN = 1u << 14,
    F_STAKE = 1u << 15,
    F_BLOCKS = 1u << 16,
    F_TASKS = 1u << 17,
};
/* the platform commands' flags (bits past the enum's int range) */
#define F_EMAIL (UINT64_C(1) << 18)
#define F_API_KEY (UINT64_C(1) << 19)
#define F_MODEL (UINT64_C(1) << 20)
#define F_MIN_PRICE (UINT64_C(1) << 21)
#define F_MAX_PRICE (UINT64_C(1) << 22)
#define F_LOCATION (UINT64_C(1) << 23)
#define F_MIN_VRAM (UINT64_C(1) << 24)
#define F_COUNT (UINT64_C(1) << 25)
#define F_STATUS (UINT64_C(1) << 26)
#define F_SORT (UINT64_C(1) << 27)
#define F_PAGE (UINT64_C(1) << 28)
#define F_HOURS (UINT64_C(1) << 29)
#define F_IMAGE (UINT64_C(1) << 30)
#define F_SSH_KEY (UINT64_C(1) << 31)
#define F_PRINT (UINT64_C(1) << 32)
#define F_GPUS (UINT64_C(1) << 33)
#define F_VRAM (UINT64_C(1) << 34)
#define F_PRICE (UINT64_C(1) << 35)
#define F_HOST (UINT64_C(1) << 36)
#define F_PORTS (UINT64_C(1) << 37)
#define F_COUNTRY (UINT64_C(1) << 38)
#define F_CITY (UINT64_C(1) << 39)
#define F_WORKER_KEY (UINT64_C(1) << 40)
#define F_RAM (UINT64_C(1) << 41)
#define F_DISK (UINT64_C(1) << 42)
#define F_CPU (UINT64_C(1) << 43)
#define F_GLOBAL (F_HOME | F_NODE | F_OUTPUT)
#define F_TX (F_FROM | F_GAS_PRICE | F_WAIT | F_TIMEOUT | F_NONCE | F_CHAIN_ID | F_DRY_RUN)

struct cli_ctx {
    char home[CPC_PATH_MAX];
    const char *node_url;     /* never NULL after main's setup */
    bool json;                /* --output json */
    uint64_t flags;           /* F_* seen */
    const char *from;         /* --from KEY */
    uint64_t gas_price;       /* valid when flags & F_GAS_PRICE */
    uint64_t nonce;           /* valid when flags & F_NONCE */
    unsigned timeout_s;       /* --wait timeout, default 60 */
    const char *task_id, *result_hash, *worker_addr;
    const char *chain_id;     /* --chain-id override (else the node's) */
    const char *stake;        /* --stake AMOUNT (worker register) */
    const char *blocks, *tasks; /* --blocks N, --tasks N (job extend) */
    struct cli_opts {         /* the platform commands' flag values (NULL: not given) */
        const char *email, *api_key, *model, *min_price, *max_price, *location, *min_vram;
        const char *count, *status, *sort, *page, *hours, *image, *ssh_key, *gpus, *vram;
        const char *price, *host, *ports, *country, *city, *worker_key, *ram, *disk, *cpu;
    } o;
    const char *args[CLI_MAX_ARGS]; /* positional words after "group sub" */
    int nargs;
    struct cpc_http *http;    /* created lazily by cli_http */
};

/* A command: group ("keys", or NULL for top level) + name, its positional
 * arity, the non-global flags it accepts, and its help. */
struct cli_cmd {
    const char *group;
    const char *name;
    int min_args, max_args;
    uint64_t flags;
    const char *synopsis;     /* "keys add NAME [--encrypt]" */
    const char *help;         /* one-paragraph description */
    int (*run)(struct cli_ctx *c, struct cpc_err *err);
};

/* command tables (cmd_*.c), each terminated by a zeroed entry */
extern const struct cli_cmd cli_keys_cmds[];
extern const struct cli_cmd cli_tx_cmds[];
extern const struct cli_cmd cli_query_cmds[];
extern const struct cli_cmd cli_job_cmds[];
extern const struct cli_cmd cli_worker_cmds[];
/* the platform (cmd_account.c, cmd_rental.c, cmd_server.c) */
extern const struct cli_cmd cli_account_cmds[];  /* login, logout, balance, deposit (top level) */
extern const struct cli_cmd cli_rent_cmds[];     /* rent, rentals (top level) */
extern const struct cli_cmd cli_rental_cmds[];   /* rental show|ssh|end */
extern const struct cli_cmd cli_gpu_cmds[];      /* gpu search|show */
extern const struct cli_cmd cli_server_cmds[];   /* server add|list|rm */

/* platform.c — the platform API: session file, authentication, error answers.
 * cli_api sends body (borrowed, may be NULL) with the caller's credentials: --api-key or
 * $CPC_API_KEY, else the access token of HOME/session.json (refreshed once on a 401).
 * A 2xx answer is parsed into *out (new reference, caller decrefs; {} when empty); any
 * other answer becomes err: "<the API's message> (<code>, HTTP <status>)". */
int cli_api(struct cli_ctx *c, const char *method, const char *path, const json_t *body,
            json_t **out, struct cpc_err *err);
/* The same without credentials; *status and code (cap 64, may be NULL) say what came back. */
int cli_api_anon(struct cli_ctx *c, const char *method, const char *path, const json_t *body,
                 json_t **out, long *status, char *code, struct cpc_err *err);
/* HOME/session.json: save (mode 0600) the tokens of a login for c->node_url, or remove it. */
int cli_session_save(const struct cli_ctx *c, const char *email, const json_t *login,
                     struct cpc_err *err);
/* Load the session's refresh token (cap bytes) and email; CPC_ERR_NOT_FOUND when none. */
int cli_session_load(const struct cli_ctx *c, char *refresh, size_t cap, char *email,
                     size_t email_cap, struct cpc_err *err);
void cli_session_remove(const struct cli_ctx *c);
/* Append "&name=value" (URL-encoded; the first one gets '?') to buf; -1 when it does not fit. */
int cli_query_add(char *buf, size_t cap, const char *name, const char *value);
/* A CPC amount ("1.5", 0 allowed) as base units, for flag (its name in the message). */
int cli_parse_cpc(const char *flag, const char *text, uint64_t *out, struct cpc_err *err);
/* An integer flag in lo..hi. */
int cli_parse_int_flag(const char *flag, const char *text, uint64_t lo, uint64_t hi,
                       uint64_t *out, struct cpc_err *err);
/* Base units as "12.5" (CPC) into out (CPC_AMOUNT_STR_MAX). */
const char *cli_cpc(char *out, uint64_t base_units);
/* A rental id: 64 hex digits (usage error otherwise). */
int cli_check_rental_id(const char *id, struct cpc_err *err);
/* A server id: a 36-character UUID of hex digits and dashes (usage error otherwise). */
int cli_check_server_id(const char *id, struct cpc_err *err);
/* j[k] as a positive integer (0 when absent or not one), and as a string ("-" when absent);
 * both borrow from j. */
uint64_t cli_int_of(const json_t *j, const char *k);
const char *cli_str_of(const json_t *j, const char *k);
/* GET /market/job/{id} printed as JSON (job show, query job). */
int cli_job_show(struct cli_ctx *c, struct cpc_err *err);

/* output.c */
void cli_print_json(const json_t *j);              /* pretty (indent 2) + newline on stdout */
void cli_print_key_info(const struct cli_ctx *c, const struct cpc_key_info *k, bool always_json);
json_t *cli_key_info_json(const struct cpc_key_info *k);
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* passphrase.c — TTY input with echo off. */
/* Read one line from the terminal on stdin (echo off) into buf. CPC_ERR_INVALID with a
 * clear message when stdin is not a TTY. Caller wipes buf. */
int cli_read_secret(const char *prompt, char *buf, size_t cap, struct cpc_err *err);
/* Passphrase for unlocking an existing key: $CPC_PASSPHRASE if set, else one TTY prompt
 * if the key is encrypted and a TTY exists; else buf = "" (the keyring then explains). */
int cli_unlock_passphrase(const struct cpc_key_info *k, char *buf, size_t cap,
                          struct cpc_err *err);
/* Passphrase for a new key: $CPC_PASSPHRASE if set (non-empty); else if encrypt, two TTY
 * prompts that must match; else buf = "" (unencrypted). */
int cli_new_passphrase(bool encrypt, char *buf, size_t cap, struct cpc_err *err);
/* Ask a yes/no question on the TTY; true only for y/yes. */
bool cli_confirm(const char *question);

/* shared helpers (cmd_query.c) */
/* Lazily create the HTTP client for ctx->node_url. */
struct cpc_http *cli_http(struct cli_ctx *c, struct cpc_err *err);
/* Resolve ADDR or KEYNAME into a canonical lowercase cpc1 address and its hash. */
int cli_resolve_address(const struct cli_ctx *c, const char *arg, char out[CPC_ADDR_STR_MAX],
                        uint8_t hash[CPC_ADDR_HASH_LEN], struct cpc_err *err);

#define CLI_PASS_MAX 1024

/* transaction helpers (cmd_tx.c), shared by the tx, job and worker commands */
/* Parse a positive CPC amount ("1.5") into base units. */
int cli_parse_amount(const char *text, uint64_t *out, struct cpc_err *err);
/* Zero tx, set its type and the --from key's pubkey/address into tx and *info. */
int cli_start_tx(struct cli_ctx *c, struct cpc_tx *tx, enum cpc_tx_type type, struct cpc_key_info *info,
                 struct cpc_err *err);
/* Unlock the key, fetch chain id / gas price / nonce, sign, post (or print with --dry-run),
 * wait with --wait, print the outcome. Clears tx->ext. */
int cli_sign_and_send(struct cli_ctx *c, struct cpc_tx *tx, const struct cpc_key_info *info,
                      struct cpc_err *err);
/* The same pipeline, posting to post_path; wrap: the body is {"tx": <signed tx>} and the
 * answer carries "tx_hash" (the marketplace's confirm / cancel), shown as "draft" in the
 * report. cli_sign_and_send is cli_sign_and_post(c, tx, info, "/tx", false, err). */
int cli_sign_and_post(struct cli_ctx *c, struct cpc_tx *tx, const struct cpc_key_info *info,
                      const char *post_path, bool wrap, struct cpc_err *err);

#endif

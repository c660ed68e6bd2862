/* provision_internal.h — what provision.c shares with provision_sandbox.c and
 * provision_docker.c. Not for other files. */
#ifndef CPC_WORKER_PROVISION_INTERNAL_H
#define CPC_WORKER_PROVISION_INTERNAL_H

#include "provision.h"

/* One kind's operations on one rental record r (owned by the caller). */
struct wk_prov_ops {
    /* Start r->spec; fill r->pid/pid_start or r->container. */
    int (*start)(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *r,
                 struct cpc_err *err);
    /* Find what runs for r: set r->run (and r->pid ...), kill duplicates. */
    void (*probe)(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *r);
    /* Stop everything that runs for r. */
    int (*stop)(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *r,
                struct cpc_err *err);
    /* The last max bytes of r's log, malloc'd (caller frees). */
    int (*logs)(const struct cpc_wk_provision_opts *o, const struct cpc_wk_rental *r, size_t max,
                char **out, size_t *len, struct cpc_err *err);
};

extern const struct wk_prov_ops wk_prov_sandbox;
extern const struct wk_prov_ops wk_prov_docker;

/* Run argv (argv[0] looked up on PATH when it has no '/') with stdin from /dev/null,
 * stdout (and stderr when merge) into out (cap bytes, NUL-terminated, the rest
 * dropped; out may be NULL). Killed after timeout_ms. Returns the exit status
 * (0..255), 126 when it could not be run, 124 on timeout. */
int wk_run(char *const argv[], char *out, size_t cap, bool merge, unsigned timeout_ms);
/* out = STATE_DIR/rentals/ID. Returns 0 or CPC_ERR_TOO_LARGE. */
int wk_rental_dir(const struct cpc_wk_provision_opts *o, const char *id, char *out, size_t cap);
/* The start time of process pid (field 22 of /proc/PID/stat), 0 when it is gone. */
unsigned long long wk_proc_start(pid_t pid);
/* Reap pid when it is a zombie child of this process that started at start (a
 * sandbox this worker spawned and that ended), so no zombie stays behind. */
void wk_reap_if_ours(pid_t pid, unsigned long long start);
/* The last max bytes of the file at path, malloc'd. Returns 0, CPC_ERR_NOT_FOUND or CPC_ERR_IO. */
int wk_file_tail(const char *path, size_t max, char **out, size_t *len, struct cpc_err *err);
/* STATE_DIR/rentals.json without looking at what runs: *v malloc'd (caller frees),
 * records that do not parse dropped; no file = none. Returns 0, CPC_ERR_IO or NOMEM. */
int wk_rentals_load(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental **v, size_t *n,
                    struct cpc_err *err);
/* Write v[0..n) as STATE_DIR/rentals.json, atomically (v borrowed). Returns 0,
 * CPC_ERR_INVALID (a record jansson cannot write), CPC_ERR_IO or CPC_ERR_NOMEM. */
int wk_rentals_save(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *v, size_t n,
                    struct cpc_err *err);
/* The listen address o asks for ("0.0.0.0" when unset). */
const char *wk_listen(const struct cpc_wk_provision_opts *o);

#endif

/* provision.h — rentals: a customer's SSH access to a container on this machine.
 *
 * A provisioner starts, stops, reboots and watches one rental each: an sshd
 * that lets in only the customer's public key, on a given port. Two kinds:
 *   sandbox — Debian's /usr/sbin/sshd run unprivileged inside bubblewrap as the
 *             worker's user (provision_sandbox.c); the customer logs in as "cpc";
 *   docker  — `docker run -d --name cpc-rental-ID ... IMAGE` (provision_docker.c),
 *             an image whose sshd installs $SSH_PUBLIC_KEY (deploy/rental/).
 * Every rental is recorded in STATE_DIR/rentals.json, written atomically
 * (cpc_write_file_atomic) before and after each start, so a SIGKILLed worker
 * finds its rentals again (cpc_wk_rental_reconcile) and never starts one twice.
 * External programs run from an argv (never a shell): a key or an image is one
 * argument whatever it holds. Not thread-safe: one caller at a time per state dir.
 */
#ifndef CPC_WORKER_PROVISION_H
#define CPC_WORKER_PROVISION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../common/home.h"
#include "../core/err.h"

#define CPC_WK_RENTAL_ID_MAX 64     /* hex characters */
#define CPC_WK_RENTAL_KEY_MAX 4096  /* one OpenSSH public key line */
#define CPC_WK_RENTAL_IMAGE_MAX 256
#define CPC_WK_RENTAL_GPUS_MAX 16
#define CPC_WK_RENTALS_MAX 64       /* rentals one state file holds */

enum cpc_wk_provision_kind { CPC_WK_PROVISION_SANDBOX, CPC_WK_PROVISION_DOCKER };

struct cpc_wk_rental_spec {
    char id[CPC_WK_RENTAL_ID_MAX + 1];            /* lower-case hex, 1..64 chars */
    char image[CPC_WK_RENTAL_IMAGE_MAX];          /* docker only; "" for sandbox */
    char ssh_public_key[CPC_WK_RENTAL_KEY_MAX];   /* "ssh-ed25519 AAAA... [comment]" */
    unsigned port;                                /* 1..65535, on the host */
    int gpus[CPC_WK_RENTAL_GPUS_MAX];             /* device indices */
    unsigned n_gpus;
    char workdir[CPC_PATH_MAX]; /* sandbox: its home and /tmp live here; "" = the rental's folder */
};

enum cpc_wk_rental_run { CPC_WK_RENTAL_RUNNING, CPC_WK_RENTAL_EXITED };

struct cpc_wk_rental {
    struct cpc_wk_rental_spec spec;
    enum cpc_wk_provision_kind kind;
    enum cpc_wk_rental_run run;
    pid_t pid;                   /* sandbox: the outer bwrap process; 0 when none */
    unsigned long long pid_start; /* its start time (/proc/PID/stat), against PID reuse */
    char container[80];          /* docker: the container id `docker run -d` printed */
};

struct cpc_wk_provision_opts {
    enum cpc_wk_provision_kind kind;
    char state_dir[CPC_PATH_MAX];  /* rentals.json lives here */
    /* the rentals' folders (ID/ each); "" = STATE_DIR/rentals. A root worker runs the
     * sandbox as nobody, who must be able to walk down to it (e.g. /var/lib/cpc-rentals) */
    char rentals_dir[CPC_PATH_MAX];
    char listen[64];               /* address sshd / docker -p binds; "" = 0.0.0.0 */
    const char *sshd;              /* NULL = /usr/sbin/sshd */
    const char *bwrap;             /* NULL = "bwrap" on PATH */
    const char *docker;            /* NULL = "docker" on PATH */
    unsigned start_wait_ms;        /* sandbox: how long start waits for the port; 0 = 5000 */
};

/* Parse "sandbox" or "docker". Returns 0 or CPC_ERR_INVALID. */
int cpc_wk_provision_kind_parse(const char *s, enum cpc_wk_provision_kind *out);
const char *cpc_wk_provision_kind_name(enum cpc_wk_provision_kind k);

/* Check a spec (id hex, key one "ssh-..." line without control characters, port,
 * image for docker). Returns 0 or CPC_ERR_INVALID with the reason. */
int cpc_wk_rental_spec_check(const struct cpc_wk_provision_opts *o,
                             const struct cpc_wk_rental_spec *s, struct cpc_err *err);

/* Start the rental, or adopt the one already running under that id (never two).
 * *out (may be NULL) receives its record. Returns 0, CPC_ERR_INVALID, CPC_ERR_DUPLICATE
 * (the id is recorded with another kind), CPC_ERR_TOO_LARGE (state full) or CPC_ERR_IO. */
int cpc_wk_rental_start(const struct cpc_wk_provision_opts *o, const struct cpc_wk_rental_spec *s,
                        struct cpc_wk_rental *out, struct cpc_err *err);
/* Stop it (the sandbox's processes are killed, the container removed) and forget it;
 * its files stay in STATE_DIR/rentals/ID. Returns 0, CPC_ERR_NOT_FOUND or CPC_ERR_IO. */
int cpc_wk_rental_stop(const struct cpc_wk_provision_opts *o, const char *id, struct cpc_err *err);
/* Stop and start again with the same spec, host key and home. Returns as start. */
int cpc_wk_rental_reboot(const struct cpc_wk_provision_opts *o, const char *id,
                         struct cpc_wk_rental *out, struct cpc_err *err);
/* The rentals recorded, each with its live state. *out is malloc'd (caller frees),
 * *n its count. Returns 0 or CPC_ERR_IO / CPC_ERR_NOMEM. */
int cpc_wk_rental_list(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental **out,
                       size_t *n, struct cpc_err *err);
/* After a worker restart: for every recorded rental find what runs (a sandbox's bwrap
 * by its command line, a container by name), adopt it (record its pid), kill
 * duplicates, mark the rest exited. Starts nothing. *adopted / *exited (may be NULL)
 * get the counts. Returns 0 or CPC_ERR_IO. */
int cpc_wk_rental_reconcile(const struct cpc_wk_provision_opts *o, unsigned *adopted,
                            unsigned *exited, struct cpc_err *err);
/* The last max bytes of the rental's log (sshd's, or `docker logs`) into a malloc'd
 * NUL-terminated *out (caller frees). Returns 0, CPC_ERR_NOT_FOUND or CPC_ERR_IO. */
int cpc_wk_rental_logs(const struct cpc_wk_provision_opts *o, const char *id, size_t max,
                       char **out, size_t *len, struct cpc_err *err);

#endif

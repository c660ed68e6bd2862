/* wk_report.h — what cpc-worker prints: one line per event, each ending with
 * the running totals (tasks done, CPC earned, current balance), a live
 * progress line per task on a terminal, or, with --json, one JSON object per
 * line for machines. Everything goes to one stream (stdout); no secrets are
 * ever passed in. Any thread may report (a line at a time: the stream's lock,
 * flockfile, guards the report too); the progress line is
 * redrawn in place with '\r' and cleared before the next event line.
 */
#ifndef CPC_WORKER_WK_REPORT_H
#define CPC_WORKER_WK_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/log.h"

struct cpc_wk_report;

/* out: borrowed stream. tty: draw progress lines. NULL on OOM. */
struct cpc_wk_report *cpc_wk_report_new(FILE *out, bool json, enum cpc_log_level level, bool tty);
/* NULL accepted. */
void cpc_wk_report_free(struct cpc_wk_report *r);

/* The totals printed with every line. balance: base units (have_balance false: unknown). */
void cpc_wk_report_totals(struct cpc_wk_report *r, uint64_t done, uint64_t earned,
                          uint64_t balance, bool have_balance);

/* One event line at level (skipped below the report's level). event: a short
 * name ("leased", "verified", ...); fields: extra JSON members for --json
 * (stolen, may be NULL); fmt: the human message. */
void cpc_wk_report_event(struct cpc_wk_report *r, enum cpc_log_level level, const char *event,
                         json_t *fields, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Progress of the running task (terminal only; rate-limited to ~5 redraws/s).
 * pct < 0: unknown (a search); rate: units/s; eta_s < 0: unknown. */
void cpc_wk_report_progress(struct cpc_wk_report *r, const char *kind, const char *task,
                            double pct, double rate, const char *unit, double eta_s,
                            const char *device);

/* "1.5 CPC" from base units into out (cap >= 48). */
void cpc_wk_format_cpc(char *out, size_t cap, uint64_t base_units);

#endif

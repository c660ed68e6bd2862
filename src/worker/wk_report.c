/* wk_report.c — event lines, JSON events and the live progress line (wk_report.h). */
#include "wk_report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../core/amount.h"

struct cpc_wk_report {
    FILE *out;
    bool json, tty, progress_shown;
    enum cpc_log_level level;
    uint64_t done, earned, balance;
    bool have_balance;
    double last_draw;
};

struct cpc_wk_report *cpc_wk_report_new(FILE *out, bool json, enum cpc_log_level level, bool tty)
{
    struct cpc_wk_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->out = out;
    r->json = json;
    r->tty = tty && !json;
    r->level = level;
    return r;
}

void cpc_wk_report_free(struct cpc_wk_report *r)
{
    if (r && r->progress_shown)
        fputc('\n', r->out);
    free(r);
}

void cpc_wk_format_cpc(char *out, size_t cap, uint64_t base_units)
{
    char a[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(a, base_units);
    snprintf(out, cap, "%s CPC", a);
}

void cpc_wk_report_totals(struct cpc_wk_report *r, uint64_t done, uint64_t earned,
                          uint64_t balance, bool have_balance)
{
    flockfile(r->out);
    r->done = done;
    r->earned = earned;
    if (have_balance) {
        r->balance = balance;
        r->have_balance = true;
    }
    funlockfile(r->out);
}

static const char *level_name(enum cpc_log_level l)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    return l <= CPC_LOG_DEBUG ? names[l] : "info";
}

static void clear_progress(struct cpc_wk_report *r)
{
    if (r->progress_shown) {
        fputs("\r\033[K", r->out);
        r->progress_shown = false;
    }
}

/* The event line (r's stream held by the caller). */
static void event_locked(struct cpc_wk_report *r, enum cpc_log_level level, const char *event,
                         json_t *fields, const char *msg)
{
    char earned[48], balance[48];
    cpc_wk_format_cpc(earned, sizeof earned, r->earned);
    cpc_wk_format_cpc(balance, sizeof balance, r->balance);
    uint64_t ts_ms = cpc_clock_wall_ms();
    if (r->json) {
        json_t *o = fields ? fields : json_object();
        if (o) {
            json_object_set_new(o, "ts_ms", json_integer((json_int_t)ts_ms));
            json_object_set_new(o, "level", json_string(level_name(level)));
            json_object_set_new(o, "event", json_string(event));
            json_object_set_new(o, "message", json_string(msg));
            json_object_set_new(o, "tasks_done", json_integer((json_int_t)r->done));
            json_object_set_new(o, "earned", json_integer((json_int_t)r->earned));
            json_object_set_new(o, "balance",
                                r->have_balance ? json_integer((json_int_t)r->balance)
                                                : json_null());
            char *line = json_dumps(o, JSON_COMPACT);
            if (line) {
                fprintf(r->out, "%s\n", line);
                free(line);
            }
            json_decref(o);
        }
        fflush(r->out);
        return;
    }
    json_decref(fields);
    struct tm tm;
    time_t secs = (time_t)(ts_ms / 1000);
    gmtime_r(&secs, &tm);
    clear_progress(r);
    fprintf(r->out, "%02d:%02d:%02d %-5s %-9s %s | done %llu, earned %s, balance %s\n",
            tm.tm_hour, tm.tm_min, tm.tm_sec, level_name(level), event, msg,
            (unsigned long long)r->done, earned, r->have_balance ? balance : "?");
    fflush(r->out);
}

void cpc_wk_report_event(struct cpc_wk_report *r, enum cpc_log_level level, const char *event,
                         json_t *fields, const char *fmt, ...)
{
    if (level > r->level) {
        json_decref(fields);
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    flockfile(r->out); /* executors on several threads report (one line at a time) */
    event_locked(r, level, event, fields, msg);
    funlockfile(r->out);
}

static void human_rate(char *out, size_t cap, double rate, const char *unit)
{
    const char *p = "";
    if (rate >= 1e9) {
        rate /= 1e9;
        p = "G";
    } else if (rate >= 1e6) {
        rate /= 1e6;
        p = "M";
    } else if (rate >= 1e3) {
        rate /= 1e3;
        p = "k";
    }
    snprintf(out, cap, "%.2f %s%s/s", rate, p, unit);
}

void cpc_wk_report_progress(struct cpc_wk_report *r, const char *kind, const char *task,
                            double pct, double rate, const char *unit, double eta_s,
                            const char *device)
{
    if (!r->tty)
        return;
    double t = cpc_clock_mono_s();
    flockfile(r->out);
    if (r->progress_shown && t - r->last_draw < 0.2) {
        funlockfile(r->out);
        return;
    }
    r->last_draw = t;
    char rs[48], pcts[16], etas[24];
    human_rate(rs, sizeof rs, rate, unit);
    if (pct >= 0)
        snprintf(pcts, sizeof pcts, "%5.1f%%", pct > 100 ? 100.0 : pct);
    else
        snprintf(pcts, sizeof pcts, "  ?  %%");
    if (eta_s >= 0)
        snprintf(etas, sizeof etas, "ETA %.0fs", eta_s);
    else
        snprintf(etas, sizeof etas, "ETA ?");
    fprintf(r->out, "\r\033[K%-8s %.8s %s %s %s on %s", kind, task, pcts, rs, etas, device);
    fflush(r->out);
    r->progress_shown = true;
    funlockfile(r->out);
}

/* log.c — leveled logging to stderr with UTC timestamps (see log.h).
 *
 * Design note: one line per call, formatted into a stack buffer and emitted
 * with a single write(2), so lines from concurrent threads never interleave
 * (POSIX makes each write to the same pipe/file atomic up to PIPE_BUF, and in
 * practice whole for terminals and O_APPEND files). Format:
 *   2026-11-23T18:00:00.123Z INFO  message
 * Control characters in the message (a newline from user input, an escape
 * sequence) are replaced by '?' so one call is always exactly one line.
 * Long messages are truncated with "...". The level is a process-wide atomic
 * (set once by main); the common case, a message below the level, costs one
 * atomic load.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define LOG_LINE_MAX 4096

static _Atomic int g_level = CPC_LOG_INFO;

void cpc_log_set_level(enum cpc_log_level lvl)
{
    if ((int)lvl < CPC_LOG_ERROR)
        lvl = CPC_LOG_ERROR;
    if ((int)lvl > CPC_LOG_DEBUG)
        lvl = CPC_LOG_DEBUG;
    atomic_store_explicit(&g_level, (int)lvl, memory_order_relaxed);
}

int cpc_log_parse_level(const char *s, enum cpc_log_level *out)
{
    static const struct {
        const char *name;
        enum cpc_log_level lvl;
    } names[] = {
        {"error", CPC_LOG_ERROR}, {"warn", CPC_LOG_WARN}, {"warning", CPC_LOG_WARN},
        {"info", CPC_LOG_INFO},   {"debug", CPC_LOG_DEBUG},
    };
    if (!s || !out)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].lvl;
            return 0;
        }
    }
    return -1;
}

static const char *level_tag(enum cpc_log_level lvl)
{
    switch (lvl) {
    case CPC_LOG_ERROR: return "ERROR";
    case CPC_LOG_WARN: return "WARN ";
    case CPC_LOG_INFO: return "INFO ";
    case CPC_LOG_DEBUG: return "DEBUG";
    }
    return "?????";
}

void cpc_log(enum cpc_log_level lvl, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    struct tm tm;
    size_t pos;
    int n;

    if ((int)lvl > atomic_load_explicit(&g_level, memory_order_relaxed))
        return;
    int saved_errno = errno; /* callers may log then inspect errno */

    uint64_t now_ms = cpc_clock_wall_ms();
    time_t now_s = (time_t)(now_ms / 1000u);
    gmtime_r(&now_s, &tm);
    n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (long)(now_ms % 1000u), level_tag(lvl));
    if (n < 0)
        goto out;
    pos = (size_t)n;

    /* Leave room for "...\n". */
    const size_t body_cap = sizeof line - 4;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(line + pos, body_cap - pos, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    size_t body = (size_t)n;
    int truncated = 0;
    if (pos + body >= body_cap) {
        body = body_cap - pos - 1;
        truncated = 1;
    }
    /* Drop trailing newlines the caller may have added, then neutralise controls. */
    while (body > 0 && (line[pos + body - 1] == '\n' || line[pos + body - 1] == '\r'))
        body--;
    for (size_t i = pos; i < pos + body; i++) {
        unsigned char ch = (unsigned char)line[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            line[i] = '?';
    }
    pos += body;
    if (truncated) {
        memcpy(line + pos, "...", 3);
        pos += 3;
    }
    line[pos++] = '\n';

    /* One write per line; retry only on EINTR (a short write to stderr is not worth more). */
    for (;;) {
        ssize_t w = write(STDERR_FILENO, line, pos);
        if (w >= 0 || errno != EINTR)
            break;
    }
out:
    errno = saved_errno;
}

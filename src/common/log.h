/* log.h — leveled logging to stderr with UTC timestamps.
 * The level is process-wide (set once at start by main); never log secrets. */
#ifndef CPC_COMMON_LOG_H
#define CPC_COMMON_LOG_H

enum cpc_log_level { CPC_LOG_ERROR = 0, CPC_LOG_WARN, CPC_LOG_INFO, CPC_LOG_DEBUG };

void cpc_log_set_level(enum cpc_log_level lvl);
/* Parse "error|warn|info|debug"; returns 0 or -1. */
int cpc_log_parse_level(const char *s, enum cpc_log_level *out);
void cpc_log(enum cpc_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define CPC_LOGE(...) cpc_log(CPC_LOG_ERROR, __VA_ARGS__)
#define CPC_LOGW(...) cpc_log(CPC_LOG_WARN, __VA_ARGS__)
#define CPC_LOGI(...) cpc_log(CPC_LOG_INFO, __VA_ARGS__)
#define CPC_LOGD(...) cpc_log(CPC_LOG_DEBUG, __VA_ARGS__)

#endif

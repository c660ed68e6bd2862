/* exec_common.c — helpers every executor uses (executor.h). */
#include <unistd.h>

#include "executor.h"

unsigned cpc_wk_threads(const struct cpc_wk_ctl *ctl)
{
    if (ctl && ctl->threads > 0)
        return ctl->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

bool cpc_wk_cancelled(const struct cpc_wk_ctl *ctl)
{
    return ctl && ctl->cancel && atomic_load_explicit(ctl->cancel, memory_order_relaxed) != 0;
}

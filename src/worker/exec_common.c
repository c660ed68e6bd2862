/* exec_common.c — helpers every executor uses (executor.h). */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "exec_search.h"
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

void cpc__wk_run_threads(unsigned threads, uint64_t chunks, void *(*fn)(void *), void *arg)
{
    unsigned nt = threads;
    if (nt > chunks)
        nt = (unsigned)chunks;
    pthread_t *tids = NULL;
    unsigned started = 0;
    if (nt > 1) {
        tids = calloc(nt - 1, sizeof *tids);
        for (; tids && started < nt - 1; started++)
            if (pthread_create(&tids[started], NULL, fn, arg) != 0)
                break; /* run with the threads we have */
    }
    fn(arg);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    free(tids);
}

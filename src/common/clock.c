/* clock.c — see clock.h. */
#include "clock.h"

uint64_t cpc_clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t cpc_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

double cpc_clock_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t cpc_clock_wall_ms_fn(void *arg)
{
    (void)arg;
    return cpc_clock_wall_ms();
}

uint64_t cpc_clock_mono_ms_fn(void *arg)
{
    (void)arg;
    return cpc_clock_mono_ms();
}

static struct timespec after(clockid_t id, uint64_t ms)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    ts.tv_sec += (time_t)(ms / 1000u);
    ts.tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

struct timespec cpc_clock_wall_after(uint64_t ms)
{
    return after(CLOCK_REALTIME, ms);
}

struct timespec cpc_clock_mono_after(uint64_t ms)
{
    return after(CLOCK_MONOTONIC, ms);
}

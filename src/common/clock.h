/* clock.h — the clocks every binary reads: wall time for timestamps that
 * leave the process (signed requests, logs, block times) and the monotonic
 * clock for timeouts and durations, which never jumps with the wall clock.
 * Nothing here allocates. */
#ifndef CPC_COMMON_CLOCK_H
#define CPC_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Wall clock (CLOCK_REALTIME) in unix milliseconds. */
uint64_t cpc_clock_wall_ms(void);

/* Monotonic clock in milliseconds since an arbitrary start (for deadlines). */
uint64_t cpc_clock_mono_ms(void);

/* Monotonic clock in seconds, with sub-second precision (for durations). */
double cpc_clock_mono_s(void);

/* The same two clocks as the callbacks of an injectable clock
 * (uint64_t (*)(void *arg)); arg is ignored. */
uint64_t cpc_clock_wall_ms_fn(void *arg);
uint64_t cpc_clock_mono_ms_fn(void *arg);

/* The monotonic instant ms milliseconds from now, for a condition variable
 * whose clock is CLOCK_MONOTONIC (pthread_condattr_setclock). */
struct timespec cpc_clock_mono_after(uint64_t ms);

/* The wall-clock instant ms milliseconds from now, as pthread_cond_timedwait
 * wants it (CLOCK_REALTIME). */
struct timespec cpc_clock_wall_after(uint64_t ms);

#endif

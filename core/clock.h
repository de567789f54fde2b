/* clock.h: the one injectable clock. All domain code asks clk_now() for the
 * time, so tests can travel in time (DST weeks, expiry, no-shows).
 * Sources, first match wins: a fixed time set by clk_set_fixed() (unit tests);
 * the file named by $LABPASS_CLOCK_FILE holding epoch seconds (integration
 * tests move a running server's clock by rewriting it); the system clock. */
#ifndef LP_CLOCK_H
#define LP_CLOCK_H
#include <stdint.h>

/* Seconds since the epoch, UTC. */
int64_t clk_now(void);
/* Fixes the clock at t (t < 0 returns to the real clock). Unit tests only. */
void clk_set_fixed(int64_t t);
/* Monotonic microseconds, for durations only. */
int64_t clk_mono_us(void);

#endif

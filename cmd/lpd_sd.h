/* lpd_sd.h: labpassd under systemd (Type=notify). READY=1 once it serves,
 * STOPPING=1 when it stops, STATUS= lines, and the watchdog: while
 * WatchdogSec= is set, a thread pings systemd every half period, but only
 * while the database answers a read and the background worker has run
 * recently, so a wedged server stops pinging and systemd restarts it.
 * Without systemd (no NOTIFY_SOCKET) every call does nothing. */
#ifndef LP_LPD_SD_H
#define LP_LPD_SD_H
#include <stdint.h>

/* The worker's heartbeat: it calls this at the start of every round. */
void lpd_sd_worker_beat(void);
/* READY=1 with a status line. */
void lpd_sd_ready(const char *status);
/* STOPPING=1. */
void lpd_sd_stopping(void);
/* Starts the watchdog thread when systemd asked for one; worker_s is the
 * worker's interval, so a beat older than twice that (plus a minute) counts
 * as wedged. 0, or an lp_err when the thread cannot start. */
int lpd_sd_watchdog_start(const char *db_path, int worker_s);
void lpd_sd_watchdog_stop(void);

#endif

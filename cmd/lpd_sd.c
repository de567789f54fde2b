/* lpd_sd.c: readiness and watchdog notifications to systemd (lpd_sd.h),
 * through libsystemd's sd_notify. */
#include "cmd/lpd_sd.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <time.h>

static _Atomic int64_t g_beat_us;
static struct {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running, stop;
    uint64_t period_us;
    int64_t stale_us;
    const char *db_path;
} g_wd = { .mu = PTHREAD_MUTEX_INITIALIZER };

void lpd_sd_worker_beat(void) { atomic_store(&g_beat_us, clk_mono_us()); }

void lpd_sd_ready(const char *status)
{
    char msg[300];
    snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", status);
    sd_notify(0, msg);
}

void lpd_sd_stopping(void) { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

/* Alive: the database answers and the worker beat is recent. */
static int alive(db_t *db)
{
    if (db_check(db) != 0) return 0;
    return clk_mono_us() - atomic_load(&g_beat_us) <= g_wd.stale_us;
}

static void *wd_main(void *p)
{
    (void)p;
    db_t *db = NULL;
    int warned = 0;
    if (db_open(g_wd.db_path, &db) != 0) log_error("watchdog", "cannot open the database; systemd will restart labpassd");
    pthread_mutex_lock(&g_wd.mu);
    while (!g_wd.stop) {
        if (db && alive(db)) {
            sd_notify(0, "WATCHDOG=1");
            warned = 0;
        } else if (!warned) {
            log_error("watchdog", "the database or the worker does not answer; not telling systemd we are alive");
            warned = 1;
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        uint64_t ns = (uint64_t)until.tv_nsec + (g_wd.period_us / 2) * 1000;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&g_wd.cv, &g_wd.mu, &until);
    }
    pthread_mutex_unlock(&g_wd.mu);
    db_close(db);
    return NULL;
}

int lpd_sd_watchdog_start(const char *db_path, int worker_s)
{
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return 0;
    g_wd.period_us = usec;
    g_wd.stale_us = ((int64_t)worker_s * 2 + 60) * 1000000;
    g_wd.db_path = db_path;
    lpd_sd_worker_beat();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g_wd.cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&g_wd.th, NULL, wd_main, NULL) != 0) return LP_ERR_INTERNAL;
    g_wd.running = 1;
    log_info("watchdog", "pinging systemd every %llu ms", (unsigned long long)(usec / 2000));
    return 0;
}

void lpd_sd_watchdog_stop(void)
{
    if (!g_wd.running) return;
    pthread_mutex_lock(&g_wd.mu);
    g_wd.stop = 1;
    pthread_cond_signal(&g_wd.cv);
    pthread_mutex_unlock(&g_wd.mu);
    pthread_join(g_wd.th, NULL);
    g_wd.running = 0;
}

/* door_io.c: door leaf state machine and its thread (see door_io.h). */
#include "access/door/door_io.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "core/log.h"

#define COMPONENT "door-io"

/* ---- the pure state machine ---- */

static void out_clear(struct door_sm_out *out)
{
    memset(out, 0, sizeof *out);
    out->drive = -1;
}

void door_sm_init(struct door_sm *sm, const struct door_input_cfg *cfg, int64_t pulse_ms)
{
    memset(sm, 0, sizeof *sm);
    sm->cfg = *cfg;
    sm->pulse_ms = pulse_ms;
}

static void grant(struct door_sm *sm, int64_t now_ms, int64_t pulse_ms, struct door_sm_out *out)
{
    sm->unlock_until = now_ms + pulse_ms;
    sm->auth_until = sm->unlock_until + sm->cfg.open_grace_ms;
    if (!sm->unlocked) out->drive = 1;
    sm->unlocked = 1;
}

void door_sm_grant(struct door_sm *sm, int64_t now_ms, int64_t pulse_ms, struct door_sm_out *out)
{
    out_clear(out);
    grant(sm, now_ms, pulse_ms, out);
}

/* Debounces one input; returns 1 when the stable level changed. */
static int debounce(int raw, int *raw_prev, int64_t *since, int *stable, int64_t now, int64_t ms, int primed)
{
    if (!primed) {
        *raw_prev = *stable = raw;
        *since = now;
        return 0;
    }
    if (raw != *raw_prev) {
        *raw_prev = raw;
        *since = now;
    }
    if (raw != *stable && now - *since >= ms) {
        *stable = raw;
        return 1;
    }
    return 0;
}

static void on_contact(struct door_sm *sm, int64_t now, struct door_sm_out *out)
{
    if (sm->contact) {
        sm->open_since = now;
        sm->held_alarmed = 0;
        sm->authorised = sm->unlocked || now < sm->auth_until;
        if (!sm->authorised) out->forced_open = 1;
        return;
    }
    if (sm->cfg.relock_on_close && sm->authorised && sm->unlocked) sm->unlock_until = now;
    sm->authorised = 0;
}

void door_sm_tick(struct door_sm *sm, int64_t now, const struct door_inputs *in, struct door_sm_out *out)
{
    out_clear(out);
    if (in) {
        int ms = sm->cfg.debounce_ms;
        if (in->have_contact &&
            debounce(in->contact_open ? 1 : 0, &sm->raw_contact, &sm->contact_since, &sm->contact, now, ms,
                     sm->primed))
            on_contact(sm, now, out);
        if (in->have_exit &&
            debounce(in->exit_pressed ? 1 : 0, &sm->raw_exit, &sm->exit_since, &sm->exit_btn, now, ms, sm->primed) &&
            sm->exit_btn) {
            grant(sm, now, sm->pulse_ms, out);
            out->exit = 1;
        }
        sm->primed = 1;
    }
    if (sm->contact && sm->authorised && !sm->held_alarmed &&
        now - sm->open_since >= (int64_t)sm->cfg.held_open_s * 1000) {
        sm->held_alarmed = 1;
        out->held_open = 1;
    }
    if (sm->unlocked && now >= sm->unlock_until) {
        sm->unlocked = 0;
        out->drive = 0;
    }
}

/* ---- the thread ---- */

struct door_io {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, started;
    int fault_pending;                /* a grant failed to drive the relay */
    door_lock_t *lock;
    struct door_sm sm;
    door_io_event_fn on_event;
    void *ctx;
    struct door_io_stats stats;
};

static int64_t now_ms(void)
{
    return clk_mono_us() / 1000;
}

/* Drives the relay as out asks; on failure the machine counts as locked.
 * Called with the mutex held. */
static int apply_drive(door_io_t *io, const struct door_sm_out *out, int *fault)
{
    if (out->drive < 0) return 0;
    int rc = door_lock_drive(io->lock, out->drive);
    if (rc != 0) {
        io->sm.unlocked = 0;
        io->stats.faults++;
        *fault = 1;
        if (out->drive == 0 && door_lock_drive(io->lock, 0) == 0)   /* one retry to lock */
            rc = 0;
    }
    io->stats.unlocked = io->sm.unlocked;
    return rc;
}

static void emit(door_io_t *io, enum door_ev_kind kind, const char *reason, const char *alarm)
{
    struct door_event ev;
    memset(&ev, 0, sizeof ev);
    ev.time = clk_now();
    ev.kind = kind;
    strcpy(ev.reason, reason);
    strcpy(ev.alarm, alarm);
    log_warn(COMPONENT, "%s %s%s", door_ev_kind_name(kind), reason, alarm);
    if (io->on_event) io->on_event(io->ctx, &ev);
}

static void tick(door_io_t *io)
{
    struct door_inputs in;
    int have = door_lock_inputs(io->lock, &in) == 0, fault = 0;
    struct door_sm_out out;
    pthread_mutex_lock(&io->mu);
    door_sm_tick(&io->sm, now_ms(), have ? &in : NULL, &out);
    (void)apply_drive(io, &out, &fault);
    io->stats.exits += (unsigned)out.exit;
    io->stats.forced += (unsigned)out.forced_open;
    io->stats.held += (unsigned)out.held_open;
    io->stats.contact_open = io->sm.contact;
    fault |= io->fault_pending;
    io->fault_pending = 0;
    pthread_mutex_unlock(&io->mu);
    if (out.exit) emit(io, DOOR_EV_EXIT, "exit_button", "");
    if (out.forced_open) emit(io, DOOR_EV_ALARM, "", "forced_open");
    if (out.held_open) emit(io, DOOR_EV_ALARM, "", "door_held_open");
    if (fault) emit(io, DOOR_EV_ALARM, "", "lock_fault");
}

static void *io_main(void *p)
{
    door_io_t *io = p;
    pthread_mutex_lock(&io->mu);
    while (!io->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        long ns = until.tv_nsec + (long)io->sm.cfg.tick_ms * 1000000L;
        until.tv_sec += ns / 1000000000L;
        until.tv_nsec = ns % 1000000000L;
        pthread_cond_timedwait(&io->cv, &io->mu, &until);
        if (io->stop) break;
        pthread_mutex_unlock(&io->mu);
        tick(io);
        pthread_mutex_lock(&io->mu);
    }
    pthread_mutex_unlock(&io->mu);
    return NULL;
}

int door_io_start(door_lock_t *lock, const struct door_input_cfg *cfg, int64_t pulse_ms,
                  door_io_event_fn on_event, void *ctx, door_io_t **out)
{
    if (!lock || !cfg || !out || cfg->tick_ms <= 0) return LP_ERR_INVALID;
    *out = NULL;
    door_io_t *io = calloc(1, sizeof *io);
    if (!io) return LP_ERR_NOMEM;
    io->lock = lock;
    io->on_event = on_event;
    io->ctx = ctx;
    door_sm_init(&io->sm, cfg, pulse_ms);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&io->mu, NULL);
    pthread_cond_init(&io->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&io->th, NULL, io_main, io) != 0) {
        door_io_stop(io);
        return LP_ERR_INTERNAL;
    }
    io->started = 1;
    *out = io;
    return 0;
}

void door_io_stop(door_io_t *io)
{
    if (!io) return;
    if (io->started) {
        pthread_mutex_lock(&io->mu);
        io->stop = 1;
        pthread_cond_signal(&io->cv);
        pthread_mutex_unlock(&io->mu);
        pthread_join(io->th, NULL);
    }
    if (door_lock_drive(io->lock, 0) != 0) log_error(COMPONENT, "could not lock at stop");
    pthread_cond_destroy(&io->cv);
    pthread_mutex_destroy(&io->mu);
    free(io);
}

int door_io_grant(door_io_t *io, int64_t pulse_ms)
{
    if (!io || pulse_ms <= 0) return LP_ERR_INVALID;
    struct door_sm_out out;
    int fault = 0;
    pthread_mutex_lock(&io->mu);
    door_sm_grant(&io->sm, now_ms(), pulse_ms, &out);
    int rc = apply_drive(io, &out, &fault);
    if (rc == 0) io->stats.grants++;
    io->fault_pending |= fault;
    pthread_mutex_unlock(&io->mu);
    return rc;
}

void door_io_lock_now(door_io_t *io)
{
    if (!io) return;
    pthread_mutex_lock(&io->mu);
    io->sm.unlocked = 0;
    io->sm.unlock_until = 0;
    io->sm.auth_until = 0;
    if (door_lock_drive(io->lock, 0) != 0) log_error(COMPONENT, "could not drive the lock closed");
    io->stats.unlocked = 0;
    pthread_mutex_unlock(&io->mu);
}

void door_io_set_pulse(door_io_t *io, int64_t pulse_ms)
{
    if (!io || pulse_ms <= 0) return;
    pthread_mutex_lock(&io->mu);
    io->sm.pulse_ms = pulse_ms;
    pthread_mutex_unlock(&io->mu);
}

void door_io_stats(door_io_t *io, struct door_io_stats *out)
{
    pthread_mutex_lock(&io->mu);
    *out = io->stats;
    pthread_mutex_unlock(&io->mu);
}

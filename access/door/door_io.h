/* door_io.h: what happens at the door leaf: lock pulses, the door contact
 * and the exit button, and the alarms they raise.
 *
 * Two layers. door_sm_* is a pure state machine (times in monotonic ms, no
 * I/O), so every rule is testable without hardware:
 * - a grant unlocks for pulse_ms; an opening of the door before the pulse
 *   ends plus open_grace_ms is authorised;
 * - an opening that is not authorised raises forced_open (once per opening);
 * - an authorised opening that lasts held_open_s raises door_held_open (once);
 * - with relock_on_close, the door closing after an authorised opening ends
 *   the pulse early;
 * - the exit button (pressed edge) grants a pulse and reports an exit;
 * - inputs are debounced: a level counts after debounce_ms unchanged.
 * door_io_* runs the state machine on a thread over a door_lock_t, samples
 * the inputs every tick_ms, drives the relay, and hands events (exits,
 * alarms) to a callback on that thread. door_io_grant drives the relay at
 * once from the caller's thread. A relay that cannot be driven raises
 * lock_fault; the lock is never driven open on an error. */
#ifndef LP_DOOR_IO_H
#define LP_DOOR_IO_H
#include <stdint.h>
#include "access/door/door_cfg.h"
#include "access/door/door_lock.h"
#include "access/door/door_store.h"
#include "core/err.h"

struct door_sm {
    struct door_input_cfg cfg;
    int64_t pulse_ms;                 /* exit button pulse */
    int unlocked;                     /* relay state wanted */
    int64_t unlock_until, auth_until; /* ms */
    int contact, exit_btn;            /* debounced levels */
    int raw_contact, raw_exit;
    int64_t contact_since, exit_since;/* when the raw level last changed */
    int64_t open_since;
    int authorised, held_alarmed;
    int primed;                       /* first sample taken */
};

/* What a step asks for. drive: -1 nothing, 0 lock, 1 unlock. */
struct door_sm_out {
    int drive;
    int forced_open, held_open, exit;
};

void door_sm_init(struct door_sm *sm, const struct door_input_cfg *cfg, int64_t pulse_ms);
/* A granted admission at now_ms for pulse_ms. */
void door_sm_grant(struct door_sm *sm, int64_t now_ms, int64_t pulse_ms, struct door_sm_out *out);
/* One sample of the inputs at now_ms (in may be NULL: no usable sample). */
void door_sm_tick(struct door_sm *sm, int64_t now_ms, const struct door_inputs *in, struct door_sm_out *out);

typedef struct door_io door_io_t;
/* Called on the io thread for exits and alarms; ev is borrowed. */
typedef void (*door_io_event_fn)(void *ctx, const struct door_event *ev);

/* Starts the io thread over lock (borrowed until door_io_stop). Returns 0,
 * LP_ERR_NOMEM or LP_ERR_INTERNAL. Caller stops it with door_io_stop(). */
int door_io_start(door_lock_t *lock, const struct door_input_cfg *cfg, int64_t pulse_ms,
                  door_io_event_fn on_event, void *ctx, door_io_t **out) LP_MUST;
/* Stops and joins the thread and drives the lock closed; accepts NULL. */
void door_io_stop(door_io_t *io);
/* Opens for pulse_ms now. Returns 0 or LP_ERR_IO (the relay failed; the
 * state machine then counts the door as locked). */
int door_io_grant(door_io_t *io, int64_t pulse_ms) LP_MUST;
/* Ends any pulse and drives the lock closed now (the watchdog, before the
 * process goes down). Accepts NULL. */
void door_io_lock_now(door_io_t *io);
/* Sets the exit button's pulse (from synced settings). */
void door_io_set_pulse(door_io_t *io, int64_t pulse_ms);
/* Counters for status and tests. */
struct door_io_stats { unsigned grants, exits, forced, held, faults; int unlocked, contact_open; };
void door_io_stats(door_io_t *io, struct door_io_stats *out);

#endif

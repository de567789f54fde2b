/* door_lock.h: the lock relay and the door's inputs (door contact, exit
 * button), behind small backends chosen in the config:
 *   lock:   gpiod (a libgpiod output line), exec (an external program run as
 *           `command open` / `command close`), log (a line per change, tests);
 *   inputs: none, gpiod (input lines), file (a file holding 0 or 1, tests).
 *
 * Guarantees:
 * - Opening drives the lock to "locked" before anything else; closing drives
 *   it to "locked" again before releasing the line.
 * - Fail-secure (default): the relay is energised only to open. Fail-safe:
 *   the relay is energised to hold the lock, so power loss opens the door.
 *   Either way a controller error never drives "unlocked".
 * - The exec program runs without a shell, with no inherited descriptors,
 *   and is killed after command_timeout_ms; only exit status 0 counts.
 * - Input read errors are reported, never taken as "button pressed".
 * A door_lock_t is used under one lock (door_io serialises callers). */
#ifndef LP_DOOR_LOCK_H
#define LP_DOOR_LOCK_H
#include "access/door/door_cfg.h"
#include "core/err.h"

typedef struct door_lock door_lock_t;

struct door_inputs {
    int have_contact, have_exit;   /* wired at all */
    int contact_open;              /* 1: the door stands open */
    int exit_pressed;              /* 1: the exit button is pressed */
};

/* Opens the lock and input backends and drives "locked". Caller owns *out
 * and frees it with door_lock_close(). Returns 0, LP_ERR_IO (line, chip or
 * program unusable), LP_ERR_NOMEM or LP_ERR_INVALID. Borrows the configs
 * only during the call. */
int door_lock_open(const struct door_lock_cfg *lc, const struct door_input_cfg *ic,
                   door_lock_t **out) LP_MUST;
/* Drives "locked", releases lines and closes; accepts NULL. */
void door_lock_close(door_lock_t *l);
/* Drives the lock: unlocked = 1 opens, 0 locks. Returns 0 or LP_ERR_IO. */
int door_lock_drive(door_lock_t *l, int unlocked) LP_MUST;
/* Samples the inputs. Returns 0 or LP_ERR_IO (in is then untouched). */
int door_lock_inputs(door_lock_t *l, struct door_inputs *in) LP_MUST;
/* The backend's name ("gpiod", "exec", "log"). */
const char *door_lock_backend_name(const door_lock_t *l);

#endif

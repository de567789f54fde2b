/* door_run.h: the door controller at run time: the reader loop and the
 * threads around it.
 *
 *   reader loop (caller's thread): poll -> classify -> credential exchange
 *     with a fresh challenge, or NDEF read -> door_decide -> record the event
 *     (durable) -> pulse the lock -> wait for the card to leave -> release
 *   io thread (door_io): relay pulses, door contact, exit button, alarms
 *   sync scheduler (door_sync): bundle in, events out (when a url is set),
 *     each round in a short-lived network helper process
 *   watchdog thread: the reader loop's heartbeat
 *
 * Guarantees:
 * - Every reader call is bounded (nfc_rdr timeouts; poll_ms per scan).
 *   After reopen_after consecutive reader errors the reader is closed and
 *   opened again; while it stays down it is retried with back-off and the
 *   alarm reader_offline is raised after offline_alarm_s. When the loop's
 *   heartbeat is older than hang_ms the watchdog raises reader_hang and calls
 *   the on_hang hook (labpass-door exits there, for its supervisor to
 *   restart it, the lock driven closed first).
 * - A tap's event is on disk before the lock opens; if it cannot be
 *   recorded, or anything else fails, the lock stays shut.
 * - Foreign cards (no labpass application, NTAG without a labpass record)
 *   are ignored without an event; a labpass medium answering off the
 *   protocol is refused as malformed; a card leaving mid-read decides
 *   nothing.
 * Each thread has its own store connection. */
#ifndef LP_DOOR_RUN_H
#define LP_DOOR_RUN_H
#include "access/door/door_cfg.h"
#include "access/door/door_decide.h"
#include "core/err.h"

typedef struct door_run door_run_t;

struct door_run_opts {
    int no_sync;                          /* never start the sync scheduler */
    const char *helper_exe;               /* network rounds in this program (door_sync_opts); */
    const char *config_path;              /*   NULL: on the scheduler thread */
    void (*on_hang)(void *ctx);           /* watchdog hook (after the alarm); NULL: none */
    void *hang_ctx;
    void (*on_alive)(void *ctx);          /* each second while the heartbeat is fresh (a service
                                             manager's watchdog); NULL: none. Watchdog thread. */
};

struct door_run_stats {
    unsigned taps, granted, denied, ignored;
    unsigned reader_errors, reopens, record_failures;
    unsigned card_updates, card_update_failures;   /* fresh passes written onto cards, or not */
    int reader_up;
};

/* Opens the state file (provisioning the config's site keys), the lock and
 * inputs, and starts the io, sync and watchdog threads. The reader is opened
 * by door_run_loop. cfg is borrowed until door_run_destroy. opts may be NULL.
 * Caller owns *out and frees it with door_run_destroy(). */
int door_run_create(const struct door_cfg *cfg, const struct door_run_opts *opts, door_run_t **out) LP_MUST;
/* Runs the reader loop until door_run_stop. Returns 0. */
int door_run_loop(door_run_t *r);
/* Asks the loop to return (async-signal-safe). */
void door_run_stop(door_run_t *r);
/* Stops every thread, drives the lock closed and frees; accepts NULL. */
void door_run_destroy(door_run_t *r);

/* One presentation that did not come through the reader (tests, bench):
 * decide at the door's clock, record, open on a grant. Same thread rules as
 * the loop: not while door_run_loop runs. Returns 0 or LP_ERR_INVALID. */
int door_run_present(door_run_t *r, const struct door_tap *t, struct door_decision *out) LP_MUST;
/* The challenge a credential would get now (for door_run_present). */
int door_run_challenge(door_run_t *r, struct tok_challenge *ch) LP_MUST;
/* Reloads policy, keys and time floor from the state file (after an outside
 * change, e.g. a sync done elsewhere). */
int door_run_reload(door_run_t *r) LP_MUST;
void door_run_stats(door_run_t *r, struct door_run_stats *out);

#endif

/* doorproc.h: a labpass-door process under test, for the suites that run
 * the real controller against the emulated PN532 (test_door_e2e,
 * test_instrument): its files, its clock file, starting and stopping it,
 * reading its lock and log files, and waiting until it scans an empty
 * field. Failures inside end the cmocka test. */
#ifndef LP_TEST_DOORPROC_H
#define LP_TEST_DOORPROC_H
#include <stdint.h>
#include <sys/types.h>
#include "tests/lib/pn532emu.h"

/* Writes text into path (created with mode, truncated). */
void dp_write_file(const char *path, const char *text, mode_t mode);
/* Sets the clock file a door reads (LABPASS_CLOCK_FILE) to t, atomically. */
void dp_set_clock(const char *clock_path, int64_t t);
/* Starts labpass-door --config cfg on the clock file, its stderr appended to
 * log. Returns the process id. */
pid_t dp_start(const char *cfg, const char *clock_path, const char *log);
/* Stops *pid (SIGTERM, then SIGKILL after 5 s) and sets it to 0. Returns 0
 * when it exited with status 0 (or was not running), else -1. */
int dp_stop(pid_t *pid);
/* Lines of path that contain word (0 when the file is missing). */
int dp_count_lines(const char *path, const char *word);
/* Whether the last line of path contains word. */
int dp_last_line_has(const char *path, const char *word);
/* Takes the medium away and waits until the door scans the field twice. */
void dp_field_empty(emu_t *emu);

#endif

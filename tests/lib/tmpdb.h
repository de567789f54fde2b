/* tmpdb.h: temporary SQLite file names for the unit tests that open a
 * database themselves (integration tests get theirs from the harness). */
#ifndef LP_TEST_TMPDB_H
#define LP_TEST_TMPDB_H
#include <stddef.h>

/* Writes a fresh, unused name "/tmp/lp-test-<tag>-XXXXXX" into path[cap]
 * (made by mkstemp, then removed, so db_open creates the database). 0, or -1
 * when no name could be made. */
int tdb_make(char *path, size_t cap, const char *tag);
/* Removes the database file and its -wal and -shm files. */
void tdb_remove(const char *path);

#endif

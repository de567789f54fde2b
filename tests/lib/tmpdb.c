/* tmpdb.c: see tmpdb.h. */
#include "tests/lib/tmpdb.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int tdb_make(char *path, size_t cap, const char *tag)
{
    if (snprintf(path, cap, "/tmp/lp-test-%s-XXXXXX", tag) >= (int)cap) return -1;
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    close(fd);
    unlink(path);
    return 0;
}

void tdb_remove(const char *path)
{
    char p[512];
    const char *sfx[] = { "", "-wal", "-shm" };
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        unlink(p);
    }
}

/* spell.c: see spell.h. */
#include "booking/spell.h"
#include <string.h>

int spell_find(const char *const *names, int n, const char *text)
{
    for (int i = 0; text && i < n; i++)
        if (names[i] && strcmp(text, names[i]) == 0) return i;
    return -1;
}

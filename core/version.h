/* version.h: the version of labpass's programs. A door reports it to the
 * server in its User-Agent ("labpass-door/VERSION"), and staff see it on the
 * doors page. */
#ifndef LP_VERSION_H
#define LP_VERSION_H
#define LP_VERSION "0.24.0"
#endif

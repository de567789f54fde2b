/* jsonw.h: a compact JSON serializer for response bodies. Walks a jansson
 * tree and writes the same JSON as json_dumps(JSON_COMPACT) would, in one
 * growing buffer with plain runs copied at once — several times faster for
 * the small documents every request returns. Strings in a jansson tree are
 * valid UTF-8; control characters, quotes and backslashes are escaped. */
#ifndef LP_JSONW_H
#define LP_JSONW_H
#include <jansson.h>
#include <stddef.h>

/* Serializes j; caller frees. NULL when out of memory or j holds a value
 * JSON cannot express (NaN or infinity). *len gets the length without NUL. */
char *jw_dump(const json_t *j, size_t *len);

#endif

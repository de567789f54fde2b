/* static.h: serves the web app's files from a folder (GET/HEAD only).
 * Paths are checked segment by segment (no "..", no hidden files), only
 * known file types are served, and "/" maps to index.html. */
#ifndef LP_STATIC_H
#define LP_STATIC_H
#include "api/ctx.h"

void static_serve(api_ctx *c, const char *root);

#endif

/* page.h: cursor pagination of list routes (inside api/ only).
 * A list route reads ?limit= (1..its maximum, a default otherwise) and an
 * opaque ?cursor= that only a previous answer's next link produces. The
 * answer carries "next": the same request with the cursor of the following
 * page, or null on the last page, and the same URL in a Link header
 * (RFC 8288, rel="next"). A cursor is the sort key of the last row the page
 * read (one or two integers: an id, or an instant and an id), so pages never
 * skip or repeat a row however the list changes between them. Rows the
 * caller may not see are skipped but still move the cursor: a page can hold
 * fewer than limit items and still have a next page. */
#ifndef LP_API_PAGE_H
#define LP_API_PAGE_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "api/ctx.h"

#define API_PAGE_MAX_KEYS 2
#define API_PAGE_URL_MAX 1400   /* a longer list request is refused: its next link would not fit */

typedef struct api_page {
    int64_t limit;                     /* rows in this page */
    int nkeys;                         /* keys in the sort order: 1 or 2 */
    int has_after;                     /* a cursor was given */
    int64_t after[API_PAGE_MAX_KEYS];  /* the sort key the page starts after */
    char base[API_PAGE_URL_MAX];       /* the request's path and query but cursor, for next */
} api_page;

/* Reads limit (default def, 1..max) and cursor (nkeys integers). On a bad
 * value, or a query too long to repeat in a next link, the 400 reply is made
 * and -1 returned. */
int api_page_read(api_ctx *c, int64_t def, int64_t max, int nkeys, api_page *p);
/* Ends a page: sets body's "next" to the next page's URL when last (the sort
 * key of the page's last row, nkeys integers) is not NULL, else to null, and
 * adds the Link header. The URL keeps every query parameter of the request
 * but cursor. */
void api_page_finish(api_ctx *c, const api_page *p, json_t *body, const int64_t *last);

#endif

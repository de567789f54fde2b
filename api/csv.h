/* csv.h: RFC 4180 cells for the CSV answers built in api/ (the ML-1
 * register, the training matrix). Every cell is quoted with quotes doubled;
 * a cell starting with =, +, - or @ gets a leading ' so that a spreadsheet
 * does not run it as a formula. last ends the row with CRLF. */
#ifndef LP_API_CSV_H
#define LP_API_CSV_H
#include <stdint.h>
#include "core/sbuf.h"

void csv_field(struct sbuf *b, const char *s, int last);
/* An instant as RFC 3339 in the site zone, "" for 0. */
void csv_time(struct sbuf *b, int64_t t, int last);

#endif

/* metrics.h: request counters per route and status, and a latency histogram,
 * rendered in the Prometheus text exposition format. Lock-free (atomics). */
#ifndef LP_METRICS_H
#define LP_METRICS_H
#include <stdint.h>
#include "db/db.h"

#define METRICS_MAX_ROUTES 160
/* route is the route index, or -1 for unmatched paths. */
void metrics_record(int route, int status, int64_t micros);
/* Renders all metrics; caller frees. */
char *metrics_render(db_t *db);

#endif

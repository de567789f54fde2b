/* metrics.c: see metrics.h. */
#include "api/metrics.h"
#include "api/api.h"
#include "access/issuer/issuer.h"
#include "booking/audit.h"
#include "booking/outbox.h"
#include "core/clock.h"
#include <sys/statvfs.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int STATUSES[] = { 200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503 };
#define NSTATUS (int)(sizeof STATUSES / sizeof STATUSES[0])
static const double BUCKETS[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
#define NBUCKET (int)(sizeof BUCKETS / sizeof BUCKETS[0])

static _Atomic uint64_t g_count[METRICS_MAX_ROUTES + 1][NSTATUS + 1];
static _Atomic uint64_t g_hist[NBUCKET + 1];
static _Atomic uint64_t g_sum_us;
static _Atomic uint64_t g_total;

static int status_slot(int status)
{
    for (int i = 0; i < NSTATUS; i++)
        if (STATUSES[i] == status) return i;
    return NSTATUS;
}

void metrics_record(int route, int status, int64_t micros)
{
    int r = route < 0 || route >= METRICS_MAX_ROUTES ? METRICS_MAX_ROUTES : route;
    atomic_fetch_add_explicit(&g_count[r][status_slot(status)], 1, memory_order_relaxed);
    int b = 0;
    while (b < NBUCKET && micros > (int64_t)(BUCKETS[b] * 1e6)) b++;
    atomic_fetch_add_explicit(&g_hist[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_sum_us, (uint64_t)(micros > 0 ? micros : 0), memory_order_relaxed);
    atomic_fetch_add_explicit(&g_total, 1, memory_order_relaxed);
}

struct buf { char *p; size_t len, cap; };

static void bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (b->p && b->len + (size_t)n < b->cap) { b->len += (size_t)n; return; }
        size_t ncap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
        char *np = realloc(b->p, ncap);
        if (!np) return;
        b->p = np;
        b->cap = ncap;
    }
}

static void render_counts(struct buf *b)
{
    bprintf(b, "# HELP labpass_http_requests_total HTTP requests by route and status.\n"
               "# TYPE labpass_http_requests_total counter\n");
    for (int r = 0; r <= METRICS_MAX_ROUTES; r++) {
        const char *method = "", *pattern = "unmatched";
        if (r < METRICS_MAX_ROUTES) {
            if ((size_t)r >= api_route_count()) continue;
            struct api_route_info ri = api_route_at((size_t)r);
            method = ri.method;
            pattern = ri.pattern;
        }
        for (int s = 0; s <= NSTATUS; s++) {
            uint64_t v = atomic_load_explicit(&g_count[r][s], memory_order_relaxed);
            if (!v) continue;
            if (s < NSTATUS)
                bprintf(b, "labpass_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %llu\n",
                        method, pattern, STATUSES[s], (unsigned long long)v);
            else
                bprintf(b, "labpass_http_requests_total{method=\"%s\",route=\"%s\",status=\"other\"} %llu\n",
                        method, pattern, (unsigned long long)v);
        }
    }
}

static void render_hist(struct buf *b)
{
    uint64_t cum = 0;
    bprintf(b, "# HELP labpass_http_request_duration_seconds Time to answer a request.\n"
               "# TYPE labpass_http_request_duration_seconds histogram\n");
    for (int i = 0; i <= NBUCKET; i++) {
        cum += atomic_load_explicit(&g_hist[i], memory_order_relaxed);
        if (i < NBUCKET)
            bprintf(b, "labpass_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", BUCKETS[i],
                    (unsigned long long)cum);
        else
            bprintf(b, "labpass_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                    (unsigned long long)cum);
    }
    bprintf(b, "labpass_http_request_duration_seconds_sum %.6f\n",
            (double)atomic_load(&g_sum_us) / 1e6);
    bprintf(b, "labpass_http_request_duration_seconds_count %llu\n", (unsigned long long)atomic_load(&g_total));
}

/* Each door in use: when it last synced and when it last raised an alarm. */
static void render_doors(struct buf *b, db_t *db)
{
    iss_door *d = NULL;
    size_t n = 0;
    if (iss_door_list(db, clk_now(), &d, &n) != 0) return;
    bprintf(b, "# HELP labpass_door_last_seen_timestamp_seconds When the door last synced (doors that have).\n"
               "# TYPE labpass_door_last_seen_timestamp_seconds gauge\n");
    for (size_t i = 0; i < n; i++)
        if (!d[i].retired_at && d[i].last_seen_at > 0)
            bprintf(b, "labpass_door_last_seen_timestamp_seconds{door=\"%lld\",name=\"%s\"} %lld\n",
                    (long long)d[i].id, d[i].name, (long long)d[i].last_seen_at);
    bprintf(b, "# HELP labpass_door_last_alarm_timestamp_seconds When the door last raised an alarm (doors that have).\n"
               "# TYPE labpass_door_last_alarm_timestamp_seconds gauge\n");
    for (size_t i = 0; i < n; i++)
        if (!d[i].retired_at && d[i].last_alarm_at > 0)
            bprintf(b, "labpass_door_last_alarm_timestamp_seconds{door=\"%lld\",name=\"%s\"} %lld\n",
                    (long long)d[i].id, d[i].name, (long long)d[i].last_alarm_at);
    free(d);
}

/* The outbox: what waits, for how long, and what was given up. */
static void render_outbox(struct buf *b, db_t *db)
{
    obx_stats o;
    if (obx_stats_get(db, &o) != 0) return;
    int64_t age = o.oldest_pending_at ? clk_now() - o.oldest_pending_at : 0;
    bprintf(b, "# HELP labpass_outbox_pending Messages waiting to be sent (or retried).\n"
               "# TYPE labpass_outbox_pending gauge\nlabpass_outbox_pending %lld\n"
               "# HELP labpass_outbox_oldest_pending_age_seconds How long the oldest waiting message has waited.\n"
               "# TYPE labpass_outbox_oldest_pending_age_seconds gauge\nlabpass_outbox_oldest_pending_age_seconds %lld\n"
               "# HELP labpass_outbox_failed_total Messages given up (refused for good or out of attempts).\n"
               "# TYPE labpass_outbox_failed_total counter\nlabpass_outbox_failed_total %lld\n",
            (long long)o.pending, (long long)(age > 0 ? age : 0), (long long)o.failed);
}

/* The file system of the database, and the last backup (from the audit log). */
static void render_storage(struct buf *b, db_t *db)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", db_path(db));
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    struct statvfs v;
    if (statvfs(dir, &v) == 0)
        bprintf(b, "# HELP labpass_disk_free_bytes Space free to labpassd on the database's file system.\n"
                   "# TYPE labpass_disk_free_bytes gauge\nlabpass_disk_free_bytes %llu\n"
                   "# HELP labpass_disk_size_bytes Size of the database's file system.\n"
                   "# TYPE labpass_disk_size_bytes gauge\nlabpass_disk_size_bytes %llu\n",
                (unsigned long long)v.f_bavail * v.f_frsize, (unsigned long long)v.f_blocks * v.f_frsize);
    int64_t at = 0;
    if (audit_last(db, "backup", "database", &at) == 0)
        bprintf(b, "# HELP labpass_backup_last_timestamp_seconds When labpassctl backup last succeeded (0: never).\n"
                   "# TYPE labpass_backup_last_timestamp_seconds gauge\nlabpass_backup_last_timestamp_seconds %lld\n",
                (long long)at);
}

char *metrics_render(db_t *db)
{
    struct buf b = { 0 };
    render_counts(&b);
    render_hist(&b);
    bprintf(&b, "# HELP labpass_db_size_bytes Size of the SQLite database file.\n"
                "# TYPE labpass_db_size_bytes gauge\nlabpass_db_size_bytes %lld\n",
            (long long)db_size_bytes(db));
    uint64_t commits, writes;
    db_group_stats(&commits, &writes);
    bprintf(&b, "# HELP labpass_db_group_commits_total Group commits of bookings (one fsync each).\n"
                "# TYPE labpass_db_group_commits_total counter\nlabpass_db_group_commits_total %llu\n"
                "# HELP labpass_db_group_writes_total Bookings made durable by group commits.\n"
                "# TYPE labpass_db_group_writes_total counter\nlabpass_db_group_writes_total %llu\n",
            (unsigned long long)commits, (unsigned long long)writes);
    render_doors(&b, db);
    render_outbox(&b, db);
    render_storage(&b, db);
    return b.p;
}

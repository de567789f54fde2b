/* rlog.h: incidents and the resource log. A member reports a problem with a
 * resource (severity, text); every active staff member is told; staff
 * acknowledge and resolve it, or make it a fault downtime (downtime.h). The
 * reporter sees their own incidents and log entries; other members see
 * neither. The log of a resource keeps maintenance done, incidents,
 * calibrations (with the date the next one is due) and notes, with who and
 * when. The worker reminds staff of a calibration RLOG_CAL_LEAD_DEFAULT days
 * before its due date (the newest calibration entry of a resource counts),
 * once per entry. */
#ifndef LP_RLOG_H
#define LP_RLOG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"

enum inc_severity { INC_LOW = 0, INC_MEDIUM, INC_HIGH };
#define INC_SEVERITY_COUNT 3
const char *inc_severity_name(enum inc_severity s);
int inc_severity_parse(const char *text, enum inc_severity *out) LP_MUST;

enum inc_state { INC_OPEN = 0, INC_ACKNOWLEDGED, INC_RESOLVED };
#define INC_STATE_COUNT 3
const char *inc_state_name(enum inc_state s);
int inc_state_parse(const char *text, enum inc_state *out) LP_MUST;

enum rlog_kind { RLOG_MAINTENANCE = 0, RLOG_INCIDENT, RLOG_CALIBRATION, RLOG_NOTE };
#define RLOG_KIND_COUNT 4
const char *rlog_kind_name(enum rlog_kind k);
int rlog_kind_parse(const char *text, enum rlog_kind *out) LP_MUST;

#define RLOG_TEXT_MAX 2000
#define RLOG_CAL_LEAD_DEFAULT 14      /* days before a calibration is due */

typedef struct inc_incident {
    int64_t id, resource_id, person_id, tenant_id, downtime_id;
    char resource[121], person[201];
    enum inc_severity severity;
    enum inc_state state;
    char text[RLOG_TEXT_MAX + 1], resolution[RLOG_TEXT_MAX + 1];
    int64_t created_at, acknowledged_at, resolved_at, updated_at;
} inc_incident;

/* Who is asking: staff see everything, anyone else only what they reported
 * or wrote (person_id). */
typedef struct rlog_viewer { int64_t person_id; bool staff; } rlog_viewer;

/* A person (who->person_id, of tenant tenant_id, 0: none) reports a problem
 * with resource_id; staff are told. */
int rlog_incident_report(db_t *db, const actor_t *who, int64_t tenant_id, int64_t resource_id,
                         enum inc_severity sev, const char *text, inc_incident *out, lp_fail *f) LP_MUST;
/* The same without telling staff: the demo's incident, reported before the
 * demo began (nothing unchecked is e-mailed). */
int rlog_incident_seed(db_t *db, const actor_t *who, int64_t tenant_id, int64_t resource_id,
                       enum inc_severity sev, const char *text, inc_incident *out, lp_fail *f) LP_MUST;
/* The incident if v may see it, else LP_ERR_NOTFOUND. */
int rlog_incident_get(db_t *db, const rlog_viewer *v, int64_t id, inc_incident *out) LP_MUST;
/* Incidents v may see, newest first; resource_id 0: all; open_only: not
 * resolved; at most max. Caller frees. */
int rlog_incident_list(db_t *db, const rlog_viewer *v, int64_t resource_id, bool open_only, size_t max,
                       inc_incident **out, size_t *n) LP_MUST;
/* open -> acknowledged (staff). */
int rlog_incident_ack(db_t *db, const actor_t *who, int64_t id, lp_fail *f) LP_MUST;
/* open|acknowledged -> resolved with a resolution text (may be ""). */
int rlog_incident_resolve(db_t *db, const actor_t *who, int64_t id, const char *resolution, lp_fail *f) LP_MUST;
/* Links the incident to the fault downtime made from it and acknowledges it
 * if open (in the caller's transaction; downtime.c). */
int rlog_incident_link(db_t *db, const actor_t *who, int64_t incident_id, int64_t downtime_id) LP_MUST;

typedef struct rlog_entry {
    int64_t id, resource_id, person_id, incident_id, downtime_id, at, reminded_at;
    enum rlog_kind kind;
    char text[RLOG_TEXT_MAX + 1], author[64], due_date[11];   /* due_date "" when none */
} rlog_entry;

/* Staff add an entry of kind maintenance, calibration (due_date
 * "YYYY-MM-DD" required, in the future) or note; incident entries come from
 * reports. */
int rlog_add(db_t *db, const actor_t *who, int64_t resource_id, enum rlog_kind kind, const char *text,
             const char *due_date, rlog_entry *out, lp_fail *f) LP_MUST;
/* The log entry a downtime writes (kind "maintenance" or "incident"). */
int rlog_note_downtime(db_t *db, const actor_t *who, int64_t resource_id, int64_t downtime_id, const char *kind,
                       const char *text) LP_MUST;
/* A resource's log as v may see it, newest first, at most max. */
int rlog_list(db_t *db, const rlog_viewer *v, int64_t resource_id, size_t max, rlog_entry **out, size_t *n) LP_MUST;

/* Days before a due date the reminder goes (0: none). */
void rlog_set_cal_lead(int days);
int rlog_cal_lead(void);
/* Queues a reminder to staff for every newest calibration entry of a
 * resource due within lead_days of now and not reminded yet, and marks it.
 * One transaction. */
int rlog_calibration_run(db_t *db, int64_t now, int lead_days, int *queued) LP_MUST;

#endif

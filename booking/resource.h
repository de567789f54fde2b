/* resource.h: bookable resources (labs, equipment, rooms) and their rules:
 * durations, slot grid, notice and advance limits, buffers, opening hours,
 * out-of-service periods, required qualifications, approval and per-tenant
 * quotas. Closures (holidays, maintenance) are kept per resource or for all. */
#ifndef LP_RESOURCE_H
#define LP_RESOURCE_H
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"
#include "booking/slots.h"

#define RES_MAX_QUALS 8
#define RES_MAX_BLOCK (31LL * 86400)   /* longest booking plus buffers */

/* A resource's service state. Stored and sent as res_state_name():
 * "available", "out_of_service". */
enum res_state { RES_AVAILABLE = 0, RES_OUT_OF_SERVICE };
#define RES_STATE_COUNT 2
/* The spelling of s (static; "" out of range). */
const char *res_state_name(enum res_state s);
/* Parses a spelling; LP_ERR_INVALID for anything else. */
int res_state_parse(const char *text, enum res_state *out) LP_MUST;

typedef struct res_resource {
    int64_t id;
    char kind[12];               /* lab | equipment | room */
    char name[121];
    char description[1001];
    char door_group[65];
    char equivalent_group[65];   /* resources in the same group ('' = none) are interchangeable */
    int capacity;
    enum res_state state;
    char oos_reason[201];
    int64_t oos_until;           /* 0: until further notice */
    int min_minutes, max_minutes, granularity_min, min_notice_min, max_advance_days;
    int buffer_before_min, buffer_after_min;
    int approval_required;
    int quota_week_min, quota_month_min;   /* per tenant, 0 = none */
    struct slots_week hours;     /* all days closed = no opening hours set: open around the clock */
    int has_hours;
    int64_t quals[RES_MAX_QUALS];
    int n_quals;
    int64_t longest_block;
    int64_t created_at, updated_at;
} res_resource;

/* Fills r with the defaults of a new resource. */
void res_defaults(res_resource *r);
int res_validate(db_t *db, const res_resource *r, lp_fail *f) LP_MUST;
int res_create(db_t *db, const actor_t *who, res_resource *r, lp_fail *f) LP_MUST;
int res_update(db_t *db, const actor_t *who, const res_resource *r, lp_fail *f) LP_MUST;
int res_get(db_t *db, int64_t id, res_resource *out) LP_MUST;
/* All resources, or those of kind (NULL = all). Caller frees. */
int res_list(db_t *db, const char *kind, res_resource **out, size_t *n) LP_MUST;

/* Closures overlapping [from, to) for the resource (including site-wide ones),
 * every one of them (callers bound the window). Caller frees *out. */
int res_closures(db_t *db, int64_t resource_id, int64_t from, int64_t to, struct slots_iv **out,
                 size_t *n) LP_MUST;
typedef struct res_closure { int64_t id, resource_id, start, end; char reason[201]; } res_closure;
int res_closure_add(db_t *db, const actor_t *who, res_closure *c, lp_fail *f) LP_MUST;
int res_closure_delete(db_t *db, const actor_t *who, int64_t id) LP_MUST;
/* Every closure overlapping [from, to), by start (the API bounds the window
 * to 400 days; staff make closures, so the list stays small). */
int res_closure_list(db_t *db, int64_t from, int64_t to, res_closure **out, size_t *n) LP_MUST;

/* Opening hours as text per weekday ("08:00-18:00", "" = closed), for JSON. */
void res_hours_text(const res_resource *r, int wday, char *out, size_t outlen);

#endif

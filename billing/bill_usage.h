/* bill_usage.h: the manager's month (issue: reports for the manager): per
 * resource and per company, the bookings, hours booked (the part of each
 * booking inside the month), hours used (checked in to checked out, or to
 * the booked end when nobody checked out), no-shows, income (the net of
 * the month's charges) and, per resource, the incidents reported in the month
 * and those still open at its end; per catalogue item the charges, quantity
 * and income of the month (services and consumables), and the service
 * requests open now (requested, quoted, accepted, in progress). Read-only;
 * one consistent read. */
#ifndef LP_BILL_USAGE_H
#define LP_BILL_USAGE_H
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"

typedef struct bill_usage_row {
    int64_t id;                 /* resource or tenant id; 0 for the total */
    char name[201];
    int64_t bookings, booked_s, used_s, no_shows, income_cents;
    /* resources: incidents reported in the month, and those not resolved by
     * its end (companies: 0) */
    int64_t incidents_opened, incidents_open;
} bill_usage_row;

/* A catalogue item's month. */
typedef struct bill_usage_item {
    int64_t id;
    char code[41], name[121], kind[12], unit[4];
    int64_t charges, qty_e6, income_cents;
} bill_usage_item;

/* A service request open now. */
typedef struct bill_usage_request {
    int64_t id, tenant_id;
    char tenant[201], item[121], state[12];
    int64_t created_at;
} bill_usage_request;

typedef struct bill_usage {
    int64_t from, to;           /* the month, [from, to) */
    bill_usage_row *resources, *tenants, total;
    size_t n_resources, n_tenants;
    bill_usage_item *items;     /* items charged in the month, by name */
    size_t n_items;
    bill_usage_request *open;   /* open service requests, oldest first */
    size_t n_open;
} bill_usage;

/* The month [from, to) (lt_parse_month). Rows with nothing are left out.
 * On success free with bill_usage_free. */
int bill_usage_month(db_t *db, int64_t from, int64_t to, bill_usage *out) LP_MUST;
void bill_usage_free(bill_usage *u);

#endif

/* bill_person.c: a person's data in billing/'s tables: the section of their
 * data export (booking/export.h), the charges made for their bookings; and
 * their erasure from charges not invoiced yet. Invoices name the company,
 * not the person, and are the company's records: issued ones never change. */
#include "billing/billing.h"
#include "booking/export.h"

#define T EXP_TIME

const exp_section bill_export_sections[] = {
    { "charges",
      "SELECT COALESCE(json_group_array(json_object('id', c.id, 'kind', c.kind, 'description', c.description, "
      "'reservation_id', c.reservation_id, 'start', " T("c.start") ", 'end', " T("c.end") ", 'net_cents', c.net_cents, "
      "'invoiced', json(CASE WHEN c.invoice_id IS NULL THEN 'false' ELSE 'true' END))), '[]') "
      "FROM (SELECT * FROM charges WHERE person_id = ?1 ORDER BY id) c" },
    { "service_requests",
      "SELECT COALESCE(json_group_array(json_object('id', r.id, 'item', i.name, 'qty_e6', r.qty_e6, 'note', r.note, "
      "'state', r.state, 'quote_note', r.quote_note, 'reason', r.reason, 'project_id', r.project_id, 'charge_id', "
      "r.charge_id, 'created_at', " T("r.created_at") ", 'updated_at', " T("r.updated_at") ", 'completed_at', "
      T("r.completed_at") ")), '[]') "
      "FROM (SELECT * FROM service_requests WHERE person_id = ?1 ORDER BY id) r JOIN catalogue_items i ON i.id = r.item_id" },
};
const size_t bill_export_sections_len = sizeof bill_export_sections / sizeof bill_export_sections[0];

int bill_erase_person(db_t *db, const char *old_name, const char *new_name, int64_t *changed)
{
    *changed = 0;
    sqlite3_stmt *st = db_stmt(db, "UPDATE charges SET description = replace(description, ?1, ?2), "
                                   "reason = replace(reason, ?1, ?2) WHERE invoice_id IS NULL AND kind = 'adjustment' "
                                   "AND length(?1) >= 4 AND (instr(description, ?1) > 0 OR instr(reason, ?1) > 0)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, old_name);
    db_bind_text(st, 2, new_name);
    int rc = db_exec_stmt(st);
    if (rc == 0) *changed = db_changes(db);
    return rc;
}

int bill_erase_requests(db_t *db, int64_t person_id, int64_t now, int64_t *changed)
{
    *changed = 0;
    /* his own words go; work not started yet stops; what was done stays (it is billed) */
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE service_requests SET note = '', updated_at = ?2, "
        "reason = CASE WHEN state IN ('requested','quoted','accepted') THEN 'the requester was erased' ELSE reason END, "
        "state = CASE WHEN state IN ('requested','quoted','accepted') THEN 'cancelled' ELSE state END "
        "WHERE person_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, now);
    int rc = db_exec_stmt(st);
    if (rc == 0) *changed = db_changes(db);
    return rc;
}

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

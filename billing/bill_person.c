/* bill_person.c: billing's section in a person's data export
 * (booking/export.h): the charges made for their bookings. Invoices name the
 * company, not the person, and are the company's records. */
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

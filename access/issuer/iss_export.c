/* iss_export.c: a person's data in access/'s tables: the sections of their
 * data export (booking/export.h): holder keys (not the keys themselves),
 * passes (not their bytes) and the door events that name them; and their
 * erasure (every pass revoked onto the denylist, every holder key revoked
 * and its label emptied). */
#include "access/issuer/issuer.h"
#include "booking/export.h"

#define T EXP_TIME

const exp_section iss_export_sections[] = {
    { "credentials",
      "SELECT COALESCE(json_group_array(json_object('id', c.id, 'kind', c.kind, 'label', c.label, 'created_at', "
      T("c.created_at") ", 'revoked_at', " T("c.revoked_at") ")), '[]') "
      "FROM (SELECT * FROM credentials WHERE person_id = ?1 ORDER BY id) c" },
    { "passes",
      "SELECT COALESCE(json_group_array(json_object('id', p.id, 'kind', p.kind, 'reservation_id', p.reservation_id, "
      "'door_groups', p.groups, 'valid_from', " T("p.nbf") ", 'valid_until', " T("p.exp") ", 'issued_at', "
      T("p.iat") ", 'revoked_at', " T("p.revoked_at") ", 'revoke_reason', p.revoke_reason)), '[]') "
      "FROM (SELECT * FROM passes WHERE person_id = ?1 ORDER BY id) p" },
    { "door_events",
      "SELECT COALESCE(json_group_array(json_object('door', d.name, 'at', " T("e.at") ", 'kind', e.kind, 'reason', "
      "e.reason, 'reservation_id', e.reservation_id, 'result', e.result)), '[]') "
      "FROM (SELECT * FROM door_events WHERE person_id = ?1 OR pass_id IN (SELECT id FROM passes WHERE person_id = ?1) "
      "ORDER BY at, id) e JOIN doors d ON d.id = e.door_id" },
};
const size_t iss_export_sections_len = sizeof iss_export_sections / sizeof iss_export_sections[0];

int iss_erase_person(db_t *db, const actor_t *who, int64_t person_id, int64_t now, int *revoked)
{
    int rc = iss_revoke(db, who, ISS_PERSON, person_id, "person_erased", now, revoked);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE credentials SET label = '', revoked_at = COALESCE(revoked_at, ?2) "
                                               "WHERE person_id = ?1");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, person_id);
        db_bind_int(st, 2, now);
        rc = db_exec_stmt(st);
    }
    return rc;
}

/* export.c: the sections of booking/'s tables in a person's data export
 * (see export.h), and the runner every module's sections share. */
#include "booking/export.h"
#include <stdio.h>
#include <string.h>

#define T EXP_TIME

const exp_section bk_export_sections[] = {
    { "profile",
      "SELECT json_object('id', p.id, 'email', p.email, 'name', p.name, 'status', p.status, "
      "'is_staff', json(CASE p.is_staff WHEN 1 THEN 'true' ELSE 'false' END), 'has_password', "
      "json(CASE WHEN p.password_hash IS NULL THEN 'false' ELSE 'true' END), "
      "'created_at', " T("p.created_at") ", 'updated_at', " T("p.updated_at") ", "
      "'company', (SELECT json_object('tenant_id', t.id, 'name', t.name, 'role', m.role, 'since', " T("m.created_at") ") "
      "FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE m.person_id = p.id)) "
      "FROM people p WHERE p.id = ?1" },
    { "trainings",
      "SELECT COALESCE(json_group_array(json_object('qualification', q.name, 'granted_at', " T("g.granted_at") ", "
      "'expires_at', " T("g.expires_at") ", 'withdrawn_at', " T("g.withdrawn_at") ", 'granted_by', g.granted_by, "
      "'instructed_by', g.instructed_by)), '[]') "
      "FROM (SELECT * FROM qualification_grants WHERE person_id = ?1 ORDER BY id) g "
      "JOIN qualifications q ON q.id = g.qualification_id" },
    { "training_requests",
      "SELECT COALESCE(json_group_array(json_object('qualification', q.name, 'note', r.note, 'created_at', "
      T("r.created_at") ", 'closed_at', " T("r.closed_at") ", 'outcome', r.outcome)), '[]') "
      "FROM (SELECT * FROM training_requests WHERE person_id = ?1 ORDER BY id) r "
      "JOIN qualifications q ON q.id = r.qualification_id" },
    { "incidents",
      "SELECT COALESCE(json_group_array(json_object('id', i.id, 'resource', s.name, 'severity', i.severity, 'text', "
      "i.text, 'state', i.state, 'resolution', i.resolution, 'created_at', " T("i.created_at") ", 'resolved_at', "
      T("i.resolved_at") ")), '[]') "
      "FROM (SELECT * FROM incidents WHERE person_id = ?1 ORDER BY id) i JOIN resources s ON s.id = i.resource_id" },
    { "reservations",
      "SELECT COALESCE(json_group_array(json_object('id', r.id, 'resource', s.name, 'title', r.title, 'start', "
      T("r.start") ", 'end', " T("r.end") ", 'status', r.status, 'reason', r.reason, 'booked_by', r.booked_by, "
      "'checked_in_at', " T("r.checked_in_at") ", 'checked_out_at', " T("r.checked_out_at") ", 'cancelled_at', "
      T("r.cancelled_at") ", 'created_at', " T("r.created_at") ")), '[]') "
      "FROM (SELECT * FROM reservations WHERE person_id = ?1 ORDER BY start, id) r JOIN resources s ON s.id = r.resource_id" },
    { "waitlist",
      "SELECT COALESCE(json_group_array(json_object('id', w.id, 'resource', s.name, 'start', " T("w.start") ", 'end', "
      T("w.end") ", 'title', w.title, 'status', w.status, 'created_at', " T("w.created_at") ")), '[]') "
      "FROM (SELECT * FROM waitlist WHERE person_id = ?1 ORDER BY id) w JOIN resources s ON s.id = w.resource_id" },
    { "emails",
      "SELECT COALESCE(json_group_array(json_object('kind', o.kind, 'to', o.recipient, 'subject', o.subject, "
      "'created_at', " T("o.created_at") ", 'sent_at', " T("o.sent_at") ")), '[]') "
      "FROM (SELECT * FROM outbox WHERE recipient = (SELECT email FROM people WHERE id = ?1) COLLATE NOCASE "
      "ORDER BY id) o" },
    { "sessions",
      "SELECT COALESCE(json_group_array(json_object('created_at', " T("s.created_at") ", 'expires_at', "
      T("s.expires_at") ", 'revoked_at', " T("s.revoked_at") ", 'client_ip', s.client_ip, 'last_seen_at', "
      T("s.last_seen_at") ", 'user_agent', s.user_agent, 'method', s.method)), '[]') "
      "FROM (SELECT * FROM sessions WHERE person_id = ?1 ORDER BY id) s" },
    { "passkeys",
      "SELECT COALESCE(json_group_array(json_object('name', k.name, 'created_at', " T("k.created_at") ", 'last_used_at', "
      T("k.last_used_at") ", 'revoked_at', " T("k.revoked_at") ", 'sign_count', k.sign_count, 'backed_up', k.backed_up)), '[]') "
      "FROM (SELECT * FROM passkeys WHERE person_id = ?1 ORDER BY id) k" },
    { "known_devices",
      "SELECT COALESCE(json_group_array(json_object('created_at', " T("d.created_at") ", 'expires_at', "
      T("d.expires_at") ", 'confirmed_by', d.confirmed_by, 'revoked_at', " T("d.revoked_at") ")), '[]') "
      "FROM (SELECT * FROM known_devices WHERE person_id = ?1 ORDER BY id) d" },
    { "sign_in_links",
      "SELECT COALESCE(json_group_array(json_object('provider', p.name, 'issuer', p.issuer, 'subject', l.sub, "
      "'linked_at', " T("l.created_at") ", 'last_used_at', " T("l.last_used_at") ")), '[]') "
      "FROM (SELECT * FROM oidc_links WHERE person_id = ?1 ORDER BY id) l JOIN oidc_providers p ON p.id = l.provider_id" },
    { "calendar_feeds",
      "SELECT COALESCE(json_group_array(json_object('resource_id', f.resource_id, 'created_at', " T("f.created_at")
      ", 'revoked_at', " T("f.revoked_at") ")), '[]') FROM (SELECT * FROM calendar_feeds WHERE person_id = ?1 "
      "ORDER BY id) f" },
    { "audit",
      "SELECT COALESCE(json_group_array(json_object('id', a.id, 'at', " T("a.at") ", 'actor', a.actor, 'action', "
      "a.action, 'object_type', a.object_type, 'object_id', a.object_id, 'before', json(a.before_json), 'after', "
      "json(a.after_json))), '[]') FROM (SELECT * FROM audit_log WHERE actor_id = ?1 "
      "OR (object_type = 'person' AND object_id = ?1) ORDER BY id) a" },
};
const size_t bk_export_sections_len = sizeof bk_export_sections / sizeof bk_export_sections[0];

/* One section's JSON text appended as ,"name":TEXT. */
static int run_one(db_t *db, const exp_section *s, int64_t person_id, struct sbuf *out)
{
    sqlite3_stmt *st = db_stmt(db, s->sql);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return LP_ERR_DB;   /* every section yields one row */
    if (rc) return rc;
    sb_printf(out, ",\"%s\":", s->name);
    const char *text = (const char *)sqlite3_column_text(st, 0);
    sb_puts(out, text ? text : "null");
    sqlite3_reset(st);
    return 0;
}

int exp_run(db_t *db, const exp_section *s, size_t n, int64_t person_id, struct sbuf *out)
{
    for (size_t i = 0; i < n; i++) {
        int rc = run_one(db, &s[i], person_id, out);
        if (rc) return rc;
    }
    return 0;
}

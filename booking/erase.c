/* erase.c: a person's erasure from booking/'s tables (see erase.h). */
#include "booking/erase.h"
#include "booking/account.h"
#include <stdio.h>

void bk_pseudonym(int64_t id, char *name, size_t name_len, char *email, size_t email_len)
{
    snprintf(name, name_len, "Erased person %lld", (long long)id);
    snprintf(email, email_len, "erased-%lld" BK_ERASED_DOMAIN, (long long)id);
}

/* ?1 person id, ?2 pseudonym name, ?3 pseudonym e-mail, ?4 now, ?5 the old address. */
static const char *const ERASE_SQL[] = {
    "UPDATE people SET name = ?2, email = ?3, password_hash = NULL, status = 'disabled', updated_at = ?4 WHERE id = ?1",
    "DELETE FROM memberships WHERE person_id = ?1",
    "UPDATE reservations SET title = '', reason = '' WHERE person_id = ?1 AND (title <> '' OR reason <> '')",
    "UPDATE waitlist SET title = '' WHERE person_id = ?1 AND title <> ''",
    "UPDATE training_requests SET note = '', closed_at = COALESCE(closed_at, ?4), "
    "outcome = COALESCE(outcome, 'withdrawn') WHERE person_id = ?1",
    /* a server's refusal may quote the address; a message not yet sent is never sent */
    "UPDATE outbox SET recipient = ?3, subject = '', body = '', last_error = '', "
    "status = CASE status WHEN 'pending' THEN 'failed' ELSE status END WHERE recipient = ?5 COLLATE NOCASE",
    /* staff were told of his training requests by name and address */
    "UPDATE outbox SET body = '' WHERE kind = 'training_requested' AND instr(lower(body), lower(?5)) > 0",
    /* and of the problems he reported (the incidents stay: the equipment's record) */
    "UPDATE outbox SET body = '' WHERE kind = 'incident_reported' AND instr(lower(body), lower(?5)) > 0",
    "UPDATE sessions SET client_ip = '', user_agent = '', revoked_at = COALESCE(revoked_at, ?4) WHERE person_id = ?1",
    "DELETE FROM webauthn_challenges WHERE person_id = ?1",
    "DELETE FROM passkeys WHERE person_id = ?1",
    "DELETE FROM webauthn_users WHERE person_id = ?1",
    "UPDATE known_devices SET revoked_at = COALESCE(revoked_at, ?4) WHERE person_id = ?1",
    "DELETE FROM setup_tokens WHERE person_id = ?1",
    "UPDATE tenant_invitations SET revoked_at = COALESCE(revoked_at, ?4) WHERE person_id = ?1",
    "DELETE FROM idempotency WHERE person_id = ?1",
    "DELETE FROM login_throttle WHERE instr(lower(key), lower(?5)) > 0",
    /* the single sign-on subjects that pointed at him, and logins he was linking */
    "DELETE FROM oidc_links WHERE person_id = ?1",
    "DELETE FROM oidc_pending WHERE link_person_id = ?1",
    /* webhook events of his bookings keep their ids and times, not their text */
    "UPDATE webhook_deliveries SET payload = json_set(payload, '$.data.title', '', '$.data.reason', '') "
    "WHERE json_extract(payload, '$.data.person_id') = ?1 AND json_extract(payload, '$.data.title') IS NOT NULL",
};

int bk_erase_person(db_t *db, const actor_t *who, int64_t id, const char *old_email, int64_t now)
{
    char name[64], email[80];
    bk_pseudonym(id, name, sizeof name, email, sizeof email);
    int rc = acct_revoke_person_keys(db, who, id);
    if (rc == 0) rc = acct_revoke_person_feeds(db, who, id);
    for (size_t i = 0; rc == 0 && i < sizeof ERASE_SQL / sizeof ERASE_SQL[0]; i++) {
        sqlite3_stmt *st = db_stmt(db, ERASE_SQL[i]);
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, id);
        db_bind_text(st, 2, name);
        db_bind_text(st, 3, email);
        db_bind_int(st, 4, now);
        db_bind_text(st, 5, old_email);
        rc = db_exec_stmt(st);
    }
    return rc;
}

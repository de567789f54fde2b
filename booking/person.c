/* person.c: people and memberships (see person.h). Reads keep "no such
 * person" apart from a failing database; every write runs in a transaction. */
#include "booking/person.h"
#include "booking/spell.h"
#include "booking/account.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *SNAP_PERSON =
    "SELECT json_object('id', p.id, 'email', p.email, 'name', p.name, 'status', p.status, "
    "'is_staff', p.is_staff, 'tenant_id', m.tenant_id, 'role', m.role, 'language', p.language) "
    "FROM people p LEFT JOIN memberships m ON m.person_id = p.id WHERE p.id = ?1";

#define PERSON_COLS "p.id, p.email, p.name, p.status, p.is_staff, p.password_hash IS NOT NULL, " \
                    "COALESCE(m.tenant_id, 0), COALESCE(m.role, ''), p.created_at, p.updated_at, p.language"

/* The one table of person state spellings (stored and JSON alike). */
static const char *const PSN_STATE_NAMES[PSN_STATE_COUNT] = {
    [PSN_ACTIVE] = "active", [PSN_DISABLED] = "disabled",
};

const char *psn_state_name(enum psn_state s)
{
    return (unsigned)s < PSN_STATE_COUNT ? PSN_STATE_NAMES[s] : "";
}

int psn_state_parse(const char *text, enum psn_state *out)
{
    int i = spell_find(PSN_STATE_NAMES, PSN_STATE_COUNT, text);
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum psn_state)i;
    return 0;
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

int psn_validate(const psn_person *p, lp_fail *f)
{
    if (!lp_email_ok(p->email)) return lp_failf(f, LP_ERR_INVALID, "email", "email is not an e-mail address");
    if (!lp_text_ok(p->name, 200)) return lp_failf(f, LP_ERR_INVALID, "name", "name must be 1 to 200 characters of text");
    if ((unsigned)p->state >= PSN_STATE_COUNT)
        return lp_failf(f, LP_ERR_INVALID, "status", "status must be active or disabled");
    if ((unsigned)p->language >= MT_LANG_COUNT)
        return lp_failf(f, LP_ERR_INVALID, "language", "language must be en or nl");
    return 0;
}

static int row_to_person(sqlite3_stmt *st, psn_person *p)
{
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    snprintf(p->email, sizeof p->email, "%s", db_col_text(st, 1));
    snprintf(p->name, sizeof p->name, "%s", db_col_text(st, 2));
    p->is_staff = sqlite3_column_int(st, 4);
    p->has_password = sqlite3_column_int(st, 5);
    p->tenant_id = sqlite3_column_int64(st, 6);
    snprintf(p->role, sizeof p->role, "%s", db_col_text(st, 7));
    p->created_at = sqlite3_column_int64(st, 8);
    p->updated_at = sqlite3_column_int64(st, 9);
    /* the CHECK constraints allow no other spellings */
    if (mt_lang_parse(db_col_text(st, 10), &p->language) != 0) return LP_ERR_DB;
    return psn_state_parse(db_col_text(st, 3), &p->state) ? LP_ERR_DB : 0;
}

struct create_args { const actor_t *who; psn_person *p; const char *hash; lp_fail *f; };

static int do_create(db_t *db, void *arg)
{
    struct create_args *a = arg;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO people(email, name, status, is_staff, password_hash, created_at, updated_at, language) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, a->p->email);
    db_bind_text(st, 2, a->p->name);
    db_bind_text(st, 3, psn_state_name(a->p->state));
    db_bind_int(st, 4, a->p->is_staff ? 1 : 0);
    db_bind_text(st, 5, a->hash);
    db_bind_int(st, 6, clk_now());
    db_bind_text(st, 7, mt_lang_name(a->p->language));
    int rc = db_exec_stmt(st);
    if (rc == LP_ERR_CONFLICT)
        return lp_failf(a->f, rc, "email", "a person with this e-mail address exists already");
    if (rc) return rc;
    a->p->id = db_last_id(db);
    return audit_change(db, a->who, "create", "person", a->p->id, SNAP_PERSON, NULL);
}

int psn_create(db_t *db, const actor_t *who, psn_person *p, const char *password, lp_fail *f)
{
    char hash[crypto_pwhash_STRBYTES];
    lower_ascii(p->email);
    int rc = psn_validate(p, f);
    if (rc) return rc;
    if (password) {
        if (acct_password_ok(password) != 0)
            return lp_failf(f, LP_ERR_INVALID, "password", "password must be %d to %d characters",
                            ACCT_PASSWORD_MIN, ACCT_PASSWORD_MAX);
        if ((rc = acct_hash_password(password, hash, sizeof hash)) != 0) return rc;
    }
    struct create_args a = { who, p, password ? hash : NULL, f };
    rc = db_in_tx(db, do_create, &a);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

static int get_where(sqlite3_stmt *st, psn_person *out)
{
    int rc = db_get(st);
    if (rc == 0) {
        rc = row_to_person(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int psn_get(db_t *db, int64_t id, psn_person *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PERSON_COLS " FROM people p "
                                   "LEFT JOIN memberships m ON m.person_id = p.id WHERE p.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    return get_where(st, out);
}

int psn_get_by_email(db_t *db, const char *email, psn_person *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PERSON_COLS " FROM people p "
                                   "LEFT JOIN memberships m ON m.person_id = p.id WHERE p.email = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, email);
    return get_where(st, out);
}

static int person_row(sqlite3_stmt *st, void *p) { return row_to_person(st, p); }

int psn_list(db_t *db, int64_t tenant_id, psn_person **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PERSON_COLS " FROM people p "
                                   "LEFT JOIN memberships m ON m.person_id = p.id "
                                   "WHERE ?1 = 0 OR m.tenant_id = ?1 ORDER BY p.name, p.id");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    return db_collect(st, sizeof **out, person_row, (void **)out, n);
}

struct update_args { const actor_t *who; const psn_person *p; lp_fail *f; };

static int do_update(db_t *db, void *arg)
{
    struct update_args *a = arg;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_PERSON, a->p->id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "UPDATE people SET email = ?2, name = ?3, status = ?4, is_staff = ?5, updated_at = ?6, language = ?7 "
        "WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->p->id);
        db_bind_text(st, 2, a->p->email);
        db_bind_text(st, 3, a->p->name);
        db_bind_text(st, 4, psn_state_name(a->p->state));
        db_bind_int(st, 5, a->p->is_staff ? 1 : 0);
        db_bind_int(st, 6, clk_now());
        db_bind_text(st, 7, mt_lang_name(a->p->language));
        rc = db_exec_stmt(st);
        if (rc == LP_ERR_CONFLICT)
            rc = lp_failf(a->f, rc, "email", "a person with this e-mail address exists already");
    }
    if (rc == 0 && a->p->state == PSN_DISABLED) rc = acct_revoke_person_sessions(db, a->p->id);
    if (rc == 0) rc = audit_change(db, a->who, "update", "person", a->p->id, SNAP_PERSON, before);
    free(before);
    return rc;
}

int psn_update(db_t *db, const actor_t *who, const psn_person *p, lp_fail *f)
{
    psn_person copy = *p;
    lower_ascii(copy.email);
    int rc = psn_validate(&copy, f);
    if (rc) return rc;
    struct update_args a = { who, &copy, f };
    return db_in_tx(db, do_update, &a);
}

struct member_args { const actor_t *who; int64_t person, tenant; const char *role; lp_fail *f; };

static int do_set_membership(db_t *db, void *arg)
{
    struct member_args *a = arg;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_PERSON, a->person, &before);
    if (rc == 0 && !before) rc = lp_failf(a->f, LP_ERR_NOTFOUND, "person_id", "no such person");
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "INSERT INTO memberships(person_id, tenant_id, role, created_at) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT(person_id) DO UPDATE SET tenant_id = excluded.tenant_id, role = excluded.role");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->person);
        db_bind_int(st, 2, a->tenant);
        db_bind_text(st, 3, a->role);
        db_bind_int(st, 4, clk_now());
        rc = db_exec_stmt(st);
        if (rc == LP_ERR_CONFLICT) rc = lp_failf(a->f, LP_ERR_NOTFOUND, "tenant_id", "no such tenant");
    }
    if (rc == 0) rc = audit_change(db, a->who, "set_membership", "person", a->person, SNAP_PERSON, before);
    free(before);
    return rc;
}

int psn_set_membership(db_t *db, const actor_t *who, int64_t person_id, int64_t tenant_id,
                       const char *role, lp_fail *f)
{
    if (strcmp(role, "tenant_admin") && strcmp(role, "member"))
        return lp_failf(f, LP_ERR_INVALID, "role", "role must be tenant_admin or member");
    struct member_args a = { who, person_id, tenant_id, role, f };
    return db_in_tx(db, do_set_membership, &a);
}

static int do_remove_membership(db_t *db, void *arg)
{
    struct member_args *a = arg;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_PERSON, a->person, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "DELETE FROM memberships WHERE person_id = ?1 AND tenant_id = ?2");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->person);
        db_bind_int(st, 2, a->tenant);
        rc = db_exec_stmt(st);
        if (rc == 0 && db_changes(db) == 0) rc = LP_ERR_NOTFOUND;
    }
    if (rc == 0) rc = acct_revoke_person_sessions(db, a->person);
    if (rc == 0) rc = audit_change(db, a->who, "remove_membership", "person", a->person, SNAP_PERSON, before);
    free(before);
    return rc;
}

int psn_remove_membership(db_t *db, const actor_t *who, int64_t person_id, int64_t tenant_id)
{
    struct member_args a = { who, person_id, tenant_id, NULL, NULL };
    return db_in_tx(db, do_remove_membership, &a);
}

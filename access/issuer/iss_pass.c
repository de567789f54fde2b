/* iss_pass.c: holder credentials and pass issuance.
 *
 * Guarantees: a pass is issued only for a confirmed or checked-in
 * reservation of an active person who is still a member of its tenant,
 * while that tenant is active, for the door group of
 * the booked resource, from start minus the early check-in margin to end plus
 * the grace, and only when qual_check holds for that whole validity; one pass
 * per (reservation, active credential) is kept, stored with its bytes, and
 * handed out again while live (same cti); a pass whose reservation moved is
 * revoked and replaced. Staff get one standing pass per credential for every
 * door group ("*", which no other pass carries), renewed once half of its
 * lifetime is gone. Passes never
 * exceed TOK_PASS_BUDGET: the tenant id, then the reservation id, are dropped
 * from the claims when needed (the server still knows both by cti). */
#include "access/issuer/iss_internal.h"
#include "booking/person.h"
#include "booking/qual.h"
#include "booking/resource.h"
#include "booking/tenant.h"
#include "core/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- credentials ---- */

static int cred_row(sqlite3_stmt *st, iss_credential *c);
static int cred_row_any(sqlite3_stmt *st, void *c) { return cred_row(st, c); }

static int cred_row(sqlite3_stmt *st, iss_credential *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    c->person_id = sqlite3_column_int64(st, 1);
    snprintf(c->kind, sizeof c->kind, "%s", db_col_text(st, 2));
    snprintf(c->label, sizeof c->label, "%s", db_col_text(st, 3));
    if (sqlite3_column_bytes(st, 4) != TOK_PK_LEN)
        return LP_ERR_DB;
    memcpy(c->pk, sqlite3_column_blob(st, 4), TOK_PK_LEN);
    c->created_at = sqlite3_column_int64(st, 5);
    c->revoked_at = sqlite3_column_int64(st, 6);
    if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
        if (sqlite3_column_bytes(st, 7) != TOK_CARD_ID_LEN)
            return LP_ERR_DB;
        c->has_card = 1;
        memcpy(c->card_id, sqlite3_column_blob(st, 7), TOK_CARD_ID_LEN);
    }
    return 0;
}

int iss_cred_row(sqlite3_stmt *st, iss_credential *c) { return cred_row(st, c); }

int iss_cred_get(db_t *db, int64_t id, iss_credential *out)
{
    sqlite3_stmt *st = db_stmt(db, CRED_COLS "WHERE id = ?1");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) {
        rc = cred_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int iss_cred_list(db_t *db, int64_t person_id, int all, iss_credential **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, CRED_COLS "WHERE person_id = ?1 AND (?2 OR revoked_at IS NULL) ORDER BY id");
    *out = NULL;
    *n = 0;
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, all != 0);
    return db_collect(st, sizeof **out, cred_row_any, (void **)out, n);
}

static int cred_check(db_t *db, int64_t person_id, const char *kind, const char *label, const uint8_t *pk,
                      lp_fail *f)
{
    iss_credential *list = NULL;
    size_t n = 0;
    if (strcmp(kind, "phone") && strcmp(kind, "card"))
        return lp_failf(f, LP_ERR_INVALID, "kind", "kind is phone or card");
    if (!lp_text_ok(label, ISS_CRED_LABEL_MAX))
        return lp_failf(f, LP_ERR_INVALID, "label", "the label is 1 to 80 characters");
    if (crypto_core_ed25519_is_valid_point(pk) != 1)
        return lp_failf(f, LP_ERR_INVALID, "public_key", "the public key is not a usable Ed25519 key");
    int rc = iss_cred_list(db, person_id, 0, &list, &n);
    free(list);
    if (rc == 0 && n >= ISS_CREDS_PER_PERSON)
        rc = lp_failf(f, LP_ERR_RULE, "credentials", "at most %d active credentials per person", ISS_CREDS_PER_PERSON);
    return rc;
}

int iss_cred_add(db_t *db, const actor_t *who, int64_t person_id, const char *kind, const char *label,
                 const uint8_t pk[TOK_PK_LEN], int64_t now, iss_credential *out, lp_fail *f)
{
    int own, rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = cred_check(db, person_id, kind, label, pk, f);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "INSERT INTO credentials(person_id, kind, label, public_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, person_id);
        db_bind_text(st, 2, kind);
        db_bind_text(st, 3, label);
        db_bind_blob(st, 4, pk, TOK_PK_LEN);
        db_bind_int(st, 5, now);
        rc = db_exec_stmt(st);
        if (rc == LP_ERR_CONFLICT)
            lp_failf(f, rc, "public_key", "this public key is registered already");
    }
    int64_t id = rc == 0 ? db_last_id(db) : 0;
    if (rc == 0)
        rc = audit_change(db, who, "create", "credential", id, SNAP_CRED, NULL);
    if (rc == 0)
        rc = iss_cred_get(db, id, out);
    return iss_tx_end(db, own, rc);
}

int iss_cred_revoke(db_t *db, const actor_t *who, int64_t id, int64_t now, int *revoked)
{
    char *before = NULL;
    int own, rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = audit_snapshot(db, SNAP_CRED, id, &before);
    if (rc == 0 && !before)
        rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE credentials SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, id);
        db_bind_int(st, 2, now);
        rc = db_exec_stmt(st);
        if (rc == 0 && db_changes(db) == 0)
            rc = LP_ERR_STATE;
    }
    if (rc == 0)
        rc = audit_change(db, who, "revoke", "credential", id, SNAP_CRED, before);
    if (rc == 0)
        rc = iss_revoke(db, who, ISS_CREDENTIAL, id, "credential_revoked", now, revoked);
    free(before);
    return iss_tx_end(db, own, rc);
}

/* ---- stored passes ---- */

#define PASS_COLS "SELECT p.id, p.cti, p.kind, p.person_id, COALESCE(p.tenant_id, 0), COALESCE(p.reservation_id, 0), " \
                  "COALESCE(p.credential_id, 0), k.kid, p.groups, p.nbf, p.exp, p.iat, COALESCE(p.revoked_at, 0), " \
                  "p.revoke_reason, p.bytes FROM passes p JOIN signing_keys k ON k.id = p.key_id "

static int pass_row(sqlite3_stmt *st, iss_pass *p)
{
    memset(p, 0, sizeof *p);
    size_t len = (size_t)sqlite3_column_bytes(st, 14);
    if (sqlite3_column_bytes(st, 1) != TOK_CTI_LEN || sqlite3_column_bytes(st, 7) != TOK_KID_LEN ||
        len == 0 || len > sizeof p->bytes)
        return LP_ERR_DB;
    p->id = sqlite3_column_int64(st, 0);
    memcpy(p->cti, sqlite3_column_blob(st, 1), TOK_CTI_LEN);
    snprintf(p->kind, sizeof p->kind, "%s", db_col_text(st, 2));
    p->person_id = sqlite3_column_int64(st, 3);
    p->tenant_id = sqlite3_column_int64(st, 4);
    p->reservation_id = sqlite3_column_int64(st, 5);
    p->credential_id = sqlite3_column_int64(st, 6);
    memcpy(p->kid, sqlite3_column_blob(st, 7), TOK_KID_LEN);
    snprintf(p->groups, sizeof p->groups, "%s", db_col_text(st, 8));
    p->nbf = sqlite3_column_int64(st, 9);
    p->exp = sqlite3_column_int64(st, 10);
    p->iat = sqlite3_column_int64(st, 11);
    p->revoked_at = sqlite3_column_int64(st, 12);
    snprintf(p->revoke_reason, sizeof p->revoke_reason, "%s", db_col_text(st, 13));
    memcpy(p->bytes, sqlite3_column_blob(st, 14), len);
    p->len = len;
    return 0;
}

/* Steps a bound statement of PASS_COLS rows into a new array. */
static int pass_row_any(sqlite3_stmt *st, void *p) { return pass_row(st, p); }

static int collect(sqlite3_stmt *st, iss_pass **out, size_t *n)
{
    return db_collect(st, sizeof **out, pass_row_any, (void **)out, n);
}

int iss_pass_get(db_t *db, int64_t id, iss_pass *out)
{
    sqlite3_stmt *st = db_stmt(db, PASS_COLS "WHERE p.id = ?1");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) {
        rc = pass_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int iss_pass_list(db_t *db, int64_t person_id, int64_t reservation_id, int live_only, int64_t now,
                  int64_t before_id, size_t limit, iss_pass **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, PASS_COLS "WHERE (?1 = 0 OR p.person_id = ?1) AND (?2 = 0 OR p.reservation_id = ?2) "
                                   "AND (?3 = 0 OR (p.revoked_at IS NULL AND p.exp > ?4)) AND (?6 = 0 OR p.id < ?6) "
                                   "ORDER BY p.id DESC LIMIT ?5");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, reservation_id);
    db_bind_int(st, 3, live_only != 0);
    db_bind_int(st, 4, now);
    db_bind_int(st, 5, (int64_t)limit);
    db_bind_int(st, 6, before_id);
    return collect(st, out, n);
}

/* The id of a live pass of kind for (reservation, credential) valid past
 * `until`, 0 when none (a failing read is an error, not "none").
 * credential_id 0 matches bearer passes. */
static int live_pass(db_t *db, const char *kind, int64_t reservation_id, int64_t credential_id, int64_t until,
                     int64_t *id)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM passes WHERE kind = ?1 AND reservation_id IS NULLIF(?2, 0) "
                                   "AND credential_id IS NULLIF(?3, 0) AND revoked_at IS NULL AND exp > ?4 "
                                   "ORDER BY exp DESC LIMIT 1");
    if (!st)
        return LP_ERR_DB;
    db_bind_text(st, 1, kind);
    db_bind_int(st, 2, reservation_id);
    db_bind_int(st, 3, credential_id);
    db_bind_int(st, 4, until);
    *id = 0;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND)
        return 0;
    if (rc == 0) {
        *id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

/* ---- issuing ---- */

/* What a new pass is for. */
struct want {
    const char *kind;
    int64_t person_id, tenant_id, reservation_id, credential_id;
    const uint8_t *cnf;              /* NULL: bearer, or bound to a card */
    const uint8_t *card;             /* a DESFire card id (cnf {3: id}), or NULL */
    const char *group;               /* one door group, or "*" */
    int64_t nbf, exp;
};

static int claims_for(const iss_settings *s, const struct want *w, int64_t now, struct tok_claims *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->iss, sizeof c->iss, "%s", s->issuer);
    snprintf(c->sub, sizeof c->sub, "%lld", (long long)w->person_id);
    c->nbf = w->nbf < 0 ? 0 : w->nbf;
    c->exp = w->exp;
    c->iat = now < c->exp ? now : c->exp;
    randombytes_buf(c->cti, sizeof c->cti);
    if (w->card) {
        c->has_card = 1;
        memcpy(c->card_id, w->card, TOK_CARD_ID_LEN);
    } else if (w->cnf) {
        c->has_cnf = 1;
        memcpy(c->cnf_pk, w->cnf, TOK_PK_LEN);
    }
    /* "*" opens every door: only standing staff passes carry it */
    if (strlen(w->group) > TOK_GROUP_MAX || (!strcmp(w->group, "*") && strcmp(w->kind, "standing")))
        return LP_ERR_INVALID;
    c->n_groups = 1;
    snprintf(c->groups[0], sizeof c->groups[0], "%s", w->group);
    c->has_reservation = w->reservation_id > 0;
    c->reservation = w->reservation_id;
    c->has_tenant = w->tenant_id > 0;
    c->tenant = w->tenant_id;
    return tok_claims_check(c);
}

/* Signs c; over the budget, drops the tenant id and then the reservation id. */
static int sign_claims(struct tok_claims *c, const struct iss_signer *k, uint8_t *out, size_t *len)
{
    int rc = tok_encode(c, k->sk, k->kid, TOK_KID_LEN, out, TOK_PASS_BUDGET, len);
    if (rc == LP_ERR_TOOBIG && c->has_tenant) {
        c->has_tenant = 0;
        rc = tok_encode(c, k->sk, k->kid, TOK_KID_LEN, out, TOK_PASS_BUDGET, len);
    }
    if (rc == LP_ERR_TOOBIG && c->has_reservation) {
        c->has_reservation = 0;
        rc = tok_encode(c, k->sk, k->kid, TOK_KID_LEN, out, TOK_PASS_BUDGET, len);
    }
    return rc;
}

static int store(db_t *db, const struct want *w, const struct tok_claims *c, int64_t key_id,
                 const uint8_t *bytes, size_t len)
{
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO passes(cti, kind, person_id, tenant_id, reservation_id, credential_id, key_id, groups, nbf, exp, "
        "iat, bytes) VALUES (?1, ?2, ?3, NULLIF(?4, 0), NULLIF(?5, 0), NULLIF(?6, 0), ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!st)
        return LP_ERR_DB;
    db_bind_blob(st, 1, c->cti, TOK_CTI_LEN);
    db_bind_text(st, 2, w->kind);
    db_bind_int(st, 3, w->person_id);
    db_bind_int(st, 4, w->tenant_id);
    db_bind_int(st, 5, w->reservation_id);
    db_bind_int(st, 6, w->credential_id);
    db_bind_int(st, 7, key_id);
    db_bind_text(st, 8, w->group);
    db_bind_int(st, 9, c->nbf);
    db_bind_int(st, 10, c->exp);
    db_bind_int(st, 11, c->iat);
    db_bind_blob(st, 12, bytes, (int)len);
    return db_exec_stmt(st);
}

/* Issues and stores one pass. LP_ERR_INVALID when the claims cannot be
 * written into a pass (a door group over 16 bytes or not visible ASCII, "*"
 * outside a standing pass, or over the byte budget even without the optional
 * ids). */
static int issue(db_t *db, const iss_settings *s, const struct want *w, int64_t now)
{
    struct tok_claims c;
    struct iss_signer k;
    uint8_t bytes[TOK_PASS_BUDGET];
    size_t len = 0;
    int rc = claims_for(s, w, now, &c);
    if (rc)
        return rc;
    rc = iss_signer_active(db, now, &k);
    if (rc == 0)
        rc = sign_claims(&c, &k, bytes, &len);
    if (rc == LP_ERR_TOOBIG)
        rc = LP_ERR_INVALID;
    if (rc == 0)
        rc = store(db, w, &c, k.key_id, bytes, len);
    iss_signer_wipe(&k);
    return rc;
}

int iss_rsv_gets_passes(enum rsv_state s)
{
    switch (s) {
    case RSV_CONFIRMED:
    case RSV_CHECKED_IN: return 1;
    case RSV_REQUESTED:
    case RSV_COMPLETED:
    case RSV_CANCELLED:
    case RSV_REJECTED:
    case RSV_NO_SHOW: return 0;
    }
    return 0;
}

void iss_window(const iss_settings *s, const rsv_reservation *r, int64_t *nbf, int64_t *exp)
{
    *nbf = r->start - (int64_t)s->early_min * 60;
    *exp = r->end + (int64_t)s->grace_min * 60;
}

/* ---- who deserves a reservation's passes ---- */

struct ctx {
    db_t *db;
    iss_settings s;
    psn_person person;
    iss_credential *creds;
    size_t n_creds;
    int64_t now;
};

/* 0 and *ok = 1 when r's passes may exist now; otherwise its live passes are
 * revoked (with the reason) and *ok = 0. f explains a refusal. */
static int deserved(db_t *db, const rsv_reservation *r, const res_resource *res, int64_t nbf, int64_t exp,
                    int64_t now, int *ok, lp_fail *f)
{
    tnt_tenant t;
    psn_person p;
    const char *why = NULL;
    *ok = 0;
    int rc = psn_get(db, r->person_id, &p);
    if (rc == 0 && p.state != PSN_ACTIVE) {
        why = "person_disabled";
        lp_failf(f, LP_ERR_RULE, "person_id", "the person is disabled");
    } else if (rc == 0 && p.tenant_id != r->tenant_id) {
        why = "left_tenant";
        lp_failf(f, LP_ERR_RULE, "person_id", "the person is no longer a member of the tenant");
    }
    if (rc == 0 && !why)
        rc = tnt_get(db, r->tenant_id, &t);
    if (rc == 0 && !why && t.state != TNT_ACTIVE) {
        why = "tenant_not_active";
        lp_failf(f, LP_ERR_RULE, "tenant", "the tenant is %s", tnt_state_name(t.state));
    }
    if (rc == 0 && !why) {
        int q = qual_check(db, r->person_id, res->id, nbf, exp, f);
        if (q == LP_ERR_FORBIDDEN)
            why = "training_lapsed";
        else
            rc = q;
    }
    if (rc == 0 && why)
        return iss_revoke(db, &iss_system, ISS_RESERVATION, r->id, why, now, NULL);
    *ok = rc == 0;
    return rc;
}

static int reservation_passes(struct ctx *x, const rsv_reservation *r)
{
    res_resource res;
    int64_t nbf, exp, id;
    int ok = 0;
    iss_window(&x->s, r, &nbf, &exp);
    if (exp <= x->now || !iss_rsv_gets_passes(r->state))
        return 0;
    int rc = res_get(x->db, r->resource_id, &res);
    if (rc || !res.door_group[0])
        return rc;
    rc = deserved(x->db, r, &res, nbf, exp, x->now, &ok, NULL);
    if (rc == 0 && ok)
        rc = iss_revoke_changed(x->db, r, x->now);
    for (size_t i = 0; rc == 0 && ok && i < x->n_creds; i++) {
        rc = live_pass(x->db, "reservation", r->id, x->creds[i].id, x->now, &id);
        struct want w = { "reservation", r->person_id, r->tenant_id, r->id, x->creds[i].id, x->creds[i].pk,
                          x->creds[i].has_card ? x->creds[i].card_id : NULL, res.door_group, nbf, exp };
        if (rc == 0 && id == 0)
            rc = issue(x->db, &x->s, &w, x->now);
        if (rc == LP_ERR_INVALID) {
            log_warn("issuer", "resource %lld: its door group %s cannot be written into a pass", (long long)res.id,
                     res.door_group);
            return 0;
        }
    }
    return rc;
}

static int standing_passes(struct ctx *x)
{
    int64_t ttl = (int64_t)x->s.staff_pass_hours * 3600, id;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < x->n_creds; i++) {
        rc = live_pass(x->db, "standing", 0, x->creds[i].id, x->now + ttl / 2, &id);
        struct want w = { "standing", x->person.id, 0, 0, x->creds[i].id, x->creds[i].pk,
                          x->creds[i].has_card ? x->creds[i].card_id : NULL, "*", x->now, x->now + ttl };
        if (rc == 0 && id == 0)
            rc = issue(x->db, &x->s, &w, x->now);
        if (rc == LP_ERR_INVALID) {
            log_warn("issuer", "person %lld: a standing pass cannot be written", (long long)x->person.id);
            return 0;
        }
    }
    return rc;
}

static int due_passes(struct ctx *x)
{
    rsv_reservation *rs = NULL;
    size_t n = 0;
    int rc = iss_settings_get(x->db, &x->s);
    if (rc == 0)
        rc = iss_cred_list(x->db, x->person.id, 0, &x->creds, &x->n_creds);
    if (rc == 0 && x->person.is_staff)
        rc = standing_passes(x);
    rsv_filter q = { x->now - (int64_t)x->s.grace_min * 60,
                     x->now + (int64_t)x->s.horizon_days * 86400 + (int64_t)x->s.early_min * 60, 0, 0, x->person.id,
                     1, 1000 };
    if (rc == 0 && x->n_creds > 0)
        rc = rsv_list(x->db, &q, &rs, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = reservation_passes(x, &rs[i]);
    free(rs);
    free(x->creds);
    x->creds = NULL;
    return rc;
}

int iss_passes_for_person(db_t *db, int64_t person_id, int64_t now, iss_pass **out, size_t *n)
{
    struct ctx x = { .db = db, .now = now };
    int own;
    *out = NULL;
    *n = 0;
    int rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = psn_get(db, person_id, &x.person);
    if (rc == 0 && x.person.state != PSN_ACTIVE)
        rc = iss_revoke(db, &iss_system, ISS_PERSON, person_id, "person_disabled", now, NULL);
    else if (rc == 0)
        rc = due_passes(&x);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, PASS_COLS "WHERE p.person_id = ?1 AND p.revoked_at IS NULL "
                                                         "AND p.exp > ?2 ORDER BY p.nbf, p.id");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, person_id);
        db_bind_int(st, 2, now);
        rc = collect(st, out, n);
    }
    rc = iss_tx_end(db, own, rc);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- bearer passes ---- */

/* Whether a door of group takes bearer passes (a failing read is an error). */
static int bearer_door_exists(db_t *db, const char *group, int *yes)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM doors WHERE door_group = ?1 AND bearer_allowed = 1 "
                                   "AND holder_proof = 0 LIMIT 1");
    if (!st)
        return LP_ERR_DB;
    db_bind_text(st, 1, group);
    *yes = 0;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND)
        return 0;
    if (rc == 0) {
        *yes = 1;
        sqlite3_reset(st);
    }
    return rc;
}

static int bearer_allowed(db_t *db, const rsv_reservation *r, const res_resource *res, int64_t nbf, int64_t exp,
                          int64_t now, lp_fail *f)
{
    psn_person p;
    int yes = 0, ok = 0;
    if (!iss_rsv_gets_passes(r->state))
        return lp_failf(f, LP_ERR_STATE, "status", "a %s reservation has no passes", rsv_state_name(r->state));
    if (exp <= now)
        return lp_failf(f, LP_ERR_STATE, "end", "the reservation is over");
    if (!res->door_group[0])
        return lp_failf(f, LP_ERR_RULE, "door_group", "the resource has no door group");
    int rc = bearer_door_exists(db, res->door_group, &yes);
    if (rc == 0 && !yes)
        return lp_failf(f, LP_ERR_RULE, "door_group", "no door of group %s accepts bearer passes", res->door_group);
    if (rc == 0)
        rc = psn_get(db, r->person_id, &p);
    if (rc == 0 && p.state != PSN_ACTIVE)
        return lp_failf(f, LP_ERR_RULE, "person_id", "the person is disabled");
    if (rc == 0)
        rc = deserved(db, r, res, nbf, exp, now, &ok, f);
    if (rc == 0 && !ok)
        rc = f && f->code ? f->code : LP_ERR_RULE;
    return rc;
}

int iss_bearer_pass(db_t *db, int64_t reservation_id, int64_t now, iss_pass *out, lp_fail *f)
{
    rsv_reservation r;
    res_resource res;
    iss_settings s;
    int64_t nbf = 0, exp = 0, id = 0;
    int own, rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = rsv_get(db, reservation_id, &r);
    if (rc == 0)
        rc = res_get(db, r.resource_id, &res);
    if (rc == 0)
        rc = iss_settings_get(db, &s);
    if (rc == 0) {
        iss_window(&s, &r, &nbf, &exp);
        rc = bearer_allowed(db, &r, &res, nbf, exp, now, f);
    }
    if (rc == 0)
        rc = iss_revoke_changed(db, &r, now);
    if (rc == 0)
        rc = live_pass(db, "bearer", r.id, 0, now, &id);
    struct want w = { "bearer", r.person_id, r.tenant_id, r.id, 0, NULL, NULL, res.door_group, nbf, exp };
    if (rc == 0 && id == 0) {
        rc = issue(db, &s, &w, now);
        id = rc == 0 ? db_last_id(db) : 0;
        if (rc == LP_ERR_INVALID)
            lp_failf(f, LP_ERR_RULE, "door_group", "the door group cannot be written into a pass");
        if (rc == LP_ERR_INVALID)
            rc = LP_ERR_RULE;
    }
    if (rc == 0)
        rc = iss_pass_get(db, id, out);
    return iss_tx_end(db, own, rc);
}

/* iss_card.c: DESFire cards as credentials (docs/access-protocol.md 18.3):
 * enrolment by card id (the UID is hashed with the application id and not
 * kept), finding a card, and the pass a desk or an online door writes onto
 * it. Passes for a card are issued by iss_pass.c like any credential's, bound
 * to the card id; revoking the card (iss_cred_revoke) denylists them. */
#include "access/issuer/iss_internal.h"
#include "access/card/card.h"
#include "booking/audit.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The required (and unique) public_key column of a card row: a hash of the
 * card id and random bytes, which is no Ed25519 key anyone holds a secret
 * for; random so that a card revoked and found again can be enrolled anew. */
static void placeholder_key(const uint8_t card[TOK_CARD_ID_LEN], uint8_t out[TOK_PK_LEN])
{
    static const char tag[] = "labpass-desfire-card-not-a-key";
    uint8_t salt[16];
    randombytes_buf(salt, sizeof salt);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, TOK_PK_LEN);
    crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag - 1);
    crypto_generichash_update(&h, card, TOK_CARD_ID_LEN);
    crypto_generichash_update(&h, salt, sizeof salt);
    crypto_generichash_final(&h, out, TOK_PK_LEN);
}

static int enrol_check(db_t *db, int64_t person_id, const uint8_t uid[ISS_CARD_UID_LEN], const char *label, lp_fail *f)
{
    if (uid[0] != 0x04)
        return lp_failf(f, LP_ERR_INVALID, "uid", "a DESFire UID is 7 bytes starting 04 (random UIDs are not supported)");
    if (!lp_text_ok(label, ISS_CRED_LABEL_MAX))
        return lp_failf(f, LP_ERR_INVALID, "label", "the label is 1 to 80 characters");
    iss_credential *list = NULL;
    size_t n = 0;
    int rc = iss_cred_list(db, person_id, 0, &list, &n);
    free(list);
    if (rc == 0 && n >= ISS_CREDS_PER_PERSON)
        rc = lp_failf(f, LP_ERR_RULE, "credentials", "at most %d active credentials per person", ISS_CREDS_PER_PERSON);
    return rc;
}

int iss_card_enrol(db_t *db, const actor_t *who, int64_t person_id, const uint8_t uid[ISS_CARD_UID_LEN],
                   const char *label, int64_t now, iss_credential *out, lp_fail *f)
{
    uint8_t card[TOK_CARD_ID_LEN], pk[TOK_PK_LEN];
    card_id(uid, card);
    placeholder_key(card, pk);
    int own, rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = enrol_check(db, person_id, uid, label, f);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "INSERT INTO credentials(person_id, kind, label, public_key, created_at, card_id) "
        "SELECT ?1, 'card', ?2, ?3, ?4, ?5 FROM people WHERE id = ?1");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, person_id);
        db_bind_text(st, 2, label);
        db_bind_blob(st, 3, pk, TOK_PK_LEN);
        db_bind_int(st, 4, now);
        db_bind_blob(st, 5, card, TOK_CARD_ID_LEN);
        rc = db_exec_stmt(st);
        if (rc == LP_ERR_CONFLICT)
            lp_failf(f, rc, "uid", "this card is enrolled already; revoke it first to enrol it again");
        else if (rc == 0 && db_changes(db) == 0)
            rc = LP_ERR_NOTFOUND;
    }
    int64_t id = rc == 0 ? db_last_id(db) : 0;
    if (rc == 0)
        rc = audit_change(db, who, "enrol", "credential", id, SNAP_CRED, NULL);
    if (rc == 0)
        rc = iss_cred_get(db, id, out);
    return iss_tx_end(db, own, rc);
}

int iss_card_find(db_t *db, const uint8_t card[TOK_CARD_ID_LEN], iss_credential *out)
{
    sqlite3_stmt *st = db_stmt(db, CRED_COLS "WHERE card_id = ?1 AND revoked_at IS NULL");
    if (!st)
        return LP_ERR_DB;
    db_bind_blob(st, 1, card, TOK_CARD_ID_LEN);
    int rc = db_get(st);
    if (rc == 0)
        rc = iss_cred_row(st, out);
    sqlite3_reset(st);
    return rc;
}

/* Of the card's passes: valid now and lasting longest, else the next to start. */
static const iss_pass *pick(const iss_pass *p, size_t n, int64_t cred, int64_t now)
{
    const iss_pass *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i].credential_id != cred || p[i].revoked_at || p[i].exp <= now)
            continue;
        int cur = p[i].nbf <= now, best_cur = best && best->nbf <= now;
        if (!best || (cur && !best_cur) || (cur && best_cur && p[i].exp > best->exp) ||
            (!cur && !best_cur && p[i].nbf < best->nbf))
            best = &p[i];
    }
    return best;
}

int iss_card_pass(db_t *db, const uint8_t card[TOK_CARD_ID_LEN], int64_t now, iss_pass *out)
{
    iss_credential cr;
    iss_pass *all = NULL;
    size_t n = 0;
    int rc = iss_card_find(db, card, &cr);
    if (rc == 0)
        rc = iss_passes_for_person(db, cr.person_id, now, &all, &n);
    const iss_pass *p = rc == 0 ? pick(all, n, cr.id, now) : NULL;
    if (rc == 0 && !p)
        rc = LP_ERR_NOTFOUND;
    if (rc == 0)
        *out = *p;
    free(all);
    return rc;
}

/* The ids of the active cards, by id (memcmp order, as key 14 wants). */
static int active_cards(db_t *db, uint8_t (**ids)[TOK_CARD_ID_LEN], size_t *n)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT card_id FROM credentials WHERE card_id IS NOT NULL AND revoked_at IS NULL "
                                   "ORDER BY card_id LIMIT ?1");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, TOK_CARD_PASSES_MAX);
    int rc;
    size_t cap = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        if (sqlite3_column_bytes(st, 0) != TOK_CARD_ID_LEN) continue;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            void *grown = realloc(*ids, ncap * sizeof **ids);
            if (!grown) { rc = LP_ERR_NOMEM; break; }
            *ids = grown;
            cap = ncap;
        }
        memcpy((*ids)[(*n)++], sqlite3_column_blob(st, 0), TOK_CARD_ID_LEN);
    }
    sqlite3_reset(st);
    if (rc != DB_DONE) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return rc < 0 ? rc : LP_ERR_DB;
    }
    return 0;
}

int iss_card_passes_all(db_t *db, int64_t now, struct tok_card_pass **out, size_t *n)
{
    uint8_t (*ids)[TOK_CARD_ID_LEN] = NULL;
    size_t m = 0;
    *out = NULL;
    *n = 0;
    int own, rc = iss_tx_begin(db, &own);
    if (rc == 0) rc = active_cards(db, &ids, &m);
    struct tok_card_pass *all = rc == 0 && m ? calloc(m, sizeof *all) : NULL;
    if (rc == 0 && m && !all) rc = LP_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < m; i++) {
        iss_pass p;
        int r = iss_card_pass(db, ids[i], now, &p);
        if (r == LP_ERR_NOTFOUND) continue;
        if (r != 0) { rc = r; break; }
        memcpy(all[*n].card_id, ids[i], TOK_CARD_ID_LEN);
        memcpy(all[*n].pass, p.bytes, p.len);
        all[*n].len = p.len;
        (*n)++;
    }
    free(ids);
    rc = iss_tx_end(db, own, rc);
    if (rc) {
        free(all);
        *n = 0;
        return rc;
    }
    *out = all;
    return 0;
}

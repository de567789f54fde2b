/* iss_internal.h: what the issuer's files share (not for other modules):
 * transactions that nest into a caller's, and the unsealed signing key. */
#ifndef LP_ISS_INTERNAL_H
#define LP_ISS_INTERNAL_H
#include "access/issuer/issuer.h"
#include "booking/rsv.h"

/* Opens a transaction unless one is open; *own says whether it did. */
int iss_tx_begin(db_t *db, int *own) LP_MUST;
/* A door's name, group and settings as passes, challenges and bundles need
 * them (iss_door.c); the audit snapshot of a door row. */
int iss_door_valid(const iss_door *d, lp_fail *f) LP_MUST;
extern const char ISS_SNAP_DOOR[];
/* Commits (rc == 0) or rolls back an own transaction; returns the final rc. */
int iss_tx_end(db_t *db, int own, int rc);

/* An unsealed signing key. Wipe with iss_signer_wipe() after use. */
struct iss_signer {
    int64_t key_id;
    uint8_t kid[TOK_KID_LEN];
    uint8_t sk[TOK_SK_LEN];
};

/* The active key (created first when there is none). LP_ERR_STATE without a
 * key file, LP_ERR_CRYPTO when the sealed key does not open. */
int iss_signer_active(db_t *db, int64_t now, struct iss_signer *out) LP_MUST;
/* The oldest trusted key at now: the one that signs sync bundles. */
int iss_signer_oldest(db_t *db, int64_t now, struct iss_signer *out) LP_MUST;
void iss_signer_wipe(struct iss_signer *s);

/* The "system" actor for work the issuer does on its own (sweeps, hooks). */
extern const actor_t iss_system;

/* The validity of a reservation's passes: [start - early, end + grace). */
void iss_window(const iss_settings *s, const rsv_reservation *r, int64_t *nbf, int64_t *exp);
/* Revokes r's live passes whose window or door group differ from r's now. */
int iss_revoke_changed(db_t *db, const rsv_reservation *r, int64_t now) LP_MUST;
/* The demo doors (run by demo_seed through the hook). */
int iss_demo_seed(db_t *db, const actor_t *who);

/* Lower-case hex of p[0..n) into out (2n + 1 bytes). */
void iss_hex(const uint8_t *p, size_t n, char *out);

/* The index of text in names[0..n) (the issuer's spelling tables), or -1
 * when it is none of them (or NULL). */
int iss_spelling(const char *const *names, int n, const char *text);

/* True for the reservation states whose holder gets passes: confirmed and
 * checked_in. */
int iss_rsv_gets_passes(enum rsv_state s);

/* The audit snapshot of a credential (a card's id, never a UID). */
#define SNAP_CRED "SELECT json_object('id', id, 'person_id', person_id, 'kind', kind, 'label', label, " \
                  "'public_key', lower(hex(public_key)), 'card_id', lower(hex(card_id)), 'revoked_at', revoked_at) " \
                  "FROM credentials WHERE id = ?1"
/* The columns of a credential row, and reading one (iss_pass.c). */
#define CRED_COLS "SELECT id, person_id, kind, label, public_key, created_at, COALESCE(revoked_at, 0), card_id " \
                  "FROM credentials "
int iss_cred_row(sqlite3_stmt *st, iss_credential *c);

#endif

/* audit_seal.h: the hash chain that makes the audit log tamper-evident.
 *
 * Each entry i carries
 *   body_commit_i = BLAKE2b-256("labpass-audit-body-v1" || nonce_i(16) ||
 *                               text(before_json) || text(after_json))
 *   hash_i = BLAKE2b-256("labpass-audit-v1" || hash_{i-1}(32) || le64(at) ||
 *                        le64(actor_id or 0) || text(actor) || text(action) ||
 *                        text(object_type) || le64(object_id or 0) || body_commit_i)
 * where text(x) is one byte 0 for NULL, or 1, le32(length) and the bytes, and
 * hash_0 is the audit anchor's hash (the last entry retention removed), or 32
 * zero bytes. The random nonce hides the personal fields in the commitment;
 * erasure replaces those fields and drops the nonce (audit_erase), and the
 * chain still verifies because the seal covers only the commitment. The schema's
 * triggers (migration 0009) refuse every other change.
 * What the chain shows: an edit of a sealed entry, a removed entry or a
 * reordering. What it cannot show: entries removed from the end (compare the
 * head hash with one kept elsewhere: `labpassctl audit verify` prints it),
 * and rows inserted by hand, which the next audited write seals. */
#ifndef LP_AUDIT_SEAL_H
#define LP_AUDIT_SEAL_H
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"

#define AUDIT_HASH_LEN 32
#define AUDIT_NONCE_LEN 16

/* The sealed fields of one entry (texts borrowed; before/after may be NULL). */
typedef struct audit_fields {
    int64_t at, actor_id;
    const char *actor, *action, *object_type;
    int64_t object_id;
    const char *before, *after;
} audit_fields;

/* The commitment to before/after under nonce. */
void audit_commit(const uint8_t nonce[AUDIT_NONCE_LEN], const char *before, const char *after,
                  uint8_t out[AUDIT_HASH_LEN]);
/* The seal of an entry after prev. */
void audit_hash(const uint8_t prev[AUDIT_HASH_LEN], const audit_fields *f, const uint8_t commit[AUDIT_HASH_LEN],
                uint8_t out[AUDIT_HASH_LEN]);

/* The hash the next entry chains onto, sealing unsealed entries first (in
 * id order). Must run inside the writing transaction. */
int audit_head(db_t *db, uint8_t out[AUDIT_HASH_LEN]) LP_MUST;

/* What audit_verify found. */
typedef struct audit_report {
    int64_t entries;            /* entries read */
    int64_t erased;             /* of which erased (personal fields replaced) */
    int64_t unsealed;           /* entries at the end not sealed yet */
    int64_t anchor_id;          /* the chain starts after this id (0: from the first entry) */
    int64_t bad_id;             /* the first entry that does not verify, 0 when all do */
    char why[80];               /* what was wrong with it */
    char head[2 * AUDIT_HASH_LEN + 1];   /* hex of the last sealed entry's hash */
} audit_report;

/* Walks the whole log in id order and checks every seal and every
 * commitment of an entry that was not erased. 0 with the report (bad_id
 * says whether the chain holds), or the read's error. */
int audit_verify(db_t *db, audit_report *r) LP_MUST;

/* The names (field "name") or e-mail addresses (field "email") person id
 * has had, from the audit snapshots of their record, besides current (which
 * comes first). Up to max into out (texts of cap bytes); count in *n. */
int audit_person_values(db_t *db, int64_t id, const char *field, const char *current, char (*out)[256], size_t max,
                        size_t *n) LP_MUST;
/* Erasure of person id: in every entry by or about them, naming them as
 * person_id, or holding one of their e-mail addresses, each of their names
 * (4 characters or more, also inside free text; pass the longest first)
 * becomes new_name; then in every entry each address becomes new_email;
 * then the free text (title, label, reason) of their own records (entries
 * whose snapshot has their person_id) is emptied.
 * Each rewritten entry is marked erased at `at` (its nonce dropped; the
 * chain still verifies). Entries not sealed yet are sealed first. Count of
 * rewrites in *n. In the caller's transaction. */
int audit_erase(db_t *db, int64_t id, char (*emails)[256], size_t ne, const char *new_email, char (*names)[256],
                size_t nn, const char *new_name, int64_t at, int64_t *n) LP_MUST;

/* Removes the entries older than before_at (each entry from the first up to
 * the last one older than before_at, stopping at the first newer one), and
 * moves the anchor to the last removed entry, in one transaction. Count in
 * *removed (may be NULL). */
int audit_prune(db_t *db, int64_t before_at, int64_t *removed) LP_MUST;

#endif

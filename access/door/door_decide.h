/* door_decide.h: the door's admission decision, offline, from local state.
 *
 * A pure function of the pass bytes, what the medium proved, the door's
 * view (policy, trusted keys, denylist, time floor) and the door's clock. No
 * I/O of its own; the denylist is asked through a callback.
 *
 * Guarantees:
 * - Every tap gets exactly one reason; only DOOR_GRANTED sets granted, and
 *   any error on the way (a denylist lookup that fails, bad arguments) is a
 *   refusal, never an admission.
 * - Claims are reported (for the event log) only when the signature
 *   verified; what an unverified pass says is never used.
 * - Checks, in this order: door clock against the time floor (clock_invalid),
 *   decode (malformed), key and signature (unknown_key, bad_signature), the
 *   pass's iat against the clock (clock_invalid), nbf/exp with the policy's
 *   skew (not_yet_valid, expired), issuer (wrong_issuer), denylist
 *   (revoked), staff only while the door's sync is stale (sync_stale: only a
 *   standing staff pass, whose only group is "*", passes), door groups
 *   (wrong_door), then the holder rule (holder_proof_failed, card_unbound):
 *     pass with cnf:    the holder proof must verify (a tag can give none,
 *                       so a copied pass is worth nothing);
 *     pass bound to a card (cnf {3: card id}): read from that card, which
 *                       proved its keys (card_unbound otherwise);
 *     pass without cnf: a bearer pass, admitted only where holder_proof = 0
 *                       and bearer_allowed = 1.
 * A DESFire card that failed its authentication is refused (card_auth_failed)
 * after the clock check, before its pass (it has none) is looked at.
 * Rules: docs/access-protocol.md sections 8, 9, 15.5 and 18; docs/door.md. */
#ifndef LP_DOOR_DECIDE_H
#define LP_DOOR_DECIDE_H
#include <stddef.h>
#include <stdint.h>
#include "access/door/door_store.h"
#include "access/token/token.h"
#include "core/err.h"

enum door_reason {
    DOOR_GRANTED = 0,
    DOOR_EXPIRED,
    DOOR_NOT_YET_VALID,
    DOOR_WRONG_DOOR,           /* none of the pass's groups is one of the door's */
    DOOR_REVOKED,              /* cti on the denylist */
    DOOR_BAD_SIGNATURE,
    DOOR_UNKNOWN_KEY,
    DOOR_HOLDER_PROOF_FAILED,  /* proof missing or wrong, or a bearer pass where none is allowed */
    DOOR_CLOCK_INVALID,        /* the door's clock is below its time floor */
    DOOR_MALFORMED,
    DOOR_INTERNAL_ERROR,       /* the door could not decide (state unreadable): refused */
    DOOR_WRONG_ISSUER,         /* the pass's iss is not this site's */
    DOOR_SYNC_STALE,           /* no verified sync for too long: staff passes only */
    DOOR_CARD_AUTH_FAILED,     /* a DESFire card failed AES authentication with its
                                  diversified read key: a clone, another site's card */
    DOOR_CARD_UNBOUND,         /* a card-bound pass not read from the card it names */
    DOOR_REASON_COUNT
};

enum door_medium {
    DOOR_MEDIUM_CREDENTIAL = 0,  /* ISO 14443-4 labpass application: pass + holder proof */
    DOOR_MEDIUM_TAG,             /* NTAG21x NDEF: the pass only (bearer) */
    DOOR_MEDIUM_CARD,            /* DESFire labpass application: the pass, read after the
                                    card authenticated (access protocol section 18) */
};

/* Is cti on the denylist? Returns 0 and sets *denied, or a negative lp_err. */
typedef int (*door_deny_fn)(void *ctx, const uint8_t cti[TOK_CTI_LEN], int *denied);

/* What the door knows; all borrowed for the call. */
struct door_view {
    const struct tok_door_settings *policy;
    const char *issuer;          /* the site code passes must carry; NULL or "" = not checked */
    const struct tok_key *keys;
    size_t n_keys;
    int64_t time_floor;
    door_deny_fn denied;
    void *deny_ctx;
    int staff_only;              /* the door is stale in staff_only mode: only passes
                                    whose only group is "*" may admit */
};

/* One presentation. For a credential, challenge is what the door sent and
 * proof the 64-byte answer; NULL proof means none was obtained. */
struct door_tap {
    enum door_medium medium;
    const uint8_t *pass;
    size_t pass_len;
    const struct tok_challenge *challenge;
    const uint8_t *proof;
    const uint8_t *card_id;      /* DOOR_MEDIUM_CARD: the id of the card that authenticated
                                    (TOK_CARD_ID_LEN bytes); NULL: it failed authentication */
};

struct door_decision {
    enum door_reason reason;
    int granted;
    int verified;                /* the pass's signature verified: claims are real */
    struct tok_claims claims;    /* meaningful only when verified */
    int64_t floor;               /* raise the time floor to this (a verified iat), 0 = no */
};

/* Stable event names: "granted", "expired", ... "internal_error". */
const char *door_reason_name(enum door_reason r);

/* Decides. Always fills *out (a refusal when anything is wrong) and returns 0,
 * or LP_ERR_INVALID for NULL arguments (then out, if given, holds a refusal). */
int door_decide(const struct door_view *v, const struct door_tap *t, int64_t now,
                struct door_decision *out) LP_MUST;

/* The event for a decision: admission or denied, the reason, and for a
 * verified pass its cti, reservation and numeric person id. */
void door_decision_event(const struct door_decision *d, int64_t now, struct door_event *ev);

/* The person id in a pass's sub, when it is a decimal 1..2^53-1; else 0. */
int64_t door_person_id(const char *sub);

#endif

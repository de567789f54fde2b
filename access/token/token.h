/* token.h: the labpass door pass codec, shared by the server and the door.
 *
 * A pass is a CWT (RFC 8392) inside a tagged COSE_Sign1 (RFC 9052, tag 18,
 * no CWT tag 61), signed with EdDSA/Ed25519 (alg -8) by a site key named by a
 * kid in the protected header. docs/access-protocol.md describes the bytes.
 *
 * Guarantees:
 * - tok_encode writes deterministic CBOR (RFC 8949 section 4.2.1); the same
 *   claims and key always give the same bytes, at most TOK_PASS_BUDGET of them.
 * - tok_decode trusts nothing: input is bounded (TOK_PASS_MAX), definite
 *   lengths only, shortest-form heads only, map keys strictly ascending (so no
 *   duplicates), no trailing bytes, exact types and sizes, alg must be -8, a
 *   crit header naming anything but alg/kid is refused. It never allocates.
 * - tok_verify checks the Ed25519 signature over the COSE Sig_structure with
 *   a key found by kid in the caller's list; tok_check_time checks nbf/exp.
 * - Every refusal carries a distinct enum tok_reason for the door's event log
 *   alongside the usual negative lp_err return.
 * Decoded passes are plain values (no resources to free). */
#ifndef LP_TOKEN_H
#define LP_TOKEN_H
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>
#include "core/err.h"

#define TOK_PASS_MAX      512  /* bytes: decoder input bound (room to grow) */
#define TOK_PASS_BUDGET   200  /* bytes: encoder output bound; every issued pass fits */
#define TOK_SIGN1_MAX     (16u * 1024 * 1024) /* bytes: bound for tok_sign1_* messages */
#define TOK_KID_LEN       8    /* bytes of a derived key id (tok_kid_from_pk) */
#define TOK_KID_MAX       16   /* bytes: longest kid accepted */
#define TOK_TEXT_MAX      32   /* bytes of iss and sub */
#define TOK_GROUP_MAX     16   /* bytes of one door group name */
#define TOK_GROUPS_MAX    8    /* door groups per pass (at least 1) */
#define TOK_CTI_LEN       16   /* bytes of the CWT id */
#define TOK_CARD_ID_LEN   16   /* bytes of a card id (cnf kid, access protocol 18.3) */
#define TOK_PK_LEN        crypto_sign_PUBLICKEYBYTES  /* 32 */
#define TOK_SK_LEN        crypto_sign_SECRETKEYBYTES  /* 64: seed || public key */
#define TOK_SIG_LEN       crypto_sign_BYTES           /* 64 */
#define TOK_SKEW_MAX      86400 /* seconds: largest clock skew tok_check_time takes */

/* The one private-use CWT claim (RFC 8392: labels below -65536) holding the
 * labpass claims as a map, so the label's five bytes are paid once:
 *   -65537 => {1: [groups], ? 2: reservation id, ? 3: tenant id} */
#define TOK_CLAIM_LABPASS     (-65537)
#define TOK_LP_GROUPS         1
#define TOK_LP_RESERVATION    2
#define TOK_LP_TENANT         3

/* Why a pass (or a signed message, or a holder proof) was refused. */
enum tok_reason {
    TOK_OK = 0,
    TOK_MALFORMED,       /* not a well-formed, canonical labpass pass (lp_err INVALID/TOOBIG) */
    TOK_UNKNOWN_KEY,     /* no trusted key has this kid (lp_err NOTFOUND) */
    TOK_BAD_SIGNATURE,   /* the signature does not verify (lp_err CRYPTO) */
    TOK_EXPIRED,         /* now >= exp + skew (lp_err RULE) */
    TOK_NOT_YET_VALID,   /* now < nbf - skew (lp_err RULE) */
    TOK_NO_HOLDER_KEY,   /* holder proof asked of a pass without cnf (lp_err STATE) */
    TOK_REASON_COUNT
};

/* Stable lower-case name ("malformed", "unknown_key", ...) for event logs. */
const char *tok_reason_name(enum tok_reason r);
/* The lp_err returned together with reason r (0 for TOK_OK). */
int tok_reason_err(enum tok_reason r);

/* The claims of a pass. Texts are NUL-terminated visible ASCII (0x21..0x7e).
 * sub is the person's id as text (labpass writes the decimal person id). */
struct tok_claims {
    char iss[TOK_TEXT_MAX + 1];         /* site code, 1..32 bytes */
    char sub[TOK_TEXT_MAX + 1];         /* person id, 1..32 bytes */
    int64_t nbf, exp, iat;              /* epoch seconds, >= 0, nbf < exp, iat <= exp */
    uint8_t cti[TOK_CTI_LEN];           /* random pass id */
    int has_cnf;                        /* holder key present */
    uint8_t cnf_pk[TOK_PK_LEN];         /* holder's Ed25519 public key */
    int has_card;                       /* bound to a DESFire card: cnf {3: card id} */
    uint8_t card_id[TOK_CARD_ID_LEN];   /* (never together with has_cnf) */
    size_t n_groups;                    /* 1..TOK_GROUPS_MAX, no duplicates */
    char groups[TOK_GROUPS_MAX][TOK_GROUP_MAX + 1];
    int has_reservation;
    int64_t reservation;                /* >= 0 */
    int has_tenant;
    int64_t tenant;                     /* >= 0 */
};

/* A trusted signing key as the door's trust list holds it. */
struct tok_key {
    uint8_t kid[TOK_KID_MAX];
    size_t kid_len;                     /* 1..TOK_KID_MAX */
    uint8_t pk[TOK_PK_LEN];
};

/* A decoded pass. Holds a copy of the pass bytes, so it depends on nothing. */
struct tok_pass {
    struct tok_claims claims;
    uint8_t kid[TOK_KID_MAX];
    size_t kid_len;
    int verified;                       /* set by a successful tok_verify */
    /* internal: the bytes and where the signed parts are */
    uint8_t raw[TOK_PASS_MAX];
    size_t raw_len, prot_off, prot_len, payload_off, payload_len, sig_off;
};

/* The key id rule: kid = first TOK_KID_LEN bytes of SHA-256(public key). */
void tok_kid_from_pk(const uint8_t pk[TOK_PK_LEN], uint8_t kid[TOK_KID_LEN]);

/* Checks claims against the rules above (lengths, characters, ranges).
 * Returns 0 or LP_ERR_INVALID. */
int tok_claims_check(const struct tok_claims *c) LP_MUST;

/* Encodes and signs a pass into out[0..cap). sk is a libsodium Ed25519
 * secret key, kid its key id (1..TOK_KID_MAX bytes). Writes the length to
 * *out_len. Returns 0, LP_ERR_INVALID (bad claims or kid), LP_ERR_TOOBIG
 * (cap too small, or the pass would exceed TOK_PASS_BUDGET: drop optional
 * claims or groups) or LP_ERR_CRYPTO. Borrows all. */
int tok_encode(const struct tok_claims *c, const uint8_t sk[TOK_SK_LEN],
               const uint8_t *kid, size_t kid_len,
               uint8_t *out, size_t cap, size_t *out_len) LP_MUST;

/* Parses in[0..len) without trusting it. On success fills *out (verified = 0)
 * and returns 0; otherwise LP_ERR_INVALID or LP_ERR_TOOBIG with
 * *why = TOK_MALFORMED. why may be NULL. Borrows in only during the call. */
int tok_decode(const uint8_t *in, size_t len, struct tok_pass *out,
               enum tok_reason *why) LP_MUST;

/* Verifies a decoded pass against keys[0..n) (every key whose kid matches is
 * tried). Sets p->verified on success. Returns 0, LP_ERR_NOTFOUND
 * (TOK_UNKNOWN_KEY) or LP_ERR_CRYPTO (TOK_BAD_SIGNATURE). Borrows keys. */
int tok_verify(struct tok_pass *p, const struct tok_key *keys, size_t n,
               enum tok_reason *why) LP_MUST;

/* Time rule: valid while nbf - skew <= now < exp + skew. skew is 0..TOK_SKEW_MAX
 * seconds. Returns 0 or LP_ERR_RULE (TOK_EXPIRED / TOK_NOT_YET_VALID);
 * LP_ERR_INVALID for a bad skew. */
int tok_check_time(const struct tok_pass *p, int64_t now, int64_t skew,
                   enum tok_reason *why) LP_MUST;

/* tok_decode, then tok_verify, then tok_check_time: what a door does. */
int tok_check(const uint8_t *in, size_t len, const struct tok_key *keys, size_t n,
              int64_t now, int64_t skew, struct tok_pass *out,
              enum tok_reason *why) LP_MUST;

/* ---- Generic COSE_Sign1 (the door sync bundle and other signed payloads) ----
 * Same envelope and rules as a pass: tag 18, protected {alg -8, kid}, empty
 * unprotected header, attached payload; the payload is opaque bytes here. */

/* Signs payload[0..len) (len <= TOK_SIGN1_MAX - 128). On success *out is a new
 * buffer of *out_len bytes: caller frees it with free(). Returns 0,
 * LP_ERR_INVALID, LP_ERR_TOOBIG, LP_ERR_NOMEM or LP_ERR_CRYPTO. */
int tok_sign1_sign(const uint8_t *payload, size_t len, const uint8_t sk[TOK_SK_LEN],
                   const uint8_t *kid, size_t kid_len,
                   uint8_t **out, size_t *out_len) LP_MUST;

/* Parses and verifies msg[0..len) against keys[0..n). On success points
 * *payload into msg (borrowed: valid while msg is) and returns 0; otherwise
 * LP_ERR_INVALID/TOOBIG (TOK_MALFORMED), LP_ERR_NOTFOUND (TOK_UNKNOWN_KEY),
 * LP_ERR_CRYPTO (TOK_BAD_SIGNATURE) or LP_ERR_NOMEM. */
int tok_sign1_open(const uint8_t *msg, size_t len, const struct tok_key *keys, size_t n,
                   const uint8_t **payload, size_t *payload_len,
                   enum tok_reason *why) LP_MUST;

/* ---- Holder proof ----
 * The door sends a challenge; the credential signs
 *   "labpass-holder-proof-v1" || challenge bytes
 * with the key whose public half is in the pass's cnf claim.
 * Challenge bytes: nonce (16) || door_time (8, big-endian int64 seconds)
 *                  || door_id length (1 byte, 1..32) || door_id (visible ASCII). */
#define TOK_NONCE_LEN      16
#define TOK_DOOR_ID_MAX    32
#define TOK_CHALLENGE_MAX  (TOK_NONCE_LEN + 8 + 1 + TOK_DOOR_ID_MAX)
#define TOK_PROOF_DOMAIN   "labpass-holder-proof-v1"

struct tok_challenge {
    uint8_t nonce[TOK_NONCE_LEN];
    int64_t door_time;
    char door_id[TOK_DOOR_ID_MAX + 1];
};

/* Fills *ch with a fresh random nonce, door_id and door_time.
 * Returns 0 or LP_ERR_INVALID (bad door_id). */
int tok_challenge_make(const char *door_id, int64_t door_time,
                       struct tok_challenge *ch) LP_MUST;
/* Writes the challenge bytes into out (TOK_CHALLENGE_MAX bytes suffice).
 * Returns 0 or LP_ERR_INVALID. */
int tok_challenge_encode(const struct tok_challenge *ch, uint8_t out[TOK_CHALLENGE_MAX],
                         size_t *out_len) LP_MUST;
/* Parses challenge bytes strictly (exact length, valid door id).
 * Returns 0 or LP_ERR_INVALID. */
int tok_challenge_decode(const uint8_t *in, size_t len, struct tok_challenge *ch) LP_MUST;
/* Credential side: signs the proof message for ch with holder key sk.
 * Returns 0, LP_ERR_INVALID or LP_ERR_CRYPTO. */
int tok_holder_sign(const struct tok_challenge *ch, const uint8_t sk[TOK_SK_LEN],
                    uint8_t sig[TOK_SIG_LEN]) LP_MUST;
/* Door side: checks sig over ch against the cnf key of a verified pass.
 * Returns 0, LP_ERR_CRYPTO (TOK_BAD_SIGNATURE), LP_ERR_STATE (TOK_NO_HOLDER_KEY;
 * or the pass was never verified, reported as TOK_BAD_SIGNATURE) or
 * LP_ERR_INVALID (a challenge that cannot be encoded). Borrows all. */
int tok_holder_verify(const struct tok_pass *p, const struct tok_challenge *ch,
                      const uint8_t sig[TOK_SIG_LEN], enum tok_reason *why) LP_MUST;

/* ---- Door sync bundle (docs/access-protocol.md section 15) ----
 * The payload of the COSE_Sign1 a door fetches: trust list, denylist changes
 * since a SEQ, the door's settings, the server time. Deterministic CBOR, map
 * keys small integers, flags 0/1 (no simple values). tok_bundle_encode writes
 * it; tok_bundle_decode reads it as strictly as a pass (section 2 rules,
 * unknown keys skipped after their form is checked, required keys present). */
#define TOK_BUNDLE_VERSION   1
#define TOK_BUNDLE_KEYS_MAX  16        /* trust-list entries */
#define TOK_BUNDLE_DENY_MAX  1000000   /* denylist entries in one bundle */
#define TOK_NONCE_MIN        8         /* bytes of a sync request nonce */
#define TOK_NONCE_MAX        32
#define TOK_PULSE_MIN_MS     100
#define TOK_PULSE_MAX_MS     30000

struct tok_trust_key {
    struct tok_key key;                 /* kid and Ed25519 public key */
    int64_t not_before;                 /* >= 0 */
    int64_t not_after;                  /* 0: open-ended (the active key) */
};

struct tok_deny_entry {
    uint8_t cti[TOK_CTI_LEN];
    int64_t exp;                        /* >= 0 */
};

struct tok_door_settings {
    size_t n_groups;                    /* 1..TOK_GROUPS_MAX, no duplicates */
    char groups[TOK_GROUPS_MAX][TOK_GROUP_MAX + 1];
    int holder_proof;                   /* 0 or 1 */
    int bearer_allowed;                 /* 0 or 1 */
    int64_t clock_skew;                 /* 0..TOK_SKEW_MAX seconds */
    int64_t pulse_ms;                   /* TOK_PULSE_MIN_MS..TOK_PULSE_MAX_MS */
    char name[TOK_DOOR_ID_MAX + 1];     /* 1..32 of [A-Za-z0-9._-] */
    int64_t sync_interval;              /* seconds, 1..86400 */
};

/* A DESFire read master key for one door (key 13): the key of a generation
 * (1..255) in a libsodium sealed box (crypto_box_seal, X25519) to the door's
 * box key: 16 bytes of key, 48 of overhead. */
#define TOK_CARD_KEYS_MAX    4
#define TOK_CARD_KEY_BOX_LEN 64
struct tok_card_key {
    int64_t generation;                 /* 1..255, the key version on the cards */
    uint8_t boxed[TOK_CARD_KEY_BOX_LEN];
};

/* The pass a DESFire card should carry (key 14): the card id (access
 * protocol 18.3) and the pass the server would write onto it now. The set is
 * sorted by card id, each id once; its digest (tok_card_passes_digest) lets a
 * door say what it holds, and the server leave the set out when unchanged. */
#define TOK_CARD_PASSES_MAX  4096
#define TOK_CARD_PASSES_DIGEST 16
struct tok_card_pass {
    uint8_t card_id[TOK_CARD_ID_LEN];
    size_t len;                         /* 1..TOK_PASS_MAX */
    uint8_t pass[TOK_PASS_MAX];
};

/* BLAKE2b-128 over, for each entry in order, card_id || len (2 bytes,
 * big-endian) || pass. The digest of no entries is that of the empty input. */
void tok_card_passes_digest(const struct tok_card_pass *p, size_t n, uint8_t out[TOK_CARD_PASSES_DIGEST]);

struct tok_bundle {
    char iss[TOK_TEXT_MAX + 1];         /* site code */
    int64_t door_id, now, seq, since;   /* all >= 0 */
    int reset;                          /* 1: replace the denylist */
    size_t n_keys;                      /* 0..TOK_BUNDLE_KEYS_MAX */
    struct tok_trust_key *keys;
    size_t n_deny;                      /* 0..TOK_BUNDLE_DENY_MAX */
    struct tok_deny_entry *deny;
    struct tok_door_settings settings;
    size_t nonce_len;                   /* 0 (none) or TOK_NONCE_MIN..TOK_NONCE_MAX */
    uint8_t nonce[TOK_NONCE_MAX];
    size_t n_card_keys;                 /* key 13: 0..TOK_CARD_KEYS_MAX, distinct generations */
    struct tok_card_key card_keys[TOK_CARD_KEYS_MAX];
    size_t n_write_keys;                /* key 15: the write masters, as key 13 (doors that update cards) */
    struct tok_card_key write_keys[TOK_CARD_KEYS_MAX];
    int has_card_passes;                /* key 14 present (it may be empty) */
    size_t n_card_passes;               /* 0..TOK_CARD_PASSES_MAX */
    struct tok_card_pass *card_passes;  /* malloc'd; tok_bundle_clear frees it */
    int64_t floor_from;                 /* 0, or a floor correction (key 12): the door's time
                                           floor this bundle lowers to now; only with a nonce,
                                           and above now */
};

/* Checks b against the rules above. Returns 0 or LP_ERR_INVALID. */
int tok_bundle_check(const struct tok_bundle *b) LP_MUST;
/* Encodes b (keys and deny borrowed) as the bundle payload. On success *out
 * is a new buffer of *out_len bytes: caller frees it with free(). Returns 0,
 * LP_ERR_INVALID, LP_ERR_TOOBIG or LP_ERR_NOMEM. */
int tok_bundle_encode(const struct tok_bundle *b, uint8_t **out, size_t *out_len) LP_MUST;
/* Decodes a bundle payload (from tok_sign1_open) without trusting it. On
 * success *out owns keys and deny: the caller releases them with
 * tok_bundle_clear(). On failure *out holds nothing to release. Returns 0,
 * LP_ERR_INVALID, LP_ERR_TOOBIG or LP_ERR_NOMEM. */
int tok_bundle_decode(const uint8_t *in, size_t len, struct tok_bundle *out) LP_MUST;
/* Frees what tok_bundle_decode allocated and zeroes b; accepts NULL. */
void tok_bundle_clear(struct tok_bundle *b);

#endif

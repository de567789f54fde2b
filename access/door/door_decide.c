/* door_decide.c: the offline admission decision (see door_decide.h). */
#include "access/door/door_decide.h"
#include <stdio.h>
#include <string.h>
#include <sodium.h>

static const char *const reason_names[DOOR_REASON_COUNT] = {
    [DOOR_GRANTED] = "granted",
    [DOOR_EXPIRED] = "expired",
    [DOOR_NOT_YET_VALID] = "not_yet_valid",
    [DOOR_WRONG_DOOR] = "wrong_door",
    [DOOR_REVOKED] = "revoked",
    [DOOR_BAD_SIGNATURE] = "bad_signature",
    [DOOR_UNKNOWN_KEY] = "unknown_key",
    [DOOR_HOLDER_PROOF_FAILED] = "holder_proof_failed",
    [DOOR_CLOCK_INVALID] = "clock_invalid",
    [DOOR_MALFORMED] = "malformed",
    [DOOR_INTERNAL_ERROR] = "internal_error",
    [DOOR_WRONG_ISSUER] = "wrong_issuer",
    [DOOR_SYNC_STALE] = "sync_stale",
    [DOOR_CARD_AUTH_FAILED] = "card_auth_failed",
    [DOOR_CARD_UNBOUND] = "card_unbound",
};

const char *door_reason_name(enum door_reason r)
{
    return (unsigned)r < DOOR_REASON_COUNT ? reason_names[r] : "internal_error";
}

/* The token module's refusal reasons, as door reasons. */
static enum door_reason from_tok(enum tok_reason r)
{
    static const enum door_reason map[TOK_REASON_COUNT] = {
        [TOK_OK] = DOOR_INTERNAL_ERROR,       /* an error without a reason: refuse */
        [TOK_MALFORMED] = DOOR_MALFORMED,
        [TOK_UNKNOWN_KEY] = DOOR_UNKNOWN_KEY,
        [TOK_BAD_SIGNATURE] = DOOR_BAD_SIGNATURE,
        [TOK_EXPIRED] = DOOR_EXPIRED,
        [TOK_NOT_YET_VALID] = DOOR_NOT_YET_VALID,
        [TOK_NO_HOLDER_KEY] = DOOR_HOLDER_PROOF_FAILED,
    };
    return (unsigned)r < TOK_REASON_COUNT ? map[r] : DOOR_INTERNAL_ERROR;
}

int64_t door_person_id(const char *sub)
{
    size_t n = strnlen(sub, TOK_TEXT_MAX + 1);
    if (n == 0 || n > 16 || sub[0] == '0' || strspn(sub, "0123456789") != n) return 0;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (sub[i] - '0');
    return v <= ((int64_t)1 << 53) - 1 ? v : 0;
}

/* A standing staff pass (docs/access-protocol.md section 17): its only group is "*". */
static int staff_pass(const struct tok_claims *c)
{
    return c->n_groups == 1 && strcmp(c->groups[0], "*") == 0;
}

/* One of the pass's groups is one of the door's, or it is a standing staff
 * pass (every door). */
static int group_match(const struct tok_claims *c, const struct tok_door_settings *p)
{
    if (staff_pass(c)) return 1;
    for (size_t i = 0; i < c->n_groups; i++)
        for (size_t j = 0; j < p->n_groups; j++)
            if (strcmp(c->groups[i], p->groups[j]) == 0) return 1;
    return 0;
}

/* docs/access-protocol.md 15.5: a pass with cnf admits only with a verified
 * proof from a credential (a copy is worth nothing); a pass without cnf is a
 * bearer pass, admitted only where holder proof is off and bearer passes are
 * allowed. */
static enum door_reason holder_rule(const struct tok_pass *p, const struct door_view *v,
                                    const struct door_tap *t)
{
    if (p->claims.has_card)
        return t->medium == DOOR_MEDIUM_CARD && t->card_id &&
               sodium_memcmp(t->card_id, p->claims.card_id, TOK_CARD_ID_LEN) == 0
               ? DOOR_GRANTED : DOOR_CARD_UNBOUND;
    if (!p->claims.has_cnf)
        return v->policy->bearer_allowed && !v->policy->holder_proof ? DOOR_GRANTED : DOOR_HOLDER_PROOF_FAILED;
    if (t->medium != DOOR_MEDIUM_CREDENTIAL || !t->challenge || !t->proof) return DOOR_HOLDER_PROOF_FAILED;
    if (strcmp(t->challenge->door_id, v->policy->name) != 0) return DOOR_HOLDER_PROOF_FAILED;
    enum tok_reason why = TOK_OK;
    return tok_holder_verify(p, t->challenge, t->proof, &why) == 0 ? DOOR_GRANTED : DOOR_HOLDER_PROOF_FAILED;
}

/* The checks after the signature: clock by iat, time, denylist, groups, holder. */
static enum door_reason after_verify(const struct tok_pass *p, const struct door_view *v,
                                     const struct door_tap *t, int64_t now, int clock_bad)
{
    int64_t skew = v->policy->clock_skew;
    if (clock_bad || p->claims.iat > now + skew) return DOOR_CLOCK_INVALID;
    enum tok_reason why = TOK_OK;
    if (tok_check_time(p, now, skew, &why) != 0) return from_tok(why);
    if (v->issuer && v->issuer[0] && strcmp(p->claims.iss, v->issuer) != 0) return DOOR_WRONG_ISSUER;
    int denied = 1;
    if (!v->denied || v->denied(v->deny_ctx, p->claims.cti, &denied) != 0) return DOOR_INTERNAL_ERROR;
    if (denied) return DOOR_REVOKED;
    if (v->staff_only && !staff_pass(&p->claims)) return DOOR_SYNC_STALE;
    if (!group_match(&p->claims, v->policy)) return DOOR_WRONG_DOOR;
    return holder_rule(p, v, t);
}

static void refuse(struct door_decision *out, enum door_reason r)
{
    memset(out, 0, sizeof *out);
    out->reason = r;
}

int door_decide(const struct door_view *v, const struct door_tap *t, int64_t now, struct door_decision *out)
{
    if (!out) return LP_ERR_INVALID;
    refuse(out, DOOR_INTERNAL_ERROR);
    if (!v || !v->policy || !t || (!t->pass && t->pass_len) || (v->n_keys && !v->keys)) return LP_ERR_INVALID;
    int64_t skew = v->policy->clock_skew;
    int clock_bad = skew < 0 || skew > TOK_SKEW_MAX || now + skew < v->time_floor;
    if (t->medium == DOOR_MEDIUM_CARD && !t->card_id) {
        refuse(out, clock_bad ? DOOR_CLOCK_INVALID : DOOR_CARD_AUTH_FAILED);
        return 0;
    }
    struct tok_pass p;
    enum tok_reason why = TOK_OK;
    if (!t->pass || tok_decode(t->pass, t->pass_len, &p, &why) != 0) {
        refuse(out, clock_bad ? DOOR_CLOCK_INVALID : DOOR_MALFORMED);
        return 0;
    }
    if (tok_verify(&p, v->keys, v->n_keys, &why) != 0) {
        refuse(out, clock_bad ? DOOR_CLOCK_INVALID : from_tok(why));
        return 0;
    }
    out->verified = 1;
    out->claims = p.claims;
    out->floor = p.claims.iat;
    out->reason = after_verify(&p, v, t, now, clock_bad);
    out->granted = out->reason == DOOR_GRANTED;
    return 0;
}

void door_decision_event(const struct door_decision *d, int64_t now, struct door_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->time = now;
    ev->kind = d->granted ? DOOR_EV_ADMISSION : DOOR_EV_DENIED;
    snprintf(ev->reason, sizeof ev->reason, "%s", door_reason_name(d->reason));
    if (!d->verified) return;
    ev->has_cti = 1;
    memcpy(ev->cti, d->claims.cti, TOK_CTI_LEN);
    if (d->claims.has_reservation && d->claims.reservation > 0 && d->claims.reservation < ((int64_t)1 << 53))
        ev->reservation_id = d->claims.reservation;
    ev->person_id = door_person_id(d->claims.sub);
}

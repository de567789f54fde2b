/* h_cards.c: DESFire cards of people (docs/access-protocol.md 18): staff
 * enrol a card by its UID (read at the desk), list and revoke a person's
 * cards, and a desk or a door fetches the pass to write onto a card. */
#include "api/h_access.h"
#include "api/access_json.h"
#include "api/jsonv.h"
#include "access/issuer/issuer.h"
#include "booking/person.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const struct jv_field CARD[] = { { "uid", JV_STRING, 1, 14, 0 }, { "label", JV_STRING, 1, ISS_CRED_LABEL_MAX, 0 },
                                        JV_END };

/* 14 hex digits, exactly. */
static int parse_uid(const char *s, uint8_t uid[ISS_CARD_UID_LEN])
{
    size_t got = 0;
    if (strlen(s) != 2 * ISS_CARD_UID_LEN || strspn(s, "0123456789abcdefABCDEF") != 2 * ISS_CARD_UID_LEN)
        return -1;
    return sodium_hex2bin(uid, ISS_CARD_UID_LEN, s, strlen(s), NULL, &got, NULL) == 0 && got == ISS_CARD_UID_LEN ? 0
                                                                                                                : -1;
}

/* The person of the route, or the 404 answer. */
static int person_of(api_ctx *c, psn_person *p)
{
    if (psn_get(c->db, c->params[0], p) == 0) return 0;
    api_problem(c, 404, "not-found", "Not found", "no such person", NULL);
    return -1;
}

void h_card_enrol(api_ctx *c)
{
    psn_person p;
    if (person_of(c, &p)) return;
    json_t *b = api_body(c, CARD);
    if (!b) return;
    uint8_t uid[ISS_CARD_UID_LEN];
    if (parse_uid(jv_str(b, "uid", ""), uid) != 0) {
        json_decref(b);
        api_problem(c, 400, "validation", "Invalid request", "uid is the card's 7-byte UID in 14 hex digits", "uid");
        return;
    }
    iss_credential cr;
    lp_fail f = { 0 };
    int rc = iss_card_enrol(c->db, &c->actor, p.id, uid, jv_str(b, "label", ""), clk_now(), &cr, &f);
    sodium_memzero(uid, sizeof uid);
    json_decref(b);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, aj_cred(&cr));
}

void h_cards_list(api_ctx *c)
{
    psn_person p;
    if (person_of(c, &p)) return;
    iss_credential *arr = NULL;
    size_t n = 0;
    int rc = iss_cred_list(c->db, p.id, 1, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (arr[i].has_card) json_array_append_new(out, aj_cred(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "cards", out));
}

void h_card_revoke(api_ctx *c)
{
    iss_credential cr;
    int n = 0;
    if (iss_cred_get(c->db, c->params[1], &cr) != 0 || !cr.has_card || cr.person_id != c->params[0]) {
        api_problem(c, 404, "not-found", "Not found", "no such card", NULL);
        return;
    }
    lp_fail f = { 0 };
    int rc = iss_cred_revoke(c->db, &c->actor, cr.id, clk_now(), &n);
    if (rc == LP_ERR_STATE) lp_failf(&f, rc, "id", "the card is revoked already");
    if (rc == 0) rc = iss_cred_get(c->db, cr.id, &cr);
    if (rc) { api_fail(c, rc, &f); return; }
    json_t *j = aj_cred(&cr);
    json_object_set_new(j, "passes_revoked", json_integer(n));
    api_reply_json(c, 200, j);
}

void h_card_pass(api_ctx *c)
{
    uint8_t card[TOK_CARD_ID_LEN];
    size_t got = 0;
    const char *hex = c->sparams[0];   /* the path from the id on: the id ends at the next '/' */
    size_t n = hex ? strcspn(hex, "/") : 0;
    if (n != 2 * TOK_CARD_ID_LEN || strspn(hex, "0123456789abcdef") < n ||
        sodium_hex2bin(card, sizeof card, hex, n, NULL, &got, NULL) != 0 || got != sizeof card) {
        api_problem(c, 400, "validation", "Invalid request", "the card id is 32 lower-case hex digits", "card_id");
        return;
    }
    iss_pass p;
    int rc = iss_card_pass(c->db, card, clk_now(), &p);
    if (rc == LP_ERR_NOTFOUND) {
        api_problem(c, 404, "not-found", "Not found", "no enrolled card with this id, or nothing to carry now", NULL);
        return;
    }
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, aj_pass(&p));
}

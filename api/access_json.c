/* access_json.c: the JSON shapes of door access objects (signing keys,
 * passes, credentials, doors), shared by h_access.c and h_doors.c; field
 * names as docs/openapi.json gives them. */
#include "api/access_json.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B64U sodium_base64_VARIANT_URLSAFE_NO_PADDING

json_t *aj_b64u(const uint8_t *p, size_t n)
{
    char buf[sodium_base64_ENCODED_LEN(TOK_PASS_BUDGET, B64U)];
    if (n > TOK_PASS_BUDGET)
        return json_null();
    sodium_bin2base64(buf, sizeof buf, p, n, B64U);
    return json_string(buf);
}

json_t *aj_hex(const uint8_t *p, size_t n)
{
    char buf[2 * TOK_CTI_LEN + 1];
    if (n > TOK_CTI_LEN)
        return json_null();
    sodium_bin2hex(buf, sizeof buf, p, n);
    return json_string(buf);
}

json_t *aj_id_or_null(int64_t v) { return v > 0 ? json_integer(v) : json_null(); }

json_t *aj_utc(int64_t t)
{
    char buf[LT_RFC3339_LEN];
    if (t <= 0)
        return json_null();
    lt_format_utc(t, buf);
    return json_string(buf);
}

/* A signing key as /api/v1/pass-keys lists it (also usable as a JWK). */
json_t *aj_key(const iss_key *k)
{
    json_t *j = json_pack("{s:o, s:o, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o}", "kid", aj_hex(k->kid, TOK_KID_LEN),
                          "kid_b64u", aj_b64u(k->kid, TOK_KID_LEN), "kty", "OKP", "crv", "Ed25519", "alg", "EdDSA",
                          "x", aj_b64u(k->pk, TOK_PK_LEN), "status", iss_key_state_name(k->state),
                          "not_before", aj_utc(k->created_at), "not_after", aj_utc(k->not_after),
                          "retired_at", aj_utc(k->retired_at));
    return j;
}

json_t *aj_groups(const char *groups)
{
    json_t *a = json_array();
    char buf[ISS_GROUPS_TEXT], *save = NULL;
    snprintf(buf, sizeof buf, "%s", groups);
    for (char *g = strtok_r(buf, ",", &save); g; g = strtok_r(NULL, ",", &save))
        json_array_append_new(a, json_string(g));
    return a;
}

json_t *aj_pass(const iss_pass *p)
{
    json_t *j = json_pack("{s:I, s:s, s:o, s:o, s:o, s:I}", "id", (json_int_t)p->id, "kind", p->kind,
                          "pass", aj_b64u(p->bytes, p->len), "cti", aj_hex(p->cti, TOK_CTI_LEN),
                          "kid", aj_hex(p->kid, TOK_KID_LEN), "person_id", (json_int_t)p->person_id);
    json_object_set_new(j, "nbf", api_time_json(p->nbf));
    json_object_set_new(j, "exp", api_time_json(p->exp));
    json_object_set_new(j, "iat", api_time_json(p->iat));
    json_object_set_new(j, "door_groups", aj_groups(p->groups));
    json_object_set_new(j, "reservation_id", aj_id_or_null(p->reservation_id));
    json_object_set_new(j, "tenant_id", aj_id_or_null(p->tenant_id));
    json_object_set_new(j, "credential_id", aj_id_or_null(p->credential_id));
    json_object_set_new(j, "revoked_at", api_time_json(p->revoked_at));
    json_object_set_new(j, "revoke_reason", p->revoked_at ? json_string(p->revoke_reason) : json_null());
    return j;
}

json_t *aj_cred(const iss_credential *cr)
{
    json_t *j = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)cr->id, "kind", cr->kind, "label", cr->label);
    /* A DESFire card has a card id instead of a holder key. */
    json_object_set_new(j, "public_key", cr->has_card ? json_null() : aj_b64u(cr->pk, TOK_PK_LEN));
    char hex[2 * TOK_CARD_ID_LEN + 1];
    if (cr->has_card) sodium_bin2hex(hex, sizeof hex, cr->card_id, TOK_CARD_ID_LEN);
    json_object_set_new(j, "card_id", cr->has_card ? json_string(hex) : json_null());
    json_object_set_new(j, "created_at", api_time_json(cr->created_at));
    json_object_set_new(j, "revoked_at", api_time_json(cr->revoked_at));
    return j;
}

json_t *aj_door(const iss_door *d)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:i}", "id", (json_int_t)d->id, "name", d->name,
                          "group", d->group, "holder_proof", d->holder_proof, "bearer_allowed", d->bearer_allowed,
                          "clock_skew", (json_int_t)d->clock_skew, "pulse_ms", (json_int_t)d->pulse_ms,
                          "sync_interval", (json_int_t)d->sync_interval, "alarms_24h", d->alarms_24h);
    json_object_set_new(j, "created_at", api_time_json(d->created_at));
    json_object_set_new(j, "last_seen_at", api_time_json(d->last_seen_at > 0 ? d->last_seen_at : 0));
    json_object_set_new(j, "last_since", d->last_since >= 0 ? json_integer(d->last_since) : json_null());
    json_object_set_new(j, "queue_length", d->queue_length >= 0 ? json_integer(d->queue_length) : json_null());
    json_object_set_new(j, "last_alarm", d->last_alarm_at ? json_pack("{s:s, s:o}", "kind", d->last_alarm, "at",
                                                                      api_time_json(d->last_alarm_at)) : json_null());
    json_object_set_new(j, "retired_at", api_time_json(d->retired_at));
    json_object_set_new(j, "version", json_string(d->version));
    json_object_set_new(j, "state", json_string(iss_door_state_name(iss_door_state_at(d, clk_now()))));
    return j;
}

int aj_trust(db_t *db, int64_t now, json_t **out)
{
    iss_key *keys = NULL;
    size_t n = 0;
    *out = NULL;
    int rc = iss_key_list(db, now, 0, &keys, &n);
    if (rc) return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, aj_key(&keys[i]));
    free(keys);
    *out = a;
    return 0;
}

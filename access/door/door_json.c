/* door_json.c: event batches out, acks and pass keys in (see door_json.h). */
#include "access/door/door_json.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/ltime.h"

#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"

static int event_id_ok(const char *s)
{
    size_t n = strnlen(s, DOOR_EVENT_ID_MAX + 1);
    return n >= 1 && n <= DOOR_EVENT_ID_MAX && strspn(s, ID_CHARS) == n;
}

/* ---- the batch ---- */

static int set_new(json_t *o, const char *k, json_t *v)
{
    return v && json_object_set_new(o, k, v) == 0 ? 0 : LP_ERR_NOMEM;
}

static json_t *event_json(const struct door_queued *q, const char *id)
{
    const struct door_event *ev = &q->ev;
    char when[LT_RFC3339_LEN], cti[2 * TOK_CTI_LEN + 1];
    lt_format_utc(ev->time, when);
    json_t *o = json_object();
    int rc = o ? 0 : LP_ERR_NOMEM;
    if (rc == 0) rc = set_new(o, "id", json_string(id));
    if (rc == 0) rc = set_new(o, "time", json_string(when));
    if (rc == 0) rc = set_new(o, "kind", json_string(door_ev_kind_name(ev->kind)));
    if (rc == 0 && ev->reason[0]) rc = set_new(o, "reason", json_string(ev->reason));
    if (rc == 0 && ev->kind == DOOR_EV_ALARM) rc = set_new(o, "alarm", json_string(ev->alarm));
    if (rc == 0 && ev->has_cti) {
        sodium_bin2hex(cti, sizeof cti, ev->cti, TOK_CTI_LEN);
        rc = set_new(o, "cti", json_string(cti));
    }
    if (rc == 0 && ev->reservation_id > 0) rc = set_new(o, "reservation_id", json_integer(ev->reservation_id));
    if (rc == 0 && ev->person_id > 0) rc = set_new(o, "person_id", json_integer(ev->person_id));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int queued_ok(const struct door_queued *q, const char *id)
{
    const struct door_event *ev = &q->ev;
    if (!event_id_ok(id) || (unsigned)ev->kind >= DOOR_EV_KIND_COUNT || ev->time < 0) return 0;
    if (ev->reason[0] && !door_word_ok(ev->reason)) return 0;
    return ev->kind != DOOR_EV_ALARM || door_word_ok(ev->alarm);
}

int door_json_events(const struct door_queued *q, const char (*ids)[DOOR_EVENT_ID_MAX + 1], size_t n,
                     int64_t queue_length, char **out, size_t *len)
{
    if (!q || !ids || !out || !len || n == 0 || n > 200 || queue_length < 0) return LP_ERR_INVALID;
    *out = NULL;
    *len = 0;
    for (size_t i = 0; i < n; i++)
        if (!queued_ok(&q[i], ids[i])) return LP_ERR_INVALID;
    json_t *root = json_object(), *arr = json_array();
    int rc = root && arr ? 0 : LP_ERR_NOMEM;
    if (rc == 0) rc = set_new(root, "queue_length", json_integer(queue_length > 1000000 ? 1000000 : queue_length));
    if (rc == 0) {
        rc = json_object_set(root, "events", arr) == 0 ? 0 : LP_ERR_NOMEM;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_t *e = event_json(&q[i], ids[i]);
        rc = e && json_array_append_new(arr, e) == 0 ? 0 : LP_ERR_NOMEM;
    }
    char *s = rc == 0 ? json_dumps(root, JSON_COMPACT) : NULL;
    if (rc == 0 && !s) rc = LP_ERR_NOMEM;
    json_decref(arr);
    json_decref(root);
    if (rc != 0) return rc;
    size_t sl = strlen(s);
    if (sl > DOOR_JSON_BODY_MAX) {
        free(s);
        return LP_ERR_TOOBIG;
    }
    *out = s;
    *len = sl;
    return 0;
}

/* ---- parsing answers ---- */

static json_t *load(const char *body, size_t len, int *rc)
{
    *rc = LP_ERR_INVALID;
    if (!body) return NULL;
    if (len > DOOR_JSON_ANSWER_MAX) {
        *rc = LP_ERR_TOOBIG;
        return NULL;
    }
    json_error_t err;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (root && !json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    if (root) *rc = 0;
    return root;
}

static int parse_result(const char *s, enum door_ack_result *out)
{
    static const char *names[] = { "recorded", "checked_in", "checked_out", "not_applied" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0) { *out = (enum door_ack_result)i; return 0; }
    return LP_ERR_INVALID;
}

static int one_ack(json_t *a, struct door_ack *out)
{
    json_t *id = json_object_get(a, "id"), *res = json_object_get(a, "result"), *det = json_object_get(a, "detail");
    if (!json_is_object(a) || !json_is_string(id) || !json_is_string(res)) return LP_ERR_INVALID;
    if (det && !json_is_string(det)) return LP_ERR_INVALID;
    const char *s = json_string_value(id);
    if (strlen(s) != json_string_length(id) || !event_id_ok(s)) return LP_ERR_INVALID;
    if (parse_result(json_string_value(res), &out->result) != 0) return LP_ERR_INVALID;
    memcpy(out->id, s, strlen(s) + 1);
    return 0;
}

int door_json_acks(const char *body, size_t len, struct door_ack *out, size_t cap, size_t *n)
{
    if (!out || !n) return LP_ERR_INVALID;
    *n = 0;
    int rc;
    json_t *root = load(body, len, &rc);
    if (!root) return rc;
    json_t *acks = json_object_get(root, "acks");
    size_t count = json_is_array(acks) ? json_array_size(acks) : 0;
    rc = json_is_array(acks) ? 0 : LP_ERR_INVALID;
    if (rc == 0 && count > cap) rc = LP_ERR_TOOBIG;
    for (size_t i = 0; rc == 0 && i < count; i++) rc = one_ack(json_array_get(acks, i), &out[i]);
    json_decref(root);
    if (rc != 0) {
        memset(out, 0, cap * sizeof *out);
        return rc;
    }
    *n = count;
    return 0;
}

static int opt_time(json_t *o, const char *k, int64_t *out)
{
    json_t *v = json_object_get(o, k);
    *out = 0;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v) || json_string_length(v) >= LT_RFC3339_LEN) return LP_ERR_INVALID;
    return lt_parse_rfc3339(json_string_value(v), out) == 0 && *out >= 0 ? 0 : LP_ERR_INVALID;
}

static int one_key(json_t *o, struct tok_trust_key *out)
{
    json_t *x = json_object_get(o, "x"), *kid = json_object_get(o, "kid"), *crv = json_object_get(o, "crv");
    if (!json_is_object(o) || !json_is_string(x) || json_string_length(x) != 43) return LP_ERR_INVALID;
    if (crv && (!json_is_string(crv) || strcmp(json_string_value(crv), "Ed25519") != 0)) return LP_ERR_INVALID;
    size_t got = 0;
    memset(out, 0, sizeof *out);
    if (sodium_base642bin(out->key.pk, TOK_PK_LEN, json_string_value(x), 43, NULL, &got, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || got != TOK_PK_LEN)
        return LP_ERR_INVALID;
    tok_kid_from_pk(out->key.pk, out->key.kid);
    out->key.kid_len = TOK_KID_LEN;
    if (kid) {
        char want[2 * TOK_KID_LEN + 1];
        sodium_bin2hex(want, sizeof want, out->key.kid, TOK_KID_LEN);
        if (!json_is_string(kid) || strcmp(json_string_value(kid), want) != 0) return LP_ERR_INVALID;
    }
    if (opt_time(o, "not_before", &out->not_before) != 0 || opt_time(o, "not_after", &out->not_after) != 0)
        return LP_ERR_INVALID;
    return 0;
}

int door_json_pass_keys(const char *body, size_t len, int64_t now, struct tok_trust_key *out, size_t cap,
                        size_t *n)
{
    if (!out || !n) return LP_ERR_INVALID;
    *n = 0;
    int rc;
    json_t *root = load(body, len, &rc);
    if (!root) return rc;
    json_t *keys = json_object_get(root, "keys");
    size_t count = json_is_array(keys) ? json_array_size(keys) : 0, kept = 0;
    rc = json_is_array(keys) && count > 0 ? 0 : LP_ERR_INVALID;
    if (rc == 0 && count > TOK_BUNDLE_KEYS_MAX) rc = LP_ERR_TOOBIG;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        struct tok_trust_key k;
        rc = one_key(json_array_get(keys, i), &k);
        if (rc == 0 && (k.not_after == 0 || k.not_after > now) && kept < cap) out[kept++] = k;
    }
    json_decref(root);
    if (rc != 0) {
        memset(out, 0, cap * sizeof *out);
        return rc;
    }
    *n = kept;
    return 0;
}

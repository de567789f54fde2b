/* door_json.h: the JSON the door speaks with the server (jansson):
 * the event batch it uploads, the acks it gets back
 * (docs/access-protocol.md section 16) and the published pass keys it may
 * bootstrap its trust list from (section 11).
 *
 * Guarantees: the writer emits only the documented fields, within their
 * rules. The parsers take server answers as untrusted input: bounded size,
 * duplicate keys refused, exact types, bounded counts, every string checked
 * before it is copied; a fault refuses the whole answer. No partial results
 * on failure. */
#ifndef LP_DOOR_JSON_H
#define LP_DOOR_JSON_H
#include <stddef.h>
#include <stdint.h>
#include "access/door/door_store.h"
#include "access/token/token.h"
#include "core/err.h"

#define DOOR_JSON_BODY_MAX  (64 * 1024)    /* upload body bound (protocol) */
#define DOOR_JSON_ANSWER_MAX (256 * 1024)  /* answers the door reads */

enum door_ack_result { DOOR_ACK_RECORDED = 0, DOOR_ACK_CHECKED_IN, DOOR_ACK_CHECKED_OUT, DOOR_ACK_NOT_APPLIED };

struct door_ack {
    char id[DOOR_EVENT_ID_MAX + 1];
    enum door_ack_result result;
};

/* The upload body for events q[0..n) (1..DOOR_BATCH_MAX) whose ids are
 * ids[i], and queue_length (events left after this batch). On success *out
 * is a NUL-terminated string of *len bytes: caller frees it with free().
 * Returns 0, LP_ERR_INVALID, LP_ERR_TOOBIG (over DOOR_JSON_BODY_MAX) or
 * LP_ERR_NOMEM. */
int door_json_events(const struct door_queued *q, const char (*ids)[DOOR_EVENT_ID_MAX + 1], size_t n,
                     int64_t queue_length, char **out, size_t *len) LP_MUST;
/* Parses {"acks": [{"id": ..., "result": ..., "detail"?: ...}, ...]} into
 * out[0..cap), count in *n. Returns 0, LP_ERR_INVALID or LP_ERR_TOOBIG. */
int door_json_acks(const char *body, size_t len, struct door_ack *out, size_t cap, size_t *n) LP_MUST;
/* Parses GET /api/v1/pass-keys: {"site": ..., "keys": [{kid, x, not_before?,
 * not_after?, ...}]}. x is base64url (32 bytes); kid, when given, must be the
 * key id derived from x. Keys whose not_after is at or before now are left
 * out. Returns 0, LP_ERR_INVALID or LP_ERR_TOOBIG. */
int door_json_pass_keys(const char *body, size_t len, int64_t now, struct tok_trust_key *out, size_t cap,
                        size_t *n) LP_MUST;

#endif

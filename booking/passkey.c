/* passkey.c: passkeys (see passkey.h). libfido2 checks the keys and
 * signatures; the WebAuthn wrapping around them (clientDataJSON, the
 * attestation object, the flags and counter of authenticatorData) is read
 * here. */
#include "booking/passkey.h"
#include "booking/mailtext.h"
#include "core/clock.h"
#include "core/log.h"
#include <cbor.h>
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AD_FLAG_UP 0x01
#define AD_FLAG_UV 0x04
#define AD_FLAG_BE 0x08
#define AD_FLAG_BS 0x10
#define AD_FLAG_AT 0x40
#define AD_MIN 37               /* rpIdHash 32, flags 1, counter 4 */
#define CLIENT_DATA_MAX 4096
#define ATT_OBJ_MAX 16384

static pthread_once_t g_fido_once = PTHREAD_ONCE_INIT;
static void fido_start(void) { fido_init(0); }

static const char *const PURPOSE[] = { [PK_REGISTER] = "register", [PK_SIGNIN] = "signin", [PK_STEPUP] = "stepup" };

int pk_rp_get(pk_rp *rp, lp_fail *f)
{
    const char *url = mt_public_url();
    memset(rp, 0, sizeof *rp);
    const char *host = NULL;
    if (strncmp(url, "https://", 8) == 0) host = url + 8;
    else if (strncmp(url, "http://", 7) == 0) host = url + 7;
    if (!host || !*host)
        return lp_failf(f, LP_ERR_STATE, "passkeys", "passkeys need the site's public_url to be set");
    size_t hl = strcspn(host, "/");
    size_t il = strcspn(host, ":/");
    if (il == 0 || il >= sizeof rp->id || (size_t)(host - url) + hl >= sizeof rp->origin)
        return lp_failf(f, LP_ERR_STATE, "passkeys", "the site's public_url has no usable host");
    memcpy(rp->id, host, il);
    memcpy(rp->origin, url, (size_t)(host - url) + hl);
    return 0;
}

/* ---- challenges ---- */

static int prune_challenges(db_t *db, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM webauthn_challenges WHERE expires_at <= ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, now);
    return db_exec_stmt(st);
}

static int count_live(db_t *db, const char *ip, int64_t *n)
{
    sqlite3_stmt *st = ip ? db_stmt(db, "SELECT count(*) FROM webauthn_challenges WHERE client_ip = ?1 AND person_id IS NULL")
                          : db_stmt(db, "SELECT count(*) FROM webauthn_challenges");
    if (!st) return LP_ERR_DB;
    if (ip) db_bind_text(st, 1, ip);
    int rc = db_get(st);
    if (rc) return rc;
    *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

static int challenge_insert(db_t *db, enum pk_purpose purpose, int64_t person_id, int64_t session_id, const char *ip,
                            unsigned char out[PK_CHALLENGE_LEN])
{
    int64_t now = clk_now(), n = 0;
    int rc = prune_challenges(db, now);
    if (rc == 0 && purpose == PK_SIGNIN) {
        rc = count_live(db, ip, &n);
        if (rc == 0 && n >= PK_CHALLENGES_PER_IP) return LP_ERR_THROTTLED;
    }
    if (rc == 0) rc = count_live(db, NULL, &n);
    if (rc == 0 && n >= PK_CHALLENGES_MAX) return LP_ERR_THROTTLED;
    if (rc) return rc;
    randombytes_buf(out, PK_CHALLENGE_LEN);
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO webauthn_challenges(challenge, purpose, person_id, session_id, client_ip, created_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, out, PK_CHALLENGE_LEN);
    db_bind_text(st, 2, PURPOSE[purpose]);
    if (person_id) db_bind_int(st, 3, person_id); else sqlite3_bind_null(st, 3);
    if (session_id) db_bind_int(st, 4, session_id); else sqlite3_bind_null(st, 4);
    db_bind_text(st, 5, ip ? ip : "");
    db_bind_int(st, 6, now);
    db_bind_int(st, 7, now + PK_CHALLENGE_TTL);
    return db_exec_stmt(st);
}

int pk_challenge_new(db_t *db, enum pk_purpose purpose, int64_t person_id, int64_t session_id, const char *ip,
                     unsigned char out[PK_CHALLENGE_LEN])
{
    int rc = db_begin(db);
    if (rc) return rc;
    rc = challenge_insert(db, purpose, person_id, session_id, ip, out);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    return rc;
}

/* Takes the challenge out (committed at once, so it is used up whatever the
 * answer turns out to be). *ok = 1 when it was live and of this purpose,
 * person and session. */
static int challenge_take(db_t *db, enum pk_purpose purpose, const unsigned char *chal, int64_t person_id,
                          int64_t session_id, int *ok)
{
    *ok = 0;
    int rc = db_begin(db);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db,
        "SELECT id, purpose, COALESCE(person_id, 0), COALESCE(session_id, 0), expires_at "
        "FROM webauthn_challenges WHERE challenge = ?1");
    if (!st) rc = LP_ERR_DB;
    int64_t id = 0;
    if (rc == 0) {
        db_bind_blob(st, 1, chal, PK_CHALLENGE_LEN);
        rc = db_get(st);
        if (rc == 0) {
            id = sqlite3_column_int64(st, 0);
            *ok = strcmp(db_col_text(st, 1), PURPOSE[purpose]) == 0 && sqlite3_column_int64(st, 2) == person_id &&
                  sqlite3_column_int64(st, 3) == session_id && sqlite3_column_int64(st, 4) > clk_now();
            sqlite3_reset(st);
        } else if (rc == LP_ERR_NOTFOUND) {
            rc = 0;
        }
    }
    if (rc == 0 && id) {
        sqlite3_stmt *d = db_stmt(db, "DELETE FROM webauthn_challenges WHERE id = ?1");
        if (!d) rc = LP_ERR_DB;
        else { db_bind_int(d, 1, id); rc = db_exec_stmt(d); }
    }
    if (rc == 0) rc = db_commit(db);
    if (rc) { db_rollback(db); *ok = 0; }
    return rc;
}

/* ---- user handles and credential ids ---- */

int pk_user_handle(db_t *db, int64_t person_id, unsigned char out[PK_HANDLE_LEN])
{
    sqlite3_stmt *st = db_stmt(db, "SELECT handle FROM webauthn_users WHERE person_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    int rc = db_get(st);
    if (rc == 0) {
        if (sqlite3_column_bytes(st, 0) != PK_HANDLE_LEN) rc = LP_ERR_DB;
        else memcpy(out, sqlite3_column_blob(st, 0), PK_HANDLE_LEN);
        sqlite3_reset(st);
        return rc;
    }
    if (rc != LP_ERR_NOTFOUND) return rc;
    randombytes_buf(out, PK_HANDLE_LEN);
    st = db_stmt(db, "INSERT INTO webauthn_users(person_id, handle) VALUES (?1, ?2)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_blob(st, 2, out, PK_HANDLE_LEN);
    return db_exec_stmt(st);
}

static int cred_id_row(sqlite3_stmt *st, void *elem)
{
    pk_cred_id *c = elem;
    int n = sqlite3_column_bytes(st, 0);
    c->len = (size_t)n;
    c->id = malloc(n > 0 ? (size_t)n : 1);
    if (!c->id) return LP_ERR_NOMEM;
    if (n > 0) memcpy(c->id, sqlite3_column_blob(st, 0), (size_t)n);
    return 0;
}

int pk_person_cred_ids(db_t *db, int64_t person_id, pk_cred_id **ids, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT credential_id FROM passkeys WHERE person_id = ?1 AND revoked_at IS NULL AND cloned_at IS NULL ORDER BY id");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    return db_collect(st, sizeof(pk_cred_id), cred_id_row, (void **)ids, n);
}

void pk_cred_ids_free(pk_cred_id *ids, size_t n)
{
    for (size_t i = 0; ids && i < n; i++) free(ids[i].id);
    free(ids);
}

int pk_person_has(db_t *db, int64_t person_id, int *has)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT EXISTS (SELECT 1 FROM passkeys WHERE person_id = ?1 AND revoked_at IS NULL AND cloned_at IS NULL)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    int rc = db_get(st);
    if (rc) return rc;
    *has = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* ---- clientDataJSON and authenticatorData ---- */

/* Checks the client data of a ceremony of type; the challenge's bytes go to
 * chal and the SHA-256 of the whole text to hash. */
static int client_data_check(const unsigned char *cd, size_t len, const char *type, const pk_rp *rp,
                             unsigned char chal[PK_CHALLENGE_LEN], unsigned char hash[32], lp_fail *f)
{
    if (!cd || len == 0 || len > CLIENT_DATA_MAX)
        return lp_failf(f, LP_ERR_INVALID, "client_data_json", "client data is empty or too long");
    json_error_t e;
    json_t *j = json_loadb((const char *)cd, len, JSON_REJECT_DUPLICATES, &e);
    int rc = 0;
    const char *t = NULL, *c = NULL, *o = NULL;
    json_t *xo = NULL;
    size_t cl = 0;
    if (!j || !json_is_object(j)) {
        rc = lp_failf(f, LP_ERR_INVALID, "client_data_json", "client data is not a JSON object");
    } else {
        t = json_string_value(json_object_get(j, "type"));
        c = json_string_value(json_object_get(j, "challenge"));
        o = json_string_value(json_object_get(j, "origin"));
        xo = json_object_get(j, "crossOrigin");
        if (!t || strcmp(t, type) != 0)
            rc = lp_failf(f, LP_ERR_INVALID, "client_data_json", "client data is not of type %s", type);
        else if (!o || strcmp(o, rp->origin) != 0)
            rc = lp_failf(f, LP_ERR_INVALID, "origin", "the answer comes from another origin than this site's");
        else if (xo && !json_is_false(xo))
            rc = lp_failf(f, LP_ERR_INVALID, "origin", "a cross-origin answer is not taken");
        else if (!c || strlen(c) > 64 ||
                 sodium_base642bin(chal, PK_CHALLENGE_LEN, c, strlen(c), NULL, &cl, NULL,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || cl != PK_CHALLENGE_LEN)
            rc = lp_failf(f, LP_ERR_INVALID, "challenge", "the challenge is unknown, used or expired");
    }
    json_decref(j);
    if (rc == 0) crypto_hash_sha256(hash, cd, len);
    return rc;
}

static int rp_hash_ok(const unsigned char *ad, const pk_rp *rp)
{
    unsigned char h[32];
    crypto_hash_sha256(h, (const unsigned char *)rp->id, strlen(rp->id));
    return sodium_memcmp(h, ad, 32) == 0;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* ---- registration ---- */

struct attobj {
    char fmt[16];
    cbor_item_t *att_stmt;          /* borrowed from root */
    const unsigned char *auth_data; size_t auth_data_len;
};

static int attobj_parse(cbor_item_t *root, struct attobj *a, lp_fail *f)
{
    memset(a, 0, sizeof *a);
    if (!cbor_isa_map(root) || !cbor_map_is_definite(root) || cbor_map_size(root) != 3)
        return lp_failf(f, LP_ERR_INVALID, "attestation_object", "the attestation object is not a map of fmt, attStmt and authData");
    struct cbor_pair *p = cbor_map_handle(root);
    for (size_t i = 0; i < 3; i++) {
        cbor_item_t *k = p[i].key, *v = p[i].value;
        if (!cbor_isa_string(k) || !cbor_string_is_definite(k)) break;
        size_t kl = cbor_string_length(k);
        const char *ks = (const char *)cbor_string_handle(k);
        if (kl == 3 && memcmp(ks, "fmt", 3) == 0 && cbor_isa_string(v) && cbor_string_is_definite(v) &&
            cbor_string_length(v) < sizeof a->fmt) {
            memcpy(a->fmt, cbor_string_handle(v), cbor_string_length(v));
            a->fmt[cbor_string_length(v)] = '\0';
        } else if (kl == 7 && memcmp(ks, "attStmt", 7) == 0 && cbor_isa_map(v) && cbor_map_is_definite(v)) {
            a->att_stmt = v;
        } else if (kl == 8 && memcmp(ks, "authData", 8) == 0 && cbor_isa_bytestring(v) && cbor_bytestring_is_definite(v)) {
            a->auth_data = cbor_bytestring_handle(v);
            a->auth_data_len = cbor_bytestring_length(v);
        }
    }
    if (!a->fmt[0] || !a->att_stmt || !a->auth_data)
        return lp_failf(f, LP_ERR_INVALID, "attestation_object", "the attestation object is not a map of fmt, attStmt and authData");
    return 0;
}

/* Whether the attestation statement map has key (a text key). */
static int stmt_has(cbor_item_t *stmt, const char *key)
{
    struct cbor_pair *p = cbor_map_handle(stmt);
    for (size_t i = 0; i < cbor_map_size(stmt); i++)
        if (cbor_isa_string(p[i].key) && cbor_string_is_definite(p[i].key) &&
            cbor_string_length(p[i].key) == strlen(key) &&
            memcmp(cbor_string_handle(p[i].key), key, strlen(key)) == 0)
            return 1;
    return 0;
}

struct newcred {
    int alg, uv, be, bs;
    uint32_t count;
    unsigned char aaguid[16];
    unsigned char id[PK_CRED_ID_MAX];
    size_t id_len;
    unsigned char pk[600];
    size_t pk_len;
};

/* The credential in auth data, its attestation checked by libfido2. */
static int cred_verify(const struct attobj *a, const pk_rp *rp, const unsigned char cd_hash[32], struct newcred *nc,
                       lp_fail *f)
{
    static const int ALGS[] = { COSE_ES256, COSE_EDDSA, COSE_RS256 };
    const unsigned char *ad = a->auth_data;
    if (a->auth_data_len < AD_MIN + 18 || a->auth_data_len > 8192)
        return lp_failf(f, LP_ERR_INVALID, "attestation_object", "authenticator data is too short or too long");
    if (!rp_hash_ok(ad, rp))
        return lp_failf(f, LP_ERR_INVALID, "rp_id", "the passkey was made for another site (RP ID)");
    uint8_t flags = ad[32];
    if (!(flags & AD_FLAG_UP)) return lp_failf(f, LP_ERR_INVALID, "flags", "the authenticator did not see the user present");
    if (!(flags & AD_FLAG_AT)) return lp_failf(f, LP_ERR_INVALID, "flags", "the answer carries no new credential");
    if ((flags & AD_FLAG_BS) && !(flags & AD_FLAG_BE))
        return lp_failf(f, LP_ERR_INVALID, "flags", "backed up but not backup-eligible");
    int none = strcmp(a->fmt, "none") == 0, packed = strcmp(a->fmt, "packed") == 0;
    if (!none && !packed)
        return lp_failf(f, LP_ERR_INVALID, "attestation_object", "attestation format %s is not supported (none, packed)", a->fmt);
    if (none && cbor_map_size(a->att_stmt) != 0)
        return lp_failf(f, LP_ERR_INVALID, "attestation_object", "attestation none must have an empty statement");
    fido_cred_t *cred = NULL;
    int ok = 0;
    for (size_t i = 0; i < sizeof ALGS / sizeof ALGS[0] && !ok; i++) {
        fido_cred_free(&cred);
        if (!(cred = fido_cred_new())) return LP_ERR_NOMEM;
        ok = fido_cred_set_type(cred, ALGS[i]) == FIDO_OK &&
             fido_cred_set_authdata_raw(cred, ad, a->auth_data_len) == FIDO_OK;
    }
    int rc = 0;
    if (!ok) {
        rc = lp_failf(f, LP_ERR_INVALID, "attestation_object", "the credential's key is not ES256, Ed25519 or RS256, or is malformed");
    } else if (fido_cred_set_rp(cred, rp->id, NULL) != FIDO_OK ||
               fido_cred_set_clientdata_hash(cred, cd_hash, 32) != FIDO_OK) {
        rc = LP_ERR_NOMEM;
    } else if (packed) {
        unsigned char *buf = NULL;
        size_t cap = 0, len = cbor_serialize_alloc(a->att_stmt, &buf, &cap);
        int v = FIDO_ERR_INVALID_ARGUMENT;
        if (len > 0 && fido_cred_set_fmt(cred, "packed") == FIDO_OK &&
            fido_cred_set_attstmt(cred, buf, len) == FIDO_OK)
            v = stmt_has(a->att_stmt, "x5c") ? fido_cred_verify(cred) : fido_cred_verify_self(cred);
        free(buf);
        if (v != FIDO_OK)
            rc = lp_failf(f, LP_ERR_INVALID, "attestation_object", "the attestation signature does not verify");
    }
    if (rc == 0) {
        if (fido_cred_id_len(cred) < 16 || fido_cred_id_len(cred) > PK_CRED_ID_MAX ||
            fido_cred_pubkey_len(cred) == 0 || fido_cred_pubkey_len(cred) > sizeof nc->pk ||
            fido_cred_aaguid_len(cred) != 16) {
            rc = lp_failf(f, LP_ERR_INVALID, "attestation_object", "the credential id or key has an unusable size");
        } else {
            nc->alg = fido_cred_type(cred);
            nc->uv = !!(flags & AD_FLAG_UV);
            nc->be = !!(flags & AD_FLAG_BE);
            nc->bs = !!(flags & AD_FLAG_BS);
            nc->count = be32(ad + 33);
            nc->id_len = fido_cred_id_len(cred);
            memcpy(nc->id, fido_cred_id_ptr(cred), nc->id_len);
            nc->pk_len = fido_cred_pubkey_len(cred);
            memcpy(nc->pk, fido_cred_pubkey_ptr(cred), nc->pk_len);
            memcpy(nc->aaguid, fido_cred_aaguid_ptr(cred), 16);
        }
    }
    fido_cred_free(&cred);
    return rc;
}

static const char *SNAP_PK =
    "SELECT json_object('id', id, 'person_id', person_id, 'name', name, 'alg', alg, 'sign_count', sign_count, "
    "'revoked_at', revoked_at, 'cloned_at', cloned_at) FROM passkeys WHERE id = ?1";

static int store_cred(db_t *db, const actor_t *who, int64_t person_id, const char *name, const char *fmt,
                      const struct newcred *nc, int64_t *id_out, lp_fail *f)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT EXISTS (SELECT 1 FROM passkeys WHERE credential_id = ?1), "
                                   "(SELECT count(*) FROM passkeys WHERE person_id = ?2 AND revoked_at IS NULL)");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, nc->id, (int)nc->id_len);
    db_bind_int(st, 2, person_id);
    int rc = db_get(st);
    if (rc) return rc;
    int dup = sqlite3_column_int(st, 0);
    int64_t have = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    if (dup) return lp_failf(f, LP_ERR_CONFLICT, "credential_id", "this passkey is registered already");
    if (have >= PK_PER_PERSON_MAX)
        return lp_failf(f, LP_ERR_RULE, "passkeys", "at most %d passkeys per person; revoke one first", PK_PER_PERSON_MAX);
    st = db_stmt(db,
        "INSERT INTO passkeys(person_id, name, credential_id, alg, public_key, aaguid, sign_count, uv, "
        "backup_eligible, backed_up, fmt, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_text(st, 2, name);
    db_bind_blob(st, 3, nc->id, (int)nc->id_len);
    db_bind_int(st, 4, nc->alg);
    db_bind_blob(st, 5, nc->pk, (int)nc->pk_len);
    db_bind_blob(st, 6, nc->aaguid, 16);
    db_bind_int(st, 7, nc->count);
    db_bind_int(st, 8, nc->uv);
    db_bind_int(st, 9, nc->be);
    db_bind_int(st, 10, nc->bs);
    db_bind_text(st, 11, fmt);
    db_bind_int(st, 12, clk_now());
    if ((rc = db_exec_stmt(st)) != 0) return rc;
    *id_out = db_last_id(db);
    return audit_change(db, who, "create", "passkey", *id_out, SNAP_PK, NULL);
}

int pk_register(db_t *db, const actor_t *who, int64_t person_id, const pk_registration *r, int64_t *id_out,
                lp_fail *f)
{
    pk_rp rp;
    unsigned char chal[PK_CHALLENGE_LEN], hash[32];
    int ok = 0;
    *id_out = 0;
    pthread_once(&g_fido_once, fido_start);
    int rc = pk_rp_get(&rp, f);
    if (rc) return rc;
    if (!lp_text_ok(r->name, PK_NAME_MAX))
        return lp_failf(f, LP_ERR_INVALID, "name", "name must be 1 to %d characters", PK_NAME_MAX);
    if ((rc = client_data_check(r->client_data, r->client_data_len, "webauthn.create", &rp, chal, hash, f)) != 0) return rc;
    if ((rc = challenge_take(db, PK_REGISTER, chal, person_id, 0, &ok)) != 0) return rc;
    if (!ok) return lp_failf(f, LP_ERR_INVALID, "challenge", "the challenge is unknown, used or expired");
    if (!r->att_obj || r->att_obj_len == 0 || r->att_obj_len > ATT_OBJ_MAX)
        return lp_failf(f, LP_ERR_INVALID, "attestation_object", "the attestation object is empty or too long");
    struct cbor_load_result res;
    cbor_item_t *root = cbor_load(r->att_obj, r->att_obj_len, &res);
    if (!root || res.error.code != CBOR_ERR_NONE || res.read != r->att_obj_len) {
        if (root) cbor_decref(&root);
        return lp_failf(f, LP_ERR_INVALID, "attestation_object", "the attestation object is not one CBOR item");
    }
    struct attobj a;
    struct newcred *nc = calloc(1, sizeof *nc);
    if (!nc) rc = LP_ERR_NOMEM;
    if (rc == 0) rc = attobj_parse(root, &a, f);
    if (rc == 0) rc = cred_verify(&a, &rp, hash, nc, f);
    if (rc == 0 && (rc = db_begin(db)) == 0) {
        rc = store_cred(db, who, person_id, r->name, a.fmt, nc, id_out, f);
        if (rc == 0) rc = db_commit(db);
        if (rc) { db_rollback(db); *id_out = 0; }
    }
    free(nc);
    cbor_decref(&root);
    return rc;
}

/* ---- assertions ---- */

struct stored {
    int64_t id, person_id, sign_count;
    int alg, live, person_ok;
    unsigned char pk[600];
    size_t pk_len;
    unsigned char handle[PK_HANDLE_LEN];
    int has_handle;
};

static int stored_find(db_t *db, const unsigned char *cid, size_t len, struct stored *s, int *found)
{
    *found = 0;
    sqlite3_stmt *st = db_stmt(db,
        "SELECT k.id, k.person_id, k.alg, k.public_key, k.sign_count, "
        "k.revoked_at IS NULL AND k.cloned_at IS NULL, "
        "p.status = 'active' AND NOT EXISTS (SELECT 1 FROM memberships m JOIN tenants t ON t.id = m.tenant_id "
        "WHERE m.person_id = p.id AND t.status = 'offboarded'), u.handle "
        "FROM passkeys k JOIN people p ON p.id = k.person_id LEFT JOIN webauthn_users u ON u.person_id = k.person_id "
        "WHERE k.credential_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, cid, (int)len);
    int rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? 0 : rc;
    s->id = sqlite3_column_int64(st, 0);
    s->person_id = sqlite3_column_int64(st, 1);
    s->alg = sqlite3_column_int(st, 2);
    int n = sqlite3_column_bytes(st, 3);
    s->sign_count = sqlite3_column_int64(st, 4);
    s->live = sqlite3_column_int(st, 5);
    s->person_ok = sqlite3_column_int(st, 6);
    s->has_handle = sqlite3_column_bytes(st, 7) == PK_HANDLE_LEN;
    if (s->has_handle) memcpy(s->handle, sqlite3_column_blob(st, 7), PK_HANDLE_LEN);
    if (n > 0 && (size_t)n <= sizeof s->pk) {
        memcpy(s->pk, sqlite3_column_blob(st, 3), (size_t)n);
        s->pk_len = (size_t)n;
        *found = 1;
    } else {
        rc = LP_ERR_DB;
    }
    sqlite3_reset(st);
    return rc;
}

static int sig_verify(const struct stored *s, const pk_rp *rp, const unsigned char hash[32], const pk_assertion *a,
                      int need_uv)
{
    fido_assert_t *as = fido_assert_new();
    es256_pk_t *es = NULL;
    eddsa_pk_t *ed = NULL;
    rs256_pk_t *rs = NULL;
    const void *key = NULL;
    int v = FIDO_ERR_INVALID_ARGUMENT;
    if (!as) return 0;
    if (s->alg == COSE_ES256 && (es = es256_pk_new()) && es256_pk_from_ptr(es, s->pk, s->pk_len) == FIDO_OK) key = es;
    else if (s->alg == COSE_EDDSA && (ed = eddsa_pk_new()) && eddsa_pk_from_ptr(ed, s->pk, s->pk_len) == FIDO_OK) key = ed;
    else if (s->alg == COSE_RS256 && (rs = rs256_pk_new()) && rs256_pk_from_ptr(rs, s->pk, s->pk_len) == FIDO_OK) key = rs;
    if (key && fido_assert_set_count(as, 1) == FIDO_OK && fido_assert_set_rp(as, rp->id) == FIDO_OK &&
        fido_assert_set_clientdata_hash(as, hash, 32) == FIDO_OK &&
        fido_assert_set_authdata_raw(as, 0, a->auth_data, a->auth_data_len) == FIDO_OK &&
        fido_assert_set_sig(as, 0, a->sig, a->sig_len) == FIDO_OK &&
        fido_assert_set_up(as, FIDO_OPT_TRUE) == FIDO_OK &&
        fido_assert_set_uv(as, need_uv ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) == FIDO_OK)
        v = fido_assert_verify(as, 0, s->alg, key);
    es256_pk_free(&es);
    eddsa_pk_free(&ed);
    rs256_pk_free(&rs);
    fido_assert_free(&as);
    return v == FIDO_OK;
}

/* The counter went backwards: the passkey is blocked (audited). */
static int flag_cloned(db_t *db, int64_t id)
{
    char *before = NULL;
    actor_t sys = { .person_id = 0, .label = "system:passkey-counter" };
    int rc = db_begin(db);
    if (rc) return rc;
    rc = audit_snapshot(db, SNAP_PK, id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE passkeys SET cloned_at = ?2 WHERE id = ?1 AND cloned_at IS NULL");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) { db_bind_int(st, 1, id); db_bind_int(st, 2, clk_now()); rc = db_exec_stmt(st); }
    if (rc == 0) rc = audit_change(db, &sys, "flag-cloned", "passkey", id, SNAP_PK, before);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    free(before);
    log_warn("passkey", "passkey %lld: signature counter did not increase; blocked as a possible clone", (long long)id);
    return rc;
}

/* Stores the new counter only while it is still above the stored one (two
 * answers racing with the same counter: one wins); *moved = 0 when not. */
static int record_use(db_t *db, int64_t id, uint32_t count, int bs, int *moved)
{
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE passkeys SET sign_count = ?2, last_used_at = ?3, backed_up = ?4 WHERE id = ?1 "
        "AND revoked_at IS NULL AND cloned_at IS NULL AND (sign_count < ?2 OR (?2 = 0 AND sign_count = 0))");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, count);
    db_bind_int(st, 3, clk_now());
    db_bind_int(st, 4, bs);
    int rc = db_exec_stmt(st);
    *moved = rc == 0 && db_changes(db) == 1;
    return rc;
}

int pk_assert(db_t *db, enum pk_purpose purpose, int64_t person_id, int64_t session_id, const pk_assertion *a,
              int64_t *person_out, int64_t *passkey_out, lp_fail *f)
{
    pk_rp rp;
    unsigned char chal[PK_CHALLENGE_LEN], hash[32];
    int ok = 0, found = 0;
    *person_out = *passkey_out = 0;
    pthread_once(&g_fido_once, fido_start);
    int rc = pk_rp_get(&rp, f);
    if (rc) return rc;
    if (purpose == PK_REGISTER) return LP_ERR_INVALID;
    if ((rc = client_data_check(a->client_data, a->client_data_len, "webauthn.get", &rp, chal, hash, f)) != 0) return rc;
    if ((rc = challenge_take(db, purpose, chal, purpose == PK_STEPUP ? person_id : 0,
                             purpose == PK_STEPUP ? session_id : 0, &ok)) != 0)
        return rc;
    if (!ok) return lp_failf(f, LP_ERR_INVALID, "challenge", "the challenge is unknown, used or expired");
    if (!a->cred_id || a->cred_id_len == 0 || a->cred_id_len > PK_CRED_ID_MAX)
        return lp_failf(f, LP_ERR_INVALID, "credential_id", "credential_id has an impossible length");
    if (!a->auth_data || a->auth_data_len < AD_MIN || a->auth_data_len > 4096)
        return lp_failf(f, LP_ERR_INVALID, "authenticator_data", "authenticator data is too short or too long");
    if (!a->sig || a->sig_len == 0 || a->sig_len > 1024)
        return lp_failf(f, LP_ERR_INVALID, "signature", "signature has an impossible length");
    struct stored *s = calloc(1, sizeof *s);
    if (!s) return LP_ERR_NOMEM;
    rc = stored_find(db, a->cred_id, a->cred_id_len, s, &found);
    uint8_t flags = a->auth_data[32];
    uint32_t count = be32(a->auth_data + 33);
    if (rc) {
        /* database error: as is */
    } else if (!found || !s->person_ok || (purpose == PK_STEPUP && s->person_id != person_id)) {
        rc = lp_failf(f, LP_ERR_UNAUTH, "credential_id", "this passkey is not known here");
    } else if (!s->live) {
        rc = lp_failf(f, LP_ERR_UNAUTH, "credential_id", "this passkey was revoked or blocked");
    } else if (a->user_handle && (!s->has_handle || a->user_handle_len != PK_HANDLE_LEN ||
                                  sodium_memcmp(a->user_handle, s->handle, PK_HANDLE_LEN) != 0)) {
        rc = lp_failf(f, LP_ERR_UNAUTH, "user_handle", "the passkey belongs to another account");
    } else if (!rp_hash_ok(a->auth_data, &rp)) {
        rc = lp_failf(f, LP_ERR_UNAUTH, "rp_id", "the passkey was made for another site (RP ID)");
    } else if (!(flags & AD_FLAG_UP)) {
        rc = lp_failf(f, LP_ERR_UNAUTH, "flags", "the authenticator did not see the user present");
    } else if (purpose == PK_SIGNIN && !(flags & AD_FLAG_UV)) {
        rc = lp_failf(f, LP_ERR_UNAUTH, "flags", "signing in with a passkey needs user verification (PIN or biometrics)");
    } else if (!sig_verify(s, &rp, hash, a, purpose == PK_SIGNIN)) {
        rc = lp_failf(f, LP_ERR_UNAUTH, "signature", "the signature does not verify");
    } else if ((count != 0 || s->sign_count != 0) && (int64_t)count <= s->sign_count) {
        rc = flag_cloned(db, s->id);
        if (rc == 0)
            rc = lp_failf(f, LP_ERR_UNAUTH, "sign_count",
                          "the passkey's signature counter went backwards; it may have been copied and is now blocked");
    } else {
        int moved = 0;
        rc = record_use(db, s->id, count, !!(flags & AD_FLAG_BS), &moved);
        if (rc == 0 && !moved)
            rc = lp_failf(f, LP_ERR_UNAUTH, "sign_count", "the passkey was used at the same moment elsewhere; try again");
        if (rc == 0) { *person_out = s->person_id; *passkey_out = s->id; }
    }
    free(s);
    return rc;
}

/* ---- listing and management ---- */

#define PK_COLS "id, name, alg, sign_count, uv, backup_eligible, backed_up, fmt, aaguid, created_at, " \
                "COALESCE(last_used_at, 0), COALESCE(revoked_at, 0), COALESCE(cloned_at, 0)"

static int info_row(sqlite3_stmt *st, void *elem)
{
    pk_info *p = elem;
    p->id = sqlite3_column_int64(st, 0);
    snprintf(p->name, sizeof p->name, "%s", db_col_text(st, 1));
    p->alg = sqlite3_column_int(st, 2);
    p->sign_count = sqlite3_column_int64(st, 3);
    p->uv = sqlite3_column_int(st, 4);
    p->backup_eligible = sqlite3_column_int(st, 5);
    p->backed_up = sqlite3_column_int(st, 6);
    snprintf(p->fmt, sizeof p->fmt, "%s", db_col_text(st, 7));
    const unsigned char *g = sqlite3_column_blob(st, 8);
    if (sqlite3_column_bytes(st, 8) != 16 || !g) return LP_ERR_DB;
    snprintf(p->aaguid, sizeof p->aaguid,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[0], g[1], g[2], g[3], g[4],
             g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
    p->created_at = sqlite3_column_int64(st, 9);
    p->last_used_at = sqlite3_column_int64(st, 10);
    p->revoked_at = sqlite3_column_int64(st, 11);
    p->cloned_at = sqlite3_column_int64(st, 12);
    return 0;
}

int pk_list(db_t *db, int64_t person_id, pk_info **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PK_COLS " FROM passkeys WHERE person_id = ?1 ORDER BY id");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    return db_collect(st, sizeof(pk_info), info_row, (void **)out, n);
}

int pk_get(db_t *db, int64_t person_id, int64_t id, pk_info *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PK_COLS " FROM passkeys WHERE id = ?1 AND person_id = ?2");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, person_id);
    int rc = db_get(st);
    if (rc) return rc;
    rc = info_row(st, out);
    sqlite3_reset(st);
    return rc;
}

static int change(db_t *db, const actor_t *who, int64_t person_id, int64_t id, const char *name, lp_fail *f)
{
    pk_info cur;
    char *before = NULL;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = pk_get(db, person_id, id, &cur);
    if (rc == 0 && !name && cur.revoked_at) rc = lp_failf(f, LP_ERR_STATE, "passkey", "the passkey is revoked already");
    if (rc == 0) rc = audit_snapshot(db, SNAP_PK, id, &before);
    sqlite3_stmt *st = NULL;
    if (rc == 0) {
        st = name ? db_stmt(db, "UPDATE passkeys SET name = ?2 WHERE id = ?1")
                  : db_stmt(db, "UPDATE passkeys SET revoked_at = ?2 WHERE id = ?1");
        if (!st) rc = LP_ERR_DB;
    }
    if (rc == 0) {
        db_bind_int(st, 1, id);
        if (name) db_bind_text(st, 2, name); else db_bind_int(st, 2, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, who, name ? "rename" : "revoke", "passkey", id, SNAP_PK, before);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    free(before);
    return rc;
}

int pk_rename(db_t *db, const actor_t *who, int64_t person_id, int64_t id, const char *name, lp_fail *f)
{
    if (!name || !lp_text_ok(name, PK_NAME_MAX))
        return lp_failf(f, LP_ERR_INVALID, "name", "name must be 1 to %d characters", PK_NAME_MAX);
    return change(db, who, person_id, id, name, f);
}

int pk_revoke(db_t *db, const actor_t *who, int64_t person_id, int64_t id)
{
    return change(db, who, person_id, id, NULL, NULL);
}

/* ---- demo ---- */

static int demo_key(db_t *db, const actor_t *who, int64_t person_id, const char *name, const unsigned char aaguid[16],
                    int64_t count, int synced, int64_t created, int64_t used, int64_t revoked)
{
    unsigned char pk[32], sk[64], cid[32];
    crypto_sign_keypair(pk, sk);   /* nobody keeps the secret half: the demo's passkeys only show */
    sodium_memzero(sk, sizeof sk);
    randombytes_buf(cid, sizeof cid);
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO passkeys(person_id, name, credential_id, alg, public_key, aaguid, sign_count, uv, backup_eligible, "
        "backed_up, fmt, created_at, last_used_at, revoked_at) VALUES (?1, ?2, ?3, -8, ?4, ?5, ?6, 1, ?7, ?7, 'none', ?8, ?9, ?10)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_text(st, 2, name);
    db_bind_blob(st, 3, cid, sizeof cid);
    db_bind_blob(st, 4, pk, sizeof pk);
    db_bind_blob(st, 5, aaguid, 16);
    db_bind_int(st, 6, count);
    db_bind_int(st, 7, synced);
    db_bind_int(st, 8, created);
    db_bind_int(st, 9, used);
    if (revoked) db_bind_int(st, 10, revoked); else sqlite3_bind_null(st, 10);
    int rc = db_exec_stmt(st);
    if (rc == 0) rc = audit_change(db, who, "create", "passkey", db_last_id(db), SNAP_PK, NULL);
    return rc;
}

int pk_demo_seed(db_t *db, const actor_t *who, int64_t person_id)
{
    static const unsigned char ICLOUD[16] = { 0 };   /* synced platform passkeys report no model */
    static const unsigned char YUBIKEY5[16] = { 0xcb, 0x69, 0x48, 0x1e, 0x8f, 0xf7, 0x40, 0x39,
                                                0x93, 0xec, 0x0a, 0x27, 0x29, 0xa1, 0x54, 0xa8 };
    int64_t now = clk_now(), day = 86400;
    unsigned char handle[PK_HANDLE_LEN];
    int rc = db_begin(db);
    if (rc) return rc;
    rc = pk_user_handle(db, person_id, handle);
    if (rc == 0) rc = demo_key(db, who, person_id, "iPhone (iCloud Keychain)", ICLOUD, 0, 1, now - 40 * day, now - 2 * day, 0);
    if (rc == 0) rc = demo_key(db, who, person_id, "YubiKey 5C NFC (desk)", YUBIKEY5, 57, 0, now - 200 * day, now - 12 * day, now - 10 * day);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    return rc;
}

/* test_issuer.c: unit tests for access/issuer on a scratch database with a
 * fixed clock: the key file (creation mode, refusals), sealed signing keys
 * (wrong key file, swapped rows, no key file), rotation and the trust window,
 * withdrawal, the denylist's SEQ (monotonic, never reused after pruning,
 * since/reset, skew), revocation scopes and the tenant hook, standing passes
 * that verify with the published keys, and the sync bundle end to end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "access/issuer/issuer.h"
#include "booking/person.h"
#include "booking/tenant.h"
#include "core/clock.h"

#define NOW 1796104800LL   /* 2026-12-01T06:00:00Z */
#define DAY 86400LL

static const actor_t T = { 0, "test" };
static char dir[64];
static db_t *db;
static int64_t person, tenant;

/* ---- fixtures ---- */

static void path_in(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

static int64_t make_person(const char *email, int staff, int64_t tnt)
{
    psn_person p = { 0 };
    lp_fail f;
    snprintf(p.email, sizeof p.email, "%s", email);
    snprintf(p.name, sizeof p.name, "Person %s", email);
    p.state = PSN_ACTIVE;
    p.is_staff = staff;
    assert_int_equal(psn_create(db, &T, &p, NULL, &f), 0);
    if (tnt)
        assert_int_equal(psn_set_membership(db, &T, p.id, tnt, "member", &f), 0);
    return p.id;
}

static int64_t active_key_id(void)
{
    iss_key *k = NULL;
    size_t n = 0;
    int64_t id = 0;
    assert_int_equal(iss_key_list(db, clk_now(), 0, &k, &n), 0);
    for (size_t i = 0; i < n; i++)
        if (k[i].state == ISS_KEY_ACTIVE)
            id = k[i].id;
    free(k);
    return id;
}

/* A stored standing pass row (credential 1), as the issuer writes them; the
 * bytes are not looked at by the code under test here. */
static int64_t add_pass(int64_t who, int64_t tnt, int64_t exp, uint8_t fill)
{
    uint8_t cti[16], bytes[8] = { 0 };
    memset(cti, fill, sizeof cti);
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO passes(cti, kind, person_id, tenant_id, reservation_id, credential_id, "
                                   "key_id, groups, nbf, exp, iat, bytes) VALUES (?1, 'standing', ?2, NULLIF(?3, 0), NULL, "
                                   "1, ?4, '*', ?5, ?6, ?5, ?7)");
    assert_non_null(st);
    db_bind_blob(st, 1, cti, 16);
    db_bind_int(st, 2, who);
    db_bind_int(st, 3, tnt);
    db_bind_int(st, 4, active_key_id());
    db_bind_int(st, 5, NOW - 3600);
    db_bind_int(st, 6, exp);
    db_bind_blob(st, 7, bytes, sizeof bytes);
    assert_int_equal(db_exec_stmt(st), 0);
    return db_last_id(db);
}

static int setup(void **st)
{
    char path[128];
    uint8_t master[ISS_MASTER_LEN];
    assert_true(sodium_init() >= 0);
    snprintf(dir, sizeof dir, "/tmp/labpass-issuer-XXXXXX");
    assert_non_null(mkdtemp(dir));
    path_in(path, sizeof path, "labpass.db");
    assert_int_equal(db_open(path, &db), 0);
    clk_set_fixed(NOW);
    randombytes_buf(master, sizeof master);
    iss_master_set(master);
    iss_hooks_register();
    tnt_tenant t = { 0 };
    lp_fail f;
    snprintf(t.name, sizeof t.name, "Test Tenant B.V.");
    snprintf(t.country, sizeof t.country, "NL");
    snprintf(t.rate_tier, sizeof t.rate_tier, "startup");
    assert_int_equal(tnt_create(db, &T, &t, &f), 0);
    tenant = t.id;
    person = make_person("holder@example.org", 0, tenant);
    /* one credential, for the standing rows above (credential_id 1) */
    uint8_t pk[32], sk[64];
    iss_credential cr;
    crypto_sign_keypair(pk, sk);
    assert_int_equal(iss_key_ensure(db, &T, NOW), 0);
    assert_int_equal(iss_cred_add(db, &T, person, "card", "test card", pk, NOW, &cr, &f), 0);
    assert_int_equal(cr.id, 1);
    return 0;
}

static int teardown(void **st)
{
    char cmd[128];
    db_close(db);
    iss_master_clear();
    clk_set_fixed(-1);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- the key file ---- */

static void test_keyfile(void **st)
{
    char path[128], link[128];
    struct stat sb;
    uint8_t keep[ISS_MASTER_LEN];
    path_in(path, sizeof path, "k1.key");
    assert_int_equal(iss_keyfile_load(path, 0), LP_ERR_NOTFOUND);
    assert_int_equal(iss_keyfile_load(path, 1), 0);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, ISS_MASTER_LEN);
    FILE *f = fopen(path, "rb");
    assert_int_equal(fread(keep, 1, sizeof keep, f), sizeof keep);
    fclose(f);
    /* a second load with create keeps the file */
    assert_int_equal(iss_keyfile_load(path, 1), 0);
    f = fopen(path, "rb");
    uint8_t again[ISS_MASTER_LEN];
    assert_int_equal(fread(again, 1, sizeof again, f), sizeof again);
    fclose(f);
    assert_memory_equal(keep, again, sizeof keep);
    /* others may read: refused; group may read: fine; group may write: refused */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(iss_keyfile_load(path, 0), LP_ERR_FORBIDDEN);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(iss_keyfile_load(path, 0), 0);
    assert_int_equal(chmod(path, 0620), 0);
    assert_int_equal(iss_keyfile_load(path, 0), LP_ERR_FORBIDDEN);
    /* a symbolic link and a short file are refused */
    assert_int_equal(chmod(path, 0600), 0);
    path_in(link, sizeof link, "link.key");
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(iss_keyfile_load(link, 0), LP_ERR_FORBIDDEN);
    path_in(link, sizeof link, "short.key");
    f = fopen(link, "wb");
    fwrite(keep, 1, 31, f);
    fclose(f);
    assert_int_equal(chmod(link, 0600), 0);
    assert_int_equal(iss_keyfile_load(link, 0), LP_ERR_INVALID);
    char def[128];
    iss_keyfile_default("var/labpass.db", def, sizeof def);
    assert_string_equal(def, "var/labpass.key");
    iss_keyfile_default("labpass.db", def, sizeof def);
    assert_string_equal(def, "labpass.key");
}

/* ---- sealed keys ---- */

static void test_sealed_keys(void **st)
{
    uint8_t wrong[ISS_MASTER_LEN];
    char path[128];
    /* the suite's key file: write it out, so it can be reloaded */
    path_in(path, sizeof path, "k1.key");
    assert_int_equal(iss_keyfile_load(path, 0), 0);      /* now the master is k1's, which sealed nothing */
    assert_int_equal(iss_keys_verify(db), LP_ERR_CRYPTO);
    randombytes_buf(wrong, sizeof wrong);
    iss_master_set(wrong);
    assert_int_equal(iss_keys_verify(db), LP_ERR_CRYPTO);
    iss_pass *p = NULL;
    size_t n = 0;
    int64_t staff = make_person("sealed@example.org", 1, 0);
    uint8_t pk[32], sk[64];
    iss_credential cr;
    lp_fail f;
    crypto_sign_keypair(pk, sk);
    assert_int_equal(iss_cred_add(db, &T, staff, "phone", "p", pk, NOW, &cr, &f), 0);
    assert_int_equal(iss_passes_for_person(db, staff, NOW, &p, &n), LP_ERR_CRYPTO);
    assert_null(p);
    iss_master_clear();
    assert_int_equal(iss_passes_for_person(db, staff, NOW, &p, &n), LP_ERR_STATE);
    assert_int_equal(iss_key_rotate(db, &T, NOW, NULL), LP_ERR_STATE);
}

static uint8_t suite_master[ISS_MASTER_LEN];

/* Starts the key tests over: a new key file key, no passes, one fresh key. */
static int fresh_keys(void **st)
{
    randombytes_buf(suite_master, sizeof suite_master);
    iss_master_set(suite_master);
    assert_int_equal(db_exec(db, "DELETE FROM passes"), 0);
    assert_int_equal(db_exec(db, "DELETE FROM signing_keys"), 0);
    assert_int_equal(iss_key_ensure(db, &T, NOW), 0);
    assert_int_equal(iss_keys_verify(db), 0);
    return 0;
}

static void test_swapped_rows_refused(void **st)
{
    assert_int_equal(iss_key_rotate(db, &T, NOW, NULL), 0);
    assert_int_equal(iss_keys_verify(db), 0);
    /* give the newer key the older one's sealed seed: its public key no longer matches */
    assert_int_equal(db_exec(db, "UPDATE signing_keys SET sealed_seed = (SELECT sealed_seed FROM signing_keys "
                                 "ORDER BY id LIMIT 1) WHERE id = (SELECT max(id) FROM signing_keys)"), 0);
    assert_int_equal(iss_keys_verify(db), LP_ERR_CRYPTO);
    assert_int_equal(fresh_keys(st), 0);
}

/* ---- rotation ---- */

static void test_rotation_window(void **st)
{
    iss_key *k = NULL, now_key;
    size_t n = 0;
    int64_t first = active_key_id();
    add_pass(person, tenant, NOW + 30 * DAY, 0x31);    /* a long pass signed by the first key */
    assert_int_equal(iss_key_rotate(db, &T, NOW, &now_key), 0);
    assert_int_equal(now_key.state, ISS_KEY_ACTIVE);
    assert_int_not_equal(now_key.id, first);
    assert_int_equal(iss_key_list(db, NOW, 0, &k, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(k[0].id, first);                  /* oldest first */
    assert_int_equal(k[0].state, ISS_KEY_RETIRED);
    assert_string_equal(iss_key_state_name(k[0].state), "retired");
    assert_int_equal(k[0].not_after, NOW + 30 * DAY);  /* its last pass's exp */
    assert_int_equal(k[1].not_after, 0);
    free(k);
    /* a key without long passes stays trusted for the overlap (7 days) */
    assert_int_equal(iss_key_rotate(db, &T, NOW + DAY, NULL), 0);
    assert_int_equal(iss_key_list(db, NOW + DAY, 0, &k, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(k[1].not_after, NOW + 8 * DAY);
    free(k);
    /* after the overlap only the first (long pass) and the active key remain */
    assert_int_equal(iss_key_list(db, NOW + 8 * DAY, 0, &k, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(k[0].id, first);
    free(k);
    assert_int_equal(iss_key_list(db, NOW + 30 * DAY, 0, &k, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(k[0].state, ISS_KEY_ACTIVE);
    free(k);
    /* all: every key ever made */
    assert_int_equal(iss_key_list(db, NOW + 30 * DAY, 1, &k, &n), 0);
    assert_int_equal(n, 3);
    free(k);
}

static void test_withdraw(void **st)
{
    iss_key *k = NULL;
    size_t n = 0;
    int revoked = -1;
    int64_t before;
    assert_int_equal(iss_deny_seq(db, &before), 0);
    int64_t active = active_key_id();
    add_pass(person, tenant, NOW + DAY, 0x41);
    assert_int_equal(iss_key_list(db, NOW, 0, &k, &n), 0);
    uint8_t kid[TOK_KID_LEN];
    for (size_t i = 0; i < n; i++)
        if (k[i].id == active)
            memcpy(kid, k[i].kid, sizeof kid);
    free(k);
    assert_int_equal(iss_key_withdraw(db, &T, kid, NOW, &revoked), 0);
    assert_int_equal(revoked, 1);
    assert_int_equal(iss_key_withdraw(db, &T, kid, NOW, &revoked), LP_ERR_STATE);
    assert_int_not_equal(active_key_id(), active);      /* a new active key */
    assert_int_equal(iss_key_list(db, NOW, 0, &k, &n), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(k[i].id, active);
    free(k);
    int64_t after;
    assert_int_equal(iss_deny_seq(db, &after), 0);
    assert_int_equal(after, before + 1);
    uint8_t nokid[TOK_KID_LEN] = { 0 };
    assert_int_equal(iss_key_withdraw(db, &T, nokid, NOW, &revoked), LP_ERR_NOTFOUND);
}

/* ---- the denylist ---- */

static void test_deny_seq(void **st)
{
    struct tok_deny_entry *d = NULL;
    size_t n = 0;
    int64_t base, seq;
    int reset, count = -1;
    assert_int_equal(iss_deny_seq(db, &base), 0);
    int64_t other = make_person("other@example.org", 0, tenant), holder = make_person("seq@example.org", 0, tenant);
    int64_t p1 = add_pass(holder, tenant, NOW + 3600, 0x01);
    add_pass(holder, tenant, NOW + 7200, 0x02);
    add_pass(holder, tenant, NOW - 60, 0x03);          /* expired: never denied */
    add_pass(other, tenant, NOW + 3600, 0x04);
    assert_int_equal(iss_revoke(db, &T, ISS_PASS, p1, "revoked_by_staff", NOW, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(iss_revoke(db, &T, ISS_PASS, p1, "revoked_by_staff", NOW, &count), 0);
    assert_int_equal(count, 0);                        /* once */
    assert_int_equal(iss_revoke(db, &T, ISS_PERSON, holder, "person_disabled", NOW, &count), 0);
    assert_int_equal(count, 1);                        /* the live one left; not the expired one */
    assert_int_equal(iss_revoke(db, &T, ISS_PERSON, holder, "bad reason!", NOW, &count), LP_ERR_INVALID);
    /* since 0: everything, reset; since base + 1: the later one */
    assert_int_equal(iss_deny_since(db, 0, NOW, 120, &d, &n, &seq, &reset), 0);
    assert_int_equal(seq, base + 2);
    assert_int_equal(reset, 1);
    assert_true(n >= 2);
    free(d);
    assert_int_equal(iss_deny_since(db, base + 1, NOW, 120, &d, &n, &seq, &reset), 0);
    assert_int_equal(reset, 0);
    assert_int_equal(n, 1);
    assert_int_equal(d[0].cti[0], 0x02);
    assert_int_equal(d[0].exp, NOW + 7200);
    free(d);
    assert_int_equal(iss_deny_since(db, seq, NOW, 120, &d, &n, &seq, &reset), 0);
    assert_int_equal(n, 0);
    assert_int_equal(reset, 0);
    free(d);
    /* a door ahead of the server (restored backup) is told to reset */
    assert_int_equal(iss_deny_since(db, seq + 5, NOW, 120, &d, &n, &seq, &reset), 0);
    assert_int_equal(reset, 1);
    free(d);
    /* skew: an entry 100 s past exp is still sent with skew 120, not with 60 */
    assert_int_equal(iss_deny_since(db, base + 1, NOW + 7300, 120, &d, &n, &seq, &reset), 0);
    assert_int_equal(n, 1);
    free(d);
    assert_int_equal(iss_deny_since(db, base + 1, NOW + 7300, 60, &d, &n, &seq, &reset), 0);
    assert_int_equal(n, 0);
    free(d);
    /* the sweep forgets entries a day past exp; SEQs are never given again */
    int64_t before_prune = seq;
    assert_int_equal(iss_sweep(db, NOW + 3 * DAY, NULL), 0);
    assert_int_equal(iss_deny_since(db, 0, NOW + 3 * DAY, 120, &d, &n, &seq, &reset), 0);
    for (size_t i = 0; i < n; i++)
        assert_true(d[i].exp > NOW + 2 * DAY);        /* the short ones are forgotten */
    assert_true(seq >= before_prune);
    free(d);
    int64_t p5 = add_pass(other, tenant, NOW + 10 * DAY, 0x05), last = seq;
    assert_int_equal(iss_revoke(db, &T, ISS_PASS, p5, "revoked_by_staff", NOW, &count), 0);
    assert_int_equal(iss_deny_seq(db, &seq), 0);
    assert_int_equal(seq, last + 1);
}

static void test_tenant_hook_and_sweep(void **st)
{
    struct tok_deny_entry *d = NULL;
    size_t n = 0;
    int64_t seq, before;
    int reset, revoked = 0;
    lp_fail f;
    int64_t someone = make_person("third@example.org", 0, tenant);
    add_pass(someone, tenant, NOW + DAY, 0x61);
    add_pass(someone, tenant, NOW + DAY, 0x62);
    assert_int_equal(iss_deny_seq(db, &before), 0);
    assert_int_equal(tnt_set_state(db, &T, tenant, TNT_SUSPENDED, &f), 0);
    assert_int_equal(iss_deny_since(db, before, NOW, 120, &d, &n, &seq, &reset), 0);
    assert_true(n >= 2);
    assert_int_equal(seq, before + (int64_t)n);
    free(d);
    assert_int_equal(tnt_set_state(db, &T, tenant, TNT_ACTIVE, &f), 0);
    /* the sweep takes back a disabled person's passes */
    add_pass(someone, tenant, NOW + DAY, 0x63);
    assert_int_equal(db_exec(db, "UPDATE people SET status = 'disabled' WHERE email = 'third@example.org'"), 0);
    assert_int_equal(iss_sweep(db, NOW, &revoked), 0);
    assert_int_equal(revoked, 1);
    assert_int_equal(iss_sweep(db, NOW, &revoked), 0);
    assert_int_equal(revoked, 0);
}

/* ---- issuing and the bundle ---- */

static size_t trusted(struct tok_key *keys, size_t cap)
{
    iss_key *k = NULL;
    size_t n = 0;
    assert_int_equal(iss_key_list(db, clk_now(), 0, &k, &n), 0);
    for (size_t i = 0; i < n && i < cap; i++) {
        memcpy(keys[i].kid, k[i].kid, TOK_KID_LEN);
        keys[i].kid_len = TOK_KID_LEN;
        memcpy(keys[i].pk, k[i].pk, TOK_PK_LEN);
    }
    free(k);
    return n < cap ? n : cap;
}

static void test_standing_pass(void **st)
{
    uint8_t pk[32], sk[64];
    iss_credential cr;
    iss_pass *p = NULL, *q = NULL;
    size_t n = 0, m = 0;
    lp_fail f;
    struct tok_key keys[TOK_BUNDLE_KEYS_MAX];
    int64_t staff = make_person("staff@example.org", 1, 0);
    crypto_sign_keypair(pk, sk);
    assert_int_equal(iss_cred_add(db, &T, staff, "phone", "staff phone", pk, NOW, &cr, &f), 0);
    assert_int_equal(iss_cred_add(db, &T, staff, "phone", "again", pk, NOW, &cr, &f), LP_ERR_CONFLICT);
    uint8_t ident[32] = { 1 };
    assert_int_equal(iss_cred_add(db, &T, staff, "phone", "identity", ident, NOW, &cr, &f), LP_ERR_INVALID);
    assert_int_equal(iss_passes_for_person(db, staff, NOW, &p, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].kind, "standing");
    assert_string_equal(p[0].groups, "*");
    assert_int_equal(p[0].exp, NOW + 12 * 3600);
    struct tok_pass tp;
    enum tok_reason why;
    size_t nk = trusted(keys, TOK_BUNDLE_KEYS_MAX);
    assert_int_equal(tok_check(p[0].bytes, p[0].len, keys, nk, NOW, 0, &tp, &why), 0);
    assert_memory_equal(tp.claims.cti, p[0].cti, TOK_CTI_LEN);
    assert_memory_equal(tp.claims.cnf_pk, pk, 32);
    assert_false(tp.claims.has_reservation);
    /* the same pass again; revoking the credential revokes it */
    assert_int_equal(iss_passes_for_person(db, staff, NOW + 60, &q, &m), 0);
    assert_int_equal(m, 1);
    assert_int_equal(q[0].id, p[0].id);
    free(q);
    int revoked = 0;
    iss_credential *cl = NULL;
    size_t nc = 0;
    assert_int_equal(iss_cred_list(db, staff, 0, &cl, &nc), 0);
    assert_int_equal(nc, 1);
    assert_int_equal(iss_cred_revoke(db, &T, cl[0].id, NOW + 60, &revoked), 0);
    assert_int_equal(revoked, 1);
    assert_int_equal(iss_cred_revoke(db, &T, cl[0].id, NOW + 60, &revoked), LP_ERR_STATE);
    free(cl);
    assert_int_equal(iss_passes_for_person(db, staff, NOW + 120, &q, &m), 0);
    assert_int_equal(m, 0);
    free(q);
    free(p);
}

static void test_sync_bundle(void **st)
{
    iss_door d;
    char key[128];
    lp_fail f;
    uint8_t *msg = NULL, nonce[16];
    size_t len = 0, plen = 0;
    const uint8_t *payload;
    struct tok_key keys[TOK_BUNDLE_KEYS_MAX];
    struct tok_bundle b;
    enum tok_reason why;
    iss_door_defaults(&d);
    snprintf(d.name, sizeof d.name, "unit-door");
    snprintf(d.group, sizeof d.group, "ml1-a");
    assert_int_equal(iss_door_add(db, &T, &d, key, sizeof key, &f), 0);
    assert_non_null(strstr(key, "lpk_"));
    iss_door dup = d;
    assert_int_equal(iss_door_add(db, &T, &dup, key, sizeof key, &f), LP_ERR_CONFLICT);
    snprintf(dup.name, sizeof dup.name, "bad name");
    assert_int_equal(iss_door_add(db, &T, &dup, key, sizeof key, &f), LP_ERR_INVALID);
    randombytes_buf(nonce, sizeof nonce);
    assert_int_equal(iss_door_sync(db, d.id, 0, 0, NULL, nonce, sizeof nonce, NOW, &msg, &len), 0);
    size_t nk = trusted(keys, TOK_BUNDLE_KEYS_MAX);
    assert_int_equal(tok_sign1_open(msg, len, keys, nk, &payload, &plen, &why), 0);
    assert_int_equal(tok_bundle_decode(payload, plen, &b), 0);
    assert_int_equal(b.door_id, d.id);
    assert_int_equal(b.now, NOW);
    assert_int_equal(b.reset, 1);
    assert_int_equal(b.n_keys, nk);
    assert_memory_equal(b.nonce, nonce, sizeof nonce);
    assert_string_equal(b.settings.name, "unit-door");
    assert_int_equal(b.settings.clock_skew, 120);
    /* signed by the oldest trusted key */
    assert_int_equal(tok_sign1_open(msg, len, &keys[0], 1, &payload, &plen, &why), 0);
    tok_bundle_clear(&b);
    free(msg);
    assert_int_equal(iss_door_sync(db, 9999, 0, 0, NULL, NULL, 0, NOW, &msg, &len), LP_ERR_NOTFOUND);
    assert_int_equal(iss_door_sync(db, d.id, -1, 0, NULL, NULL, 0, NOW, &msg, &len), LP_ERR_INVALID);
    assert_int_equal(iss_door_sync(db, d.id, 0, 0, NULL, nonce, 4, NOW, &msg, &len), LP_ERR_INVALID);
    iss_door got;
    assert_int_equal(iss_door_get(db, d.id, &got), 0);
    assert_int_equal(got.last_seen_at, NOW);
    assert_int_equal(got.last_since, 0);
    /* Card read keys (access protocol 18.8): to the first box key the door
     * reports, sealed so only it opens them; never to another box key; a
     * door given a new API key registers its box key anew. */
    uint8_t pk_a[32], sk_a[32], pk_b[32], sk_b[32], master[16];
    crypto_box_keypair(pk_a, sk_a);
    crypto_box_keypair(pk_b, sk_b);
    int64_t gen = 0;
    assert_int_equal(iss_card_keys_rotate(db, &T, NOW, &gen), 0);
    assert_int_equal(gen, 1);
    assert_int_equal(iss_card_key_export(db, &T, 1, ISS_CARD_READ, master), 0);
    const uint8_t *boxes[] = { pk_a, pk_b, pk_a };
    const size_t want[] = { 1, 0, 1 };
    for (int i = 0; i < 3; i++) {
        assert_int_equal(iss_door_sync(db, d.id, 0, 0, boxes[i], nonce, sizeof nonce, NOW, &msg, &len), 0);
        assert_int_equal(tok_sign1_open(msg, len, keys, nk, &payload, &plen, &why), 0);
        assert_int_equal(tok_bundle_decode(payload, plen, &b), 0);
        assert_int_equal(b.n_card_keys, want[i]);
        if (want[i]) {
            uint8_t opened[16];
            assert_int_equal(b.card_keys[0].generation, 1);
            assert_int_equal(crypto_box_seal_open(opened, b.card_keys[0].boxed, TOK_CARD_KEY_BOX_LEN, pk_a, sk_a), 0);
            assert_memory_equal(opened, master, 16);
            assert_int_not_equal(crypto_box_seal_open(opened, b.card_keys[0].boxed, TOK_CARD_KEY_BOX_LEN, pk_b, sk_b), 0);
        }
        tok_bundle_clear(&b);
        free(msg);
    }
    assert_int_equal(iss_door_rekey(db, &T, d.id, key, sizeof key, &f), 0);
    assert_int_equal(iss_door_sync(db, d.id, 0, 0, pk_b, nonce, sizeof nonce, NOW, &msg, &len), 0);
    assert_int_equal(tok_sign1_open(msg, len, keys, nk, &payload, &plen, &why), 0);
    assert_int_equal(tok_bundle_decode(payload, plen, &b), 0);
    assert_int_equal(b.n_card_keys, 1);
    tok_bundle_clear(&b);
    free(msg);
    /* Retired generations are not sent; a second generation is, newest first. */
    assert_int_equal(iss_card_keys_rotate(db, &T, NOW, &gen), 0);
    assert_int_equal(iss_card_keys_retire(db, &T, 1, NOW), 0);
    assert_int_equal(iss_card_keys_retire(db, &T, 1, NOW), LP_ERR_STATE);
    assert_int_equal(iss_card_keys_retire(db, &T, 9, NOW), LP_ERR_NOTFOUND);
    assert_int_equal(iss_door_sync(db, d.id, 0, 0, pk_b, nonce, sizeof nonce, NOW, &msg, &len), 0);
    assert_int_equal(tok_sign1_open(msg, len, keys, nk, &payload, &plen, &why), 0);
    assert_int_equal(tok_bundle_decode(payload, plen, &b), 0);
    assert_int_equal(b.n_card_keys, 1);
    assert_int_equal(b.card_keys[0].generation, 2);
    tok_bundle_clear(&b);
    free(msg);
    sodium_memzero(master, sizeof master);
}

static void test_events(void **st)
{
    iss_door *doors = NULL;
    size_t n = 0;
    iss_event ev[2];
    iss_ack acks[2], again[2];
    lp_fail f;
    assert_int_equal(iss_door_list(db, NOW, &doors, &n), 0);
    assert_true(n >= 1);
    int64_t door = doors[0].id;
    free(doors);
    memset(ev, 0, sizeof ev);
    snprintf(ev[0].id, sizeof ev[0].id, "u-1");
    ev[0].at = NOW - 60;
    snprintf(ev[0].kind, sizeof ev[0].kind, "alarm");
    snprintf(ev[0].alarm, sizeof ev[0].alarm, "forced_open");
    ev[0].queue_length = -1;
    ev[1] = ev[0];
    snprintf(ev[1].id, sizeof ev[1].id, "u-2");
    snprintf(ev[1].kind, sizeof ev[1].kind, "admission");
    ev[1].alarm[0] = '\0';
    ev[1].reservation_id = 424242;
    assert_int_equal(iss_events_ingest(db, door, ev, 2, 5, NOW, acks), 0);
    assert_int_equal(acks[0].outcome, ISS_ACK_RECORDED);
    assert_string_equal(iss_ack_result_name(acks[0].outcome), "recorded");
    assert_int_equal(acks[1].outcome, ISS_ACK_NOT_APPLIED);
    assert_int_equal(iss_events_ingest(db, door, ev, 2, 5, NOW, again), 0);
    assert_memory_equal(acks, again, sizeof acks);
    iss_door got;
    assert_int_equal(iss_door_get(db, door, &got), 0);
    assert_int_equal(got.queue_length, 5);
    /* field rules */
    iss_event bad = ev[0];
    bad.at = -1;
    assert_int_equal(iss_event_check(&bad, NOW, &f), LP_ERR_INVALID);
    assert_string_equal(f.field, "time");
    /* a door clock running ahead: taken at the server's time, said in the ack */
    iss_event fast = ev[0];
    snprintf(fast.id, sizeof fast.id, "u-3");
    fast.at = NOW + 3600;
    assert_int_equal(iss_events_ingest(db, door, &fast, 1, -1, NOW, acks), 0);
    assert_int_equal(acks[0].outcome, ISS_ACK_RECORDED);
    assert_non_null(strstr(acks[0].detail, "3600 s ahead"));
    bad = ev[0];
    bad.alarm[0] = '\0';
    assert_int_equal(iss_event_check(&bad, NOW, &f), LP_ERR_INVALID);
    bad = ev[1];
    snprintf(bad.id, sizeof bad.id, "a b");
    assert_int_equal(iss_event_check(&bad, NOW, &f), LP_ERR_INVALID);
    assert_int_equal(iss_events_ingest(db, door, &bad, 1, -1, NOW, acks), LP_ERR_INVALID);
    iss_event_row *rows = NULL;
    assert_int_equal(iss_events_list(db, door, NOW - 3600, NOW + 1, NULL, 100, &rows, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(rows[2].ev.at, NOW);
    assert_string_equal(rows[0].ev.alarm, "forced_open");
    assert_int_equal(rows[1].outcome, ISS_ACK_NOT_APPLIED);
    assert_string_equal(iss_ack_result_name(rows[1].outcome), "not_applied");
    free(rows);
    assert_int_equal(iss_door_list(db, NOW, &doors, &n), 0);
    assert_int_equal(doors[0].alarms_24h, 2);
    assert_string_equal(doors[0].last_alarm, "forced_open");
    free(doors);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyfile),
        cmocka_unit_test(test_sealed_keys),
        cmocka_unit_test_setup(test_swapped_rows_refused, fresh_keys),
        cmocka_unit_test(test_rotation_window),
        cmocka_unit_test(test_withdraw),
        cmocka_unit_test(test_deny_seq),
        cmocka_unit_test(test_tenant_hook_and_sweep),
        cmocka_unit_test(test_standing_pass),
        cmocka_unit_test(test_sync_bundle),
        cmocka_unit_test(test_events),
    };
    return cmocka_run_group_tests_name("issuer", tests, setup, teardown);
}

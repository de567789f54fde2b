/* oidc.c: see oidc.h. Providers, rules and links are audited; the sealed
 * client secret goes in and out as a blob and never into an audit snapshot.
 * Pending logins keep BLAKE2b hashes of their state and browser binding, so
 * a copy of the database cannot finish someone's login. */
#include "booking/oidc.h"
#include "booking/acct_int.h"
#include "booking/person.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAP_PROVIDER "SELECT json_object('name', name, 'issuer', issuer, 'client_id', client_id, 'scopes', scopes, " \
    "'groups_claim', groups_claim, 'enabled', enabled, 'has_secret', secret_sealed IS NOT NULL) " \
    "FROM oidc_providers WHERE id = ?1"
#define SNAP_RULES "SELECT json_group_array(json_object('kind', kind, 'value', value, 'tenant_id', tenant_id, " \
    "'role', role, 'approval', approval)) FROM oidc_rules WHERE provider_id = ?1"
#define SNAP_LINK "SELECT json_object('provider_id', provider_id, 'sub', sub, 'person_id', person_id) " \
    "FROM oidc_links WHERE id = ?1"

static int is_loopback_host(const char *h, size_t n)
{
    return (n == 9 && !strncmp(h, "127.0.0.1", 9)) || (n == 5 && !strncmp(h, "[::1]", 5)) ||
           (n == 9 && !strncasecmp(h, "localhost", 9));
}

int oidc_url_ok(const char *url, char *why, size_t whylen)
{
    const char *rest;
    int plain = 0;
    if (!url || strlen(url) > 500) { snprintf(why, whylen, "the URL is at most 500 characters"); return LP_ERR_INVALID; }
    if (!strncmp(url, "https://", 8)) rest = url + 8;
    else if (!strncmp(url, "http://", 7)) { rest = url + 7; plain = 1; }
    else { snprintf(why, whylen, "the URL must start with https://"); return LP_ERR_INVALID; }
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '?' || *p == '#' || *p == '\\' || *p == '"' ||
            *p == '<' || *p == '>') {
            snprintf(why, whylen, "the URL holds no spaces, controls, query or fragment");
            return LP_ERR_INVALID;
        }
    size_t hl = strcspn(rest, "/");
    if (hl == 0 || memchr(rest, '@', hl)) {
        snprintf(why, whylen, "the URL needs a host and no user name or password");
        return LP_ERR_INVALID;
    }
    const char *colon = rest[0] == '[' ? memchr(rest, ']', hl) : memchr(rest, ':', hl);
    size_t host_len = hl;
    if (rest[0] == '[') host_len = colon ? (size_t)(colon - rest) + 1 : hl;
    else if (colon) host_len = (size_t)(colon - rest);
    if (plain && !is_loopback_host(rest, host_len)) {
        snprintf(why, whylen, "the URL must use https (plain http only to a loopback address)");
        return LP_ERR_INVALID;
    }
    return 0;
}

static int printable(const char *s, int allow_space)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || (!allow_space && *s == ' ')) return 0;
    return 1;
}

int oidc_validate(const oidc_provider *p, lp_fail *f)
{
    char why[120];
    size_t nl = strlen(p->name);
    if (nl < 1 || nl > 100 || !printable(p->name, 1)) return lp_failf(f, LP_ERR_INVALID, "name", "name is 1 to 100 characters");
    if (oidc_url_ok(p->issuer, why, sizeof why)) return lp_failf(f, LP_ERR_INVALID, "issuer", "%s", why);
    size_t cl = strlen(p->client_id);
    if (cl < 1 || cl > 255 || !printable(p->client_id, 0))
        return lp_failf(f, LP_ERR_INVALID, "client_id", "client_id is 1 to 255 characters without spaces");
    /* scopes: space-separated tokens, openid among them */
    size_t sl = strlen(p->scopes);
    int has_openid = 0;
    if (sl < 6 || sl > 500) return lp_failf(f, LP_ERR_INVALID, "scopes", "scopes must include openid");
    for (const char *s = p->scopes; *s;) {
        size_t n = strcspn(s, " ");
        for (size_t i = 0; i < n; i++)
            if (!(isalnum((unsigned char)s[i]) || strchr("-_.:/", s[i])))
                return lp_failf(f, LP_ERR_INVALID, "scopes", "scopes are words of letters, digits and -_.:/ separated by spaces");
        if (n == 6 && !strncmp(s, "openid", 6)) has_openid = 1;
        s += n;
        while (*s == ' ') s++;
    }
    if (!has_openid) return lp_failf(f, LP_ERR_INVALID, "scopes", "scopes must include openid");
    size_t gl = strlen(p->groups_claim);
    if (gl < 1 || gl > 100 || !printable(p->groups_claim, 0))
        return lp_failf(f, LP_ERR_INVALID, "groups_claim", "groups_claim is 1 to 100 characters without spaces");
    return 0;
}

/* ---- providers ---- */

#define PROVIDER_COLS "id, name, issuer, client_id, scopes, groups_claim, enabled, secret_sealed IS NOT NULL, " \
    "created_at, updated_at"

static int row_provider(sqlite3_stmt *st, void *elem)
{
    oidc_provider *p = elem;
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    snprintf(p->name, sizeof p->name, "%s", db_col_text(st, 1));
    snprintf(p->issuer, sizeof p->issuer, "%s", db_col_text(st, 2));
    snprintf(p->client_id, sizeof p->client_id, "%s", db_col_text(st, 3));
    snprintf(p->scopes, sizeof p->scopes, "%s", db_col_text(st, 4));
    snprintf(p->groups_claim, sizeof p->groups_claim, "%s", db_col_text(st, 5));
    p->enabled = sqlite3_column_int(st, 6);
    p->has_secret = sqlite3_column_int(st, 7);
    p->created_at = sqlite3_column_int64(st, 8);
    p->updated_at = sqlite3_column_int64(st, 9);
    return 0;
}

struct prov_args {
    const actor_t *who;
    oidc_provider *p;
    const oidc_provider *cp;
    int set_secret;
    const uint8_t *sealed;
    size_t sealed_len;
    lp_fail *f;
};

static int do_create(db_t *db, void *arg)
{
    struct prov_args *a = arg;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO oidc_providers(name, issuer, client_id, secret_sealed, scopes, groups_claim, enabled, "
        "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, a->p->name);
    db_bind_text(st, 2, a->p->issuer);
    db_bind_text(st, 3, a->p->client_id);
    if (a->sealed) db_bind_blob(st, 4, a->sealed, (int)a->sealed_len);
    else sqlite3_bind_null(st, 4);
    db_bind_text(st, 5, a->p->scopes);
    db_bind_text(st, 6, a->p->groups_claim);
    db_bind_int(st, 7, a->p->enabled ? 1 : 0);
    db_bind_int(st, 8, clk_now());
    int rc = db_exec_stmt(st);
    if (rc == LP_ERR_CONFLICT) return lp_failf(a->f, rc, "issuer", "a provider with this issuer exists already");
    if (rc) return rc;
    a->p->id = db_last_id(db);
    return audit_change(db, a->who, "create", "oidc_provider", a->p->id, SNAP_PROVIDER, NULL);
}

int oidc_provider_create(db_t *db, const actor_t *who, oidc_provider *p, const uint8_t *sealed, size_t sealed_len,
                         lp_fail *f)
{
    int rc = oidc_validate(p, f);
    if (rc) return rc;
    struct prov_args a = { who, p, NULL, 0, sealed, sealed_len, f };
    rc = db_in_tx(db, do_create, &a);
    if (rc == 0) rc = oidc_provider_get(db, p->id, p);
    return rc;
}

static int do_update(db_t *db, void *arg)
{
    struct prov_args *a = arg;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_PROVIDER, a->cp->id, &before);
    if (rc) return rc;
    if (!before) return LP_ERR_NOTFOUND;
    /* another issuer is another provider: its subjects are not this one's */
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM oidc_links WHERE provider_id = ?1 AND EXISTS (SELECT 1 FROM "
                                   "oidc_providers WHERE id = ?1 AND issuer <> ?2)");
    if (!st) { free(before); return LP_ERR_DB; }
    db_bind_int(st, 1, a->cp->id);
    db_bind_text(st, 2, a->cp->issuer);
    if ((rc = db_exec_stmt(st)) != 0) { free(before); return rc; }
    st = db_stmt(db,
        "UPDATE oidc_providers SET name = ?2, issuer = ?3, client_id = ?4, scopes = ?5, groups_claim = ?6, "
        "enabled = ?7, updated_at = ?8, secret_sealed = CASE WHEN ?9 THEN ?10 ELSE secret_sealed END WHERE id = ?1");
    if (!st) { free(before); return LP_ERR_DB; }
    db_bind_int(st, 1, a->cp->id);
    db_bind_text(st, 2, a->cp->name);
    db_bind_text(st, 3, a->cp->issuer);
    db_bind_text(st, 4, a->cp->client_id);
    db_bind_text(st, 5, a->cp->scopes);
    db_bind_text(st, 6, a->cp->groups_claim);
    db_bind_int(st, 7, a->cp->enabled ? 1 : 0);
    db_bind_int(st, 8, clk_now());
    db_bind_int(st, 9, a->set_secret ? 1 : 0);
    if (a->set_secret && a->sealed) db_bind_blob(st, 10, a->sealed, (int)a->sealed_len);
    else sqlite3_bind_null(st, 10);
    rc = db_exec_stmt(st);
    if (rc == LP_ERR_CONFLICT) rc = lp_failf(a->f, rc, "issuer", "a provider with this issuer exists already");
    /* logins under way were started with the old settings */
    if (rc == 0) {
        sqlite3_stmt *d = db_stmt(db, "DELETE FROM oidc_pending WHERE provider_id = ?1");
        if (!d) rc = LP_ERR_DB;
        else { db_bind_int(d, 1, a->cp->id); rc = db_exec_stmt(d); }
    }
    if (rc == 0) rc = audit_change(db, a->who, "update", "oidc_provider", a->cp->id, SNAP_PROVIDER, before);
    free(before);
    return rc;
}

int oidc_provider_update(db_t *db, const actor_t *who, const oidc_provider *p, int set_secret, const uint8_t *sealed,
                         size_t sealed_len, lp_fail *f)
{
    int rc = oidc_validate(p, f);
    if (rc) return rc;
    struct prov_args a = { who, NULL, p, set_secret, sealed, sealed_len, f };
    return db_in_tx(db, do_update, &a);
}

struct del_args { const actor_t *who; int64_t id; };

static int do_delete(db_t *db, void *arg)
{
    struct del_args *a = arg;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_PROVIDER, a->id, &before);
    if (rc) return rc;
    if (!before) return LP_ERR_NOTFOUND;
    static const char *const SQL[] = {
        "DELETE FROM oidc_pending WHERE provider_id = ?1", "DELETE FROM oidc_links WHERE provider_id = ?1",
        "DELETE FROM oidc_rules WHERE provider_id = ?1", "DELETE FROM oidc_providers WHERE id = ?1" };
    for (size_t i = 0; rc == 0 && i < sizeof SQL / sizeof SQL[0]; i++) {
        sqlite3_stmt *st = db_stmt(db, SQL[i]);
        if (!st) rc = LP_ERR_DB;
        else { db_bind_int(st, 1, a->id); rc = db_exec_stmt(st); }
    }
    if (rc == 0) rc = audit_add(db, a->who, "delete", "oidc_provider", a->id, before, NULL);
    free(before);
    return rc;
}

int oidc_provider_delete(db_t *db, const actor_t *who, int64_t id)
{
    struct del_args a = { who, id };
    return db_in_tx(db, do_delete, &a);
}

int oidc_provider_get(db_t *db, int64_t id, oidc_provider *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PROVIDER_COLS " FROM oidc_providers WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc;
    rc = row_provider(st, out);
    sqlite3_reset(st);
    return rc;
}

int oidc_provider_secret(db_t *db, int64_t id, uint8_t *out, size_t cap, size_t *len)
{
    *len = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT secret_sealed FROM oidc_providers WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc;
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    const void *b = sqlite3_column_blob(st, 0);
    if (b && n > cap) rc = LP_ERR_DB;
    else if (b) { memcpy(out, b, n); *len = n; }
    sqlite3_reset(st);
    return rc;
}

int oidc_provider_list(db_t *db, int only_enabled, oidc_provider **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PROVIDER_COLS " FROM oidc_providers WHERE (?1 = 0 OR enabled = 1) "
                                   "ORDER BY name, id");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, only_enabled ? 1 : 0);
    return db_collect(st, sizeof **out, row_provider, (void **)out, n);
}

/* ---- rules ---- */

static int row_rule(sqlite3_stmt *st, void *elem)
{
    oidc_rule *r = elem;
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->provider_id = sqlite3_column_int64(st, 1);
    snprintf(r->kind, sizeof r->kind, "%s", db_col_text(st, 2));
    snprintf(r->value, sizeof r->value, "%s", db_col_text(st, 3));
    r->tenant_id = sqlite3_column_int64(st, 4);
    snprintf(r->role, sizeof r->role, "%s", db_col_text(st, 5));
    r->approval = sqlite3_column_int(st, 6);
    return 0;
}

int oidc_rules_list(db_t *db, int64_t provider_id, oidc_rule **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, provider_id, kind, value, tenant_id, role, approval FROM oidc_rules "
                                   "WHERE provider_id = ?1 ORDER BY id");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, provider_id);
    return db_collect(st, sizeof **out, row_rule, (void **)out, n);
}

static int rule_check(db_t *db, const oidc_rule *r, lp_fail *f)
{
    if (strcmp(r->kind, "domain") && strcmp(r->kind, "group"))
        return lp_failf(f, LP_ERR_INVALID, "kind", "kind is domain or group");
    size_t vl = strlen(r->value);
    if (vl < 1 || vl > 255 || !printable(r->value, 1)) return lp_failf(f, LP_ERR_INVALID, "value", "value is 1 to 255 characters");
    if (!strcmp(r->kind, "domain"))
        for (const char *p = r->value; *p; p++)
            if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' || *p == '-'))
                return lp_failf(f, LP_ERR_INVALID, "value", "a domain is lower-case letters, digits, dots and hyphens");
    if (!strcmp(r->role, "staff")) {
        if (r->tenant_id) return lp_failf(f, LP_ERR_INVALID, "tenant_id", "a staff rule names no tenant");
        if (r->approval) return lp_failf(f, LP_ERR_INVALID, "approval", "a staff rule needs no approval");
        return 0;
    }
    if (strcmp(r->role, "member") && strcmp(r->role, "tenant_admin"))
        return lp_failf(f, LP_ERR_INVALID, "role", "role is member, tenant_admin or staff");
    tnt_tenant t;
    int rc = r->tenant_id > 0 ? tnt_get(db, r->tenant_id, &t) : LP_ERR_NOTFOUND;
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, LP_ERR_INVALID, "tenant_id", "tenant_id names an existing tenant");
    return rc;
}

struct rules_args { const actor_t *who; int64_t provider_id; const oidc_rule *r; size_t n; lp_fail *f; };

static int do_rules(db_t *db, void *arg)
{
    struct rules_args *a = arg;
    char *before = NULL;
    oidc_provider p;
    int rc = oidc_provider_get(db, a->provider_id, &p);
    for (size_t i = 0; rc == 0 && i < a->n; i++) rc = rule_check(db, &a->r[i], a->f);
    if (rc == 0) rc = audit_snapshot(db, SNAP_RULES, a->provider_id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "DELETE FROM oidc_rules WHERE provider_id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) { db_bind_int(st, 1, a->provider_id); rc = db_exec_stmt(st); }
    for (size_t i = 0; rc == 0 && i < a->n; i++) {
        st = db_stmt(db, "INSERT INTO oidc_rules(provider_id, kind, value, tenant_id, role, approval) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        if (!st) { rc = LP_ERR_DB; break; }
        db_bind_int(st, 1, a->provider_id);
        db_bind_text(st, 2, a->r[i].kind);
        db_bind_text(st, 3, a->r[i].value);
        if (a->r[i].tenant_id) db_bind_int(st, 4, a->r[i].tenant_id);
        else sqlite3_bind_null(st, 4);
        db_bind_text(st, 5, a->r[i].role);
        db_bind_int(st, 6, a->r[i].approval ? 1 : 0);
        rc = db_exec_stmt(st);
        if (rc == LP_ERR_CONFLICT) rc = lp_failf(a->f, rc, "rules", "each kind and value appears once");
    }
    if (rc == 0) rc = audit_change(db, a->who, "rules", "oidc_provider", a->provider_id, SNAP_RULES, before);
    free(before);
    return rc;
}

int oidc_rules_set(db_t *db, const actor_t *who, int64_t provider_id, const oidc_rule *r, size_t n, lp_fail *f)
{
    if (n > OIDC_RULES_MAX) return lp_failf(f, LP_ERR_INVALID, "rules", "at most %d rules", OIDC_RULES_MAX);
    struct rules_args a = { who, provider_id, r, n, f };
    return db_in_tx(db, do_rules, &a);
}

/* ---- pending logins ---- */

static void random_text(char *out, size_t outlen)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, outlen, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

int oidc_pending_prune(db_t *db, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM oidc_pending WHERE expires_at <= ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, now);
    return db_exec_stmt(st);
}

struct pend_args {
    int64_t provider_id, link_person_id;
    const char *ip;
    char *state, *binding;
    oidc_pending *out;
};

static int count_where(db_t *db, const char *sql, const char *ip, int64_t *n)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st) return LP_ERR_DB;
    if (ip) db_bind_text(st, 1, ip);
    int rc = db_get(st);
    if (rc) return rc;
    *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

static int do_pending(db_t *db, void *arg)
{
    struct pend_args *a = arg;
    int64_t now = clk_now(), mine = 0, all = 0;
    oidc_provider p;
    int rc = oidc_pending_prune(db, now);
    if (rc == 0) rc = oidc_provider_get(db, a->provider_id, &p);
    if (rc == 0 && !p.enabled) rc = LP_ERR_NOTFOUND;
    if (rc == 0) rc = count_where(db, "SELECT count(*) FROM oidc_pending WHERE client_ip = ?1", a->ip, &mine);
    if (rc == 0) rc = count_where(db, "SELECT count(*) FROM oidc_pending", NULL, &all);
    if (rc) return rc;
    if (mine >= OIDC_PENDING_PER_CLIENT || all >= OIDC_PENDING_TOTAL) return LP_ERR_THROTTLED;
    unsigned char sh[HASH_LEN], bh[HASH_LEN];
    random_text(a->state, OIDC_STATE_LEN);
    random_text(a->binding, OIDC_STATE_LEN);
    random_text(a->out->nonce, sizeof a->out->nonce);
    random_text(a->out->verifier, sizeof a->out->verifier);
    acct_token_hash(a->state, sh);
    acct_token_hash(a->binding, bh);
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO oidc_pending(state_hash, binding_hash, provider_id, nonce, verifier, client_ip, link_person_id, "
        "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, sh, HASH_LEN);
    db_bind_blob(st, 2, bh, HASH_LEN);
    db_bind_int(st, 3, a->provider_id);
    db_bind_text(st, 4, a->out->nonce);
    db_bind_text(st, 5, a->out->verifier);
    db_bind_text(st, 6, a->ip);
    if (a->link_person_id) db_bind_int(st, 7, a->link_person_id);
    else sqlite3_bind_null(st, 7);
    db_bind_int(st, 8, now);
    db_bind_int(st, 9, now + OIDC_PENDING_TTL);
    a->out->provider_id = a->provider_id;
    a->out->link_person_id = a->link_person_id;
    return db_exec_stmt(st);
}

int oidc_pending_create(db_t *db, int64_t provider_id, int64_t link_person_id, const char *client_ip,
                        char state[OIDC_STATE_LEN], char binding[OIDC_STATE_LEN], oidc_pending *out)
{
    memset(out, 0, sizeof *out);
    struct pend_args a = { provider_id, link_person_id, client_ip ? client_ip : "", state, binding, out };
    int rc = db_in_tx(db, do_pending, &a);
    if (rc) { sodium_memzero(out, sizeof *out); state[0] = binding[0] = '\0'; }
    return rc;
}

struct take_args { const char *state, *binding; oidc_pending *out; };

static int do_take(db_t *db, void *arg)
{
    struct take_args *a = arg;
    unsigned char sh[HASH_LEN], bh[HASH_LEN];
    acct_token_hash(a->state, sh);
    acct_token_hash(a->binding, bh);
    sqlite3_stmt *st = db_stmt(db, "SELECT provider_id, coalesce(link_person_id, 0), nonce, verifier, binding_hash, "
                                   "expires_at FROM oidc_pending WHERE state_hash = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, sh, HASH_LEN);
    int rc = db_get(st);
    if (rc) return rc;
    a->out->provider_id = sqlite3_column_int64(st, 0);
    a->out->link_person_id = sqlite3_column_int64(st, 1);
    snprintf(a->out->nonce, sizeof a->out->nonce, "%s", db_col_text(st, 2));
    snprintf(a->out->verifier, sizeof a->out->verifier, "%s", db_col_text(st, 3));
    const void *stored = sqlite3_column_blob(st, 4);
    int bound = stored && sqlite3_column_bytes(st, 4) == HASH_LEN && sodium_memcmp(stored, bh, HASH_LEN) == 0;
    int live = sqlite3_column_int64(st, 5) > clk_now();
    sqlite3_reset(st);
    st = db_stmt(db, "DELETE FROM oidc_pending WHERE state_hash = ?1");   /* used up, whatever follows */
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, sh, HASH_LEN);
    rc = db_exec_stmt(st);
    if (rc == 0 && !(bound && live)) rc = 1;   /* commit the deletion, then answer not found */
    return rc;
}

int oidc_pending_take(db_t *db, const char *state, const char *binding, oidc_pending *out)
{
    memset(out, 0, sizeof *out);
    struct take_args a = { state ? state : "", binding ? binding : "", out };
    int rc = db_in_tx(db, do_take, &a);
    if (rc == 1) {   /* db_in_tx rolled back: delete again, on its own */
        unsigned char sh[HASH_LEN];
        acct_token_hash(a.state, sh);
        sqlite3_stmt *st = db_stmt(db, "DELETE FROM oidc_pending WHERE state_hash = ?1");
        if (!st) return LP_ERR_DB;
        db_bind_blob(st, 1, sh, HASH_LEN);
        rc = db_exec_stmt(st);
        if (rc == 0) rc = LP_ERR_NOTFOUND;
    }
    if (rc) sodium_memzero(out, sizeof *out);
    return rc;
}

/* ---- signing in ---- */

struct signin_args {
    const acct_policy *pol;
    int64_t provider_id, link_person_id;
    const oidc_identity *id;
    const char *ip;
    oidc_result *r;
};

static int refuse(oidc_result *r, const char *why)
{
    r->refusal = why;
    return LP_ERR_FORBIDDEN;
}

static int link_find(db_t *db, int64_t provider_id, const char *sub, int64_t *person_id)
{
    *person_id = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT person_id FROM oidc_links WHERE provider_id = ?1 AND sub = ?2");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, provider_id);
    db_bind_text(st, 2, sub);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    *person_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

static int link_add(db_t *db, const actor_t *who, int64_t provider_id, const char *sub, int64_t person_id)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO oidc_links(provider_id, sub, person_id, created_at, last_used_at) "
                                   "VALUES (?1, ?2, ?3, ?4, ?4)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, provider_id);
    db_bind_text(st, 2, sub);
    db_bind_int(st, 3, person_id);
    db_bind_int(st, 4, clk_now());
    int rc = db_exec_stmt(st);
    if (rc) return rc;
    return audit_change(db, who, "link", "oidc_link", db_last_id(db), SNAP_LINK, NULL);
}

/* The first rule that matches: a group rule before a domain rule. */
static int rule_match(db_t *db, int64_t provider_id, const oidc_identity *id, oidc_rule *out, int *found)
{
    oidc_rule *r = NULL;
    size_t n = 0;
    *found = 0;
    int rc = oidc_rules_list(db, provider_id, &r, &n);
    if (rc) return rc;
    for (size_t i = 0; i < n && !*found; i++)
        if (!strcmp(r[i].kind, "group"))
            for (size_t g = 0; g < id->ngroups && !*found; g++)
                if (!strcmp(id->groups[g], r[i].value)) { *out = r[i]; *found = 1; }
    const char *at = id->email_verified && id->email ? strrchr(id->email, '@') : NULL;
    for (size_t i = 0; i < n && !*found && at; i++)
        if (!strcmp(r[i].kind, "domain") && !strcasecmp(at + 1, r[i].value)) { *out = r[i]; *found = 1; }
    free(r);
    return 0;
}

static int new_person(db_t *db, const struct signin_args *a, const oidc_rule *rule, int64_t *pid)
{
    char label[40];
    actor_t who = { 0, label };
    snprintf(label, sizeof label, "oidc:%lld", (long long)a->provider_id);
    psn_person p;
    memset(&p, 0, sizeof p);
    snprintf(p.email, sizeof p.email, "%s", a->id->email);
    if (a->id->name && a->id->name[0]) snprintf(p.name, sizeof p.name, "%s", a->id->name);
    else snprintf(p.name, sizeof p.name, "%.*s", (int)strcspn(a->id->email, "@"), a->id->email);
    p.is_staff = !strcmp(rule->role, "staff");
    p.state = rule->approval ? PSN_DISABLED : PSN_ACTIVE;
    lp_fail f = { 0 };
    int rc = psn_create(db, &who, &p, NULL, &f);
    if (rc == LP_ERR_INVALID) return refuse(a->r, OIDC_NO_ACCOUNT);   /* an address labpass cannot take */
    if (rc == 0 && rule->tenant_id) rc = psn_set_membership(db, &who, p.id, rule->tenant_id, rule->role, &f);
    if (rc == 0) rc = link_add(db, &who, a->provider_id, a->id->sub, p.id);
    *pid = p.id;
    return rc;
}

/* Has the person ever had a session (a disabled person who never had one is
 * waiting for approval)? */
static int ever_signed_in(db_t *db, int64_t pid, int *yes)
{
    int64_t n = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM sessions WHERE person_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, pid);
    int rc = db_get(st);
    if (rc) return rc;
    n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    *yes = n > 0;
    return 0;
}

/* A staff rule's group in the claims makes a linked person staff (audited);
 * losing the group later does not take it away (staff do that by hand). */
static int staff_by_group(db_t *db, const struct signin_args *a, psn_person *p)
{
    oidc_rule rule;
    int found = 0;
    oidc_identity groups_only = *a->id;
    groups_only.email_verified = 0;   /* domains do not count here */
    int rc = rule_match(db, a->provider_id, &groups_only, &rule, &found);
    if (rc || !found || strcmp(rule.role, "staff")) return rc;
    char label[40];
    actor_t who = { 0, label };
    snprintf(label, sizeof label, "oidc:%lld", (long long)a->provider_id);
    lp_fail f = { 0 };
    p->is_staff = 1;
    return psn_update(db, &who, p, &f);
}

static int do_signin(db_t *db, void *arg)
{
    struct signin_args *a = arg;
    int64_t pid = 0;
    int rc = link_find(db, a->provider_id, a->id->sub, &pid);
    if (rc) return rc;
    if (a->link_person_id) {
        if (pid && pid != a->link_person_id) return refuse(a->r, OIDC_LINKED_ELSEWHERE);
        if (!pid) {
            char label[40];
            actor_t who = { a->link_person_id, label };
            snprintf(label, sizeof label, "person:%lld", (long long)a->link_person_id);
            rc = link_add(db, &who, a->provider_id, a->id->sub, a->link_person_id);
            if (rc == LP_ERR_CONFLICT) return refuse(a->r, OIDC_LINKED_ELSEWHERE);
            if (rc) return rc;
            pid = a->link_person_id;
        }
    } else if (!pid) {
        psn_person existing;
        if (!a->id->email || !a->id->email[0]) return refuse(a->r, OIDC_NO_ACCOUNT);
        rc = psn_get_by_email(db, a->id->email, &existing);
        if (rc == 0) return refuse(a->r, OIDC_LINK_REQUIRED);   /* never by e-mail alone */
        if (rc != LP_ERR_NOTFOUND) return rc;
        oidc_rule rule;
        int found = 0;
        if ((rc = rule_match(db, a->provider_id, a->id, &rule, &found)) != 0) return rc;
        if (!found) return refuse(a->r, OIDC_NO_ACCOUNT);
        if ((rc = new_person(db, a, &rule, &pid)) != 0) return rc;
    }
    psn_person p;
    if ((rc = psn_get(db, pid, &p)) != 0) return rc;
    if (!p.is_staff && p.state == PSN_ACTIVE && (rc = staff_by_group(db, a, &p)) != 0) return rc;
    if (p.state == PSN_DISABLED) {
        int seen = 0;
        if ((rc = ever_signed_in(db, pid, &seen)) != 0) return rc;
        /* the new person must be kept even though this sign-in is refused */
        a->r->refusal = seen ? OIDC_PERSON_DISABLED : OIDC_AWAITING_APPROVAL;
        return 0;
    }
    if (p.tenant_id) {
        tnt_tenant t;
        if ((rc = tnt_get(db, p.tenant_id, &t)) != 0) return rc;
        if (t.state != TNT_ACTIVE) return refuse(a->r, OIDC_TENANT_SUSPENDED);
    }
    sqlite3_stmt *st = db_stmt(db, "UPDATE oidc_links SET last_used_at = ?3 WHERE provider_id = ?1 AND sub = ?2");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, a->provider_id);
    db_bind_text(st, 2, a->id->sub);
    db_bind_int(st, 3, clk_now());
    if ((rc = db_exec_stmt(st)) != 0) return rc;
    a->r->person_id = pid;
    return acct_create_session(db, a->pol, pid, a->ip, a->r->token, &a->r->expires_at);
}

int oidc_signin(db_t *db, const acct_policy *pol, int64_t provider_id, int64_t link_person_id,
                const oidc_identity *id, const char *client_ip, oidc_result *r)
{
    memset(r, 0, sizeof *r);
    if (!id->sub || !id->sub[0] || strlen(id->sub) > 255) return LP_ERR_INVALID;
    struct signin_args a = { pol, provider_id, link_person_id, id, client_ip ? client_ip : "", r };
    int rc = db_in_tx(db, do_signin, &a);
    if (rc == 0 && r->refusal) rc = LP_ERR_FORBIDDEN;
    if (rc) { sodium_memzero(r->token, sizeof r->token); r->person_id = 0; }
    if (rc && rc != LP_ERR_FORBIDDEN) r->refusal = NULL;
    return rc;
}

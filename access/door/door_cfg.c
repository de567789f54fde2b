/* door_cfg.c: the door's configuration file (see door_cfg.h).
 * One table names every key with its section, type, field and range; the
 * inih callback looks the key up there, so there is no if-chain per key. */
#include "access/door/door_cfg.h"
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <sys/stat.h>

enum vtype { V_INT, V_I64, V_BOOL, V_STR, V_SECRET, V_TEXT, V_ENUM, V_GROUPS, V_NAME, V_SITEKEY, V_LEVEL, V_URL };

struct ename { const char *name; int value; };

static const struct ename lock_backends[] = {
    { "log", DOOR_LOCK_LOG }, { "gpiod", DOOR_LOCK_GPIOD }, { "exec", DOOR_LOCK_EXEC }, { NULL, 0 } };
static const struct ename input_backends[] = {
    { "none", DOOR_IN_NONE }, { "gpiod", DOOR_IN_GPIOD }, { "file", DOOR_IN_FILE }, { NULL, 0 } };
static const struct ename fail_modes[] = { { "secure", 0 }, { "safe", 1 }, { NULL, 0 } };
static const struct ename bootstraps[] = { { "config", DOOR_BOOT_CONFIG }, { "tls", DOOR_BOOT_TLS }, { NULL, 0 } };
static const struct ename modes[] = { { "door", DOOR_MODE_DOOR }, { "instrument", DOOR_MODE_INSTRUMENT }, { NULL, 0 } };
static const struct ename stale_modes[] = {
    { "staff_only", DOOR_STALE_STAFF_ONLY }, { "normal", DOOR_STALE_NORMAL }, { NULL, 0 } };

struct ckey {
    const char *section, *name;
    enum vtype type;
    size_t off, size;          /* field offset in struct door_cfg; size for strings */
    int64_t min, max;          /* numbers */
    const struct ename *names; /* V_ENUM */
};

#define F(field) offsetof(struct door_cfg, field), sizeof(((struct door_cfg *)0)->field)
#define DOOR_ID_MAX ((int64_t)1 << 53)

static const struct ckey keys[] = {
    { "door", "id", V_I64, F(door_id), 1, DOOR_ID_MAX, NULL },
    { "door", "name", V_NAME, F(policy.name), 0, 0, NULL },
    { "door", "site", V_TEXT, F(site), 0, 0, NULL },
    { "door", "groups", V_GROUPS, F(policy), 0, 0, NULL },
    { "door", "holder_proof", V_BOOL, F(policy.holder_proof), 0, 1, NULL },
    { "door", "bearer_allowed", V_BOOL, F(policy.bearer_allowed), 0, 1, NULL },
    { "door", "clock_skew", V_I64, F(policy.clock_skew), 0, TOK_SKEW_MAX, NULL },
    { "door", "pulse_ms", V_I64, F(policy.pulse_ms), TOK_PULSE_MIN_MS, TOK_PULSE_MAX_MS, NULL },
    { "door", "state_db", V_STR, F(state_db), 0, 0, NULL },
    { "door", "queue_max", V_I64, F(queue_max), DOOR_QUEUE_MIN, DOOR_QUEUE_MAX, NULL },
    { "door", "log_level", V_LEVEL, F(log_level), 0, 0, NULL },
    { "door", "mode", V_ENUM, F(mode), 0, 0, modes },
    { "server", "url", V_URL, F(url), 0, 0, NULL },
    { "server", "api_key", V_SECRET, F(api_key), 0, 0, NULL },
    { "server", "api_key_file", V_STR, 0, 0, 0, 0, NULL },     /* read after the parse */
    { "server", "ca_file", V_STR, F(ca_file), 0, 0, NULL },
    { "server", "connect_timeout_ms", V_INT, F(connect_timeout_ms), 100, 60000, NULL },
    { "server", "timeout_ms", V_INT, F(timeout_ms), 500, 600000, NULL },
    { "server", "sync_interval", V_I64, F(policy.sync_interval), 1, 86400, NULL },
    { "server", "upload_batch", V_INT, F(upload_batch), 1, DOOR_BATCH_MAX, NULL },
    { "server", "retry_max_s", V_INT, F(retry_max_s), 1, 3600, NULL },
    { "server", "stale_after", V_I64, F(stale_after), DOOR_STALE_MIN, DOOR_STALE_MAX, NULL },
    { "server", "stale_mode", V_ENUM, F(stale_mode), 0, 0, stale_modes },
    { "server", "floor_step", V_I64, F(floor_step), DOOR_FLOOR_STEP_MIN, DOOR_FLOOR_STEP_MAX, NULL },
    { "trust", "site_key", V_SITEKEY, 0, 0, 0, 0, NULL },
    { "trust", "bootstrap", V_ENUM, F(bootstrap), 0, 0, bootstraps },
    { "reader", "connstring", V_STR, F(connstring), 0, 0, NULL },
    { "reader", "xfer_ms", V_INT, F(rdr.xfer_ms), 10, 5000, NULL },
    { "reader", "poll_gap_ms", V_INT, F(rdr.poll_gap_ms), 1, 1000, NULL },
    { "reader", "present_gap_ms", V_INT, F(rdr.present_gap_ms), 1, 1000, NULL },
    { "reader", "exchange_ms", V_INT, F(rdr.exchange_ms), 100, 10000, NULL },
    { "reader", "poll_ms", V_INT, F(poll_ms), 10, 5000, NULL },
    { "reader", "removal_ms", V_INT, F(removal_ms), 100, 60000, NULL },
    { "reader", "reopen_after", V_INT, F(reopen_after), 1, 100, NULL },
    { "reader", "hang_ms", V_INT, F(hang_ms), 1000, 600000, NULL },
    { "reader", "offline_alarm_s", V_INT, F(offline_alarm_s), 1, 86400, NULL },
    { "card", "read_key_file", V_STR, 0, 0, 0, 0, NULL },     /* read after the parse */
    { "card", "seal_key_file", V_STR, F(seal_key_file), 0, 0, NULL },
    { "card", "admin_key_file", V_STR, 0, 0, 0, 0, NULL },    /* read after the parse */
    { "card", "write_key_file", V_STR, 0, 0, 0, 0, NULL },    /* read after the parse */
    { "card", "key_generation", V_INT, F(card_generation), 1, 255, NULL },
    { "card", "update", V_BOOL, F(card_update), 0, 1, NULL },
    { "lock", "backend", V_ENUM, F(lock.backend), 0, 0, lock_backends },
    { "lock", "fail_mode", V_ENUM, F(lock.fail_safe), 0, 0, fail_modes },
    { "lock", "chip", V_STR, F(lock.chip), 0, 0, NULL },
    { "lock", "line", V_INT, F(lock.line), 0, 1023, NULL },
    { "lock", "active_low", V_BOOL, F(lock.active_low), 0, 1, NULL },
    { "lock", "command", V_STR, F(lock.command), 0, 0, NULL },
    { "lock", "command_timeout_ms", V_INT, F(lock.command_timeout_ms), 100, 60000, NULL },
    { "lock", "log_file", V_STR, F(lock.log_file), 0, 0, NULL },
    { "inputs", "backend", V_ENUM, F(in.backend), 0, 0, input_backends },
    { "inputs", "chip", V_STR, F(in.chip), 0, 0, NULL },
    { "inputs", "contact_line", V_INT, F(in.contact_line), 0, 1023, NULL },
    { "inputs", "exit_line", V_INT, F(in.exit_line), 0, 1023, NULL },
    { "inputs", "contact_active_low", V_BOOL, F(in.contact_active_low), 0, 1, NULL },
    { "inputs", "exit_active_low", V_BOOL, F(in.exit_active_low), 0, 1, NULL },
    { "inputs", "contact_file", V_STR, F(in.contact_file), 0, 0, NULL },
    { "inputs", "exit_file", V_STR, F(in.exit_file), 0, 0, NULL },
    { "inputs", "debounce_ms", V_INT, F(in.debounce_ms), 0, 1000, NULL },
    { "inputs", "held_open_s", V_INT, F(in.held_open_s), 1, 3600, NULL },
    { "inputs", "open_grace_ms", V_INT, F(in.open_grace_ms), 0, 60000, NULL },
    { "inputs", "relock_on_close", V_BOOL, F(in.relock_on_close), 0, 1, NULL },
    { "inputs", "tick_ms", V_INT, F(in.tick_ms), 5, 1000, NULL },
};
#define NKEYS (sizeof keys / sizeof keys[0])

struct pctx {
    struct door_cfg *c;
    lp_fail *f;
    int failed;
    char field[32];
    char msg[160];
    unsigned char seen[NKEYS];
    char key_file[DOOR_PATH_MAX];
    char card_key_file[DOOR_PATH_MAX];
    char admin_key_file[DOOR_PATH_MAX];
    char write_key_file[DOOR_PATH_MAX];
};

void door_cfg_default(struct door_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->policy.holder_proof = 1;
    c->policy.bearer_allowed = 0;
    c->policy.clock_skew = 120;
    c->policy.pulse_ms = 3000;
    c->policy.sync_interval = 60;
    snprintf(c->state_db, sizeof c->state_db, "/var/lib/labpass-door/door.db");
    c->queue_max = 10000;
    c->log_level = LOG_INFO;
    c->connect_timeout_ms = 5000;
    c->timeout_ms = 20000;
    c->upload_batch = DOOR_BATCH_MAX;
    c->retry_max_s = 300;
    c->stale_after = 86400;
    c->stale_mode = DOOR_STALE_STAFF_ONLY;
    c->floor_step = 3600;
    c->bootstrap = DOOR_BOOT_CONFIG;
    nfc_rdr_opts_default(&c->rdr);
    c->rdr.poll_gap_ms = 20;
    c->poll_ms = 250;
    c->removal_ms = 10000;
    c->reopen_after = 3;
    c->hang_ms = 30000;
    c->offline_alarm_s = 60;
    c->lock.backend = DOOR_LOCK_LOG;
    c->lock.line = -1;
    c->lock.command_timeout_ms = 2000;
    c->in.backend = DOOR_IN_NONE;
    c->in.contact_line = -1;
    c->in.exit_line = -1;
    c->in.debounce_ms = 50;
    c->in.held_open_s = 30;
    c->in.open_grace_ms = 2000;
    c->in.relock_on_close = 1;
    c->in.tick_ms = 20;
}

void door_cfg_wipe(struct door_cfg *c)
{
    if (!c) return;
    sodium_memzero(c->api_key, sizeof c->api_key);
    sodium_memzero(c->card_read_key, sizeof c->card_read_key);
    sodium_memzero(c->card_admin_key, sizeof c->card_admin_key);
    sodium_memzero(c->card_write_key, sizeof c->card_write_key);
}

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > TOK_DOOR_ID_MAX) return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* 1..max bytes of visible ASCII (0x21..0x7e). */
static int visible_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e) return 0;
    return 1;
}

int door_policy_check(const struct tok_door_settings *p)
{
    if (!p || p->n_groups == 0 || p->n_groups > TOK_GROUPS_MAX) return LP_ERR_INVALID;
    for (size_t i = 0; i < p->n_groups; i++) {
        if (!visible_ok(p->groups[i], TOK_GROUP_MAX)) return LP_ERR_INVALID;
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->groups[i], p->groups[j]) == 0) return LP_ERR_INVALID;
    }
    int ok = (p->holder_proof == 0 || p->holder_proof == 1) &&
             (p->bearer_allowed == 0 || p->bearer_allowed == 1) &&
             p->clock_skew >= 0 && p->clock_skew <= TOK_SKEW_MAX &&
             p->pulse_ms >= TOK_PULSE_MIN_MS && p->pulse_ms <= TOK_PULSE_MAX_MS &&
             p->sync_interval >= 1 && p->sync_interval <= 86400 && name_ok(p->name);
    return ok ? 0 : LP_ERR_INVALID;
}

/* ---- value parsers: each returns 0 or -1 ---- */

static int parse_i64(const char *v, int64_t min, int64_t max, int64_t *out)
{
    if (*v == '\0' || strlen(v) > 20) return -1;
    size_t i = (*v == '-') ? 1 : 0;
    if (v[i] == '\0' || strspn(v + i, "0123456789") != strlen(v + i)) return -1;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (*end != '\0' || x < min || x > max) return -1;
    *out = x;
    return 0;
}

static int parse_bool(const char *v, int64_t *out)
{
    static const struct ename b[] = { { "true", 1 }, { "yes", 1 }, { "on", 1 }, { "1", 1 },
                                      { "false", 0 }, { "no", 0 }, { "off", 0 }, { "0", 0 } };
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        if (strcasecmp(v, b[i].name) == 0) { *out = b[i].value; return 0; }
    return -1;
}

static int parse_enum(const char *v, const struct ename *names, int *out)
{
    for (; names->name; names++)
        if (strcmp(v, names->name) == 0) { *out = names->value; return 0; }
    return -1;
}

/* "a, b, c": 1..TOK_GROUPS_MAX distinct visible-ASCII names. */
static int parse_groups(const char *v, struct tok_door_settings *p)
{
    size_t n = 0;
    const char *s = v;
    for (;;) {
        s += strspn(s, " \t");
        size_t len = strcspn(s, ", \t");
        if (len == 0 || len > TOK_GROUP_MAX || n >= TOK_GROUPS_MAX) return -1;
        memcpy(p->groups[n], s, len);
        p->groups[n][len] = '\0';
        if (!visible_ok(p->groups[n], TOK_GROUP_MAX)) return -1;
        for (size_t j = 0; j < n; j++)
            if (strcmp(p->groups[j], p->groups[n]) == 0) return -1;
        n++;
        s += len;
        s += strspn(s, " \t");
        if (*s == '\0') break;
        if (*s++ != ',') return -1;
    }
    p->n_groups = n;
    return 0;
}

/* A site public key: 64 hex digits or 43 base64url characters. */
static int parse_site_key(const char *v, struct door_cfg *c)
{
    uint8_t pk[TOK_PK_LEN];
    size_t n = 0, len = strlen(v);
    int rc = -1;
    if (len == 2 * TOK_PK_LEN)
        rc = sodium_hex2bin(pk, sizeof pk, v, len, NULL, &n, NULL);
    else if (len == 43)
        rc = sodium_base642bin(pk, sizeof pk, v, len, NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (rc != 0 || n != TOK_PK_LEN || c->n_site_keys >= TOK_BUNDLE_KEYS_MAX) return -1;
    for (size_t i = 0; i < c->n_site_keys; i++)
        if (memcmp(c->site_keys[i].pk, pk, TOK_PK_LEN) == 0) return -1;
    struct tok_key *k = &c->site_keys[c->n_site_keys++];
    memcpy(k->pk, pk, TOK_PK_LEN);
    tok_kid_from_pk(pk, k->kid);
    k->kid_len = TOK_KID_LEN;
    return 0;
}

static int loopback_host(const char *h)
{
    static const char *ok[] = { "127.0.0.1", "localhost", "[::1]" };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t n = strlen(ok[i]);
        if (strncmp(h, ok[i], n) == 0 && (h[n] == '\0' || h[n] == ':' || h[n] == '/')) return 1;
    }
    return 0;
}

/* https://host[:port][/prefix], or plain http to the loopback interface only
 * (tests and a local TLS-terminating proxy). No user info, query or fragment. */
static int parse_url(const char *v, char *out, size_t cap)
{
    size_t n = strlen(v);
    if (n == 0 || n >= cap) return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f) return -1;
    if (strpbrk(v, "@?#\\")) return -1;
    const char *host = NULL;
    if (strncmp(v, "https://", 8) == 0) host = v + 8;
    else if (strncmp(v, "http://", 7) == 0 && loopback_host(v + 7)) host = v + 7;
    if (!host || *host == '\0' || *host == '/' || *host == ':') return -1;
    memcpy(out, v, n + 1);
    while (n > 0 && out[n - 1] == '/') out[--n] = '\0';
    return 0;
}

static int set_str(char *dst, size_t size, const char *v)
{
    size_t n = strlen(v);
    if (n >= size) return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) return -1;
    memcpy(dst, v, n + 1);
    return 0;
}

static int set_number(const struct ckey *k, char *base, int64_t x)
{
    if (k->type == V_I64 || k->size == sizeof(int64_t)) {
        *(int64_t *)(void *)(base + k->off) = x;
    } else {
        *(int *)(void *)(base + k->off) = (int)x;
    }
    return 0;
}

static int apply_value(struct pctx *p, const struct ckey *k, const char *v)
{
    char *base = (char *)p->c;
    int64_t x = 0;
    int e = 0;
    switch (k->type) {
    case V_INT:
    case V_I64:
        return parse_i64(v, k->min, k->max, &x) == 0 ? set_number(k, base, x) : -1;
    case V_BOOL:
        return parse_bool(v, &x) == 0 ? set_number(k, base, x) : -1;
    case V_ENUM:
        if (parse_enum(v, k->names, &e) != 0) return -1;
        *(int *)(void *)(base + k->off) = e;
        return 0;
    case V_LEVEL: {
        enum log_level lvl;
        if (log_parse_level(v, &lvl) != 0) return -1;
        p->c->log_level = lvl;
        return 0;
    }
    case V_STR:
        if (strcmp(k->name, "api_key_file") == 0) return set_str(p->key_file, sizeof p->key_file, v);
        if (strcmp(k->name, "read_key_file") == 0)
            return set_str(p->card_key_file, sizeof p->card_key_file, v);
        if (strcmp(k->name, "admin_key_file") == 0)
            return set_str(p->admin_key_file, sizeof p->admin_key_file, v);
        if (strcmp(k->name, "write_key_file") == 0)
            return set_str(p->write_key_file, sizeof p->write_key_file, v);
        return set_str(base + k->off, k->size, v);
    case V_SECRET:
    case V_TEXT:
        return visible_ok(v, k->size - 1) ? set_str(base + k->off, k->size, v) : -1;
    case V_NAME:
        return name_ok(v) ? set_str(base + k->off, k->size, v) : -1;
    case V_GROUPS:
        return parse_groups(v, &p->c->policy);
    case V_SITEKEY:
        return parse_site_key(v, p->c);
    case V_URL:
        return parse_url(v, base + k->off, k->size);
    }
    return -1;
}

/* Keeps the first fault; the line number is known only after the parse. */
static void note(struct pctx *p, const char *section, const char *name, const char *what)
{
    if (p->failed) return;
    p->failed = 1;
    snprintf(p->field, sizeof p->field, "%.31s", name);
    snprintf(p->msg, sizeof p->msg, "[%.24s] %.40s: %s", section, name, what);
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct pctx *p = user;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct ckey *k = &keys[i];
        if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0) continue;
        if (p->seen[i] && k->type != V_SITEKEY) break;       /* duplicate */
        p->seen[i] = 1;
        if (apply_value(p, k, value) == 0) return 1;
        note(p, section, name, "value out of range or malformed");
        return 0;
    }
    note(p, section, name, "unknown or repeated key");
    return 0;
}

/* Reads a whole small file (at most cap - 1 bytes) and NUL-terminates it. */
static int slurp(const char *path, char *buf, size_t cap, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return LP_ERR_IO;
    size_t n = fread(buf, 1, cap - 1, fp);
    int more = fgetc(fp) != EOF, err = ferror(fp);
    fclose(fp);
    if (err) return LP_ERR_IO;
    if (more) return LP_ERR_TOOBIG;
    buf[n] = '\0';
    if (len) *len = n;
    return 0;
}

static int read_key_file(struct pctx *p)
{
    char buf[DOOR_APIKEY_MAX + 8];
    size_t n = 0;
    int rc = slurp(p->key_file, buf, sizeof buf, &n);
    if (rc != 0) return lp_failf(p->f, rc == LP_ERR_TOOBIG ? LP_ERR_INVALID : rc, "api_key_file",
                                 "cannot read the API key file, or it is too long");
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
    rc = visible_ok(buf, sizeof p->c->api_key - 1) ? 0 : -1;
    if (rc == 0) memcpy(p->c->api_key, buf, n + 1);
    sodium_memzero(buf, sizeof buf);
    if (rc != 0) return lp_failf(p->f, LP_ERR_INVALID, "api_key_file", "the API key file holds no valid key");
    return 0;
}

/* A DESFire master key file (key `field`): 32 hex digits (and a line end),
 * nothing else, readable by its owner only. */
static int read_card_key_file(struct pctx *p, const char *path, const char *field, uint8_t key[16],
                              int *has)
{
    char buf[40];
    size_t n = 0, bin = 0;
    struct stat sb;
    if (stat(path, &sb) == 0 && (sb.st_mode & 077))
        return lp_failf(p->f, LP_ERR_INVALID, field, "the card key file must not be readable by others (mode 0600)");
    int rc = slurp(path, buf, sizeof buf, &n);
    if (rc != 0) return lp_failf(p->f, rc == LP_ERR_TOOBIG ? LP_ERR_INVALID : rc, field,
                                 "cannot read the card key file, or it is too long");
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
    rc = n == 32 && sodium_hex2bin(key, 16, buf, n, NULL, &bin, NULL) == 0 && bin == 16 ? 0 : -1;
    sodium_memzero(buf, sizeof buf);
    if (rc != 0) return lp_failf(p->f, LP_ERR_INVALID, field, "the card key file holds no 32-hex-digit key");
    *has = 1;
    return 0;
}

/* The card master key files named in [card]. */
static int read_card_keys(struct pctx *p)
{
    struct door_cfg *c = p->c;
    if (p->card_key_file[0] &&
        read_card_key_file(p, p->card_key_file, "read_key_file", c->card_read_key, &c->has_card_key) != 0)
        return LP_ERR_INVALID;
    if (p->admin_key_file[0] &&
        read_card_key_file(p, p->admin_key_file, "admin_key_file", c->card_admin_key, &c->has_admin_key) != 0)
        return LP_ERR_INVALID;
    if (p->write_key_file[0] &&
        read_card_key_file(p, p->write_key_file, "write_key_file", c->card_write_key, &c->has_write_key) != 0)
        return LP_ERR_INVALID;
    return 0;
}

/* Rules across keys, after every key is read. */
static int cross_check(struct pctx *p)
{
    struct door_cfg *c = p->c;
    static const char *required[] = { "id", "name", "groups", "connstring" };
    for (size_t r = 0; r < sizeof required / sizeof required[0]; r++) {
        for (size_t i = 0; i < NKEYS; i++)
            if (strcmp(keys[i].name, required[r]) == 0 && !p->seen[i])
                return lp_failf(p->f, LP_ERR_INVALID, required[r], "%s is required", required[r]);
    }
    if (p->key_file[0] && c->api_key[0])
        return lp_failf(p->f, LP_ERR_INVALID, "api_key", "give api_key or api_key_file, not both");
    if (p->key_file[0] && read_key_file(p) != 0) return LP_ERR_INVALID;
    if (read_card_keys(p) != 0) return LP_ERR_INVALID;
    if (c->url[0] && !c->api_key[0])
        return lp_failf(p->f, LP_ERR_INVALID, "api_key", "a server url needs an API key");
    if (c->url[0] && c->stale_after <= c->policy.sync_interval)
        return lp_failf(p->f, LP_ERR_INVALID, "stale_after", "stale_after must exceed sync_interval");
    if (c->bootstrap == DOOR_BOOT_TLS && (!c->url[0] || strncmp(c->url, "https://", 8) != 0))
        return lp_failf(p->f, LP_ERR_INVALID, "bootstrap", "bootstrap = tls needs an https url");
    if (c->state_db[0] == '\0')
        return lp_failf(p->f, LP_ERR_INVALID, "state_db", "state_db must name a file");
    if (c->lock.backend == DOOR_LOCK_GPIOD && (!c->lock.chip[0] || c->lock.line < 0))
        return lp_failf(p->f, LP_ERR_INVALID, "line", "the gpiod lock needs chip and line");
    if (c->lock.backend == DOOR_LOCK_EXEC && c->lock.command[0] != '/')
        return lp_failf(p->f, LP_ERR_INVALID, "command", "the exec lock needs an absolute command path");
    if (c->in.backend == DOOR_IN_GPIOD && (!c->in.chip[0] || (c->in.contact_line < 0 && c->in.exit_line < 0)))
        return lp_failf(p->f, LP_ERR_INVALID, "contact_line", "gpiod inputs need chip and a line");
    if (c->in.backend == DOOR_IN_FILE && !c->in.contact_file[0] && !c->in.exit_file[0])
        return lp_failf(p->f, LP_ERR_INVALID, "contact_file", "file inputs need a file");
    int busy = c->poll_ms + c->rdr.exchange_ms + c->rdr.xfer_ms + c->removal_ms + c->rdr.present_gap_ms;
    if (c->hang_ms <= busy + 1000)
        return lp_failf(p->f, LP_ERR_INVALID, "hang_ms", "hang_ms must exceed %d ms (poll + exchange + removal)",
                        busy + 1000);
    if (door_policy_check(&c->policy) != 0)
        return lp_failf(p->f, LP_ERR_INVALID, "groups", "the door policy is invalid");
    return 0;
}

/* inih truncates long lines silently; refuse them (and NUL bytes) first. */
static int lines_ok(const char *text, lp_fail *f)
{
    int line = 1;
    size_t run = 0;
    for (const char *s = text; *s; s++) {
        if (*s == '\n') { line++; run = 0; continue; }
        if (++run > DOOR_CFG_LINE_MAX)
            return lp_failf(f, LP_ERR_INVALID, "line", "line %d is longer than %d bytes", line, DOOR_CFG_LINE_MAX);
    }
    return 0;
}

int door_cfg_parse(const char *text, struct door_cfg *out, lp_fail *f)
{
    if (!text || !out) return LP_ERR_INVALID;
    door_cfg_default(out);
    if (strlen(text) >= DOOR_CFG_FILE_MAX) return lp_failf(f, LP_ERR_TOOBIG, "", "configuration over 64 KiB");
    int rc = lines_ok(text, f);
    if (rc != 0) return rc;
    struct pctx p = { .c = out, .f = f };
    int line = ini_parse_string(text, on_key, &p);
    if (line != 0 || p.failed) {
        if (!p.failed) snprintf(p.msg, sizeof p.msg, "syntax error");
        lp_failf(f, LP_ERR_INVALID, p.field, "line %d: %s", line, p.msg);
        rc = LP_ERR_INVALID;
    } else {
        rc = cross_check(&p);
    }
    if (rc != 0) {
        door_cfg_wipe(out);
        door_cfg_default(out);
    }
    return rc;
}

int door_cfg_load(const char *path, struct door_cfg *out, lp_fail *f)
{
    if (!path || !out) return LP_ERR_INVALID;
    door_cfg_default(out);
    char *buf = malloc(DOOR_CFG_FILE_MAX + 1);
    if (!buf) return LP_ERR_NOMEM;
    size_t n = 0;
    int rc = slurp(path, buf, DOOR_CFG_FILE_MAX + 1, &n);
    if (rc == 0 && strlen(buf) != n) rc = LP_ERR_INVALID;        /* a NUL byte inside */
    if (rc == 0) rc = door_cfg_parse(buf, out, f);
    else lp_failf(f, rc, "", "cannot read %s", path);
    sodium_memzero(buf, n);
    free(buf);
    return rc;
}

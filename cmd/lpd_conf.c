/* lpd_conf.c: labpassd's settings from a file and flags (see lpd_conf.h). */
#include "cmd/lpd_conf.h"
#include "core/log.h"
#include "api/notify.h"
#include "api/smtp.h"
#include "booking/pwhash.h"
#include "booking/mailtext.h"
#include "booking/rlog.h"
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t len, const char *key, const char *what)
{
    snprintf(err, len, "%s: %s", key, what);
    return -1;
}

/* A whole decimal number in [lo, hi]. */
static int number(const char *v, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi) return -1;
    *out = (int)n;
    return 0;
}

static int boolean(const char *v, int *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) *out = 1;
    else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) *out = 0;
    else return -1;
    return 0;
}

static int text(char *dst, size_t cap, const char *v)
{
    if (strlen(v) >= cap) return -1;
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int listen_on(lpd_settings *s, const char *v)
{
    const char *colon = strrchr(v, ':');
    int port;
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof s->addr || number(colon + 1, 0, 65535, &port)) return -1;
    memcpy(s->addr, v, (size_t)(colon - v));
    s->addr[colon - v] = '\0';
    s->cfg.port = port;
    return 0;
}

static int proxy(lpd_settings *s, const char *v)
{
    unsigned char ip[16];
    if (s->cfg.ntrusted >= 8 || strlen(v) >= sizeof s->proxies[0]) return -1;
    if (inet_pton(AF_INET, v, ip) != 1 && inet_pton(AF_INET6, v, ip) != 1) return -1;
    snprintf(s->proxies[s->cfg.ntrusted], sizeof s->proxies[0], "%s", v);
    s->cfg.trusted_proxies[s->cfg.ntrusted] = s->proxies[s->cfg.ntrusted];
    s->cfg.ntrusted++;
    return 0;
}

/* A comma-separated list of proxies (file form). */
static int proxies(lpd_settings *s, const char *v)
{
    char buf[600], *save = NULL;
    if (text(buf, sizeof buf, v)) return -1;
    for (char *p = strtok_r(buf, ", ", &save); p; p = strtok_r(NULL, ", ", &save))
        if (proxy(s, p)) return -1;
    return 0;
}

/* An e-mail address as the From: of outgoing mail: local@domain, printable
 * ASCII, no spaces or brackets; the domain (also EHLO's name and the
 * Message-ID's right side) letters, digits, dots and hyphens. */
static int address(char *dst, size_t cap, const char *v)
{
    const char *at = strchr(v, '@');
    if (!at || at == v || !at[1] || strchr(at + 1, '@')) return -1;
    if (strspn(at + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(at + 1)) return -1;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= ' ' || *p > '~' || strchr("<>()[],;:\"\\", *p)) return -1;
    return text(dst, cap, v);
}

static int smtp_url(lpd_settings *s, const char *v)
{
    char why[200];
    return smtp_check_url(v, 1, why, sizeof why) || text(s->smtp_url, sizeof s->smtp_url, v);
}

/* A file that exists and can be read now (its content is read at start). */
static int readable(char *dst, size_t cap, const char *v)
{
    return !*v || access(v, R_OK) != 0 || text(dst, cap, v);
}

void lpd_defaults(lpd_settings *s)
{
    struct stat st;
    memset(s, 0, sizeof *s);
    snprintf(s->addr, sizeof s->addr, "127.0.0.1");
    snprintf(s->db, sizeof s->db, "var/labpass.db");
    snprintf(s->notify, sizeof s->notify, "log");
    if (stat("web/index.html", &st) == 0) snprintf(s->web, sizeof s->web, "web");
    s->cfg = (api_config){ .port = 8080, .max_connections = 256, .max_per_client = 64, .request_timeout = 10 };
    acct_policy_default(&s->cfg.policy);
    s->sweep_interval = 30;
    s->webhook_interval = 5;
    s->log_level = LOG_INFO;
    s->smtp_timeout = 30;
    s->smtp_starttls = 1;
    s->reminder_hours = 24;
    s->calibration_days = RLOG_CAL_LEAD_DEFAULT;
}

int lpd_set(lpd_settings *s, const char *key, const char *value, char *err, size_t errlen)
{
    char k[40];
    int n = 0, bad;
    if (strlen(key) >= sizeof k) return fail(err, errlen, key, "no such setting");
    for (size_t i = 0; i <= strlen(key); i++) k[i] = key[i] == '-' ? '_' : key[i];
    const char *v = value ? value : "";
    enum log_level lvl;
    if (!strcmp(k, "listen")) bad = listen_on(s, v);
    else if (!strcmp(k, "db")) bad = !*v || text(s->db, sizeof s->db, v);
    else if (!strcmp(k, "key_file")) bad = !*v || text(s->key_file, sizeof s->key_file, v);
    else if (!strcmp(k, "web")) bad = text(s->web, sizeof s->web, v);
    else if (!strcmp(k, "tls_cert")) bad = text(s->tls_cert, sizeof s->tls_cert, v);
    else if (!strcmp(k, "tls_key")) bad = text(s->tls_key, sizeof s->tls_key, v);
    else if (!strcmp(k, "demo")) bad = boolean(v, &s->demo);
    else if (!strcmp(k, "max_connections")) bad = number(v, 4, 4096, &s->cfg.max_connections);
    else if (!strcmp(k, "max_per_client")) bad = number(v, 1, 4096, &s->cfg.max_per_client);
    else if (!strcmp(k, "request_timeout")) bad = number(v, 1, 600, &s->cfg.request_timeout);
    else if (!strcmp(k, "trusted_proxy")) bad = proxies(s, v);
    else if (!strcmp(k, "session_ttl")) { bad = number(v, 60, 30 * 86400, &n); s->cfg.policy.session_ttl = n; }
    else if (!strcmp(k, "session_idle")) { bad = !(number(v, 0, 0, &n) == 0 || number(v, 60, 86400, &n) == 0); s->cfg.policy.idle_timeout = n; }
    else if (!strcmp(k, "passkey_staff")) bad = boolean(v, &s->cfg.policy.passkey_staff);
    else if (!strcmp(k, "hash_workers")) bad = number(v, 1, PWH_WORKERS_MAX, &s->cfg.policy.hash_workers);
    else if (!strcmp(k, "hash_wait_ms")) bad = number(v, 0, 60000, &s->cfg.policy.hash_wait_ms);
    else if (!strcmp(k, "log_level")) { bad = log_parse_level(v, &lvl) != 0; if (!bad) s->log_level = (int)lvl; }
    else if (!strcmp(k, "notify")) bad = notify_check(v) != 0 || text(s->notify, sizeof s->notify, v);
    else if (!strcmp(k, "sweep_interval")) bad = number(v, 1, 3600, &s->sweep_interval);
    else if (!strcmp(k, "smtp_url")) bad = smtp_url(s, v);
    else if (!strcmp(k, "smtp_starttls")) bad = boolean(v, &s->smtp_starttls);
    else if (!strcmp(k, "smtp_user")) bad = text(s->smtp_user, sizeof s->smtp_user, v);
    else if (!strcmp(k, "smtp_password_file")) bad = readable(s->smtp_password_file, sizeof s->smtp_password_file, v);
    else if (!strcmp(k, "smtp_from")) bad = address(s->smtp_from, sizeof s->smtp_from, v);
    else if (!strcmp(k, "smtp_timeout")) bad = number(v, 1, 600, &s->smtp_timeout);
    else if (!strcmp(k, "smtp_ca_file")) bad = readable(s->smtp_ca_file, sizeof s->smtp_ca_file, v);
    else if (!strcmp(k, "webhook_interval")) bad = number(v, 1, 3600, &s->webhook_interval);
    else if (!strcmp(k, "webhook_ca_file")) bad = text(s->webhook_ca_file, sizeof s->webhook_ca_file, v);
    else if (!strcmp(k, "public_url")) bad = (*v && !mt_public_url_ok(v)) || text(s->public_url, sizeof s->public_url, v);
    else if (!strcmp(k, "reminder_hours")) bad = number(v, 0, 24 * 14, &s->reminder_hours);
    else if (!strcmp(k, "calibration_days")) bad = number(v, 0, 90, &s->calibration_days);
    else return fail(err, errlen, key, "no such setting");
    if (!bad) return 0;
    snprintf(err, errlen, "%s: \"%.80s\" is not a valid value (see labpassd --help)", key, v);
    return -1;
}

/* The first fault of a file; its line is known only after the parse (inih
 * answers the line where the handler refused). */
struct load { lpd_settings *s; char msg[400]; int failed; };

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct load *l = user;
    if (l->failed) return 0;
    if (section[0] && strcmp(section, "labpassd")) {
        snprintf(l->msg, sizeof l->msg, "[%.60s]: settings belong under [labpassd] or before any section", section);
        l->failed = 1;
        return 0;
    }
    if (lpd_set(l->s, name, value, l->msg, sizeof l->msg) != 0) {
        l->failed = 1;
        return 0;
    }
    return 1;
}

int lpd_load(lpd_settings *s, const char *path, char *err, size_t errlen)
{
    struct load l = { .s = s };
    int rc = ini_parse(path, on_key, &l);
    if (rc == -1) { snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno)); return -1; }
    if (rc == -2) { snprintf(err, errlen, "%s: out of memory", path); return -1; }
    if (rc > 0 && l.failed) { snprintf(err, errlen, "%s:%d: %s", path, rc, l.msg); return -1; }
    if (rc > 0) { snprintf(err, errlen, "%s:%d: not a `key = value` line", path, rc); return -1; }
    return 0;
}

int lpd_check(const lpd_settings *s, char *err, size_t errlen)
{
    char why[200];
    if (!s->smtp_user[0] != !s->smtp_password_file[0])
        return fail(err, errlen, "smtp_user", "smtp_user and smtp_password_file go together");
    if (strcmp(s->notify, "smtp")) return 0;
    if (!s->smtp_url[0]) return fail(err, errlen, "notify", "notify = smtp needs smtp_url");
    if (!s->smtp_from[0]) return fail(err, errlen, "notify", "notify = smtp needs smtp_from");
    if (smtp_check_url(s->smtp_url, s->smtp_starttls, why, sizeof why)) return fail(err, errlen, "smtp_starttls", why);
    return 0;
}

int lpd_smtp_password(const lpd_settings *s, char *out, size_t len, char *err, size_t errlen)
{
    out[0] = '\0';
    if (!s->smtp_password_file[0]) return 0;
    FILE *f = fopen(s->smtp_password_file, "r");
    struct stat st;
    if (!f) { snprintf(err, errlen, "smtp_password_file: %s: %s", s->smtp_password_file, strerror(errno)); return -1; }
    if (fstat(fileno(f), &st) != 0 || (st.st_mode & S_IRWXO)) {
        fclose(f);
        snprintf(err, errlen, "smtp_password_file: %s must not be open to other users (chmod 600 or 640)",
                 s->smtp_password_file);
        return -1;
    }
    size_t n = fread(out, 1, len - 1, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    out[n] = '\0';
    if (n && out[n - 1] == '\n') out[--n] = '\0';
    if (n && out[n - 1] == '\r') out[--n] = '\0';
    if (more || !n || strpbrk(out, "\r\n")) {
        snprintf(err, errlen, "smtp_password_file: %s must hold the password on one line (at most %zu bytes)",
                 s->smtp_password_file, len - 2);
        return -1;
    }
    return 0;
}

void lpd_print(const lpd_settings *s, FILE *out)
{
    fprintf(out, "listen = %s:%d\n", s->addr, s->cfg.port);
    fprintf(out, "db = %s\n", s->db);
    fprintf(out, "key_file = %s\n", s->key_file[0] ? s->key_file : "(labpass.key next to the database)");
    fprintf(out, "web = %s\n", s->web);
    fprintf(out, "tls_cert = %s\ntls_key = %s\n", s->tls_cert, s->tls_key);
    fprintf(out, "demo = %s\n", s->demo ? "yes" : "no");
    fprintf(out, "max_connections = %d\nmax_per_client = %d\nrequest_timeout = %d\n", s->cfg.max_connections,
            s->cfg.max_per_client, s->cfg.request_timeout);
    fprintf(out, "trusted_proxy =");
    for (int i = 0; i < s->cfg.ntrusted; i++) fprintf(out, "%s%s", i ? ", " : " ", s->proxies[i]);
    fprintf(out, "\nsession_ttl = %lld\n", (long long)s->cfg.policy.session_ttl);
    fprintf(out, "session_idle = %lld\npasskey_staff = %s\n", (long long)s->cfg.policy.idle_timeout,
            s->cfg.policy.passkey_staff ? "yes" : "no");
    fprintf(out, "hash_workers = %d\nhash_wait_ms = %d\n", s->cfg.policy.hash_workers, s->cfg.policy.hash_wait_ms);
    fprintf(out, "log_level = %s\n", log_level_name((enum log_level)s->log_level));
    fprintf(out, "notify = %s\nsweep_interval = %d\n", s->notify, s->sweep_interval);
    fprintf(out, "smtp_url = %s\nsmtp_starttls = %s\nsmtp_user = %s\nsmtp_password_file = %s\n", s->smtp_url,
            s->smtp_starttls ? "yes" : "no", s->smtp_user, s->smtp_password_file);
    fprintf(out, "smtp_from = %s\nsmtp_timeout = %d\nsmtp_ca_file = %s\n", s->smtp_from, s->smtp_timeout,
            s->smtp_ca_file);
    fprintf(out, "webhook_interval = %d\nwebhook_ca_file = %s\n", s->webhook_interval, s->webhook_ca_file);
    fprintf(out, "public_url = %s\nreminder_hours = %d\ncalibration_days = %d\n", s->public_url, s->reminder_hours,
            s->calibration_days);
}

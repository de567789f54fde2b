/* labpassd: the labpass server. Opens and migrates the database, seeds the
 * demo on request, sets the site's time zone and serves the HTTP API and the
 * web app until SIGINT or SIGTERM. */
#include "access/issuer/issuer.h"
#include "api/api.h"
#include "booking/mailtext.h"
#include "booking/rlog.h"
#include "booking/remind.h"
#include "api/notify.h"
#include "api/webhook_send.h"
#include "booking/webhook.h"
#include "booking/rsv.h"
#include "core/clock.h"
#include "booking/demo.h"
#include "booking/pwhash.h"
#include "booking/site.h"
#include "core/log.h"
#include "core/ltime.h"
#include "db/db.h"
#include "db/idem.h"
#include "db/dbfile.h"
#include "core/version.h"
#include "privacy/retention.h"
#include "cmd/lpd_conf.h"
#include "cmd/lpd_sd.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The background workers, each on its own thread and connection, run a
 * round every interval seconds. The sweep worker runs the reservation sweep
 * (no-shows, completion, expiry), queues the reminders before bookings
 * (rmd_lead() ahead; 0: none) and drains the notification outbox; once a
 * day it applies the retention periods (privacy/retention.h). The webhook
 * worker sends the due webhook deliveries (api/webhook_send.h), so a slow
 * receiver (10 s per attempt at most) never holds up the sweep. */
struct worker {
    pthread_t th; pthread_mutex_t mu; pthread_cond_t cv; int stop; int interval; const char *db_path;
    void (*round)(db_t *db);
};

static void sweep_round(db_t *db)
{
    lpd_sd_worker_beat();   /* systemd's watchdog is fed while this worker runs */
    int changed = 0, sent = 0, revoked = 0, reminded = 0;
    if (rsv_sweep(db, clk_now(), &changed) != 0) log_warn("worker", "sweep failed; retrying later");
    if (rmd_run(db, clk_now(), rmd_lead(), &reminded) != 0) log_warn("worker", "reminders failed; retrying later");
    if (reminded) log_info("worker", "queued %d booking reminders", reminded);
    int calibrations = 0;
    if (rlog_calibration_run(db, clk_now(), rlog_cal_lead(), &calibrations) != 0)
        log_warn("worker", "calibration reminders failed; retrying later");
    if (calibrations) log_info("worker", "queued %d calibration reminders", calibrations);
    if (iss_sweep(db, clk_now(), &revoked) != 0) log_warn("worker", "pass sweep failed; retrying later");
    if (revoked) log_info("worker", "pass sweep revoked %d passes", revoked);
    if (notify_drain(db, &sent) != 0) log_warn("worker", "outbox drain failed; retrying later");
    if (idem_prune(db, clk_now() - IDEM_TTL, NULL) != 0) log_warn("worker", "idempotency pruning failed; retrying later");
    int ran = 0;
    if (ret_apply_due(db, clk_now(), &ran) != 0) log_warn("worker", "retention run failed; retrying later");
    if (changed || sent) log_info("worker", "sweep changed %d reservations, sent %d notifications", changed, sent);
}

static void webhook_round(db_t *db)
{
    static int64_t pruned_at;   /* this worker's thread only */
    int delivered = 0, failed = 0, pruned = 0;
    if (clk_now() - pruned_at >= 3600) {   /* hourly: finished deliveries older than WHK_KEEP_DAYS */
        if (whk_prune(db, clk_now() - (int64_t)WHK_KEEP_DAYS * 86400, &pruned) != 0) log_warn("webhook", "pruning failed; retrying later");
        else pruned_at = clk_now();
        if (pruned) log_info("webhook", "pruned %d finished deliveries", pruned);
    }
    if (whs_drain(db, clk_now(), 50, &delivered, &failed) != 0) log_warn("webhook", "delivery round failed; retrying later");
    if (delivered || failed) log_info("webhook", "%d deliveries answered 2xx, %d did not", delivered, failed);
}

static void *worker_main(void *p)
{
    struct worker *w = p;
    db_t *db = NULL;
    if (db_open(w->db_path, &db) != 0) { log_error("worker", "cannot open the database"); return NULL; }
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += w->interval;
        pthread_cond_timedwait(&w->cv, &w->mu, &until);
        if (w->stop) break;
        pthread_mutex_unlock(&w->mu);
        w->round(db);
        db_stmt_trim(db);   /* the round is over: nobody holds its statements */
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    db_close(db);
    return NULL;
}

static void worker_stop(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: labpassd [options]\n"
        "  --config FILE        settings file (INI: key = value, under [labpassd] or no section);\n"
        "                       default " LPD_CONF_DEFAULT " when it exists; flags override it\n"
        "  --check-config       check the settings, print the effective ones and exit (2 on an error)\n"
        "  --listen ADDR:PORT   address to serve on (default 127.0.0.1:8080; port 0 = any free port)\n"
        "  --db FILE            SQLite database (default var/labpass.db)\n"
        "  --key-file FILE      key that seals the pass-signing keys (default labpass.key next to the\n"
        "                       database; made, mode 0600, on first start; refused if others may read it)\n"
        "  --demo               seed the demo data into an empty database\n"
        "  --max-connections N  client connections served at once, each on its own thread\n"
        "                       (default 256; 4 to 4096); when all are taken, a new connection\n"
        "                       cuts the one that has waited longest for its request\n"
        "  --max-per-client N   connections at once from one client address (default 64; 1 to 4096)\n"
        "  --request-timeout S  seconds a client has for each request head, for its body, and\n"
        "                       to start the next request on a kept-alive connection (default 10)\n"
        "  --trusted-proxy ADDR a proxy (numeric address) whose X-Forwarded-For names the client;\n"
        "                       repeat for several (at most 8); none by default\n"
        "  --web DIR            static web app folder (default web/ when present)\n"
        "  --tls-cert FILE --tls-key FILE   serve HTTPS (cookies then carry Secure)\n"
        "  --session-ttl SECS   session lifetime (default 43200)\n"
        "  --session-idle SECS  a session unused this long ends (default 1800; 0: never)\n"
        "  --passkey-staff yes|no  staff need the passkey step after a password even\n"
        "                       before they have a passkey (default no)\n"
        "  --hash-workers N     argon2id hashes at once, 64 MiB each (default 2; 1 to 64)\n"
        "  --hash-wait-ms MS    wait for a free hashing slot before answering 503 (default 2000)\n"
        "  --log-level LEVEL    debug, info, warn, error or off (default info)\n"
        "  --notify SENDER      log (default), command:/path/to/program, webhook:http(s)://host/path\n"
        "                       or smtp (the built-in SMTP sender, settings below)\n"
        "  --sweep-interval S   seconds between no-show sweeps and outbox runs (default 30)\n"
        "  --smtp-url URL       smtp://host:587 (STARTTLS required), smtps://host:465, or\n"
        "                       smtp://localhost:25 with --smtp-starttls no (plain, loopback only)\n"
        "  --smtp-starttls yes|no   require STARTTLS on smtp:// (default yes)\n"
        "  --smtp-user NAME --smtp-password-file FILE   AUTH; the file holds the password on one line\n"
        "  --smtp-from ADDR     the sender's address (From: and the envelope)\n"
        "  --smtp-timeout S     seconds for one message, connecting included (default 30)\n"
        "  --smtp-ca-file FILE  trust this CA (PEM) for the server's certificate, not the system's\n"
        "  --webhook-interval S seconds between webhook delivery rounds (default 5)\n"
        "  --webhook-ca-file FILE  CA bundle (PEM) that verifies webhook endpoints (default: the system's)\n"
        "  --public-url URL     the web app's address for links in e-mails: https://host[/path],\n"
        "                       or http:// for localhost only (default none: links stay relative)\n"
        "  --reminder-hours H   e-mail a reminder H hours before each confirmed booking\n"
        "                       (default 24; 0 to 336, 0: no reminders)\n"
        "  --calibration-days D remind staff D days before a resource's calibration is due\n"
        "                       (default 14; 0 to 90, 0: no reminders)\n"
        "  --help               this text\n"
        "In the file the keys are the flag names with _ for - (max_connections = 128, demo = yes,\n"
        "trusted_proxy = 10.0.0.1, 10.0.0.2). SIGHUP reads the file again: log_level applies at once;\n"
        "other changes need a restart, which the log says.\n");
}

/* Loads the key file (made when absent while the database has no signing
 * keys yet), checks it opens the stored keys and makes the first key. */
static int prepare_keys(const char *db_path, const char *key_file)
{
    char def[512];
    db_t *db = NULL;
    iss_key *keys = NULL;
    size_t n = 0;
    if (!key_file) {
        iss_keyfile_default(db_path, def, sizeof def);
        key_file = def;
    }
    int rc = db_open(db_path, &db);
    if (rc == 0) rc = iss_key_list(db, 0, 1, &keys, &n);
    free(keys);
    if (rc == 0) rc = iss_keyfile_load(key_file, n == 0);
    if (rc == LP_ERR_FORBIDDEN)
        fprintf(stderr, "labpassd: %s must be a regular file that others may not read or write (chmod 600)\n", key_file);
    else if (rc == LP_ERR_NOTFOUND)
        fprintf(stderr, "labpassd: the key file %s is missing; the database's signing keys need it\n", key_file);
    else if (rc)
        fprintf(stderr, "labpassd: cannot use the key file %s (%s)\n", key_file, lp_err_name(rc));
    if (rc == 0 && (rc = iss_keys_verify(db)) != 0)
        fprintf(stderr, "labpassd: the key file %s does not open this database's signing keys\n", key_file);
    if (rc == 0) rc = iss_key_ensure(db, &(actor_t){ 0, "labpassd" }, clk_now());
    db_close(db);
    return rc;
}

/* The shared lock on the database file, held while labpassd runs, so
 * `labpassctl restore` cannot replace the file under it (dbfile.h). */
static int hold_db(const char *path)
{
    int fd = -1;
    int rc = dbf_lock(path, 0, &fd);
    if (rc == LP_ERR_BUSY) fprintf(stderr, "labpassd: %s is being restored; start again when the restore is done\n", path);
    else if (rc) fprintf(stderr, "labpassd: cannot open %s\n", path);
    return rc;   /* fd stays open, and the lock held, until the process ends */
}

static void refuse_newer(const char *path)
{
    dbf_info info;
    if (dbf_inspect(path, &info) == LP_ERR_NOTFOUND) return;
    fprintf(stderr, "labpassd: %s has schema version %d, made by a newer labpass than this one (%s, schema %d).\n"
                    "labpassd: refusing to start and leaving it unchanged: install that newer labpass, or restore a "
                    "backup made by this version with `labpassctl restore FILE`.\n",
            path, info.version, LP_VERSION, info.newest);
}

static int prepare_db(const char *path, int demo)
{
    db_t *db = NULL;
    site_info site;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) { *slash = '\0'; mkdir(dir, 0750); }
    int rc = hold_db(path);
    if (rc == 0) rc = db_open(path, &db);
    if (rc == LP_ERR_STATE) refuse_newer(path);
    /* The site (and its zone) first, so demo dates are taken in site time. */
    if (rc == 0 && demo) rc = demo_init_site(db);
    if (rc == 0 && demo && site_get(db, &site) == 0 && lt_set_zone(site.timezone) != 0) rc = LP_ERR_INVALID;
    if (rc == 0 && demo) rc = demo_seed(db);
    if (rc == 0 && site_get(db, &site) != 0) {
        fprintf(stderr, "labpassd: the database has no site; run 'labpassctl init' or start with --demo\n");
        rc = LP_ERR_STATE;
    }
    if (rc == 0 && lt_set_zone(site.timezone) != 0) {
        fprintf(stderr, "labpassd: unknown time zone %s\n", site.timezone);
        rc = LP_ERR_INVALID;
    }
    db_close(db);
    return rc;
}

static const struct option OPTS[] = {
    { "listen", required_argument, 0, 0 }, { "db", required_argument, 0, 0 }, { "demo", no_argument, 0, 0 },
    { "max-connections", required_argument, 0, 0 }, { "web", required_argument, 0, 0 },
    { "tls-cert", required_argument, 0, 0 }, { "tls-key", required_argument, 0, 0 },
    { "session-ttl", required_argument, 0, 0 }, { "log-level", required_argument, 0, 0 },
    { "session-idle", required_argument, 0, 0 }, { "passkey-staff", required_argument, 0, 0 },
    { "notify", required_argument, 0, 0 }, { "sweep-interval", required_argument, 0, 0 },
    { "key-file", required_argument, 0, 0 }, { "max-per-client", required_argument, 0, 0 },
    { "request-timeout", required_argument, 0, 0 }, { "trusted-proxy", required_argument, 0, 0 },
    { "hash-workers", required_argument, 0, 0 }, { "hash-wait-ms", required_argument, 0, 0 },
    { "smtp-url", required_argument, 0, 0 }, { "smtp-starttls", required_argument, 0, 0 },
    { "smtp-user", required_argument, 0, 0 }, { "smtp-password-file", required_argument, 0, 0 },
    { "smtp-from", required_argument, 0, 0 }, { "smtp-timeout", required_argument, 0, 0 },
    { "smtp-ca-file", required_argument, 0, 0 }, { "public-url", required_argument, 0, 0 },
    { "reminder-hours", required_argument, 0, 0 }, { "calibration-days", required_argument, 0, 0 },
    { "webhook-interval", required_argument, 0, 0 }, { "webhook-ca-file", required_argument, 0, 0 },
    { "config", required_argument, 0, 'C' }, { "check-config", no_argument, 0, 'K' }, { "help", no_argument, 0, 'h' },
    { 0, 0, 0, 0 } };

/* The settings: defaults, then the file, then the flags. 0 to go on, else
 * the exit code (after printing why, or the help). */
static int settings(int argc, char **argv, lpd_settings *s, const char **conf, int *check)
{
    char err[700];
    struct stat st;
    int o, idx;
    lpd_defaults(s);
    *conf = NULL;
    *check = 0;
    while ((o = getopt_long(argc, argv, "", OPTS, &idx)) != -1) {   /* first: the file and the mode */
        if (o == 'h') { usage(stdout); return -1; }
        if (o == 'C') *conf = optarg;
        else if (o == 'K') *check = 1;
        else if (o == '?') { usage(stderr); return 2; }
    }
    if (optind != argc) { usage(stderr); return 2; }
    if (!*conf && stat(LPD_CONF_DEFAULT, &st) == 0) *conf = LPD_CONF_DEFAULT;
    if (*conf && lpd_load(s, *conf, err, sizeof err) != 0) { fprintf(stderr, "labpassd: %s\n", err); return 2; }
    optind = 1;
    while ((o = getopt_long(argc, argv, "", OPTS, &idx)) != -1) {   /* then the flags, over the file */
        if (o != 0) continue;
        const char *v = OPTS[idx].has_arg ? optarg : "yes";
        if (lpd_set(s, OPTS[idx].name, v, err, sizeof err) != 0) { fprintf(stderr, "labpassd: --%s\n", err); return 2; }
    }
    if (!s->tls_cert[0] != !s->tls_key[0]) { fprintf(stderr, "labpassd: tls_cert and tls_key go together\n"); return 2; }
    if (lpd_check(s, err, sizeof err) != 0) { fprintf(stderr, "labpassd: %s\n", err); return 2; }
    s->cfg.address = s->addr;
    s->cfg.db_path = s->db;
    s->cfg.web_root = s->web[0] ? s->web : NULL;
    s->cfg.tls_cert = s->tls_cert[0] ? s->tls_cert : NULL;
    s->cfg.tls_key = s->tls_key[0] ? s->tls_key : NULL;
    return 0;
}

static int smtp_changed(const lpd_settings *a, const lpd_settings *b)
{
    return strcmp(a->smtp_url, b->smtp_url) || strcmp(a->smtp_user, b->smtp_user) ||
           strcmp(a->smtp_password_file, b->smtp_password_file) || strcmp(a->smtp_from, b->smtp_from) ||
           strcmp(a->smtp_ca_file, b->smtp_ca_file) || a->smtp_timeout != b->smtp_timeout ||
           a->smtp_starttls != b->smtp_starttls;
}

/* SIGHUP: reads the file again; the log level applies now, the rest at the
 * next start (each such change is named in the log). */
/* session_idle as the settings file last said it (the default when the
 * file says nothing): SIGHUP applies it only when the file changed it, so a
 * --session-idle flag holds until the file names another value. */
static int64_t g_file_idle;

static void file_idle_at_start(const char *conf)
{
    lpd_settings f;
    char err[700];
    lpd_defaults(&f);
    if (conf && lpd_load(&f, conf, err, sizeof err) != 0) lpd_defaults(&f);
    g_file_idle = f.cfg.policy.idle_timeout;
}

static void reload(const char *conf, const lpd_settings *cur)
{
    lpd_settings n;
    char err[700];
    if (!conf) { log_warn("labpassd", "SIGHUP: no settings file to read"); return; }
    lpd_defaults(&n);
    if (lpd_load(&n, conf, err, sizeof err) != 0) { log_error("labpassd", "SIGHUP: %s; nothing changed", err); return; }
    log_warn("labpassd", "SIGHUP: %s read again; log_level = %s", conf, log_level_name((enum log_level)n.log_level));
    log_set_level((enum log_level)n.log_level);
    if (n.cfg.policy.idle_timeout != g_file_idle) {   /* the file changed it: that wins over a flag given at the start */
        g_file_idle = n.cfg.policy.idle_timeout;
        acct_set_idle_timeout(g_file_idle);   /* checked at each request from now on */
        log_warn("labpassd", "SIGHUP: session_idle = %lld", (long long)acct_idle_timeout());
    }
    if (strcmp(n.notify, cur->notify) || smtp_changed(&n, cur) || n.cfg.max_connections != cur->cfg.max_connections ||
        n.cfg.request_timeout != cur->cfg.request_timeout || n.sweep_interval != cur->sweep_interval ||
        n.webhook_interval != cur->webhook_interval || strcmp(n.webhook_ca_file, cur->webhook_ca_file) ||
        strcmp(n.public_url, cur->public_url) || n.reminder_hours != cur->reminder_hours ||
        n.calibration_days != cur->calibration_days)
        log_warn("labpassd", "SIGHUP: other changed settings apply at the next start");
}

/* The outbox sender; for smtp the password is read from its file here. */
static int start_notify(const lpd_settings *s)
{
    char err[700];
    smtp_config sc = { .timeout = s->smtp_timeout, .starttls = s->smtp_starttls };
    snprintf(sc.url, sizeof sc.url, "%s", s->smtp_url);
    snprintf(sc.user, sizeof sc.user, "%s", s->smtp_user);
    snprintf(sc.from, sizeof sc.from, "%s", s->smtp_from);
    snprintf(sc.ca_file, sizeof sc.ca_file, "%s", s->smtp_ca_file);
    int rc = 0;
    if (!strcmp(s->notify, "smtp") && lpd_smtp_password(s, sc.password, sizeof sc.password, err, sizeof err) != 0) {
        fprintf(stderr, "labpassd: %s\n", err);
        rc = -1;
    }
    if (rc == 0 && notify_configure(s->notify, &sc) != 0) { fprintf(stderr, "labpassd: notify: bad sender\n"); rc = -1; }
    sodium_memzero(sc.password, sizeof sc.password);
    return rc;
}

int main(int argc, char **argv)
{
    lpd_settings opts;
    const char *conf = NULL;
    int check = 0;
    int rc = settings(argc, argv, &opts, &conf, &check);
    if (rc) return rc < 0 ? 0 : rc;
    if (check) {
        char pw[256], err[700];
        int bad = lpd_smtp_password(&opts, pw, sizeof pw, err, sizeof err);   /* its content is checked, not shown */
        sodium_memzero(pw, sizeof pw);
        if (bad) { fprintf(stderr, "labpassd: %s\n", err); return 2; }
        if (conf) printf("# %s\n", conf);
        lpd_print(&opts, stdout);
        return 0;
    }
    log_set_level((enum log_level)opts.log_level);
    if (start_notify(&opts) != 0) return 2;
    mt_set_public_url(opts.public_url);
    acct_set_idle_timeout(opts.cfg.policy.idle_timeout);
    file_idle_at_start(conf);
    rmd_set_lead((int64_t)opts.reminder_hours * 3600);
    rlog_set_cal_lead(opts.calibration_days);
    if (!opts.public_url[0] && !strcmp(opts.notify, "smtp"))
        log_warn("labpassd", "public_url is not set: links in e-mails stay relative (/#/...) and are not clickable");
    api_config cfg = opts.cfg;
    const char *key_file = opts.key_file[0] ? opts.key_file : NULL;
    int demo = opts.demo;
    char *addr = opts.addr;
    struct worker w = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .interval = opts.sweep_interval,
                        .round = sweep_round };
    struct worker hw = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
                         .interval = opts.webhook_interval, .round = webhook_round };
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) { fprintf(stderr, "labpassd: libcurl failed to start\n"); return 1; }
    whs_configure(opts.webhook_ca_file);
    if (sodium_init() < 0) { fprintf(stderr, "labpassd: libsodium failed to start\n"); return 1; }
    pwh_configure(cfg.policy.hash_workers, cfg.policy.hash_wait_ms);   /* before the demo seeds passwords */
    umask(027);   /* the database, its WAL and the key file are not for other users */
    iss_hooks_register();
    if (prepare_db(cfg.db_path, demo) != 0) return 1;
    if (prepare_keys(cfg.db_path, key_file) != 0) return 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    api_server *srv = NULL;
    if (api_start(&cfg, &srv) != 0) {
        fprintf(stderr, "labpassd: cannot listen on %s:%d\n", addr, cfg.port);
        return 1;
    }
    w.db_path = hw.db_path = cfg.db_path;
    pthread_create(&w.th, NULL, worker_main, &w);
    pthread_create(&hw.th, NULL, worker_main, &hw);
    char ready[200];
    snprintf(ready, sizeof ready, "serving on %s://%s:%d", cfg.tls_cert ? "https" : "http", addr, api_port(srv));
    printf("labpassd listening on %s://%s:%d\n", cfg.tls_cert ? "https" : "http", addr, api_port(srv));
    fflush(stdout);
    if (lpd_sd_watchdog_start(cfg.db_path, w.interval) != 0) log_error("labpassd", "the systemd watchdog thread did not start");
    lpd_sd_ready(ready);
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) reload(conf, &opts);
    log_info("labpassd", "stopping on signal %d", sig);
    lpd_sd_stopping();
    lpd_sd_watchdog_stop();
    worker_stop(&w);
    worker_stop(&hw);
    api_stop(srv);
    db_shutdown();
    return 0;
}

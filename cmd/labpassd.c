/* labpassd: the labpass server. Opens and migrates the database, seeds the
 * demo on request, sets the site's time zone and serves the HTTP API and the
 * web app until SIGINT or SIGTERM. */
#include "access/issuer/issuer.h"
#include "api/api.h"
#include "api/notify.h"
#include "booking/rsv.h"
#include "core/clock.h"
#include "booking/demo.h"
#include "booking/pwhash.h"
#include "booking/site.h"
#include "core/log.h"
#include "core/ltime.h"
#include "db/db.h"
#include "db/idem.h"
#include "privacy/retention.h"
#include <arpa/inet.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The background worker: every interval seconds it runs the reservation
 * sweep (no-shows, completion, expiry) and drains the notification outbox;
 * once a day it applies the retention periods (privacy/retention.h). */
struct worker { pthread_t th; pthread_mutex_t mu; pthread_cond_t cv; int stop; int interval; const char *db_path; };

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
        int changed = 0, sent = 0, revoked = 0;
        if (rsv_sweep(db, clk_now(), &changed) != 0) log_warn("worker", "sweep failed; retrying later");
        if (iss_sweep(db, clk_now(), &revoked) != 0) log_warn("worker", "pass sweep failed; retrying later");
        if (revoked) log_info("worker", "pass sweep revoked %d passes", revoked);
        if (notify_drain(db, &sent) != 0) log_warn("worker", "outbox drain failed; retrying later");
        if (idem_prune(db, clk_now() - IDEM_TTL, NULL) != 0) log_warn("worker", "idempotency pruning failed; retrying later");
        int ran = 0;
        if (ret_apply_due(db, clk_now(), &ran) != 0) log_warn("worker", "retention run failed; retrying later");
        if (changed || sent) log_info("worker", "sweep changed %d reservations, sent %d notifications", changed, sent);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    db_close(db);
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: labpassd [options]\n"
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
        "  --hash-workers N     argon2id hashes at once, 64 MiB each (default 2; 1 to 64)\n"
        "  --hash-wait-ms MS    wait for a free hashing slot before answering 503 (default 2000)\n"
        "  --log-level LEVEL    debug, info, warn, error or off (default info)\n"
        "  --notify SENDER      log (default), command:/path/to/program or webhook:http(s)://host/path\n"
        "  --sweep-interval S   seconds between no-show sweeps and outbox runs (default 30)\n"
        "  --help               this text\n");
}

static int parse_listen(const char *s, char *addr, size_t addrlen, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= addrlen) return -1;
    memcpy(addr, s, (size_t)(colon - s));
    addr[colon - s] = '\0';
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535) return -1;
    *port = (int)p;
    return 0;
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

static int prepare_db(const char *path, int demo)
{
    db_t *db = NULL;
    site_info site;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) { *slash = '\0'; mkdir(dir, 0750); }
    int rc = db_open(path, &db);
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

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "listen", required_argument, 0, 'l' }, { "db", required_argument, 0, 'd' },
        { "demo", no_argument, 0, 'D' }, { "max-connections", required_argument, 0, 't' },
        { "web", required_argument, 0, 'w' }, { "tls-cert", required_argument, 0, 'c' },
        { "tls-key", required_argument, 0, 'k' }, { "session-ttl", required_argument, 0, 's' },
        { "log-level", required_argument, 0, 'L' }, { "help", no_argument, 0, 'h' },
        { "notify", required_argument, 0, 'n' }, { "sweep-interval", required_argument, 0, 'i' },
        { "key-file", required_argument, 0, 'K' }, { "max-per-client", required_argument, 0, 'P' },
        { "request-timeout", required_argument, 0, 'T' }, { "trusted-proxy", required_argument, 0, 'X' },
        { "hash-workers", required_argument, 0, 'H' }, { "hash-wait-ms", required_argument, 0, 'W' },
        { 0, 0, 0, 0 } };
    const char *key_file = NULL;
    struct worker w = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .interval = 30 };
    char addr[64] = "127.0.0.1";
    api_config cfg = { .address = addr, .port = 8080, .db_path = "var/labpass.db", .max_connections = 256,
                       .max_per_client = 64, .request_timeout = 10 };
    unsigned char ipbuf[16];
    acct_policy_default(&cfg.policy);
    int demo = 0, o;
    enum log_level lvl;
    struct stat st;
    if (stat("web/index.html", &st) == 0) cfg.web_root = "web";
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'l': if (parse_listen(optarg, addr, sizeof addr, &cfg.port)) { usage(stderr); return 2; } break;
        case 'd': cfg.db_path = optarg; break;
        case 'D': demo = 1; break;
        case 't':
            cfg.max_connections = atoi(optarg);
            if (cfg.max_connections < 4 || cfg.max_connections > 4096) { usage(stderr); return 2; }
            break;
        case 'w': cfg.web_root = optarg; break;
        case 'c': cfg.tls_cert = optarg; break;
        case 'k': cfg.tls_key = optarg; break;
        case 's': cfg.policy.session_ttl = atol(optarg); if (cfg.policy.session_ttl < 60) { usage(stderr); return 2; } break;
        case 'L': if (log_parse_level(optarg, &lvl)) { usage(stderr); return 2; } log_set_level(lvl); break;
        case 'h': usage(stdout); return 0;
        case 'n': if (notify_configure(optarg)) { usage(stderr); return 2; } break;
        case 'K': key_file = optarg; break;
        case 'P':
            cfg.max_per_client = atoi(optarg);
            if (cfg.max_per_client < 1 || cfg.max_per_client > 4096) { usage(stderr); return 2; }
            break;
        case 'T':
            cfg.request_timeout = atoi(optarg);
            if (cfg.request_timeout < 1 || cfg.request_timeout > 600) { usage(stderr); return 2; }
            break;
        case 'H':
            cfg.policy.hash_workers = atoi(optarg);
            if (cfg.policy.hash_workers < 1 || cfg.policy.hash_workers > PWH_WORKERS_MAX) { usage(stderr); return 2; }
            break;
        case 'W':
            cfg.policy.hash_wait_ms = atoi(optarg);
            if (cfg.policy.hash_wait_ms < 0 || cfg.policy.hash_wait_ms > 60000) { usage(stderr); return 2; }
            break;
        case 'X':
            if (cfg.ntrusted >= 8 || (inet_pton(AF_INET, optarg, ipbuf) != 1 && inet_pton(AF_INET6, optarg, ipbuf) != 1)) {
                fprintf(stderr, "labpassd: --trusted-proxy takes a numeric address (at most 8)\n");
                return 2;
            }
            cfg.trusted_proxies[cfg.ntrusted++] = optarg;
            break;
        case 'i': w.interval = atoi(optarg); if (w.interval < 1 || w.interval > 3600) { usage(stderr); return 2; } break;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || (!cfg.tls_cert != !cfg.tls_key)) { usage(stderr); return 2; }
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
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    api_server *srv = NULL;
    if (api_start(&cfg, &srv) != 0) {
        fprintf(stderr, "labpassd: cannot listen on %s:%d\n", addr, cfg.port);
        return 1;
    }
    w.db_path = cfg.db_path;
    pthread_create(&w.th, NULL, worker_main, &w);
    printf("labpassd listening on %s://%s:%d\n", cfg.tls_cert ? "https" : "http", addr, api_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("labpassd", "stopping on signal %d", sig);
    pthread_mutex_lock(&w.mu);
    w.stop = 1;
    pthread_cond_signal(&w.cv);
    pthread_mutex_unlock(&w.mu);
    pthread_join(w.th, NULL);
    api_stop(srv);
    db_shutdown();
    return 0;
}

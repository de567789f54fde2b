/* lpd_conf.h: labpassd's settings. Every option can be set in a
 * configuration file (INI, read with inih: `key = value`, optionally under a
 * [labpassd] section; /etc/labpass/labpassd.conf when it exists, or
 * --config FILE) and on the command line, which overrides the file. One
 * table names every option once, so the flag, the file key, the check of
 * its value and the effective-settings printout never disagree. */
#ifndef LP_LPD_CONF_H
#define LP_LPD_CONF_H
#include <stdio.h>
#include "api/api.h"

#define LPD_CONF_DEFAULT "/etc/labpass/labpassd.conf"

typedef struct lpd_settings {
    api_config cfg;               /* its strings point into the buffers below */
    char addr[64];
    char db[512], key_file[512], web[512], tls_cert[512], tls_key[512], notify[600], webhook_ca_file[512];
    char proxies[8][64];
    int demo;
    int sweep_interval;
    int webhook_interval;         /* seconds between webhook delivery rounds */
    int log_level;                /* enum log_level */
    /* notify = smtp: the server and the sender (the password stays in its
     * file, read at start; see api/smtp.h) */
    char smtp_url[512], smtp_user[256], smtp_password_file[512], smtp_from[256], smtp_ca_file[512];
    int smtp_timeout, smtp_starttls;
    /* messages: the web app's public address for absolute links ("" keeps
     * them relative) and the hours before a booking its reminder is queued
     * (0: no reminders) */
    char public_url[200];
    int reminder_hours;
    int calibration_days;       /* days before a calibration is due that staff are reminded (0: never) */
} lpd_settings;

/* The built-in defaults (web/ when ./web/index.html exists). */
void lpd_defaults(lpd_settings *s);
/* Sets one option by its file key ("max_connections") or flag name
 * ("max-connections"); 0, or -1 with a message in err. A repeated
 * trusted_proxy adds one (at most 8); in a file it may list several,
 * separated by commas. */
int lpd_set(lpd_settings *s, const char *key, const char *value, char *err, size_t errlen);
/* Reads a configuration file over s; 0, or -1 with "FILE:LINE: message"
 * in err (an unknown key, a bad value, a malformed line, a missing file). */
int lpd_load(lpd_settings *s, const char *path, char *err, size_t errlen);
/* The checks across settings, once all are read (notify = smtp needs
 * smtp_url and smtp_from; smtp_user and smtp_password_file go together;
 * plain SMTP only to a loopback host); 0, or -1 with a message naming the
 * keys in err. */
int lpd_check(const lpd_settings *s, char *err, size_t errlen);
/* Reads the SMTP password from smtp_password_file into out (at most len - 1
 * bytes, one trailing line break dropped; "" when no file is set). 0, or -1
 * with a message in err (never the password): a file others may read, an
 * empty one, or more than one line. The caller wipes out. */
int lpd_smtp_password(const lpd_settings *s, char *out, size_t len, char *err, size_t errlen);
/* The effective settings, one "key = value" line each (secrets: none are
 * settings; the key file and the SMTP password file are named, not read). */
void lpd_print(const lpd_settings *s, FILE *out);

#endif

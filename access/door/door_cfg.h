/* door_cfg.h: the door controller's configuration file (INI, read with inih).
 *
 * Guarantees: the file is read strictly. It is bounded in size, every line
 * fits the parser's line buffer, every section and key must be known, a key
 * may appear once (site_key may repeat), and every value is checked for type
 * and range before it is used. Any fault fails the whole load with the line
 * number and key in the lp_fail, and *out is then left at the defaults.
 * docs/door.md lists the keys; docs/labpass-door.example.ini is an example.
 * The API key is a secret: it is never logged and is wiped by door_cfg_wipe. */
#ifndef LP_DOOR_CFG_H
#define LP_DOOR_CFG_H
#include <stddef.h>
#include <stdint.h>
#include "access/nfc/nfc_rdr.h"
#include "access/token/token.h"
#include "core/err.h"
#include "core/fail.h"
#include "core/log.h"

#define DOOR_CFG_FILE_MAX   (64 * 1024)  /* bytes of a config file */
#define DOOR_CFG_LINE_MAX   199          /* bytes of one line (inih's buffer) */
#define DOOR_PATH_MAX       256
#define DOOR_URL_MAX        256
#define DOOR_APIKEY_MAX     128
#define DOOR_CHIP_MAX       64
#define DOOR_CONNSTRING_MAX 128
#define DOOR_QUEUE_MIN      100
#define DOOR_QUEUE_MAX      1000000
#define DOOR_BATCH_MAX      200          /* events per upload (protocol bound) */

enum door_lock_backend { DOOR_LOCK_LOG = 0, DOOR_LOCK_GPIOD, DOOR_LOCK_EXEC };
enum door_input_backend { DOOR_IN_NONE = 0, DOOR_IN_GPIOD, DOOR_IN_FILE };
enum door_bootstrap { DOOR_BOOT_CONFIG = 0, DOOR_BOOT_TLS };
/* What a door with a server does while its last verified sync is older than
 * stale_after: admit only standing staff passes, or everyone as usual (the
 * alarm sync_stale is raised either way). */
enum door_stale_mode { DOOR_STALE_STAFF_ONLY = 0, DOOR_STALE_NORMAL };
/* door: a grant pulses the lock. instrument: the relay powers an instrument
 * for the booking (docs/door.md, "Instrument controllers"). */
enum door_mode { DOOR_MODE_DOOR = 0, DOOR_MODE_INSTRUMENT };

#define DOOR_STALE_MIN      300            /* seconds */
#define DOOR_STALE_MAX      (30 * 86400)
#define DOOR_FLOOR_STEP_MIN 60             /* seconds */
#define DOOR_FLOOR_STEP_MAX (30 * 86400)

struct door_lock_cfg {
    enum door_lock_backend backend;
    int fail_safe;                    /* 0: fail-secure (default), 1: fail-safe */
    char chip[DOOR_CHIP_MAX];         /* gpiod: chip name, path or number */
    int line;                         /* gpiod: relay line offset */
    int active_low;                   /* gpiod: the relay is driven by a low level */
    char command[DOOR_PATH_MAX];      /* exec: program run as `command open|close` */
    int command_timeout_ms;           /* exec: the program is killed after this */
    char log_file[DOOR_PATH_MAX];     /* log: file appended with open/close lines ("" = log only) */
};

struct door_input_cfg {
    enum door_input_backend backend;
    char chip[DOOR_CHIP_MAX];         /* gpiod */
    int contact_line, exit_line;      /* gpiod offsets, -1 = not wired */
    int contact_active_low, exit_active_low;
    char contact_file[DOOR_PATH_MAX]; /* file: "1" = door open, "0" = closed */
    char exit_file[DOOR_PATH_MAX];    /* file: "1" = exit button pressed */
    int debounce_ms;                  /* an input must be stable this long */
    int held_open_s;                  /* door_held_open alarm after this */
    int open_grace_ms;                /* an opening this long after a pulse is still authorised */
    int relock_on_close;              /* end the pulse when the door closes again */
    int tick_ms;                      /* input sampling period */
};

struct door_cfg {
    int64_t door_id;                         /* the server's numeric door id */
    char site[TOK_TEXT_MAX + 1];             /* the passes' iss until the first sync ("" = not checked) */
    struct tok_door_settings policy;         /* used until the first sync */
    char state_db[DOOR_PATH_MAX];
    int64_t queue_max;                       /* events kept while offline */
    enum log_level log_level;

    char url[DOOR_URL_MAX];                  /* "" = no server (offline door) */
    char api_key[DOOR_APIKEY_MAX];           /* secret */
    char ca_file[DOOR_PATH_MAX];             /* "" = system CA store */
    int connect_timeout_ms, timeout_ms;
    int upload_batch;                        /* 1..DOOR_BATCH_MAX */
    int retry_max_s;                         /* longest back-off between failed requests */
    int64_t stale_after;                     /* seconds without a verified sync before the
                                                door counts as stale (url set only) */
    enum door_stale_mode stale_mode;
    enum door_mode mode;
    int64_t floor_step;                      /* most seconds one bundle may raise the time floor
                                                above max(floor, door clock); more is capped and
                                                raises the alarm clock_jump */

    enum door_bootstrap bootstrap;
    size_t n_site_keys;
    struct tok_key site_keys[TOK_BUNDLE_KEYS_MAX];

    char connstring[DOOR_CONNSTRING_MAX];
    nfc_rdr_opts_t rdr;
    int poll_ms;                             /* one poll call's budget */
    int removal_ms;                          /* wait for the card to leave */
    int reopen_after;                        /* consecutive reader errors before a reopen */
    int hang_ms;                             /* reader loop silent this long: restart */
    int offline_alarm_s;                     /* reader down this long: alarm */

    int has_card_key;                        /* DESFire cards are read (access protocol 18) */
    uint8_t card_read_key[16];               /* secret: the site's read master key */
    char seal_key_file[DOOR_PATH_MAX];       /* "" = state_db + ".seal" (door_seal.h) */
    int card_update;                         /* write fresh passes onto cards at a tap (18.10) */
    /* A desk station (labpass-door --desk): the site's admin and write master
     * keys and the generation all three keys belong to. */
    int has_admin_key, has_write_key;
    uint8_t card_admin_key[16];              /* secret */
    uint8_t card_write_key[16];              /* secret */
    int card_generation;                     /* 1..255, 0 = not given */

    struct door_lock_cfg lock;
    struct door_input_cfg in;
};

/* Fills c with the defaults (docs/door.md). */
void door_cfg_default(struct door_cfg *c);
/* Loads the file at path into *out (defaults first). When api_key_file is
 * named, the key is read from it. Returns 0, LP_ERR_IO (unreadable),
 * LP_ERR_TOOBIG or LP_ERR_INVALID; f (may be NULL) says where. */
int door_cfg_load(const char *path, struct door_cfg *out, lp_fail *f) LP_MUST;
/* The same from text (NUL-terminated); api_key_file paths are still read. */
int door_cfg_parse(const char *text, struct door_cfg *out, lp_fail *f) LP_MUST;
/* Checks a door policy (the sync bundle's settings rules). 0 or LP_ERR_INVALID. */
int door_policy_check(const struct tok_door_settings *p) LP_MUST;
/* Wipes the secret; accepts NULL. */
void door_cfg_wipe(struct door_cfg *c);

#endif

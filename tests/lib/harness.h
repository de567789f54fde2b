/* harness.h: integration-test helpers. Starts the real labpassd on a free
 * loopback port with a fresh SQLite file (and an optional clock file), speaks
 * HTTP to it through libcurl, and stops it at the end. With
 * LABPASS_EXCHANGE_LOG set, hx_req appends every exchange to that file as a
 * JSON line, which tests/run.sh validates against docs/openapi.json. */
#ifndef LP_HARNESS_H
#define LP_HARNESS_H
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct hx_server {
    pid_t pid;
    int port;
    char dir[128];       /* temporary folder with the database and logs */
    char db[192];
    char clock[192];     /* LABPASS_CLOCK_FILE */
    char base[64];       /* http://127.0.0.1:PORT */
} hx_server;

typedef struct hx_resp {
    long status;
    char *body;          /* NUL-terminated */
    size_t len;
    char headers[4096];
    json_t *json;        /* parsed body, or NULL */
} hx_resp;

/* The suite's date when a test names none: $LABPASS_TEST_EPOCH (set by
 * tests/clock.sh from LABPASS_TEST_DATE), else 2027-03-26T16:30:00+01:00. */
#define HX_DEFAULT_EPOCH 1806075000
int64_t hx_test_epoch(void);
/* Starts labpassd --demo on a fresh database, always on an injected clock:
 * fixed at clock_start when > 0, else at hx_test_epoch(); hx_set_clock moves
 * it. The server never reads the machine's date. */
int hx_start(hx_server *s, int64_t clock_start);
/* As hx_start, with extra labpassd options (a NULL-terminated list, may be
 * NULL). Servers started here lift the per-client connection cap
 * (--max-per-client 1024), since every test client shares 127.0.0.1; extra
 * options come later and win. */
int hx_start_args(hx_server *s, int64_t clock_start, const char *const *extra);
/* The two halves of hx_start_args, for a test that puts a database of its
 * own into s->db first: hx_prepare makes the folder and names the files;
 * hx_launch starts labpassd on them (with --demo when demo is 1). */
int hx_prepare(hx_server *s);
int hx_launch(hx_server *s, int64_t clock_start, int demo, const char *const *extra);
/* Runs labpassctl --db s->db with the arguments first, then ap (NULL-terminated) on
 * s's clock; its stdout and stderr into out (the first cap - 1 bytes, the
 * rest read and dropped). The exit status, or -1. */
int hx_ctlv(hx_server *s, char *out, size_t cap, const char *first, va_list ap);
/* Runs argv (argv[0] a path, or with HX_RUN_PATH a name looked up in PATH)
 * with stdin from /dev/null, its stdout (and stderr with HX_RUN_STDERR) into
 * out: the first cap - 1 bytes, NUL-terminated; the rest is read and
 * dropped, so the program is never cut off. env: NULL, or "NAME=value"
 * strings set in the child. Returns the exit status, or -1. */
/* Voids every consumable use the demo logged (they are this month's and not
 * invoiced), for suites whose invoice runs count their own charges only.
 * token: staff. Returns 0 or -1. */
int hx_void_demo_consumables(hx_server *s, const char *token);
/* Signs in as email/password and makes an API key named name with that
 * person's rights (it outlives sign-in sessions when a suite moves the clock
 * by days). Returns the key (caller frees) or NULL. */
char *hx_api_key(hx_server *s, const char *email, const char *password, const char *name);
enum { HX_RUN_STDERR = 1, HX_RUN_PATH = 2 };
int hx_run(char *const argv[], int flags, const char *const *env, char *out, size_t cap);
/* Sleeps ms milliseconds. */
void hx_nap_ms(int ms);
/* Polls cond(arg) every 20 ms for up to ms; its last answer (1: it held). */
int hx_wait_until(int (*cond)(void *), void *arg, int ms);
/* Stops the server; -1 when it did not exit cleanly (crash, sanitizer report). */
int hx_stop(hx_server *s);
void hx_set_clock(hx_server *s, int64_t t);

/* One request. token may be NULL; body may be NULL. extra_header may be NULL
 * or "Name: value" lines separated by newlines. Caller frees with hx_free. */
int hx_req(hx_server *s, const char *method, const char *path, const char *token, const char *body,
           const char *extra_header, hx_resp *out);
void hx_free(hx_resp *r);
/* Signs in and returns the session token (caller frees), NULL on failure. */
char *hx_login(hx_server *s, const char *email, const char *password);
/* Convenience: status of a request, discarding the body. */
long hx_status(hx_server *s, const char *method, const char *path, const char *token, const char *body);

/* Demo sign-ins. */
#define DEMO_STAFF "staff@medtechfactory.example", "labpass-staff-demo"
#define DEMO_ADMIN_A "admin@novacell.example", "labpass-admin-demo"
#define DEMO_MEMBER_A "lab@novacell.example", "labpass-member-demo"
#define DEMO_ADMIN_B "admin@biosense.example", "labpass-admin-demo"
#define DEMO_MEMBER_B "lab@biosense.example", "labpass-member-demo"

/* Path of a built binary ("labpassd") for the variant under test. */
const char *hx_bin(const char *name, char *buf, size_t len);
/* Row count of a table in the server's database (opened read-only). */
int64_t hx_count(hx_server *s, const char *table);
/* The signed-in person's id (GET /api/v1/me). */
int64_t hx_me_id(hx_server *s, const char *token);
/* The id of the resource called name, 0 when none (GET /api/v1/resources as token). */
int64_t hx_resource_id(hx_server *s, const char *token, const char *name);
/* Books resource res for [start, end) as token and returns the reservation
 * id, failing the test unless the answer is 201; copies the booking's
 * status into status[len] when status is not NULL. */
int64_t hx_book(hx_server *s, const char *token, int64_t res, const char *start, const char *end, char *status,
                size_t len);

#endif

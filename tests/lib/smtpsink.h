/* smtpsink.h: the test SMTP server (tests/tools/smtp_sink.py, on Debian's
 * python3-aiosmtpd) as a child process: listens on 127.0.0.1 only, keeps
 * each message it accepts in its folder, refuses recipients on request. */
#ifndef LP_SMTPSINK_H
#define LP_SMTPSINK_H
#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct ss_sink {
    pid_t pid;
    int port;
    char dir[128];       /* the messages (msg-N.eml, msg-N.json) and the mode file */
} ss_sink;

/* Starts the sink on port (0: a free one) with extra options (NULL-terminated,
 * may be NULL: "--tls", CERT, KEY, "--smtps", "--auth", "USER:PASS"). Makes
 * the folder on first start; a restart keeps it (and the messages). 0 or -1. */
int ss_start(ss_sink *s, int port, const char *const *extra);
/* Stops the sink (SIGTERM, then SIGKILL); the folder stays. */
void ss_stop(ss_sink *s);
/* Stops it and removes the folder. */
void ss_cleanup(ss_sink *s);
/* Sets the refusals ("451", "550 someone@x.example", "" to accept all). */
void ss_mode(ss_sink *s, const char *mode);
/* Messages received so far. */
int ss_count(ss_sink *s);
/* Waits up to ms milliseconds for at least n messages; 0 or -1. */
int ss_wait(ss_sink *s, int n, int ms);
/* The raw bytes of message n (from 1); caller frees; NULL when absent. */
char *ss_raw(ss_sink *s, int n, size_t *len);
/* The envelope and parse of message n; caller decrefs; NULL when absent. */
json_t *ss_meta(ss_sink *s, int n);
/* A loopback port that nothing listens on (bound, then closed). */
int ss_free_port(void);

#endif

/* door_lock.c: lock relay and input backends (see door_lock.h).
 * Each backend is a row of function pointers; door_lock_* dispatch on it. */
#include "access/door/door_lock.h"
#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/clock.h"
#include "core/log.h"

#define COMPONENT "door-lock"
#define CONSUMER  "labpass-door"

struct door_lock {
    struct door_lock_cfg lc;
    struct door_input_cfg ic;
    const struct lock_ops *ops;
    const struct input_ops *in_ops;
    struct gpiod_chip *chip, *in_chip;
    struct gpiod_line *relay, *contact, *exit_btn;
    int log_fd;
    int unlocked;                 /* last state driven */
};

struct lock_ops {
    const char *name;
    int (*open)(door_lock_t *l);
    int (*drive)(door_lock_t *l, int unlocked);
    void (*close)(door_lock_t *l);
};

struct input_ops {
    int (*open)(door_lock_t *l);
    int (*read)(door_lock_t *l, struct door_inputs *in);
    void (*close)(door_lock_t *l);
};

/* ---- log backend ---- */

static int log_open(door_lock_t *l)
{
    l->log_fd = -1;
    if (!l->lc.log_file[0]) return 0;
    l->log_fd = open(l->lc.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (l->log_fd < 0) log_error(COMPONENT, "cannot open lock log %s", l->lc.log_file);
    return l->log_fd < 0 ? LP_ERR_IO : 0;
}

/* One line per change: monotonic microseconds, epoch seconds, state. */
static int log_drive(door_lock_t *l, int unlocked)
{
    const char *what = unlocked ? "open" : "close";
    log_info(COMPONENT, "lock %s", what);
    if (l->log_fd < 0) return 0;
    char line[96];
    int n = snprintf(line, sizeof line, "%lld %lld %s\n", (long long)clk_mono_us(), (long long)clk_now(), what);
    return write(l->log_fd, line, (size_t)n) == n ? 0 : LP_ERR_IO;
}

static void log_close(door_lock_t *l)
{
    if (l->log_fd >= 0) close(l->log_fd);
    l->log_fd = -1;
}

/* ---- gpiod backend (libgpiod 1.x) ---- */

static struct gpiod_line *request_line(struct gpiod_chip *chip, int offset, int output, int active_low, int init)
{
    struct gpiod_line *line = gpiod_chip_get_line(chip, (unsigned)offset);
    if (!line) return NULL;
    int flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
    int rc = output ? gpiod_line_request_output_flags(line, CONSUMER, flags, init)
                    : gpiod_line_request_input_flags(line, CONSUMER, flags);
    return rc == 0 ? line : NULL;
}

/* The relay level for a lock state: energised opens (fail-secure) or
 * energised holds (fail-safe). */
static int relay_level(const door_lock_t *l, int unlocked)
{
    return l->lc.fail_safe ? !unlocked : unlocked;
}

static int gpio_open(door_lock_t *l)
{
    l->chip = gpiod_chip_open_lookup(l->lc.chip);
    if (l->chip) l->relay = request_line(l->chip, l->lc.line, 1, l->lc.active_low, relay_level(l, 0));
    if (!l->relay) log_error(COMPONENT, "cannot claim relay line %d on %s", l->lc.line, l->lc.chip);
    return l->relay ? 0 : LP_ERR_IO;
}

static int gpio_drive(door_lock_t *l, int unlocked)
{
    return gpiod_line_set_value(l->relay, relay_level(l, unlocked)) == 0 ? 0 : LP_ERR_IO;
}

static void gpio_close(door_lock_t *l)
{
    if (l->relay) gpiod_line_release(l->relay);
    if (l->chip) gpiod_chip_close(l->chip);
    l->relay = NULL;
    l->chip = NULL;
}

/* ---- exec backend ---- */

static int wait_child(pid_t pid, int timeout_ms)
{
    int64_t deadline = clk_mono_us() + (int64_t)timeout_ms * 1000;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : LP_ERR_IO;
        if (r < 0 && errno != EINTR) return LP_ERR_IO;
        if (clk_mono_us() > deadline) {
            kill(pid, SIGKILL);                       /* our own child */
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
            log_error(COMPONENT, "lock command timed out");
            return LP_ERR_TIMEOUT;
        }
        struct timespec ts = { 0, 2 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

static int exec_drive(door_lock_t *l, int unlocked)
{
    char *argv[] = { l->lc.command, (char *)(unlocked ? "open" : "close"), NULL };
    char *envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
    pid_t pid = fork();
    if (pid < 0) return LP_ERR_IO;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) { dup2(devnull, 0); dup2(devnull, 1); }
        close_range(3, ~0u, 0);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    int rc = wait_child(pid, l->lc.command_timeout_ms);
    if (rc != 0) log_error(COMPONENT, "lock command `%s %s` failed", l->lc.command, argv[1]);
    return rc;
}

static int exec_open(door_lock_t *l)
{
    return access(l->lc.command, X_OK) == 0 ? 0 : LP_ERR_IO;
}

static void exec_close(door_lock_t *l) {}

static const struct lock_ops lock_backends[] = {
    [DOOR_LOCK_LOG] = { "log", log_open, log_drive, log_close },
    [DOOR_LOCK_GPIOD] = { "gpiod", gpio_open, gpio_drive, gpio_close },
    [DOOR_LOCK_EXEC] = { "exec", exec_open, exec_drive, exec_close },
};

/* ---- inputs ---- */

static int none_open(door_lock_t *l) { return 0; }
static void none_close(door_lock_t *l) {}

static int none_read(door_lock_t *l, struct door_inputs *in)
{
    memset(in, 0, sizeof *in);
    return 0;
}

static int gpin_open(door_lock_t *l)
{
    const struct door_input_cfg *c = &l->ic;
    l->in_chip = gpiod_chip_open_lookup(c->chip);
    if (!l->in_chip) return LP_ERR_IO;
    if (c->contact_line >= 0 &&
        !(l->contact = request_line(l->in_chip, c->contact_line, 0, c->contact_active_low, 0)))
        return LP_ERR_IO;
    if (c->exit_line >= 0 && !(l->exit_btn = request_line(l->in_chip, c->exit_line, 0, c->exit_active_low, 0)))
        return LP_ERR_IO;
    return 0;
}

static int gpin_read(door_lock_t *l, struct door_inputs *in)
{
    int contact = 0, exit_v = 0;
    if (l->contact && (contact = gpiod_line_get_value(l->contact)) < 0) return LP_ERR_IO;
    if (l->exit_btn && (exit_v = gpiod_line_get_value(l->exit_btn)) < 0) return LP_ERR_IO;
    in->have_contact = l->contact != NULL;
    in->have_exit = l->exit_btn != NULL;
    in->contact_open = contact;
    in->exit_pressed = exit_v;
    return 0;
}

static void gpin_close(door_lock_t *l)
{
    if (l->contact) gpiod_line_release(l->contact);
    if (l->exit_btn) gpiod_line_release(l->exit_btn);
    if (l->in_chip) gpiod_chip_close(l->in_chip);
    l->contact = l->exit_btn = NULL;
    l->in_chip = NULL;
}

/* A file holding "1" is active; absent or anything else is inactive. */
static int file_flag(const char *path, int *v)
{
    *v = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : LP_ERR_IO;
    char c = 0;
    ssize_t n = read(fd, &c, 1);
    close(fd);
    if (n < 0) return LP_ERR_IO;
    *v = n == 1 && c == '1';
    return 0;
}

static int file_read(door_lock_t *l, struct door_inputs *in)
{
    struct door_inputs t = { .have_contact = l->ic.contact_file[0] != 0, .have_exit = l->ic.exit_file[0] != 0 };
    if (t.have_contact && file_flag(l->ic.contact_file, &t.contact_open) != 0) return LP_ERR_IO;
    if (t.have_exit && file_flag(l->ic.exit_file, &t.exit_pressed) != 0) return LP_ERR_IO;
    *in = t;
    return 0;
}

static const struct input_ops input_backends[] = {
    [DOOR_IN_NONE] = { none_open, none_read, none_close },
    [DOOR_IN_GPIOD] = { gpin_open, gpin_read, gpin_close },
    [DOOR_IN_FILE] = { none_open, file_read, none_close },
};

/* ---- public ---- */

int door_lock_open(const struct door_lock_cfg *lc, const struct door_input_cfg *ic, door_lock_t **out)
{
    if (!lc || !ic || !out) return LP_ERR_INVALID;
    *out = NULL;
    if ((unsigned)lc->backend > DOOR_LOCK_EXEC || (unsigned)ic->backend > DOOR_IN_FILE) return LP_ERR_INVALID;
    door_lock_t *l = calloc(1, sizeof *l);
    if (!l) return LP_ERR_NOMEM;
    l->lc = *lc;
    l->ic = *ic;
    l->log_fd = -1;
    l->ops = &lock_backends[lc->backend];
    l->in_ops = &input_backends[ic->backend];
    int rc = l->ops->open(l);
    if (rc == 0) rc = l->ops->drive(l, 0);
    if (rc == 0) rc = l->in_ops->open(l);
    if (rc != 0) {
        log_error(COMPONENT, "cannot set up the %s lock or its inputs", l->ops->name);
        door_lock_close(l);
        return rc;
    }
    *out = l;
    return 0;
}

void door_lock_close(door_lock_t *l)
{
    if (!l) return;
    if (l->ops) {
        if (l->ops->drive(l, 0) != 0) log_error(COMPONENT, "could not lock on close");
        l->ops->close(l);
    }
    if (l->in_ops) l->in_ops->close(l);
    free(l);
}

int door_lock_drive(door_lock_t *l, int unlocked)
{
    if (!l) return LP_ERR_INVALID;
    int rc = l->ops->drive(l, unlocked ? 1 : 0);
    if (rc == 0) l->unlocked = unlocked ? 1 : 0;
    else log_error(COMPONENT, "the %s lock did not %s", l->ops->name, unlocked ? "open" : "lock");
    return rc;
}

int door_lock_inputs(door_lock_t *l, struct door_inputs *in)
{
    if (!l || !in) return LP_ERR_INVALID;
    return l->in_ops->read(l, in);
}

const char *door_lock_backend_name(const door_lock_t *l)
{
    return l && l->ops ? l->ops->name : "none";
}

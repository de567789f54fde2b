/* einvoice_check.c: see einvoice_check.h. */
#include "tests/lib/einvoice_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLURP_MAX (4 << 20)

char *ev_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(SLURP_MAX);
    *len = buf ? fread(buf, 1, SLURP_MAX - 1, f) : 0;
    fclose(f);
    if (buf) buf[*len] = '\0';
    return buf;
}

int ev_spill(const char *path, const char *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(buf, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int ev_golden(const char *dir, const char *name, const char *buf, size_t len, char *why, size_t whylen)
{
    char path[256];
    size_t glen = 0;
    snprintf(path, sizeof path, "%s%s", dir, name);
    const char *upd = getenv("LABPASS_UPDATE_GOLDEN");
    if (upd && strcmp(upd, "1") == 0 && ev_spill(path, buf, len) != 0) {
        snprintf(why, whylen, "cannot write %s", path);
        return -1;
    }
    char *want = ev_slurp(path, &glen);
    if (!want) {
        snprintf(why, whylen, "golden file %s missing (LABPASS_UPDATE_GOLDEN=1 writes it)", path);
        return -1;
    }
    int same = glen == len && memcmp(want, buf, len) == 0;
    free(want);
    if (same) return 0;
    snprintf(why, whylen, "%s differs from the produced document; if intended, rerun with "
             "LABPASS_UPDATE_GOLDEN=1 and review the diff", path);
    return -1;
}

/* The validator is mandatory in CI (CI=true) and when LABPASS_REQUIRE_VALIDATOR=1. */
static int validator_required(void)
{
    const char *ci = getenv("CI"), *req = getenv("LABPASS_REQUIRE_VALIDATOR");
    return (ci && strcmp(ci, "true") == 0) || (req && strcmp(req, "1") == 0);
}

int ev_validate(char *const files[], size_t n, char *why, size_t whylen)
{
    if (access(EV_VALIDATOR, X_OK) != 0) {
        if (!validator_required()) {
            snprintf(why, whylen, "e-invoice conformance (UBL 2.1, EN 16931, Peppol BIS 3): validator %s not "
                     "found; put the shared folder with einvoice/validate beside the repository to run it",
                     EV_VALIDATOR);
            fprintf(stderr, "SKIPPED: %s\n", why);
            printf("SKIPPED: %s\n", why);
            return EV_SKIP;
        }
        snprintf(why, whylen, "e-invoice validator %s not found: it is a required check in CI (CI=true) "
                 "and with LABPASS_REQUIRE_VALIDATOR=1; run the tests from the repository root with the "
                 "shared folder beside the repository", EV_VALIDATOR);
        return -1;
    }
    char **argv = calloc(n + 2, sizeof *argv);
    if (!argv) { snprintf(why, whylen, "out of memory"); return -1; }
    argv[0] = (char *)EV_VALIDATOR;
    for (size_t i = 0; i < n; i++) argv[i + 1] = files[i];
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* Quicker JVM start-up; the checks themselves are unchanged. */
        setenv("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto", 0);
        execv(EV_VALIDATOR, argv);
        _exit(127);
    }
    free(argv);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        snprintf(why, whylen, "the validator could not be run");
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    snprintf(why, whylen, "validator reported fatal errors (exit %d), see the lines above",
             WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return -1;
}

/* einvoice_check.h: helpers shared by the tests that produce invoices:
 * reading and writing files, golden-file comparison (LABPASS_UPDATE_GOLDEN=1
 * rewrites the golden file), and one run of the e-invoice validator
 * (../shared/einvoice/validate, relative to the repository root) over many
 * documents at once. */
#ifndef LP_EINVOICE_CHECK_H
#define LP_EINVOICE_CHECK_H
#include <stddef.h>

#define EV_VALIDATOR "../shared/einvoice/validate"

/* The file's bytes (at most 4 MiB), NUL-terminated; caller frees. NULL when unreadable. */
char *ev_slurp(const char *path, size_t *len);
/* Writes buf to path; 0 or -1. */
int ev_spill(const char *path, const char *buf, size_t len);
/* 0 when dir/name holds exactly buf; otherwise -1 with a sentence in why. */
int ev_golden(const char *dir, const char *name, const char *buf, size_t len, char *why, size_t whylen);
#define EV_SKIP 1
/* Runs the validator over files; 0 when it reports 0 fatal errors, else -1
 * with a sentence in why (validator missing, or errors: its lines are above).
 * When the validator is missing and not required (CI unset, no
 * LABPASS_REQUIRE_VALIDATOR=1) it prints a "SKIPPED: ..." line and returns
 * EV_SKIP: the caller marks its test skipped (cmocka's skip()), never passed. */
int ev_validate(char *const files[], size_t n, char *why, size_t whylen);

#endif

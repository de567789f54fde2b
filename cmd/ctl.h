/* ctl.h: the command tables of labpassctl. Core commands live in
 * labpassctl.c; each part's commands in cmd/ctl_PART.c (booking, access,
 * billing, db), listed in labpassctl.c's table of tables. */
#ifndef LP_CTL_H
#define LP_CTL_H
#include <stddef.h>
#include "core/fail.h"
#include "db/db.h"

typedef struct ctl_env { db_t *db; int json; const char *path; } ctl_env;

struct ctl_cmd {
    const char *group;    /* "tenant" */
    const char *sub;      /* "add", or NULL for single-word commands */
    int (*fn)(ctl_env *e, int argc, char **argv);
    const char *help;
    int no_db;            /* 1: runs on the file itself; labpassctl opens no connection first */
};

struct ctl_opt { const char *name; const char **value; int *flag; };

struct ctl_table { const struct ctl_cmd *cmds; const size_t *len; };

int ctl_opts(int argc, char **argv, struct ctl_opt *opts, const char *usage);
int ctl_fail(const char *what, int rc, const lp_fail *f);
char *ctl_read_secret(void);

#endif

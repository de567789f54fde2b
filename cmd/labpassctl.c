/* labpassctl: staff operations from a shell, on the same database as
 * labpassd (safe while it runs: SQLite WAL, one transaction per change).
 * Usage: labpassctl [--db FILE] [--json] COMMAND [ARGS]; each command has --help.
 * Passwords are read from standard input, never from arguments. */
#include "cmd/ctl.h"
#include "access/issuer/issuer.h"
#include "booking/demo.h"
#include "booking/person.h"
#include "booking/site.h"
#include "booking/tenant.h"
#include "core/ltime.h"
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const actor_t CLI = { 0, "labpassctl" };

int ctl_fail(const char *what, int rc, const lp_fail *f)
{
    if (f && f->code == rc && f->detail[0])
        fprintf(stderr, "labpassctl: %s: %s\n", what, f->detail);
    else
        fprintf(stderr, "labpassctl: %s: %s\n", what, lp_err_name(rc));
    return 1;
}

/* Parses --name value options from a table; unknown options are an error.
 * --help (or -h) anywhere prints usage and exits 0 before anything else, so a
 * command called for help never reaches its database work. */
int ctl_opts(int argc, char **argv, struct ctl_opt *opts, const char *usage)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { printf("%s", usage); exit(0); }
    for (int i = 0; i < argc; i++) {
        struct ctl_opt *o = opts;
        for (; o->name; o++)
            if (!strcmp(argv[i], o->name)) break;
        if (!o->name) { fprintf(stderr, "labpassctl: unknown argument %s\n%s", argv[i], usage); return -1; }
        if (o->flag) { *o->flag = 1; continue; }
        if (i + 1 >= argc) { fprintf(stderr, "labpassctl: %s needs a value\n", argv[i]); return -1; }
        *o->value = argv[++i];
    }
    return 0;
}

/* Reads one line (a password) from standard input; caller frees. */
char *ctl_read_secret(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n <= 0) { free(line); return NULL; }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    return line;
}

static int cmd_init(ctl_env *e, int argc, char **argv)
{
    int demo = 0;
    struct ctl_opt o[] = { { "--demo", NULL, &demo }, { 0 } };
    if (ctl_opts(argc, argv, o, "usage: labpassctl init [--demo]\n"
                 "  creates or migrates the database and the site; --demo seeds the demo data\n")) return 2;
    site_info site;
    int rc = demo_init_site(e->db);
    if (rc == 0 && site_get(e->db, &site) == 0 && lt_set_zone(site.timezone) != 0) rc = LP_ERR_INVALID;
    if (rc == 0 && demo) rc = demo_seed(e->db);
    if (rc) return ctl_fail("init", rc, NULL);
    printf("database %s ready (schema version %d)\n", db_path(e->db), db_version(e->db));
    return 0;
}

static int cmd_user_add(ctl_env *e, int argc, char **argv)
{
    const char *email = NULL, *name = NULL, *tenant = NULL, *role = "member";
    int staff = 0;
    struct ctl_opt o[] = { { "--email", &email, NULL }, { "--name", &name, NULL }, { "--staff", NULL, &staff },
                           { "--tenant", &tenant, NULL }, { "--role", &role, NULL }, { 0 } };
    const char *usage = "usage: labpassctl user add --email E --name N [--staff | --tenant ID --role member|tenant_admin]\n"
                        "  the password is read from standard input (one line)\n";
    if (ctl_opts(argc, argv, o, usage) || !email || !name || (staff && tenant) || (!staff && !tenant)) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    char *pw = ctl_read_secret();
    if (!pw) { fprintf(stderr, "labpassctl: no password on standard input\n"); return 2; }
    psn_person p = { 0 };
    lp_fail f = { 0 };
    snprintf(p.email, sizeof p.email, "%s", email);
    snprintf(p.name, sizeof p.name, "%s", name);
    p.is_staff = staff;
    int rc = db_begin(e->db);
    if (rc == 0) rc = psn_create(e->db, &CLI, &p, pw, &f);
    if (rc == 0 && tenant) rc = psn_set_membership(e->db, &CLI, p.id, atoll(tenant), role, &f);
    if (rc == 0) rc = db_commit(e->db);
    if (rc) db_rollback(e->db);
    sodium_memzero(pw, strlen(pw));
    free(pw);
    if (rc) return ctl_fail("user add", rc, &f);
    if (e->json) printf("{\"id\":%lld}\n", (long long)p.id);
    else printf("person %lld created\n", (long long)p.id);
    return 0;
}

static int cmd_tenant_add(ctl_env *e, int argc, char **argv)
{
    const char *name = NULL, *kvk = "", *vat = "", *email = "", *tier = "startup";
    struct ctl_opt o[] = { { "--name", &name, NULL }, { "--kvk", &kvk, NULL }, { "--vat", &vat, NULL },
                           { "--email", &email, NULL }, { "--tier", &tier, NULL }, { 0 } };
    const char *usage = "usage: labpassctl tenant add --name N [--kvk 12345678] [--vat NL...B01] [--email E] [--tier startup|academic|corporate]\n";
    if (ctl_opts(argc, argv, o, usage) || !name) { fprintf(stderr, "%s", usage); return 2; }
    tnt_tenant t = { 0 };
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.kvk_number, sizeof t.kvk_number, "%s", kvk);
    snprintf(t.vat_number, sizeof t.vat_number, "%s", vat);
    snprintf(t.billing_email, sizeof t.billing_email, "%s", email);
    snprintf(t.rate_tier, sizeof t.rate_tier, "%s", tier);
    snprintf(t.country, sizeof t.country, "NL");
    lp_fail f = { 0 };
    int rc = tnt_create(e->db, &CLI, &t, &f);
    if (rc) return ctl_fail("tenant add", rc, &f);
    if (e->json) printf("{\"id\":%lld}\n", (long long)t.id);
    else printf("tenant %lld created\n", (long long)t.id);
    return 0;
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') printf("\\%c", ch);
        else if (ch < 0x20) printf("\\u%04x", ch);
        else putchar(ch);
    }
    putchar('"');
}

static int cmd_tenant_list(ctl_env *e, int argc, char **argv)
{
    struct ctl_opt o[] = { { 0 } };
    if (ctl_opts(argc, argv, o, "usage: labpassctl [--json] tenant list\n")) return 2;
    tnt_tenant *arr = NULL;
    size_t n = 0;
    int rc = tnt_list(e->db, NULL, &arr, &n);
    if (rc) return ctl_fail("tenant list", rc, NULL);
    if (e->json) putchar('[');
    for (size_t i = 0; i < n; i++) {
        if (e->json) {
            printf("%s{\"id\":%lld,\"name\":", i ? "," : "", (long long)arr[i].id);
            json_str(arr[i].name);
            printf(",\"status\":\"%s\",\"rate_tier\":\"%s\"}", tnt_state_name(arr[i].state), arr[i].rate_tier);
        } else {
            printf("%-5lld %-40s %-10s %s\n", (long long)arr[i].id, arr[i].name, tnt_state_name(arr[i].state), arr[i].rate_tier);
        }
    }
    if (e->json) printf("]\n");
    free(arr);
    return 0;
}

static const struct ctl_cmd CORE_CMDS[] = {
    { "init", NULL, cmd_init, "create or migrate the database (--demo seeds the demo)", 0 },
    { "user", "add", cmd_user_add, "add a person (password from stdin)", 0 },
    { "tenant", "add", cmd_tenant_add, "add a tenant", 0 },
    { "tenant", "list", cmd_tenant_list, "list tenants", 0 },
};

static const size_t CORE_LEN = sizeof CORE_CMDS / sizeof CORE_CMDS[0];
extern const struct ctl_cmd ctl_booking_cmds[];
extern const size_t ctl_booking_cmds_len;
extern const struct ctl_cmd ctl_access_cmds[];
extern const size_t ctl_access_cmds_len;
extern const struct ctl_cmd ctl_billing_cmds[];
extern const size_t ctl_billing_cmds_len;
extern const struct ctl_cmd ctl_cards_cmds[];
extern const size_t ctl_cards_cmds_len;
extern const struct ctl_cmd ctl_db_cmds[];
extern const size_t ctl_db_cmds_len;

static const struct ctl_table TABLES[] = {
    { CORE_CMDS, &CORE_LEN },
    { ctl_booking_cmds, &ctl_booking_cmds_len },
    { ctl_access_cmds, &ctl_access_cmds_len },
    { ctl_billing_cmds, &ctl_billing_cmds_len },
    { ctl_cards_cmds, &ctl_cards_cmds_len },
    { ctl_db_cmds, &ctl_db_cmds_len },
};
#define NTABLES (sizeof TABLES / sizeof TABLES[0])

static const struct ctl_cmd *find_cmd(const char *group, const char *sub, int *uses_sub)
{
    for (size_t t = 0; t < NTABLES; t++)
        for (size_t i = 0; i < *TABLES[t].len; i++) {
            const struct ctl_cmd *c = &TABLES[t].cmds[i];
            if (strcmp(c->group, group)) continue;
            if (!c->sub) { *uses_sub = 0; return c; }
            if (sub && !strcmp(c->sub, sub)) { *uses_sub = 1; return c; }
        }
    return NULL;
}

static void usage_all(FILE *out)
{
    fprintf(out, "usage: labpassctl [--db FILE] [--json] COMMAND [ARGS]   (COMMAND --help for details)\n");
    for (size_t t = 0; t < NTABLES; t++)
        for (size_t i = 0; i < *TABLES[t].len; i++) {
            const struct ctl_cmd *c = &TABLES[t].cmds[i];
            fprintf(out, "  %-14s %-10s %s\n", c->group, c->sub ? c->sub : "", c->help);
        }
}

int main(int argc, char **argv)
{
    ctl_env e = { 0 };
    const char *path = "var/labpass.db";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) path = argv[++i];
        else if (!strcmp(argv[i], "--json")) e.json = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage_all(stdout); return 0; }
        else { usage_all(stderr); return 2; }
    }
    if (i >= argc) { usage_all(stderr); return 2; }
    int uses_sub = 0;
    const struct ctl_cmd *cmd = find_cmd(argv[i], i + 1 < argc ? argv[i + 1] : NULL, &uses_sub);
    if (!cmd) { fprintf(stderr, "labpassctl: unknown command\n"); usage_all(stderr); return 2; }
    int first = i + 1 + uses_sub;
    /* Help touches nothing: the command prints its usage from its option
     * parser before it would use the database, which stays unopened. */
    for (int k = first; k < argc; k++)
        if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) return cmd->fn(&e, argc - first, argv + first);
    if (sodium_init() < 0) return 1;
    umask(027);   /* databases and backups are not for other users */
    iss_hooks_register();
    e.path = path;
    if (cmd->no_db) return cmd->fn(&e, argc - first, argv + first);
    int rc = db_open(path, &e.db);
    if (rc) { fprintf(stderr, "labpassctl: cannot open %s\n", path); return 1; }
    site_info site;
    if (site_get(e.db, &site) == 0 && lt_set_zone(site.timezone) != 0)
        fprintf(stderr, "labpassctl: unknown site time zone %s\n", site.timezone);
    rc = cmd->fn(&e, argc - first, argv + first);
    db_close(e.db);
    return rc;
}

/* ctl_booking.c: labpassctl commands for resources, qualifications and the
 * audit log's chain. */
#include "cmd/ctl.h"
#include "booking/audit_seal.h"
#include "booking/person.h"
#include "booking/qual.h"
#include "booking/resource.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const actor_t CLI = { 0, "labpassctl" };

static int cmd_resource_add(ctl_env *e, int argc, char **argv)
{
    const char *kind = "lab", *name = NULL, *door = "", *cap = "1", *hours = NULL, *approval = NULL;
    struct ctl_opt o[] = { { "--kind", &kind, NULL }, { "--name", &name, NULL }, { "--door-group", &door, NULL },
                           { "--capacity", &cap, NULL }, { "--hours", &hours, NULL }, { "--approval", &approval, NULL },
                           { 0 } };
    const char *usage = "usage: labpassctl resource add --name N [--kind lab|equipment|room] [--door-group G]\n"
                        "         [--capacity N] [--hours \"08:00-18:00\" (Mon-Fri)] [--approval yes]\n";
    if (ctl_opts(argc, argv, o, usage) || !name) { fprintf(stderr, "%s", usage); return 2; }
    res_resource r;
    res_defaults(&r);
    snprintf(r.kind, sizeof r.kind, "%s", kind);
    snprintf(r.name, sizeof r.name, "%s", name);
    snprintf(r.door_group, sizeof r.door_group, "%s", door);
    r.capacity = atoi(cap);
    r.approval_required = approval && !strcmp(approval, "yes");
    for (int d = 0; hours && d < 5; d++)
        if (slots_week_set_day(&r.hours, d, hours) != 0) { fprintf(stderr, "labpassctl: bad --hours\n"); return 2; }
    r.has_hours = hours != NULL;
    lp_fail f = { 0 };
    int rc = res_create(e->db, &CLI, &r, &f);
    if (rc) return ctl_fail("resource add", rc, &f);
    if (e->json) printf("{\"id\":%lld}\n", (long long)r.id);
    else printf("resource %lld created\n", (long long)r.id);
    return 0;
}

static int cmd_resource_list(ctl_env *e, int argc, char **argv)
{
    struct ctl_opt o[] = { { 0 } };
    if (ctl_opts(argc, argv, o, "usage: labpassctl [--json] resource list\n")) return 2;
    res_resource *arr = NULL;
    size_t n = 0;
    int rc = res_list(e->db, NULL, &arr, &n);
    if (rc) return ctl_fail("resource list", rc, NULL);
    if (e->json) putchar('[');
    for (size_t i = 0; i < n; i++) {
        if (e->json)
            printf("%s{\"id\":%lld,\"kind\":\"%s\",\"capacity\":%d,\"status\":\"%s\"}", i ? "," : "",
                   (long long)arr[i].id, arr[i].kind, arr[i].capacity, res_state_name(arr[i].state));
        else
            printf("%-5lld %-10s %-36s cap %-3d %s\n", (long long)arr[i].id, arr[i].kind, arr[i].name, arr[i].capacity,
                   res_state_name(arr[i].state));
    }
    if (e->json) printf("]\n");
    free(arr);
    return 0;
}

static int cmd_qual_grant(ctl_env *e, int argc, char **argv)
{
    const char *email = NULL, *qual = NULL, *until = NULL;
    struct ctl_opt o[] = { { "--email", &email, NULL }, { "--qualification", &qual, NULL },
                           { "--expires", &until, NULL }, { 0 } };
    const char *usage = "usage: labpassctl qualification grant --email E --qualification ID [--expires RFC3339]\n";
    if (ctl_opts(argc, argv, o, usage) || !email || !qual) { fprintf(stderr, "%s", usage); return 2; }
    psn_person p;
    int64_t exp = 0;
    if (until && lt_parse_rfc3339(until, &exp) != 0) { fprintf(stderr, "labpassctl: bad --expires\n"); return 2; }
    if (psn_get_by_email(e->db, email, &p) != 0) { fprintf(stderr, "labpassctl: no person %s\n", email); return 1; }
    qual_grant g;
    lp_fail f = { 0 };
    int rc = qual_grant_add(e->db, &CLI, p.id, atoll(qual), exp, &g, &f);
    if (rc) return ctl_fail("qualification grant", rc, &f);
    char when[LT_RFC3339_LEN];
    lt_format(g.expires_at, when);
    if (e->json) printf("{\"id\":%lld,\"expires_at\":\"%s\"}\n", (long long)g.id, when);
    else printf("granted \"%s\" to %s until %s\n", g.name, email, when);
    return 0;
}

/* Checks the audit log's hash chain; exit 0 when it holds, 1 when not. */
static int cmd_audit_verify(ctl_env *e, int argc, char **argv)
{
    struct ctl_opt o[] = { { 0 } };
    if (ctl_opts(argc, argv, o, "usage: labpassctl audit verify\n"
                 "  checks every seal of the audit log; prints the head hash to compare with a copy kept elsewhere\n"))
        return 2;
    audit_report r;
    int rc = audit_verify(e->db, &r);
    if (rc) return ctl_fail("audit verify", rc, NULL);
    if (e->json)
        printf("{\"ok\":%s,\"entries\":%lld,\"erased\":%lld,\"unsealed\":%lld,\"anchor_id\":%lld,\"bad_id\":%lld,"
               "\"head\":\"%s\"}\n", r.bad_id ? "false" : "true", (long long)r.entries, (long long)r.erased,
               (long long)r.unsealed, (long long)r.anchor_id, (long long)r.bad_id, r.head);
    else if (r.bad_id)
        printf("audit log BROKEN at entry %lld: %s\n", (long long)r.bad_id, r.why);
    else
        printf("audit log intact: %lld entries (%lld erased, %lld not sealed yet) after entry %lld; head %s\n",
               (long long)r.entries, (long long)r.erased, (long long)r.unsealed, (long long)r.anchor_id, r.head);
    return r.bad_id ? 1 : 0;
}

/* Removes entries older than a date (retention), keeping the chain verifiable. */
static int cmd_audit_prune(ctl_env *e, int argc, char **argv)
{
    const char *before = NULL;
    struct ctl_opt o[] = { { "--before", &before, NULL }, { 0 } };
    const char *usage = "usage: labpassctl audit prune --before YYYY-MM-DD\n"
                        "  removes the entries older than the day (site time) and anchors the chain after them\n";
    int64_t from, to;
    if (ctl_opts(argc, argv, o, usage) || !before) { fprintf(stderr, "%s", usage); return 2; }
    if (lt_parse_day(before, &from, &to)) { fprintf(stderr, "labpassctl: --before must be a day like 2024-12-31\n"); return 2; }
    int64_t removed = 0;
    int rc = audit_prune(e->db, from, &removed);
    if (rc) return ctl_fail("audit prune", rc, NULL);
    printf("removed %lld audit entries older than %s\n", (long long)removed, before);
    return 0;
}

const struct ctl_cmd ctl_booking_cmds[] = {
    { "resource", "add", cmd_resource_add, "add a resource", 0 },
    { "resource", "list", cmd_resource_list, "list resources", 0 },
    { "qualification", "grant", cmd_qual_grant, "grant a qualification to a person", 0 },
    { "audit", "verify", cmd_audit_verify, "check the audit log's hash chain", 0 },
    { "audit", "prune", cmd_audit_prune, "remove audit entries older than a day (retention)", 0 },
};
const size_t ctl_booking_cmds_len = sizeof ctl_booking_cmds / sizeof ctl_booking_cmds[0];

/* ctl_access.c: labpassctl commands for door access: signing keys (list,
 * rotate, withdraw), doors (add, list, a new API key) and the issuer's
 * settings. Commands that make or unseal signing keys need the key file
 * (--key-file, default labpass.key next to the database). Door API keys are
 * printed once and never stored in clear. */
#include "cmd/ctl.h"
#include "access/issuer/issuer.h"
#include "booking/account.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const actor_t CLI = { 0, "labpassctl" };

#define B64U sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Loads the key file named by --key-file, or the one next to the database. */
static int load_key_file(ctl_env *e, const char *path)
{
    char def[512];
    if (!path) {
        iss_keyfile_default(db_path(e->db), def, sizeof def);
        path = def;
    }
    int rc = iss_keyfile_load(path, 0);
    if (rc == 0)
        rc = iss_keys_verify(e->db);
    if (rc)
        fprintf(stderr, "labpassctl: the key file %s cannot be used (%s)\n", path, lp_err_name(rc));
    return rc;
}

static void print_key(ctl_env *e, const iss_key *k, int first)
{
    char kid[2 * TOK_KID_LEN + 1], x[sodium_base64_ENCODED_LEN(TOK_PK_LEN, B64U)], nb[LT_RFC3339_LEN],
         na[LT_RFC3339_LEN] = "-";
    sodium_bin2hex(kid, sizeof kid, k->kid, TOK_KID_LEN);
    sodium_bin2base64(x, sizeof x, k->pk, TOK_PK_LEN, B64U);
    lt_format_utc(k->created_at, nb);
    if (k->not_after)
        lt_format_utc(k->not_after, na);
    if (e->json)
        printf("%s{\"kid\":\"%s\",\"x\":\"%s\",\"status\":\"%s\",\"not_before\":\"%s\",\"not_after\":%s%s%s}",
               first ? "" : ",", kid, x, iss_key_state_name(k->state), nb, k->not_after ? "\"" : "", k->not_after ? na : "null",
               k->not_after ? "\"" : "");
    else
        printf("%s  %s  %-9s  %s  %s\n", kid, x, iss_key_state_name(k->state), nb, na);
}

static int print_keys(ctl_env *e, int all)
{
    iss_key *keys = NULL;
    size_t n = 0;
    int rc = iss_key_list(e->db, clk_now(), all, &keys, &n);
    if (rc)
        return ctl_fail("key list", rc, NULL);
    if (e->json)
        putchar('[');
    else
        printf("kid               public key (x, base64url)                    status     not_before            not_after\n");
    for (size_t i = 0; i < n; i++)
        print_key(e, &keys[i], i == 0);
    if (e->json)
        printf("]\n");
    free(keys);
    return 0;
}

static int cmd_key_list(ctl_env *e, int argc, char **argv)
{
    int all = 0;
    struct ctl_opt o[] = { { "--all", NULL, &all }, { 0 } };
    if (ctl_opts(argc, argv, o, "usage: labpassctl [--json] key list [--all]\n"
                 "  the trusted pass-signing keys (--all: withdrawn and expired ones too)\n"))
        return 2;
    return print_keys(e, all);
}

static int cmd_key_rotate(ctl_env *e, int argc, char **argv)
{
    const char *kf = NULL;
    struct ctl_opt o[] = { { "--key-file", &kf, NULL }, { 0 } };
    if (ctl_opts(argc, argv, o, "usage: labpassctl key rotate [--key-file FILE]\n"
                 "  a new key signs from now on; the old one stays trusted until its last pass expires\n"))
        return 2;
    iss_key k;
    if (load_key_file(e, kf))
        return 1;
    int rc = iss_key_rotate(e->db, &CLI, clk_now(), &k);
    if (rc)
        return ctl_fail("key rotate", rc, NULL);
    char kid[2 * TOK_KID_LEN + 1];
    sodium_bin2hex(kid, sizeof kid, k.kid, TOK_KID_LEN);
    if (e->json)
        printf("{\"kid\":\"%s\"}\n", kid);
    else
        printf("new signing key %s\n", kid);
    return 0;
}

static int cmd_key_withdraw(ctl_env *e, int argc, char **argv)
{
    const char *kf = NULL, *hex = NULL;
    struct ctl_opt o[] = { { "--kid", &hex, NULL }, { "--key-file", &kf, NULL }, { 0 } };
    const char *usage = "usage: labpassctl key withdraw --kid HEX [--key-file FILE]\n"
                        "  a compromised key: trusted no more, its passes revoked\n";
    uint8_t kid[TOK_KID_LEN];
    size_t got = 0;
    const char *end = NULL;
    if (ctl_opts(argc, argv, o, usage) || !hex || strlen(hex) != 2 * TOK_KID_LEN ||
        sodium_hex2bin(kid, sizeof kid, hex, strlen(hex), NULL, &got, &end) != 0 || got != TOK_KID_LEN) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    int revoked = 0;
    if (load_key_file(e, kf))
        return 1;
    int rc = iss_key_withdraw(e->db, &CLI, kid, clk_now(), &revoked);
    if (rc)
        return ctl_fail("key withdraw", rc, NULL);
    printf("key %s withdrawn; %d passes revoked\n", hex, revoked);
    return 0;
}

static int yes_no(const char *v, int *out)
{
    if (!v)
        return 0;
    if (!strcmp(v, "yes") || !strcmp(v, "no")) {
        *out = !strcmp(v, "yes");
        return 0;
    }
    return -1;
}

static int cmd_door_add(ctl_env *e, int argc, char **argv)
{
    const char *name = NULL, *group = NULL, *holder = NULL, *bearer = NULL, *skew = NULL, *pulse = NULL;
    struct ctl_opt o[] = { { "--name", &name, NULL }, { "--group", &group, NULL }, { "--holder-proof", &holder, NULL },
                           { "--bearer", &bearer, NULL }, { "--skew", &skew, NULL }, { "--pulse-ms", &pulse, NULL },
                           { 0 } };
    const char *usage = "usage: labpassctl door add --name N --group G [--holder-proof yes|no] [--bearer yes|no]\n"
                        "         [--skew SECONDS] [--pulse-ms MS]\n"
                        "  --bearer yes (visitor passes without a holder key) needs --holder-proof no\n"
                        "  prints the door id, its API key (shown once) and the current trust keys\n";
    iss_door d;
    iss_door_defaults(&d);
    if (ctl_opts(argc, argv, o, usage) || !name || !group || yes_no(holder, &d.holder_proof) ||
        yes_no(bearer, &d.bearer_allowed)) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    snprintf(d.name, sizeof d.name, "%s", name);
    snprintf(d.group, sizeof d.group, "%s", group);
    if (skew) d.clock_skew = atoll(skew);
    if (pulse) d.pulse_ms = atoll(pulse);
    char key[128];
    lp_fail f = { 0 };
    int rc = strlen(name) >= sizeof d.name || strlen(group) >= sizeof d.group
                 ? lp_failf(&f, LP_ERR_INVALID, "name", "the name is at most 32 and the group 16 characters")
                 : iss_door_add(e->db, &CLI, &d, key, sizeof key, &f);
    if (rc)
        return ctl_fail("door add", rc, &f);
    if (e->json)
        printf("{\"id\":%lld,\"api_key\":\"%s\",\"trust_keys\":", (long long)d.id, key);
    else
        printf("door %lld created\napi key (shown once): %s\ntrust keys:\n", (long long)d.id, key);
    sodium_memzero(key, sizeof key);
    rc = print_keys(e, 0);
    if (e->json)
        printf("}\n");
    return rc;
}

static int cmd_door_list(ctl_env *e, int argc, char **argv)
{
    struct ctl_opt o[] = { { 0 } };
    if (ctl_opts(argc, argv, o, "usage: labpassctl [--json] door list\n"))
        return 2;
    iss_door *arr = NULL;
    size_t n = 0;
    int rc = iss_door_list(e->db, clk_now(), &arr, &n);
    if (rc)
        return ctl_fail("door list", rc, NULL);
    if (e->json)
        putchar('[');
    for (size_t i = 0; i < n; i++) {
        char seen[LT_RFC3339_LEN] = "never";
        if (arr[i].last_seen_at > 0)
            lt_format(arr[i].last_seen_at, seen);
        if (e->json)
            printf("%s{\"id\":%lld,\"name\":\"%s\",\"group\":\"%s\",\"last_seen_at\":%lld,\"alarms_24h\":%d}",
                   i ? "," : "", (long long)arr[i].id, arr[i].name, arr[i].group, (long long)arr[i].last_seen_at,
                   arr[i].alarms_24h);
        else
            printf("%-5lld %-32s %-16s proof %-3s bearer %-3s seen %s alarms(24h) %d\n", (long long)arr[i].id,
                   arr[i].name, arr[i].group, arr[i].holder_proof ? "yes" : "no", arr[i].bearer_allowed ? "yes" : "no",
                   seen, arr[i].alarms_24h);
    }
    if (e->json)
        printf("]\n");
    free(arr);
    return 0;
}

static int cmd_door_key(ctl_env *e, int argc, char **argv)
{
    const char *id = NULL;
    struct ctl_opt o[] = { { "--id", &id, NULL }, { 0 } };
    const char *usage = "usage: labpassctl door key --id N\n"
                        "  a new API key for the door (shown once); revoke old ones with the API\n";
    if (ctl_opts(argc, argv, o, usage) || !id) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    iss_door d;
    char key[128], name[64];
    int64_t key_id = 0;
    int rc = iss_door_get(e->db, atoll(id), &d);
    if (rc == 0)
        snprintf(name, sizeof name, "door %s", d.name);
    if (rc == 0)
        rc = acct_apikey_create(e->db, &CLI, name, "door", 0, d.id, key, sizeof key, &key_id);
    if (rc)
        return ctl_fail("door key", rc, NULL);
    printf("api key for door %lld (shown once): %s\n", (long long)d.id, key);
    sodium_memzero(key, sizeof key);
    return 0;
}

static int cmd_access_settings(ctl_env *e, int argc, char **argv)
{
    const char *issuer = NULL, *grace = NULL, *hours = NULL, *horizon = NULL, *overlap = NULL;
    struct ctl_opt o[] = { { "--issuer", &issuer, NULL }, { "--grace-min", &grace, NULL },
                           { "--staff-hours", &hours, NULL }, { "--horizon-days", &horizon, NULL },
                           { "--overlap-days", &overlap, NULL }, { 0 } };
    iss_settings s;
    lp_fail f = { 0 };
    if (ctl_opts(argc, argv, o, "usage: labpassctl access settings [--issuer CODE] [--grace-min N] [--staff-hours N]\n"
                 "         [--horizon-days N] [--overlap-days N]\n  shows (and changes) the pass issuer's settings\n"))
        return 2;
    int rc = iss_settings_get(e->db, &s);
    if (rc == 0 && (issuer || grace || hours || horizon || overlap)) {
        if (issuer) snprintf(s.issuer, sizeof s.issuer, "%s", strlen(issuer) < sizeof s.issuer ? issuer : "");
        if (grace) s.grace_min = atoi(grace);
        if (hours) s.staff_pass_hours = atoi(hours);
        if (horizon) s.horizon_days = atoi(horizon);
        if (overlap) s.key_overlap_days = atoi(overlap);
        rc = iss_settings_set(e->db, &CLI, &s, &f);
    }
    if (rc)
        return ctl_fail("access settings", rc, &f);
    printf("issuer %s, grace %d min, early entry %d min (the site's check-in margin), staff passes %d h, "
           "horizon %d days, key overlap %d days\n", s.issuer, s.grace_min, s.early_min, s.staff_pass_hours,
           s.horizon_days, s.key_overlap_days);
    return 0;
}

const struct ctl_cmd ctl_access_cmds[] = {
    { "key", "list", cmd_key_list, "list the trusted pass-signing keys", 0 },
    { "key", "rotate", cmd_key_rotate, "make a new pass-signing key (the old one stays trusted)", 0 },
    { "key", "withdraw", cmd_key_withdraw, "withdraw a compromised key and revoke its passes", 0 },
    { "door", "add", cmd_door_add, "add a door; prints its API key once", 0 },
    { "door", "list", cmd_door_list, "list doors with last sync and alarms", 0 },
    { "door", "key", cmd_door_key, "a new API key for a door", 0 },
    { "access", "settings", cmd_access_settings, "show or change the pass issuer's settings", 0 },
};
const size_t ctl_access_cmds_len = sizeof ctl_access_cmds / sizeof ctl_access_cmds[0];

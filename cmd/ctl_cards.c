/* ctl_cards.c: labpassctl's commands on DESFire cards: revoke a lost card,
 * and the site's master keys (docs/access-protocol.md 18.7): make a new
 * generation, list and retire generations, and export one master key into a
 * file for a desk station.
 * Doors get the read masters through their sync bundle, never from here. */
#include "cmd/ctl.h"
#include "access/issuer/issuer.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const actor_t CLI = { 0, "labpassctl" };

/* The key file that seals the keys, as labpassd finds it. */
static int load_keys(ctl_env *e, const char *kf)
{
    char def[512];
    if (!kf) {
        iss_keyfile_default(db_path(e->db), def, sizeof def);
        kf = def;
    }
    int rc = iss_keyfile_load(kf, 0);
    if (rc == 0) rc = iss_keys_verify(e->db);
    if (rc) fprintf(stderr, "labpassctl: the key file %s cannot be used (%s)\n", kf, lp_err_name(rc));
    return rc;
}

static int cmd_rotate(ctl_env *e, int argc, char **argv)
{
    const char *kf = NULL;
    struct ctl_opt o[] = { { "--key-file", &kf, NULL }, { 0 } };
    if (ctl_opts(argc, argv, o, "usage: labpassctl card-keys rotate [--key-file FILE]\n"
                 "  a new generation of the site's DESFire master keys (admin, read, write); doors get its read\n"
                 "  key with their next sync; cards made from now on carry its number as key version\n"))
        return 2;
    int64_t gen = 0;
    if (load_keys(e, kf)) return 1;
    int rc = iss_card_keys_rotate(e->db, &CLI, clk_now(), &gen);
    if (rc) return ctl_fail("card-keys rotate", rc, NULL);
    printf(e->json ? "{\"generation\":%lld}\n" : "card key generation %lld made\n", (long long)gen);
    return 0;
}

static int cmd_list(ctl_env *e, int argc, char **argv)
{
    if (ctl_opts(argc, argv, (struct ctl_opt[]){ { 0 } }, "usage: labpassctl card-keys list\n"
                 "  the generations of the site's DESFire master keys, newest first\n"))
        return 2;
    iss_card_gen *g = NULL;
    size_t n = 0;
    int rc = iss_card_keys_list(e->db, &g, &n);
    if (rc) return ctl_fail("card-keys list", rc, NULL);
    for (size_t i = 0; i < n; i++) {
        char made[LT_RFC3339_LEN], gone[LT_RFC3339_LEN] = "-";
        lt_format(g[i].created_at, made);
        if (g[i].retired_at) lt_format(g[i].retired_at, gone);
        printf(e->json ? "%s{\"generation\":%lld,\"created_at\":\"%s\",\"retired_at\":\"%s\"}" : "%s%-4lld made %s retired %s\n",
               e->json ? (i ? "," : "[") : "", (long long)g[i].generation, made, gone);
    }
    if (e->json) printf(n ? "]\n" : "[]\n");
    free(g);
    return 0;
}

static int parse_gen(const char *s, int64_t *gen)
{
    char *end = NULL;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || *end || v < 1 || v > 255) return -1;
    *gen = v;
    return 0;
}

static int cmd_retire(ctl_env *e, int argc, char **argv)
{
    const char *g = NULL;
    struct ctl_opt o[] = { { "--generation", &g, NULL }, { 0 } };
    int64_t gen;
    if (ctl_opts(argc, argv, o, "usage: labpassctl card-keys retire --generation N\n"
                 "  doors stop getting the read key of generation N: cards still made from it stop opening doors\n"))
        return 2;
    if (parse_gen(g, &gen)) { fprintf(stderr, "labpassctl: --generation takes 1..255\n"); return 2; }
    int rc = iss_card_keys_retire(e->db, &CLI, gen, clk_now());
    if (rc) return ctl_fail("card-keys retire", rc, NULL);
    printf("card key generation %lld retired\n", (long long)gen);
    return 0;
}

static int write_key(const char *path, const uint8_t key[16])
{
    char hex[34];
    sodium_bin2hex(hex, 33, key, 16);
    hex[32] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "labpassctl: %s: %s\n", path, errno == EEXIST ? "exists already (not overwritten)" : strerror(errno));
        return 1;
    }
    int ok = write(fd, hex, 33) == 33 && fsync(fd) == 0;
    close(fd);
    sodium_memzero(hex, sizeof hex);
    return ok ? 0 : 1;
}

static int cmd_export(ctl_env *e, int argc, char **argv)
{
    static const char *const roles[] = { "admin", "read", "write" };
    const char *g = NULL, *role = NULL, *out = NULL, *kf = NULL;
    struct ctl_opt o[] = { { "--generation", &g, NULL }, { "--role", &role, NULL }, { "--out", &out, NULL },
                           { "--key-file", &kf, NULL }, { 0 } };
    int64_t gen;
    if (ctl_opts(argc, argv, o, "usage: labpassctl card-keys export --generation N --role admin|read|write --out FILE\n"
                 "  writes one master key (32 hex digits) into FILE, made with mode 0600 and never overwritten:\n"
                 "  the admin and write keys are for the desk station only. Audited.\n"))
        return 2;
    int r = -1;
    for (int i = 0; role && i < 3; i++) if (!strcmp(role, roles[i])) r = i;
    if (parse_gen(g, &gen) || r < 0 || !out) { fprintf(stderr, "labpassctl: card-keys export needs --generation 1..255, --role and --out\n"); return 2; }
    if (load_keys(e, kf)) return 1;
    uint8_t key[16];
    int rc = iss_card_key_export(e->db, &CLI, gen, (enum iss_card_role)r, key);
    if (rc) return ctl_fail("card-keys export", rc, NULL);
    rc = write_key(out, key);
    sodium_memzero(key, sizeof key);
    if (rc == 0) printf("the %s key of generation %lld is in %s\n", roles[r], (long long)gen, out);
    return rc;
}

/* A lost card, revoked by its card id (as the staff console and the desk
 * show it): its live passes go on the denylist; doors refuse it from their
 * next sync. Works while labpassd is stopped. */
static int cmd_card_revoke(ctl_env *e, int argc, char **argv)
{
    const char *id_hex = NULL;
    struct ctl_opt o[] = { { "--card-id", &id_hex, NULL }, { 0 } };
    const char *usage = "usage: labpassctl card revoke --card-id HEX\n"
                        "  a lost card (its card id: 32 lower-case hex digits): its passes enter the denylist\n";
    if (ctl_opts(argc, argv, o, usage) || !id_hex) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    uint8_t id[TOK_CARD_ID_LEN];
    size_t got = 0;
    if (strlen(id_hex) != 2 * TOK_CARD_ID_LEN || strspn(id_hex, "0123456789abcdef") != 2 * TOK_CARD_ID_LEN ||
        sodium_hex2bin(id, sizeof id, id_hex, strlen(id_hex), NULL, &got, NULL) != 0 || got != sizeof id) {
        fprintf(stderr, "labpassctl: --card-id is 32 lower-case hex digits\n");
        return 2;
    }
    iss_credential cr;
    int n = 0, rc = iss_card_find(e->db, id, &cr);
    if (rc == 0) rc = iss_cred_revoke(e->db, &CLI, cr.id, clk_now(), &n);
    if (rc == LP_ERR_NOTFOUND) {
        fprintf(stderr, "labpassctl: no active card with that id\n");
        return 1;
    }
    if (rc) return ctl_fail("card revoke", rc, NULL);
    printf(e->json ? "{\"credential_id\":%lld,\"passes_revoked\":%d}\n" : "card %lld revoked; %d passes revoked\n",
           (long long)cr.id, n);
    return 0;
}

const struct ctl_cmd ctl_cards_cmds[] = {
    { "card", "revoke", cmd_card_revoke, "revoke a lost DESFire card by its card id", 0 },
    { "card-keys", "rotate", cmd_rotate, "a new generation of the site's DESFire master keys", 0 },
    { "card-keys", "list", cmd_list, "list the DESFire master key generations", 0 },
    { "card-keys", "retire", cmd_retire, "stop sending a generation's read key to doors", 0 },
    { "card-keys", "export", cmd_export, "write one DESFire master key into a file (for a desk)", 0 },
};
const size_t ctl_cards_cmds_len = sizeof ctl_cards_cmds / sizeof ctl_cards_cmds[0];

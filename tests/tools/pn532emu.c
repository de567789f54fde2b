/* pn532emu: the emulated PN532 (tests/lib/pn532emu.h) as a program, for
 * trying the door or libnfc tools by hand:
 *
 *   bin/tests/pn532emu [--ntag-pass FILE | --ntag-blank | --foreign |
 *                       --cred-pass FILE [--holder-seed HEX64]]
 *   LIBNFC_DEVICE=pn532_uart:/dev/pts/N nfc-list
 *
 * It prints "connstring pn532_uart:<pty>" and then reads commands, one per
 * line, from stdin until "quit" or end of input:
 *   none | ntag-blank | ntag-pass FILE | foreign | cred FILE [SEEDHEX] |
 *   fault KIND [CMD SKIP COUNT ARG] | stats | help | quit
 * KIND is garbage, truncate, bad-dcs, bad-lcs, error-frame, no-ack, slow
 * (ARG = delay ms), vanish (ARG = status) or none; CMD is the PN532 command
 * code in hex (0 = any). A credential without a seed gets a random holder
 * key, whose public half is printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "access/credential/cred.h"
#include "access/nfc/nfc_ndef.h"
#include "tests/lib/pn532emu.h"

struct state {
    emu_t *emu;
    cred_t *cred;      /* the presented credential, if any */
};

static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return -1; }
    *len = fread(buf, 1, cap, f);
    int extra = fgetc(f) != EOF;
    fclose(f);
    if (extra || *len == 0) {
        fprintf(stderr, "%s: empty or over %zu bytes\n", path, cap);
        return -1;
    }
    return 0;
}

static void drop_cred(struct state *s)
{
    emu_present_none(s->emu);
    cred_destroy(s->cred);
    s->cred = NULL;
}

static int do_ntag_pass(struct state *s, const char *path)
{
    uint8_t pass[CRED_PASS_MAX], img[NFC_T2_ENC_MAX];
    size_t len = 0, img_len = 0;
    if (read_file(path, pass, sizeof pass, &len) != 0) return -1;
    if (nfc_ndef_t2_encode(pass, len, img, sizeof img, &img_len) != 0 ||
        img_len > EMU_NTAG_DATA_MAX) {
        fprintf(stderr, "pass does not fit an NTAG215\n");
        return -1;
    }
    drop_cred(s);
    return emu_present_ntag(s->emu, img, img_len);
}

static int parse_seed(const char *hex, uint8_t seed[crypto_sign_SEEDBYTES])
{
    size_t n = 0;
    if (sodium_hex2bin(seed, crypto_sign_SEEDBYTES, hex, strlen(hex), NULL, &n, NULL) != 0 ||
        n != crypto_sign_SEEDBYTES) {
        fprintf(stderr, "seed must be %d hex bytes\n", crypto_sign_SEEDBYTES);
        return -1;
    }
    return 0;
}

static int do_cred(struct state *s, const char *path, const char *seed_hex)
{
    uint8_t pass[CRED_PASS_MAX], seed[crypto_sign_SEEDBYTES], pk[CRED_PK_LEN], sk[CRED_SK_LEN];
    size_t len = 0;
    if (read_file(path, pass, sizeof pass, &len) != 0) return -1;
    if (seed_hex) {
        if (parse_seed(seed_hex, seed) != 0) return -1;
    } else {
        randombytes_buf(seed, sizeof seed);
    }
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof seed);
    cred_t *c = NULL;
    int rc = cred_create(pass, len, sk, &c);
    sodium_memzero(sk, sizeof sk);
    if (rc != 0) return -1;
    char hex[2 * CRED_PK_LEN + 1];
    printf("holder-pk %s\n", sodium_bin2hex(hex, sizeof hex, pk, sizeof pk));
    drop_cred(s);
    s->cred = c;
    emu_present_credential(s->emu, c);
    return 0;
}

static const struct { const char *name; enum emu_fault_kind kind; } fault_names[] = {
    { "none", EMU_FAULT_NONE }, { "garbage", EMU_FAULT_GARBAGE }, { "truncate", EMU_FAULT_TRUNCATE },
    { "bad-dcs", EMU_FAULT_BAD_DCS }, { "bad-lcs", EMU_FAULT_BAD_LCS },
    { "error-frame", EMU_FAULT_ERROR_FRAME }, { "no-ack", EMU_FAULT_NO_ACK },
    { "slow", EMU_FAULT_SLOW }, { "vanish", EMU_FAULT_VANISH },
};

static int do_fault(struct state *s, const char *args)
{
    char name[32] = "";
    unsigned cmd = 0, skip = 0, count = 0, arg = 0;
    if (sscanf(args, "%31s %x %u %u %u", name, &cmd, &skip, &count, &arg) < 1) return -1;
    for (size_t i = 0; i < sizeof fault_names / sizeof fault_names[0]; i++) {
        if (strcmp(name, fault_names[i].name) != 0) continue;
        emu_fault_t f = { .kind = fault_names[i].kind, .cmd = (uint8_t)cmd, .skip = skip,
                          .count = count, .delay_ms = arg, .status = (uint8_t)arg };
        emu_set_fault(s->emu, &f);
        return 0;
    }
    fprintf(stderr, "unknown fault %s\n", name);
    return -1;
}

static void do_stats(struct state *s)
{
    emu_stats_t st;
    emu_get_stats(s->emu, &st);
    printf("frames %u bad %u acks %u nacks %u aborted %u lists %u card_cmds %u apdus %u faults %u field %d\n",
           st.frames, st.bad_frames, st.acks, st.nacks, st.aborted, st.lists, st.card_cmds,
           st.apdus, st.faults, st.field);
}

/* Runs one command line; returns 1 to quit. */
static int command(struct state *s, char *line)
{
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    if (strncmp(line, "fault ", 6) == 0) {
        int rc = do_fault(s, line + 6);
        printf("%s\n", rc == 0 ? "ok" : "error");
        fflush(stdout);
        return 0;
    }
    char *cmd = strtok(line, " \t");
    char *a1 = strtok(NULL, " \t");
    char *a2 = strtok(NULL, " \t");
    int rc = 0;
    if (!cmd) return 0;
    if (strcmp(cmd, "quit") == 0) return 1;
    if (strcmp(cmd, "none") == 0) drop_cred(s);
    else if (strcmp(cmd, "ntag-blank") == 0) { drop_cred(s); rc = emu_present_ntag(s->emu, NULL, 0); }
    else if (strcmp(cmd, "ntag-pass") == 0 && a1) rc = do_ntag_pass(s, a1);
    else if (strcmp(cmd, "foreign") == 0) { drop_cred(s); emu_present_foreign(s->emu); }
    else if (strcmp(cmd, "cred") == 0 && a1) rc = do_cred(s, a1, a2);
    else if (strcmp(cmd, "stats") == 0) do_stats(s);
    else {
        rc = strcmp(cmd, "help") == 0 ? 0 : -1;
        printf("commands: none | ntag-blank | ntag-pass FILE | foreign | cred FILE [SEEDHEX] |\n"
               "          fault KIND [CMD SKIP COUNT ARG] | stats | quit\n");
    }
    printf("%s\n", rc == 0 ? "ok" : "error");
    fflush(stdout);
    return 0;
}

/* Applies the command-line options as the first commands. */
static int options(struct state *s, int argc, char **argv)
{
    const char *seed = NULL, *cred_pass = NULL;
    for (int i = 1; i < argc; i++) {
        char buf[512];
        if (strcmp(argv[i], "--holder-seed") == 0 && i + 1 < argc) { seed = argv[++i]; continue; }
        if (strcmp(argv[i], "--cred-pass") == 0 && i + 1 < argc) { cred_pass = argv[++i]; continue; }
        if (strcmp(argv[i], "--ntag-pass") == 0 && i + 1 < argc)
            snprintf(buf, sizeof buf, "ntag-pass %s", argv[++i]);
        else if (strcmp(argv[i], "--ntag-blank") == 0) snprintf(buf, sizeof buf, "ntag-blank");
        else if (strcmp(argv[i], "--foreign") == 0) snprintf(buf, sizeof buf, "foreign");
        else {
            fprintf(stderr, "usage: %s [--ntag-pass FILE | --ntag-blank | --foreign |"
                            " --cred-pass FILE [--holder-seed HEX64]]\n", argv[0]);
            return -1;
        }
        command(s, buf);
    }
    if (cred_pass && do_cred(s, cred_pass, seed) != 0) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) return 1;
    struct state s = { 0 };
    const char *path = NULL;
    if (emu_start(&s.emu, &path) != 0) {
        fprintf(stderr, "cannot start the emulator\n");
        return 1;
    }
    printf("connstring %s\n", emu_connstring(s.emu));
    fflush(stdout);
    int rc = options(&s, argc, argv);
    char line[600];
    while (rc == 0 && fgets(line, sizeof line, stdin)) {
        if (command(&s, line)) break;
    }
    drop_cred(&s);
    emu_stop(s.emu);
    return rc == 0 ? 0 : 2;
}

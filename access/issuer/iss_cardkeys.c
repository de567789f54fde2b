/* iss_cardkeys.c: the site's DESFire master keys (docs/access-protocol.md
 * 18.2 and 18.7) by generation: made at random and sealed with the key file
 * (iss_seal), retired, exported one at a time for a desk, and the read
 * masters sealed to a door's X25519 box key for its sync bundle. */
#include "access/issuer/iss_internal.h"
#include "booking/audit.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MASTER 16
#define SEALED_MAX (MASTER + 64)

static const char *const ROLE_COLS[] = { "sealed_admin", "sealed_read", "sealed_write" };

static int insert_gen(db_t *db, int64_t gen, uint8_t sealed[3][SEALED_MAX], size_t len, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO card_keys(generation, sealed_admin, sealed_read, sealed_write, created_at) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, gen);
    for (int r = 0; r < 3; r++) db_bind_blob(st, 2 + r, sealed[r], (int)len);
    db_bind_int(st, 5, now);
    return db_exec_stmt(st);
}

static int next_gen(db_t *db, int64_t *gen)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(max(generation), 0) + 1 FROM card_keys");
    if (!st) return LP_ERR_DB;
    int rc = db_get(st);
    if (rc == 0) *gen = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == 0 && *gen > 255 ? LP_ERR_RULE : rc;
}

int iss_card_keys_rotate(db_t *db, const actor_t *who, int64_t now, int64_t *gen)
{
    uint8_t keys[3][MASTER], sealed[3][SEALED_MAX];
    size_t len = 0;
    int rc = 0;
    randombytes_buf(keys, sizeof keys);
    for (int r = 0; r < 3 && rc == 0; r++) rc = iss_seal(keys[r], MASTER, sealed[r], SEALED_MAX, &len);
    sodium_memzero(keys, sizeof keys);
    if (rc) return rc;
    int own;
    rc = iss_tx_begin(db, &own);
    if (rc == 0) rc = next_gen(db, gen);
    if (rc == 0) rc = insert_gen(db, *gen, sealed, len, now);
    char after[48];
    snprintf(after, sizeof after, "{\"generation\":%lld}", (long long)*gen);
    if (rc == 0) rc = audit_add(db, who, "card_keys_rotate", "card_keys", *gen, NULL, after);
    return iss_tx_end(db, own, rc);
}

int iss_card_keys_retire(db_t *db, const actor_t *who, int64_t gen, int64_t now)
{
    int own, rc = iss_tx_begin(db, &own);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE card_keys SET retired_at = ?2 WHERE generation = ?1 AND retired_at IS NULL");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, gen);
        db_bind_int(st, 2, now);
        rc = db_exec_stmt(st);
    }
    iss_card_gen *all = NULL;
    size_t n = 0, found = 0;
    if (rc == 0 && db_changes(db) == 0) {
        rc = iss_card_keys_list(db, &all, &n);
        for (size_t i = 0; rc == 0 && i < n; i++) found |= all[i].generation == gen;
        free(all);
        if (rc == 0) rc = found ? LP_ERR_STATE : LP_ERR_NOTFOUND;
    }
    if (rc == 0) rc = audit_add(db, who, "card_keys_retire", "card_keys", gen, NULL, NULL);
    return iss_tx_end(db, own, rc);
}

static int gen_row(sqlite3_stmt *st, void *p)
{
    iss_card_gen *g = p;
    g->generation = sqlite3_column_int64(st, 0);
    g->created_at = sqlite3_column_int64(st, 1);
    g->retired_at = sqlite3_column_int64(st, 2);
    return 0;
}

int iss_card_keys_list(db_t *db, iss_card_gen **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT generation, created_at, COALESCE(retired_at, 0) FROM card_keys ORDER BY generation DESC");
    if (!st) return LP_ERR_DB;
    return db_collect(st, sizeof **out, gen_row, (void **)out, n);
}

/* One sealed master, unsealed into out. */
static int unseal_role(db_t *db, int64_t gen, enum iss_card_role role, uint8_t out[MASTER])
{
    static const char *const SQL[] = { "SELECT sealed_admin FROM card_keys WHERE generation = ?1",
                                       "SELECT sealed_read FROM card_keys WHERE generation = ?1",
                                       "SELECT sealed_write FROM card_keys WHERE generation = ?1" };
    if ((unsigned)role > ISS_CARD_WRITE) return LP_ERR_INVALID;
    sqlite3_stmt *st = db_stmt(db, SQL[role]);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, gen);
    int rc = db_get(st);
    size_t len = 0;
    if (rc == 0)
        rc = iss_unseal(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), out, MASTER, &len);
    if (rc == 0 && len != MASTER) rc = LP_ERR_CRYPTO;
    sqlite3_reset(st);
    return rc;
}

int iss_card_key_export(db_t *db, const actor_t *who, int64_t gen, enum iss_card_role role, uint8_t out[16])
{
    int rc = unseal_role(db, gen, role, out);
    char after[64];
    snprintf(after, sizeof after, "{\"generation\":%lld,\"role\":\"%s\"}", (long long)gen, ROLE_COLS[role] + 7);
    if (rc == 0) rc = audit_add(db, who, "card_key_export", "card_keys", gen, NULL, after);
    if (rc) sodium_memzero(out, MASTER);
    return rc;
}

static int keys_boxed(db_t *db, const uint8_t box_key[32], enum iss_card_role role, struct tok_card_key *out,
                      size_t *count)
{
    iss_card_gen *all = NULL;
    size_t n = 0;
    int rc = iss_card_keys_list(db, &all, &n);
    *count = 0;
    for (size_t i = 0; rc == 0 && i < n && *count < TOK_CARD_KEYS_MAX; i++) {
        if (all[i].retired_at) continue;
        uint8_t key[MASTER];
        struct tok_card_key *k = &out[*count];
        rc = unseal_role(db, all[i].generation, role, key);
        if (rc == 0 && crypto_box_seal(k->boxed, key, MASTER, box_key) != 0) rc = LP_ERR_CRYPTO;
        sodium_memzero(key, sizeof key);
        if (rc == 0) {
            k->generation = all[i].generation;
            (*count)++;
        }
    }
    free(all);
    return rc;
}

int iss_card_keys_boxed(db_t *db, const uint8_t box_key[32], struct tok_bundle *b)
{
    return keys_boxed(db, box_key, ISS_CARD_READ, b->card_keys, &b->n_card_keys);
}

int iss_card_write_keys_boxed(db_t *db, const uint8_t box_key[32], struct tok_bundle *b)
{
    return keys_boxed(db, box_key, ISS_CARD_WRITE, b->write_keys, &b->n_write_keys);
}

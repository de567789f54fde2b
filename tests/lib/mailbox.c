/* mailbox.c: see mailbox.h. */
#include "tests/lib/mailbox.h"
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static sqlite3 *open_ro(hx_server *s)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(s->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) { sqlite3_close(db); return NULL; }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

/* Copies the token at the first prefix in body into out. */
static int pick(const char *body, const char *prefix, char *out, size_t len)
{
    const char *p = body ? strstr(body, prefix) : NULL;
    size_t n = 0;
    if (!p) return -1;
    while (p[n] && (p[n] == '_' || p[n] == '-' || (p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'z') ||
                    (p[n] >= 'A' && p[n] <= 'Z')))
        n++;
    if (n + 1 > len) return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

int mb_token(hx_server *s, const char *recipient, const char *kind, const char *prefix, char *out, size_t len)
{
    sqlite3 *db = open_ro(s);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (db && sqlite3_prepare_v2(db, "SELECT body FROM outbox WHERE recipient = ?1 COLLATE NOCASE AND kind = ?2 "
                                     "ORDER BY id DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, recipient, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) rc = pick((const char *)sqlite3_column_text(st, 0), prefix, out, len);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int mb_message(hx_server *s, const char *recipient, const char *kind, char *subject, size_t slen, char *body,
               size_t blen)
{
    sqlite3 *db = open_ro(s);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (db && sqlite3_prepare_v2(db, "SELECT subject, body FROM outbox WHERE recipient = ?1 COLLATE NOCASE AND "
                                     "kind = ?2 ORDER BY id DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, recipient, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(subject, slen, "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(body, blen, "%s", (const char *)sqlite3_column_text(st, 1));
            rc = 0;
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int mb_count(hx_server *s, const char *kind)
{
    sqlite3 *db = open_ro(s);
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (db && sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox WHERE kind = ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

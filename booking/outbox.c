/* outbox.c: the notification outbox (see outbox.h). Reading the pending
 * messages fails as a whole when a step fails: never a short list. */
#include "booking/outbox.h"
#include "booking/spell.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Renders k in both languages for a recipient chosen by SQL: the subject and
 * body in English then Dutch, in that order. */
struct both { char subject[MT_LANG_COUNT][MT_SUBJECT_MAX], body[MT_LANG_COUNT][MT_BODY_MAX]; };

static int render_both(enum mt_kind k, const mt_args *a, struct both *b)
{
    int rc = mt_render(k, MT_EN, a, b->subject[MT_EN], b->body[MT_EN]);
    if (rc == 0) rc = mt_render(k, MT_NL, a, b->subject[MT_NL], b->body[MT_NL]);
    return rc;
}

int obx_to_person(db_t *db, enum mt_kind k, int64_t person_id, const mt_args *a)
{
    struct both b;
    int rc = render_both(k, a, &b);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "INSERT INTO outbox(kind, recipient, subject, body, created_at) "
                                   "SELECT ?1, email, CASE language WHEN 'nl' THEN ?6 ELSE ?3 END, "
                                   "CASE language WHEN 'nl' THEN ?7 ELSE ?4 END, ?5 FROM people WHERE id = ?2");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_text(st, 1, mt_kind_name(k)); db_bind_int(st, 2, person_id);
        db_bind_text(st, 3, b.subject[MT_EN]); db_bind_text(st, 4, b.body[MT_EN]); db_bind_int(st, 5, clk_now());
        db_bind_text(st, 6, b.subject[MT_NL]); db_bind_text(st, 7, b.body[MT_NL]);
        rc = db_exec_stmt(st);
    }
    sodium_memzero(&b, sizeof b);   /* a body may hold a link token */
    return rc;
}

int obx_to_staff(db_t *db, enum mt_kind k, const mt_args *a)
{
    struct both b;
    int rc = render_both(k, a, &b);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "INSERT INTO outbox(kind, recipient, subject, body, created_at) "
                                   "SELECT ?1, email, CASE language WHEN 'nl' THEN ?5 ELSE ?2 END, "
                                   "CASE language WHEN 'nl' THEN ?6 ELSE ?3 END, ?4 FROM people "
                                   "WHERE is_staff = 1 AND status = 'active' ORDER BY id");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_text(st, 1, mt_kind_name(k)); db_bind_text(st, 2, b.subject[MT_EN]); db_bind_text(st, 3, b.body[MT_EN]);
        db_bind_int(st, 4, clk_now()); db_bind_text(st, 5, b.subject[MT_NL]); db_bind_text(st, 6, b.body[MT_NL]);
        rc = db_exec_stmt(st);
    }
    return rc;
}

int obx_to_address(db_t *db, enum mt_kind k, const char *email, enum mt_lang lang, const mt_args *a,
                   int64_t invoice_id)
{
    char subject[MT_SUBJECT_MAX], body[MT_BODY_MAX];
    int rc = mt_render(k, lang, a, subject, body);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "INSERT INTO outbox(kind, recipient, subject, body, created_at, "
                                                "invoice_id) VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, 0))");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_text(st, 1, mt_kind_name(k)); db_bind_text(st, 2, email); db_bind_text(st, 3, subject);
        db_bind_text(st, 4, body); db_bind_int(st, 5, clk_now()); db_bind_int(st, 6, invoice_id);
        rc = db_exec_stmt(st);
    }
    return rc;
}

static const char *const OBX_STATE_NAMES[OBX_STATE_COUNT] = {
    [OBX_PENDING] = "pending", [OBX_SENT] = "sent", [OBX_FAILED] = "failed",
};

const char *obx_state_name(enum obx_state s)
{
    return (unsigned)s < OBX_STATE_COUNT ? OBX_STATE_NAMES[s] : "";
}

int obx_state_parse(const char *text, enum obx_state *out)
{
    int i = spell_find(OBX_STATE_NAMES, OBX_STATE_COUNT, text);
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum obx_state)i;
    return 0;
}

static int msg_row(sqlite3_stmt *st, void *elem)
{
    obx_msg *m = elem;
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(st, 0);
    snprintf(m->kind, sizeof m->kind, "%s", db_col_text(st, 1));
    snprintf(m->recipient, sizeof m->recipient, "%s", db_col_text(st, 2));
    snprintf(m->subject, sizeof m->subject, "%s", db_col_text(st, 3));
    snprintf(m->body, sizeof m->body, "%s", db_col_text(st, 4));
    m->attempts = sqlite3_column_int(st, 5);
    m->created_at = sqlite3_column_int64(st, 6);
    m->invoice_id = sqlite3_column_int64(st, 7);
    return 0;
}

int obx_pending(db_t *db, int64_t now, size_t max, obx_msg **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, kind, recipient, subject, body, attempts, created_at, COALESCE(invoice_id, 0) FROM outbox "
                                   "WHERE status = 'pending' AND next_attempt_at <= ?2 ORDER BY id LIMIT ?1");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, (int64_t)max);
    db_bind_int(st, 2, now);
    return db_collect(st, sizeof **out, msg_row, (void **)out, n);
}

static int entry_row(sqlite3_stmt *st, void *elem)
{
    obx_entry *e = elem;
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    snprintf(e->kind, sizeof e->kind, "%s", db_col_text(st, 1));
    snprintf(e->recipient, sizeof e->recipient, "%s", db_col_text(st, 2));
    snprintf(e->subject, sizeof e->subject, "%s", db_col_text(st, 3));
    e->created_at = sqlite3_column_int64(st, 4);
    e->sent_at = sqlite3_column_int64(st, 5);
    e->attempts = sqlite3_column_int(st, 6);
    snprintf(e->last_error, sizeof e->last_error, "%s", db_col_text(st, 7));
    e->next_attempt_at = sqlite3_column_int64(st, 9);
    return obx_state_parse(db_col_text(st, 8), &e->state) ? LP_ERR_DB : 0;   /* the CHECK constraint allows no other */
}

int obx_list(db_t *db, int64_t before_id, size_t max, obx_entry **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, kind, recipient, subject, created_at, COALESCE(sent_at, 0), attempts, "
                                   "last_error, status, CASE status WHEN 'pending' THEN max(next_attempt_at, created_at) ELSE 0 END "
                                   "FROM outbox WHERE (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?1");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, (int64_t)max);
    db_bind_int(st, 2, before_id);
    return db_collect(st, sizeof **out, entry_row, (void **)out, n);
}

int obx_mark(db_t *db, int64_t id, enum obx_outcome outcome, const char *error)
{
    /* attempts on the right-hand side is the count before this attempt */
    sqlite3_stmt *st = db_stmt(db, "UPDATE outbox SET attempts = attempts + 1, last_error = ?4, "
                                   "sent_at = CASE WHEN ?2 = 0 THEN ?3 END, "
                                   "status = CASE WHEN ?2 = 0 THEN 'sent' WHEN ?2 = 2 OR attempts + 1 >= ?7 THEN 'failed' "
                                   "ELSE 'pending' END, "
                                   "next_attempt_at = CASE WHEN ?2 = 1 THEN ?3 + min(?5 << min(attempts, 20), ?6) ELSE 0 END "
                                   "WHERE id = ?1 AND status = 'pending'");
    if (!st) return LP_ERR_DB;
    int code = outcome == OBX_DELIVERED ? 0 : outcome == OBX_TRY_LATER ? 1 : 2;
    db_bind_int(st, 1, id); db_bind_int(st, 2, code); db_bind_int(st, 3, clk_now());
    db_bind_text(st, 4, error ? error : ""); db_bind_int(st, 5, OBX_RETRY_FIRST); db_bind_int(st, 6, OBX_RETRY_MAX);
    db_bind_int(st, 7, OBX_MAX_ATTEMPTS);
    return db_exec_stmt(st);
}

int obx_stats_get(db_t *db, obx_stats *out)
{
    /* pending: the partial index outbox_due; failed: a scan of the outbox, a table retention keeps small. */
    sqlite3_stmt *st = db_stmt(db, "SELECT (SELECT count(*) FROM outbox WHERE status = 'pending'), "
                                   "(SELECT COALESCE(min(created_at), 0) FROM outbox WHERE status = 'pending'), "
                                   "(SELECT count(*) FROM outbox WHERE status = 'failed')");
    if (!st) return LP_ERR_DB;
    int rc = db_get(st);
    if (rc == 0) *out = (obx_stats){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2) };
    sqlite3_reset(st);
    return rc;
}

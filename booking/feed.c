/* feed.c: calendar feeds (see feed.h): tokens stored as hashes, and the
 * rendering that shows another tenant's bookings only as busy blocks while
 * they hold their slot. A feed that cannot be read from the database is an
 * error, never an unknown token or an empty calendar. */
#include "booking/feed.h"
#include "booking/ics.h"
#include "booking/resource.h"
#include "booking/rsv.h"
#include "booking/site.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hash_token(const char *token, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

int feed_create(db_t *db, const actor_t *who, int64_t person_id, int64_t resource_id,
                char token_out[FEED_TOKEN_LEN], int64_t *id_out)
{
    unsigned char raw[24], h[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token_out, FEED_TOKEN_LEN, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    hash_token(token_out, h);
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO calendar_feeds(token_hash, person_id, resource_id, created_at) "
                                   "VALUES (?1, ?2, NULLIF(?3, 0), ?4)");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, h, 32); db_bind_int(st, 2, person_id); db_bind_int(st, 3, resource_id);
    db_bind_int(st, 4, clk_now());
    int own = sqlite3_get_autocommit(db_handle(db));
    int rc = own ? db_begin(db) : 0;
    if (rc) return rc;
    rc = db_exec_stmt(st);
    if (rc == 0) {
        *id_out = db_last_id(db);
        rc = audit_add(db, who, "create", "calendar_feed", *id_out, NULL, NULL);
    }
    if (own) {
        if (rc == 0) rc = db_commit(db);
        if (rc) db_rollback(db);
    }
    return rc;
}

static int feed_row(sqlite3_stmt *st, void *elem)
{
    feed_info *f = elem;
    f->id = sqlite3_column_int64(st, 0);
    f->resource_id = sqlite3_column_int64(st, 1);
    f->created_at = sqlite3_column_int64(st, 2);
    return 0;
}

int feed_list(db_t *db, int64_t person_id, feed_info **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, COALESCE(resource_id, 0), created_at FROM calendar_feeds "
                                   "WHERE person_id = ?1 AND revoked_at IS NULL ORDER BY id");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    return db_collect(st, sizeof **out, feed_row, (void **)out, n);
}

int feed_revoke(db_t *db, const actor_t *who, int64_t person_id, int64_t id)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE calendar_feeds SET revoked_at = ?3 WHERE id = ?1 "
                                   "AND (?2 = 0 OR person_id = ?2) AND revoked_at IS NULL");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id); db_bind_int(st, 2, person_id); db_bind_int(st, 3, clk_now());
    int own = sqlite3_get_autocommit(db_handle(db));
    int rc = own ? db_begin(db) : 0;
    if (rc) return rc;
    rc = db_exec_stmt(st);
    if (rc == 0 && db_changes(db) == 0) rc = LP_ERR_NOTFOUND;
    if (rc == 0) rc = audit_add(db, who, "revoke", "calendar_feed", id, NULL, NULL);
    if (own) {
        if (rc == 0) rc = db_commit(db);
        if (rc) db_rollback(db);
    }
    return rc;
}

/* Who owns the feed and what it shows. */
static int feed_owner(db_t *db, const char *token, int64_t *person, int64_t *resource, int64_t *tenant, int *staff)
{
    unsigned char h[32];
    if (strlen(token) > 100) return LP_ERR_NOTFOUND;
    hash_token(token, h);
    sqlite3_stmt *st = db_stmt(db, "SELECT f.person_id, COALESCE(f.resource_id, 0), COALESCE(m.tenant_id, 0), p.is_staff "
                                   "FROM calendar_feeds f JOIN people p ON p.id = f.person_id "
                                   "LEFT JOIN memberships m ON m.person_id = p.id "
                                   "WHERE f.token_hash = ?1 AND f.revoked_at IS NULL AND p.status = 'active'");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, h, 32);
    int rc = db_get(st);
    if (rc) return rc;
    *person = sqlite3_column_int64(st, 0);
    *resource = sqlite3_column_int64(st, 1);
    *tenant = sqlite3_column_int64(st, 2);
    *staff = sqlite3_column_int(st, 3);
    sqlite3_reset(st);
    return 0;
}

/* What the feed's owner may see of a booking of another tenant: that the
 * slot is taken, while it is (requested, confirmed, checked in), as one
 * confirmed "Busy" block. Nothing else: not its title, state, notes or
 * changes, and nothing once it was cancelled, rejected, missed or used,
 * the same rule as the reservation list's busy blocks. */
static int busy_visible(enum rsv_state s) { return rsv_state_holds_slot(s); }

static enum ics_status ics_status_of(enum rsv_state s)
{
    switch (s) {
    case RSV_REQUESTED: return ICS_TENTATIVE;
    case RSV_CANCELLED:
    case RSV_REJECTED: return ICS_CANCELLED;
    case RSV_CONFIRMED:
    case RSV_CHECKED_IN:
    case RSV_COMPLETED:
    case RSV_NO_SHOW: return ICS_CONFIRMED;
    }
    return ICS_CONFIRMED;
}

int feed_render(db_t *db, const char *token, char **ics, size_t *len)
{
    int64_t person, resource, tenant, now = clk_now();
    int staff;
    int rc = feed_owner(db, token, &person, &resource, &tenant, &staff);
    if (rc) return rc;
    rsv_filter q = { now - 31 * 86400, now + 366 * 86400, resource, 0, resource ? 0 : person, 0, 5000 };
    rsv_reservation *arr = NULL;
    size_t n = 0;
    site_info site;
    if ((rc = site_get(db, &site)) != 0 || (rc = rsv_list(db, &q, &arr, &n)) != 0) return rc;
    struct ics_event *ev = calloc(n ? n : 1, sizeof *ev);
    res_resource *names = calloc(n ? n : 1, sizeof *names);
    if (!ev || !names) { free(ev); free(names); free(arr); return LP_ERR_NOMEM; }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int mine = staff || (tenant && arr[i].tenant_id == tenant);
        if (!mine && !busy_visible(arr[i].state)) continue;
        rc = res_get(db, arr[i].resource_id, &names[k]);
        if (rc == LP_ERR_NOTFOUND) { rc = 0; continue; }
        if (rc) break;
        ev[k].id = arr[i].id;
        ev[k].start = arr[i].start;
        ev[k].end = arr[i].end;
        ev[k].status = mine ? ics_status_of(arr[i].state) : ICS_CONFIRMED;
        ev[k].sequence = mine && arr[i].updated_at > arr[i].created_at ? 1 : 0;
        ev[k].summary = mine ? (arr[i].title[0] ? arr[i].title : names[k].name) : "Busy";
        ev[k].location = names[k].name;
        ev[k].description = mine ? rsv_state_name(arr[i].state) : NULL;
        k++;
    }
    if (rc) { free(ev); free(names); free(arr); return rc; }
    char cal[400];
    snprintf(cal, sizeof cal, "%s%s%s", site.name, resource ? ": " : " bookings", resource && k ? names[0].name : "");
    if (resource && k == 0) {
        res_resource r;
        rc = res_get(db, resource, &r);
        if (rc == 0) snprintf(cal, sizeof cal, "%s: %s", site.name, r.name);
        if (rc == LP_ERR_NOTFOUND) rc = 0;
        if (rc) { free(ev); free(names); free(arr); return rc; }
    }
    /* ORGANIZER only with an address the feed writer accepts as it is. */
    int mail_ok = site.email[0] && strspn(site.email, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789.@+_-") == strlen(site.email);
    struct ics_feed feed = { cal, "labpass.local", mail_ok ? site.email : NULL, now, 60 };
    rc = ics_write(&feed, ev, k, ics, len);
    free(ev);
    free(names);
    free(arr);
    return rc;
}

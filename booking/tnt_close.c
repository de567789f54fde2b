/* tnt_close.c: the bookings and waitlist entries of a tenant that is
 * suspended or offboarded (see tnt_close.h). */
#include "booking/tnt_close.h"
#include "booking/outbox.h"
#include "booking/rsv.h"
#include "booking/waitlist.h"
#include "booking/webhook.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A tenant as webhook receivers get it ("data" of tenant.suspended and
 * tenant.offboarded), with what the change did to its bookings. */
static const char WEBHOOK_TENANT[] =
    "SELECT json_object('id', id, 'name', name, 'status', status) FROM tenants WHERE id = ?1";

int tnt_bookings_parse(const char *text, enum tnt_bookings *out)
{
    if (text && strcmp(text, "keep") == 0) *out = TNT_BOOKINGS_KEEP;
    else if (text && strcmp(text, "cancel") == 0) *out = TNT_BOOKINGS_CANCEL;
    else return LP_ERR_INVALID;
    return 0;
}

const char *tnt_bookings_name(enum tnt_bookings b) { return b == TNT_BOOKINGS_CANCEL ? "cancel" : "keep"; }

/* People with bookings ahead in arr, and how many bookings each: the
 * distinct person ids in order of their first booking. */
struct who { int64_t person_id; size_t bookings; };

static size_t people_of(const rsv_reservation *arr, size_t n, struct who *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < k && out[j].person_id != arr[i].person_id) j++;
        if (j == k) out[k++] = (struct who){ arr[i].person_id, 0 };
        out[j].bookings++;
    }
    return k;
}

int tnt_effects_get(db_t *db, int64_t tenant_id, tnt_effects *out)
{
    rsv_reservation *arr = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    int rc = rsv_tenant_ahead(db, tenant_id, clk_now(), &arr, &n);
    struct who *w = rc == 0 && n ? calloc(n, sizeof *w) : NULL;
    if (rc == 0 && n && !w) rc = LP_ERR_NOMEM;
    if (rc == 0) {
        out->bookings = n;
        out->people = n ? people_of(arr, n, w) : 0;
        rc = wl_count_tenant(db, tenant_id, &out->waiting);
    }
    free(w);
    free(arr);
    return rc;
}

/* The message a person gets about their bookings. */
static int tell(db_t *db, const tnt_tenant *t, enum tnt_state to, enum tnt_bookings b, const struct who *w)
{
    mt_args a = { .tenant = t->name, .count = (int64_t)w->bookings, .cancelled = b == TNT_BOOKINGS_CANCEL };
    return obx_to_person(db, to == TNT_OFFBOARDED ? MT_TENANT_OFFBOARDED : MT_TENANT_SUSPENDED, w->person_id, &a);
}

struct close_args {
    const actor_t *who;
    int64_t id;
    enum tnt_state to;
    enum tnt_bookings b;
    bool notify;
    tnt_effects *done;
    lp_fail *f;
};

static int do_close(db_t *db, void *p)
{
    struct close_args *a = p;
    rsv_reservation *arr = NULL;
    struct who *w = NULL;
    size_t n = 0, k = 0;
    tnt_tenant t;
    int rc = tnt_get(db, a->id, &t);
    if (rc == 0) rc = rsv_tenant_ahead(db, a->id, clk_now(), &arr, &n);
    if (rc == 0 && n && !(w = calloc(n, sizeof *w))) rc = LP_ERR_NOMEM;
    if (rc == 0) k = n ? people_of(arr, n, w) : 0;
    if (rc == 0) rc = tnt_set_state(db, a->who, a->id, a->to, a->f);   /* first: the freed slots go to others */
    if (rc == 0)
        rc = whk_emit(db, a->to == TNT_OFFBOARDED ? WHK_EV_TENANT_OFFBOARDED : WHK_EV_TENANT_SUSPENDED, WEBHOOK_TENANT, a->id);
    if (rc == 0 && a->b == TNT_BOOKINGS_CANCEL) {
        const char *why = a->to == TNT_OFFBOARDED ? "cancelled by the facility: the tenant was offboarded"
                                                   : "cancelled by the facility: the tenant was suspended";
        rc = rsv_cancel_tenant(db, a->who, a->id, why, &a->done->cancelled);
        if (rc == 0) rc = wl_cancel_tenant(db, a->who, a->id, &a->done->cancelled_waiting);
    }
    for (size_t i = 0; rc == 0 && a->notify && i < k; i++) {
        rc = tell(db, &t, a->to, a->b, &w[i]);
        if (rc == 0) a->done->notified++;
    }
    a->done->bookings = n;
    a->done->people = k;
    free(w);
    free(arr);
    return rc;
}

int tnt_close(db_t *db, const actor_t *who, int64_t id, enum tnt_state to, enum tnt_bookings b, bool notify,
              tnt_effects *done, lp_fail *f)
{
    memset(done, 0, sizeof *done);
    if (to == TNT_ACTIVE) return lp_failf(f, LP_ERR_INVALID, "status", "activation is tnt_set_state's");
    if (to == TNT_OFFBOARDED && b == TNT_BOOKINGS_KEEP)
        return lp_failf(f, LP_ERR_RULE, "bookings", "an offboarded tenant keeps no bookings: they are cancelled");
    struct close_args a = { who, id, to, b, notify, done, f };
    int rc = db_in_tx(db, do_close, &a);
    if (rc) memset(done, 0, sizeof *done);
    return rc;
}

/* export.c: a person's data as one document (see export.h). */
#include "privacy/export.h"
#include "access/issuer/issuer.h"
#include "billing/billing.h"
#include "booking/export.h"
#include "booking/person.h"
#include "core/ltime.h"
#include "core/sbuf.h"
#include <stdlib.h>

struct export_args { int64_t person_id, now; char *json; };

static int do_export(db_t *db, void *arg)
{
    struct export_args *a = arg;
    psn_person p;
    int rc = psn_get(db, a->person_id, &p);
    if (rc) return rc;
    char at[LT_RFC3339_LEN];
    lt_format_utc(a->now, at);
    struct sbuf b = { 0 };
    sb_printf(&b, "{\"format\":\"labpass-personal-data-v1\",\"generated_at\":\"%s\"", at);
    rc = exp_run(db, bk_export_sections, bk_export_sections_len, a->person_id, &b);
    if (rc == 0) rc = exp_run(db, iss_export_sections, iss_export_sections_len, a->person_id, &b);
    if (rc == 0) rc = exp_run(db, bill_export_sections, bill_export_sections_len, a->person_id, &b);
    sb_puts(&b, "}");
    size_t len;
    char *out = NULL;
    int taken = sb_take(&b, &out, &len);
    if (rc == 0) rc = taken;
    if (rc) free(out);
    else a->json = out;
    return rc;
}

/* A read transaction (WAL: one snapshot, no write lock) unless the caller
 * has one open. */
int prv_export(db_t *db, int64_t person_id, int64_t now, char **json)
{
    struct export_args a = { person_id, now, NULL };
    *json = NULL;
    int own = sqlite3_get_autocommit(db_handle(db)), rc = 0;
    if (own) rc = db_exec(db, "BEGIN");
    if (rc == 0) rc = do_export(db, &a);
    if (own) {
        int end = db_exec(db, rc ? "ROLLBACK" : "COMMIT");
        if (rc == 0) rc = end;
    }
    if (rc == 0) *json = a.json;
    else free(a.json);
    return rc;
}

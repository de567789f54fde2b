/* erase.c: a person's erasure across every module (see erase.h). */
#include "privacy/erase.h"
#include "access/issuer/issuer.h"
#include "billing/billing.h"
#include "booking/audit_seal.h"
#include "booking/erase.h"
#include "booking/person.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERASE_ALIASES 16   /* names and addresses a person has had, at most */

struct erase_args { const actor_t *who; int64_t id, now; const char *confirm; prv_erase_report *r; lp_fail *f; };

static int longest_first(const void *a, const void *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la < lb ? 1 : la > lb ? -1 : 0;
}

static int check(db_t *db, const struct erase_args *a, psn_person *p)
{
    int rc = psn_get(db, a->id, p);
    if (rc) return rc;
    if (!a->confirm || strcasecmp(a->confirm, p->email) != 0)
        return lp_failf(a->f, LP_ERR_INVALID, "confirm_email", "type the person's e-mail address to confirm");
    size_t n = strlen(p->email), d = strlen(BK_ERASED_DOMAIN);
    if (n > d && strcmp(p->email + n - d, BK_ERASED_DOMAIN) == 0)
        return lp_failf(a->f, LP_ERR_STATE, "person", "this person is erased already");
    if (a->who && a->who->person_id == a->id)
        return lp_failf(a->f, LP_ERR_RULE, "person", "ask another staff member to erase you");
    return 0;
}

static int do_erase(db_t *db, void *arg)
{
    struct erase_args *a = arg;
    psn_person p;
    char name[64], email[80], after[200];
    int rc = check(db, a, &p);
    if (rc) return rc;
    bk_pseudonym(a->id, name, sizeof name, email, sizeof email);
    snprintf(a->r->pseudonym, sizeof a->r->pseudonym, "%s", name);
    rc = iss_erase_person(db, a->who, a->id, a->now, &a->r->passes_revoked);   /* access first */
    if (rc == 0) rc = bk_erase_person(db, a->who, a->id, p.email, a->now);
    int64_t requests = 0;
    if (rc == 0) rc = bill_erase_requests(db, a->id, a->now, &requests);
    char names[ERASE_ALIASES][256], emails[ERASE_ALIASES][256];
    size_t nn = 0, ne = 0;
    if (rc == 0) rc = audit_person_values(db, a->id, "name", p.name, names, ERASE_ALIASES, &nn);
    if (rc == 0) rc = audit_person_values(db, a->id, "email", p.email, emails, ERASE_ALIASES, &ne);
    qsort(names, nn, sizeof names[0], longest_first);   /* "Ann Smith-Jones" before "Ann Smith" */
    for (size_t i = 0; rc == 0 && i < nn; i++) {
        int64_t changed = 0;
        rc = bill_erase_person(db, names[i], name, &changed);
        a->r->charges += changed;
    }
    if (rc == 0) rc = audit_erase(db, a->id, emails, ne, email, names, nn, name, a->now, &a->r->audit_entries);
    snprintf(after, sizeof after, "{\"pseudonym\":\"%s\",\"passes_revoked\":%d,\"audit_entries\":%lld}", name,
             a->r->passes_revoked, (long long)a->r->audit_entries);
    if (rc == 0) rc = audit_add(db, a->who, "erase", "person", a->id, NULL, after);
    return rc;
}

int prv_erase(db_t *db, const actor_t *who, int64_t id, const char *confirm_email, int64_t now, prv_erase_report *r,
              lp_fail *f)
{
    memset(r, 0, sizeof *r);
    struct erase_args a = { who, id, now, confirm_email, r, f };
    return db_in_tx(db, do_erase, &a);
}

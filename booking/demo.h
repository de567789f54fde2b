/* demo.h: the demo data of `make run`: the MedTech Factory site, its labs and
 * equipment, two startup tenants and their people (passwords in README.md). */
#ifndef LP_DEMO_H
#define LP_DEMO_H
#include "db/db.h"
#include "booking/audit.h"

/* Creates the site (defaults) when the database has none. */
int demo_init_site(db_t *db) LP_MUST;
/* Seeds the whole demo into a database without tenants; does nothing (0)
 * when tenants exist already. */
int demo_seed(db_t *db) LP_MUST;

/* Demo hooks for later modules (resources, prices), run inside demo_seed. */
typedef int (*demo_hook)(db_t *db, const actor_t *who);
void demo_on_seed(demo_hook hook);

#endif

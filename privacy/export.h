/* export.h: everything labpass holds about one person, as one JSON document
 * (GDPR art. 15), for the person (GET /api/v1/me/export) and for staff
 * answering an access request (GET /api/v1/people/{id}/export). The
 * document joins the sections each module lists (booking/export.h) under
 * "format": "labpass-personal-data-v1" and "generated_at". */
#ifndef LP_PRIVACY_EXPORT_H
#define LP_PRIVACY_EXPORT_H
#include <stdint.h>
#include "db/db.h"

/* The document for person_id, read in one transaction (so its sections
 * agree). Caller frees *json. LP_ERR_NOTFOUND when there is no such person. */
int prv_export(db_t *db, int64_t person_id, int64_t now, char **json) LP_MUST;

#endif

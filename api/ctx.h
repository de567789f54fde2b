/* ctx.h: what a route handler sees (inside api/ only).
 * A handler reads the request from an api_ctx (method, path parameters,
 * query, parsed JSON body, the authenticated caller and the thread's
 * database connection) and answers with exactly one of the api_reply_*
 * functions. Handlers never touch libmicrohttpd. */
#ifndef LP_API_CTX_H
#define LP_API_CTX_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/account.h"
#include "booking/audit.h"
#include "api/jsonv.h"

#define API_MAX_PARAMS 4
#define API_BODY_MAX (64 * 1024)

struct MHD_Connection;

typedef struct api_ctx {
    const char *method;
    const char *path;                 /* without the query string */
    struct MHD_Connection *conn;      /* for query and headers, via api_query/api_header */
    const char *body;                 /* raw body, NUL-terminated; len bytes */
    size_t body_len;
    int64_t params[API_MAX_PARAMS];   /* numeric path parameters in order ({id}) */
    const char *sparams[API_MAX_PARAMS]; /* text path parameters ({token}); borrowed */
    acct_caller caller;
    actor_t actor;                    /* audit actor for the caller */
    char actor_label[32];
    char client_ip[64];
    char request_id[17];              /* 16 hex digits, random: in the X-Request-Id header and the log */
    db_t *db;
    int tls;
    /* response */
    int status;
    char *resp_body;                  /* malloc'd */
    size_t resp_len;
    const char *resp_type;
    char resp_headers[2048];          /* extra "Name: value\n" lines (a Link header is up to 1.5 KB) */
} api_ctx;

typedef void (*api_handler)(api_ctx *c);

/* Request helpers. Query values are borrowed until the request ends. */
const char *api_query(api_ctx *c, const char *name);
const char *api_header(api_ctx *c, const char *name);
/* Parses the body as a JSON object and checks it against spec (see jsonv.h).
 * On failure the 400/413 reply is already made: the handler just returns. */
json_t *api_body(api_ctx *c, const struct jv_field *spec);
/* Query integers and instants; on a bad value the 400 reply is made and -1 returned. */
int api_query_int(api_ctx *c, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out);
int api_query_time(api_ctx *c, const char *name, int required, int64_t *out);
/* Query parameter that must be one of allowed (NULL-terminated): *out is the
 * value or NULL when absent; any other value, empty included, gets a 400
 * "<name> must be a, b or c" and returns -1. */
int api_query_enum(api_ctx *c, const char *name, const char *const *allowed, const char **out);

/* Replies. The json variants steal the reference to j. */
void api_reply_json(api_ctx *c, int status, json_t *j);
void api_reply_raw(api_ctx *c, int status, const char *type, char *body, size_t len); /* steals body */
void api_reply_empty(api_ctx *c, int status);
/* problem+json (RFC 9457) with a stable type per kind. */
void api_problem(api_ctx *c, int status, const char *kind, const char *title, const char *detail,
                 const char *field);
/* The same with extension members (ext's keys are added, never replacing
 * the standard ones; ext is stolen, may be NULL). */
void api_problem_ext(api_ctx *c, int status, const char *kind, const char *title, const char *detail,
                     const char *field, json_t *ext);
/* Maps an lp_err (and its lp_fail explanation) to the right problem reply. */
void api_fail(api_ctx *c, int err, const lp_fail *f);
void api_fail_ext(api_ctx *c, int err, const lp_fail *f, json_t *ext);
void api_add_header(api_ctx *c, const char *name, const char *value);

/* Visibility helpers. */
int api_is_staff(const api_ctx *c);
/* True when the caller may see objects of tenant_id (staff: all). */
int api_sees_tenant(const api_ctx *c, int64_t tenant_id);
/* True when the caller administers tenant_id (staff or its tenant_admin). */
int api_admins_tenant(const api_ctx *c, int64_t tenant_id);

/* JSON helpers. */
json_t *api_time_json(int64_t t);   /* RFC 3339 in the site zone, null for 0 */

#endif

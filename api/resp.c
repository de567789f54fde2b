/* resp.c: replies for handlers: JSON, raw, empty, and RFC 9457 problems
 * with a stable type URI per kind (urn:labpass:problem:KIND). */
#include "api/ctx.h"
#include "api/jsonw.h"
#include "core/ltime.h"
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_reply_raw(api_ctx *c, int status, const char *type, char *body, size_t len)
{
    free(c->resp_body);
    c->status = status;
    c->resp_type = type;
    c->resp_body = body;
    c->resp_len = len;
}

void api_reply_json(api_ctx *c, int status, json_t *j)
{
    size_t len = 0;
    char *s = jw_dump(j, &len);
    json_decref(j);
    if (!s) {
        api_problem(c, 500, "internal", "Internal error", "the response could not be encoded", NULL);
        return;
    }
    api_reply_raw(c, status, "application/json", s, len);
}

void api_reply_empty(api_ctx *c, int status) { api_reply_raw(c, status, NULL, NULL, 0); }

void api_add_header(api_ctx *c, const char *name, const char *value)
{
    size_t n = strlen(c->resp_headers);
    snprintf(c->resp_headers + n, sizeof c->resp_headers - n, "%s: %s\n", name, value);
}

void api_problem(api_ctx *c, int status, const char *kind, const char *title, const char *detail,
                 const char *field)
{
    api_problem_ext(c, status, kind, title, detail, field, NULL);
}

void api_problem_ext(api_ctx *c, int status, const char *kind, const char *title, const char *detail,
                     const char *field, json_t *ext)
{
    char type[96];
    snprintf(type, sizeof type, "urn:labpass:problem:%s", kind);
    json_t *j = json_pack("{s:s, s:s, s:i}", "type", type, "title", title, "status", status);
    if (detail && *detail) json_object_set_new(j, "detail", json_string(detail));
    if (field && *field) json_object_set_new(j, "field", json_string(field));
    json_object_set_new(j, "instance", json_string(c->path));
    if (ext) {
        json_object_update_missing(j, ext);   /* never overrides the standard members */
        json_decref(ext);
    }
    char *s = jw_dump(j, NULL);
    json_decref(j);
    if (!s) s = strdup("{\"type\":\"urn:labpass:problem:internal\",\"status\":500}");
    api_reply_raw(c, status, "application/problem+json", s, s ? strlen(s) : 0);
}

struct err_map { int err; int status; const char *kind; const char *title; };

static const struct err_map ERRS[] = {
    { LP_ERR_INVALID, 400, "validation", "Invalid request" },
    { LP_ERR_NOTFOUND, 404, "not-found", "Not found" },
    { LP_ERR_CONFLICT, 409, "conflict", "Conflict" },
    { LP_ERR_FORBIDDEN, 403, "forbidden", "Forbidden" },
    { LP_ERR_UNAUTH, 401, "unauthorized", "Authentication required" },
    { LP_ERR_RULE, 422, "rule", "A rule refuses this request" },
    { LP_ERR_TOOBIG, 413, "too-large", "Request too large" },
    { LP_ERR_THROTTLED, 429, "throttled", "Too many attempts" },
    { LP_ERR_STATE, 409, "state", "Not allowed in the current state" },
    { LP_ERR_BUSY, 503, "busy", "Busy, try again" },
    { LP_ERR_CRYPTO, 400, "crypto", "Cryptographic check failed" },
};

void api_fail(api_ctx *c, int err, const lp_fail *f)
{
    api_fail_ext(c, err, f, NULL);
}

void api_fail_ext(api_ctx *c, int err, const lp_fail *f, json_t *ext)
{
    const char *detail = f && f->code == err && f->detail[0] ? f->detail : NULL;
    const char *field = f && f->code == err && f->field[0] ? f->field : NULL;
    for (size_t i = 0; i < sizeof ERRS / sizeof ERRS[0]; i++)
        if (ERRS[i].err == err) {
            api_problem_ext(c, ERRS[i].status, ERRS[i].kind, ERRS[i].title, detail, field, ext);
            return;
        }
    json_decref(ext);
    api_problem(c, 500, "internal", "Internal error", "the request could not be completed", NULL);
}

const char *api_query(api_ctx *c, const char *name)
{
    return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *api_header(api_ctx *c, const char *name)
{
    return MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, name);
}

json_t *api_body(api_ctx *c, const struct jv_field *spec)
{
    json_error_t e;
    char err[200], field[64];
    if (c->body_len == 0) {
        api_problem(c, 400, "malformed-json", "Malformed JSON", "a JSON body is required", NULL);
        return NULL;
    }
    json_t *j = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        snprintf(err, sizeof err, "malformed JSON at line %d column %d: %s", e.line, e.column, e.text);
        api_problem(c, 400, "malformed-json", "Malformed JSON", err, NULL);
        return NULL;
    }
    if (jv_check(j, spec, err, sizeof err, field, sizeof field) != 0) {
        json_decref(j);
        api_problem(c, 400, "validation", "Invalid request", err, field);
        return NULL;
    }
    return j;
}

int api_query_int(api_ctx *c, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out)
{
    const char *v = api_query(c, name);
    char *end = NULL, msg[160];
    *out = def;
    if (!v) return 0;
    long long x = strtoll(v, &end, 10);
    if (!*v || *v == ' ' || *end || x < min || x > max) {   /* empty is not a number */
        snprintf(msg, sizeof msg, "query parameter '%s' must be an integer from %lld to %lld", name,
                 (long long)min, (long long)max);
        api_problem(c, 400, "validation", "Invalid request", msg, name);
        return -1;
    }
    *out = x;
    return 0;
}

int api_query_time(api_ctx *c, const char *name, int required, int64_t *out)
{
    const char *v = api_query(c, name);
    char msg[160];
    if (!v && !required) return 0;   /* an empty value is no time: 400 */
    if (!v || lt_parse_rfc3339(v, out) != 0) {
        snprintf(msg, sizeof msg, "query parameter '%s' must be an RFC 3339 time with offset", name);
        api_problem(c, 400, "validation", "Invalid request", msg, name);
        return -1;
    }
    return 0;
}

int api_query_enum(api_ctx *c, const char *name, const char *const *allowed, const char **out)
{
    const char *v = api_query(c, name);
    *out = v;
    if (!v) return 0;
    size_t n = 0;
    while (allowed[n]) n++;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, allowed[i]) == 0) return 0;
    char msg[200];
    int len = snprintf(msg, sizeof msg, "%s must be ", name);
    for (size_t i = 0; i < n && len > 0 && (size_t)len < sizeof msg; i++)
        len += snprintf(msg + len, sizeof msg - (size_t)len, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                        allowed[i]);
    api_problem(c, 400, "validation", "Invalid request", msg, name);
    return -1;
}

int api_is_staff(const api_ctx *c) { return c->caller.role == ROLE_STAFF; }

int api_sees_tenant(const api_ctx *c, int64_t tenant_id)
{
    return api_is_staff(c) || (tenant_id > 0 && c->caller.tenant_id == tenant_id);
}

int api_admins_tenant(const api_ctx *c, int64_t tenant_id)
{
    return api_is_staff(c) || (c->caller.role == ROLE_TENANT_ADMIN && tenant_id > 0 &&
                               c->caller.tenant_id == tenant_id);
}

json_t *api_time_json(int64_t t)
{
    char buf[LT_RFC3339_LEN];
    if (t == 0) return json_null();
    lt_format(t, buf);
    return json_string(buf);
}

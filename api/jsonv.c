/* jsonv.c: see jsonv.h. */
#include "api/jsonv.h"
#include "core/fail.h"
#include "core/ltime.h"
#include <stdio.h>
#include <string.h>

static const struct jv_field *find(const struct jv_field *spec, const char *name)
{
    for (; spec->name; spec++)
        if (strcmp(spec->name, name) == 0) return spec;
    return NULL;
}

static int check_value(json_t *v, const struct jv_field *f, char *err, size_t errlen)
{
    int64_t maxlen = f->max ? f->max : 1000;
    switch (f->type) {
    case JV_NULLABLE_STRING:
        if (json_is_null(v)) return 0;
        /* fall through */
    case JV_STRING:
        if (!json_is_string(v)) { snprintf(err, errlen, "field '%s' must be a string", f->name); return -1; }
        if ((int64_t)json_string_length(v) > maxlen) {
            snprintf(err, errlen, "field '%s' is longer than %lld bytes", f->name, (long long)maxlen);
            return -1;
        }
        if (strlen(json_string_value(v)) != json_string_length(v)) {
            snprintf(err, errlen, "field '%s' contains a NUL character", f->name);
            return -1;
        }
        return 0;
    case JV_TIME: {
        int64_t t;
        if (!json_is_string(v) || lt_parse_rfc3339(json_string_value(v), &t) != 0) {
            snprintf(err, errlen, "field '%s' must be an RFC 3339 time with offset and a real date", f->name);
            return -1;
        }
        return 0;
    }
    case JV_INT: {
        int64_t max = f->max ? f->max : INT32_MAX;
        if (!json_is_integer(v)) { snprintf(err, errlen, "field '%s' must be an integer", f->name); return -1; }
        json_int_t x = json_integer_value(v);
        if (x < f->min || x > max) {
            snprintf(err, errlen, "field '%s' must be between %lld and %lld", f->name,
                     (long long)f->min, (long long)max);
            return -1;
        }
        return 0;
    }
    case JV_BOOL:
        if (!json_is_boolean(v)) { snprintf(err, errlen, "field '%s' must be true or false", f->name); return -1; }
        return 0;
    case JV_OBJECT:
        if (!json_is_object(v)) { snprintf(err, errlen, "field '%s' must be an object", f->name); return -1; }
        return 0;
    case JV_ARRAY:
        if (!json_is_array(v)) { snprintf(err, errlen, "field '%s' must be an array", f->name); return -1; }
        if (f->max && (int64_t)json_array_size(v) > f->max) {
            snprintf(err, errlen, "field '%s' has more than %lld items", f->name, (long long)f->max);
            return -1;
        }
        return 0;
    }
    return -1;
}

int jv_check(json_t *obj, const struct jv_field *spec, char *err, size_t errlen, char *field,
             size_t fieldlen)
{
    const char *key;
    json_t *v;
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "the body must be a JSON object");
        snprintf(field, fieldlen, "%s", "");
        return -1;
    }
    json_object_foreach(obj, key, v) {
        const struct jv_field *f = find(spec, key);
        if (!f) {
            char safe[64];
            snprintf(safe, sizeof safe, "%s", lp_text_ok(key, 60) ? key : "?");
            snprintf(err, errlen, "unknown field '%s'", safe);
            snprintf(field, fieldlen, "%s", safe);
            return -1;
        }
        if (check_value(v, f, err, errlen) != 0) {
            snprintf(field, fieldlen, "%s", f->name);
            return -1;
        }
    }
    for (; spec->name; spec++)
        if (spec->required && !json_object_get(obj, spec->name)) {
            snprintf(err, errlen, "field '%s' is required", spec->name);
            snprintf(field, fieldlen, "%s", spec->name);
            return -1;
        }
    return 0;
}

const char *jv_str(json_t *obj, const char *name, const char *def)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : def;
}

int64_t jv_int(json_t *obj, const char *name, int64_t def)
{
    json_t *v = json_object_get(obj, name);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

int jv_bool(json_t *obj, const char *name, int def)
{
    json_t *v = json_object_get(obj, name);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

int jv_has(json_t *obj, const char *name) { return json_object_get(obj, name) != NULL; }

void jv_copy(json_t *obj, const char *name, char *dst, size_t dstlen)
{
    json_t *v = json_object_get(obj, name);
    if (json_is_string(v)) snprintf(dst, dstlen, "%s", json_string_value(v));
    else if (json_is_null(v)) dst[0] = '\0';
}

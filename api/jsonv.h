/* jsonv.h: strict validation of JSON request bodies against a field table.
 * Unknown fields, wrong types, missing required fields, over-long strings and
 * out-of-range integers are refused with the name of the offending field. */
#ifndef LP_JSONV_H
#define LP_JSONV_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum jv_type { JV_STRING, JV_INT, JV_BOOL, JV_OBJECT, JV_ARRAY, JV_TIME, JV_NULLABLE_STRING };

struct jv_field {
    const char *name;
    enum jv_type type;
    int required;
    int64_t max;     /* strings: max bytes (0 = 1000); ints: max value (0 = INT32_MAX) */
    int64_t min;     /* ints: min value */
};
#define JV_END { NULL, 0, 0, 0, 0 }

/* Returns 0, or -1 with a sentence in err naming the field. */
int jv_check(json_t *obj, const struct jv_field *spec, char *err, size_t errlen, char *field,
             size_t fieldlen);

/* Getters for validated objects: absent fields give the default. */
const char *jv_str(json_t *obj, const char *name, const char *def);
int64_t jv_int(json_t *obj, const char *name, int64_t def);
int jv_bool(json_t *obj, const char *name, int def);
int jv_has(json_t *obj, const char *name);
/* Copies a string field into dst when present. */
void jv_copy(json_t *obj, const char *name, char *dst, size_t dstlen);

#endif

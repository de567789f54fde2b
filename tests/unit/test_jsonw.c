/* test_jsonw.c: the response serializer writes exactly what jansson's
 * json_dumps(JSON_COMPACT) writes, for hand-picked and random documents,
 * and its output parses back to an equal tree. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "api/jsonw.h"

static void same_as_jansson(json_t *j)
{
    char *a = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 0;
    char *b = jw_dump(j, &len);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    assert_int_equal(len, strlen(b));
    json_t *back = json_loads(b, JSON_DECODE_ANY, NULL);
    assert_non_null(back);
    assert_true(json_equal(back, j));
    json_decref(back);
    free(a);
    free(b);
}

static void test_fixed_documents(void **st)
{
    const char *docs[] = {
        "{}", "[]", "null", "true", "false", "0", "-9223372036854775808", "9223372036854775807", "\"\"",
        "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":\"x\"}",
        "\"quote \\\" backslash \\\\ slash / newline \\n tab \\t cr \\r bs \\b ff \\f\"",
        "\"ctl \\u0001\\u001f del \\u007f\"",
        "\"unicode é ü 中文 😀 \\u2028\"",
        "{\"key with \\\"quotes\\\"\":\"v\",\"\\u0001ctl key\":1}",
        "[1.5, -0.25, 1e300, 3.0, 2.5e-7, -1e-300]",
        "[[[[[[[[[[[[[[[[[[[[\"deep\"]]]]]]]]]]]]]]]]]]]]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_error_t e;
        json_t *j = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
        if (!j) fail_msg("%s: %s", docs[i], e.text);
        same_as_jansson(j);
        json_decref(j);
    }
}

static json_t *random_value(unsigned *seed, int depth)
{
    int kind = depth > 4 ? rand_r(seed) % 4 : rand_r(seed) % 6;
    char s[24];
    switch (kind) {
    case 0: return json_integer((json_int_t)rand_r(seed) - RAND_MAX / 2);
    case 1: {
        size_t n = (size_t)(rand_r(seed) % 20);
        for (size_t i = 0; i < n; i++) s[i] = (char)(1 + rand_r(seed) % 127);
        return json_stringn(s, n);
    }
    case 2: return json_boolean(rand_r(seed) & 1);
    case 3: return json_null();
    case 4: {
        json_t *a = json_array();
        for (int i = rand_r(seed) % 5; i > 0; i--) json_array_append_new(a, random_value(seed, depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (int i = rand_r(seed) % 5; i > 0; i--) {
            char k[8];
            snprintf(k, sizeof k, "k%d", rand_r(seed) % 100);
            json_object_set_new(o, k, random_value(seed, depth + 1));
        }
        return o;
    }
    }
}

static void test_random_documents(void **st)
{
    unsigned seed = 12345;
    for (int i = 0; i < 2000; i++) {
        json_t *j = random_value(&seed, 0);
        same_as_jansson(j);
        json_decref(j);
    }
}

static void test_unrepresentable(void **st)
{
    assert_null(jw_dump(NULL, NULL));
    json_t *a = json_array();
    json_array_append_new(a, json_real(1.0));
    json_real_set(json_array_get(a, 0), INFINITY);
    /* jansson refuses to store a non-finite real; the array holds 1.0 */
    char *s = jw_dump(a, NULL);
    assert_string_equal(s, "[1.0]");
    free(s);
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_documents),
        cmocka_unit_test(test_random_documents),
        cmocka_unit_test(test_unrepresentable),
    };
    return cmocka_run_group_tests_name("jsonw", tests, NULL, NULL);
}

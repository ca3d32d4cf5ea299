/*
 * Tests for the metrics registry: the exact exposition text of a small registry (counter, gauge,
 * histogram, with and without labels), escaping of help texts and label values, label values cut
 * at a character boundary, registration rules (bad names and buckets, idempotent re-registration,
 * conflicting re-registration), the series cap with its overflow series and drop counter, calls
 * of the wrong kind, the default registry, a render into a too-small buffer, and exact sums from
 * four threads incrementing and observing at once (series created while others observe).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/metrics.h"

static const char *render(mnp_metrics_t *reg, mnp_buf_t *b)
{
    mnp_buf_init(b, 1 << 20);
    assert_int_equal(mnp_metrics_render_registry(reg, b), 0);
    return b->data ? b->data : "";
}

static void test_render_exact(void **state)
{
    (void)state;
    mnp_metrics_t *reg;
    assert_int_equal(mnp_metrics_new(0, &reg), 0);
    mnp_metric_t *req, *temp, *lat;
    const char *req_labels[] = {"route", "code"};
    assert_int_equal(
        mnp_metrics_counter(reg, "t_requests_total", "Requests served.", req_labels, 2, &req), 0);
    assert_int_equal(mnp_metrics_gauge(reg, "t_temperature", "A gauge.", NULL, 0, &temp), 0);
    const double buckets[] = {0.1, 0.5, 1};
    const char *lat_labels[] = {"route"};
    assert_int_equal(mnp_metrics_histogram(reg, "t_latency_seconds", "Latency.", lat_labels, 1,
                                           buckets, 3, &lat),
                     0);
    mnp_metrics_inc(req, (const char *[]){"orders", "200"});
    mnp_metrics_add(req, (const char *[]){"orders", "200"}, 4);
    mnp_metrics_inc(req, (const char *[]){"healthz", "200"});
    mnp_metrics_set(temp, NULL, 21.5);
    mnp_metrics_gauge_add(temp, NULL, -0.25);
    mnp_metrics_observe(lat, (const char *[]){"orders"}, 0.05);
    mnp_metrics_observe(lat, (const char *[]){"orders"}, 0.5);
    mnp_metrics_observe(lat, (const char *[]){"orders"}, 3);

    mnp_buf_t b;
    const char *want = "# HELP t_latency_seconds Latency.\n"
                       "# TYPE t_latency_seconds histogram\n"
                       "t_latency_seconds_bucket{route=\"orders\",le=\"0.1\"} 1\n"
                       "t_latency_seconds_bucket{route=\"orders\",le=\"0.5\"} 2\n"
                       "t_latency_seconds_bucket{route=\"orders\",le=\"1\"} 2\n"
                       "t_latency_seconds_bucket{route=\"orders\",le=\"+Inf\"} 3\n"
                       "t_latency_seconds_sum{route=\"orders\"} 3.55\n"
                       "t_latency_seconds_count{route=\"orders\"} 3\n"
                       "# HELP t_requests_total Requests served.\n"
                       "# TYPE t_requests_total counter\n"
                       "t_requests_total{route=\"healthz\",code=\"200\"} 1\n"
                       "t_requests_total{route=\"orders\",code=\"200\"} 5\n"
                       "# HELP t_temperature A gauge.\n"
                       "# TYPE t_temperature gauge\n"
                       "t_temperature 21.25\n";
    assert_string_equal(render(reg, &b), want);
    mnp_buf_fini(&b);
    mnp_metrics_free(reg);
}

static void test_unlabelled_and_empty(void **state)
{
    (void)state;
    mnp_metrics_t *reg;
    assert_int_equal(mnp_metrics_new(0, &reg), 0);
    mnp_metric_t *c, *h, *l;
    assert_int_equal(mnp_metrics_counter(reg, "a_total", "", NULL, 0, &c), 0);
    assert_int_equal(
        mnp_metrics_histogram(reg, "b_seconds", "H", NULL, 0, (const double[]){0.0025, 1e6}, 2, &h),
        0);
    assert_int_equal(mnp_metrics_counter(reg, "c_total", "L", (const char *[]){"x"}, 1, &l), 0);
    mnp_metrics_observe(h, NULL, 2);
    mnp_buf_t b;
    assert_string_equal(render(reg, &b), "# HELP a_total \n"
                                         "# TYPE a_total counter\n"
                                         "a_total 0\n"
                                         "# HELP b_seconds H\n"
                                         "# TYPE b_seconds histogram\n"
                                         "b_seconds_bucket{le=\"0.0025\"} 0\n"
                                         "b_seconds_bucket{le=\"1000000\"} 1\n"
                                         "b_seconds_bucket{le=\"+Inf\"} 1\n"
                                         "b_seconds_sum 2\n"
                                         "b_seconds_count 1\n"
                                         "# HELP c_total L\n"
                                         "# TYPE c_total counter\n");
    mnp_buf_fini(&b);
    mnp_metrics_free(reg);
}

static void test_escaping(void **state)
{
    (void)state;
    mnp_metrics_t *reg;
    assert_int_equal(mnp_metrics_new(0, &reg), 0);
    mnp_metric_t *c;
    assert_int_equal(mnp_metrics_counter(reg, "esc_total", "Back\\slash and\nnewline \"kept\".",
                                         (const char *[]){"v"}, 1, &c),
                     0);
    mnp_metrics_inc(c, (const char *[]){"a\"b\\c\nd"});
    mnp_metrics_inc(c, (const char *[]){NULL});
    mnp_buf_t b;
    assert_string_equal(render(reg, &b), "# HELP esc_total Back\\\\slash and\\nnewline \"kept\".\n"
                                         "# TYPE esc_total counter\n"
                                         "esc_total{v=\"\"} 1\n"
                                         "esc_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
    mnp_buf_fini(&b);
    mnp_metrics_free(reg);
}

static void test_long_value_cut(void **state)
{
    (void)state;
    mnp_metrics_t *reg;
    assert_int_equal(mnp_metrics_new(0, &reg), 0);
    mnp_metric_t *c;
    assert_int_equal(mnp_metrics_counter(reg, "cut_total", "", (const char *[]){"v"}, 1, &c), 0);
    /* 127 ASCII bytes, then a 3-byte character straddling byte 128: cut before it. */
    char v[200];
    memset(v, 'x', 127);
    memcpy(v + 127, "\xe4\xb8\xad", 3);
    v[130] = '\0';
    mnp_metrics_inc(c, (const char *[]){v});
    v[127] = '\0'; /* the same series: the cut value */
    mnp_metrics_inc(c, (const char *[]){v});
    mnp_buf_t b;
    char want[400];
    snprintf(want, sizeof want,
             "# HELP cut_total \n# TYPE cut_total counter\ncut_total{v=\"%s\"} 2\n", v);
    assert_string_equal(render(reg, &b), want);
    mnp_buf_fini(&b);
    mnp_metrics_free(reg);
}

static void test_registration_rules(void **state)
{
    (void)state;
    mnp_metrics_t *reg;
    assert_int_equal(mnp_metrics_new(0, &reg), 0);
    mnp_metric_t *m = NULL, *again = NULL;
    const char *one[] = {"route"};
    const double bk[] = {1, 2};
    assert_int_equal(mnp_metrics_counter(reg, "9bad", "", NULL, 0, &m), MNP_EINVAL);
    assert_null(m);
    assert_int_equal(mnp_metrics_counter(reg, "bad-name", "", NULL, 0, &m), MNP_EINVAL);
    assert_int_equal(mnp_metrics_counter(reg, "ok", "", (const char *[]){"__x"}, 1, &m),
                     MNP_EINVAL);
    assert_int_equal(mnp_metrics_counter(reg, "ok", "", (const char *[]){"a", "a"}, 2, &m),
                     MNP_EINVAL);
    assert_int_equal(
        mnp_metrics_counter(reg, "ok", "", (const char *[]){"a", "b", "c", "d"}, 4, &m),
        MNP_EINVAL);
    assert_int_equal(mnp_metrics_histogram(reg, "h", "", (const char *[]){"le"}, 1, bk, 2, &m),
                     MNP_EINVAL);
    assert_int_equal(mnp_metrics_histogram(reg, "h", "", NULL, 0, (const double[]){2, 2}, 2, &m),
                     MNP_EINVAL);
    assert_int_equal(mnp_metrics_histogram(reg, "h", "", NULL, 0, bk, 0, &m), MNP_EINVAL);
    assert_int_equal(mnp_metrics_new(70000, &(mnp_metrics_t *){NULL}), MNP_EINVAL);

    assert_int_equal(mnp_metrics_counter(reg, "ns:ok_total", "first", one, 1, &m), 0);
    assert_int_equal(mnp_metrics_counter(reg, "ns:ok_total", "other help", one, 1, &again), 0);
    assert_ptr_equal(m, again);
    assert_int_equal(mnp_metrics_gauge(reg, "ns:ok_total", "", one, 1, &again), MNP_EEXIST);
    assert_int_equal(mnp_metrics_counter(reg, "ns:ok_total", "", NULL, 0, &again), MNP_EEXIST);
    assert_int_equal(mnp_metrics_histogram(reg, "hh", "", NULL, 0, bk, 2, &m), 0);
    assert_int_equal(mnp_metrics_histogram(reg, "hh", "", NULL, 0, (const double[]){1, 3}, 2, &m),
                     MNP_EEXIST);

    /* Calls of the wrong kind change nothing. */
    assert_int_equal(mnp_metrics_gauge(reg, "g", "", NULL, 0, &m), 0);
    mnp_metrics_inc(m, NULL);
    mnp_metrics_observe(m, NULL, 5);
    mnp_buf_t b;
    assert_non_null(strstr(render(reg, &b), "\ng 0\n"));
    mnp_buf_fini(&b);
    mnp_metrics_free(reg);
}

/* A table registers each metric as its kind, and stops at the first it cannot take. */
static void test_register_all(void **state)
{
    (void)state;
    mnp_metrics_t *reg;
    assert_int_equal(mnp_metrics_new(0, &reg), 0);
    static const char *const op[] = {"operator"};
    mnp_metric_t *g = NULL, *c = NULL, *bad = NULL, *after = NULL;
    const mnp_metric_def_t defs[] = {
        {true, "t_gauge", "a gauge", op, 1, &g},
        {false, "t_total", "a counter", NULL, 0, &c},
        {true, "9bad", "", NULL, 0, &bad},
        {true, "t_after", "", NULL, 0, &after},
    };
    assert_int_equal(mnp_metrics_register_all(reg, defs, 4), MNP_EINVAL);
    assert_non_null(g);
    assert_non_null(c);
    assert_null(bad);
    assert_null(after);
    mnp_metrics_set(g, (const char *[]){"CMCC"}, 3);
    mnp_metrics_inc(c, NULL);
    mnp_buf_t b;
    const char *text = render(reg, &b);
    assert_non_null(strstr(text, "# TYPE t_gauge gauge\nt_gauge{operator=\"CMCC\"} 3\n"));
    assert_non_null(strstr(text, "# TYPE t_total counter\nt_total 1\n"));
    assert_null(strstr(text, "t_after"));
    mnp_buf_fini(&b);
    mnp_metrics_free(reg);
}

static void test_series_cap(void **state)
{
    (void)state;
    mnp_metrics_t *reg;
    assert_int_equal(mnp_metrics_new(4, &reg), 0);
    mnp_metric_t *c;
    assert_int_equal(mnp_metrics_counter(reg, "cap_total", "", (const char *[]){"id"}, 1, &c), 0);
    char v[16];
    for (int i = 0; i < 10; i++) {
        snprintf(v, sizeof v, "v%d", i);
        mnp_metrics_inc(c, (const char *[]){v});
    }
    mnp_metrics_inc(c, (const char *[]){"v0"}); /* existing series keep counting */
    assert_int_equal(mnp_metrics_dropped(c), 6);
    mnp_buf_t b;
    assert_string_equal(render(reg, &b),
                        "# HELP cap_total \n# TYPE cap_total counter\n"
                        "cap_total{id=\"other\"} 6\n"
                        "cap_total{id=\"v0\"} 2\n"
                        "cap_total{id=\"v1\"} 1\n"
                        "cap_total{id=\"v2\"} 1\n"
                        "cap_total{id=\"v3\"} 1\n"
                        "# HELP mnp_metrics_series_dropped_total Observations sent to the "
                        "overflow series because a metric had reached its series limit.\n"
                        "# TYPE mnp_metrics_series_dropped_total counter\n"
                        "mnp_metrics_series_dropped_total{metric=\"cap_total\"} 6\n");
    mnp_buf_fini(&b);
    mnp_metrics_free(reg);

    /* The default cap. */
    assert_int_equal(mnp_metrics_new(0, &reg), 0);
    assert_int_equal(mnp_metrics_counter(reg, "d_total", "", (const char *[]){"id"}, 1, &c), 0);
    for (int i = 0; i < MNP_METRICS_SERIES_DEFAULT + 44; i++) {
        snprintf(v, sizeof v, "%d", i);
        mnp_metrics_inc(c, (const char *[]){v});
    }
    assert_int_equal(mnp_metrics_dropped(c), 44);
    mnp_metrics_free(reg);
}

static void test_render_limit(void **state)
{
    (void)state;
    mnp_metrics_t *reg;
    assert_int_equal(mnp_metrics_new(0, &reg), 0);
    mnp_metric_t *c;
    assert_int_equal(mnp_metrics_counter(reg, "lim_total", "help", NULL, 0, &c), 0);
    mnp_buf_t b;
    mnp_buf_init(&b, 16);
    assert_int_equal(mnp_metrics_render_registry(reg, &b), MNP_ELIMIT);
    mnp_buf_fini(&b);
    mnp_metrics_free(reg);
}

static void test_default_registry(void **state)
{
    (void)state;
    mnp_metrics_t *d = mnp_metrics_default();
    assert_non_null(d);
    assert_ptr_equal(d, mnp_metrics_default());
    mnp_metrics_free(d); /* ignored */
    mnp_metric_t *c;
    assert_int_equal(mnp_metrics_counter(NULL, "test_default_total", "D.", NULL, 0, &c), 0);
    mnp_metrics_add(c, NULL, 7);
    mnp_buf_t b;
    mnp_buf_init(&b, 1 << 20);
    assert_int_equal(mnp_metrics_render(&b), 0);
    assert_non_null(strstr(b.data, "\ntest_default_total 7\n"));
    mnp_buf_fini(&b);
}

#define THREADS 4
#define ITERS   100000

struct worker {
    mnp_metric_t *counter, *hist;
    int id;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char v[8];
    for (int i = 0; i < ITERS; i++) {
        /* Every thread touches every series, so creation races with observation. */
        snprintf(v, sizeof v, "s%d", (i + w->id) % 8);
        mnp_metrics_inc(w->counter, (const char *[]){v, "x"});
        mnp_metrics_observe(w->hist, NULL, (double)(i % 4));
    }
    return NULL;
}

static void test_concurrent_exact(void **state)
{
    (void)state;
    mnp_metrics_t *reg;
    assert_int_equal(mnp_metrics_new(0, &reg), 0);
    mnp_metric_t *c, *h;
    assert_int_equal(mnp_metrics_counter(reg, "con_total", "", (const char *[]){"s", "t"}, 2, &c),
                     0);
    assert_int_equal(
        mnp_metrics_histogram(reg, "con_seconds", "", NULL, 0, (const double[]){1.5}, 1, &h), 0);
    pthread_t t[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){c, h, i};
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);

    mnp_buf_t b;
    const char *text = render(reg, &b);
    unsigned long long total = 0;
    for (int s = 0; s < 8; s++) {
        char key[64];
        snprintf(key, sizeof key, "con_total{s=\"s%d\",t=\"x\"} ", s);
        const char *p = strstr(text, key);
        assert_non_null(p);
        unsigned long long n = strtoull(p + strlen(key), NULL, 10);
        assert_int_equal(n, THREADS * ITERS / 8);
        total += n;
    }
    assert_int_equal(total, THREADS * ITERS);
    char want[256];
    /* i % 4 in {0,1,2,3}: half the observations are <= 1.5; the sum is exact in a double. */
    snprintf(want, sizeof want,
             "con_seconds_bucket{le=\"1.5\"} %d\ncon_seconds_bucket{le=\"+Inf\"} %d\n"
             "con_seconds_sum %d\ncon_seconds_count %d\n",
             THREADS * ITERS / 2, THREADS * ITERS, THREADS * ITERS / 4 * 6, THREADS * ITERS);
    assert_non_null(strstr(text, want));
    assert_int_equal(mnp_metrics_dropped(c), 0);
    mnp_buf_fini(&b);
    mnp_metrics_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_exact),       cmocka_unit_test(test_unlabelled_and_empty),
        cmocka_unit_test(test_escaping),           cmocka_unit_test(test_long_value_cut),
        cmocka_unit_test(test_registration_rules), cmocka_unit_test(test_series_cap),
        cmocka_unit_test(test_render_limit),       cmocka_unit_test(test_default_registry),
        cmocka_unit_test(test_concurrent_exact),   cmocka_unit_test(test_register_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

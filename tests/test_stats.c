/* test_stats.c — the report's statistics and its metadata CSV reader.
 *  - Pearson, Spearman and Kendall tau-b against values computed outside
 *    dsesweep (scipy.stats 1.10.1, quoted below) and against textbook
 *    formulas re-implemented here (no ties: 1 - 6 sum d^2 / (n (n^2 - 1)) and
 *    (C - D) / (n (n - 1) / 2));
 *  - average ranks with ties; the least-squares line; bootstrap intervals
 *    (deterministic per seed, containing the estimate, degenerate cases NaN);
 *  - the timm results-imagenet.csv format: quoted thousands ("1,014.45"),
 *    doubled quotes and commas inside quotes; ragged rows, a missing file, a
 *    duplicate header and bad quoting refused with exact messages. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dsesweep/csv_table.h"
#include "dsesweep/stats.h"

static const char *data_dir;

/* Textbook Spearman (no ties) and Kendall (no ties), written independently. */
static double spearman_no_ties(const double *x, const double *y, int n)
{
    double d2 = 0;
    for (int i = 0; i < n; ++i) {
        int rx = 1, ry = 1;
        for (int j = 0; j < n; ++j) {
            rx += x[j] < x[i];
            ry += y[j] < y[i];
        }
        d2 += (double)(rx - ry) * (rx - ry);
    }
    return 1 - 6 * d2 / ((double)n * ((double)n * n - 1));
}

static double kendall_no_ties(const double *x, const double *y, int n)
{
    int c = 0, d = 0;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < i; ++j)
            if ((x[i] - x[j]) * (y[i] - y[j]) > 0)
                c++;
            else
                d++;
    return (double)(c - d) / (n * (n - 1) / 2.0);
}

static void test_coefficients(void)
{
    /* No ties. scipy: pearsonr 0.7575757575757577, spearmanr 0.7575757575757575,
     * kendalltau 0.6. */
    const double x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, y[10] = {2, 1, 4, 3, 7, 8, 6, 9, 10, 5};
    CHECK_REL(dse_pearson(x, y, 10), 0.7575757575757577, 1e-14, "pearson, no ties");
    CHECK_REL(dse_spearman(x, y, 10), 0.7575757575757575, 1e-14, "spearman, no ties");
    CHECK_REL(dse_kendall(x, y, 10), 0.6, 1e-14, "kendall, no ties");
    CHECK_REL(dse_spearman(x, y, 10), spearman_no_ties(x, y, 10), 1e-14,
              "spearman vs 1 - 6 sum d^2");
    CHECK_REL(dse_kendall(x, y, 10), kendall_no_ties(x, y, 10), 1e-14,
              "kendall vs (C - D) / pairs");
    /* Ties in both. scipy: pearsonr 0.8556709347507181, spearmanr
     * 0.8510794409931051, kendalltau (tau-b) 0.7205766921228922. */
    const double a[8] = {1, 2, 2, 3, 4, 4, 4, 5}, b[8] = {1.5, 1.0, 2.5, 2.5, 3.0, 4.5, 4.0, 4.0};
    CHECK_REL(dse_pearson(a, b, 8), 0.8556709347507181, 1e-14, "pearson, ties");
    CHECK_REL(dse_spearman(a, b, 8), 0.8510794409931051, 1e-14, "spearman, ties");
    CHECK_REL(dse_kendall(a, b, 8), 0.7205766921228922, 1e-14, "kendall tau-b, ties");
    double ranks[8];
    const double want_ranks[8] = {1, 2.5, 2.5, 4, 6, 6, 6, 8}; /* scipy.stats.rankdata */
    CHECK(dse_average_ranks(a, 8, ranks) == 0, "ranks");
    for (int i = 0; i < 8; ++i)
        CHECK(ranks[i] == want_ranks[i], "rank %d: %g want %g", i, ranks[i], want_ranks[i]);
    /* Invariances and edges. */
    double neg[10], mono[10];
    for (int i = 0; i < 10; ++i) {
        neg[i] = -y[i];
        mono[i] = exp(y[i]); /* monotone: rank coefficients unchanged */
    }
    CHECK_REL(dse_pearson(x, neg, 10), -0.7575757575757577, 1e-14, "pearson sign flip");
    CHECK_REL(dse_spearman(x, mono, 10), 0.7575757575757575, 1e-14, "spearman under exp");
    CHECK_REL(dse_kendall(x, mono, 10), 0.6, 1e-14, "kendall under exp");
    CHECK(dse_pearson(x, mono, 10) != dse_spearman(x, mono, 10), "pearson is not rank-based");
    const double flat[4] = {3, 3, 3, 3};
    for (int k = 0; k < DSE_N_CORRELATIONS; ++k) {
        CHECK(isnan(dse_correlation((dse_correlation_t)k, x, flat, 4)), "%s of a constant is NaN",
              dse_correlation_name((dse_correlation_t)k));
        CHECK(isnan(dse_correlation((dse_correlation_t)k, x, y, 1)), "%s of one pair is NaN",
              dse_correlation_name((dse_correlation_t)k));
    }
    CHECK_REL(dse_pearson(x, x, 10), 1.0, 1e-15, "pearson of x with itself");
}

static void test_line_and_bootstrap(void)
{
    const double x[6] = {0, 1, 2, 3, 4, 5}, y[6] = {1, 3, 5, 7, 9, 11};
    double slope, intercept;
    dse_line_fit(x, y, 6, &slope, &intercept);
    CHECK_REL(slope, 2.0, 1e-14, "slope of y = 1 + 2x");
    CHECK_REL(intercept, 1.0, 1e-14, "intercept of y = 1 + 2x");
    const double flat[3] = {2, 2, 2};
    dse_line_fit(flat, y, 3, &slope, &intercept);
    CHECK(isnan(slope) && isnan(intercept), "no line through a constant x");

    /* 40 noisy pairs with a clear positive relation. */
    double bx[40], by[40];
    for (int i = 0; i < 40; ++i) {
        bx[i] = i;
        by[i] = i + 8.0 * sin(1.7 * i); /* deterministic "noise" */
    }
    for (int k = 0; k < DSE_N_CORRELATIONS; ++k) {
        dse_correlation_t kind = (dse_correlation_t)k;
        double lo, hi, lo2, hi2, lo3, hi3;
        double r = dse_correlation(kind, bx, by, 40);
        CHECK(dse_bootstrap_interval(kind, bx, by, 40, 2000, 0.95, 7, &lo, &hi) == 0, "bootstrap");
        CHECK(lo < r && r < hi && hi <= 1 && lo > 0, "%s: %g in [%g, %g] within (0, 1]",
              dse_correlation_name(kind), r, lo, hi);
        dse_bootstrap_interval(kind, bx, by, 40, 2000, 0.95, 7, &lo2, &hi2);
        CHECK(lo == lo2 && hi == hi2, "%s: same seed, same interval", dse_correlation_name(kind));
        dse_bootstrap_interval(kind, bx, by, 40, 2000, 0.95, 8, &lo3, &hi3);
        CHECK(lo != lo3 || hi != hi3, "%s: another seed, another interval",
              dse_correlation_name(kind));
        dse_bootstrap_interval(kind, bx, by, 40, 2000, 0.50, 7, &lo3, &hi3);
        CHECK(lo3 >= lo && hi3 <= hi && hi3 - lo3 < hi - lo,
              "%s: a 50%% interval lies inside the 95%% one", dse_correlation_name(kind));
        dse_bootstrap_interval(kind, bx, by, 4, 2000, 0.95, 7, &lo, &hi);
        CHECK(isnan(lo) && isnan(hi), "%s: no interval from 4 pairs", dse_correlation_name(kind));
    }
}

static void test_numbers(void)
{
    struct {
        const char *text;
        int ok;
        double want;
    } cases[] = {{"1,014.45", 1, 1014.45},
                 {" 86.57 ", 1, 86.57},
                 {"+2", 1, 2},
                 {"12,345,678", 1, 12345678},
                 {"97.5%", 1, 97.5},
                 {"-0.25", 1, -0.25},
                 {"1e3", 1, 1000},
                 {"", 0, 0},
                 {"n/a", 0, 0},
                 {"nan", 0, 0},
                 {"inf", 0, 0},
                 {"1,,0", 0, 0},
                 {",5", 0, 0},
                 {"3 4", 0, 0},
                 {"bicubic", 0, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
        double v = -1;
        int rc = dse_parse_number(cases[i].text, &v);
        CHECK((rc == 0) == cases[i].ok, "'%s' parses: %d want %d", cases[i].text, rc == 0,
              cases[i].ok);
        if (cases[i].ok)
            CHECK(v == cases[i].want, "'%s' = %.17g want %.17g", cases[i].text, v, cases[i].want);
    }
}

static const char *write_file(const char *name, const char *text)
{
    static char path[4][1024];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 1024, "%s/%s", data_dir, name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    return p;
}

static void test_csv(const char *timm)
{
    dse_csv_table_t t;
    dse_err_t err;
    CHECK(dse_csv_read(timm, &t, &err) == DSE_OK, "%s", err.msg);
    CHECK(t.n_cols == 9 && t.n_rows == 6, "timm sample: %zu columns, %zu rows", t.n_cols, t.n_rows);
    long model = dse_csv_column(&t, "model"), params = dse_csv_column(&t, "param_count"),
         top1 = dse_csv_column(&t, "top1");
    CHECK(model == 0 && top1 == 1 && params == 5 && dse_csv_column(&t, "nope") == -1,
          "timm columns");
    if (t.n_rows == 6 && params == 5) {
        double v;
        CHECK(!strcmp(dse_csv_cell(&t, 0, 5), "1,014.45"), "quoted cell kept whole: '%s'",
              dse_csv_cell(&t, 0, 5));
        CHECK(dse_parse_number(dse_csv_cell(&t, 0, 5), &v) == 0 && v == 1014.45,
              "param_count 1,014.45");
        CHECK(dse_parse_number(dse_csv_cell(&t, 1, 1), &v) == 0 && v == 90.052, "top1 90.052");
        CHECK(!strcmp(dse_csv_cell(&t, 5, 0), "model \"quoted\", with comma"),
              "doubled quotes and a comma: '%s'", dse_csv_cell(&t, 5, 0));
        CHECK(!strcmp(dse_csv_cell(&t, 4, 8), "bicubic"), "last column");
    }
    dse_csv_free(&t);
    dse_csv_free(&t); /* safe twice */

    /* CRLF line ends, a blank line, a newline inside quotes. */
    const char *p = write_file("crlf.csv", "model,top1\r\na,1\r\n\r\n\"b\nc\",2\r\n");
    CHECK(dse_csv_read(p, &t, &err) == DSE_OK, "%s", err.msg);
    CHECK(t.n_rows == 2 && !strcmp(dse_csv_cell(&t, 1, 0), "b\nc") &&
              !strcmp(dse_csv_cell(&t, 1, 1), "2"),
          "CRLF, blank line and embedded newline");
    dse_csv_free(&t);

    char want[2048];
    p = write_file("ragged.csv", "model,top1\na,1\nb,2,3\n");
    CHECK(dse_csv_read(p, &t, &err) == DSE_EFORMAT, "ragged row refused");
    snprintf(want, sizeof want, "%s: line 3: 3 fields where the header has 2", p);
    CHECK(!strcmp(err.msg, want), "message '%s'", err.msg);
    p = write_file("dup.csv", "model,top1,model\na,1,2\n");
    CHECK(dse_csv_read(p, &t, &err) == DSE_EFORMAT, "duplicate column refused");
    snprintf(want, sizeof want, "%s: line 1: column 'model' appears twice in the header", p);
    CHECK(!strcmp(err.msg, want), "message '%s'", err.msg);
    p = write_file("quote.csv", "model,top1\na,\"1\"x\n");
    CHECK(dse_csv_read(p, &t, &err) == DSE_EFORMAT, "bad quoting refused");
    CHECK(strstr(err.msg, "line 2: malformed CSV") != NULL, "message '%s'", err.msg);
    p = write_file("unterminated.csv", "model,top1\na,\"1\n");
    CHECK(dse_csv_read(p, &t, &err) == DSE_EFORMAT, "unterminated quote refused");
    CHECK(strstr(err.msg, "malformed CSV") != NULL, "message '%s'", err.msg);
    p = write_file("empty.csv", "");
    CHECK(dse_csv_read(p, &t, &err) == DSE_EFORMAT, "empty file refused");
    snprintf(want, sizeof want, "%s: empty CSV (no header row)", p);
    CHECK(!strcmp(err.msg, want), "message '%s'", err.msg);
    snprintf(want, sizeof want, "%s/missing.csv", data_dir);
    CHECK(dse_csv_read(want, &t, &err) == DSE_EIO, "missing file refused");
    CHECK(strstr(err.msg, "missing.csv: cannot open: No such file or directory") != NULL,
          "message '%s'", err.msg);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_stats TIMM_SAMPLE.csv TMPDIR\n");
        return 2;
    }
    data_dir = argv[2];
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", data_dir);
    if (system(cmd) != 0) return 2;
    test_coefficients();
    test_line_and_bootstrap();
    test_numbers();
    test_csv(argv[1]);
    return check_summary("stats_and_csv");
}

/* report_cmd.c — `dsesweep report`: per-run tables, a ranking, correlations
 * with a metadata CSV, and plots. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dsesweep/csv_table.h"
#include "dsesweep/plot.h"
#include "dsesweep/report_page.h"
#include "dsesweep/results_table.h"
#include "dsesweep/score.h"
#include "dsesweep/stats.h"
#include "dsesweep/store.h"
#include "report_html.h"

typedef struct {
    const char *store, *metadata, *key, *target, *rank_by, *out;
    const char *html;         /* the page's path: --html FILE, else OUT/index.html, else NULL */
    const char *columns;      /* --columns LIST or "all"; NULL: the default */
    const char *control;      /* comma list of metadata covariates, or NULL */
    const char *family_regex; /* POSIX ERE on the join key, or NULL */
    size_t top, resamples;
    unsigned long long seed;
    long rank_col; /* the ranking column, resolved (resolve_column) */
} report_opts_t;

static int usage(FILE *o, int status)
{
    fprintf(o, "usage: dsesweep report STORE [--rank-by COLUMN] [--top K] [--columns LIST|all]\n"
               "                       [--metadata FILE.csv [--key COLUMN] [--target COLUMN]\n"
               "                        [--control COL[,COL...]] [--family-regex RE]\n"
               "                        [--bootstrap B] [--seed S]] [--out DIR] [--html FILE]\n\n"
               "Prints, from a store (plus any journal a running or stopped sweep left):\n"
               "  - per run, the quantities over steps (sorted by step) and the change from\n"
               "    the first to the last step; failed tasks show as ERR. The columns are\n"
               "    --columns LIST: items such as DSE, DSMI(t=2), DSE(sigma=median) (each\n"
               "    picks every column of that quantity with those parameters), or 'all';\n"
               "    default DSE and DSMI at the config's first t and first sigma rule;\n"
               "  - a ranking by one column (default: the first DSMI column under the first\n"
               "    sigma rule the config lists, else the first column; a bare quantity or\n"
               "    DSMI(t=2) also means its column under that rule):\n"
               "    runs by their last step's value, or the steps of a single run; --top K\n"
               "    rows (default 20, 0 for all);\n"
               "  - with --metadata, a join of each run's last-step values with the CSV row\n"
               "    whose --key column (default 'model') equals the run name, and the\n"
               "    Pearson, Spearman and Kendall (tau-b) correlations of every column with\n"
               "    the --target column (default 'top1'), each with a percentile bootstrap\n"
               "    95%% interval (--bootstrap B resamples, default 2000, seeded by --seed,\n"
               "    default 0), and the counts of rows joined and not joined. Numbers such as\n"
               "    \"1,014.45\" parse as 1014.45;\n"
               "  - with --control COLS, partial Pearson and Spearman correlations given those\n"
               "    metadata columns (residual method; Spearman on ranks), with intervals;\n"
               "  - with --family-regex RE (POSIX extended, e.g. '^([a-z]+)'), the same per\n"
               "    family of the join key (its first capture group): n and Pearson/Spearman\n"
               "    with intervals, for the ranking column;\n"
               "  - a bandwidth check: checkpoints whose sigma is outside [0.05, 20] x their\n"
               "    median pairwise distance (the kernel is nearly diagonal or nearly constant);\n"
               "  - in the ranking, value +- its standard error (DSE over subsample repeats,\n"
               "    MI over its subset draws) and whether each model differs from the next\n"
               "    by more than their combined standard errors (sqrt(se1^2 + se2^2)).\n"
               "With --out DIR it also writes PNG plots (gnuplot) with a CSV of the plotted\n"
               "numbers beside each: over_steps_COLUMN (one line per run) when a run has\n"
               "several steps, TARGET_vs_COLUMN (scatter, least-squares line, r in the title)\n"
               "with --metadata, plus ranking.csv and correlations.csv, and the page below as\n"
               "DIR/index.html.\n"
               "With --html FILE (default DIR/index.html with --out DIR) it writes the report as\n"
               "one self-contained HTML page that opens from disk with no network: the\n"
               "overview, every column over steps with +- SE bands, the scatters against the\n"
               "target with hover and the correlations, the ranking and a sortable table.\n");
    return status;
}

static int parse_size(const char *text, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (!*text || *end || text[0] == '-') return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_args(int argc, char **argv, report_opts_t *o)
{
    *o = (report_opts_t){.key = "model", .target = "top1", .top = 20, .resamples = 2000};
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t num;
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return usage(stdout, 0) - 1;
        else if (!strcmp(a, "--metadata") && v)
            o->metadata = argv[++i];
        else if (!strcmp(a, "--key") && v)
            o->key = argv[++i];
        else if (!strcmp(a, "--target") && v)
            o->target = argv[++i];
        else if (!strcmp(a, "--rank-by") && v)
            o->rank_by = argv[++i];
        else if (!strcmp(a, "--control") && v)
            o->control = argv[++i];
        else if (!strcmp(a, "--family-regex") && v)
            o->family_regex = argv[++i];
        else if (!strcmp(a, "--out") && v)
            o->out = argv[++i];
        else if (!strcmp(a, "--html") && v)
            o->html = argv[++i];
        else if (!strcmp(a, "--columns") && v)
            o->columns = argv[++i];
        else if (!strcmp(a, "--top") && v && parse_size(v, &num) == 0)
            o->top = num, ++i;
        else if (!strcmp(a, "--bootstrap") && v && parse_size(v, &num) == 0 && num >= 100)
            o->resamples = num, ++i;
        else if (!strcmp(a, "--seed") && v && parse_size(v, &num) == 0)
            o->seed = num, ++i;
        else if (!o->store && a[0] != '-')
            o->store = a;
        else {
            fprintf(stderr, "dsesweep report: bad argument '%s' (see `dsesweep report --help`)\n",
                    a);
            return 2;
        }
    }
    if (!o->store) {
        fprintf(stderr, "dsesweep report: needs STORE (see `dsesweep report --help`)\n");
        return 2;
    }
    return 0;
}

/* Width of the widest column name, at least min. */
static int name_width(const dse_results_table_t *t, int min)
{
    int w = min;
    for (size_t j = 0; j < t->n_cols; ++j)
        if ((int)strlen(t->cols[j]) > w) w = (int)strlen(t->cols[j]);
    return w;
}

/* Width of column j in the per-run tables: its name, at least 14. */
static int col_width(const dse_results_table_t *t, size_t j)
{
    int w = (int)strlen(t->cols[j]);
    return w > 14 ? w : 14;
}

/* Per run: the columns over steps and the change from first to last. */
/* A row's step in the first column ("-": no step, one checkpoint per run). */
static void print_step(int64_t step)
{
    if (step < 0)
        printf("%-8s", "-");
    else
        printf("%-8lld", (long long)step);
}

/* The bounded method's intervals of rows [r, end) (one run), for the
 * columns that have any: "[lower, upper]", "*" when statistical, "-" where
 * the value is exact. Nothing when the run has none. */
static void print_run_intervals(const dse_results_table_t *t, size_t r, size_t end,
                                const char *show)
{
    char *has = calloc(t->n_cols + 1, 1);
    int any = 0;
    double lo, hi;
    for (size_t j = 0; has && j < t->n_cols; ++j)
        for (size_t i = r; i < end && show[j]; ++i)
            if (dse_results_interval(t, i, j, &lo, &hi)) any = has[j] = 1;
    if (any) {
        printf("intervals (bounded method; a value is their midpoint, nan when wider than tol; "
               "* statistical, else certified)\n%-8s",
               "step");
        for (size_t j = 0; j < t->n_cols; ++j)
            if (has[j]) printf(" %24s", t->cols[j]);
        printf("\n");
        for (size_t i = r; i < end; ++i) {
            print_step(t->rows[i].step);
            for (size_t j = 0; j < t->n_cols; ++j) {
                if (!has[j]) continue;
                char cell[64] = "-";
                if (dse_results_interval(t, i, j, &lo, &hi))
                    snprintf(cell, sizeof cell, "[%.5f, %.5f]%s", lo, hi,
                             t->statistical[i * t->n_cols + j] ? "*" : "");
                printf(" %24s", cell);
            }
            printf("\n");
        }
    }
    free(has);
}

static void print_run_tables(const dse_results_table_t *t, const char *show)
{
    for (size_t run = 0; run < t->n_runs; ++run) {
        size_t r = t->run_begin[run], end = t->run_begin[run + 1];
        printf("\nrun %s\n%-8s", t->rows[r].run, "step");
        for (size_t j = 0; j < t->n_cols; ++j)
            if (show[j]) printf(" %*s", col_width(t, j), t->cols[j]);
        printf("\n");
        for (size_t i = r; i < end; ++i) {
            print_step(t->rows[i].step);
            for (size_t j = 0; j < t->n_cols; ++j) {
                if (!show[j]) continue;
                int32_t st = t->status[i * t->n_cols + j];
                if (st < 0)
                    printf(" %*s", col_width(t, j), "-");
                else if (st > 0)
                    printf(" %*s", col_width(t, j), "ERR");
                else
                    printf(" %*.5f", col_width(t, j), dse_results_value(t, i, j));
            }
            printf("\n");
        }
        if (end - r > 1) {
            printf("%-8s", "change");
            for (size_t j = 0; j < t->n_cols; ++j) {
                if (!show[j]) continue;
                /* first and last steps with a value (two at least) */
                double first = NAN, last = NAN;
                int values = 0;
                for (size_t i = r; i < end; ++i) {
                    double v = dse_results_value(t, i, j);
                    if (!isfinite(v)) continue;
                    if (!values++) first = v;
                    last = v;
                }
                if (values > 1)
                    printf(" %+*.5f", col_width(t, j), last - first);
                else
                    printf(" %*s", col_width(t, j), "-");
            }
            printf("\n");
        }
        print_run_intervals(t, r, end, show);
    }
}

typedef struct {
    size_t row;
    double value;
} ranked_t;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->value != y->value) return x->value > y->value ? -1 : 1; /* descending */
    return (x->row > y->row) - (x->row < y->row);
}

/* Rows the ranking and the join use for column col: each run's last step
 * with a value in col, or, when the store holds a single run, its every step
 * with a value. Returns their count; *single_run says which. */
static size_t ranking_rows(const dse_results_table_t *t, size_t col, size_t *rows, int *single_run)
{
    size_t n = 0;
    *single_run = t->n_runs == 1;
    for (size_t run = 0; run < t->n_runs; ++run) {
        size_t best = SIZE_MAX;
        for (size_t r = t->run_begin[run]; r < t->run_begin[run + 1]; ++r) {
            if (!isfinite(dse_results_value(t, r, col))) continue;
            if (*single_run)
                rows[n++] = r;
            else
                best = r;
        }
        if (best != SIZE_MAX) rows[n++] = best;
    }
    return n;
}

/* What the bounded method (docs/bounded.md) gave: how many values came from
 * partial spectra, of which kind, and the intervals wider than tol (they
 * have no value: "nan" above), each named. */
static void print_bounded(const dse_store_t *s)
{
    size_t certified = 0, statistical = 0, wide = 0;
    for (size_t i = 0; i < s->n_results; ++i) {
        const dse_store_result_t *r = &s->results[i];
        if (r->status || !r->interval[0]) continue;
        certified += !strcmp(r->interval, "certified");
        statistical += !strcmp(r->interval, "statistical");
        wide += !isfinite(r->value);
    }
    if (!certified && !statistical) return;
    printf("\nbounded method: %zu result(s) from partial spectra, %zu with a certified interval "
           "(the exact value is inside), %zu statistical (95%%); %zu wider than tol (no value)\n",
           certified + statistical, certified, statistical, wide);
    for (size_t i = 0, shown = 0; i < s->n_results && shown < 20; ++i) {
        const dse_store_result_t *r = &s->results[i];
        if (r->status || !r->interval[0] || isfinite(r->value)) continue;
        char t[32] = "";
        if (r->t > 0) snprintf(t, sizeof t, "t=%g", r->t);
        printf("  wider than tol, no value: %s %s(%s%s%s) in [%.5f, %.5f]\n",
               s->checkpoints[r->checkpoint].path, r->quantity, t,
               r->sigma_rule[0] ? (r->t > 0 ? ",sigma=" : "sigma=") : "", r->sigma_rule, r->lower,
               r->upper);
        if (++shown == 20 && wide > 20) printf("  ... and %zu more\n", wide - 20);
    }
}

static int print_ranking(const dse_results_table_t *t, long col, const report_opts_t *o,
                         dse_err_t *err)
{
    size_t *rows = DSE_MALLOC(t->n_rows + 1, sizeof *rows, err);
    ranked_t *rk = DSE_MALLOC(t->n_rows + 1, sizeof *rk, err);
    if (!rows || !rk) {
        free(rows);
        free(rk);
        return err->code;
    }
    int single;
    size_t m = ranking_rows(t, (size_t)col, rows, &single);
    for (size_t i = 0; i < m; ++i)
        rk[i] = (ranked_t){rows[i], dse_results_value(t, rows[i], (size_t)col)};
    qsort(rk, m, sizeof *rk, cmp_ranked);
    size_t shown = o->top && o->top < m ? o->top : m;
    printf("\nranking by %s, highest first (%s; %zu of %zu shown)\n", t->cols[col],
           single ? "the steps of the only run" : "each run at its last step with a value", shown,
           m);
    int with_se = 0, with_iv = 0;
    double lo, hi;
    for (size_t i = 0; i < m; ++i) {
        with_se |= dse_results_se(t, rk[i].row, (size_t)col) > 0;
        with_iv |= dse_results_interval(t, rk[i].row, (size_t)col, &lo, &hi);
    }
    if (with_se)
        printf("%5s  %-32s %8s %14s %10s  %s\n", "rank", "run", "step", t->cols[col], "+- se",
               "apart from next (> combined se)");
    else
        printf("%5s  %-32s %8s %14s\n", "rank", "run", "step", t->cols[col]);
    for (size_t i = 0; i < shown; ++i) {
        const dse_results_row_t *r = &t->rows[rk[i].row];
        printf("%5zu  %-32s %8lld %14.5f", i + 1, r->run, (long long)r->step, rk[i].value);
        if (with_se) {
            double se = dse_results_se(t, rk[i].row, (size_t)col);
            printf(" %10.5f", se);
            if (i + 1 < m) {
                int d = dse_differs_beyond_se(rk[i].value, se, rk[i + 1].value,
                                              dse_results_se(t, rk[i + 1].row, (size_t)col));
                printf("  %s", d < 0 ? "-" : d ? "yes" : "no");
            }
        }
        if (with_iv && dse_results_interval(t, rk[i].row, (size_t)col, &lo, &hi))
            printf("  in [%.5f, %.5f]%s", lo, hi,
                   t->statistical[rk[i].row * t->n_cols + (size_t)col] ? " statistical" : "");
        printf("\n");
    }
    int rc = DSE_OK;
    if (o->out) {
        char path[4096];
        snprintf(path, sizeof path, "%s/ranking.csv", o->out);
        FILE *f = fopen(path, "w");
        if (!f)
            rc = DSE_RAISE(err, DSE_EIO, "%s: cannot create", path);
        else {
            fprintf(f, "rank,run,step,");
            dse_csv_write_field(f, t->cols[col]);
            fprintf(f, ",se\n");
            for (size_t i = 0; i < m; ++i) {
                fprintf(f, "%zu,", i + 1);
                dse_csv_write_field(f, t->rows[rk[i].row].run);
                fprintf(f, ",%lld,%.17g,%.17g\n", (long long)t->rows[rk[i].row].step, rk[i].value,
                        dse_results_se(t, rk[i].row, (size_t)col));
            }
            rc = dse_fclose_checked(f, path, err);
        }
    }
    free(rows);
    free(rk);
    return rc;
}

/* Up to five names, comma-separated, then "..." */
/* One paragraph on the reference clustering behind the *_X columns. */
static void print_reference(const dse_store_reference_t *r)
{
    if (!r->path) return;
    size_t *sizes = calloc((size_t)r->n_clusters + 1, sizeof *sizes);
    if (!sizes) return;
    for (uint64_t i = 0; i < r->n; ++i)
        if (r->labels[i] >= 0 && r->labels[i] < r->n_clusters) sizes[r->labels[i]]++;
    printf("\n*_X columns: MI against %d spectral clusters of the reference %s (%llu x %llu, "
           "k = %d, %llu graph component(s), made %s)\n  cluster sizes:",
           (int)r->n_clusters, r->path, (unsigned long long)r->n, (unsigned long long)r->d,
           (int)r->knn, (unsigned long long)r->components, r->created);
    for (int c = 0; c < r->n_clusters; ++c)
        printf(" %zu", sizes[c]);
    printf("\n");
    free(sizes);
}

static int cmp_result_ptr(const void *a, const void *b)
{
    const dse_store_result_t *x = *(const dse_store_result_t *const *)a,
                             *y = *(const dse_store_result_t *const *)b;
    if (x->checkpoint != y->checkpoint) return x->checkpoint < y->checkpoint ? -1 : 1;
    return strcmp(x->sigma_rule, y->sigma_rule);
}

/* One pair of the bandwidth check on the page. */
static void sigma_item_json(cJSON *items, const dse_store_t *s, const dse_store_result_t *r,
                            double sigma, int c, int *oom)
{
    cJSON *w = report_json_push(items, cJSON_CreateObject(), oom);
    if (!w) return;
    report_json_add(w, "run", cJSON_CreateString(s->checkpoints[r->checkpoint].run), oom);
    report_json_add(w, "step", cJSON_CreateNumber((double)s->checkpoints[r->checkpoint].step), oom);
    report_json_add(w, "rule", cJSON_CreateString(r->sigma_rule), oom);
    report_json_add(w, "sigma", cJSON_CreateNumber(sigma), oom);
    report_json_add(w, "median", cJSON_CreateNumber(r->median_distance), oom);
    report_json_add(w, "warning", cJSON_CreateString(dse_score_sigma_warning(c)), oom);
}

/* The bandwidth check: (checkpoint, rule) pairs whose sigma is outside
 * [0.05, 20] x the checkpoint's median pairwise distance, counted, with the
 * first few named; on the page (when page is not NULL) as "sigma_check". */
static void print_sigma_check(const dse_store_t *s, cJSON *page, int *oom)
{
    const dse_store_result_t **k = malloc((s->n_results + 1) * sizeof *k);
    cJSON *sc = page ? report_json_add(page, "sigma_check", cJSON_CreateObject(), oom) : NULL;
    cJSON *items = sc ? report_json_add(sc, "items", cJSON_CreateArray(), oom) : NULL;
    if (!k) {
        *oom = 1;
        return;
    }
    size_t n = 0, n_bad[2] = {0, 0}, shown = 0, checked = 0;
    for (size_t i = 0; i < s->n_results; ++i)
        if (s->results[i].median_distance > 0 && !s->results[i].status) k[n++] = &s->results[i];
    qsort(k, n, sizeof *k, cmp_result_ptr);
    for (size_t i = 0; i < n; ++i) {
        const dse_store_result_t *r = k[i];
        if (i > 0 && cmp_result_ptr(&k[i - 1], &k[i]) == 0) continue; /* one per pair */
        checked++;
        double sigma = r->sigma_rule[0] ? r->sigma_used : r->sigma;
        int c = dse_score_sigma_check(sigma, r->median_distance);
        if (!c) continue;
        if (n_bad[0] + n_bad[1] == 0)
            printf("\nbandwidth check: sigma outside [0.05, 20] x the checkpoint's median pairwise "
                   "distance\n");
        n_bad[c > 0]++;
        if (items && shown < 200) sigma_item_json(items, s, r, sigma, c, oom);
        if (shown++ < 10)
            printf("  %s step %lld: sigma%s%s = %.4g, median distance %.4g: %s\n",
                   s->checkpoints[r->checkpoint].run, (long long)s->checkpoints[r->checkpoint].step,
                   r->sigma_rule[0] ? " " : "", r->sigma_rule, sigma, r->median_distance,
                   dse_score_sigma_warning(c));
    }
    if (n_bad[0] + n_bad[1])
        printf("  %zu of %zu (checkpoint, sigma) pairs: %zu nearly diagonal, %zu nearly constant\n",
               n_bad[0] + n_bad[1], checked, n_bad[0], n_bad[1]);
    if (sc) {
        report_json_add(sc, "checked", cJSON_CreateNumber((double)checked), oom);
        report_json_add(sc, "diagonal", cJSON_CreateNumber((double)n_bad[0]), oom);
        report_json_add(sc, "constant", cJSON_CreateNumber((double)n_bad[1]), oom);
    }
    free(k);
}

static void print_names(const char *const *names, size_t n)
{
    for (size_t i = 0; i < n && i < 5; ++i)
        printf("%s%s", i ? ", " : " (", names[i]);
    if (n > 5) printf(", ...");
    if (n) printf(")");
}

/* Work arrays of correlate(), n_rows + metadata rows long. */
typedef struct {
    size_t *rows;
    const double *target_of;
    double *x, *y, *xse; /* xse: the standard error of each x */
    const char **labels;
    cJSON *md; /* the page's "metadata" object, or NULL without a page */
    int *oom;  /* set when the page ran out of memory */
} column_buffers_t;

/* One column of the correlation table: its line, its CSV row, its plot. */
static int correlate_column(const dse_results_table_t *t, size_t j, const report_opts_t *o,
                            column_buffers_t *b, int *single, FILE *csv, dse_plot_set_t *plots,
                            dse_err_t *err)
{
    size_t *rows = b->rows;
    const double *target_of = b->target_of;
    double *x = b->x, *y = b->y;
    const char **labels = b->labels;
    size_t np = 0, n = ranking_rows(t, j, rows, single);
    for (size_t i = 0; i < n; ++i) {
        if (!isfinite(target_of[rows[i]])) continue;
        x[np] = dse_results_value(t, rows[i], j);
        b->xse[np] = dse_results_se(t, rows[i], j);
        y[np] = target_of[rows[i]];
        labels[np++] = t->rows[rows[i]].run;
    }
    double r[DSE_N_CORRELATIONS], lo[DSE_N_CORRELATIONS], hi[DSE_N_CORRELATIONS];
    printf("%-*s %5zu", name_width(t, 18), t->cols[j], np);
    if (csv) {
        dse_csv_write_field(csv, t->cols[j]);
        fputc(',', csv);
        dse_csv_write_field(csv, o->target);
        fprintf(csv, ",%zu", np);
    }
    for (int k = 0; k < DSE_N_CORRELATIONS; ++k) {
        r[k] = dse_correlation((dse_correlation_t)k, x, y, np);
        if (dse_bootstrap_interval((dse_correlation_t)k, x, y, np, o->resamples, 0.95, o->seed,
                                   &lo[k], &hi[k]))
            return DSE_RAISE(err, DSE_ENOMEM, "out of memory in the bootstrap of %s", t->cols[j]);
        char cell[64];
        if (!isfinite(r[k]))
            snprintf(cell, sizeof cell, "n/a");
        else if (!isfinite(lo[k]))
            snprintf(cell, sizeof cell, "%+.3f", r[k]);
        else
            snprintf(cell, sizeof cell, "%+.3f [%+.3f, %+.3f]", r[k], lo[k], hi[k]);
        printf("  %-26s", cell);
        if (csv) fprintf(csv, ",%.17g,%.17g,%.17g", r[k], lo[k], hi[k]);
    }
    printf("\n");
    if (csv) fputc('\n', csv);
    double slope, intercept;
    dse_line_fit(x, y, np, &slope, &intercept);
    cJSON *c = b->md ? cJSON_GetObjectItem(b->md, "correlations") : NULL;
    if (c && (c = report_json_push(c, cJSON_CreateObject(), b->oom))) {
        report_json_add(c, "n", cJSON_CreateNumber((double)np), b->oom);
        cJSON *rs = report_json_add(c, "r", cJSON_CreateArray(), b->oom), *fit;
        for (int k = 0; rs && k < DSE_N_CORRELATIONS; ++k)
            report_json_push(rs, report_json_coef(r[k], lo[k], hi[k]), b->oom);
        if ((fit = report_json_add(c, "fit", cJSON_CreateArray(), b->oom))) {
            report_json_push(fit, report_json_number(slope), b->oom);
            report_json_push(fit, report_json_number(intercept), b->oom);
        }
    }
    if (!plots || np < 2) return DSE_OK;
    char stem[DSE_COLUMN_NAME_MAX], name[2 * DSE_COLUMN_NAME_MAX], title[512];
    dse_plot_file_stem(t->cols[j], stem, sizeof stem);
    char tstem[64];
    dse_plot_file_stem(o->target, tstem, sizeof tstem);
    snprintf(name, sizeof name, "%s_vs_%s", tstem, stem);
    snprintf(title, sizeof title,
             "%s vs %s: Pearson r = %.3f, Spearman = %.3f, Kendall = %.3f (n = %zu)", o->target,
             t->cols[j], r[0], r[1], r[2], np);
    return dse_plot_scatter(plots, name, title, t->cols[j], o->target, labels, x, b->xse, y, np,
                            slope, intercept, err);
}

/* OUT/correlations.csv with its header, or NULL (err set). */
static FILE *open_correlations_csv(const report_opts_t *o, char *path, size_t cap, dse_err_t *err)
{
    snprintf(path, cap, "%s/correlations.csv", o->out);
    FILE *csv = fopen(path, "w");
    if (!csv) {
        DSE_RAISE(err, DSE_EIO, "%s: cannot create", path);
        return NULL;
    }
    fprintf(csv, "column,target,n,pearson,pearson_lo,pearson_hi,spearman,spearman_lo,spearman_hi,"
                 "kendall,kendall_lo,kendall_hi\n");
    return csv;
}

/* "r [lo, hi]" of a coefficient and its interval (or just r, or n/a). */
static const char *coef_cell(double r, double lo, double hi, char *cell, size_t size)
{
    if (!isfinite(r))
        snprintf(cell, size, "n/a");
    else if (!isfinite(lo))
        snprintf(cell, size, "%+.3f", r);
    else
        snprintf(cell, size, "%+.3f [%+.3f, %+.3f]", r, lo, hi);
    return cell;
}

/* The metadata covariates of --control, per table row (NaN where the run has
 * no metadata row or the cell is not a number). */
typedef struct {
    size_t k;
    const char *names[16];
    double *of_row[16];
} covariates_t;

static void covariates_free(covariates_t *cv)
{
    for (size_t c = 0; c < cv->k; ++c)
        free(cv->of_row[c]);
    memset(cv, 0, sizeof *cv);
}

static int load_covariates(const dse_csv_table_t *meta, const long *meta_of_row, size_t n_rows,
                           const report_opts_t *o, char *list, covariates_t *cv, dse_err_t *err)
{
    memset(cv, 0, sizeof *cv);
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        long col = dse_csv_column(meta, tok);
        if (col < 0)
            return DSE_RAISE(err, DSE_EUSAGE, "%s: no column '%s' for --control", o->metadata, tok);
        if (cv->k == 16) return DSE_RAISE(err, DSE_EUSAGE, "--control takes at most 16 columns");
        double *v = DSE_MALLOC(n_rows + 1, sizeof *v, err);
        if (!v) return err->code;
        cv->names[cv->k] = tok;
        cv->of_row[cv->k++] = v;
        for (size_t i = 0; i < n_rows; ++i)
            if (meta_of_row[i] < 0 ||
                dse_parse_number(dse_csv_cell(meta, (size_t)meta_of_row[i], (size_t)col), &v[i]))
                v[i] = NAN;
    }
    return DSE_OK;
}

/* Partial Pearson and Spearman of every column with the target given the
 * covariates (pairs where all are numbers), with bootstrap intervals. */
static int print_partial(const dse_results_table_t *t, const report_opts_t *o,
                         const double *target_of, const covariates_t *cv, column_buffers_t *b,
                         dse_err_t *err)
{
    double *cov[16];
    for (size_t c = 0; c < cv->k; ++c)
        cov[c] = DSE_MALLOC(t->n_rows + 1, sizeof **cov, err);
    int rc = DSE_OK, single;
    cJSON *pj = b->md ? report_json_add(b->md, "partial", cJSON_CreateObject(), b->oom) : NULL;
    cJSON *pc = pj ? report_json_add(pj, "controls", cJSON_CreateArray(), b->oom) : NULL;
    cJSON *prows = pj ? report_json_add(pj, "rows", cJSON_CreateArray(), b->oom) : NULL;
    printf("\npartial correlation with %s given", o->target);
    for (size_t c = 0; c < cv->k; ++c) {
        printf("%s%s", c ? ", " : " ", cv->names[c]);
        if (pc) report_json_push(pc, cJSON_CreateString(cv->names[c]), b->oom);
    }
    printf(" (residual method; Spearman on ranks; 95%% bootstrap intervals)\n%-*s %5s  %-26s  "
           "%-26s\n",
           name_width(t, 18), "column", "n", "partial pearson", "partial spearman");
    for (size_t j = 0; j < t->n_cols && rc == DSE_OK; ++j) {
        size_t np = 0, n = ranking_rows(t, j, b->rows, &single);
        for (size_t i = 0; i < n; ++i) {
            size_t r = b->rows[i], ok = isfinite(target_of[r]);
            for (size_t c = 0; c < cv->k; ++c)
                ok = ok && cov[c] && isfinite(cv->of_row[c][r]);
            if (!ok) continue;
            for (size_t c = 0; c < cv->k; ++c)
                cov[c][np] = cv->of_row[c][r];
            b->x[np] = dse_results_value(t, r, j);
            b->y[np++] = target_of[r];
        }
        printf("%-*s %5zu", name_width(t, 18), t->cols[j], np);
        cJSON *row = prows ? report_json_push(prows, cJSON_CreateObject(), b->oom) : NULL;
        cJSON *rs = row ? report_json_add(row, "r", cJSON_CreateArray(), b->oom) : NULL;
        if (row) report_json_add(row, "n", cJSON_CreateNumber((double)np), b->oom);
        for (int k = 0; k < 2; ++k) {
            double lo, hi,
                r = dse_partial_correlation((dse_correlation_t)k, b->x, b->y,
                                            (const double *const *)cov, cv->k, np);
            char cell[64];
            if (dse_partial_bootstrap_interval((dse_correlation_t)k, b->x, b->y,
                                               (const double *const *)cov, cv->k, np, o->resamples,
                                               0.95, o->seed, &lo, &hi))
                rc = DSE_RAISE(err, DSE_ENOMEM, "out of memory in a partial bootstrap");
            printf("  %-26s", coef_cell(r, lo, hi, cell, sizeof cell));
            if (rs) report_json_push(rs, report_json_coef(r, lo, hi), b->oom);
        }
        printf("\n");
    }
    for (size_t c = 0; c < cv->k; ++c)
        free(cov[c]);
    return rc;
}

/* The run (index) that table row r belongs to. */
static size_t run_of_row(const dse_results_table_t *t, size_t r)
{
    size_t run = 0;
    while (run + 1 < t->n_runs && t->run_begin[run + 1] <= r)
        run++;
    return run;
}

/* The page's "families": regex, column, each run's family (null: not
 * joined) and an empty "rows" for print_families to fill. NULL without a
 * page. */
static cJSON *families_json(const dse_results_table_t *t, const report_opts_t *o, size_t col,
                            const double *target_of, const column_buffers_t *b, size_t n,
                            const size_t *fam, char **families, int *oom)
{
    cJSON *fj = b->md ? report_json_add(b->md, "families", cJSON_CreateObject(), oom) : NULL;
    if (!fj) return NULL;
    report_json_add(fj, "regex", cJSON_CreateString(o->family_regex), oom);
    report_json_add(fj, "column", cJSON_CreateNumber((double)col), oom);
    cJSON *of = report_json_add(fj, "family_of_run", cJSON_CreateArray(), oom);
    for (size_t k = 0; of && k < t->n_runs; ++k)
        report_json_push(of, cJSON_CreateNull(), oom);
    for (size_t i = 0, p = 0; of && i < n; ++i)
        if (isfinite(target_of[b->rows[i]]))
            cJSON_ReplaceItemInArray(of, (int)run_of_row(t, b->rows[i]),
                                     cJSON_CreateString(families[fam[p++]]));
    return report_json_add(fj, "rows", cJSON_CreateArray(), oom);
}

/* Per family of the join key (--family-regex): n, Pearson and Spearman of
 * column col with the target, with bootstrap intervals. */
static int print_families(const dse_results_table_t *t, const report_opts_t *o, size_t col,
                          const double *target_of, column_buffers_t *b, dse_err_t *err)
{
    int single;
    size_t np = 0, n = ranking_rows(t, col, b->rows, &single), nf = 0;
    for (size_t i = 0; i < n; ++i)
        if (isfinite(target_of[b->rows[i]])) b->labels[np++] = t->rows[b->rows[i]].run;
    size_t *fam = DSE_MALLOC(np + 1, sizeof *fam, err);
    double *fx = fam ? DSE_MALLOC(2 * np + 1, sizeof *fx, err) : NULL;
    char **families = NULL;
    int rc =
        fx ? dse_families(o->family_regex, b->labels, np, fam, &families, &nf, err) : err->code;
    cJSON *fj =
        rc == DSE_OK ? families_json(t, o, col, target_of, b, n, fam, families, b->oom) : NULL;
    if (rc == DSE_OK)
        printf("\n%s with %s per family (regex '%s' on the %s)\n%-24s %5s  %-26s  %-26s\n",
               t->cols[col], o->target, o->family_regex, o->key, "family", "n", "pearson",
               "spearman");
    for (size_t f = 0; rc == DSE_OK && f < nf; ++f) {
        size_t m = 0;
        for (size_t i = 0, p = 0; i < n; ++i) {
            size_t r = b->rows[i];
            if (!isfinite(target_of[r])) continue;
            if (fam[p++] != f) continue;
            fx[m] = dse_results_value(t, r, col);
            fx[np + m++] = target_of[r];
        }
        printf("%-24s %5zu", families[f], m);
        cJSON *row = fj ? report_json_push(fj, cJSON_CreateObject(), b->oom) : NULL;
        cJSON *rs = row ? report_json_add(row, "r", cJSON_CreateArray(), b->oom) : NULL;
        if (row) {
            report_json_add(row, "family", cJSON_CreateString(families[f]), b->oom);
            report_json_add(row, "n", cJSON_CreateNumber((double)m), b->oom);
        }
        for (int k = 0; k < 2; ++k) {
            double lo, hi, r = dse_correlation((dse_correlation_t)k, fx, fx + np, m);
            char cell[64];
            if (dse_bootstrap_interval((dse_correlation_t)k, fx, fx + np, m, o->resamples, 0.95,
                                       o->seed, &lo, &hi))
                rc = DSE_RAISE(err, DSE_ENOMEM, "out of memory in a family bootstrap");
            printf("  %-26s", coef_cell(r, lo, hi, cell, sizeof cell));
            if (rs) report_json_push(rs, report_json_coef(r, lo, hi), b->oom);
        }
        printf("\n");
    }
    dse_families_free(families, nf);
    free(fam);
    free(fx);
    return rc;
}

/* The partial and per-family tables after the plain correlations. */
static int extra_correlations(const dse_results_table_t *t, const report_opts_t *o,
                              const dse_csv_table_t *meta, const long *meta_of_row,
                              const double *target_of, column_buffers_t *b, dse_err_t *err)
{
    int rc = DSE_OK;
    if (o->control) {
        covariates_t cv;
        char *list = DSE_STRDUP(o->control, err);
        rc = list ? load_covariates(meta, meta_of_row, t->n_rows, o, list, &cv, err) : err->code;
        if (rc == DSE_OK) rc = print_partial(t, o, target_of, &cv, b, err);
        covariates_free(&cv);
        free(list);
    }
    if (rc == DSE_OK && o->family_regex && t->n_cols)
        rc = print_families(t, o, o->rank_col < 0 ? 0 : (size_t)o->rank_col, target_of, b, err);
    return rc;
}

/* The intervals line and the column header of the correlation table. */
static void print_correlation_header(const dse_results_table_t *t, const report_opts_t *o)
{
    printf(
        "\n  intervals: 95%% percentile bootstrap, %zu resamples, seed %llu (none below 5 pairs)\n",
        o->resamples, o->seed);
    printf("%-*s %5s", name_width(t, 18), "column", "n");
    for (int k = 0; k < DSE_N_CORRELATIONS; ++k)
        printf("  %-26s", dse_correlation_name((dse_correlation_t)k));
    printf("\n");
}

/* A JSON array of n names. */
static cJSON *names_json(const char *const *names, size_t n, int *oom)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; ++i)
        report_json_push(a, cJSON_CreateString(names[i]), oom);
    return a;
}

/* The page's "metadata": the join, each run's target (null: none) and an
 * empty "correlations" for correlate_column to fill. NULL without a page. */
static cJSON *metadata_json(cJSON *page, const report_opts_t *o, const dse_results_table_t *t,
                            const double *target_of, size_t n_joined, const char **lists[3],
                            const size_t counts[3], int *oom)
{
    cJSON *md = page ? report_json_add(page, "metadata", cJSON_CreateObject(), oom) : NULL;
    if (!md) return NULL;
    report_json_add(md, "file", cJSON_CreateString(o->metadata), oom);
    report_json_add(md, "key", cJSON_CreateString(o->key), oom);
    report_json_add(md, "target", cJSON_CreateString(o->target), oom);
    report_json_add(md, "resamples", cJSON_CreateNumber((double)o->resamples), oom);
    report_json_add(md, "seed", cJSON_CreateNumber((double)o->seed), oom);
    report_json_add(md, "joined", cJSON_CreateNumber((double)n_joined), oom);
    report_json_add(md, "unjoined", names_json(lists[0], counts[0], oom), oom);
    report_json_add(md, "unused", names_json(lists[1], counts[1], oom), oom);
    report_json_add(md, "not_number", names_json(lists[2], counts[2], oom), oom);
    cJSON *tr = report_json_add(md, "target_of_run", cJSON_CreateArray(), oom);
    for (size_t run = 0; tr && run < t->n_runs; ++run)
        report_json_push(tr, report_json_number(target_of[t->run_begin[run]]), oom);
    report_json_add(md, "correlations", cJSON_CreateArray(), oom);
    return md;
}

/* The join of runs with metadata rows, and the correlations (on the page
 * too when page is not NULL). */
static int correlate(const dse_results_table_t *t, const report_opts_t *o, dse_plot_set_t *plots,
                     cJSON *page, int *oom, dse_err_t *err)
{
    dse_csv_table_t meta;
    DSE_TRY(dse_csv_read(o->metadata, &meta, err));
    long key = dse_csv_column(&meta, o->key), target = dse_csv_column(&meta, o->target);
    if (key < 0 || target < 0) {
        DSE_RAISE(err, DSE_EUSAGE, "%s: no column '%s' (the header has %zu columns, starting '%s')",
                  o->metadata, key < 0 ? o->key : o->target, meta.n_cols,
                  meta.n_cols ? meta.header[0] : "");
        dse_csv_free(&meta);
        return err->code;
    }
    size_t n_cells = t->n_rows + meta.n_rows + 1;
    size_t *rows = DSE_MALLOC(n_cells, sizeof *rows, err);
    double *target_of = DSE_MALLOC(n_cells, sizeof *target_of, err);
    const char **unjoined = DSE_MALLOC(n_cells, sizeof *unjoined, err);
    const char **unused = DSE_MALLOC(n_cells, sizeof *unused, err);
    const char **not_number = DSE_MALLOC(n_cells, sizeof *not_number, err);
    char *meta_used = DSE_CALLOC(meta.n_rows + 1, 1, err);
    long *meta_of_row = DSE_MALLOC(n_cells, sizeof *meta_of_row, err);
    double *x = DSE_MALLOC(n_cells, sizeof *x, err), *y = DSE_MALLOC(n_cells, sizeof *y, err);
    double *xse = DSE_MALLOC(n_cells, sizeof *xse, err);
    const char **labels = DSE_MALLOC(n_cells, sizeof *labels, err);
    FILE *csv = NULL;
    char path[4096] = "";
    int rc = DSE_OK;
    if (!rows || !target_of || !unjoined || !unused || !not_number || !meta_used || !x || !y ||
        !xse || !labels || !meta_of_row) {
        rc = err->code;
        goto out;
    }
    /* Join each run (its rows share the run's target) with the first metadata
     * row whose key is the run name. */
    size_t n_joined = 0, n_unjoined = 0, n_unused = 0, n_nan = 0;
    for (size_t run = 0; run < t->n_runs; ++run) {
        const char *name = t->rows[t->run_begin[run]].run;
        double value = NAN;
        size_t m = 0;
        while (m < meta.n_rows && strcmp(dse_csv_cell(&meta, m, (size_t)key), name))
            m++;
        if (m == meta.n_rows)
            unjoined[n_unjoined++] = name;
        else {
            meta_used[m] = 1;
            if (dse_parse_number(dse_csv_cell(&meta, m, (size_t)target), &value) != 0) {
                not_number[n_nan++] = name;
                value = NAN;
            } else
                n_joined++;
        }
        for (size_t i = t->run_begin[run]; i < t->run_begin[run + 1]; ++i) {
            target_of[i] = value;
            meta_of_row[i] = m < meta.n_rows ? (long)m : -1;
        }
    }
    int single = t->n_runs == 1;
    for (size_t m = 0; m < meta.n_rows; ++m)
        if (!meta_used[m]) unused[n_unused++] = dse_csv_cell(&meta, m, (size_t)key);
    printf("\ncorrelation with %s from %s (join: %s = run; %s)\n", o->target, o->metadata, o->key,
           single ? "the steps of the only run" : "each run at its last step with a value");
    printf("  joined: %zu; without a metadata row: %zu", n_joined, n_unjoined);
    print_names(unjoined, n_unjoined);
    printf("; metadata rows without a run: %zu", n_unused);
    print_names(unused, n_unused);
    if (n_nan) {
        printf("; %s not a number: %zu", o->target, n_nan);
        print_names(not_number, n_nan);
    }
    print_correlation_header(t, o);
    if (o->out && !(csv = open_correlations_csv(o, path, sizeof path, err))) {
        rc = err->code;
        goto out;
    }
    const char **lists[3] = {unjoined, unused, not_number};
    size_t counts[3] = {n_unjoined, n_unused, n_nan};
    cJSON *md = metadata_json(page, o, t, target_of, n_joined, lists, counts, oom);
    column_buffers_t buf = {rows, target_of, x, y, xse, labels, md, oom};
    for (size_t j = 0; j < t->n_cols && rc == DSE_OK; ++j)
        rc = correlate_column(t, j, o, &buf, &single, csv, plots, err);
    if (rc == DSE_OK) rc = extra_correlations(t, o, &meta, meta_of_row, target_of, &buf, err);
out:
    if (csv) {
        dse_err_t close_err;
        if (dse_fclose_checked(csv, path, &close_err) != DSE_OK && rc == DSE_OK) {
            *err = close_err;
            rc = err->code;
        }
    }
    void *work[] = {rows,        target_of, unjoined, unused, not_number, meta_used,
                    meta_of_row, x,         y,        xse,    labels};
    for (size_t i = 0; i < sizeof work / sizeof *work; ++i)
        free(work[i]);
    dse_csv_free(&meta);
    return rc;
}

/* One line plot per column: the column over steps, one line per run. */
static int plot_over_steps(const dse_results_table_t *t, dse_plot_set_t *plots, dse_err_t *err)
{
    size_t n_runs = t->n_runs, most_steps = 0;
    for (size_t run = 0; run < n_runs; ++run)
        if (t->run_begin[run + 1] - t->run_begin[run] > most_steps)
            most_steps = t->run_begin[run + 1] - t->run_begin[run];
    if (most_steps < 2) return DSE_OK; /* one point per run: nothing to draw over steps */
    const char **names = DSE_MALLOC(n_runs, sizeof *names, err);
    size_t *len = DSE_MALLOC(n_runs, sizeof *len, err);
    const double **xs = DSE_MALLOC(n_runs, sizeof *xs, err),
                 **ys = DSE_MALLOC(n_runs, sizeof *ys, err),
                 **es = DSE_MALLOC(n_runs, sizeof *es, err);
    double *steps = DSE_MALLOC(t->n_rows, sizeof *steps, err),
           *vals = DSE_MALLOC(t->n_rows, sizeof *vals, err),
           *ses = DSE_MALLOC(t->n_rows, sizeof *ses, err);
    int rc = DSE_OK;
    if (!names || !len || !xs || !ys || !es || !steps || !vals || !ses) {
        rc = err->code;
        goto out;
    }
    /* One series per run; only the values change from column to column. */
    for (size_t r = 0; r < t->n_rows; ++r)
        steps[r] = (double)t->rows[r].step;
    for (size_t run = 0; run < n_runs; ++run) {
        size_t begin = t->run_begin[run];
        names[run] = t->rows[begin].run;
        xs[run] = steps + begin;
        ys[run] = vals + begin;
        es[run] = ses + begin;
        len[run] = t->run_begin[run + 1] - begin;
    }
    for (size_t j = 0; j < t->n_cols && rc == DSE_OK; ++j) {
        for (size_t r = 0; r < t->n_rows; ++r) {
            vals[r] = dse_results_value(t, r, j);
            ses[r] = dse_results_se(t, r, j);
        }
        char stem[DSE_COLUMN_NAME_MAX], name[DSE_COLUMN_NAME_MAX + 16],
            title[DSE_COLUMN_NAME_MAX + 32];
        dse_plot_file_stem(t->cols[j], stem, sizeof stem);
        snprintf(name, sizeof name, "over_steps_%s", stem);
        snprintf(title, sizeof title, "%s over training steps", t->cols[j]);
        rc = dse_plot_lines(plots, name, title, "step", t->cols[j], n_runs, names, len, xs, ys, es,
                            err);
    }
out:
    free(names);
    free(len);
    free(xs);
    free(ys);
    free(es);
    free(steps);
    free(vals);
    free(ses);
    return rc;
}

/* The column that name means: the column of that exact name, else the
 * first it matches (report_column_matches) under the config's first sigma
 * rule, else the first it matches; -1 when none. */
static long resolve_column(const dse_results_table_t *t, const char *name,
                           const report_config_t *rc)
{
    for (size_t j = 0; j < t->n_cols; ++j)
        if (!strcmp(t->cols[j], name)) return (long)j;
    for (int pass = rc->n_rules ? 0 : 1; pass < 2; ++pass)
        for (size_t j = 0; j < t->n_cols; ++j) {
            char item[DSE_COLUMN_NAME_MAX + 32];
            snprintf(item, sizeof item, "%.*s(sigma=%s)", (int)strcspn(t->cols[j], "("), t->cols[j],
                     rc->rules[0]);
            if (report_column_matches(t->cols[j], name) &&
                (pass || report_column_matches(t->cols[j], item)))
                return (long)j;
        }
    return -1;
}

/* The text report's columns into show (n_cols flags): --columns all, a
 * list of items (commas inside parentheses belong to the item), or by
 * default DSE and DSMI at the config's first t and first rule (every column
 * when the store has neither). */
static int select_columns(const dse_results_table_t *t, const report_opts_t *o,
                          const report_config_t *rc, char *show, dse_err_t *err)
{
    const char *list = o->columns;
    memset(show, !list || strcmp(list, "all") ? 0 : 1, t->n_cols);
    if (!list) {
        int any = 0;
        const char *q[] = {"DSE", "DSMI"};
        for (int i = 0; i < 2; ++i) {
            char item[64];
            snprintf(item, sizeof item, rc->first_t[0] ? "%s(t=%s)" : "%s", q[i], rc->first_t);
            long j = resolve_column(t, item, rc);
            if (j < 0) j = resolve_column(t, q[i], rc);
            if (j >= 0) any = show[j] = 1;
        }
        if (!any) memset(show, 1, t->n_cols);
        return DSE_OK;
    }
    for (const char *p = list; strcmp(list, "all") && *p;) {
        size_t len = 0;
        for (int depth = 0; p[len] && (depth || p[len] != ','); ++len)
            depth += (p[len] == '(') - (p[len] == ')');
        char item[DSE_COLUMN_NAME_MAX];
        snprintf(item, sizeof item, "%.*s", (int)len, p);
        int hit = 0;
        for (size_t j = 0; j < t->n_cols; ++j)
            if (report_column_matches(t->cols[j], item)) hit = show[j] = 1;
        if (!hit)
            return DSE_RAISE(err, DSE_EUSAGE,
                             "%s: --columns: no column matches '%s' (columns: %s%s)", o->store,
                             item, t->n_cols ? t->cols[0] : "none", t->n_cols > 1 ? ", ..." : "");
        p += len + (p[len] == ',');
    }
    return DSE_OK;
}

/* One line naming the text report's columns when they are not all. */
static void print_columns_note(const dse_results_table_t *t, const char *show)
{
    size_t n = 0;
    for (size_t j = 0; j < t->n_cols; ++j)
        n += show[j] != 0;
    if (n == t->n_cols) return;
    printf("columns:");
    for (size_t j = 0, k = 0; j < t->n_cols; ++j)
        if (show[j]) printf("%s%s", k++ ? ", " : " ", t->cols[j]);
    printf(" (%zu of %zu; --columns all for every one, --columns LIST to choose)\n", n, t->n_cols);
}

/* The page: written to o->html when the report made one. */
static int write_page(cJSON *page, int oom, const report_opts_t *o, dse_err_t *err)
{
    if (oom) return DSE_RAISE(err, DSE_ENOMEM, "out of memory building the page %s", o->html);
    char title[4200];
    snprintf(title, sizeof title, "dsesweep report: %s", o->store);
    DSE_TRY(dse_report_page_write(o->html, title, page, err));
    printf("page: %s (open it in a browser; it needs no network)\n", o->html);
    return DSE_OK;
}

int dse_cli_report(int argc, char **argv)
{
    report_opts_t o;
    int status = parse_args(argc, argv, &o);
    if (status) return status < 0 ? 0 : status;
    dse_err_t err;
    dse_store_handle_t *h = NULL;
    if (dse_store_open(MPI_COMM_NULL, o.store, DSE_STORE_READ_ONLY, &h, &err) != DSE_OK) {
        dse_err_report(stderr, "dsesweep report", &err);
        return 1;
    }
    const dse_store_t *sp = dse_store_tables(h);
    dse_results_table_t t;
    if (dse_results_table_build(sp, &t, &err) != DSE_OK) {
        dse_err_report(stderr, "dsesweep report", &err);
        dse_store_close(&h);
        return 1;
    }
    int rc = DSE_OK, oom = 0;
    dse_plot_set_t *plots = NULL;
    cJSON *page = NULL;
    char *show = DSE_CALLOC(t.n_cols + 1, 1, &err), html[4096];
    report_config_t cfg;
    report_config_read(sp, &cfg);
    o.rank_col = -1;
    if (!show || (rc = select_columns(&t, &o, &cfg, show, &err)) != DSE_OK) goto out;
    if (o.rank_by && (o.rank_col = resolve_column(&t, o.rank_by, &cfg)) < 0) {
        rc = DSE_RAISE(&err, DSE_EUSAGE, "%s: no column '%s' to rank by (columns: %s, ...)",
                       o.store, o.rank_by, t.n_cols ? t.cols[0] : "none");
        goto out;
    }
    if (o.rank_col < 0 && t.n_cols) {
        o.rank_col = resolve_column(&t, "DSMI", &cfg);
        if (o.rank_col < 0) o.rank_col = 0;
    }
    if (!o.html && o.out) {
        snprintf(html, sizeof html, "%s/index.html", o.out);
        o.html = html;
    }
    if (o.out && !(plots = dse_plot_open(o.out, &err))) {
        rc = err.code;
        goto out;
    }
    if (o.html && !(page = report_html_begin(sp, &t, o.store, &cfg, show, o.rank_col))) {
        rc = DSE_RAISE(&err, DSE_ENOMEM, "out of memory building the page %s", o.html);
        goto out;
    }
    print_columns_note(&t, show);
    print_run_tables(&t, show);
    print_reference(&sp->reference);
    print_sigma_check(sp, page, &oom);
    print_bounded(sp);
    if (o.rank_col >= 0 && (rc = print_ranking(&t, o.rank_col, &o, &err)) != DSE_OK) goto out;
    if (o.metadata && (rc = correlate(&t, &o, plots, page, &oom, &err)) != DSE_OK) goto out;
    if (plots && (rc = plot_over_steps(&t, plots, &err)) != DSE_OK) goto out;
    size_t failed = 0;
    for (size_t i = 0; i < sp->n_results; ++i)
        failed += sp->results[i].status != 0;
    printf("\n%zu checkpoint(s), %zu result(s), %zu failed\n", sp->n_checkpoints, sp->n_results,
           failed);
    for (size_t i = 0, shown = 0; i < sp->n_results && shown < 10; ++i)
        if (sp->results[i].status &&
            (i == 0 || sp->results[i].checkpoint != sp->results[i - 1].checkpoint ||
             strcmp(sp->results[i].error, sp->results[i - 1].error))) {
            printf("  ERR %s: %s\n", sp->checkpoints[sp->results[i].checkpoint].path,
                   sp->results[i].error);
            shown++;
        }
    if (plots) {
        rc = dse_plot_render(plots, &err);
        plots = NULL;
        if (rc != DSE_OK) goto out;
        printf("plots and their numbers: %s/ (redraw with: gnuplot %s/plots.gp)\n", o.out, o.out);
    }
    if (page) rc = write_page(page, oom, &o, &err);
out:
    if (plots) dse_plot_discard(plots);
    if (rc != DSE_OK) dse_err_report(stderr, "dsesweep report", &err);
    cJSON_Delete(page);
    free(show);
    dse_results_table_free(&t);
    dse_store_close(&h);
    return rc == DSE_OK ? 0 : 1;
}

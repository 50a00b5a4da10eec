/* plot.c — gnuplot PNGs with their numbers as CSV beside them. */
#include "dsesweep/plot.h"

#include "dsesweep/csv_table.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PLOT_PATH_MAX 4096
#define PLOT_DIR_MAX 3072 /* leaves room for a plot name under PLOT_PATH_MAX */

struct dse_plot_set {
    char dir[PLOT_DIR_MAX];
    char script[PLOT_PATH_MAX];
    FILE *gp;
    char csv[PLOT_PATH_MAX]; /* the CSV of the plot being added */
    char **pngs;
    size_t n_pngs;
};

void dse_plot_file_stem(const char *text, char *out, size_t cap)
{
    size_t k = 0;
    for (; *text && k + 1 < cap; ++text) {
        unsigned char c = (unsigned char)*text;
        if (c == ')') continue;
        out[k++] = (isalnum(c) || c == '-' || c == '.') ? (char)c : '_';
    }
    out[k] = '\0';
}

/* gnuplot single-quoted string: only ' needs escaping, as ''. */
static void gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; ++s) {
        if (*s == '\'') fputc('\'', f);
        if (*s != '\n' && *s != '\r') fputc(*s, f);
    }
    fputc('\'', f);
}

dse_plot_set_t *dse_plot_open(const char *dir, dse_err_t *err)
{
    if (strlen(dir) >= PLOT_DIR_MAX) {
        DSE_RAISE(err, DSE_EUSAGE, "%.64s...: plot directory path longer than %d bytes", dir,
                  PLOT_DIR_MAX - 1);
        return NULL;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        DSE_RAISE(err, DSE_EIO, "%s: cannot create the plot directory: %s", dir, strerror(errno));
        return NULL;
    }
    dse_plot_set_t *ps = DSE_CALLOC(1, sizeof *ps, err);
    if (!ps) return NULL;
    snprintf(ps->dir, sizeof ps->dir, "%s", dir);
    snprintf(ps->script, sizeof ps->script, "%s/plots.gp", dir);
    ps->gp = fopen(ps->script, "w");
    if (!ps->gp) {
        DSE_RAISE(err, DSE_EIO, "%s: cannot create: %s", ps->script, strerror(errno));
        free(ps);
        return NULL;
    }
    fprintf(ps->gp, "# Written by dsesweep report; `gnuplot plots.gp` redraws every plot.\n");
    return ps;
}

/* Starts one plot: its CSV beside it, with the header "first,xlabel,ylabel",
 * and the script's output, title and axis lines. */
static FILE *begin_plot(dse_plot_set_t *ps, const char *name, const char *title, const char *first,
                        const char *xlabel, const char *ylabel, dse_err_t *err)
{
    char png[PLOT_PATH_MAX];
    if (strlen(name) > PLOT_PATH_MAX - PLOT_DIR_MAX - 8) {
        DSE_RAISE(err, DSE_EUSAGE, "%.64s...: plot name too long", name);
        return NULL;
    }
    snprintf(png, sizeof png, "%s/%.1000s.png", ps->dir, name);
    snprintf(ps->csv, sizeof ps->csv, "%s/%.1000s.csv", ps->dir, name);
    char **grown = realloc(ps->pngs, (ps->n_pngs + 1) * sizeof *grown);
    char *copy = strdup(png);
    if (!grown || !copy) {
        free(copy);
        if (grown) ps->pngs = grown;
        DSE_RAISE(err, DSE_ENOMEM, "out of memory adding plot %s", png);
        return NULL;
    }
    ps->pngs = grown;
    ps->pngs[ps->n_pngs++] = copy;
    FILE *f = fopen(ps->csv, "w");
    if (!f) {
        DSE_RAISE(err, DSE_EIO, "%s: cannot create: %s", ps->csv, strerror(errno));
        return NULL;
    }
    fprintf(f, "%s,", first);
    dse_csv_write_field(f, xlabel);
    fputc(',', f);
    dse_csv_write_field(f, ylabel);
    fputs(",se\n", f);
    fprintf(ps->gp,
            "\nreset session\nset terminal pngcairo size 1000,700 noenhanced font 'sans,11'\n"
            "set datafile separator ','\nset grid\nset key outside right top\nset output ");
    gp_string(ps->gp, png);
    fprintf(ps->gp, "\nset title ");
    gp_string(ps->gp, title);
    fprintf(ps->gp, "\nset xlabel ");
    gp_string(ps->gp, xlabel);
    fprintf(ps->gp, "\nset ylabel ");
    gp_string(ps->gp, ylabel);
    fputc('\n', ps->gp);
    return f;
}

/* gnuplot point types that differ in shape (filled circle, square,
 * triangle, diamond, ...); series k also gets dash type k % 5 + 1. */
static const int point_types[] = {7, 5, 9, 13, 11, 15, 6, 4, 8, 12};
#define N_POINT_TYPES (sizeof point_types / sizeof point_types[0])

static double se_at(const double *const *se, size_t k, size_t i)
{
    double v = se && se[k] ? se[k][i] : 0;
    return isfinite(v) && v > 0 ? v : 0;
}

int dse_plot_lines(dse_plot_set_t *ps, const char *name, const char *title, const char *xlabel,
                   const char *ylabel, size_t n_series, const char *const *names, const size_t *len,
                   const double *const *x, const double *const *y, const double *const *se,
                   dse_err_t *err)
{
    FILE *csv = begin_plot(ps, name, title, "series", xlabel, ylabel, err);
    if (!csv) return err->code;
    if (n_series > 12) fprintf(ps->gp, "set key off\n");
    fprintf(ps->gp, "set bars small\n");
    for (size_t k = 0; k < n_series; ++k) {
        fprintf(ps->gp, "$%s_%zu << EOD\n", "lines", k);
        for (size_t i = 0; i < len[k]; ++i) {
            if (!isfinite(y[k][i])) continue;
            fprintf(ps->gp, "%.17g,%.17g,%.17g\n", x[k][i], y[k][i], se_at(se, k, i));
            dse_csv_write_field(csv, names[k]);
            fprintf(csv, ",%.17g,%.17g,%.17g\n", x[k][i], y[k][i], se_at(se, k, i));
        }
        fprintf(ps->gp, "EOD\n");
    }
    fprintf(ps->gp, "plot ");
    for (size_t k = 0; k < n_series; ++k) {
        int bars = 0;
        for (size_t i = 0; i < len[k]; ++i)
            bars |= isfinite(y[k][i]) && se_at(se, k, i) > 0;
        fprintf(ps->gp, "%s$lines_%zu using 1:2%s with %s lw 2 dt %zu pt %d ps 1.3 title ",
                k ? ", \\\n     " : "", k, bars ? ":3" : "", bars ? "yerrorlines" : "linespoints",
                k % 5 + 1, point_types[k % N_POINT_TYPES]);
        gp_string(ps->gp, names[k]);
    }
    if (n_series == 0) fprintf(ps->gp, "NaN notitle");
    fputc('\n', ps->gp);
    return dse_fclose_checked(csv, ps->csv, err);
}

static int cmp_double_index(const void *a, const void *b, void *ctx)
{
    const double *y = ctx;
    double u = y[*(const size_t *)a], v = y[*(const size_t *)b];
    return (u > v) - (u < v);
}

/* Which points get a label: all up to 20, else the 5 lowest and 5 highest
 * y. keep has n flags. */
static int label_points(const double *y, size_t n, char *keep)
{
    memset(keep, n <= 20, n);
    if (n <= 20) return 0;
    size_t *order = malloc(n * sizeof *order);
    if (!order) return -1;
    for (size_t i = 0; i < n; ++i)
        order[i] = i;
    qsort_r(order, n, sizeof *order, cmp_double_index, (void *)y);
    for (size_t i = 0; i < 5; ++i)
        keep[order[i]] = keep[order[n - 1 - i]] = 1;
    free(order);
    return 0;
}

/* A label inside the inline data: double-quoted, without the characters
 * that would end it or split the line. */
static void gp_data_label(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; ++s)
        fputc(*s == '"' || *s == ',' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
    fputc('"', f);
}

int dse_plot_scatter(dse_plot_set_t *ps, const char *name, const char *title, const char *xlabel,
                     const char *ylabel, const char *const *labels, const double *x,
                     const double *xse, const double *y, size_t n, double slope, double intercept,
                     dse_err_t *err)
{
    char *keep = DSE_MALLOC(n + 1, 1, err);
    if (!keep || label_points(y, n, keep) != 0) {
        free(keep);
        return keep ? DSE_RAISE(err, DSE_ENOMEM, "out of memory labelling plot %s", name)
                    : err->code;
    }
    FILE *csv = begin_plot(ps, name, title, "label", xlabel, ylabel, err);
    if (!csv) {
        free(keep);
        return err->code;
    }
    double lo = INFINITY, hi = -INFINITY;
    int bars = 0;
    fprintf(ps->gp, "$points << EOD\n");
    for (size_t i = 0; i < n; ++i) {
        double e = se_at(&xse, 0, i);
        bars |= e > 0;
        fprintf(ps->gp, "%.17g,%.17g,%.17g,", x[i], y[i], e);
        gp_data_label(ps->gp, keep[i] ? labels[i] : "");
        fputc('\n', ps->gp);
        dse_csv_write_field(csv, labels[i]);
        fprintf(csv, ",%.17g,%.17g,%.17g\n", x[i], y[i], e);
        lo = fmin(lo, x[i] - e);
        hi = fmax(hi, x[i] + e);
    }
    free(keep);
    fprintf(ps->gp, "EOD\nset offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08\n"
                    "set bars small\n");
    fprintf(ps->gp,
            "plot $points using 1:2%s with %s pt 7 ps 1.5 lc rgb '#1f77b4' title 'checkpoints%s', "
            "\\\n     $points using 1:2:4 with labels offset char 0.8,0.7 left font ',9' notitle",
            bars ? ":3" : "", bars ? "xerrorbars" : "points", bars ? " (+- se)" : "");
    if (isfinite(slope) && isfinite(intercept) && hi > lo) {
        fprintf(
            ps->gp,
            ", \\\n     [%.17g:%.17g] %.17g + %.17g * x with lines lw 2 title 'least-squares fit'",
            lo, hi, intercept, slope);
    }
    fputc('\n', ps->gp);
    return dse_fclose_checked(csv, ps->csv, err);
}

static void free_set(dse_plot_set_t *ps)
{
    if (!ps) return;
    if (ps->gp) fclose(ps->gp);
    for (size_t i = 0; i < ps->n_pngs; ++i)
        free(ps->pngs[i]);
    free(ps->pngs);
    free(ps);
}

void dse_plot_discard(dse_plot_set_t *ps)
{
    free_set(ps);
}

int dse_plot_render(dse_plot_set_t *ps, dse_err_t *err)
{
    int rc = dse_fclose_checked(ps->gp, ps->script, err);
    ps->gp = NULL;
    if (rc != DSE_OK) goto out;
    char log[PLOT_PATH_MAX];
    snprintf(log, sizeof log, "%s/plots.log", ps->dir);
    pid_t pid = fork();
    if (pid < 0) {
        rc = DSE_RAISE(err, DSE_EIO, "cannot start gnuplot: fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) { /* child: gnuplot's messages go to DIR/plots.log */
        FILE *lf = freopen(log, "w", stderr);
        if (lf) (void)!dup2(fileno(lf), STDOUT_FILENO);
        execlp("gnuplot", "gnuplot", ps->script, (char *)NULL);
        fprintf(stderr, "exec gnuplot: %s\n", strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            rc = DSE_RAISE(err, DSE_EIO, "waiting for gnuplot: %s", strerror(errno));
            goto out;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char first[256] = "";
        FILE *lf = fopen(log, "r");
        if (lf) {
            if (!fgets(first, sizeof first, lf)) first[0] = '\0';
            first[strcspn(first, "\n")] = '\0';
            fclose(lf);
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            rc = DSE_RAISE(err, DSE_EIO,
                           "gnuplot not found: install gnuplot-nox (tools/setup.sh does)");
        else
            rc = DSE_RAISE(err, DSE_EIO, "%s: gnuplot failed (status %d): %s (see %s)", ps->script,
                           WIFEXITED(status) ? WEXITSTATUS(status) : -1, first, log);
        goto out;
    }
    for (size_t i = 0; i < ps->n_pngs; ++i) {
        struct stat st;
        if (stat(ps->pngs[i], &st) != 0 || st.st_size == 0) {
            rc = DSE_RAISE(err, DSE_EIO, "%s: gnuplot made no image (see %s)", ps->pngs[i], log);
            goto out;
        }
    }
out:
    free_set(ps);
    return rc;
}

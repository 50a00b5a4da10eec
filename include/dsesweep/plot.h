/* plot.h — PNG plots drawn by gnuplot (Debian gnuplot-nox), each with a CSV
 * of exactly the plotted numbers beside it.
 *
 * A plot set collects plots into DIR/plots.gp (data inline, so the script
 * alone redraws everything) and writes DIR/NAME.csv as each plot is added;
 * dse_plot_render runs gnuplot once and checks that every PNG was made.
 * All functions are local; none is collective.
 */
#ifndef DSESWEEP_PLOT_H
#define DSESWEEP_PLOT_H
#include <stddef.h>

#include "dsesweep/error.h"

typedef struct dse_plot_set dse_plot_set_t;

/* Local. Creates DIR if needed and opens DIR/plots.gp. Returns NULL with err
 * set on failure. The caller owns the set and ends it with dse_plot_render
 * or dse_plot_discard. */
dse_plot_set_t *dse_plot_open(const char *dir, dse_err_t *err);

/* Local. A line plot, one line per series: series k has len[k] points
 * (x[k][i], y[k][i]), the legend name names[k] and its own colour, dash
 * pattern and marker (runs with equal values stay visible); where se[k][i]
 * > 0 (se NULL: none) the point has a +- se error bar. Writes DIR/NAME.csv
 * with columns series,x,y,se under the given axis labels. */
int dse_plot_lines(dse_plot_set_t *ps, const char *name, const char *title, const char *xlabel,
                   const char *ylabel, size_t n_series, const char *const *names, const size_t *len,
                   const double *const *x, const double *const *y, const double *const *se,
                   dse_err_t *err);

/* Local. A scatter of n points with the line intercept + slope * x drawn
 * over the x range (skipped when slope is NaN); each point is labelled
 * labels[i] (all of them up to 20 points, else the 5 highest and 5 lowest
 * y) and, where xse[i] > 0 (xse NULL: none), has a horizontal +- xse bar.
 * Writes DIR/NAME.csv with columns label,x,y,se. */
int dse_plot_scatter(dse_plot_set_t *ps, const char *name, const char *title, const char *xlabel,
                     const char *ylabel, const char *const *labels, const double *x,
                     const double *xse, const double *y, size_t n, double slope, double intercept,
                     dse_err_t *err);

/* Local. Runs `gnuplot DIR/plots.gp`, waits, and checks that each PNG exists
 * and is non-empty. Frees the set whatever the outcome. */
int dse_plot_render(dse_plot_set_t *ps, dse_err_t *err);

/* Local. Frees the set without drawing. */
void dse_plot_discard(dse_plot_set_t *ps);

/* Local. Copies `text` into out (capacity cap) as a file-name stem: letters,
 * digits, '-' and '.' kept, anything else becomes '_'. */
void dse_plot_file_stem(const char *text, char *out, size_t cap);

#endif

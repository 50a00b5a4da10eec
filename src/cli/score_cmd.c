/* score_cmd.c — `dsesweep score`: every applicable quantity for one file. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "dsesweep/tune.h"
#include "dsesweep/bounded.h"
#include "dsesweep/cluster.h"
#include "dsesweep/config.h"
#include "dsesweep/export.h"
#include "dsesweep/interval.h"
#include "dsesweep/memory.h"
#include "dsesweep/score.h"
#include "dsesweep/source.h"

#define MAX_T DSE_MAX_T
#define DSE_STR_(x) #x
#define DSE_STR(x) DSE_STR_(x)

static void score_usage(FILE *out)
{
    fprintf(out,
            "usage: dsesweep score EMBEDDINGS [options]\n"
            "\n"
            "Prints quantities of REFERENCE.md for one embeddings file (.npy,\n"
            "FILE.h5:DATASET, FILE.safetensors:TENSOR): DSE, and DSMI with labels, unless\n"
            "--quantities says otherwise. Entropies are in bits; +- is the standard error.\n"
            "\n"
            "options:\n"
            "  --labels FILE      labels for mutual information (integer: discrete classes;\n"
            "                     float N x 1: continuous, binned into --n-clusters bins)\n"
            "  --sigma RULE[,...] Gaussian kernel bandwidth: a number > 0 (default 10),\n"
            "                     sqrt_d, median (the median pairwise distance), median*C,\n"
            "                     or knn:K (per-point sigma_i = distance to the K-th\n"
            "                     neighbour). Several rules share one distance computation\n"
            "                     and each gets its own eigensolve and its own rows\n"
            "  --subsample-repeats B  DSE over B seeded max_N subsamples when N > max_N:\n"
            "                     their mean, with its standard error (default 1)\n"
            "  --t T[,T...]       diffusion powers, integers >= 1; repeatable (default 1)\n"
            "  --max-n N          subsample to N rows when there are more, 0 = never\n"
            "                     (default 10000)\n"
            "  --seed K           seed of every random draw (default 0)\n"
            "  --repetitions R    random subsets per class for MI, >= 1 (default 5)\n"
            "  --bins B           CSE bins per dimension, >= 1 (default 2)\n"
            "  --reference FILE   a vector reference X (N x D'): spectral clustering (kNN\n"
            "                     graph, k = --knn, normalised Laplacian, cluster_qr) into\n"
            "                     --n-clusters categories, spread over the ranks; its MI rows\n"
            "                     are named DSMI_X, CSMI_X, ... as in a sweep (with --labels\n"
            "                     too, both sets are reported)\n"
            "  --write-clusters F write the reference's cluster labels to F (int64 .npy)\n"
            "  --knn K            neighbours of the kNN adjacency (ASE_knn) and of the\n"
            "                     reference's graph, >= 1 (default 10)\n"
            "  --n-clusters C     bins for continuous scalar labels, clusters of --reference,\n"
            "                     >= 1 (default 10)\n"
            "  --quantities LIST  comma list of the quantities below, or all (default: DSE,\n"
            "                     and DSMI with --labels or --reference); --quantities help\n"
            "                     lists them alone\n"
            "  --alpha A          Renyi order of MatrixEntropy, > 0 (default 1: von Neumann)\n"
            "  --method M         DSE's spectrum: exact (dense eigensolve), bounded (top\n"
            "                     eigenvalues by block Lanczos and an interval for DSE at\n"
            "                     every t: certified, or statistical where the spectrum is\n"
            "                     too flat; docs/bounded.md), or auto: exact up to N = 10000\n"
            "                     when it fits the memory budget, else bounded (default)\n"
            "  --precision P      DSE's dense eigensolve: float64 (default) or float32, about\n"
            "                     twice as fast, with an interval at every t proved to\n"
            "                     contain the float64 value; a value only when it is\n"
            "                     within --tol (docs/bounded.md)\n"
            "  --tol BITS         bounded and float32: target half-width of the interval\n"
            "                     (default 0.01)\n"
            "  --max-k K          bounded: most Lanczos basis vectors, >= 64 (default 2000);\n"
            "                     an interval wider than --tol is shown without a value\n"
            "  --driver NAME      eigensolver: auto (default: the tuned choice, `dsesweep tune\n"
            "                     --show`), or one rank: dsyevd, dsyevr, dsyevd_2stage,\n"
            "                     elpa1, elpa2; a group: pdsyev, pdsyevd, elpa1, elpa2,\n"
            "                     dist_2stage\n"
            "  --group-size G     ranks that build and solve the N x N problems: auto (one rank\n"
            "                     when it fits the memory budget, else the fewest that fit),\n"
            "                     all, or a count (default auto). Other work (MI subsets, CSE,\n"
            "                     kNN, RankMe) is spread over all ranks either way.\n"
            "  --nb NB            ScaLAPACK block size, >= 1 (default 64)\n"
            "  --memory-budget B  bytes per rank (default: $DSE_MEMORY_BUDGET, the SLURM\n"
            "                     memory limit, or 80%% of RAM / ranks per node)\n"
            "  --json             print JSON instead of a table\n"
            "  -h, --help         this help\n"
            "\n"
            "Run it under mpiexec to use several ranks; the values do not depend on the rank\n"
            "count (to 1e-10 where an eigensolve is distributed).\n"
            "Exit status: 0 ok, 1 the input or the computation failed, 2 bad usage.\n"
            "\n"
            "quantities (name, sweep family, what it is):\n");
    dse_quantity_print_help(out, 2);
}

static int parse_ulong(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (*s == '-') return 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end) return 0;
    *out = v;
    return 1;
}

static int parse_int_min(const char *s, int min, int *out)
{
    unsigned long long v;
    if (!parse_ulong(s, &v) || v > 1000000000ULL || (long long)v < min) return 0;
    *out = (int)v;
    return 1;
}

/* Appends the comma list arg to ts; 0 on a bad value, -1 past MAX_T values. */
static int add_t_list(const char *arg, double *ts, size_t *nt)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", arg);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned long long v;
        if (!parse_ulong(tok, &v) || v < 1 || v > 1000000) return 0;
        if (*nt == MAX_T) return -1;
        ts[(*nt)++] = (double)v;
    }
    return 1;
}

/* One printed result: an entry of a score run and the name it is shown
 * under (DSMI_X for the reference's MI rows). */
typedef struct {
    const char *name;
    dse_score_entry_t e;
} shown_t;

/* The rule text of entry e ("10", "median", ...); "" when it has no rule. */
static const char *rule_text(const dse_params_t *p, const dse_score_entry_t *e, char *buf,
                             size_t size)
{
    buf[0] = '\0';
    if (!dse_quantity_uses_sigma(dse_quantity_basis(dse_quantity_source(e->quantity)))) return buf;
    dse_sigma_rule_t r = dse_params_rule_at(p, e->rule);
    return dse_sigma_format(&r, buf, size);
}

static void json_params(cJSON *root, const dse_params_t *p)
{
    cJSON *params = cJSON_AddObjectToObject(root, "params");
    cJSON_AddNumberToObject(params, "sigma", p->sigma);
    if (p->n_rules > 0) {
        cJSON *rules = cJSON_AddArrayToObject(params, "sigma_rules");
        for (int r = 0; r < p->n_rules; ++r) {
            char buf[32];
            cJSON_AddItemToArray(
                rules, cJSON_CreateString(dse_sigma_format(&p->rules[r], buf, sizeof buf)));
        }
    }
    cJSON_AddNumberToObject(params, "max_n", (double)p->max_n);
    cJSON_AddNumberToObject(params, "subsample_repeats", p->subsample_repeats);
    cJSON_AddNumberToObject(params, "seed", (double)p->seed);
    cJSON_AddNumberToObject(params, "repetitions", p->repetitions);
    cJSON_AddNumberToObject(params, "bins", p->cse_bins);
    cJSON_AddNumberToObject(params, "knn", p->knn);
    cJSON_AddNumberToObject(params, "n_clusters", p->n_clusters);
    cJSON_AddStringToObject(params, "method", dse_method_name(p->method));
    cJSON_AddStringToObject(params, "precision", dse_precision_name(p->precision));
    cJSON_AddNumberToObject(params, "tol", p->tol);
    cJSON_AddNumberToObject(params, "max_k", (double)p->max_k);
}

static cJSON *json_entry(const dse_params_t *p, const shown_t *r)
{
    cJSON *o = cJSON_CreateObject();
    const dse_score_entry_t *e = &r->e;
    cJSON_AddStringToObject(o, "quantity", r->name);
    if (e->t > 0)
        cJSON_AddNumberToObject(o, "t", e->t);
    else
        cJSON_AddNullToObject(o, "t");
    if (isfinite(e->value))
        dse_export_json_exact(o, "value", e->value);
    else
        cJSON_AddNullToObject(o, "value");
    dse_export_json_exact(o, "se", e->se);
    char rule[32];
    if (p->n_rules > 0 && *rule_text(p, e, rule, sizeof rule)) {
        cJSON_AddStringToObject(o, "sigma_rule", rule);
        dse_export_json_exact(o, "sigma", e->sigma.median);
        dse_export_json_exact(o, "sigma_min", e->sigma.lo);
        dse_export_json_exact(o, "sigma_max", e->sigma.hi);
    }
    cJSON_AddStringToObject(o, "method", dse_method_name(e->method));
    if (dse_score_has_interval(e)) {
        dse_export_json_exact(o, "lower", e->lower);
        dse_export_json_exact(o, "upper", e->upper);
        cJSON_AddStringToObject(o, "interval", dse_score_interval_kind(e));
        cJSON_AddBoolToObject(o, "within_tol", 0.5 * (e->upper - e->lower) <= p->tol * (1 + 1e-12));
        if (e->k || e->products) {
            cJSON_AddNumberToObject(o, "k", (double)e->k);
            cJSON_AddNumberToObject(o, "products", (double)e->products);
        }
    }
    return o;
}

/* The bandwidth check of each rule (or of the one fixed sigma): one line
 * per rule outside [0.05, 20] x the median distance, through emit. */
static void sigma_warnings(const dse_params_t *p, const dse_score_t *s, const shown_t *shown,
                           size_t nshown, void (*emit)(const char *line, void *ctx), void *ctx)
{
    for (int r = 0; r < dse_params_rule_count(p); ++r) {
        double sigma = p->n_rules ? NAN : p->sigma;
        for (size_t i = 0; p->n_rules && i < nshown && !isfinite(sigma); ++i)
            if (shown[i].e.rule == r && dse_quantity_uses_sigma(dse_quantity_basis(
                                            dse_quantity_source(shown[i].e.quantity))))
                sigma = shown[i].e.sigma.median;
        int check = dse_score_sigma_check(sigma, s->median_distance);
        if (!check) continue;
        char rule[32], line[512];
        dse_sigma_rule_t rr = dse_params_rule_at(p, r);
        snprintf(line, sizeof line, "sigma %s = %.4g, median distance %.4g: %s",
                 dse_sigma_format(&rr, rule, sizeof rule), sigma, s->median_distance,
                 dse_score_sigma_warning(check));
        emit(line, ctx);
    }
}

/* The line saying that a forced --driver could not run where the N x N
 * problem ran (a group driver on one rank, a one-rank driver on a group),
 * and which driver did; 0 when it ran as asked. */
static int driver_mismatch(const dse_params_t *p, const dse_score_t *s, char *line, size_t size)
{
    int group = s->big_group_size > 1;
    if (!s->spectrum || p->driver == DSE_EIGEN_AUTO || p->precision == DSE_PRECISION_FLOAT32 ||
        dse_eigen_driver_scope(p->driver) & (group ? DSE_EIGEN_GROUP : DSE_EIGEN_ONE_RANK))
        return 0;
    if (group)
        snprintf(line, size,
                 "--driver %s is a one-rank driver, but the N x N problem ran on a group of %d "
                 "ranks: %s solved it",
                 dse_eigen_driver_name(p->driver), s->big_group_size, dse_score_driver_name(p, s));
    else
        snprintf(line, size,
                 "--driver %s is a group driver, but the N x N problem ran on one rank: %s "
                 "solved it (`mpiexec -n P dsesweep score ... --group-size P` runs a group)",
                 dse_eigen_driver_name(p->driver), dse_score_driver_name(p, s));
    return 1;
}

static void emit_json(const char *line, void *ctx)
{
    cJSON_AddItemToArray((cJSON *)ctx, cJSON_CreateString(line));
}

static void emit_table(const char *line, void *ctx)
{
    (void)ctx;
    printf("warning     %s\n", line);
}

static void print_json(const char *emb, const char *dtype, const char *labels,
                       const dse_params_t *p, const dse_score_t *s, const shown_t *shown,
                       size_t nshown, int ranks)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "embeddings", emb);
    cJSON_AddStringToObject(root, "dtype", dtype);
    cJSON_AddNumberToObject(root, "n", (double)s->n);
    cJSON_AddNumberToObject(root, "d", (double)s->d);
    cJSON_AddNumberToObject(root, "n_used", (double)s->n_used);
    cJSON_AddNumberToObject(root, "ranks", ranks);
    cJSON_AddNumberToObject(root, "group_size", s->big_group_size);
    cJSON_AddNumberToObject(root, "seconds", s->seconds);
    if (p->n_rules > 0 && s->stats.distance_passes)
        cJSON_AddNumberToObject(root, "distance_passes", (double)s->stats.distance_passes);
    if (isfinite(s->median_distance)) {
        dse_export_json_exact(root, "median_distance", s->median_distance);
        sigma_warnings(p, s, shown, nshown, emit_json, cJSON_AddArrayToObject(root, "warnings"));
    }
    char drv_line[512];
    if (driver_mismatch(p, s, drv_line, sizeof drv_line)) {
        cJSON *warnings = cJSON_GetObjectItem(root, "warnings");
        if (!warnings) warnings = cJSON_AddArrayToObject(root, "warnings");
        emit_json(drv_line, warnings);
    }
    cJSON_AddStringToObject(root, "driver", dse_score_driver_name(p, s));
    if (s->bounded_ranks) {
        cJSON_AddNumberToObject(root, "bounded_ranks", s->bounded_ranks);
        cJSON_AddStringToObject(
            root, "bounded_storage",
            dse_bounded_storage_name((dse_bounded_storage_t)s->bounded_storage));
    }
    cJSON_AddNumberToObject(root, "blas_threads", dse_tune_blas_threads());
    cJSON_AddStringToObject(root, "driver_table", dse_tune_source());
    if (labels) {
        cJSON_AddStringToObject(root, "labels", labels);
        cJSON_AddNumberToObject(root, "n_classes", (double)s->n_classes);
    }
    json_params(root, p);
    cJSON *results = cJSON_AddArrayToObject(root, "results");
    for (size_t i = 0; i < nshown; ++i)
        cJSON_AddItemToArray(results, json_entry(p, &shown[i]));
    char *text = cJSON_Print(root);
    if (text) puts(text);
    free(text);
    cJSON_Delete(root);
}

static void print_table(const char *emb, const char *dtype, const char *labels,
                        const dse_params_t *p, const dse_score_t *s, const shown_t *shown,
                        size_t nshown, int ranks)
{
    printf("embeddings  %s  (N = %zu, D = %zu, %s)\n", emb, s->n, s->d, dtype);
    printf("ranks       %d (N x N problems on %d), %.3f s\n", ranks, s->big_group_size, s->seconds);
    if (s->spectrum)
        printf("eigensolver %s, %d BLAS thread(s); %s\n", dse_score_driver_name(p, s),
               dse_tune_blas_threads(), dse_tune_note());
    char drv_line[512];
    if (driver_mismatch(p, s, drv_line, sizeof drv_line)) emit_table(drv_line, NULL);
    if (s->bounded_ranks)
        printf("method      bounded%s (tol %g bits, max_k %zu): block Lanczos on %d rank(s), K "
               "%s\n",
               p->method != DSE_METHOD_AUTO                ? ""
               : s->n_used > (size_t)DSE_METHOD_AUTO_MAX_N ? ", auto: N > 10000"
                                                           : ", auto: the dense solve does not fit "
                                                             "the memory budget",
               p->tol, p->max_k, s->bounded_ranks, dse_interval_storage_text(s->bounded_storage));
    if (s->n_used < s->n)
        printf("subsample   %zu of %zu rows (seed %llu, %d repeat(s) for DSE)\n", s->n_used, s->n,
               (unsigned long long)p->seed, p->subsample_repeats);
    if (labels) printf("labels      %s  (%zu categories)\n", labels, s->n_classes);
    if (isfinite(s->median_distance)) {
        printf("median pairwise distance %.6g%s\n", s->median_distance,
               s->n_used > DSE_SCORE_MEDIAN_ROWS ? " (seeded subsample)" : "");
        sigma_warnings(p, s, shown, nshown, emit_table, NULL);
    }
    if (p->n_rules == 0)
        printf("sigma %g, CSE bins %d, kNN k %d, MI repetitions %d\n\n", p->sigma, p->cse_bins,
               p->knn, p->repetitions);
    else
        printf("sigma rules below, CSE bins %d, kNN k %d, MI repetitions %d\n\n", p->cse_bins,
               p->knn, p->repetitions);
    if (p->n_rules > 0)
        printf("%-22s %-12s %-22s %4s  %s\n", "quantity", "sigma rule", "sigma used", "t", "value");
    else
        printf("%-22s %4s  %s\n", "quantity", "t", "value");
    for (size_t i = 0; i < nshown; ++i) {
        const dse_score_entry_t *e = &shown[i].e;
        char t[16] = "-", rule[32], used[64] = "";
        if (e->t > 0) snprintf(t, sizeof t, "%g", e->t);
        if (p->n_rules > 0) {
            if (!*rule_text(p, e, rule, sizeof rule))
                snprintf(rule, sizeof rule, "-");
            else if (e->sigma.lo < e->sigma.hi)
                snprintf(used, sizeof used, "%.4g (%.4g..%.4g)", e->sigma.median, e->sigma.lo,
                         e->sigma.hi);
            else
                snprintf(used, sizeof used, "%.6g", e->sigma.median);
            printf("%-22s %-12s %-22s %4s  %.12g", shown[i].name, rule, used[0] ? used : "-", t,
                   e->value);
        } else {
            printf("%-22s %4s  %.12g", shown[i].name, t, e->value);
        }
        if (e->se > 0) printf("  +- %.3g", e->se);
        if (dse_score_has_interval(e))
            printf("  in [%.6f, %.6f] %s%s", e->lower, e->upper, dse_score_interval_kind(e),
                   isfinite(e->value) ? "" : ", NOT within tol: no value");
        printf("\n");
    }
}

/* Collective on MPI_COMM_WORLD: spectral clustering of the reference X into
 * p->n_clusters categories (kNN graph with k = p->knn); rank 0 writes the
 * labels to write_path (int64 .npy) when given. */
static int categories_of_reference(const char *reference, size_t n, const char *emb,
                                   const dse_params_t *p, const char *write_path,
                                   dse_categories_t *cat, dse_err_t *err)
{
    int32_t *labels = NULL;
    dse_cluster_info_t info;
    int rc = dse_cluster_reference(MPI_COMM_WORLD, reference, n, emb, (size_t)p->knn,
                                   (size_t)p->n_clusters, &labels, &info, err);
    if (rc == DSE_OK) {
        if (write_path && dse_cli_rank0())
            rc = dse_cluster_labels_write(write_path, labels, n, err);
        rc = dse_comm_agree(MPI_COMM_WORLD, rc, err);
    }
    if (rc == DSE_OK) rc = dse_cluster_categories(labels, n, reference, cat, err);
    free(labels);
    return rc;
}

/* Everything `dsesweep score` takes from its command line. */
typedef struct {
    dse_params_t p;
    dse_score_opts_t opts;
    const char *labels, *quantities, *reference, *write_clusters;
    double ts[MAX_T];
    size_t nt;
    int json;
} score_args_t;

/* The flags that set a numerical parameter: each is a [quantities] key of
 * the config (config.c's table parses and bounds it), "_" written "-". */
static const char *const param_flags[] = {
    "sigma", "max-n",      "seed",     "repetitions",       "bins",
    "knn",   "n-clusters", "alpha",    "subsample-repeats", "method",
    "tol",   "max-k",      "precision"};
#define N_PARAM_FLAGS (sizeof param_flags / sizeof param_flags[0])

enum {
    O_LABELS = 256,
    O_T,
    O_Q,
    O_DRV,
    O_JSON,
    O_GROUP,
    O_NB,
    O_BUDGET,
    O_REF,
    O_WCL,
    O_PARAM /* O_PARAM + i: param_flags[i] */
};

/* Sets the parameter of param_flags[i] from its text. */
static int set_param_flag(score_args_t *a, size_t i, const char *text)
{
    char key[32];
    snprintf(key, sizeof key, "%s", param_flags[i]);
    for (char *c = key; *c; ++c)
        if (*c == '-') *c = '_';
    dse_err_t e;
    if (dse_config_set_param(&a->p, key, text, NULL, &e) != DSE_OK)
        return dse_cli_usage_error("score", "%s", e.msg);
    return -1;
}

/* Applies one option (getopt code c, its argument optarg; prev: the word
 * it came from, for messages). Returns -1 to go on, else the exit status. */
static int score_option(int c, score_args_t *a, const char *prev)
{
    if (c >= O_PARAM && (size_t)(c - O_PARAM) < N_PARAM_FLAGS)
        return set_param_flag(a, (size_t)(c - O_PARAM), optarg);
    switch (c) {
    case O_LABELS:
        a->labels = optarg;
        break;
    case O_REF:
        a->reference = optarg;
        break;
    case O_WCL:
        a->write_clusters = optarg;
        break;
    case O_T:
        switch (add_t_list(optarg, a->ts, &a->nt)) {
        case 0:
            return dse_cli_usage_error("score", "--t takes integers in [1, 1000000] (got '%s')",
                                       optarg);
        case -1:
            return dse_cli_usage_error(
                "score", "--t takes at most " DSE_STR(DSE_MAX_T) " values (got '%s')", optarg);
        }
        break;
    case O_Q:
        a->quantities = optarg;
        break;
    case O_DRV:
        if (dse_eigen_driver_parse(optarg, &a->p.driver) != DSE_OK) {
            char msg[256];
            snprintf(msg, sizeof msg, "--driver must be auto or one of %s (got '%s')",
                     dse_eigen_driver_list(DSE_EIGEN_ONE_RANK | DSE_EIGEN_GROUP), optarg);
            return dse_cli_usage_error("score", "%s", msg);
        }
        break;
    case O_JSON:
        a->json = 1;
        break;
    case O_GROUP:
        if (!strcmp(optarg, "auto"))
            a->opts.group_size = 0;
        else if (!strcmp(optarg, "all"))
            a->opts.group_size = -1;
        else if (!parse_int_min(optarg, 1, &a->opts.group_size))
            return dse_cli_usage_error(
                "score", "--group-size must be auto, all or an integer >= 1 (got '%s')", optarg);
        break;
    case O_NB:
        if (!parse_int_min(optarg, 1, &a->opts.nb) || a->opts.nb > 4096)
            return dse_cli_usage_error("score", "--nb must be an integer in [1, 4096] (got '%s')",
                                       optarg);
        break;
    case O_BUDGET:
        if (!dse_parse_bytes(optarg, &a->opts.budget_bytes) || a->opts.budget_bytes == 0)
            return dse_cli_usage_error(
                "score",
                "--memory-budget must be a byte count > 0 such as 2G or 512M "
                "(got '%s')",
                optarg);
        break;
    case 'h':
        score_usage(stdout);
        return 0;
    default:
        return dse_cli_usage_error("score", "unknown or incomplete option '%s'", prev);
    }
    return -1;
}

/* Appends the entries of s to shown; MI rows get their mi_x name when x. */
static int add_shown(const dse_score_t *s, int x, shown_t **shown, size_t *n, dse_err_t *err)
{
    shown_t *grown = realloc(*shown, (*n + s->n_entries + 1) * sizeof *grown);
    if (!grown) return DSE_RAISE(err, DSE_ENOMEM, "cannot grow the result list");
    *shown = grown;
    for (size_t i = 0; i < s->n_entries; ++i) {
        dse_qfamily_t f = x ? DSE_QFAMILY_MI_X : DSE_QFAMILY_MI;
        grown[(*n)++] =
            (shown_t){dse_quantity_store_name(s->entries[i].quantity, f), s->entries[i]};
    }
    return DSE_OK;
}

/* Collective on MPI_COMM_WORLD: with a reference, its MI rows (named *_X)
 * from a second run over the reference's clusters; label-free quantities
 * come from the first run only. */
static int score_reference(const score_args_t *a, dse_source_t *src, const char *emb, uint64_t bits,
                           dse_score_t *first, shown_t **shown, size_t *nshown, dse_err_t *err)
{
    dse_categories_t cat = {0};
    dse_score_t s = {0};
    int rc = categories_of_reference(a->reference, dse_source_rows(src), emb, &a->p,
                                     a->write_clusters, &cat, err);
    if (rc == DSE_OK) {
        dse_source_rows_t reader = {src, NULL};
        dse_score_input_t in = {dse_source_rows(src), dse_source_cols(src), dse_source_rows_read,
                                &reader, &cat};
        uint64_t b = a->labels ? bits & DSE_Q_MI_ALL : bits;
        rc = dse_score_run(MPI_COMM_WORLD, &in, &a->p, b, a->ts, a->nt, &a->opts, &s, err);
    }
    if (rc == DSE_OK && dse_cli_rank0()) rc = add_shown(&s, 1, shown, nshown, err);
    if (rc == DSE_OK && !a->labels) {
        dse_score_free(first);
        *first = s;
    } else {
        dse_score_free(&s);
    }
    dse_categories_free(&cat);
    return dse_comm_agree(MPI_COMM_WORLD, rc, err);
}

/* Collective on MPI_COMM_WORLD: scores the file emb for bits with a's
 * options; rank 0 prints the result or the error. Returns the exit status. */
static int score_file(const score_args_t *a, const char *emb, uint64_t bits)
{
    const dse_params_t *p = &a->p;
    dse_err_t err;
    dse_err_clear(&err);
    int ranks = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    /* Every rank opens the file (header only) and reads just the rows its tasks need. */
    dse_source_t *src = NULL;
    dse_categories_t cat = {0};
    dse_score_t s = {0};
    shown_t *shown = NULL;
    size_t nshown = 0;
    int rc = dse_source_open(emb, &src, &err);
    if (rc == DSE_OK) rc = dse_source_check_embeddings(src, &err);
    if (rc == DSE_OK && a->labels)
        rc = dse_categories_load(a->labels, dse_source_rows(src), emb, p->n_clusters, &cat, &err);
    rc = dse_comm_agree(MPI_COMM_WORLD, rc, &err);
    if (rc == DSE_OK && (a->labels || !a->reference)) {
        dse_source_rows_t reader = {src, NULL};
        dse_score_input_t in = {dse_source_rows(src), dse_source_cols(src), dse_source_rows_read,
                                &reader, a->labels ? &cat : NULL};
        rc = dse_score_run(MPI_COMM_WORLD, &in, p, bits, a->ts, a->nt, &a->opts, &s, &err);
        if (rc == DSE_OK && dse_cli_rank0()) rc = add_shown(&s, 0, &shown, &nshown, &err);
        rc = dse_comm_agree(MPI_COMM_WORLD, rc, &err);
    }
    if (rc == DSE_OK && a->reference)
        rc = score_reference(a, src, emb, bits, &s, &shown, &nshown, &err);
    const char *labels = a->labels ? a->labels : a->reference;
    if (dse_cli_rank0()) {
        if (rc == DSE_OK && a->json)
            print_json(emb, dse_source_dtype(src), labels, p, &s, shown, nshown, ranks);
        else if (rc == DSE_OK)
            print_table(emb, dse_source_dtype(src), labels, p, &s, shown, nshown, ranks);
        else
            dse_err_report(stderr, "dsesweep score", &err);
    }
    free(shown);
    dse_score_free(&s);
    dse_categories_free(&cat);
    dse_source_close(&src);
    return rc == DSE_OK ? 0 : (rc == DSE_EUSAGE ? 2 : 1);
}

int dse_cli_score(int argc, char **argv)
{
    score_args_t a = {.p = dse_params_default(), .opts = {0, 64, 0}, .quantities = NULL};
    static const struct option fixed_opts[] = {{"labels", required_argument, 0, O_LABELS},
                                               {"reference", required_argument, 0, O_REF},
                                               {"write-clusters", required_argument, 0, O_WCL},
                                               {"t", required_argument, 0, O_T},
                                               {"quantities", required_argument, 0, O_Q},
                                               {"driver", required_argument, 0, O_DRV},
                                               {"json", no_argument, 0, O_JSON},
                                               {"group-size", required_argument, 0, O_GROUP},
                                               {"nb", required_argument, 0, O_NB},
                                               {"memory-budget", required_argument, 0, O_BUDGET},
                                               {"help", no_argument, 0, 'h'}};
    enum { N_FIXED = sizeof fixed_opts / sizeof fixed_opts[0] };
    struct option long_opts[N_FIXED + N_PARAM_FLAGS + 1];
    memcpy(long_opts, fixed_opts, sizeof fixed_opts);
    for (size_t i = 0; i < N_PARAM_FLAGS; ++i)
        long_opts[N_FIXED + i] =
            (struct option){param_flags[i], required_argument, 0, O_PARAM + (int)i};
    long_opts[N_FIXED + N_PARAM_FLAGS] = (struct option){0, 0, 0, 0};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        int st = score_option(c, &a, argv[optind - 1]);
        if (st >= 0) return st;
    }
    dse_eigen_driver_t drv;
    dse_err_t perr;
    if (dse_params_dse_driver(&a.p, &drv, &perr) != DSE_OK)
        return dse_cli_usage_error("score", "%s", perr.msg);
    /* The default is what a user asks for first: DSE, and DSMI with categories. */
    if (!a.quantities) a.quantities = a.labels || a.reference ? "DSE,DSMI" : "DSE";
    if (!strcasecmp(a.quantities, "help")) {
        if (dse_cli_rank0()) dse_quantity_print_help(stdout, 0);
        return 0;
    }
    if (optind != argc - 1)
        return dse_cli_usage_error("score", "%s",
                                   optind >= argc ? "needs one EMBEDDINGS file"
                                                  : "takes exactly one EMBEDDINGS file");
    if (a.write_clusters && !a.reference)
        return dse_cli_usage_error("score", "%s", "--write-clusters needs --reference");
    int ranks = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (a.opts.group_size > ranks) { /* the same on every rank: all refuse */
        char msg[160];
        snprintf(msg, sizeof msg,
                 "--group-size %d needs at least %d ranks; this run has %d (start it with "
                 "mpiexec -n %d)",
                 a.opts.group_size, a.opts.group_size, ranks, a.opts.group_size);
        return dse_cli_usage_error("score", "%s", msg);
    }
    if (a.nt == 0) a.ts[a.nt++] = 1.0;
    dse_err_t err;
    dse_err_clear(&err);
    uint64_t bits;
    if (dse_quantity_parse(a.quantities, &bits, &err) != DSE_OK) {
        if (dse_cli_rank0()) fprintf(stderr, "dsesweep score: %s\n", err.msg);
        return 2;
    }
    return score_file(&a, argv[optind], bits);
}

/* config.c — the sweep configuration, table-driven on top of inih. */
#include "dsesweep/config.h"

#include "dsesweep/memory.h"
#include "dsesweep/hash.h"

#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsesweep/score.h"

typedef enum {
    K_STRING,    /* free text */
    K_PATH,      /* a path, resolved against the config's directory */
    K_PATH_LIST, /* comma-separated paths */
    K_DOUBLE,
    K_INT,
    K_UINT64,
    K_INT_LIST, /* comma-separated integers (t) */
    K_QUANTITIES,
    K_BYTES,    /* integer with optional K/M/G/T suffix (powers of 1024); 0 = automatic */
    K_GROUP,    /* auto | all | integer */
    K_SIGMA,    /* bandwidth rules (params.h), comma-separated */
    K_METHOD,   /* auto | exact | bounded */
    K_PRECISION /* float64 | float32 */
} key_type_t;

/* Whether a key decides the numbers (dse_config_fingerprint hashes it, and a
 * store made with another value is refused naming it). */
enum { D_NO, D_VALUE, D_BASENAME /* only the file name counts */ };

typedef struct {
    const char *section, *name;
    key_type_t type;
    const char *def; /* NULL: required */
    double min, max;
    const char *help;
    int decides; /* D_NO, D_VALUE or D_BASENAME */
} key_spec_t;

/* The one table of every key. Order is the order of docs/config.md. */
static const key_spec_t keys[] = {
    {"sweep", "roots", K_PATH_LIST, NULL, 0, 0,
     "checkpoint root directories, comma-separated; only files below them are read", D_NO},
    {"sweep", "include", K_STRING, "*.npy", 0, 0,
     "glob (fnmatch) on a file's path below its root; * also matches '/'", D_NO},
    {"sweep", "path_regex", K_STRING, "", 0, 0,
     "PCRE2 regex on the path below the root with named parts (?<run>...) and "
     "(?<step>...) (without a step group: one checkpoint per run, no step); empty: run = "
     "parent directory, step = last number in the file name",
     D_NO},
    {"sweep", "dataset", K_STRING, "", 0, 0,
     "dataset (HDF5) or tensor (safetensors) name inside each file; empty: the only one", D_VALUE},
    {"sweep", "labels", K_PATH, "", 0, 0,
     "labels shared by every checkpoint (integer: classes; float N x 1: binned); "
     "empty: no mutual information",
     D_BASENAME},
    {"sweep", "reference", K_PATH, "", 0, 0,
     "input vectors X (N x D') shared by every checkpoint: clustered once per store (kNN "
     "graph with k = knn, n_clusters spectral clusters) for DSMI_X, CSMI_X, ...; "
     "empty: none",
     D_BASENAME},
    {"sweep", "store", K_PATH, NULL, 0, 0, "the HDF5 store the sweep fills (created if missing)",
     D_NO},
    {"sweep", "memory_budget", K_BYTES, "0", 0, 1e18,
     "bytes per rank (suffix K/M/G/T = 1024^k); 0: automatic (80% of RAM / ranks per node, "
     "or the SLURM limit)",
     D_NO},
    {"sweep", "group_size", K_GROUP, "auto", 1, 1e6,
     "ranks per N x N problem: auto (fewest that fit the budget), all, or a count", D_NO},
    {"quantities", "compute", K_QUANTITIES, "DSE,DSMI", 0, 0,
     "quantities, comma-separated, or all (the list: `dsesweep score --quantities help`)", D_VALUE},
    {"quantities", "sigma", K_SIGMA, "10", 0, 0,
     "Gaussian kernel bandwidth: a number > 0, sqrt_d (sqrt(D)), median (median pairwise "
     "distance), median*C, or knn:K (sigma_i = distance to the K-th neighbour); a comma list "
     "computes each (one distance computation, one eigensolve per rule)",
     D_VALUE},
    {"quantities", "subsample_repeats", K_INT, "1", 1, 64,
     "B seeded max_n subsamples for DSE when a checkpoint has more rows: their mean and "
     "standard error",
     D_VALUE},
    {"quantities", "alpha", K_DOUBLE, "1", 1e-300, 1e300,
     "Renyi order of MatrixEntropy (> 0; 1: von Neumann)", D_VALUE},
    {"quantities", "t", K_INT_LIST, "1", 1, 1000000, "diffusion powers t, comma-separated",
     D_VALUE},
    {"quantities", "max_n", K_INT, "10000", 0, 1e9,
     "subsample a checkpoint to this many rows when it has more (0: never)", D_VALUE},
    {"quantities", "repetitions", K_INT, "5", 1, 100000, "random subsets per class for MI",
     D_VALUE},
    {"quantities", "seed", K_UINT64, "0", 0, 1.8e19, "seed of every random draw", D_VALUE},
    {"quantities", "bins", K_INT, "2", 1, 65535, "CSE bins per dimension", D_VALUE},
    {"quantities", "knn", K_INT, "10", 1, 1e9,
     "k of the kNN adjacency (ASE_knn) and of the reference's kNN graph", D_VALUE},
    {"quantities", "n_clusters", K_INT, "10", 1, 1e6,
     "bins for continuous scalar labels; clusters of the reference", D_VALUE},
    {"quantities", "method", K_METHOD, "auto", 0, 0,
     "DSE's spectrum: exact (dense eigensolve), bounded (top eigenvalues by block Lanczos; an "
     "interval for DSE at every t, certified, or statistical where the tail is too heavy; "
     "docs/bounded.md) or auto (exact up to N = 10000 when it fits the budget, else bounded); "
     "case-insensitive",
     D_VALUE},
    {"quantities", "precision", K_PRECISION, "float64", 0, 0,
     "DSE's dense eigensolve: float64, or float32 (1.4-1.8x faster on a 2-core VM; DSE at "
     "every t gets an interval proved to contain the float64 value, and a value only when the "
     "interval is within tol; docs/bounded.md); case-insensitive",
     D_VALUE},
    {"quantities", "tol", K_DOUBLE, "0.01", 1e-300, 1e300,
     "bounded and float32: target half-width of the DSE interval in bits (> 0)", D_VALUE},
    {"quantities", "max_k", K_INT, "2000", 64, 1e9,
     "bounded: most Lanczos basis vectors (the k budget); tol not reached: the interval is "
     "stored as it is, wider than asked, with no value",
     D_VALUE},
};
#define N_KEYS (sizeof keys / sizeof keys[0])

static const char *type_name(key_type_t t)
{
    static const char *names[] = {"string",   "path",    "path list",       "number",
                                  "integer",  "integer", "integer list",    "quantity list",
                                  "bytes",    "group",   "sigma rule list", "method",
                                  "precision"};
    _Static_assert(sizeof names / sizeof names[0] == K_PRECISION + 1, "a name per key type");
    return names[t];
}

void dse_config_print_keys(void *outp, int markdown)
{
    FILE *out = outp;
    if (markdown) {
        fprintf(
            out,
            "| section | key | type | default | bounds | meaning |\n|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < N_KEYS; ++i) {
            const key_spec_t *k = &keys[i];
            char bounds[64] = "";
            if (k->type == K_DOUBLE || k->type == K_INT || k->type == K_INT_LIST)
                snprintf(bounds, sizeof bounds, "%s%g .. %g", k->type == K_DOUBLE ? "> 0, " : "",
                         k->type == K_DOUBLE ? 0.0 : k->min, k->max);
            fprintf(out, "| [%s] | `%s` | %s | %s | %s | %s |\n", k->section, k->name,
                    type_name(k->type), k->def ? (*k->def ? k->def : "(empty)") : "required",
                    bounds, k->help);
        }
        return;
    }
    const char *section = "";
    for (size_t i = 0; i < N_KEYS; ++i) {
        const key_spec_t *k = &keys[i];
        if (strcmp(section, k->section)) fprintf(out, "[%s]\n", section = k->section);
        fprintf(out, "  %-14s %-13s default %-9s %s\n", k->name, type_name(k->type),
                k->def ? (*k->def ? k->def : "(empty)") : "required", k->help);
    }
}

const char *dse_config_key_section(const char *name)
{
    for (size_t i = 0; i < N_KEYS; ++i)
        if (!strcmp(keys[i].name, name)) return keys[i].section;
    return NULL;
}

typedef struct {
    dse_config_t *cfg;
    const char *name, *base_dir;
    dse_err_t *err;
    int rc;
    int line;         /* current line, counted by our reader */
    const char *next; /* reader position in the text */
    int seen[N_KEYS]; /* line where each key was set (0: not yet) */
    int too_long;     /* a line over the inih buffer was met */
    int as_flags;     /* messages name keys as command-line flags (--max-n), unprefixed */
} parse_state_t;

/* A key's name in messages: "max_n", or "--max-n" for command-line flags. */
static const char *key_display(const parse_state_t *st, const key_spec_t *k, char *buf, size_t size)
{
    if (!st->as_flags) return k->name;
    snprintf(buf, size, "--%s", k->name);
    for (char *c = buf; *c; ++c)
        if (*c == '_') *c = '-';
    return buf;
}

/* A path from the file: relative ones are taken from the config's directory,
 * and the directory part is made canonical when it exists. NULL (st->err
 * set) when out of memory; the caller owns the result. */
static char *resolve(const parse_state_t *st, const char *value)
{
    if (value[0] == '\0') return DSE_STRDUP(value, st->err);
    char joined[PATH_MAX];
    if (value[0] == '/' || !st->base_dir || !*st->base_dir)
        snprintf(joined, sizeof joined, "%s", value);
    else
        snprintf(joined, sizeof joined, "%s/%s", st->base_dir, value);
    char real[PATH_MAX];
    if (realpath(joined, real)) return DSE_STRDUP(real, st->err);
    char *slash = strrchr(joined, '/');
    if (slash && slash != joined) {
        *slash = '\0';
        if (realpath(joined, real)) {
            size_t n = strlen(real) + strlen(slash + 1) + 2;
            char *p = DSE_MALLOC(n, 1, st->err);
            if (p) snprintf(p, n, "%s/%s", real, slash + 1);
            return p;
        }
        *slash = '/';
    }
    return DSE_STRDUP(joined, st->err);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* A usage error "<config>:<line>: ..." (no line: "<config>: ..."); needs
 * err, n (the config's name) and line in scope. */
#define BAD(fmt, ...)                                                                              \
    (line ? DSE_RAISE(err, DSE_EUSAGE, "%s:%d: " fmt, n, line, __VA_ARGS__)                        \
     : n  ? DSE_RAISE(err, DSE_EUSAGE, "%s: " fmt, n, __VA_ARGS__)                                 \
          : DSE_RAISE(err, DSE_EUSAGE, fmt, __VA_ARGS__))

/* roots = A, B, ...: each resolved against the config's directory. */
static int set_roots(parse_state_t *st, const char *value, int line)
{
    dse_config_t *c = st->cfg;
    dse_err_t *err = st->err;
    const char *n = st->name;
    for (int i = 0; i < c->n_roots; ++i)
        free(c->roots[i]);
    c->n_roots = 0;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", value);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (!*tok) continue;
        if (c->n_roots == DSE_CONFIG_MAX_ROOTS)
            return BAD("roots: at most %d roots", DSE_CONFIG_MAX_ROOTS);
        if (!(c->roots[c->n_roots] = resolve(st, tok))) return DSE_ENOMEM;
        c->n_roots++;
    }
    if (c->n_roots == 0) return BAD("roots must name at least one directory (got '%s')", value);
    return DSE_OK;
}

/* t = 1, 2, ...: integers in the key's bounds. */
static int set_t_list(parse_state_t *st, const key_spec_t *k, const char *value, int line)
{
    dse_config_t *c = st->cfg;
    dse_err_t *err = st->err;
    const char *n = st->name;
    char buf[1024], *end;
    snprintf(buf, sizeof buf, "%s", value);
    c->n_t = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        errno = 0;
        unsigned long long v = *tok == '-' ? 0 : strtoull(tok, &end, 10);
        if (*tok == '-' || errno || end == tok || *end || (double)v < k->min || (double)v > k->max)
            return BAD("%s takes integers in [%g, %g] (got '%s')", k->name, k->min, k->max, value);
        if (c->n_t == DSE_CONFIG_MAX_T)
            return BAD("%s: at most %d values", k->name, DSE_CONFIG_MAX_T);
        c->t[c->n_t++] = (double)v;
    }
    if (c->n_t == 0) return BAD("%s needs at least one value (got '%s')", k->name, value);
    return DSE_OK;
}

/* 1 for the key types whose value is a comma-separated list. */
static int is_list(int type)
{
    return type == K_PATH_LIST || type == K_INT_LIST || type == K_QUANTITIES || type == K_SIGMA;
}

/* The 1-based position of the first empty item of a comma list ("1,2," ->
 * 3, "1,,2" -> 2, " , 1" -> 1), 0 when every item has text. */
static int empty_item(const char *value)
{
    int item = 1, text = 0;
    for (const char *p = value;; ++p) {
        if (*p == ',' || !*p) {
            if (!text) return item;
            if (!*p) return 0;
            item++;
            text = 0;
        } else if (*p != ' ' && *p != '\t') {
            text = 1;
        }
    }
}

/* Sets one key from its text; returns 0 on success or fills the error. */
static int set_key(parse_state_t *st, const key_spec_t *k, const char *value, int line)
{
    dse_config_t *c = st->cfg;
    dse_err_t *err = st->err;
    const char *n = st->name;
    char *end, kbuf[40];
    const char *kn = key_display(st, k, kbuf, sizeof kbuf);
    int empty = is_list(k->type) && *value ? empty_item(value) : 0;
    if (empty) return BAD("%s: item %d of '%s' is empty (a stray comma?)", kn, empty, value);
    if (!strcmp(k->name, "roots")) return set_roots(st, value, line);
    char **str = NULL;
    if (!strcmp(k->name, "include")) str = &c->include;
    if (!strcmp(k->name, "path_regex")) str = &c->path_regex;
    if (!strcmp(k->name, "dataset")) str = &c->dataset;
    if (!strcmp(k->name, "labels")) str = &c->labels;
    if (!strcmp(k->name, "reference")) str = &c->reference;
    if (!strcmp(k->name, "store")) str = &c->store;
    if (str) {
        if (k->type == K_PATH && k->def == NULL && !*value) return BAD("%s must not be empty", kn);
        free(*str);
        *str = k->type == K_PATH ? resolve(st, value) : DSE_STRDUP(value, err);
        return *str ? DSE_OK : DSE_ENOMEM;
    }
    switch (k->type) {
    case K_DOUBLE: {
        errno = 0;
        double v = strtod(value, &end);
        if (errno || end == value || *end || !isfinite(v) || v < k->min || v > k->max)
            return BAD("%s must be a number > 0 (got '%s')", kn, value);
        *(!strcmp(k->name, "alpha") ? &c->params.alpha : &c->params.tol) = v;
        return DSE_OK;
    }
    case K_INT:
    case K_UINT64: {
        errno = 0;
        if (*value == '-')
            return BAD("%s must be an integer in [%g, %g] (got '%s')", kn, k->min, k->max, value);
        unsigned long long v = strtoull(value, &end, 10);
        if (errno || end == value || *end || (double)v < k->min || (double)v > k->max)
            return BAD("%s must be an integer in [%g, %g] (got '%s')", kn, k->min, k->max, value);
        if (!strcmp(k->name, "max_n")) c->params.max_n = (size_t)v;
        if (!strcmp(k->name, "repetitions")) c->params.repetitions = (int)v;
        if (!strcmp(k->name, "seed")) c->params.seed = v;
        if (!strcmp(k->name, "bins")) c->params.cse_bins = (int)v;
        if (!strcmp(k->name, "knn")) c->params.knn = (int)v;
        if (!strcmp(k->name, "n_clusters")) c->params.n_clusters = (int)v;
        if (!strcmp(k->name, "subsample_repeats")) c->params.subsample_repeats = (int)v;
        if (!strcmp(k->name, "max_k")) c->params.max_k = (size_t)v;
        return DSE_OK;
    }
    case K_SIGMA: {
        dse_err_t serr;
        if (dse_sigma_parse_list(value, &c->params, &serr) != DSE_OK)
            return BAD("%s must be a number > 0, sqrt_d, median, median*C or knn:K, or a comma "
                       "list of them (got '%s')",
                       kn, value);
        return DSE_OK;
    }
    case K_INT_LIST:
        return set_t_list(st, k, value, line);
    case K_METHOD: {
        dse_err_t merr;
        if (dse_method_parse(value, &c->params.method, &merr) != DSE_OK)
            return BAD("%s must be auto, exact or bounded (got '%s')", kn, value);
        return DSE_OK;
    }
    case K_PRECISION: {
        dse_err_t perr;
        if (dse_precision_parse(value, &c->params.precision, &perr) != DSE_OK)
            return BAD("%s must be float64 or float32 (got '%s')", kn, value);
        return DSE_OK;
    }
    case K_QUANTITIES: {
        dse_err_t qerr;
        if (dse_quantity_parse(value, &c->quantities, &qerr) != DSE_OK)
            return BAD("compute: %s", qerr.msg);
        return DSE_OK;
    }
    case K_BYTES:
        if (!dse_parse_bytes(value, &c->memory_budget))
            return BAD("%s must be a byte count such as 8G or 500M (got '%s')", kn, value);
        return DSE_OK;
    case K_GROUP:
        if (!strcasecmp(value, "auto"))
            c->group_size = 0;
        else if (!strcasecmp(value, "all"))
            c->group_size = -1;
        else {
            errno = 0;
            long v = strtol(value, &end, 10);
            if (errno || end == value || *end || v < 1 || v > 1000000)
                return BAD("%s must be auto, all or an integer >= 1 (got '%s')", kn, value);
            c->group_size = (int)v;
        }
        return DSE_OK;
    default:
        return BAD("%s: unhandled key type", k->name);
    }
}
#undef BAD

int dse_config_set_param(dse_params_t *p, const char *key, const char *value, const char *who,
                         dse_err_t *err)
{
    const key_spec_t *k = NULL;
    for (size_t i = 0; i < N_KEYS && !k; ++i)
        if (!strcmp(keys[i].section, "quantities") && !strcmp(keys[i].name, key)) k = &keys[i];
    if (!k || k->type == K_QUANTITIES || k->type == K_INT_LIST)
        return DSE_RAISE(err, DSE_EUSAGE, "'%s' is not a numerical parameter", key);
    dse_config_t tmp = {.params = *p};
    parse_state_t st = {.cfg = &tmp, .name = who, .err = err, .as_flags = who == NULL};
    DSE_TRY(set_key(&st, k, value, 0));
    *p = tmp.params;
    return DSE_OK;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parse_state_t *st = user;
    if (st->rc != DSE_OK) return 0;
    for (size_t i = 0; i < N_KEYS; ++i) {
        if (strcmp(keys[i].section, section) || strcmp(keys[i].name, name)) continue;
        if (st->seen[i]) {
            st->rc =
                DSE_RAISE(st->err, DSE_EUSAGE, "%s:%d: key '%s' in [%s] is already set on line %d",
                          st->name, st->line, name, section, st->seen[i]);
            return 0;
        }
        st->seen[i] = st->line;
        st->rc = set_key(st, &keys[i], value, st->line);
        return st->rc == DSE_OK;
    }
    int known_section = 0;
    for (size_t i = 0; i < N_KEYS; ++i)
        known_section |= !strcmp(keys[i].section, section);
    if (!known_section)
        st->rc = DSE_RAISE(st->err, DSE_EUSAGE,
                           "%s:%d: unknown section [%s] (known: [sweep], [quantities])", st->name,
                           st->line, section);
    else
        st->rc = DSE_RAISE(st->err, DSE_EUSAGE, "%s:%d: unknown key '%s' in [%s]", st->name,
                           st->line, name, section);
    return 0;
}

/* inih's reader: one line per call, counting lines as it goes. */
static char *reader(char *str, int num, void *stream)
{
    parse_state_t *st = stream;
    if (!*st->next) return NULL;
    const char *nl = strchr(st->next, '\n');
    size_t len = nl ? (size_t)(nl - st->next) + 1 : strlen(st->next);
    st->line++;
    if (len >= (size_t)num) {
        st->too_long = st->too_long ? st->too_long : st->line;
        len = (size_t)num - 1;
    }
    memcpy(str, st->next, len);
    str[len] = '\0';
    st->next = nl ? nl + 1 : st->next + strlen(st->next);
    return str;
}

int dse_config_parse(const char *text, const char *name, const char *base_dir, dse_config_t *cfg,
                     dse_err_t *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->params = dse_params_default();
    cfg->path = DSE_STRDUP(name, err);
    cfg->text = DSE_STRDUP(text, err);
    if (!cfg->path || !cfg->text) {
        dse_config_free(cfg);
        return DSE_ENOMEM;
    }
    parse_state_t st = {cfg, name, base_dir, err, DSE_OK, 0, text, {0}, 0, 0};
    int r = ini_parse_stream(reader, &st, handler, &st);
    if (st.rc == DSE_OK && st.too_long)
        st.rc = DSE_RAISE(err, DSE_EUSAGE, "%s:%d: line is too long for the INI reader", name,
                          st.too_long);
    if (st.rc == DSE_OK && r > 0)
        st.rc =
            DSE_RAISE(err, DSE_EUSAGE, "%s:%d: not a 'key = value' line or a [section]", name, r);
    if (st.rc == DSE_OK && r < 0) st.rc = DSE_RAISE(err, DSE_EIO, "%s: cannot parse", name);
    /* Defaults, and required keys. */
    for (size_t i = 0; st.rc == DSE_OK && i < N_KEYS; ++i) {
        if (st.seen[i]) continue;
        if (!keys[i].def)
            st.rc = DSE_RAISE(err, DSE_EUSAGE, "%s: missing required key '%s' in [%s]", name,
                              keys[i].name, keys[i].section);
        else
            st.rc = set_key(&st, &keys[i], keys[i].def, 0);
    }
    if (st.rc != DSE_OK) dse_config_free(cfg);
    return st.rc;
}

int dse_config_load(const char *path, dse_config_t *cfg, dse_err_t *err)
{
    memset(cfg, 0, sizeof *cfg);
    FILE *f = fopen(path, "rb");
    if (!f) return DSE_RAISE(err, DSE_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    char buf[8192];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + got + 1 > cap) {
            size_t grown_cap = (len + got + 1) * 2;
            char *grown = DSE_MALLOC(grown_cap, 1, err);
            if (!grown) {
                free(text);
                fclose(f);
                return DSE_RAISE(err, DSE_ENOMEM, "%s: cannot allocate", path);
            }
            if (len) memcpy(grown, text, len);
            free(text);
            text = grown;
            cap = grown_cap;
        }
        memcpy(text + len, buf, got);
        len += got;
    }
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(text);
        return DSE_RAISE(err, DSE_EIO, "%s: read failed (is it a directory?)", path);
    }
    if (!text)
        text = DSE_CALLOC(1, 1, err);
    else
        text[len] = '\0';
    char *copy = DSE_STRDUP(path, err);
    int rc = text && copy ? dse_config_parse(text, path, dirname(copy), cfg, err) : DSE_ENOMEM;
    free(copy);
    free(text);
    return rc;
}

void dse_config_free(dse_config_t *c)
{
    if (!c) return;
    free(c->path);
    free(c->text);
    for (int i = 0; i < c->n_roots; ++i)
        free(c->roots[i]);
    free(c->include);
    free(c->path_regex);
    free(c->dataset);
    free(c->labels);
    free(c->reference);
    free(c->store);
    memset(c, 0, sizeof *c);
}

uint64_t dse_config_fingerprint(const dse_config_t *c)
{
    uint64_t h = DSE_FNV_OFFSET;
    const dse_params_t *p = &c->params;
    /* The mask as the 32-bit value earlier stores hashed while it fits. */
    uint32_t q32 = (uint32_t)c->quantities;
    if (c->quantities >> 32)
        h = dse_fnv1a(h, &c->quantities, sizeof c->quantities);
    else
        h = dse_fnv1a(h, &q32, sizeof q32);
    h = dse_fnv1a(h, &p->sigma, sizeof p->sigma);
    uint64_t ints[7] = {p->max_n,
                        p->seed,
                        (uint64_t)p->repetitions,
                        (uint64_t)p->cse_bins,
                        (uint64_t)p->knn,
                        (uint64_t)p->n_clusters,
                        0};
    h = dse_fnv1a(h, ints, sizeof ints);
    if (p->alpha != 1.0) /* the default: the fingerprint of earlier stores */
        h = dse_fnv1a(h, &p->alpha, sizeof p->alpha);
    for (int r = 0; r < p->n_rules; ++r) { /* none (one fixed sigma): as earlier stores */
        char rule[32];
        dse_sigma_format(&p->rules[r], rule, sizeof rule);
        h = dse_fnv1a(h, rule, strlen(rule) + 1);
    }
    if (p->subsample_repeats > 1)
        h = dse_fnv1a(h, &p->subsample_repeats, sizeof p->subsample_repeats);
    dse_params_t def = dse_params_default();
    if (p->method != def.method || p->tol != def.tol || p->max_k != def.max_k) {
        /* the defaults: the fingerprint of earlier stores */
        uint64_t m[3] = {(uint64_t)p->method, (uint64_t)p->max_k, 0};
        memcpy(&m[2], &p->tol, sizeof p->tol);
        h = dse_fnv1a(h, m, sizeof m);
    }
    h = dse_fnv1a(h, c->t, (size_t)c->n_t * sizeof c->t[0]); /* new t: rescore or a new store */
    h = dse_fnv1a(h, c->dataset ? c->dataset : "", c->dataset ? strlen(c->dataset) : 0);
    const char *lb = c->labels ? strrchr(c->labels, '/') : NULL;
    lb = lb ? lb + 1 : (c->labels ? c->labels : "");
    h = dse_fnv1a(h, lb, strlen(lb));
    if (c->reference && *c->reference) { /* absent: the fingerprint of earlier stores */
        const char *rb = strrchr(c->reference, '/');
        rb = rb ? rb + 1 : c->reference;
        h = dse_fnv1a(h, "\n", 1);
        h = dse_fnv1a(h, rb, strlen(rb));
    }
    return h;
}

typedef struct {
    const key_spec_t *key;
    char value[1024];
} raw_lookup_t;

static int raw_handler(void *user, const char *section, const char *name, const char *value)
{
    raw_lookup_t *l = user;
    if (!strcmp(section, l->key->section) && !strcmp(name, l->key->name))
        snprintf(l->value, sizeof l->value, "%s", value);
    return 1;
}

static const key_spec_t *find_key(const char *name)
{
    for (size_t i = 0; i < N_KEYS; ++i)
        if (!strcmp(keys[i].name, name)) return &keys[i];
    return NULL;
}

/* The value of key k as written in the INI text (its default when absent),
 * file name only when base. */
static void raw_value(const char *text, const key_spec_t *k, int base, char *out, size_t cap)
{
    raw_lookup_t l = {k, ""};
    snprintf(l.value, sizeof l.value, "%s", k->def ? k->def : "");
    ini_parse_string(text, raw_handler, &l);
    const char *v = l.value;
    const char *slash = base ? strrchr(v, '/') : NULL;
    snprintf(out, cap, "%s", slash ? slash + 1 : v);
}

/* Appends "key: 'old' in the store, 'new' now" to buf when they differ. */
static void diff_key(const char *old_text, const char *new_text, const key_spec_t *k, int base,
                     char *buf, size_t cap)
{
    char a[1024], b[1024];
    raw_value(old_text, k, base, a, sizeof a);
    raw_value(new_text, k, base, b, sizeof b);
    if (!strcmp(a, b)) return;
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%s%s = '%s' in the store, '%s' in this config", len ? "; " : "",
             k->name, a, b);
}

int dse_config_check_store(const char *store_path, const char *old_text, const char *new_text,
                           int fingerprints_differ, dse_err_t *err)
{
    if (!old_text || !*old_text) return DSE_OK; /* a new store */
    char a[1024], b[1024];
    const key_spec_t *rx = find_key("path_regex");
    raw_value(old_text, rx, 0, a, sizeof a);
    raw_value(new_text, rx, 0, b, sizeof b);
    if (strcmp(a, b))
        return DSE_RAISE(err, DSE_EUSAGE,
                         "%s: path_regex changed: the store's runs and steps were named by '%s', "
                         "this config names them by '%s'; old and new rows would be split into "
                         "different runs: restore the old path_regex, or use another store",
                         store_path, a[0] ? a : "(default naming)", b[0] ? b : "(default naming)");
    if (!fingerprints_differ) return DSE_OK;
    char diff[3000] = "";
    for (size_t i = 0; i < N_KEYS; ++i)
        if (keys[i].decides != D_NO)
            diff_key(old_text, new_text, &keys[i], keys[i].decides == D_BASENAME, diff,
                     sizeof diff);
    return DSE_RAISE(err, DSE_EUSAGE,
                     "%s: this store was made by a different configuration (%s); use another "
                     "store path, or `dsesweep rescore` for new t values",
                     store_path, diff[0] ? diff : "quantities or their parameters differ");
}

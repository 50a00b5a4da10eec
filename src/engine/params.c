/* params.c — the parameter defaults of REFERENCE.md and the bandwidth rules. */
#include "dsesweep/params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

dse_params_t dse_params_default(void)
{
    dse_params_t p = {.sigma = 10.0,
                      .max_n = 10000,
                      .seed = 0,
                      .repetitions = 5,
                      .cse_bins = 2,
                      .knn = 10,
                      .n_clusters = 10,
                      .driver = DSE_EIGEN_AUTO,
                      .alpha = 1.0,
                      .n_rules = 0,
                      .rule = 0,
                      .subsample_repeats = 1,
                      .method = DSE_METHOD_AUTO,
                      .tol = 0.01,
                      .max_k = 2000,
                      .precision = DSE_PRECISION_FLOAT64};
    return p;
}

static const char *const precision_names[] = {"float64", "float32"};

int dse_precision_parse(const char *text, dse_precision_t *out, dse_err_t *err)
{
    for (int m = 0; m < 2; ++m)
        if (!strcasecmp(text, precision_names[m])) {
            *out = (dse_precision_t)m;
            return DSE_OK;
        }
    return DSE_RAISE(err, DSE_EUSAGE, "precision must be float64 or float32 (got '%s')", text);
}

const char *dse_precision_name(dse_precision_t p)
{
    return (unsigned)p < 2 ? precision_names[p] : "?";
}

int dse_params_dse_driver(const dse_params_t *p, dse_eigen_driver_t *out, dse_err_t *err)
{
    *out = p->driver;
    if (p->precision != DSE_PRECISION_FLOAT32) return DSE_OK;
    if (p->driver != DSE_EIGEN_AUTO && !(dse_eigen_driver_scope(p->driver) & DSE_EIGEN_FLOAT32))
        return DSE_RAISE(err, DSE_EUSAGE,
                         "driver %s is float64; precision float32 solves with the fastest float32 "
                         "driver tune measured (ssyevd or ssyevd_2stage on one rank, pssyev on a "
                         "group; leave the driver auto)",
                         dse_eigen_driver_name(p->driver));
    *out = DSE_EIGEN_FLOAT32_AUTO;
    return DSE_OK;
}

static const char *const method_names[] = {"auto", "exact", "bounded"};

int dse_method_parse(const char *text, dse_method_t *out, dse_err_t *err)
{
    for (int m = 0; m < 3; ++m)
        if (!strcasecmp(text, method_names[m])) {
            *out = (dse_method_t)m;
            return DSE_OK;
        }
    return DSE_RAISE(err, DSE_EUSAGE, "method must be auto, exact or bounded (got '%s')", text);
}

const char *dse_method_name(dse_method_t m)
{
    return (unsigned)m < 3 ? method_names[m] : "?";
}

int dse_params_rules(const dse_params_t *p, dse_sigma_rule_t *out)
{
    int n = dse_params_rule_count(p);
    for (int r = 0; r < n; ++r)
        out[r] = dse_params_rule_at(p, r);
    return n;
}

size_t dse_params_rows_used(const dse_params_t *p, size_t n)
{
    return p->max_n && n > p->max_n ? p->max_n : n;
}

int dse_params_rule_count(const dse_params_t *p)
{
    return p->n_rules > 0 ? p->n_rules : 1;
}

dse_sigma_rule_t dse_params_rule_at(const dse_params_t *p, int r)
{
    if (p->n_rules <= 0 || r < 0 || r >= p->n_rules)
        return (dse_sigma_rule_t){DSE_SIGMA_FIXED, p->sigma, 0};
    return p->rules[r];
}

/* A finite number > 0 filling the whole of s. */
static int positive_number(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v) || !(v > 0)) return 0;
    *out = v;
    return 1;
}

static int parse_rule_token(const char *s, dse_sigma_rule_t *rule)
{
    if (strcasecmp(s, "sqrt_d") == 0) {
        *rule = (dse_sigma_rule_t){DSE_SIGMA_SQRT_D, 1.0, 0};
        return 1;
    }
    if (strcasecmp(s, "median") == 0) {
        *rule = (dse_sigma_rule_t){DSE_SIGMA_MEDIAN, 1.0, 0};
        return 1;
    }
    if (strncasecmp(s, "median*", 7) == 0) {
        *rule = (dse_sigma_rule_t){DSE_SIGMA_MEDIAN, 1.0, 0};
        return positive_number(s + 7, &rule->value);
    }
    if (strncasecmp(s, "knn:", 4) == 0) {
        char *end = NULL;
        errno = 0;
        long k = strtol(s + 4, &end, 10);
        if (end == s + 4 || *end != '\0' || errno || k < 1 || k > 1000000) return 0;
        *rule = (dse_sigma_rule_t){DSE_SIGMA_KNN, 1.0, (int)k};
        return 1;
    }
    *rule = (dse_sigma_rule_t){DSE_SIGMA_FIXED, 0, 0};
    return positive_number(s, &rule->value);
}

int dse_sigma_parse_rule(const char *text, dse_sigma_rule_t *rule, dse_err_t *err)
{
    char buf[64];
    while (isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        n--;
    if (n >= sizeof buf || !(memcpy(buf, text, n), buf[n] = '\0', parse_rule_token(buf, rule)))
        return DSE_RAISE(err, DSE_EUSAGE,
                         "bad sigma rule '%.*s' (expected a number > 0, sqrt_d, median, "
                         "median*C or knn:K)",
                         (int)(n > 60 ? 60 : n), text);
    return DSE_OK;
}

int dse_sigma_parse_list(const char *text, dse_params_t *p, dse_err_t *err)
{
    dse_sigma_rule_t rules[DSE_SIGMA_MAX_RULES];
    int n = 0;
    const char *s = text;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (n == DSE_SIGMA_MAX_RULES)
            return DSE_RAISE(err, DSE_EUSAGE, "at most %d sigma rules (got '%s')",
                             DSE_SIGMA_MAX_RULES, text);
        char tok[64];
        if (len >= sizeof tok) len = sizeof tok - 1;
        memcpy(tok, s, len);
        tok[len] = '\0';
        DSE_TRY(dse_sigma_parse_rule(tok, &rules[n], err));
        n++;
        if (!comma) break;
        s = comma + 1;
    }
    if (n == 1 && rules[0].kind == DSE_SIGMA_FIXED) {
        p->sigma = rules[0].value;
        p->n_rules = 0;
    } else {
        memcpy(p->rules, rules, (size_t)n * sizeof *rules);
        p->n_rules = n;
    }
    p->rule = 0;
    return DSE_OK;
}

char *dse_sigma_format(const dse_sigma_rule_t *rule, char *buf, size_t size)
{
    switch (rule->kind) {
    case DSE_SIGMA_SQRT_D:
        snprintf(buf, size, "sqrt_d");
        break;
    case DSE_SIGMA_MEDIAN:
        if (rule->value == 1.0)
            snprintf(buf, size, "median");
        else
            snprintf(buf, size, "median*%g", rule->value);
        break;
    case DSE_SIGMA_KNN:
        snprintf(buf, size, "knn:%d", rule->k);
        break;
    default:
        snprintf(buf, size, "%g", rule->value);
    }
    return buf;
}

int dse_sigma_is_adaptive(const dse_sigma_rule_t *rule)
{
    return rule->kind == DSE_SIGMA_MEDIAN || rule->kind == DSE_SIGMA_KNN;
}

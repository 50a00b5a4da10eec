/* capi.c — the C API's scoring: MPI set up once, one private communicator
 * per call, the config's key table for the parameters, dse_score_run. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi_internal.h"
#include "dsesweep/config.h"
#include "dsesweep/group.h"
#include "dsesweep/quantity.h"
#include "dsesweep/score.h"
#include "dsesweep/source.h"
#include "dsesweep/version.h"

/* The process-wide MPI state of the API: the thread level MPI gave, whether
 * this library initialised MPI (then it finalises it at exit), and two locks:
 * one around MPI_COMM_SELF duplication (a collective call on a communicator
 * every thread shares), one that serialises whole calls when MPI cannot take
 * calls from several threads at once, or when a call reads files (HDF5 is not
 * thread-safe). */
static pthread_once_t mpi_once = PTHREAD_ONCE_INIT;
static int mpi_level = MPI_THREAD_SINGLE;
static pthread_mutex_t self_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t capi_call_lock = PTHREAD_MUTEX_INITIALIZER;

static void finalize_at_exit(void)
{
    int done = 0;
    MPI_Finalized(&done);
    if (!done) MPI_Finalize();
}

static void init_mpi(void)
{
    int started = 0;
    MPI_Initialized(&started);
    if (started) {
        MPI_Query_thread(&mpi_level);
        return;
    }
    MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &mpi_level);
    dse_mpi_set_error_policy();
    atexit(finalize_at_exit);
}

const char *dse_capi_version(void)
{
    return DSESWEEP_VERSION;
}

static void copy_message(const dse_err_t *err, char *msg, size_t cap)
{
    if (msg && cap) snprintf(msg, cap, "%s", err->msg);
}

/* The config's messages start with "<name>:<line>: "; the API's caller gave
 * no file, so that prefix is dropped. */
static void strip_config_prefix(dse_err_t *err, const char *name)
{
    size_t k = strlen(name);
    if (strncmp(err->msg, name, k) || err->msg[k] != ':') return;
    const char *p = err->msg + k + 1;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == ':') p++;
    while (*p == ' ')
        p++;
    memmove(err->msg, p, strlen(p) + 1);
}

/* Appends "key = value\n" to text (cap bytes) or fails naming the key. */
static int append_key(char *text, size_t cap, const char *key, const char *value, dse_err_t *err)
{
    if (!key || !*key || strpbrk(key, "\n\r=[];# ") || !value || strpbrk(value, "\n\r"))
        return DSE_RAISE(err, DSE_EUSAGE, "setting '%s': keys are names and values one line",
                         key ? key : "(null)");
    size_t len = strlen(text);
    int w = snprintf(text + len, cap - len, "%s = %s\n", key, value);
    if (w < 0 || (size_t)w >= cap - len)
        return DSE_RAISE(err, DSE_EUSAGE, "setting '%s': value too long", key);
    return DSE_OK;
}

/* The settings as a config: every key goes to its section of the key table
 * (unknown keys to [quantities], where the parser names them). Of [sweep],
 * scoring reads memory_budget and group_size only; its required keys get
 * placeholders. compute defaults to `dsesweep score`'s default: DSE, and
 * DSMI as well with a target. */
static int settings_config(const char *const *keys, const char *const *values, size_t n,
                           int has_target, dse_config_t *cfg, dse_err_t *err)
{
    enum { CAP = 16384 };
    static const char name[] = "settings";
    char sweep[CAP] = "[sweep]\nroots = /\nstore = unused.h5\n", quantities[CAP] = "[quantities]\n";
    int has_compute = 0;
    for (size_t i = 0; i < n; ++i) {
        const char *section = keys[i] ? dse_config_key_section(keys[i]) : NULL;
        int in_sweep = section && !strcmp(section, "sweep");
        if (in_sweep && strcmp(keys[i], "memory_budget") && strcmp(keys[i], "group_size"))
            return DSE_RAISE(err, DSE_EUSAGE,
                             "'%s' is a [sweep] key that scoring does not read (labels and "
                             "reference are arguments of their own)",
                             keys[i]);
        has_compute |= keys[i] && !strcmp(keys[i], "compute");
        DSE_TRY(append_key(in_sweep ? sweep : quantities, CAP, keys[i], values[i], err));
    }
    if (!has_compute)
        DSE_TRY(append_key(quantities, CAP, "compute", has_target ? "DSE,DSMI" : "DSE", err));
    char text[2 * CAP + 2];
    snprintf(text, sizeof text, "%s%s", sweep, quantities);
    int rc = dse_config_parse(text, name, NULL, cfg, err);
    if (rc != DSE_OK) strip_config_prefix(err, name);
    return rc;
}

/* Entry e of a score under parameters p as the API's value; x: the MI rows
 * are over a vector reference (named DSMI_X, ... as in a sweep). */
static void copy_value(const dse_score_entry_t *e, const dse_params_t *p, int x,
                       dse_capi_value_t *v)
{
    const char *name = dse_quantity_store_name(e->quantity, x ? DSE_QFAMILY_MI_X : DSE_QFAMILY_MI);
    snprintf(v->quantity, sizeof v->quantity, "%s", name);
    v->t = e->t;
    v->value = e->value;
    v->se = e->se;
    snprintf(v->method, sizeof v->method, "%s", dse_method_name(e->method));
    snprintf(v->interval, sizeof v->interval, "%s", dse_score_interval_kind(e));
    v->lower = e->lower;
    v->upper = e->upper;
    v->k = e->k;
    v->products = e->products;
    v->sigma = v->sigma_min = v->sigma_max = NAN;
    v->sigma_rule[0] = '\0';
    if (!dse_quantity_uses_sigma(dse_quantity_basis(dse_quantity_source(e->quantity)))) return;
    dse_sigma_rule_t rule = dse_params_rule_at(p, e->rule);
    dse_sigma_format(&rule, v->sigma_rule, sizeof v->sigma_rule);
    if (p->n_rules == 0) {
        v->sigma = v->sigma_min = v->sigma_max = p->sigma;
    } else {
        v->sigma = e->sigma.median;
        v->sigma_min = e->sigma.lo;
        v->sigma_max = e->sigma.hi;
    }
}

/* The engine's result as the API's (allocated into *out). */
static int copy_result(const dse_score_t *s, const dse_params_t *p, int x, dse_capi_result_t **out,
                       dse_err_t *err)
{
    dse_capi_result_t *r = DSE_CALLOC(1, sizeof *r, err);
    if (!r) return err->code;
    r->n = s->n;
    r->d = s->d;
    r->n_used = s->n_used;
    r->n_classes = s->n_classes;
    r->n_rules = dse_params_rule_count(p);
    r->sigma = p->n_rules == 0 ? p->sigma : NAN;
    r->median_distance = s->median_distance;
    r->seconds = s->seconds;
    r->values = DSE_CALLOC(s->n_entries + 1, sizeof *r->values, err);
    if (s->spectrum && s->n_used) r->spectrum = DSE_MALLOC(s->n_used, sizeof *r->spectrum, err);
    if (!r->values || (s->spectrum && s->n_used && !r->spectrum)) {
        dse_capi_result_free(&r);
        return err->code;
    }
    r->n_values = s->n_entries;
    for (size_t i = 0; i < s->n_entries; ++i) {
        copy_value(&s->entries[i], p, x, &r->values[i]);
        if (r->n_rules == 1 && p->n_rules == 1 && isnan(r->sigma)) r->sigma = r->values[i].sigma;
    }
    if (r->spectrum) {
        memcpy(r->spectrum, s->spectrum, s->n_used * sizeof *r->spectrum);
        r->spectrum_length = s->n_used;
    }
    *out = r;
    return DSE_OK;
}

/* Collective on comm (one rank): the whole call once MPI is set up. */
static int score_on(MPI_Comm comm, const dse_capi_array_t *z, const dse_capi_target_t *target,
                    const char *const *keys, const char *const *values, size_t n_keys,
                    dse_capi_result_t **out, dse_err_t *err)
{
    capi_rows_t rows;
    DSE_TRY(capi_rows_init(z, 0, &rows, err));
    if (rows.n < 2)
        return DSE_RAISE(err, DSE_EVALUE, "%s: %zu sample; at least 2 are needed", z->name, rows.n);
    if (capi_rows_is_integer(&rows))
        return DSE_RAISE(
            err, DSE_EDTYPE,
            "%s: integer dtype '%s'; embeddings must be floating point (float16/32/64)", z->name,
            z->typestr);
    int x = target && (target->reference || target->reference_spec);
    int has_target = x || (target && (target->labels || target->labels_spec));
    dse_config_t cfg;
    DSE_TRY(settings_config(keys, values, n_keys, has_target, &cfg, err));
    dse_categories_t cat = {0};
    dse_score_t s = {0};
    int rc = capi_target_categories(comm, target, rows.n, z->name, &cfg.params, &cat, err);
    if (rc == DSE_OK && !cat.n && !(cfg.quantities & ~DSE_Q_MI_ALL))
        rc = DSE_RAISE(err, DSE_EUSAGE, "mutual information needs labels or a reference");
    if (rc == DSE_OK) {
        dse_score_input_t in = {rows.n, rows.d, capi_rows_read, &rows, cat.n ? &cat : NULL};
        dse_score_opts_t opts = {cfg.group_size, 64, cfg.memory_budget};
        rc = dse_score_run(comm, &in, &cfg.params, cfg.quantities, cfg.t, (size_t)cfg.n_t, &opts,
                           &s, err);
    }
    if (rc == DSE_OK) rc = copy_result(&s, &cfg.params, x, out, err);
    dse_score_free(&s);
    dse_categories_free(&cat);
    dse_config_free(&cfg);
    return DSE_PASS(rc, err);
}

int dse_capi_score(const dse_capi_array_t *z, const dse_capi_target_t *target,
                   const char *const *keys, const char *const *values, size_t n_keys,
                   dse_capi_result_t **out, char *msg, size_t msg_cap)
{
    dse_err_t e;
    dse_err_clear(&e);
    *out = NULL;
    if (msg && msg_cap) msg[0] = '\0';
    pthread_once(&mpi_once, init_mpi);
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) {
        DSE_RAISE(&e, DSE_EMPI, "MPI is already finalised in this process");
        copy_message(&e, msg, msg_cap);
        return e.code;
    }
    int reads_files = target && (target->labels_spec || target->reference_spec);
    int serial = mpi_level < MPI_THREAD_MULTIPLE || reads_files;
    if (serial) pthread_mutex_lock(&capi_call_lock);
    MPI_Comm comm;
    pthread_mutex_lock(&self_lock);
    MPI_Comm_dup(MPI_COMM_SELF, &comm);
    pthread_mutex_unlock(&self_lock);
    int rc = score_on(comm, z, target, keys, values, n_keys, out, &e);
    pthread_mutex_lock(&self_lock);
    MPI_Comm_free(&comm);
    pthread_mutex_unlock(&self_lock);
    if (serial) pthread_mutex_unlock(&capi_call_lock);
    if (rc != DSE_OK) copy_message(&e, msg, msg_cap);
    return rc;
}

void dse_capi_result_free(dse_capi_result_t **r)
{
    if (!r || !*r) return;
    free((*r)->values);
    free((*r)->spectrum);
    free(*r);
    *r = NULL;
}

/* test_config.c — the sweep config: defaults, a full file, and one test per
 * kind of error asserting the exact message (file:line: problem). */
#include <stdlib.h>

#include "check.h"
#include "dsesweep/config.h"
#include "dsesweep/score.h"

static void expect_error(const char *text, const char *want)
{
    dse_config_t c;
    dse_err_t err;
    dse_err_clear(&err);
    int rc = dse_config_parse(text, "sweep.ini", "/base", &c, &err);
    CHECK(rc == DSE_EUSAGE, "status %d for:\n%s", rc, text);
    CHECK_STR(err.msg, want, "config error message");
}

int main(void)
{
    dse_config_t c;
    dse_err_t err;
    /* Defaults and resolution of relative paths. */
    int rc =
        dse_config_parse("[sweep]\nroots = runs\nstore = out.h5\n", "sweep.ini", "/base", &c, &err);
    CHECK(rc == DSE_OK, "%s", err.msg);
    CHECK(c.n_roots == 1 && !strcmp(c.roots[0], "/base/runs"), "root resolved: %s", c.roots[0]);
    CHECK_STR(c.store, "/base/out.h5", "store resolved");
    CHECK_STR(c.include, "*.npy", "include default");
    CHECK(c.params.sigma == 10 && c.params.max_n == 10000 && c.params.repetitions == 5 &&
              c.params.seed == 0 && c.n_t == 1 && c.t[0] == 1 && c.memory_budget == 0 &&
              c.group_size == 0 && c.quantities == (DSE_Q(DSE) | DSE_Q(DSMI)),
          "defaults");
    uint64_t fp1 = dse_config_fingerprint(&c);
    dse_config_free(&c);
    /* Every key set. */
    rc = dse_config_parse(
        "; comment\n[sweep]\nroots = /a, b\ninclude = */*.h5\n"
        "path_regex = (?<run>[^/]+)/ep(?<step>\\d+)\ndataset = /emb\n"
        "labels = y.npy\nstore = /s.h5\nmemory_budget = 8G\ngroup_size = all\n"
        "[quantities]\ncompute = DSE, CSE ,DSMI\nsigma = 2.5\nt = 1, 2,5\n"
        "max_n = 0\nrepetitions = 3\nseed = 42\nbins = 4\nknn = 7\nn_clusters = 3\n",
        "sweep.ini", "/base", &c, &err);
    CHECK(rc == DSE_OK, "%s", err.msg);
    CHECK(c.n_roots == 2 && !strcmp(c.roots[0], "/a") && !strcmp(c.roots[1], "/base/b"), "roots");
    CHECK(c.memory_budget == 8ULL << 30 && c.group_size == -1, "budget and group");
    CHECK(c.quantities == (DSE_Q(DSE) | DSE_Q(CSE) | DSE_Q(DSMI)), "quantities");
    CHECK(c.params.sigma == 2.5 && c.n_t == 3 && c.t[2] == 5 && c.params.max_n == 0 &&
              c.params.repetitions == 3 && c.params.seed == 42 && c.params.cse_bins == 4 &&
              c.params.knn == 7 && c.params.n_clusters == 3,
          "parameters");
    CHECK(dse_config_fingerprint(&c) != fp1, "fingerprint follows the parameters");
    uint64_t fp_t = dse_config_fingerprint(&c);
    c.t[2] = 6;
    CHECK(dse_config_fingerprint(&c) != fp_t, "fingerprint follows the t list");
    dse_config_free(&c);

    /* Bandwidth rules and subsample repeats (issue 17). */
    rc = dse_config_parse("[sweep]\nroots = a\nstore = s.h5\n[quantities]\n"
                          "sigma = sqrt_d, median*0.5 ,knn:7\nsubsample_repeats = 8\n",
                          "sweep.ini", "/base", &c, &err);
    CHECK(rc == DSE_OK, "%s", err.msg);
    CHECK(c.params.n_rules == 3 && c.params.rules[0].kind == DSE_SIGMA_SQRT_D &&
              c.params.rules[1].kind == DSE_SIGMA_MEDIAN && c.params.rules[1].value == 0.5 &&
              c.params.rules[2].kind == DSE_SIGMA_KNN && c.params.rules[2].k == 7 &&
              c.params.subsample_repeats == 8,
          "sigma rules and repeats");
    uint64_t fp_rules = dse_config_fingerprint(&c);
    c.params.rules[1].value = 0.25;
    CHECK(dse_config_fingerprint(&c) != fp_rules, "fingerprint follows the sigma rules");
    dse_config_free(&c);
    rc = dse_config_parse("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nsigma = 10\n",
                          "sweep.ini", "/base", &c, &err);
    CHECK(rc == DSE_OK && c.params.n_rules == 0 && c.params.sigma == 10 &&
              dse_config_fingerprint(&c) == fp1,
          "sigma = 10 is the default path, with the default's fingerprint");
    dse_config_free(&c);
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nsubsample_repeats = 65\n",
                 "sweep.ini:5: subsample_repeats must be an integer in [1, 64] (got '65')");

    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nsigmma = 3\n",
                 "sweep.ini:5: unknown key 'sigmma' in [quantities]");
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nsigma = abc\n",
                 "sweep.ini:5: sigma must be a number > 0, sqrt_d, median, median*C or knn:K, or a "
                 "comma list of them (got 'abc')");
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nsigma = -1\n",
                 "sweep.ini:5: sigma must be a number > 0, sqrt_d, median, median*C or knn:K, or a "
                 "comma list of them (got '-1')");
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nrepetitions = 0\n",
                 "sweep.ini:5: repetitions must be an integer in [1, 100000] (got '0')");
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nmax_n = 2.5\n",
                 "sweep.ini:5: max_n must be an integer in [0, 1e+09] (got '2.5')");
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nt = 1,0\n",
                 "sweep.ini:5: t takes integers in [1, 1e+06] (got '1,0')");
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\ncompute = DSE,entropy\n",
                 "sweep.ini:5: compute: unknown quantity 'entropy' (known: all, DSE, "
                 "DSE_matrix_entry, CSE, ASE_gaussian, ASE_anisotropic, ASE_knn, RankMe, "
                 "participation_ratio, alpha_ReQ, DSMI, CSMI, ASMI_gaussian, ASMI_anisotropic, "
                 "ASMI_knn, MatrixEntropy)");
    /* Empty list items (issue 24): a stray comma is refused, naming the item. */
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nt = 1,2,\n",
                 "sweep.ini:5: t: item 3 of '1,2,' is empty (a stray comma?)");
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nt = 1, ,2\n",
                 "sweep.ini:5: t: item 2 of '1, ,2' is empty (a stray comma?)");
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\ncompute = ,DSE\n",
                 "sweep.ini:5: compute: item 1 of ',DSE' is empty (a stray comma?)");
    expect_error("[sweep]\nroots = a\nstore = s.h5\n[quantities]\nsigma = 4,median,\n",
                 "sweep.ini:5: sigma: item 3 of '4,median,' is empty (a stray comma?)");
    expect_error("[sweep]\nroots = a,,b\nstore = s.h5\n",
                 "sweep.ini:2: roots: item 2 of 'a,,b' is empty (a stray comma?)");
    expect_error("[sweep]\nroots = a\nstore = s.h5\nmemory_budget = lots\n",
                 "sweep.ini:4: memory_budget must be a byte count such as 8G or 500M (got 'lots')");
    expect_error("[sweep]\nroots = a\nstore = s.h5\ngroup_size = 0\n",
                 "sweep.ini:4: group_size must be auto, all or an integer >= 1 (got '0')");
    expect_error("[sweep]\nroots = a\n[extras]\nx = 1\n",
                 "sweep.ini:4: unknown section [extras] (known: [sweep], [quantities])");
    expect_error("[sweep]\nroots = a\n", "sweep.ini: missing required key 'store' in [sweep]");
    expect_error("[sweep]\nstore = s.h5\n", "sweep.ini: missing required key 'roots' in [sweep]");
    expect_error("[sweep]\nroots = a\nroots = b\nstore = s\n",
                 "sweep.ini:3: key 'roots' in [sweep] is already set on line 2");
    expect_error("[sweep]\nroots = a\nthis line has no equals sign\nstore = s\n",
                 "sweep.ini:3: not a 'key = value' line or a [section]");
    expect_error("roots = a\n", "sweep.ini:1: unknown section [] (known: [sweep], [quantities])");
    /* A missing file. */
    rc = dse_config_load("/nonexistent/sweep.ini", &c, &err);
    CHECK(rc == DSE_EIO, "missing file status");
    CHECK_STR(err.msg, "/nonexistent/sweep.ini: cannot open: No such file or directory",
              "missing file");
    return check_summary("test_config");
}

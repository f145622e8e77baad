/*
 * command.c - `glif dse`: the command line of a sweep, shared by the `glif` dispatcher
 * (cli/cmd_dse.c) and the MPI launcher (dse/mpi_main.c).
 *
 *   argv -> options + design space -> dse_sweep (create, run) -> [gather over ranks]
 *   -> Pareto marks -> CSV / JSON / SVG (temporary file + rename) and the table
 *
 * Exit status: 0 done (also when no point fits: that is a result), 1 an input could not
 * be used, 2 bad usage. Output files are written only when the whole sweep succeeded.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dse_sweep.h"

typedef struct args {
  dse_options o;
  dse_out_opts out;
  const char *csv, *json, *plot, *spec;
  int quiet, pareto_only, progress, samples_given;
  dse_space *space;
} args;

void dse_usage(FILE *out) {
  fprintf(out,
          "usage: glif dse MODEL.yaml [--arch BASE] [--sweep FIELD=VALUES]... [--tie DST=SRC]...\n"
          "                [--point F=V;F=V...]... [--sweep-file SPEC.yaml] [--auto-mesh]\n"
          "                [--input X.npy [--labels Y.npy]] [--samples N] [--seed N] [--zeros]\n"
          "                [--calibrate X.npy] [--jobs N] [-o RESULTS.csv] [--json RESULTS.json]\n"
          "                [--plot RESULTS.svg] [--pareto] [--no-timing] [--no-reuse]\n"
          "                [--no-golden] [--quiet] [--no-progress]\n\n"
          "Sweeps fabric designs for one trained model: every point is compiled in memory,\n"
          "simulated cycle by cycle on the input samples, compared spike for spike with the\n"
          "golden model, and priced with the RTL-derived area model (docs/dse.md).\n\n"
          "  --arch BASE         base architecture, file or preset (default glif-256)\n"
          "  --sweep F=VALUES    an axis: F is a field by its YAML path (core.neurons, mesh.x,\n"
          "                      widths.weight, ...), several joined by commas, or 'mesh';\n"
          "                      VALUES: 64,128 | 64:1024:x2 (geometric) | 4:16:4 (arithmetic)\n"
          "                      | mesh=8x8,16x16 | mesh=4:16:4 (square meshes)\n"
          "  --tie DST=SRC       DST copies SRC in every point (core.axons=core.neurons)\n"
          "  --point F=V;F=V     an explicit point (explicit points form one more axis)\n"
          "  --sweep-file SPEC   axes, ties, points, auto mesh, base and samples from YAML\n"
          "  --auto-mesh         each point gets the smallest square mesh that fits the model\n"
          "  --input X.npy       samples (default: a fixed-seed random sample, flagged)\n"
          "  --labels Y.npy      classes of the samples: accuracy per point\n"
          "  --samples N         samples per point: the first N (default 8)\n"
          "  --seed N, --zeros   synthetic input: random with seed N (default 1), or zeros\n"
          "  --calibrate X.npy   calibration inputs for the quantiser (as glif compile)\n"
          "  --jobs N            points evaluated at once on N threads (same results)\n"
          "  -o FILE.csv         one row per point ('-' = stdout); --json, --plot likewise\n"
          "  --pareto            the terminal table lists only the Pareto-optimal points\n"
          "  --no-timing         leave out the wall-time columns (byte-identical reruns)\n"
          "  --no-reuse          compile every point's front end afresh (slower; same rows)\n"
          "  --no-golden         skip the spike comparison with the golden model\n"
          "  --quiet             no table on stdout;  --no-progress: no progress line\n\n"
          "exit status: 0 done, 1 an input could not be used, 2 bad usage\n");
}

static int usage_error(glif_err *err, const char *what, const char *arg) {
  return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0, "glif dse: %s%s%s - see 'glif dse --help'",
                   what, arg ? ": " : "", arg ? arg : "");
}

static int number(const char *v, long long lo, long long hi, long long *out) {
  char *end;
  long long x = strtoll(v, &end, 10);
  if (!*v || *end || x < lo || x > hi) return -1;
  *out = x;
  return 0;
}

/* A bad sweep on the command line is a usage error (exit 2), whatever its cause. */
static int as_usage(int rc, glif_err *err) {
  if (rc && rc != GLIF_ENOMEM) rc = err->code = GLIF_EUSAGE;
  return rc;
}

/* Options that take a value. */
static int take_value(args *a, const char *opt, const char *v, glif_err *err) {
  long long x;
  if (!strcmp(opt, "--arch")) a->o.arch = v;
  else if (!strcmp(opt, "--sweep")) return as_usage(dse_space_add_axis(a->space, v, "--sweep", err), err);
  else if (!strcmp(opt, "--tie")) return as_usage(dse_space_add_tie(a->space, v, "--tie", err), err);
  else if (!strcmp(opt, "--point")) return as_usage(dse_space_add_point(a->space, v, "--point", err), err);
  else if (!strcmp(opt, "--sweep-file")) a->spec = v;
  else if (!strcmp(opt, "--input")) a->o.input_path = v;
  else if (!strcmp(opt, "--labels")) a->o.labels_path = v;
  else if (!strcmp(opt, "--calibrate")) a->o.calibrate_path = v;
  else if (!strcmp(opt, "-o")) a->csv = v;
  else if (!strcmp(opt, "--json")) a->json = v;
  else if (!strcmp(opt, "--plot")) a->plot = v;
  else if (!strcmp(opt, "--samples")) {
    if (number(v, 1, 1LL << 30, &x)) return usage_error(err, "--samples takes 1 .. 2^30", v);
    a->o.samples = x, a->samples_given = 1;
  } else if (!strcmp(opt, "--seed")) {
    if (number(v, 0, (1LL << 62), &x)) return usage_error(err, "--seed takes a whole number >= 0", v);
    a->o.seed = (uint64_t)x;
  } else if (!strcmp(opt, "--jobs")) {
    if (number(v, 1, 256, &x)) return usage_error(err, "--jobs takes 1 .. 256", v);
    a->o.jobs = (int)x;
  } else {
    return usage_error(err, "unknown option", opt);
  }
  return 0;
}

static int flag(args *a, const char *s) {
  if (!strcmp(s, "--zeros")) return a->o.synthetic_zeros = 1;
  if (!strcmp(s, "--pareto")) return a->pareto_only = 1;
  if (!strcmp(s, "--no-timing")) return !(a->out.timing = 0);
  if (!strcmp(s, "--no-reuse")) return !(a->o.reuse_front = 0);
  if (!strcmp(s, "--no-golden")) return !(a->o.golden = 0);
  if (!strcmp(s, "--quiet")) return a->quiet = 1;
  if (!strcmp(s, "--no-progress")) return !(a->progress = 0);
  return 0;
}

static const char *const valued[] = {"--arch", "--sweep", "--tie", "--point", "--sweep-file",
                                     "--input", "--labels", "--calibrate", "-o", "--json",
                                     "--plot", "--samples", "--seed", "--jobs", NULL};

static int is_valued(const char *s) {
  for (int k = 0; valued[k]; k++)
    if (!strcmp(s, valued[k])) return 1;
  return 0;
}

static int parse_argv(args *a, int argc, char **argv, int *auto_mesh, glif_err *err) {
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "--auto-mesh")) *auto_mesh = 1;
    else if (flag(a, s)) continue;
    else if (is_valued(s)) {
      if (i + 1 >= argc) return usage_error(err, "missing value after", s);
      int rc = take_value(a, s, argv[++i], err);
      if (rc) return rc;
    } else if (s[0] == '-' && s[1]) return usage_error(err, "unknown option", s);
    else if (!a->o.model_path) a->o.model_path = s;
    else return usage_error(err, "more than one model", s);
  }
  return 0;
}

/* Reads the sweep file: its axes come after the command line's; --arch and --samples on
 * the command line win over the file's. */
static int load_spec(args *a, glif_err *err) {
  const char *arch = NULL;
  int64_t samples = 0;
  int rc = dse_space_load(a->space, a->spec, &arch, &samples, err);
  if (rc) return rc;
  if (!a->o.arch) a->o.arch = arch;
  if (!a->samples_given && samples) a->o.samples = samples;
  return 0;
}

static int parse(args *a, int argc, char **argv, glif_err *err) {
  int auto_mesh = 0;
  int rc = parse_argv(a, argc, argv, &auto_mesh, err);
  if (!rc && a->spec) rc = load_spec(a, err);
  if (!rc && auto_mesh) rc = dse_space_set_auto_mesh(a->space, 1, err);
  if (rc) return rc;
  if (!a->o.model_path) return usage_error(err, "no model given", NULL);
  if (a->o.labels_path && !a->o.input_path)
    return usage_error(err, "--labels needs --input (labels of synthetic input mean nothing)", NULL);
  if (dse_space_n_cols(a->space) == 0 && !dse_space_auto_mesh(a->space))
    return usage_error(err, "nothing to sweep: give --sweep, --point, --sweep-file or "
                       "--auto-mesh", NULL);
  if (a->csv && !strcmp(a->csv, "-")) a->quiet = 1;
  return 0;
}

/* ---- outputs ------------------------------------------------------------------------------ */

typedef struct out_ctx {
  const dse_sweep *sw;
  const dse_row *rows;
  int64_t n;
  const dse_out_opts *o;
} out_ctx;

static int w_csv(FILE *f, void *p, glif_err *err) {
  out_ctx *c = p;
  return dse_csv_print(f, c->sw, c->rows, c->n, c->o)
             ? glif_errf(err, GLIF_EIO, NULL, 0, 0, "cannot write the CSV") : 0;
}

static int w_json(FILE *f, void *p, glif_err *err) {
  out_ctx *c = p;
  return dse_json_print(f, c->sw, c->rows, c->n, c->o, err);
}

static int w_plot(FILE *f, void *p, glif_err *err) {
  out_ctx *c = p;
  return dse_plot_print(f, c->sw, c->rows, c->n)
             ? glif_errf(err, GLIF_EIO, NULL, 0, 0, "cannot write the plot") : 0;
}

static int write_one(const char *path, dse_writer_fn fn, out_ctx *c, glif_err *err) {
  if (!path) return 0;
  if (!strcmp(path, "-")) return fn(stdout, c, err);
  return dse_write_atomic(path, fn, c, err);
}

/* The table: every point, or only the Pareto-optimal ones. */
static void table(const args *a, dse_sweep *sw, dse_row *rows, int64_t n) {
  if (a->quiet) return;
  if (!a->pareto_only) {
    dse_table_print(stdout, sw, rows, n);
    return;
  }
  int64_t k = 0;
  dse_row *keep = glif_malloc(sizeof *keep * (size_t)(n + 1));
  if (!keep) {
    dse_table_print(stdout, sw, rows, n);
    return;
  }
  for (int64_t i = 0; i < n; i++)
    if (rows[i].pareto) keep[k++] = rows[i];
  dse_table_print(stdout, sw, keep, k);
  glif_free(keep);
}

static int outputs(args *a, dse_sweep *sw, glif_err *err) {
  dse_row *rows = dse_sweep_rows(sw);
  const int64_t n = dse_sweep_n_rows(sw);
  dse_pareto_mark(rows, n);
  out_ctx c = {sw, rows, n, &a->out};
  int rc = write_one(a->csv, w_csv, &c, err);
  if (!rc) rc = write_one(a->json, w_json, &c, err);
  if (!rc) rc = write_one(a->plot, w_plot, &c, err);
  if (!rc) table(a, sw, rows, n);
  return rc;
}

/* ---- the command ------------------------------------------------------------------------------ */

static int sweep(args *a, const dse_dist *dist, glif_err *err) {
  dse_sweep *sw = NULL;
  if (dist) a->o.rank = dist->rank, a->o.n_ranks = dist->n_ranks;
  a->o.progress = a->progress && !a->quiet && isatty(2) && (!dist || dist->rank == 0);
  int rc = dse_sweep_create(&sw, &a->o, a->space, err);
  if (!rc) rc = dse_sweep_run(sw, err);
  if (dist) {
    glif_err mine = *err;
    int g = dist->gather(dist->ctx, sw ? dse_sweep_rows(sw) : NULL, sw ? dse_sweep_n_rows(sw) : 0,
                         rc, err);
    if (rc) *err = mine;
    else rc = g;
  }
  if (!rc && (!dist || dist->rank == 0)) rc = outputs(a, sw, err);
  dse_sweep_destroy(sw);
  return rc;
}

int dse_command(int argc, char **argv, const dse_dist *dist) {
  args a;
  glif_err err;
  memset(&a, 0, sizeof a);
  glif_err_clear(&err);
  dse_options_default(&a.o);
  a.out.timing = 1;
  a.progress = 1;
  if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
    dse_usage(stdout);
    return 0;
  }
  int rc = dse_space_create(&a.space, &err);
  if (!rc) rc = parse(&a, argc, argv, &err);
  if (!rc) rc = sweep(&a, dist, &err);
  dse_space_destroy(a.space);
  if (!rc) return 0;
  if (!dist || dist->rank == 0) glif_err_print(&err, stderr);
  return err.code == GLIF_EUSAGE ? 2 : 1;
}

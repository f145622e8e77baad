/*
 * cmd_run.c - `glif run CHIP.img --input X.npy`: simulates a chip image cycle by cycle
 * (simulator/sim.h) and reports outputs, latency, energy and traffic. The CLI only
 * parses options, reads the files and calls the library; docs/simulator.md describes
 * the options, docs/run-report.md the JSON report.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fabric/image.h"
#include "../fabric/mem.h"
#include "../fabric/npy.h"
#include "../simulator/sim.h"
#include "cli.h"
#ifdef GLIF_HAVE_RTL_BACKEND
#include "../rtl/rtl_backend.h"
#endif

typedef struct run_args {
  const char *image, *input, *labels, *arch, *report, *trace, *vcd, *record;
  int mode, jobs, quiet, progress, rec_x, rec_y, has_rec_core, rtl;
} run_args;

static void usage(FILE *out) {
  fprintf(out,
          "usage: glif run CHIP.img --input X.npy [--labels Y.npy] [--arch ARCH]\n"
          "                [--mode event|cycle] [--jobs N] [--report RUN.json]\n"
          "                [--trace FILE.trace] [--trace FILE.vcd]\n"
          "                [--record-core X,Y --record FILE] [--backend c|rtl]\n"
          "                [--quiet] [--no-progress]\n\n"
          "Executes a chip image the way the fabric would (docs/timing.md), cycle by cycle,\n"
          "and reports the outputs, the predicted class, latency, energy and traffic.\n\n"
          "  --input X.npy       samples: [C,H,W] or [N,C,H,W] (direct encoding),\n"
          "                      [T,C,H,W] or [N,T,C,H,W] (spikes encoding, 0/1 values)\n"
          "  --labels Y.npy      integer class per sample [N]: prints the accuracy\n"
          "  --arch ARCH         re-cost under ARCH (file or preset): it must have the\n"
          "                      image's structure; its clock, barrier and energy are used\n"
          "  --mode event|cycle  event-driven (default) or the cycle-stepped oracle (slow)\n"
          "  --jobs N            simulate N samples at a time on N threads (same results)\n"
          "  --report RUN.json   JSON report: per sample, tick, core, link (docs/run-report.md)\n"
          "  --trace FILE.trace  spike trace, the format of `glif reference --trace`\n"
          "  --trace FILE.vcd    spike waveforms (VCD) for GTKWave; both may be given\n"
          "  --record-core X,Y   with --record FILE: every input, output and state of core\n"
          "                      (X, Y) per tick, for replaying the core in RTL\n"
          "  --backend c|rtl     core model: C (default) or the verilated RTL core of\n"
          "                      rtl/glif_core.v (cycle mode; docs/rtl.md)\n"
          "  --quiet             no summary on stdout\n"
          "  --no-progress       no progress bar (it only shows on a terminal anyway)\n");
}

static int usage_error(const char *what, const char *arg) {
  fprintf(stderr, "glif run: %s%s%s - see 'glif run --help'\n", what, arg ? ": " : "",
          arg ? arg : "");
  return 2;
}

static int ends_with(const char *s, const char *suffix) {
  const size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

/* One option with a value; returns 0 on success, 2 on a usage error. */
static int take_value(run_args *a, const char *opt, const char *v) {
  if (!strcmp(opt, "--input")) a->input = v;
  else if (!strcmp(opt, "--labels")) a->labels = v;
  else if (!strcmp(opt, "--arch")) a->arch = v;
  else if (!strcmp(opt, "--report")) a->report = v;
  else if (!strcmp(opt, "--record")) a->record = v;
  else if (!strcmp(opt, "--trace")) *(ends_with(v, ".vcd") ? &a->vcd : &a->trace) = v;
  else if (!strcmp(opt, "--mode")) {
    if (strcmp(v, "event") && strcmp(v, "cycle")) return usage_error("--mode is event or cycle", v);
    a->mode = !strcmp(v, "cycle") ? SIM_MODE_CYCLE : SIM_MODE_EVENT;
  } else if (!strcmp(opt, "--backend")) {
    if (strcmp(v, "c") && strcmp(v, "rtl")) return usage_error("--backend is c or rtl", v);
    a->rtl = !strcmp(v, "rtl");
  } else if (!strcmp(opt, "--jobs")) {
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > 256) return usage_error("--jobs takes 1 .. 256", v);
    a->jobs = (int)n;
  } else if (!strcmp(opt, "--record-core")) {
    char *end;
    a->rec_x = (int)strtol(v, &end, 10);
    if (*end != ',') return usage_error("--record-core takes X,Y", v);
    a->rec_y = (int)strtol(end + 1, &end, 10);
    if (*end || a->rec_x < 0 || a->rec_y < 0) return usage_error("--record-core takes X,Y", v);
    a->has_rec_core = 1;
  } else {
    return usage_error("unknown option", opt);
  }
  return 0;
}

static int parse(int argc, char **argv, run_args *a) {
  static const char *const valued[] = {"--input", "--labels", "--arch", "--report", "--record",
                                       "--trace", "--mode", "--jobs", "--record-core", "--backend",
                                       NULL};
  memset(a, 0, sizeof *a);
  a->jobs = 1;
  a->progress = 1;
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "--quiet")) a->quiet = 1;
    else if (!strcmp(s, "--no-progress")) a->progress = 0;
    else if (s[0] == '-' && s[1] == '-') {
      int known = 0;
      for (int k = 0; valued[k]; k++) known |= !strcmp(s, valued[k]);
      if (!known) return usage_error("unknown option", s);
      if (i + 1 >= argc) return usage_error("missing value after", s);
      int rc = take_value(a, s, argv[++i]);
      if (rc) return rc;
    } else if (!a->image) a->image = s;
    else return usage_error("more than one chip image", s);
  }
  if (!a->image) return usage_error("no chip image given", NULL);
  if (!a->input) return usage_error("--input X.npy is required", NULL);
  if (!a->record != !a->has_rec_core)
    return usage_error("--record FILE and --record-core X,Y go together", NULL);
  return 0;
}

typedef struct run_state {
  img_image *img;
  sim_model *m;
  npy_array x;
  int64_t n, *labels;
  sim_batch *b;
} run_state;

static int simulate(const run_args *a, run_state *st, glif_err *err) {
  glif_arch costs;
  int rc;
  if ((rc = img_read(a->image, &st->img, err))) return rc;
  if (a->arch && (rc = arch_resolve(a->arch, &costs, err))) return rc;
  if ((rc = sim_model_create(&st->m, st->img, a->arch ? &costs : NULL, err))) {
    if (!err->file[0]) snprintf(err->file, sizeof err->file, "%s", a->image);
    return rc;
  }
  if ((rc = npy_read(a->input, &st->x, err)) ||
      (rc = sim_input_samples(st->m, &st->x, a->input, &st->n, err)))
    return rc;
  if (a->labels && (rc = npy_read_labels(a->labels, st->n, st->img->n_outputs, &st->labels, err)))
    return rc;
  sim_core_factory backend = NULL;
#ifdef GLIF_HAVE_RTL_BACKEND
  if (a->rtl) backend = rtl_backend_core;
#endif
  if (a->rtl && !backend)
    return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "this glif was built without the "
                     "RTL backend (no Verilator at build time) - install verilator and rebuild");
  const sim_batch_opts o = {.mode = a->rtl ? SIM_MODE_CYCLE : a->mode, .jobs = a->jobs,
                            .trace_path = a->trace, .vcd_path = a->vcd, .record_path = a->record,
                            .record_x = a->rec_x, .record_y = a->rec_y,
                            .image_path = a->image,
                            .progress = a->progress && !a->quiet && isatty(2),
                            .report_path = a->report, .core_factory = backend};
  if ((rc = sim_batch_run(st->m, &o, st->x.data, st->n, st->labels, &st->b, err))) {
    if (!err->file[0]) snprintf(err->file, sizeof err->file, "%s", a->input);
    return rc;
  }
  if (!a->quiet) sim_summary_print(stdout, st->m, &o, st->b);
  return 0;
}

int cmd_run(int argc, char **argv) {
  run_args a;
  if (argc > 1 && cli_is_help(argv[1])) {
    usage(stdout);
    return 0;
  }
  int rc = parse(argc, argv, &a);
  if (rc) return rc;
  run_state st;
  glif_err err;
  memset(&st, 0, sizeof st);
  glif_err_clear(&err);
  rc = simulate(&a, &st, &err);
  sim_batch_free(st.b);
  glif_free(st.labels);
  npy_free(&st.x);
  sim_model_destroy(st.m);
  img_free(st.img);
  return rc ? cli_fail(&err) : 0;
}

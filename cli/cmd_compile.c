/*
 * cmd_compile.c - `glif compile`: model + architecture -> chip image (+ compile.json).
 *
 * A thin layer over the compiler library: parses options into cc_options, runs
 * cc_init + cc_run (compiler/compile.h), prints the summary. The passes write their
 * outputs through temporary files, so on any error nothing is left behind.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../compiler/compile.h"
#include "../mapping/map.h"
#include "cli.h"

static void usage(FILE *out) {
  fprintf(out,
    "usage: glif compile MODEL.yaml [--arch ARCH] -o CHIP.img [options]\n\n"
    "Lowers a trained model (docs/model-format.md) to a chip image for an architecture:\n"
    "load, check, fold, quantise, schedule, lower, design-rule checks, partition,\n"
    "place, route, emit (docs/compiler.md).\n\n"
    "options:\n"
    "  --arch ARCH        architecture file or preset name (default glif-256;\n"
    "                     'glif arch --list' shows the presets)\n"
    "  -o, --output FILE  chip image to write (docs/chip-image.md)\n"
    "  --report FILE      compile.json: per-layer and per-core figures, totals, notes,\n"
    "                     time and memory per pass (without -o: report only, no image)\n"
    "  --calibrate X.npy  calibration inputs: sets the input range when the model has\n"
    "                     none and measures float-vs-fixed agreement per layer\n"
    "  --partition NAME   greedy (default) or metis (the same tiles, cores chosen by\n"
    "                     recursive bisection of their traffic; overrides --place)\n"
    "  --place NAME       spatial (default), hilbert, snake or rowmajor\n"
    "  --dump=PASS        print the IR after PASS (load, check, fold, quantise,\n"
    "                     schedule, lower, partition, place, route) or 'all'\n"
    "  --stop-after=PASS  run the passes up to PASS only (nothing is written after it)\n"
    "  --no-timing        leave wall times and memory out of the report, so two\n"
    "                     compiles give byte-identical reports\n"
    "  --quiet            no summary on the terminal\n"
    "  -h, --help         this help\n\n"
    "Exit status: 0 compiled, 1 error in the model or a design rule (the message says\n"
    "file:line:col, the numbers and what to do), 2 bad usage.\n");
}

/* Value of option `name` at argv[*i] ("--name=V" or "--name V"), or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *bad) {
  const size_t n = strlen(name);
  if (strncmp(argv[*i], name, n)) return NULL;
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (argv[*i][n] != '\0') return NULL;
  if (*i + 1 >= argc) {
    fprintf(stderr, "glif compile: %s needs a value - see 'glif compile --help'\n", name);
    *bad = 1;
    return NULL;
  }
  return argv[++*i];
}

typedef struct option_slot {
  const char *name;
  const char **dst;
} option_slot;

static int parse(int argc, char **argv, cc_options *o) {
  const option_slot slots[] = {
      {"--arch", &o->arch_path},     {"--output", &o->out_path},
      {"-o", &o->out_path},          {"--report", &o->report_path},
      {"--calibrate", &o->calibrate_path}, {"--partition", &o->partition},
      {"--place", &o->place},        {"--dump", &o->dump},
      {"--stop-after", &o->stop_after}, {NULL, NULL}};
  int bad = 0;
  for (int i = 1; i < argc && !bad; i++) {
    const option_slot *s = slots;
    const char *v = NULL;
    for (; s->name && !(v = opt_value(argc, argv, &i, s->name, &bad)) && !bad; s++) {}
    if (bad) break;
    if (s->name) *s->dst = v;
    else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) o->quiet = 1;
    else if (!strcmp(argv[i], "--no-timing")) o->no_timing = 1;
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "glif compile: unknown option '%s' - see 'glif compile --help'\n",
              argv[i]);
      bad = 1;
    } else if (o->model_path) {
      fprintf(stderr, "glif compile: one model at a time ('%s' and '%s')\n", o->model_path,
              argv[i]);
      bad = 1;
    } else {
      o->model_path = argv[i];
    }
  }
  if (!bad && !o->model_path) {
    fprintf(stderr, "glif compile: no model given - usage: glif compile MODEL.yaml "
                    "--arch ARCH -o CHIP.img\n");
    bad = 1;
  }
  return bad ? 2 : 0;
}

int cmd_compile(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (cli_is_help(argv[i])) {
      usage(stdout);
      return 0;
    }
  cc_options o;
  memset(&o, 0, sizeof o);
  int rc = parse(argc, argv, &o);
  if (rc) return rc;
  if (o.report_path && !o.out_path && !o.stop_after) o.stop_after = "emit";
  o.progress = !o.quiet && isatty(2);
  cc_ctx ctx;
  glif_err err;
  glif_err_clear(&err);
  if ((rc = cc_init(&ctx, &o, &err)) || (rc = cc_run(&ctx, &err))) {
    int status = cli_fail(&err);
    if (ctx.notes.msg[0]) fprintf(stderr, "notes:\n%s\n", ctx.notes.msg);
    cc_destroy(&ctx);
    return status;
  }
  if (!o.quiet) map_print_summary(&ctx, stdout);
  cc_destroy(&ctx);
  return 0;
}

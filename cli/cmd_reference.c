/*
 * cmd_reference.c - `glif reference`: the golden model of a model, no mapping.
 *
 *   glif reference MODEL.yaml --input X.npy [--arch ARCH] [--float] [--trace FILE]
 *                  [--labels Y.npy] [--json FILE] [--calibrate C.npy] [--quiet]
 *                  [--dump=PASS]
 *
 * Runs the compiler front end (load .. schedule; --float stops after fold, as the float
 * model needs no quantisation), then the golden model (compiler/reference.h) on every
 * sample of X.npy: one line per sample with the predicted class, the per-layer spike
 * counts and the outputs, then the accuracy when labels are given. --trace writes
 * docs/trace-format.md, --json a report whose fields are listed in docs/reference.md.
 * Output files are written to temporary names and renamed: an error leaves none.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../compiler/compile.h"
#include "../compiler/reference.h"
#include "../fabric/ofile.h"
#include "cli.h"

typedef struct ref_args {
  const char *model, *arch, *input, *trace, *labels, *json, *calibrate, *dump;
  int fl, quiet;
} ref_args;

static void usage(FILE *out) {
  fprintf(out,
          "usage: glif reference MODEL.yaml --input X.npy [--arch ARCH] [--float]\n"
          "                      [--trace FILE] [--labels Y.npy] [--json FILE]\n"
          "                      [--calibrate C.npy] [--quiet] [--dump=PASS]\n\n"
          "Runs the network-level golden model: fixed point exactly as the chip computes\n"
          "(default) or the unquantised float64 model (--float). X.npy holds one sample\n"
          "[C,H,W] or a batch [N,C,H,W] (spike-encoded inputs: [T,C,H,W] / [N,T,C,H,W]).\n\n"
          "  --arch ARCH       architecture file or preset (default glif-256)\n"
          "  --float           the float64 model instead of fixed point\n"
          "  --trace FILE      spike trace (docs/trace-format.md), comparable with cmp\n"
          "  --labels Y.npy    integer class labels [N]: prints the accuracy\n"
          "  --json FILE       machine-readable report (docs/reference.md)\n"
          "  --calibrate C.npy input range from these samples, and the quantiser's\n"
          "                    float-vs-fixed agreement per layer\n"
          "  --quiet           no per-sample lines, only the summary\n"
          "  --dump=PASS       print the IR after a front-end pass (load .. schedule)\n");
}

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "glif reference: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " - see 'glif reference --help'\n");
  return 2;
}

/* --opt VALUE or --opt=VALUE: 1 and *val set when argv[*i] is opt. */
static int opt_value(int argc, char **argv, int *i, const char *opt, const char **val) {
  const size_t n = strlen(opt);
  if (strncmp(argv[*i], opt, n)) return 0;
  if (argv[*i][n] == '=') return *val = argv[*i] + n + 1, 1;
  if (argv[*i][n] || *i + 1 >= argc) return argv[*i][n] ? 0 : (*val = NULL, 1);
  *val = argv[++*i];
  return 1;
}

static int parse_args(int argc, char **argv, ref_args *a) {
  static const char *const names[] = {"--arch", "--input", "--trace", "--labels",
                                      "--json", "--calibrate", "--dump", NULL};
  memset(a, 0, sizeof *a);
  for (int i = 1; i < argc; i++) {
    const char **slot[] = {&a->arch, &a->input, &a->trace, &a->labels, &a->json,
                           &a->calibrate, &a->dump};
    int k, hit = 0;
    for (k = 0; names[k] && !hit; k++) hit = opt_value(argc, argv, &i, names[k], slot[k]);
    if (hit && !*slot[k - 1]) return usage_error("%s needs a value", names[k - 1]);
    if (hit) continue;
    if (!strcmp(argv[i], "--float")) a->fl = 1;
    else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) a->quiet = 1;
    else if (argv[i][0] == '-') return usage_error("unknown option '%s'", argv[i]);
    else if (a->model) return usage_error("more than one model given ('%s')", argv[i]);
    else a->model = argv[i];
  }
  if (!a->model) return usage_error("%s", "no MODEL.yaml given");
  if (!a->input) return usage_error("%s", "no --input X.npy given");
  return 0;
}

/* ---- inputs ------------------------------------------------------------------------- */

/* ---- the report ---------------------------------------------------------------------- */

typedef struct run {
  const ref_args *a;
  cc_options opt;
  cc_ctx ctx;
  ref_model *rm;
  npy_array x;
  int64_t n_samples, *labels, correct;
  trace_writer *tw;
  cJSON *json, *jsamples;
  uint64_t *spikes_total;  /* per population */
  int progress;
} run;

static void print_header(const run *r) {
  const ir_net *n = r->ctx.net;
  const ir_pop *in = &n->pops[0];
  printf("# glif reference: model %s, T=%d, %s, arch %s, %" PRId64 " sample%s\n",
         n->model->name, n->T, r->a->fl ? "float64" : "fixed point", r->ctx.arch.name,
         r->n_samples, r->n_samples == 1 ? "" : "s");
  if (!r->a->fl && in->encoding == IR_ENC_DIRECT)
    printf("# input: %d-bit payloads, scale %.9g per LSB (range %.9g, from %s)\n",
           in->payload_bits, in->in_scale, in->in_scale * (double)((1 << (in->payload_bits - 1)) - 1),
           n->model->layers[in->layer].range > 0 ? "the model" : "--calibrate");
}

/* With --calibrate: the quantiser's per-layer report (worst case vs what was seen). */
static void print_calibration(const run *r) {
  const ir_net *n = r->ctx.net;
  if (r->a->fl || n->n_pops < 2 || !n->pops[1].stats.calibrated) return;
  printf("# quantisation, calibrated on %" PRId64 " sample%s (A = %u, V = %u bits):\n",
         r->ctx.calib.n_samples, r->ctx.calib.n_samples == 1 ? "" : "s",
         r->ctx.arch.acc_bits, r->ctx.arch.membrane_bits);
  printf("#   %-28s %5s %12s %12s %12s %12s %9s %11s %5s\n", "layer", "M", "acc worst",
         "acc seen", "mem worst", "mem seen", "spikes=", "rmse", "sat");
  for (int i = 1; i < n->n_pops; i++) {
    const ir_qstats *s = &n->pops[i].stats;
    char m[16];
    snprintf(m, sizeof m, s->shift_min == s->shift_max ? "%d" : "%d-%d", s->shift_min,
             s->shift_max);
    printf("#   %-28s %5s %12" PRId64 " %12" PRId64 " %12" PRId64 " %12" PRId64
           " %8.4f%% %11.4g %5" PRIu64 "\n", n->pops[i].name, m, s->acc_worst, s->acc_seen,
           s->mem_worst, s->mem_seen, 100 * s->spike_agreement, s->membrane_rmse,
           s->saturations);
  }
}

static void print_sample(const run *r, int64_t k) {
  const ir_net *n = r->ctx.net;
  printf("sample %" PRId64 " class %" PRId64, k, ref_class(r->rm));
  if (r->labels) printf(" label %" PRId64, r->labels[k]);
  printf(" spikes");
  for (int i = 1; i < n->n_pops; i++)
    if (n->pops[i].kind == NRN_SPIKING)
      printf(" %s=%" PRIu64, n->pops[i].name, ref_spike_count(r->rm, i));
  printf(" outputs");
  const double *o = ref_outputs(r->rm);
  for (int64_t j = 0; j < ref_n_outputs(r->rm); j++) printf(" %.6g", o[j]);
  printf("\n");
}

static cJSON *json_sample(const run *r, int64_t k) {
  const ir_net *n = r->ctx.net;
  cJSON *s = cJSON_CreateObject(), *sp = cJSON_CreateArray();
  cJSON_AddNumberToObject(s, "index", (double)k);
  cJSON_AddNumberToObject(s, "class", (double)ref_class(r->rm));
  if (r->labels) cJSON_AddNumberToObject(s, "label", (double)r->labels[k]);
  else cJSON_AddNullToObject(s, "label");
  cJSON_AddItemToObject(s, "outputs",
                        cJSON_CreateDoubleArray(ref_outputs(r->rm), (int)ref_n_outputs(r->rm)));
  for (int i = 1; i < n->n_pops; i++)
    cJSON_AddItemToArray(sp, cJSON_CreateNumber((double)ref_spike_count(r->rm, i)));
  cJSON_AddItemToObject(s, "spikes", sp);
  return s;
}

static cJSON *json_quant(const ir_pop *p) {
  const ir_qstats *s = &p->stats;
  cJSON *q = cJSON_CreateObject();
  cJSON_AddStringToObject(q, "layer", p->name);
  cJSON_AddNumberToObject(q, "wscale_min", s->wscale_min);
  cJSON_AddNumberToObject(q, "wscale_max", s->wscale_max);
  cJSON_AddNumberToObject(q, "shift_min", s->shift_min);
  cJSON_AddNumberToObject(q, "shift_max", s->shift_max);
  cJSON_AddNumberToObject(q, "acc_worst", (double)s->acc_worst);
  cJSON_AddNumberToObject(q, "mem_worst", (double)s->mem_worst);
  cJSON_AddBoolToObject(q, "calibrated", s->calibrated);
  if (s->calibrated) {
    cJSON_AddNumberToObject(q, "spike_agreement", s->spike_agreement);
    cJSON_AddNumberToObject(q, "membrane_rmse", s->membrane_rmse);
    cJSON_AddNumberToObject(q, "acc_seen", (double)s->acc_seen);
    cJSON_AddNumberToObject(q, "mem_seen", (double)s->mem_seen);
    cJSON_AddNumberToObject(q, "saturations", (double)s->saturations);
  }
  return q;
}

static void json_begin(run *r) {
  const ir_net *n = r->ctx.net;
  cJSON *j = r->json = cJSON_CreateObject(), *layers = cJSON_CreateArray();
  cJSON_AddNumberToObject(j, "glif_reference", 1);
  cJSON_AddStringToObject(j, "model", n->model->name);
  cJSON_AddStringToObject(j, "arch", r->ctx.arch.name);
  cJSON_AddStringToObject(j, "mode", r->a->fl ? "float" : "fixed");
  cJSON_AddNumberToObject(j, "T", n->T);
  for (int i = 1; i < n->n_pops; i++) {
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "name", n->pops[i].name);
    cJSON_AddStringToObject(l, "kind", n->pops[i].kind == NRN_READOUT ? "readout" : "spiking");
    cJSON_AddNumberToObject(l, "neurons", (double)n->pops[i].n);
    if (!r->a->fl) cJSON_AddItemToObject(l, "quantisation", json_quant(&n->pops[i]));
    cJSON_AddItemToArray(layers, l);
  }
  cJSON_AddItemToObject(j, "layers", layers);
  r->jsamples = cJSON_AddArrayToObject(j, "samples");
}

static void json_summary(run *r) {
  const ir_net *n = r->ctx.net;
  cJSON *s = cJSON_AddObjectToObject(r->json, "summary"), *avg = cJSON_CreateArray();
  cJSON_AddNumberToObject(s, "samples", (double)r->n_samples);
  if (r->labels) {
    cJSON_AddNumberToObject(s, "correct", (double)r->correct);
    cJSON_AddNumberToObject(s, "accuracy", (double)r->correct / (double)r->n_samples);
  } else {
    cJSON_AddNullToObject(s, "correct");
    cJSON_AddNullToObject(s, "accuracy");
  }
  for (int i = 1; i < n->n_pops; i++)
    cJSON_AddItemToArray(avg, cJSON_CreateNumber((double)r->spikes_total[i] / (double)r->n_samples));
  cJSON_AddItemToObject(s, "spikes_per_sample", avg);
}

static int write_json(run *r, glif_err *err) {
  char *text = cJSON_Print(r->json);
  if (!text) return glif_errf(err, GLIF_ENOMEM, r->a->json, 0, 0, "out of memory");
  int rc = glif_ofile_write_text(r->a->json, "the report", text, err);
  free(text);
  return rc;
}

/* ---- the run --------------------------------------------------------------------------- */

static int front(run *r, glif_err *err) {
  cc_options *opt = &r->opt;
  opt->model_path = r->a->model, opt->arch_path = r->a->arch;
  opt->calibrate_path = r->a->calibrate, opt->dump = r->a->dump;
  const int late_dump = r->a->dump && strcmp(r->a->dump, "load") && strcmp(r->a->dump, "check") &&
                        strcmp(r->a->dump, "fold");
  opt->stop_after = r->a->fl && !late_dump && !r->a->calibrate ? "fold" : "schedule";
  int rc = cc_init(&r->ctx, opt, err);
  return rc ? rc : cc_run(&r->ctx, err);
}

static int one_sample(run *r, int64_t k, glif_err *err) {
  const double *x = r->x.data + k * ref_sample_size(r->ctx.net);
  int rc = ref_run(r->rm, x, err);
  if (rc) {
    char why[1024];
    snprintf(why, sizeof why, "%.1000s", err->msg);
    return glif_errf(err, rc, r->a->input, 0, 0, "sample %" PRId64 ": %s", k, why);
  }
  for (int i = 1; i < r->ctx.net->n_pops; i++) r->spikes_total[i] += ref_spike_count(r->rm, i);
  if (r->labels) r->correct += ref_class(r->rm) == r->labels[k];
  if (!r->a->quiet) print_sample(r, k);
  if (r->progress && (k % 10 == 9 || k + 1 == r->n_samples))
    fprintf(stderr, "\rreference: %" PRId64 "/%" PRId64 " samples", k + 1, r->n_samples);
  if (r->json) cJSON_AddItemToArray(r->jsamples, json_sample(r, k));
  if (r->tw && (rc = ref_trace_sample(r->rm, r->tw, k)))
    return glif_errf(err, rc, r->a->trace, 0, 0, "cannot write the trace");
  return 0;
}

static int setup(run *r, glif_err *err) {
  int rc = front(r, err);
  if (!rc) rc = npy_read(r->a->input, &r->x, err);
  if (!rc) rc = ref_input_samples(r->ctx.net, &r->x, r->a->input, &r->n_samples, err);
  if (!rc) rc = ref_create(&r->rm, r->ctx.net, &r->ctx.arch, r->a->fl ? REF_FLOAT : REF_FIXED, err);
  if (!rc && r->a->labels)
    rc = npy_read_labels(r->a->labels, r->n_samples, ref_n_outputs(r->rm), &r->labels, err);
  r->spikes_total = rc ? NULL : calloc((size_t)r->ctx.net->n_pops, sizeof(uint64_t));
  if (!rc && !r->spikes_total) rc = glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  if (!rc && r->a->trace &&
      !(rc = trace_open(&r->tw, r->a->trace, r->ctx.net->model->name, r->ctx.net->T, err)) &&
      ref_trace_layers(r->rm, r->tw))
    rc = glif_errf(err, GLIF_EIO, r->a->trace, 0, 0, "cannot write the trace");
  if (!rc && r->a->json) json_begin(r);
  return rc;
}

static int finish(run *r, glif_err *err) {
  if (r->progress) fprintf(stderr, "\n");
  if (r->labels)
    printf("accuracy %.4f (%" PRId64 " of %" PRId64 ")\n",
           (double)r->correct / (double)r->n_samples, r->correct, r->n_samples);
  else if (r->a->quiet)
    printf("%" PRId64 " sample%s\n", r->n_samples, r->n_samples == 1 ? "" : "s");
  int rc = 0;
  if (r->json) {
    json_summary(r);
    rc = write_json(r, err);
  }
  if (!rc && r->tw) {
    rc = trace_close(r->tw, err);
    r->tw = NULL;
  }
  return rc;
}

static void cleanup(run *r) {
  if (r->tw) trace_abort(r->tw);
  cJSON_Delete(r->json);
  ref_destroy(r->rm);
  npy_free(&r->x);
  glif_free(r->labels), free(r->spikes_total);
  if (r->ctx.arena) cc_destroy(&r->ctx);
}

int cmd_reference(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    usage(stdout);
    return 0;
  }
  ref_args a;
  int status = parse_args(argc, argv, &a);
  if (status) return status;
  run r;
  memset(&r, 0, sizeof r);
  r.a = &a;
  glif_err err;
  glif_err_clear(&err);
  int rc = setup(&r, &err);
  if (!rc) {
    r.progress = isatty(2) && (a.quiet || !isatty(1)) && r.n_samples > 1;
    if (!a.quiet) print_header(&r), print_calibration(&r);
    for (int64_t k = 0; !rc && k < r.n_samples; k++) rc = one_sample(&r, k, &err);
  }
  if (!rc) rc = finish(&r, &err);
  fflush(stdout);
  cleanup(&r);
  return rc ? cli_fail(&err) : 0;
}

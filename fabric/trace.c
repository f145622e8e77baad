/*
 * trace.c - the spike-trace writer shared by `glif reference --trace` (the golden
 * model) and `glif run --trace` (the simulator). Format: docs/trace-format.md; API and
 * call order: trace.h.
 *
 * One writer means one byte layout: a simulator trace and a reference trace of the same
 * network and input are equal iff the runs agree, so cmp(1) is the comparison.
 *
 * The writer enforces the documented call order (layers declared before the first
 * sample; within a sample, every layer in declaration order, every step of a spiking
 * layer in ascending order, indices ascending and inside the layer): a misuse returns
 * GLIF_EINTERNAL instead of writing a trace that cmp would later report as a mismatch
 * in the wrong place. Output goes to a temporary file beside the target, renamed into
 * place by trace_close; trace_abort and every failure remove it.
 */
#include "trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "nrn.h"
#include "ofile.h"

typedef struct tlayer {
  uint32_t n;  /* neurons */
  int kind;    /* NRN_SPIKING or NRN_READOUT */
} tlayer;

struct trace_writer {
  glif_ofile out;      /* the file being written (renamed into place by trace_close) */
  FILE *f;             /* out.f */
  int T;               /* logical steps, >= 1 */
  int n_layers, cap;
  tlayer *layers;
  int in_sample;       /* between trace_sample_begin and trace_sample_end */
  int samples;         /* samples begun so far */
  int next_layer;      /* the layer the next call must be about */
  int next_t;          /* for a spiking layer: the step the next call must be about */
  int failed;          /* sticky: a write failed or the API was misused */
};

/* Writes s with whitespace and control characters replaced by '_', so that a name can
 * never break the line-oriented format. */
static void put_name(FILE *f, const char *s, int keep_spaces) {
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    fputc(ch < 32 || ch == 127 || (ch == ' ' && !keep_spaces) ? '_' : ch, f);
  }
}

static void free_writer(trace_writer *tw) {
  glif_free(tw->layers);
  glif_free(tw);
}

int trace_open(trace_writer **out, const char *path, const char *model_name, int T,
               glif_err *err) {
  *out = NULL;
  if (T < 1)
    return glif_errf(err, GLIF_EINTERNAL, path, 0, 0, "trace_open: T = %d < 1", T);
  trace_writer *tw = glif_calloc(1, sizeof *tw);
  if (!tw) return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory opening the trace");
  tw->T = T;
  int rc = glif_ofile_open(&tw->out, path, "the trace", err);
  if (rc) {
    free_writer(tw);
    return rc;
  }
  tw->f = tw->out.f;
  fprintf(tw->f, "glif-trace 1\nmodel ");
  put_name(tw->f, model_name ? model_name : "", 1);
  fprintf(tw->f, "\nT %d\n", T);
  *out = tw;
  return 0;
}

int trace_layer(trace_writer *tw, const char *name, int kind, uint32_t n_neurons) {
  if (!tw || tw->samples || (kind != NRN_SPIKING && kind != NRN_READOUT)) {
    if (tw) tw->failed = 1;
    return GLIF_EINTERNAL;
  }
  if (tw->n_layers == tw->cap) {
    int cap = tw->cap ? 2 * tw->cap : 16;
    tlayer *l = glif_realloc(tw->layers, (size_t)cap * sizeof *l);
    if (!l) return GLIF_ENOMEM;
    tw->layers = l;
    tw->cap = cap;
  }
  tw->layers[tw->n_layers].n = n_neurons;
  tw->layers[tw->n_layers].kind = kind;
  fprintf(tw->f, "layer %d ", tw->n_layers);
  put_name(tw->f, name ? name : "", 0);
  fprintf(tw->f, " %s %" PRIu32 "\n", kind == NRN_SPIKING ? "spiking" : "readout",
          n_neurons);
  tw->n_layers++;
  return 0;
}

int trace_sample_begin(trace_writer *tw, int64_t sample) {
  if (!tw || tw->in_sample || sample < 0) {
    if (tw) tw->failed = 1;
    return GLIF_EINTERNAL;
  }
  tw->in_sample = 1;
  tw->samples++;
  tw->next_layer = 0;
  tw->next_t = 1;
  fprintf(tw->f, "sample %" PRId64 "\n", sample);
  return 0;
}

/* 0 when the next call may be about (layer, kind, t); marks the writer failed if not. */
static int expect(trace_writer *tw, int layer, int kind, int t) {
  if (!tw) return GLIF_EINTERNAL;
  if (!tw->in_sample || layer != tw->next_layer || layer >= tw->n_layers ||
      tw->layers[layer].kind != kind || (kind == NRN_SPIKING && t != tw->next_t)) {
    tw->failed = 1;
    return GLIF_EINTERNAL;
  }
  return 0;
}

/* Moves the expected position past (layer, t). */
static void advance(trace_writer *tw, int kind) {
  if (kind == NRN_SPIKING && tw->next_t < tw->T) {
    tw->next_t++;
    return;
  }
  tw->next_layer++;
  tw->next_t = 1;
}

int trace_spikes(trace_writer *tw, int layer, int t, const uint32_t *idx, uint32_t n) {
  int rc = expect(tw, layer, NRN_SPIKING, t);
  if (rc) return rc;
  for (uint32_t i = 0; i < n; i++)
    if (idx[i] >= tw->layers[layer].n || (i && idx[i] <= idx[i - 1])) {
      tw->failed = 1;
      return GLIF_EINTERNAL;
    }
  fprintf(tw->f, "s %d %d", layer, t);
  for (uint32_t i = 0; i < n; i++) fprintf(tw->f, " %" PRIu32, idx[i]);
  fputc('\n', tw->f);
  advance(tw, NRN_SPIKING);
  return 0;
}

int trace_readout_fixed(trace_writer *tw, int layer, const int32_t *u, uint32_t n) {
  int rc = expect(tw, layer, NRN_READOUT, 0);
  if (rc) return rc;
  if (n != tw->layers[layer].n) return tw->failed = 1, GLIF_EINTERNAL;
  fprintf(tw->f, "u %d", layer);
  for (uint32_t i = 0; i < n; i++) fprintf(tw->f, " %" PRId32, u[i]);
  fputc('\n', tw->f);
  advance(tw, NRN_READOUT);
  return 0;
}

int trace_readout_float(trace_writer *tw, int layer, const double *u, uint32_t n) {
  int rc = expect(tw, layer, NRN_READOUT, 0);
  if (rc) return rc;
  if (n != tw->layers[layer].n) return tw->failed = 1, GLIF_EINTERNAL;
  fprintf(tw->f, "u %d", layer);
  for (uint32_t i = 0; i < n; i++) fprintf(tw->f, " %.17g", u[i]);
  fputc('\n', tw->f);
  advance(tw, NRN_READOUT);
  return 0;
}

int trace_sample_end(trace_writer *tw) {
  if (!tw || !tw->in_sample || tw->next_layer != tw->n_layers) {
    if (tw) tw->failed = 1;
    return GLIF_EINTERNAL;
  }
  tw->in_sample = 0;
  fputs("end\n", tw->f);
  return 0;
}

int trace_close(trace_writer *tw, glif_err *err) {
  if (!tw) return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "trace_close: no writer");
  int rc = 0;
  if (tw->failed || tw->in_sample) {
    rc = glif_errf(err, GLIF_EINTERNAL, tw->out.path, 0, 0,
                   "trace calls out of order (a layer or step skipped or repeated, or a "
                   "sample not ended) - this is a bug in the caller");
    glif_ofile_abort(&tw->out);
  } else {
    rc = glif_ofile_commit(&tw->out, "the trace", err);
  }
  free_writer(tw);
  return rc;
}

void trace_abort(trace_writer *tw) {
  if (!tw) return;
  glif_ofile_abort(&tw->out);
  free_writer(tw);
}

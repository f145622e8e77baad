/*
 * sim_vcd.c - spikes as a Value Change Dump (`glif run --trace spikes.vcd`), for
 * GTKWave and any waveform viewer. Time is real time at the architecture's clock
 * (timescale 1 ps, one cycle = round(1e6 / clock_mhz) ps); samples of a batch follow
 * one another. Signals (docs/simulator.md "Spike VCD"):
 *   sample, tick          32-bit values, changing when a sample or tick starts
 *   <layer>               one per emitting layer (spiking and relay layers): a vector
 *                         with one bit per neuron (bit j = neuron j) for layers of at
 *                         most SIM_VCD_BITS neurons, else <layer>_count, the number of
 *                         its neurons whose result was ready in that cycle
 * A bit is 1 during the cycle in which the neuron's update result was ready (end of
 * pipeline stage S) and 0 otherwise.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fabric/mem.h"
#include "sim_obs.h"

#define SIM_VCD_BITS 256

struct sim_vcd {
  glif_ofile file;
  const sim_layout *l;
  uint64_t period_ps;    /* one cycle */
  uint64_t base;         /* first cycle of the next sample */
  char (*id)[8];         /* [n_layers + 2] identifiers; tick = n_layers, sample + 1 */
  uint8_t *shown;        /* [n_layers] layer has a signal */
  char *value;           /* scratch: one vector value */
  uint64_t last_time;
};

typedef struct vchg {   /* one value change */
  uint64_t cycle;       /* global */
  uint32_t sig;
  uint32_t clear;       /* 1: back to zero (dropped if a value is set then) */
  size_t ev, n;         /* emissions forming the value */
} vchg;

static void make_id(char *out, uint32_t k) { /* printable base-94 identifier */
  int n = 0;
  do {
    out[n++] = (char)('!' + k % 94);
    k /= 94;
  } while (k && n < 7);
  out[n] = '\0';
}

static void print_name(FILE *f, const char *name, const char *suffix) {
  for (const char *p = name; *p; p++)
    fputc((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              ? *p : '_', f);
  fputs(suffix, f);
}

static void header(sim_vcd *v) {
  const img_image *img = v->l->m->img;
  FILE *f = v->file.f;
  fprintf(f, "$version glif run $end\n$comment model %s, clock %.9g MHz, one cycle = "
             "%llu ps $end\n$timescale 1 ps $end\n$scope module chip $end\n",
          img->model_name, v->l->m->arch.clock_mhz, (unsigned long long)v->period_ps);
  fprintf(f, "$var wire 32 %s sample $end\n", v->id[img->n_layers + 1]);
  fprintf(f, "$var wire 32 %s tick $end\n", v->id[img->n_layers]);
  for (uint32_t i = 0; i < img->n_layers; i++) {
    const img_layer *ly = &img->layers[i];
    if (!v->shown[i]) continue;
    const int wide = ly->n_neurons > SIM_VCD_BITS;
    fprintf(f, "$var wire %u %s ", wide ? 32 : ly->n_neurons, v->id[i]);
    print_name(f, ly->name, wide ? "_count" : "");
    fprintf(f, " $end\n");
  }
  fprintf(f, "$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n");
  for (uint32_t i = 0; i < img->n_layers + 2; i++)
    if (i >= img->n_layers || v->shown[i]) fprintf(f, "b0 %s\n", v->id[i]);
  fprintf(f, "$end\n");
  v->last_time = 0; /* time 0 is open: its changes follow $dumpvars */
}

int sim_vcd_open(sim_vcd **out, const char *path, const sim_layout *l, glif_err *err) {
  const img_image *img = l->m->img;
  int rc;
  sim_vcd *v = glif_calloc(1, sizeof *v);
  *out = NULL;
  if (!v) return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory");
  v->l = l;
  v->id = glif_calloc(img->n_layers + 2, sizeof *v->id);
  v->shown = glif_calloc(img->n_layers + 1, 1);
  v->value = glif_malloc(SIM_VCD_BITS + 8);
  if (!v->id || !v->shown || !v->value) {
    sim_vcd_abort(v);
    return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory");
  }
  if ((rc = glif_ofile_open(&v->file, path, "the VCD", err))) {
    sim_vcd_abort(v);
    return rc;
  }
  for (uint32_t i = 0; i < img->n_layers + 2; i++) make_id(v->id[i], i);
  for (uint32_t i = 0; i < img->n_layers; i++) v->shown[i] = img->layers[i].kind != NRN_READOUT;
  v->period_ps = (uint64_t)llround(1e6 / l->m->arch.clock_mhz);
  if (!v->period_ps) v->period_ps = 1;
  header(v);
  *out = v;
  return 0;
}

static int by_time(const void *a, const void *b) {
  const sim_vev *x = a, *y = b;
  if (x->tick != y->tick) return x->tick < y->tick ? -1 : 1;
  if (x->cycle != y->cycle) return x->cycle < y->cycle ? -1 : 1;
  if (x->layer != y->layer) return x->layer < y->layer ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static int by_change(const void *a, const void *b) {
  const vchg *x = a, *y = b;
  if (x->cycle != y->cycle) return x->cycle < y->cycle ? -1 : 1;
  if (x->sig != y->sig) return x->sig < y->sig ? -1 : 1;
  return x->clear < y->clear ? -1 : x->clear > y->clear; /* a value before its clear */
}

static void print_value(sim_vcd *v, const vchg *c, const sim_vev *ev, FILE *f) {
  const img_image *img = v->l->m->img;
  if (c->sig >= img->n_layers) { /* tick or sample: the value is in ev/n */
    fputc('b', f);
    for (int b = 31, on = 0; b >= 0; b--)
      if ((on |= (int)(c->n >> b & 1)) || b == 0) fputc('0' + (int)(c->n >> b & 1), f);
  } else if (img->layers[c->sig].n_neurons > SIM_VCD_BITS) {
    fputc('b', f);
    for (int b = 31, on = 0; b >= 0; b--)
      if ((on |= (int)(c->n >> b & 1)) || b == 0) fputc('0' + (int)(c->n >> b & 1), f);
  } else {
    const uint32_t w = img->layers[c->sig].n_neurons;
    memset(v->value, '0', w);
    for (size_t k = 0; k < c->n; k++) v->value[w - 1 - ev[c->ev + k].index] = '1';
    v->value[w] = '\0';
    fprintf(f, "b%s", v->value);
  }
  fprintf(f, " %s\n", v->id[c->sig]);
}

/* Value changes of one sample: sample/tick values, each (cycle, layer) group of
 * emissions, and a clear one cycle later. */
static vchg *changes(sim_vcd *v, const sim_slot *s, const uint64_t *tick_start,
                     size_t *n_out) {
  const img_image *img = v->l->m->img;
  vchg *c = glif_malloc(sizeof *c * (2 * s->n_ev + img->n_ticks + 2));
  size_t n = 0;
  if (!c) return NULL;
  c[n++] = (vchg){v->base, img->n_layers + 1, 0, 0, (size_t)s->sample};
  for (uint32_t h = 0; h < img->n_ticks; h++)
    c[n++] = (vchg){tick_start[h], img->n_layers, 0, 0, h};
  for (size_t i = 0; i < s->n_ev;) {
    size_t j = i;
    const sim_vev *e = &s->ev[i];
    while (j < s->n_ev && s->ev[j].tick == e->tick && s->ev[j].cycle == e->cycle &&
           s->ev[j].layer == e->layer)
      j++;
    if (v->shown[e->layer]) {
      const uint64_t t = tick_start[e->tick] + e->cycle;
      c[n++] = (vchg){t, e->layer, 0, i, j - i};
      c[n++] = (vchg){t + 1, e->layer, 1, 0, 0};
    }
    i = j;
  }
  qsort(c, n, sizeof *c, by_change);
  *n_out = n;
  return c;
}

int sim_vcd_sample(sim_vcd *v, const sim_slot *s) {
  const img_image *img = v->l->m->img;
  uint64_t *start = glif_malloc(sizeof *start * img->n_ticks);
  if (!start) return GLIF_ENOMEM;
  uint64_t t = v->base;
  for (uint32_t h = 0; h < img->n_ticks; h++) {
    start[h] = t;
    t += s->tick_lat[h];
  }
  if (s->n_ev) qsort(s->ev, s->n_ev, sizeof *s->ev, by_time); /* the slot is done */
  size_t n;
  vchg *c = changes(v, s, start, &n);
  glif_free(start);
  if (!c) return GLIF_ENOMEM;
  FILE *f = v->file.f;
  for (size_t i = 0; i < n; i++) {
    if (c[i].clear && i > 0 && c[i - 1].cycle == c[i].cycle && c[i - 1].sig == c[i].sig)
      continue; /* a new value in the same cycle replaces the clear */
    if (c[i].cycle != v->last_time)
      fprintf(f, "#%llu\n", (unsigned long long)(c[i].cycle * v->period_ps));
    v->last_time = c[i].cycle;
    if (c[i].clear) fprintf(f, "b0 %s\n", v->id[c[i].sig]);
    else print_value(v, &c[i], s->ev, f);
  }
  glif_free(c);
  v->base = t;
  return ferror(f) ? GLIF_EIO : 0;
}

int sim_vcd_close(sim_vcd *v, glif_err *err) {
  fprintf(v->file.f, "#%llu\n", (unsigned long long)(v->base * v->period_ps));
  int rc = glif_ofile_commit(&v->file, "the VCD", err);
  sim_vcd_abort(v);
  return rc;
}

void sim_vcd_abort(sim_vcd *v) {
  if (!v) return;
  glif_ofile_abort(&v->file);
  glif_free(v->id);
  glif_free(v->shown);
  glif_free(v->value);
  glif_free(v);
}

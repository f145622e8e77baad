/*
 * sim_fixture.h - builds small chip images (img_image) in memory for the simulator
 * tests: a mesh, cores with groups, weights and fan-out entries, an input map and an
 * output map, without the compiler or the image file format. Header-only (every test
 * is its own executable). Storage comes from calloc, not the glif_* hook, so
 * allocation-failure tests only count the simulator's allocations.
 */
#ifndef SIM_FIXTURE_H
#define SIM_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/arch.h"
#include "fabric/image.h"
#include "fabric/nrn.h"

#define FX_ONE 32768u /* 1.0 in UQ1.15 */
#define FX_MAX_CORES 64
#define FX_MAX_FAN 4096

typedef struct fx_core {
  img_core c;
  img_fanout fan[FX_MAX_FAN]; /* staged: per neuron lists built at fx_finish */
  uint32_t fan_src[FX_MAX_FAN];
  uint32_t n_fan;
} fx_core;

typedef struct fx {
  img_image img;
  fx_core *core[FX_MAX_CORES];
  uint32_t n_core;
  img_layer layer[8];
  uint32_t in_off[257];
  img_fanout in_ent[FX_MAX_FAN];
  uint32_t in_src[FX_MAX_FAN];
  uint32_t n_in;
  img_output out[64];
} fx;

/* The default architecture on a mesh_x x mesh_y mesh; T steps, n_ticks ticks. */
static inline void fx_init(fx *f, uint32_t mesh_x, uint32_t mesh_y, uint32_t T,
                           uint32_t n_ticks) {
  memset(f, 0, sizeof *f);
  arch_default(&f->img.arch);
  f->img.arch.mesh_x = mesh_x;
  f->img.arch.mesh_y = mesh_y;
  f->img.arch.io_x = 0;
  f->img.arch.io_y = 0;
  f->img.T = T;
  f->img.n_ticks = n_ticks;
  strcpy(f->img.model_name, "fixture");
  f->img.n_layers = 1;
  f->img.layers = f->layer;
  strcpy(f->layer[0].name, "all");
  f->layer[0].n_neurons = 1u << 20;
  f->layer[0].c = 1u << 20;
  f->layer[0].h = f->layer[0].w = 1;
}

/* A parameter set: spiking neuron with decay k (UQ1.15), threshold, bias, gain 1. */
static inline img_group fx_group_spiking(uint32_t k, int32_t theta, int32_t bias,
                                         uint32_t first_tick) {
  img_group g;
  memset(&g, 0, sizeof g);
  g.p.k = g.p.ks = k;
  g.p.theta = theta;
  g.p.bias = bias;
  g.p.kind = NRN_SPIKING;
  g.first_tick = first_tick;
  return g;
}

/* Adds a core at (x, y) with n neurons, `axons` axons and one group of T steps that
 * every neuron uses (a spiking neuron that never fires: theta huge, no bias). */
static inline img_core *fx_core_add(fx *f, uint16_t x, uint16_t y, uint32_t n,
                                    uint32_t axons, uint32_t n_groups) {
  fx_core *k = calloc(1, sizeof *k);
  img_core *c = &k->c;
  c->x = x;
  c->y = y;
  c->n_neurons = n;
  c->n_axons = axons;
  c->n_groups = n_groups;
  c->groups = calloc(n_groups, sizeof *c->groups);
  for (uint32_t g = 0; g < n_groups; g++) {
    c->groups[g] = fx_group_spiking(FX_ONE, 1 << 20, 0, 0);
    c->groups[g].gain = calloc(32, sizeof(uint32_t));
    for (int t = 0; t < 32; t++) c->groups[g].gain[t] = FX_ONE;
  }
  c->neurons = calloc(n, sizeof *c->neurons);
  c->axon_flags = calloc(axons ? axons : 1, 1);
  c->crossbar = calloc((size_t)(axons ? axons : 1) * n, 1);
  c->symbols = calloc(n, sizeof *c->symbols);
  f->core[f->n_core++] = k;
  return c;
}

/* Sets group g's parameters, keeping its gain table. */
static inline void fx_set_group(img_core *c, uint32_t g, img_group p) {
  uint32_t *gain = c->groups[g].gain;
  c->groups[g] = p;
  c->groups[g].gain = gain;
}

static inline fx_core *fx_of(fx *f, const img_core *c) {
  for (uint32_t i = 0; i < f->n_core; i++)
    if (&f->core[i]->c == c) return f->core[i];
  return NULL;
}

/* Fan-out entry of neuron j of core c (entries keep the order they are added in). */
static inline void fx_fan(fx *f, img_core *c, uint32_t j, uint16_t x, uint16_t y,
                          uint16_t axon, uint8_t delay, uint8_t graded) {
  fx_core *k = fx_of(f, c);
  k->fan[k->n_fan] = (img_fanout){x, y, axon, delay, graded ? IMG_FAN_GRADED : 0};
  k->fan_src[k->n_fan++] = j;
}

/* Host input element i sends a packet to (x, y, axon). */
static inline void fx_input(fx *f, uint32_t i, uint16_t x, uint16_t y, uint16_t axon,
                            uint8_t delay, uint8_t graded) {
  f->in_ent[f->n_in] = (img_fanout){x, y, axon, delay, graded ? IMG_FAN_GRADED : 0};
  f->in_src[f->n_in++] = i;
}

static inline int fx_cmp_core(const void *a, const void *b) {
  const img_core *x = a, *y = b;
  uint32_t ka = ((uint32_t)x->y << 16) | x->x, kb = ((uint32_t)y->y << 16) | y->x;
  return ka < kb ? -1 : ka > kb;
}

/* Lays out the staged fan-out lists and the input map; sorts the cores. */
static inline void fx_finish(fx *f, uint32_t n_inputs, uint32_t encoding, double scale) {
  for (uint32_t i = 0; i < f->n_core; i++) {
    fx_core *k = f->core[i];
    img_core *c = &k->c;
    c->fanout = calloc(k->n_fan ? k->n_fan : 1, sizeof *c->fanout);
    c->n_fanout = 0;
    for (uint32_t j = 0; j < c->n_neurons; j++) {
      c->neurons[j].fanout_start = c->n_fanout;
      for (uint32_t e = 0; e < k->n_fan; e++)
        if (k->fan_src[e] == j) c->fanout[c->n_fanout++] = k->fan[e];
      c->neurons[j].fanout_count = c->n_fanout - c->neurons[j].fanout_start;
      if (!c->symbols[j].layer && !c->symbols[j].index) c->symbols[j].index = i * 4096 + j;
    }
  }
  f->img.n_cores = f->n_core;
  f->img.cores = calloc(f->n_core ? f->n_core : 1, sizeof *f->img.cores);
  for (uint32_t i = 0; i < f->n_core; i++) f->img.cores[i] = f->core[i]->c;
  qsort(f->img.cores, f->n_core, sizeof *f->img.cores, fx_cmp_core);
  img_input *in = &f->img.input;
  in->c = n_inputs;
  in->h = in->w = 1;
  in->n_inputs = n_inputs;
  in->encoding = encoding;
  in->payload_bits = f->img.arch.payload_in_bits;
  in->scale = scale;
  in->offsets = f->in_off;
  in->entries = calloc(f->n_in ? f->n_in : 1, sizeof *in->entries);
  in->n_entries = 0;
  for (uint32_t i = 0; i < n_inputs; i++) {
    f->in_off[i] = in->n_entries;
    for (uint32_t e = 0; e < f->n_in; e++)
      if (f->in_src[e] == i) in->entries[in->n_entries++] = f->in_ent[e];
  }
  f->in_off[n_inputs] = in->n_entries;
  f->img.outputs = f->out;
}

/* The finished core at (x, y) (after fx_finish). */
static inline img_core *fx_at(fx *f, uint16_t x, uint16_t y) {
  for (uint32_t i = 0; i < f->img.n_cores; i++)
    if (f->img.cores[i].x == x && f->img.cores[i].y == y) return &f->img.cores[i];
  return NULL;
}

static inline void fx_free(fx *f) {
  for (uint32_t i = 0; i < f->n_core; i++) {
    img_core *c = &f->core[i]->c;
    for (uint32_t g = 0; g < c->n_groups; g++) free(c->groups[g].gain);
    free(c->groups);
    free(c->neurons);
    free(c->axon_flags);
    free(c->crossbar);
    free(c->symbols);
    free(c->fanout);
    free(f->core[i]);
  }
  free(f->img.cores);
  free(f->img.input.entries);
  memset(f, 0, sizeof *f);
}

#endif /* SIM_FIXTURE_H */

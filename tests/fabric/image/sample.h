/*
 * sample.h - a small, complete chip image built by hand, for the image tests.
 *
 * Included by tests/fabric/test_image.c only (it is not a library). The same image is
 * committed as tests/fabric/image/sample.img for tests/cli/inspect.sh; test_image.c
 * rebuilds it and compares byte for byte, so the committed file cannot go stale.
 *
 * Architecture "sample-4x2": a 4 x 2 mesh of cores with 16 neurons, 32 axons, 4 delay
 * slots, 4 groups, T <= 8 and 64 fan-out entries each.
 *
 * Network (T = 4, n_ticks = 7):
 *   input   1 x 4 x 4, direct encoding (graded 8-bit payloads)
 *   conv1   4 x 2 x 4 spiking, first_tick 0: cores (0,0) [channels 0-1] and (1,0)
 *           [channels 2-3], two groups per core (one per channel)
 *   fc1.psum 8 relays, first_tick 1: core (2,0), 32 binary axons (all of conv1)
 *   fc1     10 spiking, first_tick 2: core (3,0), 8 graded axons (the relays)
 *   out     4 readouts, first_tick 3: core (0,1), axons 0-9 from fc1 (delay 0) and
 *           axons 10-13 from conv1 neurons 0-3 of core (0,0) (a skip, delay 2 = D-2)
 *   outputs 4: the readouts of core (0,1)
 */
#ifndef TEST_IMAGE_SAMPLE_H
#define TEST_IMAGE_SAMPLE_H

#include <stdint.h>
#include <string.h>

#include "fabric/image.h"

#define S_ONE 32768u /* 1.0 in UQ1.15 */
#define S_CORES 5
#define S_NEURONS 16
#define S_AXONS 32
#define S_FANOUT 64

typedef struct sample {
  img_image img;
  img_layer layers[4];
  img_output outputs[4];
  uint32_t in_offsets[17];
  img_fanout in_entries[32];
  img_core cores[S_CORES];
  img_group groups[S_CORES][2];
  uint32_t gains[S_CORES][2][8];
  img_neuron neurons[S_CORES][S_NEURONS];
  uint8_t axons[S_CORES][S_AXONS];
  int8_t crossbar[S_CORES][S_AXONS * S_NEURONS];
  img_fanout fanout[S_CORES][S_FANOUT];
  img_symbol symbols[S_CORES][S_NEURONS];
} sample;

static void sample_arch(glif_arch *a) {
  memset(a, 0, sizeof *a);
  strcpy(a->name, "sample-4x2");
  a->mesh_x = 4, a->mesh_y = 2, a->io_x = 0, a->io_y = 0;
  a->neurons = S_NEURONS, a->axons = S_AXONS, a->delay_slots = 4, a->groups = 4;
  a->max_steps = 8, a->fanout_entries = S_FANOUT, a->lanes = 4, a->pipeline_depth = 3;
  a->core_buffer = 4;
  a->weight_bits = 8, a->membrane_bits = 24, a->acc_bits = 24, a->frac_bits = 15;
  a->shift_max = 6, a->payload_in_bits = 8, a->payload_sum_bits = 24;
  a->router_latency = 2, a->router_buffer = 4;
  a->clock_mhz = 100.0, a->barrier_cycles = 10;
  a->e_synop = 1.5, a->e_mac = 3.25, a->e_row_read = 2.0, a->e_update = 4.0;
  a->e_spike = 5.0, a->e_packet = 6.5, a->e_hop = 1.25, a->e_barrier = 100.0;
  a->static_uw_per_core = 20.0;
}

/* xorshift32: the weights are pseudo-random but fixed by the seed. */
static uint32_t sample_rand(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

static img_layer sample_layer(const char *name, uint32_t kind, uint32_t first_tick,
                              uint32_t c, uint32_t h, uint32_t w) {
  img_layer l;
  memset(&l, 0, sizeof l);
  strcpy(l.name, name);
  l.kind = kind, l.first_tick = first_tick;
  l.c = c, l.h = h, l.w = w, l.n_neurons = c * h * w;
  return l;
}

/* Group g of core k: spiking groups decay, relays pass through, readouts integrate. */
static void sample_group(sample *s, int k, int g, uint32_t kind, uint32_t first_tick) {
  img_group *gr = &s->groups[k][g];
  memset(gr, 0, sizeof *gr);
  gr->gain = s->gains[k][g];
  gr->first_tick = first_tick;
  gr->p.kind = (uint8_t)kind;
  if (kind == NRN_SPIKING) {
    gr->p = (nrn_param){24576u - 1024u * (uint32_t)g, 12288u, 3, 100, 200 + g, 5 - g,
                        0, NRN_SPIKING};
    gr->shift = 3;
  } else if (kind == NRN_RELAY) {
    gr->shift = 2;
  } else {
    gr->p = (nrn_param){S_ONE, S_ONE, 0, 0, (1 << 23) - 1, 0, 0, NRN_READOUT};
  }
  for (int t = 0; t < 8; t++)
    gr->gain[t] = kind == NRN_SPIKING ? S_ONE - 1000u * (uint32_t)(t + g) : S_ONE;
}

/* Core k at (x, y) holding neurons first..first+n-1 of `layer`, with n_axons axons. */
static img_core *sample_core(sample *s, int k, uint16_t x, uint16_t y, uint32_t layer,
                             uint32_t first, uint32_t n, uint32_t n_axons) {
  img_core *c = &s->cores[k];
  memset(c, 0, sizeof *c);
  c->x = x, c->y = y;
  c->n_neurons = n, c->n_axons = n_axons, c->n_groups = 1;
  c->groups = s->groups[k];
  c->neurons = s->neurons[k];
  c->axon_flags = s->axons[k];
  c->crossbar = s->crossbar[k];
  c->fanout = s->fanout[k];
  c->symbols = s->symbols[k];
  for (uint32_t j = 0; j < n; j++) s->symbols[k][j] = (img_symbol){layer, first + j};
  return c;
}

/* Weights in [-2^(W-1), 2^(W-1) - 1], about one in four zero. */
static void sample_weights(sample *s, int k, uint32_t wbits, uint32_t *seed) {
  img_core *c = &s->cores[k];
  int32_t lo = -(1 << (wbits - 1)), span = 1 << wbits;
  for (uint32_t i = 0; i < c->n_axons * c->n_neurons; i++) {
    uint32_t r = sample_rand(seed);
    c->crossbar[i] = (r & 3) == 0 ? 0 : (int8_t)(lo + (int32_t)((r >> 2) % (uint32_t)span));
  }
}

/* Appends a fan-out entry to neuron j of core k. */
static void sample_fan(sample *s, int k, uint32_t j, uint16_t x, uint16_t y,
                       uint16_t axon, uint8_t delay, uint8_t flags) {
  img_core *c = &s->cores[k];
  img_neuron *n = &c->neurons[j];
  if (n->fanout_count == 0) n->fanout_start = c->n_fanout;
  c->fanout[c->n_fanout++] = (img_fanout){x, y, axon, delay, flags};
  n->fanout_count++;
}

static void sample_input(sample *s) {
  img_input *in = &s->img.input;
  memset(in, 0, sizeof *in);
  in->c = 1, in->h = 4, in->w = 4, in->n_inputs = 16;
  in->encoding = IMG_ENC_DIRECT;
  in->payload_bits = 8;
  in->scale = 1.0 / 64;
  in->offsets = s->in_offsets;
  in->entries = s->in_entries;
  for (uint16_t i = 0; i < 16; i++) { /* element i -> axon i of both conv1 cores */
    s->in_offsets[i] = 2u * i;
    s->in_entries[2 * i] = (img_fanout){0, 0, i, 0, IMG_FAN_GRADED};
    s->in_entries[2 * i + 1] = (img_fanout){1, 0, i, 0, IMG_FAN_GRADED};
  }
  s->in_offsets[16] = 32;
  in->n_entries = 32;
}

static void sample_conv_cores(sample *s, uint32_t wbits, uint32_t *seed) {
  for (int k = 0; k < 2; k++) {
    img_core *c = sample_core(s, k, (uint16_t)k, 0, 0, 16u * (uint32_t)k, 16, 16);
    c->n_groups = 2;
    sample_group(s, k, 0, NRN_SPIKING, 0);
    sample_group(s, k, 1, NRN_SPIKING, 0);
    for (uint32_t j = 0; j < 16; j++) {
      s->neurons[k][j].group = (uint16_t)(j / 8); /* 8 neurons per channel */
      sample_fan(s, k, j, 2, 0, (uint16_t)(16 * k + j), 0, 0);
      if (k == 0 && j < 4) sample_fan(s, k, j, 0, 1, (uint16_t)(10 + j), 2, 0);
    }
    for (uint32_t a = 0; a < 16; a++) s->axons[k][a] = IMG_AXON_GRADED;
    sample_weights(s, k, wbits, seed);
  }
}

static void sample_later_cores(sample *s, uint32_t wbits, uint32_t *seed) {
  sample_core(s, 2, 2, 0, 1, 0, 8, 32); /* fc1.psum relays */
  sample_group(s, 2, 0, NRN_RELAY, 1);
  for (uint32_t j = 0; j < 8; j++) sample_fan(s, 2, j, 3, 0, (uint16_t)j, 0, IMG_FAN_GRADED);
  sample_weights(s, 2, wbits, seed);

  sample_core(s, 3, 3, 0, 2, 0, 10, 8); /* fc1: relay k feeds neuron j with weight 1 */
  sample_group(s, 3, 0, NRN_SPIKING, 2);
  for (uint32_t a = 0; a < 8; a++) s->axons[3][a] = IMG_AXON_GRADED;
  for (uint32_t a = 0; a < 8; a++)
    for (uint32_t j = 0; j < 10; j++) s->crossbar[3][a * 10 + j] = j % 8 == a;
  for (uint32_t j = 0; j < 10; j++) sample_fan(s, 3, j, 0, 1, (uint16_t)j, 0, 0);

  sample_core(s, 4, 0, 1, 3, 0, 4, 14); /* out: readouts */
  sample_group(s, 4, 0, NRN_READOUT, 3);
  sample_weights(s, 4, wbits, seed);
}

/* Fills s (which must stay where it is: the image points into it) for architecture
 * `a` (sample_arch, possibly with other widths). */
static void sample_build_for(sample *s, const glif_arch *a) {
  uint32_t seed = 2463534242u;
  memset(s, 0, sizeof *s);
  s->img.arch = *a;
  s->img.T = 4, s->img.n_ticks = 7;
  strcpy(s->img.model_name, "sample-net");
  s->layers[0] = sample_layer("conv1", NRN_SPIKING, 0, 4, 2, 4);
  s->layers[1] = sample_layer("fc1.psum", NRN_RELAY, 1, 8, 1, 1);
  s->layers[2] = sample_layer("fc1", NRN_SPIKING, 2, 10, 1, 1);
  s->layers[3] = sample_layer("out", NRN_READOUT, 3, 4, 1, 1);
  s->img.layers = s->layers, s->img.n_layers = 4;
  sample_input(s);
  for (uint16_t i = 0; i < 4; i++)
    s->outputs[i] = (img_output){0, 1, i, 1.0 / 256};
  s->img.outputs = s->outputs, s->img.n_outputs = 4;
  sample_conv_cores(s, a->weight_bits, &seed);
  sample_later_cores(s, a->weight_bits, &seed);
  s->img.cores = s->cores, s->img.n_cores = S_CORES;
}

static void sample_build(sample *s) {
  glif_arch a;
  sample_arch(&a);
  sample_build_for(s, &a);
}

#endif /* TEST_IMAGE_SAMPLE_H */

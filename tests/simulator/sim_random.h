/*
 * sim_random.h - random chip images for the simulator tests: random meshes, router and
 * core parameters, groups with random windows and kinds (spiking, relay, readout),
 * random crossbars, fan-out tables, input maps and samples. Everything follows from
 * one explicit seed. The images are valid (what img_read would accept), not
 * meaningful networks: they exist to drive every engine path, including contention,
 * back-pressure, saturation, graded packets and every delay.
 */
#ifndef SIM_RANDOM_H
#define SIM_RANDOM_H

#include "sim_fixture.h"

typedef struct rnd {
  uint64_t s;
} rnd;

static inline uint32_t rnd_next(rnd *r) { /* xorshift64* */
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return (uint32_t)((r->s * 0x2545F4914F6CDD1Dull) >> 32);
}

/* Uniform in lo .. hi (inclusive). */
static inline int32_t rnd_in(rnd *r, int32_t lo, int32_t hi) {
  return lo + (int32_t)(rnd_next(r) % (uint32_t)(hi - lo + 1));
}

static inline void rnd_arch(rnd *r, glif_arch *a) {
  a->router_latency = (uint32_t)rnd_in(r, 1, 3);
  a->router_buffer = (uint32_t)rnd_in(r, 1, 4);
  a->core_buffer = (uint32_t)rnd_in(r, 1, 4);
  a->pipeline_depth = (uint32_t)rnd_in(r, 1, 4);
  a->lanes = (uint32_t)rnd_in(r, 1, 8);
  a->delay_slots = (uint32_t)rnd_in(r, 2, 5);
  a->acc_bits = (uint32_t)rnd_in(r, 10, 24);
  a->membrane_bits = (uint32_t)rnd_in(r, 12, 24);
  a->payload_sum_bits = (uint32_t)rnd_in(r, 6, 24);
  a->barrier_cycles = (uint32_t)rnd_in(r, 0, 50);
}

static inline img_group rnd_group(rnd *r, uint32_t T, uint32_t n_ticks) {
  const int kind = rnd_in(r, 0, 19);
  img_group g = fx_group_spiking((uint32_t)rnd_in(r, 0, FX_ONE), rnd_in(r, 3, 60),
                                 rnd_in(r, -5, 20), (uint32_t)rnd_in(r, 0, (int32_t)(n_ticks - T)));
  g.p.ks = (uint32_t)rnd_in(r, 0, (int32_t)g.p.k);
  g.p.d = rnd_in(r, 0, 3);
  g.p.r = rnd_in(r, 0, 20);
  g.p.kind = kind < 14 ? NRN_SPIKING : kind < 17 ? NRN_RELAY : NRN_READOUT;
  g.shift = (uint8_t)rnd_in(r, 0, 3);
  return g;
}

static inline void rnd_core(rnd *r, fx *f, uint16_t x, uint16_t y) {
  const uint32_t n = (uint32_t)rnd_in(r, 1, 12), axons = (uint32_t)rnd_in(r, 0, 8);
  const uint32_t ng = (uint32_t)rnd_in(r, 1, 3);
  img_core *c = fx_core_add(f, x, y, n, axons, ng);
  for (uint32_t g = 0; g < ng; g++) {
    fx_set_group(c, g, rnd_group(r, f->img.T, f->img.n_ticks));
    for (int t = 0; t < 32; t++) c->groups[g].gain[t] = (uint32_t)rnd_in(r, 0, FX_ONE);
  }
  for (uint32_t j = 0; j < n; j++) c->neurons[j].group = (uint16_t)rnd_in(r, 0, (int32_t)ng - 1);
  for (uint32_t a = 0; a < axons; a++) c->axon_flags[a] = rnd_in(r, 0, 9) < 3 ? IMG_AXON_GRADED : 0;
  for (uint32_t i = 0; i < axons * n; i++)
    c->crossbar[i] = (int8_t)(rnd_in(r, 0, 1) ? rnd_in(r, -8, 8) : 0);
}

/* A random destination (core with axons) for a packet; 0 when there is none. */
static inline int rnd_dest(rnd *r, fx *f, img_fanout *d, uint32_t max_delay) {
  for (int tries = 0; tries < 8; tries++) {
    const img_core *c = &f->core[rnd_in(r, 0, (int32_t)f->n_core - 1)]->c;
    if (!c->n_axons) continue;
    d->x = c->x;
    d->y = c->y;
    d->axon = (uint16_t)rnd_in(r, 0, (int32_t)c->n_axons - 1);
    d->delay = (uint8_t)rnd_in(r, 0, (int32_t)max_delay);
    d->flags = (c->axon_flags[d->axon] & IMG_AXON_GRADED) ? IMG_FAN_GRADED : 0;
    return 1;
  }
  return 0;
}

static inline void rnd_fanout(rnd *r, fx *f, uint32_t max_fan) {
  const uint32_t dmax = f->img.arch.delay_slots - 2;
  for (uint32_t i = 0; i < f->n_core; i++) {
    img_core *c = &f->core[i]->c;
    for (uint32_t j = 0; j < c->n_neurons; j++) {
      const int k = rnd_in(r, 0, (int32_t)max_fan);
      for (int e = 0; e < k; e++) {
        img_fanout d;
        if (rnd_dest(r, f, &d, dmax)) fx_fan(f, c, j, d.x, d.y, d.axon, d.delay, d.flags);
      }
    }
  }
}

static inline uint32_t rnd_input(rnd *r, fx *f) {
  const uint32_t n_in = (uint32_t)rnd_in(r, 1, 6);
  for (uint32_t i = 0; i < n_in; i++) {
    const int k = rnd_in(r, 0, 2);
    for (int e = 0; e < k; e++) {
      img_fanout d;
      if (rnd_dest(r, f, &d, 0)) fx_input(f, i, d.x, d.y, d.axon, d.delay, d.flags);
    }
  }
  return n_in;
}

static inline void rnd_outputs(fx *f) {
  f->img.n_outputs = 0;
  for (uint32_t i = 0; i < f->img.n_cores && f->img.n_outputs < 64; i++) {
    const img_core *c = &f->img.cores[i];
    for (uint32_t j = 0; j < c->n_neurons && f->img.n_outputs < 64; j++)
      if (c->groups[c->neurons[j].group].p.kind == NRN_READOUT)
        f->out[f->img.n_outputs++] = (img_output){c->x, c->y, j, 0.125};
  }
}

/* A random image (max_fan: largest fan-out per neuron) and a random sample for it
 * (x must hold 4 * 6 values). */
static inline void rnd_image(fx *f, uint64_t seed, uint32_t max_fan, double *x) {
  rnd r = {seed * 0x9E3779B97F4A7C15ull + 1};
  const uint32_t X = (uint32_t)rnd_in(&r, 1, 5), Y = (uint32_t)rnd_in(&r, 1, 4);
  const uint32_t T = (uint32_t)rnd_in(&r, 1, 4);
  fx_init(f, X, Y, T, T + (uint32_t)rnd_in(&r, 0, 3));
  rnd_arch(&r, &f->img.arch);
  f->img.arch.io_y = (uint32_t)rnd_in(&r, 0, (int32_t)Y - 1);
  for (uint16_t y = 0; y < Y; y++)
    for (uint16_t xx = 0; xx < X; xx++)
      if (rnd_in(&r, 0, 9) < 6 || (!f->n_core && xx == X - 1 && y == Y - 1)) rnd_core(&r, f, xx, y);
  rnd_fanout(&r, f, max_fan);
  const uint32_t n_in = rnd_input(&r, f);
  const int spikes = rnd_in(&r, 0, 3) == 0;
  fx_finish(f, n_in, spikes ? IMG_ENC_SPIKES : IMG_ENC_DIRECT, 0.25);
  rnd_outputs(f);
  for (uint32_t i = 0; i < n_in * (spikes ? T : 1); i++)
    x[i] = spikes ? (double)rnd_in(&r, 0, 1) : (double)rnd_in(&r, -40, 40) / 8.0;
}

#endif /* SIM_RANDOM_H */

/*
 * sim_acc.c - the arithmetic both engines share: accumulating one packet into a core's
 * accumulators (the input engine's crossbar-row read) and stepping one neuron (the
 * update engine's nrn_step call). Pure functions of their arguments; no scheduling.
 *
 * The row loops are the simulator's hottest code: one int8 weight, one add and one
 * saturation per column, written so the compiler vectorises them (GCC emits an AVX2
 * clone next to the baseline one and picks at load time). Zero weights add zero, so
 * the loops need no branch; the counters use the per-row non-zero counts precomputed
 * by sim_model.c.
 */
#include <stdint.h>

#include "sim_int.h"

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define SIM_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SIM_CLONES
#endif

/* Binary packet: acc[j] = sat(acc[j] + w[j] * 2^M[j]). |w| <= 128 and M <= 16 keep
 * the sum inside int32 (|acc| < 2^30). The shift is done unsigned: shifting a negative
 * value is undefined in C, the conversion back is two's complement on every target. */
SIM_CLONES
static void row_binary(int32_t *restrict acc, const int8_t *restrict w,
                       const uint8_t *restrict sh, uint32_t n, int32_t lo, int32_t hi) {
  for (uint32_t j = 0; j < n; j++) {
    int32_t v = acc[j] + (int32_t)((uint32_t)(int32_t)w[j] << sh[j]);
    v = v < lo ? lo : v;
    acc[j] = v > hi ? hi : v;
  }
}

/* Graded packet whose products and sums provably fit int32. */
SIM_CLONES
static void row_graded32(int32_t *restrict acc, const int8_t *restrict w, int32_t pay,
                         uint32_t n, int32_t lo, int32_t hi) {
  for (uint32_t j = 0; j < n; j++) {
    int32_t v = acc[j] + (int32_t)w[j] * pay;
    v = v < lo ? lo : v;
    acc[j] = v > hi ? hi : v;
  }
}

/* Graded packet with a payload too wide for int32 products. */
static void row_graded64(int32_t *restrict acc, const int8_t *restrict w, int32_t pay,
                         uint32_t n, int32_t lo, int32_t hi) {
  for (uint32_t j = 0; j < n; j++) {
    int64_t v = (int64_t)acc[j] + (int64_t)w[j] * pay;
    v = v < lo ? lo : v;
    acc[j] = (int32_t)(v > hi ? hi : v);
  }
}

void sim_acc_packet(const sim_model *m, const sim_mcore *mc, int32_t *acc, uint32_t h,
                    const sim_packet *p, sim_counts *n) {
  const uint32_t D = m->img->arch.delay_slots, cols = mc->n;
  int32_t *slot = acc + (size_t)((h + 1u + p->dly) % D) * cols;
  const int8_t *row = mc->ic->crossbar + (size_t)p->axon * cols;
  n->row_reads++;
  if (!p->graded) {
    n->synops += mc->nnz[p->axon];
    row_binary(slot, row, mc->shift, cols, m->acc_lo, m->acc_hi);
    return;
  }
  n->macs += mc->nnz[p->axon];
  const int64_t pay = p->payload < 0 ? -(int64_t)p->payload : p->payload;
  if (pay * mc->wmax + (int64_t)m->acc_hi + 1 <= INT32_MAX)
    row_graded32(slot, row, p->payload, cols, m->acc_lo, m->acc_hi);
  else
    row_graded64(slot, row, p->payload, cols, m->acc_lo, m->acc_hi);
}

nrn_out sim_step_neuron(const sim_model *m, const sim_mcore *mc, int32_t *acc,
                        int32_t *u, uint8_t *s, int32_t *cap, uint32_t j, uint32_t h) {
  const img_core *c = mc->ic;
  const img_group *g = &c->groups[c->neurons[j].group];
  int32_t *x = acc + (size_t)(h % m->img->arch.delay_slots) * mc->n + j;
  nrn_param p = g->p;
  p.g = g->gain[h - g->first_tick];
  const nrn_state st = {u[j], s[j]};
  const nrn_event ev = {*x};
  *x = 0;
  const nrn_out o = nrn_step(&p, st, ev, m->w);
  u[j] = o.next.u;
  s[j] = o.next.s;
  if (p.kind == NRN_READOUT && h == g->first_tick + m->img->T - 1 && cap)
    cap[mc->cap_off + j] = o.next.u;
  return o;
}

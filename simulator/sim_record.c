/*
 * sim_record.c - the core record of `glif run --record-core X,Y --record FILE`:
 * everything another implementation of one core (the verilated RTL core, issue 6)
 * needs to replay that core tick by tick and compare, in a line-oriented text format
 * a C++ testbench parses with sscanf. Format: docs/simulator.md "Core records".
 *
 * Inputs to drive:   in (packets handed over by the router, with their cycle) and
 *                    full (cycles in which the router's local input buffer had no room,
 *                    so the output engine could not send)
 * Outputs to check:  out (packets sent, in order, with their cycle), emit (emissions
 *                    with the cycle their result was ready), state (u and s of every
 *                    stepped neuron), phase and counts.
 * Both engines produce the record through the same hooks; the lines of a tick are
 * sorted by cycle, so the two records are byte-identical.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_obs.h"

enum { R_IN = 0, R_OUT = 1, R_LOCAL = 2, R_EMIT = 3, R_STATE = 4 };

static int by_cycle(const void *a, const void *b) {
  const sim_rin *x = a, *y = b;
  return x->cycle < y->cycle ? -1 : x->cycle > y->cycle;
}

static void print_packets(sim_slot *s, int kind, const char *tag) {
  for (size_t i = 0; i < s->n_rin[kind]; i++) {
    const sim_rin *r = &s->rin[kind][i];
    if (kind == R_IN)
      sim_slot_printf(s, "%s %llu %u %u %u %d\n", tag, (unsigned long long)r->cycle,
                      r->p.axon, r->p.dly, r->p.graded, r->p.payload);
    else
      sim_slot_printf(s, "%s %llu %u %u %u %u %u %d\n", tag, (unsigned long long)r->cycle,
                      r->p.x, r->p.y, r->p.axon, r->p.dly, r->p.graded, r->p.payload);
  }
}

/* Cycles in which the local input buffer held B packets at the start of the cycle:
 * its occupancy changes only at the cycles of the recorded deltas. */
static void print_full(sim_slot *s, uint32_t B) {
  sim_rin *d = s->rin[R_LOCAL];
  const size_t n = s->n_rin[R_LOCAL];
  int64_t count = 0, from = -1;
  if (n) qsort(d, n, sizeof *d, by_cycle); /* (d is NULL when nothing was recorded) */
  for (size_t i = 0; i < n;) {
    const uint64_t c = d[i].cycle;
    for (; i < n && d[i].cycle == c; i++) count += d[i].a;
    if (count >= (int64_t)B && from < 0) from = (int64_t)c;
    if (count < (int64_t)B && from >= 0) {
      sim_slot_printf(s, "full %lld %llu\n", (long long)from, (unsigned long long)c - 1);
      from = -1;
    }
  }
}

static void print_counts(sim_slot *s, const sim_core_tick *ph) {
  const sim_counts *n = &ph->n;
  sim_slot_printf(s, "phase %llu %lld %lld\n", (unsigned long long)ph->update_phase,
                  (long long)ph->ie_last, (long long)ph->oe_last);
  sim_slot_printf(s, "counts %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
                  (unsigned long long)n->updates, (unsigned long long)n->spikes,
                  (unsigned long long)n->packets, (unsigned long long)n->row_reads,
                  (unsigned long long)n->synops, (unsigned long long)n->macs,
                  (unsigned long long)n->ue_busy, (unsigned long long)n->ie_busy,
                  (unsigned long long)n->oe_busy, (unsigned long long)n->oe_stalls,
                  (unsigned long long)n->in_waits);
}

void sim_record_tick(void *ctx, uint32_t tick, const sim_core_tick *ph) {
  sim_slot *s = ctx;
  sim_slot_printf(s, "tick %u\n", tick);
  if (s->n_rin[R_IN]) qsort(s->rin[R_IN], s->n_rin[R_IN], sizeof(sim_rin), by_cycle);
  if (s->n_rin[R_OUT]) qsort(s->rin[R_OUT], s->n_rin[R_OUT], sizeof(sim_rin), by_cycle);
  print_packets(s, R_IN, "in");
  print_full(s, s->l->m->img->arch.router_buffer);
  print_packets(s, R_OUT, "out");
  for (size_t i = 0; i < s->n_rin[R_EMIT]; i++) { /* already in issue (= cycle) order */
    const sim_rin *r = &s->rin[R_EMIT][i];
    sim_slot_printf(s, "emit %llu %lld %lld\n", (unsigned long long)r->cycle,
                    (long long)r->a, (long long)r->b);
  }
  for (size_t i = 0; i < s->n_rin[R_STATE]; i++) {
    const sim_rin *r = &s->rin[R_STATE][i];
    sim_slot_printf(s, "state %lld %lld %llu\n", (long long)r->a, (long long)r->b,
                    (unsigned long long)r->cycle);
  }
  print_counts(s, ph);
  sim_slot_printf(s, "end\n");
  for (int k = 0; k < 5; k++) s->n_rin[k] = 0;
}

int sim_record_header(FILE *f, const sim_layout *l, const char *image_path) {
  const sim_model *m = l->m;
  const glif_arch *a = &m->img->arch;
  const img_core *c = m->cores[l->rec_core].ic;
  fprintf(f, "glif-record 1\n");
  fprintf(f, "image %s\n", image_path && *image_path ? image_path : "-");
  fprintf(f, "core %u %u index %d neurons %u axons %u\n", c->x, c->y, l->rec_core,
          c->n_neurons, c->n_axons);
  fprintf(f, "arch S %u L %u Bc %u B %u R %u D %u T %u ticks %u\n", a->pipeline_depth,
          a->lanes, a->core_buffer, a->router_buffer, a->router_latency, a->delay_slots,
          m->img->T, m->img->n_ticks);
  return ferror(f) ? GLIF_EIO : 0;
}

/*
 * sim_energy.c - counters to energy (docs/timing.md "Energy"): every category is a
 * count times a cost from the architecture, plus static power for every mesh core for
 * the time it runs (uW x us = pJ). A total is always the sum of its categories in enum
 * order, so a report's breakdown adds up to its total exactly.
 */
#include <string.h>

#include "sim_int.h"

static const char *const ecat_names[SIM_E_N] = {
    "synop", "mac", "row_read", "update", "spike", "packet", "hop", "barrier", "static"};

static const char *const count_names[SIM_COUNTS_N] = {
    "synops",        "macs",      "row_reads", "updates", "spikes",
    "packets",       "hops",      "router_stalls", "oe_stalls", "in_waits",
    "ue_busy",       "ie_busy",   "oe_busy"};

_Static_assert(sizeof(sim_counts) == SIM_COUNTS_N * sizeof(uint64_t), "sim_counts");

const char *sim_ecat_name(int cat) {
  return cat >= 0 && cat < SIM_E_N ? ecat_names[cat] : "?";
}

const char *sim_counts_name(int i) {
  return i >= 0 && i < SIM_COUNTS_N ? count_names[i] : "?";
}

uint64_t sim_counts_get(const sim_counts *n, int i) {
  uint64_t v[SIM_COUNTS_N];
  memcpy(v, n, sizeof v);
  return v[i];
}

void sim_counts_add(sim_counts *acc, const sim_counts *n) {
  uint64_t a[SIM_COUNTS_N], b[SIM_COUNTS_N];
  memcpy(a, acc, sizeof a);
  memcpy(b, n, sizeof b);
  for (int i = 0; i < SIM_COUNTS_N; i++) a[i] += b[i];
  memcpy(acc, a, sizeof a);
}

void sim_counts_total(const sim_result *r, sim_counts *out) {
  memset(out, 0, sizeof *out);
  for (uint32_t h = 0; h < r->n_ticks; h++) sim_counts_add(out, &r->ticks[h].n);
}

static void sum(sim_energy *e) {
  e->total = 0.0;
  for (int c = 0; c < SIM_E_N; c++) e->total += e->cat[c];
}

void sim_energy_of_counts(const glif_arch *a, const sim_counts *n, sim_energy *e) {
  memset(e, 0, sizeof *e);
  e->cat[SIM_E_SYNOP] = (double)n->synops * a->e_synop;
  e->cat[SIM_E_MAC] = (double)n->macs * a->e_mac;
  e->cat[SIM_E_ROW_READ] = (double)n->row_reads * a->e_row_read;
  e->cat[SIM_E_UPDATE] = (double)n->updates * a->e_update;
  e->cat[SIM_E_SPIKE] = (double)n->spikes * a->e_spike;
  e->cat[SIM_E_PACKET] = (double)n->packets * a->e_packet;
  e->cat[SIM_E_HOP] = (double)n->hops * a->e_hop;
  sum(e);
}

/* Static energy of `cores` cores over `cycles` cycles: uW x us = pJ. */
static double static_pj(const glif_arch *a, uint64_t cores, uint64_t cycles) {
  return a->static_uw_per_core * (double)cores * ((double)cycles / a->clock_mhz);
}

void sim_energy_of_tick(const glif_arch *a, const sim_tick *t, sim_energy *e) {
  sim_energy_of_counts(a, &t->n, e);
  e->cat[SIM_E_BARRIER] = a->e_barrier;
  e->cat[SIM_E_STATIC] = static_pj(a, (uint64_t)a->mesh_x * a->mesh_y, t->latency);
  sum(e);
}

void sim_energy_of_core(const glif_arch *a, const sim_counts *n, uint64_t cycles,
                        sim_energy *e) {
  sim_energy_of_counts(a, n, e);
  e->cat[SIM_E_STATIC] = static_pj(a, 1, cycles);
  sum(e);
}

void sim_energy_of_result(const glif_arch *a, const sim_result *r, sim_energy *e) {
  sim_counts n;
  sim_counts_total(r, &n);
  sim_energy_of_counts(a, &n, e);
  e->cat[SIM_E_BARRIER] = (double)r->n_ticks * a->e_barrier;
  e->cat[SIM_E_STATIC] = static_pj(a, r->n_pos, r->cycles);
  sum(e);
}

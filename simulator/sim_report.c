/*
 * sim_report.c - what a run tells an architect: run.json (libcjson; field names are a
 * public interface, documented in docs/run-report.md) and the terminal summary.
 *
 * Per-tick, per-core and per-link figures are sums over every sample of the batch
 * ("samples" gives the divisor); with one sample they are that inference's figures.
 * Per-sample results and the batch aggregates (accuracy, mean and percentiles of
 * latency and energy) sit beside them.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fabric/mem.h"
#include "sim_obs.h"

static const char *const link_names[4] = {"N", "E", "S", "W"};

/* cJSON allocates through these; a single failure makes the whole report fail
 * (cJSON would otherwise silently leave the field out). Reports are built by one
 * thread at a time. */
static int json_oom;

static void *json_malloc(size_t n) {
  void *p = glif_malloc(n);
  if (!p) json_oom = 1;
  return p;
}

/* Attach item to an object or array; cJSON leaves it to the caller when that fails. */
static void add(cJSON *parent, const char *key, cJSON *item) {
  if (!cJSON_AddItemToObject(parent, key, item)) {
    cJSON_Delete(item);
    json_oom = 1;
  }
}

static void push(cJSON *array, cJSON *item) {
  if (!cJSON_AddItemToArray(array, item)) {
    cJSON_Delete(item);
    json_oom = 1;
  }
}

/* ---- building blocks --------------------------------------------------------------------- */

static cJSON *counts_json(const sim_counts *n) {
  cJSON *o = cJSON_CreateObject();
  for (int i = 0; i < SIM_COUNTS_N; i++)
    cJSON_AddNumberToObject(o, sim_counts_name(i), (double)sim_counts_get(n, i));
  return o;
}

static cJSON *energy_json(const sim_energy *e) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "total", e->total);
  for (int c = 0; c < SIM_E_N; c++) cJSON_AddNumberToObject(o, sim_ecat_name(c), e->cat[c]);
  return o;
}

static cJSON *stat_json(const sim_stat *s) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "mean", s->mean);
  cJSON_AddNumberToObject(o, "min", s->min);
  cJSON_AddNumberToObject(o, "max", s->max);
  cJSON_AddNumberToObject(o, "p50", s->p50);
  cJSON_AddNumberToObject(o, "p90", s->p90);
  cJSON_AddNumberToObject(o, "p99", s->p99);
  return o;
}

static cJSON *array_of(const double *v, uint32_t n) {
  cJSON *a = cJSON_CreateArray();
  for (uint32_t i = 0; i < n; i++) push(a, cJSON_CreateNumber(v[i]));
  return a;
}

/* Energy of a tick summed over n samples: one barrier per sample. */
static void tick_energy(const glif_arch *a, const sim_tick *t, int64_t n, sim_energy *e) {
  sim_energy_of_tick(a, t, e);
  e->cat[SIM_E_BARRIER] = (double)n * a->e_barrier;
  e->total = 0.0;
  for (int c = 0; c < SIM_E_N; c++) e->total += e->cat[c];
}

/* ---- sections ------------------------------------------------------------------------------ */

static cJSON *image_json(const sim_model *m, const sim_batch_opts *o) {
  const img_image *img = sim_model_image(m);
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "path", o->image_path ? o->image_path : "");
  cJSON_AddStringToObject(j, "model", img->model_name);
  cJSON_AddStringToObject(j, "compiled_for", img->arch.name);
  cJSON_AddNumberToObject(j, "T", img->T);
  cJSON_AddNumberToObject(j, "ticks", img->n_ticks);
  cJSON_AddNumberToObject(j, "cores_used", img->n_cores);
  cJSON_AddNumberToObject(j, "mesh_x", img->arch.mesh_x);
  cJSON_AddNumberToObject(j, "mesh_y", img->arch.mesh_y);
  cJSON_AddNumberToObject(j, "inputs", img->input.n_inputs);
  cJSON_AddNumberToObject(j, "outputs", img->n_outputs);
  return j;
}

static cJSON *arch_json(const glif_arch *a) {
  cJSON *j = cJSON_CreateObject(), *e = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "name", a->name);
  cJSON_AddNumberToObject(j, "clock_mhz", a->clock_mhz);
  cJSON_AddNumberToObject(j, "barrier_cycles", a->barrier_cycles);
  const double v[9] = {a->e_synop, a->e_mac,   a->e_row_read, a->e_update, a->e_spike,
                       a->e_packet, a->e_hop, a->e_barrier, a->static_uw_per_core};
  for (int c = 0; c < SIM_E_STATIC; c++) cJSON_AddNumberToObject(e, sim_ecat_name(c), v[c]);
  cJSON_AddNumberToObject(e, "static_uw_per_core", v[8]);
  add(j, "costs_pj", e);
  return j;
}

static cJSON *sample_json(const sim_batch *b, int64_t k) {
  const sim_sample *s = &b->samples[k];
  cJSON *j = cJSON_CreateObject();
  cJSON_AddNumberToObject(j, "sample", (double)k);
  cJSON_AddNumberToObject(j, "predicted", s->predicted);
  if (b->has_labels) {
    cJSON_AddNumberToObject(j, "label", (double)s->label);
    cJSON_AddBoolToObject(j, "correct", s->predicted == s->label);
  }
  add(j, "outputs", array_of(s->outputs, b->n_outputs));
  cJSON *u = cJSON_CreateArray();
  for (uint32_t i = 0; i < b->n_outputs; i++)
    push(u, cJSON_CreateNumber(s->readout_u[i]));
  add(j, "readout_u", u);
  cJSON_AddNumberToObject(j, "latency_cycles", (double)s->cycles);
  cJSON_AddNumberToObject(j, "latency_us", s->latency_us);
  add(j, "energy_pj", energy_json(&s->energy));
  add(j, "counts", counts_json(&s->total));
  return j;
}

static cJSON *aggregate_json(const sim_batch *b) {
  cJSON *j = cJSON_CreateObject();
  if (b->has_labels) {
    cJSON_AddNumberToObject(j, "accuracy", b->accuracy);
    cJSON_AddNumberToObject(j, "correct", (double)b->correct);
  }
  add(j, "latency_cycles", stat_json(&b->latency_cycles));
  add(j, "latency_us", stat_json(&b->latency_us));
  add(j, "energy_pj", stat_json(&b->energy_pj));
  return j;
}

static cJSON *ticks_json(const glif_arch *a, const sim_batch *b) {
  cJSON *arr = cJSON_CreateArray();
  for (uint32_t h = 0; h < b->n_ticks; h++) {
    const sim_tick *t = &b->ticks[h];
    sim_energy e;
    tick_energy(a, t, b->n_samples, &e);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "tick", h);
    cJSON_AddNumberToObject(j, "active_cycles", (double)t->active);
    cJSON_AddNumberToObject(j, "latency_cycles", (double)t->latency);
    cJSON_AddNumberToObject(j, "latency_us", (double)t->latency / a->clock_mhz);
    cJSON_AddNumberToObject(j, "update_phase_cycles", (double)t->update_phase);
    cJSON_AddNumberToObject(j, "delivery_end_cycle", (double)t->delivery_end);
    add(j, "counts", counts_json(&t->n));
    add(j, "energy_pj", energy_json(&e));
    push(arr, j);
  }
  return arr;
}

static int any(const sim_counts *n) {
  for (int i = 0; i < SIM_COUNTS_N; i++)
    if (sim_counts_get(n, i)) return 1;
  return 0;
}

/* Every mesh position that holds a core or moved a packet. */
static cJSON *cores_json(const sim_model *m, const sim_batch *b) {
  const glif_arch *a = sim_model_arch(m);
  cJSON *arr = cJSON_CreateArray();
  for (uint32_t p = 0; p < b->n_pos; p++) {
    const int used = m->core_at[p] >= 0;
    if (!used && !any(&b->cores[p])) continue;
    sim_energy e;
    sim_energy_of_core(a, &b->cores[p], b->cycles, &e);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "x", p % a->mesh_x);
    cJSON_AddNumberToObject(j, "y", p / a->mesh_x);
    cJSON_AddBoolToObject(j, "used", used);
    add(j, "counts", counts_json(&b->cores[p]));
    add(j, "energy_pj", energy_json(&e));
    push(arr, j);
  }
  return arr;
}

static int link_exists(const glif_arch *a, uint32_t p, int d) {
  const uint32_t x = p % a->mesh_x, y = p / a->mesh_x;
  return d == SIM_LINK_N ? y > 0 : d == SIM_LINK_S ? y + 1 < a->mesh_y
         : d == SIM_LINK_E ? x + 1 < a->mesh_x : x > 0;
}

static cJSON *link_json(const glif_arch *a, uint32_t p, int d, uint64_t load) {
  cJSON *j = cJSON_CreateObject();
  cJSON_AddNumberToObject(j, "x", p % a->mesh_x);
  cJSON_AddNumberToObject(j, "y", p / a->mesh_x);
  cJSON_AddStringToObject(j, "dir", link_names[d]);
  cJSON_AddNumberToObject(j, "load", (double)load);
  return j;
}

/* Histogram bins: load 0, then [2^(k-1), 2^k - 1] for k = 1, 2, ... */
static cJSON *histogram_json(const glif_arch *a, const sim_batch *b) {
  uint64_t bins[65] = {0};
  int top = 0;
  for (uint32_t p = 0; p < b->n_pos; p++)
    for (int d = 0; d < 4; d++) {
      if (!link_exists(a, p, d)) continue;
      const uint64_t v = b->links[(size_t)p * 4 + d];
      const int k = v ? 64 - __builtin_clzll(v) : 0;
      bins[k]++;
      if (k > top) top = k;
    }
  cJSON *arr = cJSON_CreateArray();
  for (int k = 0; k <= top; k++) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "min", k ? (double)(1ull << (k - 1)) : 0.0);
    cJSON_AddNumberToObject(j, "max", k ? (double)((1ull << (k - 1)) * 2 - 1) : 0.0);
    cJSON_AddNumberToObject(j, "links", (double)bins[k]);
    push(arr, j);
  }
  return arr;
}

static cJSON *links_json(const glif_arch *a, const sim_batch *b) {
  cJSON *j = cJSON_CreateObject(), *busiest = cJSON_CreateArray();
  uint64_t total = 0, n_links = 0;
  uint8_t *taken = glif_calloc((size_t)b->n_pos * 4 + 1, 1);
  if (!taken) json_oom = 1;
  for (uint32_t p = 0; p < b->n_pos; p++)
    for (int d = 0; d < 4; d++)
      if (link_exists(a, p, d)) {
        total += b->links[(size_t)p * 4 + d];
        n_links++;
      }
  for (int r = 0; r < 10 && taken; r++) { /* the 10 busiest, ties in mesh order */
    int64_t best = -1;
    for (size_t k = 0; k < (size_t)b->n_pos * 4; k++)
      if (!taken[k] && b->links[k] && (best < 0 || b->links[k] > b->links[best]))
        best = (int64_t)k;
    if (best < 0) break;
    taken[best] = 1;
    push(busiest, link_json(a, (uint32_t)(best / 4), (int)(best % 4), b->links[best]));
  }
  glif_free(taken);
  uint64_t max = 0;
  for (size_t k = 0; k < (size_t)b->n_pos * 4; k++) max = b->links[k] > max ? b->links[k] : max;
  cJSON_AddNumberToObject(j, "links", (double)n_links);
  cJSON_AddNumberToObject(j, "packets_carried", (double)total);
  cJSON_AddNumberToObject(j, "max_load", (double)max);
  add(j, "busiest", busiest);
  add(j, "histogram", histogram_json(a, b));
  return j;
}

static cJSON *totals_json(const sim_model *m, const sim_batch *b) {
  const glif_arch *a = sim_model_arch(m);
  sim_counts n;
  memset(&n, 0, sizeof n);
  for (uint32_t h = 0; h < b->n_ticks; h++) sim_counts_add(&n, &b->ticks[h].n);
  sim_energy e;
  sim_energy_of_counts(a, &n, &e);
  e.cat[SIM_E_BARRIER] = (double)b->n_ticks * (double)b->n_samples * a->e_barrier;
  e.cat[SIM_E_STATIC] = a->static_uw_per_core * (double)b->n_pos * ((double)b->cycles / a->clock_mhz);
  e.total = 0.0;
  for (int c = 0; c < SIM_E_N; c++) e.total += e.cat[c];
  cJSON *j = cJSON_CreateObject();
  cJSON_AddNumberToObject(j, "cycles", (double)b->cycles);
  cJSON_AddNumberToObject(j, "latency_us", (double)b->cycles / a->clock_mhz);
  add(j, "counts", counts_json(&n));
  add(j, "energy_pj", energy_json(&e));
  return j;
}

static cJSON *io_json(const glif_arch *a, const sim_batch *b) {
  sim_energy e;
  sim_energy_of_counts(a, &b->io, &e);
  cJSON *j = cJSON_CreateObject();
  cJSON_AddNumberToObject(j, "x", a->io_x);
  cJSON_AddNumberToObject(j, "y", a->io_y);
  add(j, "counts", counts_json(&b->io));
  add(j, "energy_pj", energy_json(&e));
  return j;
}

static cJSON *report_json(const sim_model *m, const sim_batch_opts *o, const sim_batch *b) {
  cJSON *r = cJSON_CreateObject(), *per = cJSON_CreateArray();
  cJSON_AddNumberToObject(r, "glif_run_report", 1);
  cJSON_AddStringToObject(r, "mode", sim_mode_name(o->mode));
  cJSON_AddStringToObject(r, "core_model", b->core_model ? b->core_model : "c-model");
  add(r, "image", image_json(m, o));
  add(r, "arch", arch_json(sim_model_arch(m)));
  cJSON_AddNumberToObject(r, "samples", (double)b->n_samples);
  for (int64_t k = 0; k < b->n_samples; k++) push(per, sample_json(b, k));
  add(r, "per_sample", per);
  add(r, "aggregate", aggregate_json(b));
  add(r, "totals", totals_json(m, b));
  add(r, "ticks", ticks_json(sim_model_arch(m), b));
  add(r, "cores", cores_json(m, b));
  add(r, "io_port", io_json(sim_model_arch(m), b));
  add(r, "links", links_json(sim_model_arch(m), b));
  return r;
}

int sim_report_print(FILE *f, const sim_model *m, const sim_batch_opts *o,
                     const sim_batch *b, glif_err *err) {
  cJSON_Hooks hooks = {json_malloc, glif_free}; /* the one allocation hook */
  cJSON_InitHooks(&hooks);
  json_oom = 0;
  cJSON *r = report_json(m, o, b);
  char *text = r && !json_oom ? cJSON_Print(r) : NULL;
  cJSON_Delete(r);
  if (!text || json_oom) {
    if (text) cJSON_free(text);
    return glif_errf(err, GLIF_ENOMEM, o->report_path, 0, 0, "out of memory for the report");
  }
  fputs(text, f);
  fputc('\n', f);
  cJSON_free(text);
  return ferror(f) ? glif_errf(err, GLIF_EIO, o->report_path, 0, 0, "cannot write the report")
                   : 0;
}

int sim_report_write(const char *path, const sim_model *m, const sim_batch_opts *o,
                     const sim_batch *b, glif_err *err) {
  glif_ofile f;
  int rc = glif_ofile_open(&f, path, "the report", err);
  if (rc) return rc;
  if ((rc = sim_report_print(f.f, m, o, b, err))) {
    glif_ofile_abort(&f);
    return rc;
  }
  return glif_ofile_commit(&f, "the report", err);
}

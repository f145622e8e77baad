/*
 * sim_check.h - helpers for the simulator tests: run an image in one mode or both,
 * collect every emission through the observer hooks, and assert that the two engines
 * agree on every number of the result.
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simulator/sim.h"
#include "simulator/sim_int.h"

typedef struct ck_emit {
  uint32_t core, neuron, tick;
  uint64_t cycle;
  int32_t payload;
} ck_emit;

typedef struct ck_log {
  ck_emit *ev;
  size_t n, cap;
} ck_log;

/* The whole file at path, NUL-terminated (free it); *n bytes before the NUL. */
static inline char *ck_slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc(*n + 1);
  assert_non_null(b);
  assert_int_equal(fread(b, 1, *n, f), *n);
  b[*n] = '\0';
  fclose(f);
  return b;
}

static inline void ck_on_emit(void *ctx, uint32_t core, uint32_t neuron, uint32_t tick,
                       uint64_t cycle, int32_t payload) {
  ck_log *l = ctx;
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 256;
    l->ev = realloc(l->ev, l->cap * sizeof *l->ev);
  }
  l->ev[l->n++] = (ck_emit){core, neuron, tick, cycle, payload};
}

static inline int ck_cmp_emit(const void *a, const void *b) {
  const ck_emit *x = a, *y = b;
  if (x->tick != y->tick) return x->tick < y->tick ? -1 : 1;
  if (x->cycle != y->cycle) return x->cycle < y->cycle ? -1 : 1;
  if (x->core != y->core) return x->core < y->core ? -1 : 1;
  return x->neuron < y->neuron ? -1 : x->neuron > y->neuron;
}

/* One run: model + engine + result copy. */
typedef struct ck_run {
  sim_model *m;
  sim_engine *e;
  const sim_result *r;
  ck_log log;
  sim_obs obs;
} ck_run;

static inline void ck_start(ck_run *k, const img_image *img, int mode, const double *x) {
  glif_err err;
  memset(k, 0, sizeof *k);
  int rc = sim_model_create(&k->m, img, NULL, &err);
  if (rc) fprintf(stderr, "model: %s\n", err.msg);
  assert_int_equal(rc, 0);
  rc = sim_engine_create(&k->e, k->m, mode, &err);
  if (rc) fprintf(stderr, "engine: %s\n", err.msg);
  assert_int_equal(rc, 0);
  k->obs.ctx = &k->log;
  k->obs.rec_core = -1;
  k->obs.emit = ck_on_emit;
  sim_engine_observe(k->e, &k->obs);
  rc = sim_engine_run(k->e, x, &err);
  if (rc) fprintf(stderr, "run: %s\n", err.msg);
  assert_int_equal(rc, 0);
  k->r = sim_engine_result(k->e);
  if (k->log.n) qsort(k->log.ev, k->log.n, sizeof *k->log.ev, ck_cmp_emit);
}

static inline void ck_end(ck_run *k) {
  sim_engine_destroy(k->e);
  sim_model_destroy(k->m);
  free(k->log.ev);
  memset(k, 0, sizeof *k);
}

static inline void ck_counts_equal(const sim_counts *a, const sim_counts *b, const char *where,
                            uint32_t i) {
  for (int f = 0; f < SIM_COUNTS_N; f++) {
    if (sim_counts_get(a, f) != sim_counts_get(b, f))
      fail_msg("%s %u: %s differs: event %llu, cycle %llu", where, i, sim_counts_name(f),
               (unsigned long long)sim_counts_get(a, f),
               (unsigned long long)sim_counts_get(b, f));
  }
}

/* Every number of two results must be equal. */
static inline void ck_results_equal(const sim_result *a, const sim_result *b) {
  assert_int_equal(a->n_ticks, b->n_ticks);
  assert_int_equal(a->n_pos, b->n_pos);
  for (uint32_t h = 0; h < a->n_ticks; h++) {
    const sim_tick *x = &a->ticks[h], *y = &b->ticks[h];
    if (x->active != y->active || x->latency != y->latency ||
        x->update_phase != y->update_phase || x->delivery_end != y->delivery_end)
      fail_msg("tick %u: E %llu/%llu update %llu/%llu delivery %llu/%llu", h,
               (unsigned long long)x->active, (unsigned long long)y->active,
               (unsigned long long)x->update_phase, (unsigned long long)y->update_phase,
               (unsigned long long)x->delivery_end, (unsigned long long)y->delivery_end);
    ck_counts_equal(&x->n, &y->n, "tick", h);
  }
  for (uint32_t p = 0; p < a->n_pos; p++) ck_counts_equal(&a->cores[p], &b->cores[p], "core", p);
  ck_counts_equal(&a->io, &b->io, "io", 0);
  assert_memory_equal(a->links, b->links, sizeof *a->links * a->n_pos * 4);
  assert_int_equal(a->cycles, b->cycles);
  assert_int_equal(a->n_outputs, b->n_outputs);
  for (uint32_t o = 0; o < a->n_outputs; o++) assert_int_equal(a->readout_u[o], b->readout_u[o]);
  assert_int_equal(a->predicted, b->predicted);
}

static inline void ck_logs_equal(const ck_log *a, const ck_log *b) {
  assert_int_equal(a->n, b->n);
  for (size_t i = 0; i < a->n; i++) {
    const ck_emit *x = &a->ev[i], *y = &b->ev[i];
    if (memcmp(x, y, sizeof *x) && (x->core != y->core || x->neuron != y->neuron ||
                                    x->tick != y->tick || x->cycle != y->cycle ||
                                    x->payload != y->payload))
      fail_msg("emission %zu differs: core %u neuron %u tick %u cycle %llu vs core %u "
               "neuron %u tick %u cycle %llu", i, x->core, x->neuron, x->tick,
               (unsigned long long)x->cycle, y->core, y->neuron, y->tick,
               (unsigned long long)y->cycle);
  }
}

/* Runs img in both modes, asserts they agree, returns the event-mode run (the caller
 * ends it). */
static inline void ck_both(ck_run *ev, const img_image *img, const double *x) {
  ck_run cy;
  ck_start(ev, img, SIM_MODE_EVENT, x);
  ck_start(&cy, img, SIM_MODE_CYCLE, x);
  ck_results_equal(ev->r, cy.r);
  ck_logs_equal(&ev->log, &cy.log);
  ck_end(&cy);
}

#endif /* SIM_CHECK_H */

/*
 * sim_batch.c - runs a batch of samples on N threads, each with its own engine, and
 * writes traces, VCDs and records in sample order.
 *
 * Samples are handed out in blocks (one sample per block with one thread, 4 per thread
 * otherwise); within a block threads take samples from a shared counter, each sample
 * collecting into its own slot; after the block the main thread writes the slots in
 * order. Per-sample results go to their index; sums over the batch are integers, added
 * per thread and merged at the end. So every output is byte-identical whatever
 * --jobs is. An error stops the batch after its block; the error of the lowest
 * failing sample is reported and every output file is removed.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fabric/mem.h"
#include "sim_obs.h"

typedef struct worker {
  struct brun *run;
  sim_engine *e;
  sim_tick *ticks;       /* sums over this worker's samples */
  sim_counts *cores, io;
  uint64_t *links, cycles;
  int64_t err_sample;    /* lowest failing sample, -1 none */
  int rc;
  glif_err err;
} worker;

typedef struct brun {
  const sim_model *m;
  const sim_batch_opts *o;
  const double *x;
  const int64_t *labels;
  int64_t n, block_start, block_end;
  sim_batch *b;
  sim_layout l;
  sim_slot *slots;
  int n_slots, n_workers;
  worker *w;
  atomic_llong next, done;
  atomic_int failed;
  trace_writer *tw;
  sim_vcd *vcd;
  glif_ofile rec, rep;
} brun;

/* ---- one sample ------------------------------------------------------------------------- */

static void add_sums(worker *w, const sim_result *r) {
  for (uint32_t h = 0; h < r->n_ticks; h++) {
    sim_tick *t = &w->ticks[h];
    t->active += r->ticks[h].active;
    t->latency += r->ticks[h].latency;
    t->update_phase += r->ticks[h].update_phase;
    t->delivery_end += r->ticks[h].delivery_end;
    sim_counts_add(&t->n, &r->ticks[h].n);
  }
  for (uint32_t p = 0; p < r->n_pos; p++) sim_counts_add(&w->cores[p], &r->cores[p]);
  for (size_t k = 0; k < (size_t)r->n_pos * 4; k++) w->links[k] += r->links[k];
  sim_counts_add(&w->io, &r->io);
  w->cycles += r->cycles;
}

static void keep_sample(brun *run, int64_t k, const sim_result *r) {
  sim_sample *s = &run->b->samples[k];
  s->predicted = r->predicted;
  s->label = run->labels ? run->labels[k] : -1;
  s->cycles = r->cycles;
  s->latency_us = (double)r->cycles / run->m->arch.clock_mhz;
  sim_energy_of_result(&run->m->arch, r, &s->energy);
  sim_counts_total(r, &s->total);
  memcpy(s->outputs, r->outputs, sizeof *s->outputs * r->n_outputs);
  memcpy(s->readout_u, r->readout_u, sizeof *s->readout_u * r->n_outputs);
}

static void fail_sample(worker *w, int64_t k, int rc, const glif_err *err) {
  if (w->err_sample >= 0 && w->err_sample < k) return;
  w->err_sample = k;
  w->rc = rc;
  glif_errf(&w->err, rc, NULL, 0, 0, "sample %lld: %s", (long long)k,
            err ? err->msg : "out of memory while collecting the trace or record");
  atomic_store(&w->run->failed, 1);
}

static void run_sample(worker *w, int64_t k) {
  brun *run = w->run;
  sim_slot *slot = &run->slots[k - run->block_start];
  glif_err err;
  glif_err_clear(&err);
  sim_engine_observe(w->e, sim_slot_begin(slot, k));
  int rc = sim_engine_run(w->e, run->x + k * sim_model_sample_size(run->m), &err);
  if (rc) {
    fail_sample(w, k, rc, &err);
    return;
  }
  sim_slot_finish(slot, w->e);
  if (slot->rc) {
    fail_sample(w, k, slot->rc, NULL);
    return;
  }
  keep_sample(run, k, sim_engine_result(w->e));
  add_sums(w, sim_engine_result(w->e));
}

static void progress(const brun *run) {
  if (!run->o->progress) return;
  const long long d = atomic_load(&run->done);
  const int width = 40, bar = (int)(width * d / (run->n ? run->n : 1));
  fprintf(stderr, "\rglif run: [%.*s%*s] %lld/%lld samples", bar,
          "########################################", width - bar, "", d,
          (long long)run->n);
  fflush(stderr);
}

static void *work(void *arg) {
  worker *w = arg;
  brun *run = w->run;
  for (;;) {
    const long long k = atomic_fetch_add(&run->next, 1);
    if (k >= run->block_end || atomic_load(&run->failed)) break;
    run_sample(w, k);
    atomic_fetch_add(&run->done, 1);
    if (w == &run->w[0]) progress(run);
  }
  return NULL;
}

/* ---- blocks and output files -------------------------------------------------------------- */

static int run_block(brun *run) {
  pthread_t th[256];
  int started = 0;
  atomic_store(&run->next, run->block_start);
  for (int i = 1; i < run->n_workers; i++, started++)
    if (pthread_create(&th[i], NULL, work, &run->w[i])) break;
  work(&run->w[0]);
  for (int i = 1; i <= started; i++) pthread_join(th[i], NULL);
  return atomic_load(&run->failed);
}

static int write_block(brun *run, glif_err *err) {
  for (int64_t k = run->block_start; k < run->block_end; k++) {
    const sim_slot *s = &run->slots[k - run->block_start];
    int rc = 0;
    if (run->tw) rc = sim_trace_sample(run->tw, s);
    if (!rc && run->vcd) rc = sim_vcd_sample(run->vcd, s);
    if (!rc && run->rec.f) {
      fprintf(run->rec.f, "sample %lld\n", (long long)k);
      if (s->n_text) fwrite(s->text, 1, s->n_text, run->rec.f);
    }
    if (rc) return glif_errf(err, rc, NULL, 0, 0, "cannot write the trace of sample %lld",
                             (long long)k);
  }
  return 0;
}

static int open_outputs(brun *run, glif_err *err) {
  const sim_batch_opts *o = run->o;
  int rc;
  if (o->report_path &&
      (rc = glif_ofile_open(&run->rep, o->report_path, "the report", err)))
    return rc;
  if (o->trace_path) {
    if ((rc = trace_open(&run->tw, o->trace_path, run->m->img->model_name,
                         (int)run->m->img->T, err)))
      return rc;
    if ((rc = sim_trace_header(run->tw, &run->l)))
      return glif_errf(err, rc, o->trace_path, 0, 0, "cannot write the trace header");
  }
  if (o->vcd_path && (rc = sim_vcd_open(&run->vcd, o->vcd_path, &run->l, err))) return rc;
  if (o->record_path) {
    if ((rc = glif_ofile_open(&run->rec, o->record_path, "the record", err))) return rc;
    if ((rc = sim_record_header(run->rec.f, &run->l, o->image_path)))
      return glif_errf(err, rc, o->record_path, 0, 0, "cannot write the record");
  }
  return 0;
}

/* Renames every output into place (or removes them all when !ok). The report is
 * written first, so every fallible step precedes the renames. */
static int close_outputs(brun *run, int ok, glif_err *err) {
  int rc = 0;
  if (ok && run->rep.f) rc = sim_report_print(run->rep.f, run->m, run->o, run->b, err);
  ok = ok && !rc;
  if (run->rep.f || run->rep.tmp) {
    if (ok) rc = glif_ofile_commit(&run->rep, "the report", err);
    else glif_ofile_abort(&run->rep);
  }
  if (run->rec.f || run->rec.tmp) {
    if (ok && !rc) rc = glif_ofile_commit(&run->rec, "the record", err);
    else glif_ofile_abort(&run->rec);
  }
  if (run->vcd) {
    if (ok && !rc) rc = sim_vcd_close(run->vcd, err);
    else sim_vcd_abort(run->vcd);
  }
  if (run->tw) {
    if (ok && !rc) rc = trace_close(run->tw, err);
    else trace_abort(run->tw);
  }
  run->vcd = NULL;
  run->tw = NULL;
  return rc;
}

/* ---- set-up and aggregates ------------------------------------------------------------------ */

static sim_batch *alloc_batch(const sim_model *m, int64_t n) {
  sim_batch *b = glif_calloc(1, sizeof *b);
  if (!b) return NULL;
  b->n_samples = n;
  b->n_outputs = m->img->n_outputs;
  b->n_ticks = m->img->n_ticks;
  b->n_pos = m->n_pos;
  b->samples = glif_calloc((size_t)n ? (size_t)n : 1, sizeof *b->samples);
  b->ticks = glif_calloc(b->n_ticks, sizeof *b->ticks);
  b->cores = glif_calloc(b->n_pos, sizeof *b->cores);
  b->links = glif_calloc((size_t)b->n_pos * 4, sizeof *b->links);
  double *out = glif_calloc((size_t)n * b->n_outputs + 1, sizeof *out);
  int32_t *ru = glif_calloc((size_t)n * b->n_outputs + 1, sizeof *ru);
  if (!b->samples || !b->ticks || !b->cores || !b->links || !out || !ru) {
    glif_free(out);
    glif_free(ru);
    sim_batch_free(b);
    return NULL;
  }
  for (int64_t k = 0; k < n; k++) {
    b->samples[k].outputs = out + k * b->n_outputs;
    b->samples[k].readout_u = ru + k * b->n_outputs;
  }
  return b;
}

void sim_batch_free(sim_batch *b) {
  if (!b) return;
  if (b->samples) {
    glif_free(b->samples[0].outputs);
    glif_free(b->samples[0].readout_u);
  }
  glif_free(b->samples);
  glif_free(b->ticks);
  glif_free(b->cores);
  glif_free(b->links);
  glif_free(b);
}

/* A core backend's cores replace the C core models of engine e (cycle mode only). */
static int replace_cores(const brun *run, sim_engine *e, glif_err *err) {
  const img_image *img = run->m->img;
  if (run->o->mode != SIM_MODE_CYCLE)
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0,
                     "a core backend runs in the cycle-stepped mode only - use --mode cycle");
  for (uint32_t i = 0; i < img->n_cores; i++) {
    const sim_core_ops *ops;
    void *core;
    int rc = run->o->core_factory(run->o->core_factory_ctx, run->m, i, &ops, &core, err);
    if (rc) return rc;
    if ((rc = sim_engine_replace_core(e, img->cores[i].x, img->cores[i].y, ops, core, err))) {
      ops->destroy(core);
      return rc;
    }
  }
  return 0;
}

static int alloc_workers(brun *run, glif_err *err) {
  const sim_model *m = run->m;
  run->w = glif_calloc((size_t)run->n_workers, sizeof *run->w);
  run->slots = glif_calloc((size_t)run->n_slots, sizeof *run->slots);
  if (!run->w || !run->slots) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  for (int i = 0; i < run->n_slots; i++)
    if (sim_slot_init(&run->slots[i], &run->l))
      return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for trace buffers");
  for (int i = 0; i < run->n_workers; i++) {
    worker *w = &run->w[i];
    w->run = run;
    w->err_sample = -1;
    w->ticks = glif_calloc(m->img->n_ticks, sizeof *w->ticks);
    w->cores = glif_calloc(m->n_pos, sizeof *w->cores);
    w->links = glif_calloc((size_t)m->n_pos * 4, sizeof *w->links);
    if (!w->ticks || !w->cores || !w->links)
      return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = sim_engine_create(&w->e, m, run->o->mode, err);
    if (!rc && run->o->core_factory) rc = replace_cores(run, w->e, err);
    if (rc) return rc;
  }
  return 0;
}

static void free_workers(brun *run) {
  for (int i = 0; run->w && i < run->n_workers; i++) {
    sim_engine_destroy(run->w[i].e);
    glif_free(run->w[i].ticks);
    glif_free(run->w[i].cores);
    glif_free(run->w[i].links);
  }
  for (int i = 0; run->slots && i < run->n_slots; i++) sim_slot_free(&run->slots[i]);
  glif_free(run->w);
  glif_free(run->slots);
  sim_layout_destroy(&run->l);
}

static void merge(brun *run) {
  sim_batch *b = run->b;
  for (int i = 0; i < run->n_workers; i++) {
    const worker *w = &run->w[i];
    for (uint32_t h = 0; h < b->n_ticks; h++) {
      b->ticks[h].active += w->ticks[h].active;
      b->ticks[h].latency += w->ticks[h].latency;
      b->ticks[h].update_phase += w->ticks[h].update_phase;
      b->ticks[h].delivery_end += w->ticks[h].delivery_end;
      sim_counts_add(&b->ticks[h].n, &w->ticks[h].n);
    }
    for (uint32_t p = 0; p < b->n_pos; p++) sim_counts_add(&b->cores[p], &w->cores[p]);
    for (size_t k = 0; k < (size_t)b->n_pos * 4; k++) b->links[k] += w->links[k];
    sim_counts_add(&b->io, &w->io);
    b->cycles += w->cycles;
  }
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Mean, extremes and nearest-rank percentiles (the ceil(p/100 * n)-th smallest). */
static void stat_of(double *v, int64_t n, sim_stat *st) {
  memset(st, 0, sizeof *st);
  if (n <= 0) return;
  double sum = 0.0;
  for (int64_t i = 0; i < n; i++) sum += v[i];
  st->mean = sum / (double)n;
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  st->min = v[0];
  st->max = v[n - 1];
  const double p[3] = {50, 90, 99};
  double *out[3] = {&st->p50, &st->p90, &st->p99};
  for (int i = 0; i < 3; i++) {
    int64_t r = (int64_t)ceil(p[i] / 100.0 * (double)n);
    *out[i] = v[(r < 1 ? 1 : r) - 1];
  }
}

static int aggregate(sim_batch *b, int has_labels) {
  double *v = glif_malloc(sizeof *v * (size_t)(b->n_samples ? b->n_samples : 1));
  if (!v) return GLIF_ENOMEM;
  b->has_labels = has_labels;
  b->correct = 0;
  for (int64_t k = 0; k < b->n_samples; k++)
    b->correct += has_labels && b->samples[k].predicted == b->samples[k].label;
  b->accuracy = b->n_samples ? (double)b->correct / (double)b->n_samples : 0.0;
  for (int64_t k = 0; k < b->n_samples; k++) v[k] = (double)b->samples[k].cycles;
  stat_of(v, b->n_samples, &b->latency_cycles);
  for (int64_t k = 0; k < b->n_samples; k++) v[k] = b->samples[k].latency_us;
  stat_of(v, b->n_samples, &b->latency_us);
  for (int64_t k = 0; k < b->n_samples; k++) v[k] = b->samples[k].energy.total;
  stat_of(v, b->n_samples, &b->energy_pj);
  glif_free(v);
  return 0;
}

static int first_error(brun *run, glif_err *err) {
  const worker *best = NULL;
  for (int i = 0; i < run->n_workers; i++)
    if (run->w[i].err_sample >= 0 && (!best || run->w[i].err_sample < best->err_sample))
      best = &run->w[i];
  if (!best) return 0;
  *err = best->err;
  return best->rc;
}

static int batch_loop(brun *run, glif_err *err) {
  int rc;
  for (run->block_start = 0; run->block_start < run->n; run->block_start = run->block_end) {
    run->block_end = run->block_start + run->n_slots;
    if (run->block_end > run->n) run->block_end = run->n;
    if (run_block(run)) return first_error(run, err);
    if ((rc = write_block(run, err))) return rc;
  }
  if (run->o->progress) fputc('\n', stderr);
  return 0;
}

int sim_batch_run(const sim_model *m, const sim_batch_opts *o, const double *samples,
                  int64_t n_samples, const int64_t *labels, sim_batch **out,
                  glif_err *err) {
  brun run;
  int rc;
  memset(&run, 0, sizeof run);
  *out = NULL;
  run.m = m;
  run.o = o;
  run.x = samples;
  run.n = n_samples;
  run.labels = labels;
  run.n_workers = o->jobs < 1 ? 1 : o->jobs > 256 ? 256 : o->jobs;
  if (run.n_workers > n_samples) run.n_workers = n_samples > 0 ? (int)n_samples : 1;
  run.n_slots = run.n_workers == 1 ? 1 : 4 * run.n_workers;
  if (!(run.b = alloc_batch(m, n_samples))) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  if (!(rc = sim_layout_create(&run.l, m, o, err)) && !(rc = alloc_workers(&run, err)) &&
      !(rc = open_outputs(&run, err))) {
    run.b->core_model = sim_engine_core_name(run.w[0].e);
    rc = batch_loop(&run, err);
  }
  if (!rc) {
    merge(&run);
    if (aggregate(run.b, labels != NULL)) rc = glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  }
  const int crc = close_outputs(&run, rc == 0, err);
  if (!rc) rc = crc;
  free_workers(&run);
  if (rc) {
    sim_batch_free(run.b);
    return rc;
  }
  *out = run.b;
  return 0;
}

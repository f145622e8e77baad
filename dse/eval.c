/*
 * eval.c - one point of a sweep: architecture -> compile in memory -> simulate ->
 * compare with the golden model -> one row.
 *
 *   dse_space_arch -> front end (front.c) -> lower, drc, partition, place, route
 *   -> map_build_image (no file) -> sim_batch_run (event mode, one thread)
 *   -> golden comparison (golden.c) -> area (area.c) -> dse_row
 *
 * A point that is not a valid architecture or does not fit is a row too, with the
 * first line of the reason; the design-rule check runs before partitioning, so a
 * point that does not fit costs milliseconds. Only out-of-memory and failures to
 * write temporary files stop the sweep.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "../mapping/map.h"
#include "dse_sweep.h"

/* ---- compile ----------------------------------------------------------------------------- */

static int pass_index(const char *name) {
  for (int i = 0; cc_passes[i].name; i++)
    if (!strcmp(cc_passes[i].name, name)) return i;
  return -1;
}

/* Runs the back-end passes from `first` to `last` on ctx, with their invariant checks
 * in debug builds, as the driver does (compiler/driver.c). */
static int run_passes(cc_ctx *ctx, const char *first, const char *last, glif_err *err) {
  for (int i = pass_index(first); i >= 0 && cc_passes[i].name; i++) {
    int rc = cc_passes[i].run(ctx, err);
    ctx->n_passes_run = i + 1;
    if (rc) return rc;
#ifndef NDEBUG
    if (cc_passes[i].check && (rc = cc_passes[i].check(ctx, err))) return rc;
#endif
    if (!strcmp(cc_passes[i].name, last)) break;
  }
  return 0;
}

/* A back-end context over front end f for architecture a. */
static int back_init(cc_ctx *ctx, cc_options *opt, const dse_front *f, const glif_arch *a,
                     glif_err *err) {
  *opt = f->opt;
  int rc = cc_init(ctx, opt, err);
  if (rc) return rc;
  ctx->arch = *a;
  ctx->model = f->ctx.model;
  ctx->calib = f->ctx.calib;
  ctx->net = f->ctx.net;
  return 0;
}

static void set_mesh(glif_arch *a, uint32_t side) {
  a->mesh_x = a->mesh_y = side;
  if (a->io_y >= side) a->io_y = side - 1; /* keep the I/O port on the west edge */
}

/* Auto mesh: the smallest square mesh on which the design-rule check passes. The plan
 * depends on the mesh (the partitioner balances tiles when the mesh has room and packs
 * them into the fewest cores when it has not), so the side is found by bisection
 * between 1 and the side that holds the balanced plan of the largest mesh; a larger
 * mesh never fits worse. Only lower and drc run here, on one context: drc plans afresh
 * each time and reads the lowered net without changing it. */
static int auto_mesh(const dse_front *f, glif_arch *a, glif_err *err) {
  cc_options opt;
  cc_ctx ctx;
  glif_arch big = *a;
  set_mesh(&big, 1024);
  int rc = back_init(&ctx, &opt, f, &big, err);
  if (!rc) rc = run_passes(&ctx, "lower", "drc", err);
  uint32_t lo = 1, hi = 1;
  if (!rc) {
    while ((uint64_t)hi * hi < (uint64_t)ctx.map->n_tiles) hi++;
    while (!rc && lo < hi) {
      const uint32_t mid = lo + (hi - lo) / 2;
      glif_err e;
      glif_err_clear(&e);
      set_mesh(&ctx.arch, mid);
      const int r = cc_pass_drc(&ctx, &e);
      if (!r) hi = mid;
      else if (r == GLIF_EFIT) lo = mid + 1;
      else rc = glif_errf(err, r, e.file, e.line, e.col, "%s", e.msg);
    }
    set_mesh(a, hi);
  }
  cc_destroy(&ctx);
  return rc;
}

static int compile(dse_point *p, glif_err *err) {
  int rc = back_init(&p->ctx, &p->opt, p->front, &p->arch, err);
  p->have_ctx = rc == 0;
  if (!rc) rc = run_passes(&p->ctx, "lower", "route", err);
  if (!rc) rc = map_build_image(&p->ctx, &p->img, err);
  p->have_img = rc == 0;
  return rc;
}

/* ---- classification ------------------------------------------------------------------------ */

/* A failed step becomes the row's status; only out of memory is returned (in err). */
static int point_failed(dse_row *row, int status, const glif_err *e, glif_err *err) {
  if (e->code == GLIF_ENOMEM) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "%s", e->msg);
  row->status = e->code == GLIF_EINTERNAL ? DSE_ERROR : status;
  dse_first_line(e->msg, row->reason, sizeof row->reason);
  return 0;
}

/* ---- metrics ---------------------------------------------------------------------------------- */

static void compile_metrics(const dse_point *p, dse_row *row) {
  const lw_net *n = p->ctx.lowered;
  const map_result *m = p->ctx.map;
  const img_image *img = &p->img;
  row->cores_used = (uint64_t)m->n_tiles;
  row->neurons = (uint64_t)n->neurons;
  row->relay_neurons = (uint64_t)n->relay_neurons;
  row->relay_layers = (uint64_t)n->n_relay_layers;
  row->synapses = (uint64_t)n->synapses;
  row->fanout_entries = (uint64_t)m->fanout_total;
  row->input_entries = (uint64_t)m->input_entries;
  for (uint32_t i = 0; i < img->n_cores; i++) {
    const img_core *c = &img->cores[i];
    const uint64_t cells = (uint64_t)c->n_axons * c->n_neurons;
    row->crossbar_cells += cells;
    for (uint64_t k = 0; k < cells; k++) row->crossbar_nonzero += c->crossbar[k] != 0;
  }
  row->crossbar_fill = row->crossbar_cells ? (double)row->crossbar_nonzero / (double)row->crossbar_cells : 0;
  const double chip = (double)row->cores_used * p->arch.axons * p->arch.neurons;
  row->chip_fill = chip > 0 ? (double)row->crossbar_nonzero / chip : 0;
  row->image_bytes = dse_image_bytes(img);
}

static void traffic_metrics(const sim_batch *b, dse_row *row) {
  const double n = (double)b->n_samples;
  sim_counts tot;
  memset(&tot, 0, sizeof tot);
  for (uint32_t i = 0; i < b->n_pos; i++) sim_counts_add(&tot, &b->cores[i]);
  sim_counts_add(&tot, &b->io);
  row->spikes = (double)tot.spikes / n;
  row->packets = (double)tot.packets / n;
  row->hops = (double)tot.hops / n;
  row->router_stalls = (double)tot.router_stalls / n;
  uint64_t best = 0;
  int64_t at = -1;
  for (uint64_t k = 0; k < (uint64_t)b->n_pos * 4; k++)
    if (b->links[k] > best) best = b->links[k], at = (int64_t)k;
  row->busiest_link = (double)best / n;
  row->busiest_dir = at < 0 ? -1 : (int)(at % 4);
  if (at >= 0) {
    const uint64_t pos = (uint64_t)at / 4, mx = row->mesh_x ? row->mesh_x : 1;
    row->busiest_x = (uint32_t)(pos % mx), row->busiest_y = (uint32_t)(pos / mx);
  }
}

static void sim_metrics(const sim_batch *b, dse_row *row) {
  const double n = (double)b->n_samples;
  row->samples = b->n_samples;
  row->latency_cycles = b->latency_cycles.mean;
  row->latency_us = b->latency_us.mean;
  for (int64_t s = 0; s < b->n_samples; s++)
    for (int c = 0; c < SIM_E_N; c++) row->energy_cat[c] += b->samples[s].energy.cat[c];
  row->energy_pj = 0;
  for (int c = 0; c < SIM_E_N; c++) row->energy_pj += row->energy_cat[c] /= n;
  if (b->has_labels) row->accuracy = b->accuracy, row->correct = b->correct;
  traffic_metrics(b, row);
  row->edp_uj_us = row->energy_pj * 1e-6 * row->latency_us;
}

/* ---- simulate and compare ------------------------------------------------------------------- */

static int simulate(dse_sweep *sw, dse_point *p, dse_row *row, glif_err *err) {
  char trace[sizeof sw->tmpdir + 64];
  const int golden = sw->o.golden && p->front->golden_path && !p->front->golden_rc;
  snprintf(trace, sizeof trace, "%s/chip-%lld.trace", sw->tmpdir, (long long)row->index);
  sim_batch_opts o = {.mode = SIM_MODE_EVENT, .jobs = 1, .image_path = "",
                      .trace_path = golden ? trace : NULL};
  int rc = sim_model_create(&p->model, &p->img, NULL, err);
  if (!rc) rc = sim_batch_run(p->model, &o, sw->samples, sw->n_samples, sw->labels, &p->batch, err);
  if (!rc) sim_metrics(p->batch, row);
  if (!rc && golden) {
    dse_agree ag;
    rc = dse_trace_compare(p->front->golden_path, trace, &ag, err);
    row->golden_equal = ag.samples_equal;
    row->spike_agreement = ag.either ? (double)ag.matched / (double)ag.either : 1.0;
    unlink(trace);
  }
  if (!golden) row->golden_equal = -1, row->spike_agreement = -1;
  return rc;
}

static void point_free(dse_sweep *sw, dse_point *p) {
  sim_batch_free(p->batch);
  sim_model_destroy(p->model);
  if (p->have_img) map_image_free(&p->img);
  if (p->have_ctx) cc_destroy(&p->ctx);
  dse_fcache_release(sw->fcache, p->front);
}

/* ---- one point ------------------------------------------------------------------------------ */

static void row_init(const dse_sweep *sw, const glif_arch *a, int64_t i, dse_row *row) {
  memset(row, 0, sizeof *row);
  row->index = i;
  row->accuracy = -1, row->correct = -1;
  row->golden_equal = -1, row->spike_agreement = -1;
  row->busiest_dir = -1;
  for (int c = 0; c < dse_space_n_cols(sw->space); c++)
    row->swept[c] = arch_field_get(a, dse_space_col(sw->space, c));
}

/* The point's mesh and area; with auto mesh the mesh is unknown (0) until chosen. */
static void place_row(const dse_sweep *sw, const glif_arch *a, int known, dse_row *row) {
  dse_area_eval(dse_area_builtin(), a, &row->area);
  row->mesh_x = known ? a->mesh_x : 0, row->mesh_y = known ? a->mesh_y : 0;
  row->mesh_cores = (uint64_t)row->mesh_x * row->mesh_y;
  if (!known) row->area.chip_mm2 = 0;
  (void)sw;
}

/* Front end, auto mesh and compile; 0 with row->status set when the point stops here. */
static int build_steps(dse_sweep *sw, dse_point *p, dse_row *row, glif_err *err) {
  glif_err e;
  glif_err_clear(&e);
  const int auto_on = dse_space_auto_mesh(sw->space);
  place_row(sw, &p->arch, !auto_on, row);
  int rc = dse_fcache_get(sw->fcache, &p->arch, &p->front, err);
  if (rc) return rc;
  if (p->front->rc) return point_failed(row, DSE_NOFIT, &p->front->err, err);
  if (auto_on) {
    if ((rc = auto_mesh(p->front, &p->arch, &e))) return point_failed(row, DSE_NOFIT, &e, err);
    place_row(sw, &p->arch, 1, row);
  }
  if ((rc = compile(p, &e)))
    return point_failed(row, e.code == GLIF_EFIT ? DSE_NOFIT : DSE_ERROR, &e, err);
  compile_metrics(p, row);
  return 0;
}

/* The compile time includes the front end when this point built it or waited for it. */
static int build_point(dse_sweep *sw, dse_point *p, dse_row *row, glif_err *err) {
  const double t0 = dse_now();
  const int rc = build_steps(sw, p, row, err);
  row->compile_s = dse_now() - t0;
  return rc;
}

int dse_sweep_point(dse_sweep *sw, int64_t i, dse_row *row, glif_err *err) {
  dse_point p;
  glif_err e;
  memset(&p, 0, sizeof p);
  glif_err_clear(&e);
  int valid = dse_space_arch(sw->space, &sw->base, i, &p.arch, &e);
  row_init(sw, &p.arch, i, row);
  if (valid) {
    row->status = DSE_INVALID;
    dse_first_line(e.msg, row->reason, sizeof row->reason);
    return 0;
  }
  int rc = build_point(sw, &p, row, err);
  if (!rc && row->status == DSE_FITS && !row->reason[0]) {
    const double t0 = dse_now();
    glif_err_clear(&e);
    int sr = simulate(sw, &p, row, &e);
    row->sim_s = dse_now() - t0;
    if (sr == GLIF_ENOMEM || sr == GLIF_EIO) rc = glif_errf(err, sr, e.file, e.line, e.col, "%s", e.msg);
    else if (sr) rc = point_failed(row, DSE_ERROR, &e, err);
  }
  point_free(sw, &p);
  return rc;
}

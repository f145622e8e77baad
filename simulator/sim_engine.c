/*
 * sim_engine.c - what both engines share around a run: the engine object, its result
 * arrays (sized once from the model), turning a sample into host packets, reading the
 * readout outputs after the run. The run itself is sim_event.c or sim_cycle.c.
 */
#include <string.h>

#include "../fabric/mem.h"
#include "sim_int.h"

static int alloc_result(sim_engine *e) {
  const sim_model *m = e->m;
  sim_result *r = &e->res;
  r->n_ticks = m->img->n_ticks;
  r->n_pos = m->n_pos;
  r->n_outputs = m->img->n_outputs;
  r->ticks = glif_calloc(r->n_ticks, sizeof *r->ticks);
  r->cores = glif_calloc(r->n_pos, sizeof *r->cores);
  r->links = glif_calloc((size_t)r->n_pos * 4, sizeof *r->links);
  r->readout_u = glif_calloc(r->n_outputs ? r->n_outputs : 1, sizeof *r->readout_u);
  r->outputs = glif_calloc(r->n_outputs ? r->n_outputs : 1, sizeof *r->outputs);
  e->cap = glif_calloc(m->cap_size ? (size_t)m->cap_size : 1, sizeof *e->cap);
  return r->ticks && r->cores && r->links && r->readout_u && r->outputs && e->cap
             ? 0 : GLIF_ENOMEM;
}

int sim_engine_create(sim_engine **out, const sim_model *m, int mode, glif_err *err) {
  int rc;
  *out = NULL;
  if (mode != SIM_MODE_EVENT && mode != SIM_MODE_CYCLE)
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0, "unknown simulation mode %d", mode);
  sim_engine *e = glif_calloc(1, sizeof *e);
  if (!e) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  e->m = m;
  e->mode = mode;
  if (alloc_result(e)) {
    rc = glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for the run results");
    goto fail;
  }
  if ((rc = sim_host_create(&e->host, m, err))) goto fail;
  rc = mode == SIM_MODE_EVENT ? sim_ev_create(e, err) : sim_cy_create(e, err);
  if (rc) goto fail;
  *out = e;
  return 0;
fail:
  sim_engine_destroy(e);
  return rc;
}

void sim_engine_destroy(sim_engine *e) {
  if (!e) return;
  if (e->ev) sim_ev_destroy(e);
  if (e->cy) sim_cy_destroy(e);
  sim_host_destroy(&e->host);
  glif_free(e->res.ticks);
  glif_free(e->res.cores);
  glif_free(e->res.links);
  glif_free(e->res.readout_u);
  glif_free(e->res.outputs);
  glif_free(e->cap);
  glif_free(e);
}

void sim_engine_observe(sim_engine *e, const sim_obs *obs) { e->obs = obs; }

static void clear_result(sim_engine *e) {
  sim_result *r = &e->res;
  memset(r->ticks, 0, sizeof *r->ticks * r->n_ticks);
  memset(r->cores, 0, sizeof *r->cores * r->n_pos);
  memset(r->links, 0, sizeof *r->links * (size_t)r->n_pos * 4);
  memset(&r->io, 0, sizeof r->io);
  memset(e->cap, 0, sizeof *e->cap * (size_t)e->m->cap_size);
  r->cycles = 0;
}

static void read_outputs(sim_engine *e) {
  const sim_model *m = e->m;
  sim_result *r = &e->res;
  r->predicted = r->n_outputs ? 0 : -1;
  for (uint32_t o = 0; o < r->n_outputs; o++) {
    const img_output *out = &m->img->outputs[o];
    const int32_t ci = m->core_at[(uint32_t)out->y * m->img->arch.mesh_x + out->x];
    r->readout_u[o] = e->cap[m->cores[ci].cap_off + out->neuron];
    r->outputs[o] = (double)r->readout_u[o] * out->scale;
    if (r->outputs[o] > r->outputs[r->predicted]) r->predicted = (int32_t)o;
  }
}

int sim_engine_run(sim_engine *e, const double *sample, glif_err *err) {
  int rc;
  if ((rc = sim_host_fill(&e->host, e->m, sample, err))) return rc;
  clear_result(e);
  rc = e->mode == SIM_MODE_EVENT ? sim_ev_run(e, err) : sim_cy_run(e, err);
  if (rc) return rc;
  read_outputs(e);
  return 0;
}

const sim_result *sim_engine_result(const sim_engine *e) { return &e->res; }

const char *sim_engine_core_name(const sim_engine *e) {
  return e->cy ? sim_cy_core_name(e) : sim_ccore_ops.name;
}

int sim_engine_replace_core(sim_engine *e, uint32_t x, uint32_t y,
                            const sim_core_ops *ops, void *core, glif_err *err) {
  const glif_arch *a = &e->m->img->arch;
  const int32_t ci = x < a->mesh_x && y < a->mesh_y ? e->m->core_at[y * a->mesh_x + x] : -1;
  if (e->mode != SIM_MODE_CYCLE || ci < 0)
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0,
                     "cannot replace core (%u, %u): %s - use --mode cycle and a used core",
                     x, y, ci < 0 ? "no core there" : "only the cycle-stepped engine "
                     "takes other core implementations");
  return sim_cy_replace_core(e, (uint32_t)ci, ops, core, err);
}

const char *sim_mode_name(int mode) {
  return mode == SIM_MODE_CYCLE ? "cycle" : "event";
}

/*
 * sim_collect.c - collecting observations during a run (sim_obs.h): which traced neuron
 * each core neuron is (the image's symbols), the per-sample slots with their observer
 * hooks, the trace writer calls (fabric/trace.h, the format shared with `glif
 * reference`) and atomic output files.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fabric/mem.h"
#include "sim_obs.h"

/* ---- layout -------------------------------------------------------------------------- */

static int check_symbols(const sim_model *m, glif_err *err) {
  for (uint32_t i = 0; i < m->n_cores; i++)
    if (!m->cores[i].ic->symbols)
      return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0,
                       "core (%u, %u) has no symbols, so its neurons cannot be named in "
                       "a trace - recompile the model with this glif",
                       m->cores[i].ic->x, m->cores[i].ic->y);
  return 0;
}

static int find_record_core(sim_layout *l, const sim_batch_opts *o, glif_err *err) {
  const glif_arch *a = &l->m->img->arch;
  l->rec_core = -1;
  if (!o->record_path) return 0;
  if (o->record_x < 0 || o->record_y < 0 || (uint32_t)o->record_x >= a->mesh_x ||
      (uint32_t)o->record_y >= a->mesh_y ||
      l->m->core_at[(uint32_t)o->record_y * a->mesh_x + (uint32_t)o->record_x] < 0)
    return glif_errf(err, GLIF_ERANGE, o->image_path, 0, 0,
                     "--record-core %d,%d: the image uses no core there (mesh %u x %u) - "
                     "pick a used core (glif inspect lists them)", o->record_x,
                     o->record_y, a->mesh_x, a->mesh_y);
  l->rec_core = l->m->core_at[(uint32_t)o->record_y * a->mesh_x + (uint32_t)o->record_x];
  return 0;
}

int sim_layout_create(sim_layout *l, const sim_model *m, const sim_batch_opts *o,
                      glif_err *err) {
  const img_image *img = m->img;
  int rc;
  memset(l, 0, sizeof *l);
  l->m = m;
  l->want_trace = o->trace_path != NULL;
  l->want_vcd = o->vcd_path != NULL;
  if ((rc = find_record_core(l, o, err))) return rc;
  if ((l->want_trace || l->want_vcd) && (rc = check_symbols(m, err))) return rc;
  l->tl_net = glif_malloc(sizeof *l->tl_net * (img->n_layers + 1));
  l->net_tl = glif_malloc(sizeof *l->net_tl * (img->n_layers + 1));
  l->bit_off = glif_calloc(img->n_layers + 1, sizeof *l->bit_off);
  l->ru_off = glif_calloc(img->n_layers + 1, sizeof *l->ru_off);
  if (!l->tl_net || !l->net_tl || !l->bit_off || !l->ru_off)
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  for (uint32_t i = 0; i < img->n_layers; i++) {
    const img_layer *ly = &img->layers[i];
    l->net_tl[i] = ly->kind == NRN_RELAY ? -1 : (int32_t)l->n_tl;
    if (ly->kind == NRN_RELAY) continue;
    l->tl_net[l->n_tl] = i;
    if (ly->kind == NRN_SPIKING) {
      l->bit_off[l->n_tl] = l->n_bits;
      l->n_bits += (uint64_t)img->T * ly->n_neurons;
    } else {
      l->ru_off[l->n_tl] = l->n_ru;
      l->n_ru += ly->n_neurons;
    }
    l->n_tl++;
  }
  return 0;
}

void sim_layout_destroy(sim_layout *l) {
  glif_free(l->tl_net);
  glif_free(l->net_tl);
  glif_free(l->bit_off);
  glif_free(l->ru_off);
  memset(l, 0, sizeof *l);
}

/* ---- slots and hooks ------------------------------------------------------------------ */

/* Room for one more element in a growing array; sets s->rc when memory runs out. */
static int grow(sim_slot *s, void **arr, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return 1;
  const size_t nc = *cap ? *cap * 2 : 256;
  void *p = glif_realloc(*arr, nc * size);
  if (!p) {
    s->rc = GLIF_ENOMEM;
    return 0;
  }
  *arr = p;
  *cap = nc;
  return 1;
}

static void rec_push(sim_slot *s, int kind, uint64_t cycle, int64_t a, int64_t b,
                     const sim_packet *p) {
  if (!grow(s, (void **)&s->rin[kind], &s->cap_rin[kind], s->n_rin[kind], sizeof(sim_rin)))
    return;
  sim_rin *r = &s->rin[kind][s->n_rin[kind]++];
  r->cycle = cycle;
  r->a = a;
  r->b = b;
  if (p) r->p = *p;
  else memset(&r->p, 0, sizeof r->p);
}

static void on_emit(void *ctx, uint32_t core, uint32_t neuron, uint32_t tick,
                    uint64_t cycle, int32_t payload) {
  sim_slot *s = ctx;
  const sim_layout *l = s->l;
  const sim_mcore *mc = &l->m->cores[core];
  if ((int32_t)core == l->rec_core) rec_push(s, 3, cycle, neuron, payload, NULL);
  if (!l->want_trace && !l->want_vcd) return;
  const img_symbol *sym = &mc->ic->symbols[neuron];
  const int32_t tl = l->net_tl[sym->layer];
  if (l->want_trace && tl >= 0 && l->m->img->layers[sym->layer].kind == NRN_SPIKING) {
    const uint32_t t = tick - mc->ic->groups[mc->ic->neurons[neuron].group].first_tick;
    const uint64_t bit = l->bit_off[tl] + (uint64_t)t * l->m->img->layers[sym->layer].n_neurons +
                         sym->index;
    s->bits[bit >> 6] |= 1ull << (bit & 63);
  }
  if (l->want_vcd && grow(s, (void **)&s->ev, &s->cap_ev, s->n_ev, sizeof *s->ev))
    s->ev[s->n_ev++] = (sim_vev){tick, sym->layer, sym->index, cycle};
}

static void on_stepped(void *ctx, uint32_t tick, uint32_t neuron, int32_t u, uint8_t sp) {
  (void)tick;
  rec_push(ctx, 4, sp, neuron, u, NULL);
}

static void on_in(void *ctx, uint32_t tick, uint64_t cycle, const sim_packet *p) {
  (void)tick;
  rec_push(ctx, 0, cycle, 0, 0, p);
}

static void on_out(void *ctx, uint32_t tick, uint64_t cycle, const sim_packet *p) {
  (void)tick;
  rec_push(ctx, 1, cycle, 0, 0, p);
}

static void on_local(void *ctx, uint32_t tick, uint64_t from, int delta) {
  (void)tick;
  rec_push(ctx, 2, from, delta, 0, NULL);
}

int sim_slot_init(sim_slot *s, const sim_layout *l) {
  memset(s, 0, sizeof *s);
  s->l = l;
  s->bits = glif_calloc(l->want_trace ? (size_t)(l->n_bits / 64 + 1) : 1, sizeof *s->bits);
  s->ru = glif_calloc(l->n_ru + 1, sizeof *s->ru);
  s->tick_lat = glif_calloc(l->m->img->n_ticks, sizeof *s->tick_lat);
  if (!s->bits || !s->ru || !s->tick_lat) return GLIF_ENOMEM;
  s->obs.ctx = s;
  s->obs.rec_core = l->rec_core;
  if (l->want_trace || l->want_vcd || l->rec_core >= 0) s->obs.emit = on_emit;
  if (l->rec_core >= 0) {
    s->obs.rec_stepped = on_stepped;
    s->obs.rec_in = on_in;
    s->obs.rec_out = on_out;
    s->obs.rec_local = on_local;
    s->obs.rec_tick = sim_record_tick;
  }
  return 0;
}

void sim_slot_free(sim_slot *s) {
  glif_free(s->bits);
  glif_free(s->ru);
  glif_free(s->tick_lat);
  glif_free(s->ev);
  for (int k = 0; k < 5; k++) glif_free(s->rin[k]);
  glif_free(s->text);
  memset(s, 0, sizeof *s);
}

const sim_obs *sim_slot_begin(sim_slot *s, int64_t k) {
  s->sample = k;
  s->rc = 0;
  if (s->l->want_trace) memset(s->bits, 0, sizeof *s->bits * (size_t)(s->l->n_bits / 64 + 1));
  s->n_ev = s->n_text = 0;
  for (int i = 0; i < 5; i++) s->n_rin[i] = 0;
  return &s->obs;
}

void sim_slot_finish(sim_slot *s, const sim_engine *e) {
  const sim_layout *l = s->l;
  const sim_model *m = l->m;
  for (uint32_t h = 0; h < m->img->n_ticks; h++) s->tick_lat[h] = e->res.ticks[h].latency;
  if (!l->want_trace) return;
  for (uint32_t i = 0; i < m->n_cores; i++) {
    const sim_mcore *mc = &m->cores[i];
    if (mc->cap_off < 0) continue;
    for (uint32_t j = 0; j < mc->n; j++) {
      const img_symbol *sym = &mc->ic->symbols[j];
      const int32_t tl = l->net_tl[sym->layer];
      if (tl >= 0 && m->img->layers[sym->layer].kind == NRN_READOUT &&
          mc->ic->groups[mc->ic->neurons[j].group].p.kind == NRN_READOUT)
        s->ru[l->ru_off[tl] + sym->index] = e->cap[mc->cap_off + j];
    }
  }
}

void sim_slot_printf(sim_slot *s, const char *fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof line) n = sizeof line - 1;
  while (s->n_text + (size_t)n + 1 > s->cap_text) {
    const size_t nc = s->cap_text ? 2 * s->cap_text : 4096;
    char *p = glif_realloc(s->text, nc);
    if (!p) {
      s->rc = GLIF_ENOMEM;
      return;
    }
    s->text = p;
    s->cap_text = nc;
  }
  memcpy(s->text + s->n_text, line, (size_t)n + 1);
  s->n_text += (size_t)n;
}

/* ---- trace ---------------------------------------------------------------------------- */

int sim_trace_header(trace_writer *tw, const sim_layout *l) {
  for (uint32_t i = 0; i < l->n_tl; i++) {
    const img_layer *ly = &l->m->img->layers[l->tl_net[i]];
    int rc = trace_layer(tw, ly->name, (int)ly->kind, ly->n_neurons);
    if (rc) return rc;
  }
  return 0;
}

static int trace_layer_spikes(trace_writer *tw, const sim_slot *s, uint32_t tl,
                              uint32_t *idx) {
  const sim_layout *l = s->l;
  const uint32_t n = l->m->img->layers[l->tl_net[tl]].n_neurons;
  for (uint32_t t = 0; t < l->m->img->T; t++) {
    const uint64_t base = l->bit_off[tl] + (uint64_t)t * n;
    uint32_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
      const uint64_t b = base + j;
      if (s->bits[b >> 6] >> (b & 63) & 1) idx[k++] = j;
    }
    int rc = trace_spikes(tw, (int)tl, (int)t + 1, idx, k);
    if (rc) return rc;
  }
  return 0;
}

int sim_trace_sample(trace_writer *tw, const sim_slot *s) {
  const sim_layout *l = s->l;
  uint32_t nmax = 1;
  int rc = trace_sample_begin(tw, s->sample);
  for (uint32_t i = 0; i < l->n_tl; i++)
    if (l->m->img->layers[l->tl_net[i]].n_neurons > nmax)
      nmax = l->m->img->layers[l->tl_net[i]].n_neurons;
  uint32_t *idx = glif_malloc(sizeof *idx * nmax);
  if (!idx) return GLIF_ENOMEM;
  for (uint32_t i = 0; !rc && i < l->n_tl; i++) {
    const img_layer *ly = &l->m->img->layers[l->tl_net[i]];
    rc = ly->kind == NRN_SPIKING ? trace_layer_spikes(tw, s, i, idx)
                                 : trace_readout_fixed(tw, (int)i, s->ru + l->ru_off[i],
                                                       ly->n_neurons);
  }
  glif_free(idx);
  return rc ? rc : trace_sample_end(tw);
}


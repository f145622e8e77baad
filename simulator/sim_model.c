/*
 * sim_model.c - the simulator's loader: derives, once per image, every table the
 * engines need (mesh-to-core map, per-column weight shifts, per-row non-zero counts,
 * per-tick lists of active neurons and cores), so that nothing is searched or allocated
 * while an inference runs.
 *
 * Pipeline position: between img_read (fabric/image.c) and the engines. The image
 * reader already validates everything; the checks here repeat only what the engines
 * rely on for memory safety, because tests and tools also hand in images built in
 * memory.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fabric/mem.h"
#include "sim_int.h"

#define CORRUPT(err, ...) glif_errf((err), GLIF_ECORRUPT, NULL, 0, 0, __VA_ARGS__)

/* ---- architecture and network checks ------------------------------------------------ */

static int check_arch(const glif_arch *a, glif_err *err) {
  if (a->mesh_x < 1 || a->mesh_y < 1 || a->mesh_x > 65535 || a->mesh_y > 65535)
    return CORRUPT(err, "chip image: mesh %u x %u is outside 1 .. 65535 - the image is "
                   "corrupted; recompile the model", a->mesh_x, a->mesh_y);
  if (a->io_x != 0 || a->io_y >= a->mesh_y)
    return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0,
                     "chip image: the I/O port is at router (%u, %u); the simulator "
                     "attaches it to the west input of a router with x = 0 - use an "
                     "architecture with io_port x = 0", a->io_x, a->io_y);
  if (a->delay_slots < 2 || a->delay_slots > 16 || a->lanes < 1 ||
      a->pipeline_depth < 1 || a->core_buffer < 1 || a->router_latency < 1 ||
      a->router_buffer < 1 || a->neurons < 1 || a->neurons > 65536)
    return CORRUPT(err, "chip image: core or router parameters out of range (delay "
                   "slots %u, lanes %u, pipeline %u, buffers %u/%u, latency %u, "
                   "neurons %u) - recompile the model", a->delay_slots, a->lanes,
                   a->pipeline_depth, a->core_buffer, a->router_buffer,
                   a->router_latency, a->neurons);
  if (a->acc_bits < 8 || a->acc_bits > 31 || a->membrane_bits < 8 ||
      a->membrane_bits > 31 || a->frac_bits < 1 || a->frac_bits > 30 ||
      a->payload_sum_bits < 2 || a->payload_sum_bits > 31 || a->weight_bits < 2 ||
      a->weight_bits > 8 || a->shift_max > 16)
    return CORRUPT(err, "chip image: datapath widths out of range (V %u, A %u, F %u, "
                   "P %u, W %u, M %u) - recompile the model", a->membrane_bits,
                   a->acc_bits, a->frac_bits, a->payload_sum_bits, a->weight_bits,
                   a->shift_max);
  if (!(a->clock_mhz > 0.0) || !isfinite(a->clock_mhz))
    return CORRUPT(err, "chip image: clock %g MHz must be positive", a->clock_mhz);
  return 0;
}

static int check_net(const img_image *img, glif_err *err) {
  if (img->T < 1 || img->T > 32 || img->n_ticks < img->T || img->n_ticks > 1u << 20)
    return CORRUPT(err, "chip image: T = %u and %u ticks are inconsistent (T in 1 .. "
                   "32, ticks >= T) - recompile the model", img->T, img->n_ticks);
  for (uint32_t i = 0; i < img->n_layers; i++)
    if (img->layers[i].kind > NRN_RELAY)
      return CORRUPT(err, "chip image: layer %u has kind %u (0 .. 2 expected)", i,
                     img->layers[i].kind);
  return 0;
}

/* A packet destination (fan-out or input entry) the engines can deliver. */
static int check_dest(const sim_model *m, const img_fanout *f, const char *what,
                      uint32_t i, glif_err *err) {
  const glif_arch *a = &m->img->arch;
  int32_t c = f->x < a->mesh_x && f->y < a->mesh_y
                  ? m->core_at[(uint32_t)f->y * a->mesh_x + f->x] : -1;
  if (c < 0)
    return CORRUPT(err, "chip image: %s entry %u targets core (%u, %u), which the image "
                   "does not hold - the image is corrupted; recompile it", what, i,
                   f->x, f->y);
  const img_core *d = &m->img->cores[c];
  if (f->axon >= d->n_axons || f->delay > a->delay_slots - 2)
    return CORRUPT(err, "chip image: %s entry %u targets axon %u (core (%u, %u) has %u) "
                   "with delay %u (at most %u) - the image is corrupted; recompile it",
                   what, i, f->axon, f->x, f->y, d->n_axons, f->delay,
                   a->delay_slots - 2);
  if (((f->flags & IMG_FAN_GRADED) != 0) != ((d->axon_flags[f->axon] & IMG_AXON_GRADED) != 0))
    return CORRUPT(err, "chip image: %s entry %u and axon %u of core (%u, %u) disagree on "
                   "graded packets - the image is corrupted; recompile it", what, i,
                   f->axon, f->x, f->y);
  return 0;
}

static int check_groups(const sim_model *m, const img_core *c, glif_err *err) {
  const img_image *img = m->img;
  if (c->n_groups < 1 || !c->groups)
    return CORRUPT(err, "chip image: core (%u, %u) has no neuron group", c->x, c->y);
  for (uint32_t g = 0; g < c->n_groups; g++) {
    const img_group *gr = &c->groups[g];
    if (gr->p.kind > NRN_RELAY || gr->shift > img->arch.shift_max || !gr->gain ||
        (uint64_t)gr->first_tick + img->T > img->n_ticks)
      return CORRUPT(err, "chip image: core (%u, %u) group %u: kind %u, shift %u (max "
                     "%u), window %u .. %u (ticks 0 .. %u) - the image is corrupted; "
                     "recompile it", c->x, c->y, g, gr->p.kind, gr->shift,
                     img->arch.shift_max, gr->first_tick, gr->first_tick + img->T - 1,
                     img->n_ticks - 1);
  }
  return 0;
}

static int check_neurons(const sim_model *m, const img_core *c, glif_err *err) {
  for (uint32_t j = 0; j < c->n_neurons; j++) {
    const img_neuron *nr = &c->neurons[j];
    if (nr->group >= c->n_groups ||
        (uint64_t)nr->fanout_start + nr->fanout_count > c->n_fanout)
      return CORRUPT(err, "chip image: core (%u, %u) neuron %u: group %u of %u, fan-out "
                     "%u + %u of %u - the image is corrupted; recompile it", c->x, c->y,
                     j, nr->group, c->n_groups, nr->fanout_start, nr->fanout_count,
                     c->n_fanout);
    const img_symbol *s = c->symbols ? &c->symbols[j] : NULL;
    if (s && (s->layer >= m->img->n_layers || s->index >= m->img->layers[s->layer].n_neurons))
      return CORRUPT(err, "chip image: core (%u, %u) neuron %u: symbol (layer %u, index "
                     "%u) outside the layer table - recompile the model", c->x, c->y, j,
                     s->layer, s->index);
  }
  return 0;
}

static int check_core(const sim_model *m, const img_core *c, glif_err *err) {
  const glif_arch *a = &m->img->arch;
  int rc;
  if (c->n_neurons < 1 || c->n_neurons > a->neurons || c->n_axons > a->axons ||
      !c->neurons || (c->n_axons && (!c->crossbar || !c->axon_flags)) ||
      (c->n_fanout && !c->fanout))
    return CORRUPT(err, "chip image: core (%u, %u) uses %u neurons and %u axons (the "
                   "architecture has %u and %u) - the image is corrupted; recompile it",
                   c->x, c->y, c->n_neurons, c->n_axons, a->neurons, a->axons);
  if ((rc = check_groups(m, c, err)) || (rc = check_neurons(m, c, err))) return rc;
  for (uint32_t f = 0; f < c->n_fanout; f++)
    if ((rc = check_dest(m, &c->fanout[f], "fan-out", f, err))) return rc;
  return 0;
}

static int check_io(const sim_model *m, glif_err *err) {
  const img_image *img = m->img;
  const img_input *in = &img->input;
  int rc;
  if (in->encoding > IMG_ENC_SPIKES || in->n_inputs != in->c * in->h * in->w ||
      !in->offsets || in->offsets[0] != 0 || in->offsets[in->n_inputs] != in->n_entries ||
      in->payload_bits < 2 || in->payload_bits > 31 ||
      (in->encoding == IMG_ENC_DIRECT && (!(in->scale > 0.0) || !isfinite(in->scale))))
    return CORRUPT(err, "chip image: INPUT section inconsistent (%u inputs for shape "
                   "[%u, %u, %u], %u entries, P = %u, scale %g) - recompile the model",
                   in->n_inputs, in->c, in->h, in->w, in->n_entries, in->payload_bits,
                   in->scale);
  for (uint32_t i = 0; i < in->n_inputs; i++)
    if (in->offsets[i + 1] < in->offsets[i])
      return CORRUPT(err, "chip image: INPUT offsets decrease at element %u", i);
  for (uint32_t e = 0; e < in->n_entries; e++)
    if ((rc = check_dest(m, &in->entries[e], "input", e, err))) return rc;
  for (uint32_t o = 0; o < img->n_outputs; o++) {
    const img_output *out = &img->outputs[o];
    int32_t c = out->x < img->arch.mesh_x && out->y < img->arch.mesh_y
                    ? m->core_at[(uint32_t)out->y * img->arch.mesh_x + out->x] : -1;
    const img_core *cc = c >= 0 ? &img->cores[c] : NULL;
    if (!cc || out->neuron >= cc->n_neurons ||
        cc->groups[cc->neurons[out->neuron].group].p.kind != NRN_READOUT)
      return CORRUPT(err, "chip image: output %u names neuron %u of core (%u, %u), which "
                     "is not a readout neuron - the image is corrupted; recompile it", o,
                     out->neuron, out->x, out->y);
  }
  return 0;
}

/* ---- derived tables ------------------------------------------------------------------ */

static int map_cores(sim_model *m, glif_err *err) {
  const img_image *img = m->img;
  m->n_pos = img->arch.mesh_x * img->arch.mesh_y;
  m->core_at = glif_malloc(sizeof *m->core_at * m->n_pos);
  m->cores = glif_calloc(img->n_cores ? img->n_cores : 1, sizeof *m->cores);
  if (!m->core_at || !m->cores)
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for %u mesh positions",
                     m->n_pos);
  for (uint32_t p = 0; p < m->n_pos; p++) m->core_at[p] = -1;
  m->n_cores = img->n_cores;
  for (uint32_t i = 0; i < img->n_cores; i++) {
    const img_core *c = &img->cores[i];
    uint32_t pos = (uint32_t)c->y * img->arch.mesh_x + c->x;
    if (c->x >= img->arch.mesh_x || c->y >= img->arch.mesh_y || m->core_at[pos] >= 0)
      return CORRUPT(err, "chip image: core %u at (%u, %u) is outside the %u x %u mesh "
                     "or repeated - the image is corrupted; recompile it", i, c->x, c->y,
                     img->arch.mesh_x, img->arch.mesh_y);
    m->core_at[pos] = (int32_t)i;
    m->cores[i].ic = c;
    m->cores[i].pos = pos;
  }
  return 0;
}

/* Non-zero weights of a crossbar row and its largest |w| (branch-free: it vectorises;
 * this loop reads every crossbar of the image once at load). */
static uint32_t row_stats(const int8_t *row, uint32_t n, int32_t *wmax) {
  uint32_t nz = 0;
  int32_t mx = 0;
  for (uint32_t j = 0; j < n; j++) {
    const int32_t w = row[j] < 0 ? -row[j] : row[j];
    nz += w != 0;
    mx = w > mx ? w : mx;
  }
  *wmax = mx;
  return nz;
}

static int derive_columns(const sim_model *m, sim_mcore *mc, glif_err *err) {
  const img_core *c = mc->ic;
  mc->n = c->n_neurons;
  mc->n_axons = c->n_axons;
  mc->row_cycles = (c->n_neurons + m->img->arch.lanes - 1) / m->img->arch.lanes;
  mc->shift = glif_malloc(c->n_neurons);
  mc->nnz = glif_calloc(c->n_axons ? c->n_axons : 1, sizeof *mc->nnz);
  if (!mc->shift || !mc->nnz)
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for core tables");
  for (uint32_t j = 0; j < c->n_neurons; j++)
    mc->shift[j] = c->groups[c->neurons[j].group].shift;
  mc->wmax = 0;
  for (uint32_t a = 0; a < c->n_axons; a++) {
    int32_t wmax = 0;
    mc->nnz[a] = row_stats(c->crossbar + (size_t)a * c->n_neurons, c->n_neurons, &wmax);
    if (wmax > mc->wmax) mc->wmax = wmax;
  }
  return 0;
}

static int group_active(const img_image *img, const img_group *g, uint32_t h) {
  return h >= g->first_tick && h < g->first_tick + img->T;
}

/* Single-window cores (the common case) need no lists: all neurons or none. */
static int single_window(const img_core *c) {
  for (uint32_t g = 1; g < c->n_groups; g++)
    if (c->groups[g].first_tick != c->groups[0].first_tick) return 0;
  return 1;
}

/* Appends tick h's active list to mc->act_list (reusing the previous tick's list when
 * equal). *len is the list storage in use. */
static void build_tick_list(const img_image *img, sim_mcore *mc, uint32_t h,
                            uint32_t *len) {
  const img_core *c = mc->ic;
  uint32_t n = 0, start = *len;
  for (uint32_t j = 0; j < c->n_neurons; j++)
    if (group_active(img, &c->groups[c->neurons[j].group], h))
      mc->act_list[start + n++] = (uint16_t)j;
  mc->act_n[h] = n;
  mc->act_off[h] = start;
  if (h > 0 && mc->act_n[h - 1] == n && mc->act_off[h - 1] != SIM_ACT_ALL &&
      !memcmp(mc->act_list + mc->act_off[h - 1], mc->act_list + start, n * 2u)) {
    mc->act_off[h] = mc->act_off[h - 1];
    return;
  }
  if (n == c->n_neurons) {
    mc->act_off[h] = SIM_ACT_ALL;
    return;
  }
  *len += n;
}

static int derive_activity(const sim_model *m, sim_mcore *mc, glif_err *err) {
  const img_image *img = m->img;
  const img_core *c = mc->ic;
  const int single = single_window(c);
  mc->act_off = glif_malloc(sizeof *mc->act_off * img->n_ticks);
  mc->act_n = glif_malloc(sizeof *mc->act_n * img->n_ticks);
  mc->act_list = single ? NULL
                        : glif_malloc(sizeof *mc->act_list * c->n_neurons * img->n_ticks);
  if (!mc->act_off || !mc->act_n || (!single && !mc->act_list))
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for activity lists");
  uint32_t len = 0;
  for (uint32_t h = 0; h < img->n_ticks; h++) {
    if (single) {
      mc->act_off[h] = SIM_ACT_ALL;
      mc->act_n[h] = group_active(img, &c->groups[0], h) ? c->n_neurons : 0;
    } else {
      build_tick_list(img, mc, h, &len);
    }
  }
  return 0;
}

static int derive_ticks(sim_model *m, glif_err *err) {
  const uint32_t nt = m->img->n_ticks;
  uint64_t total = 0;
  for (uint32_t i = 0; i < m->n_cores; i++)
    for (uint32_t h = 0; h < nt; h++) total += m->cores[i].act_n[h] > 0;
  m->tick_off = glif_malloc(sizeof *m->tick_off * (nt + 1));
  m->tick_cores = glif_malloc(sizeof *m->tick_cores * (total ? total : 1));
  if (!m->tick_off || !m->tick_cores)
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for tick lists");
  uint32_t k = 0;
  for (uint32_t h = 0; h < nt; h++) {
    m->tick_off[h] = k;
    for (uint32_t i = 0; i < m->n_cores; i++)
      if (m->cores[i].act_n[h]) m->tick_cores[k++] = i;
  }
  m->tick_off[nt] = k;
  return 0;
}

static void derive_sizes(sim_model *m) {
  const img_image *img = m->img;
  const glif_arch *a = &img->arch;
  uint32_t nmax = 1;
  m->cap_size = 0;
  m->max_row_cycles = 0;
  for (uint32_t i = 0; i < m->n_cores; i++) {
    sim_mcore *mc = &m->cores[i];
    int readout = 0;
    for (uint32_t g = 0; g < mc->ic->n_groups; g++)
      readout |= mc->ic->groups[g].p.kind == NRN_READOUT;
    mc->cap_off = readout ? m->cap_size : -1;
    if (readout) m->cap_size += mc->n;
    if (mc->n > nmax) nmax = mc->n;
    if (mc->row_cycles > m->max_row_cycles) m->max_row_cycles = mc->row_cycles;
  }
  m->sample_size = (int64_t)img->input.n_inputs *
                   (img->input.encoding == IMG_ENC_SPIKES ? img->T : 1);
  m->max_host = img->input.n_entries;
  uint64_t reach = (uint64_t)nmax + a->pipeline_depth + a->router_latency +
                   m->max_row_cycles + 4;
  m->horizon = 64;
  while (m->horizon < reach) m->horizon <<= 1;
  m->acc_hi = (int32_t)(((int64_t)1 << (a->acc_bits - 1)) - 1);
  m->acc_lo = -m->acc_hi - 1;
  m->w = arch_nrn_widths(a);
}

static int check_image(sim_model *m, glif_err *err) {
  int rc;
  if ((rc = check_arch(&m->img->arch, err)) || (rc = check_net(m->img, err)) ||
      (rc = map_cores(m, err)))
    return rc;
  for (uint32_t i = 0; i < m->n_cores; i++)
    if ((rc = check_core(m, &m->img->cores[i], err))) return rc;
  return check_io(m, err);
}

int sim_model_create(sim_model **out, const img_image *img, const glif_arch *costs,
                     glif_err *err) {
  int rc;
  *out = NULL;
  if (costs && (rc = img_check_arch(img, costs, err))) return rc;
  sim_model *m = glif_calloc(1, sizeof *m);
  if (!m) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  m->img = img;
  m->arch = img->arch;
  if (costs) {
    m->arch.clock_mhz = costs->clock_mhz;
    m->arch.barrier_cycles = costs->barrier_cycles;
    m->arch.e_synop = costs->e_synop;
    m->arch.e_mac = costs->e_mac;
    m->arch.e_row_read = costs->e_row_read;
    m->arch.e_update = costs->e_update;
    m->arch.e_spike = costs->e_spike;
    m->arch.e_packet = costs->e_packet;
    m->arch.e_hop = costs->e_hop;
    m->arch.e_barrier = costs->e_barrier;
    m->arch.static_uw_per_core = costs->static_uw_per_core;
    memcpy(m->arch.name, costs->name, sizeof m->arch.name);
  }
  if ((rc = check_image(m, err))) goto fail;
  for (uint32_t i = 0; i < m->n_cores; i++)
    if ((rc = derive_columns(m, &m->cores[i], err)) ||
        (rc = derive_activity(m, &m->cores[i], err)))
      goto fail;
  if ((rc = derive_ticks(m, err))) goto fail;
  derive_sizes(m);
  *out = m;
  return 0;
fail:
  sim_model_destroy(m);
  return rc;
}

void sim_model_destroy(sim_model *m) {
  if (!m) return;
  for (uint32_t i = 0; m->cores && i < m->n_cores; i++) {
    glif_free(m->cores[i].shift);
    glif_free(m->cores[i].nnz);
    glif_free(m->cores[i].act_off);
    glif_free(m->cores[i].act_n);
    glif_free(m->cores[i].act_list);
  }
  glif_free(m->cores);
  glif_free(m->core_at);
  glif_free(m->tick_off);
  glif_free(m->tick_cores);
  glif_free(m);
}

const img_image *sim_model_image(const sim_model *m) { return m->img; }
const glif_arch *sim_model_arch(const sim_model *m) { return &m->arch; }
int64_t sim_model_sample_size(const sim_model *m) { return m->sample_size; }

/*
 * image_check.c - the semantic rules of a chip image, in one place.
 *
 * Pipeline position: between the mapper and the file (the writer calls these before a
 * byte reaches the disk) and between the file and the simulator (the reader calls them
 * after decoding). One implementation for both sides means the compiler can never
 * write an image the reader refuses. Every message names the section, the entry and
 * the numbers involved; the remedy depends on who asks (imgv.fix).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "image_int.h"
#include "mem.h"

int imgv_fail(const imgv *v, const char *fmt, ...) {
  char what[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return glif_errf(v->err, v->code, v->file, 0, 0, "%s - %s", what, v->fix);
}

void imgv_core_name(char *buf, size_t cap, uint32_t x, uint32_t y) {
  snprintf(buf, cap, "CORE section of core (%u, %u)", x, y);
}

/* ---- the architecture --------------------------------------------------------------- */

/* The u32 fields of glif_arch in ARCH-section order. `lo..hi` are the ranges of
 * arch.h for the fields whose range the image code itself relies on (table sizes,
 * 16-bit indices, shifts); 0..UINT32_MAX leaves a field to arch_validate alone. */
typedef struct u32_field {
  const char *name;
  size_t off;
  uint32_t lo, hi;
} u32_field;

#define F(name, lo, hi) {#name, offsetof(glif_arch, name), lo, hi}
static const u32_field arch_u32[IMGV_ARCH_U32_FIELDS] = {
    F(mesh_x, 1, 1024),          F(mesh_y, 1, 1024),
    F(io_x, 0, UINT32_MAX),      F(io_y, 0, UINT32_MAX),
    F(neurons, 1, 65536),        F(axons, 1, 65536),
    F(delay_slots, 2, 16),       F(groups, 1, 65535),
    F(max_steps, 1, 32),         F(fanout_entries, 1, 1u << 24),
    F(lanes, 0, UINT32_MAX),     F(pipeline_depth, 0, UINT32_MAX),
    F(core_buffer, 0, UINT32_MAX), F(weight_bits, 2, 8),
    F(membrane_bits, 2, 31),     F(acc_bits, 2, 31),
    F(frac_bits, 1, 30),         F(shift_max, 0, 16),
    F(payload_in_bits, 2, 31),   F(payload_sum_bits, 2, 31),
    F(router_latency, 0, UINT32_MAX), F(router_buffer, 0, UINT32_MAX),
    F(barrier_cycles, 0, UINT32_MAX),
};
#undef F

static const size_t arch_f64[10] = {
    offsetof(glif_arch, clock_mhz), offsetof(glif_arch, e_synop),
    offsetof(glif_arch, e_mac),     offsetof(glif_arch, e_row_read),
    offsetof(glif_arch, e_update),  offsetof(glif_arch, e_spike),
    offsetof(glif_arch, e_packet),  offsetof(glif_arch, e_hop),
    offsetof(glif_arch, e_barrier), offsetof(glif_arch, static_uw_per_core),
};

static uint32_t *u32_at(glif_arch *a, size_t off) {
  return (uint32_t *)(void *)((char *)a + off);
}
static uint32_t u32_of(const glif_arch *a, size_t off) {
  return *(const uint32_t *)(const void *)((const char *)a + off);
}

void imgv_arch_u32(const glif_arch *a, uint32_t out[IMGV_ARCH_U32_FIELDS]) {
  for (int i = 0; i < IMGV_ARCH_U32_FIELDS; i++) out[i] = u32_of(a, arch_u32[i].off);
}
void imgv_arch_set_u32(glif_arch *a, const uint32_t in[IMGV_ARCH_U32_FIELDS]) {
  for (int i = 0; i < IMGV_ARCH_U32_FIELDS; i++) *u32_at(a, arch_u32[i].off) = in[i];
}
void imgv_arch_f64(const glif_arch *a, double out[10]) {
  for (int i = 0; i < 10; i++)
    memcpy(&out[i], (const char *)a + arch_f64[i], sizeof(double));
}
void imgv_arch_set_f64(glif_arch *a, const double in[10]) {
  for (int i = 0; i < 10; i++) memcpy((char *)a + arch_f64[i], &in[i], sizeof(double));
}

int imgv_arch(const imgv *v, const glif_arch *a) {
  glif_err sub;
  glif_err_clear(&sub);
  if (!memchr(a->name, '\0', sizeof a->name))
    return imgv_fail(v, "ARCH section: the architecture name is not NUL-terminated "
                        "within %zu bytes", sizeof a->name);
  if (arch_validate(a, &sub) != 0)
    return imgv_fail(v, "ARCH section: invalid architecture '%s': %s", a->name,
                     sub.msg);
  for (int i = 0; i < IMGV_ARCH_U32_FIELDS; i++) {
    uint32_t x = u32_of(a, arch_u32[i].off);
    if (x < arch_u32[i].lo || x > arch_u32[i].hi)
      return imgv_fail(v, "ARCH section: %s = %u is out of range (%u .. %u)",
                       arch_u32[i].name, x, arch_u32[i].lo, arch_u32[i].hi);
  }
  return 0;
}

/* The structural fields are arch.h's (arch_fields, the same set arch_hash covers), so
 * the names in the message are the ones the user writes in the architecture YAML. */
int img_check_arch(const img_image *img, const glif_arch *arch, glif_err *err) {
  size_t n;
  const arch_field *f = arch_fields(&n);
  for (size_t i = 0; i < n; i++) {
    if (!f[i].structural || f[i].is_float) continue;
    uint32_t mine = u32_of(&img->arch, f[i].offset), theirs = u32_of(arch, f[i].offset);
    if (mine != theirs)
      return glif_errf(err, GLIF_EARCH, NULL, 0, 0,
                       "the chip image was compiled for architecture '%s' with %s.%s = "
                       "%u; architecture '%s' has %s.%s = %u (%s) - recompile the model "
                       "with --arch for this architecture, or use the architecture it "
                       "was compiled for ('%s')",
                       img->arch.name, f[i].section, f[i].key, mine, arch->name,
                       f[i].section, f[i].key, theirs, f[i].doc, img->arch.name);
  }
  return 0;
}

/* ---- names and the network ---------------------------------------------------------- */

int imgv_name(const imgv *v, const char *where, const char *field, const char *s,
              size_t cap) {
  if (!memchr(s, '\0', cap))
    return imgv_fail(v, "%s: %s is not NUL-terminated within %zu bytes", where, field,
                     cap);
  return 0;
}

static int check_layer(const imgv *v, const img_layer *l, uint32_t i, uint32_t T,
                       uint32_t n_ticks) {
  char where[64];
  snprintf(where, sizeof where, "NET section: layer %u", i);
  if (imgv_name(v, where, "name", l->name, sizeof l->name)) return v->code;
  if (l->kind > NRN_RELAY)
    return imgv_fail(v, "%s '%s': kind %u is not a neuron kind (0 spiking, 1 readout, "
                     "2 relay)", where, l->name, l->kind);
  if (l->c == 0 || l->h == 0 || l->w == 0 ||
      (uint64_t)l->c * l->h * l->w != l->n_neurons)
    return imgv_fail(v, "%s '%s': shape %u x %u x %u does not hold n_neurons = %u",
                     where, l->name, l->c, l->h, l->w, l->n_neurons);
  if ((uint64_t)l->first_tick + T > n_ticks)
    return imgv_fail(v, "%s '%s': first_tick %u + T %u exceeds n_ticks %u", where,
                     l->name, l->first_tick, T, n_ticks);
  return 0;
}

int imgv_net(const imgv *v, uint32_t T, uint32_t n_ticks, const img_layer *layers,
             uint32_t n_layers) {
  uint64_t last = 0;
  if (T < 1 || T > v->arch->max_steps)
    return imgv_fail(v, "NET section: T = %u is out of range (1 .. max_steps %u)", T,
                     v->arch->max_steps);
  if (n_layers == 0) return imgv_fail(v, "NET section: the network has no layers");
  for (uint32_t i = 0; i < n_layers; i++) {
    if (check_layer(v, &layers[i], i, T, n_ticks)) return v->code;
    if (layers[i].first_tick > last) last = layers[i].first_tick;
  }
  if (n_ticks != T + last)
    return imgv_fail(v, "NET section: n_ticks = %u, but T %u + the largest layer "
                     "first_tick %llu = %llu", n_ticks, T, (unsigned long long)last,
                     (unsigned long long)(T + last));
  return 0;
}

/* ---- input -------------------------------------------------------------------------- */

/* The offsets table: starts at 0, never decreases, ends at n_entries. */
static int check_offsets(const imgv *v, const img_input *in) {
  if (in->offsets[0] != 0)
    return imgv_fail(v, "INPUT section: offsets[0] = %u, expected 0", in->offsets[0]);
  for (uint32_t i = 0; i < in->n_inputs; i++)
    if (in->offsets[i + 1] < in->offsets[i])
      return imgv_fail(v, "INPUT section: offsets[%u] = %u is less than offsets[%u] = "
                       "%u (offsets never decrease)", i + 1, in->offsets[i + 1], i,
                       in->offsets[i]);
  if (in->offsets[in->n_inputs] != in->n_entries)
    return imgv_fail(v, "INPUT section: offsets[%u] = %u, expected n_entries = %u",
                     in->n_inputs, in->offsets[in->n_inputs], in->n_entries);
  return 0;
}

int imgv_input(const imgv *v, const img_input *in) {
  if (in->c == 0 || in->h == 0 || in->w == 0 ||
      (uint64_t)in->c * in->h * in->w != in->n_inputs)
    return imgv_fail(v, "INPUT section: shape %u x %u x %u does not hold n_inputs = %u",
                     in->c, in->h, in->w, in->n_inputs);
  if (in->encoding > IMG_ENC_SPIKES)
    return imgv_fail(v, "INPUT section: encoding %u is not 0 (direct) or 1 (spikes)",
                     in->encoding);
  if (in->payload_bits != v->arch->payload_in_bits)
    return imgv_fail(v, "INPUT section: payload_bits = %u, the architecture has "
                     "payload_in_bits = %u", in->payload_bits, v->arch->payload_in_bits);
  if (!isfinite(in->scale) || !(in->scale > 0))
    return imgv_fail(v, "INPUT section: scale = %g must be finite and positive",
                     in->scale);
  if (check_offsets(v, in)) return v->code;
  uint8_t want = in->encoding == IMG_ENC_DIRECT ? IMG_FAN_GRADED : 0;
  for (uint32_t e = 0; e < in->n_entries; e++)
    if ((in->entries[e].flags & IMG_FAN_GRADED) != want)
      return imgv_fail(v, "INPUT section: entry %u is %s, but %s input sends %s "
                       "packets", e, want ? "binary" : "graded",
                       want ? "direct" : "spike", want ? "graded" : "binary");
  return 0;
}

/* ---- one core ----------------------------------------------------------------------- */

int imgv_core_counts(const imgv *v, const img_core *c) {
  const glif_arch *a = v->arch;
  char where[64];
  imgv_core_name(where, sizeof where, c->x, c->y);
  if (c->x >= a->mesh_x || c->y >= a->mesh_y)
    return imgv_fail(v, "%s: position outside the %u x %u mesh", where, a->mesh_x,
                     a->mesh_y);
  if (c->n_neurons < 1 || c->n_neurons > a->neurons)
    return imgv_fail(v, "%s: n_neurons = %u is out of range (1 .. %u)", where,
                     c->n_neurons, a->neurons);
  if (c->n_axons > a->axons)
    return imgv_fail(v, "%s: n_axons = %u exceeds the core's %u axons", where,
                     c->n_axons, a->axons);
  if (c->n_groups < 1 || c->n_groups > a->groups)
    return imgv_fail(v, "%s: n_groups = %u is out of range (1 .. %u)", where,
                     c->n_groups, a->groups);
  if (c->n_fanout > a->fanout_entries)
    return imgv_fail(v, "%s: n_fanout = %u exceeds the core's %u fan-out entries",
                     where, c->n_fanout, a->fanout_entries);
  return 0;
}

static int in_signed(int64_t x, uint32_t bits) {
  return x >= -((int64_t)1 << (bits - 1)) && x < ((int64_t)1 << (bits - 1));
}

/* A signed parameter against its width; `field` names it. */
static int check_signed(const imgv *v, const char *where, uint32_t g, const char *field,
                        int32_t x, uint32_t bits, const char *width) {
  if (in_signed(x, bits)) return 0;
  return imgv_fail(v, "%s: group %u: %s = %d does not fit %s (%u bits signed)", where,
                   g, field, x, width, bits);
}

static int check_group_values(const imgv *v, const img_group *gr, uint32_t g,
                              const char *where) {
  const glif_arch *a = v->arch;
  const uint32_t kmax = (2u << a->frac_bits) - 1;
  if (gr->p.kind > NRN_RELAY)
    return imgv_fail(v, "%s: group %u: kind %u is not a neuron kind", where, g,
                     gr->p.kind);
  if (gr->shift > a->shift_max)
    return imgv_fail(v, "%s: group %u: shift %u exceeds shift_max %u", where, g,
                     gr->shift, a->shift_max);
  if (gr->p.k > kmax || gr->p.ks > kmax)
    return imgv_fail(v, "%s: group %u: k = %u, ks = %u (largest UQ1.%u value %u)", where,
                     g, gr->p.k, gr->p.ks, a->frac_bits, kmax);
  for (uint32_t t = 0; t < v->T; t++)
    if (gr->gain[t] > kmax)
      return imgv_fail(v, "%s: group %u: gain[%u] = %u exceeds the largest UQ1.%u "
                       "value %u", where, g, t, gr->gain[t], a->frac_bits, kmax);
  if (check_signed(v, where, g, "d", gr->p.d, a->membrane_bits, "the membrane") ||
      check_signed(v, where, g, "r", gr->p.r, a->membrane_bits, "the membrane") ||
      check_signed(v, where, g, "theta", gr->p.theta, a->membrane_bits, "the membrane") ||
      check_signed(v, where, g, "bias", gr->p.bias, a->acc_bits, "the accumulator"))
    return v->code;
  if ((uint64_t)gr->first_tick + v->T > v->n_ticks)
    return imgv_fail(v, "%s: group %u: first_tick %u + T %u exceeds n_ticks %u", where,
                     g, gr->first_tick, v->T, v->n_ticks);
  return 0;
}

static int check_neurons(const imgv *v, const img_core *c, const char *where) {
  for (uint32_t j = 0; j < c->n_neurons; j++) {
    const img_neuron *n = &c->neurons[j];
    if (n->group >= c->n_groups)
      return imgv_fail(v, "%s: neuron %u: group %u out of range (n_groups %u)", where,
                       j, n->group, c->n_groups);
    if ((uint64_t)n->fanout_start + n->fanout_count > c->n_fanout)
      return imgv_fail(v, "%s: neuron %u: fanout_start %u + fanout_count %u exceeds "
                       "n_fanout %u", where, j, n->fanout_start, n->fanout_count,
                       c->n_fanout);
  }
  return 0;
}

static int check_axons_weights(const imgv *v, const img_core *c, const char *where) {
  const uint32_t wb = v->arch->weight_bits;
  for (uint32_t a = 0; a < c->n_axons; a++)
    if (c->axon_flags[a] & ~IMG_AXON_GRADED)
      return imgv_fail(v, "%s: axon %u: unknown flags 0x%02x (only 0x01 graded is "
                       "defined)", where, a, c->axon_flags[a]);
  if (wb >= 8) return 0; /* every int8 is a valid 8-bit weight */
  const uint64_t n = (uint64_t)c->n_axons * c->n_neurons;
  for (uint64_t i = 0; i < n; i++)
    if (!in_signed(c->crossbar[i], wb))
      return imgv_fail(v, "%s: crossbar weight of axon %llu on neuron %llu = %d does "
                       "not fit %u bits signed", where,
                       (unsigned long long)(i / c->n_neurons),
                       (unsigned long long)(i % c->n_neurons), c->crossbar[i], wb);
  return 0;
}

/* Every fan-out entry reached from a relay must carry a payload, every entry reached
 * from another neuron must not. Neurons may share entries, so coverage is counted with
 * difference arrays: O(n_neurons + n_fanout) whatever the ranges are. */
static int check_fanout_kinds(const imgv *v, const img_core *c, const char *where) {
  int32_t *cover = glif_calloc(2 * ((size_t)c->n_fanout + 1), sizeof *cover);
  if (!cover)
    return glif_errf(v->err, GLIF_ENOMEM, v->file, 0, 0,
                     "out of memory checking %s (%u fan-out entries)", where,
                     c->n_fanout);
  int32_t *relay = cover, *other = cover + c->n_fanout + 1;
  for (uint32_t j = 0; j < c->n_neurons; j++) {
    const img_neuron *n = &c->neurons[j];
    int32_t *d = c->groups[n->group].p.kind == NRN_RELAY ? relay : other;
    d[n->fanout_start]++;
    d[n->fanout_start + n->fanout_count]--;
  }
  int rc = 0;
  int32_t r = 0, o = 0;
  for (uint32_t e = 0; e < c->n_fanout && !rc; e++) {
    r += relay[e];
    o += other[e];
    int graded = (c->fanout[e].flags & IMG_FAN_GRADED) != 0;
    if ((r > 0 && !graded) || (o > 0 && graded))
      rc = imgv_fail(v, "%s: fan-out entry %u is %s, but it is sent by a %s neuron",
                     where, e, graded ? "graded" : "binary",
                     graded ? "non-relay" : "relay");
  }
  glif_free(cover);
  return rc;
}

static int check_symbols(const imgv *v, const img_core *c, const char *where) {
  for (uint32_t j = 0; j < c->n_neurons; j++) {
    const img_symbol *s = &c->symbols[j];
    if (s->layer >= v->n_layers)
      return imgv_fail(v, "%s: neuron %u: symbol layer %u out of range (n_layers %u)",
                       where, j, s->layer, v->n_layers);
    const img_layer *l = &v->layers[s->layer];
    const img_group *g = &c->groups[c->neurons[j].group];
    if (s->index >= l->n_neurons)
      return imgv_fail(v, "%s: neuron %u: symbol index %u out of range (layer '%s' has "
                       "%u neurons)", where, j, s->index, l->name, l->n_neurons);
    if (g->p.kind != l->kind || g->first_tick != l->first_tick)
      return imgv_fail(v, "%s: neuron %u: its group %u (kind %u, first_tick %u) does "
                       "not match its layer '%s' (kind %u, first_tick %u)", where, j,
                       c->neurons[j].group, g->p.kind, g->first_tick, l->name, l->kind,
                       l->first_tick);
  }
  return 0;
}

int imgv_core(const imgv *v, const img_core *c) {
  char where[64];
  imgv_core_name(where, sizeof where, c->x, c->y);
  if (imgv_core_counts(v, c)) return v->code;
  for (uint32_t g = 0; g < c->n_groups; g++)
    if (check_group_values(v, &c->groups[g], g, where)) return v->code;
  for (uint32_t e = 0; e < c->n_fanout; e++) {
    const img_fanout *f = &c->fanout[e];
    if (f->delay > v->arch->delay_slots - 2 || (f->flags & ~IMG_FAN_GRADED))
      return imgv_fail(v, "%s: fan-out entry %u: delay %u (at most delay_slots - 2 = "
                       "%u), flags 0x%02x (only 0x01 is defined)", where, e, f->delay,
                       v->arch->delay_slots - 2, f->flags);
  }
  int rc;
  if ((rc = check_neurons(v, c, where)) || (rc = check_axons_weights(v, c, where)) ||
      (rc = check_fanout_kinds(v, c, where)) || (rc = check_symbols(v, c, where)))
    return rc;
  return 0;
}

/* ---- cross-references --------------------------------------------------------------- */

int imgv_entry(const imgv *v, const imgv_dests *d, const img_fanout *f,
               const char *where, uint32_t entry) {
  if (f->delay > v->arch->delay_slots - 2)
    return imgv_fail(v, "%s: entry %u: delay %u exceeds delay_slots - 2 = %u", where,
                     entry, f->delay, v->arch->delay_slots - 2);
  if (f->flags & ~IMG_FAN_GRADED)
    return imgv_fail(v, "%s: entry %u: unknown flags 0x%02x (only 0x01 graded is "
                     "defined)", where, entry, f->flags);
  int32_t k = f->x < d->mesh_x && f->y < d->mesh_y
                  ? d->slot[(size_t)f->y * d->mesh_x + f->x] : -1;
  if (k < 0)
    return imgv_fail(v, "%s: entry %u: destination core (%u, %u) is not in the image",
                     where, entry, f->x, f->y);
  const img_core *c = &d->cores[k];
  if (f->axon >= c->n_axons)
    return imgv_fail(v, "%s: entry %u: destination axon %u of core (%u, %u) out of "
                     "range (that core uses %u axons)", where, entry, f->axon, f->x,
                     f->y, c->n_axons);
  uint8_t want = c->axon_flags[f->axon] & IMG_AXON_GRADED;
  if ((f->flags & IMG_FAN_GRADED) != want)
    return imgv_fail(v, "%s: entry %u is %s, but axon %u of core (%u, %u) is %s", where,
                     entry, f->flags & IMG_FAN_GRADED ? "graded" : "binary", f->axon,
                     f->x, f->y, want ? "graded" : "binary");
  return 0;
}

int imgv_output(const imgv *v, const img_output *o, uint32_t i, const img_core *core) {
  if (!core)
    return imgv_fail(v, "OUTPUT section: output %u: core (%u, %u) is not in the image",
                     i, o->x, o->y);
  if (o->neuron >= core->n_neurons)
    return imgv_fail(v, "OUTPUT section: output %u: neuron %u of core (%u, %u) out of "
                     "range (that core uses %u neurons)", i, o->neuron, o->x, o->y,
                     core->n_neurons);
  const img_group *g = &core->groups[core->neurons[o->neuron].group];
  if (g->p.kind != NRN_READOUT)
    return imgv_fail(v, "OUTPUT section: output %u: neuron %u of core (%u, %u) is a %s "
                     "neuron, not a readout", i, o->neuron, o->x, o->y,
                     g->p.kind == NRN_SPIKING ? "spiking" : "relay");
  if (!isfinite(o->scale))
    return imgv_fail(v, "OUTPUT section: output %u: scale %g is not finite", i,
                     o->scale);
  return 0;
}

void imgv_core_layout_of(uint32_t T, uint32_t n_groups, uint32_t n_neurons,
                         uint32_t n_axons, uint32_t n_fanout, imgv_core_layout *l) {
  l->groups = IMG_CORE_HEADER_SIZE;
  l->neurons = l->groups + IMG_PAD8((uint64_t)n_groups * IMG_GROUP_SIZE(T));
  l->axons = l->neurons + IMG_PAD8((uint64_t)n_neurons * IMG_NEURON_SIZE);
  l->crossbar = l->axons + IMG_PAD8(n_axons);
  l->fanout = l->crossbar + IMG_PAD8((uint64_t)n_axons * n_neurons);
  l->symbols = l->fanout + (uint64_t)n_fanout * IMG_FANOUT_SIZE;
  l->size = l->symbols + (uint64_t)n_neurons * IMG_SYMBOL_SIZE;
}

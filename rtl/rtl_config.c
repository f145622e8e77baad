/*
 * rtl_config.c - from a chip image's CORE section to the configuration-port writes of
 * rtl/glif_core.v, and the check that a core fits the RTL's parameters.
 *
 * Pipeline position: used by every harness that loads a verilated core (the RTL
 * backend, the directed core test, the SystemC co-simulation), so the three load a
 * core identically. Table and field numbers are enum rtl_table (rtl_core.h) and
 * docs/rtl.md; they must match the decoder at the top of glif_core.v.
 */
#include <stdio.h>

#include "../fabric/mem.h"
#include "rtl_core.h"

/* Field of the architecture that the RTL fixes at build time, with its value there. */
static int need_equal(const char *field, uint32_t image, uint32_t rtl, glif_err *err) {
  if (image == rtl) return 0;
  return glif_errf(err, GLIF_EARCH, NULL, 0, 0,
                   "the image's architecture has %s = %u but the RTL core was built with "
                   "%u - rebuild with -DGLIF_RTL_CORE_PARAMS set for this architecture "
                   "(docs/rtl.md) or run the C backend",
                   field, image, rtl);
}

static int need_at_most(const char *what, uint64_t image, uint64_t rtl, glif_err *err) {
  if (image <= rtl) return 0;
  return glif_errf(err, GLIF_EARCH, NULL, 0, 0,
                   "%s is %llu but the RTL core holds at most %llu - rebuild with "
                   "-DGLIF_RTL_CORE_PARAMS large enough (docs/rtl.md)",
                   what, (unsigned long long)image, (unsigned long long)rtl);
}

static int check_arch(const rtl_params *p, const glif_arch *a, glif_err *err) {
  int rc;
  if ((rc = need_equal("delay_slots", a->delay_slots, p->d, err)) ||
      (rc = need_equal("lanes", a->lanes, p->l, err)) ||
      (rc = need_equal("pipeline_depth", a->pipeline_depth, p->s, err)) ||
      (rc = need_equal("core_buffer", a->core_buffer, p->bc, err)) ||
      (rc = need_equal("weight_bits", a->weight_bits, p->w, err)) ||
      (rc = need_equal("membrane_bits", a->membrane_bits, p->v, err)) ||
      (rc = need_equal("acc_bits", a->acc_bits, p->a, err)) ||
      (rc = need_equal("frac_bits", a->frac_bits, p->f, err)) ||
      (rc = need_equal("payload_sum_bits", a->payload_sum_bits, p->p, err)))
    return rc;
  if ((rc = need_at_most("shift_max", a->shift_max, p->mmax, err)) ||
      (rc = need_at_most("payload_in_bits", a->payload_in_bits, p->pw, err)) ||
      (rc = need_at_most("payload_sum_bits", a->payload_sum_bits, p->pw, err)) ||
      (rc = need_at_most("mesh_x - 1", a->mesh_x - 1, (1ull << p->xw) - 1, err)) ||
      (rc = need_at_most("mesh_y - 1", a->mesh_y - 1, (1ull << p->yw) - 1, err)))
    return rc;
  return 0;
}

static int bad_index(const img_image *img, uint32_t index, glif_err *err) {
  return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0, "core index %u is out of range (the "
                   "image has %u cores)", index, img->n_cores);
}

int rtl_check_fit(const rtl_params *p, const img_image *img, uint32_t index,
                  glif_err *err) {
  if (index >= img->n_cores) return bad_index(img, index, err);
  const img_core *c = &img->cores[index];
  char what[96];
  int rc = check_arch(p, &img->arch, err);
  if (rc) return rc;
  snprintf(what, sizeof what, "core (%u, %u): neurons", c->x, c->y);
  if ((rc = need_at_most(what, c->n_neurons, p->n, err))) return rc;
  snprintf(what, sizeof what, "core (%u, %u): axons", c->x, c->y);
  if ((rc = need_at_most(what, c->n_axons, p->axons, err))) return rc;
  snprintf(what, sizeof what, "core (%u, %u): groups", c->x, c->y);
  if ((rc = need_at_most(what, c->n_groups, p->g, err))) return rc;
  snprintf(what, sizeof what, "core (%u, %u): fan-out entries", c->x, c->y);
  if ((rc = need_at_most(what, c->n_fanout, p->e, err))) return rc;
  if ((rc = need_at_most("T (logical steps)", img->T, p->tmax, err)) ||
      (rc = need_at_most("n_ticks - 1", img->n_ticks - 1, (1ull << p->tw) - 1, err)))
    return rc;
  return 0;
}

/* ---- the write list ------------------------------------------------------------------ */

typedef struct wlist {
  rtl_cfg *w;
  size_t n, cap;
} wlist;

static int put(wlist *l, unsigned table, unsigned field, uint32_t addr, uint32_t data) {
  if (l->n == l->cap) {
    const size_t cap = l->cap ? 2 * l->cap : 1024;
    rtl_cfg *w = glif_realloc(l->w, cap * sizeof *w);
    if (!w) return GLIF_ENOMEM;
    l->w = w;
    l->cap = cap;
  }
  l->w[l->n++] = (rtl_cfg){(uint8_t)table, (uint8_t)field, addr, data};
  return 0;
}

static int put_groups(wlist *l, const img_core *c, uint32_t T) {
  int rc = 0;
  for (uint32_t g = 0; g < c->n_groups && !rc; g++) {
    const img_group *gr = &c->groups[g];
    const uint32_t f[9] = {gr->p.k, gr->p.ks, (uint32_t)gr->p.d, (uint32_t)gr->p.r,
                           (uint32_t)gr->p.theta, (uint32_t)gr->p.bias, gr->p.kind,
                           gr->shift, gr->first_tick};
    for (unsigned i = 0; i < 9 && !rc; i++) rc = put(l, RTL_T_GROUP, i, g, f[i]);
    for (uint32_t t = 0; t < T && !rc; t++)
      rc = put(l, RTL_T_GAIN, 0, (g << 16) | t, gr->gain[t]);
  }
  return rc;
}

static int put_neurons(wlist *l, const img_core *c) {
  int rc = 0;
  for (uint32_t j = 0; j < c->n_neurons && !rc; j++) {
    const img_neuron *n = &c->neurons[j];
    if (!(rc = put(l, RTL_T_NEURON, 0, j, n->group)) &&
        !(rc = put(l, RTL_T_NEURON, 1, j, n->fanout_start)))
      rc = put(l, RTL_T_NEURON, 2, j, n->fanout_count);
  }
  return rc;
}

static int put_axons_weights(wlist *l, const img_core *c) {
  int rc = 0;
  for (uint32_t a = 0; a < c->n_axons && !rc; a++) {
    rc = put(l, RTL_T_AXON, 0, a, c->axon_flags[a]);
    for (uint32_t j = 0; j < c->n_neurons && !rc; j++)
      rc = put(l, RTL_T_WEIGHT, 0, (a << 16) | j,
               (uint32_t)(int32_t)c->crossbar[(size_t)a * c->n_neurons + j]);
  }
  return rc;
}

static int put_fanout(wlist *l, const img_core *c) {
  int rc = 0;
  for (uint32_t e = 0; e < c->n_fanout && !rc; e++) {
    const img_fanout *f = &c->fanout[e];
    const uint32_t v[5] = {f->x, f->y, f->axon, f->delay, f->flags};
    for (unsigned i = 0; i < 5 && !rc; i++) rc = put(l, RTL_T_FANOUT, i, e, v[i]);
  }
  return rc;
}

int rtl_config_words(const img_image *img, uint32_t index, rtl_cfg **words, size_t *n,
                     glif_err *err) {
  *words = NULL;
  *n = 0;
  if (index >= img->n_cores) return bad_index(img, index, err);
  const img_core *c = &img->cores[index];
  wlist l = {NULL, 0, 0};
  int rc = put(&l, RTL_T_CTRL, 0, 0, c->n_neurons);
  if (!rc) rc = put(&l, RTL_T_CTRL, 1, 0, img->T);
  if (!rc) rc = put_groups(&l, c, img->T);
  if (!rc) rc = put_neurons(&l, c);
  if (!rc) rc = put_axons_weights(&l, c);
  if (!rc) rc = put_fanout(&l, c);
  if (rc) {
    glif_free(l.w);
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0,
                     "out of memory building the configuration of core (%u, %u)", c->x,
                     c->y);
  }
  *words = l.w;
  *n = l.n;
  return 0;
}

/*
 * sim_host.c - host input: turns one input sample into the packets the host injects
 * through the I/O port (fabric/image.h INPUT section, docs/timing.md "Host input").
 *
 * Direct encoding: element i is quantised once, payload = clamp(round_half_away(x /
 * scale), +-(2^(P-1) - 1)), and the same packets are sent for every logical step.
 * Spikes encoding: the sample holds T frames of 0/1 values (anything else is refused,
 * as by the reference model); element i of frame t sends a binary packet when it is 1. Elements that quantise to 0 send nothing. Both engines
 * read the same list; when they inject it is their own business.
 */
#include <math.h>
#include <string.h>

#include "../fabric/mem.h"
#include "../fabric/npy.h"
#include "sim_int.h"

int sim_host_create(sim_host *h, const sim_model *m, glif_err *err) {
  const img_image *img = m->img;
  const uint64_t steps = img->input.encoding == IMG_ENC_SPIKES ? img->T : 1;
  const uint64_t cap = (uint64_t)img->input.n_entries * steps;
  memset(h, 0, sizeof *h);
  if (cap > UINT32_MAX)
    return glif_errf(err, GLIF_ERANGE, NULL, 0, 0,
                     "host input needs %llu packets per inference (at most %u)",
                     (unsigned long long)cap, UINT32_MAX);
  h->pk = glif_malloc(sizeof *h->pk * (cap ? cap : 1));
  h->off = glif_calloc(img->T + 1u, sizeof *h->off);
  if (!h->pk || !h->off) {
    sim_host_destroy(h);
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for %llu host packets",
                     (unsigned long long)cap);
  }
  return 0;
}

void sim_host_destroy(sim_host *h) {
  glif_free(h->pk);
  glif_free(h->off);
  memset(h, 0, sizeof *h);
}

/* Appends the packets of element i carrying payload q; returns the new count. */
static uint32_t put_element(sim_host *h, const img_input *in, uint32_t i, int32_t q,
                            uint32_t k) {
  for (uint32_t e = in->offsets[i]; e < in->offsets[i + 1]; e++) {
    const img_fanout *f = &in->entries[e];
    sim_packet *p = &h->pk[k++];
    p->x = f->x;
    p->y = f->y;
    p->axon = f->axon;
    p->dly = f->delay;
    p->graded = (f->flags & IMG_FAN_GRADED) != 0;
    p->payload = p->graded ? q : 0;
    p->t = 0;
  }
  return k;
}

static int bad_value(const double *x, int64_t i, glif_err *err) {
  return glif_errf(err, GLIF_ERANGE, NULL, 0, 0,
                   "input element %lld is %g - inputs must be finite numbers",
                   (long long)i, x[i]);
}

static int fill_direct(sim_host *h, const img_input *in, uint32_t T, const double *x,
                       glif_err *err) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < in->n_inputs; i++) {
    if (!isfinite(x[i])) return bad_value(x, i, err);
    const int32_t q = nrn_payload(x[i], in->scale, in->payload_bits);
    if (q != 0) k = put_element(h, in, i, q, k);
  }
  for (uint32_t t = 0; t <= T; t++) h->off[t] = t ? k : 0;
  h->repeat = 1;
  return 0;
}

static int fill_spikes(sim_host *h, const img_input *in, uint32_t T, const double *x,
                       glif_err *err) {
  uint32_t k = 0;
  h->off[0] = 0;
  h->repeat = 0;
  for (uint32_t t = 0; t < T; t++) {
    const double *frame = x + (size_t)t * in->n_inputs;
    for (uint32_t i = 0; i < in->n_inputs; i++) {
      if (frame[i] != 0.0 && frame[i] != 1.0)
        return glif_errf(err, GLIF_ERANGE, NULL, 0, 0,
                         "input element %u of step %u is %.9g - spike-encoded inputs are "
                         "0 or 1", i, t + 1, frame[i]);
      if (frame[i] == 1.0) k = put_element(h, in, i, 1, k);
    }
    h->off[t + 1] = k;
  }
  return 0;
}

int sim_host_fill(sim_host *h, const sim_model *m, const double *sample, glif_err *err) {
  const img_input *in = &m->img->input;
  if (in->encoding == IMG_ENC_SPIKES) return fill_spikes(h, in, m->img->T, sample, err);
  return fill_direct(h, in, m->img->T, sample, err);
}

/* ---- input arrays ------------------------------------------------------------------------ */

int sim_input_samples(const sim_model *m, const npy_array *a, const char *path,
                      int64_t *n_samples, glif_err *err) {
  const img_input *in = &m->img->input;
  return npy_samples(a, in->encoding == IMG_ENC_SPIKES, (int)m->img->T, in->c, in->h,
                     in->w, path, "the chip's input", n_samples, err);
}

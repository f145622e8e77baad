/*
 * place.c - the place pass: tiles, in partition order (layer by layer, spatial blocks
 * in raster order), are laid along a path over the mesh, one core each.
 *
 *   lower -> drc -> partition -> PLACE -> route -> emit
 *
 * Paths (--place):
 *   rowmajor  core 0, 1, 2, ... (x fastest): the baseline.
 *   snake     rows alternate direction, so consecutive tiles are always neighbours.
 *   hilbert   a Hilbert curve over the smallest power-of-two square holding the mesh,
 *             skipping points outside it: consecutive tiles are neighbours and a
 *             layer's tiles stay in a compact region, close to the next layer's
 *             (the default: fewest hops on the networks measured in docs/compiler.md).
 * Every path starts at core (0, 0), beside the I/O port of the usual presets, where
 * the first layer (fed by the host) goes.
 */
#include "map.h"

#include <string.h>

/* Hilbert index d -> (x, y) on a side x side square (side a power of two). */
static void hilbert_xy(uint64_t side, uint64_t d, uint64_t *x, uint64_t *y) {
  uint64_t rx, ry, t = d;
  *x = *y = 0;
  for (uint64_t s = 1; s < side; s *= 2) {
    rx = 1 & (t / 2);
    ry = 1 & (t ^ rx);
    if (ry == 0) { /* rotate the quadrant */
      if (rx == 1) {
        *x = s - 1 - *x;
        *y = s - 1 - *y;
      }
      const uint64_t tmp = *x;
      *x = *y;
      *y = tmp;
    }
    *x += s * rx;
    *y += s * ry;
    t /= 4;
  }
}

int map_place_sequence(const glif_arch *a, const char *placer, uint32_t *seq,
                       glif_err *err) {
  const uint64_t X = a->mesh_x, Y = a->mesh_y, n = X * Y;
  if (!strcmp(placer, "rowmajor")) {
    for (uint64_t i = 0; i < n; i++) seq[i] = (uint32_t)i;
  } else if (!strcmp(placer, "snake")) {
    for (uint64_t y = 0, i = 0; y < Y; y++)
      for (uint64_t k = 0; k < X; k++, i++) seq[i] = (uint32_t)(y * X + (y % 2 ? X - 1 - k : k));
  } else if (!strcmp(placer, "hilbert")) {
    uint64_t side = 1, i = 0, x, y;
    while (side < X || side < Y) side *= 2;
    for (uint64_t d = 0; d < side * side && i < n; d++) {
      hilbert_xy(side, d, &x, &y);
      if (x < X && y < Y) seq[i++] = (uint32_t)(y * X + x);
    }
  } else {
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0,
                     "--place=%s is not a placer - use hilbert, snake or rowmajor", placer);
  }
  return 0;
}

int cc_pass_place(cc_ctx *ctx, glif_err *err) {
  map_result *m = ctx->map;
  const char *placer = ctx->opt && ctx->opt->place ? ctx->opt->place : "hilbert";
  if (!m || !m->tiles)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "place: run partition first");
  const uint64_t cores = (uint64_t)ctx->arch.mesh_x * ctx->arch.mesh_y;
  if ((uint64_t)m->n_tiles > cores)
    return glif_errf(err, GLIF_EFIT, NULL, 0, 0,
                     "place: %lld cores needed, the mesh has %llu - see the design-rule "
                     "checks", (long long)m->n_tiles, (unsigned long long)cores);
  uint32_t *seq = glif_malloc((size_t)cores * sizeof *seq);
  m->core_tile = glif_arena_array(ctx->arena, (size_t)cores, sizeof *m->core_tile);
  m->order = glif_arena_array(ctx->arena, (size_t)m->n_tiles + 1, sizeof *m->order);
  int rc = !seq || !m->core_tile || !m->order
               ? glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in place")
               : map_place_sequence(&ctx->arch, placer, seq, err);
  if (!rc) {
    for (uint64_t c = 0; c < cores; c++) m->core_tile[c] = -1;
    for (int64_t t = 0; t < m->n_tiles; t++) {
      m->tiles[t].core = seq[t];
      m->core_tile[seq[t]] = t;
    }
    int64_t k = 0;
    for (uint64_t c = 0; c < cores; c++)
      if (m->core_tile[c] >= 0) m->order[k++] = m->core_tile[c];
    m->placer = placer;
    m->placed = 1;
  }
  glif_free(seq);
  return rc;
}

/*
 * place.c - the place pass: tiles are laid along a path over the mesh, one core each.
 *
 *   lower -> drc -> partition -> PLACE -> route -> emit
 *
 * Placers (--place):
 *   rowmajor  tiles in partition order (layer by layer) on cores 0, 1, 2, ... (x
 *             fastest): the baseline.
 *   snake     the same order, rows alternating direction, so consecutive tiles are
 *             always neighbours.
 *   hilbert   the same order along a Hilbert curve over the smallest power-of-two
 *             square holding the mesh (points outside it skipped): each layer holds a
 *             compact region.
 *   spatial   (default) tiles ordered by the Hilbert index of their position in the
 *             feature map (normalised to the layer's size), then by layer, along the
 *             same curve: every layer's tiles of one image region sit together, so the
 *             packets of a convolution, a residual branch or a partial sum travel a few
 *             hops instead of the distance between two layers' regions (ResNet-19:
 *             docs/compiler.md has the measured hops).
 * Every path starts at core (0, 0), beside the I/O port of the usual presets.
 */
#include "map.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* ---- the generalised Hilbert curve over any rectangle ------------------------------
 * Jakub Cervený's "gilbert" construction: the rectangle is split into two or three
 * sub-rectangles walked recursively so that consecutive points are always neighbours,
 * for any width and height (the classic curve needs a power-of-two square; skipping
 * points outside the mesh would break the locality at every skipped run). */

typedef struct walk {
  uint32_t *seq;
  uint64_t n, mesh_x;
} walk;

static int64_t sgn(int64_t v) { return (v > 0) - (v < 0); }
static int64_t fdiv2(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); } /* floor */

static void visit(walk *w, int64_t x, int64_t y) {
  w->seq[w->n++] = (uint32_t)(y * (int64_t)w->mesh_x + x);
}

/* Walks the rectangle at (x, y) spanned by the major axis (ax, ay) and the minor (bx, by). */
static void gilbert(walk *w, int64_t x, int64_t y, int64_t ax, int64_t ay, int64_t bx,
                    int64_t by) {
  const int64_t wd = llabs(ax + ay), ht = llabs(bx + by);
  const int64_t dax = sgn(ax), day = sgn(ay), dbx = sgn(bx), dby = sgn(by);
  if (ht == 1 || wd == 1) { /* a single row or column */
    const int64_t n = ht == 1 ? wd : ht, sx = ht == 1 ? dax : dbx, sy = ht == 1 ? day : dby;
    for (int64_t i = 0; i < n; i++, x += sx, y += sy) visit(w, x, y);
    return;
  }
  int64_t ax2 = fdiv2(ax), ay2 = fdiv2(ay), bx2 = fdiv2(bx), by2 = fdiv2(by);
  const int64_t w2 = llabs(ax2 + ay2), h2 = llabs(bx2 + by2);
  if (2 * wd > 3 * ht) { /* long: split the major axis in two */
    if ((w2 % 2) && wd > 2) ax2 += dax, ay2 += day;
    gilbert(w, x, y, ax2, ay2, bx, by);
    gilbert(w, x + ax2, y + ay2, ax - ax2, ay - ay2, bx, by);
    return;
  }
  if ((h2 % 2) && ht > 2) bx2 += dbx, by2 += dby;
  gilbert(w, x, y, bx2, by2, ax2, ay2); /* up, across, down */
  gilbert(w, x + bx2, y + by2, ax, ay, bx - bx2, by - by2);
  gilbert(w, x + (ax - dax) + (bx2 - dbx), y + (ay - day) + (by2 - dby), -bx2, -by2,
          -(ax - ax2), -(ay - ay2));
}

static void gilbert_mesh(const glif_arch *a, uint32_t *seq) {
  walk w = {seq, 0, a->mesh_x};
  const int64_t X = a->mesh_x, Y = a->mesh_y;
  if (X >= Y) gilbert(&w, 0, 0, X, 0, 0, Y);
  else gilbert(&w, 0, 0, 0, Y, X, 0);
}

/* Hilbert index of (x, y) on a side x side square (side a power of two). */
static uint64_t hilbert_d(uint64_t side, uint64_t x, uint64_t y) {
  uint64_t d = 0;
  for (uint64_t s = side / 2; s > 0; s /= 2) {
    const uint64_t rx = (x & s) > 0, ry = (y & s) > 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry == 0) {
      if (rx == 1) {
        x = side - 1 - x;
        y = side - 1 - y;
      }
      const uint64_t t = x;
      x = y;
      y = t;
    }
  }
  return d;
}

typedef struct tile_key {
  uint64_t key;
  int64_t tile;
} tile_key;

static int cmp_key(const void *a, const void *b) {
  const tile_key *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return (x->tile > y->tile) - (x->tile < y->tile);
}

/* Order of tiles for the spatial placer: the tile's centre in the layer, scaled to a
 * 2^16 grid, along the Hilbert curve; ties (the layers and channel blocks of one
 * region) in partition order. */
static int spatial_order(const cc_ctx *ctx, int64_t *perm) {
  const map_result *m = ctx->map;
  tile_key *k = glif_malloc(((size_t)m->n_tiles + 1) * sizeof *k);
  if (!k) return GLIF_ENOMEM;
  for (int64_t t = 0; t < m->n_tiles; t++) {
    const map_tile *g = &m->tiles[t];
    const lw_layer *L = &ctx->lowered->layers[g->layer];
    const uint64_t gy = ((uint64_t)(g->y0 + g->y1) << 15) / (uint64_t)L->h;
    const uint64_t gx = ((uint64_t)(g->x0 + g->x1) << 15) / (uint64_t)L->w;
    k[t].key = hilbert_d(1u << 16, gx, gy);
    k[t].tile = t;
  }
  qsort(k, (size_t)m->n_tiles, sizeof *k, cmp_key);
  for (int64_t i = 0; i < m->n_tiles; i++) perm[i] = k[i].tile;
  glif_free(k);
  return 0;
}

/* The free core nearest (Manhattan) to (x, y), scanning rings of growing radius in a
 * fixed order; the caller guarantees one is free. */
static uint32_t nearest_free(const glif_arch *a, const uint8_t *used, int64_t x, int64_t y) {
  const int64_t X = a->mesh_x, Y = a->mesh_y;
  for (int64_t r = 0;; r++)
    for (int64_t dy = -r; dy <= r; dy++) {
      const int64_t yy = y + dy, rest = r - llabs(dy);
      if (yy < 0 || yy >= Y) continue;
      for (int64_t sx = -1; sx <= 1; sx += 2) {
        const int64_t xx = x + sx * rest;
        if (xx >= 0 && xx < X && !used[yy * X + xx]) return (uint32_t)(yy * X + xx);
        if (rest == 0) break;
      }
    }
}

/* The spatial placer: the mesh as a scaled copy of the feature maps. Each tile, in
 * spatial order, takes the free core nearest to the point of the mesh that corresponds
 * to its centre in its layer, so a layer's neighbours, its residual branches and its
 * partial sums, which all cover the same image region, end up a few hops apart. */
static int place_spatial(cc_ctx *ctx, const int64_t *perm) {
  map_result *m = ctx->map;
  const glif_arch *a = &ctx->arch;
  uint8_t *used = glif_calloc((size_t)a->mesh_x * a->mesh_y, 1);
  if (!used) return GLIF_ENOMEM;
  for (int64_t i = 0; i < m->n_tiles; i++) {
    map_tile *g = &m->tiles[perm[i]];
    const lw_layer *L = &ctx->lowered->layers[g->layer];
    const int64_t y = (int64_t)(g->y0 + g->y1) * a->mesh_y / (2 * L->h);
    const int64_t x = (int64_t)(g->x0 + g->x1) * a->mesh_x / (2 * L->w);
    g->core = nearest_free(a, used, x, y);
    used[g->core] = 1;
  }
  glif_free(used);
  return 0;
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
    gilbert_mesh(a, seq);
  } else if (strcmp(placer, "spatial")) {
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0,
                     "--place=%s is not a placer - use spatial, hilbert, snake or "
                     "rowmajor", placer);
  }
  return 0;
}

/* Cores of the tiles (path order, the spatial map, or kept from metis), then the
 * core -> tile table and the tiles in core order. */
static int assign(cc_ctx *ctx, const char *placer, const uint32_t *seq, int64_t *perm) {
  map_result *m = ctx->map;
  const uint64_t cores = (uint64_t)ctx->arch.mesh_x * ctx->arch.mesh_y;
  const int spatial = !strcmp(placer, "spatial"), keep = m->preplaced;
  for (int64_t t = 0; t < m->n_tiles; t++) perm[t] = t;
  if (spatial && !keep && (spatial_order(ctx, perm) || place_spatial(ctx, perm)))
    return GLIF_ENOMEM;
  for (uint64_t c = 0; c < cores; c++) m->core_tile[c] = -1;
  for (int64_t i = 0; i < m->n_tiles; i++) {
    if (!spatial && !keep) m->tiles[perm[i]].core = seq[i];
    m->core_tile[m->tiles[perm[i]].core] = perm[i];
  }
  int64_t k = 0;
  for (uint64_t c = 0; c < cores; c++)
    if (m->core_tile[c] >= 0) m->order[k++] = m->core_tile[c];
  m->placer = keep ? "metis" : placer; /* metis chose the cores in partition */
  m->placed = 1;
  return 0;
}

int cc_pass_place(cc_ctx *ctx, glif_err *err) {
  map_result *m = ctx->map;
  const char *placer = ctx->opt && ctx->opt->place ? ctx->opt->place : "spatial";
  if (!m || !m->tiles)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "place: run partition first");
  const uint64_t cores = (uint64_t)ctx->arch.mesh_x * ctx->arch.mesh_y;
  if ((uint64_t)m->n_tiles > cores)
    return glif_errf(err, GLIF_EFIT, NULL, 0, 0,
                     "place: %lld cores needed, the mesh has %llu - see the design-rule "
                     "checks", (long long)m->n_tiles, (unsigned long long)cores);
  uint32_t *seq = glif_malloc((size_t)cores * sizeof *seq);
  int64_t *perm = glif_malloc(((size_t)m->n_tiles + 1) * sizeof *perm);
  m->core_tile = glif_arena_array(ctx->arena, (size_t)cores, sizeof *m->core_tile);
  m->order = glif_arena_array(ctx->arena, (size_t)m->n_tiles + 1, sizeof *m->order);
  int rc = !seq || !perm || !m->core_tile || !m->order
               ? glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in place")
               : map_place_sequence(&ctx->arch, placer, seq, err);
  if (!rc && assign(ctx, placer, seq, perm))
    rc = glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in place");
  glif_free(seq), glif_free(perm);
  return rc;
}
